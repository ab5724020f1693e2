"""Attacks and ceasefires of the rule backend (rules_data/attack.yaml, rules_data/ceasefire.yaml):
who struck whom, where, with what and with which toll; which truce covers which sides."""

from __future__ import annotations

import re
from bisect import bisect_left

from extractor.arabic.casualties import find_casualties
from extractor.arabic.gazetteer import Mention
from extractor.arabic.sentences import clauses
from extractor.arabic.textnorm import normalize
from extractor.backends.rule_clauses import (
    Clause,
    ClauseRules,
    Part,
    distinct,
    same_side_of_speech,
    surfaces,
)
from extractor.backends.rule_lexicon import Hit
from extractor.events.builder import ceasefire_scope
from extractor.schemas import DraftEvent
from extractor.schemas.event_types import SPECS

DURATION = re.compile(
    r"(?:لمده|مدتها|مده)\s+(?P<n>[^\s]+(?:\s+[^\s]+)?)\s+(?P<u>يوما|يوم|ايام|ساعه|ساعات|اسبوعا|اسابيع|اسبوع|شهرا|اشهر|شهر)"
    r"|(?:لمده|مدتها)\s+(?P<d>يومين|اسبوعين|شهرين|شهر|اسبوع)"
)
# the table's attack modes that cue words name (mode_<name> classes); "other" is the fallback
ATTACK_MODES = tuple(m for m in SPECS["attack"].modes if m != "other")
# "على بلدة مارهانيت", "في قرية …": a struck place the gazetteer does not know, named by its kind
_NAMED_PLACE = re.compile(r"(?<![^\W\d_])(?:علي|في)\s+(?:بلده|مدينه|قريه|بلدات)\s+([^\W\d_]{3,})")


class ConflictRules(ClauseRules):
    """Attacks (one strike, its sides, mode and toll) and ceasefires."""

    def _ceasefire(self, c: Clause) -> DraftEvent | None:
        hit = self.lex.ceasefire.search(c.n)
        if hit is None:
            return None
        if any(self.lex.aim.has_word(w) for w in c.n[: hit.start].split()[-3:]):
            return None  # "المحادثات الرامية إلى إرساء هدنة": the aim of talks
        parts = [p for p in self._parts(c, "ceasefire") if p.hint != "in"]
        if not parts:
            parts = [p for p in self._parts(c, "ceasefire", c.sentence_mentions) if p.hint != "in"]
        warring = [p for p in parts if p.code in ("RUS", "UKR")]
        called = self.lex.call_on.search(c.n)
        if (
            called is not None
            and self.lex.accepted.search(c.n[: called.start])
            or (called is not None and self.lex.ordered.search(c.n[: called.start]))
        ):
            # a truce declared, the other side called on to follow: the declaring side only
            at = c.nstart + called.start
            declared = [p for p in warring if p.mention.nstart < at]
            if declared:
                warring = declared
                parts = [p for p in parts if p.mention.nstart < at]
        parts = warring or parts  # the sides that stop fighting, not the mediators
        scope = ceasefire_scope(c.n)
        duration = None
        m = DURATION.search(c.n)
        if m:
            start, end = c.norm.to_original(c.nstart + m.start(), c.nstart + m.end())
            duration = c.text[start:end]
        # a truce is scheduled by being declared: "planned" is for contacts and votes
        modality = self._modality(c, allow_planned=False, outcome=self.lex.ceasefire)
        if (
            modality == "asserted"
            and self.lex.proposal.search(c.n)
            and not self.lex.accepted.search(c.n)
        ):
            modality = "hypothetical"  # a proposal or a readiness is not a ceasefire yet
        if len(distinct(warring)) == 1:
            # "…، وهو ما وافقت عليه كييف أيضا": the other side accepted it later in the sentence
            cend = c.nstart + len(c.n)
            after = c.norm.text[cend : bisect_left(c.norm.offsets, c.sentence.end)]
            if self.lex.accepted.search(after):
                joined = [
                    p
                    for p in self._parts(c, "ceasefire", c.sentence_mentions)
                    if p.mention.nstart >= cend
                    and p.code in ("RUS", "UKR")
                    and p.code != warring[0].code
                ][:1]
                parts = warring = warring + joined
        if (
            not warring
            or self.lex.both_sides.search(c.n)
            or (modality == "hypothetical" and len(distinct(warring)) == 1)
        ):
            # "بين البلدين", a proposal about the war, or no side named: the war's two sides,
            # as the sentence or the segment names them (GUIDELINES §6)
            both = self._belligerents(c)
            if len(distinct(both)) == 2:
                parts = both
        if not parts and duration is None and scope is None:
            return None
        return DraftEvent(
            event_type="ceasefire",
            quote=c.quote,
            actors=surfaces(parts, prefer_state=True),
            date=self._date(c, effective=True),
            location=self._location(c),
            modality=modality,  # type: ignore[arg-type]
            duration=duration,
        )

    def _truce_told_again(self, c: Clause, d: DraftEvent, earlier: list[DraftEvent]) -> bool:
        """ "وشكك الرئيس الأوكراني في جدية الهدنة": "the" truce, with no day or length of its
        own, after a truce told earlier in the segment, is that truce discussed again."""
        if d.date or d.duration or not any(e.event_type == "ceasefire" for e in earlier):
            return False
        first = self.lex.ceasefire.search(c.n)
        return first is not None and c.n[first.start : first.end].lstrip("وف").startswith(
            ("ال", "بال", "لل")
        )

    def _attack(self, c: Clause) -> DraftEvent | None:
        if self.lex.ceasefire.search(c.n):
            return None  # "وافقت على وقف الضربات" is a ceasefire, not an attack
        casualties = find_casualties(c.quote)
        has_casualties = casualties.killed is not None or casualties.injured is not None
        if not self._attack_told(c, has_casualties):
            return None
        other = self._other_trigger(c)
        if not has_casualties and other and other[0] in ("sanctions", "treaty_withdrawal"):
            return None  # "العقوبات … التي تستهدف أسطول الظل": sanctions target, nothing is struck
        places = [m for m in c.mentions if self._struck_place(c, m)]
        parts = self._parts(c, "attack")
        first_hit = self.lex.attack.search(c.n)
        if first_hit is not None:
            # "وقال الرئيس الأوكراني إن روسيا أطلقت …": the speaker is no side of the strike
            # when what was said names the attacker ("أعلن الجيش الأوكراني أن مسيراته …" does not)
            said = same_side_of_speech(self.lex, c, parts, first_hit.start)
            if any(p.hint not in ("in", "on", "from", "to") for p in said):
                parts = said
        # "شنت روسيا هجوما على أوكرانيا", "… على منشآت الطاقة في عدة مناطق أوكرانية"
        sides = {s.code for s in self._states_in(c, c.mentions)}
        struck_state = self.lex.attack_verb.search(c.n) and (
            any(p.hint == "on" for p in parts) or {"RUS", "UKR"} <= sides
        )
        experiencer = self.lex.attack_experiencer.search(c.n)
        active = self.lex.attack_verb.search(c.n)
        if experiencer is not None and active is not None and active.start < experiencer.start:
            experiencer = None  # "شنت روسيا … هجوما، وطالت الضربات …": Russia struck
        unknown_place = None if places else self._unknown_place(c)
        if (
            not has_casualties
            and not places
            and not unknown_place
            and not struck_state
            and not experiencer
        ):
            return None
        attackers, targets = self._attack_sides(c, parts, places, experiencer)
        if (
            self.lex.counter_fire.search(c.n)
            and not has_casualties
            and not self.lex.attack_verb.search(c.n)
            and not (places and attackers and targets)
        ):
            # shooting down alone is no strike, unless the text says whose drones were shot
            # down over which place ("إسقاط 40 مسيرة أوكرانية فوق بيلغورود")
            return None
        if not places and not has_casualties and not (attackers or targets):
            return None
        location = places[0].surface if places else unknown_place
        return DraftEvent(
            event_type="attack",
            quote=c.quote,
            actors=surfaces(attackers, prefer_state=True),
            targets=surfaces(targets, prefer_state=True)[:1],
            date=self._date(c),
            location=location,
            modality=self._modality(c, allow_planned=False),  # type: ignore[arg-type]
            mode=self._attack_mode(c.n),
            killed=casualties.killed_surface,
            injured=casualties.injured_surface,
        )

    def _unknown_place(self, c: Clause) -> str | None:
        """ "في هجوم روسي على بلدة مارهانيت": the place as written, when the gazetteer does not
        know it (a strike there is not the strike told before on another city)."""
        m = _NAMED_PLACE.search(c.n)
        if m is None:
            return None
        start, end = c.norm.to_original(c.nstart + m.start(1), c.nstart + m.end(1))
        return c.text[start:end]

    def _same_place_again(self, c: Clause, d: DraftEvent, previous: DraftEvent | None) -> bool:
        """ "وأعلنت الإدارة وقوع 3 قتلى جراء القصف الروسي على كييف", "هناك هجوم ضخم على خاركيف":
        a strike on the place of the strike told just before, with no day of its own and no
        other toll, is that strike (its toll joins it)."""
        if previous is None or d.date or not d.location or not previous.location:
            return False
        here, there = normalize(d.location), normalize(previous.location)
        if not (here.endswith(there) or there.endswith(here)):
            return False
        if (d.killed is not None and previous.killed is not None) or (
            d.injured is not None and previous.injured is not None
        ):
            return False  # a toll of its own beside the first: another strike
        if previous.killed is None:
            previous.killed = d.killed
        if previous.injured is None:
            previous.injured = d.injured
        if not previous.actors:
            previous.actors = d.actors
        return True

    def _toll_after(self, c: Clause, last: DraftEvent) -> bool:
        """ "وقال حاكم المنطقة إن 12 أصيبوا بينهم طفلان": a sentence with a toll and no attack
        word of its own, right after a strike that lacks that count, gives the strike its count
        (a sentence that names another place is another strike's)."""
        if self.lex.attack.search(c.n) is not None:
            return False
        if any(m.entry.kind == "place" for m in c.mentions) or _NAMED_PLACE.search(c.n):
            return False
        toll = find_casualties(c.quote)
        filled = False
        if toll.killed is not None and last.killed is None:
            last.killed, filled = toll.killed_surface, True
        if toll.injured is not None and last.injured is None:
            last.injured, filled = toll.injured_surface, True
        return filled

    def _told_again(self, c: Clause, d: DraftEvent, earlier: list[DraftEvent]) -> bool:
        """Is this attack sentence a further word on the strike told before ("وقالت السلطات إن
        الهجوم أسفر عن إصابة شخصين", "أكدت الوزارة أن الضربة …")? It names no place and no
        day of its own, and either refers to "the" attack or names no attacker. Its toll goes
        to that strike when it has none; a strike with its own place or day stays its own."""
        previous = next((e for e in reversed(earlier) if e.event_type == "attack"), None)
        if self._same_place_again(c, d, previous):
            return True
        if d.location or d.date:
            return False
        first = self.lex.attack.search(c.n)
        definite = first is not None and c.n[first.start : first.end].lstrip("وف").startswith(
            ("ال", "بال", "لل")
        )
        if previous is None:
            # "قالت الوزارة إن الضربات استهدفت منشآت …" with no place, day or toll refers to
            # strikes told elsewhere on the page (another segment)
            return definite and d.killed is None and d.injured is None
        same_side = bool(d.actors) and self._codes_of(d.actors) <= self._codes_of(previous.actors)
        if not definite and d.actors and not same_side:
            return False
        if not definite and same_side and (d.killed is not None or d.injured is not None):
            return False  # the same attacker, with a toll of its own: another strike
        if previous.killed is None and previous.injured is None:
            previous.killed, previous.injured = d.killed, d.injured
        return True

    def _attack_told(self, c: Clause, has_casualties: bool) -> bool:
        """Does the sentence tell an attack? An attack word in a background clause ("بينما
        تواصل القوات الروسية قصف المدن الأوكرانية") tells none."""
        hits = [
            h
            for h in self.lex.attack.finditer(c.n)
            if not any(self.lex.attack_protection.has_word(w) for w in c.n[: h.start].split()[-5:])
        ]
        if not hits or has_casualties:
            return bool(hits)
        for part in clauses(c.text, c.sentence):
            ps = bisect_left(c.norm.offsets, part.start) - c.nstart
            pe = bisect_left(c.norm.offsets, part.end) - c.nstart
            if not any(ps <= h.start < pe for h in hits):
                continue
            n = c.n[ps:pe]
            if not (self.lex.background.search(n[:12]) and self.lex.ongoing.search(n)):
                return True
        return False

    def _attack_sides(
        self, c: Clause, parts: list[Part], places: list[Mention], experiencer: Hit | None
    ) -> tuple[list[Part], list[Part]]:
        """(attackers, attacked side). The attacker is named by an adjective on the attack
        ("لضربة صاروخية روسية"), by an accusation ("اتهمت أوكرانيا بتنفيذ الهجوم") or as the
        subject of an active verb; in a passive or experiencer sentence ("تعرضت خاركيف لقصف")
        the subject is the struck side and the reporting ministry is no attacker."""
        states = self._states_in(c, c.mentions)
        by_adjective = [
            s for s in states if s.mention.via == "adjective" and self._on_attack_noun(c, s)
        ]
        accused = self.lex.attack_accused.search(c.n)
        by_accusation = (
            [s for s in states if s.mention.nstart >= c.nstart + accused.end][:1] if accused else []
        )
        on = [p for p in parts if p.hint == "on"]
        targets: list[Part] = on[:1]
        if not targets and experiencer is not None:
            # "تعرضت مدينة خاركيف لقصف": what comes right after the verb was struck
            after = [
                s
                for s in states
                if 0 <= s.mention.nstart - (c.nstart + experiencer.end) < 25
                and s.mention.via != "adjective"
            ]
            place_after = [m for m in places if 0 <= m.nstart - (c.nstart + experiencer.end) < 25]
            if after:
                targets = after[:1]
            elif place_after:
                targets = [Part(place_after[0], place_after[0].entry.country or "", "", "")]
        if not targets and places and places[0].entry.country:
            targets = [Part(places[0], places[0].entry.country, "", "")]
        attackers = by_adjective[:1] or by_accusation
        if not attackers and experiencer is None:
            target_codes = {t.code for t in targets}
            attackers = [
                p
                for p in parts
                if p.code not in target_codes and p.hint not in ("in", "on", "from", "to")
            ]
        attacker_codes = {a.code for a in attackers}
        targets = [t for t in targets if t.code not in attacker_codes]
        if not targets and attacker_codes & {"RUS", "UKR"} and len(attacker_codes) == 1:
            # the war has two sides: the other one, when the sentence names it (a state, or a
            # place of it: "حاكم منطقة روستوف")
            (side,) = attacker_codes
            other_side = "UKR" if side == "RUS" else "RUS"
            targets = [s for s in states if s.code == other_side][:1] or [
                Part(m, other_side, "", "")
                for m in c.mentions
                if m.entry.kind == "place" and m.entry.country == other_side
            ][:1]
        return attackers, targets

    def _struck_place(self, c: Clause, m: Mention) -> bool:
        """A place where a strike can have hit: after في/على/مدينة, or right after the attack
        word ("قصفت روسيا خاركيف"). "في أوروبا", "لأنقرة", "استخدام كييف صواريخ" are not where;
        "حاكم منطقة جيتومير" names an official."""
        if m.entry.kind != "place" or self.lex.actor_place_prefix.has(c.prev_word(m)):
            return False
        # "في خاركيف", "على العاصمة الأوكرانية كييف": a location word before it, over the
        # adjectives of its title (not over a noun: "ردا على استخدام كييف صواريخ")
        located = False
        for w in reversed(c.norm.text[max(0, m.nstart - 50) : m.nstart].split()[-3:]):
            if (
                self.lex.location_preps.has_word(w)
                or self.lex.region_nouns.has_word(w)
                or w in ("علي", "وعلي", "فوق")
            ):
                located = True
                break
            if not any(x.via == "adjective" and normalize(x.surface) == w for x in c.mentions):
                break
        if m.entry.country in ("UKR", "RUS"):
            # "قصفت روسيا خاركيف": at most two words between the attack word and the place
            near = c.norm.text[max(0, m.nstart - 60) : m.nstart]
            return located or any(
                len(near[h.end :].split()) <= 2 for h in self.lex.attack.finditer(near)
            )
        return m.entry.place_type in ("city", "site", None) and located

    def _on_attack_noun(self, c: Clause, s: Part) -> bool:
        """Does the adjective describe an attack noun ("ضربة صاروخية روسية": back over the
        modifiers to «ضربة»)? "قواعد جوية روسية" describes bases."""
        words = c.norm.text[max(0, s.mention.nstart - 60) : s.mention.nstart].split()[-4:]
        for w in reversed(words):
            if self.lex.attack_nouns.has_word(w):
                return True
            if not self.lex.attack_modifiers.has_word(w):
                return False
        return False

    def _attack_mode(self, n: str) -> str:
        """The first-named weapon ("بالصواريخ والطائرات المسيرة" → missile); ground only when
        no weapon is named ("القوات الروسية" names who, not how)."""
        first: tuple[int, str] | None = None
        for mode in ATTACK_MODES:  # the event-type table's modes; "other" has no cue words
            cls = self.lex.classes.get("mode_" + mode)
            if cls is None:
                continue
            hit = cls.search(n)
            if hit is not None and mode != "ground" and (first is None or hit.start < first[0]):
                first = (hit.start, mode)
        if first is not None:
            return first[1]
        if self.lex.mode_air_generic.search(n):
            return "air"
        return "ground" if self.lex.mode_ground.search(n) else "other"
