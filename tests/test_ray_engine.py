"""The Ray Data engine on a local Ray (2 CPUs, one session for the module)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import ray  # the dev extra installs it: a missing Ray fails here, it never skips
from typer.testing import CliRunner

from bench.fault_server import FaultServer
from extractor.cli import app
from extractor.run.ray_engine import extract_dataset, records_of
from extractor.settings import Settings
from tests.conftest import ROOT, SEEDS
from tests.llm import local_network

runner = CliRunner()
DEV = ROOT / "gold" / "dev.docs.jsonl"
PUBLISHED = "2024-04-22"


@pytest.fixture(scope="module", autouse=True)
def local_ray():
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield
    ray.shutdown()


def read_jsonl(path: Path) -> list[dict]:
    if not path.exists():
        return []
    return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]


def run(out: Path, *args: str, inputs=(SEEDS, DEV)):
    result = runner.invoke(
        app,
        ["run", *map(str, inputs), "-o", str(out), "--published-at", PUBLISHED, "-q", *args],
    )
    return result


@pytest.fixture(scope="module")
def inputs(tmp_path_factory) -> tuple[Path, ...]:
    """Seeds + dev, and a folder with a bad file: failures must come out as rows."""
    bad = tmp_path_factory.mktemp("bad")
    (bad / "empty.txt").write_text("   \n", encoding="utf-8")
    (bad / "binary.txt").write_bytes(b"\x00\x01\x02" * 50)
    return (SEEDS, DEV, bad)


@pytest.fixture
def local_run(tmp_path_factory, inputs) -> Path:
    """The local engine's output, from a fresh process like Ray's actors (so both run the code
    on disk now, whatever earlier tests did to this process)."""
    out = tmp_path_factory.mktemp("local") / "events.jsonl"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "extractor.cli",
            "run",
            *map(str, inputs),
            "-o",
            str(out),
            "--published-at",
            PUBLISHED,
            "-q",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={k: v for k, v in os.environ.items() if not k.startswith(("EXTRACTOR_", "OPENAI_"))},
    )
    assert done.returncode == 1, done.stderr  # the two bad files fail
    return out


def test_ray_engine_gives_the_local_engines_records_and_failures(tmp_path: Path, inputs, local_run):
    out = tmp_path / "events.jsonl"
    summary = tmp_path / "summary.json"
    result = run(
        out, "--engine", "ray", "--workers", "2", "--summary-json", str(summary), inputs=inputs
    )
    assert result.exit_code == 1, result.output
    local = local_run.read_text("utf-8").splitlines()
    assert len(local) > 50
    assert sorted(out.read_text("utf-8").splitlines()) == sorted(local)  # same ids, same bytes
    ray_ids = sorted(r["event_id"] for r in read_jsonl(out))
    assert ray_ids == sorted(r["event_id"] for r in read_jsonl(local_run))
    failures = read_jsonl(tmp_path / "events.failures.jsonl")
    local_failures = read_jsonl(local_run.with_name("events.failures.jsonl"))
    assert sorted(map(json.dumps, failures)) == sorted(map(json.dumps, local_failures))
    assert {f["error"] for f in failures} == {"empty", "binary"}
    counts = json.loads(summary.read_text("utf-8"))
    assert counts["documents"] == 5 + len(read_jsonl(DEV)) + 2 and counts["failed"] == 2


def test_ray_engine_resumes(tmp_path: Path, local_run, inputs):
    out = tmp_path / "events.jsonl"
    first = run(out, "--engine", "ray", inputs=(SEEDS,))
    assert first.exit_code == 0, first.output
    summary = tmp_path / "summary.json"
    second = run(out, "--engine", "ray", "--resume", "--summary-json", str(summary), inputs=inputs)
    assert second.exit_code == 1
    assert json.loads(summary.read_text("utf-8"))["skipped"] == 5
    assert sorted(out.read_text("utf-8").splitlines()) == sorted(
        local_run.read_text("utf-8").splitlines()
    )


def test_extract_dataset_returns_a_row_per_document_and_never_drops_a_failure(local_run):
    docs = [json.loads(x) for x in DEV.read_text("utf-8").splitlines() if x.strip()][:4]
    docs = [{**d, "published_at": d.get("published_at") or PUBLISHED} for d in docs]
    bad = [
        {"id": "no-text", "text": None, "published_at": PUBLISHED},
        {"id": "blank", "text": "   ", "published_at": PUBLISHED},
        {"id": "bad-date", "text": docs[0]["text"], "published_at": "yesterday"},
    ]
    ds = ray.data.from_items(docs + bad)
    rows = {
        r["doc_id"]: r for r in extract_dataset(ds, Settings(backend="rules"), actors=2).take_all()
    }
    assert set(rows) == {d["id"] for d in docs} | {b["id"] for b in bad}
    assert {k: rows[k]["error"] for k in ("no-text", "blank", "bad-date")} == {
        "no-text": "missing_text",
        "blank": "empty",
        "bad-date": "invalid_date",
    }
    assert all(not rows[k]["ok"] and rows[k]["message"] for k in ("no-text", "blank", "bad-date"))
    local = {r["event_id"]: r for r in read_jsonl(local_run)}
    for doc in docs:
        row = rows[doc["id"]]
        assert row["ok"], row["message"]
        records = records_of(row)
        assert [r.event_id for r in records] == [
            r["event_id"] for r in read_jsonl(local_run) if r["doc_id"] == doc["id"]
        ]
        assert all(r.event_id in local for r in records)


@local_network
def test_ray_actors_share_the_cache_and_a_local_rerun_makes_no_request(tmp_path: Path, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-ray")
    with FaultServer() as server:
        flags = [
            "--backend",
            "openai",
            "--model",
            "mock-model",
            "--base-url",
            server.base_url,
            "--cache-dir",
            str(tmp_path / "cache"),
            "--max-retries",
            "0",
        ]
        result = run(
            tmp_path / "ray.jsonl", "--engine", "ray", "--workers", "2", *flags, inputs=(SEEDS,)
        )
        assert result.exit_code == 0, result.output
        asked = server.counts["requests"]
        rerun = run(tmp_path / "local.jsonl", *flags, inputs=(SEEDS,))
        assert rerun.exit_code == 0
        assert server.counts["requests"] == asked > 0  # every answer came from the actors' cache
    ray_lines = (tmp_path / "ray.jsonl").read_text("utf-8").splitlines()
    assert ray_lines
    strip = lambda lines: sorted(  # noqa: E731 - provenance says whether the cache answered
        json.dumps({**json.loads(x), "provenance": None}, ensure_ascii=False) for x in lines
    )
    assert strip(ray_lines) == strip((tmp_path / "local.jsonl").read_text("utf-8").splitlines())


def test_actors_get_the_real_api_key_and_absolute_paths():
    from extractor.run.ray_engine import portable_settings

    @ray.remote
    def seen(settings: Settings) -> tuple[str | None, bool]:
        return settings.secret(), settings.cache_dir.is_absolute()

    settings = portable_settings(Settings(api_key="sk-test-real-key", cache_dir=Path("rel-cache")))
    assert ray.get(seen.remote(settings)) == ("sk-test-real-key", True)  # never "**********"


@pytest.mark.timeout(280)
def test_the_readme_snippet_with_a_ray_reader_finishes_on_two_cores(tmp_path: Path):
    """`read_json` asks a CPU per read task; a fixed pool of two actors on two CPUs held both
    and the job waited forever (issue 22). The pool grows from one actor instead."""
    lines = [x for x in DEV.read_text("utf-8").splitlines() if x.strip()][:4]
    (tmp_path / "articles.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    ds = ray.data.read_json(str(tmp_path / "articles.jsonl"))
    out = extract_dataset(ds, Settings(backend="rules"), actors=2)
    rows = out.take_all()
    assert sorted(r["doc_id"] for r in rows) == sorted(json.loads(x)["id"] for x in lines)
    assert all(r["ok"] for r in rows) and sum(len(records_of(r)) for r in rows) > 0
