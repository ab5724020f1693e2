"""``extractor batch …``: provider batch files (OpenAI Batch API, ``vllm run-batch``).

Flags become settings; the work happens in :mod:`extractor.run.batch`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from extractor.cli_common import (
    Debug,
    Failures,
    Inputs,
    Out,
    Overwrite,
    PublishedAt,
    Resume,
    RetryFailed,
    SummaryJson,
    err,
    fail,
    settings_of,
    setup_logging,
    with_settings,
)
from extractor.errors import ExtractorError
from extractor.run import batch
from extractor.run.bulk import BulkJob
from extractor.settings import Settings

batch_app = typer.Typer(
    no_args_is_help=True,
    help="Model requests as provider batch files: prepare → submit → status → download → collect.",
)

BaseUrl = Annotated[
    str | None, typer.Option(help="OpenAI-compatible base URL (env OPENAI_BASE_URL)")
]


def _checked_settings(flags: dict[str, Any], debug: bool) -> Settings:
    try:
        return settings_of(**flags)
    except ExtractorError as exc:
        raise fail(str(exc), debug) from None
    except ValueError as exc:  # pydantic validation of flags/env
        raise fail(f"invalid settings: {exc}", debug) from None


@batch_app.command()
@with_settings
def prepare(
    inputs: Inputs,
    out: Annotated[
        Path, typer.Option("-o", "--out", help="Requests JSONL (more files get .2, .3 …)")
    ],
    flags: dict[str, Any],
    published_at: PublishedAt = None,
    max_lines: Annotated[int, typer.Option(help="Requests per file")] = batch.MAX_LINES,
    max_bytes: Annotated[int, typer.Option(help="Bytes per file")] = batch.MAX_BYTES,
    debug: Debug = False,
) -> None:
    """Write one batch request per model request not yet answered in the cache."""
    settings = _checked_settings(flags, debug)
    try:
        summary = batch.prepare(
            inputs,
            out,
            settings,
            published_at=published_at,
            max_lines=min(max_lines, batch.MAX_LINES),
            max_bytes=min(max_bytes, batch.MAX_BYTES),
        )
    except ExtractorError as exc:
        raise fail(str(exc), debug) from None
    for path in summary.files:
        print(path)
    err.print(
        f"{summary.requests} requests in {len(summary.files)} file(s) from "
        f"{summary.documents} documents ({summary.cached} already answered in the cache, "
        f"{summary.repeated} repeated, {summary.unreadable} unreadable inputs) "
        f"in {summary.elapsed:.1f} s"
    )


@batch_app.command()
def submit(
    files: Annotated[list[Path], typer.Argument(help="Requests files from `batch prepare`")],
    base_url: BaseUrl = None,
    window: Annotated[str, typer.Option(help="Completion window")] = "24h",
    force: Annotated[bool, typer.Option(help="Submit a file again though it has a batch")] = False,
    debug: Debug = False,
) -> None:
    """Upload requests files and start one batch each (ids kept in FILE's .batch.json)."""
    settings = _checked_settings({"base_url": base_url}, debug)
    try:
        states = batch.submit(files, settings, window=window, force=force)
    except ExtractorError as exc:
        raise fail(str(exc), debug) from None
    for path, state in zip(files, states, strict=True):
        print(state.get("batch_id") or "")
        note = (
            state.get("note")
            or f"{state.get('status')}: follow it with `extractor batch status {state.get('batch_id')}`"
        )
        err.print(f"{path}: {state.get('batch_id')} — {note}")


@batch_app.command()
def status(
    targets: Annotated[
        list[str] | None,
        typer.Argument(help="Batch ids or requests files [default: every .batch.json here]"),
    ] = None,
    base_url: BaseUrl = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the batches as JSON")] = False,
    debug: Debug = False,
) -> None:
    """Where each batch stands, and what to do next."""
    settings = _checked_settings({"base_url": base_url}, debug)
    try:
        batches = batch.status(targets or [], settings)
    except ExtractorError as exc:
        raise fail(str(exc), debug) from None
    if as_json:
        print(json.dumps(batches, ensure_ascii=False, indent=2))
        return
    table = Table(title="batches")
    for col in ("batch", "status", "done", "failed", "total", "next"):
        table.add_column(col)
    for b in batches:
        counts = b.get("request_counts") or {}
        table.add_row(
            str(b.get("id")),
            str(b.get("status")),
            *(str(counts.get(k, 0)) for k in ("completed", "failed", "total")),
            str(b["note"]),
        )
    err.print(table)


@batch_app.command()
def download(
    target: Annotated[str, typer.Argument(help="Batch id, or the requests file it came from")],
    out: Annotated[Path, typer.Option("-o", "--out", help="Results JSONL")],
    base_url: BaseUrl = None,
    debug: Debug = False,
) -> None:
    """Download a finished batch: OUT, and its error file beside it (OUT stem + .errors.jsonl)."""
    settings = _checked_settings({"base_url": base_url}, debug)
    try:
        got = batch.download(target, out, settings)
    except ExtractorError as exc:
        raise fail(str(exc), debug) from None
    for path in (got.output, got.errors):
        if path is not None:
            print(path)
    err.print(f"{got.batch.get('id')}: {got.note}")
    files = " ".join(
        f"--{flag} {path}"
        for flag, path in (("results", got.output), ("errors", got.errors))
        if path
    )
    err.print(
        f"next: extractor batch collect INPUT... {files} -o events.jsonl (same settings as prepare)"
    )


@batch_app.command()
@with_settings
def collect(
    inputs: Annotated[list[Path], typer.Argument(help="The documents the requests came from")],
    out: Out,
    flags: dict[str, Any],
    results: Annotated[
        list[Path] | None,
        typer.Option(help="Results JSONL (OpenAI output or vllm run-batch; repeatable)"),
    ] = None,
    errors: Annotated[
        list[Path] | None, typer.Option(help="OpenAI error file(s) of the batch (repeatable)")
    ] = None,
    failures: Failures = None,
    published_at: PublishedAt = None,
    resume: Resume = False,
    retry_failed: RetryFailed = False,
    overwrite: Overwrite = False,
    batch_discount: Annotated[
        float, typer.Option(help="Batch price as a share of --price-in/--price-out")
    ] = 0.5,
    summary_json: SummaryJson = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No summary table")] = False,
    debug: Debug = False,
) -> None:
    """Validate batch answers into the cache and write the records of INPUTS (like `run`).

    Collecting again into the same OUT (a second round, or after an interruption) needs --resume (with --retry-failed for the documents of a re-ask round), or --overwrite to start the records over.
    """
    settings = _checked_settings(flags, debug)
    setup_logging(False, debug)
    job = BulkJob(inputs, out, failures, resume, retry_failed, published_at, overwrite=overwrite)
    try:
        summary = batch.collect(job, results or [], settings, errors=errors or [])
    except ExtractorError as exc:
        raise fail(str(exc), debug) from None
    except KeyboardInterrupt:
        raise fail("interrupted; run the same command again with --resume", debug, 130) from None
    if summary_json:
        summary_json.write_text(
            json.dumps(summary.as_dict(), ensure_ascii=False, indent=2), encoding="utf-8"
        )
    if not quiet:
        _print_collect(summary, settings, job, batch_discount)
    run = summary.run
    outstanding = run.outstanding_failures or 0
    raise typer.Exit(0 if run.failed == 0 and outstanding == 0 else 1)


def _print_collect(
    s: batch.CollectSummary, settings: Settings, job: BulkJob, discount: float
) -> None:
    run, i = s.run, s.ingested
    table = Table(title="collect summary", show_header=False)
    table.add_column("what")
    table.add_column("value", justify="right")
    table.add_row("result lines", str(i.lines))
    table.add_row("  valid answers (now cached)", str(i.answered))
    table.add_row("  failed validation (re-ask)", str(i.invalid))
    table.add_row("  errors", str(i.errors))
    if i.unusable:
        table.add_row("  unusable (cut off, empty)", str(i.unusable))
    if i.bad_lines:
        table.add_row("  unreadable lines", str(i.bad_lines))
    table.add_row(
        "tokens (prompt / completion)", f"{i.usage.prompt_tokens:,} / {i.usage.completion_tokens:,}"
    )
    cost = s.cost(settings.price_in, settings.price_out, discount)
    if cost is not None:
        table.add_row(f"cost at batch prices (× {discount:g}, USD)", f"{cost:.4f}")
    table.add_row("documents", str(run.documents))
    if run.skipped:
        table.add_row("skipped (already done)", str(run.skipped))
    table.add_row("succeeded", str(run.succeeded))
    table.add_row("failed", str(run.failed))
    table.add_row("events", str(run.events))
    for kind, n in sorted(run.events_by_type.items()):
        table.add_row(f"  {kind}", str(n))
    table.add_row("elapsed", f"{run.elapsed:.2f} s")
    err.print(table)
    err.print(
        f"records: {job.out}"
        + (f"   failures: {job.failures_path}" if run.failed else "")
        + (f"   re-asks: {s.retry_file} ({s.retries})" if s.retry_file else "")
    )
