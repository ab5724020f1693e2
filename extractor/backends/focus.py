"""Which sentences to send a model (``--focus``): those where a rule trigger fires.

The rule backend's trigger vocabularies (``rules_data/*.yaml``) are cheap to match and recall
far more than the rules draft; a sentence with none of them — no aid, contact, agreement,
ceasefire, attack or other-event word and no amount of money — rarely states an event. With
``--focus`` the pipeline sends the model only flagged sentences and one neighbour on each side,
which cuts prompt tokens at a measured cost in recall (README, "The model path").
"""

from __future__ import annotations

from extractor.arabic.money import find_money
from extractor.arabic.textnorm import normalize
from extractor.backends.rule_lexicon import Lexicon, load_lexicon

# The trigger classes of each event type (names of classes in rules_data/*.yaml).
TRIGGER_CLASSES = (
    "aid_word",
    "aid_transfer",
    "phone",
    "visit",
    "talks",
    "meeting",
    "receive",
    "agreement",
    "signed",
    "ceasefire",
    "attack",
    "attack_verb",
    "attack_experiencer",
    "aid_suspension",
    "sanctions",
    "prisoner_exchange",
    "accession",
    "treaty_withdrawal",
    "defence_budget",
)


class TriggerFocus:
    """A sentence filter: True when a rule trigger fires in it."""

    def __init__(self, lexicon: Lexicon | None = None) -> None:
        lexicon = lexicon or load_lexicon()
        self.classes = [lexicon.classes[c] for c in TRIGGER_CLASSES if c in lexicon.classes]

    def __call__(self, sentence: str) -> bool:
        n = normalize(sentence)
        return any(cls.search(n) is not None for cls in self.classes) or bool(find_money(sentence))


__all__ = ["TRIGGER_CLASSES", "TriggerFocus"]
