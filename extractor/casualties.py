"""Casualty counts: "إصابة 21 شخصا" → injured 21; "مقتل شخصين" → killed 2; "لم تسفر عن إصابات"
→ 0. Not reported stays None — never 0."""

from __future__ import annotations

import re
from dataclasses import dataclass

from extractor.numbers import Token, read_amount, starts_amount, tokenize
from extractor.textnorm import normalize

_KILLED_BEFORE = re.compile(r"(?:مقتل|قتل|مصرع|استشهاد|وفاه|سقوط|حصيله)$")
_INJURED_BEFORE = re.compile(r"(?:اصابه|اصيب|اصيبوا|جرح|جرح[يا]|اصابات)$")
_KILLED_AFTER = re.compile(r"^(?:قتيل|قتيلا|قتلي|شهيد|شهيدا|شهداء)")
_INJURED_AFTER = re.compile(r"^(?:جريح|جريحا|جرحي|مصاب|مصابا|مصابين)")
_DUAL = {"قتيلين": ("killed", 2), "قتيلان": ("killed", 2), "جريحين": ("injured", 2),
         "جريحان": ("injured", 2)}
_PERSON_NOUN = re.compile(r"^(?:شخص|اشخاص|شخصا|مدنيا|مدنيين|جنديا|جنود|اخرين|اخرون|طفلا|اطفال)$")
_PERSON_DUAL = re.compile(r"^(?:شخصين|مدنيين|جنديين|طفلين)$")
_PERSON_ONE = re.compile(r"^(?:شخص|مدني|جندي|طفل|رجل|امراه)$")
_NONE_INJURED = re.compile(
    r"(?:لم\s+(?:تسفر|يسفر|تسجل|يسجل|ترد\s+انباء)\s+عن\s+(?:وقوع\s+)?|دون\s+(?:وقوع\s+)?|بلا\s+)"
    r"(?P<what>اصابات|ضحايا|خسائر\s+بشريه|قتلي|جرحي|اصابات\s+بشريه)"
)


@dataclass(frozen=True, slots=True)
class Casualties:
    killed: int | None = None
    injured: int | None = None
    killed_surface: str | None = None
    injured_surface: str | None = None


def find_casualties(text: str) -> Casualties:
    """Killed and injured counts written in ``text`` (one clause or sentence)."""
    n = normalize(text)
    tokens = tokenize(n)
    killed = injured = None
    ks = is_ = None
    for i, tok in enumerate(tokens):
        role = None
        if _KILLED_BEFORE.search(tok.text) and i + 1 < len(tokens):
            role, j = "killed", i + 1
        elif _INJURED_BEFORE.search(tok.text) and i + 1 < len(tokens):
            role, j = "injured", i + 1
        if role:
            value = _count_at(n, tokens, j)
            if value is not None:
                surface = _span(n, tokens, i, j)
                if role == "killed" and killed is None:
                    killed, ks = value, surface
                elif role == "injured" and injured is None:
                    injured, is_ = value, surface
                continue
        if starts_amount(tok.text) and i + 1 < len(tokens):
            amount = read_amount(n, tokens, i)
            if amount and amount.end_token < len(tokens):
                after = tokens[amount.end_token].text
                surface = n[tok.start : tokens[amount.end_token].end]
                if _KILLED_AFTER.match(after) and killed is None:
                    killed, ks = int(amount.value), surface
                elif _INJURED_AFTER.match(after) and injured is None:
                    injured, is_ = int(amount.value), surface
        dual = _DUAL.get(tok.text)
        if dual:
            if dual[0] == "killed" and killed is None:
                killed, ks = dual[1], tok.text
            elif dual[0] == "injured" and injured is None:
                injured, is_ = dual[1], tok.text
    m = _NONE_INJURED.search(n)
    if m:
        what = m.group("what")
        if injured is None and what != "قتلي":
            injured, is_ = 0, m.group()
        if killed is None and (what in ("ضحايا", "قتلي") or what.startswith("خسائر")):
            killed, ks = 0, m.group()
    return Casualties(killed, injured, ks, is_)


def _count_at(n: str, tokens: list[Token], j: int) -> int | None:
    word = tokens[j].text
    if _PERSON_DUAL.match(word):
        return 2
    if _PERSON_ONE.match(word):
        return 1
    if starts_amount(word):
        amount = read_amount(n, tokens, j)
        if amount is not None and amount.value == int(amount.value):
            return int(amount.value)
    return None


def _span(n: str, tokens: list[Token], i: int, j: int) -> str:
    if j + 1 < len(tokens) and _PERSON_NOUN.match(tokens[j + 1].text):
        j += 1
    return n[tokens[i].start : tokens[j].end]


def parse_count(surface: str) -> int | None:
    """A casualty surface as a model wrote it ("21 شخصا", "إصابة 21", "لا إصابات") → int."""
    c = find_casualties(surface)
    for value in (c.killed, c.injured):
        if value is not None:
            return value
    n = normalize(surface)
    tokens = tokenize(n)
    for i, tok in enumerate(tokens):
        if starts_amount(tok.text):
            amount = read_amount(n, tokens, i)
            if amount is not None and amount.value == int(amount.value):
                return int(amount.value)
    return None
