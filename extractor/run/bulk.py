"""The bulk job behind ``extractor run``: inputs → JSONL records + failures, resumable."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from extractor.backends.base import Backend
from extractor.core.document import Document, DocumentFailure
from extractor.core.pipeline import Pipeline
from extractor.core.tasks import Task
from extractor.errors import ConfigError, DocumentError
from extractor.factory import make_pipeline
from extractor.run.documents import SUFFIXES, iter_paths, load_documents, parse_published
from extractor.run.output import (
    JsonlSink,
    count_failures,
    default_failures_path,
    done_ids,
    done_path,
    export_records,
    read_resume_state,
    rewrite_failures,
)
from extractor.run.runner import ResultWriter, RunSummary, run_documents
from extractor.run.workers import WorkerPool
from extractor.settings import Settings


@dataclass
class BulkJob:
    inputs: Sequence[str | Path]
    out: Path
    failures: Path | None = None
    resume: bool = False
    retry_failed: bool = False
    published_at: str | None = None
    output_format: str = "jsonl"  # jsonl | csv | parquet

    @property
    def journal(self) -> Path:
        """Where records are appended as they come (crash-safe): OUT itself for JSONL, else a
        JSONL beside it ("events.csv" → "events.csv.journal.jsonl") exported to OUT at the end."""
        if self.output_format == "jsonl":
            return self.out
        return self.out.with_name(self.out.name + ".journal.jsonl")

    def check(self) -> None:
        """Refuse a job that would write over its own inputs (before any file is touched)."""
        written = [self.out, self.journal, self.failures_path, done_path(self.journal)]
        for raw in self.inputs:
            source = Path(raw).resolve()
            for target in written:
                target = target.resolve()
                if target == source or (source.is_dir() and source in target.parents):
                    raise ConfigError(
                        f"{target} is one of the inputs or inside an input folder ({raw}); "
                        "write the output somewhere else"
                    )
        if self.published_at is not None:
            try:
                parse_published(self.published_at)
            except DocumentError as exc:
                raise ConfigError(f"--published-at: {exc}") from None

    @property
    def failures_path(self) -> Path:
        return self.failures or default_failures_path(self.out)


def count_documents(inputs: Iterable[str | Path]) -> int:
    """How many documents the inputs hold (files, plus non-blank lines of JSONL files)."""
    total = 0
    for path in iter_paths(inputs):
        if SUFFIXES.get(path.suffix.lower()) == "jsonl":
            try:
                with path.open("rb") as handle:
                    total += sum(1 for line in handle if line.strip())
            except OSError:
                total += 1
        else:
            total += 1
    return total


def run_bulk(
    job: BulkJob,
    settings: Settings,
    *,
    backend: Backend | None = None,
    task: Task | None = None,
    on_result: Callable[[RunSummary], None] | None = None,
) -> RunSummary:
    """Run the job; raises ExtractorError subclasses for problems that stop the whole run."""
    job.check()
    skip: set[str] = set()
    if job.resume:
        state = read_resume_state(job.journal, job.failures_path)
        skip = state.done | (set() if job.retry_failed else state.failed)
    docs = load_documents(
        job.inputs, published_at=job.published_at, max_bytes=settings.max_doc_bytes
    )
    pipeline = make_pipeline(settings, backend, task)  # settings errors stop before any file
    with JsonlSink(job.journal, job.failures_path, fresh=not job.resume) as sink:
        summary = asyncio.run(
            _run(docs, pipeline, settings, backend, sink, skip=skip, on_result=on_result, job=job)
        )
    if job.resume:
        # Keep one failure line per document still failing (a retry appends a new one).
        rewrite_failures(job.failures_path, done_ids(job.journal))
    summary.outstanding_failures = count_failures(job.failures_path)
    if job.output_format != "jsonl":
        export_records(job.journal, job.out, job.output_format)
    return summary


async def _run(
    docs: Iterable[Document | DocumentFailure],
    pipeline: Pipeline,
    settings: Settings,
    backend: Backend | None,
    sink: ResultWriter,
    *,
    skip: set[str],
    on_result: Callable[[RunSummary], None] | None,
    job: BulkJob | None = None,
) -> RunSummary:
    """The run loop with the engine the settings ask for: this process, worker processes, or
    Ray Data (``--engine ray``: Ray reads and extracts, this loop writes)."""
    if settings.engine == "ray" and backend is None and job is not None:
        from extractor.run.ray_engine import RayEngine

        with RayEngine(
            job.inputs, settings, pipeline.task, published_at=job.published_at, skip=skip
        ) as engine:
            return await run_documents(
                engine.items(),
                engine.process,
                sink,
                concurrency=settings.concurrency,
                skip=skip,
                on_result=on_result,
            )
    if settings.workers > 1 and backend is None:
        async with WorkerPool(settings, settings.workers, pipeline.task) as pool:
            return await run_documents(
                docs,
                pool.process,
                sink,
                concurrency=settings.concurrency,
                skip=skip,
                on_result=on_result,
            )
    try:
        return await run_documents(
            docs,
            pipeline.process,
            sink,
            concurrency=settings.concurrency,
            skip=skip,
            on_result=on_result,
        )
    finally:
        await pipeline.aclose()
