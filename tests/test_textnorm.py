"""Unit and property tests for extractor.arabic.textnorm (normalization for matching + offset map)."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from extractor.arabic.textnorm import NormalizedText, normalize, normalize_with_map

# --- examples from Arabic news ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        # tashkeel, shadda, sukun and tanween
        ("الأَمِينُ العَامُّ", "الامين العام"),
        ("مُسَيَّرَةٌ", "مسيره"),
        ("معربًا", "معربا"),
        ("فعّالة", "فعاله"),
        # tatweel
        ("بـ2 مليار", "ب2 مليار"),
        ("الـــــحرب", "الحرب"),
        # alef variants
        ("أوكرانيا", "اوكرانيا"),
        ("إسرائيل", "اسرائيل"),
        ("آذار", "اذار"),
        ("ٱلله", "الله"),
        # alef maqsura, ta marbuta, Persian letters
        ("على مستوى", "علي مستوي"),
        ("الحكومة البريطانية", "الحكومه البريطانيه"),
        ("الأمین", "الامين"),
        ("کییف", "كييف"),
        # digits and separators
        ("٦١ مليار", "61 مليار"),
        ("۸۵ ألف", "85 الف"),
        ("٢٫٥", "2.5"),
        ("١٬٥٠٠", "1,500"),
        # quote marks and dashes unify
        ("“اتاكمز”", '"اتاكمز"'),
        ("«باتريوت»", '"باتريوت"'),
        ("‘كلمة’", "'كلمه'"),
        ("الأوكراني – الأميركي", "الاوكراني - الاميركي"),
        # Latin is lower-cased
        ("ATACMS وF-16", "atacms وf-16"),
    ],
)
def test_normalize_examples(raw: str, expected: str) -> None:
    assert normalize(raw) == expected


def test_whitespace_collapses_and_edges_are_trimmed() -> None:
    assert normalize("  وافق \t\n مجلس\u00a0النواب\u2009الأميركي  ") == "وافق مجلس النواب الاميركي"


def test_unicode_line_and_ideographic_spaces_collapse() -> None:
    assert normalize("مجلس\u2028النواب\u3000الأميركي\u205fاليوم") == "مجلس النواب الاميركي اليوم"


def test_bidi_and_zero_width_controls_are_dropped() -> None:
    raw = (
        "\u202bقال\u200f بايدن\u200e \u2067ترمب\u2069\u061c\ufeff ز\u200cي\u200dلي\u00adنسكي\u2060"
    )
    assert normalize(raw) == "قال بايدن ترمب زيلينسكي"


def test_decomposed_hamza_and_maddah_match_precomposed_alef() -> None:
    # "أ" written as alef + combining hamza above, "آ" as alef + combining maddah.
    assert normalize("ا\u0654وكرانيا") == normalize("أوكرانيا") == "اوكرانيا"
    assert normalize("ا\u0653ذار") == normalize("آذار")


def test_name_variants_meet_where_the_design_says_they_should() -> None:
    assert normalize("الأمريكي") == "الامريكي"
    assert normalize("الأمِيركيّة") == "الاميركيه"
    assert normalize("بلينكن") != normalize("بلينكين")  # spelling variants are a gazetteer job


def test_single_characters() -> None:
    assert normalize("أ") == "ا"
    assert normalize("ـ") == ""
    assert normalize("٣") == "3"
    assert normalize("ی") == "ي"
    assert normalize("A") == "a"


def test_offset_map_on_real_sentence() -> None:
    text = "وافق مجلس النواب الأميركي يوم السبت على حزمة بقيمة ٦١ مليار دولار"
    nt = normalize_with_map(text)
    i = nt.text.index("61 مليار دولار")
    start, end = nt.to_original(i, i + len("61 مليار دولار"))
    assert text[start:end] == "٦١ مليار دولار"
    assert nt.original_length == len(text)


def test_offset_map_through_tashkeel_tatweel_and_space_runs() -> None:
    text = "  قالَ   المُتحدّث:  «سنرسلُ صواريـــخ باتريوت»  "
    nt = normalize_with_map(text)
    assert nt.text == 'قال المتحدث: "سنرسل صواريخ باتريوت"'
    i = nt.text.index("صواريخ")
    start, end = nt.to_original(i, i + len("صواريخ باتريوت"))
    assert text[start:end] == "صواريـــخ باتريوت"
    i = nt.text.index("المتحدث")
    start, end = nt.to_original(i, i + len("المتحدث"))
    assert text[start:end] == "المُتحدّث"


def test_span_keeps_the_marks_written_on_its_last_letter() -> None:
    text = "قالَ إنّ المساعداتِ بقيمة ٦١ مليارَ دولارٍ."
    nt = normalize_with_map(text)
    assert nt.to_original(0, 3) == (0, 4)  # "قالَ" with its fatha
    i = nt.text.index("61 مليار دولار")
    start, end = nt.to_original(i, i + len("61 مليار دولار"))
    assert text[start:end] == "٦١ مليارَ دولارٍ"
    # …but never the whitespace or a control character after it.
    nt = normalize_with_map("قال َ‏كلمة")
    assert nt.to_original(0, 3) == (0, 3)


def test_adjacent_spans_do_not_overlap() -> None:
    text = "مسيّرةٌ روسيّةٌ"
    nt = normalize_with_map(text)
    assert nt.text == "مسيره روسيه"
    first = nt.to_original(0, 5)
    second = nt.to_original(6, len(nt.text))
    assert text[first[0] : first[1]] == "مسيّرةٌ"
    assert text[second[0] : second[1]] == "روسيّةٌ"
    assert first[1] <= second[0]


def test_collapsed_space_maps_to_first_whitespace_of_the_run() -> None:
    text = "كييف \t\n  موسكو"
    nt = normalize_with_map(text)
    assert nt.text == "كييف موسكو"
    assert nt.offsets[4] == 4
    assert nt.offsets[5] == text.index("موسكو")


def test_empty_and_blank_inputs() -> None:
    assert normalize_with_map("") == NormalizedText("", (), 0, ())
    nt = normalize_with_map(" \u200f\t\u064b ")
    assert nt.text == ""
    assert nt.offsets == ()
    assert nt.original_length == 5


@pytest.mark.parametrize(("start", "end"), [(0, 0), (3, 2), (-1, 2), (0, 99)])
def test_to_original_rejects_empty_or_outside_spans(start: int, end: int) -> None:
    nt = normalize_with_map("مليار دولار")
    with pytest.raises(ValueError, match="outside normalized text"):
        nt.to_original(start, end)


# --- properties ------------------------------------------------------------------------------

_ARABIC_LETTERS = "ابتثجحخدذرزسشصضطظعغفقكلمنهويءئؤةى"
_TASHKEEL = "".join(chr(c) for c in range(0x064B, 0x0653)) + "\u0670"
_ALEFS = "أإآٱ"
_PERSIAN = "یکۀ"
_DIGITS = "0123456789٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹٫٬،.,"
_BIDI = (
    "\u200b\u200c\u200d\u200e\u200f\u061c\u202a\u202b\u202c\u202d\u202e"
    "\u2066\u2067\u2068\u2069\ufeff"
)
_SPACES = " \t\n\r\u00a0\u2009\u202f\u2028\u3000"
_QUOTES = "\"'“”„«»‘’‹›–—-"
_LATIN = "abcXYZ"
_ALPHABET = (
    _ARABIC_LETTERS + _TASHKEEL + "\u0640" + _ALEFS + _PERSIAN + _DIGITS + _BIDI + _SPACES
) + (_QUOTES + _LATIN)

_texts = st.text(alphabet=st.sampled_from(_ALPHABET), max_size=60)
_SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@_SETTINGS
@given(_texts)
def test_every_normalized_char_maps_to_a_valid_original_index(text: str) -> None:
    nt = normalize_with_map(text)
    assert len(nt.offsets) == len(nt.text)
    assert nt.original_length == len(text)
    for k, off in enumerate(nt.offsets):
        assert 0 <= off < len(text)
        source = text[off]
        if nt.text[k] == " ":
            assert source.isspace()
        else:
            assert normalize(source) == nt.text[k]


@_SETTINGS
@given(_texts)
def test_offsets_are_strictly_increasing(text: str) -> None:
    nt = normalize_with_map(text)
    offsets = nt.offsets
    assert all(a < b for a, b in zip(offsets, offsets[1:], strict=False))
    # each character's end is after its start and no later than the next character's start
    assert len(nt.ends) == len(offsets)
    assert all(a < e for a, e in zip(offsets, nt.ends, strict=True))
    assert all(e <= b for e, b in zip(nt.ends, offsets[1:], strict=False))


def test_to_original_without_ends_falls_back_to_last_letter() -> None:
    nt = NormalizedText("قال", (0, 1, 2), 4)
    assert nt.to_original(0, 3) == (0, 3)


@_SETTINGS
@given(_texts)
def test_normalized_text_is_clean_and_normalization_is_idempotent(text: str) -> None:
    n = normalize(text)
    forbidden = set(_TASHKEEL + "\u0640" + _ALEFS + _PERSIAN + _BIDI + "ى" + "٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹")
    assert not forbidden & set(n)
    assert not set("“”«»‘’\t\n\u00a0\u3000") & set(n)
    assert "  " not in n
    assert n == n.strip()
    assert normalize(n) == n


@_SETTINGS
@given(_texts, st.data())
def test_any_normalized_substring_maps_back_to_a_span_with_that_normalization(
    text: str, data: st.DataObject
) -> None:
    nt = normalize_with_map(text)
    if not nt.text:
        return
    i = data.draw(st.integers(0, len(nt.text) - 1))
    j = data.draw(st.integers(i + 1, len(nt.text)))
    start, end = nt.to_original(i, j)
    assert 0 <= start < end <= len(text)
    assert normalize(text[start:end]) == nt.text[i:j].strip(" ")


@_SETTINGS
@given(_texts, _texts, _texts)
def test_found_substring_maps_back_exactly(prefix: str, middle: str, suffix: str) -> None:
    """A span found by searching the normalized text gives back an original span whose
    normalization is the searched string (the grounding use case)."""
    text = prefix + " " + middle + " " + suffix
    needle = normalize(middle)
    nt = normalize_with_map(text)
    if not needle:
        return
    i = nt.text.find(needle)
    assert i >= 0
    start, end = nt.to_original(i, i + len(needle))
    assert normalize(text[start:end]) == needle


_FAST_ALPHABET = st.sampled_from(
    list("أإآاىيةهکیـًٌٍَُِّْ٠١٢٣٤٥٦٧٨٩۰۱ \t\n\u00a0\u2028\u3000\u200f\u202b“”«»abcABCİ.,،٫٬-–—")
    + ["\u0653", "\u0670", "\ufeff"]
)


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=_FAST_ALPHABET, max_size=60))
def test_fast_normalize_equals_the_mapped_form(text: str) -> None:
    # normalize() skips the offset map for speed; it must never disagree with it.
    assert normalize(text) == normalize_with_map(text).text
