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
