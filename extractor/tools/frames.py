"""Flattening records into a pandas DataFrame: one row per record.

Event records get the columns below (the type-specific ones exist for every row, empty where the
event type does not fill them); a user task's records get ``record_id, task, doc_id, …, quote``
and one column per draft field (values flattened to their name, amount or value).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from extractor.errors import ConfigError
from extractor.schemas import EventRecord, TaskRecord

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
    "subtype",
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
    packages = [m for m in r.money if not m.cumulative and m.qualifier != "equivalent"] or r.money
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
            [
                f"{m.amount:.0f} {m.currency}"
                + (" (total)" if m.cumulative else "")
                + (" (equivalent)" if m.qualifier == "equivalent" else "")
                for m in r.money
            ],
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
        "subtype": r.subtype,
        "killed": r.killed,
        "injured": r.injured,
        "duration_days": r.duration_days,
        "scope": r.scope,
        "status": r.status,
        "backend": r.provenance.backend,
        "model": r.provenance.model,
    }


TASK_COLUMNS = [
    "record_id",
    "task",
    "doc_id",
    "segment_id",
    "segment_kind",
    "quote",
    "start",
    "end",
    "alignment",
]


def _flat(value: Any) -> Any:
    """A computed value as one cell: an actor's name, an amount with currency, a date's value."""
    if isinstance(value, list):
        return [_flat(v) for v in value]
    if isinstance(value, dict):
        if "amount" in value and "currency" in value:
            return f"{value['amount']:.0f} {value['currency']}"
        for key in ("name", "value", "surface"):
            if value.get(key) not in (None, ""):
                return value[key]
        return None
    return value


def task_record_row(r: TaskRecord, *, join_lists: bool = True) -> dict[str, Any]:
    row: dict[str, Any] = {
        "record_id": r.record_id,
        "task": r.task,
        "doc_id": r.doc_id,
        "segment_id": r.segment_id,
        "segment_kind": r.segment_kind,
        "quote": r.evidence.quote,
        "start": r.evidence.start,
        "end": r.evidence.end,
        "alignment": r.evidence.alignment,
    }
    for name, value in r.fields.items():
        flat = _flat(value)
        row[name] = _join(flat, join_lists) if isinstance(flat, list) else flat
    return row


def records_to_dataframe(records: Iterable[Any], *, join_lists: bool = True):  # type: ignore[no-untyped-def]
    """A DataFrame with one row per record (see :data:`COLUMNS` for event records)."""
    try:
        import pandas as pd
    except ImportError as exc:
        raise ConfigError(
            "DataFrames need pandas: pip install 'arabic-event-extractor[pandas]'"
        ) from exc

    records = list(records)
    if records and all(isinstance(r, TaskRecord) for r in records):
        rows = [task_record_row(r, join_lists=join_lists) for r in records]
        columns = TASK_COLUMNS + [c for c in rows[0] if c not in TASK_COLUMNS]
        return pd.DataFrame(rows, columns=columns)
    if any(not isinstance(r, EventRecord) for r in records):
        raise ConfigError("a DataFrame holds records of one task: event records or a user task's")
    rows = [record_row(r, join_lists=join_lists) for r in records]
    frame = pd.DataFrame(rows, columns=COLUMNS)
    for col in ("killed", "injured", "duration_days"):
        frame[col] = frame[col].astype("Int64")
    return frame


# ---- CSV safety (OWASP "CSV Injection") ---------------------------------------------------------

#: A cell starting with one of these is run as a formula by spreadsheet programs.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def neutralise_cell(value: Any) -> Any:
    """A text cell a spreadsheet would run as a formula gets a leading ``'`` (as OWASP advises),
    so it is shown as the text it is; numbers and other cells are kept as they are."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def csv_safe(frame: Any) -> Any:
    """A copy of ``frame`` with every text cell neutralised (:func:`neutralise_cell`)."""
    safe = frame.copy()
    for column in safe.columns:
        if safe[column].dtype == object or str(safe[column].dtype).startswith("str"):
            safe[column] = safe[column].map(neutralise_cell)
    return safe


def write_csv(frame: Any, path: Any) -> None:
    """CSV for spreadsheets: UTF-8 with BOM, formula cells neutralised, RFC 4180 line ends, and
    every cell holding a line break (CR or LF) quoted, so that each record is one row."""
    import csv

    csv_safe(frame).to_csv(
        path, index=False, encoding="utf-8-sig", lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL
    )
