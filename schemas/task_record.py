"""The record of a user-defined task (see ``extractor.Task``). This module imports only pydantic.

``fields`` holds the draft's fields with their values computed by code: ``Money`` fields as
:class:`~.values.Money` objects, ``Actor`` as :class:`~.values.TaskActor`, ``Date`` as
:class:`~.values.DateValue`, ``Count`` as an integer, ``Place`` as :class:`~.values.Location`,
``Item`` as :class:`~.values.TaskItem`; plain strings and numbers only when written in the
quote's sentence; choices (literals, enums, booleans) as given.

Each task has its own subclass (``Task.record_model``, generated from the draft) whose ``fields``
is a model with those types; :class:`TaskRecord` itself holds a task's record read back without
its task (``fields`` as a dict of what the JSON says).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from .values import Evidence, Mention, Provenance


class TaskRecord(BaseModel):
    """A validated, grounded record of a user-defined task."""

    task: str
    record_id: str
    doc_id: str
    published_at: str | None = None  # the document's publication date (ISO 8601), when known
    source: str | None = None  # the document's URL when known, else its file path or JSONL id
    segment_id: int
    segment_kind: str = "main"
    evidence: Evidence
    mentions: list[Mention] = Field(default_factory=list)  # every place the record is told
    fields: dict[str, Any] = Field(default_factory=dict)
    provenance: Provenance


__all__ = ["TaskRecord"]
