"""Record files: reading the JSONL that ``extractor run`` writes, for every command over records.

Below both the run machinery (``extractor.run``: resume, CSV/Parquet export) and the tools
(``extractor.tools``: report, link, evaluate), which read records the same way.
"""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import BaseModel, ValidationError

from extractor.errors import ConfigError
from extractor.schemas import EventRecord, TaskRecord


def parse_record(line: str, model: type[BaseModel] | None = None) -> EventRecord | TaskRecord:
    """One record line: an event record, or the record of a user task (``"task"`` key) — typed
    by ``model`` (a task's ``record_model``) when given and of that task, else with its fields as
    read."""
    data = json.loads(line)
    if isinstance(data, dict) and "record_id" in data and "task" in data:
        if model is not None and issubclass(model, TaskRecord):
            if data["task"] == model.model_fields["task"].default:
                return model.model_validate(data)
        return TaskRecord.model_validate(data)
    return EventRecord.model_validate(data)


def read_records(
    path: Path, model: type[BaseModel] | None = None
) -> list[EventRecord | TaskRecord]:
    """Records of a JSONL file written by ``extractor run``; a bad line (not UTF-8, not JSON, not
    a record) is a one-line ConfigError naming it. ``model``: a user task's record class, to
    read its records typed."""
    records: list[EventRecord | TaskRecord] = []
    try:
        with Path(path).open("rb") as handle:
            for lineno, raw in enumerate(handle, start=1):
                if not raw.strip():
                    continue
                try:
                    records.append(parse_record(raw.decode("utf-8"), model))
                except UnicodeDecodeError as exc:
                    raise ConfigError(
                        f"{path}:{lineno}: not UTF-8 text (byte {exc.start}); is it a records file?"
                    ) from None
                except ValidationError as exc:
                    error = exc.errors()[0]
                    where = ".".join(str(x) for x in error["loc"]) or "record"
                    raise ConfigError(
                        f"{path}:{lineno}: not a record ({where}: {error['msg']})"
                    ) from None
                except ValueError as exc:
                    raise ConfigError(f"{path}:{lineno}: not a JSON record: {exc}") from None
    except IsADirectoryError:
        raise ConfigError(f"{path} is a folder, not a records file") from None
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror}") from None
    return records


def read_events(path: Path) -> list[EventRecord]:
    """Event records of a JSONL file; records of a user task are a clear ConfigError."""
    records = read_records(path)
    if any(not isinstance(r, EventRecord) for r in records):
        raise ConfigError(f"{path} holds records of a user task; this command needs event records")
    return records  # type: ignore[return-value]


__all__ = ["parse_record", "read_events", "read_records"]
