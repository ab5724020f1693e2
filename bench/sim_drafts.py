"""The scripted model of ``bench/simulate.py``: drafts derived from gold events.

A request's text (the segment between ``<<<`` and ``>>>``) is located in one gold document; only
the gold events whose quote lies inside that text are answered, so what a prompt leaves out
cannot be answered. Two models:

- :meth:`SimModel.oracle` — a perfect reader: the gold quote, and for every gold value the
  surface the document writes it with (found with the gazetteer and the Arabic normalizers),
  preferring a surface inside the quote's sentence, else anywhere in the request's text (the
  visitor named one sentence earlier, a date stated once for two events). Where a value is not
  written in the request at all, the oracle gives nothing: a model cannot either.
- :meth:`SimModel.noisy` — what real models do to those drafts, seeded and deterministic:
  spelling variants, an article added or dropped, a trimmed/extended/re-punctuated quote, names
  in English or another Arabic spelling, amounts as digits or in English, ISO dates; and per
  document one invented event and one invented value inside a real quote.

Every answer is logged (:class:`RequestLog`) with where each value's surface came from, which
is what the diagnosis in ``bench/simulate.py`` reads.
"""

from __future__ import annotations

import json
import random
import re
import threading
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from extractor.arabic.casualties import find_casualties
from extractor.arabic.dates import DateMention, find_dates
from extractor.arabic.gazetteer import Entry, Gazetteer, Mention
from extractor.arabic.items import ItemMention, find_items
from extractor.arabic.money import MoneyMention, find_money
from extractor.arabic.sentences import sentence_around, sentences
from extractor.arabic.textnorm import NormalizedText, normalize, normalize_with_map
from extractor.core.segment import Segment, segment
from extractor.core.values import same_amount
from extractor.tools.evaluate import dates_equal

# The draft schema's list limits (schemas/events.py: DraftBatch.events, DraftEvent.actors …):
# a longer list fails validation and the whole request would be lost to re-asks, so the
# simulator cuts them and the diagnosis counts what was cut.
MAX_EVENTS = 20
MAX_PARTIES = 6
MAX_MONEY = 4
MAX_ITEMS = 8

# Where a value's surface was found, relative to the gold quote.
IN_QUOTE, IN_SENTENCE, IN_CONTEXT = "quote", "sentence", "context"
# No surface in the request: written elsewhere in the document (another segment or chunk), or
# nowhere the finders can read it as the gold value.
ELSEWHERE, MISSING = "elsewhere", "missing"


# ---- gold documents ---------------------------------------------------------------------------


@dataclass(frozen=True)
class DatedMention:
    """A date expression of the document: original span and its parsed form."""

    start: int
    end: int
    mention: DateMention


def entry_code(entry: Entry) -> str | None:
    """The evaluation code an entry counts as (a person as their state, a capital as its)."""
    if entry.kind in ("person", "org"):
        return entry.code or entry.country
    if entry.kind == "country":
        return entry.code
    return None


def mention_code(m: Mention) -> str | None:
    """The code a gazetteer mention stands for (what a record of it would carry)."""
    if m.entry.kind in ("person", "org"):
        return entry_code(m.entry)
    state = m.as_country()
    return state.code if state is not None else None


def mention_codes(m: Mention) -> set[str]:
    """Every code a mention may stand for (an ambiguous alias names several entries)."""
    out = {c for c in [mention_code(m)] if c}
    for entry, _via in m.candidates:
        code = entry_code(entry)
        if code:
            out.add(code)
    return out


@dataclass
class GoldDoc:
    """A gold document with everything the simulator looks up in it, computed once."""

    doc_id: str
    text: str
    published: date | None
    events: list[dict[str, Any]]
    gazetteer: Gazetteer
    norm: NormalizedText = field(init=False)
    segments: list[Segment] = field(init=False)
    mentions: list[Mention] = field(init=False)
    money: list[MoneyMention] = field(init=False)
    items: list[ItemMention] = field(init=False)
    dates: list[DatedMention] = field(init=False)

    def __post_init__(self) -> None:
        self.norm = normalize_with_map(self.text)
        self.segments = segment(self.text)
        self.mentions = self.gazetteer.find(self.text, self.norm)
        self.money = find_money(self.text, self.norm)
        self.items = find_items(self.text, self.gazetteer, self.norm, self.mentions, self.money)
        self.dates = []
        for d in find_dates(self.norm.text):
            start, end = self.norm.to_original(d.nstart, d.nend)
            self.dates.append(DatedMention(start, end, d))

    def kind_at(self, pos: int) -> str | None:
        seg = next((s for s in self.segments if s.start <= pos < s.end), None)
        return seg.kind if seg else None

    def published_for(self, pos: int) -> date | None:
        """The date relative expressions resolve against: a related article's are not resolved
        against the page's date (DESIGN.md §3), exactly as the pipeline does."""
        return self.published if self.kind_at(pos) == "main" else None

    def original_span(self, norm_surface: str, start: int, end: int) -> tuple[int, int] | None:
        """Where a normalized surface is written in original [start, end)."""
        offsets = self.norm.offsets
        ns, ne = bisect_left(offsets, start), bisect_left(offsets, end)
        pos = self.norm.text.find(norm_surface, ns, ne)
        if pos < 0 or not norm_surface:
            return None
        return self.norm.to_original(pos, pos + len(norm_surface))

    def quote_span(self, quote: str, start: int, end: int) -> tuple[int, int] | None:
        """The gold quote inside original [start, end) (verbatim, else normalized)."""
        pos = self.text.find(quote, start, end)
        if pos >= 0:
            return pos, pos + len(quote)
        return self.original_span(normalize(quote), start, end)

    # ---- what the article contains (for the invented-values check) -------------------------
    def codes(self) -> set[str]:
        out: set[str] = set()
        for m in self.mentions:
            out |= mention_codes(m)
        return out

    def item_names(self) -> set[str]:
        return {i.name.casefold() for i in self.items}


def _parse_date(value: Any) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def _near(value: str | None, day: date) -> bool:
    """One day off (an overnight range read as its first night) or a week off (a weekday read
    by another convention): the same expression, resolved otherwise."""
    other = _parse_date(value) if value and len(value) == 10 else None
    return other is not None and abs((other - day).days) in (1, 7)


def load_jsonl(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def load_corpus(gold_path: Path, docs_path: Path, gazetteer: Gazetteer) -> list[GoldDoc]:
    """The gold documents (documents without a gold line get no events)."""
    gold = {str(g["doc_id"]): g for g in load_jsonl(gold_path)}
    out = []
    for d in load_jsonl(docs_path):
        doc_id = str(d.get("id") or d.get("doc_id"))
        g = gold.get(doc_id, {})
        published = _parse_date(d.get("published_at") or g.get("published_at"))
        out.append(
            GoldDoc(doc_id, str(d["text"]), published, list(g.get("events") or []), gazetteer)
        )
    return out


# ---- choosing surfaces ------------------------------------------------------------------------


@dataclass(frozen=True)
class Surface:
    """A value's surface as written in the document and where it was found."""

    text: str
    where: str  # quote | sentence | context
    start: int
    end: int


@dataclass(frozen=True)
class Place:
    """The gold quote's span and its sentence (the span grounding scopes values to)."""

    qs: int
    qe: int
    ss: int
    se: int

    def where(self, start: int, end: int) -> str:
        if self.qs <= start and end <= self.qe:
            return IN_QUOTE
        if self.ss <= start and end <= self.se:
            return IN_SENTENCE
        return IN_CONTEXT

    def rank(self, start: int, end: int) -> tuple[int, int]:
        """Quote first, then its sentence, then the nearest elsewhere in the request."""
        order = (IN_QUOTE, IN_SENTENCE, IN_CONTEXT).index(self.where(start, end))
        distance = max(self.qs - end, start - self.qe, 0)
        return order, distance


def _best(place: Place, spans: Iterable[tuple[int, int, str]]) -> Surface | None:
    ranked = sorted(spans, key=lambda s: (place.rank(s[0], s[1]), s[0]))
    if not ranked:
        return None
    start, end, text = ranked[0]
    return Surface(text, place.where(start, end), start, end)


@dataclass
class Trace:
    """How the oracle answered one gold event: each value's surface (or why none)."""

    gold_index: int
    quote_where: str  # exact | normalized
    fields: dict[str, list[tuple[str, str | None]]] = field(default_factory=dict)
    # field → [(gold value as text, where its surface was found | MISSING)]
    notes: list[str] = field(default_factory=list)  # e.g. "actors capped at 6"
    noise: dict[str, list[str]] = field(default_factory=dict)  # noisy model: field → noises


@dataclass
class RequestLog:
    """One answered request: its document, window, and the gold events it answered."""

    doc_id: str
    start: int
    end: int
    traces: list[Trace] = field(default_factory=list)
    invented: list[str] = field(default_factory=list)
    capped: list[int] = field(default_factory=list)  # gold events cut by DraftBatch's limit


# Real models also miss events (the 1.5B instruct model found 1 of 6 events of one segment). The
# issue's noisy model misses none, so by default it does not; ``--miss-rate 0.15`` shows what the
# hybrid backend recovers from a model that misses events (seeded per event).
MISS_RATE = 0.0


class SimModel:
    """Answers requests with drafts from the gold events in their text; thread-safe."""

    def __init__(
        self,
        docs: list[GoldDoc],
        gazetteer: Gazetteer,
        *,
        seed: int = 0,
        miss_rate: float = MISS_RATE,
    ) -> None:
        self.docs = docs
        self.gazetteer = gazetteer
        self.seed = seed
        self.miss_rate = miss_rate
        self.logs: dict[str, list[RequestLog]] = defaultdict(list)  # per run, see ``hook``
        self.unlocated = 0  # requests whose text no document holds
        self._lock = threading.Lock()
        self._aliases = _aliases_by_entry(gazetteer)

    # ---- the server hooks -------------------------------------------------------------------
    def oracle(self, segment_text: str) -> dict[str, Any]:
        return self._answer(segment_text, noisy=False, log_name="oracle")

    def noisy(self, segment_text: str) -> dict[str, Any]:
        return self._answer(segment_text, noisy=True, log_name="noisy")

    def hook(self, model: str, log_name: str) -> Callable[[str], dict[str, Any]]:
        """The server's ``answer`` hook for ``model`` (oracle | noisy), logging under
        ``log_name``: two runs against the same model keep separate logs."""
        noisy = {"oracle": False, "noisy": True}[model]
        return lambda text: self._answer(text, noisy=noisy, log_name=log_name)

    def _answer(self, segment_text: str, *, noisy: bool, log_name: str) -> dict[str, Any]:
        found = self.locate(segment_text)
        if found is None:
            with self._lock:
                self.unlocated += 1
            return {"events": []}
        doc, start, end = found
        log = RequestLog(doc.doc_id, start, end)
        drafts = self.oracle_drafts(doc, start, end, log)
        if noisy:
            drafts = self.noise(doc, start, end, drafts, log)
        if len(drafts) > MAX_EVENTS:
            log.capped = [t.gold_index for t in log.traces[MAX_EVENTS:]]
            log.traces = log.traces[:MAX_EVENTS]
            drafts = drafts[:MAX_EVENTS]
        with self._lock:
            self.logs[log_name].append(log)
        return {"events": drafts}

    def locate(self, segment_text: str) -> tuple[GoldDoc, int, int] | None:
        """The document and original span of a request's text."""
        for text in (segment_text, segment_text.strip()):
            if not text:
                continue
            for doc in self.docs:
                pos = doc.text.find(text)
                if pos >= 0:
                    return doc, pos, pos + len(text)
        return None

    # ---- oracle -----------------------------------------------------------------------------
    def oracle_drafts(
        self, doc: GoldDoc, start: int, end: int, log: RequestLog
    ) -> list[dict[str, Any]]:
        """A perfect draft for every gold event whose quote lies in [start, end)."""
        answered: list[tuple[int, Trace, dict[str, Any]]] = []
        for index, event in enumerate(doc.events):
            span = doc.quote_span(str(event["quote"]), start, end)
            if span is None:
                continue
            qs, qe = span
            sentence = sentence_around(doc.text, qs, qe)
            place = Place(qs, qe, min(sentence.start, qs), max(sentence.end, qe))
            verbatim = doc.text[qs:qe] == event["quote"]
            trace = Trace(index, "exact" if verbatim else "normalized")
            draft = self._draft(doc, event, place, start, end, trace)
            answered.append((qs, trace, draft))
        answered.sort(key=lambda a: (a[0], a[1].gold_index))  # text order, as a model reads
        log.traces.extend(t for _, t, _ in answered)
        return [d for _, _, d in answered]

    @staticmethod
    def _where(found: Surface | None, elsewhere: Surface | None) -> str:
        if found is not None:
            return found.where
        return ELSEWHERE if elsewhere is not None else MISSING

    def _draft(
        self, doc: GoldDoc, event: dict[str, Any], place: Place, ws: int, we: int, trace: Trace
    ) -> dict[str, Any]:
        whole = len(doc.text)
        draft: dict[str, Any] = {"event_type": event["event_type"], "quote": event["quote"]}
        for key in ("subtype", "stage", "category", "mode", "status"):
            if event.get(key) is not None:
                draft[key] = event[key]
        draft["modality"] = event.get("modality") or "asserted"
        for role in ("actors", "targets"):
            surfaces = []
            for code in event.get(role) or []:
                s = self._actor(doc, str(code), place, ws, we)
                where = self._where(s, s or self._actor(doc, str(code), place, 0, whole))
                trace.fields.setdefault(role, []).append((str(code), where))
                if s is not None and s.text not in surfaces:
                    surfaces.append(s.text)
            if len(surfaces) > MAX_PARTIES:
                trace.notes.append(f"{role} capped at {MAX_PARTIES} (schema)")
                surfaces = surfaces[:MAX_PARTIES]
            draft[role] = surfaces
        money = []
        for m in event.get("money") or []:
            s = self._money(doc, m, place, ws, we)
            label = f"{m['amount']:g} {m['currency']}"
            where = self._where(s, s or self._money(doc, m, place, 0, whole))
            trace.fields.setdefault("money", []).append((label, where))
            if s is not None and s.text not in money:
                money.append(s.text)
        if len(money) > MAX_MONEY:
            trace.notes.append(f"money capped at {MAX_MONEY} (schema)")
        draft["money"] = money[:MAX_MONEY]
        if event.get("date"):
            s, exact = self._date(doc, event, place, ws, we)
            if s is None:
                where = self._where(None, self._date(doc, event, place, 0, whole)[0])
            else:
                where = s.where if exact else s.where + "/resolves_differently"
            trace.fields["date"] = [(str(event["date"].get("value")), where)]
            if s is not None:
                draft["date"] = s.text
        items = []
        for name in event.get("items") or []:
            s = self._item(doc, str(name), place, ws, we)
            where = self._where(s, s or self._item(doc, str(name), place, 0, whole))
            trace.fields.setdefault("items", []).append((str(name), where))
            if s is not None and s.text not in items:
                items.append(s.text)
        if len(items) > MAX_ITEMS:
            trace.notes.append(f"items capped at {MAX_ITEMS} (schema)")
        draft["items"] = items[:MAX_ITEMS]
        for role in ("killed", "injured"):
            if event.get(role) is not None:
                s = self._casualty(doc, role, int(event[role]), place, ws, we)
                other = s or self._casualty(doc, role, int(event[role]), place, 0, whole)
                trace.fields[role] = [(str(event[role]), self._where(s, other))]
                if s is not None:
                    draft[role] = s.text
        return draft

    def _actor(self, doc: GoldDoc, code: str, place: Place, ws: int, we: int) -> Surface | None:
        spans = []
        for m in doc.mentions:
            if ws <= m.start and m.end <= we and mention_code(m) == code:
                # the surface must name the same code when read back on its own
                back = self.gazetteer.lookup(m.surface)
                if back is not None and mention_code(back) == code:
                    spans.append((m.start, m.end, m.surface))
        return _best(place, spans)

    def _money(
        self, doc: GoldDoc, gold: dict[str, Any], place: Place, ws: int, we: int
    ) -> Surface | None:
        amount, currency = float(gold["amount"]), str(gold["currency"])
        qualifier = gold.get("qualifier") or "exact"
        hits = [
            m
            for m in doc.money
            if ws <= m.start and m.end <= we and same_amount(m.amount, m.currency, amount, currency)
        ]
        # the package's own mention beats a running total or another qualifier of that amount
        best = sorted(
            hits,
            key=lambda m: (m.cumulative, m.qualifier != qualifier, place.rank(m.start, m.end)),
        )
        if not best:
            return None
        m = best[0]
        return Surface(m.surface, place.where(m.start, m.end), m.start, m.end)

    def _date(
        self, doc: GoldDoc, event: dict[str, Any], place: Place, ws: int, we: int
    ) -> tuple[Surface | None, bool]:
        """The date expression whose value is the gold date (and True); else the expression a
        reader would point at in the quote's sentence (and False: it resolves differently)."""
        gold = (str(event["date"]["value"]), str(event["date"].get("precision") or "day"))
        gold_day = _parse_date(gold[0]) if len(gold[0]) == 10 else None
        forward = event.get("modality") == "planned"
        published = doc.published_for(place.qs)
        equal, near = [], []
        for d in doc.dates:
            if not (ws <= d.start and d.end <= we):
                continue
            value, precision = d.mention.resolve(published, forward=forward)
            span = (d.start, d.end, doc.text[d.start : d.end])
            if value is not None and dates_equal(gold, (value, precision)):
                equal.append(span)
            elif (
                place.where(d.start, d.end) != IN_CONTEXT
                and gold_day is not None
                and _near(value, gold_day)
            ):
                # the same expression read by another convention (a weekday, an overnight
                # range): what a reader points at, though the pipeline resolves it otherwise
                near.append(span)
        if equal:
            return _best(place, equal), True
        return _best(place, near), False

    def _item(self, doc: GoldDoc, name: str, place: Place, ws: int, we: int) -> Surface | None:
        spans = [
            (i.start, i.end, i.surface)
            for i in doc.items
            if ws <= i.start and i.end <= we and i.name.casefold() == name.casefold()
        ]
        return _best(place, spans)

    def _casualty(
        self, doc: GoldDoc, role: str, value: int, place: Place, ws: int, we: int
    ) -> Surface | None:
        spans = []
        for s in sentences(doc.text, ws, we):
            found = find_casualties(doc.text[s.start : s.end])
            if getattr(found, role) != value:
                continue
            norm_surface = getattr(found, role + "_surface") or ""
            span = doc.original_span(norm_surface, s.start, s.end)
            if span is not None:
                spans.append((span[0], span[1], doc.text[span[0] : span[1]]))
            else:  # the finder's normalized wording, still readable as the same count
                spans.append((s.start, s.end, norm_surface))
        return _best(place, spans)

    # ---- noisy ------------------------------------------------------------------------------
    def noise(
        self,
        doc: GoldDoc,
        ws: int,
        we: int,
        drafts: list[dict[str, Any]],
        log: RequestLog,
    ) -> list[dict[str, Any]]:
        """The oracle's drafts as a real model writes them (seeded per document and event),
        missing some events as real models do (``miss_rate``)."""
        out = []
        for draft, trace in zip(drafts, log.traces, strict=True):
            miss = random.Random(f"{self.seed}:{doc.doc_id}:{trace.gold_index}:miss")
            if miss.random() < self.miss_rate:
                trace.noise.setdefault("event", []).append("missed")
                continue
            rng = random.Random(f"{self.seed}:{doc.doc_id}:{trace.gold_index}")
            out.append(self._noisy_draft(doc, ws, we, draft, trace, rng))
        if self._first_request(doc, ws, we):
            rng = random.Random(f"{self.seed}:{doc.doc_id}:invented")
            out.extend(self._invent(doc, out, log, rng))
        return out

    def _first_request(self, doc: GoldDoc, ws: int, we: int) -> bool:
        """Per document, the invented event and value go into the request that holds its first
        gold quote (a document without gold events gets them in its first segment)."""
        spans = [doc.quote_span(str(e["quote"]), 0, len(doc.text)) for e in doc.events]
        starts = [s[0] for s in spans if s is not None]
        if starts:
            return ws <= min(starts) < we
        first = next((s for s in doc.segments if s.kind in ("main", "related_article")), None)
        return first is not None and ws <= first.start < we

    def _noisy_draft(
        self,
        doc: GoldDoc,
        ws: int,
        we: int,
        draft: dict[str, Any],
        trace: Trace,
        rng: random.Random,
    ) -> dict[str, Any]:
        d = dict(draft)
        noted = trace.noise
        d["quote"], tags = noisy_quote(doc.text, draft["quote"], ws, we, rng)
        noted["quote"] = tags
        for role in ("actors", "targets"):
            d[role] = []
            for surface in draft.get(role) or []:
                text, tag = self._noisy_name(surface, rng)
                d[role].append(text)
                noted.setdefault(role, []).append(tag)
        d["money"] = []
        for surface in draft.get("money") or []:
            text, tag = noisy_money(surface, rng)
            d["money"].append(text)
            noted.setdefault("money", []).append(tag)
        if draft.get("date"):
            gold = doc.events[trace.gold_index].get("date") or {}
            text, tag = noisy_date(draft["date"], gold, rng)
            d["date"] = text
            noted["date"] = [tag]
        d["items"] = []
        for surface in draft.get("items") or []:
            text, tag = self._noisy_item(surface, rng)
            d["items"].append(text)
            noted.setdefault("items", []).append(tag)
        for role in ("killed", "injured"):
            if draft.get(role):
                text, tag = noisy_count(draft[role], rng)
                d[role] = text
                noted[role] = [tag]
        return d

    def _noisy_name(self, surface: str, rng: random.Random) -> tuple[str, str]:
        roll = rng.random()
        m = self.gazetteer.lookup(surface)
        if roll < 0.2 and m is not None:
            state = m.as_country() if m.entry.kind not in ("person", "org") else None
            return (state or m.entry).name, "english"
        if roll < 0.35 and m is not None:
            others = [a for a in self._aliases.get(m.entry, []) if a != normalize(surface)]
            if others:
                return rng.choice(sorted(others)), "other_spelling"
        if roll < 0.5:
            return toggle_article(surface, rng), "article"
        if roll < 0.65:
            return spelling_variant(surface, rng), "spelling"
        return surface, "none"

    def _noisy_item(self, surface: str, rng: random.Random) -> tuple[str, str]:
        roll = rng.random()
        m = self.gazetteer.lookup(surface)
        if roll < 0.3 and m is not None and m.entry.kind == "weapon":
            return m.entry.name, "english"
        if roll < 0.45:
            return spelling_variant(surface, rng), "spelling"
        return surface, "none"

    def _invent(
        self, doc: GoldDoc, drafts: list[dict[str, Any]], log: RequestLog, rng: random.Random
    ) -> list[dict[str, Any]]:
        """One invented event (an invented quote) and one invented value in a real draft."""
        codes = doc.codes()
        absent = sorted(
            (e for e in self.gazetteer.countries.values() if e.code and e.code not in codes),
            key=lambda e: e.code or "",
        )
        country = rng.choice(absent)
        alias = sorted(self._aliases.get(country, [country.name]))[0]
        norm_doc = doc.norm.text
        quotes = [q.format(country=alias) for q in INVENTED_QUOTES]
        quote = rng.choice([q for q in quotes if normalize(q) not in norm_doc] or quotes)
        invented_event = {
            "event_type": "aid",
            "quote": quote,
            "actors": [alias],
            "targets": ["أوكرانيا"],
            "money": ["9 مليارات دولار"],
            "stage": "announced",
            "category": "military",
            "modality": "asserted",
        }
        log.invented.append(f"event: {quote}")
        if drafts:
            pick = rng.randrange(len(drafts))
            target = drafts[pick]
            # What the article does not state, of each kind (an actor always exists).
            amounts = [
                a
                for a in (7.3e9, 8.8e9, 4.1e8, 3.7e7)
                if not any(same_amount(m.amount, m.currency, a, "USD") for m in doc.money)
            ]
            dates = [
                d
                for d in ("2019-11-05", "يوم 5 نوفمبر 2019", "الخامس من نوفمبر 2019")
                if normalize(d) not in norm_doc
            ]
            names = doc.item_names()
            weapons = [w for w in INVENTED_ITEMS if w[0].casefold() not in names]
            kinds = ["actor"] + ["money"] * bool(amounts) + ["date"] * bool(dates)
            kind = rng.choice([*kinds, "item"] if weapons else kinds)
            # the attribution of noisy losses must see it (an invented date replaces the real one)
            field_name = {"actor": "actors", "item": "items"}.get(kind, kind)
            log.traces[pick].noise.setdefault(field_name, []).append("invented")
            where = target["quote"][:40]
            if kind == "actor":
                target["actors"] = [*target.get("actors", [])[: MAX_PARTIES - 1], alias]
                log.invented.append(f"actor {country.code} ({alias}) in: {where}")
            elif kind == "money":
                amount = rng.choice(amounts)
                surface = rng.choice(
                    (f"{amount / 1e6:g} مليون دولار", f"${amount / 1e6:g} million")
                )
                target["money"] = [*target.get("money", [])[: MAX_MONEY - 1], surface]
                log.invented.append(f"money {surface} in: {where}")
            elif kind == "date":
                target["date"] = rng.choice(dates)
                log.invented.append(f"date {target['date']} in: {where}")
            else:
                weapon = rng.choice(weapons)
                target["items"] = [*target.get("items", [])[: MAX_ITEMS - 1], weapon[1]]
                log.invented.append(f"item {weapon[0]} in: {where}")
        return [invented_event]


def _aliases_by_entry(gazetteer: Gazetteer) -> dict[Entry, list[str]]:
    """Every name alias of each entry (normalized spellings), from the gazetteer index."""
    out: dict[Entry, list[str]] = {}
    for words, bucket in gazetteer.index.items():
        for entry, via in bucket:
            if via == "name":
                out.setdefault(entry, []).append(" ".join(words))
    return out


# Sentences no article here contains: the invented event's quote ({country}: a state the
# document never mentions).
INVENTED_QUOTES = (
    "وأعلنت {country} في بيان رسمي عن إرسال حزمة مساعدات عسكرية ضخمة إلى كييف تشمل مقاتلات حديثة",
    "وقالت حكومة {country} إنها ستمول شراء منظومات دفاع جوي جديدة للجيش الأوكراني خلال الأسابيع المقبلة",
    "وكشفت {country} عن اتفاق سري لتزويد أوكرانيا بصواريخ بعيدة المدى قبل نهاية العام",
)
# (canonical name, surface) of weapons to invent inside a real quote
INVENTED_ITEMS = (
    ("Tomahawk", "صواريخ توماهوك"),
    ("Gripen", "طائرات غريبن"),
    ("Kinzhal", "صواريخ كينجال"),
    ("Patriot", "منظومات باتريوت"),
)


# ---- noise on surfaces ------------------------------------------------------------------------

_WORD = re.compile(r"\S+")
_ARABIC = re.compile(r"[\u0621-\u064A]")


def spelling_variant(text: str, rng: random.Random) -> str:
    """The same words with one spelling difference the normalizer removes."""
    words = text.split(" ")
    arabic = [i for i, w in enumerate(words) if _ARABIC.search(w) and len(w) > 2]
    if not arabic:
        return text
    i = rng.choice(arabic)
    w = words[i]
    choice = rng.randrange(5)
    if choice == 0 and re.search("[أإآ]", w):
        w = re.sub("[أإآ]", "ا", w, count=1)
    elif choice == 0 and w.startswith("ا"):
        w = "أ" + w[1:]
    elif choice == 1 and w.endswith(("ى", "ي")):
        w = w[:-1] + ("ي" if w.endswith("ى") else "ى")
    elif choice == 2 and w.endswith(("ة", "ه")):
        w = w[:-1] + ("ه" if w.endswith("ة") else "ة")
    elif choice == 3:
        w = w[:2] + "\u0640" + w[2:]  # tatweel
    else:
        w = w[:1] + "\u064e" + w[1:]  # a fatha
    words[i] = w
    return " ".join(words)


def toggle_article(text: str, rng: random.Random) -> str:
    """ال dropped from the first word that has it, or added to the first word."""
    words = text.split(" ")
    for i, w in enumerate(words):
        if w.startswith("ال") and len(w) > 4:
            words[i] = w[2:]
            return " ".join(words)
    if words and _ARABIC.match(words[0]):
        words[0] = "ال" + words[0]
    return " ".join(words)


def noisy_quote(
    text: str, quote: str, ws: int, we: int, rng: random.Random
) -> tuple[str, list[str]]:
    """A quote as models copy it: trimmed, extended, re-punctuated, re-spelled, ال toggled."""
    tags: list[str] = []
    q = quote
    roll = rng.random()
    words = q.split(" ")
    if roll < 0.15 and len(words) > 8:
        k = rng.randint(1, 2)
        q = " ".join(words[k:]) if rng.random() < 0.5 else " ".join(words[:-k])
        tags.append(f"trimmed{k}")
    elif roll < 0.3:
        pos = text.find(quote, ws, we)
        if pos >= 0:
            after = _WORD.findall(text[pos + len(quote) : we])[: rng.randint(1, 3)]
            before = _WORD.findall(text[ws:pos])[-rng.randint(1, 3) :]
            if rng.random() < 0.5 and after and "\n" not in text[pos + len(quote) : we][:60]:
                q = q + " " + " ".join(after)
                tags.append(f"extended_after{len(after)}")
            elif before and "\n" not in text[max(ws, pos - 60) : pos]:
                q = " ".join(before) + " " + q
                tags.append(f"extended_before{len(before)}")
    roll = rng.random()
    if roll < 0.2:
        q = q.replace("«", '"').replace("»", '"').replace("“", '"').replace("”", '"')
        q = q.replace("،", ",") if rng.random() < 0.5 else q.rstrip(".") + "."
        tags.append("punctuation")
    elif roll < 0.4:
        q = spelling_variant(q, rng)
        tags.append("spelling")
    elif roll < 0.5:
        q = toggle_article(q, rng)
        tags.append("article")
    return q, tags or ["none"]


_SCALES = ((1e12, "trillion"), (1e9, "billion"), (1e6, "million"), (1e3, "thousand"))
_CURRENCY_EN = {
    "USD": ("$", "dollars"),
    "EUR": ("€", "euros"),
    "GBP": ("£", "pounds sterling"),
    "JPY": ("¥", "yen"),
    "RUB": ("₽", "rubles"),
    "UAH": ("₴", "hryvnias"),
}


def english_amount(amount: float, currency: str, rng: random.Random) -> str:
    scale, word = next(((s, w) for s, w in _SCALES if amount >= s), (1.0, ""))
    number = f"{amount / scale:g}" + (f" {word}" if word else "")
    symbol, name = _CURRENCY_EN.get(currency, ("", currency))
    if symbol and rng.random() < 0.5:
        return f"{symbol}{number}"
    return f"{number} {name}"


def noisy_money(surface: str, rng: random.Random) -> tuple[str, str]:
    parsed = find_money(surface)
    roll = rng.random()
    if parsed and roll < 0.25:
        return english_amount(parsed[0].amount, parsed[0].currency, rng), "english"
    if parsed and roll < 0.4:
        m = parsed[0]
        word = {"USD": "دولار", "EUR": "يورو", "GBP": "جنيه إسترليني"}.get(m.currency)
        if word:
            return f"{m.amount:,.0f} {word}", "digits"
    if roll < 0.5:
        return spelling_variant(surface, rng), "spelling"
    return surface, "none"


_DATE_LEAD = re.compile(r"^(?:يوم|في|صباح|مساء|ليل|ليلة|خلال)\s+")


def noisy_date(surface: str, gold: dict[str, Any], rng: random.Random) -> tuple[str, str]:
    """ISO dates ("2024-04-20"), a lead word left out ("السبت" for "يوم السبت"), re-spelled."""
    roll = rng.random()
    value = str(gold.get("value") or "")
    if roll < 0.3 and gold.get("precision") == "day" and len(value) == 10:
        return value, "iso"
    if roll < 0.45 and _DATE_LEAD.match(surface):
        return _DATE_LEAD.sub("", surface), "trimmed"
    if roll < 0.55:
        return spelling_variant(surface, rng), "spelling"
    return surface, "none"


def noisy_count(surface: str, rng: random.Random) -> tuple[str, str]:
    digits = re.search(r"\d+", normalize(surface))
    if digits and rng.random() < 0.3:
        return digits.group(), "digits"
    return surface, "none"


__all__ = [
    "ELSEWHERE",
    "IN_CONTEXT",
    "IN_QUOTE",
    "IN_SENTENCE",
    "MISSING",
    "GoldDoc",
    "RequestLog",
    "SimModel",
    "Trace",
    "load_corpus",
    "mention_codes",
]
