"""The one table of what each event type of the default task means.

Everything that differs by event type is read from :data:`EVENT_TYPES` — the record schema and its
validation, the prompt's per-type guidance, which record fields a type fills, in-document
deduplication and cross-article linking (which values tell two reports apart and which identify
one event), per-field evaluation, DataFrame columns and the review page's colours. Adding an event
type means adding a row here, its rules and its gold (the exact files: CONTRIBUTING.md).
This module imports nothing but the standard library.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

# Record fields that only some event types fill (the others are common to every event).
TYPE_FIELDS: tuple[str, ...] = (
    "category",
    "stage",
    "money",
    "items",
    "mode",
    "subtype",
    "killed",
    "injured",
    "scope",
    "duration_days",
    "status",
)


@dataclass(frozen=True)
class EventTypeSpec:
    """What one event type is, and how code treats it."""

    name: str
    meaning: str  # one line of English: the prompt and the docs say this
    label_ar: str  # review page
    colour: str  # review page: strong colour (white text on it ≥ 4.5:1)
    tint: str  # review page: light background
    underline: Literal["solid", "dashed", "dotted", "double"]
    fields: tuple[str, ...] = ()  # type-specific record fields (a subset of TYPE_FIELDS)
    modes: tuple[str, ...] = ()  # allowed values of `mode`
    subtypes: tuple[str, ...] = ()  # allowed values of `subtype` (required when not empty)
    guidance: tuple[str, ...] = ()  # prompt rules specific to this type
    # ---- one event or two? (in-document dedup and cross-article linking) ----
    # Which parties must overlap: the initiators (who gives, strikes, sanctions) or all sides
    # (a call told from either end names the same two sides).
    sides: Literal["initiators", "all"] = "all"
    # Values that, known on both reports and different, make them two events.
    conflicts: tuple[str, ...] = ()
    # Groups of values that, known and equal on both reports, identify one event. "parties" is
    # the full set of actors and targets (at least two); "actors" the initiators alone; "items"
    # the items with a written quantity.
    anchors: tuple[tuple[str, ...], ...] = ()
    # Cross-article linking only: values that must also agree, and how far apart in days two
    # reports of one event may be dated.
    link_conflicts: tuple[str, ...] = ()
    link_days: int = 7
    # ---- evaluation: values scored on matched pairs beyond parties, date, money, modality ----
    scored: tuple[str, ...] = ()


ATTACK_MODES = ("missile", "drone", "air", "artillery", "ground", "other")
CONTACT_MODES = ("phone", "visit", "meeting", "talks")
OTHER_SUBTYPES = (
    "aid_suspension",
    "sanctions",
    "prisoner_exchange",
    "defence_budget",
    "accession",
    "treaty_withdrawal",
)

EVENT_TYPES: tuple[EventTypeSpec, ...] = (
    EventTypeSpec(
        name="aid",
        meaning="money, weapons or relief for a country (مساعدات، حزمة، دعم، أسلحة، صواريخ): "
        "requested, pledged, approved by a vote or a government, contracted or delivered",
        label_ar="مساعدات",
        colour="#1b7a3a",
        tint="#d5f0dd",
        underline="solid",
        fields=("category", "stage", "money", "items"),
        guidance=(
            'stage: "announced" for a pledge (even in the future tense), "approved" for a law '
            'or vote passed, "contracted" for a signed contract, "delivered" for aid handed '
            'over, "requested" for a request (donors asked = actors, requester = target).',
            'A running total ("ليرتفع إجمالي المساعدات إلى") is not an event; a halt or freeze '
            "of aid is not aid (it is other/aid_suspension).",
        ),
        sides="initiators",
        conflicts=("money",),
        anchors=(("money",), ("items",)),
        link_conflicts=("stage",),
        scored=("stage", "category", "items"),
    ),
    EventTypeSpec(
        name="diplomatic_contact",
        meaning="a phone call, visit, meeting or talks between named sides (اتصال هاتفي، "
        "زيارة، لقاء، اجتماع، محادثات); what was pledged or agreed in it is an event of its own",
        label_ar="اتصال دبلوماسي",
        colour="#1f5fa8",
        tint="#dae7fa",
        underline="dashed",
        fields=("mode",),
        modes=CONTACT_MODES,
        guidance=(
            "mode: phone, visit (visitor = actor, host = target), meeting or talks; every "
            "side of a multilateral meeting is an actor. A country only discussed is no party.",
        ),
        conflicts=("mode",),
        anchors=(("parties", "mode"),),
        scored=("mode",),
    ),
    EventTypeSpec(
        name="agreement",
        meaning="a political, security or framework agreement (اتفاق، اتفاقية، معاهدة) "
        "negotiated, signed or ratified; never an aid package, an aid vote or an aid contract",
        label_ar="اتفاق",
        colour="#6b3fa0",
        tint="#ebdff8",
        underline="double",
        fields=("status", "money"),
        guidance=("status: negotiating, signed or ratified; every signatory is an actor.",),
        conflicts=("status", "money"),
        anchors=(("parties", "status"),),
    ),
    EventTypeSpec(
        name="ceasefire",
        meaning="a ceasefire, truce or halt of strikes (وقف إطلاق النار، هدنة، وقف الضربات): "
        "declared, agreed, proposed or refused",
        label_ar="وقف إطلاق النار",
        colour="#0f6f68",
        tint="#cdefea",
        underline="dotted",
        fields=("scope", "duration_days"),
        guidance=("actors: the warring sides it covers, not the mediators.",),
        conflicts=("duration_days", "scope"),
        anchors=(("parties",), ("scope", "duration_days")),
    ),
    EventTypeSpec(
        name="attack",
        meaning="a specific strike or attack (قصف، هجوم، غارة، ضربة، صاروخ، مسيرة) with a place, "
        "a time or a toll",
        label_ar="هجوم",
        colour="#b42318",
        tint="#fbdcd8",
        underline="solid",
        fields=("mode", "killed", "injured"),
        modes=ATTACK_MODES,
        guidance=(
            "actors: the attacking side; targets: the attacked side. killed/injured: the "
            "numbers as written for this strike only.",
        ),
        sides="initiators",
        conflicts=("mode", "location", "killed", "injured"),
        anchors=(("location",),),
        link_days=1,  # attacks recur daily between the same parties
        scored=("mode", "killed", "injured"),
    ),
    EventTypeSpec(
        name="other",
        meaning="sanctions (عقوبات), an aid suspension (تجميد، تعليق المساعدات), a prisoner "
        "exchange (تبادل الأسرى), a defence budget, accession talks or a treaty withdrawal; "
        "say which in subtype",
        label_ar="أخرى",
        colour="#4b5563",
        tint="#e6e8eb",
        underline="dashed",
        fields=("subtype", "money"),
        subtypes=OTHER_SUBTYPES,
        guidance=(
            "subtype: aid_suspension (aid halted or frozen: donor = actor, recipient = target), "
            "sanctions (who imposes = actor, who is sanctioned = target), prisoner_exchange "
            "(both sides are actors), defence_budget, accession (membership talks opened), "
            "treaty_withdrawal.",
        ),
        sides="initiators",
        conflicts=("subtype", "money"),
        anchors=(("subtype", "parties"),),
        scored=("subtype",),
    ),
)

SPECS: dict[str, EventTypeSpec] = {spec.name: spec for spec in EVENT_TYPES}
EVENT_TYPE_NAMES: tuple[str, ...] = tuple(SPECS)


def spec(event_type: str) -> EventTypeSpec:
    """The row of ``event_type`` (KeyError for an unknown type)."""
    return SPECS[event_type]


def _check_table() -> None:
    for s in EVENT_TYPES:
        unknown = set(s.fields) - set(TYPE_FIELDS)
        if unknown:
            raise ValueError(f"event type {s.name}: unknown record fields {sorted(unknown)}")
        if s.modes and "mode" not in s.fields:
            raise ValueError(f"event type {s.name}: modes given but no mode field")
        if s.subtypes and "subtype" not in s.fields:
            raise ValueError(f"event type {s.name}: subtypes given but no subtype field")


_check_table()

__all__ = [
    "ATTACK_MODES",
    "CONTACT_MODES",
    "EVENT_TYPES",
    "EVENT_TYPE_NAMES",
    "OTHER_SUBTYPES",
    "SPECS",
    "TYPE_FIELDS",
    "EventTypeSpec",
    "spec",
]
