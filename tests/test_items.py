"""Unit tests for extractor.arabic.items.find_items with the shipped gazetteer."""

from __future__ import annotations

import pytest

from extractor.arabic.gazetteer import Gazetteer, load_gazetteer
from extractor.arabic.items import find_items


@pytest.fixture(scope="module")
def gaz() -> Gazetteer:
    return load_gazetteer()


def items(text: str, gaz: Gazetteer) -> list[tuple[str, str, str, int | None]]:
    out = []
    for m in find_items(text, gaz):
        assert text[m.start : m.end] == m.surface
        out.append((m.surface, m.name, m.category, m.quantity))
    return out


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "الحكومة البريطانية تعلن تسليم أكثر من 85 ألف طائرة مُسيرة لأوكرانيا",
            [("85 ألف طائرة مُسيرة", "Drones", "drone", 85000)],
        ),
        (
            "سلمت أكثر من 85 ألف طائرة عسكرية مُسيرة إلى أوكرانيا",
            [("85 ألف طائرة عسكرية مُسيرة", "Drones", "drone", 85000)],
        ),
        (
            "تسليم ۸۵ ألف طائرة مسيرة",
            [("۸۵ ألف طائرة مسيرة", "Drones", "drone", 85000)],
        ),
        (
            "زودت الولايات المتحدة أوكرانيا بـ26 من أنظمة الصواريخ",
            [("26 من أنظمة الصواريخ", "Rocket systems", "rocket_system", 26)],
        ),
        (
            "10 آلاف قذيفة مدفعية",
            [("10 آلاف قذيفة مدفعية", "Artillery shells", "ammunition", 10000)],
        ),
        (
            "ثلاث منظومات باتريوت",
            [("ثلاث منظومات باتريوت", "Patriot", "air_defense", 3)],
        ),
        (
            "وعدت ألمانيا بإرسال خمس منظومات باتريوت",
            [("خمس منظومات باتريوت", "Patriot", "air_defense", 5)],
        ),
        # a dual counting noun carries the quantity
        ("منظومتي باتريوت", [("منظومتي باتريوت", "Patriot", "air_defense", 2)]),
        ("تسلمت كييف بطاريتين باتريوت", [("بطاريتين باتريوت", "Patriot", "air_defense", 2)]),
        # a class word before a named system is one item, not two
        ("تسليم 31 دبابة أبرامز", [("31 دبابة أبرامز", "Abrams", "armor", 31)]),
    ],
)
def test_quantities(
    text: str, expected: list[tuple[str, str, str, int | None]], gaz: Gazetteer
) -> None:
    assert items(text, gaz) == expected


@pytest.mark.parametrize(
    ("text", "name", "category"),
    [
        ("صواريخ باتريوت", "Patriot", "air_defense"),
        ("منظومة باتريوت", "Patriot", "air_defense"),
        ("نظام باتريوت", "Patriot", "air_defense"),
        ("Patriot", "Patriot", "air_defense"),
        ("صواريخ أتاكمز", "ATACMS", "missile"),
        ("صواريخ أتاكامز", "ATACMS", "missile"),
        ("صواريخ أميركية بعيدة المدى من طراز “اتاكمز”", "ATACMS", "missile"),
        ("ATACMS", "ATACMS", "missile"),
        ("راجمات هيمارس", "HIMARS", "rocket_system"),
        ("أنظمة هيمارس", "HIMARS", "rocket_system"),
        ("هايمارس", "HIMARS", "rocket_system"),
        ("HIMARS", "HIMARS", "rocket_system"),
        ("طائرات إف-16", "F-16", "aircraft"),
        ("مقاتلات F-16", "F-16", "aircraft"),
        ("طائرات إف 16", "F-16", "aircraft"),
        ("F16", "F-16", "aircraft"),
        ("دبابات ليوبارد 2", "Leopard 2", "armor"),
    ],
)
def test_spellings(text: str, name: str, category: str, gaz: Gazetteer) -> None:
    found = items(text, gaz)
    assert [(n, c) for _, n, c, _ in found] == [(name, category)]
    assert found[0][3] is None


@pytest.mark.parametrize(
    "text",
    [
        "سلمت خلال 6 أشهر طائرة مسيرة",
        "خلال ستة أشهر طائرات مسيرة",
        "بقيمة 61 مليار دولار صواريخ باتريوت",
        "في عام 2024 طائرات مسيرة",
        "آلاف الطائرات المسيرة",
        "عشرات الدبابات",
    ],
)
def test_no_quantity_from_durations_money_years_or_vague_words(text: str, gaz: Gazetteer) -> None:
    found = items(text, gaz)
    assert len(found) == 1
    assert found[0][3] is None


def test_duration_then_quantity(gaz: Gazetteer) -> None:
    assert items("سلمت خلال 6 أشهر 85 ألف طائرة مسيرة", gaz) == [
        ("85 ألف طائرة مسيرة", "Drones", "drone", 85000)
    ]


def test_several_items_with_their_own_quantities(gaz: Gazetteer) -> None:
    text = "تشمل الحزمة 3 منظومات باتريوت و12 راجمة هيمارس و500 طائرة مسيرة"
    assert [(n, q) for _, n, _, q in items(text, gaz)] == [
        ("Patriot", 3),
        ("HIMARS", 12),
        ("Drones", 500),
    ]


def test_no_weapons_no_items(gaz: Gazetteer) -> None:
    assert items("وافق مجلس النواب على حزمة بقيمة 61 مليار دولار", gaz) == []
    assert items("18 دولة مجاورة", gaz) == []
    assert items("", gaz) == []


@pytest.mark.parametrize(
    ("text", "name"),
    [
        # GUIDELINES §5: systems outside the canonical list are reported as their class
        ("صواريخ «تاوروس» الألمانية", "Long-range missiles"),
        ("عربات «سترايكر»", "Armoured vehicles"),
        ("مدافع «سيزار» الفرنسية", "Artillery"),
        ("دبابات «تشالنجر 2»", "Tanks"),
        ("مقاتلات «غريبن» السويدية", "Fighter jets"),
        ("صواريخ NLAW", "Anti-tank weapons"),
        ("منظومة «سامب/تي»", "Air defence systems"),
        ("قذائف عيار 155 مم", "Artillery shells"),
        ("صواريخ سكالب", "Storm Shadow"),
    ],
)
def test_systems_reported_as_their_canonical_class(text: str, name: str, gaz: Gazetteer) -> None:
    assert [n for _, n, _, _ in items(text, gaz)] == [name]


def test_english_names_of_reported_systems_still_resolve(gaz: Gazetteer) -> None:
    found = gaz.lookup("Bradley")
    assert found is not None and found.entry.name == "Armoured vehicles"


def test_ammunition_for_a_launcher_is_ammunition(gaz: Gazetteer) -> None:
    # the launcher after "ل" (and what is coordinated with it) names what the rounds are for
    text = "وتضم الشحنة ذخائر لراجمات «إم 270» والمدفعية، ورادارات متطورة"
    assert [n for _, n, _, _ in items(text, gaz)] == ["Ammunition", "Radars"]
    # a launcher given on its own is an item
    assert [n for _, n, _, _ in items("وتسلمت كييف راجمات «هيمارس» جديدة", gaz)] == ["HIMARS"]


def test_a_tank_beside_vehicles_keeps_both_classes(gaz: Gazetteer) -> None:
    found = items("دبابات «ليوبارد 2» ومركبات «ماردر»", gaz)
    assert [(n, c) for _, n, c, _ in found] == [
        ("Leopard 2", "armor"),
        ("Armoured vehicles", "armoured_vehicle"),
    ]


def test_class_word_then_system_of_that_type_is_one_item(gaz: Gazetteer) -> None:
    assert items("تسليم 40 دبابة من طراز أبرامز", gaz) == [
        ("40 دبابة من طراز أبرامز", "Abrams", "armor", 40)
    ]


def test_a_calibre_is_no_count_of_the_next_item(gaz: Gazetteer) -> None:
    found = items("قذائف عيار 155 ملم ومركبات «برادلي»", gaz)
    assert [(n, q) for _, n, _, q in found] == [
        ("Artillery shells", None),
        ("Armoured vehicles", None),
    ]
