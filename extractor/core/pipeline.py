"""One document through the system: segment → backend drafts → ground → normalize → records.

The same path serves every backend, so a rule draft and a model draft are held to the same
grounding rules. Duplicates (the same event told twice in one article, or found by two
overlapping chunks) are merged, keeping the fullest record.
"""

from __future__ import annotations

import asyncio
import traceback
from collections.abc import Iterable
from dataclasses import dataclass, field

from extractor.arabic.analysis import TextAnalysis
from extractor.backends.base import Backend, SegmentRequest, Usage
from extractor.run.documents import Document
from extractor.errors import BackendError, ModelUnavailableError
from extractor.arabic.gazetteer import Gazetteer
from extractor.events.builder import BuildStats, DocumentView, build_record, event_id
from extractor.core.segment import EXTRACTABLE, Segment, segment
from extractor.arabic.sentences import sentences
from extractor.schemas import EventRecord, Provenance


@dataclass
class DocumentResult:
    """The outcome for one document: its events, or the reason it failed."""

    doc_id: str
    events: list[EventRecord] = field(default_factory=list)
    error: str | None = None  # short kind when failed
    message: str | None = None
    source: str | None = None
    usage: Usage = field(default_factory=Usage)
    stats: BuildStats = field(default_factory=BuildStats)
    segments: list[Segment] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.error is None

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


class Pipeline:
    """Runs one backend over documents and turns its drafts into grounded records."""

    def __init__(
        self,
        backend: Backend,
        gazetteer: Gazetteer,
        *,
        kinds: Iterable[str] = EXTRACTABLE,
        chunk_chars: int = 6000,
        chunk_overlap: int = 400,
    ) -> None:
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

    async def process(self, doc: Document) -> DocumentResult:
        """Extract one document. Backend faults become a failed result, never an exception —
        except :class:`ModelUnavailableError`, which means no document can succeed."""
        result = DocumentResult(doc.id, source=doc.source)
        try:
            await self._process(doc, result)
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

    async def _process(self, doc: Document, result: DocumentResult) -> None:
        text = doc.text
        view = DocumentView(doc.id, text, TextAnalysis(text, self.gazetteer), doc.published_at)
        result.segments = segment(text)
        records: list[EventRecord] = []
        for seg in result.segments:
            if seg.kind not in self.kinds:
                continue
            published = (
                doc.published_at.isoformat() if doc.published_at and seg.kind == "main" else None
            )
            for chunk in chunk_segment(text, seg, self.chunk_chars, self.chunk_overlap):
                request = SegmentRequest(
                    doc.id, seg.id, seg.kind, text[chunk.start : chunk.end], published
                )
                answer = await self.backend.draft(request)
                result.usage.add(answer.usage)
                provenance = Provenance(
                    backend=self.backend.name,
                    model=answer.model,
                    prompt_version=answer.prompt_version,
                    cache_key=answer.cache_key,
                    prompt_tokens=answer.usage.prompt_tokens if answer.cache_key else None,
                    completion_tokens=answer.usage.completion_tokens if answer.cache_key else None,
                    cached=answer.usage.cache_hits > 0,
                )
                window = Segment(seg.id, seg.kind, chunk.start, chunk.end, seg.article)
                for draft in answer.drafts:
                    record = build_record(draft, view, window, provenance, result.stats)
                    if record is not None:
                        records.append(record)
            await asyncio.sleep(0)  # let other documents progress between segments
        result.events = merge_duplicates(records)


def _richness(r: EventRecord) -> tuple[int, int]:
    filled = sum(
        1
        for value in (
            r.date,
            r.location,
            r.money,
            r.items,
            r.mode,
            r.killed,
            r.injured,
            r.duration_days,
            r.scope,
            r.status,
        )
        if value not in (None, [], "")
    )
    # A body sentence (ends with a full stop) beats a headline telling the same event.
    sentence = r.evidence.quote.rstrip("\"”»' ").endswith((".", "؟", "!"))
    return filled + len(r.actors) + len(r.targets), int(sentence)


def _compatible(a: EventRecord, b: EventRecord) -> bool:
    """Nothing tells two records apart: no differing dates, no disjoint initiators."""
    if a.date and b.date and a.date.value and b.date.value and a.date.value != b.date.value:
        return False
    if a.event_type in ("aid", "attack"):  # who gives or strikes
        side_a, side_b = {x.code for x in a.actors}, {x.code for x in b.actors}
    else:  # a call told from either end names the same two sides
        side_a = {x.code for x in a.actors + a.targets}
        side_b = {x.code for x in b.actors + b.targets}
    return not (side_a and side_b and not side_a & side_b)


def _same_event(a: EventRecord, b: EventRecord) -> bool:
    if a.event_type != b.event_type or a.modality != b.modality:
        return False
    if (a.evidence.start, a.evidence.end) == (b.evidence.start, b.evidence.end):
        return {x.code for x in a.targets} == {x.code for x in b.targets}
    if not _compatible(a, b):  # Germany's €500m and France's €500m are two pledges
        return False
    if a.event_type == "aid":
        am = {(round(m.amount), m.currency) for m in a.money}
        bm = {(round(m.amount), m.currency) for m in b.money}
        if am or bm:
            return am == bm
        ai = {(i.name, i.quantity) for i in a.items if i.quantity}
        bi = {(i.name, i.quantity) for i in b.items if i.quantity}
        return bool(ai) and ai == bi
    parties_a = {x.code for x in a.actors + a.targets}
    parties_b = {x.code for x in b.actors + b.targets}
    if a.event_type == "diplomatic_contact":
        return a.mode == b.mode and len(parties_a) >= 2 and parties_a == parties_b
    if a.event_type == "attack":
        same_place = bool(
            a.location and b.location and a.location.name and a.location.name == b.location.name
        )
        compatible = all(
            x is None or y is None or x == y
            for x, y in ((a.killed, b.killed), (a.injured, b.injured))
        )
        return same_place and a.mode == b.mode and compatible
    if a.event_type == "agreement":
        return a.status == b.status and len(parties_a) >= 2 and parties_a == parties_b
    if a.event_type == "ceasefire":
        return parties_a == parties_b and a.scope == b.scope and a.duration_days == b.duration_days
    return False


def merge_duplicates(records: list[EventRecord]) -> list[EventRecord]:
    """Keep one record per event told several times in a document (the fullest one), and give
    records that share a span and type distinct ids ("A signed with B and C" = two events)."""
    kept: list[EventRecord] = []
    for r in records:
        twin = next((k for k in kept if _same_event(k, r)), None)
        if twin is None:
            kept.append(r)
        elif _richness(r) > _richness(twin):
            kept[kept.index(twin)] = r
    kept.sort(key=lambda r: (r.evidence.start, r.event_type))
    used: dict[str, int] = {}
    for r in kept:
        n = used.get(r.event_id, 0)
        used[r.event_id] = n + 1
        if n:
            r.event_id = event_id(
                r.doc_id, r.segment_id, r.evidence.start, r.evidence.end, f"{r.event_type}#{n}"
            )
    return kept
