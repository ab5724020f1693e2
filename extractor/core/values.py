"""From a surface string to a value, for each field type: the one place where a draft's words
become actors, money, dates, counts, places and items.

Every resolver takes the :class:`Scope` a draft is grounded in — the quote's sentence — and
returns ``None`` (counting the drop) when the surface is not written there or cannot be read. The
value is always computed from the text, never taken from the backend: a model's "61 مليار" is
looked up among the amounts the text states. The events task and user tasks share these.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date

from extractor.arabic.analysis import TextAnalysis
from extractor.arabic.casualties import parse_count
from extractor.arabic.dates import find_dates
from extractor.arabic.gazetteer import Gazetteer, Mention
from extractor.arabic.items import ItemMention
from extractor.arabic.money import MoneyMention, parse_money
from extractor.arabic.numbers import read_amount, starts_amount, tokenize
from extractor.arabic.textnorm import normalize
from extractor.core.grounding import find_in_context, in_context
from extractor.schemas.values import Actor, DateValue, Item, Location, Money

MONEY_TOLERANCE = 0.01  # reports round: "1.1 billion" and "1,095 million" are one amount


def same_amount(a: float, a_currency: str, b: float, b_currency: str) -> bool:
    """One amount of money: same currency, within :data:`MONEY_TOLERANCE` (the one rule used by
    deduplication, linking and evaluation)."""
    return a_currency == b_currency and abs(a - b) <= MONEY_TOLERANCE * max(abs(a), abs(b))


@dataclass(frozen=True)
class Scope:
    """The text a draft's values must be written in (the quote's sentence), with what a resolver
    needs to read it: the document's analysis, the publication date, and a drop counter."""

    analysis: TextAnalysis
    start: int
    end: int
    norm: str  # normalized text of [start, end)
    published: date | None
    dropped: Counter[str]

    @classmethod
    def of(
        cls,
        analysis: TextAnalysis,
        start: int,
        end: int,
        published: date | None,
        dropped: Counter[str],
    ) -> Scope:
        return cls(analysis, start, end, analysis.normalized_span(start, end), published, dropped)

    @property
    def text(self) -> str:
        return self.analysis.text[self.start : self.end]

    @property
    def gazetteer(self) -> Gazetteer:
        return self.analysis.gazetteer

    def has(self, surface: str) -> bool:
        return in_context(surface, self.norm)

    def drop(self, name: str) -> None:
        self.dropped[name] += 1


# ---- actors and places ----------------------------------------------------------------------


def actor_from_mention(m: Mention, surface: str | None = None) -> Actor:
    """The record form of a gazetteer mention (a capital or adjective stands for its state)."""
    entry = m.entry
    if entry.kind in ("person", "org"):
        return Actor(
            surface=surface or m.surface,
            name=entry.name,
            kind=entry.kind,
            country=entry.country,
            code=entry.code if entry.code else entry.country,
        )
    state = m.as_country() or entry
    return Actor(
        surface=surface or m.surface,
        name=state.name,
        kind="country",
        country=state.country,
        code=state.code,
    )


def resolve_actor(surface: str, scope: Scope, name: str = "actors") -> Actor | None:
    """A state, person or body written in the scope and known to the gazetteer."""
    if not scope.has(surface):
        scope.drop(name)
        return None
    m = scope.gazetteer.lookup(surface)
    if (
        m is None
        or m.entry.kind == "weapon"
        or (m.entry.kind == "place" and m.as_country() is None)
    ):
        scope.drop(name + "_unknown")
        return None
    return actor_from_mention(m, surface.strip())


def resolve_actors(surfaces: list[str], scope: Scope, name: str = "actors") -> list[Actor]:
    """Distinct actors (by code, else name) in the order given."""
    out: list[Actor] = []
    seen: set[str] = set()
    for surface in surfaces:
        actor = resolve_actor(surface, scope, name)
        if actor is not None and (actor.code or actor.name) not in seen:
            seen.add(actor.code or actor.name)
            out.append(actor)
    return out


def resolve_place(surface: str | None, scope: Scope, name: str = "location") -> Location | None:
    """A place written in the scope; canonical name and country when the gazetteer knows it."""
    if not surface:
        return None
    if not scope.has(surface):
        scope.drop(name)
        return None
    m = scope.gazetteer.lookup(surface)
    if m is None:
        return Location(surface=surface.strip())
    country = m.entry.country if m.entry.kind != "country" else m.entry.code
    return Location(surface=surface.strip(), name=m.entry.name, country=country)


# ---- money and items --------------------------------------------------------------------------


def _money_match(surface: str, in_text: list[MoneyMention]) -> MoneyMention | None:
    # the common case (rule drafts, careful models): the surface is written as is
    match = next((m for m in in_text if m.surface == surface.strip()), None)
    if match is not None:
        return match
    wanted = parse_money(surface)
    for m in in_text:
        if wanted is not None and same_amount(m.amount, m.currency, wanted.amount, wanted.currency):
            return m
        if normalize(surface) == normalize(m.surface):
            return m
    return None


def resolve_money(surfaces: list[str], scope: Scope, name: str = "money") -> list[Money]:
    """Amounts the scope states that the surfaces point at, with values read from the text."""
    in_text = scope.analysis.money_in(scope.start, scope.end)
    out: list[Money] = []
    for surface in surfaces:
        match = _money_match(surface, in_text)
        if match is None:
            scope.drop(name)
            continue
        money = Money(
            surface=match.surface,
            amount=match.amount,
            currency=match.currency,
            qualifier=match.qualifier,  # type: ignore[arg-type]  # a MoneyQualifier value
            cumulative=match.cumulative,
        )
        if money not in out:
            out.append(money)
    return out


def resolve_items(surfaces: list[str], scope: Scope, name: str = "items") -> list[Item]:
    """Items written in the scope that the surfaces point at, with their written quantities."""
    in_text: list[ItemMention] = scope.analysis.items_in(scope.start, scope.end)
    gaz = scope.gazetteer
    out: list[Item] = []
    for surface in surfaces:
        m = gaz.lookup(surface)
        match = next(
            (
                it
                for it in in_text
                if (m is not None and m.entry.name == it.name)
                or normalize(surface) == normalize(it.surface)
            ),
            None,
        )
        if match is None:
            scope.drop(name)
            continue
        item = Item(
            surface=match.surface, name=match.name, category=match.category, quantity=match.quantity
        )
        if all(i.name != item.name for i in out):
            out.append(item)
    return drop_generic_items(out, gaz)


def drop_generic_items(items: list[Item], gaz: Gazetteer) -> list[Item]:
    """ "دبابات ليوبارد 2": keep Leopard 2, drop the class Tanks that names the same thing."""

    def generic(item: Item) -> bool:
        entry = gaz.weapons.get(item.name)
        return bool(entry and entry.generic)

    specific = {i.category for i in items if not generic(i)}
    return [i for i in items if not (generic(i) and i.category in specific)]


# ---- dates and counts -------------------------------------------------------------------------


def resolve_date(
    surface: str | None, scope: Scope, *, forward: bool = False, name: str = "date"
) -> DateValue | None:
    """A date expression written in the scope, resolved against the publication date as the text
    writes it ("15 مارس" of "15 مارس 2022" is 2022; ``forward`` for planned events)."""
    if not surface:
        return None
    if not scope.has(surface) or not find_dates(normalize(surface)):
        scope.drop(name)
        return None
    at = find_in_context(surface, scope.norm)
    written = next(
        (m for m in find_dates(scope.norm) if at and m.nstart < at[1] and at[0] < m.nend), None
    )
    if written is None:
        scope.drop(name)
        return None
    value, precision = written.resolve(scope.published, forward=forward)
    return DateValue(surface=surface.strip(), value=value, precision=precision)  # type: ignore[arg-type]


def resolve_count(surface: str | None, scope: Scope, name: str = "count") -> int | None:
    """A number of people or things, written in the scope ("21 شخصا", "ثلاثة جنود")."""
    if surface is None or not surface.strip():
        return None
    if not scope.has(surface):
        scope.drop(name)
        return None
    value = parse_count(surface)
    if value is None:
        n = normalize(surface)
        tokens = tokenize(n)
        amount = read_amount(n, tokens, 0) if tokens and starts_amount(tokens[0].text) else None
        value = int(amount.value) if amount and amount.value == int(amount.value) else None
    if value is None:
        scope.drop(name)
    return value


def resolve_text(surface: str | None, scope: Scope, name: str) -> str | None:
    """A plain string value: kept only where it is written in the scope."""
    if surface is None or not str(surface).strip():
        return None
    if not scope.has(str(surface)):
        scope.drop(name)
        return None
    return str(surface).strip()


__all__ = [
    "MONEY_TOLERANCE",
    "Scope",
    "actor_from_mention",
    "drop_generic_items",
    "resolve_actor",
    "resolve_actors",
    "resolve_count",
    "resolve_date",
    "resolve_items",
    "resolve_money",
    "resolve_place",
    "resolve_text",
    "same_amount",
]
