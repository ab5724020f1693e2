"""Pydantic schemas of the default task: the *draft* a backend returns and the *record* we emit.

Backends (the LLM or the rule extractor) only fill :class:`DraftEvent`: an event type, a verbatim
quote and surface strings as written in the article. Deterministic code turns those surfaces into
values and offsets and builds :class:`EventRecord`. This module imports only pydantic.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

SCHEMA_VERSION = "1.0"

EventType = Literal["aid", "diplomatic_contact", "agreement", "ceasefire", "attack", "other"]
Modality = Literal["asserted", "planned", "hypothetical", "negated"]
AidStage = Literal["requested", "announced", "approved", "contracted", "delivered"]
AidCategory = Literal["military", "financial", "humanitarian"]
AttackMode = Literal["missile", "drone", "air", "artillery", "ground", "other"]
ContactMode = Literal["phone", "visit", "meeting", "talks"]
AgreementStatus = Literal["negotiating", "signed", "ratified"]
Alignment = Literal["exact", "normalized", "fuzzy"]
ActorKind = Literal["person", "country", "org"]
DatePrecision = Literal["day", "week", "month", "year", "unknown"]
MoneyQualifier = Literal["exact", "at_least", "approx", "up_to"]
SegmentKind = Literal["main", "related_article", "headline_list", "boilerplate"]

EVENT_TYPES: tuple[str, ...] = EventType.__args__  # type: ignore[attr-defined]

# Which `mode` values make sense for which event type (the record keeps one `mode` column).
MODES_BY_TYPE: dict[str, tuple[str, ...]] = {
    "attack": AttackMode.__args__,  # type: ignore[attr-defined]
    "diplomatic_contact": ContactMode.__args__,  # type: ignore[attr-defined]
}


# --------------------------------------------------------------------------------------------
# Draft: what a backend returns. Small on purpose: grammar-constrained decoding on a CPU is slow,
# and every field is a surface string copied from the article, never a computed value.
# --------------------------------------------------------------------------------------------


class DraftEvent(BaseModel):
    """One event as a backend saw it: type, verbatim quote, and surface strings from the text."""

    model_config = ConfigDict(extra="ignore")

    event_type: EventType = Field(description="Kind of event.")
    quote: str = Field(
        max_length=600,
        description="The sentence or clause of the article stating the event, copied verbatim.",
    )
    actors: list[str] = Field(
        default_factory=list,
        max_length=6,
        description="Initiators as written: donor, caller, visitor, attacker, signatories.",
    )
    targets: list[str] = Field(
        default_factory=list,
        max_length=6,
        description="Recipients, counterparts, hosts or attacked side, as written.",
    )
    date: str | None = Field(default=None, max_length=80, description="Date words as written.")
    location: str | None = Field(default=None, max_length=80, description="Place as written.")
    modality: Modality = "asserted"
    money: list[str] = Field(
        default_factory=list,
        max_length=4,
        description='Amounts with their currency as written, e.g. "61 مليار دولار".',
    )
    items: list[str] = Field(
        default_factory=list,
        max_length=8,
        description="Weapon systems or aid items as written, with their quantity if stated.",
    )
    stage: AidStage | None = Field(default=None, description="Aid only.")
    category: AidCategory | None = Field(default=None, description="Aid only.")
    mode: str | None = Field(
        default=None,
        description="attack: missile|drone|air|artillery|ground|other; "
        "diplomatic_contact: phone|visit|meeting|talks.",
    )
    killed: str | None = Field(default=None, max_length=60, description="Attack: dead, as written.")
    injured: str | None = Field(
        default=None, max_length=60, description="Attack: injured, as written."
    )
    duration: str | None = Field(
        default=None, max_length=60, description="Ceasefire: duration as written."
    )
    scope: str | None = Field(default=None, max_length=120, description="Ceasefire scope.")
    status: AgreementStatus | None = Field(default=None, description="Agreement only.")
    summary_en: str | None = Field(default=None, max_length=300, description="One-line gloss.")


class DraftBatch(BaseModel):
    """The answer of a backend for one segment of text."""

    events: list[DraftEvent] = Field(default_factory=list, max_length=20)


# --------------------------------------------------------------------------------------------
# Record: what the service emits. Every value here was computed by code from grounded text.
# --------------------------------------------------------------------------------------------


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


class Actor(BaseModel):
    surface: str
    name: str
    kind: ActorKind
    country: str | None = Field(default=None, description="ISO-3166 alpha-3, or null.")
    code: str | None = Field(
        default=None, description="Evaluation code: ISO-3, or NATO/EU/G7/UN for those bodies."
    )


class DateValue(BaseModel):
    surface: str
    value: str | None = Field(default=None, description="YYYY-MM-DD, YYYY-Www, YYYY-MM or YYYY.")
    precision: DatePrecision = "unknown"


class Location(BaseModel):
    surface: str
    name: str | None = None
    country: str | None = None


class Money(BaseModel):
    surface: str
    amount: float = Field(gt=0)
    currency: str = Field(min_length=3, max_length=3, description="ISO-4217.")
    qualifier: MoneyQualifier = "exact"
    cumulative: bool = False


class Item(BaseModel):
    surface: str
    name: str
    category: str
    quantity: int | None = None


class Provenance(BaseModel):
    backend: str
    model: str | None = None
    prompt_version: str | None = None
    schema_version: str = SCHEMA_VERSION
    cache_key: str | None = None
    prompt_tokens: int | None = Field(
        default=None,
        description="Tokens this run spent on the request that drafted the event "
        "(every attempt, re-asks included; 0 when answered from the cache).",
    )
    completion_tokens: int | None = None
    cached: bool = False


class EventRecord(BaseModel):
    """A validated, normalized, source-grounded event."""

    event_id: str
    doc_id: str
    segment_id: int
    segment_kind: SegmentKind = "main"
    event_type: EventType
    summary_en: str | None = None
    evidence: Evidence
    actors: list[Actor] = Field(default_factory=list)
    targets: list[Actor] = Field(default_factory=list)
    date: DateValue | None = None
    location: Location | None = None
    modality: Modality = "asserted"
    # aid
    category: AidCategory | None = None
    stage: AidStage | None = None
    money: list[Money] = Field(default_factory=list)
    items: list[Item] = Field(default_factory=list)
    period: str | None = None
    # attack (mode) / diplomatic_contact (mode)
    mode: str | None = None
    killed: int | None = Field(default=None, ge=0)
    injured: int | None = Field(default=None, ge=0)
    target_type: str | None = None
    # ceasefire
    scope: str | None = None
    duration_days: int | None = Field(default=None, gt=0)
    # agreement
    status: AgreementStatus | None = None
    provenance: Provenance

    @model_validator(mode="after")
    def _fields_fit_type(self) -> EventRecord:
        allowed = MODES_BY_TYPE.get(self.event_type)
        if self.mode is not None and (allowed is None or self.mode not in allowed):
            raise ValueError(f"mode {self.mode!r} does not fit event type {self.event_type!r}")
        if self.event_type != "aid" and (self.stage or self.category or self.items):
            raise ValueError("stage, category and items apply to aid events only")
        if self.event_type != "attack" and (self.killed is not None or self.injured is not None):
            raise ValueError("casualties apply to attack events only")
        return self
