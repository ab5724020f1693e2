"""Reading Arabic number expressions: digits, number words, scale words, fractions, qualifiers.

Works on *normalized* text (see :mod:`extractor.textnorm`): alef forms unified, ة→ه, ى→ي,
Arabic-Indic digits already ASCII. Shared by money amounts, item quantities and casualties.

Covered: "61 مليار", "2.4 مليار", "٢٫٥ مليار", "1,500", "ملياري"/"مليارين"/"مليارا" (dual forms),
"ثلاثه مليارات", "نصف مليار", "مليارين ونصف مليار", "مليار و200 مليون", "85 الف",
"عشرات الالاف" / "مئات الملايين" (vague: a lower bound), and the qualifiers in front
(اكثر من → at_least, نحو/حوالي/قرابه → approx, ما يصل الي → up_to).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# --- scale words --------------------------------------------------------------------------
# normalized form -> (scale, count implied when no number precedes it)
# A dual ("ملياري", "مليارين", "مليارا" in construct) means two; a bare singular means one.
_SCALES: dict[str, tuple[float, int]] = {}


def _add_scale(base: str, value: float, plural: tuple[str, ...], dual_construct: str) -> None:
    _SCALES[base] = (value, 1)
    _SCALES[base + "ا"] = (value, 2) if dual_construct == "ا" else (value, 1)
    for dual in (base + "ين", base + "ان", base + "ي"):
        _SCALES[dual] = (value, 2)
    for p in plural:
        _SCALES[p] = (value, 1)


_add_scale("الف", 1e3, ("الاف", "الوف"), "ا")
_add_scale("مليون", 1e6, ("ملايين",), "ا")
_add_scale("مليار", 1e9, ("مليارات",), "ا")
_add_scale("بليون", 1e9, ("بلايين", "بليونات"), "ا")
_add_scale("تريليون", 1e12, ("تريليونات",), "ا")

# Plural scale words used after a definite article in vague amounts: "مئات الملايين".
_VAGUE_COUNTS = {"عشرات": 10, "مئات": 100, "الاف": 1000}

_SMALL_WORDS: dict[str, int] = {
    "واحد": 1,
    "واحده": 1,
    "اثنان": 2,
    "اثنين": 2,
    "اثنتان": 2,
    "اثنتين": 2,
    "ثلاث": 3,
    "ثلاثه": 3,
    "اربع": 4,
    "اربعه": 4,
    "خمس": 5,
    "خمسه": 5,
    "ست": 6,
    "سته": 6,
    "سبع": 7,
    "سبعه": 7,
    "ثمان": 8,
    "ثماني": 8,
    "ثمانيه": 8,
    "تسع": 9,
    "تسعه": 9,
    "عشر": 10,
    "عشره": 10,
    "عشرون": 20,
    "عشرين": 20,
    "ثلاثون": 30,
    "ثلاثين": 30,
    "اربعون": 40,
    "اربعين": 40,
    "خمسون": 50,
    "خمسين": 50,
    "ستون": 60,
    "ستين": 60,
    "سبعون": 70,
    "سبعين": 70,
    "ثمانون": 80,
    "ثمانين": 80,
    "تسعون": 90,
    "تسعين": 90,
    "مئه": 100,
    "مائه": 100,
    "مئتان": 200,
    "مئتين": 200,
    "مئتي": 200,
    "مائتان": 200,
    "مائتين": 200,
    "مائتي": 200,
    "ثلاثمئه": 300,
    "ثلاثمائه": 300,
    "خمسمئه": 500,
    "خمسمائه": 500,
}

_FRACTIONS = {"نصف": 0.5, "ربع": 0.25, "ثلث": 1 / 3}

# Qualifiers are matched against the normalized text right before the number.
_QUALIFIERS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"(?:ما\s+)?(?:لا\s+يقل|لا\s+تقل)\s+عن\s*$"), "at_least"),
    (re.compile(r"(?:اكثر|ازيد)\s+من\s*$"), "at_least"),
    (re.compile(r"ما\s+يزيد\s+(?:على|عن|علي)\s*$"), "at_least"),
    (re.compile(r"(?:يتجاوز|تتجاوز|يفوق|تفوق|تتخطي|يتخطي)\s*$"), "at_least"),
    (re.compile(r"ما\s+(?:يصل|تصل)\s+(?:الي|لـ?|حتي)\s*$"), "up_to"),
    (re.compile(r"(?:حتي|اقل\s+من|لا\s+يتجاوز|لا\s+تتجاوز)\s*$"), "up_to"),
    (
        re.compile(
            r"(?:نحو|حوالي|حوالى|قرابه|زهاء|تقريبا|ما\s+يقارب|ما\s+يقرب\s+من|يقارب|يناهز|ما\s+يناهز)\s*$"
        ),
        "approx",
    ),
)

_TOKEN_RE = re.compile(r"\d+(?:[.,]\d+)*|[^\W\d_]+", re.UNICODE)


@dataclass(frozen=True, slots=True)
class Token:
    text: str
    start: int
    end: int


def tokenize(norm: str) -> list[Token]:
    """Split normalized text into digit runs and letter runs (so "ب2" gives "ب", "2")."""
    return [Token(m.group(), m.start(), m.end()) for m in _TOKEN_RE.finditer(norm)]


@dataclass(frozen=True, slots=True)
class Amount:
    """A number expression found in normalized text."""

    value: float
    start: int  # normalized offsets, [start, end)
    end: int
    qualifier: str  # exact | at_least | approx | up_to
    end_token: int  # index of the first token after the expression


def parse_digits(s: str) -> float:
    """ "1,500" → 1500; "2.4" → 2.4; "2,4" → 2.4 (a comma not followed by 3 digits is decimal)."""
    if "," in s:
        parts = s.split(",")
        if all(len(p) == 3 for p in parts[1:]):
            s = "".join(parts)
        else:
            s = s.replace(",", ".")
    if s.count(".") > 1:  # 1.500.000 (thousands dots)
        s = s.replace(".", "")
    return float(s)


def _scale_at(tokens: list[Token], i: int) -> tuple[float, int] | None:
    if i < len(tokens):
        w = tokens[i].text
        if w.startswith("ال") and w[2:] in _SCALES:  # "الملايين" after a vague count
            w = w[2:]
        return _SCALES.get(w)
    return None


def _read_simple(tokens: list[Token], i: int, word: str | None = None) -> tuple[float, int] | None:
    """One "number [scale]" group whose first word is ``word`` (default: token i).

    Returns (value, index of the first token after the group).
    """
    if i >= len(tokens):
        return None
    w = tokens[i].text if word is None else word
    if w[:1].isdigit():
        value = parse_digits(w)
        scale = _scale_at(tokens, i + 1)
        return (value * scale[0], i + 2) if scale else (value, i + 1)
    if w in _SMALL_WORDS:
        value = float(_SMALL_WORDS[w])
        scale = _scale_at(tokens, i + 1)
        return (value * scale[0], i + 2) if scale else (value, i + 1)
    if w in _FRACTIONS:
        scale = _scale_at(tokens, i + 1)
        return (_FRACTIONS[w] * scale[0], i + 2) if scale else None
    if w in _VAGUE_COUNTS:
        scale = _scale_at(tokens, i + 1)
        if scale:
            return _VAGUE_COUNTS[w] * scale[0], i + 2
        return float(_VAGUE_COUNTS[w]), i + 1
    if w in _SCALES:
        scale_value, implied = _SCALES[w]
        return scale_value * implied, i + 1
    return None


def _scale_of_group(tokens: list[Token], i: int, j: int, word: str) -> float | None:
    """The scale word used by the group tokens[i:j] (``word`` stands for token i)."""
    for k in range(j - 1, i - 1, -1):
        w = word if k == i else tokens[k].text
        if w.startswith("ال") and w[2:] in _SCALES:
            w = w[2:]
        if w in _SCALES:
            return _SCALES[w][0]
    return None


def _conjunct(tokens: list[Token], j: int) -> tuple[str, int] | None:
    """After an amount, "و" + word (separate or attached) → (word, index of that word's token)."""
    if j >= len(tokens):
        return None
    t = tokens[j].text
    if t == "و" and j + 1 < len(tokens):
        return tokens[j + 1].text, j + 1
    if len(t) > 2 and t.startswith("و") and starts_amount(t[1:]):
        return t[1:], j
    return None


def read_amount(norm: str, tokens: list[Token], i: int) -> Amount | None:
    """Read the number expression starting at token ``i``, with continuations and qualifier."""
    first = _read_simple(tokens, i)
    if first is None:
        return None
    value, j = first
    last_scale = _scale_of_group(tokens, i, j, tokens[i].text)
    # continuations: "مليارين ونصف مليار", "مليار ونصف", "مليار و200 مليون"
    while last_scale is not None and (conj := _conjunct(tokens, j)) is not None:
        word, k = conj
        if word in _FRACTIONS:
            scale = _scale_at(tokens, k + 1)
            if scale:
                value += _FRACTIONS[word] * scale[0]
                j = k + 2
            else:
                value += _FRACTIONS[word] * last_scale
                j = k + 1
            continue
        nxt = _read_simple(tokens, k, word)
        if nxt is None:
            break
        sub_scale = _scale_of_group(tokens, k, nxt[1], word)
        if sub_scale is None or sub_scale >= last_scale:
            break  # "مليار و2 مليار" or "5 و6" are lists, not one amount
        value += nxt[0]
        j = nxt[1]
        last_scale = sub_scale
    start, end = tokens[i].start, tokens[j - 1].end
    qualifier = "at_least" if tokens[i].text in _VAGUE_COUNTS else qualifier_before(norm, start)
    return Amount(value, start, end, qualifier, j)


def qualifier_before(norm: str, start: int) -> str:
    """The qualifier (at_least, approx, up_to) written just before ``start``, else exact."""
    window = norm[max(0, start - 30) : start]
    for pattern, name in _QUALIFIERS:
        if pattern.search(window):
            return name
    return "exact"


def starts_amount(word: str) -> bool:
    """Can an amount expression start with this normalized word?"""
    return (
        word[:1].isdigit()
        or word in _SMALL_WORDS
        or word in _SCALES
        or word in _FRACTIONS
        or word in _VAGUE_COUNTS
    )
