"""Grounding: quotes are found exactly, normalized or fuzzily; bad quotes are refused."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from extractor.arabic.textnorm import normalize
from extractor.core.grounding import in_context, locate, quote_problem

TEXT = (
    "وفي السياق نفسه، وافق مجلس النواب الأميركي يوم السبت على حزمة مساعدات جديدة لأوكرانيا "
    "بقيمة 61 مليار دولار، بعدما تعثرت لفترة طويلة.\n\nوأعلن الأمین العام للناتو أن الحلف أبرم "
    "عقودا لتسليم ذخائر لأوكرانيا بقيمة ٢٫٤ مليار يورو."
)


def test_exact_match_gives_offsets_of_the_quote():
    quote = "وافق مجلس النواب الأميركي يوم السبت على حزمة مساعدات جديدة لأوكرانيا"
    found = locate(TEXT, quote)
    assert found is not None and found.alignment == "exact"
    assert TEXT[found.start : found.end] == quote


def test_normalized_match_across_alef_yeh_digits_and_spaces():
    # the model wrote plain alef, Arabic yeh, ASCII digits and single spaces
    quote = (
        "واعلن الامين العام للناتو ان الحلف ابرم عقودا لتسليم ذخائر لاوكرانيا بقيمة 2.4 مليار يورو"
    )
    found = locate(TEXT, quote)
    assert found is not None and found.alignment == "normalized"
    span = TEXT[found.start : found.end]
    assert span.startswith("وأعلن الأمین") and span.endswith("مليار يورو")
    assert normalize(span) == normalize(quote)


def test_fuzzy_match_tolerates_a_small_copy_error():
    quote = (
        "وافق مجلس النواب الامريكي يوم السبت على حزمه مساعدات جديده لاوكرانيا بقيمه 61 مليار دولار"
    )
    found = locate(TEXT, quote)
    assert found is not None and found.alignment == "fuzzy"
    assert "61 مليار دولار" in TEXT[found.start : found.end]


def test_invented_quote_is_not_found():
    assert locate(TEXT, "أعلنت فرنسا إرسال 40 دبابة لوكلير إلى أوكرانيا الأسبوع المقبل") is None


def test_window_limits_the_search():
    quote = "وأعلن الأمین العام للناتو"
    assert locate(TEXT, quote, (0, 100)) is None
    assert locate(TEXT, quote, (100, len(TEXT))) is not None


def test_meaningless_quotes_are_refused():
    assert quote_problem("1") is not None
    assert quote_problem("أوكرانيا") is not None
    assert quote_problem("https://www.youtube.com/watch?v=abc123") is not None
    assert quote_problem("   ") is not None
    assert quote_problem("وافق مجلس النواب على حزمة مساعدات جديدة") is None


def test_values_must_be_in_context():
    ctx = normalize("وافق مجلس النواب الأميركي على حزمة لأوكرانيا بقيمة 61 مليار دولار")
    assert in_context("أوكرانيا", ctx)  # written with the clitic ل in the text
    assert in_context("61 مليار دولار", ctx)
    assert in_context("مجلس النواب الامريكي", ctx) is False  # different spelling of the adjective
    assert in_context("فرنسا", ctx) is False
    assert in_context("", ctx) is False


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_any_substring_is_found_back_exactly(data):
    start = data.draw(st.integers(0, len(TEXT) - 20))
    end = data.draw(st.integers(start + 15, min(len(TEXT), start + 120)))
    quote = TEXT[start:end].strip()
    found = locate(TEXT, quote)
    assert found is not None
    assert TEXT[found.start : found.end] == quote
