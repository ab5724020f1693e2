"""From a backend's draft to a record: ground the quote, then compute each field by its type.

:func:`ground` is the gate every draft passes, whatever its task: the quote must be a meaningful
span found in the document (exact → normalized → fuzzy), and its sentence becomes the
:class:`~extractor.core.values.Scope` that every value must be written in. :class:`FieldBuilder`
builds the record of a user task from the draft model's typed fields (the events task has its own
builder, :mod:`extractor.events.builder`, built on the same pieces). What is refused is counted in
:class:`BuildStats` so a run can report it.
"""

from __future__ import annotations

import enum
import hashlib
import types
import typing
from bisect import bisect_left, bisect_right
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from typing import TYPE_CHECKING, Any, Protocol

from pydantic import BaseModel

from extractor.arabic.analysis import TextAnalysis
from extractor.arabic.sentences import Span, sentence_around
from extractor.core.grounding import Located, locate, quote_problem
from extractor.core.segment import Segment
from extractor.core.values import (
    Scope,
    resolve_actor,
    resolve_count,
    resolve_date,
    resolve_items,
    resolve_money,
    resolve_place,
    resolve_text,
)
from extractor.schemas.fields import FieldType
from extractor.schemas.records import TaskRecord
from extractor.schemas.values import Evidence, Provenance

if TYPE_CHECKING:
    from extractor.core.tasks import Task


@dataclass
class BuildStats:
    """What grounding refused: whole drafts (by reason) and single values (by field); and how
    many sentences longer than a chunk planning cut."""

    accepted: int = 0
    rejected: Counter[str] = field(default_factory=Counter)
    dropped_values: Counter[str] = field(default_factory=Counter)
    long_sentences_cut: int = 0

    def merge(self, other: BuildStats) -> None:
        self.accepted += other.accepted
        self.rejected.update(other.rejected)
        self.dropped_values.update(other.dropped_values)
        self.long_sentences_cut += other.long_sentences_cut

    def as_dict(self) -> dict[str, object]:
        return {
            "accepted": self.accepted,
            "rejected": dict(self.rejected),
            "dropped_values": dict(self.dropped_values),
            "long_sentences_cut": self.long_sentences_cut,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> BuildStats:
        return cls(
            int(data.get("accepted", 0)),
            Counter(data.get("rejected") or {}),
            Counter(data.get("dropped_values") or {}),
            int(data.get("long_sentences_cut", 0)),
        )


@dataclass(frozen=True)
class DocumentView:
    """A document as builders need it: id, text, its analysis, publication date and segments."""

    doc_id: str
    text: str
    analysis: TextAnalysis
    published_at: date | None
    segments: tuple[Segment, ...] = ()
    sentence_spans: tuple[Span, ...] = ()  # of the whole text

    def segment_of(self, window: Segment) -> Segment:
        """The whole segment a request's window (a chunk of it) belongs to."""
        return self._segments_by_id.get(window.id, window)

    @cached_property
    def _segments_by_id(self) -> dict[int, Segment]:
        by_id: dict[int, Segment] = {}
        for s in self.segments:
            by_id.setdefault(s.id, s)
        return by_id


def record_id(doc_id: str, segment_id: int, start: int, end: int, kind: str) -> str:
    """Deterministic id: the same record in the same document gets the same id on every run."""
    key = f"{doc_id}\x1f{segment_id}\x1f{start}\x1f{end}\x1f{kind}"
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:20]


@dataclass(frozen=True)
class Grounded:
    """A draft's quote found in the text, and the scope its values must be written in."""

    found: Located
    quote: str
    scope: Scope

    def evidence(self) -> Evidence:
        return Evidence(
            quote=self.quote,
            start=self.found.start,
            end=self.found.end,
            alignment=self.found.alignment,  # type: ignore[arg-type]
        )


def ground(quote: str, doc: DocumentView, window: Segment, stats: BuildStats) -> Grounded | None:
    """Find ``quote`` in ``window`` of ``doc``; None (counted) when it is not there."""
    if quote_problem(quote):
        stats.rejected["quote_not_meaningful"] += 1
        return None
    found = locate(doc.text, quote, (window.start, window.end), doc.analysis.norm)
    if found is None:
        stats.rejected["quote_not_in_text"] += 1
        return None
    sentence = sentence_around(doc.text, found.start, found.end)
    start, end = min(sentence.start, found.start), max(sentence.end, found.end)
    # A related article's relative dates are not resolved against the page's date.
    published = doc.published_at if window.kind == "main" else None
    whole = doc.segment_of(window)
    scope = Scope.of(
        doc.analysis,
        start,
        end,
        published,
        stats.dropped_values,
        context=_neighbours(doc, window, start, end, CONTEXT_SENTENCES),
        near=_neighbours(doc, window, start, end, NEAR_SENTENCES),
        segment=(whole.start, whole.end),
    )
    return Grounded(found, doc.text[found.start : found.end], scope)


# How far from the quote's sentence a value it refers to may be written: parties and places up to
# two sentences away (the visitor named before), amounts and items one (the follow-up sentence
# that details a package), dates anywhere in the segment (the day is often stated once, in the
# lead). Parties, amounts and items never come from further: text far from the event — an
# injected instruction, another story — cannot lend them.
CONTEXT_SENTENCES = 2
NEAR_SENTENCES = 1


def _neighbours(
    doc: DocumentView, window: Segment, start: int, end: int, reach: int
) -> tuple[int, int]:
    """The span of the sentences within ``reach`` of [start, end), inside its segment (which may
    extend past the request's chunk)."""
    whole = doc.segment_of(window)
    # the segment's sentences, found by bisection (sentence spans are in text order)
    spans = doc.sentence_spans
    a = bisect_left(spans, whole.start, key=_span_start)
    b = bisect_right(spans, whole.end, lo=a, key=_span_end)
    if a >= b:
        return start, end
    first = min(bisect_right(spans, start, a, b, key=_span_end), b - 1)
    last = max(bisect_left(spans, end, a, b, key=_span_start) - 1, first)
    lo, hi = max(a, first - reach), min(b - 1, last + reach)
    return min(spans[lo].start, start), max(spans[hi].end, end)


def _span_start(s: Span) -> int:
    return s.start


def _span_end(s: Span) -> int:
    return s.end


class RecordBuilder(Protocol):
    """Turns one draft of a task into a record (None when grounding refuses it)."""

    def build(
        self,
        draft: BaseModel,
        doc: DocumentView,
        window: Segment,
        provenance: Provenance,
        stats: BuildStats,
    ) -> BaseModel | None: ...


# ---- user tasks: fields resolved by their declared type ----------------------------------------


@dataclass(frozen=True)
class FieldSpec:
    """How one draft field is turned into a record value."""

    name: str
    kind: str | None  # a FieldType kind, or None for plain values
    many: bool  # list[...] of it
    text: bool  # a plain string (grounded) rather than a choice (kept as given)


def field_specs(model: type[BaseModel]) -> list[FieldSpec]:
    """The typed fields of a draft model, from its annotations."""
    specs = []
    for name, info in model.model_fields.items():
        kind = next((m.kind for m in info.metadata if isinstance(m, FieldType)), None)
        annotation = info.annotation
        many = False
        inner = _strip_optional(annotation)
        if typing.get_origin(inner) in (list, tuple, set, frozenset):
            args = typing.get_args(inner)
            many = True
            inner = _strip_optional(args[0]) if args else Any
            kind = kind or _kind_of(args[0]) if args else kind
        kind = kind or _kind_of(annotation)
        specs.append(FieldSpec(name, kind, many, kind is None and inner is str))
    return specs


def _strip_optional(annotation: Any) -> Any:
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(args) == 1:
            return _strip_optional(args[0])
    if typing.get_origin(annotation) is typing.Annotated:
        return _strip_optional(typing.get_args(annotation)[0])
    return annotation


def _kind_of(annotation: Any) -> str | None:
    """The FieldType kind inside an annotation (``Actor | None``, ``list[Money]`` …)."""
    if typing.get_origin(annotation) is typing.Annotated:
        for meta in typing.get_args(annotation)[1:]:
            if isinstance(meta, FieldType):
                return meta.kind
        return None
    for arg in typing.get_args(annotation):
        kind = _kind_of(arg)
        if kind:
            return kind
    return None


class FieldBuilder:
    """The record builder of user tasks: every field computed by its declared type."""

    def __init__(self, task: Task) -> None:
        self.task = task
        self.specs = field_specs(task.draft)
        quotes = [s.name for s in self.specs if s.kind == "quote"]
        self.quote_field = quotes[0]

    def build(
        self,
        draft: BaseModel,
        doc: DocumentView,
        window: Segment,
        provenance: Provenance,
        stats: BuildStats,
    ) -> TaskRecord | None:
        grounded = ground(getattr(draft, self.quote_field), doc, window, stats)
        if grounded is None:
            return None
        scope = grounded.scope
        values: dict[str, Any] = {}
        for spec in self.specs:
            if spec.kind == "quote":
                continue
            raw = getattr(draft, spec.name)
            if spec.many:
                resolved = _resolve_many(spec, list(raw or []), scope)
                values[spec.name] = resolved
            else:
                values[spec.name] = _resolve_one(spec, raw, scope)
        start, end = grounded.found.start, grounded.found.end
        stats.accepted += 1
        return TaskRecord(
            task=self.task.name,
            record_id=record_id(doc.doc_id, window.id, start, end, self.task.name),
            doc_id=doc.doc_id,
            segment_id=window.id,
            segment_kind=window.kind,
            evidence=grounded.evidence(),
            fields=values,
            provenance=provenance,
        )


def _resolve_one(spec: FieldSpec, raw: Any, scope: Scope) -> Any:
    if raw is None:
        return None
    kind, name = spec.kind, spec.name
    if kind == "actor":
        actor = resolve_actor(str(raw), scope, name)
        return actor.model_dump() if actor else None
    if kind == "money":
        money = resolve_money([str(raw)], scope, name)
        return money[0].model_dump() if money else None
    if kind == "date":
        value = resolve_date(str(raw), scope, name=name)
        return value.model_dump() if value else None
    if kind == "count":
        return resolve_count(str(raw), scope, name)
    if kind == "place":
        place = resolve_place(str(raw), scope, name)
        return place.model_dump() if place else None
    if kind == "item":
        items = resolve_items([str(raw)], scope, name)
        return items[0].model_dump() if items else None
    if spec.text:
        return resolve_text(str(raw), scope, name)
    return raw.value if isinstance(raw, enum.Enum) else raw  # a choice: kept as given


def _resolve_many(spec: FieldSpec, raws: list[Any], scope: Scope) -> list[Any]:
    kind, name = spec.kind, spec.name
    texts = [str(r) for r in raws if r is not None]
    if kind == "money":
        return [m.model_dump() for m in resolve_money(texts, scope, name)]
    if kind == "item":
        return [i.model_dump() for i in resolve_items(texts, scope, name)]
    out: list[Any] = []
    for raw in raws:
        value = _resolve_one(spec, raw, scope)
        if value is not None and value not in out:
            out.append(value)
    return out


def merge_identical(records: list[BaseModel]) -> list[BaseModel]:
    """Keep one of records that say the same thing (overlapping chunks see a sentence twice)."""
    kept: list[BaseModel] = []
    seen: set[str] = set()
    for r in records:
        key = r.model_dump_json(exclude={"provenance"})
        if key not in seen:
            seen.add(key)
            kept.append(r)
    return kept


__all__ = [
    "BuildStats",
    "DocumentView",
    "FieldBuilder",
    "FieldSpec",
    "Grounded",
    "RecordBuilder",
    "field_specs",
    "ground",
    "merge_identical",
    "record_id",
]
