"""Pydantic schemas of the default task (imports only pydantic)."""

from extractor.schemas.events import (
    EVENT_TYPES,
    SCHEMA_VERSION,
    Actor,
    DateValue,
    DraftBatch,
    DraftEvent,
    EventRecord,
    Evidence,
    Item,
    Location,
    Money,
    Provenance,
)

__all__ = [
    "EVENT_TYPES",
    "SCHEMA_VERSION",
    "Actor",
    "DateValue",
    "DraftBatch",
    "DraftEvent",
    "EventRecord",
    "Evidence",
    "Item",
    "Location",
    "Money",
    "Provenance",
]
