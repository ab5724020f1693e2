"""The input unit of the core: one article, or why an input could not become one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class Document:
    """One article: its id, text and (optional) publication date and URL."""

    id: str
    text: str
    published_at: date | None = None
    url: str | None = None
    source: str | None = None


@dataclass(frozen=True)
class DocumentFailure:
    """An input that could not become a document, and why."""

    id: str
    source: str
    error: str  # short kind: empty, binary, decode, too_large, invalid_json, …
    message: str


__all__ = ["Document", "DocumentFailure"]
