"""Crash-safe output: records appended one document at a time, failures beside them.

Each document's records go to OUT in a single ``write`` on a file opened with ``O_APPEND``, so a
document is either fully in OUT or not at all, and concurrent writers never interleave lines.
Documents that produced no event are listed in a small journal (``OUT.done``) so a resume does
not redo them. On ``--resume`` a torn last line (power loss mid-write) is cut off first.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from extractor.core.pipeline import DocumentResult
from extractor.errors import ConfigError, OutputError
from extractor.schemas import EventRecord, TaskRecord


def default_failures_path(out: Path) -> Path:
    """ "events.jsonl" → "events.failures.jsonl" beside it."""
    return out.with_name(f"{out.stem}.failures.jsonl")


def done_path(out: Path) -> Path:
    return out.with_name(out.name + ".done")


def _append(fd: int, payload: bytes) -> None:
    view = memoryview(payload)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def _open_append(path: Path) -> int:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        return os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    except OSError as exc:
        raise OutputError(
            f"cannot write {path}: {exc.strerror}; choose a writable path with -o"
        ) from exc


def repair_tail(path: Path) -> int:
    """Cut a torn (unterminated) last line off ``path``; return the bytes removed."""
    if not path.exists():
        return 0
    with path.open("rb+") as handle:
        handle.seek(0, os.SEEK_END)
        size = handle.tell()
        if size == 0:
            return 0
        handle.seek(size - 1)
        if handle.read(1) == b"\n":
            return 0
        # walk back to the previous newline
        pos = size - 1
        chunk = 4096
        while pos > 0:
            start = max(0, pos - chunk)
            handle.seek(start)
            data = handle.read(pos - start)
            nl = data.rfind(b"\n")
            if nl >= 0:
                cut = start + nl + 1
                handle.truncate(cut)
                return size - cut
            pos = start
        handle.truncate(0)
        return size


@dataclass
class ResumeState:
    """What a previous run already finished."""

    done: set[str] = field(default_factory=set)
    failed: set[str] = field(default_factory=set)


def _doc_ids(path: Path) -> set[str]:
    ids: set[str] = set()
    if not path.exists():
        return ids
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            try:
                ids.add(str(json.loads(line)["doc_id"]))
            except (ValueError, KeyError, TypeError):
                continue
    return ids


def done_ids(out: Path) -> set[str]:
    """Documents finished in OUT: those with records, and those journalled with none."""
    return _doc_ids(out) | _doc_ids(done_path(out))


def read_resume_state(out: Path, failures: Path) -> ResumeState:
    """What a previous run finished; torn last lines (a crash mid-write) are cut off first."""
    for path in (out, done_path(out), failures):
        repair_tail(path)
    state = ResumeState(done=done_ids(out), failed=_doc_ids(failures))
    state.failed -= state.done
    return state


def export_records(journal: Path, out: Path, output_format: str) -> None:
    """Write the records of the JSONL journal as CSV (UTF-8 with BOM, for spreadsheets) or
    Parquet (list columns kept as lists)."""
    from extractor.tools.frames import records_to_dataframe

    records = read_records(journal) if journal.exists() else []
    tmp = out.with_name(out.name + ".tmp")
    try:
        if output_format == "csv":
            records_to_dataframe(records).to_csv(tmp, index=False, encoding="utf-8-sig")
        elif output_format == "parquet":
            try:
                import pyarrow  # noqa: F401
            except ImportError as exc:
                raise OutputError(
                    "--format parquet needs pyarrow: pip install 'arabic-event-extractor[parquet]'"
                ) from exc
            records_to_dataframe(records, join_lists=False).to_parquet(tmp, index=False)
        else:
            raise OutputError(f"unknown output format {output_format!r}: use jsonl, csv or parquet")
        os.replace(tmp, out)
    except OSError as exc:
        raise OutputError(f"cannot write {out}: {exc.strerror}") from exc


class JsonlSink:
    """Appends records (JSONL) and failures; one atomic write per document."""

    def __init__(self, out: Path, failures: Path | None = None, *, fresh: bool = True) -> None:
        self.out = out
        self.failures = failures or default_failures_path(out)
        if fresh:
            for path in (self.out, self.failures, done_path(out)):
                if path.exists():
                    try:
                        path.unlink()
                    except OSError as exc:
                        raise OutputError(f"cannot replace {path}: {exc.strerror}") from exc
        self._out_fd = _open_append(self.out)
        self._fail_fd = _open_append(self.failures)
        self._done_fd = _open_append(done_path(out))

    def write(self, result: DocumentResult) -> None:
        if result.ok:
            if result.events:
                lines = "".join(r.model_dump_json() + "\n" for r in result.events)
                _append(self._out_fd, lines.encode("utf-8"))
            else:
                _append(self._done_fd, _line({"doc_id": result.doc_id, "events": 0}))
        else:
            self.write_failure(
                result.doc_id, result.source, result.error or "failed", result.message or ""
            )

    def write_failure(self, doc_id: str, source: str | None, error: str, message: str) -> None:
        _append(
            self._fail_fd,
            _line({"doc_id": doc_id, "source": source, "error": error, "message": message}),
        )

    def close(self) -> None:
        for fd in (self._out_fd, self._fail_fd, self._done_fd):
            try:
                os.close(fd)
            except OSError:
                pass

    def __enter__(self) -> JsonlSink:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _line(obj: dict[str, object]) -> bytes:
    text = json.dumps(obj, ensure_ascii=False) + "\n"
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate from a broken input: keep the line, escaped
        return (json.dumps(obj, ensure_ascii=True) + "\n").encode("ascii")


def count_failures(failures: Path) -> int:
    """Documents listed in the failures file (after a resume: those still failing)."""
    return len(_doc_ids(failures))


def rewrite_failures(failures: Path, done: set[str]) -> None:
    """Keep the latest failure line of each document that has not succeeded since."""
    if not failures.exists():
        return
    latest: dict[str, str] = {}
    with failures.open(encoding="utf-8") as handle:
        for line in handle:
            try:
                doc_id = str(json.loads(line)["doc_id"])
            except (ValueError, KeyError, TypeError):
                continue
            if doc_id not in done:
                latest.pop(doc_id, None)
                latest[doc_id] = line if line.endswith("\n") else line + "\n"
    tmp = failures.with_name(failures.name + ".tmp")
    tmp.write_text("".join(latest.values()), encoding="utf-8")
    os.replace(tmp, failures)


def parse_record(line: str) -> EventRecord | TaskRecord:
    """One record line: an event record, or the record of a user task (``"task"`` key)."""
    data = json.loads(line)
    if isinstance(data, dict) and "record_id" in data and "task" in data:
        return TaskRecord.model_validate(data)
    return EventRecord.model_validate(data)


def read_records(path: Path) -> list[EventRecord | TaskRecord]:
    """Records of a JSONL file written by ``extractor run``; a bad line is a clear ConfigError."""
    records: list[EventRecord | TaskRecord] = []
    try:
        with Path(path).open(encoding="utf-8") as handle:
            for lineno, line in enumerate(handle, start=1):
                if not line.strip():
                    continue
                try:
                    records.append(parse_record(line))
                except ValueError as exc:
                    raise ConfigError(f"{path}:{lineno}: not a record: {exc}") from exc
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror}") from exc
    return records


def read_events(path: Path) -> list[EventRecord]:
    """Event records of a JSONL file; records of a user task are a clear ConfigError."""
    records = read_records(path)
    if any(not isinstance(r, EventRecord) for r in records):
        raise ConfigError(f"{path} holds records of a user task; this command needs event records")
    return records  # type: ignore[return-value]
