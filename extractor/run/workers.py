"""Several worker processes for one bulk run (``--workers N``).

One Python process runs on one core: the rule backend, grounding, and the HTTP client's own
work are all CPU. With N workers the parent streams documents to them through a bounded queue
(memory stays bounded), each worker runs its own event loop and pipeline and appends its
documents' records to the shared output (one ``O_APPEND`` write per document, so lines never
interleave), and the parent adds up the counts. Resume, failures and the cache (diskcache is
process-safe) work exactly as with one process.
"""

from __future__ import annotations

import asyncio
import multiprocessing as mp
import os
import queue
import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from extractor.run.documents import Document, DocumentFailure
from extractor.errors import ExtractorError, ModelUnavailableError
from extractor.run.output import JsonlSink
from extractor.core.pipeline import DocumentResult
from extractor.run.runner import RunSummary, _log_result
from extractor.settings import Settings

_STOP = None


def _context() -> Any:
    # fork starts workers in milliseconds with everything already imported; spawn elsewhere
    return mp.get_context("fork" if "fork" in mp.get_all_start_methods() else "spawn")


def run_in_workers(
    items: Iterable[Document | DocumentFailure],
    settings: Settings,
    journal: Path,
    failures: Path,
    workers: int,
    *,
    skip: set[str] | frozenset[str] = frozenset(),
    on_result: Callable[[RunSummary], None] | None = None,
) -> RunSummary:
    """Process ``items`` in ``workers`` processes; the files must already exist (the caller opened
    and, for a fresh run, truncated them)."""
    ctx = _context()
    _warm_up(settings)
    tasks: Any = ctx.Queue(maxsize=4 * workers)
    results: Any = ctx.Queue()
    per_worker = max(1, settings.concurrency // workers)
    procs = [
        ctx.Process(
            target=_worker,
            args=(
                settings.model_dump(mode="json"),
                str(journal),
                str(failures),
                per_worker,
                tasks,
                results,
                os.getpid(),
            ),
            daemon=True,
        )
        for _ in range(workers)
    ]
    for p in procs:
        p.start()
    summary = RunSummary()
    fatal: list[str] = []

    def drain(block: bool) -> None:
        while True:
            try:
                msg = results.get(timeout=0.05 if block else 0)
            except queue.Empty:
                return
            if "fatal" in msg:
                fatal.append(msg["fatal"])
                continue
            summary.add_counts(**msg)
            if on_result:
                on_result(summary)
            block = False

    with JsonlSink(journal, failures, fresh=False) as sink:
        try:
            for item in items:
                if fatal:
                    break
                if item.id in skip:
                    summary.skipped += 1
                    continue
                if isinstance(item, DocumentFailure):
                    sink.write_failure(item.id, item.source, item.error, item.message)
                    summary.add_failure(item)
                    if on_result:
                        on_result(summary)
                    continue
                while True:
                    try:
                        tasks.put(item, timeout=0.05)
                        break
                    except queue.Full:
                        drain(block=False)
                        if fatal or not any(p.is_alive() for p in procs):
                            break
                drain(block=False)
        finally:
            for _ in procs:
                try:
                    tasks.put(_STOP, timeout=1)
                except queue.Full:
                    pass
            while any(p.is_alive() for p in procs):
                drain(block=True)
            drain(block=False)
            for p in procs:
                p.join()
    if fatal:
        raise ModelUnavailableError(fatal[0])
    crashed = [p.exitcode for p in procs if p.exitcode not in (0, None)]
    if crashed:
        raise ExtractorError(
            f"{len(crashed)} worker process(es) died (exit codes {crashed}); continue with --resume"
        )
    return summary.finish()


def _warm_up(settings: Settings) -> None:
    """Load what every worker needs before forking, so each starts in milliseconds."""
    from extractor.arabic.gazetteer import load_gazetteer
    from extractor.backends.prompting import PromptTemplate

    load_gazetteer(settings.gazetteer)
    if settings.resolved_backend() == "openai":
        import extractor.backends.openai_backend  # noqa: F401 - imports openai and instructor

        PromptTemplate.load()


def _worker(
    settings_data: dict[str, Any],
    journal: str,
    failures: str,
    concurrency: int,
    tasks: Any,
    results: Any,
    parent: int,
) -> None:
    asyncio.run(
        _work(
            Settings(**settings_data),
            Path(journal),
            Path(failures),
            concurrency,
            tasks,
            results,
            parent,
        )
    )


async def _work(
    settings: Settings,
    journal: Path,
    failures: Path,
    concurrency: int,
    tasks: Any,
    results: Any,
    parent: int,
) -> None:
    from extractor.factory import make_pipeline

    pipeline = make_pipeline(settings)
    loop = asyncio.get_running_loop()
    inbox: asyncio.Queue[Document | None] = asyncio.Queue(maxsize=concurrency)

    def feed() -> None:
        """Move documents from the process queue into the loop; stop if the parent dies."""
        while True:
            try:
                item = tasks.get(timeout=0.5)
            except queue.Empty:
                if os.getppid() != parent:
                    item = _STOP
                else:
                    continue
            asyncio.run_coroutine_threadsafe(inbox.put(item), loop).result()
            if item is _STOP:
                return

    threading.Thread(target=feed, daemon=True).start()
    sink = JsonlSink(journal, failures, fresh=False)
    running: set[asyncio.Task[DocumentResult]] = set()
    getter: asyncio.Task[Document | None] | None = None
    stopped = False
    try:
        while True:
            # Wait for whichever comes first: a finished document or a new one to start (a
            # free slot is refilled at once, never after a polling delay).
            if not stopped and getter is None and len(running) < concurrency:
                getter = asyncio.create_task(inbox.get())
            waiting: set[asyncio.Task[Any]] = set(running)
            if getter is not None:
                waiting.add(getter)
            if not waiting:
                break
            done, _ = await asyncio.wait(waiting, return_when=asyncio.FIRST_COMPLETED)
            if getter is not None and getter in done:
                doc = getter.result()
                getter = None
                if doc is _STOP:
                    stopped = True
                else:
                    running.add(asyncio.create_task(pipeline.process(doc)))
            for task in done & running:
                running.discard(task)
                result = task.result()
                sink.write(result)
                _log_result(result)
                results.put(_counts(result))
    except ModelUnavailableError as exc:
        results.put({"fatal": str(exc)})
    finally:
        for task in running:
            task.cancel()
        if getter is not None:
            getter.cancel()
        sink.close()
        await pipeline.aclose()


def _counts(result: DocumentResult) -> dict[str, Any]:
    return {
        "ok": result.ok,
        "events": [r.event_type for r in result.events],
        "error": result.error,
        "usage": vars(result.usage),
        "grounding": result.stats.as_dict(),
    }
