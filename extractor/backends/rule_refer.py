"""What a clause refers back to (rules_data/reference.yaml): another step of a process told just
before ("وكان مجلس الشيوخ قد أقر الحزمة", "بعد أن صادق عليها مجلس النواب"), the sides a group
word names ("اتفق الرئيسان", "قمة ثلاثية تجمع الرؤساء الثلاثة"), and the sides of the talks an
outcome came from ("وأسفرت عن اتفاق").

A reader finds these in the sentence itself or in the one before it; the rules look no further
(the values a record refers to are grounded no further either)."""

from __future__ import annotations

from extractor.backends.rule_clauses import (
    Clause,
    ClauseRules,
    Part,
    distinct,
    one_per_code,
    surfaces,
)
from extractor.schemas import DraftEvent

# `other` events that are taken through steps (a budget or a sanctions package voted, then
# ratified); an exchange or a withdrawal is not approved again.
_STEPPED_OTHER = ("defence_budget", "sanctions", "accession")
_OBJECT_PRONOUNS = ("هما", "ها", "ه")


class ReferenceRules(ClauseRules):
    """Events and sides a clause names only by referring back."""

    def _process_step(self, c: Clause) -> DraftEvent | None:
        """An approval, ratification or vote of what was told just before: the same package,
        budget or agreement at its next step, with this clause's body, day and modality
        (GUIDELINES §3: each step of a process is its own event)."""
        step = self.lex.process_step.search(c.n)
        if step is None:
            return None
        verb = c.n[step.start : step.end].split()[0]
        after = " ".join(c.n[step.end :].split()[:4])
        said_again = self.lex.step_object.search(after)
        if said_again is None and not self._with_object_pronoun(verb):
            return None  # "وافق البرلمان على حزمة جديدة": a new thing, for the other rules
        # "صادق عليها": whatever was told last; "أقر الحزمة" a package, "أقر الاتفاقية" a treaty
        named = after[said_again.start : said_again.end] if said_again is not None else ""
        if not named or named.startswith("علي"):
            kinds: tuple[str, ...] = ("aid", "other", "agreement")
        elif self.lex.step_of_agreement.search(named):
            kinds = ("agreement",)
        else:
            kinds = ("aid", "other")
        earlier = next(
            (
                d
                for d in reversed(c.earlier)
                if d.event_type in kinds
                and (d.event_type != "other" or d.subtype in _STEPPED_OTHER)
            ),
            None,
        )
        if earlier is None:
            return None
        # the body that takes this step ("مجلس النواب" may be unknown: then the one before)
        own = [p for p in self._parts(c, earlier.event_type) if p.hint not in ("in", "to")]
        day = self._date(c)
        if not own and day is None:
            return None  # "وصوّت لصالح التعديل 567 نائبا": the same step, told in detail
        update: dict[str, object] = {
            "quote": c.quote,
            "date": day,
            "modality": self._modality(c),  # a scheduled vote is planned (GUIDELINES §7)
            "location": None,
        }
        if earlier.event_type == "agreement":
            if not own or not self.lex.ratified.search(c.n):
                return None  # a treaty is ratified by a named side, on its own
            update |= {"actors": surfaces(own)[:1], "targets": []}
            update["status"] = "ratified"
        else:
            if own:
                update["actors"] = surfaces(own, prefer_state=True)[:3]
            if earlier.event_type == "aid":
                update["stage"] = "approved"
        return earlier.model_copy(update=update, deep=True)

    def _with_object_pronoun(self, verb: str) -> bool:
        """ "أقرها", "يقره": a form of a step verb with an object pronoun (the thing told before)."""
        return any(
            verb.endswith(suffix) and self.lex.process_step.has_word(verb[: -len(suffix)])
            for suffix in _OBJECT_PRONOUNS
        )

    def _referred_sides(self, c: Clause, event: str) -> list[Part]:
        """ "اتفق الرئيسان", "تجمع الرؤساء الثلاثة": the first two or three sides named before
        the clause in its sentence, else from the sentence before on."""
        if self.lex.group_of_two.search(c.n):
            count = 2
        elif self.lex.group_of_three.search(c.n):
            count = 3
        else:
            return []
        before = [m for m in c.sentence_mentions if m.nstart < c.nstart]
        for mentions in (before, c.before_mentions + before):
            parts = [p for p in self._parts(c, event, mentions) if p.hint != "in"]
            if len(distinct(parts)) >= count:
                return one_per_code(parts)[:count]
        return []

    def _sides_of_talks(self, c: Clause, found: list[DraftEvent]) -> list[str]:
        """ "…، وأسفرت عن اتفاق": the sides of the contact the outcome came from (told in this
        clause or just before)."""
        if self.lex.outcome.search(c.n) is None:
            return []
        contact = next(
            (d for d in reversed(c.earlier + found) if d.event_type == "diplomatic_contact"),
            None,
        )
        return [] if contact is None else contact.actors + contact.targets
