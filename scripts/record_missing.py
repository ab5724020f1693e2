#!/usr/bin/env python3
"""Add to a cassette only the requests it lacks, recorded from the live server it came from.

When a change makes a few documents send requests their recording does not hold (e.g. a
cut-off answer now asked again in halves), this records just those, keeping every recorded
interaction (vcrpy's "new_episodes" mode), instead of hours of re-recording a gold set:

    python scripts/record_missing.py CASSETTE.yaml INPUT... [extractor run flags]

(--backend hybrid also records the segments an openai run never asked because the document
had already failed.)

The server named in the cassette must be running (scripts/record.sh starts it).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from extractor.backends import replay
from extractor.cli import app


def main(argv: list[str]) -> int:
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    cassette, rest = Path(argv[0]), argv[1:]

    @contextmanager
    def new_episodes(path: Path, *, record: bool = False) -> Iterator[None]:
        with replay.make_vcr("new_episodes").use_cassette(str(path), allow_playback_repeats=True):
            yield

    replay.replaying = new_episodes  # type: ignore[assignment]
    out = Path("out") / f"record-missing-{cassette.stem}.jsonl"
    backend = [] if "--backend" in rest else ["--backend", "openai"]  # hybrid asks every segment
    args = [
        "run",
        *rest,
        *backend,
        "--replay",
        str(cassette),
        "--no-cache",
        "--overwrite",
        "-o",
        str(out),
    ]
    try:
        app(args, standalone_mode=False)
    except SystemExit as exc:
        return int(exc.code or 0)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
