"""Pydantic schemas of the default task: the *draft* a backend returns and the *record* we emit.

Backends (the LLM or the rule extractor) only fill :class:`DraftEvent`: an event type, a verbatim
quote and surface strings as written in the article, typed with the fields of
:mod:`schemas.draft_fields`. Deterministic code turns those surfaces into values and offsets and builds
:class:`EventRecord`. What differs by event type comes from :mod:`schemas.event_types`.
This module imports only pydantic.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from .draft_fields import Actor as ActorText
from .draft_fields import Count, Date, Place, Quote
from .draft_fields import Item as ItemText
from .draft_fields import Money as MoneyText
from .event_types import EVENT_TYPE_NAMES, OTHER_SUBTYPES, SPECS, TYPE_FIELDS
from .values import (
    SCHEMA_VERSION,
    Actor,
    DateValue,
    Evidence,
    Item,
    Location,
    Mention,
    Money,
    Provenance,
)

EventType = Literal[EVENT_TYPE_NAMES]  # type: ignore[valid-type]
OtherSubtype = Literal[OTHER_SUBTYPES]  # type: ignore[valid-type]
Modality = Literal["asserted", "planned", "hypothetical", "negated"]
AidStage = Literal["requested", "announced", "approved", "contracted", "delivered"]
AidCategory = Literal["military", "financial", "humanitarian"]
AgreementStatus = Literal["negotiating", "signed", "ratified"]
SegmentKind = Literal["main", "related_article", "headline_list", "boilerplate"]

# --------------------------------------------------------------------------------------------
# Draft: what a backend returns. Small on purpose: grammar-constrained decoding on a CPU is slow,
# and every field is a surface string copied from the article, never a computed value.
# --------------------------------------------------------------------------------------------


class DraftEvent(BaseModel):
    """One event as a backend saw it: type, verbatim quote, and surface strings from the text."""

    model_config = ConfigDict(extra="ignore")

    # The quote comes first: a model picks the sentence, then says what it states.
    quote: Quote
    event_type: EventType = Field(description="Kind of event the quote states.")
    subtype: OtherSubtype | None = Field(default=None, description="For event_type other only.")
    actors: list[ActorText] = Field(
        default_factory=list,
        max_length=12,
        description="Initiators as written: donor, caller, visitor, attacker, signatories.",
    )
    targets: list[ActorText] = Field(
        default_factory=list,
        max_length=12,
        description="Recipients, counterparts, hosts or attacked side, as written.",
    )
    date: Date | None = None
    location: Place | None = None
    modality: Modality = "asserted"
    money: list[MoneyText] = Field(default_factory=list, max_length=4)
    items: list[ItemText] = Field(default_factory=list, max_length=8)
    stage: AidStage | None = Field(default=None, description="Aid only.")
    category: AidCategory | None = Field(default=None, description="Aid only.")
    mode: str | None = Field(
        default=None,
        description="attack: missile|drone|air|artillery|ground|other; "
        "diplomatic_contact: phone|visit|meeting|talks.",
    )
    killed: Count | None = Field(default=None, description="Attack: dead, as written.")
    injured: Count | None = Field(default=None, description="Attack: injured, as written.")
    duration: str | None = Field(
        default=None, max_length=60, description="Ceasefire: duration as written."
    )
    status: AgreementStatus | None = Field(default=None, description="Agreement only.")


class DraftBatch(BaseModel):
    """The answer of a backend for one segment of text."""

    events: list[DraftEvent] = Field(default_factory=list, max_length=20)


# --------------------------------------------------------------------------------------------
# Record: what the service emits. Every value here was computed by code from grounded text.
# --------------------------------------------------------------------------------------------


class EventRecord(BaseModel):
    """A validated, normalized, source-grounded event."""

    event_id: str
    doc_id: str
    published_at: str | None = Field(
        default=None, description="The document's publication date (ISO 8601), when known."
    )
    source: str | None = Field(
        default=None, description="The document's URL when known, else its file path or JSONL id."
    )
    segment_id: int
    segment_kind: SegmentKind = "main"
    event_type: EventType
    subtype: OtherSubtype | None = None
    summary_en: str | None = None
    evidence: Evidence
    mentions: list[Mention] = Field(
        default_factory=list,
        description="Every place the document tells this event, in text order (the evidence is "
        "the fullest of them).",
    )
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
    commitment_id: str | None = Field(
        default=None,
        description="Aid: the package this record is a stage of (shared by its announcement, "
        "votes, signing, delivery; across articles after extractor link).",
    )
    # attack (mode) / diplomatic_contact (mode)
    mode: str | None = None
    killed: int | None = Field(default=None, ge=0)
    injured: int | None = Field(default=None, ge=0)
    # ceasefire
    scope: str | None = None
    duration_days: int | None = Field(default=None, gt=0)
    # agreement
    status: AgreementStatus | None = None
    provenance: Provenance

    @model_validator(mode="after")
    def _fields_fit_type(self) -> EventRecord:
        spec = SPECS[self.event_type]
        for name in TYPE_FIELDS:
            if name not in spec.fields and getattr(self, name) not in (None, []):
                raise ValueError(f"{name} does not apply to {self.event_type} events")
        if self.mode is not None and self.mode not in spec.modes:
            raise ValueError(f"mode {self.mode!r} does not fit event type {self.event_type!r}")
        if spec.subtypes and self.subtype not in spec.subtypes:
            raise ValueError(f"{self.event_type} events need a subtype from {spec.subtypes}")
        return self


__all__ = [
    "SCHEMA_VERSION",
    "Actor",
    "AgreementStatus",
    "AidCategory",
    "AidStage",
    "DateValue",
    "DraftBatch",
    "DraftEvent",
    "EventRecord",
    "EventType",
    "Evidence",
    "Item",
    "Location",
    "Mention",
    "Modality",
    "Money",
    "OtherSubtype",
    "Provenance",
    "SegmentKind",
]
