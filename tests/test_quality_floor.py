"""Quality floor of the rule backend on the development set (gold/dev.*), run in CI.

A change to the rules, the normalizers or the dedup that loses events, invents them or breaks
their values fails the build here. The floors sit a little under what the rules reach (relaxed
0.919, strict 0.728 on 28 articles, 173 events; seeds 0.849 / 0.630); raise them when the rules get better. Only the
dev and seed sets are read: test.* is measured by hand and holdout.* is never opened.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from extractor.core.pipeline import Pipeline
from extractor.schemas import EventRecord
from extractor.tools.evaluate import (
    Event,
    gold_event,
    match,
    predicted_event,
    score,
    similarity,
)
from tests.conftest import ROOT, run_doc

GOLD = ROOT / "gold"
FLOORS = {  # set: (relaxed F1, strict F1)
    "dev": (0.90, 0.71),
    "seeds": (0.82, 0.60),
}


def _read(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def _run(
    pipeline: Pipeline, name: str, with_dates: bool = True
) -> tuple[dict[str, str], dict[str, list[EventRecord]]]:
    texts: dict[str, str] = {}
    records: dict[str, list[EventRecord]] = {}
    for doc in _read(GOLD / f"{name}.docs.jsonl"):
        published = doc.get("published_at") if with_dates else None
        result = run_doc(
            pipeline, doc["text"], doc["id"], date.fromisoformat(published) if published else None
        )
        assert result.ok, f"{doc['id']}: {result.message}"
        texts[doc["id"]] = doc["text"]
        records[doc["id"]] = list(result.events)
    return texts, records


def _scored(
    pipeline: Pipeline, name: str
) -> tuple[dict[str, Any], dict[str, list[Event]], dict[str, list[Event]]]:
    texts, records = _run(pipeline, name)
    gold = {
        g["doc_id"]: [gold_event(e) for e in g["events"]] for g in _read(GOLD / f"{name}.jsonl")
    }
    pred = {
        doc_id: [predicted_event(r.model_dump(mode="json"), texts[doc_id]) for r in rs]
        for doc_id, rs in records.items()
    }
    return score(gold, pred), gold, pred


@pytest.fixture(scope="module")
def dev_scored(rule_pipeline):
    return _scored(rule_pipeline, "dev")


@pytest.mark.parametrize("name", sorted(FLOORS))
def test_f1_floor(rule_pipeline, dev_scored, name: str) -> None:
    report = dev_scored[0] if name == "dev" else _scored(rule_pipeline, name)[0]
    relaxed, strict = report["events"]["relaxed"]["f1"], report["events"]["strict"]["f1"]
    floor_relaxed, floor_strict = FLOORS[name]
    assert relaxed >= floor_relaxed, f"{name}: relaxed F1 {relaxed} fell under {floor_relaxed}"
    assert strict >= floor_strict, f"{name}: strict F1 {strict} fell under {floor_strict}"
    assert report["grounding"]["verbatim_rate"] == 1.0  # every quote is the article's own words


def test_no_duplicate_records_on_dev(dev_scored) -> None:
    """No prediction repeats a gold event that another prediction already matched."""
    _, gold, pred = dev_scored
    repeats = []
    for doc_id, events in gold.items():
        predicted = pred.get(doc_id, [])
        matched = {p for _, p, _ in match(events, predicted)}
        for i, p in enumerate(predicted):
            if i not in matched and any(similarity(g, p) >= 0.5 for g in events):
                repeats.append((doc_id, p.event_type, p.quote[:80]))
    assert not repeats, repeats


def test_events_found_do_not_depend_on_the_publication_date(rule_pipeline) -> None:
    """Only the dates' values may change without a publication date, never which events."""
    _, with_dates = _run(rule_pipeline, "dev")
    _, without = _run(rule_pipeline, "dev", with_dates=False)
    for doc_id, records in with_dates.items():
        spans = {(r.event_type, r.evidence.start, r.evidence.end) for r in records}
        assert spans == {
            (r.event_type, r.evidence.start, r.evidence.end) for r in without[doc_id]
        }, doc_id
