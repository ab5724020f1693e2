"""The layout ships: schemas/ and prompts/ stay top-level in the repository (no symlinks), a
wheel built from a clean checkout carries them inside the package and works in a fresh virtual
environment, and an editable install maps the checkout's folders live without claiming
``schemas`` as a top-level name. Offline: the build uses the installed hatchling, and the fresh
environments borrow this one's dependencies."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from tests.conftest import ROOT, SEEDS

pytest.importorskip("hatchling")


def _git_files() -> list[str]:
    if not (ROOT / ".git").exists() or shutil.which("git") is None:
        pytest.skip("not a git checkout")
    out = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True
    ).stdout.decode("utf-8")
    return [f for f in out.split("\0") if f]


def test_the_repository_has_no_symlinks():
    _git_files()
    staged = subprocess.run(
        ["git", "ls-files", "-s"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    assert [line for line in staged.splitlines() if line.startswith("120000")] == []


@pytest.fixture(scope="module")
def checkout(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A clean checkout: the tracked files as they are now (no caches, no build output)."""
    target = tmp_path_factory.mktemp("checkout") / "repo"
    for name in _git_files():
        source = ROOT / name
        if source.is_file() and not name.startswith("cassettes/"):
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    return target


def _fresh_venv(where: Path) -> Path:
    """A virtual environment whose dependencies are this one's (a .pth to its site-packages, so
    nothing is downloaded); the package under test is installed into it apart."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(where)], check=True)
    python = where / "bin" / "python"
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    Path(site, "_borrowed_deps.pth").write_text(
        sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8"
    )
    return python


def _pip(python: Path, *args: str) -> None:
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "-q", *args],
        check=True,
        capture_output=True,
    )


def _probe(python: Path, cwd: Path) -> dict[str, object]:
    code = (
        "import importlib.util, json, extractor, extractor.schemas\n"
        "from extractor.core.prompting import default_prompts_dir\n"
        "print(json.dumps({'schemas': extractor.schemas.__file__,"
        " 'prompts': str(default_prompts_dir()),"
        " 'top_level_schemas': importlib.util.find_spec('schemas') is not None}))"
    )
    out = subprocess.run([str(python), "-c", code], cwd=cwd, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)  # type: ignore[no-any-return]


@pytest.mark.timeout(600)
def test_a_wheel_from_a_clean_checkout_runs_the_seeds(checkout: Path, tmp_path: Path):
    dist = tmp_path / "dist"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation"]
        + ["-w", str(dist), str(checkout)],
        check=True,
        capture_output=True,
    )
    (wheel,) = dist.glob("*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    for name in ("schemas/__init__.py", "schemas/event_types.py", "prompts/events.system.j2"):
        assert f"extractor/{name}" in names
    assert not [n for n in names if n.split("/")[0] in ("schemas", "prompts", "tests", "bench")]
    assert not [n for n in names if "__pycache__" in n]

    python = _fresh_venv(tmp_path / "venv")
    _pip(python, "install", "--no-deps", "--no-index", str(wheel))
    elsewhere = tmp_path / "work"
    elsewhere.mkdir()
    found = _probe(python, elsewhere)
    installed = Path(str(found["schemas"])).parent
    assert installed.parent.name == "extractor" and str(tmp_path / "venv") in str(installed)
    assert Path(str(found["prompts"])).parent == installed.parent  # extractor/prompts
    assert found["top_level_schemas"] is False  # no generic top-level name is claimed
    run = subprocess.run(
        [str(tmp_path / "venv" / "bin" / "extractor"), "run", str(SEEDS), "-o", "out/events.jsonl"]
        + ["-q"],
        cwd=elsewhere,
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stderr
    records = (elsewhere / "out" / "events.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(records) > 20 and json.loads(records[0])["event_type"]


@pytest.mark.timeout(300)
def test_an_editable_install_maps_the_checkouts_folders_live(checkout: Path, tmp_path: Path):
    pytest.importorskip("editables")
    python = _fresh_venv(tmp_path / "venv")
    _pip(python, "install", "--no-deps", "--no-build-isolation", "-e", str(checkout))
    elsewhere = tmp_path / "work"
    elsewhere.mkdir()
    found = _probe(python, elsewhere)
    assert found["schemas"] == str(checkout / "schemas" / "__init__.py")  # edits are live
    assert found["prompts"] == str(checkout / "prompts")
    assert found["top_level_schemas"] is False  # the checkout's root is not on sys.path
