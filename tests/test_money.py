"""Unit tests for extractor.arabic.money (find_money, parse_money) with Arabic news phrasings."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from extractor.arabic.money import MoneyMention, find_money, parse_money


def one(text: str) -> MoneyMention:
    found = find_money(text)
    assert len(found) == 1, found
    m = found[0]
    assert text[m.start : m.end] == m.surface
    return m


def summary(text: str) -> list[tuple[str, float, str, str, bool]]:
    out = []
    for m in find_money(text):
        assert text[m.start : m.end] == m.surface
        out.append((m.surface, m.amount, m.currency, m.qualifier, m.cumulative))
    return out


# --- amounts ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "surface", "amount"),
    [
        ("وافق مجلس النواب على حزمة بقيمة 61 مليار دولار", "61 مليار دولار", 61e9),
        ("تقديم ٢٫٥ مليار يورو لأوكرانيا", "٢٫٥ مليار يورو", 2.5e9),
        ("بمبلغ ۱۲۵ مليون دولار", "۱۲۵ مليون دولار", 125e6),
        ("مساعدات بقيمة ١٬٥٠٠ مليون دولار", "١٬٥٠٠ مليون دولار", 1.5e9),
        ("منحة قدرها 1,500,000 دولار", "1,500,000 دولار", 1.5e6),
        ("منحة قدرها 1.500.000 دولار", "1.500.000 دولار", 1.5e6),
        ("قرض بقيمة 2,4 مليار دولار", "2,4 مليار دولار", 2.4e9),
        ("خطط لتوفير ملياري دولار من التمويل العسكري", "ملياري دولار", 2e9),
        ("خصصت مليارين دولار", "مليارين دولار", 2e9),
        ("رصدت مليارا دولار", "مليارا دولار", 2e9),
        ("تعهدت بتقديم ثلاثة مليارات دولار", "ثلاثة مليارات دولار", 3e9),
        ("أعلنت كندا عن مليارين ونصف مليار دولار", "مليارين ونصف مليار دولار", 2.5e9),
        ("نحو مليارين ونصف المليار دولار", "مليارين ونصف المليار دولار", 2.5e9),
        ("حزمة بنصف مليار دولار", "نصف مليار دولار", 0.5e9),
        ("مساعدات بمليار ونصف دولار", "مليار ونصف دولار", 1.5e9),
        ("قدمت مليار ونصف المليار يورو", "مليار ونصف المليار يورو", 1.5e9),
        ("تمويل بقيمة مليار و200 مليون دولار", "مليار و200 مليون دولار", 1.2e9),
        ("2 مليار و500 مليون دولار", "2 مليار و500 مليون دولار", 2.5e9),
        ("أربعة مليارات ونصف المليار دولار", "أربعة مليارات ونصف المليار دولار", 4.5e9),
        ("مليوني يورو", "مليوني يورو", 2e6),
        ("مليونا يورو", "مليونا يورو", 2e6),
        ("ألفا دولار", "ألفا دولار", 2e3),
        ("ألفي دولار", "ألفي دولار", 2e3),
        ("خمسة آلاف دولار", "خمسة آلاف دولار", 5e3),
        ("20 ألف يورو", "20 ألف يورو", 20e3),
        ("3 بلايين دولار", "3 بلايين دولار", 3e9),
        ("بليون دولار", "بليون دولار", 1e9),
        ("1.2 تريليون دولار", "1.2 تريليون دولار", 1.2e12),
        ("تريليونا دولار", "تريليونا دولار", 2e12),
        ("مئة مليون دولار", "مئة مليون دولار", 100e6),
        ("ثلاثمائة مليون دولار", "ثلاثمائة مليون دولار", 300e6),
        ("خمسة وعشرون مليون دولار", "خمسة وعشرون مليون دولار", 25e6),
        ("أحد عشر مليار يورو", "أحد عشر مليار يورو", 11e9),
        ("مليارَيْ دولارٍ", "مليارَيْ دولارٍ", 2e9),
    ],
)
def test_amounts(text: str, surface: str, amount: float) -> None:
    m = one(text)
    assert m.surface == surface
    assert m.amount == pytest.approx(amount)


# --- currencies ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "currency"),
    [
        ("61 مليار دولار", "USD"),
        ("100 مليون دولار أمريكي", "USD"),
        ("100 مليون دولار أميركي", "USD"),
        ("عشرات الملايين من الدولارات", "USD"),
        ("4 مليارات يورو", "EUR"),
        ("مئات الملايين من اليوروهات", "EUR"),
        ("600 مليون جنيه إسترليني", "GBP"),
        ("1.7 مليار جنيه استرليني", "GBP"),
        ("3 ملايين جنيه مصري", "EGP"),
        ("50 مليون جنيه", "EGP"),  # a bare جنيه in Arabic is the Egyptian pound
        ("10 ملايين روبل", "RUB"),
        ("1.5 مليار روبل", "RUB"),
        ("500 مليون هريفنيا", "UAH"),
        ("200 مليون غريفنا", "UAH"),
        ("4.5 مليار ين ياباني", "JPY"),
        ("100 مليار ين", "JPY"),
        ("1.1 مليار دولار أسترالي", "AUD"),
        ("10 ملايين دولار كندي", "CAD"),
        ("20 مليار كرونة نرويجية", "NOK"),
        ("7 مليارات كرونة سويدية", "SEK"),
        ("100 مليون فرنك سويسري", "CHF"),
        ("$61 مليار", "USD"),
        ("61 مليار $", "USD"),
        ("€5 مليارات", "EUR"),
        ("£2.5 مليار", "GBP"),
    ],
)
def test_currencies(text: str, currency: str) -> None:
    assert one(text).currency == currency


def test_currency_adjective_is_part_of_the_surface() -> None:
    m = one("تعهدت بريطانيا بتقديم 600 مليون جنيه إسترليني لأوكرانيا")
    assert m.surface == "600 مليون جنيه إسترليني"
    m = one("قدمت اليابان 4.5 مليار ين ياباني")
    assert m.surface == "4.5 مليار ين ياباني"


def test_symbol_is_part_of_the_surface() -> None:
    m = one("خصصت واشنطن $61 مليار")
    assert (m.surface, m.amount) == ("$61 مليار", 61e9)


# --- qualifiers ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "qualifier"),
    [
        ("تقديم أكثر من 55 مليار دولار", "at_least"),
        ("ما لا يقل عن 5 مليارات دولار", "at_least"),
        ("ما يزيد على 3 مليارات يورو", "at_least"),
        ("نحو 300 مليون يورو", "approx"),
        ("حوالي 2 مليار دولار", "approx"),
        ("قرابة 100 مليون دولار", "approx"),
        ("نحو ٥٠٠ مليون يورو", "approx"),
        ("61 مليار دولار تقريبا", "approx"),
        ("ما يصل إلى 6 مليارات دولار", "up_to"),
        ("بقيمة تصل إلى 500 مليون دولار", "up_to"),
        ("لا يتجاوز 5 مليارات دولار", "up_to"),
        ("بقيمة 61 مليار دولار", "exact"),
        ("عشرات الملايين من الدولارات", "at_least"),
        ("مليارات الدولارات", "at_least"),
    ],
)
def test_qualifiers(text: str, qualifier: str) -> None:
    assert one(text).qualifier == qualifier


# --- cumulative totals -----------------------------------------------------------------------


def test_total_after_a_package_is_cumulative_and_the_package_is_not() -> None:
    text = (
        "أعلنت وزارة الدفاع الأمريكية عن حزمة بقيمة 400 مليون دولار، ليرتفع إجمالي "
        "المساعدات الأمريكية لأوكرانيا إلى 44 مليار دولار منذ بدء الحرب."
    )
    assert summary(text) == [
        ("400 مليون دولار", 400e6, "USD", "exact", False),
        ("44 مليار دولار", 44e9, "USD", "exact", True),
    ]


def test_total_with_lead_marker_and_since_phrase_before_it() -> None:
    text = (
        "وأعلنت طوكيو اليوم حزمة بـ 500 مليون دولار، ليصل إجمالي ما قدمته منذ بداية الحرب "
        "إلى 12 مليار دولار"
    )
    assert [(s, c) for s, _, _, _, c in summary(text)] == [
        ("500 مليون دولار", False),
        ("12 مليار دولار", True),
    ]


def test_since_the_war_after_a_total_does_not_leak_to_the_next_package() -> None:
    text = "قدمت اليابان 12 مليار دولار منذ بداية الحرب، وأعلنت اليوم حزمة جديدة بـ 500 مليون دولار"
    assert [(s, c) for s, _, _, _, c in summary(text)] == [
        ("12 مليار دولار", True),
        ("500 مليون دولار", False),
    ]


def test_seed_total_since_russia_began_its_invasion() -> None:
    text = (
        "وقد تعهدت تقديم أكثر من 55 مليار دولار من الأسلحة والذخائر وغيرها من المساعدات "
        "الأمنية منذ بدأت روسيا غزوها في شباط/فبراير 2022"
    )
    assert summary(text) == [("55 مليار دولار", 55e9, "USD", "at_least", True)]


@pytest.mark.parametrize(
    "text",
    [
        "وبلغ مجموع المساعدات الألمانية 28 مليار يورو",
        "ليرتفع إجمالي الدعم البريطاني إلى 12.5 مليار جنيه إسترليني",
        "قدمت الولايات المتحدة حتى الآن 175 مليار دولار",
        "منذ عام 2022 قدمت الولايات المتحدة 175 مليار دولار",
        "وصلت قيمة المساعدات إلى 50 مليار يورو حتى الآن",
    ],
)
def test_running_totals_are_cumulative(text: str) -> None:
    assert one(text).cumulative is True


@pytest.mark.parametrize(
    "text",
    [
        "أعلنت ألمانيا عن حزمة مساعدات عسكرية جديدة بقيمة 500 مليون يورو",
        "حزمة بقيمة إجمالية تبلغ 2.5 مليار دولار",  # the package's own total value
        "بتكلفة إجمالية قدرها 300 مليون دولار",
    ],
)
def test_packages_are_not_cumulative(text: str) -> None:
    assert one(text).cumulative is False


def test_a_total_in_the_previous_sentence_does_not_mark_the_next_package() -> None:
    text = "بلغ مجموع المساعدات 30 مليار يورو. وأعلنت برلين حزمة جديدة بقيمة 1.4 مليار يورو"
    assert [(s, c) for s, _, _, _, c in summary(text)] == [
        ("30 مليار يورو", True),
        ("1.4 مليار يورو", False),
    ]


# --- prefixes, offsets, several amounts -------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "surface", "amount"),
    [
        ("تمويل عسكري لأوكرانيا ودول أخرى بـ2 مليار دولار", "2 مليار دولار", 2e9),
        ("بـ 4 مليارات يورو", "4 مليارات يورو", 4e9),
        ("ب4 مليارات يورو", "4 مليارات يورو", 4e9),
        ("الـ61 مليار دولار", "61 مليار دولار", 61e9),
        ("و300 مليون دولار", "300 مليون دولار", 300e6),
        ("تعهدت فرنسا بمليار يورو", "مليار يورو", 1e9),
        ("وبملياري دولار", "ملياري دولار", 2e9),
        ("تعهدت ألمانيا بنصف مليار يورو", "نصف مليار يورو", 0.5e9),
    ],
)
def test_attached_prefixes_stay_out_of_the_surface(text: str, surface: str, amount: float) -> None:
    m = one(text)
    assert (m.surface, m.amount) == (surface, pytest.approx(amount))


def test_offsets_survive_tashkeel_tatweel_and_bidi_marks() -> None:
    text = "\u200fوافقَ الكونغرسُ على حزمةٍ بقيمةِ ٦١ مليـــارَ دولارٍ أميركيٍّ\u200f"
    m = one(text)
    assert m.surface == "٦١ مليـــارَ دولارٍ أميركيٍّ"
    assert (m.amount, m.currency) == (61e9, "USD")


def test_several_amounts_in_order() -> None:
    text = (
        "تشمل الحزمة البالغة نحو 61 مليار دولار، 13.8 مليار دولار لشراء أسلحة، "
        "و300 مليون يورو من ألمانيا"
    )
    assert summary(text) == [
        ("61 مليار دولار", 61e9, "USD", "approx", False),
        ("13.8 مليار دولار", 13.8e9, "USD", "exact", False),
        ("300 مليون يورو", 300e6, "EUR", "exact", False),
    ]


def test_range_gives_its_upper_end_as_up_to() -> None:
    assert summary("تتراوح قيمة الحزمة بين 5 و6 مليارات دولار") == [
        ("6 مليارات دولار", 6e9, "USD", "up_to", False)
    ]


def test_rise_from_to_is_not_read_as_a_range() -> None:
    found = summary("ارتفع إجمالي المساعدات من 40 إلى 44 مليار دولار")
    assert found == [("44 مليار دولار", 44e9, "USD", "exact", True)]


def test_two_currencies_side_by_side() -> None:
    assert [(m.amount, m.currency) for m in find_money("مليار دولار و500 مليون يورو")] == [
        (1e9, "USD"),
        (500e6, "EUR"),
    ]


# --- not money -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "اندلعت الحرب في عام 2022",
        "سلمت بريطانيا المسيرات خلال 6 أشهر",
        "للاستفسار اتصل على 0501234567",
        "هاتف 0096170123456",
        "المادتين 5 و6 من المعاهدة",
        "من 2022 إلى 2024",
        "أرسلت 85 ألف طائرة مسيرة",
        "قتل 12 شخصا",
        "مارس الضغط على الحلفاء",
        "ارتفعت الأسعار بنسبة 5%",
        "",
    ],
)
def test_not_money(text: str) -> None:
    assert find_money(text) == []


def test_a_year_next_to_an_amount_is_not_part_of_it() -> None:
    m = one("خصص الاتحاد الأوروبي في ميزانية عام 2024 مليار يورو لأوكرانيا")
    assert (m.surface, m.amount, m.currency) == ("مليار يورو", 1e9, "EUR")


# --- parse_money -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("surface", "amount", "currency", "qualifier"),
    [
        ("61 مليار دولار", 61e9, "USD", "exact"),
        ("أكثر من 55 مليار دولار", 55e9, "USD", "at_least"),
        ("نحو 2.5 مليار يورو", 2.5e9, "EUR", "approx"),
        ("ما يصل إلى 6 مليارات دولار", 6e9, "USD", "up_to"),
        ("مليارين ونصف مليار دولار", 2.5e9, "USD", "exact"),
        ("٢٫٥ مليار يورو", 2.5e9, "EUR", "exact"),
        ("£600 مليون", 600e6, "GBP", "exact"),
    ],
)
def test_parse_money(surface: str, amount: float, currency: str, qualifier: str) -> None:
    m = parse_money(surface)
    assert m is not None
    assert (m.amount, m.currency, m.qualifier) == (pytest.approx(amount), currency, qualifier)


@pytest.mark.parametrize("surface", ["دولار", "عام 2022", "", "حزمة كبيرة", "61 مليار"])
def test_parse_money_without_amount_or_currency(surface: str) -> None:
    assert parse_money(surface) is None


# --- property: noise that normalization removes changes nothing -----------------------------

_NOISE = st.sampled_from(["", "", "", "\u064e", "\u064b", "\u0651", "\u0640", "\u200f", "\u200c"])
_PHRASES = [
    ("وافق الكونغرس على حزمة بقيمة 61 مليار دولار لأوكرانيا", 61e9, "USD"),
    ("تعهدت بريطانيا بتقديم ٢٫٥ مليار جنيه إسترليني", 2.5e9, "GBP"),
    ("أعلنت ألمانيا عن مليارين ونصف مليار يورو", 2.5e9, "EUR"),
    ("خصصت اليابان ثلاثة مليارات ين", 3e9, "JPY"),
]


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(_PHRASES), st.data())
def test_marks_and_controls_inside_words_keep_amount_and_exact_offsets(
    phrase: tuple[str, float, str], data: st.DataObject
) -> None:
    base, amount, currency = phrase
    # a mark after a letter, a tatweel or a control between letters: never next to a space
    noisy = "".join(
        ch
        + (
            data.draw(_NOISE)
            if ch.isalpha() and i + 1 < len(base) and base[i + 1].isalpha()
            else ""
        )
        for i, ch in enumerate(base)
    )
    found = find_money(noisy)
    assert [(m.amount, m.currency) for m in found] == [(pytest.approx(amount), currency)]
    m = found[0]
    assert noisy[m.start : m.end] == m.surface


@pytest.mark.parametrize(
    "text, amount",
    [
        ("500.000 دولار", 500_000),
        ("1.500 دولار", 1_500),
        ("10.000 يورو", 10_000),
        ("2.5 مليار دولار", 2.5e9),
    ],
)
def test_dot_thousands_separator(text: str, amount: float) -> None:
    (m,) = find_money(text)
    assert m.amount == amount


# ---- conversions and running totals written next to a package (issue 11, class 6) -------------


@pytest.mark.parametrize(
    "text, first, second",
    [
        ("منحة بقيمة 2 مليار يورو (نحو 2.2 مليار دولار) لإعادة الإعمار", 2e9, 2.2e9),
        ("قرض بقيمة 900 مليون جنيه إسترليني، أي ما يعادل 1.1 مليار دولار", 9e8, 1.1e9),
        ("حزمة بقيمة 80 مليار ين، أي نحو 530 مليون دولار", 8e10, 5.3e8),
        ("تمويل بقيمة 600 مليون يورو بما يعادل 650 مليون دولار", 6e8, 6.5e8),
        ("مساعدات بقيمة 300 مليون يورو (330 مليون دولار)", 3e8, 3.3e8),
    ],
)
def test_a_conversion_is_the_same_money(text: str, first: float, second: float) -> None:
    found = find_money(text)
    assert [(m.amount, m.qualifier) for m in found] == [(first, "exact"), (second, "equivalent")]


def test_two_amounts_in_two_currencies_are_not_a_conversion() -> None:
    found = find_money("قدمت فرنسا 500 مليون يورو وقدمت كندا 300 مليون دولار")
    assert [m.qualifier for m in found] == ["exact", "exact"]


@pytest.mark.parametrize(
    "text",
    [
        "أعلنت هولندا تخصيص 3 مليارات يورو إضافية، ليرتفع إجمالي الدعم إلى 20 مليار يورو",
        "وقدمت النرويج 500 مليون دولار، لتبلغ مساهمتها الكلية 4 مليارات دولار",
        "أعلنت الدنمارك حزمة بقيمة مليار دولار، ليصل مجموع ما قدمته إلى 8 مليارات دولار",
    ],
)
def test_a_running_total_next_to_a_package(text: str) -> None:
    package, total = find_money(text)
    assert not package.cumulative and total.cumulative


def test_the_largest_since_the_war_began_is_no_running_total() -> None:
    (m,) = find_money("حزمة بقيمة 1.5 مليار دولار هي الأكبر منذ بدء الحرب")
    assert not m.cumulative


def test_the_g7_is_no_running_total() -> None:
    # "مجموعة" (group) begins like "مجموع" (total): only the whole word marks a total
    from extractor.arabic.money import find_money

    (loan,) = find_money("واتفقت مجموعة السبع على قرض بقيمة 50 مليار دولار لأوكرانيا")
    assert not loan.cumulative
    (total,) = find_money("ليصل مجموعها إلى 4 مليارات يورو")
    assert total.cumulative
