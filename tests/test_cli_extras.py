"""The rest of the command line: exports, schema, cache, JSON logs, link and report."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from extractor.cli import app
from tests.conftest import SEEDS
from tests.llm import local_network

runner = CliRunner()


@pytest.fixture(scope="module")
def events(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("ev") / "events.jsonl"
    assert runner.invoke(app, ["run", str(SEEDS), "-o", str(out), "-q"]).exit_code == 0
    return out


def test_csv_export_keeps_arabic_and_one_row_per_event(tmp_path: Path, events: Path):
    out = tmp_path / "events.csv"
    result = runner.invoke(app, ["run", str(SEEDS), "-o", str(out), "--format", "csv", "-q"])
    assert result.exit_code == 0, result.output
    frame = pd.read_csv(out, encoding="utf-8-sig")
    n_events = len(events.read_text(encoding="utf-8").splitlines())
    assert len(frame) == n_events
    house = frame[frame["amount"] == 61e9].iloc[0]
    assert house["currency"] == "USD" and "مجلس النواب" in house["quote"]
    assert (tmp_path / "events.csv.journal.jsonl").exists()  # the crash-safe journal beside it


def test_parquet_export_keeps_lists(tmp_path: Path):
    out = tmp_path / "events.parquet"
    assert (
        runner.invoke(
            app, ["run", str(SEEDS), "-o", str(out), "--format", "parquet", "-q"]
        ).exit_code
        == 0
    )
    frame = pd.read_parquet(out)
    row = frame[frame["amount"] == 61e9].iloc[0]
    assert list(row["actor_codes"]) == ["USA"] and list(row["target_codes"]) == ["UKR"]


def test_unknown_format_is_refused(tmp_path: Path):
    result = runner.invoke(app, ["run", str(SEEDS), "-o", str(tmp_path / "x"), "--format", "xlsx"])
    assert result.exit_code == 2 and "unknown --format" in result.output


def test_schema_command():
    record = json.loads(runner.invoke(app, ["schema"]).output)
    assert {"event_id", "evidence", "actors", "money"} <= set(record["properties"])
    draft = json.loads(runner.invoke(app, ["schema", "--draft"]).output)
    assert "events" in draft["properties"]


def test_cache_stats_and_clear(tmp_path: Path):
    from extractor.backends.cache import AnswerCache

    cache = AnswerCache(tmp_path / "c")
    cache.set("k", {"drafts": {"events": []}})
    cache.close()
    stats = json.loads(
        runner.invoke(app, ["cache", "stats", "--cache-dir", str(tmp_path / "c")]).output
    )
    assert stats["entries"] == 1
    cleared = runner.invoke(app, ["cache", "clear", "--cache-dir", str(tmp_path / "c")])
    assert "removed 1" in cleared.output
    stats = json.loads(
        runner.invoke(app, ["cache", "stats", "--cache-dir", str(tmp_path / "c")]).output
    )
    assert stats["entries"] == 0


def test_log_json_writes_one_line_per_document(tmp_path: Path):
    result = runner.invoke(app, ["run", str(SEEDS), "-o", str(tmp_path / "e.jsonl"), "--log-json"])
    assert result.exit_code == 0
    lines = [json.loads(x) for x in result.output.splitlines() if x.startswith("{")]
    documents = [x for x in lines if x["event"] == "document"]
    assert sorted(x["doc_id"] for x in documents) == sorted(p.stem for p in SEEDS.glob("*.txt"))
    assert lines[-1]["event"] == "summary" and lines[-1]["documents"] == 5


def test_link_command(tmp_path: Path, events: Path):
    out = tmp_path / "linked.jsonl"
    result = runner.invoke(
        app, ["link", str(events), "-o", str(out), "--summary-json", str(tmp_path / "s.json")]
    )
    assert result.exit_code == 0, result.output
    linked = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    assert len(linked) == len(events.read_text(encoding="utf-8").splitlines())
    assert all(r["cluster_id"] for r in linked)
    summary = json.loads((tmp_path / "s.json").read_text(encoding="utf-8"))
    usd = next(t for t in summary["money_totals"] if t["donor"] == "USA" and t["currency"] == "USD")
    assert usd["amount"] >= 61e9


def test_report_command(tmp_path: Path, events: Path):
    out = tmp_path / "r.html"
    result = runner.invoke(app, ["report", str(events), "--docs", str(SEEDS), "-o", str(out)])
    assert result.exit_code == 0 and out.exists()
    assert 'dir="rtl"' in out.read_text(encoding="utf-8")


@local_network
def test_unresolvable_host_is_one_clear_line(tmp_path: Path):
    result = runner.invoke(
        app,
        [
            "run",
            str(SEEDS / "004_1d2b2980ef37757c.txt"),
            "--backend",
            "openai",
            "--model",
            "m",
            "--base-url",
            "http://no-such-host.invalid/v1",
            "-o",
            str(tmp_path / "o.jsonl"),
            "--no-cache",
        ],
    )
    assert result.exit_code == 2
    assert "cannot resolve" in result.output or "connection refused" in result.output
    assert "Traceback" not in result.output


def test_a_zero_flag_is_a_value_not_a_missing_flag(tmp_path: Path):
    # 0 == False in Python: "--chunk-overlap 0" once fell back to the default 400 unnoticed
    # (one filter serves every flag, so this checks "--temperature 0" and the others too)
    cassette = tmp_path / "c.yaml"
    result = runner.invoke(
        app,
        [
            "run",
            str(SEEDS),
            "-o",
            str(tmp_path / "e.jsonl"),
            "-q",
            "--chunk-overlap",
            "0",
            "--replay",
            str(cassette),
            "--record",
        ],
    )
    assert result.exit_code == 0, result.output
    saved = json.loads((tmp_path / "c.settings.json").read_text(encoding="utf-8"))
    assert saved["chunk_overlap"] == 0
