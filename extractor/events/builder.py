"""From a backend's draft to a validated record: ground the quote, then compute every value.

The draft only suggests: a value enters the record only when it is written in the quote's
sentence, and it is computed here from the text (the model's own number is never used). What is
refused is counted in :class:`BuildStats` so a run can report it.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from pydantic import ValidationError

from extractor.arabic.analysis import TextAnalysis
from extractor.arabic.casualties import find_casualties, parse_count
from extractor.arabic.dates import find_dates
from extractor.arabic.gazetteer import Gazetteer, Mention
from extractor.core.grounding import find_in_context, in_context, locate, quote_problem
from extractor.arabic.items import ItemMention
from extractor.arabic.money import MoneyMention, parse_money
from extractor.arabic.numbers import read_amount, starts_amount, tokenize
from extractor.core.segment import Segment
from extractor.arabic.sentences import sentence_around
from extractor.arabic.textnorm import NormalizedText, normalize
from extractor.schemas import (
    Actor,
    DateValue,
    DraftEvent,
    EventRecord,
    Evidence,
    Item,
    Location,
    Money,
    Provenance,
)
from extractor.schemas.events import MODES_BY_TYPE


@dataclass
class BuildStats:
    """What grounding refused: whole drafts (by reason) and single values (by field)."""

    accepted: int = 0
    rejected: Counter[str] = field(default_factory=Counter)
    dropped_values: Counter[str] = field(default_factory=Counter)

    def merge(self, other: BuildStats) -> None:
        self.accepted += other.accepted
        self.rejected.update(other.rejected)
        self.dropped_values.update(other.dropped_values)

    def as_dict(self) -> dict[str, object]:
        return {
            "accepted": self.accepted,
            "rejected": dict(self.rejected),
            "dropped_values": dict(self.dropped_values),
        }


@dataclass(frozen=True)
class DocumentView:
    """A document as the builder needs it: text, its analysis, date and gazetteer."""

    doc_id: str
    text: str
    analysis: TextAnalysis
    published_at: date | None

    @property
    def norm(self) -> NormalizedText:
        return self.analysis.norm

    @property
    def gazetteer(self) -> Gazetteer:
        return self.analysis.gazetteer


def event_id(doc_id: str, segment_id: int, start: int, end: int, event_type: str) -> str:
    """Deterministic id: the same event in the same document gets the same id on every run."""
    key = f"{doc_id}\x1f{segment_id}\x1f{start}\x1f{end}\x1f{event_type}"
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:20]


def build_record(
    draft: DraftEvent,
    doc: DocumentView,
    segment: Segment,
    provenance: Provenance,
    stats: BuildStats,
) -> EventRecord | None:
    """Ground ``draft`` in ``segment`` of ``doc`` and compute its values; None when refused."""
    problem = quote_problem(draft.quote)
    if problem:
        stats.rejected["quote_not_meaningful"] += 1
        return None
    found = locate(doc.text, draft.quote, (segment.start, segment.end), doc.norm)
    if found is None:
        stats.rejected["quote_not_in_text"] += 1
        return None
    quote = doc.text[found.start : found.end]
    ctx = sentence_around(doc.text, found.start, found.end)
    ctx_start, ctx_end = min(ctx.start, found.start), max(ctx.end, found.end)
    context = doc.text[ctx_start:ctx_end]
    context_norm = doc.analysis.normalized_span(ctx_start, ctx_end)
    drop = stats.dropped_values
    # A related article's relative dates are not resolved against the page's date.
    published = doc.published_at if segment.kind == "main" else None

    actors = _actors(draft.actors, context, context_norm, doc.gazetteer, drop, "actors")
    targets = _actors(draft.targets, context, context_norm, doc.gazetteer, drop, "targets")
    record_fields: dict[str, object] = {
        "actors": actors,
        "targets": [
            t for t in targets if (t.code or t.name) not in {a.code or a.name for a in actors}
        ],
        "date": _date(draft, context_norm, published, drop),
        "location": _location(draft.location, context, context_norm, doc.gazetteer, drop),
        "modality": draft.modality,
    }
    et = draft.event_type
    if et == "aid":
        record_fields["money"] = _money(
            draft.money, doc.analysis.money_in(ctx_start, ctx_end), drop
        )
        record_fields["items"] = _items(
            draft.items, doc.analysis.items_in(ctx_start, ctx_end), doc.gazetteer, drop
        )
        record_fields["stage"] = draft.stage or "announced"
        record_fields["category"] = draft.category or (
            "military" if record_fields["items"] else None
        )
    elif draft.money:
        record_fields["money"] = _money(
            draft.money, doc.analysis.money_in(ctx_start, ctx_end), drop
        )
    if draft.mode is not None:
        if draft.mode in MODES_BY_TYPE.get(et, ()):
            record_fields["mode"] = draft.mode
        else:
            drop["mode"] += 1
    if et == "attack":
        record_fields["killed"] = _count(draft.killed, context, "killed", drop)
        record_fields["injured"] = _count(draft.injured, context, "injured", drop)
    if et == "ceasefire":
        record_fields["duration_days"] = _duration(draft.duration, context_norm, drop)
        # Only scopes the text states, in a fixed vocabulary (a model's own words are not kept).
        record_fields["scope"] = ceasefire_scope(context_norm)
    if et == "agreement":
        record_fields["status"] = draft.status
    start, end = found.start, found.end
    try:
        record = EventRecord(
            event_id=event_id(doc.doc_id, segment.id, start, end, et),
            doc_id=doc.doc_id,
            segment_id=segment.id,
            segment_kind=segment.kind,
            event_type=et,
            summary_en=None,  # written below from the computed values, never taken from a model
            evidence=Evidence(quote=quote, start=start, end=end, alignment=found.alignment),  # type: ignore[arg-type]
            provenance=provenance,
            **record_fields,  # type: ignore[arg-type]
        )
    except ValidationError:
        stats.rejected["invalid_record"] += 1
        return None
    if not record.summary_en:
        record.summary_en = summarize(record)
    stats.accepted += 1
    return record


# ---- actors and places ----------------------------------------------------------------------


def actor_from_mention(m: Mention, surface: str | None = None) -> Actor:
    """The record form of a gazetteer mention (a capital or adjective stands for its state)."""
    entry = m.entry
    if entry.kind in ("person", "org"):
        code = entry.code if entry.code else entry.country
        return Actor(
            surface=surface or m.surface,
            name=entry.name,
            kind=entry.kind,
            country=entry.country,
            code=code,
        )
    state = m.as_country() or entry
    return Actor(
        surface=surface or m.surface,
        name=state.name,
        kind="country",
        country=state.country,
        code=state.code,
    )


def _actors(
    surfaces: list[str],
    context: str,
    context_norm: str,
    gaz: Gazetteer,
    drop: Counter[str],
    name: str,
) -> list[Actor]:
    out: list[Actor] = []
    seen: set[str] = set()
    for surface in surfaces:
        if not in_context(surface, context_norm):
            drop[name] += 1
            continue
        m = gaz.lookup(surface)
        if m is None or m.entry.kind in ("weapon",):
            drop[name + "_unknown"] += 1
            continue
        if m.entry.kind == "place" and m.as_country() is None:
            drop[name + "_unknown"] += 1
            continue
        actor = actor_from_mention(m, surface.strip())
        key = actor.code or actor.name
        if key not in seen:
            seen.add(key)
            out.append(actor)
    return out


def _location(
    surface: str | None, context: str, context_norm: str, gaz: Gazetteer, drop: Counter[str]
) -> Location | None:
    if not surface:
        return None
    if not in_context(surface, context_norm):
        drop["location"] += 1
        return None
    m = gaz.lookup(surface)
    if m is None:
        return Location(surface=surface.strip())
    country = m.entry.country if m.entry.kind != "country" else m.entry.code
    return Location(surface=surface.strip(), name=m.entry.name, country=country)


# ---- values ---------------------------------------------------------------------------------


def _money(surfaces: list[str], in_text: list[MoneyMention], drop: Counter[str]) -> list[Money]:
    """Money written in the context that the draft points at, with values read from the text."""
    out: list[Money] = []
    for surface in surfaces:
        # the common case (rule drafts, careful models): the surface is written as is
        match = next((m for m in in_text if m.surface == surface.strip()), None)
        wanted = parse_money(surface) if match is None else None
        for m in in_text if match is None else ():
            same_value = wanted is not None and (
                abs(m.amount - wanted.amount) <= 0.01 * wanted.amount
                and m.currency == wanted.currency
            )
            if same_value or normalize(surface) == normalize(m.surface):
                match = m
                break
        if match is None:
            drop["money"] += 1
            continue
        money = Money(
            surface=match.surface,
            amount=match.amount,
            currency=match.currency,
            qualifier=match.qualifier,  # type: ignore[arg-type]  # a MoneyQualifier value
            cumulative=match.cumulative,
        )
        if money not in out:
            out.append(money)
    return out


def _items(
    surfaces: list[str], in_text: list[ItemMention], gaz: Gazetteer, drop: Counter[str]
) -> list[Item]:
    """Items written in the context that the draft points at, with their written quantities."""
    out: list[Item] = []
    for surface in surfaces:
        m = gaz.lookup(surface)
        match = None
        for it in in_text:
            if (m is not None and m.entry.name == it.name) or normalize(surface) == normalize(
                it.surface
            ):
                match = it
                break
        if match is None:
            drop["items"] += 1
            continue
        item = Item(
            surface=match.surface, name=match.name, category=match.category, quantity=match.quantity
        )
        if all(i.name != item.name for i in out):
            out.append(item)
    return drop_generic_items(out, gaz)


def drop_generic_items(items: list[Item], gaz: Gazetteer) -> list[Item]:
    """ "دبابات ليوبارد 2": keep Leopard 2, drop the class Tanks that names the same thing."""
    specific = {i.category for i in items if not _is_generic(i, gaz)}
    return [i for i in items if not (_is_generic(i, gaz) and i.category in specific)]


def _is_generic(item: Item, gaz: Gazetteer) -> bool:
    entry = gaz.weapons.get(item.name)
    return bool(entry and entry.generic)


def _date(
    draft: DraftEvent, context_norm: str, published: date | None, drop: Counter[str]
) -> DateValue | None:
    surface = draft.date
    if not surface:
        return None
    if not in_context(surface, context_norm) or not find_dates(normalize(surface)):
        drop["date"] += 1
        return None
    # Resolve the date as the text writes it, not as the draft shortened it ("15 مارس" of
    # "15 مارس 2022" is 2022, "الخميس" of "الخميس المقبل" is next Thursday).
    at = find_in_context(surface, context_norm)
    written = next(
        (m for m in find_dates(context_norm) if at and m.nstart < at[1] and at[0] < m.nend), None
    )
    if written is None:
        drop["date"] += 1
        return None
    value, precision = written.resolve(published, forward=draft.modality == "planned")
    return DateValue(surface=surface.strip(), value=value, precision=precision)  # type: ignore[arg-type]


def _count(surface: str | None, context: str, role: str, drop: Counter[str]) -> int | None:
    """A casualty count: the number must be the one the context gives for this role."""
    if surface is None or not surface.strip():
        return None
    wanted = parse_count(surface)
    if wanted is None:
        drop[role] += 1
        return None
    written = getattr(find_casualties(context), role)
    if written is None or written != wanted:
        drop[role] += 1
        return None
    return written


_DURATION_UNITS = (
    (re.compile(r"^(?:يوم|يوما|ايام)$"), 1),
    (re.compile(r"^(?:اسبوع|اسبوعا|اسابيع)$"), 7),
    (re.compile(r"^(?:اسبوعين|اسبوعان)$"), 14),
    (re.compile(r"^(?:شهر|شهرا|اشهر|شهور)$"), 30),
    (re.compile(r"^(?:شهرين|شهران)$"), 60),
    (re.compile(r"^(?:ساعه|ساعات)$"), 1 / 24),
    (re.compile(r"^(?:يومين|يومان)$"), 2),
)


def parse_duration_days(surface: str) -> int | None:
    """ "لمدة 30 يوما" → 30; "72 ساعة" → 3; "شهرين" → 60."""
    n = normalize(surface)
    tokens = tokenize(n)
    for i, tok in enumerate(tokens):
        for pattern, days in _DURATION_UNITS:
            if pattern.match(tok.text):
                if days in (14, 60, 2):
                    return int(days)
                if i > 0 and starts_amount(tokens[i - 1].text):
                    j = i - 1
                    while j > 0 and starts_amount(tokens[j - 1].text):
                        j -= 1
                    amount = read_amount(n, tokens, j)
                    if amount:
                        value = amount.value * days
                        return max(1, round(value))
                if tok.text in ("يوم", "اسبوع", "شهر", "ساعه"):
                    return max(1, round(days))
    return None


def _duration(surface: str | None, context_norm: str, drop: Counter[str]) -> int | None:
    if not surface:
        return None
    if not in_context(surface, context_norm):
        drop["duration"] += 1
        return None
    return parse_duration_days(surface)


CEASEFIRE_SCOPES: tuple[tuple[re.Pattern[str], str], ...] = (
    (
        re.compile(r"(?:البنيه\s+التحتيه|منشات|محطات)\s+(?:\S+\s+)?(?:لل|ال)?طاق"),
        "energy infrastructure",
    ),
    (re.compile(r"البحر\s+الاسود|الملاحه|السفن"), "Black Sea / maritime"),
    (re.compile(r"شامل|كامل"), "full"),
    (re.compile(r"جزئي"), "partial"),
)


def ceasefire_scope(norm_text: str) -> str | None:
    """The scope of a ceasefire as the (normalized) text states it, in a fixed vocabulary."""
    return next((name for pattern, name in CEASEFIRE_SCOPES if pattern.search(norm_text)), None)


# ---- summaries ------------------------------------------------------------------------------


def _names(actors: list[Actor]) -> str:
    return ", ".join(a.name for a in actors) or "unknown"


def summarize(r: EventRecord) -> str:
    """A deterministic one-line English gloss of a record."""
    who, whom = _names(r.actors), _names(r.targets)
    when = f" ({r.date.value})" if r.date and r.date.value else ""
    neg = "not " if r.modality == "negated" else ""
    if r.event_type == "aid":
        money = "; ".join(f"{m.amount:,.0f} {m.currency}" for m in r.money)
        items = ", ".join(f"{i.quantity:,} {i.name}" if i.quantity else i.name for i in r.items)
        what = " — ".join(x for x in (money, items) if x)
        return f"{who} → {whom}: {r.category} aid {neg}{r.stage}{': ' + what if what else ''}{when}"
    if r.event_type == "diplomatic_contact":
        return f"{who} ↔ {whom}: {r.mode or 'contact'} {r.modality}{when}"
    if r.event_type == "attack":
        cas = []
        if r.killed is not None:
            cas.append(f"{r.killed} killed")
        if r.injured is not None:
            cas.append(f"{r.injured} injured")
        where = f" on {r.location.name or r.location.surface}" if r.location else ""
        return f"{who} {r.mode or ''} attack{where} → {whom}{': ' + ', '.join(cas) if cas else ''}{when}"
    if r.event_type == "ceasefire":
        dur = f", {r.duration_days} days" if r.duration_days else ""
        return f"ceasefire {neg}{r.modality}: {who}{' / ' + whom if r.targets else ''}{dur}{when}"
    if r.event_type == "agreement":
        return (
            f"agreement {r.status or ''} {neg}: {who}{' with ' + whom if r.targets else ''}{when}"
        )
    return f"{r.event_type}: {who}{when}"
