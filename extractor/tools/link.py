"""Cross-article linking: one ``cluster_id`` for an aid package or attack told by many articles.

Extraction works one document at a time, so a $125m package reported by five outlets becomes five
records, and adding their money would count the package five times. Linking groups records that
describe the same real-world event so that counts and totals can be taken once per event.

Two records are linked when they have the same event type, nothing about them contradicts (see
:func:`_compatible`), and there is positive evidence that they are the same event:

* **same facts** (:func:`_same_facts`): the same initiator code set and, for aid, the same stage,
  plus an anchor specific enough to tell events apart: a shared non-cumulative amount in the same
  currency (within 1 %); or, for records without money, the same target set, day-precise dates at
  most a day apart and, for attacks, the same place (aid: the same items); or, for ceasefires,
  the same scope and duration in overlapping dates ("30-day halt on energy strikes", March 2025);
* **same words**: rapidfuzz ``token_set_ratio`` of the normalized quotes at least
  :data:`QUOTE_SIMILARITY` with at least :data:`MIN_SHARED_TOKENS` shared words (a short headline
  whose few words all occur in a long sentence scores 100 without saying much).

Contradictions are hard constraints ("cannot link") that hold for the whole cluster, not only for
the pair that caused a merge: different non-cumulative amounts, disjoint initiators or targets,
different aid stage, mode, ceasefire duration or attack place, negated versus asserted, dates too
far apart (a week; a day for attacks, which recur daily), and two records of one document
that the extractor kept separate (unless they are near-identical). Merges use union-find, so
linking is transitive, but a merge that would put two contradicting records in one cluster is
refused. Candidate pairs are merged strongest first in a fixed order and cluster ids hash the
sorted event ids, so the result does not depend on the order of the input.
"""

from __future__ import annotations

import calendar
import hashlib
import json
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import BaseModel
from rapidfuzz import fuzz
from rapidfuzz.process import cdist
from rapidfuzz.utils import default_process

from extractor.arabic.textnorm import normalize
from extractor.core.values import same_amount
from extractor.records.files import read_events
from extractor.schemas import EventRecord
from extractor.schemas.event_types import SPECS

QUOTE_SIMILARITY = 85  # token_set_ratio on normalized quotes
NEAR_IDENTICAL = 97  # fuzz.ratio for two records of one document to be the same record
MIN_SHARED_TOKENS = 5
ANCHOR_DATE_WINDOW_DAYS = 1  # "same facts" without money needs (nearly) the same day
# Aid that was only asked for, denied or imagined is not money given; it never enters totals.
UNCOUNTED_STAGES = frozenset({"requested"})
UNCOUNTED_MODALITIES = frozenset({"negated", "hypothetical"})

_WORD = re.compile(r"[^\W_]+")
_DAY = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_WEEK = re.compile(r"(\d{4})-W(\d{2})")
_MONTH = re.compile(r"(\d{4})-(\d{2})")
_YEAR = re.compile(r"\d{4}")


class LinkedRecord(BaseModel):
    """A record and the cluster it belongs to (kept apart so ``schemas`` stays untouched)."""

    cluster_id: str
    record: EventRecord

    def as_row(self) -> dict[str, Any]:
        """The JSONL form: the record's own keys with ``cluster_id`` added at top level."""
        return self.record.model_dump(mode="json") | {"cluster_id": self.cluster_id}

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> LinkedRecord:
        """Read back a line written by :func:`link_file`."""
        rest = dict(row)
        cluster_id = str(rest.pop("cluster_id"))
        return cls(cluster_id=cluster_id, record=EventRecord.model_validate(rest))


# ---- comparable form ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Feat:
    """What linking compares, computed once per record."""

    index: int  # position in the input
    doc_id: str
    event_id: str
    event_type: str
    actors: frozenset[str]
    targets: frozenset[str]
    stage: str | None
    mode: str | None
    subtype: str | None
    negated: bool
    money: tuple[tuple[float, str], ...]  # non-cumulative (amount, currency)
    dates: tuple[date, date] | None  # the interval the date value covers
    location: str | None
    items: frozenset[str]
    scope: str | None
    duration: int | None
    quote: str  # normalized, lower-cased, punctuation as spaces
    tokens: frozenset[str]


def _codes(actors: Iterable[Any]) -> frozenset[str]:
    return frozenset(a.code for a in actors if a.code)


def date_interval(value: str | None) -> tuple[date, date] | None:
    """First and last day a date value covers (day, ISO week, month or year), None if unreadable.

    Intervals let a day-precise report match a month-precise one that contains it.
    """
    if not value:
        return None
    try:
        if m := _DAY.fullmatch(value):
            d = date(int(m[1]), int(m[2]), int(m[3]))
            return d, d
        if m := _WEEK.fullmatch(value):
            monday = date.fromisocalendar(int(m[1]), int(m[2]), 1)
            return monday, monday + timedelta(days=6)
        if m := _MONTH.fullmatch(value):
            year, month = int(m[1]), int(m[2])
            return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])
        if _YEAR.fullmatch(value):
            return date(int(value), 1, 1), date(int(value), 12, 31)
    except ValueError:
        return None
    return None


def _gap_days(a: tuple[date, date], b: tuple[date, date]) -> int:
    """Days between two intervals, 0 when they overlap."""
    return max(0, (a[0] - b[1]).days, (b[0] - a[1]).days)


def _feat(index: int, r: EventRecord) -> _Feat:
    # Punctuation glued to Arabic words ("كييف،") would otherwise make tokens differ.
    quote = default_process(normalize(r.evidence.quote))
    return _Feat(
        index=index,
        doc_id=r.doc_id,
        event_id=r.event_id,
        event_type=r.event_type,
        actors=_codes(r.actors),
        targets=_codes(r.targets),
        stage=r.stage,
        mode=r.mode,
        subtype=r.subtype,
        negated=r.modality == "negated",
        money=tuple(
            sorted(
                (m.amount, m.currency)
                for m in r.money
                if not m.cumulative and m.qualifier != "equivalent"
            )
        ),
        dates=date_interval(r.date.value if r.date else None),
        location=(r.location.name or r.location.surface) if r.location else None,
        items=frozenset(i.name.casefold() for i in r.items),
        scope=r.scope,
        duration=r.duration_days,
        quote=quote,
        tokens=frozenset(_WORD.findall(quote)),
    )


# ---- pair tests --------------------------------------------------------------------------------


def money_equal(a: tuple[float, str], b: tuple[float, str]) -> bool:
    """Same currency and amounts within the shared tolerance ("1.1 billion" vs 1,095m)."""
    return same_amount(a[0], a[1], b[0], b[1])


def _money_shared(a: _Feat, b: _Feat) -> bool:
    return any(money_equal(x, y) for x in a.money for y in b.money)


def _money_sets_equal(a: _Feat, b: _Feat) -> bool:
    return len(a.money) == len(b.money) and all(
        money_equal(x, y) for x, y in zip(a.money, b.money, strict=True)
    )


def _near_identical(a: _Feat, b: _Feat) -> bool:
    """The same record told twice: same quote (≥ 97), parties, money, date, place, stage, mode."""
    return (
        a.actors == b.actors
        and a.targets == b.targets
        and a.stage == b.stage
        and a.mode == b.mode
        and a.dates == b.dates
        and a.location == b.location
        and _money_sets_equal(a, b)
        and fuzz.ratio(a.quote, b.quote) >= NEAR_IDENTICAL
    )


def _compatible(a: _Feat, b: _Feat) -> bool:
    """False when the two records cannot be one event, whatever else links them.

    Checked for every pair of a would-be cluster, so transitivity never joins, say, a $175m and a
    $206m report through a third one that mentions both.
    """
    if a.event_type != b.event_type or a.negated != b.negated:
        return False
    if a.doc_id == b.doc_id:
        # The extractor already decided which events of one article are distinct.
        return _near_identical(a, b)
    spec = SPECS[a.event_type]
    if any(getattr(a, name) != getattr(b, name) for name in spec.link_conflicts):
        return False  # e.g. an aid package pledged and the same package delivered
    if a.subtype != b.subtype:
        return False
    if a.mode and b.mode and a.mode != b.mode:
        return False
    if a.actors and b.actors and not a.actors & b.actors:
        return False
    if a.targets and b.targets and not a.targets & b.targets:
        return False
    if a.money and b.money and not _money_shared(a, b):
        return False
    if a.duration and b.duration and a.duration != b.duration:
        return False  # a 30-day truce is not a 3-day one
    if a.event_type == "attack" and a.location and b.location and a.location != b.location:
        return False  # one wave may hit several cities, but each report's place must agree
    return not (a.dates and b.dates and _gap_days(a.dates, b.dates) > spec.link_days)


def _same_facts(a: _Feat, b: _Feat) -> bool:
    """Structured evidence of one event (assumes :func:`_compatible`)."""
    if not a.actors or a.actors != b.actors:
        return False
    if a.money and b.money:
        return True  # compatible money shares an amount in the same currency
    if a.money or b.money:
        return False
    if a.event_type == "ceasefire" and a.scope and a.scope == b.scope and a.duration:
        # "a 30-day halt on energy strikes" names one truce; a report may only give the month.
        return (
            a.duration == b.duration
            and a.dates is not None
            and b.dates is not None
            and (_gap_days(a.dates, b.dates) == 0)
        )
    # Without money the anchor is who, to whom, which day (and where / what).
    if not a.targets or a.targets != b.targets or not a.dates or not b.dates:
        return False
    if a.dates[0] != a.dates[1] or b.dates[0] != b.dates[1]:
        return False
    if _gap_days(a.dates, b.dates) > ANCHOR_DATE_WINDOW_DAYS:
        return False
    if a.event_type == "attack":
        return a.location is not None and a.location == b.location
    if a.event_type == "aid":
        return bool(a.items) and a.items == b.items
    return True


def _same_words(a: _Feat, b: _Feat, score: float) -> bool:
    return score >= QUOTE_SIMILARITY and len(a.tokens & b.tokens) >= MIN_SHARED_TOKENS


# ---- clustering --------------------------------------------------------------------------------


def _candidates(feats: Sequence[_Feat]) -> dict[tuple[int, int], float]:
    """Pairs (i < j) worth testing, with their quote similarity.

    Blocking keeps the Python work small: quote scores come from one rapidfuzz matrix per event
    type (quadratic, but in C++ on all cores), and structured candidates only pair records that
    could pass :func:`_same_facts`: same type and initiators, and a shared currency or, without
    money, the same targets (ceasefires aside).
    """
    pairs: dict[tuple[int, int], float] = {}
    by_type: dict[str, list[int]] = defaultdict(list)
    blocks: dict[tuple[object, ...], list[int]] = defaultdict(list)
    for i, f in enumerate(feats):
        by_type[f.event_type].append(i)
        if not f.actors:
            continue
        if f.money:
            for currency in sorted({c for _, c in f.money}):
                blocks[(f.event_type, f.actors, "money", currency)].append(i)
        else:
            # A ceasefire's anchor (scope, duration) does not involve targets.
            targets = None if f.event_type == "ceasefire" else f.targets
            blocks[(f.event_type, f.actors, "none", targets)].append(i)
    for idx in by_type.values():
        if len(idx) < 2:
            continue
        quotes = [feats[i].quote for i in idx]
        scores = cdist(
            quotes,
            quotes,
            scorer=fuzz.token_set_ratio,
            score_cutoff=QUOTE_SIMILARITY,
            workers=-1,
        )
        for x, y in zip(*np.nonzero(scores), strict=True):
            if x < y:
                pairs[(idx[x], idx[y])] = float(scores[x, y])
    for idx in blocks.values():
        for n, i in enumerate(idx):
            for j in idx[n + 1 :]:
                if (i, j) not in pairs:
                    pairs[(i, j)] = float(fuzz.token_set_ratio(feats[i].quote, feats[j].quote))
    return pairs


def _edges(feats: Sequence[_Feat]) -> list[tuple[int, float, int, int]]:
    """Linked pairs as (tier, -score, i, j), strongest first: 0 near-identical, 1 same facts,
    2 same words. Indices refer to the canonically sorted feats, so the order is input-free."""
    edges = []
    for (i, j), score in _candidates(feats).items():
        a, b = feats[i], feats[j]
        if not _compatible(a, b):
            continue
        if a.doc_id == b.doc_id:
            tier = 0  # compatible within a document means near-identical
        elif _same_facts(a, b):
            tier = 1
        elif _same_words(a, b, score):
            tier = 2
        else:
            continue
        edges.append((tier, -score, i, j))
    edges.sort()
    return edges


def cluster_id(event_ids: Iterable[str]) -> str:
    """A stable id for a cluster: a hash of its sorted event ids (same members, same id)."""
    key = "\x1f".join(sorted(event_ids))
    return "c" + hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]


def link_records(records: Sequence[EventRecord]) -> list[LinkedRecord]:
    """Give every record a ``cluster_id``; the output keeps the input order and length."""
    order = sorted(
        range(len(records)),
        key=lambda k: (records[k].doc_id, records[k].event_id, records[k].model_dump_json()),
    )
    feats = [_feat(k, records[k]) for k in order]
    parent = list(range(len(feats)))
    members: dict[int, list[int]] = {i: [i] for i in range(len(feats))}

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for _tier, _score, i, j in _edges(feats):
        ri, rj = find(i), find(j)
        if ri == rj:
            continue
        if all(_compatible(feats[x], feats[y]) for x in members[ri] for y in members[rj]):
            root, other = min(ri, rj), max(ri, rj)
            parent[other] = root
            members[root].extend(members.pop(other))

    ids = {root: cluster_id(feats[m].event_id for m in group) for root, group in members.items()}
    out: list[LinkedRecord | None] = [None] * len(records)
    for i, f in enumerate(feats):
        out[f.index] = LinkedRecord(cluster_id=ids[find(i)], record=records[f.index])
    return [x for x in out if x is not None]


# ---- summary -----------------------------------------------------------------------------------


def _consensus(sets: Iterable[frozenset[str]]) -> list[str]:
    """Codes every report agrees on (extraction noise in one report drops out); the union when
    the reports share none."""
    nonempty = [s for s in sets if s]
    if not nonempty:
        return []
    common = frozenset.intersection(*nonempty)
    return sorted(common or frozenset.union(*nonempty))


def _distinct_money(pairs: Iterable[tuple[float, str]]) -> list[tuple[float, str]]:
    """Amounts of a cluster with reports of one amount (within 1 %) merged, largest first."""
    kept: list[tuple[float, str]] = []
    for p in sorted(pairs, key=lambda p: (p[1], -p[0])):
        if not any(money_equal(p, k) for k in kept):
            kept.append(p)
    return kept


def _counts(group: Sequence[EventRecord]) -> bool:
    first = group[0]
    return (
        first.event_type == "aid"
        and first.stage not in UNCOUNTED_STAGES
        and all(r.modality not in UNCOUNTED_MODALITIES for r in group)
    )


def summarize(linked: Sequence[LinkedRecord]) -> dict[str, Any]:
    """One row per cluster and money totals that count every cluster once.

    Totals add, per donor and currency, the package amount of each counted aid cluster (stage
    other than requested, not negated or hypothetical). A cluster's amount in a currency is the
    largest one its reports give: one sentence often states a total and its parts ("$400m: $100m
    humanitarian and $300m in oil products"), so adding them would count the total twice.
    Cumulative money ("$55bn since 2022") is a running total, not a package: it never enters the
    totals and is listed apart, as the largest figure reported per donor and currency. Donors of a
    joint cluster are one key ("DNK+NLD") so that a joint package is not added once per donor.
    """
    groups: dict[str, list[EventRecord]] = defaultdict(list)
    for lr in linked:
        groups[lr.cluster_id].append(lr.record)

    clusters: list[dict[str, Any]] = []
    totals: dict[tuple[str, str], dict[str, Any]] = {}
    cumulative: dict[tuple[str, str], dict[str, Any]] = {}
    for cid, group in groups.items():
        group.sort(key=lambda r: (r.doc_id, r.event_id))
        actors = _consensus(_codes(r.actors) for r in group)
        targets = _consensus(_codes(r.targets) for r in group)
        money = _distinct_money(
            (m.amount, m.currency) for r in group for m in r.money if not m.cumulative
        )
        # The date that ends first, the narrowest on ties: "2025-03-18" rather than "2025-03".
        dated = [
            (iv[1], iv[1] - iv[0], r.date.value)
            for r in group
            if r.date and (iv := date_interval(r.date.value))
        ]
        first = min(dated)[2] if dated else None
        clusters.append(
            {
                "cluster_id": cid,
                "event_type": group[0].event_type,
                "stage": group[0].stage,
                "actors": actors,
                "targets": targets,
                "money": [{"amount": a, "currency": c} for a, c in money],
                "first_date": first,
                "reports": len(group),
                "doc_ids": sorted({r.doc_id for r in group}),
                "event_ids": [r.event_id for r in group],
                "summary_en": next((r.summary_en for r in group if r.summary_en), None),
            }
        )
        donor = "+".join(actors) or "unknown"
        if _counts(group):
            for currency in sorted({c for _, c in money}):
                amount = max(a for a, c in money if c == currency)
                row = totals.setdefault(
                    (donor, currency),
                    {"donor": donor, "currency": currency, "amount": 0.0, "clusters": 0},
                )
                row["amount"] += amount
                row["clusters"] += 1
        if group[0].event_type == "aid":
            for r in group:
                for m in r.money:
                    if not m.cumulative:
                        continue
                    row = cumulative.setdefault(
                        (donor, m.currency),
                        {"donor": donor, "currency": m.currency, "amount": 0.0, "reports": 0},
                    )
                    row["amount"] = max(row["amount"], m.amount)
                    row["reports"] += 1

    clusters.sort(
        key=lambda c: (-c["reports"], c["event_type"], c["first_date"] or "", c["cluster_id"])
    )
    return {
        "records": len(linked),
        "clusters": len(clusters),
        "multi_report_clusters": sum(1 for c in clusters if c["reports"] > 1),
        "cluster_rows": clusters,
        "money_totals": [totals[k] for k in sorted(totals)],
        "cumulative_reported": [cumulative[k] for k in sorted(cumulative)],
    }


# ---- files -------------------------------------------------------------------------------------


def link_file(events_path: Path, out: Path) -> dict[str, Any]:
    """Link the records of ``events_path``, write them with ``cluster_id`` to ``out`` (JSONL,
    input order) and return :func:`summarize` of the result."""
    linked = link_records(read_events(Path(events_path)))
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", encoding="utf-8") as fh:
        for lr in linked:
            fh.write(json.dumps(lr.as_row(), ensure_ascii=False) + "\n")
    return summarize(linked)


__all__ = [
    "LinkedRecord",
    "cluster_id",
    "date_interval",
    "link_file",
    "link_records",
    "money_equal",
    "summarize",
]
