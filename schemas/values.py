"""The normalized values of records, shared by the events task and user tasks.

Every value here was computed by code from text that grounding found in the document; a backend
only ever gives the surface strings. This module imports only pydantic.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field, model_validator

SCHEMA_VERSION = "1.2"

Alignment = Literal["exact", "normalized", "fuzzy"]
# Where a value's words were found: in the quote's sentence, or elsewhere in the same segment
# (the visitor named in the previous sentence, a date stated once for two events).
ValueAlignment = Literal["sentence", "context"]
ActorKind = Literal["person", "country", "org"]
DatePrecision = Literal["day", "week", "month", "year", "unknown"]
# equivalent: the same money in another currency ("(نحو 3.2 مليار دولار)"), shown, never summed
MoneyQualifier = Literal["exact", "at_least", "approx", "up_to", "equivalent"]


class Evidence(BaseModel):
    """The verbatim quote and its character offsets in the original document text."""

    quote: str
    start: int = Field(ge=0)
    end: int = Field(ge=0)
    alignment: Alignment

    @model_validator(mode="after")
    def _ordered(self) -> Evidence:
        if self.end <= self.start:
            raise ValueError("evidence end must be after start")
        return self


class Mention(BaseModel):
    """One place the article tells the event (or the task's record): ``text[start:end] == quote``."""

    quote: str
    start: int = Field(ge=0)
    end: int = Field(ge=0)


# Every value also says where in the document the words it was read from are: ``text[start:end]``
# and whether they are in the quote's sentence or elsewhere in its segment ("context"). The
# three fields close each class so that records read surface → value → where.
_START = Field(default=None, ge=0, description="Offset of the value's words in the document.")
_END = Field(default=None, ge=0)
_ALIGNMENT = Field(
    default=None,
    description="sentence: in the quote's sentence; context: elsewhere in the same segment.",
)


class TaskActor(BaseModel):
    """A state, person or body a user task's record names. ``name``, ``kind``, ``country`` and
    ``code`` come from the gazetteer; words written in the quote's sentence that the gazetteer
    does not know are kept as an unresolved surface: its offsets, ``name`` null."""

    surface: str
    name: str | None = None
    kind: ActorKind | None = None
    country: str | None = Field(default=None, description="ISO-3166 alpha-3, or null.")
    code: str | None = Field(
        default=None, description="Evaluation code: ISO-3, or NATO/EU/G7/UN for those bodies."
    )
    start: int | None = _START
    end: int | None = _END
    alignment: ValueAlignment | None = _ALIGNMENT


class Actor(TaskActor):
    """An actor of an event record: always known to the gazetteer (the events task drops what
    it does not know, since dedup, linking and scoring compare canonical names and codes)."""

    name: str
    kind: ActorKind


class DateValue(BaseModel):
    surface: str
    value: str | None = Field(default=None, description="YYYY-MM-DD, YYYY-Www, YYYY-MM or YYYY.")
    precision: DatePrecision = "unknown"
    start: int | None = _START
    end: int | None = _END
    alignment: ValueAlignment | None = _ALIGNMENT


class Location(BaseModel):
    surface: str
    name: str | None = None
    country: str | None = None
    start: int | None = _START
    end: int | None = _END
    alignment: ValueAlignment | None = _ALIGNMENT


class Money(BaseModel):
    surface: str
    amount: float = Field(gt=0)
    currency: str = Field(min_length=3, max_length=3, description="ISO-4217.")
    qualifier: MoneyQualifier = "exact"
    cumulative: bool = False
    start: int | None = _START
    end: int | None = _END
    alignment: ValueAlignment | None = _ALIGNMENT


class TaskItem(BaseModel):
    """A weapon system or aid item a user task's record names: ``name`` and ``category`` from
    the gazetteer, or null for words written in the quote's sentence that it does not know."""

    surface: str
    name: str | None = None
    category: str | None = None
    quantity: int | None = None
    start: int | None = _START
    end: int | None = _END
    alignment: ValueAlignment | None = _ALIGNMENT


class Item(TaskItem):
    """An item of an event record: always known to the gazetteer."""

    name: str
    category: str


class Provenance(BaseModel):
    backend: str
    model: str | None = None
    prompt_version: str | None = None
    schema_version: str = SCHEMA_VERSION
    cache_key: str | None = None
    prompt_tokens: int | None = Field(
        default=None,
        description="Tokens this run spent on the request that drafted the record "
        "(every attempt, re-asks included; 0 when answered from the cache).",
    )
    completion_tokens: int | None = None
    cached: bool = False
    sources: list[str] = Field(
        default_factory=list,
        description="Backends that proposed this record (hybrid: rules, openai or both).",
    )


__all__ = [
    "SCHEMA_VERSION",
    "Actor",
    "ActorKind",
    "Alignment",
    "DatePrecision",
    "DateValue",
    "Evidence",
    "Item",
    "Location",
    "Mention",
    "Money",
    "MoneyQualifier",
    "Provenance",
    "TaskActor",
    "TaskItem",
    "ValueAlignment",
]
