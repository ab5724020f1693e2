"""Sentence and clause boundaries in Arabic news text, as offsets into the original text."""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from functools import lru_cache

# A sentence ends at . ! ? ؟ (followed by space/end, so "2.4" and "أ.ف.ب" stay whole), after a
# closing quote that follows them, or at a line break. Scraped pages often lose the space after
# the stop ("الشهير.وجرى", "الأمريكي؟وقال"): a full stop glued to an Arabic letter ends a
# sentence when the word before it has two letters or more (an initial as in "أ.ف.ب" does not),
# and a question or exclamation mark always does.
_ARABIC_LETTER = "\u0621-\u064a\u066e-\u06d3"
_SENTENCE_END = re.compile(
    r"(?:[.!?؟…]+[\"”»')\]]*)(?=\s|$)|\n+"
    rf"|(?<=[^\s.!?؟…]{{2}})\.[\"”»')\]]*(?=[{_ARABIC_LETTER}])"
    rf"|(?<=\S)[!?؟]+[\"”»')\]]*(?=[{_ARABIC_LETTER}])"
)
# Clause breaks inside long sentences: ", مشيرا إلى أن …", ", فيما …", "، بينما …", and a
# background clause ("، بعد أن علقتها …", "، إثر المشادة …", "، رغم موافقة …") that tells
# another event ("، قبل أن …" often goes on with the same one: "قبل أن ينضم إلى الاتصال …"), and
# a comment on it ("، وهو ما انتقدته الخارجية الأوكرانية").
_TASHKEEL = "\u064b-\u0652"
_CLAUSE_BREAK = re.compile(
    rf"[،,]\s*(?=(?:و)?(?:مشير|مؤكد|مضيف|موضح|معرب|متهم|لافت|منوه|مبين)[{_TASHKEEL}]*[اةه]?[{_TASHKEEL}]*\s"
    r"|(?:في حين|فيما|بينما|حيث|وذلك|في وقت)\s|بعد\s+[اأإ]ن\s|بعدما\s|(?:رغم|برغم|[إا]ثر)\s"
    # a running total that follows a package: "، ليرتفع إجمالي الدعم إلى …"
    r"|ل[يت](?:رتفع|صل|بلغ|كتمل|تجاوز)\s"
    # a second reported fact: "…، وأن برلين ستزودها …", "…، والتي وقعها بوتين …", "…، كما
    # التقى …", "…، على أن يستقبل …" (a planned sequel)
    r"|و[أا]ن\s|و(?:التي|الذي)\s|كما\s|على\s+[أا]ن\s|وهو\s+ما\s|وهي\s+ما\s"
    # a new statement of the speaker ("…، وقال إن محادثات …") and a contrast ("…، إلا أن الجانب
    # الروسي لم يؤكد الموعد"): a cue there is no cue of the clause before
    r"|و(?:قال|قالت|[أا]ضاف|[أا]ضافت|[أا]كد|[أا]كدت|[أا]وضح|[أا]وضحت|[أا]شار|[أا]شارت)\s"
    r"|(?:[إا]لا\s+[أا]ن|لكن|لكنه|لكنها|غير\s+[أا]ن|بيد\s+[أا]ن)\s"
    # a new contact, signature or undertaking with its own subject: "…، وأجرى أردوغان في اليوم
    # نفسه اتصالا مماثلا مع …", "…، والتقى لاحقا …", "…، ووقع الجانبان …", "…، وبدأ الترتيب لعقد
    # لقاء …"
    r"|و(?:[أا]جر[ىيا]|[أا]جرت|[أا]جريا|التق[ىي]|التقت|التقيا|زار|زارت|استقبل|استقبلت"
    rf"|تلق[ىي]|تلقت|وق[{_TASHKEEL}]*ع[{_TASHKEEL}]*(?:ت|ا)?|بد[أا](?:ت|ا)?)\s)"
    r"|\s(?=حيث\s)"
)


# A clause longer than this (pages that drop their full stops run several sentences together)
# is cut further where a run-on sentence starts a new statement ("… وقال الرئيس …"), and at
# last at a space, so that no quote grows past what a reader can check.
LONG_CLAUSE = 600
_RUN_ON = re.compile(
    r"\s(?=(?:و|ف)(?:قال|قالت|[أا]ضاف|[أا]ضافت|[أا]علن|[أا]علنت|[أا]كد|[أا]كدت|كان|كانت|ارتفع|ارتفعت|تزامن|تزامنت"
    r"|جدد|جددت|شدد|شددت|[أا]شار|[أا]شارت|[أا]وضح|[أا]وضحت|ذكر|ذكرت|ي[أا]تي|ت[أا]تي|جاء|جاءت|[أا]سهم|[أا]سهمت)\s)"
    r"|\s(?=(?:بينما|فيما|في حين)\s)"
)


@dataclass(frozen=True, slots=True)
class Span:
    start: int
    end: int


def _trimmed(text: str, start: int, end: int) -> Span | None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return Span(start, end) if end > start else None


def sentences(text: str, start: int = 0, end: int | None = None) -> list[Span]:
    """Sentence spans of ``text[start:end]`` (offsets into ``text``), whitespace trimmed."""
    end = len(text) if end is None else end
    out: list[Span] = []
    pos = start
    for m in _SENTENCE_END.finditer(text, start, end):
        span = _trimmed(text, pos, m.end() if m.group().strip() else m.start())
        if span:
            out.append(span)
        pos = m.end()
    span = _trimmed(text, pos, end)
    if span:
        out.append(span)
    return out


def clauses(text: str, sentence: Span) -> list[Span]:
    """Split a sentence at clause breaks that introduce a new statement (and a run-on clause
    longer than :data:`LONG_CLAUSE` where a new statement starts, else at a space)."""
    out: list[Span] = []
    pos = sentence.start
    for m in _CLAUSE_BREAK.finditer(text, sentence.start, sentence.end):
        span = _trimmed(text, pos, m.start())
        if span:
            out.extend(_cut_long(text, span))
        pos = m.end()
    span = _trimmed(text, pos, sentence.end)
    if span:
        out.extend(_cut_long(text, span))
    return out


def _cut_long(text: str, span: Span) -> list[Span]:
    """A clause cut where a new statement starts, then capped at :data:`LONG_CLAUSE`."""
    return [p for part in run_on_parts(text, span) for p in _cut_at_spaces(text, part)]


def _cut_at_spaces(text: str, span: Span, limit: int = LONG_CLAUSE) -> list[Span]:
    """Pieces of at most ``limit`` characters, cut at the last space that fits."""
    out: list[Span] = []
    pos = span.start
    while span.end - pos > limit:
        cut = text.rfind(" ", pos + limit // 2, pos + limit)
        if cut <= pos:
            cut = pos + limit
        piece = _trimmed(text, pos, cut)
        if piece:
            out.append(piece)
        pos = cut
    rest = _trimmed(text, pos, span.end)
    if rest:
        out.append(rest)
    return out


def run_on_parts(text: str, sentence: Span) -> list[Span]:
    """A "sentence" longer than :data:`LONG_CLAUSE` from a page that dropped its full stops,
    cut where a new statement starts ("… وقال الرئيس …", "… وجدد زيلينسكي …"): the parts
    are read as the sentences they were."""
    if sentence.end - sentence.start <= LONG_CLAUSE:
        return [sentence]
    out: list[Span] = []
    pos = sentence.start
    for m in _RUN_ON.finditer(text, sentence.start, sentence.end):
        if m.start() - pos >= 80:  # never a stub of a few words
            piece = _trimmed(text, pos, m.start())
            if piece:
                out.append(piece)
            pos = m.end()
    rest = _trimmed(text, pos, sentence.end)
    if rest:
        out.append(rest)
    return out


def sentence_pieces(text: str, sentence: Span, limit: int) -> list[Span]:
    """A sentence longer than ``limit`` cut into consecutive pieces of at most ``limit``
    characters: where a new statement starts (:func:`run_on_parts`), then at clause breaks,
    then at the last space that fits. Only whitespace lies between two pieces, so together they
    hold every other character of the sentence, at its offsets."""
    if sentence.end - sentence.start <= limit:
        return [sentence]
    out: list[Span] = []
    for part in run_on_parts(text, sentence):
        if part.end - part.start <= limit:
            out.append(part)
            continue
        pos = part.start
        # a clause break's comma stays with the clause before it
        for m in _CLAUSE_BREAK.finditer(text, part.start, part.end):
            piece = _trimmed(text, pos, m.end())
            if piece:
                out.extend(_cut_at_spaces(text, piece, limit))
            pos = m.end()
        rest = _trimmed(text, pos, part.end)
        if rest:
            out.extend(_cut_at_spaces(text, rest, limit))
    return out


# A sentence longer than this is not one (a page that lost its full stops): its values are read
# in the piece of it that holds the quote (pieces of at most :data:`LONG_CLAUSE`), as the rules
# read it, so that a quote's scope never grows with the page.
LONG_SENTENCE = 2000
# What a stop that ``text[:start]`` ends with may be made of (a full stop, closing quotes, line
# breaks): see :func:`sentence_around`.
_STOP_CHARS = frozenset(".!?؟…\"”»')]\n")


class _Stops:
    """The sentence ends of one text, found in one pass, and the pieces of its long sentences."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.starts: list[int] = []
        self.ends: list[int] = []
        for m in _SENTENCE_END.finditer(text):
            self.starts.append(m.start())
            self.ends.append(m.end())
        self._pieces: dict[tuple[int, int], tuple[list[Span], list[int]]] = {}

    def pieces(self, sentence: Span) -> tuple[list[Span], list[int]]:
        key = (sentence.start, sentence.end)
        found = self._pieces.get(key)
        if found is None:
            spans = sentence_pieces(self.text, sentence, LONG_CLAUSE)
            found = self._pieces[key] = (spans, [p.end for p in spans])
        return found


@lru_cache(maxsize=4)
def _stops(text: str) -> _Stops:
    return _Stops(text)


def reading_sentences(text: str) -> list[Span]:
    """The sentences of ``text`` as values are read in them: a sentence longer than
    :data:`LONG_SENTENCE` is read as its pieces (see :func:`sentence_around`)."""
    out: list[Span] = []
    for s in sentences(text):
        if s.end - s.start > LONG_SENTENCE:
            out.extend(_stops(text).pieces(s)[0])
        else:
            out.append(s)
    return out


def sentence_around(text: str, start: int, end: int) -> Span:
    """The span of the sentence(s) that contain ``text[start:end]``: from the end of the last
    stop that ``text[:start]`` reads to the first stop that closes the span (a quote that ends
    with its full stop is closed by it, not by the next sentence's). A sentence longer than
    :data:`LONG_SENTENCE` gives the pieces of it (:func:`sentence_pieces`) that the span touches.

    The text's stops are found once (per text, the last few texts are remembered), so that
    each call costs a search in them, not a scan from the start of the text."""
    stops = _stops(text)
    starts, ends = stops.starts, stops.ends
    i = bisect_right(ends, start)
    left = ends[i - 1] if i else 0
    # A stop that ``start`` cuts short (``start`` just after "قال." or inside a run of line
    # breaks) ends ``text[:start]`` all the same: read the run of stop characters before it.
    run = start
    while run > left and text[run - 1] in _STOP_CHARS:
        run -= 1
    if run < start:
        for m in _SENTENCE_END.finditer(text, run, start):
            left = max(left, m.end())
    # The first stop read from ``max(left, start)`` on that ends at or after ``end``: a stop that
    # this position falls inside is read from there (its tail), the others as the text has them.
    at = max(left, start)
    right = len(text)
    j = bisect_right(starts, at) - 1
    k = bisect_left(ends, end)
    if j >= 0 and starts[j] < at < ends[j]:
        tail = next(filter(None, (_SENTENCE_END.match(text, p) for p in range(at, ends[j]))), None)
        if tail is not None and tail.end() >= end:
            right = tail.end()
            k = -1
        else:
            k = max(k, j + 1)
    else:
        k = max(k, bisect_left(starts, at))
    if 0 <= k < len(ends):
        right = ends[k]
    span = _trimmed(text, left, right) or Span(start, end)
    if span.end - span.start > LONG_SENTENCE:
        pieces, piece_ends = stops.pieces(span)
        first = min(bisect_right(piece_ends, start), len(pieces) - 1)
        last = max(first, min(bisect_left(piece_ends, end), len(pieces) - 1))
        return Span(pieces[first].start, pieces[last].end)
    return span
