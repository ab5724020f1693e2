"""`other` events of the rule backend (rules_data/other.yaml, GUIDELINES §4.1): aid suspensions,
sanctions, prisoner exchanges, accession talks, treaty withdrawals and defence budgets."""

from __future__ import annotations

import re

from extractor.backends.rule_clauses import (
    MULTILATERAL_ORGS,
    Clause,
    ClauseRules,
    distinct,
    surfaces,
)
from extractor.schemas import DraftEvent

AID_LIKE = ("aid_suspension", "defence_budget", "sanctions", "accession")


class OtherRules(ClauseRules):
    """`other` events, each with its subtype."""

    def _other(self, c: Clause) -> DraftEvent | None:
        trigger = self._other_trigger(c)
        if trigger is None or trigger[2]:
            return None
        subtype, hit = trigger[0], trigger[1]
        # the parties of the clause up to the comma after the trigger ("…مع كييف لنحو أسبوع، في
        # ذروة التوتر بين ترامب وزيلينسكي": the tail names no side of the suspension)
        comma = re.search(r"[،,؛]", c.n[hit.end :])
        cut = c.nstart + hit.end + (comma.start() if comma else len(c.n))
        parts = [p for p in self._parts(c, "other") if p.hint != "in" and p.mention.nstart < cut]
        states = [s for s in self._states_in(c, c.mentions) if s.mention.nstart < cut]
        trigger_at = c.nstart + hit.start
        money: list[str] = []
        if subtype == "prisoner_exchange":
            # both sides; a mediator ("بوساطة إماراتية") is not one
            sides = [s for s in self._states_in(c, c.mentions) if s.code in ("RUS", "UKR")]
            if len(distinct(sides)) < 2:
                sides = [
                    s for s in self._states_in(c, c.sentence_mentions) if s.code in ("RUS", "UKR")
                ]
            if not sides:
                return None
            actors, targets = sides, []
        elif subtype == "accession":
            bodies = [p for p in parts if p.code in MULTILATERAL_ORGS]
            if not bodies:
                bodies = [
                    p
                    for p in self._parts(c, "other", c.sentence_mentions)
                    if p.code in MULTILATERAL_ORGS
                ]
            # the candidates follow "انضمام" ("انضمام أوكرانيا ومولدوفا إلى التكتل")
            candidates = [
                p
                for p in parts
                if p.code not in MULTILATERAL_ORGS and p.mention.nstart >= trigger_at
            ]
            if not candidates:
                return None
            actors, targets = bodies[:1], candidates
        elif subtype in ("treaty_withdrawal", "defence_budget"):
            doers = [p for p in parts if p.hint not in ("from", "with", "to")]
            if subtype == "treaty_withdrawal":
                # "هجوم القوات الروسية …، بعد انسحابها من مبادرة …": the side nearest before the
                # withdrawal, not the one that opened the sentence
                doers = [p for p in doers if p.mention.nstart < trigger_at][-1:] or doers
            actors = doers[:1] or [s for s in states if s.hint != "with"][:1]
            if not actors:
                return None
            targets = []
            if subtype == "defence_budget":
                if any(p.hint == "to" and p.code != actors[0].code for p in parts):
                    return None  # money "to" another state is aid, not a budget
                all_money = c.analysis.money_in(c.span.start, c.span.end)
                money = [m.surface for m in all_money if not m.cumulative][:4]
        else:  # aid_suspension, sanctions: who acts on whom
            on = ("to", "with") if subtype == "aid_suspension" else ("on",)
            targets = [p for p in parts if p.hint in on][:1]
            actors = [p for p in parts if p.hint not in on and p.hint != "from"]
            if not targets:
                targets = [
                    p
                    for p in self._parts(c, "other", c.sentence_mentions)
                    if p.hint in on and p.code not in {a.code for a in actors}
                ][:1]
            if subtype == "sanctions":
                # the imposing side is the subject nearest before the measure ("…، وافق الاتحاد
                # الأوروبي على حظر استيراد …"), not a side named in what came before it
                nearest = [a for a in actors if a.mention.nstart < trigger_at][-1:]
                actors = nearest or actors
            if subtype == "sanctions" and not targets:
                # "على النخب والشركات الروسية": the state of the people and firms named after it
                acting = {a.code for a in actors[:1]}
                targets = [
                    s
                    for s in self._states_in(c, c.mentions)
                    if s.code not in acting and s.mention.nstart > trigger_at
                ][:1]
            target_codes = {t.code for t in targets}
            actors = [a for a in actors if a.code not in target_codes][:1]
            if not actors:
                return None  # "والتي تستهدف أسطول الظل": more on a package told before
        return DraftEvent(
            event_type="other",
            subtype=subtype,
            quote=c.quote,
            actors=surfaces(actors, prefer_state=True),
            targets=surfaces(targets, prefer_state=True),
            date=self._date(c),
            modality=self._modality(c),  # type: ignore[arg-type]
            money=money,
        )
