"""Segmentation of scraped news pages into the main article, related articles and page furniture.

A scraped page is rarely one article: after the main text come "المصدر:" and share/tag lines, an
"إقرأ أيضاً:" block that may hold a whole second article, "مقالات مشابهة" headline lists, photo
captions (often repeated twice where a second article starts) and teaser headlines inside the
text. Each line is classified, then runs of lines of the same kind and article become segments.
Only ``main`` and ``related_article`` segments are extracted by default.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from extractor.arabic.textnorm import normalize

SegmentKind = Literal["main", "related_article", "headline_list", "boilerplate"]
EXTRACTABLE: frozenset[str] = frozenset({"main", "related_article"})


@dataclass(frozen=True, slots=True)
class Segment:
    """A span of the document text with one role. Offsets are into the document text."""

    id: int
    kind: SegmentKind
    start: int
    end: int
    article: int  # 0 = the main article, 1.. = related articles that follow it

    def text_of(self, document_text: str) -> str:
        return document_text[self.start : self.end]


_READ_ALSO = re.compile(
    r"^(?:اقرا|طالع|شاهد|يهمك|اقرا ايضا|اقرا المزيد)\s*(?:ايضا|كذلك|المزيد)?\s*[:：\-]?\s*(?P<rest>.*)$"
)
_LIST_HEADER = re.compile(
    r"^(?:مقالات|اخبار|مواضيع|موضوعات|عناوين|روابط)\s+(?:مشابهه|ذات صله|متعلقه|اخري|مقترحه)\s*:?$"
    r"|^(?:الاكثر قراءه|الاكثر مشاهده|قد يعجبك ايضا|ننصحك بقراءه|اخر الاخبار)\s*:?$"
)
_SOURCE = re.compile(r"^(?:المصدر|مصدر الخبر|المصادر)\s*[:|/\-]")
_SHARE = re.compile(
    r"^(?:طباعه|شارك|شاركوا|كلمات دلاليه|الكلمات الدلاليه|الوسوم|وسوم|تابعونا|تابعوا|اشترك|"
    r"كلمات مفتاحيه|تاغز|tags)\b"
)
_AGENCY = re.compile(
    r"^(?:فرانس برس|ا ف ب|اف ب|رويترز|الاناضول|وكالات|سبوتنيك|د ب ا|وام|واس|قنا|كونا|"
    r"بي بي سي|afp|reuters|ap)(?:\s*[-/،,]\s*\S+){0,2}\s*\.?$"
)
_CAPTION_END = re.compile(
    r"(?:-\s*|\(\s*)(?:رويترز|ا ف ب|اف ب|ا\.ف\.ب|الاناضول|اسوشيتد برس|ap|afp|getty|غيتي|epa)\)?\s*$"
    r"|(?:\.\s*)?ارشيفيه\)?\s*$|\(ارشيف\)\s*$"
)
_BULLET = re.compile(r"^[•·▪◦●■\-\*–]\s*")


@dataclass(frozen=True, slots=True)
class _Line:
    start: int
    end: int
    norm: str
    raw: str


def _lines(text: str) -> list[_Line]:
    out: list[_Line] = []
    pos = 0
    for raw in text.split("\n"):
        stripped = raw.strip()
        if stripped:
            lead = len(raw) - len(raw.lstrip())
            start = pos + lead
            out.append(_Line(start, start + len(stripped), normalize(stripped), stripped))
        pos += len(raw) + 1
    return out


def _is_headline_run(line: _Line) -> bool:
    """Headlines scraped with no separator: long, no sentence punctuation, several colons/?."""
    if len(line.norm) < 160 or "،" in line.norm or line.norm.endswith("."):
        return False
    return line.norm.count(":") + line.norm.count("؟") >= 2


def segment(text: str) -> list[Segment]:
    """Split a scraped page into segments of kinds main/related_article/headline_list/boilerplate."""
    lines = _lines(text)
    kinds: list[tuple[SegmentKind, int]] = []  # per line: (kind, article index)
    article = 0
    main_ended = False  # a source/share/tag line was seen: what follows is not the main text
    in_list = False
    teaser_pending = False
    article_has_text = False
    i = 0
    while i < len(lines):
        line = lines[i]
        n = line.norm
        nxt = lines[i + 1].norm if i + 1 < len(lines) else None
        read_also = _READ_ALSO.match(n) if len(n) < 40 or n.startswith("اقرا") else None
        if read_also and ("ايضا" in n or "المزيد" in n):
            in_list = False
            if read_also.group("rest"):  # "اقرأ أيضاً: headline" on one line: a teaser
                kinds.append(("boilerplate", article))
            elif main_ended or _starts_new_article(lines, i):
                kinds.append(("boilerplate", article))
                article += 1
                main_ended = False
                article_has_text = False
            else:
                kinds.append(("boilerplate", article))
                teaser_pending = True
            i += 1
            continue
        if _LIST_HEADER.match(n):
            in_list = True
            kinds.append(("boilerplate", article))
            i += 1
            continue
        if teaser_pending:
            teaser_pending = False
            kinds.append(("headline_list", article))
            i += 1
            continue
        if _BULLET.match(line.raw) or (in_list and len(n) < 200 and not n.endswith(".")):
            kinds.append(("headline_list", article))
            i += 1
            continue
        in_list = False
        if _SOURCE.match(n) or _SHARE.match(n) or _AGENCY.match(n):
            kinds.append(("boilerplate", article))
            main_ended = True
            i += 1
            continue
        if n == nxt or _CAPTION_END.search(n):
            repeated = n == nxt
            kinds.append(("boilerplate", article))
            if repeated:
                kinds.append(("boilerplate", article))
                i += 1
                # A caption printed twice after article text opens the next article.
                if article_has_text:
                    article += 1
                    main_ended = False
                    article_has_text = False
            i += 1
            continue
        if _is_headline_run(line):
            kinds.append(("headline_list", article))
            i += 1
            continue
        kinds.append(("main" if article == 0 else "related_article", article))
        # A headline alone is not yet article text: a caption printed twice right under the
        # headline belongs to the same article.
        if n.endswith((".", "؟", "!", '"')) or len(n) > 150:
            article_has_text = True
        i += 1
    return _merge(text, lines, kinds)


def _starts_new_article(lines: list[_Line], i: int) -> bool:
    """After "اقرأ أيضاً" + headline, a paragraph that does not continue the text (no leading
    و/ف conjunction) and is long starts a related article rather than resuming the main one."""
    if i + 2 >= len(lines):
        return False
    body = lines[i + 2].norm
    return len(body) > 120 and not body.startswith(("و", "ف")) and body.endswith(".")


def _merge(text: str, lines: list[_Line], kinds: list[tuple[SegmentKind, int]]) -> list[Segment]:
    segments: list[Segment] = []
    run_start = 0
    for j in range(1, len(lines) + 1):
        if j == len(lines) or kinds[j] != kinds[run_start]:
            kind, article = kinds[run_start]
            segments.append(
                Segment(len(segments), kind, lines[run_start].start, lines[j - 1].end, article)
            )
            run_start = j
    return segments
