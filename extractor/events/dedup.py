"""One record per event in a document: merge the same event told twice (a headline and its
body, a lead and its detail, two overlapping chunks), keeping the fullest record.

Which values tell two reports apart and which identify one event comes from the event-type table
(:mod:`extractor.events.identity`).
"""

from __future__ import annotations

from pydantic import BaseModel

from extractor.events.builder import event_id
from extractor.events.identity import anchored, codes, conflicting, sides_overlap
from extractor.schemas.event_types import SPECS
from extractor.schemas.events import EventRecord


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


def _dates_differ(a: EventRecord, b: EventRecord) -> bool:
    return bool(
        a.date and b.date and a.date.value and b.date.value and a.date.value != b.date.value
    )


def same_event(a: EventRecord, b: EventRecord) -> bool:
    """Do two records of one document report the same event?"""
    if a.event_type != b.event_type or a.modality != b.modality:
        return False
    if (a.evidence.start, a.evidence.end) == (b.evidence.start, b.evidence.end):
        # one sentence, several events: "A signed with B and C" gives one per counterpart,
        # "B and C pledged X" one per donor
        return codes(a.targets) == codes(b.targets) and codes(a.actors) == codes(b.actors)
    if _dates_differ(a, b) or not sides_overlap(a, b):
        return False  # Germany's €500m and France's €500m are two pledges
    if conflicting(a, b, SPECS[a.event_type].conflicts):
        return False
    return anchored(a, b)


def merge_duplicates(records: list[BaseModel]) -> list[BaseModel]:
    """Keep one record per event told several times in a document (the fullest one), and give
    records that share a span and type distinct ids ("A signed with B and C" = two events)."""
    events = [r for r in records if isinstance(r, EventRecord)]
    kept: list[EventRecord] = []
    for r in events:
        twin = next((k for k in kept if same_event(k, r)), None)
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
    return list(kept)
