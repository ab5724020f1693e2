"""The run loop every engine shares: stream documents through a processor with bounded
concurrency, write each result as soon as it is ready, count everything.

A *processor* turns a document into a :class:`DocumentResult`: a pipeline in this process
(:meth:`Pipeline.process`), or a pool of worker processes (:mod:`extractor.run.workers`). Memory
stays bounded whatever the corpus size: documents are read lazily and at most ``concurrency`` are
in flight. Every document ends in the output or in the failures file.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter
from collections.abc import Callable, Coroutine, Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

from extractor.core.backend import Usage
from extractor.core.document import Document, DocumentFailure
from extractor.core.pipeline import DocumentResult
from extractor.core.record_builder import BuildStats

log = logging.getLogger("extractor")


def peak_rss_mb() -> float | None:
    """Peak resident memory of this process image in MB (VmHWM: unlike ru_maxrss it does not
    count the parent's pages a child held between fork and exec)."""
    try:
        with open("/proc/self/status", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("VmHWM:"):
                    return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    try:
        import resource

        return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    except (ImportError, OSError):
        return None


def _kind(record: Any) -> str:
    """What a record counts as in the summary: its event type, or its task's name."""
    return str(getattr(record, "event_type", None) or getattr(record, "task", "record"))


def _log_result(result: DocumentResult) -> None:
    fields = {
        "doc_id": result.doc_id,
        "events": len(result.events),
        "requests": result.usage.requests,
        "cache_hits": result.usage.cache_hits,
        "retries": result.usage.retries,
        "prompt_tokens": result.usage.prompt_tokens,
        "completion_tokens": result.usage.completion_tokens,
    }
    if result.ok:
        log.info(
            "document %s: %d events",
            result.doc_id,
            len(result.events),
            extra={"event_name": "document", "fields": fields},
        )
    else:
        log.warning(
            "document %s failed (%s): %s",
            result.doc_id,
            result.error,
            (result.message or "")[:300],
            extra={
                "event_name": "failed",
                "fields": {**fields, "error": result.error, "message": result.message},
            },
        )


class ResultWriter(Protocol):
    """Where results go (the JSONL sink, or a list in the Python API)."""

    def write(self, result: DocumentResult) -> None: ...

    def write_failure(self, doc_id: str, source: str | None, error: str, message: str) -> None: ...


@dataclass
class RunSummary:
    """Counts of a run, for the summary table and ``--json`` reports."""

    documents: int = 0
    succeeded: int = 0
    failed: int = 0
    skipped: int = 0
    undated: int = 0  # documents with no publication date: their relative dates stay unresolved
    events: int = 0
    events_by_type: Counter[str] = field(default_factory=Counter)
    failures_by_kind: Counter[str] = field(default_factory=Counter)
    usage: Usage = field(default_factory=Usage)
    grounding: BuildStats = field(default_factory=BuildStats)
    started: float = field(default_factory=time.monotonic)
    elapsed: float = 0.0

    def add(self, result: DocumentResult) -> None:
        self.documents += 1
        self.usage.add(result.usage)
        self.grounding.merge(result.stats)
        self._count(result.ok, [_kind(r) for r in result.events], result.error)

    def _count(self, ok: bool, event_types: list[str], error: str | None) -> None:
        if ok:
            self.succeeded += 1
            self.events += len(event_types)
            self.events_by_type.update(event_types)
        else:
            self.failed += 1
            self.failures_by_kind[error or "failed"] += 1

    def add_failure(self, failure: DocumentFailure) -> None:
        self.documents += 1
        self.failed += 1
        self.failures_by_kind[failure.error] += 1

    peak_rss_mb: float | None = None
    outstanding_failures: int | None = None  # documents in the failures file at the end
    task: str = "events"  # the task whose records were counted (names them in the summary)

    @property
    def records_noun(self) -> str:
        """What the records are called: "events", or "<task> records" for a user task."""
        return "events" if self.task == "events" else f"{self.task} records"

    def finish(self) -> RunSummary:
        self.elapsed = time.monotonic() - self.started
        self.peak_rss_mb = peak_rss_mb()
        return self

    def cost(self, price_in: float | None, price_out: float | None) -> float | None:
        if price_in is None and price_out is None:
            return None
        return (
            self.usage.prompt_tokens * (price_in or 0)
            + self.usage.completion_tokens * (price_out or 0)
        ) / 1e6

    def as_dict(self) -> dict[str, object]:
        return {
            "task": self.task,
            "documents": self.documents,
            "succeeded": self.succeeded,
            "failed": self.failed,
            "skipped": self.skipped,
            "undated": self.undated,
            "events": self.events,
            "events_by_type": dict(self.events_by_type),
            "failures_by_kind": dict(self.failures_by_kind),
            "usage": vars(self.usage),
            "grounding": self.grounding.as_dict(),
            # sentences longer than --chunk-chars, cut at clause or word boundaries
            "long_sentences_cut": self.grounding.long_sentences_cut,
            "elapsed_s": round(self.elapsed, 3),
            "peak_rss_mb": self.peak_rss_mb,
            "outstanding_failures": self.outstanding_failures,
        }


Processor = Callable[[Document], Coroutine[Any, Any, DocumentResult]]


async def run_documents(
    items: Iterable[Document | DocumentFailure],
    process: Processor,
    writer: ResultWriter,
    *,
    concurrency: int = 8,
    skip: frozenset[str] | set[str] = frozenset(),
    on_result: Callable[[RunSummary], None] | None = None,
) -> RunSummary:
    """Process ``items``; write each result as soon as it is ready; return the counts.

    An exception from ``process`` (a model server that cannot be used at all) stops the run after
    every finished document has been written.
    """
    summary = RunSummary()
    pending: set[asyncio.Task[DocumentResult]] = set()

    def handle(done: set[asyncio.Task[DocumentResult]]) -> None:
        fatal: BaseException | None = None
        for task in done:
            error = task.exception()  # retrieve every outcome, even after a fatal one
            if error is not None:
                fatal = fatal or error
                continue
            result = task.result()
            writer.write(result)
            summary.add(result)
            _log_result(result)
            if on_result:
                on_result(summary)
        if fatal is not None:
            raise fatal

    try:
        for item in items:
            if item.id in skip:
                summary.skipped += 1
                if on_result:
                    on_result(summary)
                continue
            if isinstance(item, DocumentFailure):
                writer.write_failure(item.id, item.source, item.error, item.message)
                summary.add_failure(item)
                log.warning(
                    "document %s failed (%s): %s",
                    item.id,
                    item.error,
                    item.message,
                    extra={
                        "event_name": "failed",
                        "fields": {"doc_id": item.id, "error": item.error, "message": item.message},
                    },
                )
                if on_result:
                    on_result(summary)
                continue
            if item.published_at is None:
                summary.undated += 1
            while len(pending) >= concurrency:
                done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
                handle(done)
            pending.add(asyncio.create_task(process(item)))
        while pending:
            done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
            handle(done)
    finally:
        for task in pending:
            task.cancel()
        if pending:
            await asyncio.gather(*pending, return_exceptions=True)
    return summary.finish()
