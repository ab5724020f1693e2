"""Casualty counts: "إصابة 21 شخصا" → injured 21; "مقتل شخصين" → killed 2; "لم تسفر عن إصابات"
→ 0. Not reported stays None — never 0."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from extractor.arabic.numbers import Token, is_vague, read_amount, starts_amount, tokenize
from extractor.arabic.textnorm import normalize

_KILLED_BEFORE = re.compile(r"(?:مقتل|قتل|مصرع|استشهاد|وفاه|سقوط|حصيله)$")
_INJURED_BEFORE = re.compile(r"(?:اصابه|اصيب|اصيبوا|اصيبت|اصيبا|جرح|جرح[يا]|اصابات)$")
# "ارتفعت حصيلة القتلى إلى 15", "عدد الجرحى 30": the count follows the definite noun.
_KILLED_NOUN = re.compile(r"^[وف]?(?:القتلي|الضحايا|الشهداء|القتيلين)$")
_INJURED_NOUN = re.compile(r"^[وف]?(?:الجرحي|المصابين)$")
_KILLED_AFTER = re.compile(r"^(?:قتيل|قتيلا|قتلي|شهيد|شهيدا|شهداء)")
_INJURED_AFTER = re.compile(r"^(?:جريح|جريحا|جرحي|مصاب|مصابا|مصابين)")
# "قتلى وجرحى", "مقتل وإصابة 10 أشخاص": one number for both — neither count is known.
_BOTH_AFTER = re.compile(r"^و(?:جرحي|مصابين|اصابه|اصابات|جريح)$")
# A count followed by its verb: "12 أصيبوا", "أربعة أشخاص قتلوا", "شخصين قتلا".
_KILLED_VERB = re.compile(r"^(?:قتل|قتلوا|قتلا|قتلت|لقوا|لقي|لقيا|لقيت|توفي|توفوا)$")
_INJURED_VERB = re.compile(r"^(?:اصيب|اصيبوا|اصيبا|اصيبت|جرح|جرحوا|جرحا)$")
_DUAL = {
    "قتيلين": ("killed", 2),
    "قتيلان": ("killed", 2),
    "جريحين": ("injured", 2),
    "جريحان": ("injured", 2),
}
_PERSON_NOUN = re.compile(
    r"^(?:شخص|اشخاص|شخصا|مدنيا|مدنيين|جنديا|جنود|اخرين|اخرون|طفلا|اطفال|نساء|رجال|صحفيين"
    r"|مسعفين|عسكريين|عسكريا)$"
)
# Duals only: "مدنيين" is also the plural "civilians", so it gives no count on its own.
_PERSON_DUAL = re.compile(
    r"^(?:شخصين|شخصان|مدنيان|جنديين|جنديان|طفلين|طفلان|امراتين|امراتان|رجلين|رجلان)$"
)
# One person, also with a possessive ("ابنتهما", "زوجته"): "إصابة ابنتهما" is one injured.
_PERSON_ONE = re.compile(
    r"^(?:شخص|مدني|جندي|طفل|طفله|رجل|امراه|فتاه|صبي|مسن|مسنه|سائق|مسعف|صحفي|شرطي"
    r"|ابن|ابنه|ابنت(?:ه|ها|هما|هم)|ابن(?:ها|هما|هم)|زوج(?:ه|ها)?|زوجت(?:ه|ها)"
    r"|شقيق|شقيقه|شقيقت(?:ه|ها|هما)|والد(?:ه|ها|هما)?|والدت(?:ه|ها|هما))$"
)
# Things counted after "إصابة": "إصابة 41 طائرة حربية" hit aircraft, not people.
_THING_NOUN = re.compile(
    r"^(?:طائر|مسير|صاروخ|صواريخ|هدف|اهداف|مبن|مبان|منزل|منازل|منشا|دباب|سفين|مركب|قاذف|طن|"
    r"موقع|مواقع|منظوم|راجم|مدفع|محط|مستودع)"
)
# Words allowed between a trigger and its count: "مقتل أكثر من 20", "حصيلة القتلى إلى 15".
_FILLER = {
    "اكثر",
    "ازيد",
    "من",
    "نحو",
    "حوالي",
    "حوالى",
    "قرابه",
    "زهاء",
    "ما",
    "لا",
    "يقل",
    "عن",
    "يزيد",
    "يربو",
    "علي",
    "يقارب",
    "يناهز",
    "الي",
    "ب",
    "ل",
}
_MAX_FILLER = 4
_NO_VERB = r"(?:تسفر|يسفر|تسجل|يسجل|تقع|يقع|يبلغ|تبلغ|تتسبب|يتسبب|يسقط|تسقط|تخلف|يخلف|تؤد|يؤد)"
_NONE_INJURED = re.compile(
    r"(?:(?<![^\s])و?لم\s+" + _NO_VERB + r"(?:\s+\S+){0,8}?\s+(?:عن\s+|في\s+|الي\s+)?"
    r"|(?<![^\s])دون\s+(?:ان\s+" + _NO_VERB + r"\s+(?:عن\s+)?)?"
    r"|(?<![^\s])(?:بلا|لا)\s+)"
    r"(?:وقوع\s+|سقوط\s+|تسجيل\s+)?(?:اي\s+)?"
    r"(?P<what>اصابات\s+بشريه|اصابات|ضحايا|خسائر\s+بشريه|قتلي|جرحي)(?![^\W\d_])"
)
# "لم يصب أحد" (no one was hurt), "لم يقتل أحد".
_NO_ONE = re.compile(r"(?<![^\s])و?لم\s+(?P<verb>يصب|يصاب|يجرح|يقتل|يمت)\s+احد(?![^\W\d_])")


@dataclass(frozen=True, slots=True)
class Casualties:
    killed: int | None = None
    injured: int | None = None
    killed_surface: str | None = None
    injured_surface: str | None = None


@lru_cache(maxsize=2048)  # the attack rules read a sentence and its clauses again
def find_casualties(text: str) -> Casualties:
    """Killed and injured counts written in ``text`` (one clause or sentence)."""
    n = normalize(text)
    tokens = tokenize(n)
    killed = injured = None
    ks = is_ = None
    for i, tok in enumerate(tokens):
        role = None
        if _KILLED_BEFORE.search(tok.text) or _KILLED_NOUN.match(tok.text):
            role = "killed"
        elif _INJURED_BEFORE.search(tok.text) or _INJURED_NOUN.match(tok.text):
            role = "injured"
        if role == "injured" and i > 0 and _is_both(tokens, i - 1):
            role = None  # "مقتل وإصابة 10 أشخاص": killed and injured together
        if role:
            j = _skip_filler(tokens, i + 1)
            count = _count_at(n, tokens, j) if j < len(tokens) else None
            if count is not None and _is_both(tokens, count[1] - 1):
                count = None  # "سقوط 10 قتلى وجرحى"
            if count is not None:
                value = count[0]
                surface = _span(n, tokens, i, count[1])
                if role == "killed" and killed is None:
                    killed, ks = value, surface
                elif role == "injured" and injured is None:
                    injured, is_ = value, surface
                continue
        if starts_amount(tok.text) and i + 1 < len(tokens) and not is_vague(tok.text):
            amount = read_amount(n, tokens, i)
            if amount and amount.end_token < len(tokens) and amount.value == int(amount.value):
                after = tokens[amount.end_token].text
                surface = n[tok.start : tokens[amount.end_token].end]
                if _is_both(tokens, amount.end_token):
                    pass
                elif _KILLED_AFTER.match(after) and killed is None:
                    killed, ks = int(amount.value), surface
                elif _INJURED_AFTER.match(after) and injured is None:
                    injured, is_ = int(amount.value), surface
                else:
                    verb = _verb_after(tokens, amount.end_token)
                    if verb is not None:
                        verb_end = tokens[verb[1]].end
                        if verb[0] == "killed" and killed is None:
                            killed, ks = int(amount.value), n[tok.start : verb_end]
                        elif verb[0] == "injured" and injured is None:
                            injured, is_ = int(amount.value), n[tok.start : verb_end]
        if _PERSON_DUAL.match(tok.text):
            verb = _verb_after(tokens, i + 1, skip_person=False)
            if verb is not None:
                verb_end = tokens[verb[1]].end
                if verb[0] == "killed" and killed is None:
                    killed, ks = 2, n[tok.start : verb_end]
                elif verb[0] == "injured" and injured is None:
                    injured, is_ = 2, n[tok.start : verb_end]
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
        # «إصابات» (casualties), «ضحايا», «خسائر بشرية»: none dead either (GUIDELINES §10)
        if killed is None and what not in ("جرحي",):
            killed, ks = 0, m.group()
    m = _NO_ONE.search(n)
    if m:
        if m.group("verb") in ("يقتل", "يمت"):
            if killed is None:
                killed, ks = 0, m.group()
        elif injured is None:
            injured, is_ = 0, m.group()
    return Casualties(killed, injured, ks, is_)


def _verb_after(tokens: list[Token], j: int, skip_person: bool = True) -> tuple[str, int] | None:
    """ "12 أصيبوا", "أربعة أشخاص قتلوا": (role, index of the verb) when token j (after one
    person noun) is a killed or injured verb."""
    if skip_person and j < len(tokens) and _PERSON_NOUN.match(tokens[j].text):
        j += 1
    if j >= len(tokens):
        return None
    w = tokens[j].text
    if _KILLED_VERB.match(w):
        return "killed", j
    if _INJURED_VERB.match(w):
        return "injured", j
    return None


def _is_both(tokens: list[Token], i: int) -> bool:
    """Is token i a killed word (trigger or noun) directly followed by "وجرحى"/"وإصابة"?"""
    if i + 1 >= len(tokens) or not _BOTH_AFTER.match(tokens[i + 1].text):
        return False
    w = tokens[i].text
    return bool(_KILLED_BEFORE.search(w) or _KILLED_AFTER.match(w))


def _skip_filler(tokens: list[Token], j: int) -> int:
    k = j
    while k < len(tokens) and k - j < _MAX_FILLER and tokens[k].text in _FILLER:
        k += 1
    return k


def _count_at(n: str, tokens: list[Token], j: int) -> tuple[int, int] | None:
    """The count written at token j → (count, index of the first token after it). Counted
    people joined by و add up: "مقتل رجل وامرأة" is 2, "ثلاثة جنود وطفل" is 4."""
    first = _one_count_at(n, tokens, j)
    if first is None:
        return None
    total, end = first
    while end < len(tokens):
        word = tokens[end].text
        if word == "و" and end + 1 < len(tokens) and tokens[end + 1].text[:1].isdigit():
            more = _one_count_at(n, tokens, end + 1)  # "و3 أطفال"
        elif word.startswith("و") and len(word) > 2 and not word[1:2].isdigit():
            more = _person_word(word[1:], end)  # "وامرأة", "وطفلين"
        else:
            more = None
        if more is None or (
            more[1] == end + 2 and word == "و" and not _counted_noun(tokens, end + 1)
        ):
            break
        total, end = total + more[0], more[1]
    return total, end


def _person_word(word: str, j: int) -> tuple[int, int] | None:
    if _PERSON_DUAL.match(word):
        return 2, j + 1
    if _PERSON_ONE.match(word):
        return 1, j + 1
    return None


def _counted_noun(tokens: list[Token], j: int) -> bool:
    """Is a person (or a killed/injured noun) named right after the number at token j?"""
    k = j + 1
    return k < len(tokens) and bool(
        _PERSON_NOUN.match(tokens[k].text)
        or _KILLED_AFTER.match(tokens[k].text)
        or _INJURED_AFTER.match(tokens[k].text)
    )


def _one_count_at(n: str, tokens: list[Token], j: int) -> tuple[int, int] | None:
    word = tokens[j].text
    person = _person_word(word, j)
    if person is not None:
        return person
    if starts_amount(word) and not is_vague(word):  # "مقتل العشرات" gives no count
        amount = read_amount(n, tokens, j)
        if amount is not None and amount.value == int(amount.value):
            end = amount.end_token
            if end < len(tokens) and _THING_NOUN.match(tokens[end].text):
                return None  # "إصابة 41 طائرة": things, not people
            if end < len(tokens) and (
                _PERSON_NOUN.match(tokens[end].text)
                or _KILLED_AFTER.match(tokens[end].text)
                or _INJURED_AFTER.match(tokens[end].text)
            ):
                end += 1  # the counted noun: "5 أشخاص", "10 قتلى"
            return int(amount.value), end
    return None


def _span(n: str, tokens: list[Token], i: int, end: int) -> str:
    """Normalized text of tokens[i:end]."""
    return n[tokens[i].start : tokens[end - 1].end]


def parse_count(surface: str) -> int | None:
    """A casualty surface as a model wrote it ("21 شخصا", "إصابة 21", "لا إصابات") → int."""
    c = find_casualties(surface)
    for value in (c.killed, c.injured):
        if value is not None:
            return value
    n = normalize(surface)
    tokens = tokenize(n)
    for i, tok in enumerate(tokens):
        if starts_amount(tok.text) and not is_vague(tok.text):
            amount = read_amount(n, tokens, i)
            if amount is not None and amount.value == int(amount.value):
                return int(amount.value)
    return None
