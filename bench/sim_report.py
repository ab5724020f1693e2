"""What ``bench/simulate.py`` reports besides the scores: values a mode emitted that the article
does not contain, and why the oracle misses gold events (the diagnosis the grounding work uses).

The invented-values check is independent of the pipeline's grounding code: it looks the record's
values up in the *whole* document with the gazetteer, the money finder, the item finder and a
plain normalized substring test, so a grounding defect cannot hide itself.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

from bench.sim_drafts import (
    ELSEWHERE,
    IN_CONTEXT,
    MAX_EVENTS,
    MISSING,
    GoldDoc,
    RequestLog,
    Trace,
)
from extractor.arabic.textnorm import normalize
from extractor.core.values import same_amount
from extractor.tools.evaluate import (
    dates_equal,
    gold_event,
    match,
    money_sets_equal,
    predicted_event,
    similarity,
)

STRICT_FIELDS = ("actors", "targets", "date", "money")
OTHER_FIELDS = ("items", "killed", "injured")
EXAMPLES_PER_CAUSE = 4

# ---- invented values --------------------------------------------------------------------------


def invented_values(records: list[dict[str, Any]], docs: dict[str, GoldDoc]) -> dict[str, Any]:
    """Values in ``records`` that their article does not contain, counted by field, with
    examples; quotes not found verbatim at their offsets are counted apart."""
    counts: Counter[str] = Counter()
    examples: list[str] = []
    bad_quotes = 0
    cache: dict[str, tuple[set[str], str, set[str]]] = {}
    for r in records:
        doc = docs.get(str(r.get("doc_id")))
        if doc is None:
            continue
        if doc.doc_id not in cache:
            cache[doc.doc_id] = (doc.codes(), doc.norm.text, doc.item_names())
        codes, norm_text, item_names = cache[doc.doc_id]
        ev = r.get("evidence") or {}
        quote = ev.get("quote") or ""
        if not quote or doc.text[ev.get("start", 0) : ev.get("end", 0)] != quote:
            bad_quotes += 1
        found: list[tuple[str, str]] = []
        for role in ("actors", "targets"):
            for a in r.get(role) or []:
                code = a.get("code") or a.get("country")
                if code and code not in codes:
                    found.append((role, f"{code} ({a.get('surface')})"))
        for m in r.get("money") or []:
            if not any(
                same_amount(x.amount, x.currency, float(m["amount"]), str(m["currency"]))
                for x in doc.money
            ):
                found.append(("money", f"{m['amount']:g} {m['currency']} ({m.get('surface')})"))
        date = r.get("date") or {}
        if date.get("surface") and normalize(str(date["surface"])) not in norm_text:
            found.append(("date", f"{date.get('value')} ({date['surface']})"))
        for item in r.get("items") or []:
            if str(item.get("name", "")).casefold() not in item_names:
                found.append(("items", f"{item.get('name')} ({item.get('surface')})"))
        for role, what in found:
            counts[role] += 1
            if len(examples) < 10:
                examples.append(f"{doc.doc_id}: {role} {what} in «{quote[:50]}»")
    return {
        "count": sum(counts.values()),
        "by_field": dict(counts),
        "quotes_not_verbatim": bad_quotes,
        "examples": examples,
    }


# ---- diagnosis --------------------------------------------------------------------------------


@dataclass
class Causes:
    """Counts of causes with a few concrete examples each."""

    counts: Counter[str] = field(default_factory=Counter)
    examples: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))

    def add(self, cause: str, example: str) -> None:
        self.counts[cause] += 1
        if len(self.examples[cause]) < EXAMPLES_PER_CAUSE:
            self.examples[cause].append(example)

    def as_dict(self) -> dict[str, Any]:
        return {
            cause: {"count": n, "examples": self.examples[cause]}
            for cause, n in self.counts.most_common()
        }


def _where_label(where: str | None) -> str:
    if where == MISSING or where is None:
        return "nowhere in the document as a surface the finders read as that value"
    if where == ELSEWHERE:
        return "written only outside the request's text (another segment or chunk)"
    if where.endswith("/resolves_differently"):
        return "date expression in the sentence resolves to another value"
    if where == IN_CONTEXT:
        return "written outside the quote's sentence: dropped by grounding"
    return "written in the quote's sentence, yet lost"


def _parties(r: dict[str, Any]) -> set[str]:
    return {
        str(a.get("code") or a.get("country") or a.get("name")) if isinstance(a, dict) else str(a)
        for a in (r.get("actors") or []) + (r.get("targets") or [])
    }


def _merged_into(raw: dict[str, Any], recs: list[dict[str, Any]]) -> str:
    """The surviving record a merged draft most likely went into (same type, closest parties)."""
    same = [r for r in recs if r["event_type"] == raw["event_type"]]
    if not same:
        return ""
    gold = _parties(raw)

    def closeness(r: dict[str, Any]) -> float:
        got = _parties(r)
        return len(gold & got) / len(gold | got) if gold | got else 1.0

    best = max(same, key=closeness)
    return f" → into «{str((best.get('evidence') or {}).get('quote', ''))[:50]}»"


def _kept(name: str, value: str, raw: dict[str, Any], r: dict[str, Any]) -> bool:
    """Does record ``r`` carry the gold value ``value`` (as the trace labels it) of ``name``?"""
    if name in ("actors", "targets"):
        return value in {str(a.get("code") or a.get("country")) for a in r.get(name) or []}
    if name == "date":
        d = r.get("date") or {}
        got = (str(d["value"]), str(d.get("precision") or "day")) if d.get("value") else None
        gold = raw.get("date") or {}
        return dates_equal((str(gold["value"]), str(gold.get("precision") or "day")), got)
    if name == "money":
        amount, currency = value.split(" ")
        return any(
            same_amount(float(amount), currency, float(m["amount"]), str(m["currency"]))
            for m in r.get("money") or []
        )
    if name == "items":
        return value.casefold() in {str(i.get("name", "")).casefold() for i in r.get("items") or []}
    return r.get(name) is not None and str(r.get(name)) == value


def _traces_by_gold(logs: list[RequestLog]) -> dict[tuple[str, int], Trace]:
    out: dict[tuple[str, int], Trace] = {}
    for log in logs:
        for t in log.traces:
            out.setdefault((log.doc_id, t.gold_index), t)
    return out


class Diagnosis:
    """Why a mode misses gold events (relaxed) or gets them wrong (strict), by cause."""

    def __init__(self, docs: list[GoldDoc], logs: list[RequestLog]) -> None:
        self.docs = {d.doc_id: d for d in docs}
        self.traces = _traces_by_gold(logs)
        self.logs = logs
        self.relaxed = Causes()  # gold events with no matching record
        self.strict = Causes()  # matched, wrong in a strict field (one count per field cause)
        self.strict_events = 0
        self.other_fields = Causes()  # items / casualties wrong on matched events
        self.false_positives = Causes()
        self.pairs: dict[tuple[str, int], dict[str, Any] | None] = {}
        self.where: Counter[str] = Counter()  # the oracle's value surfaces, by where found
        self.context: dict[str, Counter[str]] = defaultdict(Counter)  # field → sent / kept

    def run(self, records: list[dict[str, Any]], builder_check: Any = None) -> Diagnosis:
        by_doc: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for r in records:
            by_doc[str(r.get("doc_id"))].append(r)
        for doc in self.docs.values():
            self._doc(doc, by_doc.get(doc.doc_id, []), builder_check)
        return self

    def _doc(self, doc: GoldDoc, recs: list[dict[str, Any]], builder_check: Any) -> None:
        gold = [gold_event(e) for e in doc.events]
        pred = [predicted_event(r, doc.text) for r in recs]
        pairs = {gi: pi for gi, pi, _ in match(gold, pred)}
        matched_pred = set(pairs.values())
        for gi, raw in enumerate(doc.events):
            quote = str(raw["quote"])
            ex = f"{doc.doc_id}#{gi} {raw['event_type']} «{quote[:60]}»"
            trace = self.traces.get((doc.doc_id, gi))
            pi = pairs.get(gi)
            self.pairs[(doc.doc_id, gi)] = recs[pi] if pi is not None else None
            if pi is None:
                self._unmatched(doc, gi, raw, trace, gold, pred, recs, pairs, ex, builder_check)
                continue
            g, p, r = gold[gi], pred[pi], recs[pi]
            if trace is not None:
                self._context_gain(raw, r, trace)
            wrong = self._strict_fields(g, p, r, raw, trace, ex)
            if wrong:
                self.strict_events += 1
            self._other_fields(raw, r, trace, ex)
        for pi, r in enumerate(recs):
            if pi in matched_pred:
                continue
            q = (r.get("evidence") or {}).get("quote") or ""
            same_span = [
                gi
                for gi, e in enumerate(doc.events)
                if e["event_type"] == r["event_type"] and normalize(q) in normalize(e["quote"])
            ]
            if same_span:
                best = max(similarity(gold[gi], pred[pi]) for gi in same_span)
                cause = (
                    "record of a gold quote, already matched (duplicate not merged)"
                    if all(gi in pairs for gi in same_span)
                    else f"record of a gold quote below the match threshold (best {best:.2f})"
                )
            else:
                cause = "record with no gold quote (another type, or another sentence)"
            self.false_positives.add(cause, f"{doc.doc_id} {r['event_type']} «{q[:60]}»")

    def _context_gain(self, raw: dict[str, Any], r: dict[str, Any], trace: Trace) -> None:
        """Values the oracle could only give from outside the quote's sentence: kept or not
        (what grounding beyond the quote gains)."""
        for name, values in trace.fields.items():
            for value, where in values:
                self.where[where or MISSING] += 1
                if where != IN_CONTEXT:
                    continue
                self.context[name]["sent"] += 1
                if _kept(name, value, raw, r):
                    self.context[name]["kept"] += 1

    # ---- unmatched gold events ------------------------------------------------------------
    def _unmatched(
        self,
        doc: GoldDoc,
        gi: int,
        raw: dict[str, Any],
        trace: Trace | None,
        gold: list[Any],
        pred: list[Any],
        recs: list[dict[str, Any]],
        pairs: dict[int, int],
        ex: str,
        builder_check: Any,
    ) -> None:
        if any(lg.doc_id == doc.doc_id and gi in lg.capped for lg in self.logs):
            self.relaxed.add(
                f"not answered: its request held more than {MAX_EVENTS} gold events "
                "(DraftBatch max_length)",
                ex,
            )
            return
        if trace is None:
            pos = doc.text.find(str(raw["quote"]))
            kind = doc.kind_at(pos) if pos >= 0 else None
            self.relaxed.add(f"quote not in any request's text (segment {kind})", ex)
            return
        span = doc.quote_span(str(raw["quote"]), 0, len(doc.text))
        at_span = [
            pi
            for pi, r in enumerate(recs)
            if r["event_type"] == raw["event_type"]
            and span is not None
            and (r.get("evidence") or {}).get("start", -1) < span[1]
            and span[0] < (r.get("evidence") or {}).get("end", -1)
        ]
        if not at_span:
            reason = builder_check(doc, gi) if builder_check else None
            if reason is None:
                self.relaxed.add("no record for the draft (refused or merged)", ex)
            elif reason.startswith("built"):
                self.relaxed.add(
                    "dedup merged it into another event's record (another quote)",
                    ex + _merged_into(raw, recs),
                )
            else:
                self.relaxed.add(f"draft refused by grounding: {reason}", ex)
            return
        owners = {pi: next((g for g, p in pairs.items() if p == pi), None) for pi in at_span}
        taken = [o for o in owners.values() if o is not None]
        if taken and len(at_span) == len(taken):
            shared = [o for o in taken if doc.events[o]["quote"] == raw["quote"]]
            if shared:
                self.relaxed.add(
                    "dedup merged two gold events told in one quote",
                    ex + f" (merged with #{shared[0]})",
                )
            else:
                self.relaxed.add(
                    "its record was matched to another gold event", ex + f" (#{taken[0]})"
                )
            return
        free = [pi for pi, o in owners.items() if o is None]
        best = max(similarity(gold[gi], pred[pi]) for pi in free)
        self.relaxed.add(f"record below the match threshold (similarity {best:.2f})", ex)

    # ---- wrong values ---------------------------------------------------------------------
    def _strict_fields(
        self,
        g: Any,
        p: Any,
        r: dict[str, Any],
        raw: dict[str, Any],
        trace: Trace | None,
        ex: str,
    ) -> list[str]:
        wrong: list[str] = []
        fields = trace.fields if trace else {}
        notes = trace.notes if trace else []
        for role in ("actors", "targets"):
            gold_codes, pred_codes = set(getattr(g, role)), set(getattr(p, role))
            if gold_codes == pred_codes:
                continue
            wrong.append(role)
            where = dict(fields.get(role, []))
            for code in sorted(gold_codes - pred_codes):
                if any(n.startswith(role + " capped") for n in notes):
                    label = "cut to 6 by the draft schema (DraftEvent max_length)"
                    if where.get(code) in (MISSING, ELSEWHERE):
                        label = _where_label(where.get(code))
                else:
                    label = _where_label(where.get(code))
                self.strict.add(f"{role}: gold value {label}", f"{ex} [{code}]")
            for code in sorted(pred_codes - gold_codes):
                self.strict.add(f"{role}: extra value in the record", f"{ex} [+{code}]")
        if not dates_equal(g.date, p.date):
            wrong.append("date")
            gd, pd = g.date, p.date
            date_where = (fields.get("date") or [("", None)])[0][1]
            if gd is None:
                self.strict.add("date: record has a date, gold has none", f"{ex} [{pd}]")
            elif pd is None:
                self.strict.add(f"date: gold value {_where_label(date_where)}", f"{ex} [{gd[0]}]")
            else:
                surface = (r.get("date") or {}).get("surface")
                self.strict.add(
                    "date: resolved to another value", f"{ex} [{surface!r} → {pd[0]}, gold {gd[0]}]"
                )
        if not money_sets_equal(g, p):
            wrong.append("money")
            where = dict(fields.get("money", []))
            rec_money = r.get("money") or []
            flagged = [
                m for m in rec_money if m.get("cumulative") or m.get("qualifier") == "equivalent"
            ]
            capped = any(n.startswith("money capped") for n in notes)
            for amount, currency, _q in g.money:
                if any(
                    same_amount(amount, currency, a, c) for a, c, _ in p.money
                ):  # this one is there
                    continue
                label = f"{amount:g} {currency}"
                if any(
                    same_amount(amount, currency, float(m["amount"]), m["currency"])
                    for m in flagged
                ):
                    self.strict.add(
                        "money: kept but flagged cumulative/equivalent (scorer ignores it)",
                        f"{ex} [{label}]",
                    )
                elif capped and where.get(label) not in (MISSING, ELSEWHERE):
                    self.strict.add(
                        "money: cut to 4 by the draft schema (DraftEvent max_length)",
                        f"{ex} [{label}]",
                    )
                else:
                    self.strict.add(
                        f"money: gold value {_where_label(where.get(label))}", f"{ex} [{label}]"
                    )
            for amount, currency, _q in p.money:
                if not any(same_amount(amount, currency, a, c) for a, c, _ in g.money):
                    self.strict.add(
                        "money: extra amount in the record", f"{ex} [+{amount:g} {currency}]"
                    )
        return wrong

    def _other_fields(
        self, raw: dict[str, Any], r: dict[str, Any], trace: Trace | None, ex: str
    ) -> None:
        fields = trace.fields if trace else {}
        gold_items = {str(i).casefold() for i in raw.get("items") or []}
        pred_items = {str(i.get("name", "")).casefold() for i in r.get("items") or []}
        where = {k.casefold(): w for k, w in fields.get("items", [])}
        for name in sorted(gold_items - pred_items):
            self.other_fields.add(
                f"items: gold value {_where_label(where.get(name))}", f"{ex} [{name}]"
            )
        for name in sorted(pred_items - gold_items):
            self.other_fields.add("items: extra item in the record", f"{ex} [+{name}]")
        for role in ("killed", "injured"):
            gv, pv = raw.get(role), r.get(role)
            if gv == pv:
                continue
            if gv is None:
                self.other_fields.add(f"{role}: record has a count, gold has none", f"{ex} [{pv}]")
            elif pv is None:
                w = (fields.get(role) or [("", None)])[0][1]
                self.other_fields.add(f"{role}: gold value {_where_label(w)}", f"{ex} [{gv}]")
            else:
                self.other_fields.add(f"{role}: another count", f"{ex} [{pv}, gold {gv}]")

    def as_dict(self) -> dict[str, Any]:
        return {
            "relaxed_misses": {
                "count": sum(self.relaxed.counts.values()),
                "by_cause": self.relaxed.as_dict(),
            },
            "strict_errors": {
                "events": self.strict_events,
                "by_field_cause": self.strict.as_dict(),
            },
            "false_positives": {
                "count": sum(self.false_positives.counts.values()),
                "by_cause": self.false_positives.as_dict(),
            },
            "other_fields": self.other_fields.as_dict(),
            "value_surfaces_by_where": dict(self.where.most_common()),
            "context_values": {name: dict(c) for name, c in sorted(self.context.items())},
        }


def noise_attribution(
    docs: list[GoldDoc],
    noisy_logs: list[RequestLog],
    oracle: Diagnosis,
    noisy: Diagnosis,
    failed_docs: Collection[str] = (),
) -> dict[str, Any]:
    """For gold events the oracle gets right (strict) and the noisy model does not: which noise
    on which field lost them (the tolerance grounding still lacks)."""
    traces = _traces_by_gold(noisy_logs)
    causes = Causes()
    for doc in docs:
        gold = [gold_event(e) for e in doc.events]
        for gi, raw in enumerate(doc.events):
            ex = f"{doc.doc_id}#{gi} «{str(raw['quote'])[:50]}»"
            o_rec = oracle.pairs.get((doc.doc_id, gi))
            n_rec = noisy.pairs.get((doc.doc_id, gi))
            if o_rec is None:
                continue
            o_ok = _strict_ok(gold[gi], o_rec, doc)
            trace = traces.get((doc.doc_id, gi))
            noise = trace.noise if trace else {}
            if n_rec is None and doc.doc_id in failed_docs:
                causes.add("lost: the document failed in the noisy run", ex)
                continue
            if n_rec is None:
                quote_noise = ",".join(noise.get("quote", []))
                values = sorted(
                    f"{name} {'+'.join(tags)}"
                    for name, tags in noise.items()
                    if name != "quote" and set(tags) - {"none"}
                )
                more = f"; values: {', '.join(values)}" if values else ""
                causes.add(f"lost (relaxed): quote noise {quote_noise}{more}", ex)
                continue
            if not o_ok or _strict_ok(gold[gi], n_rec, doc):
                continue
            p = predicted_event(n_rec, doc.text)
            g = gold[gi]
            for role in ("actors", "targets"):
                if set(getattr(g, role)) != set(getattr(p, role)):
                    tags = sorted(set(noise.get(role, [])) - {"none"}) or ["none"]
                    causes.add(f"{role} lost: noise {'+'.join(tags)}", ex)
            if not dates_equal(g.date, p.date):
                causes.add(f"date lost: noise {'+'.join(noise.get('date', ['none']))}", ex)
            if not money_sets_equal(g, p):
                tags = sorted(set(noise.get("money", [])) - {"none"}) or ["none"]
                causes.add(f"money lost: noise {'+'.join(tags)}", ex)
    return causes.as_dict()


def _strict_ok(g: Any, record: dict[str, Any], doc: GoldDoc) -> bool:
    p = predicted_event(record, doc.text)
    return (
        set(g.actors) == set(p.actors)
        and set(g.targets) == set(p.targets)
        and dates_equal(g.date, p.date)
        and money_sets_equal(g, p)
    )


def _sources(r: dict[str, Any]) -> str:
    prov = r.get("provenance") or {}
    return "+".join(prov.get("sources") or [str(prov.get("backend"))])


def _field_values(g: Any, p: Any) -> list[tuple[str, str]]:
    """The strict fields on which predicted event ``p`` differs from gold ``g``, with values."""
    out = []
    for role in ("actors", "targets"):
        if set(getattr(g, role)) != set(getattr(p, role)):
            out.append((role, f"{sorted(getattr(p, role))} vs gold {sorted(getattr(g, role))}"))
    if not dates_equal(g.date, p.date):
        out.append(("date", f"{p.date} vs gold {g.date}"))
    if not money_sets_equal(g, p):
        out.append(("money", f"{[m[:2] for m in p.money]} vs gold {[m[:2] for m in g.money]}"))
    return out


def hybrid_attribution(
    docs: list[GoldDoc], noisy: Diagnosis, hybrid: Diagnosis, records: list[dict[str, Any]]
) -> dict[str, Any]:
    """What the hybrid merge adds and loses against the noisy model alone: records and false
    positives by the backends that proposed them, gold events right in noisy but wrong in hybrid
    (by field and source) and the reverse."""
    matched = {id(r) for r in hybrid.pairs.values() if r is not None}
    by_source: Counter[str] = Counter()
    unmatched: Counter[str] = Counter()
    for r in records:
        src = _sources(r)
        by_source[src] += 1
        if id(r) not in matched:
            unmatched[src] += 1
    lost, gained = Causes(), Causes()
    for doc in docs:
        gold = [gold_event(e) for e in doc.events]
        for gi, raw in enumerate(doc.events):
            ex = f"{doc.doc_id}#{gi} {raw['event_type']} «{str(raw['quote'])[:50]}»"
            n_rec = noisy.pairs.get((doc.doc_id, gi))
            h_rec = hybrid.pairs.get((doc.doc_id, gi))
            n_ok = n_rec is not None and _strict_ok(gold[gi], n_rec, doc)
            h_ok = h_rec is not None and _strict_ok(gold[gi], h_rec, doc)
            if n_ok and not h_ok:
                if h_rec is None:
                    lost.add("no hybrid record matches it", ex)
                    continue
                p = predicted_event(h_rec, doc.text)
                for name, detail in _field_values(gold[gi], p):
                    lost.add(f"{name} wrong (record from {_sources(h_rec)})", f"{ex} {detail}")
            elif h_ok and not n_ok:
                src = _sources(h_rec) if h_rec is not None else "?"
                how = "missed" if n_rec is None else "wrong"
                gained.add(f"right in hybrid, {how} in noisy (record from {src})", ex)
    return {
        "records_by_source": dict(by_source),
        "unmatched_records_by_source": dict(unmatched),
        "strict_lost_vs_noisy": lost.as_dict(),
        "strict_gained_vs_noisy": gained.as_dict(),
    }


__all__ = ["Causes", "Diagnosis", "hybrid_attribution", "invented_values", "noise_attribution"]
