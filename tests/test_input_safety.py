"""What must never happen to a user's files and values, whatever they pass."""

from __future__ import annotations

import json
import shutil
from datetime import date, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from extractor import Extractor
from extractor.arabic.textnorm import normalize
from extractor.cli import app
from extractor.core.grounding import in_context
from extractor.errors import ConfigError
from extractor.records.frames import record_row
from extractor.run.documents import Document, load_documents, parse_published
from extractor.run.output import done_ids
from tests.conftest import SEEDS

runner = CliRunner()


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]


def test_output_that_is_an_input_is_refused_and_the_input_kept(tmp_path: Path):
    docs = tmp_path / "docs.jsonl"
    docs.write_text(
        json.dumps(
            {"id": "a", "text": (SEEDS / "004_1d2b2980ef37757c.txt").read_text(encoding="utf-8")},
            ensure_ascii=False,
        )
        + "\n",
        encoding="utf-8",
    )
    before = docs.read_bytes()
    result = runner.invoke(app, ["run", str(docs), "-o", str(docs)])
    assert result.exit_code == 2 and "inside an input folder" in result.output
    assert docs.read_bytes() == before
    folder = tmp_path / "in"
    shutil.copytree(SEEDS, folder)
    result = runner.invoke(app, ["run", str(folder), "-o", str(folder / "events.jsonl")])
    assert result.exit_code == 2 and not (folder / "events.jsonl").exists()


def test_bad_published_at_does_not_touch_the_previous_output(tmp_path: Path):
    out = tmp_path / "events.jsonl"
    assert runner.invoke(app, ["run", str(SEEDS), "-o", str(out), "-q"]).exit_code == 0
    before = out.read_bytes()
    result = runner.invoke(app, ["run", str(SEEDS), "-o", str(out), "--published-at", "2024-13-01"])
    assert result.exit_code == 2 and "published" in result.output
    assert out.read_bytes() == before


def test_csv_output_named_jsonl_keeps_a_separate_journal_and_resumes(tmp_path: Path):
    out = tmp_path / "x.jsonl"
    assert (
        runner.invoke(app, ["run", str(SEEDS), "-o", str(out), "--format", "csv", "-q"]).exit_code
        == 0
    )
    assert out.read_text(encoding="utf-8-sig").startswith("event_id,")
    again = runner.invoke(
        app, ["run", str(SEEDS), "-o", str(out), "--format", "csv", "--resume", "-q"]
    )
    assert again.exit_code == 0, again.output


def test_a_lone_surrogate_fails_one_document_not_the_run(tmp_path: Path):
    docs = tmp_path / "docs.jsonl"
    text = (SEEDS / "004_1d2b2980ef37757c.txt").read_text(encoding="utf-8")
    docs.write_text(
        '{"id": "bad\\ud800", "text": "x"}\n{"id": "t", "text": "abc \\ud800 def"}\n'
        + json.dumps({"id": "good", "text": text}, ensure_ascii=False)
        + "\n",
        encoding="utf-8",
    )
    out = tmp_path / "out.jsonl"
    for workers in ("1", "2"):
        result = runner.invoke(
            app, ["run", str(docs), "-o", str(out), "--workers", workers, "--overwrite", "-q"]
        )
        assert result.exit_code == 1, result.output
        assert {r["doc_id"] for r in read_jsonl(out)} == {"good"}
        failed = {f["doc_id"]: f for f in read_jsonl(tmp_path / "out.failures.jsonl")}
        assert set(failed) == {"t"} and failed["t"]["error"] == "decode"
        # an id that cannot be written as is gets escaped; that document is done (no event)
        assert done_ids(out) == {"good", "bad\\ud800"}


def test_duplicate_id_stays_failed_across_resume(tmp_path: Path):
    for sub in ("d1", "d2"):
        (tmp_path / sub).mkdir()
        shutil.copy(SEEDS / "004_1d2b2980ef37757c.txt", tmp_path / sub / "a.txt")
    out = tmp_path / "out.jsonl"
    inputs = [str(tmp_path / "d1"), str(tmp_path / "d2")]
    assert runner.invoke(app, ["run", *inputs, "-o", str(out), "-q"]).exit_code == 1
    again = runner.invoke(app, ["run", *inputs, "-o", str(out), "--resume", "-q"])
    assert again.exit_code == 1
    (failure,) = read_jsonl(tmp_path / "out.failures.jsonl")
    assert failure["error"] == "duplicate_id" and failure["doc_id"].startswith("a@")


def test_published_at_datetime_keeps_the_day():
    assert parse_published(datetime(2024, 4, 22, 10, 30)) == date(2024, 4, 22)
    result = Extractor(backend="rules").extract(
        "أعلنت ألمانيا أمس تقديم مساعدات عسكرية لأوكرانيا بقيمة 500 مليون يورو.",
        published_at=datetime(2024, 4, 22, 10, 30),
    )
    assert result.events[0].date.value == "2024-04-21"


def test_non_string_url_is_ignored(tmp_path: Path):
    docs = tmp_path / "d.jsonl"
    docs.write_text(
        json.dumps({"id": "u", "text": "نص عربي قصير عن المساعدات", "url": {"x": 1}}) + "\n",
        encoding="utf-8",
    )
    (doc,) = load_documents([docs])
    assert isinstance(doc, Document) and doc.url is None


def test_unknown_api_setting_is_an_error():
    with pytest.raises(ConfigError, match="base_uri"):
        Extractor(backend="openai", model="m", base_uri="http://127.0.0.1:1/v1")


@pytest.mark.parametrize(
    "value, context, found",
    [
        ("روما", "أعلنت رومانيا تقديم مساعدات", False),
        ("5 مارس", "في 15 مارس 2022", False),
        ("3 يوما", "لمدة 13 يوما", False),
        ("أوكرانيا", "تسليم صواريخ لأوكرانيا", True),
        ("الناتو", "الأمين العام للناتو", True),
        ("لأوكرانيا", "تسليم أوكرانيا صواريخ", True),
        ("كييف", "مساعدات لكييف", True),
    ],
)
def test_values_must_be_whole_words_of_the_text(value, context, found):
    assert in_context(value, normalize(context)) is found


def test_date_is_read_from_the_text_not_from_the_drafts_shortening():
    from extractor.core.backend import BackendAnswer
    from extractor.schemas import DraftEvent

    text = "وقعت أوكرانيا وفرنسا اتفاقية أمنية في 15 مارس 2022 في باريس، وسيلتقي الرئيسان يوم الخميس المقبل."

    class Backend:
        name = "scripted"

        async def draft(self, request):
            return BackendAnswer(
                [
                    DraftEvent(
                        event_type="agreement",
                        quote=text.split("،")[0],
                        actors=["أوكرانيا"],
                        targets=["فرنسا"],
                        date="15 مارس",
                        status="signed",
                    ),
                    DraftEvent(
                        event_type="diplomatic_contact",
                        quote=text,
                        actors=["أوكرانيا"],
                        targets=["فرنسا"],
                        date="يوم الخميس",
                        mode="meeting",
                        modality="planned",
                    ),
                ]
            )

    result = Extractor(backend=Backend()).extract(text, published_at="2024-04-22")
    dates = {e.event_type: e.date.value for e in result.events}
    assert dates == {"agreement": "2022-03-15", "diplomatic_contact": "2024-04-25"}


def test_two_equal_pledges_by_different_donors_are_two_events():
    text = (
        "أعلنت ألمانيا تقديم مساعدات عسكرية لأوكرانيا بقيمة 500 مليون يورو. "
        "كما أعلنت فرنسا تقديم مساعدات عسكرية لأوكرانيا بقيمة 500 مليون يورو."
    )
    events = Extractor(backend="rules").extract(text).events
    assert sorted(e.actors[0].code for e in events) == ["DEU", "FRA"]


def test_item_quantities_stay_aligned_with_items():
    text = "أعلنت الولايات المتحدة تسليم أوكرانيا صواريخ أتاكمز وثلاث منظومات باتريوت."
    (event,) = Extractor(backend="rules").extract(text).events
    row = record_row(event)
    names, quantities = row["items"].split("; "), row["item_quantities"].split("; ")
    assert len(names) == len(quantities)
    assert dict(zip(names, quantities, strict=True)) == {"ATACMS": "", "Patriot": "3"}
