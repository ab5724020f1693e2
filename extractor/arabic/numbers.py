"""Reading Arabic number expressions: digits, number words, scale words, fractions, qualifiers.

Works on *normalized* text (see :mod:`extractor.arabic.textnorm`): alef forms unified, ة→ه, ى→ي,
Arabic-Indic digits already ASCII. Shared by money amounts, item quantities and casualties.

Covered: "61 مليار", "2.4 مليار", "٢٫٥ مليار", "1,500", "ملياري"/"مليارين"/"مليارا" (dual forms),
"ثلاثه مليارات", "نصف مليار", "مليارين ونصف مليار", "مليار و200 مليون", "85 الف",
"عشرات الالاف" / "مئات الملايين" (vague: a lower bound), and the qualifiers in front
(اكثر من → at_least, نحو/حوالي/قرابه → approx, ما يصل الي → up_to).
"""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

# --- scale words --------------------------------------------------------------------------
# normalized form -> (scale, count implied when no number precedes it)
# A dual ("ملياري", "مليارين", "مليارا" in construct) means two; a bare singular means one.
_SCALES: dict[str, tuple[float, int]] = {}


_PLURAL_SCALES: set[str] = set()


def _add_scale(base: str, value: float, plural: tuple[str, ...], dual_construct: str) -> None:
    _SCALES[base] = (value, 1)
    _SCALES[base + "ا"] = (value, 2) if dual_construct == "ا" else (value, 1)
    for dual in (base + "ين", base + "ان", base + "ي"):
        _SCALES[dual] = (value, 2)
    for p in plural:
        _SCALES[p] = (value, 1)
        _PLURAL_SCALES.add(p)


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
    "مئتا": 200,
    "مائتا": 200,
    "اثنا": 2,
    "اثني": 2,
}
# Fused hundreds: ثلاثمئة، أربعمائة … تسعمائة.
for _stem, _unit in (
    ("ثلاث", 3),
    ("اربع", 4),
    ("خمس", 5),
    ("ست", 6),
    ("سبع", 7),
    ("ثمان", 8),
    ("تسع", 9),
):
    for _hundred in ("مئه", "مائه"):
        _SMALL_WORDS[_stem + _hundred] = _unit * 100
# "أحد" is a number only in "أحد عشر" (11); alone it means "one of" or Sunday.
_TEEN_ONLY = {"احد": 1}
_TEN_WORDS = {"عشر", "عشره"}

_FRACTIONS = {"نصف": 0.5, "ربع": 0.25, "ثلث": 1 / 3}

# Qualifiers are matched against the normalized text right before the number. Order matters:
# "لا يتجاوز" (up to) must not be read as "يتجاوز" (more than).
_W = r"(?:^|(?<=\s))"  # start of a word: "ليصل إلى" (a running total) is not "يصل إلى"
_QUALIFIERS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"(?:ما\s+)?(?:لا\s+يقل|لا\s+تقل)\s+عن\s*$"), "at_least"),
    (re.compile(r"(?:اكثر|ازيد)\s+من\s*$"), "at_least"),
    (re.compile(r"ما\s+(?:يزيد|يربو)\s+(?:عن|علي)\s*$"), "at_least"),
    (re.compile(r"(?:حتي|اقل\s+من|لا\s+يتجاوز|لا\s+تتجاوز|لا\s+يزيد\s+(?:عن|علي))\s*$"), "up_to"),
    (re.compile(r"بحد\s+اقصي\s*$"), "up_to"),
    (re.compile(_W + r"(?:ما\s+)?(?:يصل|تصل)\s+(?:الي|ل|حتي)\s*$"), "up_to"),
    (re.compile(r"(?<!لا )(?:يتجاوز|تتجاوز|يفوق|تفوق|تتخطي|يتخطي)\s*$"), "at_least"),
    (
        re.compile(
            r"(?:نحو|حوالي|حوالى|قرابه|زهاء|تقريبا|ما\s+يقارب|ما\s+يقرب\s+من|يقارب|يناهز|ما\s+يناهز)\s*$"
        ),
        "approx",
    ),
)

_TOKEN_RE = re.compile(r"\d+(?:[.,]\d+)*|[^\W\d_]+", re.UNICODE)


class Token(NamedTuple):
    """A word or digit run of normalized text (a tuple: made by the thousand per document)."""

    text: str
    start: int
    end: int


# Clitics written onto a number word: "بمليار" (with a billion), "وثلاثة" (and three), "ولنصف".
_CLITIC_RE = re.compile(r"^(?:[وف]?[بلك]|[وف])")
_CLITIC_LETTERS = frozenset("وفبلك")


def tokenize(norm: str) -> list[Token]:
    """Split normalized text into digit runs and letter runs (so "ب2" gives "ب", "2").

    Cached: money, items and casualties read the same text one after another.
    """
    return list(_tokenize(norm))


@lru_cache(maxsize=64)
def _tokenize(norm: str) -> tuple[Token, ...]:
    return tuple(_split_tokens(norm))


def _split_tokens(norm: str) -> list[Token]:
    """Split normalized text into digit runs and letter runs (so "ب2" gives "ب", "2").

    A clitic written onto a number word is split off too ("بمليار" → "ب", "مليار"), so that
    "تعهدت بمليار دولار" and "قتيلان وثلاثة جرحى" read like their spaced forms.
    """
    out: list[Token] = []
    splits = _CLITIC_SPLITS
    for m in _TOKEN_RE.finditer(norm):
        word, start, end = m.group(), m.start(), m.end()
        cut = splits.get(word)
        if cut:
            out.append(Token(word[:cut], start, start + cut))
            out.append(Token(word[cut:], start + cut, end))
        else:
            out.append(Token(word, start, end))
    return out


def _clitic_splits() -> dict[str, int]:
    """Every clitic + number word form ("بمليار", "وثلاثه", "وبنصف") → length of the clitic.

    The longest clitic wins; the rest must be a number word of 3+ letters ("لست" is "I am not",
    not "ل" + "ست"); a form that is itself a number word is not split ("بليون")."""
    clitics = ("وب", "ول", "وك", "فب", "فل", "فك", "و", "ف", "ب", "ل", "ك")
    words = [
        w
        for w in (*_SMALL_WORDS, *_SCALES, *_FRACTIONS, *_VAGUE_COUNTS, *_TEEN_ONLY)
        if len(w) >= 3
    ]
    out: dict[str, int] = {}
    for clitic in clitics:  # longest first
        for word in words:
            form = clitic + word
            if form not in out and not starts_amount(form):
                out[form] = len(clitic)
    return out


@dataclass(frozen=True, slots=True)
class Amount:
    """A number expression found in normalized text."""

    value: float
    start: int  # normalized offsets, [start, end)
    end: int
    qualifier: str  # exact | at_least | approx | up_to
    end_token: int  # index of the first token after the expression


_DOT_THOUSANDS = re.compile(r"\d{1,3}\.\d{3}")


def parse_digits(s: str) -> float:
    """ "1,500" → 1500; "2.4" → 2.4; "2,4" → 2.4 (a comma not followed by 3 digits is decimal)."""
    if "," in s and "." in s:  # "1,500.5" / "1.500,5": the last separator is the decimal one
        thousands = "," if s.rfind(",") < s.rfind(".") else "."
        s = s.replace(thousands, "")
        return float(s.replace(",", "."))
    if "," in s:
        parts = s.split(",")
        grouped = all(len(p) == 3 for p in parts[1:])
        s = "".join(parts) if grouped else s.replace(",", ".")
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
        if scale:
            return value * scale[0], i + 2
        if _DOT_THOUSANDS.fullmatch(w):  # "500.000 دولار", "1.500 جندي": thousands, not decimals
            value = float(w.replace(".", ""))
        return value, i + 1
    if w in _SMALL_WORDS or w in _TEEN_ONLY:
        words = _read_words(tokens, i, w)
        if words is None:
            return None
        value, j = words
        scale = _scale_at(tokens, j)
        return (value * scale[0], j + 1) if scale else (value, j)
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


def _read_words(tokens: list[Token], i: int, w: str) -> tuple[float, int] | None:
    """A number written in words, without its scale: "خمسة" (5), "خمسة عشر" (15),
    "خمسة وعشرون" (25), "مئة وخمسة وعشرون" (125). ``w`` stands for token i.

    Returns (value, index of the first token after the words).
    """
    teen = _teen(tokens, i, w)
    if teen is not None:
        value, j = teen
    elif w in _SMALL_WORDS:
        value, j = float(_SMALL_WORDS[w]), i + 1
    else:
        return None
    last = value
    # Arabic order is hundreds, then units, then tens: "مئة وخمسة وعشرون". Anything else
    # ("خمسة وستة") is a list of numbers, not one number.
    while (conj := _conjunct(tokens, j)) is not None:
        word, k = conj
        part = _teen(tokens, k, word)
        if part is None:
            if word not in _SMALL_WORDS:
                break
            part = float(_SMALL_WORDS[word]), k + 1
        v = part[0]
        if not ((last >= 100 and v < 100) or (last < 10 and v in _TENS)):
            break
        value += v
        last = v
        j = part[1]
    return value, j


_TENS = {20.0, 30.0, 40.0, 50.0, 60.0, 70.0, 80.0, 90.0}


def _teen(tokens: list[Token], i: int, w: str) -> tuple[float, int] | None:
    """ "خمسة عشر" → (15, index after "عشر"); "أحد عشر" → 11."""
    unit = _TEEN_ONLY.get(w) or _SMALL_WORDS.get(w)
    if unit is not None and unit < 10 and i + 1 < len(tokens) and tokens[i + 1].text in _TEN_WORDS:
        return float(unit + 10), i + 2
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
    if _is_year(tokens, i):
        return None
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
        if sub_scale is None:
            # "ألف و500" is 1500; "مليار و2" would be a list, but a part smaller than the
            # scale before it can only be its remainder.
            if nxt[0] < last_scale and nxt[0] == int(nxt[0]):
                value += nxt[0]
                j = nxt[1]
            break
        if sub_scale >= last_scale:
            break  # "مليار و2 مليار" or "5 و6" are lists, not one amount
        value += nxt[0]
        j = nxt[1]
        last_scale = sub_scale
    start, end = tokens[i].start, tokens[j - 1].end
    first_word = tokens[i].text
    if first_word in _VAGUE_COUNTS or first_word in _PLURAL_SCALES:
        qualifier = "at_least"  # "عشرات الملايين", "مليارات الدولارات": a lower bound
    else:
        qualifier = qualifier_before(norm, start)
    return Amount(value, start, end, qualifier, j)


# "عام 2024", "لعام 2025", "سنة 2023": a year, never a count ("عام 2024 مليار يورو" is
# a billion euros in 2024, not 2024 billion).
_YEAR_WORD = re.compile(r"^(?:[وف]?(?:[بل]|لل|بال)?)(?:ال)?(?:عام|عامي|سنه|سنتي)$")
_YEAR_DIGITS = re.compile(r"^(?:19|20)\d\d$")


def _is_year(tokens: list[Token], i: int) -> bool:
    return (
        i > 0
        and _YEAR_DIGITS.match(tokens[i].text) is not None
        and _YEAR_WORD.match(tokens[i - 1].text) is not None
    )


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
        or word in _TEEN_ONLY
    )


def is_vague(word: str) -> bool:
    """ "عشرات", "مئات", "آلاف", "ملايين": a word that gives an order of magnitude, not a count."""
    return word in _VAGUE_COUNTS or word in _PLURAL_SCALES


def _vocabulary_pattern() -> re.Pattern[str]:
    words = sorted(
        {*_SMALL_WORDS, *_SCALES, *_FRACTIONS, *_VAGUE_COUNTS, *_TEEN_ONLY}, key=len, reverse=True
    )
    return re.compile(
        r"(?<![\d.,])\d"  # the start of a digit run
        r"|(?<![^\W\d_])(?:[وف]?[بلك]|[وف])?(" + "|".join(map(re.escape, words)) + r")(?![^\W\d_])"
    )


_AMOUNT_WORD = _vocabulary_pattern()


@lru_cache(maxsize=64)
def _candidates(norm: str) -> tuple[int, ...]:
    starts = [t.start for t in _tokenize(norm)]
    out = []
    for m in _AMOUNT_WORD.finditer(norm):
        pos = m.start(1) if m.group(1) is not None else m.start()
        i = bisect_left(starts, pos)
        if i < len(starts) and starts[i] == pos:
            out.append(i)
    return tuple(out)


def amount_candidates(norm: str, tokens: list[Token]) -> tuple[int, ...]:
    """Indices of the tokens of ``norm`` (as made by :func:`tokenize`) where an amount may start:
    found by one regex pass instead of a test per word."""
    return _candidates(norm)


_CLITIC_SPLITS = _clitic_splits()
