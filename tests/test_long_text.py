"""Long texts (issue 22): a sentence longer than a chunk is cut at clause or word boundaries and
never dropped, a page without full stops is sent whole, and the work per draft does not grow with
the page (counted in characters scanned, never timed)."""

from __future__ import annotations

import asyncio
import json
import random
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from extractor.arabic import sentences as sentences_module
from extractor.arabic.sentences import Span, sentence_around
from extractor.backends.rules import RuleBackend
from extractor.cli import app
from extractor.core.document import Document
from extractor.core.pipeline import Pipeline
from extractor.events.task import events_task
from tests.conftest import ROOT
from tests.llm import mock_backend, tool_answer

# One sentence of nine clauses joined by commas (1,400 characters): an aid package, a call, a
# strike with its toll, a comment, a meeting, a security agreement, a second package, a claim and
# a third package — as a wire story that strings a day's news together.
CLAUSES = (
    "أعلنت ألمانيا يوم الثلاثاء تقديم حزمة مساعدات عسكرية جديدة لأوكرانيا بقيمة 500 مليون يورو "
    "تشمل منظومات دفاع جوي وذخائر مدفعية",
    "في حين أجرى الرئيس الفرنسي إيمانويل ماكرون اتصالا هاتفيا مع نظيره الأوكراني فولوديمير "
    "زيلينسكي بحثا خلاله سبل دعم الدفاعات الجوية الأوكرانية قبل حلول فصل الشتاء",
    "بينما شنت روسيا هجوما بالطائرات المسيرة على مدينة خاركيف أسفر عن مقتل ثلاثة أشخاص وإصابة "
    "عشرة آخرين بحسب ما ذكرته السلطات المحلية في المدينة",
    "وذلك بعد يومين من اجتماع عقده وزراء دفاع دول حلف شمال الأطلسي في العاصمة البلجيكية بروكسل "
    "لمناقشة احتياجات الجيش الأوكراني من الأسلحة والذخائر",
    "وهو ما انتقدته موسكو بشدة معتبرة أن الغرب يطيل أمد الحرب ويعرقل أي فرصة للتوصل إلى تسوية "
    "سياسية للنزاع",
    "كما وقعت اليابان وأوكرانيا اتفاقية للتعاون الأمني مدتها عشر سنوات خلال زيارة قام بها رئيس "
    "الوزراء الياباني إلى العاصمة الأوكرانية كييف الأسبوع الماضي",
    "فيما أعلنت بريطانيا تخصيص مساعدات إنسانية بقيمة 100 مليون جنيه إسترليني لدعم المتضررين من "
    "الضربات الروسية على منشآت الطاقة في المدن الأوكرانية الكبرى",
    "في وقت قالت فيه وزارة الدفاع الروسية إن قواتها أسقطت عشرات الطائرات المسيرة الأوكرانية فوق "
    "مناطق بيلغورود وكورسك خلال الليلة الماضية دون أن تذكر تفاصيل عن الخسائر",
    "بينما أعلنت هولندا تقديم حزمة مساعدات عسكرية جديدة لأوكرانيا بقيمة 250 مليون يورو تشمل "
    "مركبات مدرعة وطائرات مسيرة للاستطلاع ستسلم خلال الأشهر المقبلة",
)
LONG = "، ".join(CLAUSES) + "."
PAGE = "تقرير من كييف\n" + LONG + "\n"


def _pipeline(gazetteer, chunk_chars: int, overlap: int = 400) -> Pipeline:
    return Pipeline(
        events_task(),
        RuleBackend(gazetteer),
        gazetteer,
        chunk_chars=chunk_chars,
        chunk_overlap=overlap,
    )


def _covered(text: str, spans: list[tuple[int, int]]) -> list[int]:
    """Offsets of the non-space characters of ``text`` that no span holds."""
    held = bytearray(len(text))
    for start, end in spans:
        held[start:end] = b"\x01" * (end - start)
    return [i for i, c in enumerate(text) if not held[i] and not c.isspace()]


def test_a_sentence_longer_than_the_chunk_gives_the_events_of_a_large_chunk(gazetteer):
    assert len(LONG) > 1200 and "." not in LONG[:-1]  # one sentence, longer than the chunk
    big = asyncio.run(_pipeline(gazetteer, 6000).process(Document("d", PAGE)))
    small_pipeline = _pipeline(gazetteer, 1200)
    plan = small_pipeline.plan(Document("d", PAGE))
    assert len(plan.requests) >= 2  # cut, with overlap, into requests of at most 1,200 characters
    assert all(len(p.request.text) <= 1200 for p in plan.requests)
    small = asyncio.run(small_pipeline.process(Document("d", PAGE)))
    assert len(big.events) >= 6  # the events of the whole sentence, the last clauses' too
    assert max(e.evidence.end for e in big.events) > 1200
    # the same records, ids and offsets, whatever the chunk size (ids hash document, segment,
    # span and type; overlapping chunks add no duplicate)
    assert [(e.event_id, e.event_type, e.evidence.start, e.evidence.end) for e in small.events] == [
        (e.event_id, e.event_type, e.evidence.start, e.evidence.end) for e in big.events
    ]
    for e in small.events:
        assert PAGE[e.evidence.start : e.evidence.end] == e.evidence.quote
    assert len({e.event_id for e in small.events}) == len(small.events)
    assert (big.stats.long_sentences_cut, small.stats.long_sentences_cut) == (0, 1)


@pytest.mark.parametrize("chunk_chars", [500, 1200, 6000])
def test_a_page_without_full_stops_is_sent_whole(gazetteer, chunk_chars):
    # ~60,000 characters of one "sentence": the clauses again and again, stops and line breaks
    # dropped as some scrapers do, then one event at the very end
    rng = random.Random(7)
    body = " ".join(rng.choice(CLAUSES) for _ in range(400))
    last = "وأعلنت كندا تقديم مساعدات عسكرية لأوكرانيا بقيمة 300 مليون دولار كندي"
    text = body + " " + last
    pipeline = _pipeline(gazetteer, chunk_chars, overlap=min(400, chunk_chars // 3))
    plan = pipeline.plan(Document("u", text))
    spans = []
    for p in plan.requests:
        r = p.request
        assert text[r.start : r.start + len(r.text)] == r.text  # offsets stay document-global
        assert len(r.text) <= chunk_chars
        assert (p.window.start, p.window.end) == (r.start, r.start + len(r.text))
        spans.append((r.start, r.start + len(r.text)))
    assert _covered(text, spans) == []  # every character is in some request
    assert plan.long_sentences_cut == 1
    # the rules read every request: the event told last is drafted, at its offsets
    result = asyncio.run(pipeline.process(Document("u", text)))
    assert any(
        e.evidence.end > len(body) and any(a.name == "Canada" for a in e.actors)
        for e in result.events
    )
    for e in result.events:
        assert text[e.evidence.start : e.evidence.end] == e.evidence.quote


def test_the_run_summary_counts_the_sentences_it_cut(tmp_path: Path):
    docs = tmp_path / "docs.jsonl"
    short = "أعلنت ألمانيا تقديم حزمة مساعدات عسكرية جديدة لأوكرانيا بقيمة 500 مليون يورو."
    again = "، ".join(reversed(CLAUSES)) + "."  # the same news told in another order
    lines = [{"id": "long", "text": PAGE + again + "\n"}, {"id": "short", "text": short}]
    docs.write_text(
        "\n".join(json.dumps(d, ensure_ascii=False) for d in lines) + "\n", encoding="utf-8"
    )
    summary = tmp_path / "summary.json"

    def run(out: str, *options: str):
        args = ["run", str(docs), "-o", str(tmp_path / out), "--summary-json", str(summary)]
        return CliRunner().invoke(app, [*args, *options])

    result = run("small.jsonl", "--chunk-chars", "1200")
    assert result.exit_code == 0, result.output
    counts = json.loads(summary.read_text(encoding="utf-8"))
    assert counts["long_sentences_cut"] == 2  # two long sentences of one document
    assert "long sentences cut" in result.output
    result = run("large.jsonl")  # 6,000 characters hold each sentence whole
    assert result.exit_code == 0, result.output
    assert json.loads(summary.read_text(encoding="utf-8"))["long_sentences_cut"] == 0
    assert "long sentences cut" not in result.output


def _sentence_around_by_scanning(text: str, start: int, end: int) -> Span:
    """What sentence_around answered by scanning from the start of the text for every call."""
    left = 0
    for m in sentences_module._SENTENCE_END.finditer(text, 0, start):
        left = m.end()
    right = len(text)
    for m in sentences_module._SENTENCE_END.finditer(text, max(left, start)):
        if m.end() >= end:
            right = m.end()
            break
    return sentences_module._trimmed(text, left, right) or Span(start, end)


def test_sentence_around_answers_as_a_scan_from_the_start_did():
    texts = [
        json.loads(line)["text"]
        for name in ("dev", "test", "seeds")
        for line in (ROOT / "gold" / f"{name}.docs.jsonl").read_text(encoding="utf-8").splitlines()
    ]
    rng = random.Random(22)
    # and strings made of what sentence ends are made of, to reach their corner cases
    pieces = [*"ab قال.!?؟…\"”»')]\n ", "..", "\n\n", ".”", "؟و", "ت.و", "2.4", "أ.ف.ب"]
    texts += ["".join(rng.choice(pieces) for _ in range(rng.randint(1, 50))) for _ in range(800)]
    for text in texts:
        for _ in range(25):
            start = rng.randint(0, len(text))
            end = rng.randint(start, min(len(text), start + 400))
            assert sentence_around(text, start, end) == _sentence_around_by_scanning(
                text, start, end
            ), (text, start, end)


def test_a_sentence_longer_than_a_page_is_read_in_the_piece_that_holds_the_quote():
    text = " ".join(CLAUSES * 20)  # no stop at all
    quote = CLAUSES[2]
    start = text.index(quote, len(text) // 2)
    span = sentence_around(text, start, start + len(quote))
    assert span.start <= start and start + len(quote) <= span.end
    assert span.end - span.start <= sentences_module.LONG_SENTENCE
    assert len(text) > 5 * sentences_module.LONG_SENTENCE


class _CountingPattern:
    """The sentence-end pattern, counting the characters its scans cover."""

    def __init__(self, pattern) -> None:
        self.pattern = pattern
        self.scanned = 0

    def finditer(self, text: str, pos: int = 0, endpos: int | None = None):
        stop = len(text) if endpos is None else min(endpos, len(text))
        self.scanned += max(0, stop - pos)
        return self.pattern.finditer(text, pos, stop)

    def match(self, text: str, pos: int = 0):
        self.scanned += 1
        return self.pattern.match(text, pos)


def test_finding_sentences_costs_the_same_per_character_on_a_long_page(gazetteer, monkeypatch):
    """Twice the page, about twice the sentence-end scanning (a scan from the start of the text
    for every draft made it four times)."""
    rng = random.Random(5)

    def page(n: int) -> str:
        return "\n".join(". ".join(rng.choice(CLAUSES) for _ in range(3)) + "." for _ in range(n))

    counted = _CountingPattern(sentences_module._SENTENCE_END)
    monkeypatch.setattr(sentences_module, "_SENTENCE_END", counted)
    pipeline = _pipeline(gazetteer, 6000)
    scanned = []
    for n in (40, 80):
        text = page(n)
        counted.scanned = 0
        result = asyncio.run(pipeline.process(Document(f"p{n}", text)))
        assert result.ok and result.stats.accepted >= n  # a draft or more per line, grounded
        scanned.append(counted.scanned / len(text))
    assert scanned[1] < 1.5 * scanned[0], scanned


# ---- a model's answer cut off on a chunk of one long sentence ----------------------------------

AID_MONEY = {0: "500 مليون يورو", 6: "100 مليون جنيه إسترليني", 8: "250 مليون يورو"}


def _runaway_on_long_parts(max_tokens: int):
    """A scripted model server: asked about more than three clauses, it repeats itself until
    ``max_tokens`` (its arguments cut off, "tool_calls" as llama-cpp-python says); asked about
    fewer, it lists the aid packages of the clauses it was shown whole."""
    asked: list[list[int]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        user = body["messages"][-1]["content"]
        shown = [i for i, clause in enumerate(CLAUSES) if clause in user]
        asked.append(shown)
        drafts = [
            {"quote": CLAUSES[i], "event_type": "aid", "money": [AID_MONEY[i]]}
            for i in shown
            if i in AID_MONEY
        ]
        answer = tool_answer(request, {"events": drafts}).json()
        if len(shown) > 3:
            call = answer["choices"][0]["message"]["tool_calls"][0]["function"]
            call["arguments"] = call["arguments"][: len(call["arguments"]) // 2]
            answer["usage"]["completion_tokens"] = max_tokens
        return httpx.Response(200, json=answer)

    return handler, asked


def test_an_answer_cut_off_on_a_chunk_of_one_long_sentence_is_asked_again_in_its_pieces():
    """A chunk cut from one long sentence has no sentence boundary to halve it at: it is halved
    between the sentence's pieces (clause breaks), and the document keeps every event."""
    from extractor.run.factory import make_pipeline

    handler, asked = _runaway_on_long_parts(max_tokens=512)
    backend = mock_backend(
        handler, chunk_chars=1200, chunk_overlap=400, max_tokens=512, max_reasks=1
    )
    pipeline = make_pipeline(backend.config, backend, backend.task)
    assert all(len(p.request.text) <= 1200 for p in pipeline.plan(Document("d", PAGE)).requests)
    result = asyncio.run(pipeline.process(Document("d", PAGE)))
    assert result.ok, result.message
    assert any(len(shown) > 3 for shown in asked)  # some chunk's answer was cut off
    assert result.usage.reasks == 0  # asked again in parts, never re-asked
    found = sorted(m.surface for e in result.events for m in e.money)
    assert found == sorted(AID_MONEY.values())
    for e in result.events:
        assert PAGE[e.evidence.start : e.evidence.end] == e.evidence.quote
