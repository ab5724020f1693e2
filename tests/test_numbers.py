"""Unit tests for extractor.arabic.numbers: Arabic number expressions on normalized text."""

from __future__ import annotations

import pytest

from extractor.arabic.numbers import (
    is_vague,
    parse_digits,
    qualifier_before,
    read_amount,
    starts_amount,
    tokenize,
)
from extractor.arabic.textnorm import normalize


def first_amount(raw: str) -> tuple[float, str, str] | None:
    """(value, normalized surface, qualifier) of the first amount in ``raw``."""
    n = normalize(raw)
    tokens = tokenize(n)
    for i, tok in enumerate(tokens):
        if starts_amount(tok.text):
            a = read_amount(n, tokens, i)
            if a is not None:
                return a.value, n[a.start : a.end], a.qualifier
    return None


# --- digits ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("digits", "value"),
    [
        ("61", 61.0),
        ("2.4", 2.4),
        ("2,4", 2.4),
        ("1,500", 1500.0),
        ("1,500,000", 1_500_000.0),
        ("1.500.000", 1_500_000.0),
        ("12,50", 12.5),
        ("1,500.5", 1500.5),
        ("1.500,5", 1500.5),
        ("0", 0.0),
    ],
)
def test_parse_digits(digits: str, value: float) -> None:
    assert parse_digits(digits) == pytest.approx(value)


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("٢٫٥ مليار", 2.5e9),  # Arabic decimal separator
        ("١٬٥٠٠ مليون", 1.5e9),  # Arabic thousands separator
        ("۱۲۵ مليون", 125e6),  # Persian digits
        ("٣٠٠ ألف", 300e3),
        ("2,5 مليار", 2.5e9),
    ],
)
def test_arabic_indic_digits_and_separators(raw: str, value: float) -> None:
    result = first_amount(raw)
    assert result is not None
    assert result[0] == pytest.approx(value)


# --- scale words -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("61 مليار", 61e9),
        ("85 ألف", 85e3),
        ("85 ألفاً", 85e3),
        ("10 آلاف", 10e3),
        ("10 ملايين", 10e6),
        ("6 مليارات", 6e9),
        ("3 بلايين", 3e9),
        ("1.2 تريليون", 1.2e12),
        # bare singular = one, duals (nominative, genitive, construct) = two
        ("ألف", 1e3),
        ("ألفا", 2e3),
        ("ألفان", 2e3),
        ("ألفين", 2e3),
        ("ألفي", 2e3),
        ("مليون", 1e6),
        ("مليونا", 2e6),
        ("مليونان", 2e6),
        ("مليوني", 2e6),
        ("مليار", 1e9),
        ("مليارا", 2e9),
        ("ملياري", 2e9),
        ("مليارين", 2e9),
        ("مليارَيْ", 2e9),
        ("بليون", 1e9),
        ("تريليون", 1e12),
        ("تريليونا", 2e12),
        ("تريليوني", 2e12),
    ],
)
def test_scale_words(raw: str, value: float) -> None:
    result = first_amount(raw)
    assert result is not None
    assert result[0] == pytest.approx(value)


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("ثلاثة مليارات", 3e9),
        ("ثلاث مليارات", 3e9),
        ("ستة مليارات", 6e9),
        ("عشرة مليارات", 10e9),
        ("خمسة آلاف", 5e3),
        ("خمسين مليون", 50e6),
        ("مئة مليون", 100e6),
        ("مائة مليون", 100e6),
        ("مائتي مليون", 200e6),
        ("مئتا مليون", 200e6),
        ("ثلاثمائة مليون", 300e6),
        ("خمسمئة ألف", 500e3),
        ("أربعمئة مليون", 400e6),
        ("تسعمائة ألف", 900e3),
        # compound number words
        ("خمسة عشر مليار", 15e9),
        ("أحد عشر ألفا", 11e3),
        ("اثنا عشر مليونا", 12e6),
        ("خمسة وعشرون مليون", 25e6),
        ("ثلاثة وعشرين ألفا", 23e3),
        ("مئة وخمسون ألفا", 150e3),
        ("مائة وخمسة وعشرون", 125.0),
    ],
)
def test_number_words(raw: str, value: float) -> None:
    result = first_amount(raw)
    assert result is not None
    assert result[0] == pytest.approx(value)


# --- fractions and continuations ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "value", "surface"),
    [
        ("مليارين ونصف مليار", 2.5e9, "مليارين ونصف مليار"),
        ("مليارين ونصف المليار", 2.5e9, "مليارين ونصف المليار"),
        ("نصف مليار", 0.5e9, "نصف مليار"),
        ("ربع مليون", 0.25e6, "ربع مليون"),
        ("مليار ونصف", 1.5e9, "مليار ونصف"),
        ("مليار ونصف المليار", 1.5e9, "مليار ونصف المليار"),
        ("أربعة مليارات ونصف المليار", 4.5e9, "اربعه مليارات ونصف المليار"),
        ("مليون ونصف المليون", 1.5e6, "مليون ونصف المليون"),
        ("مليار و200 مليون", 1.2e9, "مليار و200 مليون"),
        ("مليار و 200 مليون", 1.2e9, "مليار و 200 مليون"),
        ("2 مليار و500 مليون", 2.5e9, "2 مليار و500 مليون"),
        ("2 مليون و500 ألف", 2.5e6, "2 مليون و500 الف"),
        ("ألف و500", 1500.0, "الف و500"),
        ("ثلاثة آلاف و500", 3500.0, "ثلاثه الاف و500"),
        ("ألف وخمسمئة", 1500.0, "الف وخمسمئه"),
    ],
)
def test_fractions_and_continuations(raw: str, value: float, surface: str) -> None:
    assert first_amount(raw) == (pytest.approx(value), surface, "exact")


@pytest.mark.parametrize(
    ("raw", "value", "surface"),
    [
        ("5 و6", 5.0, "5"),  # a list, not 56 or 11
        ("مليار و2 مليار", 1e9, "مليار"),  # a list of two amounts
        ("خمسة وستة", 5.0, "خمسه"),
        ("نصف", None, None),  # a fraction needs its scale
    ],
)
def test_lists_are_not_one_amount(raw: str, value: float | None, surface: str | None) -> None:
    result = first_amount(raw)
    if value is None:
        assert result is None
    else:
        assert result == (pytest.approx(value), surface, "exact")


# --- vague amounts -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("عشرات الملايين", 10e6),
        ("مئات الملايين", 100e6),
        ("عشرات الآلاف", 10e3),
        ("آلاف", 1e3),
        ("مليارات الدولارات", 1e9),
        ("ملايين اليوروهات", 1e6),
    ],
)
def test_vague_amounts_are_lower_bounds(raw: str, value: float) -> None:
    result = first_amount(raw)
    assert result is not None
    assert result[0] == pytest.approx(value)
    assert result[2] == "at_least"


def test_is_vague() -> None:
    assert is_vague("عشرات")
    assert is_vague("مئات")
    assert is_vague("الاف")
    assert is_vague("ملايين")
    assert is_vague("مليارات")
    assert not is_vague("مليار")
    assert not is_vague("ثلاثه")
    assert not is_vague("12")


# --- qualifiers --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "qualifier"),
    [
        ("أكثر من 55 مليار", "at_least"),
        ("بأكثر من 55 مليار", "at_least"),
        ("ما لا يقل عن 5 مليارات", "at_least"),
        ("ما يزيد على 3 مليارات", "at_least"),
        ("ما يزيد عن 100 مليون", "at_least"),
        ("ما يربو على 100 مليار", "at_least"),
        ("يتجاوز 10 مليارات", "at_least"),
        ("تفوق 40 مليارا", "at_least"),
        ("نحو 300 مليون", "approx"),
        ("حوالي 2 مليار", "approx"),
        ("حوالى 2 مليار", "approx"),
        ("قرابة 100 مليون", "approx"),
        ("زهاء 40 مليار", "approx"),
        ("ما يقارب 3 مليارات", "approx"),
        ("ما يقرب من 2 مليار", "approx"),
        ("يناهز 7 مليارات", "approx"),
        ("ما يصل إلى 6 مليارات", "up_to"),
        ("بقيمة تصل إلى 500 مليون", "up_to"),
        ("حتى 2 مليار", "up_to"),
        ("أقل من مليار", "up_to"),
        ("لا يتجاوز 5 مليارات", "up_to"),  # not "يتجاوز" (more than)
        ("بحد أقصى 300 مليون", "up_to"),
        ("بقيمة 61 مليار", "exact"),
        # "ليصل إجمالي … إلى" is a running total, not "up to"
        ("ليصل إلى 44 مليار", "exact"),
    ],
)
def test_qualifiers(raw: str, qualifier: str) -> None:
    result = first_amount(raw)
    assert result is not None
    assert result[2] == qualifier


def test_qualifier_before_looks_only_right_before_the_number() -> None:
    n = normalize("أكثر من عشرين دولة تعهدت بتقديم 5 مليارات")
    assert qualifier_before(n, n.index("5 مليارات")) == "exact"
    assert qualifier_before(n, n.index("عشرين")) == "at_least"


# --- tokens ------------------------------------------------------------------------------------


def test_tokenize_splits_digits_from_letters() -> None:
    n = normalize("بـ2 مليار و300 مليون")
    assert [t.text for t in tokenize(n)] == ["ب", "2", "مليار", "و", "300", "مليون"]


@pytest.mark.parametrize(
    ("raw", "tokens"),
    [
        ("بمليار", ["ب", "مليار"]),
        ("وبملياري", ["وب", "ملياري"]),
        ("وثلاثة", ["و", "ثلاثه"]),
        ("ونصف", ["و", "نصف"]),
        ("لخمسين", ["ل", "خمسين"]),
        # not number words: left whole
        ("لست", ["لست"]),
        ("واحد", ["واحد"]),
        ("بألف", ["ب", "الف"]),
        ("والدة", ["والده"]),
        ("بنصيب", ["بنصيب"]),
    ],
)
def test_tokenize_splits_clitics_off_number_words(raw: str, tokens: list[str]) -> None:
    n = normalize(raw)
    toks = tokenize(n)
    assert [t.text for t in toks] == tokens
    assert all(n[t.start : t.end] == t.text for t in toks)


def test_clitic_prefixed_number_words_are_read() -> None:
    assert first_amount("تعهدت بمليار") == (pytest.approx(1e9), "مليار", "exact")
    assert first_amount("قتيلان وثلاثة جرحى") == (pytest.approx(3.0), "ثلاثه", "exact")


# --- things that are not amounts -----------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        "في عام 2022",
        "لعام 2025",
        "سنة 2023",
        "العام 2024",
    ],
)
def test_a_year_after_a_year_word_is_not_an_amount(raw: str) -> None:
    assert first_amount(raw) is None


def test_a_year_before_a_scale_word_leaves_the_scale_word_alone() -> None:
    # "in the 2024 budget, a billion euros" – not 2024 billion
    assert first_amount("في ميزانية عام 2024 مليار يورو") == (pytest.approx(1e9), "مليار", "exact")


def test_a_bare_four_digit_number_is_still_a_number() -> None:
    assert first_amount("سلمت 2022 قذيفة") == (2022.0, "2022", "exact")


def test_ahad_alone_is_not_a_number() -> None:
    assert first_amount("أحد المسؤولين") is None


def test_starts_amount() -> None:
    assert starts_amount("61")
    assert starts_amount("مليار")
    assert starts_amount("ثلاثه")
    assert starts_amount("نصف")
    assert starts_amount("عشرات")
    assert not starts_amount("دولار")
    assert not starts_amount("الحرب")
