"""The gazetteer: Arabic name variants, clitics, adjectives, capitals and user extensions."""

from __future__ import annotations

from pathlib import Path

import pytest

from extractor.arabic.gazetteer import adjective_forms, clitic_variants, load_gazetteer
from extractor.errors import ConfigError


def names(gazetteer, text: str) -> list[tuple[str, str, str | None]]:
    return [
        (m.surface, m.entry.name, m.entry.code or m.entry.country) for m in gazetteer.find(text)
    ]


@pytest.mark.parametrize(
    "text, name",
    [
        ("ترمب", "Donald Trump"),
        ("ترامب", "Donald Trump"),
        ("الرئيس الأمريكي دونالد ترمب", "Donald Trump"),
        ("بلينكن", "Antony Blinken"),
        ("بلينكين", "Antony Blinken"),
        ("البنتاغون", "Pentagon"),
        ("البنتاجون", "Pentagon"),
        ("زيلينسكي", "Volodymyr Zelensky"),
        ("زيلنسكي", "Volodymyr Zelensky"),
        ("ستولتنبرغ", "Jens Stoltenberg"),
        (
            "الأمین العام",
            None,
        ),  # Persian yeh inside an Arabic word is normalized, and matches nothing wrong
    ],
)
def test_name_variants(gazetteer, text, name):
    found = names(gazetteer, text)
    if name is None:
        assert all(n != "Donald Trump" for _, n, _ in found)
    else:
        assert [n for _, n, _ in found][-1] == name


def test_clitics_are_stripped_from_the_surface(gazetteer):
    found = names(gazetteer, "تسليم صواريخ لأوكرانيا وبريطانيا وللناتو")
    assert ("أوكرانيا", "Ukraine", "UKR") in found
    assert ("بريطانيا", "United Kingdom", "GBR") in found
    assert ("للناتو", "NATO", "NATO") in found  # "لل" + noun keeps its written form
    clitic = {m.surface: m.clitic for m in gazetteer.find("تسليم صواريخ لأوكرانيا وبريطانيا")}
    assert clitic == {"أوكرانيا": "ل", "بريطانيا": "و"}


def test_adjectives_and_capitals_name_their_state(gazetteer):
    found = {
        m.surface: (m.via, m.as_country().code if m.as_country() else None)
        for m in gazetteer.find("قال الجانب الأميركي إن واشنطن وكييف والمسؤولين الأوكرانيين")
    }
    assert found["الأميركي"] == ("adjective", "USA")
    assert found["الأوكرانيين"] == ("adjective", "UKR")
    assert found["واشنطن"][1] == "USA" and found["كييف"][1] == "UKR"


def test_longest_alias_wins(gazetteer):
    found = names(gazetteer, "وافق مجلس النواب الأميركي على الحزمة")
    assert found == [("مجلس النواب الأميركي", "US House of Representatives", "USA")]
    # an institution named with its adjective is the institution, not the bare state
    assert names(gazetteer, "والقوات الأوكرانية")[0][1] == "Armed Forces of Ukraine"


def test_common_words_are_not_names(gazetteer):
    # "كيف" (how), "مانيا" inside ألمانيا, "ماني" — no false states
    assert names(gazetteer, "كيف ستتعامل الحكومة مع الأزمة؟") == []
    assert [n for _, n, _ in names(gazetteer, "زار ألمانيا")] == ["Germany"]


def test_weapons_with_arabic_and_latin_spellings(gazetteer):
    found = [
        n for _, n, _ in names(gazetteer, "منظومة باتريوت وصواريخ هيمارس وطائرات إف-16 وATACMS")
    ]
    assert found == ["Patriot", "HIMARS", "F-16", "ATACMS"]


def test_helpers():
    assert ("اوكرانيا", "ل", 1) in clitic_variants("لاوكرانيا")
    assert ("الناتو", "ول", 1) in clitic_variants("وللناتو")
    forms = adjective_forms("أمريكي")
    assert {"امريكي", "الامريكيه", "الامريكيين", "الامريكيون"} <= set(forms)


def test_users_extend_the_gazetteer(tmp_path: Path):
    extra = tmp_path / "mine.yaml"
    extra.write_text(
        "people:\n  - name: Kaja Example\n    country: EST\n    role: test\n    aliases: [كايا إكزامبل]\n"
        "places:\n  - name: Testograd\n    country: UKR\n    type: city\n    aliases: [تستوغراد]\n",
        encoding="utf-8",
    )
    gaz = load_gazetteer([extra])
    assert names(gaz, "التقى كايا إكزامبل في تستوغراد") == [
        ("كايا إكزامبل", "Kaja Example", "EST"),
        ("تستوغراد", "Testograd", "UKR"),
    ]
    assert names(load_gazetteer(), "كايا إكزامبل") == []  # the shipped one is untouched


def test_bad_user_file_is_a_clear_error(tmp_path: Path):
    bad = tmp_path / "stuff.yaml"
    bad.write_text("- name: x\n  aliases: [y]\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="named after its kind"):
        load_gazetteer([bad])
    bad2 = tmp_path / "more.yaml"
    bad2.write_text("cities: []\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="unknown section"):
        load_gazetteer([bad2])


def test_reported_as_needs_a_known_class(tmp_path: Path) -> None:
    extra = tmp_path / "weapons.yaml"
    extra.write_text("- name: Foo\n  reported_as: Nothing\n  aliases: [فوو]\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="reported as"):
        load_gazetteer([extra])


def test_a_user_system_reported_as_a_shipped_class(tmp_path: Path) -> None:
    extra = tmp_path / "weapons.yaml"
    extra.write_text(
        "- name: Leopard 1A5\n  reported_as: Tanks\n  aliases: [ليوبارد 1 إيه 5]\n",
        encoding="utf-8",
    )
    # the shipped data knows «ليوبارد 1»; only the user's entry covers the whole name
    found = [
        (m.surface, m.entry.name) for m in load_gazetteer([extra]).find("وصلت ليوبارد 1 إيه 5")
    ]
    assert found == [("ليوبارد 1 إيه 5", "Tanks")]


def _kingdoms(gazetteer, text: str) -> list[tuple[str, str | None, str]]:
    from extractor.arabic.analysis import TextAnalysis

    return [
        (m.surface, m.entry.code, m.via)
        for m in TextAnalysis(text, gazetteer).mentions
        if m.via == "context"
    ]


def test_the_kingdom_is_the_one_the_page_is_about(gazetteer):
    saudi = "وصل وزير الخارجية السعودي إلى كييف. وأكد دعم المملكة لأوكرانيا، وقدمت للمملكة الشكر."
    assert _kingdoms(gazetteer, saudi) == [
        ("المملكة", "SAU", "context"),
        ("للمملكة", "SAU", "context"),
    ]
    british = "وقال رئيس الوزراء البريطاني إن المملكة ستواصل دعم كييف، وإن بريطانيا لن تتراجع."
    assert _kingdoms(gazetteer, british) == [("المملكة", "GBR", "context")]


def test_the_kingdom_names_nobody_without_one_or_between_two(gazetteer):
    assert _kingdoms(gazetteer, "وأكدت المملكة دعمها للحل السياسي.") == []
    two = "وقال الوزير السعودي ونظيره البريطاني إن المملكة تدعم الحوار."
    assert _kingdoms(gazetteer, two) == []
    # a full name is a name of its own, never a second mention
    assert _kingdoms(gazetteer, "وزارت المملكة المتحدة والسعودية كييف.") == []


def test_an_edited_gazetteer_file_is_read_again_in_the_same_process(tmp_path: Path):
    """A notebook user edits their file and calls again: the cache is keyed by the file's state,
    not its path."""
    import os

    extra = tmp_path / "mine.yaml"
    extra.write_text(
        "people:\n  - name: Kaja Example\n    country: EST\n    aliases: [كايا إكزامبل]\n",
        encoding="utf-8",
    )
    first = load_gazetteer([extra])
    assert load_gazetteer([extra]) is first  # unchanged: served from the cache
    assert names(first, "التقت كايا إكزامبل بنظيرها") == [("كايا إكزامبل", "Kaja Example", "EST")]
    extra.write_text(
        "people:\n  - name: Kaja Example\n    country: FIN\n    aliases: [كايا إكزامبل]\n",
        encoding="utf-8",
    )
    stat = extra.stat()  # a coarse clock could leave the time unchanged: move it on
    os.utime(extra, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    assert names(load_gazetteer([extra]), "التقت كايا إكزامبل بنظيرها") == [
        ("كايا إكزامبل", "Kaja Example", "FIN")
    ]


def test_an_edited_events_template_is_read_again(tmp_path: Path):
    import os
    import shutil

    from extractor.core.prompting import default_prompts_dir
    from extractor.events.task import events_task

    folder = tmp_path / "prompts"
    shutil.copytree(default_prompts_dir(), folder)
    before = events_task(folder)
    assert events_task(folder) is before
    template = folder / "events.system.j2"
    template.write_text("Edited. " + template.read_text(encoding="utf-8"), encoding="utf-8")
    stat = template.stat()
    os.utime(template, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    after = events_task(folder)
    assert after.messages("نص")[0]["content"].startswith("Edited.")
    assert after.prompt_hash != before.prompt_hash
