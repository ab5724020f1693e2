"""The scorer on small hand-computed cases (every expected number worked out by hand)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from extractor.cli import app
from extractor.tools.evaluate import (
    dates_equal,
    gold_event,
    match,
    money_equal,
    predicted_event,
    score,
    similarity,
)

Q_AID = "وافق مجلس النواب الأميركي يوم السبت على حزمة مساعدات جديدة لأوكرانيا بقيمة 61 مليار دولار"
Q_CALL = "بعد مكالمة هاتفية مع نظيره الأميركي جو بايدن"
Q_ATTACK = "إصابة 21 شخصا في قصف صاروخي شنته روسيا على العاصمة الأوكرانية كييف"


def gold(**kw):
    base = {
        "event_type": "aid",
        "quote": Q_AID,
        "actors": ["USA"],
        "targets": ["UKR"],
        "date": {"value": "2024-04-20", "precision": "day"},
        "money": [{"amount": 61e9, "currency": "USD", "qualifier": "exact"}],
        "items": [],
        "stage": "approved",
        "category": "military",
        "modality": "asserted",
    }
    base.update(kw)
    return base


def pred(**kw):
    base = {
        "event_type": "aid",
        "evidence": {"quote": Q_AID, "start": 0, "end": len(Q_AID)},
        "actors": [{"code": "USA"}],
        "targets": [{"code": "UKR"}],
        "date": {"value": "2024-04-20", "precision": "day"},
        "money": [{"amount": 61e9, "currency": "USD", "qualifier": "exact", "cumulative": False}],
        "items": [],
        "stage": "approved",
        "category": "military",
        "modality": "asserted",
    }
    base.update(kw)
    return base


def test_money_within_one_percent_and_same_currency():
    assert money_equal((61e9, "USD", "exact"), (61.6e9, "USD", "exact"))  # 0.98 % off
    assert not money_equal((61e9, "USD", "exact"), (61.7e9, "USD", "exact"))  # 1.13 % off
    assert not money_equal((61e9, "USD", "exact"), (61e9, "EUR", "exact"))


def test_dates_compare_at_gold_precision():
    assert dates_equal(("2024-04", "month"), ("2024-04-20", "day"))
    assert not dates_equal(("2024-04-20", "day"), ("2024-04", "month"))
    assert dates_equal(("2024", "year"), ("2024-04-20", "day"))
    assert dates_equal(("2024-03", "month"), ("2024-W12", "week"))  # Thursday 21 March 2024
    assert dates_equal(None, None) and not dates_equal(None, ("2024", "year"))


def test_identical_event_is_a_perfect_match():
    report = score({"d": [gold_event(gold())]}, {"d": [predicted_event(pred(), None)]})
    assert report["events"]["relaxed"] == {
        "p": 1.0,
        "r": 1.0,
        "f1": 1.0,
        "tp": 1,
        "n_pred": 1,
        "n_gold": 1,
    }
    assert report["events"]["strict"]["tp"] == 1
    assert report["fields"]["money"] == {"accuracy": 1.0, "n": 1}
    assert report["fields"]["stage"] == {"accuracy": 1.0, "n": 1}


def test_wrong_type_never_matches():
    report = score(
        {"d": [gold_event(gold())]},
        {"d": [predicted_event(pred(event_type="agreement", stage=None), None)]},
    )
    assert report["events"]["relaxed"]["tp"] == 0
    assert report["per_type"]["aid"] == {
        "p": 0.0,
        "r": 0.0,
        "f1": 0.0,
        "tp": 0,
        "n_pred": 0,
        "n_gold": 1,
    }
    assert report["per_type"]["agreement"] == {
        "p": 0.0,
        "r": 0.0,
        "f1": 0.0,
        "tp": 0,
        "n_pred": 1,
        "n_gold": 0,
    }


def test_money_outside_one_percent_is_relaxed_match_but_not_strict():
    p = pred(money=[{"amount": 62e9, "currency": "USD", "qualifier": "exact"}])
    g, e = gold_event(gold()), predicted_event(p, None)
    # quote 1.0*0.55 + parties 1.0*0.15 + money 0*0.15 + date 1.0*0.15 = 0.85
    assert similarity(g, e) == pytest.approx(0.85)
    report = score({"d": [g]}, {"d": [e]})
    assert report["events"]["relaxed"]["tp"] == 1 and report["events"]["strict"]["tp"] == 0
    assert report["fields"]["money"] == {"accuracy": 0.0, "n": 1}


def test_duplicates_count_once_one_to_one():
    # two predictions of the same gold event: one matches, the other is a false positive
    report = score(
        {"d": [gold_event(gold())]},
        {"d": [predicted_event(pred(), None), predicted_event(pred(), None)]},
    )
    relaxed = report["events"]["relaxed"]
    assert (relaxed["tp"], relaxed["n_pred"], relaxed["n_gold"]) == (1, 2, 1)
    assert (
        relaxed["p"] == 0.5
        and relaxed["r"] == 1.0
        and relaxed["f1"] == pytest.approx(0.6667, abs=1e-4)
    )


def test_hungarian_prefers_the_globally_best_assignment():
    g = [
        gold_event(gold()),
        gold_event(gold(quote=Q_AID + " إضافية", money=[{"amount": 1e9, "currency": "USD"}])),
    ]
    p = [
        predicted_event(pred(money=[{"amount": 1e9, "currency": "USD"}]), None),
        predicted_event(pred(), None),
    ]
    pairs = sorted((gi, pi) for gi, pi, _ in match(g, p))
    assert pairs == [(0, 1), (1, 0)]


def gold_attack():
    """The Kyiv strike of seed 003 as gold: Russia → Ukraine, missile, 21 injured."""
    return gold_event(
        gold(
            event_type="attack",
            quote=Q_ATTACK,
            actors=["RUS"],
            targets=["UKR"],
            money=[],
            date=None,
            stage=None,
            category=None,
            mode="missile",
            injured=21,
            killed=None,
        )
    )


def test_unrelated_quote_below_threshold_stays_unmatched():
    g = gold_attack()
    e = predicted_event(
        pred(
            event_type="attack",
            evidence={"quote": Q_CALL, "start": 0, "end": 1},
            actors=[{"code": "GBR"}],
            targets=[{"code": "FRA"}],
            money=[],
            date={"value": "2023-01-01", "precision": "day"},
            stage=None,
        ),
        None,
    )
    # no word of the quotes in common: never a pair, whatever the other fields say
    assert similarity(g, e) == 0.0
    assert match([g], [e]) == []


def test_empty_fields_alone_do_not_make_a_match():
    # Same type, no parties, money or date on either side (0.45 of the score for free) and one
    # common word out of eight: below the quote floor, so unmatched.
    g = gold_event(
        gold(
            quote="أعلنت ألمانيا تقديم حزمة مساعدات جديدة لأوكرانيا اليوم",
            actors=[],
            targets=[],
            money=[],
            date=None,
        )
    )
    e = predicted_event(
        pred(
            evidence={
                "quote": "طلبت أوكرانيا من اليابان قرضا جديدا لتمويل الموازنة",
                "start": 0,
                "end": 1,
            },
            actors=[],
            targets=[],
            money=[],
            date=None,
        ),
        None,
    )
    assert similarity(g, e) == 0.0
    assert match([g], [e]) == []


def test_casualties_and_per_field_scores():
    g = gold_attack()
    e = predicted_event(
        pred(
            event_type="attack",
            evidence={"quote": Q_ATTACK, "start": 0, "end": 1},
            actors=[{"code": "RUS"}],
            targets=[],
            money=[],
            date=None,
            stage=None,
            category=None,
            mode="missile",
            injured=21,
            killed=0,
        ),
        None,
    )
    report = score({"d": [g]}, {"d": [e]})
    f = report["fields"]
    assert f["injured"] == {"accuracy": 1.0, "n": 1}
    assert f["killed"] == {"accuracy": 0.0, "n": 1}  # 0 is not "not reported"
    assert f["targets"] == {"f1": 0.0, "n": 1}
    assert f["actors"] == {"f1": 1.0, "n": 1}
    assert report["events"]["strict"]["tp"] == 0  # targets differ


def test_documents_missing_from_predictions_cost_recall():
    report = score(
        {"a": [gold_event(gold())], "b": [gold_event(gold())]},
        {"a": [predicted_event(pred(), None)]},
    )
    assert report["events"]["relaxed"]["r"] == 0.5 and report["events"]["relaxed"]["p"] == 1.0


def test_eval_command_writes_json(tmp_path: Path):
    g, p = tmp_path / "gold.jsonl", tmp_path / "pred.jsonl"
    g.write_text(
        json.dumps({"doc_id": "d", "published_at": None, "events": [gold()]}, ensure_ascii=False)
        + "\n",
        encoding="utf-8",
    )
    p.write_text(json.dumps({"doc_id": "d", **pred()}, ensure_ascii=False) + "\n", encoding="utf-8")
    out = tmp_path / "report.json"
    result = CliRunner().invoke(
        app, ["eval", "--gold", str(g), "--pred", str(p), "--json", str(out)]
    )
    assert result.exit_code == 0, result.output
    report = json.loads(out.read_text(encoding="utf-8"))
    assert report["events"]["relaxed"]["f1"] == 1.0 and report["events"]["strict"]["f1"] == 1.0
    assert set(report) >= {"events", "per_type", "fields"}
    assert "relaxed" in result.output
