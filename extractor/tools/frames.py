"""Flattening records into a pandas DataFrame: one row per event."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from extractor.schemas import EventRecord

COLUMNS = [
    "event_id",
    "doc_id",
    "segment_id",
    "segment_kind",
    "event_type",
    "summary_en",
    "quote",
    "start",
    "end",
    "alignment",
    "actors",
    "actor_codes",
    "targets",
    "target_codes",
    "date",
    "date_precision",
    "location",
    "modality",
    "category",
    "stage",
    "amount",
    "currency",
    "qualifier",
    "money",
    "items",
    "item_quantities",
    "mode",
    "killed",
    "injured",
    "duration_days",
    "scope",
    "status",
    "backend",
    "model",
]


def _join(values: list[Any], join: bool) -> Any:
    if not join:
        return values
    return "; ".join(str(v) for v in values if v is not None) or None


def record_row(r: EventRecord, *, join_lists: bool = True) -> dict[str, Any]:
    """One flat row for one record; list columns joined with "; " unless ``join_lists=False``."""
    packages = [m for m in r.money if not m.cumulative] or r.money
    first = packages[0] if packages else None
    return {
        "event_id": r.event_id,
        "doc_id": r.doc_id,
        "segment_id": r.segment_id,
        "segment_kind": r.segment_kind,
        "event_type": r.event_type,
        "summary_en": r.summary_en,
        "quote": r.evidence.quote,
        "start": r.evidence.start,
        "end": r.evidence.end,
        "alignment": r.evidence.alignment,
        "actors": _join([a.name for a in r.actors], join_lists),
        "actor_codes": _join([a.code for a in r.actors], join_lists),
        "targets": _join([a.name for a in r.targets], join_lists),
        "target_codes": _join([a.code for a in r.targets], join_lists),
        "date": r.date.value if r.date else None,
        "date_precision": r.date.precision if r.date else None,
        "location": (r.location.name or r.location.surface) if r.location else None,
        "modality": r.modality,
        "category": r.category,
        "stage": r.stage,
        "amount": first.amount if first else None,
        "currency": first.currency if first else None,
        "qualifier": first.qualifier if first else None,
        "money": _join(
            [f"{m.amount:.0f} {m.currency}{' (total)' if m.cumulative else ''}" for m in r.money],
            join_lists,
        ),
        "items": _join([i.name for i in r.items], join_lists),
        # aligned with "items": an item with no written quantity leaves an empty place
        "item_quantities": (
            "; ".join("" if i.quantity is None else str(i.quantity) for i in r.items) or None
            if join_lists
            else [i.quantity for i in r.items]
        ),
        "mode": r.mode,
        "killed": r.killed,
        "injured": r.injured,
        "duration_days": r.duration_days,
        "scope": r.scope,
        "status": r.status,
        "backend": r.provenance.backend,
        "model": r.provenance.model,
    }


def records_to_dataframe(records: Iterable[EventRecord], *, join_lists: bool = True):  # type: ignore[no-untyped-def]
    """A DataFrame with one row per event (see :data:`COLUMNS`)."""
    import pandas as pd

    rows = [record_row(r, join_lists=join_lists) for r in records]
    frame = pd.DataFrame(rows, columns=COLUMNS)
    for col in ("killed", "injured", "duration_days"):
        frame[col] = frame[col].astype("Int64")
    return frame
