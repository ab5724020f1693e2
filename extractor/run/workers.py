"""Worker processes as a processor of the run loop (``--workers N``).

One Python process runs on one core: the rule backend, grounding, and the HTTP client's own
work are all CPU. :class:`WorkerPool` starts N processes, each with its own event loop and
pipeline (the openai backend keeps its own concurrency inside each); the parent's run loop
(:func:`extractor.run.runner.run_documents`) hands it documents through
:meth:`WorkerPool.process` exactly as it would call a pipeline, and writes the results itself, so
resume, failures, output and counts are the same code as with one process. Settings travel to the
workers as Python objects (never ``model_dump(mode="json")``, which would mask the API key).
"""

from __future__ import annotations

import asyncio
import itertools
import multiprocessing as mp
import os
import queue
import threading
from typing import Any

from extractor.core.document import Document
from extractor.core.pipeline import DocumentResult
from extractor.core.tasks import Task
from extractor.errors import ExtractorError, ModelUnavailableError
from extractor.settings import Settings

_STOP = None


def _context() -> Any:
    # fork starts workers in milliseconds with everything already imported; spawn elsewhere
    return mp.get_context("fork" if "fork" in mp.get_all_start_methods() else "spawn")


class WorkerPool:
    """N worker processes that extract documents; use as an async context manager."""

    def __init__(self, settings: Settings, workers: int, task: Task | None = None) -> None:
        self.settings = settings
        self.workers = workers
        self.task = task
        self._ctx = _context()
        self._tasks: Any = self._ctx.Queue()
        self._results: Any = self._ctx.Queue()
        self._procs: list[Any] = []
        self._pending: dict[int, asyncio.Future[DocumentResult]] = {}
        self._ids = itertools.count()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._reader: threading.Thread | None = None
        self._closing = threading.Event()

    async def __aenter__(self) -> WorkerPool:
        _warm_up(self.settings)
        self._loop = asyncio.get_running_loop()
        per_worker = max(1, self.settings.concurrency // self.workers)
        for _ in range(self.workers):
            proc = self._ctx.Process(
                target=_worker,
                args=(
                    self.settings,
                    self.task,
                    per_worker,
                    self._tasks,
                    self._results,
                    os.getpid(),
                ),
                daemon=True,
            )
            proc.start()
            self._procs.append(proc)
        self._reader = threading.Thread(target=self._read_results, daemon=True)
        self._reader.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        for _ in self._procs:
            self._tasks.put(_STOP)
        await asyncio.get_running_loop().run_in_executor(None, self._join)
        self._closing.set()
        if self._reader is not None:
            self._reader.join(timeout=5)

    def _join(self) -> None:
        for proc in self._procs:
            proc.join(timeout=30)
            if proc.is_alive():
                proc.terminate()
                proc.join()

    async def process(self, doc: Document) -> DocumentResult:
        """Extract ``doc`` in one of the workers (the run loop's processor)."""
        assert self._loop is not None, "use WorkerPool as an async context manager"
        seq = next(self._ids)
        future: asyncio.Future[DocumentResult] = self._loop.create_future()
        self._pending[seq] = future
        self._tasks.put((seq, doc))
        return await future

    def _read_results(self) -> None:
        """Move results from the workers into the loop; fail what a dead worker held."""
        assert self._loop is not None
        while not self._closing.is_set():
            try:
                seq, outcome = self._results.get(timeout=0.2)
            except queue.Empty:
                dead = [p.exitcode for p in self._procs if p.exitcode not in (None, 0)]
                if dead and self._pending:
                    error = ExtractorError(
                        f"{len(dead)} worker process(es) died (exit codes {dead}); "
                        "finished documents are saved — continue with --resume"
                    )
                    for seq in list(self._pending):
                        self._loop.call_soon_threadsafe(self._settle, seq, error)
                continue
            except (EOFError, OSError):
                return
            self._loop.call_soon_threadsafe(self._settle, seq, outcome)

    def _settle(self, seq: int, outcome: DocumentResult | BaseException) -> None:
        future = self._pending.pop(seq, None)
        if future is None or future.done():
            return
        if isinstance(outcome, BaseException):
            future.set_exception(outcome)
        else:
            future.set_result(outcome)


def _warm_up(settings: Settings) -> None:
    """Load what every worker needs before forking, so each starts in milliseconds."""
    from extractor.arabic.gazetteer import load_gazetteer

    load_gazetteer(settings.gazetteer)
    if settings.resolved_backend() != "rules":
        import extractor.backends.openai_backend  # noqa: F401 - imports openai and instructor


def _worker(
    settings: Settings,
    task: Task | None,
    concurrency: int,
    tasks: Any,
    results: Any,
    parent: int,
) -> None:
    asyncio.run(_work(settings, task, concurrency, tasks, results, parent))


async def _work(
    settings: Settings,
    task: Task | None,
    concurrency: int,
    tasks: Any,
    results: Any,
    parent: int,
) -> None:
    from extractor.run.factory import make_pipeline

    try:
        pipeline = make_pipeline(settings, task=task)
    except ExtractorError as exc:  # the parent built the same pipeline: this should not happen
        results.put((-1, exc))
        return
    loop = asyncio.get_running_loop()
    slots = asyncio.Semaphore(concurrency)
    running: set[asyncio.Task[None]] = set()

    def next_item() -> Any:
        """The next document from the parent; stop when the parent is gone."""
        while True:
            try:
                return tasks.get(timeout=0.5)
            except queue.Empty:
                if os.getppid() != parent:
                    return _STOP

    async def one(seq: int, doc: Document) -> None:
        try:
            outcome: DocumentResult | BaseException = await pipeline.process(doc)
        except ModelUnavailableError as exc:
            outcome = exc
        except Exception as exc:  # never leave the parent waiting
            outcome = ExtractorError(f"worker failed on {doc.id}: {type(exc).__name__}: {exc}")
        finally:
            slots.release()
        results.put((seq, outcome))

    try:
        while True:
            await slots.acquire()  # a free slot first: documents wait in the shared queue
            item = await loop.run_in_executor(None, next_item)
            if item is _STOP:
                slots.release()
                break
            seq, doc = item
            job = asyncio.create_task(one(seq, doc))
            running.add(job)
            job.add_done_callback(running.discard)
        if running:
            await asyncio.gather(*running)
    finally:
        await pipeline.aclose()


__all__ = ["WorkerPool"]
