"""Typed draft fields: what a backend writes as a surface string and what code computes from it.

A task's draft model is an ordinary pydantic model whose fields use these types. Each is a
string *as written in the article* (``"61 مليار دولار"``, ``"يوم السبت"``, ``"بايدن"``) annotated
with a :class:`FieldType` marker that tells the grounding and normalization layer what to compute:

=========  =====================================================================================
``Quote``  the verbatim span that states the record; located in the text (exact → normalized →
           fuzzy) and refused when it is not there. Exactly one per draft model.
``Actor``  a state, person or body → ``{surface, name, kind, country, code}`` from the gazetteer
``Money``  an amount with its currency → ``{surface, amount, currency, qualifier, cumulative}``
``Date``   date words → ``{surface, value, precision}`` resolved against the publication date
``Count``  a number of people or things → an integer, read from the text
``Place``  a place → ``{surface, name, country}`` (gazetteer)
``Item``   a weapon system or aid item → ``{surface, name, category, quantity}`` (gazetteer)
=========  =====================================================================================

Plain ``str``, ``int`` and ``float`` fields are kept only where the quote's sentence writes them
(the words; the number, in digits or words). ``Literal``, enum and ``bool`` fields are the
backend's choices and are kept as given. An ``Actor``, ``Place`` or ``Item`` the sentence writes
but the gazetteer does not know is kept unresolved (its words and offsets, ``name`` null).
This module imports only pydantic.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field

FieldKind = Literal["quote", "actor", "money", "date", "count", "place", "item"]
FIELD_KINDS: tuple[str, ...] = FieldKind.__args__  # type: ignore[attr-defined]


class FieldType:
    """The marker inside ``Annotated[str, FieldType(kind)]``."""

    __slots__ = ("kind",)

    def __init__(self, kind: str) -> None:
        if kind not in FIELD_KINDS:
            raise ValueError(f"unknown field kind {kind!r}; use one of {', '.join(FIELD_KINDS)}")
        self.kind = kind

    def __repr__(self) -> str:
        return f"FieldType({self.kind!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, FieldType) and other.kind == self.kind

    def __hash__(self) -> int:
        return hash(("FieldType", self.kind))


def _as_text(value: Any) -> Any:
    """Models often answer a number where a surface string is asked ("21" → 21): keep it."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return format(value, "g") if isinstance(value, float) else str(value)
    return value


_Text = BeforeValidator(_as_text)

Quote = Annotated[
    str,
    FieldType("quote"),
    Field(
        min_length=1,
        max_length=1000,
        description="The sentence or clause of the article that states this, copied verbatim.",
    ),
]
Actor = Annotated[
    str,
    FieldType("actor"),
    _Text,
    Field(max_length=120, description="A state, person or organization as written in the text."),
]
Money = Annotated[
    str,
    FieldType("money"),
    _Text,
    Field(
        max_length=120, description='An amount with its currency as written, e.g. "61 مليار دولار".'
    ),
]
Date = Annotated[
    str,
    FieldType("date"),
    _Text,
    Field(max_length=80, description='Date words as written, e.g. "يوم السبت".'),
]
Count = Annotated[
    str,
    FieldType("count"),
    _Text,
    Field(max_length=60, description='A number of people or things as written, e.g. "21 شخصا".'),
]
Place = Annotated[
    str,
    FieldType("place"),
    _Text,
    Field(max_length=80, description="A place as written in the text."),
]
Item = Annotated[
    str,
    FieldType("item"),
    _Text,
    Field(max_length=120, description="A weapon system or aid item as written, with its quantity."),
]

__all__ = [
    "FIELD_KINDS",
    "Actor",
    "Count",
    "Date",
    "FieldKind",
    "FieldType",
    "Item",
    "Money",
    "Place",
    "Quote",
]
