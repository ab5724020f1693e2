"""Merging what two backends found (``--backend hybrid``): one record per event, the best of each.

Two records of the same event type from different backends describe the same event when their
quotes overlap in the text. Disagreements are settled field by field, by ``trust``
(``--hybrid-trust``):

- **evidence** and the record id: always the rules' (a clause located exactly; a hybrid run keeps
  the ids of a rules run for the events both found);
- **parties** (actors, targets) and **values** (money, items, date, place, casualties, duration):
  with ``trust="rules"`` (default) the rules' where they found any, the model's only where the
  rules have none — the visitor named in the previous sentence, the date of the lead; with
  ``trust="model"`` the model's where it gave any that grounding kept (a strong model reads roles
  and coreference better than cue words), else the rules'. Both readings are grounded in the text
  either way: the choice is which correct-looking reading wins;
- **categories** (stage, category, mode, subtype, status, scope): the rules' where set (fixed cue
  words, measured on gold), else the model's;
- event types are never overridden: a sentence may state two events (an aid pledge made during
  a call), so a type only one backend saw stays a record of its own.

A record only the model proposed is kept when it names at least one party grounded in the text
(a bare "something happened" adds noise, not an event); with ``trust="rules"`` the hybrid backend
has already set aside model drafts with no cue word of their type. ``provenance.sources`` lists
the backends that proposed each record. Measured choices: README, "The model path".
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


def combine(rules: EventRecord, model: EventRecord, trust: str = "rules") -> EventRecord:
    """One record from the rules' and the model's reading of one event (see module doc)."""
    update: dict[str, object] = {}
    model_first = trust == "model"
    if (model.actors or model.targets) and (model_first or not (rules.actors or rules.targets)):
        update["actors"], update["targets"] = model.actors, model.targets
    for name in VALUES:
        if not _empty(getattr(model, name)) and (model_first or _empty(getattr(rules, name))):
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


def merge_sources(records: list[BaseModel], trust: str = "rules") -> list[BaseModel]:
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
            out.append(combine(r, from_model[twin], trust))
    for i, m in enumerate(from_model):
        if i not in used and (m.actors or m.targets):
            out.append(m)
    out.sort(key=lambda r: (r.evidence.start, r.event_type))
    return list(out)


__all__ = ["combine", "merge_sources"]
