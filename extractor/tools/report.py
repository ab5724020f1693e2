"""An analyst-facing HTML review page: every event's evidence highlighted in its document.

``render_report`` returns ONE self-contained HTML file (inline CSS, JS and SVG, no network at
view time, system fonts only), rendered from Jinja2 templates with autoescape
(``extractor/tools/templates/``: the page, its CSS and its JS): a header with counts per event type,
the number of documents and the run's provenance; a timeline (aid commitments by month and
stage, attacks by month with their casualties; SVG drawn into the page); a filterable, sortable
table of events with a doubt flag (⚑) on the records a reviewer should look at first, and a
filter for them; the reports ``extractor link`` puts together; and every document's text with
each event's evidence marked at its exact character offsets.

A record is doubtful when a value was found only in context (outside every sentence that tells
the event), its quote was aligned fuzzily, the backends of a hybrid run disagreed (only one of
them found it), or its provenance lists doubts of its own (``provenance.doubts``).

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

import json
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from extractor.core.document import Document, DocumentFailure
from extractor.records.files import read_records
from extractor.run.documents import load_documents
from extractor.schemas import EVENT_TYPES, EventRecord, TaskRecord

__all__ = ["render_report", "write_report"]

TEMPLATES = Path(__file__).resolve().parent / "templates"

# type: (Arabic label, strong colour (white text on it >= 4.5:1), light tint, underline style),
# from the event-type table; a user task's records get TASK_STYLE under the task's name.
TYPE_STYLE: dict[str, tuple[str, str, str, str]] = {
    t.name: (t.label_ar, t.colour, t.tint, t.underline) for t in EVENT_TYPES
}
TASK_STYLE = ("#374151", "#e5e7eb", "solid")
Record = EventRecord | TaskRecord

MODALITY_LABEL = {
    "asserted": "مؤكَّد",
    "planned": "مخطَّط",
    "hypothetical": "افتراضي",
    "negated": "منفي",
}
QUALIFIER_SIGN = {"exact": "", "at_least": "≥ ", "approx": "≈ ", "up_to": "≤ ", "equivalent": "= "}
STAGE_COLOUR = {
    "requested": "#9ca3af",
    "announced": "#60a5fa",
    "approved": "#1d4ed8",
    "contracted": "#7c3aed",
    "delivered": "#15803d",
}
MAX_TRACKS = 4
_PARAGRAPH = re.compile(r"[^\s](?:[^\n]*[^\s])?")
_ID_UNSAFE = re.compile(r"\s+")

# (Arabic header, English header, sort kind, cell class) in the order of the row's cells.
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
    ("مرتبط", "linked", "text", "c-link"),
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


def _safe_id(value: str) -> str:
    return _ID_UNSAFE.sub("_", value)


def _number(value: Any) -> str:
    value = float(value)
    if value.is_integer():
        return f"{int(value):,}"
    return f"{value:,.2f}".rstrip("0").rstrip(".")


@cache
def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["num"] = _number
    return env


@cache
def _asset(name: str) -> Markup:
    """The page's own CSS or JS (no record text ever goes into these)."""
    return Markup((TEMPLATES / name).read_text(encoding="utf-8"))


# ---- model ------------------------------------------------------------------------------------


@dataclass
class _Event:
    record: Record
    key: str  # unique anchor key: the event_id (suffixed if the id repeats)
    number: int = 0
    rendered: bool = False  # evidence marked in its document
    problem: str | None = None  # why it could not be marked
    has_doc: bool = False
    doubts: list[str] = field(default_factory=list)
    cluster: str | None = None
    peers: list[_Event] = field(default_factory=list)  # other reports of its cluster
    commitment: str | None = None
    commitment_peers: list[_Event] = field(default_factory=list)  # other stages of its package

    # what the template shows, computed from the record
    @property
    def kind(self) -> str:
        return _kind(self.record)

    @property
    def is_event(self) -> bool:
        return isinstance(self.record, EventRecord)

    @property
    def doc_short(self) -> str:
        d = self.record.doc_id
        return d if len(d) <= 14 else d[:11] + "…"

    @property
    def doc_anchor(self) -> str:
        return _safe_id(self.record.doc_id)

    @property
    def mentions(self) -> int:
        return len(self.record.mentions)

    @property
    def cluster_short(self) -> str:
        return (self.cluster or "")[:9]

    @property
    def commitment_short(self) -> str:
        return (self.commitment or "")[:9]

    @property
    def search(self) -> str:
        r = self.record
        if isinstance(r, EventRecord):
            return " ".join(
                [r.evidence.quote, r.summary_en or "", r.doc_id]
                + [a.surface for a in (*r.actors, *r.targets)]
            )
        return " ".join([r.evidence.quote, r.doc_id, json.dumps(r.fields, ensure_ascii=False)])

    @property
    def title(self) -> str:
        r = self.record
        return (r.summary_en or "") if isinstance(r, EventRecord) else ""

    @property
    def money_sort(self) -> str:
        r = self.record
        if not isinstance(r, EventRecord):
            return ""
        return str(max((m.amount for m in r.money), default=""))

    @property
    def items_sort(self) -> str:
        r = self.record
        return str(sum(i.quantity or 0 for i in r.items)) if isinstance(r, EventRecord) else ""

    @property
    def casualty_sort(self) -> str:
        r = self.record
        if not isinstance(r, EventRecord) or (r.killed, r.injured) == (None, None):
            return ""
        return str((r.killed or 0) + (r.injured or 0))

    @property
    def facets(self) -> list[str]:
        r = self.record
        if not isinstance(r, EventRecord):
            return []
        raw = [r.stage, r.category, r.mode, r.subtype, r.status, r.scope]
        if r.duration_days:
            raw.append(f"{r.duration_days} days")
        return [f for f in raw if f]


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


def _text_tokens(text: str, spans: list[_Span]) -> list[dict[str, Any]]:
    """Document text as paragraph openings/closings and pieces, each piece with the marks that
    cover it (outermost first); the template writes them. See the module docstring."""
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

    out: list[dict[str, Any]] = []
    open_paragraph = False
    for i, (a, b) in enumerate(pieces):
        inside = in_paragraph[i]
        if inside and not open_paragraph:
            out.append({"open_p": True})
            open_paragraph = True
        elif not inside and open_paragraph:
            out.append({"close_p": True})
            open_paragraph = False
        covering = [s for s in spans if s.start <= a and b <= s.end]
        # Outermost = highest track (largest padding: its underline sits lowest).
        covering.sort(key=lambda s: (-s.track, s.event.number))
        marks = []
        for s in covering:
            ev = s.event
            kind = ev.kind
            label = TYPE_STYLE.get(kind, (kind,))[0]
            modality = _modality_of(ev.record)
            marks.append(
                {
                    "key": ev.key,
                    "kind": kind,
                    "number": ev.number,
                    "classes": f"ev-{kind} t{min(s.track, MAX_TRACKS - 1)}",
                    "title": f"#{ev.number} {label} ({kind}{', ' + modality if modality else ''})",
                    "hidden": not inside,
                    "first": s.first_piece == i,
                }
            )
        out.append({"marks": marks, "text": text[a:b]})
    if open_paragraph:
        out.append({"close_p": True})
    return out


# ---- doubts and links ---------------------------------------------------------------------------

_VALUE_NAMES = ("actors", "targets", "date", "location", "money", "items")


def _doubts(r: Record, hybrid: bool) -> list[str]:
    """Why a reviewer should look at ``r`` first (empty: nothing found)."""
    out: list[str] = []
    if r.evidence.alignment == "fuzzy":
        out.append("fuzzy quote")
    if isinstance(r, EventRecord):
        spans = [(m.start, m.end) for m in r.mentions] or [(r.evidence.start, r.evidence.end)]
        for name in _VALUE_NAMES:
            value = getattr(r, name)
            for v in value if isinstance(value, list) else [value]:
                if v is None or getattr(v, "alignment", None) != "context":
                    continue
                start, end = getattr(v, "start", None), getattr(v, "end", None)
                told = (
                    start is not None
                    and end is not None
                    and any(a <= start and end <= b for a, b in spans)
                )
                if not told:
                    out.append(f"{name} found only in context")
                    break
    sources = r.provenance.sources
    if hybrid and len(sources) == 1:
        out.append(f"only {sources[0]} found it")
    out.extend(str(d) for d in getattr(r.provenance, "doubts", None) or [])
    return out


def _link(events: list[_Event]) -> list[dict[str, Any]]:
    """Cluster and commitment of each event record (extractor link over the page's records);
    the clusters with more than one report."""
    from extractor.tools.link import link_records

    linked_events = [ev for ev in events if isinstance(ev.record, EventRecord)]
    if not linked_events:
        return []
    linked = link_records([ev.record for ev in linked_events])  # type: ignore[misc]
    by_cluster: dict[str, list[_Event]] = defaultdict(list)
    by_commitment: dict[str, list[_Event]] = defaultdict(list)
    for ev, lr in zip(linked_events, linked, strict=True):
        ev.cluster = lr.cluster_id
        by_cluster[lr.cluster_id].append(ev)
        if lr.record.commitment_id:
            ev.commitment = lr.record.commitment_id
            by_commitment[lr.record.commitment_id].append(ev)
    for members in by_cluster.values():
        if len(members) > 1:
            for ev in members:
                ev.peers = [p for p in members if p is not ev]
    for members in by_commitment.values():
        for ev in members:
            ev.commitment_peers = [p for p in members if p.cluster != ev.cluster]
    return [
        {
            "label": f"{cid[:9]} · {members[0].kind} · {len(members)} reports, "
            f"{len({m.record.doc_id for m in members})} documents",
            "members": members,
        }
        for cid, members in by_cluster.items()
        if len(members) > 1
    ]


# ---- timeline -------------------------------------------------------------------------------------

_W, _H, _LEFT, _RIGHT, _TOP, _BOTTOM = 640, 230, 44, 44, 12, 26


def _months(keys: Iterable[str]) -> list[str]:
    """Every month from the first to the last of ``keys`` (YYYY-MM), none skipped."""
    ks = sorted(set(keys))
    if not ks:
        return []
    y, m = int(ks[0][:4]), int(ks[0][5:7])
    out = []
    while f"{y:04d}-{m:02d}" <= ks[-1]:
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def _month(value: str | None) -> str | None:
    return value[:7] if value and re.match(r"\d{4}-\d{2}", value) else None


def _frame(title_ar: str, title_en: str, months: list[str], top: float) -> dict[str, Any]:
    plot_w = _W - _LEFT - _RIGHT
    base = _H - _BOTTOM
    step = plot_w / max(1, len(months))
    scale = (base - _TOP) / top if top else 0.0
    every = max(1, round(len(months) / 8))
    ticks = [top * k / 4 for k in range(1, 5)]
    return {
        "title_ar": title_ar,
        "title_en": title_en,
        "width": _W,
        "height": _H,
        "left": _LEFT,
        "right": _RIGHT,
        "base": base,
        "step": step,
        "scale": scale,
        "bars": [],
        "line": [],
        "dots": [],
        "legend": [],
        "grid": [{"y": round(base - t * scale, 1), "label": _short(t)} for t in ticks],
        "labels": [
            {"x": round(_LEFT + (i + 0.5) * step, 1), "text": mo}
            for i, mo in enumerate(months)
            if i % every == 0
        ],
    }


def _short(value: float) -> str:
    if value >= 1e9:
        return f"{value / 1e9:.3g}bn"
    if value >= 1e6:
        return f"{value / 1e6:.3g}m"
    if value >= 1e3:
        return f"{value / 1e3:.3g}k"
    return f"{value:.3g}"


def _charts(events: list[_Event]) -> list[dict[str, Any]]:
    """Aid commitments by month and stage (counted once, each at its latest stage) and attacks
    by month (each linked cluster once) with their casualties."""
    from extractor.tools.link import LinkedRecord
    from extractor.tools.track import EcbRates, commitment_rows

    records = [(ev, ev.record) for ev in events if isinstance(ev.record, EventRecord)]
    if not records:
        return []
    charts = []
    linked = [
        LinkedRecord(
            cluster_id=ev.cluster or ev.key,
            record=r.model_copy(update={"commitment_id": ev.commitment}),
        )
        for ev, r in records
    ]
    rows = [
        r for r in commitment_rows(linked, EcbRates()) if _month(r["fx_date"] or r["last_date"])
    ]
    if rows:
        months = _months(_month(r["fx_date"] or r["last_date"]) for r in rows)  # type: ignore[misc]
        stack: dict[str, Counter[str]] = defaultdict(Counter)
        usd: dict[tuple[str, str], float] = defaultdict(float)
        for r in rows:
            mo = _month(r["fx_date"] or r["last_date"])
            stack[mo][r["stage"]] += 1  # type: ignore[index]
            if r["counted"] and r["amount_usd"]:
                usd[(mo, r["stage"])] += r["amount_usd"]  # type: ignore[index]
        top = max(sum(c.values()) for c in stack.values())
        c = _frame("التعهدات حسب الشهر والمرحلة", "aid commitments by month and stage", months, top)
        for i, mo in enumerate(months):
            y = c["base"]
            for stage, colour in STAGE_COLOUR.items():
                n = stack[mo][stage]
                if not n:
                    continue
                h = n * c["scale"]
                y -= h
                money = f", {_short(usd[(mo, stage)])} USD counted" if usd[(mo, stage)] else ""
                c["bars"].append(
                    {
                        "x": round(_LEFT + i * c["step"] + c["step"] * 0.15, 1),
                        "y": round(y, 1),
                        "w": round(c["step"] * 0.7, 1),
                        "h": round(h, 1),
                        "colour": colour,
                        "title": f"{mo} {stage}: {n} commitment{'s' if n > 1 else ''}{money}",
                    }
                )
        c["legend"] = [{"colour": col, "label": st} for st, col in STAGE_COLOUR.items()]
        charts.append(c)

    attacks: dict[str, list[EventRecord]] = defaultdict(list)
    for ev, rec in records:
        if rec.event_type == "attack":
            attacks[ev.cluster or ev.key].append(rec)
    per_month: Counter[str] = Counter()
    casualties: Counter[str] = Counter()
    for group in attacks.values():
        dated = next(
            (
                m
                for r in group
                if (m := _month(r.date.value if r.date else None) or _month(r.published_at))
            ),
            None,
        )
        if dated is None:
            continue
        per_month[dated] += 1
        casualties[dated] += max((r.killed or 0) for r in group) + max(
            (r.injured or 0) for r in group
        )
    if per_month:
        months = _months(per_month)
        c = _frame(
            "الهجمات حسب الشهر وضحاياها",
            "attacks by month, with casualties",
            months,
            max(per_month.values()),
        )
        colour = TYPE_STYLE["attack"][1]
        peak = max(casualties.values()) or 1
        for i, mo in enumerate(months):
            n = per_month[mo]
            x = _LEFT + i * c["step"]
            if n:
                h = n * c["scale"]
                c["bars"].append(
                    {
                        "x": round(x + c["step"] * 0.15, 1),
                        "y": round(c["base"] - h, 1),
                        "w": round(c["step"] * 0.7, 1),
                        "h": round(h, 1),
                        "colour": TYPE_STYLE["attack"][2],
                        "title": f"{mo}: {n} attack{'s' if n > 1 else ''}",
                    }
                )
            cy = round(c["base"] - casualties[mo] / peak * (c["base"] - _TOP), 1)
            cx = round(x + c["step"] / 2, 1)
            c["line"].append(f"{cx},{cy}")
            c["dots"].append(
                {"x": cx, "y": cy, "title": f"{mo}: {casualties[mo]} killed or injured"}
            )
        c["line_colour"] = colour
        c["legend"] = [
            {"colour": TYPE_STYLE["attack"][2], "label": "attacks (left scale)"},
            {"colour": colour, "label": f"killed + injured (peak {peak})"},
        ]
        charts.append(c)
    return charts


# ---- page -------------------------------------------------------------------------------------


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
    hybrid = any(len(r.provenance.sources) > 1 for r in records)
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
        events.append(_Event(record, _safe_id(key), number, doubts=_doubts(record, hybrid)))

    by_doc: dict[str, list[_Event]] = {}
    missing: dict[str, list[_Event]] = {}
    for ev in events:
        doc = documents.get(ev.record.doc_id)
        if doc is None:
            missing.setdefault(ev.record.doc_id, []).append(ev)
            ev.problem = "document not found"
            continue
        ev.has_doc = True
        e = ev.record.evidence
        if e.end > len(doc.text) or doc.text[e.start : e.end] != e.quote:
            ev.problem = "evidence not at its offsets"
            continue
        ev.rendered = True
        by_doc.setdefault(doc.id, []).append(ev)
    clusters = _link(events)

    combos = Counter(
        (
            ev.record.provenance.backend,
            ev.record.provenance.model,
            ev.record.provenance.prompt_version,
            ev.record.provenance.schema_version,
        )
        for ev in events
    )
    provenance_rows = [
        {
            "backend": backend,
            "model": model,
            "prompt": prompt,
            "schema": schema,
            "suffix": f" ({n})" if len(combos) > 1 else "",
        }
        for (backend, model, prompt, schema), n in combos.most_common()
    ]
    doc_sections = []
    for doc_id, doc in documents.items():
        evs = by_doc.get(doc_id, [])
        spans = [_Span(ev.record.evidence.start, ev.record.evidence.end, ev) for ev in evs]
        counts: Counter[str] = Counter(ev.kind for ev in evs)
        doc_sections.append(
            {
                "id": doc_id,
                "anchor": _safe_id(doc_id),
                "published": doc.published_at.isoformat() if doc.published_at else None,
                "url": doc.url,
                "url_is_link": bool(doc.url and re.match(r"https?://", doc.url, re.IGNORECASE)),
                "n": len(evs),
                "chips": [(t, counts[t]) for t in styles if counts.get(t)],
                "tokens": _text_tokens(doc.text, spans),
            }
        )
    all_events = all(isinstance(ev.record, EventRecord) for ev in events)
    return (
        _environment()
        .get_template("report.html.j2")
        .render(
            title=title,
            css=_asset("report.css"),
            js=_asset("report.js"),
            styles=styles,
            type_names=set(TYPE_STYLE),
            type_counts=Counter(ev.kind for ev in events),
            modality_label=MODALITY_LABEL,
            modality_counts=Counter(m for ev in events if (m := _modality_of(ev.record))),
            qsign=QUALIFIER_SIGN,
            events=events,
            documents=documents,
            docs_with_events=len({ev.record.doc_id for ev in events} & set(documents)),
            n_doubt=sum(1 for ev in events if ev.doubts),
            provenance_rows=provenance_rows,
            extra_provenance=provenance or {},
            missing=missing,
            bad=[ev for ev in events if ev.problem == "evidence not at its offsets"],
            duplicate_ids=sorted(set(duplicate_ids)),
            load_failures=load_failures,
            charts=_charts(events) if all_events else [],
            clusters=clusters,
            columns=COLUMNS if all_events else TASK_COLUMNS,
            doc_sections=doc_sections,
        )
    )


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
