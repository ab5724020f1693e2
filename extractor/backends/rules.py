"""The rule-based backend: Arabic trigger patterns + the normalizers and gazetteers.

It needs no model and no key and is the embedded default. It reads a segment clause by clause;
each clause is tested for each event type (aid, diplomatic contact, agreement, ceasefire,
attack); roles come from gazetteer mentions and the prepositions in front of them (ل/إلى →
recipient or host, مع/بين → counterpart, في → place). It writes *drafts* with verbatim surfaces,
exactly like the LLM backend, and the shared pipeline grounds and normalizes them.

The rules of each event type live in their own module (``rule_aid``, ``rule_contacts``,
``rule_conflict``, ``rule_other``, on the clause reading of ``rule_clauses``); their trigger
vocabularies in ``rules_data/*.yaml`` (``rule_lexicon``).
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable

from pydantic import BaseModel

from extractor.arabic.analysis import TextAnalysis
from extractor.arabic.casualties import find_casualties
from extractor.arabic.dates import read_dates_cached
from extractor.arabic.gazetteer import Gazetteer, Mention
from extractor.arabic.sentences import LONG_CLAUSE, Span, clauses, run_on_parts, sentences
from extractor.backends.rule_aid import STAGES, AidRules
from extractor.backends.rule_clauses import (
    OTHER_ORDER,
    Clause,
    claimed,
    is_title,
    listed,
)
from extractor.backends.rule_conflict import ATTACK_MODES, ConflictRules
from extractor.backends.rule_contacts import ContactRules
from extractor.backends.rule_lexicon import Lexicon, load_lexicon, tokens_of, words_of
from extractor.backends.rule_other import AID_LIKE, OtherRules
from extractor.backends.rule_refer import ReferenceRules
from extractor.core.backend import BackendAnswer, SegmentRequest
from extractor.schemas import DraftEvent
from extractor.schemas.event_types import EVENT_TYPE_NAMES

# Records say which rules wrote them: rules-3 reads vocabularies from rules_data/, references
# and other events.
RULES_VERSION = "rules-3"
# Event types read per sentence (an attack and its toll are often split by "، فيما …") and per
# clause, in the order of the event-type table; a type of the table with no rules is not drafted.
SENTENCE_LEVEL: tuple[str, ...] = tuple(t for t in EVENT_TYPE_NAMES if t in ("attack",))
# `other` first: a halt of aid, a sanctions package or a defence budget claims its clause, so the
# aid, contact and agreement rules after it do not read the same words as their own event.
CLAUSE_LEVEL: tuple[str, ...] = ("other",) + tuple(
    t for t in EVENT_TYPE_NAMES if t in ("aid", "diplomatic_contact", "agreement", "ceasefire")
)
_MIN_CLAUSE_WORDS = 4
_REFERENCE_SENTENCES = 3  # how far back a clause's "الحزمة" or "الجولة الأولى" may point
# The rules read a sentence, then each of its clauses, several times over: these readings are
# memoized while one text is read, and forgotten before the next, so that no speed is measured
# that comes from sentences repeated across documents.
_TEXT_MEMOS = (tokens_of, words_of, read_dates_cached, find_casualties)


class RuleBackend(OtherRules, AidRules, ContactRules, ConflictRules, ReferenceRules):
    """Deterministic Arabic pattern extractor (no model, no key)."""

    name = "rules"

    def __init__(self, gazetteer: Gazetteer, lexicon: Lexicon | None = None) -> None:
        self.gazetteer = gazetteer
        self.lex = lexicon or load_lexicon()
        # One rule per event type: (clause, drafts already found in it) -> drafts.
        self._rules: dict[str, Callable[[Clause, list[DraftEvent]], list[DraftEvent]]] = {
            "other": lambda c, _found: listed(self._other(c)),
            "aid": lambda c, found: [] if claimed(found, AID_LIKE) else self._aid_events(c),
            "diplomatic_contact": lambda c, found: (
                [] if claimed(found, ("accession",)) else self._contact(c, found)
            ),
            "agreement": lambda c, found: (
                [] if claimed(found, ("treaty_withdrawal",)) else self._agreement(c, found)
            ),
            "ceasefire": lambda c, _found: listed(self._ceasefire(c)),
            "attack": lambda c, _found: listed(self._attack(c)),
        }

    async def draft(self, request: SegmentRequest) -> BackendAnswer:
        drafts: list[BaseModel] = list(self.extract(request.text))
        return BackendAnswer(drafts, model=None, prompt_version=RULES_VERSION, source=self.name)

    def extract(self, text: str) -> list[DraftEvent]:
        """Draft events for one segment of text."""
        for memo in _TEXT_MEMOS:
            memo.cache_clear()
        analysis = TextAnalysis(text, self.gazetteer)
        norm = analysis.norm
        mentions = analysis.mentions
        starts = [m.start for m in mentions]
        drafts: list[DraftEvent] = []

        def mentions_in(span: Span) -> list[Mention]:
            return mentions[bisect_left(starts, span.start) : bisect_left(starts, span.end)]

        def clause_at(span: Span, sentence: Span) -> Clause:
            nstart = bisect_left(norm.offsets, span.start)
            nend = bisect_left(norm.offsets, span.end)
            return Clause(
                text,
                span,
                sentence,
                norm.text[nstart:nend],
                nstart,
                norm,
                mentions_in(span),
                mentions_in(sentence),
                analysis,
                before_mentions=mentions_in(told[-1]) if told else [],
            )

        dated: list[tuple[DraftEvent, str]] = []  # the segment's events that have a date
        told: list[Span] = []  # the body sentences read so far
        told_before: list[DraftEvent] = []  # the events of the sentence just read
        # the events of the last few sentences: "the package" a clause names again was told in
        # one of them (a quote or a breakdown may stand in between)
        recent: list[list[DraftEvent]] = []
        for sentence in (part for s in sentences(text) for part in run_on_parts(text, s)):
            if is_title(text, sentence):
                continue  # headlines repeat the body, in fewer words
            whole = clause_at(sentence, sentence)
            if len(whole.n.split()) < _MIN_CLAUSE_WORDS:
                continue
            found: list[tuple[Clause, DraftEvent]] = []
            # a run-on "sentence" of a page without full stops is read clause by clause
            units = [sentence] if sentence.end - sentence.start <= LONG_CLAUSE else None
            for unit in units or clauses(text, sentence):
                c = clause_at(unit, sentence)
                found += [(c, d) for d in self._events_in(c, SENTENCE_LEVEL)]
            if units and found:
                # "قتل شخصان في قصف على خاركيف، فيما أصيب ثلاثة في هجوم على أوديسا": two strikes
                # on two places, one per clause, are two events
                found = self._strikes_apart(sentence, clause_at, found)
            for span in clauses(text, sentence):
                clause = clause_at(span, sentence)
                if len(clause.n.split()) < _MIN_CLAUSE_WORDS:
                    continue
                clause.earlier = [d for ds in recent for d in ds] + [d for _, d in found]
                events = self._events_in(clause, CLAUSE_LEVEL)
                if not any(d.event_type != "attack" for d in events):
                    # "وكان مجلس الشيوخ قد أقر الحزمة", "صادق عليها مجلس النواب": another step
                    # of the process told just before
                    events += listed(self._process_step(clause))
                found += [(clause, d) for d in events]
            kept = {id(d) for d in drafts[-4:]}  # a strike told again was not kept
            told_attack = [
                d for ds in recent[-2:] for d in ds if d.event_type == "attack" and id(d) in kept
            ]
            if told_attack and not found and self._toll_after(whole, told_attack[-1]):
                pass  # "وقال الحاكم إن 12 أصيبوا": the toll of the strike told just before
            told_aid = [d for d in told_before if d.event_type == "aid"]
            if told_aid and not any(d.event_type == "aid" for _, d in found):
                # "وتشمل الحزمة …": the items of the package told in the sentence before
                last = told_aid[-1]
                last.items = list(dict.fromkeys(last.items + self._package_items(whole)))[:8]
            told.append(sentence)
            told_before = [d for _, d in found]
            recent = (recent + [told_before])[-_REFERENCE_SENTENCES:]
            for c, d in found:
                if d.date is None:
                    d.date = self._inherited_date(c, d, dated)
            dated += [(d, d.date) for _, d in found if d.date]
            for i, (c, d) in enumerate(found):
                if d.event_type == "attack" and self._told_again(c, d, drafts):
                    continue
                if d.event_type == "ceasefire" and self._truce_told_again(c, d, drafts):
                    continue
                if d.event_type == "diplomatic_contact" and (
                    self._contact_told_again(c, d, drafts)
                    or self._meeting_of_the_visit(d, [e for _, e in found[:i]])
                ):
                    continue
                if d.event_type == "aid" and self._aid_told_again(c, d):
                    continue
                drafts.append(d)
        return drafts

    def _strikes_apart(
        self,
        sentence: Span,
        clause_at: Callable[[Span, Span], Clause],
        found: list[tuple[Clause, DraftEvent]],
    ) -> list[tuple[Clause, DraftEvent]]:
        """The sentence's attack read clause by clause when two of its clauses each tell a strike
        on a place of their own (else the sentence's reading stands)."""
        parts = clauses(found[0][0].text, sentence)
        if len(parts) < 2:
            return found
        apart = [
            (c, d)
            for span in parts
            for c in [clause_at(span, sentence)]
            for d in listed(self._attack(c))
        ]
        places = {d.location for _, d in apart if d.location}
        if len(apart) < 2 or len(places) < 2 or any(d.location is None for _, d in apart):
            return found
        for _, d in apart[1:]:
            if not d.actors:
                d.actors = list(apart[0][1].actors)  # "…، فيما أصيب ثلاثة في هجوم بمسيرة"
        return [(c, d) for c, d in found if d.event_type != "attack"] + apart

    def _events_in(self, c: Clause, types: tuple[str, ...]) -> list[DraftEvent]:
        """The rules of each event type (in table order) over one clause or sentence."""
        out: list[DraftEvent] = []
        for event_type in types:
            out.extend(self._rules[event_type](c, out))
        return out


__all__ = ["ATTACK_MODES", "OTHER_ORDER", "RULES_VERSION", "STAGES", "RuleBackend"]
