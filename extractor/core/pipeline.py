"""One document through the system, in three steps that engines can run apart:

- **plan** (:meth:`Pipeline.plan`): segment the page and cut long segments into chunks on
  sentence boundaries; each chunk is one backend request. Pure, no I/O.
- **answers** (:meth:`Pipeline.answers`): the backend's drafts for each request — a live model
  call, a cache hit or a batch result read back into the cache.
- **assemble** (:meth:`Pipeline.assemble`): ground every draft, compute its values, build the
  task's records and merge the same record told twice.

The same path serves every backend and task, so a rule draft and a model draft are held to the
same grounding rules, and a document gives the same record ids whichever engine ran it.
"""

from __future__ import annotations

import asyncio
import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

from extractor.arabic.analysis import TextAnalysis
from extractor.arabic.gazetteer import Gazetteer
from extractor.arabic.sentences import sentences
from extractor.backends.base import Backend, BackendAnswer, SegmentRequest, Usage
from extractor.core.document import Document
from extractor.core.records import BuildStats, DocumentView
from extractor.core.segment import EXTRACTABLE, Segment, segment
from extractor.core.tasks import Task
from extractor.errors import BackendError, ExtractionError, ModelUnavailableError
from extractor.schemas.values import Provenance


@dataclass
class DocumentResult:
    """The outcome for one document: its records, or the reason it failed."""

    doc_id: str
    events: list[Any] = field(default_factory=list)  # the task's records, in text order
    error: str | None = None  # short kind when failed
    message: str | None = None
    source: str | None = None
    usage: Usage = field(default_factory=Usage)
    stats: BuildStats = field(default_factory=BuildStats)
    segments: list[Segment] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def records(self) -> list[Any]:
        """The task's records (``events`` for the default task)."""
        return self.events

    def raise_for_error(self) -> DocumentResult:
        """Raise :class:`~extractor.errors.ExtractionError` when the document failed."""
        if self.error is not None:
            raise ExtractionError(
                f"document {self.doc_id} failed ({self.error}): {self.message}",
                kind=self.error,
                doc_id=self.doc_id,
            )
        return self

    def to_dataframe(self, *, join_lists: bool = True):  # type: ignore[no-untyped-def]
        from extractor.tools.frames import records_to_dataframe

        return records_to_dataframe(self.events, join_lists=join_lists)


@dataclass(frozen=True, slots=True)
class Chunk:
    start: int
    end: int


def chunk_segment(text: str, seg: Segment, max_chars: int, overlap: int) -> list[Chunk]:
    """Split a long segment on sentence boundaries into chunks of at most ``max_chars`` that
    overlap by about ``overlap`` characters (offsets stay document-global)."""
    if seg.end - seg.start <= max_chars:
        return [Chunk(seg.start, seg.end)]
    spans = sentences(text, seg.start, seg.end)
    chunks: list[Chunk] = []
    i = 0
    while i < len(spans):
        start = spans[i].start
        j = i
        while j + 1 < len(spans) and spans[j + 1].end - start <= max_chars:
            j += 1
        end = (
            min(spans[j].end, start + max_chars)
            if spans[j].end - start > max_chars
            else spans[j].end
        )
        chunks.append(Chunk(start, end))
        if j + 1 >= len(spans):
            break
        # The next chunk repeats the last whole sentences of this one (at least ``overlap``
        # characters when they fit), so an event told across the cut is seen whole once.
        nxt = j + 1
        k = nxt
        while k - 1 > i:
            repeated = spans[j].end - spans[k].start if k <= j else 0
            if repeated >= overlap or spans[nxt].end - spans[k - 1].start > max_chars:
                break
            k -= 1
        i = k
    return chunks


@dataclass(frozen=True)
class PlannedRequest:
    """One backend request of a document, and the window of text its drafts are grounded in."""

    window: Segment
    request: SegmentRequest


@dataclass
class DocumentPlan:
    doc: Document
    segments: list[Segment]
    requests: list[PlannedRequest]


class Pipeline:
    """Runs one task with one backend over documents: plan → answers → assemble."""

    def __init__(
        self,
        task: Task,
        backend: Backend,
        gazetteer: Gazetteer,
        *,
        kinds: Iterable[str] = EXTRACTABLE,
        chunk_chars: int = 6000,
        chunk_overlap: int = 400,
        focus: Callable[[str], bool] | None = None,
    ) -> None:
        self.task = task
        # a sentence filter: only runs of flagged sentences (and a neighbour each side) are sent
        self.focus = focus
        self.backend = backend
        self.gazetteer = gazetteer
        self.kinds = frozenset(kinds)
        self.chunk_chars = chunk_chars
        self.chunk_overlap = chunk_overlap

    async def aclose(self) -> None:
        """Release the backend's connections (call at the end of a run, inside its loop)."""
        close = getattr(self.backend, "aclose", None)
        if close is not None:
            await close()

    # ---- plan ------------------------------------------------------------------------------------
    def plan(self, doc: Document) -> DocumentPlan:
        """Segments and backend requests of ``doc`` (no I/O)."""
        text = doc.text
        segments = segment(text)
        planned: list[PlannedRequest] = []
        for seg in segments:
            if seg.kind not in self.kinds:
                continue
            published = (
                doc.published_at.isoformat() if doc.published_at and seg.kind == "main" else None
            )
            for chunk in self._chunks(text, seg):
                request = SegmentRequest(
                    doc.id, seg.id, seg.kind, text[chunk.start : chunk.end], published, chunk.start
                )
                window = Segment(seg.id, seg.kind, chunk.start, chunk.end, seg.article)
                planned.append(PlannedRequest(window, request))
        return DocumentPlan(doc, segments, planned)

    def _chunks(self, text: str, seg: Segment) -> list[Chunk]:
        if self.focus is None:
            return chunk_segment(text, seg, self.chunk_chars, self.chunk_overlap)
        spans = sentences(text, seg.start, seg.end)
        flagged = [i for i, s in enumerate(spans) if self.focus(text[s.start : s.end])]
        keep = sorted({j for i in flagged for j in (i - 1, i, i + 1) if 0 <= j < len(spans)})
        chunks: list[Chunk] = []
        run: list[int] = []
        for i in keep:  # consecutive kept sentences form one piece of text, chunked as usual
            if run and i != run[-1] + 1:
                chunks.extend(self._piece(text, seg, spans[run[0]].start, spans[run[-1]].end))
                run = []
            run.append(i)
        if run:
            chunks.extend(self._piece(text, seg, spans[run[0]].start, spans[run[-1]].end))
        return chunks

    def _piece(self, text: str, seg: Segment, start: int, end: int) -> list[Chunk]:
        piece = Segment(seg.id, seg.kind, start, end, seg.article)
        return chunk_segment(text, piece, self.chunk_chars, self.chunk_overlap)

    # ---- answers ---------------------------------------------------------------------------------
    async def answers(self, plan: DocumentPlan) -> list[BackendAnswer]:
        """The backend's answer to each request of ``plan``, in order."""
        out: list[BackendAnswer] = []
        try:
            for planned in plan.requests:
                out.append(await self.backend.draft(planned.request))
                await asyncio.sleep(0)  # let other documents progress between requests
        except BackendError as exc:
            spent = Usage()  # what the answered requests and the failed one cost
            for answer in out:
                for part in answer.answers():
                    spent.add(part.usage)
            if isinstance(exc.usage, Usage):
                spent.add(exc.usage)
            exc.usage = spent
            raise
        return out

    # ---- assemble --------------------------------------------------------------------------------
    def assemble(
        self, plan: DocumentPlan, answers: list[BackendAnswer], result: DocumentResult
    ) -> DocumentResult:
        """Ground the drafts of ``answers`` and build the document's records into ``result``."""
        doc = plan.doc
        # analysed at its first draft: a page without any costs no analysis
        view: DocumentView | None = None
        result.segments = plan.segments
        records: list[BaseModel] = []
        builder = self.task.builder
        for planned, combined in zip(plan.requests, answers, strict=True):
            for answer in combined.answers():
                result.usage.add(answer.usage)
                result.stats.rejected.update(answer.rejected)
                source = answer.source or self.backend.name
                provenance = Provenance(
                    backend=source,
                    model=answer.model,
                    prompt_version=answer.prompt_version,
                    cache_key=answer.cache_key,
                    prompt_tokens=answer.usage.prompt_tokens if answer.cache_key else None,
                    completion_tokens=answer.usage.completion_tokens if answer.cache_key else None,
                    cached=answer.usage.cache_hits > 0,
                    sources=[source],
                )
                for draft in answer.drafts:
                    if view is None:
                        view = DocumentView(
                            doc.id,
                            doc.text,
                            TextAnalysis(doc.text, self.gazetteer),
                            doc.published_at,
                            tuple(plan.segments),
                            tuple(sentences(doc.text)),
                        )
                    record = builder.build(draft, view, planned.window, provenance, result.stats)
                    if record is not None:
                        records.append(record)
        result.events = self.task.merge(records)
        return result

    # ---- all three -------------------------------------------------------------------------------
    async def process(self, doc: Document) -> DocumentResult:
        """Extract one document. Backend faults become a failed result, never an exception —
        except :class:`ModelUnavailableError`, which means no document can succeed."""
        result = DocumentResult(doc.id, source=doc.source)
        try:
            plan = self.plan(doc)
            answers = await self.answers(plan)
            self.assemble(plan, answers, result)
        except ModelUnavailableError:
            raise
        except BackendError as exc:
            result.events, result.error, result.message = [], "backend", str(exc)
            if isinstance(exc.usage, Usage):
                result.usage.add(exc.usage)
        except Exception as exc:  # a bug must not end the run: record it with the document
            result.events, result.error = [], "internal"
            result.message = (
                f"{type(exc).__name__}: {exc} (please report)\n{traceback.format_exc(limit=3)}"
            )
        return result


__all__ = [
    "Chunk",
    "DocumentPlan",
    "DocumentResult",
    "Pipeline",
    "PlannedRequest",
    "chunk_segment",
]
