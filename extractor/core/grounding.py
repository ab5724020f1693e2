"""Grounding: find a backend's quote in the document and refuse what the text does not say.

A quote is located exactly, then on normalized text (tashkeel, alef forms, digits, spaces and
quote marks unified), then fuzzily with rapidfuzz; the result is always an original-text span
with ``text[start:end] == quote``. A quote must be a meaningful span — a clause with words, not a
lone number, a single word or a URL — and every argument value must be found in the quote's
sentence (see :func:`in_context`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import fuzz

from extractor.arabic.textnorm import NormalizedText, normalize, normalize_with_map

FUZZY_MIN_SCORE = 90.0
MIN_QUOTE_WORDS = 3
MIN_QUOTE_CHARS = 15

_URL = re.compile(r"https?://|www\.|\.(?:com|org|net|be|ly)\b|youtu", re.IGNORECASE)
_ARABIC_WORD = re.compile(r"[\u0621-\u064A\u066E-\u06D3]{2,}")


@dataclass(frozen=True, slots=True)
class Located:
    start: int
    end: int
    alignment: str  # exact | normalized | fuzzy


def quote_problem(quote: str) -> str | None:
    """Why ``quote`` cannot be evidence (None when it can)."""
    q = quote.strip()
    if not q:
        return "empty quote"
    if _URL.search(q):
        return "quote is a URL, not article text"
    if len(q) < MIN_QUOTE_CHARS or len(_ARABIC_WORD.findall(q)) < MIN_QUOTE_WORDS:
        return f"quote too short to state an event ({q[:40]!r})"
    return None


def locate(
    text: str,
    quote: str,
    window: tuple[int, int] | None = None,
    norm: NormalizedText | None = None,
) -> Located | None:
    """Find ``quote`` in ``text[window]``; offsets returned are into ``text``."""
    ws, we = window or (0, len(text))
    quote = quote.strip()
    if not quote:
        return None
    pos = text.find(quote, ws, we)
    if pos >= 0:
        return Located(pos, pos + len(quote), "exact")
    norm = norm or normalize_with_map(text)
    nq = normalize(quote)
    if not nq:
        return None
    nws, nwe = _normalized_window(norm, ws, we)
    npos = norm.text.find(nq, nws, nwe)
    if npos >= 0:
        start, end = norm.to_original(npos, npos + len(nq))
        return Located(start, end, "normalized")
    if len(nq) < 2 * MIN_QUOTE_CHARS:
        return None  # fuzzy matching of short strings finds anything
    hay = norm.text[nws:nwe]
    hit = fuzz.partial_ratio_alignment(nq, hay, score_cutoff=FUZZY_MIN_SCORE)
    if hit is None:
        return None
    ds, de = hit.dest_start, hit.dest_end
    # Never let a fuzzy hit be much shorter than the quote (a substring of it matches 100 %).
    if de - ds < 0.8 * len(nq):
        return None
    ds, de = _widen_to_words(hay, ds, de)
    start, end = norm.to_original(nws + ds, nws + de)
    return Located(start, end, "fuzzy")


def _normalized_window(norm: NormalizedText, start: int, end: int) -> tuple[int, int]:
    """The normalized index range whose characters come from original [start, end)."""
    from bisect import bisect_left

    return bisect_left(norm.offsets, start), bisect_left(norm.offsets, end)


def _widen_to_words(hay: str, start: int, end: int) -> tuple[int, int]:
    while start > 0 and not hay[start - 1].isspace():
        start -= 1
    while end < len(hay) and not hay[end].isspace() and hay[end] not in ".،,؛:":
        end += 1
    while end > start and hay[end - 1].isspace():
        end -= 1
    return start, end


# A value may carry clitics the text does not, or the reverse ("أوكرانيا" ~ "لأوكرانيا",
# "الناتو" ~ "للناتو"), but it must be whole words: "روما" is not in "رومانيا", "5 مارس" not
# in "15 مارس".
_BEFORE = r"(?<![^\W_])"
_AFTER = r"(?![^\W_])"
_CLITICS = r"(?:[وف]?[بلك]?(?:ال)?)"


@lru_cache(maxsize=4096)
def _value_pattern(value: str) -> re.Pattern[str] | None:
    words = value.split(" ")
    first = words[0]
    forms = [first]
    # the value may carry a clitic the text does not ("لأوكرانيا" for "أوكرانيا"); ك is left
    # alone (كييف, كندا …) and the rest must stay a word of its own
    if first[:1] in "وفبل" and len(first) > 4:
        forms.append(first[1:])
        if first[1:2] in "بل" and len(first) > 5:
            forms.append(first[2:])
    rest = "".join(" " + re.escape(w) for w in words[1:])
    options = [re.escape(f) for f in forms]
    options += [
        "ل" + re.escape(f[2:]) for f in forms if f.startswith("ال") and len(f) > 4
    ]  # للناتو
    # a model may add an article the text does not write ("الأوكرانيا" for "أوكرانيا")
    options += [re.escape(f[2:]) for f in forms if f.startswith("ال") and len(f) > 4]
    body = "(?:" + "|".join(options) + ")"
    return re.compile(_BEFORE + _CLITICS + body + rest + _AFTER)


def find_in_context(surface: str, context_norm: str) -> tuple[int, int] | None:
    """Where the value ``surface`` is written in the normalized context, as whole words."""
    s = normalize(surface).strip(" \"'.,،:")
    if len(s) < 2 and not s.isdigit():
        return None
    pattern = _value_pattern(s)
    m = pattern.search(context_norm) if pattern else None
    return m.span() if m else None


def in_context(surface: str, context_norm: str) -> bool:
    """Is the value ``surface`` written in the (normalized) context text, as whole words?"""
    return find_in_context(surface, context_norm) is not None
