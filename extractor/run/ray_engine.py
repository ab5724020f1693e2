"""Ray Data as an engine: documents through an actor pool, past one machine.

Two ways in:

- :func:`extract_dataset` — a Ray Dataset of documents (columns ``id`` or ``doc_id``, ``text``,
  optional ``published_at`` and ``url``; e.g. ``ray.data.read_json("s3://…/articles/")``) in,
  a Dataset of one row per document out (see :data:`RESULT_COLUMNS`). Each actor of the pool
  builds one pipeline in ``__init__`` and runs its batch on its own event loop (the openai
  backend keeps its own concurrency inside each actor). A document that fails — a bad row, a
  model fault, a bug — is a row with ``ok = False`` and the reason: no row ever fails the job.
- ``extractor run … --engine ray [--ray-address ADDR]`` — :class:`RayEngine`: Ray tasks read the
  input files (the same reader as the local engine, so the same documents, ids and reasons),
  the actor pool extracts, and the driver writes every record and failure through the shared
  run loop (:func:`extractor.run.runner.run_documents`) and the same JSONL sink — so resume,
  failures file, summary and exit codes are those of the local engine, and so are the event ids.

On one machine the actors share the answer cache (diskcache on SQLite is process-safe). On a
cluster, each node opens ``--cache-dir`` on its own disk unless it points at shared storage; the
input files must be readable at the same path on every node (a shared file system), or use
:func:`extract_dataset` with a Ray reader.
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
from collections.abc import Iterator, Sequence
from datetime import date
from pathlib import Path
from typing import Any

from extractor.core.backend import Usage
from extractor.core.document import Document, DocumentFailure
from extractor.core.pipeline import DocumentResult
from extractor.core.record_builder import BuildStats
from extractor.core.tasks import Task
from extractor.errors import ConfigError, ModelUnavailableError
from extractor.run.documents import as_document, iter_paths, load_documents
from extractor.settings import Settings

RESULT_COLUMNS = {
    "doc_id": "the document's id",
    "source": "where it was read from",
    "ok": "False when the document failed",
    "error": "short kind of failure ('' when ok); 'model_unavailable' means no document can succeed",
    "message": "why it failed",
    "published_at": "the publication date the document was read with ('' when it has none)",
    "records": "the document's records, one JSON object per line (as in the output file)",
    "kinds": "JSON list: each record's event type (or task name)",
    "usage": "JSON: tokens, requests, retries, re-asks and cache hits",
    "stats": "JSON: what grounding refused",
}
FILES_PER_READ_TASK = 64
BLOCK_BYTES = 128 * 1024
SKIPPED = "skipped_by_resume"  # a row the reader passes on without a document (already done)


def _ray() -> Any:
    try:
        import ray
    except ImportError as exc:
        raise ConfigError(
            "--engine ray needs Ray: pip install 'arabic-event-extractor[ray]'"
        ) from exc
    return ray


def portable_settings(settings: Settings) -> Settings:
    """Settings as actors need them: relative paths made absolute (actors may start elsewhere)."""
    values: dict[str, Any] = {
        "cache_dir": settings.cache_dir.expanduser().resolve(),
        "gazetteer": [p.expanduser().resolve() for p in settings.gazetteer],
        "workers": 1,
    }
    if settings.prompts_dir is not None:
        values["prompts_dir"] = settings.prompts_dir.expanduser().resolve()
    if settings.task:
        head, sep, tail = settings.task.rpartition(":")
        path, attr = (
            (head, sep + tail)
            if head.endswith(".py") and tail.isidentifier()
            else (settings.task, "")
        )
        values["task"] = str(Path(path).expanduser().resolve()) + attr
    return settings.with_values(**values)


def _shipped_task(settings: Settings, task: Task | None) -> Task | None:
    """The task to send to the actors: None when they can build it from the settings."""
    from extractor.events.task import is_events_task

    if task is None or settings.task or is_events_task(task):
        return None
    return task


# ---- rows -------------------------------------------------------------------------------------


def _value(value: Any) -> Any:
    """A plain Python value from what Ray hands over (numpy scalars, NaN for missing)."""
    if value is None:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    item = getattr(value, "item", None)
    if callable(item) and not isinstance(value, (str, bytes)):
        try:
            return item()
        except (TypeError, ValueError):
            return value
    return value


def _rows(batch: dict[str, Any]) -> list[dict[str, Any]]:
    columns = list(batch)
    n = len(batch[columns[0]]) if columns else 0
    return [{c: _value(batch[c][i]) for c in columns} for i in range(n)]


def _columns(rows: list[dict[str, Any]]) -> dict[str, list[Any]]:
    return {c: [r[c] for r in rows] for c in RESULT_COLUMNS}


def _kind(record: Any) -> str:
    return str(getattr(record, "event_type", None) or getattr(record, "task", "record"))


def result_row(result: DocumentResult) -> dict[str, Any]:
    """A document's outcome as a Dataset row (records as the exact lines of the output file)."""
    return {
        "doc_id": result.doc_id,
        "source": result.source or "",
        "ok": result.ok,
        "error": result.error or "",
        "message": result.message or "",
        "published_at": "",
        "records": "".join(r.model_dump_json() + "\n" for r in result.events),
        "kinds": json.dumps([_kind(r) for r in result.events]),
        "usage": json.dumps(vars(result.usage)),
        "stats": json.dumps(result.stats.as_dict()),
    }


def failure_row(doc_id: str, source: str | None, error: str, message: str) -> dict[str, Any]:
    return result_row(DocumentResult(doc_id, error=error, message=message, source=source))


class _Line:
    """A record serialised in an actor, written by the driver's sink as it is."""

    def __init__(self, line: str, kind: str) -> None:
        self._line = line
        self.event_type = kind

    def model_dump_json(self) -> str:
        return self._line


def result_of(row: dict[str, Any]) -> DocumentResult:
    """The :class:`DocumentResult` of a result row (records kept as their JSON lines)."""
    lines = [x for x in str(row.get("records") or "").split("\n") if x]
    kinds = json.loads(row.get("kinds") or "[]")
    result = DocumentResult(
        str(row["doc_id"]),
        events=[_Line(line, kind) for line, kind in zip(lines, kinds, strict=True)],
        error=row.get("error") or None,
        message=row.get("message") or None,
        source=row.get("source") or None,
    )
    result.usage = Usage(**json.loads(row.get("usage") or "{}"))
    result.stats = BuildStats.from_dict(json.loads(row.get("stats") or "{}"))
    return result


def records_of(row: dict[str, Any]) -> list[Any]:
    """The record models of a result row (event records, or a user task's records)."""
    from extractor.records.files import parse_record

    return [parse_record(x) for x in str(row.get("records") or "").split("\n") if x]


# ---- the actor --------------------------------------------------------------------------------


class ExtractActor:
    """One pipeline per actor; a batch of document rows in, a batch of result rows out."""

    def __init__(self, settings: Settings, task: Task | None, concurrency: int) -> None:
        from extractor.run.factory import make_pipeline

        self.pipeline = make_pipeline(settings, task=task)
        self.loop = asyncio.new_event_loop()
        self.concurrency = max(1, concurrency)

    def __call__(self, batch: dict[str, Any]) -> dict[str, list[Any]]:
        rows = _rows(batch)
        return _columns(self.loop.run_until_complete(self._all(rows)))

    async def _all(self, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        slots = asyncio.Semaphore(self.concurrency)

        async def one(index: int, row: dict[str, Any]) -> dict[str, Any]:
            async with slots:
                return await self._one(index, row)

        return list(await asyncio.gather(*(one(i, r) for i, r in enumerate(rows))))

    async def _one(self, index: int, row: dict[str, Any]) -> dict[str, Any]:
        doc_id = str(row.get("id") or row.get("doc_id") or f"row-{index}")
        source = row.get("source") or None
        try:
            if row.get("error"):  # the reader could not make a document of it
                return failure_row(doc_id, source, str(row["error"]), str(row.get("message")))
            item = as_document(row, index)
            if isinstance(item, DocumentFailure):
                return failure_row(item.id, source or item.source, item.error, item.message)
            if source:
                item = Document(item.id, item.text, item.published_at, item.url, source)
            row = result_row(await self.pipeline.process(item))
            if item.published_at is not None:
                row["published_at"] = item.published_at.isoformat()
            return row
        except ModelUnavailableError as exc:
            return failure_row(doc_id, source, "model_unavailable", str(exc))
        except Exception as exc:  # never let a row fail the job
            return failure_row(
                doc_id, source, "internal", f"{type(exc).__name__}: {exc} (please report)"
            )

    def __del__(self) -> None:
        try:
            self.loop.run_until_complete(self.pipeline.aclose())
            self.loop.close()
        except Exception:
            pass


def extract_dataset(
    ds: Any,
    settings: Settings,
    task: Task | None = None,
    *,
    actors: int | None = None,
    batch_size: int | None = None,
    grow: bool = True,
) -> Any:
    """Extract the documents of Ray Dataset ``ds``; one result row per document.

    ``actors`` is the size of the actor pool (default: ``settings.workers``); each actor runs
    up to ``settings.concurrency / actors`` documents at a time. The pool starts with one actor
    and grows to ``actors`` as CPUs are free (``grow=False``: all at once), so the reader that
    made ``ds`` (``read_json`` asks a CPU per read task) always gets a CPU: a fixed pool of two
    actors on two cores would hold both and wait for the reads forever. Lazy, like every Ray Dataset:
    iterate it, or write it (``.write_json``/``.write_parquet``). Use :func:`records_of` on a
    row to get its record models.
    """
    from ray.data import ActorPoolStrategy

    pool = max(1, actors or settings.workers)
    per_actor = max(1, settings.concurrency // pool)
    return ds.map_batches(
        ExtractActor,
        fn_constructor_kwargs={
            "settings": portable_settings(settings),
            "task": _shipped_task(settings, task),
            "concurrency": per_actor,
        },
        batch_size=batch_size or max(4, per_actor),
        compute=ActorPoolStrategy(min_size=1, max_size=pool)
        if grow
        else ActorPoolStrategy(size=pool),
        num_cpus=1,
    )


# ---- the engine of `extractor run --engine ray` ----------------------------------------------


def _read(
    batch: dict[str, Any], published_at: str | None, max_bytes: int, skip_ref: Any
) -> Iterator[dict[str, list[Any]]]:
    """Read a group of input files into document rows (failures as rows), in small batches."""
    import ray

    skip = ray.get(skip_ref) if skip_ref is not None else frozenset()
    paths = [str(p) for group in batch["paths"] for p in json.loads(_value(group))]
    rows: list[dict[str, Any]] = []
    for item in load_documents(paths, published_at=published_at, max_bytes=max_bytes):
        if item.id in skip:  # not extracted; passed on so that the summary counts it
            row = {
                "id": item.id,
                "text": "",
                "published_at": "",
                "url": "",
                "source": item.source or "",
                "error": SKIPPED,
                "message": "",
            }
        elif isinstance(item, DocumentFailure):
            row = {
                "id": item.id,
                "text": "",
                "published_at": "",
                "url": "",
                "source": item.source,
                "error": item.error,
                "message": item.message,
            }
        else:
            published = item.published_at.isoformat() if isinstance(item.published_at, date) else ""
            row = {
                "id": item.id,
                "text": item.text,
                "published_at": published,
                "url": item.url or "",
                "source": item.source or "",
                "error": "",
                "message": "",
            }
        rows.append(row)
        if len(rows) >= 32:
            yield {k: [r[k] for r in rows] for k in rows[0]}
            rows = []
    if rows:
        yield {k: [r[k] for r in rows] for k in rows[0]}


class RayEngine:
    """The run loop's items and processor when Ray Data does the work (see the module doc)."""

    def __init__(
        self,
        inputs: Sequence[str | Path],
        settings: Settings,
        task: Task | None,
        *,
        published_at: str | None = None,
        skip: frozenset[str] | set[str] = frozenset(),
    ) -> None:
        self.inputs = inputs
        self.settings = settings
        self.task = task
        self.published_at = published_at
        self.skip = frozenset(skip)
        self._ready: dict[str, DocumentResult | BaseException] = {}
        self._started_ray = False
        self._block_size: int | None = None

    def __enter__(self) -> RayEngine:
        ray = _ray()
        if not ray.is_initialized():
            ray.init(
                address=self.settings.ray_address,
                include_dashboard=False,
                log_to_driver=False,
                logging_level=logging.WARNING,
            )
            self._started_ray = True
        from ray.data import DataContext

        context = DataContext.get_current()
        context.enable_progress_bars = False
        # Small blocks: one block is one actor task, so a big block would keep the other actors
        # idle (documents are a few KB; ~128 KB is a few dozen of them).
        self._block_size = context.target_max_block_size
        context.target_max_block_size = BLOCK_BYTES
        logging.getLogger("ray.data").setLevel(logging.WARNING)  # our summary says it all
        return self

    def __exit__(self, *exc: object) -> None:
        from ray.data import DataContext

        DataContext.get_current().target_max_block_size = self._block_size
        if self._started_ray:
            _ray().shutdown()

    def dataset(self) -> Any:
        ray = _ray()
        paths = [str(p) for p in iter_paths(self.inputs)]
        # JSONL files are read alone (they may hold millions of documents); others by groups
        groups: list[list[str]] = []
        small: list[str] = []
        for path in paths:
            if path.lower().endswith(".jsonl"):
                groups.append([path])
            else:
                small.append(path)
                if len(small) == FILES_PER_READ_TASK:
                    groups.append(small)
                    small = []
        if small:
            groups.append(small)
        if not groups:
            groups = [[]]
        skip_ref = ray.put(self.skip) if self.skip else None
        files = ray.data.from_items([{"paths": json.dumps(g)} for g in groups])
        docs = files.map_batches(
            _read,
            batch_size=1,
            fn_kwargs={
                "published_at": self.published_at,
                "max_bytes": self.settings.max_doc_bytes,
                "skip_ref": skip_ref,
            },
            num_cpus=0,  # light, I/O-bound reads must never wait for a CPU the actors hold
        )
        # the reads take no CPU (num_cpus=0): the whole pool can start at once
        return extract_dataset(docs, self.settings, self.task, grow=False)

    def items(self) -> Iterator[Document | DocumentFailure]:
        """The documents' outcomes in the order Ray finishes them, as run-loop items."""
        seen: dict[str, str] = {}
        for row in self.dataset().iter_rows():
            result = result_of(row)
            source = result.source or ""
            first = seen.get(result.doc_id)
            if first is not None:  # ids are unique across inputs, as with the local reader
                yield DocumentFailure(
                    f"{result.doc_id}@{source}",
                    source,
                    "duplicate_id",
                    f"document id {result.doc_id!r} was already used by {first}; give each "
                    "document a unique id",
                )
                continue
            seen[result.doc_id] = source
            if result.error == SKIPPED:  # the run loop counts it as skipped
                yield Document(result.doc_id, "", source=result.source)
                continue
            if result.error == "model_unavailable":
                self._ready[result.doc_id] = ModelUnavailableError(result.message or "")
            else:
                self._ready[result.doc_id] = result
            published = _value(row.get("published_at")) or None
            yield Document(
                result.doc_id,
                "",
                date.fromisoformat(published) if published else None,
                source=result.source,
            )

    async def process(self, doc: Document) -> DocumentResult:
        """The run loop's processor: the result Ray already computed for ``doc``."""
        outcome = self._ready.pop(doc.id)
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome


__all__ = [
    "RESULT_COLUMNS",
    "ExtractActor",
    "RayEngine",
    "extract_dataset",
    "failure_row",
    "portable_settings",
    "records_of",
    "result_of",
    "result_row",
]
