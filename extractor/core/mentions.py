"""Mentions — every place a document tells one record — and the document facts every record
carries (``published_at``, ``source``), so that a record can be cited and dated on its own.

A record is born with one mention, its evidence. When the discourse step of a task merges a
restatement into the record it restates (:mod:`extractor.events.dedup` for the events task,
:func:`extractor.core.record_builder.merge_identical` for user tasks), the restatement's mentions join
the kept record's, in text order; ``text[start:end] == quote`` holds for each.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from extractor.core.document import Document
from extractor.schemas.values import Evidence, Mention


def mention_of(evidence: Evidence) -> Mention:
    return Mention(quote=evidence.quote, start=evidence.start, end=evidence.end)


def mentions_of(record: Any) -> list[Mention]:
    """The record's mentions (its evidence alone when none were listed yet)."""
    return list(record.mentions) or [mention_of(record.evidence)]


def join_mentions(kept: Any, *others: Any) -> None:
    """Give ``kept`` the mentions of ``others`` too: one per span, in text order."""
    spans: dict[tuple[int, int], Mention] = {}
    for r in (kept, *others):
        for m in mentions_of(r):
            spans.setdefault((m.start, m.end), m)
    kept.mentions = [spans[k] for k in sorted(spans)]


def document_source(doc: Document) -> str:
    """Where a record can be cited from: the URL, else the file path (or JSONL line), else the id."""
    return doc.url or doc.source or doc.id


def stamp(records: Iterable[Any], doc: Document) -> None:
    """Give every record of ``doc`` its publication date, its source and (if still empty) its
    evidence as its one mention."""
    published = doc.published_at.isoformat() if doc.published_at else None
    source = document_source(doc)
    for r in records:
        if hasattr(r, "published_at"):
            r.published_at = published
        if hasattr(r, "source"):
            r.source = source
        if hasattr(r, "mentions") and not r.mentions:
            r.mentions = [mention_of(r.evidence)]


__all__ = ["document_source", "join_mentions", "mention_of", "mentions_of", "stamp"]
