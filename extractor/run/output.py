"""Crash-safe output: records appended one document at a time, failures beside them.

Each document's records go to OUT in a single ``write`` on a file opened with ``O_APPEND``;
then one line in the document journal (``OUT.done``: ``{"doc_id", "records": n}``) says that the
document is complete. On ``--resume`` a document counts as done only when the journal names it
*and* OUT holds exactly its ``n`` records; the records of an unfinished document (a crash or a
full disk between or inside those writes) and any torn or undecodable line are cut off, with a
warning naming how many lines were dropped, and the document runs again.

A run holds a lock on ``OUT.lock`` (:mod:`filelock`), so a second run on the same OUT stops with
a clear message instead of deleting or duplicating the first one's records. Sidecar files (the
journal, the failures file) are only created when there is something to write.
"""

from __future__ import annotations

import json
import logging
import os
import stat
import sys
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from pydantic import BaseModel

from extractor.core.pipeline import DocumentResult
from extractor.errors import OutputError
from extractor.records.files import read_records
from extractor.run.documents import file_kind

log = logging.getLogger("extractor")

STDOUT = "-"  # `-o -`: records to standard output


def is_stdout(path: Path | str | None) -> bool:
    return path is not None and str(path) == STDOUT


def default_failures_path(out: Path) -> Path:
    """ "events.jsonl" → "events.failures.jsonl" beside it."""
    return out.with_name(f"{out.stem}.failures.jsonl")


def done_path(out: Path) -> Path:
    """The document journal of OUT: one line per finished document."""
    return out.with_name(out.name + ".done")


def lock_path(out: Path) -> Path:
    return out.with_name(out.name + ".lock")


# ---- targets and the lock ----------------------------------------------------------------------


def check_target(path: Path, what: str = "-o") -> None:
    """Refuse an output path that is not a regular file or a new path (a device, a FIFO, a folder,
    a dangling link): writing there would replace or block on something that is not ours."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        if os.path.islink(path):
            raise OutputError(
                f"{what} {path} is a symbolic link to nothing; give a file path"
            ) from None
        return
    except OSError as exc:
        raise OutputError(f"cannot write {what} {path}: {exc.strerror}") from None
    if not stat.S_ISREG(st.st_mode):
        raise OutputError(
            f"{what} {path} is {file_kind(st.st_mode)}, not a regular file; give a file path"
        )


class _Stale(Exception):
    """The lock file we locked was removed or replaced meanwhile: lock the new one."""


class OutputLock:
    """An exclusive lock on ``OUT.lock`` for the time of a run (filelock: flock on POSIX).

    The lock file is removed while still locked, before release; a process that locked the old
    file meanwhile sees that the path no longer names it and locks the new one, so removing the
    file never lets two runs in.
    """

    def __init__(self, out: Path) -> None:
        self.out = out
        self.path = lock_path(out)
        self._lock: Any = None

    def acquire(self) -> OutputLock:
        from filelock import FileLock, Timeout

        def same_file(fd: int) -> None:
            try:
                on_disk = os.stat(self.path)
            except FileNotFoundError:
                raise _Stale from None
            mine = os.fstat(fd)
            if (on_disk.st_dev, on_disk.st_ino) != (mine.st_dev, mine.st_ino):
                raise _Stale

        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise OutputError(f"cannot write {self.out}: {exc.strerror}") from None
        for _ in range(20):
            lock = FileLock(
                str(self.path), timeout=0, on_acquired=same_file, fallback_to_soft=False
            )
            try:
                lock.acquire()
            except Timeout:
                raise OutputError(
                    f"another run is writing {self.out} (it holds {self.path}); wait for it to "
                    "finish, or write to another -o"
                ) from None
            except _Stale:
                continue
            except OSError as exc:
                raise OutputError(f"cannot lock {self.path}: {exc.strerror}") from None
            self._lock = lock
            return self
        raise OutputError(f"cannot lock {self.path}: it keeps being replaced")

    def release(self) -> None:
        if self._lock is None:
            return
        try:
            os.unlink(self.path)
        except OSError:
            pass
        self._lock.release()
        self._lock = None

    def __enter__(self) -> OutputLock:
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()


# ---- appending ----------------------------------------------------------------------------------


_write = os.write  # one name for every record write (tests make the disk fill up through it)


def _open_append(path: Path) -> int:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        return os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    except OSError as exc:
        raise OutputError(
            f"cannot write {path}: {exc.strerror}; choose a writable path with -o"
        ) from exc


class _AppendFile:
    """A file opened on first use; each :meth:`append` is all or nothing (a short write from a
    full disk is cut back off, and the run stops with one line)."""

    def __init__(self, path: Path, *, create: bool = False) -> None:
        self.path = path
        self.fd: int | None = _open_append(path) if create else None

    def append(self, payload: bytes) -> None:
        if self.fd is None:
            self.fd = _open_append(self.path)
        start = os.lseek(self.fd, 0, os.SEEK_END)
        view = memoryview(payload)
        try:
            while view:
                written = _write(self.fd, view)
                view = view[written:]
        except OSError as exc:
            try:  # the lock makes this process the only writer: cut our own partial write
                os.ftruncate(self.fd, start)
            except OSError:
                pass  # resume cuts it (the journal does not name the document)
            raise OutputError(
                f"cannot write {self.path}: {exc.strerror}; the documents finished so far are "
                "saved — make room and continue with --resume"
            ) from None

    def close(self) -> None:
        if self.fd is not None:
            try:
                os.close(self.fd)
            except OSError:
                pass
            self.fd = None


class OutputClosed(OutputError):
    """The program reading our standard output (or error) closed it (``| head -1``): the run
    stops quietly, as Unix tools do on SIGPIPE."""


class _StreamFile:
    """Lines to an already open binary stream (standard output or standard error)."""

    def __init__(self, stream: IO[bytes], name: str) -> None:
        self.stream = stream
        self.path = Path(name)

    def append(self, payload: bytes) -> None:
        try:
            self.stream.write(payload)
            self.stream.flush()
        except BrokenPipeError:
            raise OutputClosed(f"{self.path} was closed by the program reading it") from None
        except OSError as exc:
            raise OutputError(f"cannot write {self.path}: {exc.strerror}") from None

    def close(self) -> None:
        pass


def _binary(stream: Any) -> IO[bytes]:
    binary: IO[bytes] = getattr(stream, "buffer", stream)
    return binary


class JsonlSink:
    """Appends records (JSONL), the document journal and failures; one write per document.

    ``out`` may be ``-`` (standard output: records only, no journal, no resume); failures then go
    to ``failures`` if given, else to standard error as JSON lines.
    """

    def __init__(self, out: Path, failures: Path | None = None, *, fresh: bool = True) -> None:
        self.out = out
        self.stdout = is_stdout(out)
        self._out: _AppendFile | _StreamFile
        self._fail: _AppendFile | _StreamFile
        self._done: _AppendFile | None
        if self.stdout:
            self.failures = failures
            self._out = _StreamFile(_binary(sys.stdout), "<stdout>")
            self._fail = (
                _AppendFile(failures)
                if failures is not None
                else _StreamFile(_binary(sys.stderr), "<stderr>")
            )
            self._done = None
            return
        self.failures = failures or default_failures_path(out)
        if fresh:
            for path in (self.out, self.failures, done_path(out)):
                try:
                    if path.exists():
                        path.unlink()
                except OSError as exc:
                    raise OutputError(f"cannot replace {path}: {exc.strerror}") from exc
        self._out = _AppendFile(self.out, create=True)
        self._fail = _AppendFile(self.failures)
        self._done = _AppendFile(done_path(out))

    def write(self, result: DocumentResult) -> None:
        if result.ok:
            if result.events:
                lines = "".join(r.model_dump_json() + "\n" for r in result.events)
                self._out.append(lines.encode("utf-8"))
            if self._done is not None:
                self._done.append(_line({"doc_id": result.doc_id, "records": len(result.events)}))
        else:
            self.write_failure(
                result.doc_id, result.source, result.error or "failed", result.message or ""
            )

    def write_failure(self, doc_id: str, source: str | None, error: str, message: str) -> None:
        self._fail.append(
            _line({"doc_id": doc_id, "source": source, "error": error, "message": message})
        )

    def close(self) -> None:
        for handle in (self._out, self._fail, self._done):
            if handle is not None:
                handle.close()

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


# ---- reading back, resuming --------------------------------------------------------------------


@dataclass
class _Line:
    start: int
    end: int
    obj: dict[str, Any] | None  # None: torn, not UTF-8, not JSON, or no doc_id


def _scan(path: Path) -> Iterator[_Line]:
    """Every line of a JSONL file with its byte span; lines that cannot be used have no object."""
    if not path.exists():
        return
    offset = 0
    with path.open("rb") as handle:
        for raw in handle:
            start, offset = offset, offset + len(raw)
            if not raw.strip():
                yield _Line(start, offset, {})  # blank: harmless, kept
                continue
            obj: dict[str, Any] | None = None
            if raw.endswith(b"\n"):
                try:
                    data = json.loads(raw.decode("utf-8"))
                except ValueError:  # UnicodeDecodeError and JSONDecodeError
                    data = None
                if isinstance(data, dict) and data.get("doc_id") is not None:
                    obj = data
            yield _Line(start, offset, obj)


def _keep_only(path: Path, lines: list[_Line], keep: list[bool]) -> int:
    """Drop the lines not kept (truncate when they are a tail, else rewrite beside and rename);
    return how many non-blank lines were dropped."""
    dropped = sum(1 for line, k in zip(lines, keep, strict=True) if not k and line.obj != {})
    if all(keep):
        return 0
    first = keep.index(False)
    try:
        if not any(keep[first:]):
            with path.open("rb+") as handle:
                handle.truncate(lines[first].start)
        else:
            tmp = path.with_name(path.name + ".tmp")
            with path.open("rb") as src, tmp.open("wb") as dst:
                for line, k in zip(lines, keep, strict=True):
                    if k:
                        src.seek(line.start)
                        dst.write(src.read(line.end - line.start))
            os.replace(tmp, path)
    except OSError as exc:
        raise OutputError(f"cannot repair {path} for --resume: {exc.strerror}") from None
    return dropped


def repair_tail(path: Path) -> int:
    """Cut torn or undecodable lines off ``path``; return how many lines were dropped."""
    lines = list(_scan(path))
    return _keep_only(path, lines, [line.obj is not None for line in lines])


@dataclass
class ResumeState:
    """What a previous run already finished."""

    done: set[str] = field(default_factory=set)
    failed: set[str] = field(default_factory=set)
    dropped: dict[str, int] = field(default_factory=dict)  # file name → lines cut off
    unfinished: set[str] = field(default_factory=set)  # documents whose records were cut


def read_resume_state(out: Path, failures: Path) -> ResumeState:
    """What a previous run finished, after cutting off what it did not finish: a document is done
    when the journal names it and OUT holds exactly its records."""
    state = ResumeState()
    journal_path = done_path(out)
    journal = list(_scan(journal_path))
    expected: dict[str, int] = {}
    for line in journal:
        if line.obj:
            count = line.obj.get("records", line.obj.get("events", 0))
            expected[str(line.obj["doc_id"])] = count if isinstance(count, int) else -1
    lines = list(_scan(out))
    found = Counter(str(line.obj["doc_id"]) for line in lines if line.obj)
    legacy = _legacy_done(journal, lines, found)
    expected = {**legacy, **expected}
    complete = {d for d, n in expected.items() if found.get(d, 0) == n}
    state.unfinished = (set(found) | set(expected)) - complete
    keep = [
        line.obj == {} or (line.obj is not None and str(line.obj["doc_id"]) in complete)
        for line in lines
    ]
    state.dropped[str(out)] = _keep_only(out, lines, keep)
    state.dropped[str(journal_path)] = _keep_only(
        journal_path,
        journal,
        [
            line.obj == {} or (line.obj is not None and str(line.obj["doc_id"]) in complete)
            for line in journal
        ],
    )
    if legacy:  # from now on the journal says it: OUT of an earlier version, converted once
        _journal_append(journal_path, {d: legacy[d] for d in legacy if d in complete})
    state.dropped[str(failures)] = repair_tail(failures)
    state.done = complete
    state.failed = _doc_ids(failures) - complete
    state.dropped = {k: v for k, v in state.dropped.items() if v}
    if state.dropped:
        where = ", ".join(f"{n} line(s) of {name}" for name, n in state.dropped.items())
        log.warning(
            "resume: dropped %s (torn or undecodable lines, or records of %d unfinished "
            "document(s), which run again)",
            where,
            len(state.unfinished),
            extra={
                "event_name": "resume_repair",
                "fields": {"dropped": state.dropped, "unfinished": len(state.unfinished)},
            },
        )
    return state


def _legacy_done(journal: list[_Line], lines: list[_Line], found: Counter[str]) -> dict[str, int]:
    """An OUT written before the journal counted records (its journal, if any, lists only the
    documents without records): every document with records counts as done with what OUT holds,
    except the last one written, which a crash may have cut short — it runs again."""
    if any(line.obj and "records" in line.obj for line in journal) or not found:
        return {}
    last = next(str(line.obj["doc_id"]) for line in reversed(lines) if line.obj)
    return {d: n for d, n in found.items() if d != last}


def _journal_append(path: Path, counts: dict[str, int]) -> None:
    if not counts:
        return
    payload = b"".join(_line({"doc_id": d, "records": n}) for d, n in counts.items())
    handle = _AppendFile(path)
    try:
        handle.append(payload)
    finally:
        handle.close()


def _doc_ids(path: Path) -> set[str]:
    return {str(line.obj["doc_id"]) for line in _scan(path) if line.obj}


def done_ids(out: Path) -> set[str]:
    """Documents the journal of OUT names as finished."""
    return _doc_ids(done_path(out))


def has_output(out: Path, failures: Path) -> bool:
    """Whether OUT or its failures file hold anything a fresh run would destroy (a journal left
    without them, e.g. after ``rm events.jsonl``, names no record: a fresh run starts it over)."""
    for path in (out, failures):
        try:
            if path.stat().st_size > 0:
                return True
        except OSError:
            continue
    return False


def remove_if_empty(*paths: Path) -> None:
    """No empty sidecar files: remove those a run left empty."""
    for path in paths:
        try:
            if path.is_file() and path.stat().st_size == 0:
                path.unlink()
        except OSError:
            pass


def export_records(
    journal: Path, out: Path, output_format: str, model: type[BaseModel] | None = None
) -> None:
    """Write the records of the JSONL journal as CSV (UTF-8 with BOM, for spreadsheets; cells
    that a spreadsheet would run as a formula are neutralised, every record is one row) or
    Parquet (list columns kept as lists); ``model``: a user task's record class (its columns
    are typed by field kind)."""
    from extractor.records.frames import records_to_dataframe, write_csv

    records = read_records(journal, model) if journal.exists() else []
    tmp = out.with_name(out.name + ".tmp")
    try:
        if output_format == "csv":
            write_csv(records_to_dataframe(records), tmp)
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


def count_failures(failures: Path | None) -> int:
    """Documents listed in the failures file (after a resume: those still failing)."""
    return len(_doc_ids(failures)) if failures is not None else 0


def rewrite_failures(failures: Path, done: set[str]) -> None:
    """Keep the latest failure line of each document that has not succeeded since (no file when
    none is left)."""
    if not failures.exists():
        return
    latest: dict[str, bytes] = {}
    with failures.open("rb") as handle:
        for raw in handle:
            try:
                doc_id = str(json.loads(raw.decode("utf-8"))["doc_id"])
            except (ValueError, KeyError, TypeError):
                continue
            if doc_id not in done:
                latest.pop(doc_id, None)
                latest[doc_id] = raw if raw.endswith(b"\n") else raw + b"\n"
    if not latest:
        failures.unlink()
        return
    tmp = failures.with_name(failures.name + ".tmp")
    tmp.write_bytes(b"".join(latest.values()))
    os.replace(tmp, failures)
