"""Weapon systems and aid items with their quantities: "85 ألف طائرة مسيرة" → drones × 85000."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from itertools import accumulate

from extractor.arabic.gazetteer import Gazetteer, Mention
from extractor.arabic.money import MoneyMention, find_money
from extractor.arabic.numbers import amount_candidates, is_vague, read_amount, tokenize
from extractor.arabic.textnorm import NormalizedText, normalize_with_map

# words allowed between a class word and the system it introduces ("دبابة من طراز أبرامز")
_SAME_ITEM_GAPS: frozenset[tuple[str, ...]] = frozenset(
    {(), ("من", "طراز"), ("طراز",), ("من", "نوع")}
)
_MAX_GAP_WORDS = 3  # words allowed between a number and its item: "85 ألف طائرة عسكرية مسيرة"
# Dual forms of counting nouns: "منظومتي باتريوت" (two Patriot systems), "بطاريتين".
_CLASSIFIERS_F = ("منظوم", "بطاري", "طائر", "مقاتل", "دباب", "راجم", "قاذف", "مدرع", "مروحي")
_CLASSIFIERS_M = ("نظام", "صاروخ", "مدفع", "زورق", "نظامي")
_DUAL_CLASSIFIERS = {stem + end for stem in _CLASSIFIERS_F for end in ("تي", "تين", "تان")} | {
    stem + end for stem in _CLASSIFIERS_M for end in ("ي", "ين", "ان")
}
_DURATION_WORDS = {
    "يوم",
    "يوما",
    "ايام",
    "اسبوع",
    "اسابيع",
    "شهر",
    "اشهر",
    "شهرا",
    "سنه",
    "سنوات",
    "عام",
    "اعوام",
    "ساعه",
    "ساعات",
    "دقيقه",
    "دقائق",
}


@dataclass(frozen=True, slots=True)
class ItemMention:
    """An item in the text; ``start``/``end`` cover the quantity too when one is written."""

    surface: str
    start: int
    end: int
    name: str
    category: str
    quantity: int | None


def find_items(
    text: str,
    gazetteer: Gazetteer,
    norm: NormalizedText | None = None,
    mentions: list[Mention] | None = None,
    money: list[MoneyMention] | None = None,
) -> list[ItemMention]:
    """Weapon/item mentions of ``text`` with the quantity written just before them, if any.

    ``mentions`` and ``money`` may be passed when already computed for the same text.
    """
    norm = norm or normalize_with_map(text)
    mentions = gazetteer.find(text, norm) if mentions is None else mentions
    weapons = [m for m in mentions if m.entry.kind == "weapon"]
    if not weapons:
        return []
    n = norm.text
    tokens = tokenize(n)
    money_spans = sorted(
        (m.start, m.end) for m in (find_money(text, norm) if money is None else money)
    )
    money_starts = [s for s, _ in money_spans]
    money_reach = list(accumulate((e for _, e in money_spans), max))  # furthest end so far
    token_ends = [t.end for t in tokens]
    token_starts = [t.start for t in tokens]
    amounts = []
    consumed = 0
    for i in amount_candidates(n, tokens):
        if i < consumed:
            continue
        amount = read_amount(n, tokens, i)
        if amount is not None:
            amounts.append((amount, is_vague(tokens[i].text)))
            consumed = amount.end_token
    amount_ends = [a.end for a, _ in amounts]
    # "دبابة أبرامز": a class word right before a named system of the same category is one item
    # (Abrams), not two (Tanks and Abrams) that would count the same tanks twice.
    merged: list[tuple[Mention, int]] = []
    for w in weapons:
        if merged:
            prev, prev_start = merged[-1]
            between = tuple(n[prev.nend : w.nstart].split())
            # "دبابة أبرامز", "دبابة من طراز ليوبارد": one item
            if prev.entry.category == w.entry.category and between in _SAME_ITEM_GAPS:
                merged[-1] = (w, prev_start)
                continue
        merged.append((w, w.nstart))
    merged = _without_launchers(merged, n)
    out: list[ItemMention] = []
    prev_end = 0  # "قذائف عيار 155 ملم ومركبات": a number inside the item before is not a count
    for w, wstart in merged:
        quantity = None
        qstart = wstart
        last_before = bisect_right(token_ends, wstart) - 1
        if (
            last_before >= 0
            and tokens[last_before].text in _DUAL_CLASSIFIERS
            and not n[tokens[last_before].end : wstart].strip()
        ):
            quantity, qstart = 2, tokens[last_before].start
        # the amounts that end before the item, nearest first (amounts are in text order)
        for a, vague in reversed(amounts[: bisect_right(amount_ends, wstart)]):
            if quantity is not None:
                break
            if a.start < prev_end:
                break
            gap = tokens[bisect_left(token_starts, a.end) : bisect_right(token_ends, wstart)]
            if len(gap) > _MAX_GAP_WORDS or any(t.text in _DURATION_WORDS for t in gap):
                break
            orig = norm.to_original(a.start, a.end)
            within = bisect_right(money_starts, orig[0])  # money spans that start at or before it
            if (within and money_reach[within - 1] > orig[0]) or a.value != int(a.value):
                break
            if vague:  # "آلاف الطائرات المسيرة": an order of magnitude, not a quantity
                break
            quantity, qstart = int(a.value), a.start
            break
        prev_end = w.nend
        start, end = norm.to_original(qstart, w.nend)
        out.append(
            ItemMention(
                text[start:end], start, end, w.entry.name, w.entry.category or "other", quantity
            )
        )
    return out


def _without_launchers(merged: list[tuple[Mention, int]], n: str) -> list[tuple[Mention, int]]:
    """ "ذخائر لراجمات «هيمارس»", "ذخائر لأنظمة الصواريخ والمدفعية": the systems after "ل" name
    what the ammunition is for; the item is the ammunition (GUIDELINES §5), not the launcher."""
    out: list[tuple[Mention, int]] = []
    last: Mention | None = None
    last_launcher = False
    for w, wstart in merged:
        gap = n[last.nend : wstart] if last is not None else ""
        gap = gap[: len(gap) - len(w.clitic)] if gap.endswith(w.clitic) else gap
        adjacent = last is not None and not gap.strip(' "')
        launcher = adjacent and (
            (last is not None and last.entry.category == "ammunition" and w.clitic.endswith("ل"))
            or (last_launcher and w.clitic.startswith("و"))  # "… الصواريخ والمدفعية"
        )
        last, last_launcher = w, launcher
        if not launcher:
            out.append((w, wstart))
    return out
