"""The gold sets replayed through the recorded Qwen2.5-Coder-1.5B answers (cassettes/dev.yaml,
cassettes/test.yaml): every request the pipeline sends is in the recording (a change to the
prompt, schema, chunking or halving shows here first, as "not in the replay cassette"), and the
scores the README reports for the model path still hold."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from extractor.cli import app
from extractor.tools.evaluate import load_gold, load_predictions, score
from tests.conftest import CASSETTES, ROOT

runner = CliRunner()
# (set, backend) → relaxed F1 reported in the README, and the documents that fail on the openai
# path (dev_014: the model repeats itself until max_tokens even on a quarter of its text). The
# openai path depends on the recording and grounding only: its score is pinned; the hybrid's also
# moves with the rules: it may rise, not fall by more than 0.02.
EXPECTED = {
    ("dev", "openai"): (0.486, {"dev_014"}),
    ("dev", "hybrid"): (0.952, set()),
    ("test", "openai"): (0.360, set()),
    ("test", "hybrid"): (0.800, set()),
}


@pytest.mark.parametrize(("name", "backend"), list(EXPECTED))
def test_gold_set_replays_whole_and_scores_as_reported(tmp_path: Path, name: str, backend: str):
    f1, failing = EXPECTED[(name, backend)]
    out = tmp_path / "out.jsonl"
    result = runner.invoke(
        app,
        ["run", str(ROOT / "gold" / f"{name}.docs.jsonl"), "--backend", backend, "--replay"]
        + [str(CASSETTES / f"{name}.yaml"), "--no-cache", "-o", str(out), "-q"],
    )
    failures = tmp_path / "out.failures.jsonl"
    lines = failures.read_text(encoding="utf-8").splitlines() if failures.exists() else []
    failed = [json.loads(x) for x in lines]
    assert {f["doc_id"] for f in failed} == failing, failed
    assert all("replay cassette" not in f["message"] for f in failed)
    assert result.exit_code == (1 if failing else 0)
    report = score(load_gold(ROOT / "gold" / f"{name}.jsonl"), load_predictions(out))
    got = report["events"]["relaxed"]["f1"]
    if backend == "openai":
        assert got == pytest.approx(f1, abs=0.006), report["events"]
    else:
        assert got >= f1 - 0.02, report["events"]
