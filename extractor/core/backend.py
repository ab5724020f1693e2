"""The backend seam: one async method from a segment of text to drafts of the task."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from pydantic import BaseModel


@dataclass(frozen=True, slots=True)
class SegmentRequest:
    """What a backend is asked: one chunk of one segment of one document.

    ``start`` is the offset of ``text`` in the document (offsets of records stay global).
    """

    doc_id: str
    segment_id: int
    segment_kind: str
    text: str
    published_at: str | None = None
    start: int = 0


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
    """The drafts of one request, what they cost and where they came from."""

    drafts: list[BaseModel]
    usage: Usage = field(default_factory=Usage)
    cache_key: str | None = None
    model: str | None = None
    prompt_version: str | None = None
    source: str | None = None  # which backend drafted them
    # a hybrid answer is the answers of its backends, each with its own source and usage
    parts: list[BackendAnswer] = field(default_factory=list)
    # drafts the backend itself set aside, by reason (counted with grounding's refusals)
    rejected: dict[str, int] = field(default_factory=dict)

    def answers(self) -> list[BackendAnswer]:
        """The answers that hold drafts: the parts of a combined answer, else this one."""
        return self.parts or [self]


class Backend(Protocol):
    """Anything that drafts a task's records for a segment (the rule extractor, an LLM …)."""

    name: str

    async def draft(self, request: SegmentRequest) -> BackendAnswer:
        """Drafts found in ``request.text``; raise BackendError when it cannot."""
        ...
