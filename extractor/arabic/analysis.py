"""One pass of the normalizers over a text, shared by everything that looks at its parts.

Normalizing, gazetteer matching and money/item finding cost more than anything else in the
pipeline; doing them once per text (instead of once per clause or per draft) and answering
span queries from the results keeps the rule backend and grounding fast.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import replace
from functools import cached_property
from typing import Protocol, TypeVar

from extractor.arabic.gazetteer import Gazetteer, Mention
from extractor.arabic.items import ItemMention, find_items
from extractor.arabic.money import MoneyMention, find_money
from extractor.arabic.textnorm import normalize_with_map


class _Spanned(Protocol):
    @property
    def start(self) -> int: ...
    @property
    def end(self) -> int: ...


_T = TypeVar("_T", bound=_Spanned)


class _ByStart:
    """Answers "which of these findings lie within [start, end)" by bisection instead of a pass
    over all of them (a long page has thousands, and grounding asks once per draft)."""

    def __init__(self, found: Sequence[_Spanned]) -> None:
        self.order = sorted(range(len(found)), key=lambda i: found[i].start)
        self.starts = [found[i].start for i in self.order]

    def within(self, found: Sequence[_T], start: int, end: int) -> list[_T]:
        """The findings within [start, end), in the order of ``found``."""
        lo, hi = bisect_left(self.starts, start), bisect_left(self.starts, end)
        hits = sorted(i for i in self.order[lo:hi] if found[i].end <= end)
        return [found[i] for i in hits]


class TextAnalysis:
    """Lazily computed findings over ``text``; queries by original-text span."""

    def __init__(self, text: str, gazetteer: Gazetteer) -> None:
        self.text = text
        self.gazetteer = gazetteer
        self.norm = normalize_with_map(text)
        self._windows: dict[tuple[int, int], list[MoneyMention]] = {}
        self._stretches: dict[tuple[int, int], str] = {}

    @cached_property
    def mentions(self) -> list[Mention]:
        found = self.gazetteer.find(self.text, self.norm)
        return self.gazetteer.home_kingdom(self.text, self.norm, found)

    @cached_property
    def money(self) -> list[MoneyMention]:
        return find_money(self.text, self.norm)

    @cached_property
    def items(self) -> list[ItemMention]:
        return find_items(self.text, self.gazetteer, self.norm, self.mentions, self.money)

    def money_in(self, start: int, end: int) -> list[MoneyMention]:
        """Money written within [start, end): filtered from the whole text's when that was read,
        else read from the window alone (grounding asks about a sentence or three of a page; a
        warm-cache run need not read every amount of it)."""
        if "money" in self.__dict__:
            return self._money_index.within(self.money, start, end)
        found = self._windows.get((start, end))
        if found is None:
            found = [
                replace(m, start=m.start + start, end=m.end + start)
                for m in find_money(self.text[start:end])
            ]
            self._windows[(start, end)] = found
        return found

    def items_in(self, start: int, end: int) -> list[ItemMention]:
        return self._items_index.within(self.items, start, end)

    def norm_between(self, nstart: int, nend: int) -> str:
        """The normalized text between two normalized offsets; a long stretch (a whole segment,
        asked for by every draft of it) is cut once and shared."""
        if nend - nstart < 4096:
            return self.norm.text[nstart:nend]
        key = (nstart, nend)
        if key not in self._stretches:
            self._stretches[key] = self.norm.text[nstart:nend]
        return self._stretches[key]

    def mentions_in(self, start: int, end: int) -> list[Mention]:
        """Gazetteer mentions within [start, end)."""
        return self._mentions_index.within(self.mentions, start, end)

    @cached_property
    def _money_index(self) -> _ByStart:
        return _ByStart(self.money)

    @cached_property
    def _items_index(self) -> _ByStart:
        return _ByStart(self.items)

    @cached_property
    def _mentions_index(self) -> _ByStart:
        return _ByStart(self.mentions)
