"""Typed fields for the draft model of a task (see :class:`extractor.Task`).

>>> from pydantic import BaseModel
>>> from extractor.fields import Actor, Date, Money, Quote
>>> class HouseVote(BaseModel):
...     quote: Quote
...     donor: Actor | None = None
...     amount: Money | None = None
...     when: Date | None = None

Each is a string the backend copies from the article; code grounds it in the quote's sentence
and computes the value: ``Actor`` → ``{surface, name, kind, country, code}``, ``Money`` →
``{surface, amount, currency, qualifier, cumulative}``, ``Date`` → ``{surface, value, precision}``,
``Count`` → an integer, ``Place`` → ``{surface, name, country}``, ``Item`` →
``{surface, name, category, quantity}``. An actor, place or item the sentence writes but the
gazetteer does not know keeps its words and offsets with ``name`` null.
"""

from extractor.schemas.draft_fields import (
    FIELD_KINDS,
    Actor,
    Count,
    Date,
    FieldType,
    Item,
    Money,
    Place,
    Quote,
)

__all__ = ["FIELD_KINDS", "Actor", "Count", "Date", "FieldType", "Item", "Money", "Place", "Quote"]
