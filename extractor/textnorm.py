"""Arabic text normalization for *matching*, with a map back to offsets in the original text.

The record always keeps the original text; this form exists so that "الأمین", "الامين" and
"الأمِين" compare equal, Arabic-Indic digits read as ASCII, and runs of spaces or quote marks do
not break a match. Every normalized character remembers the index of the original character it
came from, so a span found in the normalized text maps back to an exact original span.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Characters removed entirely: tashkeel (with the combining maddah/hamza of decomposed text and
# the rarer marks up to U+065F), superscript alef, tatweel, bidi and zero-width controls, soft
# hyphen and word joiner.
_DROP = {chr(c) for c in range(0x064B, 0x0660)} | {
    "\u0670",  # superscript alef
    "\u0640",  # tatweel
    "\u200b",
    "\u200c",
    "\u200d",
    "\u200e",
    "\u200f",
    "\u061c",  # arabic letter mark
    "\u202a",
    "\u202b",
    "\u202c",
    "\u202d",
    "\u202e",
    "\u2066",
    "\u2067",
    "\u2068",
    "\u2069",
    "\ufeff",
    "\u00ad",  # soft hyphen
    "\u2060",  # word joiner
}

_MAP: dict[str, str] = {
    # alef variants
    "أ": "ا",
    "إ": "ا",
    "آ": "ا",
    "ٱ": "ا",
    # ya / alef maqsura, ta marbuta, Persian letters seen inside Arabic words
    "ى": "ي",
    "ی": "ي",
    "ي": "ي",
    "ک": "ك",
    "ة": "ه",
    "ۀ": "ه",
    # separators
    "٫": ".",
    "٬": ",",
    "،": "،",
    # quote marks and dashes
    "“": '"',
    "”": '"',
    "„": '"',
    "«": '"',
    "»": '"',
    "‘": "'",
    "’": "'",
    "‹": '"',
    "›": '"',
    "–": "-",
    "—": "-",
    "‐": "-",
    "‑": "-",
}
for _i in range(10):
    _MAP[chr(0x0660 + _i)] = str(_i)  # Arabic-Indic digits
    _MAP[chr(0x06F0 + _i)] = str(_i)  # Extended (Persian) digits

_WHITESPACE = {" ", "\t", "\n", "\r", "\u00a0", "\u2009", "\u202f", "\u2002", "\u2003", "\f", "\v"}


# Combining marks: a span that ends on a letter also takes the marks written on it, so a quote
# never cuts the final vowel or tanween off its letter ("دولارٍ", not "دولار" + a stray mark).
_MARKS = frozenset(chr(c) for c in range(0x064B, 0x0660)) | {"\u0670"}


def _build_table() -> dict[int, str | None]:
    table: dict[int, str | None] = {ord(c): None for c in _DROP}
    for src, dst in _MAP.items():
        table[ord(src)] = dst
    return table


_TABLE = _build_table()


@dataclass(frozen=True, slots=True)
class NormalizedText:
    """Normalized text plus, for every normalized character, its index in the original.

    ``ends`` (optional) gives, for every normalized character, the original index just after it
    and the combining marks written on it; without it a span ends right after its last letter.
    """

    text: str
    offsets: tuple[int, ...]
    original_length: int
    ends: tuple[int, ...] = ()

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        """Map a normalized span [start, end) to the original span covering the same characters
        (with the combining marks on its last letter)."""
        if not 0 <= start < end <= len(self.text):
            raise ValueError(f"span {start}:{end} outside normalized text of {len(self.text)}")
        if self.ends:
            return self.offsets[start], self.ends[end - 1]
        return self.offsets[start], self.offsets[end - 1] + 1


def normalize_char(ch: str) -> str:
    """Normalize one character (may return "" for dropped characters)."""
    out = ch.translate(_TABLE)
    return out.lower()


def _space_class() -> str:
    extra = "".join(chr(c) for c in range(0x80, 0x3001) if chr(c).isspace())
    return "[" + re.escape("".join(sorted(_WHITESPACE)) + extra) + "]+"


_SPACES = re.compile(_space_class())


def normalize(text: str) -> str:
    """Normalized form of ``text`` for comparisons, without the offset map.

    Gives exactly ``normalize_with_map(text).text``, several times faster (no per-char loop).
    """
    return _SPACES.sub(" ", text.translate(_TABLE).lower()).strip(" ")


def normalize_with_map(text: str) -> NormalizedText:
    """Normalize ``text`` for matching and keep a map back to original offsets.

    Leading/trailing whitespace is dropped and inner whitespace runs collapse to one space.
    """
    chars: list[str] = []
    offsets: list[int] = []
    ends: list[int] = []
    pending_space = -1
    table = _TABLE
    for i, ch in enumerate(text):
        if ch in _WHITESPACE or (ch > "\x7f" and ch.isspace()):  # also U+2028, U+3000 …
            if chars and pending_space < 0:
                pending_space = i
            continue
        out = ch.translate(table)
        if not out:
            # A mark right after the last kept letter (or after its other marks) belongs to it.
            if ch in _MARKS and ends and pending_space < 0 and ends[-1] == i:
                ends[-1] = i + 1
            continue
        if pending_space >= 0:
            chars.append(" ")
            offsets.append(pending_space)
            ends.append(pending_space + 1)
            pending_space = -1
        out = out.lower()
        # One source char may expand (rare lower-casing cases); each output char maps back to it.
        for o in out:
            chars.append(o)
            offsets.append(i)
            ends.append(i + 1)
    return NormalizedText("".join(chars), tuple(offsets), len(text), tuple(ends))
