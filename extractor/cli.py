"""The ``extractor`` command line. Flags become settings; the work happens in library modules."""

from __future__ import annotations

import inspect
import json
import logging
import sys
import types
import typing
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import SecretStr
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from extractor import __version__
from extractor.errors import ExtractorError
from extractor.run.bulk import BulkJob, count_documents, run_bulk
from extractor.run.runner import RunSummary
from extractor.settings import Settings, cli_fields

app = typer.Typer(
    add_completion=False, no_args_is_help=True, help="Grounded event extraction from Arabic news."
)
err = Console(stderr=True, soft_wrap=True)


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


def _settings(**flags: Any) -> Settings:
    """Settings from the flags the user gave (None = not given), then the environment."""
    return Settings(**{k: v for k, v in flags.items() if v is not None and v != []})


def _fail(message: str, debug: bool, code: int = 2) -> typer.Exit:
    if debug:
        err.print_exception()
    err.print(f"[bold red]error:[/] {message}")
    return typer.Exit(code)


# ---- settings as flags: declared once, in Settings ---------------------------------------------


def _option_type(annotation: Any) -> tuple[Any, bool]:
    """The click-friendly type of a setting, and whether it is an on/off flag."""
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    inner = (
        args[0] if typing.get_origin(annotation) in (typing.Union, types.UnionType) else annotation
    )
    if typing.get_origin(inner) is typing.Annotated:
        inner = typing.get_args(inner)[0]
    if inner is bool:
        return bool, True
    if typing.get_origin(inner) is list:
        return list[typing.get_args(inner)[0]], False  # type: ignore[misc]
    if (
        typing.get_origin(inner) is typing.Literal
        or isinstance(inner, type)
        and issubclass(inner, SecretStr)
    ):
        return str, False
    return inner, False


def with_settings(command: Callable[..., Any]) -> Callable[..., Any]:
    """Give a command one ``--flag`` per setting (help = the setting's description); the command
    receives them as ``flags``: the values the user gave, to be merged into :class:`Settings`."""
    names = list(cli_fields())
    own = inspect.signature(command, eval_str=True)
    params = [p for p in own.parameters.values() if p.name != "flags"]
    for name, info in cli_fields().items():
        kind, is_flag = _option_type(info.annotation)
        flag = "--" + name.replace("_", "-")
        metavar = "FILE" if typing.get_origin(kind) is list else None
        option = typer.Option(
            flag, help=info.description, rich_help_panel="Settings", metavar=metavar
        )
        params.append(
            inspect.Parameter(
                name,
                inspect.Parameter.KEYWORD_ONLY,
                default=False if is_flag else None,
                annotation=Annotated[kind if is_flag else kind | None, option],
            )
        )

    def wrapper(**values: Any) -> Any:
        flags = {n: values.pop(n) for n in names}
        flags = {k: v for k, v in flags.items() if v not in (None, False, [])}
        return command(flags=flags, **values)

    wrapper.__signature__ = own.replace(parameters=params)  # type: ignore[attr-defined]
    wrapper.__name__ = command.__name__
    wrapper.__doc__ = command.__doc__
    return wrapper


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
    return _settings(**values)


@app.command()
@with_settings
def run(
    inputs: Annotated[list[Path], typer.Argument(help="Files or folders of .txt, .jsonl, .html")],
    out: Annotated[Path, typer.Option("-o", "--out", help="Output JSONL, one record per line")],
    flags: dict[str, Any],
    failures: Annotated[
        Path | None, typer.Option(help="Failures JSONL [default: <OUT stem>.failures.jsonl]")
    ] = None,
    published_at: Annotated[
        str | None, typer.Option(help="Publication date (YYYY-MM-DD) for documents without one")
    ] = None,
    resume: Annotated[bool, typer.Option(help="Skip documents already done in OUT")] = False,
    retry_failed: Annotated[
        bool, typer.Option(help="With --resume: run failed documents again")
    ] = False,
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
    summary_json: Annotated[
        Path | None, typer.Option(help="Also write the run summary as JSON")
    ] = None,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="No progress bar or summary table")
    ] = False,
    log_json: Annotated[
        bool, typer.Option("--log-json", help="Log one JSON line per document to stderr")
    ] = False,
    debug: Annotated[bool, typer.Option(help="Show tracebacks")] = False,
) -> None:
    """Extract records from documents into OUT (JSONL); failures go beside it."""
    try:
        settings = _run_settings(flags, replay, record)
    except ExtractorError as exc:
        raise _fail(str(exc), debug) from None
    except ValueError as exc:  # pydantic validation of flags/env
        raise _fail(f"invalid settings: {exc}", debug) from None
    if settings.backend is None and not quiet and not log_json:
        chosen = settings.resolved_backend()
        reason = "a model is configured" if chosen == "openai" else "no model is configured"
        err.print(f"backend: [bold]{chosen}[/] ({reason}; choose with --backend)")
    if output_format not in ("jsonl", "csv", "parquet"):
        raise _fail(f"unknown --format {output_format!r}: use jsonl, csv or parquet", debug)
    _setup_logging(log_json, debug)
    job = BulkJob(inputs, out, failures, resume, retry_failed, published_at, output_format)
    try:
        summary = _run_with_progress(job, settings, quiet or log_json, replay, record)
    except ExtractorError as exc:
        raise _fail(str(exc), debug) from None
    except KeyboardInterrupt:
        raise _fail(
            "interrupted; finished documents are saved — continue with --resume", debug, 130
        ) from None
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


class _JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        payload = {
            "level": record.levelname.lower(),
            "event": getattr(record, "event_name", record.getMessage()),
        }
        payload.update(getattr(record, "fields", {}) or {})
        return json.dumps(payload, ensure_ascii=False)


def _setup_logging(log_json: bool, debug: bool) -> None:
    logger = logging.getLogger("extractor")
    logger.handlers.clear()
    logger.propagate = False
    handler = logging.StreamHandler(sys.stderr)
    if log_json:
        handler.setFormatter(_JsonFormatter())
        logger.setLevel(logging.DEBUG if debug else logging.INFO)
    else:
        handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
        logger.setLevel(logging.DEBUG if debug else logging.WARNING)
    logger.addHandler(handler)


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
    table.add_row("events", str(s.events))
    for kind, n in sorted(s.events_by_type.items()):
        table.add_row(f"  {kind}", str(n))
    for kind, n in sorted(s.failures_by_kind.items()):
        table.add_row(f"  failed: {kind}", str(n))
    rejected = sum(s.grounding.rejected.values())
    table.add_row("drafts rejected by grounding", str(rejected))
    dropped = sum(s.grounding.dropped_values.values())
    table.add_row("values dropped (not in text)", str(dropped))
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
    err.print(f"records: {job.out}" + (f"   failures: {job.failures_path}" if s.failed else ""))


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
    debug: Annotated[bool, typer.Option(help="Show tracebacks")] = False,
) -> None:
    """One self-contained, right-to-left HTML page to review events in their text."""
    from extractor.tools.report import write_report

    try:
        n = write_report(events, docs, out, title=title)
    except ExtractorError as exc:
        raise _fail(str(exc), debug) from None
    err.print(f"{n} events → {out}")


@app.command()
def link(
    events: Annotated[Path, typer.Argument(help="Records JSONL (from one or more runs)")],
    out: Annotated[Path, typer.Option("-o", "--out", help="Linked JSONL (records + cluster_id)")],
    summary_json: Annotated[
        Path | None, typer.Option(help="Write the cluster summary as JSON")
    ] = None,
    top: Annotated[int, typer.Option(help="Clusters to show")] = 15,
    debug: Annotated[bool, typer.Option(help="Show tracebacks")] = False,
) -> None:
    """Give one cluster_id to the same event reported by several articles; sum money once."""
    from extractor.tools.link import link_file

    try:
        summary = link_file(events, out)
    except ExtractorError as exc:
        raise _fail(str(exc), debug) from None
    if summary_json:
        summary_json.write_text(json.dumps(summary, ensure_ascii=False, indent=2), encoding="utf-8")
    console = Console()
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
    totals = Table(title="money per donor (each cluster counted once, running totals excluded)")
    for col in ("donor", "currency", "amount", "clusters"):
        totals.add_column(col)
    for row in summary["money_totals"]:
        totals.add_row(row["donor"], row["currency"], f"{row['amount']:,.0f}", str(row["clusters"]))
    console.print(totals)
    err.print(f"linked records → {out}")


@app.command()
def schema(
    draft: Annotated[
        bool, typer.Option(help="The draft a backend returns instead of the record")
    ] = False,
) -> None:
    """Print the JSON Schema of the event record (or of the backend draft)."""
    from extractor.schemas import DraftBatch, EventRecord

    model = DraftBatch if draft else EventRecord
    print(json.dumps(model.model_json_schema(), ensure_ascii=False, indent=2))


cache_app = typer.Typer(help="Inspect or clear the answer cache.", no_args_is_help=True)
app.add_typer(cache_app, name="cache")


@cache_app.command("stats")
def cache_stats(
    cache_dir: Annotated[Path | None, typer.Option(help="Cache folder")] = None,
) -> None:
    """Entries and size of the cache."""
    from extractor.backends.cache import AnswerCache

    settings = _settings(cache_dir=cache_dir)
    cache = AnswerCache(settings.cache_dir)
    stats = cache.stats()
    cache.close()
    print(json.dumps(stats, ensure_ascii=False))


@cache_app.command("clear")
def cache_clear(
    cache_dir: Annotated[Path | None, typer.Option(help="Cache folder")] = None,
) -> None:
    """Remove every cached answer."""
    from extractor.backends.cache import AnswerCache

    settings = _settings(cache_dir=cache_dir)
    cache = AnswerCache(settings.cache_dir)
    removed = cache.clear()
    cache.close()
    err.print(f"removed {removed} cached answers from {settings.cache_dir}")


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
    debug: Annotated[bool, typer.Option(help="Show tracebacks")] = False,
) -> None:
    """Score predictions against gold: event P/R/F1, per type, per field, grounding."""
    from extractor.tools.evaluate import evaluate

    try:
        report = evaluate(gold, pred, docs or [])
    except ExtractorError as exc:
        raise _fail(str(exc), debug) from None
    if json_out:
        json_out.write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
    _print_report(report)


def _print_report(report: dict[str, Any]) -> None:
    out = Console()
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


from extractor.cli_batch import batch_app  # noqa: E402 - it uses the helpers above

app.add_typer(batch_app, name="batch")

if __name__ == "__main__":  # pragma: no cover
    app()
