"""The bulk job behind ``extractor run``: inputs → JSONL records + failures, resumable."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from extractor.core.backend import Backend
from extractor.core.document import Document, DocumentFailure
from extractor.core.pipeline import Pipeline
from extractor.core.tasks import Task
from extractor.errors import ConfigError, DocumentError, OutputError
from extractor.run.documents import (
    SUFFIXES,
    is_stdin,
    iter_paths,
    load_documents,
    parse_published,
)
from extractor.run.factory import make_pipeline
from extractor.run.output import (
    JsonlSink,
    OutputLock,
    check_target,
    count_failures,
    default_failures_path,
    done_ids,
    done_path,
    export_records,
    has_output,
    is_stdout,
    read_resume_state,
    remove_if_empty,
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
    overwrite: bool = False

    @property
    def to_stdout(self) -> bool:
        return is_stdout(self.out)

    @property
    def journal(self) -> Path:
        """Where records are appended as they come (crash-safe): OUT itself for JSONL, else a
        JSONL beside it ("events.csv" → "events.csv.journal.jsonl") exported to OUT at the end."""
        if self.output_format == "jsonl":
            return self.out
        return self.out.with_name(self.out.name + ".journal.jsonl")

    def check(self) -> None:
        """Refuse a job that cannot run or would harm a file (before any file is touched)."""
        if self.resume and self.overwrite:
            raise ConfigError("--resume and --overwrite exclude each other: choose one")
        stdin = [raw for raw in self.inputs if is_stdin(raw)]
        if len(stdin) > 1:
            raise ConfigError("standard input (-) can be read only once")
        for raw in self.inputs:
            if not is_stdin(raw) and not os.path.lexists(raw):
                raise ConfigError(f"no such file or folder: {raw}")
        if self.published_at is not None:
            try:
                parse_published(self.published_at)
            except DocumentError as exc:
                raise ConfigError(f"--published-at: {exc}") from None
        if self.to_stdout:
            if self.resume:
                raise ConfigError("--resume needs an output file: -o - (standard output) has none")
            if self.output_format != "jsonl":
                raise ConfigError("-o - writes JSONL; give a file path for --format csv|parquet")
            written = [self.failures] if self.failures is not None else []
        else:
            written = [self.out, self.journal, self.failures_path, done_path(self.journal)]
        for target in dict.fromkeys(written):
            check_target(target, "-o" if target == self.out else "output")
        for raw in self.inputs:
            if is_stdin(raw):
                continue
            source = Path(os.path.realpath(raw))  # never raises (a link loop stays as it is)
            for target in written:
                target = Path(os.path.realpath(target))
                if target == source or (source.is_dir() and source in target.parents):
                    raise ConfigError(
                        f"{target} is one of the inputs or inside an input folder ({raw}); "
                        "write the output somewhere else"
                    )

    @property
    def failures_path(self) -> Path:
        return self.failures or default_failures_path(self.out)


def count_documents(inputs: Iterable[str | Path]) -> int | None:
    """How many documents the inputs hold (files, plus non-blank lines of JSONL files); None
    when standard input is one of them (it can be read only once)."""
    if any(is_stdin(raw) for raw in inputs):
        return None
    total = 0
    for path in iter_paths(inputs):
        if SUFFIXES.get(path.suffix.lower()) == "jsonl" and path.is_file():
            try:
                with path.open("rb") as handle:
                    total += sum(1 for line in handle if line.strip())
            except OSError:
                total += 1
        else:
            total += 1
    return total


def _beside(path: Path) -> Path:
    """Where ``--overwrite`` writes the new version of ``path`` until the run finishes."""
    return path.with_name(f".{path.name}.new")


def run_bulk(
    job: BulkJob,
    settings: Settings,
    *,
    backend: Backend | None = None,
    task: Task | None = None,
    on_result: Callable[[RunSummary], None] | None = None,
) -> RunSummary:
    """Run the job; raises ExtractorError subclasses for problems that stop the whole run.

    OUT is never destroyed: a non-empty OUT needs ``resume`` (continue it) or ``overwrite`` (a new
    version, written beside and renamed over it only when the run finishes); a lock stops a
    second run on the same OUT.
    """
    job.check()
    if settings.engine == "ray" and any(is_stdin(raw) for raw in job.inputs):
        raise ConfigError("--engine ray reads files; standard input (-) needs --engine local")
    if job.to_stdout:
        pipeline = make_pipeline(settings, backend, task)
        docs = load_documents(
            job.inputs, published_at=job.published_at, max_bytes=settings.max_doc_bytes
        )
        with JsonlSink(job.out, job.failures, fresh=False) as sink:
            summary = asyncio.run(
                _run(
                    docs,
                    pipeline,
                    settings,
                    backend,
                    sink,
                    skip=set(),
                    on_result=on_result,
                    job=job,
                )
            )
        if job.failures is not None:
            remove_if_empty(job.failures)
        summary.outstanding_failures = summary.failed
        return summary
    with OutputLock(job.journal):
        return _run_locked(job, settings, backend, task, on_result)


def check_existing(job: BulkJob) -> bool:
    """Whether OUT already holds a run's output; refused (one line naming --resume and
    --overwrite) unless the job says what to do with it."""
    if job.to_stdout:
        return False
    existing = has_output(job.journal, job.failures_path) or (
        job.output_format != "jsonl" and job.out.exists() and job.out.stat().st_size > 0
    )
    if existing and not (job.resume or job.overwrite):
        raise ConfigError(
            f"{job.out} already holds records of a run: continue it with --resume, or replace "
            "it with --overwrite"
        )
    return existing


def _run_locked(
    job: BulkJob,
    settings: Settings,
    backend: Backend | None,
    task: Task | None,
    on_result: Callable[[RunSummary], None] | None,
) -> RunSummary:
    existing = check_existing(job)
    skip: set[str] = set()
    if job.resume:
        state = read_resume_state(job.journal, job.failures_path)
        skip = state.done | (set() if job.retry_failed else state.failed)
    pipeline = make_pipeline(settings, backend, task)  # settings errors stop before any file
    docs = load_documents(
        job.inputs, published_at=job.published_at, max_bytes=settings.max_doc_bytes
    )
    journal, failures = job.journal, job.failures_path
    if job.overwrite and existing:
        journal, failures = _beside(job.journal), _beside(job.failures_path)
    finished = False
    try:
        with JsonlSink(journal, failures, fresh=not job.resume) as sink:
            summary = asyncio.run(
                _run(
                    docs, pipeline, settings, backend, sink, skip=skip, on_result=on_result, job=job
                )
            )
        finished = True
    finally:
        if journal != job.journal and not finished:  # the old output stays as it was
            for path in (journal, failures, done_path(journal)):
                path.unlink(missing_ok=True)
    if journal != job.journal:
        # The journal goes last: a crash between these renames leaves the old OUT with its own
        # journal, or the new OUT with the old journal (its documents run again unless their
        # record counts match), never the old records counted as done by the new run's journal.
        for new, old in (
            (failures, job.failures_path),
            (journal, job.journal),
            (done_path(journal), done_path(job.journal)),
        ):
            try:
                if new.exists():
                    os.replace(new, old)
                else:
                    old.unlink(missing_ok=True)  # the old run's file would tell of another run
            except OSError as exc:
                raise OutputError(f"cannot replace {old}: {exc.strerror}") from None
    if job.resume:
        # Keep one failure line per document still failing (a retry appends a new one).
        rewrite_failures(job.failures_path, done_ids(job.journal))
    remove_if_empty(job.failures_path, done_path(job.journal))
    summary.outstanding_failures = count_failures(job.failures_path)
    summary.task = pipeline.task.name
    if job.output_format != "jsonl":
        export_records(job.journal, job.out, job.output_format, pipeline.task.record_model)
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
