"""One event or two? The comparisons shared by in-document deduplication and cross-article
linking, driven by the event-type table (``conflicts`` and ``anchors`` of each type)."""

from __future__ import annotations

import re
from typing import Any

from extractor.arabic.textnorm import normalize
from extractor.core.values import same_amount
from extractor.schemas.event_types import SPECS
from extractor.schemas.events import EventRecord


def codes(actors: list[Any]) -> frozenset[str]:
    return frozenset(a.code or a.name for a in actors)


def amounts(r: EventRecord) -> tuple[tuple[float, str], ...]:
    """The event's own money: running totals and conversions are not its amount."""
    return tuple(
        sorted(
            (m.amount, m.currency)
            for m in r.money
            if not m.cumulative and m.qualifier != "equivalent"
        )
    )


def same_money_sets(a: tuple[tuple[float, str], ...], b: tuple[tuple[float, str], ...]) -> bool:
    """Two lists of amounts that name the same money, one by one (within the tolerance)."""
    if len(a) != len(b):
        return False
    rest = list(b)
    for x in a:
        hit = next((y for y in rest if same_amount(x[0], x[1], y[0], y[1])), None)
        if hit is None:
            return False
        rest.remove(hit)
    return True


def value(r: EventRecord, name: str) -> Any:
    """The comparable value of field ``name`` of ``r`` (None or empty when not known)."""
    if name == "money":
        return amounts(r)
    if name == "items":  # a counted item names a delivery ("85,000 drones"); a class does not
        return frozenset((i.name, i.quantity) for i in r.items if i.quantity)
    if name == "location":
        if r.location is None:
            return None
        return r.location.name or normalize(r.location.surface)
    if name == "parties":
        return codes(r.actors) | codes(r.targets)
    if name == "actors":
        return codes(r.actors)
    return getattr(r, name)


def _equal(name: str, x: Any, y: Any) -> bool:
    return same_money_sets(x, y) if name == "money" else x == y


def _known(name: str, x: Any) -> bool:
    if name == "parties":
        return len(x) >= 2
    return x not in (None, (), frozenset(), [], "")


def conflicting(a: EventRecord, b: EventRecord, names: tuple[str, ...]) -> bool:
    """Some value known on both differs."""
    for name in names:
        x, y = value(a, name), value(b, name)
        if _known(name, x) and _known(name, y) and not _equal(name, x, y):
            return True
    return False


def anchored(a: EventRecord, b: EventRecord) -> bool:
    """Some anchor group of the type is known on both and equal: positive evidence of one event."""
    for group in SPECS[a.event_type].anchors:
        if all(
            _known(n, value(a, n))
            and _known(n, value(b, n))
            and _equal(n, value(a, n), value(b, n))
            for n in group
        ):
            return True
    return False


def sides_overlap(a: EventRecord, b: EventRecord) -> bool:
    """The parties the type compares (initiators, or all sides) are not disjoint."""
    if SPECS[a.event_type].sides == "initiators":
        x, y = codes(a.actors), codes(b.actors)
    else:
        x = codes(a.actors) | codes(a.targets)
        y = codes(b.actors) | codes(b.targets)
    return not (x and y and not x & y)


# ---- the discourse step: a mention that refers back to an event already told -----------------
# Normalized words (textnorm: ة→ه, أ→ا, ى→ي) by which a sentence points back at an event of its
# type that the article has just told: the event noun made definite or demonstrative ("الحزمة",
# "هذه العقوبات", "الهدنة المعلنة"), the frame of a contact ("خلال الاتصال", "الرئيسان", "ناقش
# معه"), a toll of the attack ("حصيلة"). A new event is introduced by an indefinite noun
# ("حزمة جديدة", "هجوم آخر"), which none of these match.
_DEMONSTRATIVE = r"(?:هذه|هذا|تلك|ذلك|هاتين|هذين)\s+"
_BACK_NOUNS: dict[str, str] = {
    "aid": r"(?:ال|بال|لل|وال|فال)(?:حزمه|شحنه|دفعه|منحه|قرض|مساعدات\s+المعلنه)",
    "attack": r"(?:(?:ال|بال|لل|وال)(?:هجوم|هجمات|ضربه|ضربات|قصف|غاره|غارات|انفجار)"
    r"|حصيله|الحصيله|وحصيله)",
    "ceasefire": r"(?:ال|بال|لل|وال)(?:هدنه|تهدئه)|وقف\s+اطلاق\s+النار\s+المعلن",
    "diplomatic_contact": r"(?:خلال|في|اثناء)\s+ال(?:اتصال|مكالمه|لقاء|اجتماع|زياره|"
    r"محادثات|قمه|مباحثات)|(?:ال)(?:رئيسان|رئيسين|جانبان|جانبين|زعيمان|زعيمين|وزيران|وزيرين|"
    r"طرفان|طرفين)|(?:ناقش|بحث|تناول|استعرض|اكد|ابلغ)\S*\s+(?:معه|معها|له|لها)",
    "agreement": r"(?:ال|بال|لل|وال)(?:اتفاق|اتفاقيه|معاهده)\b",
    "other": r"(?:ال|بال|لل|وال)(?:عقوبات|حزمه|تبادل|صفقه)",
}
_BACK = {
    name: re.compile(rf"(?:^|\s)(?:و|ف)?(?:{_DEMONSTRATIVE})?(?:{noun})")
    for name, noun in _BACK_NOUNS.items()
}
# A sentence that details a package or a measure ("وقدمت الوزارة تفاصيل الحزمة", "وتشمل
# الحزمة …"): what it lists belongs to the event, and its verb is no new stage.
_DETAIL = re.compile(
    r"(?:^|\s)(?:و|ف)?(?:تفاصيل|تشمل|يشمل|تتضمن|يتضمن|تضم|يضم|تتكون|تستهدف|يستهدف)"
)
# A toll told again, higher ("ثم ارتفعت حصيلة الهجوم إلى …", "بلغت حصيلة القتلى").
_TOLL_UPDATE = re.compile(r"(?:ارتفع|ارتفاع|بلغ|وصل|تجاوز|زاد)\S*\s+(?:\S+\s+){0,3}?(?:ال)?حصيله")


def refers_back(event_type: str, norm_quote: str) -> bool:
    """Does a (normalized) quote point back at an event of ``event_type`` told before?"""
    pattern = _BACK.get(event_type)
    return pattern is not None and pattern.search(norm_quote) is not None


def details(norm_quote: str) -> bool:
    """Does a (normalized) quote detail an event (lists what a package or a measure holds)?"""
    return _DETAIL.search(norm_quote) is not None


def updates_toll(norm_quote: str) -> bool:
    """Does a (normalized) quote give a toll that has risen since?"""
    return _TOLL_UPDATE.search(norm_quote) is not None
