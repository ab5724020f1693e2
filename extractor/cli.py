"""The ``extractor`` command line. Flags become settings; the work happens in library modules."""

from __future__ import annotations

import json
import logging
import os
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table
from rich.text import Text

from extractor import __version__
from extractor.cli_batch import batch_app
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
    stdout_console,
    with_settings,
)
from extractor.errors import ExtractorError
from extractor.run.bulk import BulkJob, count_documents, run_bulk
from extractor.run.output import OutputClosed
from extractor.run.runner import RunSummary
from extractor.settings import Settings

app = typer.Typer(
    add_completion=False, no_args_is_help=True, help="Grounded event extraction from Arabic news."
)


def _version(value: bool) -> None:
    if value:
        print(f"extractor {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")
    ] = False,
) -> None:
    """Grounded event extraction from Arabic news about the Russia–Ukraine war."""


def _run_settings(flags: dict[str, Any], replay: Path | None, record: bool) -> Settings:
    """Settings of a run; a replay reuses the recorded endpoint and sampling, and skips the cache
    so the cassette (not an old cache entry) answers."""
    values = dict(flags)
    if replay is not None:
        if not record:
            from extractor.backends.replay import recorded_settings

            values = {**recorded_settings(replay), **values}
        if "cache_dir" not in flags:
            values["no_cache"] = True
    return settings_of(**values)


@app.command()
@with_settings
def run(
    inputs: Inputs,
    out: Out,
    flags: dict[str, Any],
    failures: Failures = None,
    published_at: PublishedAt = None,
    resume: Resume = False,
    retry_failed: RetryFailed = False,
    overwrite: Overwrite = False,
    replay: Annotated[
        Path | None, typer.Option(help="Replay model traffic from this vcrpy cassette (no network)")
    ] = None,
    record: Annotated[
        bool, typer.Option(help="With --replay: record new interactions into the cassette")
    ] = False,
    output_format: Annotated[
        str,
        typer.Option(
            "--format", help="jsonl | csv | parquet (csv/parquet keep a JSONL journal beside OUT)"
        ),
    ] = "jsonl",
    summary_json: SummaryJson = None,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="No progress bar or summary table")
    ] = False,
    log_json: Annotated[
        bool, typer.Option("--log-json", help="Log one JSON line per document to stderr")
    ] = False,
    debug: Debug = False,
) -> None:
    """Extract records from documents into OUT (JSONL); failures go beside it."""
    try:
        settings = _run_settings(flags, replay, record)
    except ExtractorError as exc:
        raise fail(str(exc), debug) from None
    except ValueError as exc:  # pydantic validation of flags/env
        raise fail(f"invalid settings: {exc}", debug) from None
    if settings.backend is None and not quiet and not log_json:
        chosen = settings.resolved_backend()
        reason = "a model is configured" if chosen == "openai" else "no model is configured"
        err.print(
            Text.assemble("backend: ", (chosen, "bold"), f" ({reason}; choose with --backend)")
        )
    if output_format not in ("jsonl", "csv", "parquet"):
        raise fail(f"unknown --format {output_format!r}: use jsonl, csv or parquet", debug)
    setup_logging(log_json, debug)
    job = BulkJob(
        inputs, out, failures, resume, retry_failed, published_at, output_format, overwrite
    )
    try:
        summary = _run_with_progress(job, settings, quiet or log_json, replay, record)
    except OutputClosed:
        raise typer.Exit(_stdout_closed()) from None
    except ExtractorError as exc:
        raise fail(str(exc), debug) from None
    except KeyboardInterrupt:
        raise fail(_interrupted(job), debug, 130) from None
    if summary_json:
        summary_json.write_text(
            json.dumps(summary.as_dict(), ensure_ascii=False, indent=2), encoding="utf-8"
        )
    if log_json:
        logging.getLogger("extractor").info(
            "summary", extra={"event_name": "summary", "fields": summary.as_dict()}
        )
    elif not quiet:
        _print_summary(summary, settings, job)
    # Non-zero while any document is not done: this run's failures, or older ones a resume skipped.
    outstanding = summary.outstanding_failures or 0
    raise typer.Exit(0 if summary.failed == 0 and outstanding == 0 else 1)


SIGPIPE_EXIT = 141  # 128 + SIGPIPE: what a shell reports for a tool a closed pipe stopped


def _stdout_closed() -> int:
    """The program reading our output is gone (``| head -1``): stop without a message, as Unix
    tools do on SIGPIPE; what is still buffered for standard output goes nowhere at exit."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # no real file descriptor (a test runner's capture)
        pass
    return SIGPIPE_EXIT


def _interrupted(job: BulkJob) -> str:
    if job.to_stdout:
        return "interrupted; the records written so far are on standard output"
    if job.overwrite:
        return f"interrupted; {job.out} is unchanged (the new output was discarded)"
    return "interrupted; finished documents are saved — continue with --resume"


def _run_with_progress(
    job: BulkJob, settings: Settings, quiet: bool, replay: Path | None, record: bool
) -> RunSummary:
    from contextlib import nullcontext

    if replay is not None:
        from extractor.backends.replay import replaying

        context: Any = replaying(replay, record=record)
    else:
        context = nullcontext()
    if replay is not None and record:
        from extractor.backends.replay import save_replay_settings

        save_replay_settings(replay, settings)
    with context:
        if quiet or not sys.stderr.isatty():
            return run_bulk(job, settings)
        total = count_documents(job.inputs)
        columns = [
            TextColumn("[bold]extracting"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            TextColumn("{task.fields[status]}"),
        ]
        with Progress(*columns, console=err, transient=False) as progress:
            task = progress.add_task("run", total=total, status="")

            def update(s: RunSummary) -> None:
                elapsed = max(1e-6, s.finish().elapsed)
                lookups = s.usage.requests + s.usage.cache_hits
                hit_rate = f" · cache {s.usage.cache_hits / lookups:.0%}" if lookups else ""
                tokens = s.usage.prompt_tokens + s.usage.completion_tokens
                tok = f" · {tokens / elapsed:,.0f} tok/s" if tokens else ""
                progress.update(
                    task,
                    completed=s.documents + s.skipped,
                    status=f"{s.events} events · {s.events / elapsed:.1f} ev/s · {s.failed} failed{hit_rate}{tok}",
                )

            return run_bulk(job, settings, on_result=update)


def _print_summary(s: RunSummary, settings: Settings, job: BulkJob) -> None:
    table = Table(title="run summary", show_header=False)
    table.add_column("what")
    table.add_column("value", justify="right")
    table.add_row("documents", str(s.documents))
    if s.skipped:
        table.add_row("skipped (already done)", str(s.skipped))
    table.add_row("succeeded", str(s.succeeded))
    table.add_row("failed", str(s.failed))
    if s.outstanding_failures and s.outstanding_failures != s.failed:
        table.add_row("failures on file (all runs)", str(s.outstanding_failures))
    table.add_row(s.records_noun, str(s.events))
    for kind, n in sorted(s.events_by_type.items()):
        table.add_row(f"  {kind}", str(n))
    for kind, n in sorted(s.failures_by_kind.items()):
        table.add_row(f"  failed: {kind}", str(n))
    if s.undated:
        table.add_row("documents with no publication date (dates unresolved)", str(s.undated))
    failed_segments = s.grounding.rejected.get("model_failed_segments", 0)
    rejected = sum(s.grounding.rejected.values()) - failed_segments
    table.add_row("drafts set aside (grounding, cue check)", str(rejected))
    invalid = s.grounding.rejected.get("invalid", 0)
    if invalid:  # drafts that failed validation, set aside one by one (the others kept)
        table.add_row("drafts set aside: invalid", str(invalid))
    if failed_segments:
        table.add_row("segments the model failed (rules' records kept)", str(failed_segments))
    dropped = sum(s.grounding.dropped_values.values())
    table.add_row("values dropped (not in text)", str(dropped))
    if s.grounding.long_sentences_cut:
        table.add_row(
            "long sentences cut (longer than --chunk-chars)", str(s.grounding.long_sentences_cut)
        )
    u = s.usage
    if u.requests or u.cache_hits:
        table.add_row("model requests", str(u.requests))
        table.add_row("retries / re-asks", f"{u.retries} / {u.reasks}")
        table.add_row("cache hits", str(u.cache_hits))
        table.add_row(
            "tokens (prompt / completion)", f"{u.prompt_tokens:,} / {u.completion_tokens:,}"
        )
        cost = s.cost(settings.price_in, settings.price_out)
        if cost is not None:
            table.add_row("estimated cost (USD)", f"{cost:.4f}")
    table.add_row("elapsed", f"{s.elapsed:.2f} s")
    if s.peak_rss_mb:
        table.add_row("peak memory", f"{s.peak_rss_mb:.0f} MB")
    err.print(table)
    records = "standard output" if job.to_stdout else str(job.out)
    where = job.failures or ("standard error" if job.to_stdout else job.failures_path)
    err.print(f"records: {records}" + (f"   failures: {where}" if s.failed else ""))


@app.command()
def report(
    events: Annotated[Path, typer.Argument(help="Records JSONL from extractor run")],
    docs: Annotated[
        list[Path], typer.Option(help="The documents the records came from (files/folders)")
    ],
    out: Annotated[Path, typer.Option("-o", "--out", help="HTML file to write")] = Path(
        "report.html"
    ),
    title: Annotated[str, typer.Option(help="Page title")] = "Event review",
    debug: Debug = False,
) -> None:
    """One self-contained, right-to-left HTML page to review events in their text."""
    from extractor.tools.report import write_report

    missing = [str(p) for p in [events, *docs] if not p.exists()]
    if missing:
        raise fail(f"no such file or folder: {', '.join(missing)}", debug)
    try:
        n = write_report(events, docs, out, title=title)
    except ExtractorError as exc:
        raise fail(str(exc), debug) from None
    err.print(f"{n} events → {out}")


@app.command()
def link(
    events: Annotated[
        list[Path],
        typer.Argument(help="Records JSONL (from runs, or an earlier link: its ids are kept)"),
    ],
    out: Annotated[Path, typer.Option("-o", "--out", help="Linked JSONL (records + cluster_id)")],
    summary_json: Annotated[
        Path | None, typer.Option(help="Write the cluster summary as JSON")
    ] = None,
    top: Annotated[int, typer.Option(help="Clusters to show")] = 15,
    debug: Debug = False,
) -> None:
    """Give one cluster_id to the same event reported by several articles, one commitment_id to
    the stages of one aid package; sum money once per commitment."""
    from extractor.tools.link_tasks import link_file

    try:
        summary = link_file(events, out)
    except ExtractorError as exc:
        raise fail(str(exc), debug) from None
    if summary_json:
        summary_json.write_text(json.dumps(summary, ensure_ascii=False, indent=2), encoding="utf-8")
    console = stdout_console()
    table = Table(
        title=f"{summary['records']} records in {summary['clusters']} clusters "
        f"({summary['multi_report_clusters']} reported more than once)"
    )
    for col in ("reports", "type", "actors", "targets", "amount", "first date"):
        table.add_column(col)
    for row in summary["cluster_rows"][:top]:
        amount = "; ".join(f"{m['amount']:,.0f} {m['currency']}" for m in row.get("money") or [])
        table.add_row(
            str(row["reports"]),
            row["event_type"],
            ", ".join(row["actors"]),
            ", ".join(row["targets"]),
            amount,
            row.get("first_date") or "",
        )
    console.print(table)
    totals = Table(
        title="money per donor (each commitment once, at its latest stage; running totals "
        "and conversions excluded)"
    )
    for col in ("donor", "currency", "amount", "commitments"):
        totals.add_column(col)
    for row in summary["money_totals"]:
        totals.add_row(
            row["donor"], row["currency"], f"{row['amount']:,.0f}", str(row["commitments"])
        )
    console.print(totals)
    err.print(f"linked records → {out}")


@app.command()
def track(
    events: Annotated[
        list[Path], typer.Argument(help="Records JSONL (from runs, or from extractor link)")
    ],
    out: Annotated[
        Path, typer.Option("-o", "--out", help="One row per aid commitment: .csv, .jsonl, .parquet")
    ],
    totals: Annotated[
        Path | None,
        typer.Option(help="Donor × month × stage totals in USD and EUR (.csv, .jsonl, .parquet)"),
    ] = None,
    debug: Debug = False,
) -> None:
    """One row per aid commitment at its latest stage, in USD and EUR at the ECB rate of the day."""
    from extractor.tools.track import track_files

    try:
        written = track_files(events, out, totals)
    except ExtractorError as exc:
        raise fail(str(exc), debug) from None
    rows = written["rows"]
    usd: dict[str, float] = {}
    count: dict[str, int] = {}
    for row in rows:
        if row["counted"]:
            donor = row["donor_code"] or "unknown"
            usd[donor] = usd.get(donor, 0.0) + (row["amount_usd"] or 0.0)
            count[donor] = count.get(donor, 0) + 1
    table = Table(title=f"{len(rows)} aid commitments; counted: each once, at its latest stage")
    for col in ("donor", "USD", "commitments"):
        table.add_column(col)
    for donor in sorted(usd, key=lambda d: -usd[d]):
        table.add_row(donor, f"{usd[donor]:,.0f}", str(count[donor]))
    stdout_console().print(table)
    err.print(f"commitments → {out}" + (f"   totals → {totals}" if totals else ""))


@app.command()
def schema(
    draft: Annotated[
        bool, typer.Option(help="The draft a backend returns instead of the record")
    ] = False,
    task: Annotated[
        str | None,
        typer.Option(help="FILE.py[:NAME]: the schema of your task's records instead of events'"),
    ] = None,
    debug: Debug = False,
) -> None:
    """Print the JSON Schema of the event record (or of a task's record, or of the draft)."""
    from pydantic import BaseModel

    from extractor.schemas import DraftBatch, EventRecord

    model: type[BaseModel] = DraftBatch if draft else EventRecord
    if task:
        from extractor.core.tasks import load_task

        try:
            loaded = load_task(task)
        except ExtractorError as exc:
            raise fail(str(exc), debug) from None
        model = loaded.response_model if draft else loaded.record_model
    print(json.dumps(model.model_json_schema(), ensure_ascii=False, indent=2))


cache_app = typer.Typer(help="Inspect or clear the answer cache.", no_args_is_help=True)
app.add_typer(cache_app, name="cache")


@cache_app.command("stats")
def cache_stats(
    cache_dir: Annotated[Path | None, typer.Option(help="Cache folder")] = None,
    debug: Debug = False,
) -> None:
    """Entries and size of the cache."""
    from extractor.backends.cache import AnswerCache

    folder = settings_of(cache_dir=cache_dir).cache_dir
    if not folder.exists():  # nothing cached yet: say so without creating the folder
        print(json.dumps({"folder": str(folder), "entries": 0, "bytes": 0}, ensure_ascii=False))
        return
    try:
        cache = AnswerCache(folder)
        try:
            stats = cache.stats()
        finally:
            cache.close()
    except ExtractorError as exc:
        raise fail(str(exc), debug) from None
    print(json.dumps(stats, ensure_ascii=False))


@cache_app.command("clear")
def cache_clear(
    cache_dir: Annotated[Path | None, typer.Option(help="Cache folder")] = None,
    debug: Debug = False,
) -> None:
    """Remove every cached answer."""
    from extractor.backends.cache import AnswerCache

    folder = settings_of(cache_dir=cache_dir).cache_dir
    if not folder.exists():
        err.print(f"no cache at {folder}: nothing to clear")
        return
    try:
        cache = AnswerCache(folder)
        try:
            removed = cache.clear()
        finally:
            cache.close()
    except ExtractorError as exc:
        raise fail(str(exc), debug) from None
    err.print(f"removed {removed} cached answers from {folder}")


@app.command("eval")
def eval_command(
    gold: Annotated[Path, typer.Option(help="Gold JSONL (one document per line)")],
    pred: Annotated[Path, typer.Option(help="Predicted records JSONL (from extractor run)")],
    json_out: Annotated[
        Path | None, typer.Option("--json", help="Write the report as JSON")
    ] = None,
    docs: Annotated[
        list[Path] | None, typer.Option(help="Source documents, to check quotes are verbatim")
    ] = None,
    debug: Debug = False,
) -> None:
    """Score predictions against gold: event P/R/F1, per type, per field, grounding."""
    from extractor.tools.evaluate import evaluate

    try:
        report = evaluate(gold, pred, docs or [])
    except ExtractorError as exc:
        raise fail(str(exc), debug) from None
    if json_out:
        json_out.write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
    _print_report(report)


def _print_report(report: dict[str, Any]) -> None:
    out = stdout_console()
    events = Table(title=f"events ({report['documents']} documents)")
    for col in ("", "P", "R", "F1", "TP", "pred", "gold"):
        events.add_column(col, justify="right" if col else "left")
    for name, row in [
        *report["events"].items(),
        *(("  " + t, r) for t, r in report["per_type"].items()),
    ]:
        events.add_row(
            name,
            *(f"{row[k]:.3f}" for k in ("p", "r", "f1")),
            *(str(row[k]) for k in ("tp", "n_pred", "n_gold")),
        )
    out.print(events)
    fields = Table(title="fields on matched pairs")
    fields.add_column("field")
    fields.add_column("score", justify="right")
    fields.add_column("n", justify="right")
    for name, row in report["fields"].items():
        value = row.get("accuracy", row.get("f1"))
        metric = "F1" if "f1" in row else "acc"
        fields.add_row(
            f"{name} ({metric})", "-" if value is None else f"{value:.3f}", str(row["n"])
        )
    rate = report["grounding"]["verbatim_rate"]
    fields.add_row(
        "quotes verbatim in source",
        "-" if rate is None else f"{rate:.3f}",
        str(report["grounding"]["n"]),
    )
    out.print(fields)
    dups = report.get("duplicates") or {"n": 0, "records": []}
    out.print(f"duplicates (an event already matched, reported again): {dups['n']}")
    for d in dups["records"][:20]:
        out.print(f"  {d['doc_id']} {d['event_type']}: {d['quote'][:80]}")


app.add_typer(batch_app, name="batch")

if __name__ == "__main__":  # pragma: no cover
    app()
