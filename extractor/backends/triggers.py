"""Rule triggers as evidence for other parts: which event types a sentence has cue words for.

The rule backend's trigger vocabularies (``rules_data/*.yaml``) are cheap to match and recall far
more than the rules draft. Two users:

- ``--focus`` (:class:`TriggerFocus`): send a model only the sentences where some trigger fires
  (and one neighbour each side);
- the hybrid backend (:class:`TypeTriggers`): a record only the model proposes must have a cue
  word of its type in its quote — a model's "diplomatic_contact" for a sentence with no call,
  visit, meeting or talks word is a misreading, not an event the rules missed.
"""

from __future__ import annotations

from extractor.arabic.money import find_money
from extractor.arabic.textnorm import normalize
from extractor.backends.rule_lexicon import Lexicon, WordClass, load_lexicon
from extractor.schemas.event_types import OTHER_SUBTYPES

# The trigger classes of each event type (names of classes in rules_data/*.yaml).
TRIGGER_CLASSES: dict[str, tuple[str, ...]] = {
    "aid": ("aid_word", "aid_transfer"),
    "diplomatic_contact": ("phone", "visit", "talks", "meeting", "receive"),
    "agreement": ("agreement", "signed"),
    "ceasefire": ("ceasefire",),
    "attack": ("attack", "attack_verb", "attack_experiencer"),
    "other": OTHER_SUBTYPES,  # rules_data/other.yaml has one class per subtype
}


class TypeTriggers:
    """Which event types a text has trigger words for."""

    def __init__(self, lexicon: Lexicon | None = None) -> None:
        lexicon = lexicon or load_lexicon()
        self.classes: dict[str, list[WordClass]] = {
            event_type: [lexicon.classes[c] for c in names if c in lexicon.classes]
            for event_type, names in TRIGGER_CLASSES.items()
        }

    def fires(self, event_type: str, text: str) -> bool:
        """Does ``text`` hold a cue word of ``event_type``? (True for a type with no triggers.)"""
        classes = self.classes.get(event_type)
        if not classes:
            return True
        n = normalize(text)
        return any(cls.search(n) is not None for cls in classes)

    def any(self, text: str) -> bool:
        n = normalize(text)
        return any(cls.search(n) is not None for group in self.classes.values() for cls in group)


class TriggerFocus:
    """A sentence filter for ``--focus``: True when a trigger fires or an amount is stated."""

    def __init__(self, triggers: TypeTriggers | None = None) -> None:
        self.triggers = triggers or TypeTriggers()

    def __call__(self, sentence: str) -> bool:
        return self.triggers.any(sentence) or bool(find_money(sentence))


__all__ = ["TRIGGER_CLASSES", "TriggerFocus", "TypeTriggers"]
