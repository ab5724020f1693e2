"""Pydantic schemas (imported as ``extractor.schemas``; this module imports only pydantic).

- :mod:`.fields` — the typed draft fields of any task (``Quote``, ``Actor``, ``Money`` …);
- :mod:`.values` — the normalized values records carry (actors, money, dates …);
- :mod:`.event_types` — the one table of what each event type of the default task means;
- :mod:`.events` — the default task's draft and record;
- :mod:`.records` — the record of a user-defined task.
"""

from .event_types import EVENT_TYPE_NAMES, EVENT_TYPES, EventTypeSpec
from .events import DraftBatch, DraftEvent, EventRecord
from .task_record import TaskRecord
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

__all__ = [
    "EVENT_TYPES",
    "EVENT_TYPE_NAMES",
    "SCHEMA_VERSION",
    "Actor",
    "DateValue",
    "DraftBatch",
    "DraftEvent",
    "EventRecord",
    "EventTypeSpec",
    "Evidence",
    "Item",
    "Location",
    "Mention",
    "Money",
    "Provenance",
    "TaskRecord",
]
