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
from extractor.core.record_builder import field_specs
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


# ---- the issue's example, end to end through the CLI ------------------------------------------


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
    counts = json.loads(summary.read_text(encoding="utf-8"))
    assert counts["task"] == "house_votes"  # the summary names the task's records
    stats = counts["grounding"]
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
    from extractor.records.files import read_records
    from extractor.records.frames import records_to_dataframe

    for records in (read_records(out), read_records(out, load_task(HOUSE_VOTES).record_model)):
        frame = records_to_dataframe(records)  # read back with or without the task: same columns
        assert list(frame["amount_amount"]) == [61e9]
        assert str(frame["amount_amount"].dtype) == "Float64"
        assert list(frame["amount_currency"]) == ["USD"]
        assert list(frame["donor"]) == ["US House of Representatives"]
        assert list(frame["donor_code"]) == ["USA"]
        # the seed's sidecar (seeds/NAME.meta.json) dates it 2024-04-22: Saturday is the 20th
        assert list(frame["when_value"]) == ["2024-04-20"]


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
        "kind": ("text", False, True),
    }


def test_a_field_type_without_a_resolver_fails_at_task_creation():
    class Odd(BaseModel):
        quote: Quote
        extra: dict[str, str] | None = None

    with pytest.raises(ConfigError, match="field extra: type .* has no resolver"):
        Task(name="odd", draft=Odd, prompt="p")


def test_every_field_kind_has_a_record_type_and_a_resolver():
    """A new kind in extractor.fields without a case in value_type/resolve_field fails here
    (and mypy fails on the assert_never of the match)."""
    from extractor.core.record_builder import FieldSpec, value_type
    from extractor.fields import FIELD_KINDS

    for kind in [*FIELD_KINDS, "text", "number", "choice"]:
        assert value_type(FieldSpec("f", kind, False, int)) is not None  # type: ignore[arg-type]
    with pytest.raises(AssertionError):
        value_type(FieldSpec("f", "colour", False))  # type: ignore[arg-type]


# ---- typed records: what the issue's "done when" asks -------------------------------------------


class Scripted:
    """A backend that answers every request with the same drafts (no model, no network)."""

    name = "scripted"

    def __init__(self, task: Task, drafts: list[dict[str, Any]]) -> None:
        self.task, self.drafts = task, drafts

    async def draft(self, request: Any) -> Any:
        from extractor.core.backend import BackendAnswer

        answer = self.task.response_model.model_validate({self.task.list_key: self.drafts})
        return BackendAnswer(self.task.drafts(answer), source=self.name)


class Delivery(BaseModel):
    quote: Quote
    donor: Actor | None = None
    amount: Money | None = None
    items: list[Item] = []
    units: int | None = None
    when: Date | None = None


DELIVERY = Task(name="deliveries", draft=Delivery, prompt="List every delivery.")
TWO = (
    "أعلنت ألمانيا وهولندا يوم الاثنين أن ألمانيا سترسل 12 مدفعا بقيمة 400 مليون يورو، "
    "وأن هولندا سترسل ثلاث منظومات دفاع جوي بقيمة 250 مليون يورو."
)


def extract(task: Task, drafts: list[dict[str, Any]], text: str = TWO) -> Any:
    ex = Extractor(task=task, backend=Scripted(task, drafts))
    return ex.extract(text, published_at="2024-06-12")


def test_a_task_record_is_typed_and_its_money_column_numeric():
    result = extract(DELIVERY, [{"quote": TWO, "donor": "ألمانيا", "amount": "400 مليون يورو"}])
    (record,) = result.records
    assert isinstance(record, DELIVERY.record_model)
    assert record.fields.amount.amount == 400e6 and record.fields.amount.currency == "EUR"
    assert record.fields.donor.code == "DEU" and record.fields.when is None
    frame = result.to_dataframe()
    assert str(frame["amount_amount"].dtype) == "Float64" and frame["amount_amount"][0] == 400e6
    assert list(frame["amount_currency"]) == ["EUR"] and list(frame["donor_code"]) == ["DEU"]
    assert str(frame["units"].dtype) == "Int64"
    schema = DELIVERY.record_model.model_json_schema()
    fields = schema["$defs"]["DeliveryFields"]["properties"]
    assert fields["amount"]["anyOf"][0] == {"$ref": "#/$defs/Money"}
    assert fields["units"]["anyOf"][0] == {"type": "integer"}


def test_two_records_of_one_sentence_have_different_ids():
    result = extract(
        DELIVERY,
        [
            {"quote": TWO, "donor": "ألمانيا", "amount": "400 مليون يورو"},
            {"quote": TWO, "donor": "هولندا", "amount": "250 مليون يورو"},
        ],
    )
    ids = [r.record_id for r in result.records]
    assert len(ids) == 2 and len(set(ids)) == 2
    again = extract(DELIVERY, [{"quote": TWO, "donor": "هولندا", "amount": "250 مليون يورو"}])
    assert again.records[0].record_id == ids[1]  # the same record, the same id on every run


def test_an_actor_the_gazetteer_does_not_know_is_kept_with_its_offsets():
    text = "أعلنت شركة فالكونيا للصناعات يوم الاثنين تسليم 12 مدفعا لأوكرانيا."
    result = extract(
        DELIVERY,
        [{"quote": text, "donor": "شركة فالكونيا"}, {"quote": text, "donor": "شركة زنوبيا"}],
        text,
    )
    donors = [r.fields.donor for r in result.records]
    kept = donors[0]
    assert kept.name is None and kept.kind is None and kept.code is None
    assert kept.surface == "شركة فالكونيا" == text[kept.start : kept.end]
    assert kept.alignment == "sentence"
    assert donors[1] is None  # not written in the sentence: dropped …
    assert result.stats.dropped_values["donor_unknown"] == 1  # … and counted


def test_an_invented_number_in_a_plain_int_field_is_dropped_and_counted():
    result = extract(
        DELIVERY,
        [
            {"quote": TWO, "donor": "ألمانيا", "units": 12},  # written (digits)
            {"quote": TWO, "donor": "هولندا", "units": 3},  # written in words: «ثلاث»
            {"quote": TWO, "donor": "فرنسا", "units": 999},  # invented
        ],
    )
    units = [r.fields.units for r in result.records]
    assert units == [12, 3, None]
    assert result.stats.dropped_values["units"] == 1


def test_a_task_file_imports_its_neighbours_and_finds_its_prompt_beside_it(tmp_path: Path):
    folder = tmp_path / "mytask"
    folder.mkdir()
    (folder / "shared_fields.py").write_text(
        "from pydantic import BaseModel\nfrom extractor.fields import Actor, Quote\n\n"
        "class Pledge(BaseModel):\n    quote: Quote\n    donor: Actor | None = None\n",
        encoding="utf-8",
    )
    (folder / "pledge.system.j2").write_text("List every pledge (own template).", encoding="utf-8")
    (folder / "task.py").write_text(
        "from extractor import Task\nfrom shared_fields import Pledge\n\n"
        'TASK = Task(name="pledges", draft=Pledge, prompt="pledge.system.j2")\n',
        encoding="utf-8",
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    import os

    cwd = os.getcwd()
    os.chdir(elsewhere)
    try:
        task = load_task(folder / "task.py")
    finally:
        os.chdir(cwd)
    assert task.messages("نص")[0]["content"].startswith("List every pledge (own template).")
    assert str(folder) not in __import__("sys").path  # only while the file loads


def test_extractor_with_a_user_task_and_no_model_says_what_to_pass():
    with pytest.raises(ConfigError, match=r"Extractor\(task=\.\.\., model="):
        Extractor(task=DELIVERY)


def test_focus_needs_cue_words():
    from extractor.run.factory import make_pipeline
    from extractor.settings import Settings

    settings = Settings(focus=True)
    with pytest.raises(ConfigError, match="declares none"):
        make_pipeline(settings, Scripted(DELIVERY, []), DELIVERY)
    cued = Task(name="deliveries", draft=Delivery, prompt="p", cues=["مدفع"])
    pipeline = make_pipeline(settings, Scripted(cued, []), cued)
    assert pipeline.focus is not None and pipeline.focus("سترسل 12 مدفعا") is True
    assert pipeline.focus("قال الوزير إن الاجتماع كان مثمرا") is False


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


def test_link_and_the_summary_work_for_a_user_task(tmp_path: Path):
    from extractor.run.output import JsonlSink

    drafts = [{"quote": TWO, "donor": "ألمانيا", "amount": "400 مليون يورو", "units": 12}]
    ex = Extractor(task=DELIVERY, backend=Scripted(DELIVERY, drafts))
    results = ex.extract_many(
        [{"id": "a", "text": TWO}, {"id": "b", "text": "وقال المتحدث: " + TWO}]
    )
    other = TWO.replace("400 مليون", "300 مليون")  # another delivery, by the same donor
    drafts = [{"quote": other, "donor": "ألمانيا", "amount": "300 مليون يورو", "units": 12}]
    ex = Extractor(task=DELIVERY, backend=Scripted(DELIVERY, drafts))
    results.extend(ex.extract_many([{"id": "c", "text": other}]))
    records = tmp_path / "deliveries.jsonl"
    with JsonlSink(records) as sink:
        for result in results:
            sink.write(result)
    linked = tmp_path / "linked.jsonl"
    outcome = runner.invoke(app, ["link", str(records), "-o", str(linked)])
    assert outcome.exit_code == 0, outcome.output
    rows = [json.loads(line) for line in linked.read_text(encoding="utf-8").splitlines()]
    clusters = {r["doc_id"]: r["cluster_id"] for r in rows}
    assert clusters["a"] == clusters["b"] != clusters["c"]  # 300 million is another delivery
    assert "deliveries" in outcome.output


def test_backends_come_from_a_registry_that_other_packages_extend(tmp_path: Path, monkeypatch):
    """A package registers a backend under the entry-point group extractor.backends; the name
    then works like a built-in one (no Literal, no if-chain to edit)."""
    from extractor.backends.registry import BUILTIN, ENTRY_POINT_GROUP, backend_factories

    assert set(BUILTIN) == {"rules", "openai", "hybrid"}
    dist = tmp_path / "echo_backend-0.1.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Name: echo-backend\nVersion: 0.1\n", encoding="utf-8")
    (dist / "entry_points.txt").write_text(
        f"[{ENTRY_POINT_GROUP}]\necho = echo_backend_mod:make\n", encoding="utf-8"
    )
    (tmp_path / "echo_backend_mod.py").write_text(
        "from tests.test_tasks import Scripted, TWO\n\n"
        "def make(settings, gazetteer, task):\n"
        '    return Scripted(task, [{"quote": TWO, "donor": "ألمانيا"}])\n',
        encoding="utf-8",
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    assert "echo" in backend_factories()
    result = Extractor(backend="echo", task=DELIVERY).extract(TWO)
    assert [r.fields.donor.code for r in result.records] == ["DEU"]
    with pytest.raises(ConfigError, match="backend='nope' is not a backend: use one of echo"):
        Extractor(backend="nope")
