"""User-defined tasks: a pydantic draft typed with extractor.fields plus a prompt gets the same
grounding, normalization, cache and CLI as the events task."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel
from typer.testing import CliRunner

from bench.fault_server import FaultServer
from extractor import Example, Extractor, Task, load_task
from extractor.cli import app
from extractor.core.records import field_specs
from extractor.errors import ConfigError
from extractor.fields import Actor, Count, Date, Item, Money, Place, Quote
from tests.conftest import ROOT, SEEDS
from tests.llm import local_network

runner = CliRunner()
HOUSE_VOTES = ROOT / "examples" / "house_votes.py"
SEED_000 = SEEDS / "000_66b858eadaf518ae.txt"
VOTE = (
    "وفي السياق نفسه، وافق مجلس النواب الأميركي يوم السبت على حزمة مساعدات جديدة لأوكرانيا بقيمة "
    "61 مليار دولار، بعدما تعثرت لفترة طويلة بسبب التوترات السياسية الداخلية في واشنطن."
)


def votes_answer(segment: str) -> dict[str, Any]:
    """A model that reads the House vote right, invents one record and one note."""
    if VOTE not in segment:
        return {"items": []}
    return {
        "items": [
            {
                "quote": VOTE,
                "donor": "مجلس النواب الأميركي",
                "amount": "61 مليار دولار",
                "when": "يوم السبت",
                "note": "passed 311 to 112",  # true in the world, not written in the article
            },
            {
                "quote": "وافق مجلس الشيوخ على حزمة بقيمة 95 مليار دولار",  # not in the article
                "donor": "مجلس الشيوخ",
                "amount": "95 مليار دولار",
            },
        ]
    }


def run_cli(*args: str) -> Any:
    result = runner.invoke(app, ["run", *args])
    return result


# ---- the example, end to end through the CLI ------------------------------------------


@local_network
def test_house_votes_task_from_the_cli(tmp_path: Path):
    out = tmp_path / "votes.jsonl"
    summary = tmp_path / "s.json"
    with FaultServer(answer=votes_answer) as server:
        result = run_cli(
            str(SEED_000),
            "--task",
            str(HOUSE_VOTES),
            "--backend",
            "openai",
            "--base-url",
            server.base_url,
            "--model",
            "mock-model",
            "--published-at",
            "2024-04-22",
            "--no-cache",
            "--summary-json",
            str(summary),
            "-o",
            str(out),
            "-q",
        )
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(records) == 1  # the invented quote is refused
    r = records[0]
    assert r["task"] == "house_votes" and set(r) >= {
        "record_id",
        "doc_id",
        "segment_id",
        "evidence",
        "fields",
        "provenance",
    }
    text = SEED_000.read_text(encoding="utf-8")
    assert text[r["evidence"]["start"] : r["evidence"]["end"]] == r["evidence"]["quote"] == VOTE
    fields = r["fields"]
    assert fields["amount"]["amount"] == 61e9 and fields["amount"]["currency"] == "USD"
    assert fields["donor"]["country"] == "USA" and fields["donor"]["kind"] == "org"
    assert fields["when"] == {
        "surface": "يوم السبت",
        "value": "2024-04-20",
        "precision": "day",
        "start": text.index("يوم السبت"),
        "end": text.index("يوم السبت") + len("يوم السبت"),
        "alignment": "sentence",
    }
    assert fields["note"] is None  # not written in the quote's sentence: dropped …
    stats = json.loads(summary.read_text(encoding="utf-8"))["grounding"]
    assert stats["dropped_values"].get("note") == 1  # … and counted
    assert stats["rejected"].get("quote_not_in_text") == 1


@local_network
def test_task_records_are_reviewable_and_tabular(tmp_path: Path):
    out = tmp_path / "votes.jsonl"
    with FaultServer(answer=votes_answer) as server:
        result = run_cli(
            str(SEED_000),
            "--task",
            f"{HOUSE_VOTES}:TASK",
            "--backend",
            "openai",
            "--base-url",
            server.base_url,
            "--model",
            "m",
            "--no-cache",
            "-o",
            str(out),
            "-q",
        )
    assert result.exit_code == 0, result.output
    page = tmp_path / "r.html"
    report = runner.invoke(app, ["report", str(out), "--docs", str(SEED_000), "-o", str(page)])
    assert report.exit_code == 0, report.output
    html = page.read_text(encoding="utf-8")
    assert "house_votes" in html and "61,000,000,000 USD" in html and "US House" in html
    from extractor.run.output import read_records
    from extractor.tools.frames import records_to_dataframe

    frame = records_to_dataframe(read_records(out))
    assert list(frame["amount"]) == ["61000000000 USD"] and list(frame["donor"]) == [
        "US House of Representatives"
    ]


def test_rules_backend_refuses_a_user_task():
    with pytest.raises(ConfigError, match="only knows the events task"):
        Extractor(backend="rules", task=str(HOUSE_VOTES))


# ---- Task and typed fields ----------------------------------------------------------------------


class Strike(BaseModel):
    quote: Quote
    attacker: Actor | None = None
    place: Place | None = None
    dead: Count | None = None
    weapons: list[Item] = []
    cost: list[Money] = []
    day: Date | None = None
    kind: str | None = None


def test_field_types_are_read_from_annotations():
    kinds = {s.name: (s.kind, s.many, s.text) for s in field_specs(Strike)}
    assert kinds == {
        "quote": ("quote", False, False),
        "attacker": ("actor", False, False),
        "place": ("place", False, False),
        "dead": ("count", False, False),
        "weapons": ("item", True, False),
        "cost": ("money", True, False),
        "day": ("date", False, False),
        "kind": (None, False, True),
    }


def test_a_task_needs_exactly_one_quote_and_a_plain_name():
    class NoQuote(BaseModel):
        donor: Actor

    class TwoQuotes(BaseModel):
        a: Quote
        b: Quote

    with pytest.raises(ConfigError, match="exactly one Quote"):
        Task(name="x", draft=NoQuote, prompt="p")
    with pytest.raises(ConfigError, match="exactly one Quote"):
        Task(name="x", draft=TwoQuotes, prompt="p")
    with pytest.raises(ConfigError, match="task name"):
        Task(name="House Votes", draft=Strike, prompt="p")


def test_prompt_lists_fields_and_examples_and_its_hash_keys_the_cache():
    plain = Task(name="strikes", draft=Strike, prompt="List every strike.")
    system = plain.messages("نص")[0]["content"]
    assert system.startswith("List every strike.") and "- dead: a number of people" in system
    shown = Task(
        name="strikes",
        draft=Strike,
        prompt="List every strike.",
        examples=[Example("قصفت روسيا مدينة خاركيف.", [{"quote": "قصفت روسيا مدينة خاركيف."}])],
    )
    assert "قصفت روسيا مدينة خاركيف" in shown.messages("نص")[0]["content"]
    assert shown.prompt_hash != plain.prompt_hash and shown.schema_hash == plain.schema_hash
    with pytest.raises(ValueError):  # an example that does not fit the draft is refused
        Task(name="strikes", draft=Strike, prompt="p", examples=[Example("t", [{"dead": 1}])])


def test_load_task_from_a_file(tmp_path: Path):
    assert load_task(HOUSE_VOTES).name == "house_votes"
    assert load_task(f"{HOUSE_VOTES}:TASK").name == "house_votes"
    with pytest.raises(ConfigError, match="no Task named OTHER"):
        load_task(f"{HOUSE_VOTES}:OTHER")
    with pytest.raises(ConfigError, match="no such file"):
        load_task(tmp_path / "missing.py")
    broken = tmp_path / "broken.py"
    broken.write_text("raise RuntimeError('boom')\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="failed to load: RuntimeError: boom"):
        load_task(broken)
