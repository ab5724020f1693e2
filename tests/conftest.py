"""Shared fixtures. Tests run offline: no network, no key, no model (cassettes replay)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from extractor.arabic.gazetteer import Gazetteer, load_gazetteer
from extractor.backends.rules import RuleBackend
from extractor.core.pipeline import DocumentResult, Pipeline
from extractor.events.task import events_task
from extractor.run.documents import Document

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
CASSETTES = ROOT / "cassettes"


@pytest.fixture(scope="session")
def gazetteer() -> Gazetteer:
    return load_gazetteer()


@pytest.fixture(scope="session")
def seed_texts() -> dict[str, str]:
    return {p.stem: p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt"))}


@pytest.fixture(scope="session")
def rule_pipeline(gazetteer: Gazetteer) -> Pipeline:
    return Pipeline(events_task(), RuleBackend(gazetteer), gazetteer)


def run_doc(
    pipeline: Pipeline, text: str, doc_id: str = "doc", published_at=None
) -> DocumentResult:
    return asyncio.run(pipeline.process(Document(doc_id, text, published_at)))


@pytest.fixture(scope="session")
def seed_results(rule_pipeline: Pipeline, seed_texts: dict[str, str]) -> dict[str, DocumentResult]:
    return {stem: run_doc(rule_pipeline, text, stem) for stem, text in seed_texts.items()}


# ---- cassettes (pytest-recording / vcrpy) ----------------------------------------------------
# One cassette per test under cassettes/<test module>/. No record_mode here: it would override
# --record-mode on the command line (CI passes --record-mode=none --block-network).


@pytest.fixture(scope="module")
def vcr_cassette_dir(request: pytest.FixtureRequest) -> str:
    return str(CASSETTES / request.module.__name__.rsplit(".", 1)[-1])


@pytest.fixture
def vcr_config() -> dict:
    from extractor.backends.replay import FILTER_REQUEST_HEADERS, MATCH_ON, scrub_response

    return {
        "match_on": list(MATCH_ON),
        "filter_headers": list(FILTER_REQUEST_HEADERS),
        "before_record_response": scrub_response,
        "decode_compressed_response": True,
    }


@pytest.fixture(autouse=True)
def _isolated_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Settings come from the test, never from the developer's shell (EXTRACTOR_*, OPENAI_*)."""
    import os

    for name in list(os.environ):
        if name.startswith(("EXTRACTOR_", "OPENAI_")):
            monkeypatch.delenv(name, raising=False)
