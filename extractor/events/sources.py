"""Merging what two backends found (``--backend hybrid``): one record per event, the best of each.

Two records of the same event type from different backends describe the same event when their
quotes overlap in the text. Disagreements are settled field by field:

- **evidence** and the record id: the rules' (a clause located exactly; a hybrid run keeps the
  ids of a rules run for the events both found);
- **parties** (actors, targets): the model's when it names any — it reads coreference and roles
  across the sentence — else the rules';
- **values** (money, items, date, place, casualties, duration): the model's where it gave one
  that grounding kept — which amount or day belongs to this event is a reading of the sentence,
  and both readings are checked against the text — else the rules';
- **categories** (stage, category, mode, subtype, status, modality, scope): the rules' where
  set (fixed cue words, measured on gold), else the model's;
- event types are never overridden: a sentence may state two events (an aid pledge made during
  a call), so a type only one backend saw stays a record of its own.

A record only the model proposed is kept when it names at least one party grounded in the text
(a bare "something happened" adds noise, not an event). ``provenance.sources`` lists the backends
that proposed each record.
"""

from __future__ import annotations

from pydantic import BaseModel

from extractor.schemas.events import EventRecord

RULES = "rules"
VALUES = ("money", "items", "date", "location", "killed", "injured", "duration_days")
CATEGORIES = ("stage", "category", "mode", "subtype", "status", "scope")


def _source(r: EventRecord) -> str:
    return r.provenance.sources[0] if r.provenance.sources else r.provenance.backend


def _overlap(a: EventRecord, b: EventRecord) -> bool:
    return a.evidence.start < b.evidence.end and b.evidence.start < a.evidence.end


def _empty(value: object) -> bool:
    return value in (None, [], "")


def combine(rules: EventRecord, model: EventRecord) -> EventRecord:
    """One record from the rules' and the model's reading of one event (see module doc)."""
    update: dict[str, object] = {}
    if model.actors or model.targets:
        update["actors"], update["targets"] = model.actors, model.targets
    for name in VALUES:
        if not _empty(getattr(model, name)):
            update[name] = getattr(model, name)
    for name in CATEGORIES:
        if _empty(getattr(rules, name)) and not _empty(getattr(model, name)):
            update[name] = getattr(model, name)
    provenance = model.provenance.model_copy(
        update={"backend": "hybrid", "sources": [RULES, _source(model)]}
    )
    merged = rules.model_copy(update={**update, "provenance": provenance})
    try:  # the combination must still be a valid record of its type
        return EventRecord.model_validate(merged.model_dump())
    except ValueError:
        return rules


def merge_sources(records: list[BaseModel]) -> list[BaseModel]:
    """Records of several backends → one per event (records of one backend pass unchanged)."""
    events = [r for r in records if isinstance(r, EventRecord)]
    if len({_source(r) for r in events}) < 2:
        return records
    from_rules = [r for r in events if _source(r) == RULES]
    from_model = [r for r in events if _source(r) != RULES]
    out: list[EventRecord] = []
    used: set[int] = set()
    for r in from_rules:
        twin = next(
            (
                i
                for i, m in enumerate(from_model)
                if i not in used and m.event_type == r.event_type and _overlap(r, m)
            ),
            None,
        )
        if twin is None:
            out.append(r)
        else:
            used.add(twin)
            out.append(combine(r, from_model[twin]))
    for i, m in enumerate(from_model):
        if i not in used and (m.actors or m.targets):
            out.append(m)
    out.sort(key=lambda r: (r.evidence.start, r.event_type))
    return list(out)


__all__ = ["combine", "merge_sources"]
