"""The model simulator (bench/simulate.py): the oracle's answer survives the pipeline, and the
noisy model's invented values never reach a record.

The end-to-end test runs the real command line twice (oracle, noisy) against the scripted server
over the five seed articles: about 10 s.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bench.sim_drafts import RequestLog, SimModel, load_corpus
from bench.sim_report import invented_values
from bench.simulate import simulate
from extractor.arabic.gazetteer import load_gazetteer

ROOT = Path(__file__).resolve().parent.parent
GOLD = ROOT / "gold" / "seeds.jsonl"
DOCS = ROOT / "gold" / "seeds.docs.jsonl"
# Measured on the seeds: relaxed F1 0.955 (3 of 35 gold events share one quote with another gold
# event of the same type and are merged by dedup). The floor sits just under it.
ORACLE_RELAXED_FLOOR = 0.93


@pytest.fixture(scope="module")
def model() -> SimModel:
    gazetteer = load_gazetteer()
    return SimModel(load_corpus(GOLD, DOCS, gazetteer), gazetteer, seed=0)


def _request(model: SimModel, doc_id: str, needle: str) -> str:
    """The text of the main segment of ``doc_id`` holding ``needle`` (as a request carries it)."""
    doc = next(d for d in model.docs if d.doc_id == doc_id)
    seg = next(s for s in doc.segments if needle in doc.text[s.start : s.end])
    return doc.text[seg.start : seg.end]


def test_oracle_gives_surfaces_as_written(model: SimModel) -> None:
    text = _request(model, "000_66b858eadaf518ae", "61 مليار دولار")
    events = model.oracle(text)["events"]
    vote = next(e for e in events if "وافق مجلس النواب" in e["quote"])
    assert vote["money"] == ["61 مليار دولار"]
    assert vote["date"] == "يوم السبت"
    assert vote["stage"] == "approved"
    assert all(a in text for a in vote["actors"] + vote["targets"])


def test_oracle_answers_only_what_the_request_holds(model: SimModel) -> None:
    doc = next(d for d in model.docs if d.doc_id == "000_66b858eadaf518ae")
    first = doc.segments[0]
    answered = model.oracle(doc.text[first.start : first.end])["events"]
    inside = [e for e in doc.events if e["quote"] in doc.text[first.start : first.end]]
    assert 0 < len(answered) == len(inside) < len(doc.events)
    assert model.oracle("نص لا يوجد في أي وثيقة من وثائق الاختبار")["events"] == []


def test_noisy_model_is_deterministic_and_invents(model: SimModel) -> None:
    text = _request(model, "000_66b858eadaf518ae", "61 مليار دولار")
    again = SimModel(model.docs, model.gazetteer, seed=0)
    assert model.noisy(text) == again.noisy(text)
    other = SimModel(model.docs, model.gazetteer, seed=1)
    assert other.noisy(text) != model.noisy(text)
    log = RequestLog("x", 0, 0)
    oracle_quotes = {d["quote"] for d in model.oracle_drafts(model.docs[0], 0, 10**6, log)}
    noisy = model.noisy(text)["events"]
    assert any(e["quote"] not in oracle_quotes for e in noisy)


def test_invented_values_are_caught(model: SimModel) -> None:
    """The check reads the whole article, not the pipeline's grounding: a code, an amount, a
    date or an item the article never states is counted; what it states is not."""
    doc = next(d for d in model.docs if d.doc_id == "000_66b858eadaf518ae")
    quote = "وافق مجلس النواب الأميركي يوم السبت"
    start = doc.text.index(quote)
    evidence = {"quote": quote, "start": start, "end": start + len(quote)}
    real = {
        "doc_id": doc.doc_id,
        "evidence": evidence,
        "actors": [{"code": "USA", "surface": "الأميركي"}],
        "targets": [{"code": "UKR", "surface": "أوكرانيا"}],
        "money": [{"amount": 61e9, "currency": "USD", "surface": "61 مليار دولار"}],
        "date": {"surface": "يوم السبت", "value": "2024-04-20"},
    }
    invented = {
        **real,
        "actors": [{"code": "BRA", "surface": "البرازيل"}],
        "money": [{"amount": 7.3e9, "currency": "USD", "surface": "$7.3 billion"}],
        "date": {"surface": "2019-11-05", "value": "2019-11-05"},
        "items": [{"name": "Gripen", "surface": "غريبن"}],
    }
    docs = {d.doc_id: d for d in model.docs}
    assert invented_values([real], docs)["count"] == 0
    assert invented_values([invented], docs)["by_field"] == {
        "actors": 1,
        "money": 1,
        "date": 1,
        "items": 1,
    }


def _english_actor_crashes() -> bool:
    """A known defect of the committed pipeline (79f7b02): an actor surface the gazetteer does
    not read in Arabic ("Joe Biden") reaches ``extractor.core.values._by_name``, an
    ``lru_cache`` over the unhashable Gazetteer, and the whole document fails with TypeError.
    The noisy model names actors in English, so its run fails every document until it is fixed."""
    try:
        from extractor.arabic.analysis import TextAnalysis
        from extractor.core.record_builder import BuildStats, DocumentView
        from extractor.core.segment import Segment
        from extractor.events.builder import build_record
        from extractor.schemas.events import DraftEvent
        from extractor.schemas.values import Provenance
    except ImportError:  # the layout moved on: let the test itself say what holds
        return False

    text = "أجرى الرئيس الأمريكي جو بايدن اتصالا هاتفيا مع الرئيس الأوكراني فولوديمير زيلينسكي."
    view = DocumentView("probe", text, TextAnalysis(text, load_gazetteer()), None)
    draft = DraftEvent(event_type="diplomatic_contact", quote=text, actors=["Joe Biden"])
    try:
        build_record(
            draft, view, Segment(0, "main", 0, len(text), 0), Provenance(backend="x"), BuildStats()
        )
    except TypeError:
        return True
    return False


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return simulate(GOLD, DOCS, tmp_path_factory.mktemp("sim"), modes=("oracle", "noisy"))


def test_oracle_end_to_end_on_seeds(report: dict[str, Any]) -> None:
    oracle = report["oracle"]
    assert oracle["run"]["failed"] == 0, oracle.get("failures")
    assert oracle["events"]["relaxed"]["f1"] >= ORACLE_RELAXED_FLOOR
    assert oracle["grounding"]["verbatim_rate"] == 1.0
    assert oracle["invented_values_emitted"] == 0


@pytest.mark.xfail(
    _english_actor_crashes(),
    reason="values._by_name: lru_cache over an unhashable Gazetteer fails every document "
    "whose draft names an actor the gazetteer does not know in Arabic",
    strict=True,
)
def test_noisy_model_invents_nothing_that_reaches_a_record(report: dict[str, Any]) -> None:
    noisy = report["noisy"]
    # a failed document emits nothing, which would make "nothing invented" vacuous
    assert noisy["run"]["failed"] == 0, noisy.get("failures")
    # one invented event and one invented value per document were offered …
    assert noisy["invented_planted"]["count"] == 2 * 5
    # … and none reached a record
    assert noisy["invented_values_emitted"] == 0, noisy["invented_values"]
