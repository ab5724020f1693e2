#!/usr/bin/env python3
"""Join cassettes recorded in parts into one (their interactions, in order; settings of the
first). Used by scripts/record.sh for the gold sets, which are recorded a few documents at a time.

    python scripts/merge_cassettes.py OUT.yaml PART1.yaml PART2.yaml …
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import yaml


def main(argv: list[str]) -> int:
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    out, parts = Path(argv[0]), [Path(p) for p in argv[1:]]
    merged: dict = {"interactions": [], "version": 1}
    for part in parts:
        data = yaml.safe_load(part.read_text(encoding="utf-8")) or {}
        merged["version"] = data.get("version", merged["version"])
        merged["interactions"].extend(data.get("interactions") or [])
    out.write_text(yaml.safe_dump(merged, allow_unicode=False), encoding="utf-8")
    sidecar = parts[0].with_name(parts[0].stem + ".settings.json")
    if sidecar.exists():
        shutil.copyfile(sidecar, out.with_name(out.stem + ".settings.json"))
    print(f"{out}: {len(merged['interactions'])} interactions from {len(parts)} parts")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
