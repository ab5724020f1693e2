"""Table-driven tests of the rule backend: tests/rules_cases.yaml, one case per sentence.

The table is data a linguist extends (its header says how); this module only runs it. A failure
prints what the rules found, so that a new case shows at once which value is missing or wrong.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml

from extractor.schemas import EventRecord
from tests.conftest import run_doc

CASES_FILE = Path(__file__).with_name("rules_cases.yaml")
CASES: list[dict[str, Any]] = yaml.safe_load(CASES_FILE.read_text(encoding="utf-8"))
KEYS = {"name", "text", "published", "events", "exactly", "absent"}
EVENT_KEYS = {
    "type",
    "subtype",
    "stage",
    "category",
    "mode",
    "modality",
    "status",
    "actors",
    "targets",
    "killed",
    "injured",
    "date",
    "money",
    "items",
    "quote_starts",
}


def _codes(actors: list[Any]) -> set[str]:
    return {a.code or a.name for a in actors}


def _found(e: EventRecord) -> dict[str, Any]:
    return {
        "type": e.event_type,
        "subtype": e.subtype,
        "stage": e.stage,
        "category": e.category,
        "mode": e.mode,
        "modality": e.modality,
        "status": e.status,
        "actors": _codes(e.actors),
        "targets": _codes(e.targets),
        "killed": e.killed,
        "injured": e.injured,
        "date": e.date.value if e.date else None,
        "money": {
            (m.amount, m.currency)
            for m in e.money
            if not m.cumulative and m.qualifier != "equivalent"
        },
        "items": {i.name for i in e.items},
        "quote": e.evidence.quote,
    }


def _matches(expected: dict[str, Any], found: dict[str, Any]) -> bool:
    for key, want in expected.items():
        if key == "type":
            ok = found["type"] == want
        elif key in ("actors", "targets", "items"):
            ok = found[key] == set(want)
        elif key == "money":
            ok = found["money"] == {(float(a), c) for a, c in want}
        elif key == "date":
            ok = found["date"] == (None if want is None else str(want))
        elif key == "quote_starts":
            ok = found["quote"].startswith(want)
        else:
            ok = found[key] == want
        if not ok:
            return False
    return True


def test_the_table_is_well_formed() -> None:
    names = [c["name"] for c in CASES]
    assert len(names) == len(set(names)), "case names must be unique"
    for case in CASES:
        assert set(case) <= KEYS, f"{case['name']}: unknown keys {set(case) - KEYS}"
        for e in case.get("events") or []:
            assert set(e) <= EVENT_KEYS, f"{case['name']}: unknown keys {set(e) - EVENT_KEYS}"
            assert "type" in e, f"{case['name']}: every expected event needs a type"


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_case(rule_pipeline, case: dict[str, Any]) -> None:
    published = case.get("published")
    pub = date.fromisoformat(str(published)) if published else None
    result = run_doc(rule_pipeline, case["text"], "case", pub)
    assert result.ok, result.message
    found = [_found(e) for e in result.events]
    shown = "\n".join(f"  {f}" for f in found) or "  (nothing)"
    unmatched = list(found)
    for expected in case.get("events") or []:
        hit = next((f for f in unmatched if _matches(expected, f)), None)
        assert hit is not None, f"expected {expected}\nthe rules found:\n{shown}"
        unmatched.remove(hit)
    if case.get("exactly", True):
        assert not unmatched, "unexpected events:\n" + "\n".join(f"  {f}" for f in unmatched)
    for absent in case.get("absent") or []:
        assert all(f["type"] != absent for f in found), f"no {absent} expected:\n{shown}"
