"""The user-task example replays a real model's answers offline (cassettes/examples/)."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from extractor.cli import app
from tests.conftest import CASSETTES, ROOT

runner = CliRunner()


def test_sanctions_example_replays_offline(tmp_path: Path):
    out = tmp_path / "sanctions.jsonl"
    result = runner.invoke(
        app,
        [
            "run",
            str(ROOT / "examples" / "sanctions.docs.jsonl"),
            "--task",
            str(ROOT / "examples" / "sanctions.py"),
            "--backend",
            "openai",
            "--replay",
            str(CASSETTES / "examples" / "sanctions.yaml"),
            "-o",
            str(out),
            "-q",
        ],
    )
    assert result.exit_code == 0, result.output
    records = {r["doc_id"]: r for r in map(json.loads, out.read_text("utf-8").splitlines())}
    texts = {
        d["id"]: d["text"]
        for d in map(
            json.loads, (ROOT / "examples" / "sanctions.docs.jsonl").read_text("utf-8").splitlines()
        )
    }
    for r in records.values():  # every quote is the article's own words at its offsets
        e = r["evidence"]
        assert texts[r["doc_id"]][e["start"] : e["end"]] == e["quote"]
        assert (
            r["task"] == "sanctions" and r["provenance"]["model"] == "qwen2.5-coder-1.5b-instruct"
        )
    uk = records["sanctions_002"]["fields"]
    assert uk["target"]["code"] == "RUS" and uk["imposed_by"]["country"] == "GBR"
    assert uk["when"]["value"] == "2025-05-20" and uk["when"]["surface"] == "اليوم الثلاثاء"
    assert uk["measure"] in texts["sanctions_002"]
