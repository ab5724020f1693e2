"""An analyst-facing HTML review page: every event's evidence highlighted in its document.

``render_report`` returns ONE self-contained HTML file (inline CSS and JS, no network at view
time, system fonts only): a header with counts per event type, the number of documents and the
run's provenance; a filterable, sortable table of events; and every document's text with each
event's evidence marked at its exact character offsets.

Marks and overlapping evidence
------------------------------
Two events often quote the same or overlapping text (one sentence is an aid event and a call).
The document text is cut into pieces at every evidence boundary and at every paragraph boundary.
Each piece is wrapped in one ``<mark>`` per event covering it, nested inside each other, so the
HTML is always properly nested whatever the overlaps::

    <mark class="ev-aid t1" id="ev-A" data-event="A">…<mark class="ev-attack t0" id="ev-B"
    data-event="B">shared text</mark></mark>

Each mark carries exactly one ``data-event``; concatenating the text of all marks with
``data-event="X"`` (in document order) gives event X's ``evidence.quote`` exactly. Only the first
piece of an event has ``id="ev-X"`` and holds the empty link ``<a class="evref" href="#row-X">``
whose number is drawn by CSS, so the marks' text stays exactly the quote. Whitespace between
paragraphs that lies inside a quote is kept in a ``hidden`` mark between the paragraphs.
Nesting depth ("track") is assigned per document like interval colouring, so an event keeps the
same underline depth along its whole span and stacked events show stacked underlines.
"""

from __future__ import annotations

import html
import json
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from extractor.core.document import Document, DocumentFailure
from extractor.records.files import read_records
from extractor.run.documents import load_documents
from extractor.schemas import EVENT_TYPES, EventRecord, TaskRecord
from extractor.schemas.events import Actor

__all__ = ["render_report", "write_report"]

# type: (Arabic label, strong colour (white text on it >= 4.5:1), light tint, underline style),
# from the event-type table; a user task's records get TASK_STYLE under the task's name.
TYPE_STYLE: dict[str, tuple[str, str, str, str]] = {
    t.name: (t.label_ar, t.colour, t.tint, t.underline) for t in EVENT_TYPES
}
TASK_STYLE = ("#374151", "#e5e7eb", "solid")
Record = EventRecord | TaskRecord


def _kind(r: Record) -> str:
    """What a record is shown as: its event type, or its task's name."""
    return r.event_type if isinstance(r, EventRecord) else r.task


def _rid(r: Record) -> str:
    return r.event_id if isinstance(r, EventRecord) else r.record_id


def _modality_of(r: Record) -> str | None:
    if isinstance(r, EventRecord):
        return r.modality
    value = r.fields.get("modality")
    return str(value) if isinstance(value, str) else None


def _styles(records: Iterable[Record]) -> dict[str, tuple[str, str, str, str]]:
    styles = dict(TYPE_STYLE)
    for r in records:
        styles.setdefault(_kind(r), (_kind(r), *TASK_STYLE))
    return styles


MODALITY_LABEL = {
    "asserted": "مؤكَّد",
    "planned": "مخطَّط",
    "hypothetical": "افتراضي",
    "negated": "منفي",
}
QUALIFIER_SIGN = {"exact": "", "at_least": "≥ ", "approx": "≈ ", "up_to": "≤ ", "equivalent": "= "}
MAX_TRACKS = 4
_PARAGRAPH = re.compile(r"[^\s](?:[^\n]*[^\s])?")
_ID_UNSAFE = re.compile(r"\s+")


def _e(value: object) -> str:
    """Escape text or an attribute value."""
    return html.escape(str(value), quote=True)


def _ltr(value: object, cls: str = "") -> str:
    """Latin text, numbers, codes: isolated and left-to-right inside Arabic."""
    c = f' class="{cls}"' if cls else ""
    return f'<bdi dir="ltr"{c}>{_e(value)}</bdi>'


def _ar(value: object, cls: str = "") -> str:
    """Text as written in the article (usually Arabic): isolated, direction from its content."""
    c = f' class="{cls}"' if cls else ""
    return f"<bdi{c}>{_e(value)}</bdi>"


def _safe_id(value: str) -> str:
    return _ID_UNSAFE.sub("_", value)


def _number(value: float) -> str:
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.2f}".rstrip("0").rstrip(".")


# ---- model ------------------------------------------------------------------------------------


@dataclass
class _Event:
    record: Record
    key: str  # unique anchor key: the event_id (suffixed if the id repeats)
    number: int = 0
    rendered: bool = False  # evidence marked in its document
    problem: str | None = None  # why it could not be marked


@dataclass
class _Span:
    start: int
    end: int
    event: _Event
    track: int = 0
    first_piece: int | None = field(default=None)


# ---- document text with marks -----------------------------------------------------------------


def _assign_tracks(spans: list[_Span]) -> None:
    """Interval colouring: overlapping spans get different tracks, smallest free one first."""
    active: list[_Span] = []
    for span in sorted(spans, key=lambda s: (s.start, -s.end, s.event.number)):
        active = [a for a in active if a.end > span.start]
        used = {a.track for a in active}
        span.track = next(t for t in range(len(active) + 1) if t not in used)
        active.append(span)


def _render_text(text: str, spans: list[_Span]) -> str:
    """Document text as paragraphs with nested marks; see the module docstring."""
    _assign_tracks(spans)
    paragraphs = [(m.start(), m.end()) for m in _PARAGRAPH.finditer(text)]
    cuts = {0, len(text)}
    for a, b in paragraphs:
        cuts.update((a, b))
    for s in spans:
        cuts.update((s.start, s.end))
    points = sorted(cuts)
    in_paragraph: list[bool] = []
    para_iter = iter(paragraphs)
    current = next(para_iter, None)
    pieces: list[tuple[int, int]] = []
    for a, b in zip(points, points[1:], strict=False):
        while current is not None and current[1] <= a:
            current = next(para_iter, None)
        pieces.append((a, b))
        in_paragraph.append(current is not None and current[0] <= a and b <= current[1])
    # The id and the row link go on an event's first visible piece (else its first piece).
    for span in spans:
        covered = [i for i, (a, b) in enumerate(pieces) if span.start <= a and b <= span.end]
        visible = [i for i in covered if in_paragraph[i]]
        span.first_piece = (visible or covered)[0] if covered else None

    out: list[str] = []
    open_paragraph = False
    for i, (a, b) in enumerate(pieces):
        inside = in_paragraph[i]
        if inside and not open_paragraph:
            out.append('<p dir="auto">')
            open_paragraph = True
        elif not inside and open_paragraph:
            out.append("</p>")
            open_paragraph = False
        covering = [s for s in spans if s.start <= a and b <= s.end]
        # Outermost = highest track (largest padding: its underline sits lowest).
        covering.sort(key=lambda s: (-s.track, s.event.number))
        for s in covering:
            ev = s.event
            kind = _kind(ev.record)
            classes = f"ev-{kind} t{min(s.track, MAX_TRACKS - 1)}"
            label = TYPE_STYLE.get(kind, (kind,))[0]
            modality = _modality_of(ev.record)
            title = f"#{ev.number} {label} ({kind}{', ' + modality if modality else ''})"
            attrs = f' class="{classes}" data-event="{_e(ev.key)}" title="{_e(title)}"'
            if not inside:
                attrs += " hidden"
            if s.first_piece == i:
                out.append(
                    f'<mark id="ev-{_e(ev.key)}"{attrs}>'
                    f'<a class="evref ev-{kind}" href="#row-{_e(ev.key)}" '
                    f'data-n="{ev.number}" aria-label="event {ev.number}"></a>'
                )
            else:
                out.append(f"<mark{attrs}>")
        out.append(_e(text[a:b]))
        out.append("</mark>" * len(covering))
    if open_paragraph:
        out.append("</p>")
    return "".join(out)


# ---- table ------------------------------------------------------------------------------------


def _actor_html(actor: Actor, quote: str) -> str:
    code = f"{_ltr(actor.code, 'code')} " if actor.code else ""
    outside = ""
    if actor.surface and actor.surface not in quote:
        outside = '<sup class="ctx" title="written outside the quoted evidence">*</sup>'
    title = f"{actor.surface} · {actor.kind}"
    return f'<span class="actor" title="{_e(title)}">{code}{_ltr(actor.name)}{outside}</span>'


def _doc_cell(ev: _Event, doc: Document | None) -> tuple[str, str, str]:
    r = ev.record
    doc_bits = []
    short = r.doc_id if len(r.doc_id) <= 14 else r.doc_id[:11] + "…"
    if doc is not None:
        doc_bits.append(
            f'<a href="#doc-{_e(_safe_id(r.doc_id))}" title="{_e(r.doc_id)}">'
            f"{_ltr(short, 'docid')}</a>"
        )
    else:
        doc_bits.append(
            f'<span title="{_e(r.doc_id)}">{_ltr(short, "docid")}</span> '
            '<span class="warn">(not found)</span>'
        )
    if r.segment_kind != "main":
        doc_bits.append(_ltr(r.segment_kind, "en small flag"))
    if r.evidence.alignment != "exact":
        doc_bits.append(_ltr(f"{r.evidence.alignment} alignment", "en small flag"))
    if ev.problem:
        doc_bits.append(f'<span class="warn">{_e(ev.problem)}</span>')
    return ("c-doc", f"{r.doc_id} {r.evidence.start:09d}", "<br>".join(doc_bits))


def _field_html(value: Any) -> str:
    """A user task's field value: computed value first, the words as written under it."""
    if isinstance(value, list):
        return "".join(f"<div>{_field_html(v)}</div>" for v in value) or "—"
    if isinstance(value, dict):
        shown = next(
            (value[k] for k in ("name", "value", "amount") if value.get(k) not in (None, "")),
            value.get("surface"),
        )
        if "amount" in value and "currency" in value:
            shown = f"{_number(value['amount'])} {value['currency']}"
        surface = value.get("surface")
        under = f"<br>{_ar(surface, 'as-written')}" if surface and surface != shown else ""
        return f"{_ltr(shown, 'val')}{under}"
    if value is None:
        return "—"
    return _ar(value)


def _task_cells(ev: _Event, doc: Document | None) -> list[tuple[str, str, str]]:
    """(css class, data-sort, inner HTML) for each column of a user task record's row."""
    r = ev.record
    assert isinstance(r, TaskRecord)
    kind = _kind(r)
    rows = "".join(
        f'<div class="field"><span class="en small">{_e(name)}</span> {_field_html(value)}</div>'
        for name, value in r.fields.items()
        if value not in (None, [], "")
    )
    return [
        ("c-type", kind, f'<span class="pill ev-{kind}">{_e(kind)}</span>'),
        ("c-fields", "", rows or "—"),
        ("c-quote", "", f'<span class="quote" dir="auto">{_e(r.evidence.quote)}</span>'),
        _doc_cell(ev, doc),
    ]


def _cells(ev: _Event, doc: Document | None) -> list[tuple[str, str, str]]:
    """(css class, data-sort, inner HTML) for each column of one event's row."""
    r = ev.record
    if not isinstance(r, EventRecord):
        return _task_cells(ev, doc)
    label = TYPE_STYLE[r.event_type][0]
    type_html = (
        f'<span class="pill ev-{r.event_type}">{_e(label)}</span>'
        f"<br>{_ltr(r.event_type, 'en small')}"
    )

    date_parts: list[str] = []
    date_sort = ""
    if r.date is not None:
        if r.date.value:
            date_parts.append(_ltr(r.date.value, "val"))
            date_sort = r.date.value
        date_parts.append(_ar(r.date.surface, "as-written"))
    if r.location is not None:
        place = r.location.name or r.location.surface
        date_parts.append(f'<span class="place">في {_ltr(place)}</span>')

    actors = "".join(_actor_html(a, r.evidence.quote) for a in r.actors) or "—"
    targets = "".join(_actor_html(a, r.evidence.quote) for a in r.targets) or "—"
    parties = (
        f'<div class="who">{actors}</div>'
        f'<div class="whom"><span class="arrow">←</span><div>{targets}</div></div>'
    )
    parties_sort = " ".join(a.name for a in r.actors) or "~"

    money_parts = []
    for m in r.money:
        extra = " Σ" if m.cumulative else ""
        value = f"{QUALIFIER_SIGN.get(m.qualifier, '')}{_number(m.amount)} {m.currency}{extra}"
        money_parts.append(f"<div>{_ltr(value, 'val')}<br>{_ar(m.surface, 'as-written')}</div>")
    money_sort = str(max((m.amount for m in r.money), default=""))

    item_parts = []
    for it in r.items:
        value = f"{_number(it.quantity)} × {it.name}" if it.quantity is not None else it.name
        item_parts.append(
            f'<div title="{_e(it.category)}">{_ltr(value, "val")}<br>'
            f"{_ar(it.surface, 'as-written')}</div>"
        )

    casualty_parts = []
    if r.killed is not None:
        casualty_parts.append(f"قتلى {_ltr(r.killed, 'val')}")
    if r.injured is not None:
        casualty_parts.append(f"جرحى {_ltr(r.injured, 'val')}")
    casualty_sort = (
        str((r.killed or 0) + (r.injured or 0)) if (r.killed, r.injured) != (None, None) else ""
    )

    raw_facets = [r.stage, r.category, r.mode, r.subtype, r.status, r.scope]
    if r.duration_days:
        raw_facets.append(f"{r.duration_days} days")
    facets = [f for f in raw_facets if f]
    stage_text = " · ".join(facets)

    modality = (
        f'<span class="mod mod-{r.modality}">{_e(MODALITY_LABEL.get(r.modality, r.modality))}'
        f"</span><br>{_ltr(r.modality, 'en small')}"
    )

    return [
        ("c-type", r.event_type, type_html),
        ("c-date", date_sort or "~", "<br>".join(date_parts) or "—"),
        ("c-who", parties_sort, parties),
        ("c-money", money_sort, "".join(money_parts)),
        ("c-items", str(sum(i.quantity or 0 for i in r.items)), "".join(item_parts)),
        ("c-cas", casualty_sort, " · ".join(casualty_parts)),
        ("c-stage", stage_text, "<br>".join(_ltr(f, "en") for f in facets)),
        ("c-mod", r.modality, modality),
        ("c-quote", "", f'<span class="quote" dir="auto">{_e(r.evidence.quote)}</span>'),
        _doc_cell(ev, doc),
    ]


# (Arabic header, English header, sort kind, cell class) in the order of _row's cells.
COLUMNS = (
    ("#", "#", "num", "c-num"),
    ("النوع", "type", "text", "c-type"),
    ("التاريخ · المكان", "date · place", "text", "c-date"),
    ("الفاعلون ← المستهدفون", "actors → targets", "text", "c-who"),
    ("المبلغ", "amount", "num", "c-money"),
    ("المواد", "items", "num", "c-items"),
    ("الضحايا", "casualties", "num", "c-cas"),
    ("المرحلة · النمط", "stage · mode", "text", "c-stage"),
    ("الصيغة", "modality", "text", "c-mod"),
    ("الدليل", "evidence", "text", "c-quote"),
    ("الوثيقة", "document", "text", "c-doc"),
)
# the columns when the records are a user task's
TASK_COLUMNS = (
    ("#", "#", "num", "c-num"),
    ("المهمة", "task", "text", "c-type"),
    ("الحقول", "fields", "text", "c-fields"),
    ("الدليل", "evidence", "text", "c-quote"),
    ("الوثيقة", "document", "text", "c-doc"),
)


def _row(ev: _Event, doc: Document | None) -> str:
    r = ev.record
    kind = _kind(r)
    back = (
        f'<a class="back ev-{kind}" href="#ev-{_e(ev.key)}" title="show in document">'
        f"{ev.number}</a>"
        if ev.rendered
        else f'<span class="back nomark" title="not marked in any document">{ev.number}</span>'
    )
    if isinstance(r, EventRecord):
        search = " ".join(
            [r.evidence.quote, r.summary_en or "", r.doc_id]
            + [a.surface for a in (*r.actors, *r.targets)]
        )
        title = r.summary_en or ""
    else:
        search = " ".join([r.evidence.quote, r.doc_id, json.dumps(r.fields, ensure_ascii=False)])
        title = ""
    cells = [f'<td class="c-num" data-sort="{ev.number}">{back}</td>']
    for cls, sort, inner in _cells(ev, doc):
        cells.append(f'<td class="{cls}" data-sort="{_e(sort)}">{inner}</td>')
    return (
        f'<tr id="row-{_e(ev.key)}" class="t-{kind}" data-type="{kind}" '
        f'data-event="{_e(ev.key)}" data-search="{_e(search)}" title="{_e(title)}">'
        + "".join(cells)
        + "</tr>"
    )


# ---- page -------------------------------------------------------------------------------------


def _css(styles: dict[str, tuple[str, str, str, str]]) -> str:
    per_type = []
    for t, (_, strong, tint, style) in styles.items():
        width = "4px" if t == "attack" else "3px"
        per_type.append(
            f"mark.ev-{t}{{background:{tint};border-bottom:{width} {style} {strong}}}"
            f".pill.ev-{t},.back.ev-{t},.evref.ev-{t}::before"
            f"{{background:{strong};color:#fff}}"
            f".sw.ev-{t}{{background:{tint};border-bottom:3px {style} {strong}}}"
            f"tr.t-{t}>td.c-num{{border-inline-start:4px solid {strong}}}"
            f"body.hide-{t} mark.ev-{t}{{background:none;border-bottom-color:transparent}}"
            f"body.hide-{t} mark.ev-{t}>.evref{{display:none}}"
            f'.toggle[data-type="{t}"][aria-pressed="true"]{{background:{tint};'
            f"border-color:{strong}}}"
            f'.toggle[data-type="{t}"] .sw{{background:{strong}}}'
        )
    return _BASE_CSS + "\n".join(per_type)


_BASE_CSS = """
*{box-sizing:border-box}
html{-webkit-print-color-adjust:exact;print-color-adjust:exact}
body{margin:0;background:#fbfbf8;color:#1d1d1f;
 font-family:"Noto Naskh Arabic","Noto Sans Arabic","Segoe UI",Tahoma,"DejaVu Sans",Arial,
 sans-serif;
 font-size:15px;line-height:1.55}
main{max-width:1500px;margin:0 auto;padding:16px 16px 40px}
h1{font-size:1.55em;margin:0 0 4px}
h2{font-size:1.2em;margin:26px 0 8px;border-bottom:2px solid #d5d5d0;padding-bottom:4px}
h3{font-size:1.02em;margin:0}
a{color:#17457e}
bdi.en,.en{font-family:"Segoe UI","DejaVu Sans",Arial,sans-serif}
.small{font-size:.78em;color:#555}
.muted{color:#666}
.warn{color:#9a1b0f;font-weight:600}
header.top{display:grid;
 grid-template-columns:minmax(260px,1.1fr) minmax(260px,1fr) minmax(260px,1fr);
 gap:14px 22px;align-items:start;background:#fff;border:1px solid #ddd;border-radius:8px;
 padding:14px 18px;margin-bottom:14px}
header.top .titles{grid-column:1/-1}
.box h2{font-size:.95em;margin:0 0 6px;border:0;padding:0;color:#444}
table.legend{border-collapse:collapse;width:100%}
table.legend td{padding:2px 6px;border-bottom:1px solid #eee}
table.legend td.n{text-align:left;font-weight:700;font-variant-numeric:tabular-nums}
.sw{display:inline-block;width:26px;height:14px;border-radius:3px;vertical-align:middle}
dl.kv{display:grid;grid-template-columns:max-content 1fr;gap:2px 12px;margin:0}
dl.kv dt{color:#555}
dl.kv dd{margin:0;font-weight:600;overflow-wrap:anywhere}
.notes{margin:0 0 14px}
.note{background:#fff4e5;border:1px solid #e8b86b;border-radius:6px;padding:8px 12px;margin:6px 0}
.note ul{margin:4px 0;padding-inline-start:22px}
.controls{display:flex;flex-wrap:wrap;gap:8px;align-items:center;margin:6px 0 8px}
.controls input{font:inherit;padding:5px 10px;border:1px solid #aaa;border-radius:6px;
 min-width:260px}
.toggle{font:inherit;font-size:.88em;padding:3px 10px;border:1px solid #bbb;border-radius:14px;
 background:#f2f2f2;color:#222;cursor:pointer}
.toggle[aria-pressed="false"]{opacity:.55;text-decoration:line-through;background:#f2f2f2}
.toggle .sw{width:11px;height:11px;border-radius:50%;margin-inline-end:5px}
#shown{font-weight:700}
.table-wrap{max-height:62vh;overflow:auto;resize:vertical;border:1px solid #d5d3cc;
 border-radius:6px;background:#fff}
table.events{border-collapse:collapse;width:100%;background:#fff;font-size:13px;line-height:1.4}
table.events th{position:sticky;top:0;background:#eceae4;z-index:1;text-align:start;
 vertical-align:bottom;padding:5px 6px;border-bottom:2px solid #b9b6ad;cursor:pointer;
 user-select:none;white-space:nowrap}
table.events th .en{display:block;font-weight:400;font-size:.8em;color:#555}
table.events th[aria-sort="ascending"]::after{content:" ▲";font-size:.8em}
table.events th[aria-sort="descending"]::after{content:" ▼";font-size:.8em}
table.events td{padding:5px 6px;border-bottom:1px solid #e3e1da;vertical-align:top}
table.events tr{scroll-margin-top:60px}
table.events tbody tr:nth-child(even){background:#fafaf7}
table.events tr:target>td,table.events tr.flash>td{background:#fff1b8}
td.c-num{text-align:center;width:38px}
td.c-cas,.val{white-space:nowrap}
td.c-items{max-width:170px}
td.c-quote{min-width:160px;max-width:210px}
td.c-who{min-width:200px}
td.c-quote .quote{display:-webkit-box;-webkit-line-clamp:3;-webkit-box-orient:vertical;
 overflow:hidden;color:#333}
td.c-doc{font-size:.85em;white-space:nowrap}
.pill{display:inline-block;border-radius:10px;padding:0 8px;font-size:.92em;white-space:nowrap}
.back{display:inline-block;min-width:24px;border-radius:5px;padding:0 4px;text-align:center;
 text-decoration:none;font-weight:700}
.back.nomark{background:#ddd;color:#333}
.as-written{display:inline-block;color:#5b5b5b;font-size:.88em}
.val{font-weight:600;font-variant-numeric:tabular-nums}
.code{font-size:.78em;font-weight:700;color:#444;background:#eee;border-radius:3px;padding:0 3px}
.actor{display:block}
.whom{display:flex;gap:4px;align-items:baseline}
.arrow{color:#777;padding:0 2px}
.ctx{color:#9a1b0f;font-weight:700;cursor:help}
.flag{background:#eef;border-radius:3px;padding:0 3px}
.place{color:#444}
.mod-asserted{color:#1d1d1f}
.mod-planned{color:#6b4e00;font-style:italic}
.mod-hypothetical{color:#6b4e00;font-style:italic;text-decoration:underline dotted}
.mod-negated{color:#9a1b0f;font-weight:700;text-decoration:line-through}
section.doc{background:#fff;border:1px solid #ddd;border-radius:8px;padding:12px 18px;margin:14px 0;
 break-inside:auto}
section.doc header{display:flex;flex-wrap:wrap;gap:4px 14px;align-items:baseline;
 border-bottom:1px solid #eee;padding-bottom:6px;margin-bottom:6px}
.doc-text{font-size:16.5px;line-height:2.35}
.doc-text p{margin:0 0 .55em}
mark{color:inherit;padding:1px 0 1px;border-radius:2px;cursor:pointer;
 -webkit-box-decoration-break:clone;box-decoration-break:clone}
mark.t1{padding-bottom:5px}
mark.t2{padding-bottom:9px}
mark.t3{padding-bottom:13px}
mark:target{outline:2px solid #222;outline-offset:1px}
.evref{text-decoration:none}
.evref::before{content:attr(data-n);display:inline-block;font-size:.62em;line-height:1.3;
 font-weight:700;vertical-align:.55em;border-radius:7px;padding:0 4px;margin-inline-end:2px;
 font-family:"DejaVu Sans",Arial,sans-serif}
.legend-help{font-size:.85em;color:#555;margin:4px 0 0}
footer{margin-top:24px;font-size:.82em;color:#666}
@media print{
 body{background:#fff;font-size:11pt}
 main{max-width:none;padding:0}
 .controls,.noprint{display:none!important}
 header.top,section.doc{border-color:#999}
 .table-wrap{max-height:none;overflow:visible;border:0}
 table.events th{position:static}
 table.events{font-size:8.5pt}
 .c-quote{display:none}
 td.c-who{min-width:0}
 td.c-doc{white-space:normal}
 td.c-items{max-width:none}
 table.events tr{break-inside:avoid}
 tr[hidden]{display:none}
 section.doc{break-inside:auto}
 a{color:inherit;text-decoration:none}
 @page{size:A4 landscape;margin:12mm}
}
"""

_JS = r"""
(function () {
  "use strict";
  var table = document.getElementById("events");
  if (!table) return;
  var tbody = table.tBodies[0];
  var rows = Array.prototype.slice.call(tbody.rows);
  var box = document.getElementById("filter");
  var shown = document.getElementById("shown");
  var hidden = {};
  function norm(s) {
    return (s || "").toLowerCase().replace(/[\u064B-\u0652\u0640]/g, "")
      .replace(/[\u0623\u0625\u0622]/g, "\u0627").replace(/\u0649/g, "\u064A")
      .replace(/\u0629/g, "\u0647");
  }
  rows.forEach(function (r) { r._text = norm(r.textContent + " " + r.dataset.search); });
  function apply() {
    var words = norm(box.value).split(/\s+/).filter(Boolean);
    var n = 0;
    rows.forEach(function (r) {
      var ok = !hidden[r.dataset.type] && words.every(function (w) {
        return r._text.indexOf(w) >= 0;
      });
      r.hidden = !ok;
      if (ok) n++;
    });
    shown.textContent = n;
  }
  box.addEventListener("input", apply);
  document.querySelectorAll(".toggle").forEach(function (b) {
    b.addEventListener("click", function () {
      var on = b.getAttribute("aria-pressed") !== "true";
      b.setAttribute("aria-pressed", on ? "true" : "false");
      hidden[b.dataset.type] = !on;
      document.body.classList.toggle("hide-" + b.dataset.type, !on);
      apply();
    });
  });
  var ths = table.tHead.rows[0].cells;
  Array.prototype.forEach.call(ths, function (th, col) {
    th.tabIndex = 0;
    function sort() {
      var asc = th.getAttribute("aria-sort") !== "ascending";
      Array.prototype.forEach.call(ths, function (h) { h.removeAttribute("aria-sort"); });
      th.setAttribute("aria-sort", asc ? "ascending" : "descending");
      var numeric = th.dataset.kind === "num";
      function key(r) {
        var c = r.cells[col];
        var v = c.hasAttribute("data-sort") ? c.dataset.sort : c.textContent.trim();
        if (numeric) { var f = parseFloat(v); return isNaN(f) ? null : f; }
        return v === "" ? null : v;
      }
      rows.sort(function (a, b) {
        var x = key(a), y = key(b);
        if (x === null && y === null) return 0;
        if (x === null) return 1;
        if (y === null) return -1;
        var d = numeric ? x - y : String(x).localeCompare(String(y));
        return asc ? d : -d;
      });
      rows.forEach(function (r) { tbody.appendChild(r); });
    }
    th.addEventListener("click", sort);
    th.addEventListener("keydown", function (e) {
      if (e.key === "Enter" || e.key === " ") { e.preventDefault(); sort(); }
    });
  });
  function flash(id) {
    var el = document.getElementById(id);
    if (!el) return;
    if (el.tagName === "TR" && el.hidden) { box.value = ""; apply(); }
    el.classList.add("flash");
    setTimeout(function () { el.classList.remove("flash"); }, 1600);
  }
  document.addEventListener("click", function (e) {
    var a = e.target.closest("a.evref");
    if (a) { flash(a.getAttribute("href").slice(1)); return; }
    var m = e.target.closest("mark[data-event]");
    if (m) {
      var id = "row-" + m.dataset.event;
      flash(id);
      location.hash = id;
    }
  });
  apply();
})();
"""


def render_report(
    records: Sequence[Record],
    documents: dict[str, Document],
    *,
    title: str = "Event review",
    provenance: dict[str, Any] | None = None,
    load_failures: Sequence[DocumentFailure] = (),
) -> str:
    """One self-contained HTML review page for ``records`` over their ``documents``.

    Records whose document is missing, or whose evidence is not at its offsets in the document
    text, still get a table row and are listed in a note at the top; nothing is dropped.
    ``provenance`` adds key/value lines (input files …) to the provenance box; the backend,
    model and prompt version come from the records themselves. ``load_failures`` (documents that
    could not be read) are listed in a note.
    """
    styles = _styles(records)
    kinds = list(styles)
    doc_order = {doc_id: i for i, doc_id in enumerate(documents)}
    missing_rank = len(doc_order)
    ordered = sorted(
        records,
        key=lambda r: (
            doc_order.get(r.doc_id, missing_rank),
            r.doc_id,
            r.evidence.start,
            r.evidence.end,
            kinds.index(_kind(r)),
        ),
    )
    events: list[_Event] = []
    seen_keys: Counter[str] = Counter()
    duplicate_ids: list[str] = []
    for number, record in enumerate(ordered, start=1):
        rid = _rid(record)
        seen_keys[rid] += 1
        key = rid
        if seen_keys[rid] > 1:
            key = f"{rid}-{seen_keys[rid]}"
            duplicate_ids.append(rid)
        events.append(_Event(record, _safe_id(key), number))

    by_doc: dict[str, list[_Event]] = {}
    missing: dict[str, list[_Event]] = {}
    for ev in events:
        doc = documents.get(ev.record.doc_id)
        if doc is None:
            missing.setdefault(ev.record.doc_id, []).append(ev)
            ev.problem = "document not found"
            continue
        e = ev.record.evidence
        if e.end > len(doc.text) or doc.text[e.start : e.end] != e.quote:
            ev.problem = "evidence not at its offsets"
            continue
        ev.rendered = True
        by_doc.setdefault(doc.id, []).append(ev)

    type_counts: Counter[str] = Counter(_kind(ev.record) for ev in events)
    parts: list[str] = [
        "<!DOCTYPE html>\n",
        '<html lang="ar" dir="rtl">\n<head>\n<meta charset="utf-8">\n',
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n',
        '<meta name="color-scheme" content="light">\n',
        f"<title>{_e(title)}</title>\n<style>{_css(styles)}</style>\n</head>\n<body>\n<main>\n",
        _header(title, events, documents, type_counts, provenance, styles),
        _notes(events, missing, duplicate_ids, load_failures),
        _table(events, documents, type_counts, styles),
        _documents(documents, by_doc, styles),
        '<footer class="muted">',
        "اضغط على علامة في النص للانتقال إلى صفّها في الجدول، وعلى رقم الصف للعودة إلى النص. ",
        _ltr("Click a highlight to jump to its row; click a row number to jump back."),
        "</footer>\n</main>\n",
        f"<script>{_JS}</script>\n</body>\n</html>\n",
    ]
    return "".join(parts)


def _header(
    title: str,
    events: list[_Event],
    documents: dict[str, Document],
    type_counts: Counter[str],
    provenance: dict[str, Any] | None,
    styles: dict[str, tuple[str, str, str, str]],
) -> str:
    rows = []
    for t, (label, *_) in styles.items():
        n = type_counts.get(t, 0)
        if t not in TYPE_STYLE and not n:
            continue
        rows.append(
            f'<tr><td><span class="sw ev-{t}"></span></td><td>{_e(label)}</td>'
            f"<td>{_ltr(t, 'en small')}</td>"
            f'<td class="n"><span class="count" data-type="{t}" data-count="{n}">{n}</span></td>'
            "</tr>"
        )
    legend = (
        '<div class="box"><h2>الأحداث حسب النوع <span class="en small">events by type</span></h2>'
        f'<table class="legend"><tbody>{"".join(rows)}</tbody></table>'
        '<p class="legend-help">لون الخلفية والخط السفلي يدلّان على النوع؛ الخطوط المتراكبة '
        "تعني أحداثًا متداخلة. "
        f'<sup class="ctx">*</sup> كُتب الفاعل خارج نص الدليل.</p></div>'
    )

    combos = Counter(
        (
            ev.record.provenance.backend,
            ev.record.provenance.model,
            ev.record.provenance.prompt_version,
            ev.record.provenance.schema_version,
        )
        for ev in events
    )
    prov_items = []
    for (backend, model, prompt, schema), n in combos.most_common():
        suffix = f" ({n})" if len(combos) > 1 else ""
        prov_items.append(
            f"<dt>backend</dt><dd>{_ltr(backend)}{_e(suffix)}</dd>"
            f"<dt>model</dt><dd>{_ltr(model or '—')}</dd>"
            f"<dt>prompt version</dt><dd>{_ltr(prompt or '—')}</dd>"
            f"<dt>schema</dt><dd>{_ltr(schema)}</dd>"
        )
    if not combos:
        prov_items.append("<dt>backend</dt><dd>—</dd>")
    for k, v in (provenance or {}).items():
        prov_items.append(f"<dt>{_ltr(k)}</dt><dd>{_ltr(v)}</dd>")
    prov = (
        '<div class="box"><h2>مصدر التشغيل <span class="en small">run provenance</span></h2>'
        f'<dl class="kv">{"".join(prov_items)}</dl></div>'
    )

    docs_with_events = len({ev.record.doc_id for ev in events} & set(documents))
    modality: Counter[str] = Counter(m for ev in events if (m := _modality_of(ev.record)))
    mod_text = "<br>".join(
        f"{_e(label)} {_ltr(modality[m])} {_ltr(m, 'en small')}"
        for m, label in MODALITY_LABEL.items()
        if modality.get(m)
    )
    stats = (
        '<div class="box"><h2>الأرقام <span class="en small">totals</span></h2><dl class="kv">'
        f'<dt>الأحداث <span class="en small">events</span></dt>'
        f'<dd><span id="n-events" data-count="{len(events)}">{len(events)}</span></dd>'
        f'<dt>الوثائق <span class="en small">documents</span></dt>'
        f'<dd><span id="n-docs" data-count="{len(documents)}">{len(documents)}</span></dd>'
        f'<dt>وثائق فيها أحداث <span class="en small">with events</span></dt>'
        f"<dd>{_ltr(docs_with_events)}</dd>"
        f'<dt>الصيغة <span class="en small">modality</span></dt>'
        f"<dd>{mod_text or '—'}</dd></dl></div>"
    )
    return (
        f'<header class="top"><div class="titles"><h1>{_e(title)}</h1>'
        f'<div class="muted">عدد الأحداث {_ltr(len(events))}، عدد الوثائق '
        f"{_ltr(len(documents))} — كل حدث مُعلَّم في نص وثيقته عند موضع دليله بالضبط."
        "</div></div>"
        f"{legend}{stats}{prov}</header>\n"
    )


def _notes(
    events: list[_Event],
    missing: dict[str, list[_Event]],
    duplicate_ids: list[str],
    load_failures: Sequence[DocumentFailure],
) -> str:
    notes = []
    if missing:
        items = "".join(
            f"<li>{_ltr(doc_id)}: {_ltr(len(evs))} — "
            + " ".join(f'<a href="#row-{_e(ev.key)}">#{ev.number}</a>' for ev in evs)
            + "</li>"
            for doc_id, evs in missing.items()
        )
        n = sum(len(v) for v in missing.values())
        notes.append(
            f'<div class="note" id="missing-docs"><strong>وثائق غير موجودة '
            f'<span class="en">documents not found</span></strong>: '
            f"{_ltr(n)} events refer to documents that were not given; they are in the table "
            f"but not marked in any text.<ul>{items}</ul></div>"
        )
    bad = [ev for ev in events if ev.problem == "evidence not at its offsets"]
    if bad:
        items = " ".join(
            f'<a href="#row-{_e(ev.key)}">#{ev.number}</a> ({_ltr(ev.record.doc_id)})' for ev in bad
        )
        notes.append(
            '<div class="note" id="bad-offsets"><strong>دليل خارج موضعه '
            '<span class="en">evidence not at its offsets</span></strong>: '
            f"the document text at start:end is not the quote (another version of the document?): "
            f"{items}</div>"
        )
    if duplicate_ids:
        notes.append(
            '<div class="note" id="duplicate-ids"><strong>duplicate event ids</strong>: '
            + ", ".join(_ltr(i) for i in sorted(set(duplicate_ids)))
            + "</div>"
        )
    if load_failures:
        items = "".join(
            f"<li>{_ltr(f.id)} — {_ltr(f.error)}: {_e(f.message)}</li>" for f in load_failures
        )
        notes.append(
            '<div class="note" id="load-failures"><strong>وثائق تعذّرت قراءتها '
            f'<span class="en">documents that could not be read</span></strong><ul>{items}</ul>'
            "</div>"
        )
    return f'<div class="notes">{"".join(notes)}</div>\n' if notes else ""


def _table(
    events: list[_Event],
    documents: dict[str, Document],
    type_counts: Counter[str],
    styles: dict[str, tuple[str, str, str, str]],
) -> str:
    toggles = "".join(
        f'<button type="button" class="toggle" data-type="{t}" aria-pressed="true">'
        f'<span class="sw"></span>{_e(label)} {_ltr(type_counts[t])}</button>'
        for t, (label, *_) in styles.items()
        if type_counts.get(t)
    )
    columns = COLUMNS if all(isinstance(ev.record, EventRecord) for ev in events) else TASK_COLUMNS
    heads = "".join(
        f'<th scope="col" class="{cls}" data-kind="{kind}">{_e(ar)}'
        f'<span class="en">{_e(en)}</span></th>'
        for ar, en, kind, cls in columns
    )
    rows = "\n".join(_row(ev, documents.get(ev.record.doc_id)) for ev in events)
    return (
        '<h2 id="table">جدول الأحداث <span class="en small">events</span></h2>\n'
        '<div class="controls noprint">'
        '<input type="search" id="filter" placeholder="تصفية: أسماء، كلمات، معرّفات…" '
        'aria-label="filter events">'
        f"{toggles}"
        f'<span class="muted">معروض <span id="shown">{len(events)}</span> / '
        f"{_ltr(len(events))}</span></div>\n"
        '<div class="table-wrap">'
        f'<table class="events" id="events"><thead><tr>{heads}</tr></thead>\n'
        f"<tbody>\n{rows}\n</tbody></table></div>\n"
    )


def _documents(
    documents: dict[str, Document],
    by_doc: dict[str, list[_Event]],
    styles: dict[str, tuple[str, str, str, str]],
) -> str:
    out = ['<h2 id="documents">الوثائق <span class="en small">documents</span></h2>\n']
    for doc_id, doc in documents.items():
        evs = by_doc.get(doc_id, [])
        spans = [_Span(ev.record.evidence.start, ev.record.evidence.end, ev) for ev in evs]
        counts: Counter[str] = Counter(_kind(ev.record) for ev in evs)
        chips = " ".join(
            f'<span class="pill ev-{t}">{_e(label)} {_ltr(counts[t])}</span>'
            for t, (label, *_) in styles.items()
            if counts.get(t)
        )
        meta = [f"<h3>{_ltr(doc_id)}</h3>"]
        if doc.published_at:
            meta.append(f'<span class="muted">نُشر {_ltr(doc.published_at.isoformat())}</span>')
        if doc.url:
            if re.match(r"https?://", doc.url, re.IGNORECASE):
                meta.append(
                    f'<a class="en small" href="{_e(doc.url)}" rel="noopener noreferrer">'
                    f"{_ltr(doc.url)}</a>"
                )
            else:
                meta.append(_ltr(doc.url, "en small"))
        meta.append(f'<span class="muted">عدد الأحداث {_ltr(len(evs))}</span> {chips}')
        out.append(
            f'<section class="doc" id="doc-{_e(_safe_id(doc_id))}" data-doc="{_e(doc_id)}">'
            f"<header>{''.join(meta)}</header>"
            f'<div class="doc-text" id="text-{_e(_safe_id(doc_id))}" lang="ar">'
            f"{_render_text(doc.text, spans)}</div></section>\n"
        )
    return "".join(out)


# ---- files ------------------------------------------------------------------------------------


def write_report(
    events_path: Path,
    doc_inputs: Iterable[Path],
    out: Path,
    *,
    title: str = "Event review",
) -> int:
    """Render the records of ``events_path`` over the documents of ``doc_inputs`` into ``out``.

    Returns the number of events in the report (every record of the file).
    """
    records = read_records(Path(events_path))
    inputs = [Path(p) for p in doc_inputs]
    documents: dict[str, Document] = {}
    failures: list[DocumentFailure] = []
    for item in load_documents(inputs):
        if isinstance(item, Document):
            documents[item.id] = item
        else:
            failures.append(item)
    provenance = {
        "events file": str(events_path),
        "documents": ", ".join(str(p) for p in inputs),
    }
    page = render_report(
        records, documents, title=title, provenance=provenance, load_failures=failures
    )
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(page, encoding="utf-8")
    return len(records)
