"""One pass of the normalizers over a text, shared by everything that looks at its parts.

Normalizing, gazetteer matching and money/item finding cost more than anything else in the
pipeline; doing them once per text (instead of once per clause or per draft) and answering
span queries from the results keeps the rule backend and grounding fast.
"""

from __future__ import annotations

from dataclasses import replace
from functools import cached_property

from extractor.arabic.gazetteer import Gazetteer, Mention
from extractor.arabic.items import ItemMention, find_items
from extractor.arabic.money import MoneyMention, find_money
from extractor.arabic.textnorm import normalize_with_map


class TextAnalysis:
    """Lazily computed findings over ``text``; queries by original-text span."""

    def __init__(self, text: str, gazetteer: Gazetteer) -> None:
        self.text = text
        self.gazetteer = gazetteer
        self.norm = normalize_with_map(text)
        self._windows: dict[tuple[int, int], list[MoneyMention]] = {}

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
            return [m for m in self.money if start <= m.start and m.end <= end]
        found = self._windows.get((start, end))
        if found is None:
            found = [
                replace(m, start=m.start + start, end=m.end + start)
                for m in find_money(self.text[start:end])
            ]
            self._windows[(start, end)] = found
        return found

    def items_in(self, start: int, end: int) -> list[ItemMention]:
        return [i for i in self.items if start <= i.start and i.end <= end]
