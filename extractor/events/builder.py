"""The events task's record builder: a :class:`DraftEvent` becomes an :class:`EventRecord`.

The quote is grounded like any task's (:func:`extractor.core.record_builder.ground`); values go through
the shared resolvers (:mod:`extractor.core.values`) and enter the record only when written in the
quote's sentence. Which type-specific values an event type carries comes from the event-type
table (:mod:`extractor.schemas.event_types`).
"""

from __future__ import annotations

import re

from pydantic import BaseModel, ValidationError

from extractor.arabic.casualties import find_casualties, parse_count
from extractor.arabic.numbers import read_amount, starts_amount, tokenize
from extractor.arabic.sentences import sentence_around
from extractor.arabic.textnorm import normalize
from extractor.core.record_builder import BuildStats, DocumentView, ground, record_id
from extractor.core.segment import Segment
from extractor.core.values import (
    Scope,
    resolve_actors,
    resolve_date,
    resolve_items,
    resolve_money,
    resolve_place,
)
from extractor.schemas.event_types import SPECS
from extractor.schemas.events import Actor, DraftEvent, EventRecord, Provenance

event_id = record_id  # the events task's name for it


class EventBuilder:
    """Builds event records (the events task's :class:`~extractor.core.record_builder.RecordBuilder`)."""

    def build(
        self,
        draft: BaseModel,
        doc: DocumentView,
        window: Segment,
        provenance: Provenance,
        stats: BuildStats,
    ) -> EventRecord | None:
        assert isinstance(draft, DraftEvent)
        return build_record(draft, doc, window, provenance, stats)


def build_record(
    draft: DraftEvent,
    doc: DocumentView,
    window: Segment,
    provenance: Provenance,
    stats: BuildStats,
) -> EventRecord | None:
    """Ground ``draft`` in ``window`` of ``doc`` and compute its values; None when refused."""
    grounded = ground(draft.quote, doc, window, stats)
    if grounded is None:
        return None
    scope = grounded.scope
    et = draft.event_type
    spec = SPECS[et]
    actors = resolve_actors(draft.actors, scope, "actors")
    targets = resolve_actors(draft.targets, scope, "targets")
    if et == "attack" and not targets:
        targets = [t for t in (_struck_place(x, scope) for x in draft.targets) if t is not None]
    initiators = {a.code or a.name for a in actors}
    values: dict[str, object] = {
        "actors": actors,
        "targets": [t for t in targets if (t.code or t.name) not in initiators],
        "date": resolve_date(draft.date, scope, forward=draft.modality == "planned"),
        "location": resolve_place(draft.location, scope),
        "modality": draft.modality,
    }
    wanted = set(spec.fields)
    if "money" in wanted:
        values["money"] = resolve_money(draft.money, scope)
    if "items" in wanted:
        values["items"] = resolve_items(draft.items, scope)
    if "stage" in wanted:
        values["stage"] = draft.stage or "announced"
    if "category" in wanted:
        values["category"] = draft.category or ("military" if values.get("items") else None)
    if draft.mode is not None:
        if draft.mode in spec.modes:
            values["mode"] = draft.mode
        else:
            stats.dropped_values["mode"] += 1
    if "subtype" in wanted:
        values["subtype"] = draft.subtype
        if draft.subtype is None:
            stats.rejected["no_subtype"] += 1
            return None
    if "killed" in wanted:
        values["killed"] = _casualty(draft.killed, scope, "killed")
    if "injured" in wanted:
        values["injured"] = _casualty(draft.injured, scope, "injured")
    if "duration_days" in wanted:
        values["duration_days"] = _duration(draft.duration, scope)
    if "scope" in wanted:
        # Only scopes the text states, in a fixed vocabulary (a model's own words are not kept).
        values["scope"] = ceasefire_scope(scope.norm)
    if "status" in wanted:
        values["status"] = draft.status
    start, end = grounded.found.start, grounded.found.end
    try:
        record = EventRecord(
            event_id=event_id(doc.doc_id, window.id, start, end, et),
            doc_id=doc.doc_id,
            segment_id=window.id,
            segment_kind=window.kind,
            event_type=et,
            evidence=grounded.evidence(),
            provenance=provenance,
            **values,  # type: ignore[arg-type]
        )
    except ValidationError:
        stats.rejected["invalid_record"] += 1
        return None
    record.summary_en = summarize(record)  # from the computed values, never from a model
    stats.accepted += 1
    return record


def _struck_place(surface: str, scope: Scope) -> Actor | None:
    """ "شنت روسيا هجوما على مدينة لفيف": a struck city stands for the state it is in (the
    attacked side), written as the city."""
    m = scope.gazetteer.lookup(surface)
    if m is None or m.entry.kind != "place" or not m.entry.country:
        return None
    state = scope.gazetteer.countries.get(m.entry.country)
    span = scope.find(surface)
    if state is None or span is None:
        return None
    return Actor(
        surface=scope.analysis.text[span[0] : span[1]],
        name=state.name,
        kind="country",
        country=state.code,
        code=state.code,
        start=span[0],
        end=span[1],
        alignment=scope.alignment,  # type: ignore[arg-type]
    )


def _casualty(surface: str | None, scope: Scope, role: str) -> int | None:
    """A casualty count: the number must be the one a sentence gives for this role — the quote's
    sentence, or the sentence of the segment the surface is written in ("وقالت السلطات إن
    الهجوم أسفر عن إصابة شخصين" tells the toll of the strike told just before)."""
    if surface is None or not surface.strip():
        return None
    wanted = parse_count(surface)
    if wanted is None:
        scope.drop(role)
        return None
    sentence = scope.text
    if not scope.has(surface) and scope.context is not None:
        span = scope.context.find(surface)
        if span is not None:
            around = sentence_around(scope.analysis.text, span[0], span[1])
            sentence = scope.analysis.text[around.start : around.end]
    written = getattr(find_casualties(sentence), role)
    if written is None or written != wanted:
        scope.drop(role)
        return None
    return int(written)


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
                        return max(1, round(amount.value * days))
                if tok.text in ("يوم", "اسبوع", "شهر", "ساعه"):
                    return max(1, round(days))
    return None


def _duration(surface: str | None, scope: Scope) -> int | None:
    if not surface:
        return None
    if not scope.has(surface):
        scope.drop("duration")
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
        money = "; ".join(
            f"{m.amount:,.0f} {m.currency}" for m in r.money if m.qualifier != "equivalent"
        )
        items = ", ".join(f"{i.quantity:,} {i.name}" if i.quantity else i.name for i in r.items)
        what = " — ".join(x for x in (money, items) if x)
        kind = f"{r.category} aid" if r.category else "aid"
        return f"{who} → {whom}: {kind} {neg}{r.stage}{': ' + what if what else ''}{when}"
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
    if r.event_type == "other":
        what = (r.subtype or "other").replace("_", " ")
        to = f" → {whom}" if r.targets else ""
        return f"{what} {neg}{r.modality}: {who}{to}{when}"
    return f"{r.event_type}: {who}{when}"


__all__ = [
    "CEASEFIRE_SCOPES",
    "EventBuilder",
    "build_record",
    "ceasefire_scope",
    "event_id",
    "parse_duration_days",
    "summarize",
]
