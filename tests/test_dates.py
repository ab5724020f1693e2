"""Unit tests for extractor.arabic.dates: finding Arabic date expressions and resolving them.

Expected values are worked out by hand from real calendars:
2024-04-22 is a Monday, 2022-02-24 a Thursday, 2024-01-03 a Wednesday, 2023-12-31 a Sunday
(a week is read as its month when it lies in one month whether it starts on Sunday or Monday,
GUIDELINES §8).
"""

from __future__ import annotations

from datetime import date

import pytest

from extractor.arabic.dates import find_dates, parse_date
from extractor.arabic.textnorm import normalize

MON = date(2024, 4, 22)  # Monday
THU_INVASION = date(2022, 2, 24)  # Thursday
WED_JAN = date(2024, 1, 3)  # Wednesday
SUN_DEC = date(2023, 12, 31)  # Sunday


def surfaces(raw: str) -> list[tuple[str, str]]:
    n = normalize(raw)
    return [(d.kind, n[d.nstart : d.nend]) for d in find_dates(n)]


# --- weekdays --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("surface", "past", "forward"),
    [
        ("يوم الاثنين", "2024-04-22", "2024-04-22"),  # the publication day itself
        ("الاثنين", "2024-04-22", "2024-04-22"),
        ("الأحد", "2024-04-21", "2024-04-28"),
        ("يوم الأحد", "2024-04-21", "2024-04-28"),
        ("مساء الأحد", "2024-04-21", "2024-04-28"),
        ("السبت", "2024-04-20", "2024-04-27"),
        ("الجمعة", "2024-04-19", "2024-04-26"),
        ("يوم الخميس", "2024-04-18", "2024-04-25"),
        ("الأربعاء", "2024-04-17", "2024-04-24"),
        ("الاربعاء", "2024-04-17", "2024-04-24"),
        ("الثلاثاء", "2024-04-16", "2024-04-23"),
        # explicit modifiers win over the event's modality
        ("الخميس الماضي", "2024-04-18", "2024-04-18"),
        ("يوم الخميس الماضي", "2024-04-18", "2024-04-18"),
        ("السبت المنصرم", "2024-04-20", "2024-04-20"),
        ("الاثنين الماضي", "2024-04-15", "2024-04-15"),  # "last Monday" is never today
        ("الخميس المقبل", "2024-04-25", "2024-04-25"),
        ("يوم الأحد المقبل", "2024-04-28", "2024-04-28"),
        ("الأربعاء القادم", "2024-04-24", "2024-04-24"),
        ("الاثنين المقبل", "2024-04-29", "2024-04-29"),  # "next Monday" is never today
        # feminine agreement with الجمعة
        ("الجمعة الماضية", "2024-04-19", "2024-04-19"),
        ("الجمعة المقبلة", "2024-04-26", "2024-04-26"),
        # relative day + weekday name: the relative word decides
        ("غدا الثلاثاء", "2024-04-23", "2024-04-23"),
        ("غداً الثلاثاء", "2024-04-23", "2024-04-23"),
        ("أمس الأحد", "2024-04-21", "2024-04-21"),
        ("اليوم الاثنين", "2024-04-22", "2024-04-22"),
    ],
)
def test_weekdays_against_a_monday(surface: str, past: str, forward: str) -> None:
    assert parse_date(surface, MON) == (past, "day")
    assert parse_date(surface, MON, forward=True) == (forward, "day")


def test_weekday_across_a_year_boundary() -> None:
    assert parse_date("الأحد", WED_JAN) == ("2023-12-31", "day")
    assert parse_date("الجمعة الماضية", WED_JAN) == ("2023-12-29", "day")
    assert parse_date("الاثنين المقبل", SUN_DEC) == ("2024-01-01", "day")


def test_weekday_on_invasion_day() -> None:
    assert parse_date("الخميس", THU_INVASION) == ("2022-02-24", "day")
    assert parse_date("أمس الأربعاء", THU_INVASION) == ("2022-02-23", "day")
    assert parse_date("فجر الخميس", THU_INVASION) == ("2022-02-24", "day")


# --- relative days, weeks, months, years -------------------------------------------------------


@pytest.mark.parametrize(
    ("surface", "value", "precision"),
    [
        ("اليوم", "2024-04-22", "day"),
        ("صباح اليوم", "2024-04-22", "day"),
        ("أمس", "2024-04-21", "day"),
        ("يوم أمس", "2024-04-21", "day"),
        ("بالأمس", "2024-04-21", "day"),
        ("البارحة", "2024-04-21", "day"),
        ("أول أمس", "2024-04-20", "day"),
        ("أول من أمس", "2024-04-20", "day"),
        ("غدا", "2024-04-23", "day"),
        ("بعد غد", "2024-04-24", "day"),
        ("الأسبوع الماضي", "2024-04", "month"),
        ("خلال الأسبوع الماضي", "2024-04", "month"),
        ("الأسبوع الفائت", "2024-04", "month"),
        ("هذا الأسبوع", "2024-04", "month"),
        ("الأسبوع الجاري", "2024-04", "month"),
        ("الأسبوع المقبل", "2024", "year"),  # 29 Apr - 5 May
        ("الليلة الماضية", "2024-04-21", "day"),
        ("ليلة أمس", "2024-04-21", "day"),
        ("الشهر الماضي", "2024-03", "month"),
        ("الشهر الجاري", "2024-04", "month"),
        ("هذا الشهر", "2024-04", "month"),
        ("الشهر المقبل", "2024-05", "month"),
        ("العام الماضي", "2023", "year"),
        ("السنة الماضية", "2023", "year"),
        ("العام الفائت", "2023", "year"),
        ("هذا العام", "2024", "year"),
        ("هذه السنة", "2024", "year"),
        ("العام الجاري", "2024", "year"),
        ("العام المقبل", "2025", "year"),
        ("السنة المقبلة", "2025", "year"),
    ],
)
def test_relative_expressions(surface: str, value: str, precision: str) -> None:
    assert parse_date(surface, MON) == (value, precision)
    # explicit modifiers do not depend on the event being planned
    assert parse_date(surface, MON, forward=True) == (value, precision)


@pytest.mark.parametrize(
    ("surface", "pub", "value"),
    [
        ("الأسبوع الماضي", WED_JAN, "2023-12"),
        ("الأسبوع المقبل", SUN_DEC, "2024-01"),
        ("الأسبوع الماضي", SUN_DEC, "2023-12"),
        ("هذا الأسبوع", SUN_DEC, None),  # 25 Dec – 6 Jan: two years
        ("الشهر الماضي", WED_JAN, "2023-12"),
        ("الشهر المقبل", SUN_DEC, "2024-01"),
        ("العام الماضي", WED_JAN, "2023"),
        ("أمس", WED_JAN, "2024-01-02"),
        ("أول أمس", date(2024, 3, 1), "2024-02-28"),
        ("أمس", date(2024, 3, 1), "2024-02-29"),
        ("غدا", SUN_DEC, "2024-01-01"),
    ],
)
def test_relative_expressions_across_boundaries(surface: str, pub: date, value: str) -> None:
    assert parse_date(surface, pub)[0] == value


# --- month names -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("surface", "value"),
    [
        # Levantine / Iraqi series
        ("كانون الثاني 2023", "2023-01"),
        ("شباط 2022", "2022-02"),
        ("آذار 2024", "2024-03"),
        ("نيسان 2024", "2024-04"),
        ("أيار 2023", "2023-05"),
        ("حزيران 2023", "2023-06"),
        ("تموز 2023", "2023-07"),
        ("آب 2023", "2023-08"),
        ("أيلول 2023", "2023-09"),
        ("تشرين الأول 2023", "2023-10"),
        ("تشرين الثاني 2023", "2023-11"),
        ("كانون الأول 2023", "2023-12"),
        # Egyptian / Gulf series
        ("يناير 2023", "2023-01"),
        ("فبراير 2022", "2022-02"),
        ("مارس 2024", "2024-03"),
        ("أبريل 2024", "2024-04"),
        ("إبريل 2024", "2024-04"),
        ("مايو 2023", "2023-05"),
        ("يونيو 2023", "2023-06"),
        ("يونيه 2023", "2023-06"),
        ("يوليو 2023", "2023-07"),
        ("يوليه 2023", "2023-07"),
        ("أغسطس 2023", "2023-08"),
        ("سبتمبر 2023", "2023-09"),
        ("أكتوبر 2023", "2023-10"),
        ("نوفمبر 2023", "2023-11"),
        ("ديسمبر 2023", "2023-12"),
        # Maghrebi series
        ("جانفي 2023", "2023-01"),
        ("فيفري 2022", "2022-02"),
        ("أفريل 2024", "2024-04"),
        ("ماي 2024", "2024-05"),
        ("جوان 2023", "2023-06"),
        ("جويلية 2023", "2023-07"),
        ("أوت 2023", "2023-08"),
        # both series together, with connectors
        ("شباط/فبراير 2022", "2022-02"),
        ("فبراير/شباط 2022", "2022-02"),
        ("حزيران/يونيو 2023", "2023-06"),
        ("آب/أغسطس 2023", "2023-08"),
        ("في أبريل 2022", "2022-04"),
        ("مطلع مارس من عام 2024", "2024-03"),
        ("شهر أكتوبر من العام 2023", "2023-10"),
        ("منتصف تموز 2023", "2023-07"),
    ],
)
def test_month_and_year(surface: str, value: str) -> None:
    # an explicit year needs no publication date
    assert parse_date(surface, None) == (value, "month")
    assert parse_date(surface, MON, forward=True) == (value, "month")


@pytest.mark.parametrize(
    ("surface", "value"),
    [
        ("15 آذار/مارس 2024", "2024-03-15"),
        ("15 مارس 2024", "2024-03-15"),
        ("24 شباط 2022", "2022-02-24"),
        ("24 فبراير 2022", "2022-02-24"),
        ("في 24 فيفري 2022", "2022-02-24"),
        ("5 أيلول/سبتمبر 2023", "2023-09-05"),
        ("في 5 تشرين الثاني/نوفمبر 2023", "2023-11-05"),
        ("1 كانون الثاني 2023", "2023-01-01"),
        ("3 أوت 2023", "2023-08-03"),
        ("١٥ مارس ٢٠٢٤", "2024-03-15"),
        ("17 من شهر يوليو عام 2023", "2023-07-17"),
        ("الأول من كانون الثاني 2023", "2023-01-01"),
        ("في الأول من آذار/مارس 2024", "2024-03-01"),
        # numeric dates
        ("24/02/2022", "2022-02-24"),
        ("24-2-2022", "2022-02-24"),
        ("24.2.2022", "2022-02-24"),
        ("٢٤/٠٢/٢٠٢٢", "2022-02-24"),
        ("2022-02-24", "2022-02-24"),
    ],
)
def test_full_dates(surface: str, value: str) -> None:
    assert parse_date(surface, None) == (value, "day")


@pytest.mark.parametrize("surface", ["31 نيسان 2024", "29 فبراير 2023", "31/02/2024", "2024-13-01"])
def test_impossible_dates_are_not_invented(surface: str) -> None:
    assert parse_date(surface, MON) == (None, "unknown")


def test_written_date_wins_over_the_weekday_next_to_it() -> None:
    # 14 April 2024 was a Sunday, but the weekday alone would resolve to 21 April.
    assert parse_date("الأحد 14 أبريل", MON) == ("2024-04-14", "day")
    assert parse_date("يوم الخميس 24 شباط/فبراير 2022", None) == ("2022-02-24", "day")


def test_leap_day_exists_in_2024() -> None:
    assert parse_date("29 فبراير 2024", None) == ("2024-02-29", "day")


@pytest.mark.parametrize(
    ("surface", "past", "forward"),
    [
        ("15 مارس", "2024-03-15", "2025-03-15"),
        ("10 أيار", "2024-05-10", "2024-05-10"),
        ("في الأول من مارس", "2024-03-01", "2025-03-01"),
        ("1 أبريل", "2024-04-01", "2024-04-01"),
    ],
)
def test_day_and_month_take_the_year_from_the_publication_date(
    surface: str, past: str, forward: str
) -> None:
    assert parse_date(surface, MON) == (past, "day")
    assert parse_date(surface, MON, forward=True) == (forward, "day")


def test_december_in_a_january_article_is_last_year() -> None:
    assert parse_date("28 ديسمبر", WED_JAN) == ("2023-12-28", "day")
    assert parse_date("28 كانون الأول", WED_JAN, forward=True) == ("2024-12-28", "day")
    assert parse_date("في ديسمبر", WED_JAN) == ("2023-12", "month")
    assert parse_date("في يناير", WED_JAN) == ("2024-01", "month")


@pytest.mark.parametrize(
    ("surface", "past", "forward"),
    [
        ("في مارس", "2024-03", "2025-03"),
        ("في شباط/فبراير", "2024-02", "2025-02"),
        ("في تشرين الأول", "2023-10", "2024-10"),
        ("منتصف يوليو", "2023-07", "2024-07"),
        ("خلال أيار", "2023-05", "2024-05"),
        ("في أبريل", "2024-04", "2024-04"),  # the current month
        # month name standing alone, when it cannot be anything else
        ("تشرين الأول", "2023-10", "2024-10"),
        ("كانون الثاني", "2024-01", "2025-01"),
        ("مارس/آذار", "2024-03", "2025-03"),
        ("نوفمبر/تشرين الثاني", "2023-11", "2024-11"),
        ("آذار", "2024-03", "2025-03"),
        ("فبراير", "2024-02", "2025-02"),
        ("أبريل", "2024-04", "2024-04"),
        # with a modifier: the modifier decides, and "last April" in April is last year
        ("فبراير الماضي", "2024-02", "2024-02"),
        ("يونيو/حزيران الماضي", "2023-06", "2023-06"),
        ("في أيار/مايو الماضي", "2023-05", "2023-05"),
        ("أبريل الماضي", "2023-04", "2023-04"),
        ("أبريل المقبل", "2025-04", "2025-04"),
        ("نيسان الجاري", "2024-04", "2024-04"),
        ("جوان الماضي", "2023-06", "2023-06"),
    ],
)
def test_month_without_year(surface: str, past: str, forward: str) -> None:
    assert parse_date(surface, MON) == (past, "month")
    assert parse_date(surface, MON, forward=True) == (forward, "month")


@pytest.mark.parametrize(
    ("surface", "value"),
    [("عام 2022", "2022"), ("في عام 2023", "2023"), ("العام 2023", "2023"), ("سنة 2021", "2021")],
)
def test_years(surface: str, value: str) -> None:
    assert parse_date(surface, None) == (value, "year")


# --- never invent a day ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "surface",
    [
        "يوم الاثنين",
        "الخميس الماضي",
        "غدا الاثنين",
        "اليوم",
        "أمس",
        "أول أمس",
        "الأسبوع الماضي",
        "الشهر الماضي",
        "العام الماضي",
        "هذا العام",
        "15 مارس",
        "في مارس",
        "تشرين الأول",
        "فبراير الماضي",
    ],
)
def test_relative_expressions_without_publication_date_stay_unresolved(surface: str) -> None:
    assert parse_date(surface, None) == (None, "unknown")
    assert parse_date(surface, None, forward=True) == (None, "unknown")


def test_resolve_on_found_mentions() -> None:
    n = normalize("وافق مجلس النواب يوم السبت على الحزمة، وسيصوت مجلس الشيوخ الثلاثاء المقبل")
    found = find_dates(n)
    assert [n[d.nstart : d.nend] for d in found] == ["يوم السبت", "الثلاثاء المقبل"]
    assert found[0].resolve(MON) == ("2024-04-20", "day")
    assert found[1].resolve(MON) == ("2024-04-23", "day")
    assert found[0].resolve(None) == (None, "unknown")


# --- spans and false positives -----------------------------------------------------------------


def test_spans_in_a_news_sentence() -> None:
    raw = (
        "أكد الرئيس الأوكراني فولوديمير زيلينسكي يوم الاثنين أن البلدين بدأا العمل، بعد "
        "غزو روسيا في 24 شباط/فبراير 2022 وموافقة الكونغرس الأسبوع الماضي"
    )
    assert surfaces(raw) == [
        ("weekday", "يوم الاثنين"),
        ("dmy", "24 شباط/فبراير 2022"),
        ("week", "الاسبوع الماضي"),
    ]


# An overnight span is one expression dated by its later day (GUIDELINES §8), where it used to be
# read as two weekdays, the first of which an extractor then took.
@pytest.mark.parametrize(
    "raw, surface, value",
    [
        ("ليل الأحد إلى الاثنين", "ليل الاحد الي الاثنين", "2024-04-22"),
        ("وأطلقت روسيا ليلة السبت إلى الأحد", "ليله السبت الي الاحد", "2024-04-21"),
        ("تعرضت العاصمة ليل الجمعة-السبت لهجوم", "ليل الجمعه-السبت", "2024-04-20"),
        ("ليل السبت - الأحد", "ليل السبت - الاحد", "2024-04-21"),
        ("وتستمر حتى منتصف ليل الأحد-الاثنين", "منتصف ليل الاحد-الاثنين", "2024-04-22"),
    ],
)
def test_overnight_span_is_the_later_day(raw: str, surface: str, value: str) -> None:
    assert surfaces(raw) == [("night", surface)]
    assert parse_date(raw, MON) == (value, "day")


@pytest.mark.parametrize(
    "raw, value",
    [
        ("في ظل هدنة من 8 إلى 10 مايو/أيار", "2024-05-08"),
        ("بين 8 و10 مايو", "2024-05-08"),
        ("و10 مايو", "2024-05-10"),
    ],
)
def test_a_span_of_days_is_its_first_day_and_no_day_is_cut_from_a_number(
    raw: str, value: str
) -> None:
    # "و10 مايو" used to be read as "0 مايو" (a day cut out of a two-digit number)
    assert parse_date(raw, date(2024, 5, 20)) == (value, "day")


@pytest.mark.parametrize(
    "raw",
    [
        "وأعلن زيلينسكي خلال كلمته اليومية",  # اليومية (daily), not اليوم
        "مارس الضغط على الحلفاء",  # مارس = he exerted
        "مارست روسيا ضغوطا",
        "قال أحد المسؤولين",  # أحد = one of, not Sunday
        "أحدث الهجمات",
        "الأمين العام السابق لحلف الناتو",  # the former secretary-general
        "قال المدعي العام الحالي",
        "في اليوم التالي للهجوم",  # the next day, not the publication day
        "في اليوم نفسه",
        "اليوم العالمي لحرية الصحافة",
        "أمسية شعرية",
        "مصنع سيارات نيسان",
        "قال الأب",
        "خلال الأيام الماضية",
        "منذ سنوات",
        "",
    ],
)
def test_not_dates(raw: str) -> None:
    assert surfaces(raw) == []


def test_parse_date_without_a_date() -> None:
    assert parse_date("في وقت لاحق", MON) == (None, "unknown")


@pytest.mark.parametrize(
    "text, expected",
    [
        ("في الخامس من مارس", ("2024-03-05", "day")),
        ("الحادي والعشرين من شباط/فبراير", ("2024-02-21", "day")),
        ("الثاني عشر من تشرين الأول 2023", ("2023-10-12", "day")),
        ("يوم 5 الجاري", ("2024-03-05", "day")),
        ("في 3 من الشهر الجاري", ("2024-03-03", "day")),
    ],
)
def test_ordinal_days_and_days_of_this_month(text: str, expected: tuple[str, str]) -> None:
    assert parse_date(text, date(2024, 3, 20)) == expected
