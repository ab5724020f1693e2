"""Aid rules of the rule backend: who gives what to whom, at which stage (rules_data/aid.yaml)."""

from __future__ import annotations

from bisect import bisect_left

from extractor.backends.rule_clauses import (
    Clause,
    ClauseRules,
    Part,
    party_code,
    sub_clause,
    surfaces,
)
from extractor.backends.rule_lexicon import Lexicon
from extractor.schemas import DraftEvent

STAGES = (
    ("requested", "stage_requested"),
    ("contracted", "stage_contracted"),
    ("approved", "stage_approved"),
    ("delivered", "stage_delivered"),
)


def _aid_stage(lex: Lexicon, n: str) -> str:
    """requested > contracted > approved > delivered (past verbs, arrival) > pledged or
    announced > delivery nouns."""
    return _stage_said(lex, n) or "announced"


def _stage_said(lex: Lexicon, n: str) -> str | None:
    """The stage the words of ``n`` tell, if any."""
    for name, cls in STAGES:
        if lex[cls].search(n):
            return name
    if lex.arrival.search(n):
        return "delivered"
    if lex.aid_pledge.search(n) or lex.announcing.search(n):
        return "announced"
    if lex.delivery_nouns.search(n):
        return "delivered"
    return None


class AidRules(ClauseRules):
    """Aid: packages, pledges, requests, approvals, contracts and deliveries."""

    def _aid_events(self, c: Clause) -> list[DraftEvent]:
        """The clause's aid event, or one per instrument when each has an amount of its own."""
        draft = self._aid(c)
        if draft is None:
            return []
        return self._per_instrument(c, draft) or [draft]

    def _per_instrument(self, c: Clause, draft: DraftEvent) -> list[DraftEvent]:
        """ "وقع … اتفاقية … بقيمة 100 مليون دولار، ومذكرة تفاهم … بقيمة 300 مليون دولار، ضمن
        حزمة … بقيمة 400 مليون دولار أعلنتها المملكة في أكتوبر": each instrument with its own
        amount is its own event, with the stage and day its part tells (else the clause's), the
        parties of the clause. A breakdown ("منها", "على شكل") is one package."""
        money = [
            m for m in c.analysis.money_in(c.span.start, c.span.end) if m.qualifier != "equivalent"
        ]
        if len(money) < 2 or any(m.cumulative for m in money):
            return []
        starts = [c.span.start]
        before = c.span.start
        for i, m in enumerate(money):
            lo = bisect_left(c.norm.offsets, before)
            between = c.norm.text[lo : bisect_left(c.norm.offsets, m.start)]
            if self.lex.aid_breakdown.search(between):
                return []
            instruments = list(self.lex.aid_instrument.finditer(between))
            if not instruments:
                return []
            if i:
                at = lo + instruments[-1].start
                starts.append(c.norm.to_original(at, at + 1)[0])
            before = m.end
        events = []
        for i, m in enumerate(money):
            end = starts[i + 1] if i + 1 < len(starts) else c.span.end
            part = sub_clause(c, starts[i], end)
            if part is None:
                return []
            events.append(
                draft.model_copy(
                    update={
                        "quote": part.quote,
                        "money": [m.surface],
                        "stage": _stage_said(self.lex, part.n) or draft.stage,
                        "date": self._date(part),  # not a later part's day
                    }
                )
            )
        return events

    def _aid(self, c: Clause) -> DraftEvent | None:
        all_money = c.analysis.money_in(c.span.start, c.span.end)
        money = [m for m in all_money if not m.cumulative]
        items = c.analysis.items_in(c.span.start, c.span.end)
        aid_word = bool(self.lex.aid_word.search(c.n))
        transfer = bool(self.lex.aid_transfer.search(c.n))
        if all_money and not money:
            return None  # only a running total: not an event of its own
        if not (money or items or aid_word):
            return None
        if not transfer and not money:
            return None
        if not money and not items:
            if self.lex.aid_discussion.search(c.n):
                return None  # "to discuss providing more aid" is not an aid event
            if self.lex.habitual.search(c.n):
                return None  # "تقدمان باستمرار المساعدات": a habit, not a package
            if self.lex.retrospective.search(c.n):
                return None  # "المساعدات التي تلقتها منذ بدء الحرب": a tally, no package
        if self.lex.already_given.search(c.n) and not self._event_dates(c.n):
            return None  # "سبق أن قدموا مئات الملايين": a tally, not a package
        if (
            not money
            and not aid_word
            and self.lex.combat.search(c.n)
            and not self.lex.stage_requested.search(c.n)
        ):
            return None  # "أعلنت … إسقاط 337 مسيرة": weapons named, nothing given
        if self.lex.purchase_deal.search(c.n) and self.lex.negotiating.search(c.n):
            return None  # "تتفاوض على اتفاق لشراء أسلحة": a deal under negotiation (agreement)
        parts = self._aid_parts(c)
        stage = _aid_stage(self.lex, c.n)
        to_parts = [p for p in parts if p.hint == "to"]
        # In this domain the recipient is nearly always Ukraine when it is among the "to" parties.
        recipients = [p for p in to_parts if p.code == "UKR"][:1] or to_parts[:1]
        earlier = [
            p for p in self._parts(c, "aid", c.sentence_mentions) if p.mention.nstart < c.nstart
        ]  # the sentence's subject, named before this clause
        if stage == "requested":
            # In this domain the requester is Ukraine; the others named are asked.
            requester = [p for p in parts if p.code == "UKR"][:1] or [
                p for p in earlier if p.code == "UKR"
            ][:1]
            asked = {p.code for p in requester}
            donors = [p for p in parts if p.code not in asked and p.hint != "in"]
            if not requester and not donors:
                return None
            actors, targets = donors, requester
        else:
            if not recipients:
                ukraine = [p for p in parts if p.code == "UKR"]
                recipients = [p for p in ukraine if p.mention.entry.kind != "person"][
                    :1
                ] or ukraine[:1]
            recipient_codes = {p.code for p in recipients}

            def donors_of(candidates: list[Part]) -> list[Part]:
                return [
                    p
                    for p in candidates
                    if p.code not in recipient_codes
                    and p.hint not in ("in", "on")
                    and not (p.code == "RUS" and "UKR" in recipient_codes)
                ]

            donors = donors_of(parts)
            if not donors and (money or items):
                # "مؤكدا أن بلاده قدمت …": the donor is the speaker named earlier in the sentence.
                donors = donors_of(earlier)
            if (
                not recipients
                and (money or items)
                and donors
                and "UKR" not in {d.code for d in donors}
            ):
                # "حزمة مساعدات عسكرية جديدة بقيمة 1.1 مليار يورو": in this domain the package is
                # for Ukraine, named elsewhere in the sentence or the segment
                recipients = self._ukraine_named(c)
            actors, targets = donors, recipients
        if not (money or items) and not (actors and targets):
            return None
        if not actors and not targets:
            return None
        category = (
            "humanitarian"
            if self.lex.humanitarian.search(c.n) and not self.lex.military.search(c.n)
            else "military"
            if self.lex.military.search(c.n) or items
            else "financial"
            if self.lex.financial.search(c.n)
            else "military"
        )
        return DraftEvent(
            event_type="aid",
            quote=c.quote,
            actors=surfaces(actors, prefer_state=True),
            targets=surfaces(targets, prefer_state=True),
            date=self._date(c),
            modality=self._modality(c, allow_planned=False),  # type: ignore[arg-type]
            money=[m.surface for m in money][:4],
            items=[i.surface for i in items][:8],
            stage=stage,  # type: ignore[arg-type]
            category=category,  # type: ignore[arg-type]
        )

    def _package_items(self, c: Clause) -> list[str]:
        """Items of a sentence that details the package told just before it ("وتشمل الحزمة 30
        دبابة …", "وأوضح أن الحزمة الجديدة تشمل …"): it opens with a verb of containing, or names
        the package again right before one."""
        words = c.n.split()
        if not (
            self.lex.package_details.search(" ".join(words[:3]))
            or self.lex.package_named_again.search(" ".join(words[:8]))
        ):
            return []
        return [i.surface for i in c.analysis.items_in(c.span.start, c.span.end)]

    def _aid_parts(self, c: Clause) -> list[Part]:
        """The clause's parties; when an announcement reports what someone else will give
        ("أعلنت الولايات المتحدة وألمانيا … أن واشنطن سترسل …"), the parties of what was said."""
        parts = self._parts(c, "aid")
        speech = self.lex.speech.search(c.n)
        transfer = self.lex.aid_transfer.search(c.n[speech.end :]) if speech else None
        if speech is None or transfer is None:
            return parts
        said = [p for p in parts if p.mention.nstart >= c.nstart + speech.end - 3]
        if any(p.hint not in ("to", "in", "from", "on") and p.code != "UKR" for p in said):
            return said
        return parts  # "أعلنت فرنسا أنها ستسلم كييف …": the donor is who announced

    def _ukraine_named(self, c: Clause) -> list[Part]:
        """Ukraine as named in the sentence, else in the segment (as a state, not a person)."""
        for mentions in (c.sentence_mentions, c.analysis.mentions):
            for m in mentions:
                if party_code(m) == "UKR" and m.entry.kind != "person":
                    return [Part(m, "UKR", c.prev_word(m), "to")]
        return []
