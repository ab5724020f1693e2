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
from extractor.arabic.sentences import Span, reading_sentences, sentence_pieces, sentences
from extractor.core.backend import Backend, BackendAnswer, SegmentRequest, Usage
from extractor.core.document import Document
from extractor.core.mentions import stamp
from extractor.core.record_builder import BuildStats, DocumentView
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
        from extractor.records.frames import records_to_dataframe

        return records_to_dataframe(self.events, join_lists=join_lists)


@dataclass(frozen=True, slots=True)
class Chunk:
    start: int
    end: int


def piece_limit(max_chars: int, overlap: int) -> int:
    """How long the pieces of a sentence longer than a chunk may be: short enough that a chunk
    holds the ``overlap`` repeated from the one before and a new piece."""
    return max(1, max_chars // 4, (max_chars - overlap) // 2)


def chunk_units(
    text: str, start: int, end: int, max_chars: int, overlap: int
) -> tuple[list[Span], int]:
    """The sentences of ``text[start:end]``, each longer than ``max_chars`` cut into pieces at
    clause or word boundaries (:func:`~extractor.arabic.sentences.sentence_pieces`): what chunks
    are made of (only whitespace lies between two units); and how many sentences were cut."""
    limit = piece_limit(max_chars, overlap)
    units: list[Span] = []
    cut = 0
    for s in sentences(text, start, end):
        if s.end - s.start > max_chars:
            units.extend(sentence_pieces(text, s, limit))
            cut += 1
        else:
            units.append(s)
    return units, cut


def pack_units(units: list[Span], max_chars: int, overlap: int) -> list[Chunk]:
    """Consecutive ``units`` (none longer than ``max_chars``) packed into chunks of at most
    ``max_chars`` characters, each repeating the last units of the one before (at least
    ``overlap`` characters when they fit), so that an event told across a cut is seen whole once."""
    chunks: list[Chunk] = []
    i = 0
    while i < len(units):
        start = units[i].start
        j = i
        while j + 1 < len(units) and units[j + 1].end - start <= max_chars:
            j += 1
        chunks.append(Chunk(start, units[j].end))
        if j + 1 >= len(units):
            break
        nxt = j + 1
        k = nxt
        while k - 1 > i:
            repeated = units[j].end - units[k].start if k <= j else 0
            if repeated >= overlap or units[nxt].end - units[k - 1].start > max_chars:
                break
            k -= 1
        i = k
    return chunks


def chunk_segment(text: str, seg: Segment, max_chars: int, overlap: int) -> list[Chunk]:
    """Split a long segment on sentence boundaries into chunks of at most ``max_chars`` that
    overlap by about ``overlap`` characters (offsets stay document-global). A sentence longer
    than ``max_chars`` is cut at clause or word boundaries, never dropped: the chunks hold every
    character of the segment but whitespace."""
    if seg.end - seg.start <= max_chars:
        return [Chunk(seg.start, seg.end)]
    units, _ = chunk_units(text, seg.start, seg.end, max_chars, overlap)
    return pack_units(units, max_chars, overlap)


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
    # sentences longer than a chunk, cut at clause or word boundaries
    long_sentences_cut: int = 0


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
        long_sentences = 0
        for seg in segments:
            if seg.kind not in self.kinds:
                continue
            published = (
                doc.published_at.isoformat() if doc.published_at and seg.kind == "main" else None
            )
            chunks, cut = self._chunks(text, seg)
            long_sentences += cut
            for chunk in chunks:
                request = SegmentRequest(
                    doc.id, seg.id, seg.kind, text[chunk.start : chunk.end], published, chunk.start
                )
                window = Segment(seg.id, seg.kind, chunk.start, chunk.end, seg.article)
                planned.append(PlannedRequest(window, request))
        return DocumentPlan(doc, segments, planned, long_sentences)

    def _chunks(self, text: str, seg: Segment) -> tuple[list[Chunk], int]:
        """The chunks of one segment, and how many of its sentences were longer than a chunk
        (and were cut)."""
        size, overlap = self.chunk_chars, self.chunk_overlap
        if self.focus is None and seg.end - seg.start <= size:
            return [Chunk(seg.start, seg.end)], 0
        units, cut = chunk_units(text, seg.start, seg.end, size, overlap)
        if self.focus is None:
            return pack_units(units, size, overlap), cut
        flagged = [i for i, s in enumerate(units) if self.focus(text[s.start : s.end])]
        keep = sorted({j for i in flagged for j in (i - 1, i, i + 1) if 0 <= j < len(units)})
        chunks: list[Chunk] = []
        run: list[int] = []
        for i in keep:  # consecutive kept sentences form one piece of text, chunked as usual
            if run and i != run[-1] + 1:
                chunks.extend(pack_units(units[run[0] : run[-1] + 1], size, overlap))
                run = []
            run.append(i)
        if run:
            chunks.extend(pack_units(units[run[0] : run[-1] + 1], size, overlap))
        return chunks, cut

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
        result.stats.long_sentences_cut += plan.long_sentences_cut
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
                            tuple(reading_sentences(doc.text)),
                        )
                    record = builder.build(draft, view, planned.window, provenance, result.stats)
                    if record is not None:
                        records.append(record)
        result.events = self.task.merge(records)
        stamp(result.events, doc)  # publication date, source and mentions on every record
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
