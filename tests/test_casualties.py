"""Unit tests for extractor.arabic.casualties: killed/injured counts; None when not reported."""

from __future__ import annotations

import pytest

from extractor.arabic.casualties import find_casualties, parse_count


def counts(text: str) -> tuple[int | None, int | None]:
    c = find_casualties(text)
    return c.killed, c.injured


@pytest.mark.parametrize(
    ("text", "killed", "injured"),
    [
        # trigger + number
        ("أسفر الهجوم عن مقتل 5 أشخاص وإصابة 21 آخرين", 5, 21),
        ("قتل 12 شخصا وأصيب 30 آخرون", 12, 30),
        ("مصرع 4 أشخاص وجرح 11", 4, 11),
        ("استشهاد 4 فلسطينيين", 4, None),
        ("ما أدى إلى مقتل ٣ مدنيين", 3, None),
        ("أصيب ١٥ شخصاً بجروح", None, 15),
        ("إصابة ۷ أشخاص", None, 7),
        ("مقتل 3 وإصابة 10", 3, 10),
        ("مقتل عشرة أشخاص", 10, None),
        ("أسفر عن مقتل خمسة عشر شخصا", 15, None),
        ("مقتل ثلاثة وعشرين شخصا", 23, None),
        ("مقتل شخصين وإصابة ثلاثة آخرين", 2, 3),
        # qualifiers between the trigger and the count
        ("مقتل أكثر من 20 شخصا", 20, None),
        ("مقتل نحو 30 شخصا", 30, None),
        ("إصابة ما لا يقل عن 12 شخصا", None, 12),
        # totals written after the noun
        ("ارتفعت حصيلة القتلى إلى 15", 15, None),
        ("ارتفع عدد القتلى إلى 15 شخصا", 15, None),
        ("وبلغ عدد الجرحى 40", None, 40),
        # number + noun
        ("سقط 7 قتلى و20 جريحا", 7, 20),
        ("7 قتلى و20 جريحاً", 7, 20),
        ("3 قتلى", 3, None),
        ("قتيلان وثلاثة جرحى", 2, 3),
        ("خلف الهجوم ١٢ قتيلا و٣٠ جريحا", 12, 30),
        ("أكثر من 40 قتيلا", 40, None),
        # duals and singulars
        ("سقوط قتيلين", 2, None),
        ("أسفر عن سقوط قتيلين و5 جرحى", 2, 5),
        ("قتيلان", 2, None),
        ("أصيب شخصان", None, 2),
        ("جرح شخصان", None, 2),
        ("قتل مدنيان", 2, None),
        ("إصابة طفلين", None, 2),
        ("مقتل جندي أوكراني", 1, None),
        ("إصابة طفل", None, 1),
        ("مقتل شخص واحد", 1, None),
        ("قتل شخص وأصيب اثنان", 1, 2),
        ("جريحان", None, 2),
        # the first count of a role wins; later "among them" counts do not replace it
        ("مقتل 5 أشخاص بينهم طفلان", 5, None),
        ("إصابة 21 شخصا بينهم 3 أطفال", None, 21),
    ],
)
def test_counts(text: str, killed: int | None, injured: int | None) -> None:
    assert counts(text) == (killed, injured)


@pytest.mark.parametrize(
    ("text", "killed", "injured"),
    [
        # «إصابات» is casualties, dead or hurt: GUIDELINES §10 gives killed 0 and injured 0 for
        # «لم يسفر عن إصابات» (these rows used to leave killed unknown)
        ("لم يسفر الهجوم عن إصابات", 0, 0),
        ("لم تسفر الضربة عن وقوع إصابات", 0, 0),
        ("لم تسفر الضربة الصاروخية الروسية على كييف فجر اليوم عن إصابات", 0, 0),
        ("دون وقوع إصابات", 0, 0),
        ("دون أن يسفر عن إصابات", 0, 0),
        ("ولم تقع إصابات", 0, 0),
        ("لم يبلغ عن وقوع إصابات", 0, 0),
        ("لم تسجل أي إصابات بشرية", 0, 0),
        ("لا إصابات", 0, 0),
        ("لم تسفر عن إصابات بين العسكريين والمدنيين", 0, 0),
        ("لم يصب أحد بأذى", None, 0),
        ("لم يقتل أحد", 0, None),
        ("لم تسفر عن سقوط ضحايا", 0, 0),
        ("لم يسفر القصف عن خسائر بشرية", 0, 0),
        ("بلا ضحايا", 0, 0),
        ("لم تسفر الغارة عن قتلى", 0, None),
        # a stated count is not overwritten by a later "no injuries"
        ("قتل شخص ولم تسجل إصابات أخرى", 1, 0),
    ],
)
def test_none_reported_as_zero(text: str, killed: int | None, injured: int | None) -> None:
    assert counts(text) == (killed, injured)


@pytest.mark.parametrize("text", ["لم ترد أنباء عن إصابات", "ولم ترد أنباء عن سقوط ضحايا"])
def test_no_reports_is_not_zero(text: str) -> None:
    # "no reports of casualties" says nothing was reported: null, not 0 (DESIGN.md §3)
    assert counts(text) == (None, None)


@pytest.mark.parametrize(
    "text",
    [
        "استهدفت مسيرات روسية محطة للطاقة في خاركيف",
        "أعلنت بريطانيا تسليم 85 ألف طائرة مسيرة",
        "قصفت القوات الروسية 12 بلدة",
        "مقتل مدنيين",  # plural or dual? no count is stated
        "مقتل العشرات",
        "عشرات القتلى والجرحى",
        "سقوط مئات الضحايا",
        "مقتل وإصابة 10 أشخاص",  # one number for both: neither is known
        "سقوط 10 قتلى وجرحى",
        "قتلى وجرحى في قصف على خاركيف",
        "",
    ],
)
def test_not_reported_is_none_never_zero(text: str) -> None:
    assert counts(text) == (None, None)


def test_surfaces() -> None:
    c = find_casualties("أسفر الهجوم عن مقتل 5 أشخاص وإصابة 21 آخرين")
    assert c.killed_surface == "مقتل 5 اشخاص"
    assert c.injured_surface == "واصابه 21 اخرين"
    c = find_casualties("سقط 7 قتلى و20 جريحا")
    assert (c.killed_surface, c.injured_surface) == ("7 قتلي", "20 جريحا")
    c = find_casualties("أسفر عن مقتل خمسة عشر شخصا")
    assert c.killed_surface == "مقتل خمسه عشر شخصا"
    c = find_casualties("لم يسفر الهجوم عن إصابات")
    assert (c.killed_surface, c.injured_surface) == (
        "لم يسفر الهجوم عن اصابات",
        "لم يسفر الهجوم عن اصابات",
    )


@pytest.mark.parametrize(
    ("surface", "count"),
    [
        ("21 شخصا", 21),
        ("إصابة 21", 21),
        ("مقتل شخصين", 2),
        ("قتيلين", 2),
        ("٣ قتلى", 3),
        ("۱۲ جريحا", 12),
        ("لا إصابات", 0),
        ("لم تسفر عن إصابات", 0),
        ("خمسة", 5),
        ("عشرات القتلى", None),
        ("لم يعلن عن عدد", None),
        ("", None),
    ],
)
def test_parse_count(surface: str, count: int | None) -> None:
    assert parse_count(surface) == count


def test_parse_count_agrees_with_find_casualties_surface() -> None:
    text = "أسفر القصف عن مقتل ثلاثة أشخاص وإصابة 17 آخرين"
    c = find_casualties(text)
    assert c.killed_surface is not None and c.injured_surface is not None
    assert parse_count(c.killed_surface) == c.killed == 3
    assert parse_count(c.injured_surface) == c.injured == 17
