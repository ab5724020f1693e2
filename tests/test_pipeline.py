"""Chunking of long segments and merging of duplicate events."""

from __future__ import annotations

from extractor.backends.rules import RuleBackend
from extractor.core.document import Document
from extractor.core.pipeline import Pipeline, chunk_segment
from extractor.core.segment import segment
from extractor.events.task import events_task
from tests.conftest import run_doc


def test_chunks_follow_sentences_and_overlap(seed_texts):
    text = seed_texts["000_66b858eadaf518ae"]
    main = next(s for s in segment(text) if s.kind == "main")
    chunks = chunk_segment(text, main, max_chars=600, overlap=150)
    assert len(chunks) > 3
    assert chunks[0].start == main.start and chunks[-1].end == main.end
    for a, b in zip(chunks, chunks[1:], strict=False):
        assert a.start < b.start <= a.end or not text[a.end : b.start].strip()  # no text skipped
        assert text[b.start - 1] in '\n .”"'  # chunks start at a sentence
    # the overlap is made of whole sentences: chunks holding several sentences share some
    assert any(b.start < a.end for a, b in zip(chunks, chunks[1:], strict=False))
    assert all(c.end - c.start <= 600 for c in chunks)


def test_chunked_extraction_equals_whole_segments(gazetteer, seed_texts):
    whole = Pipeline(events_task(), RuleBackend(gazetteer), gazetteer, chunk_chars=100_000)
    chunked = Pipeline(
        events_task(), RuleBackend(gazetteer), gazetteer, chunk_chars=500, chunk_overlap=250
    )
    for stem, text in seed_texts.items():
        a = run_doc(whole, text, stem)
        b = run_doc(chunked, text, stem)
        # offsets stay document-global and events found twice in overlapping chunks are merged
        assert sorted(e.event_id for e in a.events) == sorted(e.event_id for e in b.events), stem
        for e in b.events:
            assert text[e.evidence.start : e.evidence.end] == e.evidence.quote


def test_focus_sends_only_triggered_sentences_and_their_neighbours(gazetteer):
    from extractor.backends.triggers import TriggerFocus

    unrelated = "ارتفعت درجات الحرارة في العاصمة اليوم. وفاز الفريق المحلي بالمباراة."
    aid = "وأعلنت ألمانيا تقديم حزمة مساعدات عسكرية جديدة لأوكرانيا."
    text = f"{unrelated} {unrelated} {unrelated} {aid} {unrelated}"
    focus = TriggerFocus()
    assert focus(aid) and not focus("وفاز الفريق المحلي بالمباراة.")
    pipeline = Pipeline(events_task(), RuleBackend(gazetteer), gazetteer, focus=focus)
    (request,) = [p.request for p in pipeline.plan(Document("d", text)).requests]
    # the aid sentence with one neighbour each side, at its offset in the document
    assert (
        request.text
        == f"وفاز الفريق المحلي بالمباراة. {aid} ارتفعت درجات الحرارة في العاصمة اليوم."
    )
    assert text[request.start : request.start + len(request.text)] == request.text
