"""From a surface string to a value, for each field type: the one place where a draft's words
become actors, money, dates, counts, places and items.

Every resolver takes the :class:`Scope` a draft is grounded in: the quote's sentence first, then
(for the values a quote may refer to — parties, places, dates, money of a package named before)
the rest of its segment, marked ``alignment: "context"``. A value is always computed from words
the text states, never taken from the backend: a model's "61 مليار" is looked up among the amounts
the text writes. A backend may name a value differently from the text — "Biden" for «بايدن»,
"$61 billion" for «61 مليار دولار», "2024-04-20" for «يوم السبت» — and the value is accepted when
the text states the same entity, amount or day, with the text's own words as the surface. What
is not found is dropped and counted. The events task and user tasks share these resolvers.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections import Counter
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from extractor.arabic.analysis import TextAnalysis
from extractor.arabic.casualties import parse_count
from extractor.arabic.dates import DateMention, read_dates_cached
from extractor.arabic.gazetteer import Entry, Gazetteer, Mention
from extractor.arabic.items import ItemMention
from extractor.arabic.money import MoneyMention, parse_money
from extractor.arabic.numbers import read_amount, starts_amount, tokenize
from extractor.arabic.textnorm import normalize
from extractor.core.grounding import find_in_context
from extractor.schemas.values import Actor, DateValue, Item, Location, Money

MONEY_TOLERANCE = 0.01  # reports round: "1.1 billion" and "1,095 million" are one amount


def same_amount(a: float, a_currency: str, b: float, b_currency: str) -> bool:
    """One amount of money: same currency, within :data:`MONEY_TOLERANCE` (the one rule used by
    deduplication, linking and evaluation)."""
    return a_currency == b_currency and abs(a - b) <= MONEY_TOLERANCE * max(abs(a), abs(b))


@dataclass(frozen=True)
class Scope:
    """The text a draft's values must be written in — the quote's sentence — with what a
    resolver needs: the document's analysis, the publication date, a drop counter, and the
    wider ``context`` (the rest of the segment) where referred-to values may be found."""

    analysis: TextAnalysis
    start: int
    end: int
    nstart: int  # normalized offset of ``start``
    norm: str  # normalized text of [start, end)
    published: date | None
    dropped: Counter[str]
    context: Scope | None = None  # sentences around it, for parties and places
    near: Scope | None = None  # the closest sentences, for amounts and items
    segment: Scope | None = None  # its whole segment, for dates (stated once, in the lead)
    alignment: str = "sentence"

    @classmethod
    def of(
        cls,
        analysis: TextAnalysis,
        start: int,
        end: int,
        published: date | None,
        dropped: Counter[str],
        context: tuple[int, int] | None = None,
        near: tuple[int, int] | None = None,
        segment: tuple[int, int] | None = None,
    ) -> Scope:
        offsets = analysis.norm.offsets

        def wider(span: tuple[int, int] | None) -> Scope | None:
            if span is None or (span[0] >= start and span[1] <= end):
                return None
            ns, ne = bisect_left(offsets, span[0]), bisect_left(offsets, span[1])
            text = analysis.norm_between(ns, ne)
            return cls(
                analysis, span[0], span[1], ns, text, published, dropped, alignment="context"
            )

        nstart, nend = bisect_left(offsets, start), bisect_left(offsets, end)
        return cls(
            analysis,
            start,
            end,
            nstart,
            analysis.norm.text[nstart:nend],
            published,
            dropped,
            wider(context),
            wider(near),
            wider(segment),
        )

    @property
    def text(self) -> str:
        return self.analysis.text[self.start : self.end]

    @property
    def gazetteer(self) -> Gazetteer:
        return self.analysis.gazetteer

    def scopes(self, wide: bool, *, reach: str = "context") -> tuple[Scope, ...]:
        """This scope, then — when ``wide`` — the text around it where values a quote refers
        to may be written: ``near`` (the closest sentences), ``context`` (a little further) or
        ``segment`` (all of it)."""
        extra = getattr(self, reach)
        return (self, extra) if wide and extra is not None else (self,)

    def find(self, surface: str) -> tuple[int, int] | None:
        """Original-text span of ``surface`` written in this scope (as whole words), or None."""
        at = find_in_context(surface, self.norm)
        if at is None:
            return None
        return self.analysis.norm.to_original(self.nstart + at[0], self.nstart + at[1])

    def has(self, surface: str) -> bool:
        return find_in_context(surface, self.norm) is not None

    def mentions(self) -> list[Mention]:
        return self.analysis.mentions_in(self.start, self.end)

    def drop(self, name: str) -> None:
        self.dropped[name] += 1


def _where(span: tuple[int, int] | None, scope: Scope) -> dict[str, Any]:
    if span is None:
        return {}
    return {"start": span[0], "end": span[1], "alignment": scope.alignment}


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


_NAME_INDEXES: dict[int, tuple[Gazetteer, dict[str, Entry]]] = {}


def _by_name(gaz: Gazetteer) -> dict[str, Entry]:
    """Entries by their canonical (English) name or code, case-folded: "Joe Biden", "NATO"
    (built once per gazetteer; the gazetteer is kept alive with its index)."""
    held = _NAME_INDEXES.get(id(gaz))
    if held is not None and held[0] is gaz:
        return held[1]
    out: dict[str, Entry] = {}
    for bucket in gaz.index.values():
        for entry, _via in bucket:
            out.setdefault(entry.name.casefold(), entry)
            if entry.code:
                out.setdefault(entry.code.casefold(), entry)
    if len(_NAME_INDEXES) > 8:
        _NAME_INDEXES.clear()
    _NAME_INDEXES[id(gaz)] = (gaz, out)
    return out


def _without_article(surface: str) -> str | None:
    """ "الأوكرانيا" → "أوكرانيا": models add an article the text does not write."""
    first, _, rest = surface.strip().partition(" ")
    if normalize(first).startswith("ال") and len(first) > 4:
        return (first[2:] + (" " + rest if rest else "")).strip()
    return None


def _entry_of(surface: str, gaz: Gazetteer) -> tuple[Entry, Mention | None] | None:
    """The entry a backend's surface names: Arabic as the gazetteer knows it (with or without an
    added article), or its English canonical name or code."""
    for form in (surface, _without_article(surface)):
        m = gaz.lookup(form) if form else None
        if m is not None:
            return m.entry, m
    entry = _by_name(gaz).get(" ".join(surface.split()).casefold())
    return (entry, None) if entry is not None else None


def _party_key(entry: Entry, m: Mention | None) -> str | None:
    if entry.kind in ("person", "org"):
        return entry.code or entry.country or entry.name
    state = m.as_country() if m is not None else (entry if entry.kind == "country" else None)
    return state.code if state is not None else None


def resolve_actor(
    surface: str, scope: Scope, name: str = "actors", *, wide: bool = True
) -> Actor | None:
    """A state, person or body the scope writes: as the backend wrote it, or the same entity
    under the text's own name (an English name, another spelling)."""
    gaz = scope.gazetteer
    known = _entry_of(surface, gaz)
    if known is not None and (
        known[0].kind == "weapon" or (known[0].kind == "place" and _party_key(*known) is None)
    ):
        scope.drop(name + "_unknown")
        return None
    for s in scope.scopes(wide):
        span = s.find(surface)
        if span is not None and known is not None and known[1] is not None:
            # the text's own words at those offsets («لأوكرانيا» where a draft wrote «أوكرانيا»)
            written = s.analysis.text[span[0] : span[1]]
            return actor_from_mention(known[1], written).model_copy(update=_where(span, s))
        if known is None:
            continue
        # the same entity under the text's own words: a person or body by any of its names
        # ("Biden" → «بايدن»), a state by its name, capital or adjective («الأمريكي» → USA)
        entry, mention = known
        state = _party_key(entry, mention) if entry.kind in ("country", "place") else None
        for m in s.mentions():
            same = m.entry == entry or (
                state is not None
                and m.entry.kind in ("country", "place")
                and _party_key(m.entry, m) == state
            )
            if same:
                return actor_from_mention(m).model_copy(update=_where((m.start, m.end), s))
    scope.drop(name if known is not None else name + "_unknown")
    return None


def resolve_actors(
    surfaces: list[str], scope: Scope, name: str = "actors", *, wide: bool = True
) -> list[Actor]:
    """Distinct actors (by code, else name) in the order given."""
    out: list[Actor] = []
    seen: set[str] = set()
    for surface in surfaces:
        actor = resolve_actor(surface, scope, name, wide=wide)
        if actor is not None and (actor.code or actor.name) not in seen:
            seen.add(actor.code or actor.name)
            out.append(actor)
    return out


def resolve_place(
    surface: str | None, scope: Scope, name: str = "location", *, wide: bool = True
) -> Location | None:
    """A place written in the scope; canonical name and country when the gazetteer knows it."""
    if not surface:
        return None
    for s in scope.scopes(wide):
        span = s.find(surface)
        if span is None:
            continue
        m = s.gazetteer.lookup(surface)
        where = _where(span, s)
        written = s.analysis.text[span[0] : span[1]]  # the text's own words at those offsets
        if m is None:
            return Location(surface=written, **where)
        country = m.entry.country if m.entry.kind != "country" else m.entry.code
        return Location(surface=written, name=m.entry.name, country=country, **where)
    scope.drop(name)
    return None


# ---- money and items --------------------------------------------------------------------------

_CURRENCY_WORDS = {
    "$": "USD",
    "usd": "USD",
    "dollar": "USD",
    "dollars": "USD",
    "€": "EUR",
    "eur": "EUR",
    "euro": "EUR",
    "euros": "EUR",
    "£": "GBP",
    "gbp": "GBP",
    "pound": "GBP",
    "pounds": "GBP",
    "sterling": "GBP",
    "¥": "JPY",
    "jpy": "JPY",
    "yen": "JPY",
    "rub": "RUB",
    "rubles": "RUB",
    "roubles": "RUB",
    "uah": "UAH",
    "hryvnias": "UAH",
}
_SCALES = {
    "thousand": 1e3,
    "k": 1e3,
    "million": 1e6,
    "mn": 1e6,
    "m": 1e6,
    "billion": 1e9,
    "bn": 1e9,
    "b": 1e9,
    "trillion": 1e12,
    "tn": 1e12,
}
_LATIN_MONEY = re.compile(
    r"^(?P<pre>[$€£¥]|usd|eur|gbp)?\s*(?P<n>\d[\d,]*(?:\.\d+)?)\s*(?P<scale>[a-z]+)?"
    r"\s*(?P<cur>[$€£¥]|[a-z]+)?(?:\s+[a-z]+)?$"
)


def parse_latin_money(surface: str) -> tuple[float, str] | None:
    """ "$61 billion", "61bn USD", "€2.4 billion", "600 million pounds" → (amount, ISO code)."""
    m = _LATIN_MONEY.match(" ".join(surface.casefold().split()))
    if not m:
        return None
    currency = _CURRENCY_WORDS.get(m["pre"] or "") or _CURRENCY_WORDS.get(m["cur"] or "")
    scale_word = m["scale"] or ""
    if scale_word and scale_word not in _SCALES:
        currency = currency or _CURRENCY_WORDS.get(scale_word)
        scale_word = ""
    if currency is None:
        return None
    amount = float(m["n"].replace(",", "")) * _SCALES.get(scale_word, 1.0)
    return (amount, currency) if amount > 0 else None


def _money_match(surface: str, in_text: list[MoneyMention]) -> MoneyMention | None:
    # the common case (rule drafts, careful models): the surface is written as is
    match = next((m for m in in_text if m.surface == surface.strip()), None)
    if match is not None:
        return match
    parsed = parse_money(surface)
    wanted = [(parsed.amount, parsed.currency)] if parsed is not None else []
    latin = parse_latin_money(surface)  # "$61 billion": the Arabic reader may see only "61"
    if latin is not None:
        wanted.append(latin)
    for m in in_text:
        if any(same_amount(m.amount, m.currency, *w) for w in wanted):
            return m
        if normalize(surface) == normalize(m.surface):
            return m
    return None


def resolve_money(
    surfaces: list[str], scope: Scope, name: str = "money", *, wide: bool = True
) -> list[Money]:
    """Amounts the scope states that the surfaces point at, with values read from the text."""
    out: list[Money] = []
    for surface in surfaces:
        for s in scope.scopes(wide, reach="near"):
            match = _money_match(surface, s.analysis.money_in(s.start, s.end))
            if match is not None:
                money = Money(
                    surface=match.surface,
                    amount=match.amount,
                    currency=match.currency,
                    qualifier=match.qualifier,  # type: ignore[arg-type]  # a MoneyQualifier value
                    cumulative=match.cumulative,
                    **_where((match.start, match.end), s),
                )
                if money not in out:
                    out.append(money)
                break
        else:
            scope.drop(name)
    return out


def resolve_items(
    surfaces: list[str], scope: Scope, name: str = "items", *, wide: bool = True
) -> list[Item]:
    """Items written in the scope that the surfaces point at, with their written quantities
    (a follow-up sentence often details the package: "وتشمل الحزمة صواريخ …")."""
    gaz = scope.gazetteer
    out: list[Item] = []
    for surface in surfaces:
        known = _entry_of(surface, gaz)
        for s in scope.scopes(wide, reach="near"):
            in_text: list[ItemMention] = s.analysis.items_in(s.start, s.end)
            match = next(
                (
                    it
                    for it in in_text
                    if (known is not None and known[0].name == it.name)
                    or normalize(surface) == normalize(it.surface)
                ),
                None,
            )
            if match is not None:
                item = Item(
                    surface=match.surface,
                    name=match.name,
                    category=match.category,
                    quantity=match.quantity,
                    **_where((match.start, match.end), s),
                )
                if all(i.name != item.name for i in out):
                    out.append(item)
                break
        else:
            scope.drop(name)
    return drop_generic_items(out, gaz)


def drop_generic_items(items: list[Item], gaz: Gazetteer) -> list[Item]:
    """ "دبابات ليوبارد 2": keep Leopard 2, drop the class Tanks that names the same thing."""

    def generic(item: Item) -> bool:
        entry = gaz.weapons.get(item.name)
        return bool(entry and entry.generic)

    specific = {i.category for i in items if not generic(i)}
    return [i for i in items if not (generic(i) and i.category in specific)]


# ---- dates and counts -------------------------------------------------------------------------

_ISO = re.compile(r"^\d{4}(?:-\d{2}(?:-\d{2})?)?$")


# How far around a value found in a long scope (a whole segment) its date expression is read:
# reading every date of a long page for each draft would cost time that grows with its square.
_DATE_READ = 300


def _date_at(s: Scope, at: tuple[int, int]) -> DateMention | None:
    lo, hi = max(0, at[0] - _DATE_READ), min(len(s.norm), at[1] + _DATE_READ)
    near = read_dates_cached(s.norm[lo:hi] if hi - lo < len(s.norm) else s.norm)
    return next(
        (
            replace(m, nstart=m.nstart + lo, nend=m.nend + lo)
            for m in near
            if m.nstart + lo < at[1] and at[0] < m.nend + lo
        ),
        None,
    )


def resolve_date(
    surface: str | None,
    scope: Scope,
    *,
    forward: bool = False,
    name: str = "date",
    wide: bool = True,
) -> DateValue | None:
    """A date expression the scope writes, resolved against the publication date as the text
    writes it ("15 مارس" of "15 مارس 2022" is 2022; ``forward`` for planned events). An ISO date
    from a backend is accepted when the scope writes an expression of that day."""
    if not surface:
        return None
    iso = surface.strip() if _ISO.match(surface.strip()) else None
    for s in scope.scopes(wide, reach="segment"):
        if iso is None:
            at = find_in_context(surface, s.norm) if read_dates_cached(normalize(surface)) else None
            written = _date_at(s, at) if at is not None else None
            if written is None:
                continue
        else:
            written = next(
                (
                    m
                    for m in read_dates_cached(s.norm)
                    if m.resolve(s.published, forward=forward)[0] == iso
                ),
                None,
            )
            if written is None:
                continue
        value, precision = written.resolve(s.published, forward=forward)
        span = s.analysis.norm.to_original(s.nstart + written.nstart, s.nstart + written.nend)
        text_surface = s.analysis.text[span[0] : span[1]]  # the text's own words there
        if text_surface[:1] in "وف" and normalize(text_surface[1:]) == normalize(surface):
            # "والأسبوع الماضي" where the backend wrote "الأسبوع الماضي": not the conjunction
            span, text_surface = (span[0] + 1, span[1]), text_surface[1:]
        return DateValue(
            surface=text_surface,
            value=value,
            precision=precision,  # type: ignore[arg-type]
            **_where(span, s),
        )
    scope.drop(name)
    return None


def resolve_count(surface: str | None, scope: Scope, name: str = "count") -> int | None:
    """A number of people or things, written in the sentence ("21 شخصا", "ثلاثة جنود")."""
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
    """A plain string value: kept only where it is written in the quote's sentence."""
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
    "parse_latin_money",
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
