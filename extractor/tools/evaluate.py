"""Scoring predicted records against a gold file (DESIGN.md §6).

Per document and event type, predictions are matched one-to-one to gold events by Hungarian
assignment on a similarity of quote overlap, parties, money and date; pairs below 0.5 stay
unmatched. Reported: relaxed (type only) and strict (type + actors + targets + date + money)
event P/R/F1, a per-type breakdown, per-field scores on matched pairs, and how many predicted
quotes are verbatim in the source, and **duplicates**: predicted records left unmatched that
would match (similarity ≥ 0.5) a gold event another prediction already matched — the same event
reported twice (see :func:`duplicates`).
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from extractor.arabic.textnorm import normalize
from extractor.core.values import same_amount
from extractor.errors import ConfigError
from extractor.schemas.event_types import SPECS

MATCH_THRESHOLD = 0.5
MIN_QUOTE_OVERLAP = 0.3  # a pair must also share words: empty fields alone never make a match
WEIGHTS = {"quote": 0.55, "parties": 0.15, "money": 0.15, "date": 0.15}
_WORD = re.compile(r"[^\W_]+")


@dataclass
class Event:
    """The comparable form of a gold or predicted event."""

    event_type: str
    quote: str
    actors: frozenset[str] = frozenset()
    targets: frozenset[str] = frozenset()
    date: tuple[str, str] | None = None  # (value, precision)
    money: tuple[tuple[float, str, str], ...] = ()  # (amount, currency, qualifier)
    items: frozenset[str] = frozenset()
    stage: str | None = None
    category: str | None = None
    mode: str | None = None
    subtype: str | None = None
    killed: int | None = None
    injured: int | None = None
    modality: str | None = None
    words: frozenset[str] = field(default_factory=frozenset)
    verbatim: bool | None = None


def _codes(values: Iterable[Any] | None) -> frozenset[str]:
    out = set()
    for v in values or []:
        if isinstance(v, dict):
            v = v.get("code") or v.get("country") or v.get("name")
        if v:
            out.add(str(v))
    return frozenset(out)


def _date(value: Any) -> tuple[str, str] | None:
    if not isinstance(value, dict) or not value.get("value"):
        return None
    return str(value["value"]), str(value.get("precision") or "day")


def _event(
    raw: dict[str, Any], quote: str, items: Iterable[str], verbatim: bool | None = None
) -> Event:
    """The comparable form of a gold event or a predicted record (same keys but quote/items)."""
    return Event(
        event_type=raw["event_type"],
        quote=quote,
        actors=_codes(raw.get("actors")),
        targets=_codes(raw.get("targets")),
        date=_date(raw.get("date")),
        money=tuple(
            (float(m["amount"]), str(m["currency"]), str(m.get("qualifier") or "exact"))
            for m in raw.get("money") or []
            # running totals and conversions are not the event's amount
            if not m.get("cumulative") and m.get("qualifier") != "equivalent"
        ),
        items=frozenset(i.casefold() for i in items),
        stage=raw.get("stage"),
        category=raw.get("category"),
        mode=raw.get("mode"),
        subtype=raw.get("subtype"),
        killed=raw.get("killed"),
        injured=raw.get("injured"),
        modality=raw.get("modality"),
        words=frozenset(_WORD.findall(normalize(quote))),
        verbatim=verbatim,
    )


def gold_event(raw: dict[str, Any]) -> Event:
    return _event(raw, raw.get("quote") or "", (str(i) for i in raw.get("items") or []))


def predicted_event(record: dict[str, Any], source_text: str | None) -> Event:
    evidence = record.get("evidence") or {}
    quote = evidence.get("quote") or ""
    verbatim = None
    if source_text is not None:
        verbatim = (
            source_text[evidence.get("start", 0) : evidence.get("end", 0)] == quote
            and quote in source_text
        )
    items = (str(i["name"]) for i in record.get("items") or [])
    return _event(record, quote, items, verbatim)


# ---- similarity -------------------------------------------------------------------------------


def _overlap(a: frozenset[str], b: frozenset[str]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / min(len(a), len(b))


def _jaccard(a: frozenset[str], b: frozenset[str], empty: float = 1.0) -> float:
    if not a and not b:
        return empty
    return len(a & b) / len(a | b)


def money_equal(a: tuple[float, str, str], b: tuple[float, str, str]) -> bool:
    """Same currency and amount within the tolerance every comparison uses."""
    return same_amount(a[0], a[1], b[0], b[1])


def _money_sim(g: Event, p: Event) -> float:
    if not g.money and not p.money:
        return 1.0
    if not g.money or not p.money:
        return 0.5
    return 1.0 if any(money_equal(x, y) for x in g.money for y in p.money) else 0.0


def _iso_week_day(value: str) -> str:
    m = re.fullmatch(r"(\d{4})-W(\d{2})", value)
    if not m:
        return value
    monday = date.fromisocalendar(int(m.group(1)), int(m.group(2)), 1)
    return (monday + timedelta(days=3)).isoformat()  # the week's Thursday names its month


def dates_equal(gold: tuple[str, str] | None, pred: tuple[str, str] | None) -> bool:
    """Equal at the gold's precision (a predicted day matches a gold month it falls in)."""
    if gold is None or pred is None:
        return gold is None and pred is None
    g = _iso_week_day(gold[0]) if gold[1] == "week" else gold[0]
    p = _iso_week_day(pred[0]) if pred[1] == "week" else pred[0]
    if gold[1] == "week":
        return pred[1] == "week" and gold[0] == pred[0]
    return p.startswith(g) and len(p) >= len(g)


def _date_sim(g: Event, p: Event) -> float:
    if g.date is None and p.date is None:
        return 1.0
    if g.date is None or p.date is None:
        return 0.5
    return 1.0 if dates_equal(g.date, p.date) else 0.0


def similarity(g: Event, p: Event) -> float:
    if g.event_type != p.event_type or _overlap(g.words, p.words) < MIN_QUOTE_OVERLAP:
        return 0.0
    return (
        WEIGHTS["quote"] * _overlap(g.words, p.words)
        + WEIGHTS["parties"] * _jaccard(g.actors | g.targets, p.actors | p.targets)
        + WEIGHTS["money"] * _money_sim(g, p)
        + WEIGHTS["date"] * _date_sim(g, p)
    )


def match(gold: list[Event], pred: list[Event]) -> list[tuple[int, int, float]]:
    """One-to-one pairs (gold index, pred index, similarity) with similarity ≥ threshold."""
    if not gold or not pred:
        return []
    try:
        import numpy as np
        from scipy.optimize import linear_sum_assignment
    except ImportError as exc:
        raise ConfigError(
            "evaluation needs scipy: pip install 'arabic-event-extractor[eval]'"
        ) from exc
    sim = np.array([[similarity(g, p) for p in pred] for g in gold])
    rows, cols = linear_sum_assignment(-sim)
    return [
        (int(r), int(c), float(sim[r, c]))
        for r, c in zip(rows, cols, strict=True)
        if sim[r, c] >= MATCH_THRESHOLD
    ]


def duplicates(
    gold: list[Event], pred: list[Event], pairs: list[tuple[int, int, float]]
) -> list[tuple[int, int]]:
    """(gold index, pred index) of each prediction that restates an event already matched: left
    unmatched by the one-to-one assignment, yet as similar to a matched gold event as a match
    must be, with at least half of its quote's words (or the gold's) shared. A record of an event
    the gold does not hold is a false positive, not a duplicate."""
    matched_gold = {gi for gi, _, _ in pairs}
    matched_pred = {pi for _, pi, _ in pairs}
    out = []
    for pi, p in enumerate(pred):
        if pi in matched_pred:
            continue
        best = max(
            ((similarity(gold[gi], p), gi) for gi in matched_gold),
            default=(0.0, -1),
        )
        # and tells it in the gold's words (a mention, not another event of the sentence)
        if best[0] >= MATCH_THRESHOLD and _overlap(gold[best[1]].words, p.words) >= 0.5:
            out.append((best[1], pi))
    return out


def money_sets_equal(g: Event, p: Event) -> bool:
    if len(g.money) != len(p.money):
        return False
    rest = list(p.money)
    for x in g.money:
        hit = next((y for y in rest if money_equal(x, y)), None)
        if hit is None:
            return False
        rest.remove(hit)
    return True


def strict_equal(g: Event, p: Event) -> bool:
    return (
        g.actors == p.actors
        and g.targets == p.targets
        and dates_equal(g.date, p.date)
        and money_sets_equal(g, p)
    )


# ---- scoring ----------------------------------------------------------------------------------


def prf(tp: int, n_pred: int, n_gold: int) -> dict[str, float | int]:
    p = tp / n_pred if n_pred else 0.0
    r = tp / n_gold if n_gold else 0.0
    f1 = 2 * p * r / (p + r) if p + r else 0.0
    return {
        "p": round(p, 4),
        "r": round(r, 4),
        "f1": round(f1, 4),
        "tp": tp,
        "n_pred": n_pred,
        "n_gold": n_gold,
    }


def _set_f1(a: frozenset[str], b: frozenset[str]) -> float:
    if not a and not b:
        return 1.0
    tp = len(a & b)
    return 2 * tp / (len(a) + len(b)) if (a or b) else 1.0


@dataclass
class _Tally:
    hits: float = 0.0
    n: int = 0

    def add(self, value: float) -> None:
        self.hits += value
        self.n += 1

    def result(self, name: str = "accuracy") -> dict[str, float | int]:
        return {name: round(self.hits / self.n, 4) if self.n else None, "n": self.n}  # type: ignore[dict-item]


def score(gold_docs: dict[str, list[Event]], pred_docs: dict[str, list[Event]]) -> dict[str, Any]:
    """The evaluation report (JSON-ready)."""
    tp_relaxed = tp_strict = n_pred = n_gold = 0
    per_type: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])  # tp, pred, gold
    fields: dict[str, _Tally] = defaultdict(_Tally)
    verbatim = _Tally()
    dups: list[dict[str, Any]] = []
    for doc_id, gold in gold_docs.items():
        pred = pred_docs.get(doc_id, [])
        n_pred += len(pred)
        n_gold += len(gold)
        for e in pred:
            per_type[e.event_type][1] += 1
            if e.verbatim is not None:
                verbatim.add(float(e.verbatim))
        for e in gold:
            per_type[e.event_type][2] += 1
        pairs = match(gold, pred)
        for gi, pi in duplicates(gold, pred, pairs):
            dups.append(
                {
                    "doc_id": doc_id,
                    "event_type": pred[pi].event_type,
                    "quote": pred[pi].quote,
                    "restates": gold[gi].quote,
                }
            )
        for gi, pi, _sim in pairs:
            g, p = gold[gi], pred[pi]
            tp_relaxed += 1
            per_type[g.event_type][0] += 1
            if strict_equal(g, p):
                tp_strict += 1
            _field_scores(fields, g, p)
    report: dict[str, Any] = {
        "documents": len(gold_docs),
        "events": {
            "relaxed": prf(tp_relaxed, n_pred, n_gold),
            "strict": prf(tp_strict, n_pred, n_gold),
        },
        "per_type": {t: prf(*v) for t, v in sorted(per_type.items())},
        "fields": {
            name: tally.result("f1" if name in ("actors", "targets", "items") else "accuracy")
            for name, tally in sorted(fields.items())
        },
        "grounding": {"verbatim_rate": verbatim.result("rate")["rate"], "n": verbatim.n},
        "duplicates": {"n": len(dups), "records": dups},
    }
    return report


def _field_scores(fields: dict[str, _Tally], g: Event, p: Event) -> None:
    fields["actors"].add(_set_f1(g.actors, p.actors))
    fields["targets"].add(_set_f1(g.targets, p.targets))
    fields["modality"].add(float(g.modality == p.modality))
    if g.date is not None or p.date is not None:
        fields["date"].add(float(dates_equal(g.date, p.date)))
    if g.money or p.money:
        fields["money"].add(float(money_sets_equal(g, p)))
    for name in SPECS[g.event_type].scored if g.event_type in SPECS else ():
        if name == "items":
            if g.items or p.items:
                fields["items"].add(_set_f1(g.items, p.items))
        else:
            fields[name].add(float(getattr(g, name) == getattr(p, name)))


# ---- files ------------------------------------------------------------------------------------


def _read_jsonl(path: Path) -> Iterable[tuple[int, dict[str, Any]]]:
    try:
        with path.open(encoding="utf-8") as handle:
            for lineno, line in enumerate(handle, 1):
                if line.strip():
                    try:
                        yield lineno, json.loads(line)
                    except json.JSONDecodeError as exc:
                        raise ConfigError(f"{path}:{lineno} is not valid JSON: {exc}") from exc
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path} is not UTF-8 text (byte {exc.start} of a line)") from None
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror}") from exc


def load_gold(path: Path) -> dict[str, list[Event]]:
    docs: dict[str, list[Event]] = {}
    for lineno, obj in _read_jsonl(path):
        try:
            docs[str(obj["doc_id"])] = [gold_event(e) for e in obj.get("events") or []]
        except (KeyError, TypeError, ValueError) as exc:
            raise ConfigError(
                f"{path}:{lineno}: not a gold line ({exc}); see DESIGN.md §6"
            ) from exc
    return docs


def load_predictions(path: Path, texts: dict[str, str] | None = None) -> dict[str, list[Event]]:
    docs: dict[str, list[Event]] = defaultdict(list)
    for lineno, obj in _read_jsonl(path):
        try:
            doc_id = str(obj["doc_id"])
            docs[doc_id].append(
                predicted_event(obj, (texts or {}).get(doc_id) if texts is not None else None)
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ConfigError(f"{path}:{lineno}: not an event record ({exc})") from exc
    return dict(docs)


def evaluate(gold: Path, pred: Path, docs: Iterable[str | Path] = ()) -> dict[str, Any]:
    """Score ``pred`` (records JSONL) against ``gold``; ``docs`` (optional) for the verbatim check."""
    from extractor.core.document import Document
    from extractor.run.documents import load_documents

    texts = None
    docs = list(docs)
    if docs:
        texts = {d.id: d.text for d in load_documents(docs) if isinstance(d, Document)}
    return score(load_gold(gold), load_predictions(pred, texts))
