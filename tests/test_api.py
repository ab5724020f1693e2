"""The Python API, as a notebook uses it."""

from __future__ import annotations

import asyncio

import pytest

from extractor import Extractor, load_documents
from extractor.errors import DocumentError
from tests.conftest import SEEDS

HOUSE = (
    "وافق مجلس النواب الأميركي يوم السبت على حزمة مساعدات جديدة لأوكرانيا بقيمة 61 مليار دولار، "
    "بعدما تعثرت لفترة طويلة."
)


@pytest.fixture(scope="module")
def extractor() -> Extractor:
    return Extractor(backend="rules")


def test_extract_one_text(extractor: Extractor):
    result = extractor.extract(HOUSE, published_at="2024-04-22")
    (event,) = result.events
    assert event.event_type == "aid" and event.stage == "approved"
    assert event.money[0].amount == 61e9 and event.money[0].currency == "USD"
    assert event.date is not None and event.date.value == "2024-04-20"


def test_extract_raises_a_clear_error_on_empty_text(extractor: Extractor):
    with pytest.raises(DocumentError, match="empty"):
        extractor.extract("   ")


def test_extract_many_and_dataframe(extractor: Extractor):
    results = extractor.extract_many(load_documents(SEEDS))
    assert len(results) == 5 and not results.failures
    frame = results.to_dataframe()
    assert len(frame) == len(results.events) >= 12
    house = frame[frame["amount"] == 61e9].iloc[0]
    assert house["actor_codes"] == "USA" and house["target_codes"] == "UKR"
    assert house["currency"] == "USD" and house["stage"] == "approved"
    lists = results.to_dataframe(join_lists=False)
    assert isinstance(lists.loc[0, "actor_codes"], list)


def test_extract_many_accepts_texts_and_dicts_and_reports_failures(extractor: Extractor):
    results = extractor.extract_many([HOUSE, {"id": "x", "text": HOUSE}, {"id": "bad", "text": ""}])
    assert [r.doc_id for r in results] == ["doc-0", "x", "bad"]
    assert [r.ok for r in results] == [True, True, False]
    assert results[2].error == "empty"


def test_works_inside_a_running_event_loop(extractor: Extractor):
    # Jupyter runs cells inside an event loop; the sync API must not call asyncio.run on it.
    async def cell() -> int:
        return len(extractor.extract(HOUSE).events)

    assert asyncio.run(cell()) == 1


def test_async_api(extractor: Extractor):
    result = asyncio.run(extractor.aextract(HOUSE))
    assert len(result.events) == 1


class _Broken:
    """A backend whose server keeps failing (after its own retries)."""

    name = "broken"

    async def draft(self, request):
        from extractor.errors import BackendError

        raise BackendError("model server kept failing after 4 retries: server error (503)")


class _Buggy:
    name = "buggy"

    async def draft(self, request):
        raise KeyError("a bug")


def test_extract_raises_when_the_backend_fails_or_a_bug_stops_it():
    from extractor.errors import ExtractionError

    with pytest.raises(ExtractionError, match="server error \\(503\\)") as failed:
        Extractor(_Broken()).extract(HOUSE)
    assert failed.value.kind == "backend" and failed.value.doc_id == "doc"
    with pytest.raises(ExtractionError, match="internal.*KeyError") as bug:
        Extractor(_Buggy()).extract(HOUSE)
    assert bug.value.kind == "internal"


def test_extract_many_keeps_failures_and_can_raise_for_them():
    from extractor.errors import ExtractionError

    results = Extractor(_Broken()).extract_many([HOUSE, HOUSE + " "])
    assert [r.error for r in results] == ["backend", "backend"] and len(results.failures) == 2
    with pytest.raises(ExtractionError):
        results.raise_for_error()


def test_settings_object_and_overrides_combine_without_losing_the_key():
    from extractor import Settings

    ex = Extractor(settings=Settings(api_key="sk-kept", model="m"), backend="rules", seed=3)
    assert ex.settings.secret() == "sk-kept" and ex.settings.seed == 3


# ---- issue 22: the API never raises for one bad item, and says clearly what is wrong ----------


def test_the_error_tree_is_importable_from_the_package():
    import extractor
    from extractor import errors

    for name in (
        "ExtractorError",
        "ConfigError",
        "DocumentError",
        "ExtractionError",
        "BackendError",
        "ModelUnavailableError",
        "OutputError",
    ):
        assert getattr(extractor, name) is getattr(errors, name) and name in extractor.__all__


def test_a_bad_backend_name_is_a_config_error():
    from extractor import ConfigError

    with pytest.raises(ConfigError, match="backend='nope'") as caught:
        Extractor("nope")
    assert "\n" not in str(caught.value)


def test_extract_many_never_raises_for_one_bad_item(extractor: Extractor):
    results = extractor.extract_many([HOUSE, None, {"id": "x"}, 42])
    assert len(results) == 4
    assert results[0].ok and results[0].events
    kinds = {r.doc_id: r.error for r in results.failures}
    assert kinds == {"doc-1": "unsupported_type", "x": "missing_text", "doc-3": "unsupported_type"}


def test_extract_many_refuses_a_plain_string(extractor: Extractor):
    with pytest.raises(TypeError, match=r"extract\(text\)"):
        extractor.extract_many(HOUSE)


def test_an_id_of_zero_stays_zero(extractor: Extractor, tmp_path):
    results = extractor.extract_many([{"id": 0, "text": HOUSE}])
    assert results[0].doc_id == "0"
    (tmp_path / "battery.jsonl").write_text(
        '{"id": 0, "text": "نص عربي قصير."}\n{"id": "", "text": "نص عربي قصير."}\n',
        encoding="utf-8",
    )
    ids = [d.id for d in load_documents(tmp_path / "battery.jsonl")]
    assert ids == ["0", "battery:2"]
