"""Diplomatic contacts and agreements of the rule backend (rules_data/contact.yaml,
rules_data/agreement.yaml): calls, visits, meetings and talks, and agreements signed, negotiated
or ratified."""

from __future__ import annotations

import re
from bisect import bisect_left

from extractor.backends.rule_clauses import (
    MULTILATERAL_ORGS,
    Clause,
    Part,
    distinct,
    one_per_code,
    same_side_of_speech,
    surfaces,
    trigger_at,
)
from extractor.backends.rule_lexicon import Hit
from extractor.backends.rule_refer import ReferenceRules
from extractor.schemas import DraftEvent


class ContactRules(ReferenceRules):
    """Contacts (who called, visited or met whom) and agreements (who signed with whom)."""

    def _contact(self, c: Clause, found: list[DraftEvent] | None = None) -> list[DraftEvent]:
        """``found``: the clause's events of other types (a meeting may be their setting)."""
        receive = self.lex.receive.search(c.n)
        if receive is not None and not self.lex.phone.search(c.n):
            received = self._received(c, receive)
            if received:
                return received
        mode = (
            "phone"
            if self.lex.phone.search(c.n)
            else "visit"
            if self.lex.visit.search(c.n)
            else "talks"
            if self.lex.talks.search(c.n)
            else "meeting"
            if self.lex.meeting.search(c.n)
            else None
        )
        if mode is None:
            return []
        before = c.n[: trigger_at(self.lex, mode, c.n)].split()
        if mode == "meeting" and before and self.lex.sideline.has_word(before[-1]):
            return []  # "وعلى هامش القمة، وقع …": the summit is the setting of another event
        if self._not_a_contact(c, mode, before, found or []):
            return []
        war = self.lex.war_between.search(c.n)
        partner_text = c.n[: war.start] + c.n[war.end :] if war else c.n
        parts = [
            p
            for p in self._parts(c, "contact")
            if not self.lex.topic_words.has(p.prev) or p.hint == "in"
        ]
        named = distinct([p for p in parts if p.hint != "in"])
        # "اتفق الرئيسان على عقد اجتماع", "قمة تجمع الرؤساء الثلاثة": the sides named before
        referred = self._referred_sides(c, "contact") if len(named) < 2 else []
        if mode in ("talks", "meeting") and not self.lex.partner.search(partner_text):
            # a meeting or talks need a second side: "مع", "بين", or two sides named with an
            # indefinite "محادثات" ("عقد الوفدان الأمريكي والروسي محادثات"), not "the talks"
            hit = self.lex[mode].search(c.n)
            definite = hit is not None and c.n[hit.start : hit.end].lstrip("وف").startswith("ال")
            if definite and not named:
                # "وكانت الجولة الأولى من المحادثات قد عقدت في 16 مايو": another round of the
                # talks told before, on a day of its own
                return self._another_round(c, mode)
            hit_end = c.nstart + (hit.end if hit is not None else 0)
            own_sides = [
                p
                for p in parts
                if p.mention.via == "adjective" and 0 <= p.mention.nstart - hit_end <= 25
            ]
            if definite and len(distinct(own_sides)) >= 2:
                pass  # "بدأت جولة المفاوضات الروسية الأوكرانية": the sides are its adjectives
            elif definite or len(distinct(referred)) < 2 and len(named) < 2:
                return []
        parts = same_side_of_speech(self.lex, c, parts, trigger_at(self.lex, mode, c.n))
        parts = self._before_the_topic(c, parts, trigger_at(self.lex, mode, c.n))
        if war:
            war_end = c.nstart + war.end
            parts = [p for p in parts if not (war_end <= p.mention.nstart <= war_end + 40)]
        if referred:
            parts = referred + [p for p in parts if p.code not in {r.code for r in referred}]
        between = self.lex.between.search(partner_text)
        trigger_end = trigger_at(self.lex, mode, c.n) + 12
        if between is not None and between.start - trigger_end > 30:
            between = None  # "… اتصالا هاتفيا ببوتين، وبدأ الترتيب لعقد لقاء بين …": another event
        if between and not war:
            # "اتصال هاتفي بين بوتين والرئيس الأمريكي دونالد ترامب": the sides follow "بين"
            lo = c.nstart + between.end
            inside = [p for p in parts if lo <= p.mention.nstart <= lo + 60]
            if len(distinct(inside)) >= 2:
                parts = inside
        if mode == "visit":
            # "حل … ضيفا على لندن": the host after «على» when none is «to» or «in»
            hosts = [p for p in parts if p.hint in ("to", "in")][:1] or [
                p for p in parts if p.hint == "on"
            ][:1]
            host_codes = {p.code for p in hosts}
            # The visitors are named before the destination ("زيارة ستولتنبرغ … إلى كييف").
            visitors = [
                p
                for p in parts
                if p.code not in host_codes
                and p.hint not in ("in", "to", "from")  # "يتوجه بايدن من كييف إلى وارسو"
                and (not hosts or p.mention.nstart < hosts[0].mention.nstart)
            ]
            if visitors and not hosts:
                # "يزور زيلينسكي باريس": the destination is the next other party after the visitor
                visitors = visitors[:1]
                hosts = [
                    p
                    for p in parts
                    if p.code != visitors[0].code and p.mention.nstart > visitors[0].mention.nstart
                ][:1]
            along = self.lex.accompanying.search(c.n)
            if along is not None and hosts:
                # "… إلى كييف، إلى جانب رئيس الوزراء الكندي": more visitors after the host
                visitors += [
                    p
                    for p in parts
                    if p.mention.nstart >= c.nstart + along.end
                    and p.code not in host_codes
                    and p.hint not in ("in", "to", "from")
                ]
            if not visitors or not hosts:
                return []
            actors, targets = visitors, hosts
        else:
            # "وأثار انتقادات من زيلينسكي": who a reaction came from is no side of the call
            sides = [p for p in parts if p.hint not in ("in", "from")]
            codes = distinct(sides)
            if len(codes) == 1:
                # "حيث سيلتقي الرئيس البولندي", "قال الرئيس الأوكراني إنه بحث مع …": the other
                # side is the subject named earlier in the sentence (if there is none, a body
                # such as NATO may still meet on its own)
                at = c.nstart + trigger_at(self.lex, mode, c.n)
                subject = [
                    p
                    for p in self._parts(c, "contact", c.sentence_mentions)
                    if p.hint not in ("in", "to") and p.code != codes[0] and p.mention.nstart < at
                ][:1]  # named before the contact: "… الجانب الأوكراني" after it is no side
                sides = subject + sides
                codes = distinct(sides)
            joins = self.lex.participation.search(c.n)
            if not codes or (
                len(codes) < 2 and codes[0] not in MULTILATERAL_ORGS and joins is None
            ):
                return []  # one side alone meets nobody, unless it takes part in a meeting
            if mode in ("meeting", "talks"):
                actors, targets = sides, []  # every named side of a meeting (GUIDELINES §6)
            else:
                # the caller: the first side not named after «مع» ("في اتصال هاتفي مع نظيره
                # الأوكراني، أكد الرئيس الفنلندي …" is Finland's call); "بين A وB": A
                caller = sides[0]
                if between is None:
                    caller = next((p for p in sides if p.hint != "with"), caller)
                actors = [caller]
                targets = [p for p in sides if p.code != caller.code]
                incoming = self.lex.call_received.search(c.n)
                if mode == "phone" and incoming is not None and targets:
                    # "تلقى الرئيس الأوكراني اتصالا من …": the caller is the one it came from
                    actors, targets = targets[:1], actors
        # "وصلت فون دير لاين … إلى كييف، إلى جانب رئيس الوزراء الكندي …": one visit per visitor
        groups = [[p] for p in one_per_code(actors)] if mode == "visit" else [actors]
        modality = self._modality(c, contact_at=trigger_at(self.lex, mode, c.n))
        day = self._date(c)
        if referred and modality == "asserted" and day is None:
            # "ناقش الرئيسان أيضا …": with no day of its own, the contact told before, told on
            # (a planned one, "اتفق الرئيسان على عقد اجتماع", is new)
            return []
        return [
            DraftEvent(
                event_type="diplomatic_contact",
                quote=c.quote,
                actors=surfaces(group),
                targets=surfaces(targets),
                date=day,
                location=self._location(c),
                modality=modality,  # type: ignore[arg-type]
                mode=mode,
            )
            for group in groups
        ]

    def _not_a_contact(
        self, c: Clause, mode: str, before: list[str], found: list[DraftEvent]
    ) -> bool:
        """A contact noun that tells no contact of its own: judged ("وصف زيلينسكي اللقاء
        بأنه …": the meeting told before), addressed ("وجه كلمة … إلى قمة العشرين": a speech), or
        the setting of another event of the clause ("اتفق القادة على حزمة …، خلال قمة")."""
        hit = self.lex[mode].search(c.n)
        if hit is None:
            return False
        noun = c.n[hit.start : hit.end].lstrip("وف")
        near = before[-2:]
        # "ووصف الرئيس الفرنسي اللقاء": the judging verb, its subject, then the contact
        if noun.startswith("ال") and any(self.lex.described.has_word(w) for w in before[-4:]):
            return True
        if mode == "meeting" and self.lex.address.search(" ".join(before[-5:])):
            return True
        after = c.n[hit.end :].split()[:1]
        if after and self.lex.earlier_contact.has_word(after[0]):
            return True  # "محادثاته الأخيرة مع بوتين": a contact held before
        return (
            mode == "meeting"
            and bool(near)
            and self.lex.setting.has_word(near[-1])
            and any(d.event_type in ("aid", "agreement", "other") for d in found)
        )

    def _another_round(self, c: Clause, mode: str) -> list[DraftEvent]:
        """The talks or meeting named with the article and a day of its own: the sides of the
        latest such contact of this sentence or the one before."""
        day = self._date(c)
        told = next(
            (
                d
                for d in reversed(c.earlier)
                if d.event_type == "diplomatic_contact" and d.mode == mode
            ),
            None,
        )
        if day is None or told is None or len(told.actors + told.targets) < 2:
            return []
        return [
            DraftEvent(
                event_type="diplomatic_contact",
                quote=c.quote,
                actors=told.actors + told.targets,
                date=day,
                location=self._location(c),
                modality=self._modality(c, contact_at=trigger_at(self.lex, mode, c.n)),  # type: ignore[arg-type]
                mode=mode,
            )
        ]

    def _before_the_topic(self, c: Clause, parts: list[Part], trigger: int) -> list[Part]:
        """ "اتصالا هاتفيا ببوتين، ناقشا خلاله نتائج زيارته ومحادثاته مع زيلينسكي": who is named
        in what they discussed is a topic, not a side of the call."""
        discussed = self.lex.discussed.search(c.n[trigger:])
        if discussed is None:
            # "تحدث … مع نظيره الأوكراني بشأن المفاوضات مع موسكو": after «بشأن» is the topic
            discussed = self.lex.topic_lead.search(c.n[trigger:])
        if discussed is None:
            return parts
        cut = c.nstart + trigger + discussed.start
        before = [p for p in parts if p.mention.nstart < cut]
        return before if len(distinct(before)) >= 2 else parts

    def _received(self, c: Clause, receive: Hit) -> list[DraftEvent]:
        """ "استقبل ترامب زيلينسكي في البيت الأبيض": a visit of Zelensky (actor) to Trump
        (target); "كما استقبله البابا": the visitor is the sentence's subject. A wider meeting
        in the same clause ("أعقبه اجتماع موسع شارك فيه …") is an event of its own."""
        after = c.nstart + receive.start
        parts = [
            p
            for p in self._parts(c, "contact")
            if p.mention.nstart >= after and p.hint not in ("in", "to")
        ]
        word = c.n[receive.start : receive.end]
        if self.lex.reception.has_word(word):
            # "وأكد الرئيس المصري لدى استقباله وزير الخارجية الأوكراني": his reception — the
            # host is named before, the visitor after
            hosts = [
                p
                for p in self._parts(c, "contact", c.sentence_mentions)
                if p.mention.nstart < after and p.hint not in ("in", "to", "with")
            ][:1]
            parts = [p for p in parts if hosts and p.code != hosts[0].code]
            parts = hosts + parts
        hosts = parts[:1]
        if not hosts:
            return []
        pronoun = word.endswith(("ه", "ها", "هم")) and not self.lex.reception.has_word(word)
        if pronoun:
            visitors = [
                p
                for p in self._parts(c, "contact", c.sentence_mentions)
                if p.mention.nstart < c.nstart
                and p.hint not in ("in", "to", "with")
                and p.code != hosts[0].code
            ][:1]
        else:
            visitors = [p for p in parts[1:] if p.code != hosts[0].code][:1]
        if not visitors:
            return []
        events = [
            DraftEvent(
                event_type="diplomatic_contact",
                quote=c.quote,
                actors=surfaces(visitors),
                targets=surfaces(hosts),
                date=self._date(c),
                modality=self._modality(c, contact_at=receive.start),  # type: ignore[arg-type]
                mode="visit",
            )
        ]
        wider = self.lex.all_sides.search(c.n)
        if wider is not None:
            sides = [
                p
                for p in self._parts(c, "contact")
                if p.hint not in ("in",) and p.mention.nstart >= c.nstart + wider.start - 40
            ]
            if len(distinct(sides + hosts + visitors)) >= 3:
                events.append(
                    DraftEvent(
                        event_type="diplomatic_contact",
                        quote=c.quote,
                        actors=surfaces(hosts + visitors + sides),
                        date=self._date(c),
                        modality=self._modality(c, contact_at=receive.start),  # type: ignore[arg-type]
                        mode="meeting",
                    )
                )
        return events

    def _contact_told_again(self, c: Clause, d: DraftEvent, earlier: list[DraftEvent]) -> bool:
        """ "عقب المحادثات", "تفاصيل المحادثات", "وصف اللقاء بأنه …": "the" talks told before,
        with no day of their own, are those talks."""
        if d.date or not any(e.event_type == "diplomatic_contact" for e in earlier):
            return False
        first = self.lex[d.mode or "meeting"].search(c.n)
        return first is not None and c.n[first.start : first.end].lstrip("وف").startswith(
            ("ال", "بال", "لل")
        )

    def _meeting_of_the_visit(self, d: DraftEvent, before: list[DraftEvent]) -> bool:
        """ "وكان زيلينسكي قد زار واشنطن، حيث استقبله بايدن، بعد أن التقى أعضاء مجلس
        الشيوخ": a meeting or talks of the sides of a visit told earlier in the sentence are
        that visit, told on."""
        if d.mode not in ("meeting", "talks") or d.modality != "asserted":
            return False
        sides = self._codes_of(d.actors + d.targets)
        return len(sides) >= 2 and any(
            e.event_type == "diplomatic_contact"
            and e.mode == "visit"
            and e.modality == d.modality
            and self._codes_of(e.actors + e.targets) == sides
            for e in before
        )

    def _agreement(self, c: Clause, found: list[DraftEvent] | None = None) -> list[DraftEvent]:
        hit = self.lex.agreement.search(c.n)
        if hit is None:
            # "…، والتي وقعها بوتين وكيم": the treaty named earlier in the sentence, signed
            sentence_before = c.norm.text[bisect_left(c.norm.offsets, c.sentence.start) : c.nstart]
            signed_it = self.lex.signed_it.search(c.n)
            if signed_it is None or self.lex.agreement.search(sentence_before) is None:
                return []
            hit = signed_it
        after = " ".join(c.n[hit.start :].split()[:6])
        if self.lex.aid_agreement.search(after):
            return []  # "اتفاقية قرض بقيمة …": an agreement on an aid package is the aid event
        parts = [p for p in self._parts(c, "agreement") if p.hint != "in"]
        if not parts and self.lex.both_sides.search(c.n):
            # "وفق الاتفاق الذي توصل إليه الجانبان": the two sides the sentence names
            parts = [p for p in self._parts(c, "agreement", c.sentence_mentions) if p.hint != "in"]
        if len(distinct(parts)) == 1:
            # "حيث وقّع مع الرئيس زيلينسكي اتفاقية": the signatory is the sentence's subject
            subject = [
                p
                for p in self._parts(c, "agreement", c.sentence_mentions)
                if p.hint not in ("in", "to", "with")
                and p.code != parts[0].code
                and p.mention.nstart < c.nstart + hit.start
            ][:1]
            parts = subject + parts
        ratifier = self._ratifier(c) if self.lex.ratified.search(c.n) else None
        if ratifier is not None:
            # "صادق البرلمان الأوكراني على الاتفاق": the ratifying side alone (GUIDELINES §6)
            modality = self._modality(c, outcome=self.lex.agreement)
            return [self._agreement_event(c, [ratifier], [], "ratified", modality)]
        if len(distinct(parts)) < 2:
            talks = self._sides_of_talks(c, found or [])
            if len(talks) >= 2 and not parts:
                # "وكانت الجولة الأولى … قد عقدت …، وأسفرت عن اتفاق": the sides of the talks
                return [
                    DraftEvent(
                        event_type="agreement",
                        quote=c.quote,
                        actors=talks,
                        date=self._date(c),
                        modality=self._modality(c, outcome=self.lex.agreement),  # type: ignore[arg-type]
                        status="signed",
                    )
                ]
            return []
        if self.lex.ratified.search(c.n):
            status = "ratified"
        elif self.lex.negotiating.search(c.n):
            status = "negotiating"
        elif self.lex.signed.search(c.n) or self.lex.signed_it.search(c.n):
            status = "signed"
        else:
            # "بموجب الاتفاقية", "الاتفاق الذي رعته تركيا": an agreement named, nothing done
            return []
        modality = self._modality(c, outcome=self.lex.agreement)
        first = parts[0]
        others = [p for p in parts if p.code != first.code]
        if status == "ratified":  # a parliament ratifies on its own side
            return [self._agreement_event(c, [first], [], status, modality)]
        with_side = [p for p in others if p.hint in ("with", "to")]
        if not with_side and others:
            between = c.norm.text[first.mention.nend : others[0].mention.nstart]
            if re.search(r"(?<![^\W\d_])مع(?![^\W\d_])", between):
                with_side = others  # "وقعت أوكرانيا … مع عدة دول، بما في ذلك فرنسا وفنلندا"
        # Every signatory or party is an actor, none is a target (GUIDELINES §6).
        if with_side and self.lex.each_separately.search(c.n):
            # "وقّعت روسيا وأوكرانيا، كلٌّ على حدة، اتفاقين مع تركيا والأمم المتحدة": one
            # agreement per signatory, each with every counterpart
            with_codes = {p.code for p in with_side}
            signatories = [p for p in one_per_code(parts) if p.code not in with_codes]
            return [
                self._agreement_event(c, [p, *with_side], [], status, modality) for p in signatories
            ]
        if status == "signed" and len(distinct(others)) > 1 and with_side:
            # "A signed with B and C" = one event per counterpart.
            return [
                self._agreement_event(c, [first, p], [], status, modality)
                for p in one_per_code(others)
            ]
        return [self._agreement_event(c, parts, [], status, modality)]

    def _ratifier(self, c: Clause) -> Part | None:
        """Who ratifies: the subject of the ratifying verb — the first side named right after it
        ("يصادق البرلمان الأوكراني"), else the last one right before it ("البرلمان الأوكراني
        صادق"); never a side named in the speech around it ("قال مسؤولون أمريكيون إن …")."""
        hit = self.lex.ratified.search(c.n)
        if hit is None:
            return None
        at, end = c.nstart + hit.start, c.nstart + hit.end
        parts = [p for p in self._parts(c, "agreement") if p.hint not in ("in", "with", "to")]
        after = [p for p in parts if 0 <= p.mention.nstart - end <= 25]
        if after:
            return after[0]
        before = [p for p in parts if 0 <= at - p.mention.nend <= 25]
        return before[-1] if before else None

    def _agreement_event(
        self, c: Clause, actors: list[Part], targets: list[Part], status: str, modality: str
    ) -> DraftEvent:
        return DraftEvent(
            event_type="agreement",
            quote=c.quote,
            actors=surfaces(actors),
            targets=surfaces(targets),
            date=self._date(c),
            modality=modality,  # type: ignore[arg-type]
            status=status,  # type: ignore[arg-type]
        )
