"""Flattening records into a pandas DataFrame: one row per record.

Event records get the columns below (the type-specific ones exist for every row, empty where the
event type does not fill them); a user task's records get ``record_id, task, doc_id, …, quote``
and the columns of each field by its kind (:data:`KIND_COLUMNS`: ``<field>_amount`` and
``<field>_currency`` of money, ``<field>_value`` of a date, ``<field>`` and ``<field>_code`` of
an actor …), with pandas dtypes that fit (Float64, Int64, string, boolean).
"""

from __future__ import annotations

import enum
import types
import typing
from collections.abc import Callable, Iterable
from typing import Any, Literal

from pydantic import BaseModel

from extractor.errors import ConfigError
from extractor.schemas import EventRecord, TaskRecord
from extractor.schemas.values import (
    Actor,
    DateValue,
    Item,
    Location,
    Money,
    TaskActor,
    TaskItem,
)

COLUMNS = [
    "event_id",
    "doc_id",
    "published_at",
    "source",
    "segment_id",
    "segment_kind",
    "event_type",
    "summary_en",
    "quote",
    "start",
    "end",
    "alignment",
    "n_mentions",
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
    "commitment_id",
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
        "published_at": r.published_at,
        "source": r.source,
        "segment_id": r.segment_id,
        "segment_kind": r.segment_kind,
        "event_type": r.event_type,
        "summary_en": r.summary_en,
        "quote": r.evidence.quote,
        "start": r.evidence.start,
        "end": r.evidence.end,
        "alignment": r.evidence.alignment,
        "n_mentions": len(r.mentions) or 1,
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
        "commitment_id": r.commitment_id,
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
    "published_at",
    "source",
    "segment_id",
    "segment_kind",
    "quote",
    "start",
    "end",
    "alignment",
    "n_mentions",
]

# The columns of one user-task field, by the kind of value it holds: (suffix, how to read one
# value, pandas dtype). ``<field>`` alone is a name (the gazetteer's, else the text's words), a
# number or a choice; money and dates are spread over typed columns.
Column = tuple[str, Callable[[Any], Any], str]
_NAME: Callable[[Any], Any] = lambda v: v.get("name") or v.get("surface")  # noqa: E731
KIND_COLUMNS: dict[str, list[Column]] = {
    "money": [
        ("_amount", lambda v: v.get("amount"), "Float64"),
        ("_currency", lambda v: v.get("currency"), "string"),
        ("_qualifier", lambda v: v.get("qualifier"), "string"),
    ],
    "date": [
        ("_value", lambda v: v.get("value"), "string"),
        ("_precision", lambda v: v.get("precision"), "string"),
    ],
    "actor": [("", _NAME, "string"), ("_code", lambda v: v.get("code"), "string")],
    "place": [("", _NAME, "string"), ("_country", lambda v: v.get("country"), "string")],
    "item": [("", _NAME, "string"), ("_quantity", lambda v: v.get("quantity"), "Int64")],
    "int": [("", lambda v: v, "Int64")],
    "float": [("", lambda v: v, "Float64")],
    "bool": [("", lambda v: v, "boolean")],
    "text": [("", lambda v: v, "string")],
    "value": [("", lambda v: v, "object")],
}
_VALUE_KINDS: dict[type, str] = {
    Money: "money",
    DateValue: "date",
    TaskActor: "actor",
    Actor: "actor",
    Location: "place",
    TaskItem: "item",
    Item: "item",
    int: "int",
    float: "float",
    bool: "bool",
    str: "text",
}


def _inner(annotation: Any) -> tuple[Any, bool]:
    """The value type inside ``X | None`` or ``list[X]``, and whether it is a list."""
    many = False
    while True:
        origin = typing.get_origin(annotation)
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        if origin in (list, tuple, set, frozenset) and args:
            annotation, many = args[0], True
        elif origin in (typing.Union, types.UnionType, typing.Annotated) and args:
            annotation = args[0]
        else:
            return annotation, many


def field_kinds(fields_model: type[BaseModel]) -> dict[str, str]:
    """Column kind of each field of a task's typed ``fields`` model (see :data:`KIND_COLUMNS`)."""
    kinds: dict[str, str] = {}
    for name, info in fields_model.model_fields.items():
        inner, _many = _inner(info.annotation)
        if isinstance(inner, type) and issubclass(inner, enum.Enum):
            kinds[name] = "text"
        elif typing.get_origin(inner) is Literal:
            values = typing.get_args(inner)
            kinds[name] = "text" if all(isinstance(v, str) for v in values) else "value"
        else:
            kinds[name] = _VALUE_KINDS.get(inner, "value")
    return kinds


def _kind_of_value(value: Any) -> str:
    """A value's column kind from its shape, for records read back without their task file."""
    if isinstance(value, list):
        return next((_kind_of_value(v) for v in value if v is not None), "value")
    if isinstance(value, dict):
        keys = set(value)
        if {"amount", "currency"} <= keys:
            return "money"
        if "precision" in keys:
            return "date"
        if "category" in keys or "quantity" in keys:
            return "item"
        if "kind" in keys or "code" in keys:
            return "actor"
        return "place"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "float"
    return "text" if isinstance(value, str) else "value"


def _fields_of(r: TaskRecord) -> dict[str, Any]:
    fields: Any = r.fields
    if isinstance(fields, BaseModel):
        return fields.model_dump(mode="json")
    return dict(fields)


def task_kinds(records: list[TaskRecord]) -> dict[str, str]:
    """Column kind of each field: from the task's typed record model (``Task.record_model``),
    else — records read back from JSONL without the task — from the first value of each field."""
    first: Any = records[0].fields
    if isinstance(first, BaseModel):
        return field_kinds(type(first))
    kinds: dict[str, str] = {}
    for r in records:
        for name, value in _fields_of(r).items():
            if value is not None and value != [] and kinds.get(name, "value") == "value":
                kinds[name] = _kind_of_value(value)
            kinds.setdefault(name, "value")
    return kinds


def task_record_row(
    r: TaskRecord, kinds: dict[str, str], *, join_lists: bool = True
) -> dict[str, Any]:
    """One flat row for one record of a user task: the columns of each field by its kind."""
    row: dict[str, Any] = {
        "record_id": r.record_id,
        "task": r.task,
        "doc_id": r.doc_id,
        "published_at": r.published_at,
        "source": r.source,
        "segment_id": r.segment_id,
        "segment_kind": r.segment_kind,
        "quote": r.evidence.quote,
        "start": r.evidence.start,
        "end": r.evidence.end,
        "alignment": r.evidence.alignment,
        "n_mentions": len(r.mentions) or 1,
    }
    values = _fields_of(r)
    for name, kind in kinds.items():
        value = values.get(name)
        for suffix, read, _dtype in KIND_COLUMNS[kind]:
            if isinstance(value, list):
                cells = [read(v) for v in value]
                row[name + suffix] = _join(cells, join_lists) if join_lists else cells
            else:
                row[name + suffix] = None if value is None else read(value)
    return row


def task_dataframe(records: list[TaskRecord], *, join_lists: bool = True) -> Any:
    """The DataFrame of a user task's records, columns typed by field kind: ``<field>_amount``
    (Float64), ``<field>_currency``, ``<field>_value`` of a date, ``<field>_code`` of an actor,
    counts and integer fields as Int64 (lists of values joined with "; " unless ``join_lists``
    is False: then they are lists)."""
    import pandas as pd

    kinds = task_kinds(records)
    rows = [task_record_row(r, kinds, join_lists=join_lists) for r in records]
    columns = list(TASK_COLUMNS)
    dtypes: dict[str, str] = {}
    many = {n for r in records for n, v in _fields_of(r).items() if isinstance(v, list)}
    for name, kind in kinds.items():
        for suffix, _read, dtype in KIND_COLUMNS[kind]:
            columns.append(name + suffix)
            if name not in many or not join_lists:
                dtypes[name + suffix] = dtype if name not in many else "object"
            else:
                dtypes[name + suffix] = "string"
    frame = pd.DataFrame(rows, columns=columns)
    return frame.astype(dtypes)


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
        if len({r.task for r in records}) > 1:
            raise ConfigError("a DataFrame holds records of one task; these are of several")
        return task_dataframe(records, join_lists=join_lists)
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
