"""One record per event in a document: the discourse step after drafting, the same for every
backend (rules, a model, the hybrid).

Two passes over the records of one document:

1. **Twins** (:func:`same_event`): two readings of one event with the values to prove it — a
   headline and its body, a preview and the report, a visit and the meeting held during it, two
   overlapping chunks — decided by the values the event-type table says identify an event.
2. **Restatements** (:func:`restates`): a later mention that refers back to an event already
   told — the event noun made definite or demonstrative («الحزمة», «هذه العقوبات», «الهدنة
   المعلنة»), the frame of a contact («خلال الاتصال», «وبحث الرئيسان», «ناقش معه»), a detail
   sentence («وقدمت الوزارة تفاصيل الحزمة», «وتشمل الحزمة …»), a toll that rose («ثم ارتفعت
   حصيلة الهجوم إلى …»), the same sentence printed twice (a teaser before a photo caption), a
   headline that announces the body's sentence, or a quote overlapping another's. The nearest
   earlier event of the type that nothing contradicts is the one referred to.

The merged record lists every mention (``mentions``, text order, ``text[start:end] == quote``);
its evidence — and so its ``event_id``, a hash of the evidence span — is the **fullest** mention
(most values stated in its own sentence; a body sentence over a headline; the earlier on a tie),
the same rule as for twins, so a record that restates nothing keeps the id it had. Its values come
from every mention: gaps filled from the others (marked ``alignment: context``, with the offsets
of their own words), the item lists joined, the higher — later — casualty toll.

Different stages of one aid package (a House vote, the Senate's, the signing) are not
restatements: each keeps its record and stage, and they share a ``commitment_id``
(:func:`assign_commitments`), derived from the earliest stage's ``event_id``.

Which values tell two reports apart and which identify one event comes from the event-type table
(:mod:`extractor.events.identity`). Whether a publication date is given never changes which
records are merged (only the dates' values differ): days are compared as the text writes them.
"""

from __future__ import annotations

import hashlib
import re
from bisect import bisect_left, bisect_right, insort
from datetime import date
from functools import lru_cache
from itertools import combinations
from typing import Any

from pydantic import BaseModel
from rapidfuzz import fuzz

from extractor.arabic.dates import find_dates, parse_date
from extractor.arabic.textnorm import normalize
from extractor.core.mentions import join_mentions
from extractor.core.values import same_amount
from extractor.events.builder import event_id
from extractor.events.identity import (
    amounts,
    anchored,
    codes,
    conflicting,
    details,
    refers_back,
    same_money_sets,
    sides_overlap,
    updates_toll,
)
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
    if (a.evidence.start, a.evidence.end) == (b.evidence.start, b.evidence.end):
        # one sentence, several events: "A signed with B and C" gives one per counterpart,
        # "B and C pledged X" one per donor; but a reading that names no side at all (a chunk
        # that did not see who), fewer sides in the same roles, or one side of the other's (a
        # model that dropped or swapped a role) is the same event, whatever modality each gave
        x = codes(a.actors) | codes(a.targets)
        y = codes(b.actors) | codes(b.targets)
        fewer = (codes(a.actors) <= codes(b.actors) and codes(a.targets) <= codes(b.targets)) or (
            codes(b.actors) <= codes(a.actors) and codes(b.targets) <= codes(a.targets)
        )
        one_side = (len(x) == 1 and x <= y) or (len(y) == 1 and y <= x)
        return fewer or one_side or not x or not y
    if a.modality != b.modality and not _preview_and_report(a, b):
        return False
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


def _same_article(a: EventRecord, b: EventRecord) -> bool:
    """Both in one segment, or both in the page's main article (a photo caption or a share line
    between two of its paragraphs starts a segment, not an article)."""
    return a.segment_id == b.segment_id or a.segment_kind == b.segment_kind == "main"


def _fill_from(kept: EventRecord, other: EventRecord) -> None:
    if not _same_article(kept, other):
        return
    for name in _FILLED:
        mine, theirs = getattr(kept, name), getattr(other, name)
        if mine in (None, []) and theirs not in (None, []):
            setattr(kept, name, _as_context(theirs))
    # the item list of a follow-up sentence joins the lead's ("وتشمل الحزمة …")
    names = {i.name for i in kept.items}
    extra = [i for i in other.items if i.name not in names]
    if kept.items and extra:
        kept.items = [*kept.items, *_as_context(extra)]
    # a toll told again later is higher: the latest toll is the record's
    for name in ("killed", "injured"):
        mine, theirs = getattr(kept, name), getattr(other, name)
        if mine is not None and theirs is not None and theirs > mine:
            setattr(kept, name, theirs)
    if not kept.actors and other.actors:
        kept.actors = _as_context(other.actors)
    if not kept.targets and other.targets:
        initiators = codes(kept.actors)
        kept.targets = [
            t for t in _as_context(other.targets) if (t.code or t.name) not in initiators
        ]


def _join(kept: EventRecord, other: EventRecord) -> None:
    """``kept`` absorbs ``other``: its missing values, its mentions, the backends that saw it."""
    _fill_from(kept, other)
    join_mentions(kept, other)
    for source in other.provenance.sources:
        if source not in kept.provenance.sources:
            kept.provenance.sources.append(source)


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


# ---- restatements ------------------------------------------------------------------------------


class _Norms(dict[int, str]):
    """Normalized quotes, computed once per record."""

    def of(self, r: EventRecord) -> str:
        key = id(r)
        if key not in self:
            self[key] = normalize(r.evidence.quote)
        return self[key]

    def told(self, r: EventRecord) -> str:
        """Every mention of ``r`` (not cached: mentions grow as restatements join)."""
        if len(r.mentions) < 2:
            return self.of(r)
        return normalize(" ".join(m.quote for m in r.mentions))


_STOPS = frozenset({"في", "من", "الي", "علي", "عن", "مع", "ان", "و", "او", "بعد", "قبل"})
_PREFIX = re.compile(r"^(?:و|ف|ب|ل)?(?:ال|لل)?")


def _content_words(norm: str) -> set[str]:
    return {_PREFIX.sub("", w) or w for w in re.findall(r"[^\W_]+", norm) if w not in _STOPS}


def _is_headline(quote: str) -> bool:
    return not quote.rstrip("\"”»' ").endswith((".", "؟", "!", "?")) and len(quote.split()) < 14


def _teaser(first: EventRecord, then: EventRecord, norms: _Norms) -> bool:
    """A headline whose words the body's sentence tells again ("ارتفاع حصيلة ضربة سومي إلى 35
    قتيلا" before "ارتفعت حصيلة الضربة … على سومي … إلى 35 قتيلا …")."""
    if not _is_headline(first.evidence.quote):
        return False
    words = _content_words(norms.of(first))
    return len(words) >= 3 and len(words & _content_words(norms.told(then))) >= 0.6 * len(words)


def _retold(a: EventRecord, b: EventRecord, norms: _Norms) -> bool:
    """The same words twice (a teaser printed again before a photo caption, a repeated lead)."""
    x, y = norms.of(a), norms.of(b)
    return x == y or (min(len(x), len(y)) >= 30 and fuzz.ratio(x, y) >= 95)


def _overlap(a: EventRecord, b: EventRecord) -> bool:
    return a.evidence.start < b.evidence.end and b.evidence.start < a.evidence.end


def _names(r: EventRecord) -> frozenset[str]:
    return frozenset(a.name for a in r.actors if a.alignment != "context")


def _follows_up(first: EventRecord, then: EventRecord, norm: str) -> bool:
    """Is ``then`` — which refers back with a word of its type — the same event as ``first``?
    What a follow-up may say otherwise differs by type: a toll rises, a discussion is the call's
    content (its mode is the call's), a detail sentence's verb is no new stage of a package."""
    et = first.event_type
    allowed: set[str] = set()
    if et == "attack":
        allowed |= {"killed", "injured"} if _toll_rose(first, then, norm) else set()
        if "other" in (first.mode, then.mode):
            allowed.add("mode")  # "الهجوم" read without its weapon
    elif et == "diplomatic_contact" and then.mode in (None, "talks", "meeting"):
        allowed.add("mode")  # what was discussed during the call or visit
    elif et == "aid":
        detail = details(norm)
        if first.stage != then.stage and not detail:
            return False  # another step of the package: a record of its own (commitment_id)
        # another body's step ("ثم أقر مجلس الشيوخ الحزمة"), unless it details the package
        if _names(first) and _names(then) and not _names(first) & _names(then) and not detail:
            return False
    names = tuple(n for n in SPECS[et].conflicts if n not in allowed)
    return not conflicting(first, then, names)


def _toll_rose(first: EventRecord, then: EventRecord, norm: str) -> bool:
    if not updates_toll(norm):
        return False
    pairs = [(first.killed, then.killed), (first.injured, then.injured)]
    return all(b >= a for a, b in pairs if a is not None and b is not None)


def _sides_fit(a: EventRecord, b: EventRecord) -> bool:
    """The sides one mention names are among the other's ("the two presidents" name no new side;
    a call to a third leader after the meeting does)."""
    x = codes(a.actors) | codes(a.targets)
    y = codes(b.actors) | codes(b.targets)
    return not x or not y or x <= y or y <= x


def restates(first: EventRecord, then: EventRecord, norms: _Norms | None = None) -> bool:
    """Does ``then`` (told after ``first`` in the same article) tell the event of ``first``
    again? See the module docstring for the shapes."""
    norms = norms if norms is not None else _Norms()
    if (first.evidence.start, first.evidence.end) == (then.evidence.start, then.evidence.end):
        return False  # one span, several events: already told apart by same_event
    # cheap tests first: most pairs of a document are of two types, or no shape fires
    if first.event_type != then.event_type or first.subtype != then.subtype:
        return False
    if not _same_article(first, then):
        return False
    # a headline's reading of the modality is not to be trusted (no verb, no tense)
    teaser = _teaser(first, then, norms)
    if first.modality != then.modality and not teaser:
        return False
    same_words = teaser or _retold(first, then, norms) or _overlap(first, then)
    norm = norms.of(then)
    if not same_words and not refers_back(then.event_type, norm):
        return False
    if _dates_differ(first, then) or not sides_overlap(first, then) or not _sides_fit(first, then):
        return False
    if same_words:
        return not conflicting(first, then, SPECS[first.event_type].conflicts)
    return _follows_up(first, then, norm)


def _merge_restatements(records: list[EventRecord]) -> list[EventRecord]:
    """Merge restatements until none is left: a headline is recognised in the body's sentences
    only once the body's mentions are joined (a second pass; rarely a third)."""
    norms = _Norms()
    for _ in range(3):
        merged = _restatement_pass(records, norms)
        if len(merged) == len(records):
            return merged
        records = merged
    return records


def _restatement_pass(records: list[EventRecord], norms: _Norms) -> list[EventRecord]:
    out: list[EventRecord] = []
    for r in sorted(records, key=lambda r: (r.evidence.start, r.evidence.end)):
        # the nearest earlier event of the type that nothing contradicts is the one referred to
        told = [
            e
            for e in out
            if e.event_type == r.event_type
            and e.subtype == r.subtype
            and r.evidence.start - max(m.end for m in _spans(e)) <= NEAR_CHARS
        ]
        if len(told) > 1:
            told.sort(key=lambda e: max(m.end for m in _spans(e)), reverse=True)
        target = next((e for e in told if restates(e, r, norms)), None)
        if target is None:
            out.append(r)
        elif _keep_first(r, target):
            out[out.index(target)] = r
            _join(r, target)
        else:
            _join(target, r)
    return out


def _spans(r: EventRecord) -> list[Any]:
    return list(r.mentions) or [r.evidence]


# ---- commitments --------------------------------------------------------------------------------


def commitment_key(first_event_id: str) -> str:
    """The id of a commitment: derived from the ``event_id`` of its earliest stage, so that a
    later stage (or a later article, once linked) never changes it."""
    return "k" + hashlib.sha256(first_event_id.encode("utf-8")).hexdigest()[:19]


def _one_package(first: EventRecord, then: EventRecord, norm: str) -> bool:
    """Are two aid records of one article stages of one package? The same donor and recipient
    and the same amount, or a later step that names no amount of its own and refers back to the
    package ("ثم أقر مجلس الشيوخ الحزمة")."""
    if first.modality != then.modality:
        return False
    if codes(first.actors) and codes(then.actors) and not codes(first.actors) & codes(then.actors):
        return False
    if (
        codes(first.targets)
        and codes(then.targets)
        and not codes(first.targets) & codes(then.targets)
    ):
        return False
    x, y = amounts(first), amounts(then)
    if x and y:
        return same_money_sets(x, y)
    return not y and refers_back("aid", norm)


def _parts(total: EventRecord, others: list[EventRecord]) -> list[EventRecord]:
    """Records whose amounts add up to ``total``'s ("… 100 million … and 300 million … within a
    400-million package announced in October"): two or three of the same donor, each stating one
    amount in the package's currency."""
    own = amounts(total)
    if len(own) != 1:
        return []
    amount, currency = own[0]
    donors = codes(total.actors)
    pool = [
        r
        for r in others
        if len(amounts(r)) == 1
        and amounts(r)[0][1] == currency
        and amounts(r)[0][0] < amount
        and r.modality == total.modality
        and (not donors or not codes(r.actors) or donors & codes(r.actors))
    ][:12]
    for size in (2, 3):
        for combo in combinations(pool, size):
            if same_amount(sum(amounts(r)[0][0] for r in combo), currency, amount, currency):
                return list(combo)
    return []


def assign_commitments(records: list[EventRecord]) -> None:
    """Give every aid record of a document the ``commitment_id`` of its package: the stages of one
    package (same donor and amount, or a later step that refers back to it), and the parts of a
    package that add up to it, share the id derived from their earliest record's ``event_id``."""
    aid = sorted((r for r in records if r.event_type == "aid"), key=lambda r: r.evidence.start)
    parent = list(range(len(aid)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def union(i: int, j: int) -> None:
        a, b = find(i), find(j)
        parent[max(a, b)] = min(a, b)

    index = {id(r): k for k, r in enumerate(aid)}
    for i, r in enumerate(aid[1:], start=1):
        norm = "" if amounts(r) else normalize(r.evidence.quote)  # read only without an amount
        earlier = next(
            (
                k
                for k in range(i - 1, -1, -1)
                if r.evidence.start - aid[k].evidence.start <= NEAR_CHARS
                and _one_package(aid[k], r, norm)
            ),
            None,
        )
        if earlier is not None:
            union(earlier, i)
    if len(aid) > 2:
        for i, r in enumerate(aid):
            for part in _parts(r, [x for x in aid if x is not r]):
                union(i, index[id(part)])
    for i, r in enumerate(aid):
        r.commitment_id = commitment_key(aid[find(i)].event_id)


# Records further apart than this are not compared: one event told twice in a page is told within
# one article (a headline and its body, a lead and its detail), and comparing every record of a
# long page with every other would take time that grows with the square of its length.
NEAR_CHARS = 20_000


def merge_duplicates(records: list[BaseModel]) -> list[BaseModel]:
    """Keep one record per event told several times in a document (the fullest one, with every
    mention), give records that share a span and type distinct ids ("A signed with B and C" =
    two events), and the stages of one aid package one ``commitment_id``."""
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
            _join(r, twin)
            insort(near, (at, i))
        else:
            _join(kept[i], r)
    kept = _merge_restatements(kept)
    kept.sort(key=lambda r: (r.evidence.start, r.event_type))
    used: dict[str, int] = {}
    for r in kept:
        n = used.get(r.event_id, 0)
        used[r.event_id] = n + 1
        if n:
            r.event_id = event_id(
                r.doc_id, r.segment_id, r.evidence.start, r.evidence.end, f"{r.event_type}#{n}"
            )
    assign_commitments(kept)
    return list(kept)
