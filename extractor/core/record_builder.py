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
import json
import types
import typing
from bisect import bisect_left, bisect_right
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import date
from functools import cached_property
from typing import Annotated, Any, Literal, Protocol, assert_never

from pydantic import BaseModel, Field, create_model

from extractor.arabic.analysis import TextAnalysis
from extractor.arabic.numbers import amount_candidates, parse_digits, read_amount, tokenize
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
from extractor.errors import ConfigError
from extractor.schemas.draft_fields import FieldKind, FieldType
from extractor.schemas.task_record import TaskRecord
from extractor.schemas.values import (
    DateValue,
    Evidence,
    Location,
    Money,
    Provenance,
    TaskActor,
    TaskItem,
)


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


def record_id(
    doc_id: str, segment_id: int, start: int, end: int, kind: str, values: str = ""
) -> str:
    """Deterministic id: the same record in the same document gets the same id on every run.

    ``values`` (a digest of the record's grounded values, for user tasks) tells apart two records
    of one sentence; the events task's ids hash document, segment, span and type alone."""
    key = f"{doc_id}\x1f{segment_id}\x1f{start}\x1f{end}\x1f{kind}"
    if values:
        key += f"\x1f{values}"
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

# What a draft field is: one of the typed surfaces of :mod:`extractor.fields`, or a plain value —
# ``text`` (a string: kept where written in the quote's sentence), ``number`` (an int or float:
# kept where written there too) or ``choice`` (a Literal, an enum or a bool: kept as given).
PlainKind = Literal["text", "number", "choice"]
SpecKind = FieldKind | PlainKind


@dataclass(frozen=True)
class FieldSpec:
    """How one draft field is turned into a record value."""

    name: str
    kind: SpecKind
    many: bool  # list[...] of it
    inner: Any = None  # the annotation inside Optional/list: int or float, a Literal, an enum …

    @property
    def text(self) -> bool:
        """A plain string (grounded) rather than a choice (kept as given)."""
        return self.kind == "text"


def field_specs(model: type[BaseModel]) -> list[FieldSpec]:
    """The typed fields of a draft model, from its annotations; a type no resolver knows (a
    dict, a nested model, a datetime …) is a :class:`ConfigError` naming the field."""
    specs = []
    for name, info in model.model_fields.items():
        marked = next((m.kind for m in info.metadata if isinstance(m, FieldType)), None)
        inner = _strip_optional(info.annotation)
        many = typing.get_origin(inner) in (list, tuple, set, frozenset)
        if many:
            args = typing.get_args(inner)
            marked = marked or (_kind_of(args[0]) if args else None)
            inner = _strip_optional(args[0]) if args else Any
        marked = marked or _kind_of(info.annotation)
        kind: SpecKind | None = marked  # type: ignore[assignment]  # a FieldType kind
        if kind is None:
            kind = _plain_kind(inner)
        if kind is None:
            raise ConfigError(
                f"draft {model.__name__}, field {name}: type {inner!r} has no resolver; use a type "
                "of extractor.fields (Quote, Actor, Money, Date, Count, Place, Item), str, int, "
                "float, bool, a Literal or an Enum"
            )
        specs.append(FieldSpec(name, kind, many, inner))
    return specs


def _plain_kind(inner: Any) -> PlainKind | None:
    if inner is str:
        return "text"
    if inner is bool or typing.get_origin(inner) is Literal:
        return "choice"
    if isinstance(inner, type) and issubclass(inner, enum.Enum):
        return "choice"
    if inner in (int, float):
        return "number"
    return None


def _strip_optional(annotation: Any) -> Any:
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(args) == 1:
            return _strip_optional(args[0])
    if typing.get_origin(annotation) is typing.Annotated:
        return _strip_optional(typing.get_args(annotation)[0])
    return annotation


def _kind_of(annotation: Any) -> FieldKind | None:
    """The FieldType kind inside an annotation (``Actor | None``, ``list[Money]`` …)."""
    if typing.get_origin(annotation) is typing.Annotated:
        for meta in typing.get_args(annotation)[1:]:
            if isinstance(meta, FieldType):
                return meta.kind  # type: ignore[return-value]  # checked by FieldType
        return None
    for arg in typing.get_args(annotation):
        kind = _kind_of(arg)
        if kind:
            return kind
    return None


def value_type(spec: FieldSpec) -> Any:
    """The type a record holds for one value of a draft field (exhaustive over field kinds: a
    kind without a case here is a type error for mypy and an error at task creation)."""
    kind = spec.kind
    match kind:
        case "quote":
            return Evidence
        case "actor":
            return TaskActor
        case "money":
            return Money
        case "date":
            return DateValue
        case "count":
            return Annotated[int, Field(ge=0)]
        case "place":
            return Location
        case "item":
            return TaskItem
        case "text":
            return str
        case "number" | "choice":
            return spec.inner
        case _:
            assert_never(kind)


def record_model(name: str, draft: type[BaseModel], specs: list[FieldSpec]) -> type[TaskRecord]:
    """The record class of a task: :class:`TaskRecord` whose ``fields`` is a model with one typed
    value per draft field (``Money`` → :class:`Money`, ``Actor`` → :class:`TaskActor` …)."""
    definitions: dict[str, Any] = {}
    for spec in specs:
        if spec.kind == "quote":
            continue
        described = draft.model_fields[spec.name].description
        one = value_type(spec)
        if spec.many:
            definitions[spec.name] = (
                list[one],  # type: ignore[valid-type]
                Field(default_factory=list, description=described),
            )
        else:
            definitions[spec.name] = (one | None, Field(default=None, description=described))
    fields_model = create_model(
        f"{draft.__name__}Fields",
        __doc__=f"The values of a {name} record, computed from the text by each field's type.",
        **definitions,
    )
    model: type[TaskRecord] = create_model(
        f"{draft.__name__}Record",
        __base__=TaskRecord,
        __doc__=f"A grounded record of the {name} task.",
        task=(Literal[name], name),  # type: ignore[arg-type]
        fields=(fields_model, Field(default_factory=fields_model)),
    )
    return model


class FieldBuilder:
    """The record builder of user tasks: every field computed by its declared type."""

    def __init__(self, name: str, model: type[TaskRecord], specs: list[FieldSpec]) -> None:
        self.name = name
        self.model = model
        self.fields_model: type[BaseModel] = model.model_fields["fields"].annotation  # type: ignore[assignment]
        self.specs = [s for s in specs if s.kind != "quote"]
        self.quote_field = next(s.name for s in specs if s.kind == "quote")

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
            raw = getattr(draft, spec.name)
            if spec.many:
                values[spec.name] = resolve_many(spec, list(raw or []), scope)
            else:
                values[spec.name] = resolve_field(spec, raw, scope)
        fields = self.fields_model.model_validate(values)
        start, end = grounded.found.start, grounded.found.end
        stats.accepted += 1
        return self.model.model_validate(
            {
                "task": self.name,
                "record_id": record_id(
                    doc.doc_id, window.id, start, end, self.name, fields_digest(fields)
                ),
                "doc_id": doc.doc_id,
                "segment_id": window.id,
                "segment_kind": window.kind,
                "evidence": grounded.evidence(),
                "fields": fields,
                "provenance": provenance,
            }
        )


def fields_digest(fields: BaseModel) -> str:
    """A digest of a record's grounded values: two records of one sentence (two votes, two
    donors) get different ids, the same record on every run the same one."""
    canonical = json.dumps(fields.model_dump(mode="json"), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:16]


def resolve_field(spec: FieldSpec, raw: Any, scope: Scope) -> Any:
    """One draft value as its record value (None — counted — when the text does not state it)."""
    if raw is None:
        return None
    kind, name = spec.kind, spec.name
    match kind:
        case "quote":
            raise ValueError(f"{name}: a draft's quote is grounded by ground(), not resolved")
        case "actor":
            return _actor_or_surface(str(raw), scope, name)
        case "money":
            money = resolve_money([str(raw)], scope, name)
            return money[0] if money else None
        case "date":
            return resolve_date(str(raw), scope, name=name)
        case "count":
            return resolve_count(str(raw), scope, name)
        case "place":
            return resolve_place(str(raw), scope, name)
        case "item":
            return _item_or_surface(str(raw), scope, name)
        case "text":
            return resolve_text(str(raw), scope, name)
        case "number":
            return resolve_number(raw, scope, name)
        case "choice":
            return raw.value if isinstance(raw, enum.Enum) else raw  # kept as given
        case _:
            assert_never(kind)


def resolve_many(spec: FieldSpec, raws: list[Any], scope: Scope) -> list[Any]:
    """The values of a list field, each resolved as :func:`resolve_field` does, without repeats."""
    if spec.kind == "money":  # amounts are matched together (one text amount is one value)
        return list(resolve_money([str(r) for r in raws if r is not None], scope, spec.name))
    out: list[Any] = []
    for raw in raws:
        value = resolve_field(spec, raw, scope)
        if value is not None and value not in out:
            out.append(value)
    return out


def _probe(scope: Scope) -> tuple[Scope, Counter[str]]:
    """The scope with a drop counter of its own: what a resolver would drop, to decide later."""
    dropped: Counter[str] = Counter()
    return replace(scope, dropped=dropped), dropped


def _unresolved(surface: str, scope: Scope) -> tuple[str, dict[str, Any]] | None:
    """Words written in the quote's sentence that the gazetteer does not know: the text's own
    words there and their offsets, or None."""
    if scope.gazetteer.lookup(surface) is not None:
        return None  # known, as something else (a place named as an actor …): not kept
    span = scope.find(surface)
    if span is None:
        return None
    where = {"start": span[0], "end": span[1], "alignment": scope.alignment}
    return scope.analysis.text[span[0] : span[1]], where


def _actor_or_surface(surface: str, scope: Scope, name: str) -> TaskActor | None:
    probe, dropped = _probe(scope)
    actor = resolve_actor(surface, probe, name)
    if actor is not None:
        return actor
    if dropped[f"{name}_unknown"]:
        found = _unresolved(surface, scope)
        if found is not None:
            return TaskActor(surface=found[0], **found[1])
    scope.dropped.update(dropped)
    return None


def _item_or_surface(surface: str, scope: Scope, name: str) -> TaskItem | None:
    probe, dropped = _probe(scope)
    items = resolve_items([surface], probe, name)
    if items:
        return items[0]
    found = _unresolved(surface, scope)
    if found is not None:
        return TaskItem(surface=found[0], **found[1])
    scope.dropped.update(dropped)
    return None


def numbers_written(scope: Scope) -> set[float]:
    """The numbers the scope's text writes, in digits or in words ("21", "ثلاثة", "مليارين")."""
    norm = scope.norm
    tokens = tokenize(norm)
    found = {parse_digits(t.text) for t in tokens if t.text[:1].isdigit()}
    for i in amount_candidates(norm, tokens):
        amount = read_amount(norm, tokens, i)
        if amount is not None:
            found.add(amount.value)
    return found


def resolve_number(value: Any, scope: Scope, name: str) -> int | float | None:
    """A plain number field, grounded like a ``Count``: kept when the quote's sentence writes
    that number, else dropped and counted (a model's ``units: 999`` never reaches a record)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        scope.drop(name)
        return None
    if float(value) in numbers_written(scope):
        return value
    scope.drop(name)
    return None


def merge_identical(records: list[BaseModel]) -> list[BaseModel]:
    """Keep one of records that say the same thing: overlapping chunks see a sentence twice, and
    a page repeats a sentence (a teaser before a photo caption, the caption itself). The same
    fields told in the same words (normalized) at another place are one record with two
    mentions (the first place gives its evidence and id)."""
    from extractor.arabic.textnorm import normalize
    from extractor.core.mentions import join_mentions

    kept: dict[str, BaseModel] = {}
    for r in records:
        evidence = getattr(r, "evidence", None)
        exclude = {"provenance", "evidence", "record_id", "segment_id", "mentions"}
        # the same values, wherever their words are (a value's offsets are its own place)
        said = _placeless(r.model_dump(mode="json", exclude=exclude))
        key = json.dumps(said, sort_keys=True, ensure_ascii=False)
        key += "\x1f" + normalize(getattr(evidence, "quote", ""))
        if key in kept:
            if evidence is not None:
                join_mentions(kept[key], r)
        else:
            kept[key] = r
    return list(kept.values())


def _placeless(value: Any) -> Any:
    if isinstance(value, dict):
        return {
            k: _placeless(v) for k, v in value.items() if k not in ("start", "end", "alignment")
        }
    if isinstance(value, list):
        return [_placeless(v) for v in value]
    return value


__all__ = [
    "BuildStats",
    "DocumentView",
    "FieldBuilder",
    "FieldSpec",
    "Grounded",
    "PlainKind",
    "RecordBuilder",
    "SpecKind",
    "field_specs",
    "fields_digest",
    "ground",
    "merge_identical",
    "numbers_written",
    "record_id",
    "record_model",
    "resolve_field",
    "resolve_many",
    "resolve_number",
    "value_type",
]
