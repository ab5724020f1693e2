"""Adding an event type (CONTRIBUTING.md): every place that must know a type of the table is
checked here, so one forgotten fails the build instead of silently skipping the type."""

from __future__ import annotations

from extractor.arabic.gazetteer import load_gazetteer
from extractor.backends.rule_lexicon import load_lexicon
from extractor.backends.rules import CLAUSE_LEVEL, SENTENCE_LEVEL, RuleBackend
from extractor.backends.triggers import TRIGGER_CLASSES
from extractor.schemas.event_types import EVENT_TYPE_NAMES
from gold.check_gold import EVENT_TYPES as GOLD_TYPES
from gold.check_gold import SPECS as GOLD_SPECS


def test_every_type_of_the_table_has_a_rule_read_at_one_level():
    rules = RuleBackend(load_gazetteer())
    assert set(rules._rules) == set(EVENT_TYPE_NAMES)
    levels = [*SENTENCE_LEVEL, *CLAUSE_LEVEL]
    assert sorted(levels) == sorted(EVENT_TYPE_NAMES)  # each type once


def test_every_type_of_the_table_has_cue_words():
    """The hybrid's cue check and --focus read these; a type without them would pass any
    model draft of that type unchecked."""
    assert set(TRIGGER_CLASSES) == set(EVENT_TYPE_NAMES)
    classes = load_lexicon().classes
    for event_type, names in TRIGGER_CLASSES.items():
        assert names and all(n in classes for n in names), event_type


def test_the_gold_checker_reads_the_table():
    assert set(EVENT_TYPE_NAMES) == GOLD_TYPES
    assert {t: s.modes for t, s in GOLD_SPECS.items() if s.modes} == {
        "diplomatic_contact": ("phone", "visit", "meeting", "talks"),
        "attack": ("missile", "drone", "air", "artillery", "ground", "other"),
    }
