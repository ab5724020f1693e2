"""Weapon systems and aid items with their quantities: "85 ألف طائرة مسيرة" → drones × 85000."""

from __future__ import annotations

from dataclasses import dataclass

from extractor.gazetteer import Gazetteer, Mention
from extractor.money import find_money
from extractor.numbers import read_amount, starts_amount, tokenize
from extractor.textnorm import NormalizedText, normalize_with_map

_MAX_GAP_WORDS = 3  # words allowed between a number and its item: "85 ألف طائرة عسكرية مسيرة"
_DURATION_WORDS = {"يوم", "يوما", "ايام", "اسبوع", "اسابيع", "شهر", "اشهر", "شهرا", "سنه", "سنوات",
                   "عام", "اعوام", "ساعه", "ساعات", "دقيقه", "دقائق"}


@dataclass(frozen=True, slots=True)
class ItemMention:
    """An item in the text; ``start``/``end`` cover the quantity too when one is written."""

    surface: str
    start: int
    end: int
    name: str
    category: str
    quantity: int | None


def find_items(text: str, gazetteer: Gazetteer, norm: NormalizedText | None = None,
               mentions: list[Mention] | None = None) -> list[ItemMention]:
    """Weapon/item mentions of ``text`` with the quantity written just before them, if any."""
    norm = norm or normalize_with_map(text)
    mentions = gazetteer.find(text, norm) if mentions is None else mentions
    weapons = [m for m in mentions if m.entry.kind == "weapon"]
    if not weapons:
        return []
    n = norm.text
    tokens = tokenize(n)
    money_spans = [(m.start, m.end) for m in find_money(text, norm)]
    amounts = []
    i = 0
    while i < len(tokens):
        if starts_amount(tokens[i].text):
            amount = read_amount(n, tokens, i)
            if amount is not None:
                amounts.append(amount)
                i = amount.end_token
                continue
        i += 1
    out: list[ItemMention] = []
    for w in weapons:
        quantity = None
        qstart = w.nstart
        for a in reversed(amounts):
            if a.end > w.nstart:
                continue
            gap = [t for t in tokens if a.end <= t.start and t.end <= w.nstart]
            if len(gap) > _MAX_GAP_WORDS or any(t.text in _DURATION_WORDS for t in gap):
                break
            orig = norm.to_original(a.start, a.end)
            if any(s <= orig[0] < e for s, e in money_spans) or a.value != int(a.value):
                break
            quantity, qstart = int(a.value), a.start
            break
        start, end = norm.to_original(qstart, w.nend)
        out.append(ItemMention(text[start:end], start, end, w.entry.name,
                               w.entry.category or "other", quantity))
    return out
