#!/usr/bin/env python3
"""mypy --strict over the package laid out as installed: ``extractor.schemas`` inside it.

The repository keeps ``schemas/`` at its top level and the package mounts it at run time
(``extractor/resources.py``); mypy cannot follow that, so this script gives it the installed
layout — ``.typecheck/extractor/schemas`` pointing at ``schemas/`` (a link, or a fresh copy where
links are not allowed), found through ``mypy_path`` in pyproject.toml — and runs
``mypy --strict extractor``. After one run, plain ``mypy --strict extractor`` works too.

    python scripts/typecheck.py [extra mypy arguments]
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LAYOUT = ROOT / ".typecheck" / "extractor"


def make_layout() -> None:
    LAYOUT.mkdir(parents=True, exist_ok=True)
    target = LAYOUT / "schemas"
    if target.is_symlink() or target.is_file():
        target.unlink()
    elif target.is_dir():
        shutil.rmtree(target)
    try:
        os.symlink(ROOT / "schemas", target, target_is_directory=True)
    except OSError:  # no symlinks here (Windows without developer mode): a copy of this state
        shutil.copytree(ROOT / "schemas", target, ignore=shutil.ignore_patterns("__pycache__"))


def main() -> int:
    make_layout()
    command = [sys.executable, "-m", "mypy", "--strict", "extractor", *sys.argv[1:]]
    return subprocess.call(command, cwd=ROOT)


if __name__ == "__main__":
    raise SystemExit(main())
