"""The HTML review page: marks recover every quote, links resolve, HTML is nested and escaped."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from html.parser import HTMLParser
from pathlib import Path

import pytest

from extractor import Extractor, load_documents
from extractor.errors import ConfigError
from extractor.run.documents import Document
from extractor.schemas import EVENT_TYPE_NAMES, EventRecord
from extractor.schemas.events import Evidence, Provenance
from extractor.tools.report import render_report, write_report

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}


class Page(HTMLParser):
    """A strict reading of the page: every non-void element closed, in order."""

    def __init__(self, source: str):
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, dict[str, str | None]]] = []
        self.errors: list[str] = []
        self.elements: list[tuple[str, dict[str, str | None]]] = []
        self.ids: Counter[str] = Counter()
        self.id_tags: dict[str, str] = {}
        self.links: list[tuple[str, list[str]]] = []  # (href, ids of enclosing elements)
        self.mark_text: defaultdict[str, str] = defaultdict(str)
        self.text_by_id: defaultdict[str, str] = defaultdict(str)
        self.scripts: list[str] = []
        self.styles: list[str] = []
        self.feed(source)
        self.close()
        if self.stack:
            self.errors.append(f"unclosed at end: {[t for t, _ in self.stack]}")

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        self.elements.append((tag, a))
        if a.get("id"):
            self.ids[a["id"]] += 1
            self.id_tags[a["id"]] = tag
        if tag == "a" and a.get("href"):
            self.links.append((a["href"], [x["id"] for _, x in self.stack if x.get("id")]))
        if tag == "script":
            self.scripts.append("")
        if tag == "style":
            self.styles.append("")
        if tag not in VOID:
            self.stack.append((tag, a))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in VOID:
            self.errors.append(f"self-closed non-void <{tag}/>")
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.stack.pop()

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID:
            return
        if not self.stack or self.stack[-1][0] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1][0] if self.stack else 'nothing'}")
            return
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        for tag, a in self.stack:
            if tag == "mark" and a.get("data-event"):
                self.mark_text[a["data-event"]] += data
            if a.get("id"):
                self.text_by_id[a["id"]] += data
        if self.stack and self.stack[-1][0] == "script":
            self.scripts[-1] += data
        if self.stack and self.stack[-1][0] == "style":
            self.styles[-1] += data

    def marks(self) -> list[dict[str, str | None]]:
        return [a for tag, a in self.elements if tag == "mark"]


def rec(event_id: str, doc: Document, quote: str, etype: str = "aid", **kw) -> EventRecord:
    start = doc.text.index(quote)
    return EventRecord(
        event_id=event_id,
        doc_id=doc.id,
        segment_id=0,
        event_type=etype,
        evidence=Evidence(quote=quote, start=start, end=start + len(quote), alignment="exact"),
        provenance=Provenance(backend="rules", prompt_version="rules-1"),
        **kw,
    )


def assert_sound(page: Page, records: list[EventRecord]) -> None:
    """Nesting, unique ids, every quote recovered from its marks, links both ways."""
    assert page.errors == []
    assert [i for i, n in page.ids.items() if n > 1] == []
    for href, _ in page.links:
        if href.startswith("#"):
            assert page.ids[href[1:]] == 1, f"dangling link {href}"
    for r in records:
        assert page.mark_text[r.event_id] == r.evidence.quote, r.event_id
        assert page.id_tags.get(f"ev-{r.event_id}") == "mark"
        assert page.id_tags.get(f"row-{r.event_id}") == "tr"
        # the first mark links to the row, the row links back to the mark
        assert any(h == f"#row-{r.event_id}" and f"ev-{r.event_id}" in ids for h, ids in page.links)
        assert any(h == f"#ev-{r.event_id}" and f"row-{r.event_id}" in ids for h, ids in page.links)
    types = {r.event_id: r.event_type for r in records}
    for m in page.marks():
        assert f"ev-{types[m['data-event']]}" in (m.get("class") or "").split()


# ---- the five seeds ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def seeds() -> tuple[list[EventRecord], dict[str, Document], str]:
    documents = {d.id: d for d in load_documents(SEEDS) if isinstance(d, Document)}
    records = Extractor(backend="rules").extract_many(documents.values()).events
    assert len(documents) == 5 and records
    return records, documents, render_report(records, documents, title="Seeds")


def test_seed_marks_recover_every_quote_and_link_both_ways(seeds) -> None:
    records, _, html = seeds
    page = Page(html)
    assert_sound(page, records)
    # overlaps really happen in the seeds (one sentence, several events)
    spans = Counter((r.doc_id, r.evidence.start, r.evidence.end) for r in records)
    assert max(spans.values()) > 1


def test_seed_page_is_rtl_utf8_and_keeps_document_text(seeds) -> None:
    records, documents, html = seeds
    page = Page(html)
    html_tag = next(a for tag, a in page.elements if tag == "html")
    assert html_tag.get("dir") == "rtl" and html_tag.get("lang") == "ar"
    assert any(
        tag == "meta" and (a.get("charset") or "").lower() == "utf-8" for tag, a in page.elements
    )
    for doc in documents.values():
        assert page.text_by_id[f"text-{doc.id}"] == doc.text
        assert page.ids[f"doc-{doc.id}"] == 1


def test_seed_page_is_self_contained(seeds) -> None:
    _, _, html = seeds
    page = Page(html)
    for tag, a in page.elements:
        assert not (tag == "script" and a.get("src")), "external script"
        assert tag not in {"link", "img", "iframe", "object", "embed", "base"}, tag
        assert "url(" not in (a.get("style") or "")
    assert len(page.scripts) == 1 and page.scripts[0].strip()
    css = "".join(page.styles)
    assert css and "url(" not in css and "@import" not in css and "@font-face" not in css
    assert "http://" not in html and "https://" not in html


def test_seed_counts_per_type_match_the_records(seeds) -> None:
    records, documents, html = seeds
    page = Page(html)
    counts = Counter(r.event_type for r in records)
    shown = {
        a["data-type"]: int(a["data-count"])
        for tag, a in page.elements
        if tag == "span" and "count" in (a.get("class") or "").split()
    }
    assert shown == {t: counts.get(t, 0) for t in EVENT_TYPE_NAMES}
    assert page.text_by_id["n-events"] == str(len(records))
    assert page.text_by_id["n-docs"] == str(len(documents))
    rows = [a for tag, a in page.elements if tag == "tr" and (a.get("id") or "").startswith("row-")]
    assert Counter(a["data-type"] for a in rows) == counts
    assert "rules-3" in html  # provenance: prompt version from the records


def test_latin_values_are_isolated_in_the_table(seeds) -> None:
    records, _, html = seeds
    money = next(r for r in records if r.money)
    amount = f"{int(money.money[0].amount):,} {money.money[0].currency}"
    assert f'<bdi dir="ltr" class="val">{amount}</bdi>' in html
    name = money.actors[0].name
    assert f'<bdi dir="ltr">{name}</bdi>' in html


# ---- hand-made documents ----------------------------------------------------------------------


def test_document_text_is_escaped() -> None:
    text = 'قال المسؤول <script>alert(1)</script> & "ترحيب" <b>عريض</b>.\n\nوأعلنت كييف.'
    doc = Document("evil", text)
    r = rec("e1", doc, '<script>alert(1)</script> & "ترحيب" <b>')
    html = render_report([r], {doc.id: doc})
    page = Page(html)
    assert_sound(page, [r])
    assert "<script>alert" not in html and "<b>عريض" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp;" in html
    assert page.text_by_id["text-evil"] == text
    assert len(page.scripts) == 1 and "alert(1)" not in page.scripts[0]


def test_overlapping_and_identical_spans_nest_properly() -> None:
    text = (
        "وافقت ألمانيا على إرسال مساعدات عسكرية لأوكرانيا، ودعت الحلفاء إلى مزيد من الدعم. "
        "ثم اتصل شولتس بزيلينسكي."
    )
    doc = Document("overlap", text)
    aid = rec("aid1", doc, "وافقت ألمانيا على إرسال مساعدات عسكرية لأوكرانيا، ودعت الحلفاء")
    call = rec("call1", doc, "ودعت الحلفاء إلى مزيد من الدعم. ثم اتصل", "diplomatic_contact")
    same = rec("agr1", doc, aid.evidence.quote, "agreement")
    inner = rec("att1", doc, "مساعدات عسكرية", "other", subtype="sanctions")
    records = [aid, call, same, inner]
    html = render_report(records, {doc.id: doc})
    page = Page(html)
    assert_sound(page, records)
    # crossing spans cannot be one element each: the shared text is marked for both events
    shared = "ودعت الحلفاء"
    assert page.mark_text["call1"].startswith(shared) and page.mark_text["aid1"].endswith(shared)
    assert sum(1 for m in page.marks() if m["data-event"] == "call1") == 2
    assert page.text_by_id["text-overlap"] == text


def test_quote_across_paragraphs_is_recoverable() -> None:
    text = "أعلنت واشنطن حزمة جديدة.\n\nوتشمل صواريخ باتريوت.\nانتهى."
    doc = Document("paras", text)
    r = rec("p1", doc, "حزمة جديدة.\n\nوتشمل صواريخ")
    page = Page(render_report([r], {doc.id: doc}))
    assert_sound(page, [r])
    assert page.text_by_id["text-paras"] == text
    paragraphs = [a for tag, a in page.elements if tag == "p" and a.get("dir") == "auto"]
    assert len(paragraphs) == 3
    assert page.id_tags["ev-p1"] == "mark"
    first = next(m for m in page.marks() if m.get("id") == "ev-p1")
    assert "hidden" not in first  # the jump target is visible text, not the separator


def test_missing_document_and_bad_offsets_are_listed_not_dropped() -> None:
    doc = Document("here", "أعلنت بريطانيا مساعدات جديدة لأوكرانيا.")
    good = rec("g1", doc, "أعلنت بريطانيا مساعدات")
    orphan = good.model_copy(update={"event_id": "o1", "doc_id": "gone-doc"})
    shifted = good.model_copy(
        update={
            "event_id": "s1",
            "evidence": Evidence(quote="نص آخر", start=0, end=6, alignment="exact"),
        }
    )
    html = render_report([good, orphan, shifted], {doc.id: doc})
    page = Page(html)
    assert_sound(page, [good])
    assert "gone-doc" in page.text_by_id["missing-docs"]
    assert "documents not found" in page.text_by_id["missing-docs"]
    assert "#" in page.text_by_id["bad-offsets"]
    for r in (orphan, shifted):
        assert page.id_tags[f"row-{r.event_id}"] == "tr"
        assert f"ev-{r.event_id}" not in page.ids
        assert r.event_id not in page.mark_text
    assert page.text_by_id["n-events"] == "3"


def test_document_url_is_a_link_only_when_http() -> None:
    good = Document("u1", "أعلنت كييف.", url="https://example.org/a?b=1&c=2")
    bad = Document("u2", "أعلنت موسكو.", url="javascript:alert(1)")
    page = Page(render_report([], {good.id: good, bad.id: bad}))
    hrefs = [h for h, _ in page.links]
    assert "https://example.org/a?b=1&c=2" in hrefs
    assert not any(h.startswith("javascript:") for h in hrefs)
    assert not any(tag in {"link", "img"} for tag, _ in page.elements)


def test_write_report_reads_jsonl_and_lists_missing_documents(tmp_path: Path, seeds) -> None:
    records, _, _ = seeds
    orphan = records[0].model_copy(update={"event_id": "orphan1", "doc_id": "not-given"})
    events = tmp_path / "events.jsonl"
    events.write_text(
        "".join(r.model_dump_json() + "\n" for r in [*records, orphan]) + "\n", encoding="utf-8"
    )
    out = tmp_path / "sub" / "report.html"
    assert write_report(events, [SEEDS], out) == len(records) + 1
    page = Page(out.read_text(encoding="utf-8"))
    assert_sound(page, records)
    assert "not-given" in page.text_by_id["missing-docs"]
    assert page.ids["row-orphan1"] == 1


def test_write_report_rejects_a_bad_line(tmp_path: Path) -> None:
    events = tmp_path / "events.jsonl"
    events.write_text('{"event_id": "x"}\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="events.jsonl:1"):
        write_report(events, [SEEDS], tmp_path / "r.html")


# ---- timeline, links and doubts --------------------------------------------------------------


def _aid(event_id: str, doc: Document, quote: str, day: str, stage: str, **kw) -> EventRecord:
    from extractor.schemas import Actor, DateValue, Money

    return rec(
        event_id,
        doc,
        quote,
        actors=[Actor(surface="واشنطن", name="United States", kind="country", code="USA")],
        targets=[Actor(surface="كييف", name="Ukraine", kind="country", code="UKR")],
        date=DateValue(surface=day, value=day, precision="day"),
        money=[Money(surface="100 مليون دولار", amount=1e8, currency="USD")],
        stage=stage,
        **kw,
    )


def test_timeline_counts_each_commitment_once_and_each_attack_once() -> None:
    from extractor.schemas import DateValue, Location

    a = Document("a", "أعلنت واشنطن حزمة لكييف بقيمة 100 مليون دولار. وقصفت روسيا خاركيف فقتل 3.")
    b = Document("b", "وصلت إلى كييف أسلحة الحزمة الأمريكية بقيمة 100 مليون دولار. قصف خاركيف.")
    announced = _aid(
        "p1", a, "أعلنت واشنطن حزمة لكييف بقيمة 100 مليون دولار", "2024-05-03", "announced"
    )
    delivered = _aid(
        "p2",
        b,
        "وصلت إلى كييف أسلحة الحزمة الأمريكية بقيمة 100 مليون دولار",
        "2024-06-20",
        "delivered",
    )
    from extractor.schemas import Actor

    strike = dict(
        actors=[Actor(surface="روسيا", name="Russia", kind="country", code="RUS")],
        targets=[Actor(surface="خاركيف", name="Ukraine", kind="country", code="UKR")],
        date=DateValue(surface="x", value="2024-05-03", precision="day"),
        location=Location(surface="خاركيف", name="Kharkiv"),
        mode="missile",
    )
    first = rec("s1", a, "وقصفت روسيا خاركيف فقتل 3", "attack", killed=3, **strike)
    second = rec("s2", b, "قصف خاركيف", "attack", injured=5, **strike)
    records = [announced, delivered, first, second]
    html = render_report(records, {a.id: a, b.id: b})
    page = Page(html)
    assert_sound(page, records)
    titles = re.findall(r"<rect[^>]*><title>([^<]*)</title>", html)
    # one package: counted once, at its latest stage (delivered, June)
    assert [t for t in titles if "commitment" in t] == [
        "2024-06 delivered: 1 commitment, 100m USD counted"
    ]
    # two reports of one strike: one attack, with the toll of both reports
    assert [t for t in titles if "attack" in t] == ["2024-05: 1 attack"]
    assert "2024-05: 8 killed or injured" in html
    assert "<svg" in html and "xmlns" not in html  # inline, no namespace URL


def test_linked_reports_and_stages_are_shown() -> None:
    a = Document("a", "أعلنت واشنطن حزمة لكييف بقيمة 100 مليون دولار.")
    b = Document("b", "كشفت واشنطن عن حزمة لكييف بقيمة 100 مليون دولار أمس.")
    c = Document("c", "وصلت إلى كييف أسلحة الحزمة الأمريكية بقيمة 100 مليون دولار.")
    one = _aid("p1", a, "أعلنت واشنطن حزمة لكييف بقيمة 100 مليون دولار", "2024-05-03", "announced")
    two = _aid(
        "p2", b, "كشفت واشنطن عن حزمة لكييف بقيمة 100 مليون دولار أمس", "2024-05-04", "announced"
    )
    three = _aid(
        "p3",
        c,
        "وصلت إلى كييف أسلحة الحزمة الأمريكية بقيمة 100 مليون دولار",
        "2024-06-20",
        "delivered",
    )
    page = Page(render_report([one, two, three], {d.id: d for d in (a, b, c)}))
    assert "2 reports, 2 documents" in page.text_by_id["cluster-list"]
    links = {h for h, ids in page.links if "row-p1" in ids}
    assert "#row-p2" in links  # the other report of its cluster
    assert "#row-p3" in links  # another stage of its commitment


def test_doubtful_records_are_flagged_with_their_reasons() -> None:
    from extractor.schemas import DateValue

    doc = Document("d", "أعلنت واشنطن حزمة جديدة يوم الاثنين. وقالت إن الحزمة تصل قريبا.")
    clean = rec("ok1", doc, "أعلنت واشنطن حزمة جديدة يوم الاثنين")
    context_day = rec(
        "ctx1",
        doc,
        "وقالت إن الحزمة تصل قريبا",
        date=DateValue(surface="يوم الاثنين", value=None, start=25, end=36, alignment="context"),
    )
    fuzzy = rec("fz1", doc, "وقالت إن الحزمة", "diplomatic_contact")
    fuzzy.evidence.alignment = "fuzzy"
    html = render_report([clean, context_day, fuzzy], {doc.id: doc})
    page = Page(html)
    rows = {a["id"]: a for tag, a in page.elements if tag == "tr" and a.get("id")}
    assert "data-doubt" not in rows["row-ok1"]
    assert rows["row-ctx1"]["data-doubt"] == "1" and rows["row-fz1"]["data-doubt"] == "1"
    flags = {
        a.get("title") for tag, a in page.elements if tag == "span" and a.get("class") == "doubt"
    }
    assert "date found only in context" in flags and "fuzzy quote" in flags
    assert page.ids["doubt-only"] == 1 and page.text_by_id["n-doubt"] == "2"
    # a value told by one of the record's own mentions is no doubt
    from extractor.schemas import Mention

    context_day.mentions = [
        Mention(quote="أعلنت واشنطن حزمة جديدة يوم الاثنين", start=0, end=35),
        Mention(
            quote=context_day.evidence.quote,
            start=context_day.evidence.start,
            end=context_day.evidence.end,
        ),
    ]
    context_day.date.start, context_day.date.end = 24, 35  # type: ignore[union-attr]
    again = Page(render_report([clean, context_day], {doc.id: doc}))
    assert (
        "data-doubt"
        not in {a["id"]: a for tag, a in again.elements if tag == "tr" and a.get("id")}["row-ctx1"]
    )


def test_hostile_values_stay_text_in_every_new_place() -> None:
    from extractor.schemas import Actor

    doc = Document("x", 'أعلنت "<img src=x onerror=alert(1)>" حزمة.')
    evil = rec(
        "e<1>",
        doc,
        '"<img src=x onerror=alert(1)>" حزمة',
        actors=[
            Actor(
                surface="<svg onload=alert(2)>",
                name="</title><script>alert(3)</script>",
                kind="org",
            )
        ],
    )
    html = render_report([evil], {doc.id: doc})
    page = Page(html)
    assert page.errors == []
    assert "<img" not in html and "<svg onload" not in html and "<script>alert" not in html
    assert len(page.scripts) == 1
