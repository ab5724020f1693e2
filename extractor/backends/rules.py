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
from extractor.arabic.dates import find_dates
from extractor.arabic.gazetteer import Gazetteer, Mention
from extractor.arabic.sentences import Span, clauses, sentences
from extractor.arabic.textnorm import NormalizedText, normalize
from extractor.backends.base import BackendAnswer, SegmentRequest
from extractor.errors import ConfigError
from extractor.events.builder import ceasefire_scope
from extractor.schemas import DraftEvent
from extractor.schemas.event_types import EVENT_TYPE_NAMES

RULES_VERSION = "rules-2"
# Event types read per sentence (an attack and its toll are often split by "، فيما …") and per
# clause, in the order of the event-type table; a type of the table with no rules is not drafted.
SENTENCE_LEVEL: tuple[str, ...] = tuple(t for t in EVENT_TYPE_NAMES if t in ("attack",))
CLAUSE_LEVEL: tuple[str, ...] = tuple(
    t for t in EVENT_TYPE_NAMES if t in ("aid", "diplomatic_contact", "agreement", "ceasefire")
)


def _words(*alternatives: str) -> re.Pattern[str]:
    """A pattern matching whole normalized words (with an optional و/ف conjunction in front)."""
    body = "|".join(alternatives)
    return re.compile(rf"(?<![^\W\d_])[وف]?(?:{body})(?![^\W\d_])")


# ---- triggers (normalized text: ا for أ إ آ, ه for ة, ي for ى) --------------------------------
AID_WORD = re.compile(
    r"مساعد(?:ه|ات|اتها|اته)|حزم(?:ه|ات)|(?<![^\W])دعم|تمويل|اسلح|ذخائر|ذخير|معدات|(?<![^\W])قرض|قروض"
    r"|منح(?:ه)|هب(?:ه)|رزم(?:ه)|امدادات|شحن(?:ه|ات)"
)
TRANSFER = _words(
    r"تقديم|تسليم|ارسال|تزويد|توفير|توفر|يوفر|تقدم|يقدم|ستقدم|سيقدم|سنقدم|نقدم|سترسل|سيرسل|"
    r"ترسل|يرسل|بتقديم|بتسليم|بارسال|بتزويد|بتوفير|لتوفير|لتسليم|لتقديم|خصص|خصصت|تخصيص|"
    r"تعهد|تعهدت|وعد|وعدت|اعلن|اعلنت|استثمر|استثمرت|تبرع|تبرعت|منح|منحت|يمنح|تمنح|سلم|سلمت|"
    r"ارسل|ارسلت|زود|زودت|قدم|قدمت|قدموا|قدمنا|تسلم|تسلمت|وافق|وافقت|اقر|اقرت|ابرم|ابرمت|طلب|طلبت|"
    r"تلقت|تلقي|حصلت|ستحصل|يحصل|تحصل"
)
STAGE_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("requested", _words(r"طلب|طلبت|يطلب|تطلب|طالب|طالبت|يطالب|تطالب|ناشد|ناشدت|طلبا|بطلب")),
    (
        "contracted",
        re.compile(
            r"(?<![^\W])[وف]?(?:ابرم|ابرمت|ابرام)(?![^\W])|عقود|عقد(?:ا|ين)?\s+(?:ل|مع|بقيمه|لشراء|لتوريد|لانتاج)"
            r"|صفق(?:ه|ات)"
        ),
    ),
    (
        "approved",
        re.compile(
            r"(?<![^\W\d_])[وف]?(?:وافق|وافقت|وافقوا|اقر|اقرت|اقروا|صادق|صادقت|مرر|مررت|اعتمد|اعتمدت|اجاز|اجازت"
            r"|اتفق|اتفقت|اتفقوا)(?:ها|ه|هما|هم)?(?![^\W\d_])"
            r"|(?:وقع|وقعت)\s+(?:\S+\s+){0,6}?علي\s+(?:مشروع\s+)?قانون"
        ),
    ),
    (
        "delivered",
        _words(
            r"سلم|سلمت|سلموا|ارسل|ارسلت|زود|زودت|قدم|قدمت|قدموا|قدمنا|تسلم|تسلمت|وصل|وصلت|تلقت|تلقي"
        ),
    ),
)
HUMANITARIAN = re.compile(r"انساني|اغاث|غذائي|طبي|ادويه|مولدات|لاجئ|اعاده الاعمار|الشتاء")
FINANCIAL = re.compile(r"مالي|ميزاني|قرض|قروض|اقتصادي|الموازنه|منحه|سندات|الرواتب")
MILITARY = re.compile(r"عسكري|اسلح|ذخائر|ذخير|دفاع|صواريخ|دبابات|مدفعي|امني")

PHONE = re.compile(
    r"اتصال(?:ا)?\s+هاتفي|مكالمه\s+هاتفيه|محادثه\s+هاتفيه|(?<![^\W])[وف]?(?:اتصل|اتصلت|هاتف|هاتفت)(?![^\W])"
)
VISIT = _words(r"زياره|زيارته|زيارتها|بزياره|زار|زارت|يزور|تزور|سيزور|ستزور|يزورها|زيارات")
TALKS = _words(
    r"محادثات|المحادثات|مباحثات|المباحثات|مفاوضات|المفاوضات|مشاورات|ناقشا|ناقش|ناقشت|بحث|بحثا|بحثت|"
    r"يبحث|تبحث|سيبحث|يناقش|سيناقش"
)
MEETING = _words(
    r"التقي|التقت|التقيا|يلتقي|تلتقي|سيلتقي|ستلتقي|لقاء|لقائه|اللقاء|اجتماع|الاجتماع|اجتماعا|اجتمع|"
    r"اجتمعت|قمه|القمه|استقبل|استقبلت"
)
PARTNER = _words(
    r"مع|بين|نظيره|نظيرته|نظيرها|نظيريه|نظرائه|التقي|التقت|يلتقي|سيلتقي|ستلتقي|اجتمع|استقبل|استقبله|"
    r"ناقشا|بحثا|اتفقا|التقيا|شارك|يشارك|بمشاركه|وزراء|قاده"
)
BETWEEN = re.compile(r"(?<![^\W])بين(?![^\W])")
ALL_SIDES = re.compile(r"(?<![^\W])(?:بين|شارك|يشارك|بمشاركه|قمه|القمه)(?![^\W])")
MULTILATERAL_ORGS = frozenset({"NATO", "EU", "G7", "UN"})

AGREEMENT = _words(
    r"اتفاق|اتفاقا|الاتفاق|اتفاقيه|الاتفاقيه|اتفاقيات|الاتفاقيات|معاهده|المعاهده|مذكره\s+تفاهم"
)
SIGNED = _words(r"وقع|وقعت|وقعا|توقيع|بتوقيع|ابرم|ابرمت|ابرما|يوقع|توقع|سيوقع|ستوقع|وقعوا")
NEGOTIATING = re.compile(
    r"مفاوضات|التفاوض|بدا(?:ا|ت)?\s+العمل|العمل\s+علي|التوصل|مسوده|محادثات|يسعي|تسعي"
    r"|(?:نحو|الي|لاجل|بهدف|من\s+اجل)\s+توقيع|لتوقيع|تتفاوض|يتفاوض|التفاوض"
)
AID_AGREEMENT = re.compile(r"تمويل|مساعدات|حزمه|قرض|قروض|مليار|مليون")
RATIFIED = _words(r"صادق|صادقت|المصادقه|صدق|اقر|اقرت|ratif")

CEASEFIRE = re.compile(
    r"وقف\s+(?:ل)?(?:اطلاق\s+(?:ال)?نار|القتال|الاعمال\s+(?:العدائيه|القتاليه))|هدنه"
    r"|(?:توقف|يوقف|توقيف|وقف|تعليق|تجميد)\s+(?:\S+\s+){0,3}?(?:الهجمات|الضربات|القصف|الغارات)"
)
PROPOSAL = re.compile(r"مقترح|اقتراح|استعداد|مستعد|يدعو|دعا|دعت|طالب|يطالب|مبادره|عرض")
ACCEPTED = _words(r"وافق|وافقت|اعلن|اعلنت|اتفق|اتفقا|اتفقت|دخل|دخلت|بدء|بدا|سريان|اعلنها")
DURATION = re.compile(
    r"(?:لمده|مدتها|مده)\s+(?P<n>[^\s]+(?:\s+[^\s]+)?)\s+(?P<u>يوما|يوم|ايام|ساعه|ساعات|اسبوعا|اسابيع|اسبوع|شهرا|اشهر|شهر)"
    r"|(?:لمده|مدتها)\s+(?P<d>يومين|اسبوعين|شهرين|شهر|اسبوع)"
)

ATTACK = _words(
    r"قصف|القصف|قصفا|قصفت|هجوم|هجوما|الهجوم|غاره|الغاره|غارات|الغارات|ضربه|الضربه|استهدف|استهدفت|"
    r"يستهدف|تستهدف|شن|شنت|تشن|يشن|شنته|شنها|هاجم|هاجمت|انفجار|انفجارات|اصاب|اصابت|اصابا|"
    r"اطلق|اطلقت|يطلق|تطلق|الضربات|ضربات|هجمات|الهجمات|موجه"
)
ATTACK_VERB = _words(
    r"شن|شنت|تشن|يشن|شنته|استهدف|استهدفت|يستهدف|تستهدف|قصفت|هاجم|هاجمت|اطلق|اطلقت|اصاب|اصابت|اصابا"
)
COUNTER_FIRE_ONLY = re.compile(r"اسقاط|اسقطت|اعتراض|اعترضت|تصدت|التصدي")
ATTACK_MODES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("missile", re.compile(r"صاروخ|صواريخ|باليستي|كروز")),
    ("drone", re.compile(r"مسير|درون|بدون\s+طيار|دون\s+طيار|شاهد")),
    ("air", re.compile(r"غاره|غارات|جوي|قاذف|طائرات\s+حربيه")),
    ("artillery", re.compile(r"مدفعي|قذائف|راجمات|هاون")),
    ("ground", re.compile(r"قوات|توغل|هجوم\s+بري|اقتحام|(?<![^\W])بري")),
)

NEGATED = _words(
    r"لم|لن|نفي|نفت|ينفي|تنفي|رفض|رفضت|يرفض|ترفض|فشل|فشلت|فشلت|الغي|الغت|الغاء|ارجاء|تاجيل|"
    r"دون\s+التوصل|بدون\s+التوصل|لا\s+صحه"
)
# "زيارة لم يعلن عنها" (unannounced) is not a denial of the visit.
NOT_NEGATION = re.compile(
    r"(?:لم|لا)\s+(?:يعلن|تعلن|يكشف|تكشف|يسبق|تسبق|يعد|تعد)(?:\s+عنها|\s+عنه)?|غير\s+معلنه"
    # "no casualties" denies the toll, not the attack
    r"|[وف]?(?:لم|لا)\s+(?:تسفر|يسفر|ترد|يرد|تقع|يقع|تسجل|يسجل|يصب|تصب|تتوفر|يتوفر)(?:\s+\S+){0,4}?"
    r"\s+(?:عن|اي|احد|اصابات|ضحايا|قتلي|خسائر|معلومات)"
    r"|دون\s+(?:وقوع\s+|سقوط\s+)?(?:اصابات|ضحايا|قتلي|خسائر)|لا\s+(?:اصابات|ضحايا)"
)
HYPOTHETICAL = re.compile(
    r"(?<![^\W])[وف]?(?:ربما|اذا|لو|اعتقد|اتوقع|يتوقع|المحتمل|محتمل|امكانيه|من\s+الممكن|يمكن\s+ان|في\s+حال)"
    r"(?![^\W])|(?<![^\W])قد\s+[يتن]"
)
PLANNED = _words(
    r"سوف|من\s+المقرر|المقرر|مرتقب|المرتقب|مرتقبه|المرتقبه|يعتزم|تعتزم|ينوي|تنوي|المقبل|المقبله|"
    r"القادم|القادمه|غدا|سيتحدث|سيجري|ستجري|سيقوم|ستقوم|سيعقد|ستعقد|سيعقدون|سيلتقي|ستلتقي|سيزور|"
    r"ستزور|سيصل|ستصل|سيتوجه|ستتوجه|سيبحث|ستبحث|سيناقش|ستناقش|سيشارك|ستشارك|سيقود|سيحضر|"
    r"ستستضيف|سيستضيف|سيجتمع|ستجتمع|سيوقع|ستوقع|سيتم|ستعقد|سيلتقيان|يلتقي|تجري|يجري|ستتجه|"
    r"سيؤكد|ستؤكد|سيعلن|ستعلن|سيصوت|ستصوت|سيبدا|ستبدا|سيسافر|سيتوجه|سيحضر|ستحضر|سيشارك"
)

# Words that make a following adjective ("الأميركي") name a party, not a quality of a thing.
PARTY_NOUNS = frozenset(
    [
        "الوفد",
        "الوفدين",
        "الوفود",
        "وفد",
        "الجانب",
        "الجانبين",
        "نظيره",
        "نظيرته",
        "نظيرها",
        "نظيريه",
        "نظرائه",
        "الرئيس",
        "رئيس",
        "الرئيسين",
        "الحكومه",
        "حكومه",
        "السلطات",
        "المسؤولين",
        "المسؤول",
        "المسؤولون",
        "مسؤولين",
        "مسؤول",
        "الخارجيه",
        "الدفاع",
        "وزير",
        "وزيري",
        "الوزير",
        "وزراء",
        "البرلمان",
        "الجيش",
        "جيش",
        "القوات",
        "قوات",
        "المبعوث",
        "الزعيم",
        "المستشار",
        "الادارة",
        "الاداره",
        "الامن",
        "القومي",
        "الكونغرس",
        "الرئاسه",
        "الجانبان",
        "البلدين",
        "البحريه",
        "المدفعيه",
        "الوزراء",
        "العهد",
        "الاركان",
    ]
)
ATTACK_NOUN_STEM = re.compile(
    r"^[وفب]?(?:ال)?(?:قصف|هجوم|هجمات|غار|ضرب|صاروخ|صواريخ|مسير|طائر|قذائف|جوي|مدفعي|قوات|جيش|اسطول)"
)
AID_NOUNS = frozenset(
    [
        "صواريخ",
        "الصواريخ",
        "اسلحه",
        "الاسلحه",
        "ذخائر",
        "الذخائر",
        "دبابات",
        "الدبابات",
        "طائرات",
        "الطائرات",
        "انظمه",
        "الانظمه",
        "مساعدات",
        "المساعدات",
        "حزمه",
        "الحزمه",
        "الدعم",
        "دعم",
        "التمويل",
        "تمويل",
        "معدات",
        "المعدات",
        "منظومات",
    ]
)
# "الأمين العام للناتو": ل after a title is "of", not "to".
TITLE_WORDS = frozenset(
    [
        "العام",
        "الامين",
        "وزير",
        "وزيره",
        "رئيس",
        "رئيسه",
        "المتحدث",
        "باسم",
        "سفير",
        "مندوب",
        "ممثل",
        "قائد",
        "مدير",
        "الناطق",
        "المتحدثه",
        "مستشار",
        "امين",
        "نائب",
        "زعيم",
    ]
)
# "معايير الناتو", "حلفاء أوكرانيا": the party is a complement of a thing, not an actor.
GENITIVE_NOUNS = frozenset(
    ["معايير", "حلفاء", "شركاء", "حدود", "اراضي", "اجواء", "عضويه", "مستقبل", "تاريخ"]
)
# "لدعم أوكرانيا" in a call or meeting is its topic, not a participant.
TOPIC_WORDS = frozenset(
    [
        "لدعم",
        "دعم",
        "لمساعده",
        "مساعده",
        "بشان",
        "حول",
        "ضد",
        "لتزويد",
        "تزويد",
        "بتزويد",
        "ازاء",
        "تجاه",
        "لصالح",
        "في",
        "لاستعاده",
    ]
)
WAR_WORDS = re.compile(r"(?:الحرب|حرب|الصراع|النزاع|القتال)(?:\s+\S+){0,4}\s+بين\s")
DISCUSSION_OF_AID = re.compile(
    r"(?:لبحث|بحث|لمناقشه|مناقشه|ناقش|ناقشا|يبحث|تبحث|بحثا|حول|بشان|الحاجه\s+الي)\s+(?:\S+\s+)?"
    r"(?:تقديم|تزويد|ارسال|تسليم|المساعدات|مساعدات|الدعم|دعم|امدادات|المشتريات)"
)
COMBAT = re.compile(r"اسقاط|اسقطت|اسقط|اعترض|اعتراض|هجوم|هجمات|قصف|ضربات|ضربه|استهدف|دمرت|تدمير")
PLEDGE = _words(
    r"وعد|وعدت|تعهد|تعهدت|يعتزم|تعتزم|ستقدم|سيقدم|سنقدم|سترسل|سيرسل|سنرسل|ستوفر|سيوفر|ستعلن|سيعلن"
)
DELIVERED_NOUNS = _words(r"تسليم|بتسليم|وصول|ارسال|بارسال")
LOCATION_PREPS = frozenset({"في", "داخل", "بمدينه", "مدينه", "منطقه", "بمنطقه", "قرب"})
TO_PREPS = frozenset({"الي", "نحو", "لصالح", "لدعم", "لدي"})
WITH_PREPS = frozenset({"مع", "بين", "نظيره", "نظيرته", "نظيرها", "نظيريه", "ونظيره"})
VISIT_VERBS = frozenset(
    ["زار", "زارت", "يزور", "تزور", "سيزور", "ستزور", "وصل", "وصلت", "يصل", "تصل", "سيصل", "ستصل"]
)
PREPOSITIONS = frozenset({"في", "الي", "مع", "بين", "من", "علي", "ضد", "داخل", "نحو", "لدي"})
ACTOR_PLACE_PREFIX = frozenset({"قوات", "جيش", "سلطات", "حكومه", "القوات", "السلطات", "الحكومه"})
_MIN_CLAUSE_WORDS = 4


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
        return self.text[self.span.start : self.span.end]

    def prev_word(self, m: Mention) -> str:
        before = self.norm.text[max(0, m.nstart - 40) : m.nstart].split()
        return before[-1] if before else ""


class RuleBackend:
    """Deterministic Arabic pattern extractor (no model, no key)."""

    name = "rules"

    def __init__(self, gazetteer: Gazetteer) -> None:
        self.gazetteer = gazetteer
        # One rule per event type: (clause, drafts already found in it) -> drafts.
        self._rules: dict[str, Callable[[_Clause, list[DraftEvent]], list[DraftEvent]]] = {
            "aid": lambda c, _found: _listed(self._aid(c)),
            "diplomatic_contact": lambda c, _found: self._contact(c),
            "agreement": lambda c, found: self._agreement(
                c, any(d.event_type == "aid" for d in found)
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

        for sentence in sentences(text):
            if _is_title(text, sentence):
                continue  # headlines repeat the body, in fewer words
            whole = clause_at(sentence, sentence)
            if len(whole.n.split()) < _MIN_CLAUSE_WORDS:
                continue
            drafts.extend(self._events_in(whole, SENTENCE_LEVEL))
            for span in clauses(text, sentence):
                clause = clause_at(span, sentence)
                if len(clause.n.split()) < _MIN_CLAUSE_WORDS:
                    continue
                drafts.extend(self._events_in(clause, CLAUSE_LEVEL))
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
            if prev[:1] in "وف" and prev[1:] in PREPOSITIONS:
                prev = prev[1:]  # "وفي باريس" → "في"
            if (
                kind == "place"
                and prev not in ACTOR_PLACE_PREFIX
                and m.entry.place_type not in (None, "capital")
                and state is None
            ):
                continue
            if m.via == "adjective":
                if _adjective_absorbed(mentions, idx):
                    continue
                nouns = PARTY_NOUNS | (AID_NOUNS if event == "aid" else frozenset())
                prev_is_party = (
                    prev in nouns
                    or (event == "attack" and ATTACK_NOUN_STEM.search(prev) is not None)
                    or (
                        prev.startswith("ال")
                        and any(
                            p.mention.via == "adjective" and p.prev in nouns for p in parts[-1:]
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
            if prev in GENITIVE_NOUNS or prev[1:] in GENITIVE_NOUNS:
                continue
            if prev in TITLE_WORDS or prev[1:] in TITLE_WORDS:
                hint = "of"
            elif (
                gov in TO_PREPS
                or gov in VISIT_VERBS
                or (m.clitic.endswith("ل") and m.via != "adjective")
            ):
                hint = "to"
            elif gov in WITH_PREPS or m.clitic.endswith("ب") and kind == "person":
                hint = "with"
            elif gov in LOCATION_PREPS or (m.clitic.endswith("ب") and kind in ("place", "country")):
                hint = "in"
            elif gov == "من":
                hint = "from"
            elif gov in ("علي", "ضد"):
                hint = "on"
            if (
                not hint
                and m.clitic == "و"
                and parts
                and parts[-1].hint == "to"
                and m.nstart - parts[-1].mention.nend < 20
            ):
                hint = "to"  # "لأوكرانيا ومولدوفا": coordinated recipients
            if kind == "place" and prev in ACTOR_PLACE_PREFIX:
                hint = ""
            parts.append(_Part(m, code, prev, hint))
        return parts

    def _date(self, c: _Clause) -> str | None:
        for scope in (c.n, None):
            n = (
                scope
                if scope is not None
                else c.norm.text[
                    bisect_left(c.norm.offsets, c.sentence.start) : bisect_left(
                        c.norm.offsets, c.sentence.end
                    )
                ]
            )
            base = c.nstart if scope is not None else bisect_left(c.norm.offsets, c.sentence.start)
            found = find_dates(n)
            if found:
                # the most specific expression names the event's day ("أمس الثلاثاء" over "هذا الأسبوع")
                d = next(
                    (x for x in found if x.kind in ("rel_day", "weekday", "dmy", "dmy_num", "iso")),
                    found[0],
                )
                start, end = c.norm.to_original(base + d.nstart, base + d.nend)
                surface = c.text[start:end]
                if surface[:1] in "وف" and find_dates(normalize(surface[1:])):
                    surface = surface[1:]  # "والأسبوع الماضي" → "الأسبوع الماضي"
                return surface
        return None

    def _location(
        self, c: _Clause, parts: list[_Part] | None = None, include_in_countries: bool = True
    ) -> str | None:
        """Where: the first place or state written after في/داخل/بـ, else the first place named."""
        for m in c.mentions:
            prev = c.prev_word(m)
            prev = prev[1:] if prev[:1] in "وف" and prev[1:] in PREPOSITIONS else prev
            located = prev in LOCATION_PREPS or (
                m.clitic.endswith("ب") and m.entry.kind != "person"
            )
            if located and (
                m.entry.kind == "place" or (include_in_countries and m.entry.kind == "country")
            ):
                return m.surface
        for m in c.mentions:
            if m.entry.kind == "place" and c.prev_word(m) not in ACTOR_PLACE_PREFIX:
                return m.surface
        return None

    def _modality(self, c: _Clause, allow_planned: bool = True) -> str:
        if NEGATED.search(NOT_NEGATION.sub(" ", c.n)):
            return "negated"
        if HYPOTHETICAL.search(c.n):
            return "hypothetical"
        if allow_planned and PLANNED.search(c.n):
            return "planned"
        return "asserted"

    # ---- aid ---------------------------------------------------------------------------------
    def _aid(self, c: _Clause) -> DraftEvent | None:
        all_money = c.analysis.money_in(c.span.start, c.span.end)
        money = [m for m in all_money if not m.cumulative]
        items = c.analysis.items_in(c.span.start, c.span.end)
        aid_word = bool(AID_WORD.search(c.n))
        transfer = bool(TRANSFER.search(c.n))
        if all_money and not money:
            return None  # only a running total: not an event of its own
        if not (money or items or aid_word):
            return None
        if not transfer and not money:
            return None
        if not money and not items and DISCUSSION_OF_AID.search(c.n):
            return None  # "to discuss providing more aid" is not an aid event
        if not money and not aid_word and COMBAT.search(c.n):
            return None  # "أعلنت … إسقاط 337 مسيرة": weapons named, nothing given
        parts = self._parts(c, "aid")
        stage = _aid_stage(c.n)
        to_parts = [p for p in parts if p.hint == "to"]
        # In this domain the recipient is nearly always Ukraine when it is among the "to" parties.
        recipients = [p for p in to_parts if p.code == "UKR"][:1] or to_parts[:1]
        if stage == "requested":
            # In this domain the requester is Ukraine when it is named; the others are asked.
            candidates = [p for p in parts if p.hint not in ("from", "to", "in")]
            requester = [p for p in parts if p.code == "UKR"][:1] or candidates[:1]
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
                donors = donors_of(self._parts(c, "aid", c.sentence_mentions))
            actors, targets = donors, recipients
        if not (money or items) and not (actors and targets):
            return None
        if not actors and not targets:
            return None
        category = (
            "humanitarian"
            if HUMANITARIAN.search(c.n) and not MILITARY.search(c.n)
            else "military"
            if MILITARY.search(c.n) or items
            else "financial"
            if FINANCIAL.search(c.n)
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

    # ---- diplomatic contacts -----------------------------------------------------------------
    def _contact(self, c: _Clause) -> list[DraftEvent]:
        mode = (
            "phone"
            if PHONE.search(c.n)
            else "visit"
            if VISIT.search(c.n)
            else "talks"
            if TALKS.search(c.n)
            else "meeting"
            if MEETING.search(c.n)
            else None
        )
        if mode is None:
            return []
        war = WAR_WORDS.search(c.n)
        partner_text = c.n[: war.start()] + c.n[war.end() :] if war else c.n
        if mode in ("talks", "meeting") and not PARTNER.search(partner_text):
            return []
        parts = [
            p for p in self._parts(c, "contact") if p.prev not in TOPIC_WORDS or p.hint == "in"
        ]
        parts = _same_side_of_speech(c, parts, trigger_at(mode, c.n))
        if war:
            war_end = c.nstart + war.end()
            parts = [p for p in parts if not (war_end <= p.mention.nstart <= war_end + 40)]
        between = BETWEEN.search(partner_text)
        if between and not war:
            # "اتصال هاتفي بين بوتين والرئيس الأمريكي دونالد ترامب": the sides follow "بين"
            lo = c.nstart + between.end()
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
                and p.hint not in ("in", "to")
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
            if not visitors or not hosts:
                return []
            actors, targets = visitors, hosts
        else:
            sides = [p for p in parts if p.hint != "in"]
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
            if not codes or (len(codes) < 2 and codes[0] not in MULTILATERAL_ORGS):
                return []
            if mode in ("meeting", "talks") and (
                len(codes) >= 3 or ALL_SIDES.search(c.n) or len(codes) == 1
            ):
                actors, targets = sides, []  # multilateral, or "talks between A and B"
            else:
                actors = [sides[0]]
                targets = [p for p in sides if p.code != sides[0].code]
        return [
            DraftEvent(
                event_type="diplomatic_contact",
                quote=c.quote,
                actors=_surfaces(actors),
                targets=_surfaces(targets),
                date=self._date(c),
                location=self._location(c, parts) if mode != "visit" else self._location(c),
                modality=self._modality(c),  # type: ignore[arg-type]
                mode=mode,
            )
        ]

    # ---- agreements --------------------------------------------------------------------------
    def _agreement(self, c: _Clause, is_aid: bool) -> list[DraftEvent]:
        if not AGREEMENT.search(c.n) or is_aid or AID_AGREEMENT.search(c.n):
            return []  # an agreement on an aid package is the aid event
        parts = [p for p in self._parts(c, "agreement") if p.hint != "in"]
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
        if RATIFIED.search(c.n):
            status = "ratified"
        elif NEGOTIATING.search(c.n):
            status = "negotiating"
        elif SIGNED.search(c.n):
            status = "signed"
        else:
            status = "negotiating"
        modality = self._modality(c)
        first = parts[0]
        others = [p for p in parts if p.code != first.code]
        if status == "ratified":  # a parliament ratifies on its own side
            return [self._agreement_event(c, [first], [], status, modality)]
        with_side = [p for p in others if p.hint in ("with", "to")]
        if not with_side and others:
            between = c.norm.text[first.mention.nend : others[0].mention.nstart]
            if re.search(r"(?<![^\W])مع(?![^\W])", between):
                with_side = others  # "وقعت أوكرانيا … مع عدة دول، بما في ذلك فرنسا وفنلندا"
        events = []
        if status == "signed" and len(_distinct(others)) > 1 and with_side:
            # "A signed with B and C" = one event per counterpart.
            for p in _one_per_code(others):
                events.append(self._agreement_event(c, [first], [p], status, modality))
        elif not with_side:  # "وقّع زيلينسكي وشولتس الاتفاقية": every signatory is an actor
            events.append(self._agreement_event(c, parts, [], status, modality))
        else:
            events.append(self._agreement_event(c, [first], others, status, modality))
        return events

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

    # ---- ceasefires --------------------------------------------------------------------------
    def _ceasefire(self, c: _Clause) -> DraftEvent | None:
        if not CEASEFIRE.search(c.n):
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
        if not parts and duration is None and scope is None:
            return None
        modality = self._modality(c)
        if modality == "asserted" and PROPOSAL.search(c.n) and not ACCEPTED.search(c.n):
            modality = "hypothetical"  # a proposal or a readiness is not a ceasefire yet
        return DraftEvent(
            event_type="ceasefire",
            quote=c.quote,
            actors=_surfaces(parts, prefer_state=True),
            date=self._date(c),
            location=self._location(c),
            modality=modality,  # type: ignore[arg-type]
            duration=duration,
        )

    # ---- attacks -----------------------------------------------------------------------------
    def _attack(self, c: _Clause) -> DraftEvent | None:
        if not ATTACK.search(c.n) or CEASEFIRE.search(c.n):
            return None  # "وافقت على وقف الضربات" is a ceasefire, not an attack
        casualties = find_casualties(c.quote)
        has_casualties = casualties.killed is not None or casualties.injured is not None
        places = [
            m
            for m in c.mentions
            if m.entry.kind == "place"
            and c.prev_word(m) not in ACTOR_PLACE_PREFIX
            and (m.entry.place_type in ("city", "site", None) or m.entry.country in ("UKR", "RUS"))
        ]  # "في أوروبا" is not where a strike hit
        parts = self._parts(c, "attack")
        struck_state = any(p.hint == "on" for p in parts) and ATTACK_VERB.search(c.n)
        if not has_casualties and not places and not struck_state:
            return None
        if COUNTER_FIRE_ONLY.search(c.n) and not has_casualties and not ATTACK_VERB.search(c.n):
            return None
        location = places[0] if places else None
        target_code = location.entry.country if location else None
        if target_code is None:
            target_code = next((p.code for p in parts if p.hint == "on"), None)
        attackers = [p for p in parts if p.code != target_code and p.hint not in ("in", "on")]
        same = [p for p in parts if p.code == target_code]
        states = [p for p in same if p.mention.entry.kind == "country"][:1]
        target_surfaces = _surfaces(states)
        if not target_surfaces and location is not None and location.as_country():
            target_surfaces = [location.surface]  # "على كييف": the capital stands for its state
        if not target_surfaces:
            target_surfaces = _surfaces(same[:1])
        mode = next((name for name, p in ATTACK_MODES if p.search(c.n)), "other")
        return DraftEvent(
            event_type="attack",
            quote=c.quote,
            actors=_surfaces(attackers, prefer_state=True),
            targets=target_surfaces,
            date=self._date(c),
            location=location.surface if location else None,
            modality=self._modality(c, allow_planned=False),  # type: ignore[arg-type]
            mode=mode,
            killed=casualties.killed_surface,
            injured=casualties.injured_surface,
        )


# ---- module helpers ---------------------------------------------------------------------------


_SPEECH = re.compile(
    r"(?<![^\W])[وف]?(?:قال|قالت|اكد|اكدت|اعلن|اعلنت|اوضح|اوضحت|اضاف|اضافت|ذكر|ذكرت|افاد|افادت|صرح|صرحت)"
    r"(?![^\W]).{0,80}?(?<![^\W])(?:ان|انه|انها|بان|بانه)(?![^\W])"
)


def trigger_at(mode: str, n: str) -> int:
    pattern = {"phone": PHONE, "visit": VISIT, "talks": TALKS, "meeting": MEETING}[mode]
    m = pattern.search(n)
    return m.start() if m else 0


def _same_side_of_speech(c: _Clause, parts: list[_Part], trigger: int) -> list[_Part]:
    """ "قال بوتين، خلال اجتماع مع غيراسيموف، إن الجانب الأوكراني …": parties named in what was
    said are not parties of a contact mentioned around the speech verb, and the reverse."""
    m = _SPEECH.search(c.n)
    if m is None:
        return parts
    cut = c.nstart + m.end()
    if trigger < m.end():
        return [p for p in parts if p.mention.nstart < cut]
    return [p for p in parts if p.mention.nstart >= cut - 3]


def _is_title(text: str, s: Span) -> bool:
    """Part of a headline or sub-heading: its line is short and not closed like a sentence
    ("…إلى 51 قتيلا.. وهجوم جديد على لفيف" is a headline of two parts)."""
    line_start = text.rfind("\n", 0, s.start) + 1
    line_end = text.find("\n", s.end)
    line = text[line_start : len(text) if line_end < 0 else line_end].strip()
    closed = line.endswith((".", "؟", "!", '"', "”", "»", ")")) and not line.endswith("..")
    return not closed and len(line.split()) < 25


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


def _aid_stage(n: str) -> str:
    """requested > contracted > approved > delivered (past verbs) > pledged > delivery nouns."""
    for name, pattern in STAGE_PATTERNS:
        if pattern.search(n):
            return name
    if PLEDGE.search(n):
        return "announced"
    if DELIVERED_NOUNS.search(n):
        return "delivered"
    return "announced"


__all__ = ["RULES_VERSION", "RuleBackend"]
