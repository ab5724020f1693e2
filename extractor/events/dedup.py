"""One record per event in a document: merge the same event told twice (a headline and its
body, a lead and its detail, a preview and the report, a visit and the meeting held during it,
two overlapping chunks), keeping the fullest record and filling its gaps from the other.

Which values tell two reports apart and which identify one event comes from the event-type table
(:mod:`extractor.events.identity`). Whether a publication date is given never changes which
records are merged (only the dates' values differ): days are compared as the text writes them.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right, insort
from datetime import date
from functools import lru_cache
from typing import Any

from pydantic import BaseModel

from extractor.arabic.dates import find_dates, parse_date
from extractor.arabic.textnorm import normalize
from extractor.events.builder import event_id
from extractor.events.identity import anchored, codes, conflicting, sides_overlap
from extractor.schemas.event_types import SPECS
from extractor.schemas.events import EventRecord


def _own(value: Any) -> bool:
    """Is a value stated by the record's own sentence? (A value found in context — the day
    stated once in the lead — says nothing about which telling of the event is the fuller.)"""
    if value in (None, [], ""):
        return False
    if isinstance(value, list):
        return any(_own(v) for v in value)
    return getattr(value, "alignment", "sentence") != "context"


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
        if _own(value)
    )
    # A body sentence beats a headline telling the same event: a headline is short and not
    # closed by a full stop (a clause of a body sentence may be either, not both).
    quote = r.evidence.quote
    headline = not quote.rstrip("\"”»' ").endswith((".", "؟", "!")) and len(quote.split()) < 10
    return filled + len(r.actors) + len(r.targets), int(not headline)


# A fixed day to resolve relative expressions against, so that "أمس" and "اليوم" differ with or
# without a publication date.
_REFERENCE_DAY = date(2001, 6, 13)


def _day_as_written(r: EventRecord) -> tuple[str, str] | None:
    """(kind, key) of the record's date as its words say it, publication date aside: an
    explicit date ("fixed"), a named weekday ("اليوم الخميس", "يوم الخميس": "weekday"), or
    another relative day resolved against a fixed day ("أمس", "اليوم": "relative")."""
    if r.date is None or not r.date.surface:
        return None
    return _day_key(r.date.surface, r.modality == "planned")


@lru_cache(maxsize=4096)
def _day_key(surface: str, forward: bool) -> tuple[str, str] | None:
    fixed, _ = parse_date(surface, None, forward=forward)
    if fixed is not None:
        return "fixed", fixed
    found = find_dates(normalize(surface))
    weekday = next(
        (
            m.fields.get("wd") or m.fields.get("wd2")
            for m in found
            if m.fields.get("wd") or m.fields.get("wd2")
        ),
        None,
    )
    if weekday:
        return "weekday", weekday
    relative, _ = parse_date(surface, _REFERENCE_DAY, forward=forward)
    return ("relative", relative) if relative is not None else None


def _dates_differ(a: EventRecord, b: EventRecord) -> bool:
    """Two written days that cannot be one: both explicit and different ("12 مارس" / "14
    مارس"), two different weekdays, or two other relative days that differ ("أمس" / "اليوم").
    Days of different kinds are not compared: that would depend on the publication date."""
    x, y = _day_as_written(a), _day_as_written(b)
    if x is None or y is None or x[0] != y[0]:
        return False
    short = min(len(x[1]), len(y[1]))
    return x[1][:short] != y[1][:short]


# Words that put a planned day after the publication day ("غدا الاثنين", "الأسبوع المقبل").
_AHEAD = frozenset({"غدا", "المقبل", "المقبله", "القادم", "القادمه"})


def _ahead_and_done(a: EventRecord, b: EventRecord) -> bool:
    """A contact due on a day still ahead ("الجولة الثانية … المقرر عقدها غدا") and one that
    took place on a day of its own ("وكانت الجولة الأولى قد عقدت في 16 مايو") are two rounds,
    whatever the publication date."""
    planned, done = (a, b) if a.modality == "planned" else (b, a)
    if planned.date is None or done.date is None or done.modality != "asserted":
        return False
    return bool(_AHEAD & set(normalize(planned.date.surface or "").split()))


def _preview_and_report(a: EventRecord, b: EventRecord) -> bool:
    """ "بلينكن سيقوم بزيارة" and "قام بلينكن بزيارة": a contact announced and then reported."""
    return (
        a.event_type == "diplomatic_contact"
        and {a.modality, b.modality} == {"planned", "asserted"}
        and not _ahead_and_done(a, b)
        and a.mode == b.mode
        and len(codes(a.actors) | codes(a.targets)) >= 2
        and codes(a.actors) | codes(a.targets) == codes(b.actors) | codes(b.targets)
    )


def _visit_and_its_meeting(a: EventRecord, b: EventRecord) -> bool:
    """ "وصل شولتس إلى كييف، حيث التقى زيلينسكي": the meeting is the visit, told on."""
    if a.event_type != "diplomatic_contact" or {a.mode, b.mode} not in (
        {"visit", "meeting"},
        {"visit", "talks"},
    ):
        return False
    first, then = (a, b) if a.evidence.start < b.evidence.start else (b, a)
    # the next clause of the same sentence (the visit's quote does not end with a stop)
    adjacent = (
        0 <= then.evidence.start - first.evidence.end <= 3
        and not first.evidence.quote.rstrip("\"”»' ").endswith((".", "!", "؟", "?"))
    )
    parties = codes(a.actors) | codes(a.targets)
    return adjacent and len(parties) >= 2 and parties == codes(b.actors) | codes(b.targets)


def same_event(a: EventRecord, b: EventRecord) -> bool:
    """Do two records of one document report the same event?"""
    if a.event_type != b.event_type:
        return False
    if a.modality != b.modality and not _preview_and_report(a, b):
        return False
    if (a.evidence.start, a.evidence.end) == (b.evidence.start, b.evidence.end):
        # one sentence, several events: "A signed with B and C" gives one per counterpart,
        # "B and C pledged X" one per donor; but a reading that names no side at all (a chunk
        # that did not see who) is the same event as one that does
        same_sides = codes(a.targets) == codes(b.targets) and codes(a.actors) == codes(b.actors)
        unnamed = not (a.actors or a.targets) or not (b.actors or b.targets)
        return same_sides or unnamed
    if _dates_differ(a, b) or not sides_overlap(a, b):
        return False  # Germany's €500m and France's €500m are two pledges
    if _visit_and_its_meeting(a, b) or _preview_and_report(a, b):
        return True
    if conflicting(a, b, SPECS[a.event_type].conflicts):
        return False
    return anchored(a, b)


# Values a kept record takes from its twin when it has none (a lead gives the day, the detail
# gives the amount): each keeps the offsets of its own words and is marked as found in context.
_FILLED = ("date", "location", "money", "items", "killed", "injured", "duration_days", "scope")


def _fill_from(kept: EventRecord, other: EventRecord) -> None:
    if kept.segment_id != other.segment_id:
        return
    for name in _FILLED:
        mine, theirs = getattr(kept, name), getattr(other, name)
        if mine in (None, []) and theirs not in (None, []):
            setattr(kept, name, _as_context(theirs))
    if not kept.actors and other.actors:
        kept.actors = _as_context(other.actors)
    if not kept.targets and other.targets:
        initiators = codes(kept.actors)
        kept.targets = [
            t for t in _as_context(other.targets) if (t.code or t.name) not in initiators
        ]


def _as_context(value: Any) -> Any:
    if isinstance(value, list):
        return [_as_context(v) for v in value]
    if isinstance(value, BaseModel) and "alignment" in type(value).model_fields:
        return value.model_copy(update={"alignment": "context"})
    return value


def _keep_first(new: EventRecord, twin: EventRecord) -> bool:
    """Does the new record replace its twin? The report over the preview, else the fullest."""
    if new.modality != twin.modality:
        return new.modality == "asserted"
    return _richness(new) > _richness(twin)


# Records further apart than this are not compared: one event told twice in a page is told within
# one article (a headline and its body, a lead and its detail), and comparing every record of a
# long page with every other would take time that grows with the square of its length.
NEAR_CHARS = 20_000


def merge_duplicates(records: list[BaseModel]) -> list[BaseModel]:
    """Keep one record per event told several times in a document (the fullest one), and give
    records that share a span and type distinct ids ("A signed with B and C" = two events)."""
    events = [r for r in records if isinstance(r, EventRecord)]
    kept: list[EventRecord] = []
    # where kept records of each type start: (evidence start, index in kept), sorted; a record
    # that replaces its twin adds its own start (a stale entry is checked against kept[i])
    starts: dict[str, list[tuple[int, int]]] = {}
    for r in events:
        at = r.evidence.start
        near = starts.setdefault(r.event_type, [])
        lo, hi = (
            bisect_left(near, (at - NEAR_CHARS, -1)),
            bisect_right(near, (at + NEAR_CHARS, len(kept))),
        )
        candidates = sorted(
            {i for _, i in near[lo:hi] if abs(kept[i].evidence.start - at) <= NEAR_CHARS}
        )
        i = next((i for i in candidates if same_event(kept[i], r)), None)
        if i is None:
            insort(near, (at, len(kept)))
            kept.append(r)
        elif _keep_first(r, kept[i]):
            twin, kept[i] = kept[i], r
            _fill_from(r, twin)
            insort(near, (at, i))
        else:
            _fill_from(kept[i], r)
    kept.sort(key=lambda r: (r.evidence.start, r.event_type))
    used: dict[str, int] = {}
    for r in kept:
        n = used.get(r.event_id, 0)
        used[r.event_id] = n + 1
        if n:
            r.event_id = event_id(
                r.doc_id, r.segment_id, r.evidence.start, r.evidence.end, f"{r.event_type}#{n}"
            )
    return list(kept)
