"""The record of a user-defined task (see ``extractor.Task``). This module imports only pydantic.

``fields`` holds the draft's fields with their values computed by code: ``Money`` fields as
:class:`~schemas.values.Money` objects, ``Actor`` as :class:`~schemas.values.Actor`, ``Date`` as
:class:`~schemas.values.DateValue`, ``Count`` as an integer, ``Place`` as
:class:`~schemas.values.Location`, ``Item`` as :class:`~schemas.values.Item`; plain strings only
when written in the quote's sentence; choices (literals, enums, booleans, numbers) as given.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from .values import Evidence, Provenance


class TaskRecord(BaseModel):
    """A validated, grounded record of a user-defined task."""

    task: str
    record_id: str
    doc_id: str
    segment_id: int
    segment_kind: str = "main"
    evidence: Evidence
    fields: dict[str, Any] = Field(default_factory=dict)
    provenance: Provenance


__all__ = ["TaskRecord"]
