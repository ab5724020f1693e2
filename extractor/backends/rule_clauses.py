"""What every rule of the rule backend reads a clause with: the parties named and their roles
(from the gazetteer mentions and the word before them), the event's date as written, modality,
and the small helpers that turn parties into draft surfaces. The rules of each event type
(``rule_aid``, ``rule_contacts``, ``rule_conflict``, ``rule_other``) build on :class:`ClauseRules`.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass, field, replace
from functools import lru_cache

from extractor.arabic.analysis import TextAnalysis
from extractor.arabic.dates import DateMention, find_dates, is_explicit_day
from extractor.arabic.gazetteer import Gazetteer, Mention
from extractor.arabic.sentences import Span
from extractor.arabic.textnorm import NormalizedText, normalize
from extractor.backends.rule_lexicon import Hit, Lexicon, WordClass, stem_bases
from extractor.schemas import DraftEvent

MULTILATERAL_ORGS = frozenset({"NATO", "EU", "G7", "UN"})
# Subtypes of `other` in the order they are tried (rules_data/other.yaml has one class each).
OTHER_ORDER = (
    "aid_suspension",
    "sanctions",
    "prisoner_exchange",
    "accession",
    "treaty_withdrawal",
    "defence_budget",
)
# Date expressions that name a day (preferred over "this week" or a month).
_SPECIFIC_DATES = frozenset(
    {"night", "rel_day", "weekday", "dmy", "dmy_num", "iso", "ordinal", "this_month_day"}
)
_MAX_QUOTE = 1000  # Quote max_length (schemas/draft_fields.py)


@dataclass
class Part:
    """A party mentioned in a clause, with the preposition in front of it."""

    mention: Mention
    code: str
    prev: str
    hint: str  # to | with | in | from | on | ""


@dataclass
class Clause:
    text: str  # the whole segment text
    span: Span  # the clause (original offsets into text)
    sentence: Span
    n: str  # normalized clause
    nstart: int  # normalized offset of the clause in the segment's normalized text
    norm: NormalizedText
    mentions: list[Mention]  # mentions inside the clause
    sentence_mentions: list[Mention]
    analysis: TextAnalysis
    # what a clause may refer back to ("الحزمة", "صادق عليها", "الرئيسان"): the events found so
    # far in its sentence and the few before, and the parties the sentence before names
    earlier: list[DraftEvent] = field(default_factory=list)
    before_mentions: list[Mention] = field(default_factory=list)

    @property
    def quote(self) -> str:
        # clauses are cut to LONG_CLAUSE; the cap keeps any quote a valid Quote (≤ 1000)
        return self.text[self.span.start : min(self.span.end, self.span.start + _MAX_QUOTE)]

    def prev_word(self, m: Mention) -> str:
        before = self.norm.text[max(0, m.nstart - 40) : m.nstart].split()
        return before[-1] if before else ""


class ClauseRules:
    """Reading parties, dates and modality in a clause (shared by the rules of every type)."""

    gazetteer: Gazetteer
    lex: Lexicon

    def _parts(self, c: Clause, event: str, mentions: list[Mention] | None = None) -> list[Part]:
        parts: list[Part] = []
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
                if adjective_absorbed(mentions, idx, c.norm.text):
                    continue

                def names_party(word: str) -> bool:
                    # "ونظيره الروسي", "بالرئيس الأمريكي": the noun may carry clitics
                    return any(self.lex.party_nouns.has(w) for w in stem_bases(word)) or (
                        event == "aid" and self.lex.aid_nouns.has_word(word)
                    )

                prev_is_party = (
                    names_party(prev)
                    or (event == "attack" and self.lex.attack_nouns.has_word(prev))
                    or (event == "contact" and self.lex.contact_adjective_nouns.has_word(prev))
                    or chained_adjective(parts, m)
                    or (
                        prev.startswith("ال")
                        and any(
                            p.mention.via == "adjective" and names_party(p.prev) for p in parts[-1:]
                        )
                    )
                )
                if not prev_is_party and not follows_adjective_party(c, parts, m):
                    continue
            code = party_code(m)
            if code is None:
                continue
            body_of = national_body_of(mentions, idx)
            if body_of is not None:
                # "مجلس الشيوخ البولندي": the adjective tells whose senate (the bare name is
                # the American one in the gazetteer)
                m, code = body_of
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
            elif gov == "من" and not (
                len(before) >= 2
                and any(self.lex.party_nouns.has(w) for w in stem_bases(before[-2]))
            ):
                hint = "from"  # but "وفدا من الكونغرس": a delegation of it, a side
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
            parts.append(Part(m, code, prev, hint))
        return parts

    def _date(self, c: Clause, effective: bool = False) -> str | None:
        """The event's date as written: in the clause, else in a clause before it in the same
        sentence (its time adverb: "وصل شولتس صباح اليوم إلى كييف، حيث التقى …"). Reference
        dates ("منذ بدء الغزو في 24 فبراير 2022") and periods ("لعام 2024") are not the event's.
        ``effective``: a ceasefire is dated when it takes effect ("اعتبارا من ظهر الجمعة")."""
        found = self._event_dates(c.n)
        base = c.nstart
        said = self.lex.speech.search(c.n)
        if said is not None and any(h.start >= said.end for h in self.lex.planned.finditer(c.n)):
            # "قال المسؤولون اليوم الخميس إنه من المتوقع أن يصادق البرلمان في غضون أسبوع": the
            # day of the statement is not the day of what is planned in it
            found = [(d, e) for d, e in found if d.nstart >= said.end]
            if not found:
                return None
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
        self, c: Clause, d: DraftEvent, dated: list[tuple[DraftEvent, str]]
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

    def _location(self, c: Clause) -> str | None:
        """Where: the first place or state written after في/داخل/بـ, else the first place named."""
        for m in c.mentions:
            prev = c.prev_word(m)
            prev = prev[1:] if prev[:1] in "وف" and self.lex.prepositions.has(prev[1:]) else prev
            located = self.lex.location_preps.has(prev) or (
                m.clitic.endswith("ب") and m.entry.kind != "person"
            )
            if located and m.entry.kind in ("place", "country"):
                return m.surface
        for m in c.mentions:
            if m.entry.kind == "place" and not self.lex.actor_place_prefix.has(c.prev_word(m)):
                return m.surface
        return None

    def _modality(
        self,
        c: Clause,
        allow_planned: bool = True,
        contact_at: int | None = None,
        outcome: WordClass | None = None,
    ) -> str:
        """``contact_at``: where a contact's trigger is; a contact is not denied by a failed
        outcome ("انتهت القمة … دون التوصل إلى اتفاق") nor by what an earlier meeting did not
        yield ("اتصل … بعد أن لم يسفر لقاؤهما الأول عن نتيجة"). ``outcome``: the words of the
        event; a failed outcome denies it only when it names it ("وأسفرت عن اتفاق …، من دون
        التوصل إلى وقف لإطلاق النار" denies the truce, not the agreement)."""
        if self._negation(c.n, contact_at, outcome):
            return "negated"
        if any(
            not (c.n.startswith("قد", h.start) and self.lex.pluperfect.search(c.n))
            for h in self.lex.hypothetical.finditer(c.n)
        ):
            return "hypothetical"
        if (
            allow_planned
            and any(
                not self._agreed_content(c.n, h) and not self._in_topic(c.n, h)
                for h in self.lex.planned.finditer(c.n)
            )
            and not self.lex.past_schedule.search(c.n)
            and not self.lex.pluperfect.search(c.n)  # "وكانت الجولة الأولى قد عقدت": done
        ):
            return "planned"
        return "asserted"

    def _in_topic(self, n: str, cue: Hit) -> bool:
        """ "تحدث … بشأن المفاوضات المقبلة": an adjective cue on a noun of the event's topic
        (after «بشأن», «حول» …) tells when the topic is due, not the event."""
        if not self.lex.time_adjective.has_word(n[cue.start : cue.end]):
            return False
        return any(self.lex.topic_lead.has_word(w) for w in n[: cue.start].split()[-3:])

    def _agreed_content(self, n: str, cue: Hit) -> bool:
        """ "اتفاق على أن يسلم كل جانب …": what was agreed, not a plan of the event."""
        return any(self.lex.agreement.has_word(w) for w in n[: cue.start].split()[-2:])

    def _negation(self, n: str, contact_at: int | None, outcome: WordClass | None = None) -> bool:
        """A negation word outside the phrases that do not deny the event ("لم يسفر عن
        إصابات"). "لم يسفر X عن Y" denies Y, what comes after «عن», not X or the clause around;
        a failed outcome ("دون التوصل إلى اتفاق") denies the outcome, not the contact."""
        spared = list(self.lex.not_negation.finditer(n))
        for h in self.lex.negated.finditer(n):
            if any(s.start <= h.start < s.end for s in spared):
                continue
            if (
                outcome is not None
                and self.lex.failed_outcome.search(n[h.start : h.end])
                and outcome.search(" ".join(n[h.end :].split()[:5])) is None
            ):
                continue  # the outcome that failed is another event's
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

    def _anaphor_parts(self, c: Clause, event: str) -> list[Part]:
        """ "وأعلن الوزير خلال الزيارة …": a bare title word (no name or state adjective right
        after it) refers to the party of that title named in the sentence before — the one
        reference that ties a party in another sentence to this clause."""
        hit = self.lex.anaphor_title.search(c.n)
        if hit is None or not c.before_mentions:
            return []
        at = c.nstart + hit.end
        if any(0 <= m.nstart - at <= 2 for m in c.mentions):
            return []  # "الرئيس الأوكراني", "الوزير لافروف": named here
        parts = [
            p
            for p in self._parts(c, event, c.before_mentions)
            if p.hint not in ("in", "to", "on", "with") and p.mention.entry.kind != "place"
        ]
        return one_per_code(parts)[:1]

    def _states_in(self, c: Clause, mentions: list[Mention]) -> list[Part]:
        """Every state, body or capital named, adjectives included ("عسكريا روسيا", "الأسر
        الأوكراني"), except mediators ("بوساطة إماراتية")."""
        out = []
        for m in mentions:
            code = party_code(m)
            if code is None or m.entry.kind == "weapon":
                continue
            before = c.norm.text[max(0, m.nstart - 30) : m.nstart].split()[-2:]
            if any(self.lex.mediators.has_word(w) for w in before):
                continue
            out.append(Part(m, code, c.prev_word(m), ""))
        return out

    def _belligerents(self, c: Clause) -> list[Part]:
        """Russia and Ukraine as the sentence, else the segment, names them (states, not people)."""
        for mentions in (c.sentence_mentions, c.analysis.mentions):
            sides: dict[str, Part] = {}
            for m in mentions:
                code = party_code(m)
                if code in ("RUS", "UKR") and code not in sides and m.entry.kind != "person":
                    sides[code] = Part(m, code, c.prev_word(m), "")
            if len(sides) == 2:
                return list(sides.values())
        return []

    def _codes_of(self, surfaces: list[str]) -> set[str]:
        out = set()
        by_name = {e.name: code for code, e in self.gazetteer.countries.items()}
        for surface in surfaces:
            m = self.gazetteer.lookup(surface)
            code = party_code(m) if m is not None else by_name.get(surface)  # "Saudi Arabia"
            if code:
                out.add(code)
        return out

    def _other_trigger(self, c: Clause) -> tuple[str, Hit, bool] | None:
        """(subtype, where its trigger is, whether it is only a threat) for the clause."""
        for subtype in OTHER_ORDER:
            hit = self.lex[subtype].search(c.n)
            if hit is not None and subtype == "sanctions":
                # "العقوبات المفروضة على …": sanctions in force, described, are no event; a
                # measure named after them in the clause may be ("وافق … على حظر استيراد")
                hit = next(
                    (
                        h
                        for h in self.lex.sanctions.finditer(c.n)
                        if not self.lex.measure_in_force.search(" ".join(c.n[h.end :].split()[:1]))
                    ),
                    None,
                )
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


# ---- helpers ----------------------------------------------------------------------------------


def sub_clause(c: Clause, start: int, end: int) -> Clause | None:
    """The part [start, end) of a clause (original offsets), trimmed of spaces and the
    punctuation that joined it to the next part."""
    while end > start and (c.text[end - 1].isspace() or c.text[end - 1] in "،,؛"):
        end -= 1
    while start < end and c.text[start].isspace():
        start += 1
    if end <= start:
        return None
    nstart = bisect_left(c.norm.offsets, start)
    nend = bisect_left(c.norm.offsets, end)
    return replace(
        c,
        span=Span(start, end),
        n=c.norm.text[nstart:nend],
        nstart=nstart,
        mentions=[m for m in c.mentions if start <= m.start and m.end <= end],
    )


def trigger_at(lex: Lexicon, mode: str, n: str) -> int:
    m = lex[mode].search(n)
    return m.start if m else 0


def same_side_of_speech(lex: Lexicon, c: Clause, parts: list[Part], trigger: int) -> list[Part]:
    """ "قال بوتين، خلال اجتماع مع غيراسيموف، إن الجانب الأوكراني …": parties named in what was
    said are not parties of a contact mentioned around the speech verb, and the reverse."""
    m = lex.speech.search(c.n)
    if m is None:
        return parts
    cut = c.nstart + m.end
    if trigger < m.end:
        return [p for p in parts if p.mention.nstart < cut]
    said = [p for p in parts if p.mention.nstart >= cut - 3]
    if lex.self_reference.has_word(c.n[m.start : m.end].split()[-1]) and trigger - m.end <= 2:
        # "وقال ترامب إنه أجرى اتصالا هاتفيا ببوتين": the speaker did what was said
        speaker = [p for p in parts if p.mention.nstart < cut and p.hint not in ("in", "to")][:1]
        return speaker + [p for p in said if p.code not in {s.code for s in speaker}]
    return said


def is_title(text: str, s: Span) -> bool:
    """Part of a headline or sub-heading: its line is short and not closed like a sentence
    ("…إلى 51 قتيلا.. وهجوم جديد على لفيف" is a headline of two parts).

    The final mark alone does not make a title: a line that opens like a body sentence («وقال»,
    «وأضاف»: a conjunction before a verb) is body text, and on a page written without full stops
    (most of its long lines unclosed) only the first line, a very short line or a line the next
    line repeats is a title."""
    line_start = text.rfind("\n", 0, s.start) + 1
    line_end = text.find("\n", s.end)
    line = text[line_start : len(text) if line_end < 0 else line_end].strip()
    # closed by a stop, possibly inside quotes ("… «نفاق».", "… «نفاق»."); a headline may end
    # with a quotation ("… وكييف ترفض «الخدعة»") and is still a headline
    closed = bool(_CLOSED_LINE.search(line)) and not line.endswith("..")
    words = line.split()
    if closed or len(words) >= _TITLE_MAX_WORDS:
        return False
    if len(words) >= _BODY_MIN_WORDS and _opens_like_body(words[0]):
        return False
    layout = _page_layout(text)
    if not layout.unpunctuated or len(words) < _BODY_MIN_WORDS:
        return True
    nxt = text[(len(text) if line_end < 0 else line_end) :].lstrip()
    following = nxt.split("\n", 1)[0]
    if line_start <= layout.first_line and len(words) < _HEADLINE_WORDS:
        return True  # the page's first line, as long as a headline
    return _repeats(line, following)


_TITLE_MAX_WORDS = 25
_BODY_MIN_WORDS = 8
_HEADLINE_WORDS = 15
# Nouns that begin with و and open headlines («وزير الخارجية يصل إلى …», «وفد أمريكي في …»);
# any other و-word opening a line is the conjunction of a body sentence («وقال», «وأعلنت»).
_WAW_NOUNS = frozenset(
    normalize(w)
    for w in [
        "وزير",
        "وزيرة",
        "وزارة",
        "وزراء",
        "وفد",
        "وفود",
        "وكالة",
        "وكالات",
        "ولاية",
        "ولايات",
        "واشنطن",
        "وارسو",
        "وسائل",
        "وثيقة",
        "وثائق",
        "وحدات",
        "وقف",
        "وقفة",
        "وسط",
        "وضع",
        "واقع",
        "ورقة",
        "وصول",
        "وداع",
        "وعود",
        "وعد",
        "ودائع",
        "وفاة",
        "وفيات",
        "ولي",
    ]
)


def _opens_like_body(first: str) -> bool:
    w = normalize(first)
    return len(w) > 3 and w[0] == "و" and w not in _WAW_NOUNS and w[1:] not in ("لا", "لم")


@dataclass(frozen=True)
class _Layout:
    unpunctuated: bool  # most long lines of the page end without a stop
    first_line: int  # offset where the first non-empty line starts


@lru_cache(maxsize=16)
def _page_layout(text: str) -> _Layout:
    long_lines = [ln.strip() for ln in text.split("\n") if len(ln.split()) >= 12]
    closed = sum(1 for ln in long_lines if _CLOSED_LINE.search(ln))
    first = len(text) - len(text.lstrip())
    return _Layout(len(long_lines) >= 2 and closed * 2 < len(long_lines), first)


def _repeats(line: str, following: str) -> bool:
    """Does the next line repeat most words of this one (a headline and its lead)?"""
    a = set(normalize(line).split())
    b = set(normalize(following).split())
    return bool(a) and len(a & b) * 2 >= len(a)


_CLOSED_LINE = re.compile(r"[.!?؟][\"”»')\]]*$")


def party_code(m: Mention) -> str | None:
    e = m.entry
    if e.kind in ("person", "org"):
        return e.code or e.country
    state = m.as_country()
    return state.code if state else None


def national_body_of(mentions: list[Mention], idx: int) -> tuple[Mention, str] | None:
    """A state's body (a senate, a parliament) followed by another state's adjective: that state
    ("مجلس الشيوخ البولندي" → POL), named by the adjective."""
    body = mentions[idx]
    if body.entry.kind != "org" or body.entry.country is None or idx + 1 >= len(mentions):
        return None
    adjective = mentions[idx + 1]
    state = adjective.as_country()
    if (
        adjective.via != "adjective"
        or state is None
        or state.code == body.entry.country
        or adjective.nstart - body.nend > 2
    ):
        return None
    return adjective, state.code or ""


def adjective_absorbed(mentions: list[Mention], idx: int, norm: str) -> bool:
    """ "الرئيس الأوكراني فولوديمير زيلينسكي": the adjective is part of the person's title (the
    person named right after it, a first name at most in between; "الرئيسان الأمريكي
    والأوكراني اجتماعا في البيت الأبيض" names two sides, not the White House twice)."""
    adj = mentions[idx]
    state = adj.as_country()
    for nxt in mentions[idx + 1 : idx + 2]:
        gap = norm[adj.nend : nxt.nstart]
        if nxt.nstart - adj.nend > 30 or len(gap.split()) > 2:
            break
        if nxt.entry.kind in ("person", "org") and state and nxt.entry.country == state.code:
            return True
    return False


def chained_adjective(parts: list[Part], m: Mention) -> bool:
    """ "محادثات روسية أوكرانية": a state adjective right after a party adjective is a second
    side."""
    return (
        bool(parts)
        and parts[-1].mention.via == "adjective"
        and 0 < m.nstart - parts[-1].mention.nend <= 1
    )


def follows_adjective_party(c: Clause, parts: list[Part], m: Mention) -> bool:
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


def claimed(found: list[DraftEvent], subtypes: tuple[str, ...]) -> bool:
    return any(d.event_type == "other" and d.subtype in subtypes for d in found)


def listed(draft: DraftEvent | None) -> list[DraftEvent]:
    return [] if draft is None else [draft]


def distinct(parts: list[Part]) -> list[str]:
    seen: list[str] = []
    for p in parts:
        if p.code not in seen:
            seen.append(p.code)
    return seen


def _rank(p: Part, prefer_state: bool) -> int:
    """Which mention names a party best: people for contacts, states/bodies for aid."""
    kind, via = p.mention.entry.kind, p.mention.via
    if prefer_state:  # a state names a donor best; otherwise the first mention stands
        order = {"country": 0}
    else:
        order = {"person": 0, "org": 1, "country": 2, "place": 3}
    return order.get(kind, 4) * 2 + (via == "adjective")


def one_per_code(parts: list[Part], prefer_state: bool = False) -> list[Part]:
    """One mention per party (code), the best-ranked one, in order of first appearance."""
    best: dict[str, Part] = {}
    for p in parts:
        current = best.get(p.code)
        if current is None or _rank(p, prefer_state) < _rank(current, prefer_state):
            best[p.code] = p
    return [best[code] for code in distinct(parts)]


def surfaces(parts: list[Part], prefer_state: bool = False) -> list[str]:
    return [party_surface(p.mention) for p in one_per_code(parts, prefer_state)][:6]


def party_surface(m: Mention) -> str:
    """How a draft names a party: as written, or — for a word that names a state only through
    the page ("المملكة") — by the state's name, which grounding finds at that word."""
    return m.entry.name if m.via == "context" else m.surface
