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
that the extractor kept separate (unless they are near-identical).

**Ids never change once given.** Records are linked one after the other in input order (files in
the order given, lines in file order): each joins the cluster of its strongest link to a record
before it whose members it all agrees with, or starts a cluster whose id is derived from its own
``event_id`` — the cluster's earliest member, never the member set. Clusters never merge
afterwards. So linking A and then A + B (B's files after A's) gives A's records the clusters and
ids they had; B's records join them or start their own. A file written by ``extractor link`` can be
linked again with new records: its ``cluster_id`` and ``commitment_id`` are kept as they are.

**Commitments.** ``commitment_id`` joins the stages of one aid package (announced → approved →
contracted → delivered) across articles: the stages one article tells share the id the extractor
gave them (:func:`extractor.events.dedup.assign_commitments`), a cluster's reports share their
package's, and a package told elsewhere at another stage — same donor, recipient and amount
(within the shared tolerance), within a year, at a stage the commitment has not reached through
another cluster — joins it. A commitment keeps the id of its earliest member.
"""

from __future__ import annotations

import calendar
import hashlib
import json
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any, Protocol

import numpy as np
from pydantic import BaseModel, ValidationError
from rapidfuzz import fuzz
from rapidfuzz.process import cdist
from rapidfuzz.utils import default_process

from extractor.arabic.textnorm import normalize
from extractor.core.values import same_amount
from extractor.errors import ConfigError
from extractor.schemas import EventRecord
from extractor.schemas.event_types import SPECS

QUOTE_SIMILARITY = 85  # token_set_ratio on normalized quotes
NEAR_IDENTICAL = 97  # fuzz.ratio for two records of one document to be the same record
MIN_SHARED_TOKENS = 5
ANCHOR_DATE_WINDOW_DAYS = 1  # "same facts" without money needs (nearly) the same day

_WORD = re.compile(r"[^\W_]+")
_DAY = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_WEEK = re.compile(r"(\d{4})-W(\d{2})")
_MONTH = re.compile(r"(\d{4})-(\d{2})")
_YEAR = re.compile(r"\d{4}")


class LinkedRecord(BaseModel):
    """A record and the cluster it belongs to (kept apart so ``schemas`` stays untouched); the
    record's ``commitment_id`` is the cross-article commitment once linked."""

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


def read_linkable(paths: Iterable[Path]) -> list[EventRecord | LinkedRecord]:
    """Event records of JSONL files, in order; a line that carries a ``cluster_id`` (written by
    ``extractor link``) keeps it, and its ``commitment_id``. A bad line (not UTF-8, not JSON, not
    an event record) is a one-line ConfigError naming it."""
    out: list[EventRecord | LinkedRecord] = []
    for path in paths:
        path = Path(path)
        try:
            with path.open("rb") as handle:
                for lineno, raw in enumerate(handle, start=1):
                    if not raw.strip():
                        continue
                    try:
                        row = json.loads(raw.decode("utf-8"))
                        if not isinstance(row, dict) or "event_type" not in row:
                            raise ValueError("not an event record (a user task's record?)")
                        if "cluster_id" in row:
                            out.append(LinkedRecord.from_row(row))
                        else:
                            out.append(EventRecord.model_validate(row))
                    except UnicodeDecodeError as exc:
                        raise ConfigError(
                            f"{path}:{lineno}: not UTF-8 text (byte {exc.start}); "
                            "is it a records file?"
                        ) from None
                    except ValidationError as exc:
                        error = exc.errors()[0]
                        where = ".".join(str(x) for x in error["loc"]) or "record"
                        raise ConfigError(
                            f"{path}:{lineno}: not an event record ({where}: {error['msg']})"
                        ) from None
                    except ValueError as exc:
                        raise ConfigError(f"{path}:{lineno}: not an event record: {exc}") from None
        except IsADirectoryError:
            raise ConfigError(f"{path} is a folder, not a records file") from None
        except OSError as exc:
            raise ConfigError(f"cannot read {path}: {exc.strerror}") from None
    return out


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


def cluster_id(first_event_id: str) -> str:
    """The id of a cluster, derived from its earliest member's ``event_id`` (a cluster keeps it
    whatever joins it later)."""
    return "c" + hashlib.sha256(first_event_id.encode("utf-8")).hexdigest()[:16]


def link_records(records: Sequence[EventRecord | LinkedRecord]) -> list[LinkedRecord]:
    """Give every record a ``cluster_id`` and every aid record a cross-article
    ``commitment_id``; the output keeps the input order and length. Records are taken in input
    order; ids already given (:class:`LinkedRecord` inputs) are kept."""
    given: list[str | None] = []
    plain: list[EventRecord] = []
    for item in records:
        if isinstance(item, LinkedRecord):
            given.append(item.cluster_id)
            plain.append(item.record.model_copy(deep=True))
        else:
            given.append(None)
            plain.append(item.model_copy(deep=True))
    feats = [_feat(k, r) for k, r in enumerate(plain)]
    # Each record's links to records before it, strongest first.
    earlier: dict[int, list[tuple[int, float, int]]] = defaultdict(list)
    for tier, score, i, j in _edges(feats):
        earlier[max(i, j)].append((tier, score, min(i, j)))
    cluster_of: list[str] = [""] * len(plain)
    members: dict[str, list[int]] = {}
    for i, f in enumerate(feats):
        cid = given[i]
        if cid is None:
            for _tier, _score, j in sorted(earlier.get(i, ())):
                candidate = cluster_of[j]
                if all(_compatible(feats[m], f) for m in members[candidate]):
                    cid = candidate
                    break
        if cid is None:
            cid = cluster_id(f.event_id)
            n = 1
            while cid in members:  # the same event id given twice
                cid = cluster_id(f"{f.event_id}#{n}")
                n += 1
        cluster_of[i] = cid
        members.setdefault(cid, []).append(i)
    _link_commitments(plain, cluster_of, [g is not None for g in given])
    return [LinkedRecord(cluster_id=c, record=r) for c, r in zip(cluster_of, plain, strict=True)]


# ---- commitments ---------------------------------------------------------------------------------

STAGES = ("requested", "announced", "approved", "contracted", "delivered")
COMMITMENT_DAYS = 365  # the stages of one package, told apart by at most a year


@dataclass
class _Commitment:
    cid: str
    actors: frozenset[str]
    targets: frozenset[str]
    modality: str
    money: list[tuple[float, str]]
    dates: list[tuple[date, date]]
    stages: dict[str, set[str]]  # stage → clusters that reached it


def _link_commitments(
    records: list[EventRecord], cluster_of: list[str], linked: list[bool]
) -> None:
    """Give every aid record its cross-article ``commitment_id`` (see the module docstring)."""
    units: dict[tuple[str, str], list[int]] = defaultdict(list)
    for i, r in enumerate(records):
        if r.event_type != "aid":
            r.commitment_id = None
            continue
        own = r.commitment_id or f"#{r.event_id}"
        # an id from an earlier link is a commitment already; else the article's package
        units[("", own) if linked[i] else (r.doc_id, own)].append(i)
    by_cluster: dict[str, str] = {}
    commitments: dict[str, _Commitment] = {}
    for key, idx in units.items():  # in order of their first record
        first = records[idx[0]]
        own = first.commitment_id or _commitment_key(first.event_id)
        found: str | None = own if key[0] == "" else None  # kept from an earlier link
        if found is None:
            found = next(
                (by_cluster[cluster_of[i]] for i in idx if cluster_of[i] in by_cluster), None
            ) or next(
                (c.cid for c in commitments.values() if _joins(c, records, idx, cluster_of)),
                None,
            )
        if found is None:
            found, n = own, 1
            while found in commitments:  # one article's package given twice
                found, n = _commitment_key(f"{first.event_id}#{n}"), n + 1
        if found not in commitments:
            commitments[found] = _Commitment(
                found, frozenset(), frozenset(), first.modality, [], [], defaultdict(set)
            )
        c = commitments[found]
        for i in idx:
            r = records[i]
            r.commitment_id = found
            by_cluster.setdefault(cluster_of[i], found)
            c.actors |= _codes(r.actors)
            c.targets |= _codes(r.targets)
            c.money.extend(_feat(i, r).money)
            if (iv := date_interval(r.date.value if r.date else None) or _published(r)) is not None:
                c.dates.append(iv)
            c.stages[r.stage or "announced"].add(cluster_of[i])


def _commitment_key(first_event_id: str) -> str:
    from extractor.events.dedup import commitment_key

    return commitment_key(first_event_id)


def _published(r: EventRecord) -> tuple[date, date] | None:
    return date_interval(r.published_at[:10]) if r.published_at else None


def _joins(
    c: _Commitment, records: list[EventRecord], idx: list[int], cluster_of: list[str]
) -> bool:
    """Is an article's package another stage of commitment ``c``: same donor, recipient and
    amount, within a year, at a stage ``c`` reached through no other cluster?"""
    group = [records[i] for i in idx]
    actors = frozenset().union(*(_codes(r.actors) for r in group))
    targets = frozenset().union(*(_codes(r.targets) for r in group))
    money = [m for i in idx for m in _feat(i, records[i]).money]
    if not actors or actors != c.actors or not money or not c.money:
        return False
    if targets and c.targets and not targets & c.targets:
        return False
    if any(r.modality != c.modality for r in group):
        return False
    if not any(money_equal(x, y) for x in money for y in c.money):
        return False
    for r, i in zip(group, idx, strict=True):
        reached = c.stages.get(r.stage or "announced", set())
        if reached - {cluster_of[i]}:
            return False  # that stage of the package was told by another cluster: another one
    spans = [
        iv
        for r in group
        if (iv := date_interval(r.date.value if r.date else None) or _published(r)) is not None
    ]
    return all(_gap_days(a, b) <= COMMITMENT_DAYS for a in spans for b in c.dates)


# Aid that was only asked for, planned, denied or imagined is not money given: out of totals.
UNCOUNTED_MODALITIES = frozenset({"planned", "hypothetical", "negated"})
UNCOUNTED_STAGES = frozenset({"requested"})


# ---- commitment rows (extractor track) --------------------------------------------------------------------------------


def _stage_rank(stage: str | None) -> int:
    return STAGES.index(stage) if stage in STAGES else STAGES.index("announced")


def _own_money(r: EventRecord) -> list[tuple[float, str]]:
    return [
        (m.amount, m.currency) for m in r.money if not m.cumulative and m.qualifier != "equivalent"
    ]


def _day(r: EventRecord) -> str | None:
    """The report's date as written (any precision), else its publication date."""
    if r.date and r.date.value and date_interval(r.date.value):
        return r.date.value
    return r.published_at[:10] if r.published_at else None


def fx_day(r: EventRecord) -> date | None:
    """The day to convert a report's money at: its own day, else its publication date, else the
    first day of the period its date names."""
    if r.date and r.date.value and r.date.precision == "day":
        iv = date_interval(r.date.value)
        if iv:
            return iv[0]
    if r.published_at:
        iv = date_interval(r.published_at[:10])
        if iv:
            return iv[0]
    iv = date_interval(r.date.value if r.date else None)
    return iv[0] if iv else None


def _amount(group: list[EventRecord]) -> tuple[float, str, EventRecord] | None:
    """The commitment's amount: the latest stage stating one; in it, the currency most reports
    use, and the largest amount in that currency."""
    for rank in sorted({_stage_rank(r.stage) for r in group}, reverse=True):
        stage = [r for r in group if _stage_rank(r.stage) == rank and _own_money(r)]
        if not stage:
            continue
        currencies = Counter(c for r in stage for c in {c for _, c in _own_money(r)})
        currency = min(currencies, key=lambda c: (-currencies[c], c))
        # each report's largest amount (a sentence may give a total and its parts); reports of
        # one amount count once; the parts of a package (two contracts of it) add up
        told = sorted(
            (
                (max(a for a, c in _own_money(r) if c == currency), r)
                for r in stage
                if currency in {c for _, c in _own_money(r)}
            ),
            key=lambda x: -x[0],
        )
        distinct: list[tuple[float, EventRecord]] = []
        for a, r in told:
            if not any(same_amount(a, currency, b, currency) for b, _ in distinct):
                distinct.append((a, r))
        largest, source = distinct[0]
        rest = sum(a for a, _ in distinct[1:])
        if len(distinct) == 1 or same_amount(largest, currency, rest, currency):
            return largest, currency, source
        return largest + rest, currency, source
    return None


class Rates(Protocol):
    """Converts an amount to USD and EUR at the rate of a day (:class:`extractor.tools.track.
    EcbRates`): returns an object with ``usd``, ``eur`` and ``note``."""

    def convert(self, amount: float, currency: str, day: date | None) -> Any: ...


def commitment_rows(
    linked: Sequence[LinkedRecord], rates: Rates | None = None
) -> list[dict[str, Any]]:
    """One row per aid commitment of ``linked`` (input order of first reports); with ``rates``
    None, the USD/EUR columns stay empty."""
    groups: dict[str, list[EventRecord]] = defaultdict(list)
    for lr in linked:
        r = lr.record
        if r.event_type == "aid" and r.commitment_id:
            groups[r.commitment_id].append(r)
    rows = []
    for cid, group in groups.items():
        latest = max(_stage_rank(r.stage) for r in group)
        donors = _consensus(frozenset(a.code for a in r.actors if a.code) for r in group)
        names: list[str] = []
        for r in group:
            for a in r.actors:
                if a.code in donors and a.name not in names:
                    names.append(a.name)
        recipients = _consensus(frozenset(a.code for a in r.targets if a.code) for r in group)
        days = [(iv, d) for r in group if (d := _day(r)) and (iv := date_interval(d))]
        categories = Counter(r.category for r in group if r.category)
        modality = group[0].modality
        stage = STAGES[latest]
        found = _amount(group)
        row: dict[str, Any] = {
            "commitment_id": cid,
            "donor": "; ".join(names),
            "donor_code": "+".join(donors),
            "recipient_code": "+".join(recipients),
            "category": min(categories, key=lambda c: (-categories[c], c)) if categories else None,
            "stage": stage,
            "first_date": min(days, key=lambda x: (x[0][0], x[0][1]))[1] if days else None,
            "last_date": max(days, key=lambda x: (x[0][1], -(x[0][1] - x[0][0]).days))[1]
            if days
            else None,
            "amount": None,
            "currency": None,
            "amount_usd": None,
            "amount_eur": None,
            "fx_date": None,
            "items": sorted({i.name for r in group for i in r.items}),
            "n_articles": len({r.doc_id for r in group}),
            "n_mentions": sum(len(r.mentions) or 1 for r in group),
            "event_ids": [r.event_id for r in group],
            "sources": list(dict.fromkeys(r.source or r.doc_id for r in group)),
            "modality": modality,
            "fx_note": None,
            "counted": False,
        }
        if found is not None:
            amount, currency, source = found
            day = fx_day(source)
            row |= {"amount": amount, "currency": currency}
            row["fx_date"] = day.isoformat() if day else None
            if rates is not None:
                conv = rates.convert(amount, currency, day)
                row |= {
                    "amount_usd": conv.usd,
                    "amount_eur": conv.eur,
                    "fx_note": conv.note or None,
                }
            row["counted"] = modality not in UNCOUNTED_MODALITIES and stage not in UNCOUNTED_STAGES
        rows.append(row)
    return rows


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


def summarize(linked: Sequence[LinkedRecord]) -> dict[str, Any]:
    """One row per cluster, and money totals that count every aid commitment once.

    Totals add, per donor and currency, the amount of each counted commitment at the latest stage
    it reached (:func:`extractor.tools.track.commitment_rows`: not requested, not planned,
    negated or hypothetical; conversions and running totals are never an amount). A cluster's
    ``money`` lists the distinct amounts its reports give. Cumulative money ("$55bn since 2022")
    is a running total, not a package: it never enters the totals and is listed apart, as the
    largest figure reported per donor and currency. Donors of a joint package are one key
    ("DNK+NLD") so that a joint package is not added once per donor.
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

    # Money: each commitment once, at its latest stage (extractor track's counting rules)
    commitments = commitment_rows(linked)
    for c in commitments:
        if not c["counted"]:
            continue
        donor = c["donor_code"] or "unknown"
        row = totals.setdefault(
            (donor, c["currency"]),
            {"donor": donor, "currency": c["currency"], "amount": 0.0, "commitments": 0},
        )
        row["amount"] += c["amount"]
        row["commitments"] += 1
    clusters.sort(
        key=lambda c: (-c["reports"], c["event_type"], c["first_date"] or "", c["cluster_id"])
    )
    return {
        "records": len(linked),
        "clusters": len(clusters),
        "multi_report_clusters": sum(1 for c in clusters if c["reports"] > 1),
        "commitments": len(commitments),
        "cluster_rows": clusters,
        "money_totals": [totals[k] for k in sorted(totals)],
        "cumulative_reported": [cumulative[k] for k in sorted(cumulative)],
    }


# ---- files -------------------------------------------------------------------------------------


def link_file(events_path: Path | Sequence[Path], out: Path) -> dict[str, Any]:
    """Link the records of ``events_path`` (one file or several, in order), write them with
    ``cluster_id`` (and the linked ``commitment_id``) to ``out`` (JSONL, input order) and return
    :func:`summarize` of the result."""
    paths = [Path(events_path)] if isinstance(events_path, str | Path) else list(events_path)
    linked = link_records(read_linkable(paths))
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", encoding="utf-8") as fh:
        for lr in linked:
            fh.write(json.dumps(lr.as_row(), ensure_ascii=False) + "\n")
    return summarize(linked)


__all__ = [
    "LinkedRecord",
    "cluster_id",
    "commitment_rows",
    "date_interval",
    "fx_day",
    "link_file",
    "link_records",
    "money_equal",
    "read_linkable",
    "summarize",
]
