"""The discourse step: an event told several times in one article is one record, with every
mention and the values of all of them — whichever backend drafted the mentions.

Each shape is an own-worded article. ``Scripted`` plays a model that drafts every mention as an
event of its own (what the recorded models do); the rules run on the same text where they draft
the shape too. Offsets are checked against the text, not against numbers written here.
"""

from __future__ import annotations

import asyncio
from datetime import date

import pytest

from extractor.backends.rules import RuleBackend
from extractor.core.backend import BackendAnswer, SegmentRequest
from extractor.core.document import Document
from extractor.core.pipeline import Pipeline
from extractor.events.dedup import commitment_key, restates
from extractor.events.task import events_task
from extractor.schemas import DraftEvent, EventRecord

PUBLISHED = date(2024, 4, 26)  # a Friday


class Scripted:
    """A backend that drafts what it is given, for the requests whose text holds the quote."""

    name = "openai"

    def __init__(self, drafts: list[DraftEvent]) -> None:
        self.drafts = drafts

    async def draft(self, request: SegmentRequest) -> BackendAnswer:
        return BackendAnswer([d for d in self.drafts if d.quote in request.text], source=self.name)


def extract(backend, text: str, gazetteer) -> list[EventRecord]:
    pipeline = Pipeline(events_task(), backend, gazetteer)
    result = asyncio.run(pipeline.process(Document("doc", text, PUBLISHED, url="https://x.test/a")))
    assert result.ok, result.message
    return list(result.events)


def spans(text: str, *quotes: str) -> list[tuple[int, int]]:
    out = []
    for q in quotes:
        start = text.index(q)
        out.append((start, start + len(q)))
    return out


def only(records: list[EventRecord], event_type: str) -> EventRecord:
    of_type = [r for r in records if r.event_type == event_type]
    assert len(of_type) == 1, [r.evidence.quote for r in of_type]
    return of_type[0]


def check_mentions(record: EventRecord, text: str, expected: list[tuple[int, int]]) -> None:
    assert [(m.start, m.end) for m in record.mentions] == expected
    for m in record.mentions:
        assert text[m.start : m.end] == m.quote
    assert (record.evidence.start, record.evidence.end) in expected


# ---- the call and what was discussed during it ------------------------------------------------

CALL_1 = (
    "أجرى الرئيس الفرنسي إيمانويل ماكرون اتصالا هاتفيا مع نظيره الأوكراني فولوديمير زيلينسكي "
    "يوم الثلاثاء."
)
CALL_2 = "وبحث الرئيسان خلال الاتصال سبل تعزيز الدفاعات الجوية الأوكرانية."
CALL = f"{CALL_1} {CALL_2}"


def test_what_was_discussed_during_the_call_is_the_call(gazetteer) -> None:
    drafts = [
        DraftEvent(
            quote=CALL_1,
            event_type="diplomatic_contact",
            actors=["إيمانويل ماكرون"],
            targets=["فولوديمير زيلينسكي"],
            date="يوم الثلاثاء",
            mode="phone",
        ),
        DraftEvent(quote=CALL_2, event_type="diplomatic_contact", mode="talks"),
    ]
    r = only(extract(Scripted(drafts), CALL, gazetteer), "diplomatic_contact")
    assert r.mode == "phone"
    assert r.date is not None and r.date.value == "2024-04-23"
    assert {a.code for a in r.actors + r.targets} == {"FRA", "UKR"}
    check_mentions(r, CALL, spans(CALL, CALL_1, CALL_2))


PHONE_1 = (
    "تلقى المستشار الألماني أولاف شولتس اتصالا هاتفيا من الرئيس الأوكراني فولوديمير زيلينسكي أمس."
)
PHONE_2 = "وناقش معه شولتس الوضع الميداني وحاجة كييف إلى مزيد من الذخائر."
PHONE = f"{PHONE_1} {PHONE_2}"


def test_the_rules_reading_of_discussed_with_him_joins_the_call(gazetteer) -> None:
    records = extract(RuleBackend(gazetteer), PHONE, gazetteer)
    r = only(records, "diplomatic_contact")
    assert r.mode == "phone" and r.date is not None and r.date.value == "2024-04-25"
    assert [(m.start, m.end) for m in r.mentions][0] == (0, len(PHONE_1))
    assert len(r.mentions) == 2
    assert PHONE[r.mentions[1].start : r.mentions[1].end] == r.mentions[1].quote
    assert r.mentions[1].start >= len(PHONE_1)


# ---- a truce referred back to ------------------------------------------------------------------

TRUCE_1 = "أعلنت روسيا وأوكرانيا هدنة لمدة ثلاثة أيام تبدأ يوم الخميس."
TRUCE_2 = "وقالت موسكو إن الهدنة المعلنة تشمل وقف الضربات على منشآت الطاقة."
TRUCE = f"{TRUCE_1} {TRUCE_2}"


def test_the_announced_truce_referred_back_to_is_one_ceasefire(gazetteer) -> None:
    drafts = [
        DraftEvent(
            quote=TRUCE_1,
            event_type="ceasefire",
            actors=["روسيا", "أوكرانيا"],
            duration="لمدة ثلاثة أيام",
            date="يوم الخميس",
        ),
        DraftEvent(quote=TRUCE_2, event_type="ceasefire", actors=["موسكو"]),
    ]
    r = only(extract(Scripted(drafts), TRUCE, gazetteer), "ceasefire")
    assert r.duration_days == 3  # from the first mention
    assert r.scope == "energy infrastructure"  # from the second
    assert r.date is not None and r.date.value == "2024-04-25"
    check_mentions(r, TRUCE, spans(TRUCE, TRUCE_1, TRUCE_2))


# ---- a package announced by one body and detailed by another ----------------------------------

PACKAGE_1 = (
    "أعلنت الولايات المتحدة يوم الأربعاء حزمة مساعدات عسكرية جديدة لأوكرانيا بقيمة 400 مليون دولار."
)
PACKAGE_2 = (
    "وقدمت وزارة الدفاع الأميركية تفاصيل الحزمة التي تشمل صواريخ لمنظومة هيمارس وقذائف مدفعية "
    "وعربات برادلي."
)
PACKAGE = f"{PACKAGE_1} {PACKAGE_2}"
PACKAGE_ITEMS = {"HIMARS", "Artillery shells", "Armoured vehicles"}


def package_drafts() -> list[DraftEvent]:
    return [
        DraftEvent(
            quote=PACKAGE_1,
            event_type="aid",
            actors=["الولايات المتحدة"],
            targets=["أوكرانيا"],
            money=["400 مليون دولار"],
            date="يوم الأربعاء",
            stage="announced",
            category="military",
        ),
        DraftEvent(
            quote=PACKAGE_2,
            event_type="aid",
            actors=["وزارة الدفاع الأميركية"],
            items=["صواريخ لمنظومة هيمارس", "قذائف مدفعية", "عربات برادلي"],
            stage="announced",
            category="military",
        ),
    ]


@pytest.mark.parametrize("backend", ["model", "rules"])
def test_the_item_list_of_the_follow_up_joins_the_package(gazetteer, backend: str) -> None:
    drafter = Scripted(package_drafts()) if backend == "model" else RuleBackend(gazetteer)
    r = only(extract(drafter, PACKAGE, gazetteer), "aid")
    assert [(m.amount, m.currency) for m in r.money] == [(400e6, "USD")]
    assert {i.name for i in r.items} == PACKAGE_ITEMS
    assert r.stage == "announced"  # a detail sentence's verb is no new stage
    assert r.date is not None and r.date.value == "2024-04-24"
    expected = spans(PACKAGE, PACKAGE_1.rstrip("."), PACKAGE_2.rstrip("."))
    got = [(m.start, m.end) for m in r.mentions]
    assert len(got) == 2 and all(
        g[0] == e[0] and g[1] in (e[1], e[1] + 1) for g, e in zip(got, expected, strict=True)
    )
    assert all(PACKAGE[m.start : m.end] == m.quote for m in r.mentions)
    # the evidence is the fuller telling (amount, day, both sides), and the id is its span's
    assert r.evidence.start == 0
    for item in r.items:  # the follow-up's words, found where they are written
        assert PACKAGE[item.start : item.end] == item.surface and item.start > len(PACKAGE_1)


# ---- a toll that rises ------------------------------------------------------------------------

TOLL_1 = "قتل خمسة أشخاص في قصف صاروخي روسي على مدينة خاركيف صباح الجمعة."
TOLL_2 = "ثم ارتفعت حصيلة الهجوم إلى 12 قتيلا و40 جريحا مساء اليوم نفسه."
TOLL = f"{TOLL_1} {TOLL_2}"


@pytest.mark.parametrize("backend", ["model", "rules"])
def test_a_rising_toll_gives_one_attack_with_the_higher_toll(gazetteer, backend: str) -> None:
    drafts = [
        DraftEvent(
            quote=TOLL_1,
            event_type="attack",
            actors=["روسي"],
            location="خاركيف",
            killed="خمسة أشخاص",
            date="صباح الجمعة",
            mode="missile",
        ),
        DraftEvent(quote=TOLL_2, event_type="attack", killed="12 قتيلا", injured="40 جريحا"),
    ]
    drafter = Scripted(drafts) if backend == "model" else RuleBackend(gazetteer)
    r = only(extract(drafter, TOLL, gazetteer), "attack")
    assert (r.killed, r.injured) == (12, 40)
    assert r.mode == "missile" and r.location is not None and r.location.name == "Kharkiv"
    assert r.date is not None and r.date.value == "2024-04-26"
    assert r.evidence.start == 0
    check_mentions(r, TOLL, spans(TOLL, TOLL_1, TOLL_2))


def test_a_lower_toll_of_another_attack_is_not_a_restatement(gazetteer) -> None:
    text = TOLL_1 + " وفي هجوم آخر قتل ثلاثة أشخاص في قصف على مدينة أوديسا."
    drafts = [
        DraftEvent(quote=TOLL_1, event_type="attack", location="خاركيف", killed="خمسة أشخاص"),
        DraftEvent(
            quote="وفي هجوم آخر قتل ثلاثة أشخاص في قصف على مدينة أوديسا.",
            event_type="attack",
            location="أوديسا",
            killed="ثلاثة أشخاص",
        ),
    ]
    records = extract(Scripted(drafts), text, gazetteer)
    assert sorted(r.killed for r in records if r.killed is not None) == [3, 5]


# ---- sanctions restated -------------------------------------------------------------------------

SANCTIONS_1 = "فرض الاتحاد الأوروبي يوم الاثنين حزمة جديدة من العقوبات على روسيا."
SANCTIONS_2 = "وتستهدف هذه العقوبات أصولا روسية بقيمة ملياري يورو."
SANCTIONS = f"{SANCTIONS_1} {SANCTIONS_2}"


def test_these_sanctions_are_the_sanctions_just_imposed(gazetteer) -> None:
    drafts = [
        DraftEvent(
            quote=SANCTIONS_1,
            event_type="other",
            subtype="sanctions",
            actors=["الاتحاد الأوروبي"],
            targets=["روسيا"],
            date="يوم الاثنين",
        ),
        DraftEvent(
            quote=SANCTIONS_2, event_type="other", subtype="sanctions", money=["ملياري يورو"]
        ),
    ]
    r = only(extract(Scripted(drafts), SANCTIONS, gazetteer), "other")
    assert r.subtype == "sanctions"
    assert [(m.amount, m.currency) for m in r.money] == [(2e9, "EUR")]  # from the second
    assert r.date is not None and r.date.value == "2024-04-22"  # from the first
    assert [a.code for a in r.actors] == ["EU"] and [t.code for t in r.targets] == ["RUS"]
    check_mentions(r, SANCTIONS, spans(SANCTIONS, SANCTIONS_1, SANCTIONS_2))


# ---- a teaser printed again before a photo caption ---------------------------------------------

TEASER = "قالت وزارة الدفاع الأميركية إن واشنطن سترسل منظومة باتريوت ثانية إلى أوكرانيا."
CAPTION = "منظومة باتريوت خلال تدريب سابق (أرشيفية)"
BODY = "وأضافت الوزارة أن المنظومة ستصل خلال أسابيع."
PAGE = f"{TEASER}\n\n{CAPTION}\n\n{TEASER} {BODY}"


def test_a_teaser_printed_twice_is_one_record_with_both_places(gazetteer) -> None:
    r = only(extract(RuleBackend(gazetteer), PAGE, gazetteer), "aid")
    second = PAGE.index(TEASER, 1)
    starts = [m.start for m in r.mentions]
    assert starts == [0, second]
    assert all(PAGE[m.start : m.end] == m.quote for m in r.mentions)
    assert [i.name for i in r.items] == ["Patriot"]
    assert r.evidence.start == 0  # equally full: the first telling gives the evidence and id


HEADLINE = "ارتفاع حصيلة ضربة خاركيف إلى 12 قتيلا"
HEADED = f"{HEADLINE}\n\n{TOLL_1} {TOLL_2}"


def test_a_headline_that_a_model_read_as_an_event_joins_the_body(gazetteer) -> None:
    drafts = [
        # a small model's reading of a headline: no verb, and a modality it guessed
        DraftEvent(quote=HEADLINE, event_type="attack", killed="12 قتيلا", modality="negated"),
        DraftEvent(
            quote=TOLL_1, event_type="attack", actors=["روسي"], location="خاركيف", mode="missile"
        ),
        DraftEvent(quote=TOLL_2, event_type="attack", killed="12 قتيلا", injured="40 جريحا"),
    ]
    r = only(extract(Scripted(drafts), HEADED, gazetteer), "attack")
    assert r.modality == "asserted" and (r.killed, r.injured) == (12, 40)
    check_mentions(r, HEADED, spans(HEADED, HEADLINE, TOLL_1, TOLL_2))


# ---- stages of one package stay apart, under one commitment ------------------------------------

HOUSE = "وافق مجلس النواب الأميركي يوم السبت على حزمة مساعدات لأوكرانيا بقيمة 61 مليار دولار."
SENATE = "ثم أقر مجلس الشيوخ الحزمة يوم الثلاثاء."
SIGNED = "ووقع الرئيس جو بايدن على الحزمة يوم الأربعاء لتصبح قانونا."
STAGES = f"{HOUSE} {SENATE} {SIGNED}"


def test_house_senate_and_signing_are_three_stages_of_one_commitment(gazetteer) -> None:
    drafts = [
        DraftEvent(
            quote=HOUSE,
            event_type="aid",
            actors=["مجلس النواب الأميركي"],
            targets=["لأوكرانيا"],
            money=["61 مليار دولار"],
            date="يوم السبت",
            stage="approved",
        ),
        DraftEvent(
            quote=SENATE,
            event_type="aid",
            actors=["مجلس الشيوخ"],
            date="يوم الثلاثاء",
            stage="approved",
        ),
        DraftEvent(
            quote=SIGNED,
            event_type="aid",
            actors=["جو بايدن"],
            date="يوم الأربعاء",
            stage="approved",
        ),
    ]
    records = extract(Scripted(drafts), STAGES, gazetteer)
    assert [r.date.value for r in records if r.date] == ["2024-04-20", "2024-04-23", "2024-04-24"]
    assert len({r.event_id for r in records}) == 3
    assert {r.commitment_id for r in records} == {commitment_key(records[0].event_id)}
    # the rules read the House and the Senate votes (not the signing): one commitment too
    ruled = [r for r in extract(RuleBackend(gazetteer), STAGES, gazetteer) if r.event_type == "aid"]
    assert len(ruled) >= 2 and len({r.commitment_id for r in ruled}) == 1


def test_two_donors_same_amount_are_two_commitments(gazetteer) -> None:
    text = (
        "أعلنت ألمانيا حزمة مساعدات لأوكرانيا بقيمة 500 مليون يورو. "
        "كما أعلنت فرنسا حزمة مساعدات لأوكرانيا بقيمة 500 مليون يورو."
    )
    records = [r for r in extract(RuleBackend(gazetteer), text, gazetteer) if r.event_type == "aid"]
    assert len(records) == 2 and len({r.commitment_id for r in records}) == 2


# ---- every record carries its document's date and source ---------------------------------------


def test_records_carry_publication_date_source_and_their_evidence_as_a_mention(gazetteer) -> None:
    records = extract(RuleBackend(gazetteer), HOUSE, gazetteer)
    assert records
    for r in records:
        assert r.published_at == "2024-04-26" and r.source == "https://x.test/a"
        assert r.mentions[0].quote == r.evidence.quote


def test_restates_is_order_sensitive_and_type_bound(gazetteer) -> None:
    records = extract(Scripted(package_drafts()), PACKAGE, gazetteer)
    assert len(records) == 1
    (r,) = records
    attack = r.model_copy(
        update={"event_type": "attack", "money": [], "items": [], "stage": None, "category": None}
    )
    assert not restates(r, attack)


def test_a_user_tasks_record_told_twice_is_one_record_with_both_mentions(gazetteer) -> None:
    from pydantic import BaseModel

    from extractor.core.tasks import Task
    from extractor.fields import Money, Quote

    class Pledge(BaseModel):
        quote: Quote
        amount: Money | None = None

    task = Task(name="pledges", draft=Pledge, prompt="List the pledges, quoting each sentence.")
    sentence = "قالت وزارة الدفاع إن واشنطن سترسل مساعدات بقيمة 400 مليون دولار."
    page = f"{sentence}\n\nصورة أرشيفية\n\n{sentence} وأضافت أن الشحنة تصل قريبا."
    second = page.index(sentence, 1)

    class Twice:
        name = "openai"

        async def draft(self, request: SegmentRequest) -> BackendAnswer:
            # a model reads both copies; a second request sees the second copy alone
            found = [
                Pledge(quote=sentence, amount="400 مليون دولار")
                for _ in range(request.text.count(sentence))
            ]
            return BackendAnswer(found, source=self.name)

    pipeline = Pipeline(task, Twice(), gazetteer, chunk_chars=90, chunk_overlap=0)
    result = asyncio.run(pipeline.process(Document("t", page, PUBLISHED, source="pages/t.txt")))
    assert result.ok, result.message
    (record,) = result.records
    assert [(m.start, m.end) for m in record.mentions] == [
        (0, len(sentence)),
        (second, second + len(sentence)),
    ]
    assert record.published_at == "2024-04-26" and record.source == "pages/t.txt"
    assert record.fields.amount.amount == 400e6  # type: ignore[attr-defined]
