"""The rule-based backend: Arabic trigger patterns + the normalizers and gazetteers.

It needs no model and no key and is the embedded default. It reads a segment clause by clause;
each clause is tested for each event type (aid, diplomatic contact, agreement, ceasefire,
attack); roles come from gazetteer mentions and the prepositions in front of them (ل/إلى →
recipient or host, مع/بين → counterpart, في → place). It writes *drafts* with verbatim surfaces,
exactly like the LLM backend, and the shared pipeline grounds and normalizes them.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Callable
from dataclasses import dataclass

from pydantic import BaseModel

from extractor.arabic.analysis import TextAnalysis
from extractor.arabic.casualties import find_casualties
from extractor.arabic.dates import DateMention, find_dates, is_explicit_day
from extractor.arabic.gazetteer import Gazetteer, Mention
from extractor.arabic.sentences import LONG_CLAUSE, Span, clauses, run_on_parts, sentences
from extractor.arabic.textnorm import NormalizedText, normalize
from extractor.backends.base import BackendAnswer, SegmentRequest
from extractor.backends.rule_lexicon import Hit, Lexicon, load_lexicon, stem_bases
from extractor.errors import ConfigError
from extractor.events.builder import ceasefire_scope
from extractor.schemas import DraftEvent
from extractor.schemas.event_types import EVENT_TYPE_NAMES

RULES_VERSION = "rules-2"
# Event types read per sentence (an attack and its toll are often split by "، فيما …") and per
# clause, in the order of the event-type table; a type of the table with no rules is not drafted.
SENTENCE_LEVEL: tuple[str, ...] = tuple(t for t in EVENT_TYPE_NAMES if t in ("attack",))
# `other` first: a halt of aid, a sanctions package or a defence budget claims its clause, so the
# aid, contact and agreement rules after it do not read the same words as their own event.
CLAUSE_LEVEL: tuple[str, ...] = ("other",) + tuple(
    t for t in EVENT_TYPE_NAMES if t in ("aid", "diplomatic_contact", "agreement", "ceasefire")
)
# Subtypes of `other` in the order they are tried (rules_data/other.yaml has one class each).
OTHER_ORDER = (
    "aid_suspension",
    "sanctions",
    "prisoner_exchange",
    "accession",
    "treaty_withdrawal",
    "defence_budget",
)


# Trigger vocabularies live in rules_data/*.yaml (see rule_lexicon); what stays here is grammar.
MULTILATERAL_ORGS = frozenset({"NATO", "EU", "G7", "UN"})
DURATION = re.compile(
    r"(?:لمده|مدتها|مده)\s+(?P<n>[^\s]+(?:\s+[^\s]+)?)\s+(?P<u>يوما|يوم|ايام|ساعه|ساعات|اسبوعا|اسابيع|اسبوع|شهرا|اشهر|شهر)"
    r"|(?:لمده|مدتها)\s+(?P<d>يومين|اسبوعين|شهرين|شهر|اسبوع)"
)
ATTACK_MODES = ("missile", "drone", "air", "artillery", "ground")
# Date expressions that name a day (preferred over "this week" or a month).
_SPECIFIC_DATES = frozenset(
    {"night", "rel_day", "weekday", "dmy", "dmy_num", "iso", "ordinal", "this_month_day"}
)

_MIN_CLAUSE_WORDS = 4
_MAX_QUOTE = 1000  # Quote max_length (schemas/fields.py)


@dataclass
class _Part:
    """A party mentioned in a clause, with the preposition in front of it."""

    mention: Mention
    code: str
    prev: str
    hint: str  # to | with | in | from | on | ""


@dataclass
class _Clause:
    text: str  # the whole segment text
    span: Span  # the clause (original offsets into text)
    sentence: Span
    n: str  # normalized clause
    nstart: int  # normalized offset of the clause in the segment's normalized text
    norm: NormalizedText
    mentions: list[Mention]  # mentions inside the clause
    sentence_mentions: list[Mention]
    analysis: TextAnalysis

    @property
    def quote(self) -> str:
        # clauses are cut to LONG_CLAUSE; the cap keeps any quote a valid Quote (≤ 1000)
        return self.text[self.span.start : min(self.span.end, self.span.start + _MAX_QUOTE)]

    def prev_word(self, m: Mention) -> str:
        before = self.norm.text[max(0, m.nstart - 40) : m.nstart].split()
        return before[-1] if before else ""


class RuleBackend:
    """Deterministic Arabic pattern extractor (no model, no key)."""

    name = "rules"

    def __init__(self, gazetteer: Gazetteer, lexicon: Lexicon | None = None) -> None:
        self.gazetteer = gazetteer
        self.lex = lexicon or load_lexicon()
        # One rule per event type: (clause, drafts already found in it) -> drafts.
        self._rules: dict[str, Callable[[_Clause, list[DraftEvent]], list[DraftEvent]]] = {
            "other": lambda c, _found: _listed(self._other(c)),
            "aid": lambda c, found: [] if _claimed(found, AID_LIKE) else _listed(self._aid(c)),
            "diplomatic_contact": lambda c, found: (
                [] if _claimed(found, ("accession",)) else self._contact(c)
            ),
            "agreement": lambda c, found: (
                [] if _claimed(found, ("treaty_withdrawal",)) else self._agreement(c)
            ),
            "ceasefire": lambda c, _found: _listed(self._ceasefire(c)),
            "attack": lambda c, _found: _listed(self._attack(c)),
        }
        missing = set(SENTENCE_LEVEL + CLAUSE_LEVEL) - set(self._rules)
        if missing:
            raise ConfigError(f"no rules for event type(s) {sorted(missing)}")

    async def draft(self, request: SegmentRequest) -> BackendAnswer:
        drafts: list[BaseModel] = list(self.extract(request.text))
        return BackendAnswer(drafts, model=None, prompt_version=RULES_VERSION, source=self.name)

    # ------------------------------------------------------------------------------------------
    def extract(self, text: str) -> list[DraftEvent]:
        """Draft events for one segment of text."""
        analysis = TextAnalysis(text, self.gazetteer)
        norm = analysis.norm
        mentions = analysis.mentions
        starts = [m.start for m in mentions]
        drafts: list[DraftEvent] = []

        def clause_at(span: Span, sentence: Span) -> _Clause:
            lo, hi = bisect_left(starts, span.start), bisect_left(starts, span.end)
            s_lo, s_hi = bisect_left(starts, sentence.start), bisect_left(starts, sentence.end)
            nstart = bisect_left(norm.offsets, span.start)
            nend = bisect_left(norm.offsets, span.end)
            return _Clause(
                text,
                span,
                sentence,
                norm.text[nstart:nend],
                nstart,
                norm,
                mentions[lo:hi],
                mentions[s_lo:s_hi],
                analysis,
            )

        dated: list[tuple[DraftEvent, str]] = []  # the segment's events that have a date
        for sentence in (part for s in sentences(text) for part in run_on_parts(text, s)):
            if _is_title(text, sentence):
                continue  # headlines repeat the body, in fewer words
            whole = clause_at(sentence, sentence)
            if len(whole.n.split()) < _MIN_CLAUSE_WORDS:
                continue
            found: list[tuple[_Clause, DraftEvent]] = []
            # a run-on "sentence" of a page without full stops is read clause by clause
            units = [sentence] if sentence.end - sentence.start <= LONG_CLAUSE else None
            for unit in units or clauses(text, sentence):
                c = clause_at(unit, sentence)
                found += [(c, d) for d in self._events_in(c, SENTENCE_LEVEL)]
            for span in clauses(text, sentence):
                clause = clause_at(span, sentence)
                if len(clause.n.split()) < _MIN_CLAUSE_WORDS:
                    continue
                found += [(clause, d) for d in self._events_in(clause, CLAUSE_LEVEL)]
            for c, d in found:
                if d.date is None:
                    d.date = self._inherited_date(c, d, dated)
            dated += [(d, d.date) for _, d in found if d.date]
            for c, d in found:
                if d.event_type == "attack" and self._told_again(c, d, drafts):
                    continue
                if d.event_type == "ceasefire" and self._truce_told_again(c, d, drafts):
                    continue
                if d.event_type == "diplomatic_contact" and self._contact_told_again(c, d, drafts):
                    continue
                drafts.append(d)
        return drafts

    def _events_in(self, c: _Clause, types: tuple[str, ...]) -> list[DraftEvent]:
        """The rules of each event type (in table order) over one clause or sentence."""
        out: list[DraftEvent] = []
        for event_type in types:
            out.extend(self._rules[event_type](c, out))
        return out

    # ---- shared helpers ----------------------------------------------------------------------
    def _parts(self, c: _Clause, event: str, mentions: list[Mention] | None = None) -> list[_Part]:
        parts: list[_Part] = []
        mentions = c.mentions if mentions is None else mentions
        for idx, m in enumerate(mentions):
            kind = m.entry.kind
            if kind == "weapon":
                continue
            state = m.as_country()
            if kind == "place":
                if state is None:
                    continue
            prev = c.prev_word(m)
            if prev[:1] in "وف" and self.lex.prepositions.has(prev[1:]):
                prev = prev[1:]  # "وفي باريس" → "في"
            before = c.norm.text[max(0, m.nstart - 30) : m.nstart].split()[-3:]
            if any(self.lex.sideline.has_word(w) for w in before):
                continue  # "على هامش قمة مجموعة العشرين": the summit is no party
            if (
                kind == "place"
                and not self.lex.actor_place_prefix.has(prev)
                and m.entry.place_type not in (None, "capital")
                and state is None
            ):
                continue
            if m.via == "adjective":
                if _adjective_absorbed(mentions, idx):
                    continue

                def names_party(word: str) -> bool:
                    # "ونظيره الروسي", "بالرئيس الأمريكي": the noun may carry clitics
                    return any(self.lex.party_nouns.has(w) for w in stem_bases(word)) or (
                        event == "aid" and self.lex.aid_nouns.has_word(word)
                    )

                prev_is_party = (
                    names_party(prev)
                    or (event == "attack" and self.lex.attack_nouns.has_word(prev))
                    or (
                        prev.startswith("ال")
                        and any(
                            p.mention.via == "adjective" and names_party(p.prev) for p in parts[-1:]
                        )
                    )
                )
                if not prev_is_party and not _follows_adjective_party(c, parts, m):
                    continue
            code = _code(m)
            if code is None:
                continue
            hint = ""
            gov = prev
            if self.lex.genitive_nouns.has(prev) or self.lex.genitive_nouns.has(prev[1:]):
                continue
            if m.clitic.endswith("ب") and self.lex.named_for.has(prev):
                continue  # "الخاصة بأوكرانيا": Ukraine only in the group's name
            if self.lex.title_words.has(prev) or self.lex.title_words.has(prev[1:]):
                hint = "of"
            elif (
                self.lex.to_preps.has(gov)
                # "زار كييف", but "يزور زيلينسكي باريس": a person after the verb is the visitor
                or (self.lex.visit_verbs.has(gov) and kind != "person")
                or (m.clitic.endswith("ل") and m.via != "adjective")
            ):
                hint = "to"
            elif self.lex.with_preps.has_word(gov) or m.clitic.endswith("ب") and kind == "person":
                hint = "with"
            elif (
                self.lex.location_preps.has(gov)
                or self.lex.region_nouns.has(gov)  # "في أنحاء أوكرانيا": where, not who
                or (m.clitic.endswith("ب") and kind in ("place", "country"))
            ):
                hint = "in"
            elif gov == "من":
                hint = "from"
            elif gov in ("علي", "ضد"):
                hint = "on"
            if (
                not hint
                and m.clitic == "و"
                and parts
                and parts[-1].hint in ("to", "with", "in")
                and m.nstart - parts[-1].mention.nend < 20
            ):
                # coordinated with the party before: "لأوكرانيا ومولدوفا", "مع تركيا والأمم
                # المتحدة", "في بولندا وسلوفاكيا ومولدوفا"
                hint = parts[-1].hint
            if kind == "place" and self.lex.actor_place_prefix.has(prev):
                hint = ""
            parts.append(_Part(m, code, prev, hint))
        return parts

    def _date(self, c: _Clause, effective: bool = False) -> str | None:
        """The event's date as written: in the clause, else in a clause before it in the same
        sentence (its time adverb: "وصل شولتس صباح اليوم إلى كييف، حيث التقى …"). Reference
        dates ("منذ بدء الغزو في 24 فبراير 2022") and periods ("لعام 2024") are not the event's.
        ``effective``: a ceasefire is dated when it takes effect ("اعتبارا من ظهر الجمعة")."""
        found = self._event_dates(c.n)
        base = c.nstart
        if not found:
            base = bisect_left(c.norm.offsets, c.sentence.start)
            found = self._event_dates(c.norm.text[base : c.nstart])
        if not found:
            return None
        chosen = None
        if effective:
            chosen = next((d for d, starts in found if starts), None)
        if chosen is None:
            # the most specific expression names the event's day ("أمس الثلاثاء" over "هذا
            # الأسبوع")
            chosen = next((d for d, _ in found if d.kind in _SPECIFIC_DATES), found[0][0])
            written = next(
                (d for d, _ in found if is_explicit_day(d) and 0 <= d.nstart - chosen.nend < 8),
                None,
            )  # "يوم السبت 14 كانون الثاني 2023": the written date right after the weekday
            chosen = written or chosen
        start, end = c.norm.to_original(base + chosen.nstart, base + chosen.nend)
        surface = c.text[start:end]
        if surface[:1] in "وف":  # "والأسبوع الماضي" → "الأسبوع الماضي", but "فجر الخميس" stays
            rest = normalize(surface[1:])
            again = find_dates(rest)
            if again and again[0].nstart == 0 and again[0].nend == len(rest):
                surface = surface[1:]
        return surface

    def _inherited_date(
        self, c: _Clause, d: DraftEvent, dated: list[tuple[DraftEvent, str]]
    ) -> str | None:
        """ "وأعلن بايدن خلال الزيارة …": the date of the visit told earlier in the segment (the
        latest dated contact when the cue names a visit, meeting or call; else the latest dated
        event). A contact is not dated by a contact it names ("بعد ساعات من اتصال") unless the
        text says "في اليوم نفسه"."""
        cue = self.lex.date_inherit.search(c.n)
        if cue is None or not dated:
            return None
        words = c.n[cue.start : cue.end].split()
        same_day = words[-1] in ("نفسه", "ذاته")
        if d.event_type == "diplomatic_contact" and not same_day:
            return None
        for nouns, event_type in (
            (self.lex.contact_nouns, "diplomatic_contact"),
            (self.lex.attack_cue_nouns, "attack"),
        ):
            if not same_day and nouns.has_word(words[-1]):
                # "خلال الزيارة": the visit's day; "عقب الهجوم الأخير": the strike's day
                for earlier, surface in reversed(dated):
                    if earlier.event_type == event_type:
                        return surface
        return dated[-1][1]

    def _event_dates(self, n: str) -> list[tuple[DateMention, bool]]:
        """Dates in ``n`` that can be an event's date, each with whether a "takes effect" cue
        ("اعتبارا من", "من … إلى") stands right before it."""
        out = []
        for d in find_dates(n):
            # the words before it in its own phrase ("الأعنف منذ أشهر، استهدفت صباح الاثنين":
            # "منذ" belongs to another phrase)
            lead = re.split(r"[،,؛:()]", n[max(0, d.nstart - 60) : d.nstart])[-1]
            before = lead.split()[-6:]
            window = " ".join(before)
            if self.lex.date_reference.search(window):
                continue
            near = " ".join(before[-2:])
            if self.lex.date_period.search(near) or (
                d.kind in ("year", "rel_year") and self.lex.date_period_year.search(near)
            ):
                continue
            if d.kind == "year" and n[d.nstart : d.nstart + 1] == "ل":
                continue  # "لعام 2024": a budget year
            out.append((d, bool(self.lex.date_effective.search(" ".join(before[-3:])))))
        return out

    def _location(
        self, c: _Clause, parts: list[_Part] | None = None, include_in_countries: bool = True
    ) -> str | None:
        """Where: the first place or state written after في/داخل/بـ, else the first place named."""
        for m in c.mentions:
            prev = c.prev_word(m)
            prev = prev[1:] if prev[:1] in "وف" and self.lex.prepositions.has(prev[1:]) else prev
            located = self.lex.location_preps.has(prev) or (
                m.clitic.endswith("ب") and m.entry.kind != "person"
            )
            if located and (
                m.entry.kind == "place" or (include_in_countries and m.entry.kind == "country")
            ):
                return m.surface
        for m in c.mentions:
            if m.entry.kind == "place" and not self.lex.actor_place_prefix.has(c.prev_word(m)):
                return m.surface
        return None

    def _modality(
        self, c: _Clause, allow_planned: bool = True, contact_at: int | None = None
    ) -> str:
        """``contact_at``: where a contact's trigger is; a contact is not denied by a failed
        outcome ("انتهت القمة … دون التوصل إلى اتفاق") nor by what an earlier meeting did not
        yield ("اتصل … بعد أن لم يسفر لقاؤهما الأول عن نتيجة")."""
        if self._negation(c.n, contact_at):
            return "negated"
        if any(
            not (c.n.startswith("قد", h.start) and self.lex.pluperfect.search(c.n))
            for h in self.lex.hypothetical.finditer(c.n)
        ):
            return "hypothetical"
        if (
            allow_planned
            and self.lex.planned.search(c.n)
            and not self.lex.past_schedule.search(c.n)
        ):
            return "planned"
        return "asserted"

    def _negation(self, n: str, contact_at: int | None) -> bool:
        """A negation word outside the phrases that do not deny the event ("لم يسفر عن
        إصابات"). "لم يسفر X عن Y" denies Y, what comes after «عن», not X or the clause around;
        a failed outcome ("دون التوصل إلى اتفاق") denies the outcome, not the contact."""
        spared = list(self.lex.not_negation.finditer(n))
        for h in self.lex.negated.finditer(n):
            if any(s.start <= h.start < s.end for s in spared):
                continue
            if contact_at is not None:
                if self.lex.failed_outcome.search(n[h.start : h.end]):
                    continue
                result = self.lex.negated_result.search(n[h.end : h.end + 12])
                if result is not None:
                    about = re.search(r"(?<![^\W\d_])عن(?![^\W\d_])", n[h.end :])
                    if about is None or contact_at < h.end + about.end():
                        continue
            return True
        return False

    # ---- aid ---------------------------------------------------------------------------------
    def _aid(self, c: _Clause) -> DraftEvent | None:
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

            def donors_of(candidates: list[_Part]) -> list[_Part]:
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
            actors=_surfaces(actors, prefer_state=True),
            targets=_surfaces(targets, prefer_state=True),
            date=self._date(c),
            modality=self._modality(c, allow_planned=False),  # type: ignore[arg-type]
            money=[m.surface for m in money][:4],
            items=[i.surface for i in items][:8],
            stage=stage,  # type: ignore[arg-type]
            category=category,  # type: ignore[arg-type]
        )

    def _aid_parts(self, c: _Clause) -> list[_Part]:
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

    def _ukraine_named(self, c: _Clause) -> list[_Part]:
        """Ukraine as named in the sentence, else in the segment (as a state, not a person)."""
        for mentions in (c.sentence_mentions, c.analysis.mentions):
            for m in mentions:
                if _code(m) == "UKR" and m.entry.kind != "person":
                    return [_Part(m, "UKR", c.prev_word(m), "to")]
        return []

    # ---- diplomatic contacts -----------------------------------------------------------------
    def _contact(self, c: _Clause) -> list[DraftEvent]:
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
        war = self.lex.war_between.search(c.n)
        partner_text = c.n[: war.start] + c.n[war.end :] if war else c.n
        parts = [
            p
            for p in self._parts(c, "contact")
            if not self.lex.topic_words.has(p.prev) or p.hint == "in"
        ]
        if mode in ("talks", "meeting") and not self.lex.partner.search(partner_text):
            # a meeting or talks need a second side: "مع", "بين", or two sides named with an
            # indefinite "محادثات" ("عقد الوفدان الأمريكي والروسي محادثات"), not "the talks"
            hit = self.lex[mode].search(c.n)
            definite = hit is not None and c.n[hit.start : hit.end].lstrip("وف").startswith("ال")
            if definite or len(_distinct([p for p in parts if p.hint != "in"])) < 2:
                return []
        parts = _same_side_of_speech(self.lex, c, parts, trigger_at(self.lex, mode, c.n))
        parts = self._before_the_topic(c, parts, trigger_at(self.lex, mode, c.n))
        if war:
            war_end = c.nstart + war.end
            parts = [p for p in parts if not (war_end <= p.mention.nstart <= war_end + 40)]
        between = self.lex.between.search(partner_text)
        trigger_end = trigger_at(self.lex, mode, c.n) + 12
        if between is not None and between.start - trigger_end > 30:
            between = None  # "… اتصالا هاتفيا ببوتين، وبدأ الترتيب لعقد لقاء بين …": another event
        if between and not war:
            # "اتصال هاتفي بين بوتين والرئيس الأمريكي دونالد ترامب": the sides follow "بين"
            lo = c.nstart + between.end
            inside = [p for p in parts if lo <= p.mention.nstart <= lo + 60]
            if len(_distinct(inside)) >= 2:
                parts = inside
        if mode == "visit":
            hosts = [p for p in parts if p.hint in ("to", "in")][:1]
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
            codes = _distinct(sides)
            if len(codes) == 1:
                # "حيث سيلتقي الرئيس البولندي", "قال الرئيس الأوكراني إنه بحث مع …": the other
                # side is the subject named earlier in the sentence (if there is none, a body
                # such as NATO may still meet on its own)
                subject = [
                    p
                    for p in self._parts(c, "contact", c.sentence_mentions)
                    if p.hint not in ("in", "to") and p.code != codes[0]
                ][:1]
                sides = subject + sides
                codes = _distinct(sides)
            joins = self.lex.participation.search(c.n)
            if not codes or (
                len(codes) < 2 and codes[0] not in MULTILATERAL_ORGS and joins is None
            ):
                return []  # one side alone meets nobody, unless it takes part in a meeting
            if mode in ("meeting", "talks"):
                actors, targets = sides, []  # every named side of a meeting (GUIDELINES §6)
            else:
                actors = [sides[0]]
                targets = [p for p in sides if p.code != sides[0].code]
                incoming = self.lex.call_received.search(c.n)
                if mode == "phone" and incoming is not None and targets:
                    # "تلقى الرئيس الأوكراني اتصالا من …": the caller is the one it came from
                    actors, targets = targets[:1], actors
        # "وصلت فون دير لاين … إلى كييف، إلى جانب رئيس الوزراء الكندي …": one visit per visitor
        groups = [[p] for p in _one_per_code(actors)] if mode == "visit" else [actors]
        return [
            DraftEvent(
                event_type="diplomatic_contact",
                quote=c.quote,
                actors=_surfaces(group),
                targets=_surfaces(targets),
                date=self._date(c),
                location=self._location(c, parts) if mode != "visit" else self._location(c),
                modality=self._modality(c, contact_at=trigger_at(self.lex, mode, c.n)),  # type: ignore[arg-type]
                mode=mode,
            )
            for group in groups
        ]

    def _before_the_topic(self, c: _Clause, parts: list[_Part], trigger: int) -> list[_Part]:
        """ "اتصالا هاتفيا ببوتين، ناقشا خلاله نتائج زيارته ومحادثاته مع زيلينسكي": who is named
        in what they discussed is a topic, not a side of the call."""
        discussed = self.lex.discussed.search(c.n[trigger:])
        if discussed is None:
            return parts
        cut = c.nstart + trigger + discussed.start
        before = [p for p in parts if p.mention.nstart < cut]
        return before if len(_distinct(before)) >= 2 else parts

    def _received(self, c: _Clause, receive: Hit) -> list[DraftEvent]:
        """ "استقبل ترامب زيلينسكي في البيت الأبيض": a visit of Zelensky (actor) to Trump
        (target); "كما استقبله البابا": the visitor is the sentence's subject. A wider meeting
        in the same clause ("أعقبه اجتماع موسع شارك فيه …") is an event of its own."""
        after = c.nstart + receive.start
        parts = [
            p
            for p in self._parts(c, "contact")
            if p.mention.nstart >= after and p.hint not in ("in", "to")
        ]
        hosts = parts[:1]
        if not hosts:
            return []
        pronoun = c.n[receive.start : receive.end].endswith(("ه", "ها", "هم"))
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
                actors=_surfaces(visitors),
                targets=_surfaces(hosts),
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
            if len(_distinct(sides + hosts + visitors)) >= 3:
                events.append(
                    DraftEvent(
                        event_type="diplomatic_contact",
                        quote=c.quote,
                        actors=_surfaces(hosts + visitors + sides),
                        date=self._date(c),
                        modality=self._modality(c, contact_at=receive.start),  # type: ignore[arg-type]
                        mode="meeting",
                    )
                )
        return events

    # ---- agreements --------------------------------------------------------------------------
    def _agreement(self, c: _Clause) -> list[DraftEvent]:
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
        if len(_distinct(parts)) == 1:
            # "حيث وقّع مع الرئيس زيلينسكي اتفاقية": the signatory is the sentence's subject
            subject = [
                p
                for p in self._parts(c, "agreement", c.sentence_mentions)
                if p.hint not in ("in", "to", "with") and p.code != parts[0].code
            ][:1]
            parts = subject + parts
        if len(_distinct(parts)) < 2:
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
        modality = self._modality(c)
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
            signatories = [p for p in _one_per_code(parts) if p.code not in with_codes]
            return [
                self._agreement_event(c, [p, *with_side], [], status, modality) for p in signatories
            ]
        if status == "signed" and len(_distinct(others)) > 1 and with_side:
            # "A signed with B and C" = one event per counterpart.
            return [
                self._agreement_event(c, [first, p], [], status, modality)
                for p in _one_per_code(others)
            ]
        return [self._agreement_event(c, parts, [], status, modality)]

    def _agreement_event(
        self, c: _Clause, actors: list[_Part], targets: list[_Part], status: str, modality: str
    ) -> DraftEvent:
        return DraftEvent(
            event_type="agreement",
            quote=c.quote,
            actors=_surfaces(actors),
            targets=_surfaces(targets),
            date=self._date(c),
            modality=modality,  # type: ignore[arg-type]
            status=status,  # type: ignore[arg-type]
        )

    # ---- other: suspensions, sanctions, prisoner exchanges, accession, withdrawals, budgets -----
    def _other_trigger(self, c: _Clause) -> tuple[str, Hit, bool] | None:
        """(subtype, where its trigger is, whether it is only a threat) for the clause."""
        for subtype in OTHER_ORDER:
            hit = self.lex[subtype].search(c.n)
            if hit is None:
                continue
            if subtype == "aid_suspension" and self.lex.ceasefire.search(c.n):
                continue  # "وقف إطلاق النار والدعم": a truce, not a halt of aid
            if subtype == "prisoner_exchange" and self.lex.exchange_deal.search(c.n):
                continue  # "التفاهم على تبادل ألف أسير": the deal is an agreement
            if subtype == "defence_budget" and not (
                self.lex.defence_spending.search(c.n)
                and c.analysis.money_in(c.span.start, c.span.end)
            ):
                continue  # a budget sets an amount for defence
            threat = subtype in ("sanctions", "treaty_withdrawal") and bool(
                self.lex.other_threat.search(c.n[max(0, hit.start - 40) : hit.start])
            )  # "ملوحا بفرض عقوبات": a threat
            return subtype, hit, threat
        return None

    def _other(self, c: _Clause) -> DraftEvent | None:
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
            if len(_distinct(sides)) < 2:
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
            actors = [p for p in parts if p.hint not in ("from", "with", "to")][:1] or [
                s for s in states if s.hint != "with"
            ][:1]
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
            subtype=subtype,  # type: ignore[arg-type]
            quote=c.quote,
            actors=_surfaces(actors, prefer_state=True),
            targets=_surfaces(targets, prefer_state=True),
            date=self._date(c),
            modality=self._modality(c),  # type: ignore[arg-type]
            money=money,
        )

    def _states_in(self, c: _Clause, mentions: list[Mention]) -> list[_Part]:
        """Every state, body or capital named, adjectives included ("عسكريا روسيا", "الأسر
        الأوكراني"), except mediators ("بوساطة إماراتية")."""
        out = []
        for m in mentions:
            code = _code(m)
            if code is None or m.entry.kind == "weapon":
                continue
            before = c.norm.text[max(0, m.nstart - 30) : m.nstart].split()[-2:]
            if any(self.lex.mediators.has_word(w) for w in before):
                continue
            out.append(_Part(m, code, c.prev_word(m), ""))
        return out

    # ---- ceasefires --------------------------------------------------------------------------
    def _ceasefire(self, c: _Clause) -> DraftEvent | None:
        if not self.lex.ceasefire.search(c.n):
            return None
        parts = [p for p in self._parts(c, "ceasefire") if p.hint != "in"]
        if not parts:
            parts = [p for p in self._parts(c, "ceasefire", c.sentence_mentions) if p.hint != "in"]
        warring = [p for p in parts if p.code in ("RUS", "UKR")]
        parts = warring or parts  # the sides that stop fighting, not the mediators
        scope = ceasefire_scope(c.n)
        duration = None
        m = DURATION.search(c.n)
        if m:
            start, end = c.norm.to_original(c.nstart + m.start(), c.nstart + m.end())
            duration = c.text[start:end]
        # a truce is scheduled by being declared: "planned" is for contacts and votes
        modality = self._modality(c, allow_planned=False)
        if (
            modality == "asserted"
            and self.lex.proposal.search(c.n)
            and not self.lex.accepted.search(c.n)
        ):
            modality = "hypothetical"  # a proposal or a readiness is not a ceasefire yet
        if len(_distinct(warring)) == 1:
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
            or (modality == "hypothetical" and len(_distinct(warring)) == 1)
        ):
            # "بين البلدين", a proposal about the war, or no side named: the war's two sides,
            # as the sentence or the segment names them (GUIDELINES §6)
            both = self._belligerents(c)
            if len(_distinct(both)) == 2:
                parts = both
        if not parts and duration is None and scope is None:
            return None
        return DraftEvent(
            event_type="ceasefire",
            quote=c.quote,
            actors=_surfaces(parts, prefer_state=True),
            date=self._date(c, effective=True),
            location=self._location(c),
            modality=modality,  # type: ignore[arg-type]
            duration=duration,
        )

    def _belligerents(self, c: _Clause) -> list[_Part]:
        """Russia and Ukraine as the sentence, else the segment, names them (states, not people)."""
        for mentions in (c.sentence_mentions, c.analysis.mentions):
            sides: dict[str, _Part] = {}
            for m in mentions:
                code = _code(m)
                if code in ("RUS", "UKR") and code not in sides and m.entry.kind != "person":
                    sides[code] = _Part(m, code, c.prev_word(m), "")
            if len(sides) == 2:
                return list(sides.values())
        return []

    # ---- attacks -----------------------------------------------------------------------------
    def _attack(self, c: _Clause) -> DraftEvent | None:
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
            said = _same_side_of_speech(self.lex, c, parts, first_hit.start)
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
        if not has_casualties and not places and not struck_state and not experiencer:
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
        location = places[0] if places else None
        return DraftEvent(
            event_type="attack",
            quote=c.quote,
            actors=_surfaces(attackers, prefer_state=True),
            targets=_surfaces(targets, prefer_state=True)[:1],
            date=self._date(c),
            location=location.surface if location else None,
            modality=self._modality(c, allow_planned=False),  # type: ignore[arg-type]
            mode=self._attack_mode(c.n),
            killed=casualties.killed_surface,
            injured=casualties.injured_surface,
        )

    def _told_again(self, c: _Clause, d: DraftEvent, earlier: list[DraftEvent]) -> bool:
        """Is this attack sentence a further word on the strike told before ("وقالت السلطات إن
        الهجوم أسفر عن إصابة شخصين", "أكدت الوزارة أن الضربة …")? It names no place and no
        day of its own, and either refers to "the" attack or names no attacker. Its toll goes
        to that strike when it has none; a strike with its own place or day stays its own."""
        previous = next((e for e in reversed(earlier) if e.event_type == "attack"), None)
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

    def _codes_of(self, surfaces: list[str]) -> set[str]:
        out = set()
        for surface in surfaces:
            m = self.gazetteer.lookup(surface)
            code = _code(m) if m is not None else None
            if code:
                out.add(code)
        return out

    def _contact_told_again(self, c: _Clause, d: DraftEvent, earlier: list[DraftEvent]) -> bool:
        """ "عقب المحادثات", "تفاصيل المحادثات", "وصف اللقاء بأنه …": "the" talks told before,
        with no day of their own, are those talks."""
        if d.date or not any(e.event_type == "diplomatic_contact" for e in earlier):
            return False
        first = self.lex[d.mode or "meeting"].search(c.n)
        return first is not None and c.n[first.start : first.end].lstrip("وف").startswith(
            ("ال", "بال", "لل")
        )

    def _truce_told_again(self, c: _Clause, d: DraftEvent, earlier: list[DraftEvent]) -> bool:
        """ "وشكك الرئيس الأوكراني في جدية الهدنة": "the" truce, with no day or length of its
        own, after a truce told earlier in the segment, is that truce discussed again."""
        if d.date or d.duration or not any(e.event_type == "ceasefire" for e in earlier):
            return False
        first = self.lex.ceasefire.search(c.n)
        return first is not None and c.n[first.start : first.end].lstrip("وف").startswith(
            ("ال", "بال", "لل")
        )

    def _attack_told(self, c: _Clause, has_casualties: bool) -> bool:
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
        self, c: _Clause, parts: list[_Part], places: list[Mention], experiencer: Hit | None
    ) -> tuple[list[_Part], list[_Part]]:
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
        targets: list[_Part] = on[:1]
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
                targets = [_Part(place_after[0], place_after[0].entry.country or "", "", "")]
        if not targets and places and places[0].entry.country:
            targets = [_Part(places[0], places[0].entry.country, "", "")]
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
                _Part(m, other_side, "", "")
                for m in c.mentions
                if m.entry.kind == "place" and m.entry.country == other_side
            ][:1]
        return attackers, targets

    def _struck_place(self, c: _Clause, m: Mention) -> bool:
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

    def _on_attack_noun(self, c: _Clause, s: _Part) -> bool:
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
        for mode in ATTACK_MODES:
            hit = self.lex["mode_" + mode].search(n)
            if hit is not None and mode != "ground" and (first is None or hit.start < first[0]):
                first = (hit.start, mode)
        if first is not None:
            return first[1]
        if self.lex.mode_air_generic.search(n):
            return "air"
        return "ground" if self.lex.mode_ground.search(n) else "other"


# ---- module helpers ---------------------------------------------------------------------------


def trigger_at(lex: Lexicon, mode: str, n: str) -> int:
    m = lex[mode].search(n)
    return m.start if m else 0


def _same_side_of_speech(lex: Lexicon, c: _Clause, parts: list[_Part], trigger: int) -> list[_Part]:
    """ "قال بوتين، خلال اجتماع مع غيراسيموف، إن الجانب الأوكراني …": parties named in what was
    said are not parties of a contact mentioned around the speech verb, and the reverse."""
    m = lex.speech.search(c.n)
    if m is None:
        return parts
    cut = c.nstart + m.end
    if trigger < m.end:
        return [p for p in parts if p.mention.nstart < cut]
    return [p for p in parts if p.mention.nstart >= cut - 3]


def _is_title(text: str, s: Span) -> bool:
    """Part of a headline or sub-heading: its line is short and not closed like a sentence
    ("…إلى 51 قتيلا.. وهجوم جديد على لفيف" is a headline of two parts)."""
    line_start = text.rfind("\n", 0, s.start) + 1
    line_end = text.find("\n", s.end)
    line = text[line_start : len(text) if line_end < 0 else line_end].strip()
    # closed by a stop, possibly inside quotes ("… «نفاق».", "… «نفاق»."); a headline may end
    # with a quotation ("… وكييف ترفض «الخدعة»") and is still a headline
    closed = bool(_CLOSED_LINE.search(line)) and not line.endswith("..")
    return not closed and len(line.split()) < 25


_CLOSED_LINE = re.compile(r"[.!?؟][\"”»')\]]*$")


def _code(m: Mention) -> str | None:
    e = m.entry
    if e.kind in ("person", "org"):
        return e.code or e.country
    state = m.as_country()
    return state.code if state else None


def _adjective_absorbed(mentions: list[Mention], idx: int) -> bool:
    """ "الرئيس الأوكراني فولوديمير زيلينسكي": the adjective is part of the person's title."""
    adj = mentions[idx]
    state = adj.as_country()
    for nxt in mentions[idx + 1 : idx + 3]:
        if nxt.nstart - adj.nend > 30:
            break
        if nxt.entry.kind in ("person", "org") and state and nxt.entry.country == state.code:
            return True
    return False


def _follows_adjective_party(c: _Clause, parts: list[_Part], m: Mention) -> bool:
    """ "بين الوفدين الأمريكي والروسي": a second adjective coordinated with a party adjective."""
    if not parts:
        return False
    last = parts[-1]
    between = c.norm.text[last.mention.nend : m.nstart].strip()
    return (
        last.mention.via == "adjective"
        and between in ("", "و", "،", ",")
        and m.clitic.startswith("و")
    )


# `other` subtypes whose clause is never also an aid event ("تجميد المساعدات" is no aid).
AID_LIKE = ("aid_suspension", "defence_budget", "sanctions", "accession")


def _claimed(found: list[DraftEvent], subtypes: tuple[str, ...]) -> bool:
    return any(d.event_type == "other" and d.subtype in subtypes for d in found)


def _listed(draft: DraftEvent | None) -> list[DraftEvent]:
    return [] if draft is None else [draft]


def _distinct(parts: list[_Part]) -> list[str]:
    seen: list[str] = []
    for p in parts:
        if p.code not in seen:
            seen.append(p.code)
    return seen


def _rank(p: _Part, prefer_state: bool) -> int:
    """Which mention names a party best: people for contacts, states/bodies for aid."""
    kind, via = p.mention.entry.kind, p.mention.via
    if prefer_state:  # a state names a donor best; otherwise the first mention stands
        order = {"country": 0}
    else:
        order = {"person": 0, "org": 1, "country": 2, "place": 3}
    return order.get(kind, 4) * 2 + (via == "adjective")


def _one_per_code(parts: list[_Part], prefer_state: bool = False) -> list[_Part]:
    """One mention per party (code), the best-ranked one, in order of first appearance."""
    best: dict[str, _Part] = {}
    for p in parts:
        current = best.get(p.code)
        if current is None or _rank(p, prefer_state) < _rank(current, prefer_state):
            best[p.code] = p
    return [best[code] for code in _distinct(parts)]


def _surfaces(parts: list[_Part], prefer_state: bool = False) -> list[str]:
    return [p.mention.surface for p in _one_per_code(parts, prefer_state)][:6]


STAGES = (
    ("requested", "stage_requested"),
    ("contracted", "stage_contracted"),
    ("approved", "stage_approved"),
    ("delivered", "stage_delivered"),
)


def _aid_stage(lex: Lexicon, n: str) -> str:
    """requested > contracted > approved > delivered (past verbs, arrival) > pledged or
    announced > delivery nouns."""
    for name, cls in STAGES:
        if lex[cls].search(n):
            return name
    if lex.arrival.search(n):
        return "delivered"
    if lex.aid_pledge.search(n) or lex.announcing.search(n):
        return "announced"
    if lex.delivery_nouns.search(n):
        return "delivered"
    return "announced"


__all__ = ["RULES_VERSION", "RuleBackend"]
