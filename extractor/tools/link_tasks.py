"""Cross-article linking for the records of a user task (``extractor link`` on any task's output).

A user task has no event-type table saying which values identify an event, so every grounded
value counts: two records of different documents are one event when none of their values
contradicts (a field both fill with different values: other actors, another amount, dates more
than :data:`DATE_WINDOW_DAYS` apart) and either at least :data:`MIN_SHARED_VALUES` values agree or
their quotes say the same thing (rapidfuzz ``token_set_ratio`` ≥ :data:`QUOTE_SIMILARITY` with at
least :data:`MIN_SHARED_TOKENS` words in common). Records of one document are never linked (the
extractor already kept them apart). Merges are transitive but refused when they would put two
contradicting records in one cluster; a cluster is named after the member given first.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from rapidfuzz import fuzz
from rapidfuzz.utils import default_process

from extractor.arabic.textnorm import normalize
from extractor.core.values import same_amount
from extractor.errors import ConfigError
from extractor.records.files import read_records
from extractor.schemas import EventRecord, TaskRecord
from extractor.tools.link import cluster_id, date_interval
from extractor.tools.link import link_file as link_events_file

QUOTE_SIMILARITY = 85
MIN_SHARED_TOKENS = 5
MIN_SHARED_VALUES = 2
DATE_WINDOW_DAYS = 7

_WORD = re.compile(r"[^\W_]+")

# A comparable form of one value: ("money", currency, amount), ("date", first, last), or
# ("same", key) for names, codes, numbers and choices.
Key = tuple[Any, ...]


def _key(value: Any) -> Key | None:
    if value is None or value == "" or value == []:
        return None
    if isinstance(value, dict):
        if "amount" in value and "currency" in value:
            return ("money", value["currency"], float(value["amount"]))
        if "precision" in value:
            interval = date_interval(value.get("value"))
            return ("date", *interval) if interval else None
        name = value.get("code") or value.get("name") or value.get("surface")
        return ("same", normalize(str(name)).casefold()) if name else None
    if isinstance(value, list):
        keys = sorted({k for v in value if (k := _key(v)) is not None}, key=repr)
        return ("list", *keys) if keys else None
    if isinstance(value, str):
        return ("same", normalize(value).casefold())
    return ("same", value)


def _agree(a: Key, b: Key) -> bool:
    if a[0] != b[0]:
        return False
    if a[0] == "money":
        return bool(same_amount(a[2], a[1], b[2], b[1]))
    if a[0] == "date":
        first: date = max(a[1], b[1])
        last: date = min(a[2], b[2])
        return (first - last).days <= DATE_WINDOW_DAYS
    if a[0] == "list":
        return any(_agree(x, y) for x in a[1:] for y in b[1:])
    return a == b


@dataclass(frozen=True)
class _Feat:
    index: int
    doc_id: str
    record_id: str
    task: str
    values: dict[str, Key]
    quote: str
    tokens: frozenset[str]


def _feat(index: int, r: TaskRecord) -> _Feat:
    fields: Any = r.fields
    data = fields.model_dump(mode="json") if isinstance(fields, BaseModel) else dict(fields)
    values = {name: k for name, v in data.items() if (k := _key(v)) is not None}
    quote = default_process(normalize(r.evidence.quote))
    return _Feat(
        index, r.doc_id, r.record_id, r.task, values, quote, frozenset(_WORD.findall(quote))
    )


def _compatible(a: _Feat, b: _Feat) -> bool:
    if a.task != b.task or a.doc_id == b.doc_id:
        return False
    shared = a.values.keys() & b.values.keys()
    return all(_agree(a.values[n], b.values[n]) for n in shared)


def _linked(a: _Feat, b: _Feat) -> bool:
    agreeing = sum(1 for n in a.values.keys() & b.values.keys())  # all agree when compatible
    if agreeing >= MIN_SHARED_VALUES:
        return True
    return (
        len(a.tokens & b.tokens) >= MIN_SHARED_TOKENS
        and fuzz.token_set_ratio(a.quote, b.quote) >= QUOTE_SIMILARITY
    )


class LinkedTaskRecord(BaseModel):
    """A user task's record and its cluster."""

    cluster_id: str
    record: TaskRecord

    def as_row(self) -> dict[str, Any]:
        return self.record.model_dump(mode="json") | {"cluster_id": self.cluster_id}


def link_task_records(records: Sequence[TaskRecord]) -> list[LinkedTaskRecord]:
    """Give every record a ``cluster_id``; the output keeps the input order and length."""
    order = sorted(range(len(records)), key=lambda k: (records[k].doc_id, records[k].record_id))
    feats = [_feat(k, records[k]) for k in order]
    parent = list(range(len(feats)))
    members: dict[int, list[int]] = {i: [i] for i in range(len(feats))}

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    # candidate pairs: records sharing a value or a word (the blocking keeps this far from n²)
    blocks: dict[tuple[Any, ...], list[int]] = defaultdict(list)
    for i, f in enumerate(feats):
        for name, key in f.values.items():
            if key[0] == "same":
                blocks[(name, key)].append(i)
            elif key[0] == "money":
                blocks[(name, "money", key[1])].append(i)
        for token in f.tokens:
            blocks[("word", token)].append(i)
    pairs: set[tuple[int, int]] = set()
    for idx in blocks.values():
        if len(idx) > 200:  # a word every record has says nothing
            continue
        for n, i in enumerate(idx):
            pairs.update((i, j) for j in idx[n + 1 :])
    for i, j in sorted(pairs):
        a, b = feats[i], feats[j]
        if not (_compatible(a, b) and _linked(a, b)):
            continue
        ri, rj = find(i), find(j)
        if ri == rj:
            continue
        if all(_compatible(feats[x], feats[y]) for x in members[ri] for y in members[rj]):
            root, other = min(ri, rj), max(ri, rj)
            parent[other] = root
            members[root].extend(members.pop(other))
    # named after the member given first, as event clusters are after their earliest member
    ids = {
        root: cluster_id(min((feats[m] for m in group), key=lambda f: f.index).record_id)
        for root, group in members.items()
    }
    out: list[LinkedTaskRecord | None] = [None] * len(records)
    for i, f in enumerate(feats):
        out[f.index] = LinkedTaskRecord(cluster_id=ids[find(i)], record=records[f.index])
    return [x for x in out if x is not None]


def summarize_tasks(linked: Sequence[LinkedTaskRecord]) -> dict[str, Any]:
    """The summary :func:`extractor.tools.link.summarize` gives for events, for a user task:
    one row per cluster (its task as ``event_type``, the actors' codes or names, its distinct
    amounts, its first date). A user task's money has no donor role: no totals are taken."""
    groups: dict[str, list[TaskRecord]] = defaultdict(list)
    for lr in linked:
        groups[lr.cluster_id].append(lr.record)
    rows: list[dict[str, Any]] = []
    for cid, group in groups.items():
        group.sort(key=lambda r: (r.doc_id, r.record_id))
        actors: set[str] = set()
        money: list[tuple[float, str]] = []
        dates: list[str] = []
        for r in group:
            fields: Any = r.fields
            data = fields.model_dump(mode="json") if isinstance(fields, BaseModel) else fields
            for value in data.values():
                for v in value if isinstance(value, list) else [value]:
                    if not isinstance(v, dict):
                        continue
                    if "amount" in v and "currency" in v:
                        if not any(same_amount(v["amount"], v["currency"], *m) for m in money):
                            money.append((float(v["amount"]), str(v["currency"])))
                    elif "precision" in v and v.get("value"):
                        dates.append(str(v["value"]))
                    elif "kind" in v or "code" in v:
                        actors.add(str(v.get("code") or v.get("name") or v.get("surface")))
        rows.append(
            {
                "cluster_id": cid,
                "event_type": group[0].task,
                "actors": sorted(actors),
                "targets": [],
                "money": [{"amount": a, "currency": c} for a, c in money],
                "first_date": min(dates) if dates else None,
                "reports": len(group),
                "doc_ids": sorted({r.doc_id for r in group}),
                "record_ids": [r.record_id for r in group],
            }
        )
    rows.sort(key=lambda c: (-c["reports"], c["first_date"] or "", c["cluster_id"]))
    return {
        "records": len(linked),
        "clusters": len(rows),
        "multi_report_clusters": sum(1 for c in rows if c["reports"] > 1),
        "cluster_rows": rows,
        "money_totals": [],
        "cumulative_reported": [],
    }


def link_file(path: Path | Sequence[Path], out: Path) -> dict[str, Any]:
    """Link the records of ``path`` (one file or several, in order) whatever their task — event
    records by :func:`extractor.tools.link.link_file`, a user task's here — write them with
    ``cluster_id`` to ``out`` (JSONL, input order) and return the summary."""
    paths = [Path(path)] if isinstance(path, str | Path) else [Path(p) for p in path]
    records = [r for p in paths for r in read_records(p)]
    if not records or all(isinstance(r, EventRecord) for r in records):
        return link_events_file(paths, out)
    if any(not isinstance(r, TaskRecord) for r in records):
        raise ConfigError(
            f"{', '.join(map(str, paths))} mix event records and a user task's records"
        )
    linked = link_task_records(records)  # type: ignore[arg-type]  # all TaskRecord
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", encoding="utf-8") as fh:
        for lr in linked:
            fh.write(json.dumps(lr.as_row(), ensure_ascii=False) + "\n")
    return summarize_tasks(linked)


__all__ = ["LinkedTaskRecord", "link_file", "link_task_records", "summarize_tasks"]
