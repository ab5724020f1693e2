"""The backend seam: one async method from a segment of text to draft events."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from extractor.schemas import DraftEvent


@dataclass(frozen=True, slots=True)
class SegmentRequest:
    """What a backend is asked: one segment of one document."""

    doc_id: str
    segment_id: int
    segment_kind: str
    text: str
    published_at: str | None = None


@dataclass
class Usage:
    """Tokens and calls spent on one request, summed over every attempt (re-asks included)."""

    prompt_tokens: int = 0
    completion_tokens: int = 0
    requests: int = 0
    retries: int = 0
    reasks: int = 0
    cache_hits: int = 0

    def add(self, other: Usage) -> None:
        self.prompt_tokens += other.prompt_tokens
        self.completion_tokens += other.completion_tokens
        self.requests += other.requests
        self.retries += other.retries
        self.reasks += other.reasks
        self.cache_hits += other.cache_hits


@dataclass
class BackendAnswer:
    drafts: list[DraftEvent]
    usage: Usage = field(default_factory=Usage)
    cache_key: str | None = None
    model: str | None = None
    prompt_version: str | None = None


class Backend(Protocol):
    """Anything that drafts events for a segment (the rule extractor, an LLM client …)."""

    name: str

    async def draft(self, request: SegmentRequest) -> BackendAnswer:
        """Draft events found in ``request.text``; raise BackendError when it cannot."""
        ...
