"""Value resolvers: what a backend names is kept only when the text states it — in the quote's
sentence, or (for what a quote refers to) a sentence or two away — and always with the text's
own words and offsets."""

from __future__ import annotations

from collections import Counter
from datetime import date

import pytest

from extractor.arabic.analysis import TextAnalysis
from extractor.arabic.gazetteer import Gazetteer
from extractor.core.record_builder import BuildStats, DocumentView, ground
from extractor.core.segment import Segment
from extractor.core.values import (
    Scope,
    parse_latin_money,
    resolve_actor,
    resolve_date,
    resolve_items,
    resolve_money,
)

TEXT = (
    "وصل الأمين العام لحلف الناتو ينس ستولتنبرغ إلى العاصمة الأوكرانية يوم الخميس. "
    "والتقى الرئيس زيلينسكي في زيارة لم يعلن عنها مسبقا. "
    "وأعلنت ألمانيا تقديم حزمة مساعدات بقيمة 500 مليون يورو لأوكرانيا. "
    "وتشمل الحزمة صواريخ باتريوت. "
    "وفي سياق آخر، قال مسؤول إن بلاده قد تمنح ثلاثة مليارات دولار في العام المقبل. "
    "وكانت الولايات المتحدة قد أرسلت طائرات إف-16 في الربيع الماضي."
)


@pytest.fixture
def doc(gazetteer: Gazetteer) -> DocumentView:
    from extractor.arabic.sentences import sentences

    segment = Segment(0, "main", 0, len(TEXT), 0)
    return DocumentView(
        "d",
        TEXT,
        TextAnalysis(TEXT, gazetteer),
        date(2023, 9, 28),
        (segment,),
        tuple(sentences(TEXT)),
    )


def scope_of(doc: DocumentView, quote: str) -> Scope:
    grounded = ground(quote, doc, doc.segments[0], BuildStats())
    assert grounded is not None
    return grounded.scope


def test_the_visitor_named_in_the_previous_sentence(doc: DocumentView):
    scope = scope_of(doc, "والتقى الرئيس زيلينسكي في زيارة لم يعلن عنها مسبقا.")
    actor = resolve_actor("ستولتنبرغ", scope)
    assert actor is not None and actor.code == "NATO" and actor.alignment == "context"
    assert TEXT[actor.start : actor.end] == "ستولتنبرغ"
    date_value = resolve_date("يوم الخميس", scope)
    assert date_value is not None and date_value.value == "2023-09-28"
    assert date_value.alignment == "context"


def test_a_package_detailed_in_the_next_sentence(doc: DocumentView):
    scope = scope_of(doc, "وأعلنت ألمانيا تقديم حزمة مساعدات بقيمة 500 مليون يورو لأوكرانيا.")
    (item,) = resolve_items(["صواريخ باتريوت"], scope)
    assert item.name == "Patriot" and item.alignment == "context"
    (money,) = resolve_money(["500 مليون يورو"], scope)
    assert money.alignment == "sentence" and money.amount == 5e8


def test_nothing_from_far_away_text(doc: DocumentView):
    dropped = Counter[str]()
    scope = scope_of(doc, "وأعلنت ألمانيا تقديم حزمة مساعدات بقيمة 500 مليون يورو لأوكرانيا.")
    scope = Scope.of(
        scope.analysis,
        scope.start,
        scope.end,
        scope.published,
        dropped,
        context=(scope.context.start, scope.context.end) if scope.context else None,
        near=(scope.near.start, scope.near.end) if scope.near else None,
    )
    # the three billion dollars are two sentences away: another story, not this package's money
    assert resolve_money(["ثلاثة مليارات دولار"], scope) == []
    assert resolve_items(["طائرات إف-16"], scope) == []  # three sentences away
    assert dropped == Counter({"money": 1, "items": 1})


def test_a_backend_may_name_a_value_differently_from_the_text(doc: DocumentView):
    scope = scope_of(doc, "وأعلنت ألمانيا تقديم حزمة مساعدات بقيمة 500 مليون يورو لأوكرانيا.")
    germany = resolve_actor("Germany", scope)  # English name
    assert germany is not None and germany.code == "DEU" and germany.surface == "ألمانيا"
    ukraine = resolve_actor("الأوكرانيا", scope)  # an article the text does not write
    assert ukraine is not None and ukraine.code == "UKR"
    (money,) = resolve_money(["€500 million"], scope)
    assert money.surface == "500 مليون يورو" and money.currency == "EUR"
    visit = scope_of(doc, "والتقى الرئيس زيلينسكي في زيارة لم يعلن عنها مسبقا.")
    iso = resolve_date("2023-09-28", visit)
    assert iso is not None and iso.surface == "يوم الخميس" and iso.value == "2023-09-28"
    assert resolve_date("2023-09-27", visit) is None  # a day the text does not state


def test_an_invented_value_is_dropped(doc: DocumentView):
    scope = scope_of(doc, "وأعلنت ألمانيا تقديم حزمة مساعدات بقيمة 500 مليون يورو لأوكرانيا.")
    assert resolve_actor("الصين", scope) is None
    assert resolve_money(["70 مليار دولار"], scope) == []
    assert scope.dropped["actors"] == 1 and scope.dropped["money"] == 1


@pytest.mark.parametrize(
    ("surface", "expected"),
    [
        ("$61 billion", (61e9, "USD")),
        ("61bn USD", (61e9, "USD")),
        ("€2.4 billion", (2.4e9, "EUR")),
        ("600 million pounds", (6e8, "GBP")),
        ("1,500,000 dollars", (1.5e6, "USD")),
        ("61 billion", None),  # no currency: no amount of money
        ("مليار دولار", None),
    ],
)
def test_latin_money(surface: str, expected):
    assert parse_latin_money(surface) == expected
