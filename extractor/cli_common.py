"""What every command of the command line shares: the error console, failing with one line,
settings from flags (one flag per setting, derived from :class:`Settings`), logging, and the
options several commands take. The CLI holds no logic; this is its plumbing."""

from __future__ import annotations

import inspect
import json
import logging
import sys
import types
import typing
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import SecretStr
from rich.console import Console
from rich.text import Text

from extractor.settings import Settings, cli_fields

# Messages hold user text (paths, ids, advice such as "pip install 'x[pandas]'"): never markup.
err = Console(stderr=True, soft_wrap=True, markup=False)


def stdout_console() -> Console:
    """The standard-output console of a command (no markup: cells hold user text)."""
    return Console(markup=False)


# ---- options several commands take ------------------------------------------------------------
Inputs = Annotated[
    list[Path], typer.Argument(help="Files or folders of .txt, .jsonl, .html (- for stdin)")
]
Out = Annotated[
    Path, typer.Option("-o", "--out", help="Output JSONL, one record per line (- for stdout)")
]
Failures = Annotated[
    Path | None, typer.Option(help="Failures JSONL [default: <OUT stem>.failures.jsonl]")
]
PublishedAt = Annotated[
    str | None, typer.Option(help="Publication date (YYYY-MM-DD) for documents without one")
]
Resume = Annotated[bool, typer.Option(help="Continue OUT: skip documents already done in it")]
Overwrite = Annotated[
    bool,
    typer.Option(help="Replace a non-empty OUT (the new output replaces it when the run finishes)"),
]
RetryFailed = Annotated[bool, typer.Option(help="With --resume: run failed documents again")]
SummaryJson = Annotated[Path | None, typer.Option(help="Also write the run summary as JSON")]
Debug = Annotated[bool, typer.Option(help="Show tracebacks")]


def settings_of(**flags: Any) -> Settings:
    """Settings from the flags the user gave (None = not given), then the environment."""
    return Settings(**{k: v for k, v in flags.items() if v is not None and v != []})


def fail(message: str, debug: bool, code: int = 2) -> typer.Exit:
    if debug:
        err.print_exception()
    err.print(Text.assemble(("error:", "bold red"), " ", one_line(message)))
    return typer.Exit(code)


def one_line(message: str) -> str:
    """A message as one line (a promised one-line error never spills a multi-line cause)."""
    return " ".join(part.strip() for part in str(message).splitlines() if part.strip())


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
        # "not given" is None (or False for an on/off flag); 0 and 0.0 are values (0 == False)
        flags = {k: v for k, v in flags.items() if not (v is None or v is False or v == [])}
        return command(flags=flags, **values)

    wrapper.__signature__ = own.replace(parameters=params)  # type: ignore[attr-defined]
    wrapper.__name__ = command.__name__
    wrapper.__doc__ = command.__doc__
    return wrapper


class _JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        when = datetime.fromtimestamp(record.created, tz=UTC)
        payload = {
            "time": when.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "level": record.levelname.lower(),
            "event": getattr(record, "event_name", record.getMessage()),
        }
        payload.update(getattr(record, "fields", {}) or {})
        return json.dumps(payload, ensure_ascii=False)


def setup_logging(log_json: bool, debug: bool) -> None:
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
    # The run counts model faults in its summary and names each failed document once;
    # instructor's per-attempt error lines would repeat them on stderr (in this CLI process only:
    # the library never touches instructor's logging).
    logging.getLogger("instructor").setLevel(logging.DEBUG if debug else logging.CRITICAL)
