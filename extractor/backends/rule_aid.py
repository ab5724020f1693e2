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
from extractor.backends.rule_lexicon import Lexicon, tokens_of
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
        """The clause's aid event, or one per instrument when each has an amount of its own, or
        the event and the request a relative clause tells of the same weapons."""
        asked = self._relative_request(c)
        main = sub_clause(c, c.span.start, asked) if asked is not None else None
        told = self._aid(main) if main is not None else None
        request = sub_clause(c, asked, c.span.end) if asked is not None else None
        if told is not None and request is not None:
            wanted = self._aid(request, referred=told.items)
            if wanted is not None:
                return [told, wanted]
        draft = self._aid(c)
        if draft is None:
            return []
        return self._per_instrument(c, draft) or [draft]

    def _relative_request(self, c: Clause) -> int | None:
        """ "نفى … أن تكون برلين قد وافقت على تسليم صواريخ «توروس»، التي طلبت كييف من برلين
        تزويدها بها": where a relative clause telling a request starts (original offset), when
        the words before it tell a stage of their own."""
        request = self.lex.stage_requested.search(c.n)
        if request is None:
            return None
        words = [t for t in tokens_of(c.n) if t.end <= request.start][-2:]
        pronoun = next((t for t in words if self.lex.relative.has_word(t.text)), None)
        if pronoun is None:
            return None
        before = c.n[: pronoun.start]
        if _stage_said(self.lex, before) in (None, "requested"):
            return None
        if not self.lex.aid_transfer.search(before):
            return None
        return c.norm.to_original(c.nstart + pronoun.start, c.nstart + pronoun.end)[0]

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

    def _aid(self, c: Clause, referred: list[str] | None = None) -> DraftEvent | None:
        """``referred``: the items a relative clause points back to ("التي طلبت كييف …
        تزويدها بها")."""
        all_money = c.analysis.money_in(c.span.start, c.span.end)
        money = [m for m in all_money if not m.cumulative]
        items = [i.surface for i in c.analysis.items_in(c.span.start, c.span.end)] or referred or []
        aid_word = bool(self.lex.aid_word.search(c.n))
        # "التي طلبتها أوكرانيا": a request (with its object pronoun) asks for a transfer
        transfer = bool(self.lex.aid_transfer.search(c.n) or self.lex.asked_for.search(c.n))
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
            if self.lex.aid_purpose.search(c.n):
                return None  # "اجتماع … لتقديم مساعدات": the purpose of another event
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
                donors = donors_of(earlier) or donors_of(self._anaphor_parts(c, "aid"))
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
        # a pledge in the future tense is asserted; a scheduled approval is planned (GUIDELINES §5)
        modality = self._modality(c, allow_planned=stage == "approved")
        if not (money or items) and modality == "hypothetical":
            return None  # "وقد يمهد لمساعدات جديدة": speculation about vague aid
        category = (
            "financial"
            if self.lex.loan.search(c.n) and not items
            else "humanitarian"
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
            modality=modality,  # type: ignore[arg-type]
            money=[m.surface for m in money][:4],
            items=items[:8],
            stage=stage,  # type: ignore[arg-type]
            category=category,  # type: ignore[arg-type]
        )

    def _aid_told_again(self, c: Clause, d: DraftEvent) -> bool:
        """ "ستبدأ إرسال الأسلحة إلى أوكرانيا", "إن أربع دبابات وصلت بالفعل": with no amount of
        its own, the package of the same donor and recipient told in the last sentences, told
        on — unless it names items of another kind or a new stage of them ("وتعهدت بولندا
        بإرسال 14 دبابة" after their delivery is a new pledge)."""
        if d.money:
            return False
        donors, recipients = self._codes_of(d.actors), self._codes_of(d.targets)
        if not donors or not recipients:
            return False
        # with no items, only "the weapons", "the aid" (with the article) points back: "بإرسال
        # مساعدات عسكرية" is a new pledge
        aid_word = self.lex.aid_word.search(c.n)
        word = c.n[aid_word.start : aid_word.end].split()[0] if aid_word is not None else ""
        word = word[1:] if word[:1] in ("و", "ف") and len(word) > 3 else word
        named_again = word.startswith(("ال", "بال", "لل", "كال"))
        kinds = self._item_kinds(d.items)
        for e in reversed(c.earlier):
            if e is d or e.event_type != "aid":
                continue
            if self._codes_of(e.actors) != donors or self._codes_of(e.targets) != recipients:
                continue
            if (not d.items and named_again) or (
                d.items and e.stage == d.stage and kinds <= self._item_kinds(e.items)
            ):
                return True
        return False

    def _item_kinds(self, surfaces: list[str]) -> set[str]:
        found = (self.gazetteer.lookup(s) for s in surfaces)
        return {m.entry.category or m.entry.name for m in found if m is not None}

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
