"""Segmentation of the scraped seed pages and of synthetic page layouts."""

from __future__ import annotations

from extractor.arabic.sentences import clauses, sentences
from extractor.core.segment import segment


def kinds_with(text: str, needle: str) -> set[str]:
    return {s.kind for s in segment(text) if needle in s.text_of(text)}


def test_segments_cover_text_in_order(seed_texts):
    for text in seed_texts.values():
        segs = segment(text)
        assert segs, "every non-empty page has segments"
        assert [s.id for s in segs] == list(range(len(segs)))
        for a, b in zip(segs, segs[1:], strict=False):
            assert a.end <= b.start
        assert text[: segs[0].start].strip() == ""


def test_seed_000_related_article_and_lists(seed_texts):
    text = seed_texts["000_66b858eadaf518ae"]
    segs = segment(text)
    assert kinds_with(text, "وافق مجلس النواب الأميركي") == {"main"}
    assert kinds_with(text, "المصدر: موقع النيلين") == {"boilerplate"}
    assert kinds_with(text, "أعلنت بريطانيا أنها سلمت") == {"related_article"}
    assert kinds_with(text, "وزير الدفاع الألماني يكشف حزمة") == {"headline_list"}
    assert kinds_with(text, "طباعة شارك") == {"boilerplate"}
    related = [s for s in segs if s.kind == "related_article"]
    assert {s.article for s in related} == {1}


def test_seed_003_teasers_inside_main_and_glued_headlines(seed_texts):
    text = seed_texts["003_3050791f78128683"]
    # "اقرأ أيضاً" + one headline inside the article: a teaser, and the article goes on.
    assert kinds_with(text, "أمين عام الناتو يتوقع حربا طويلة الأمد") == {"headline_list"}
    assert kinds_with(text, "ونشر زيلينسكي مشاهد من لقائه") == {"main"}
    # after the source/tag lines, "إقرأ أيضاً:" opens a second article
    assert kinds_with(text, "إصابة 21 شخصًا في قصف صاروخي") == {"related_article"}
    # headlines scraped with no separator are a list, not text
    assert kinds_with(text, "كييفالكرملين") == {"headline_list"}
    assert kinds_with(text, "ودعت السلطات الأوكرانية سكان العاصمة") == {"related_article"}


def test_seed_004_repeated_caption_opens_second_article(seed_texts):
    text = seed_texts["004_1d2b2980ef37757c"]
    assert kinds_with(text, "كييف تسعى لاستعادة السيطرة على السماء") == {"boilerplate"}
    assert kinds_with(text, "رستم أوميروف (أقصى اليمين)") == {"boilerplate"}
    assert kinds_with(text, "المحادثات مع الوفد الأميركي في السعودية") == {"related_article"}
    assert kinds_with(text, "125 مليون دولار") == {"main"}


def test_single_article_without_furniture_is_one_main_segment(seed_texts):
    text = seed_texts["001_6738bcb3ffa3c631"]
    assert [s.kind for s in segment(text)] == ["main"]


def test_inline_read_also_and_other_list_headers():
    text = (
        "أعلنت اليابان تقديم قرض جديد لأوكرانيا بقيمة 3 مليارات دولار لدعم الموازنة العامة.\n"
        "اقرأ أيضا: روسيا تعلن السيطرة على قرية جديدة\n"
        "وقال رئيس الوزراء الياباني إن بلاده ستواصل دعم كييف.\n"
        "أخبار ذات صلة\n"
        "- زيلينسكي يزور طوكيو\n"
        "- اليابان تفرض عقوبات جديدة على موسكو\n"
    )
    assert kinds_with(text, "روسيا تعلن السيطرة") == {"boilerplate"}
    assert kinds_with(text, "ستواصل دعم كييف") == {"main"}
    assert kinds_with(text, "زيلينسكي يزور طوكيو") == {"headline_list"}
    assert kinds_with(text, "اليابان تفرض عقوبات") == {"headline_list"}


# ---- sentences glued by a scraper (issue: "الشهير.وجرى", "؟وقال") --------------------------------


def _sentence_texts(text: str) -> list[str]:
    return [text[s.start : s.end] for s in sentences(text)]


def test_a_full_stop_glued_to_the_next_word_ends_the_sentence() -> None:
    text = "وصوّت البرلمان على القانون المثير للجدل.وأعلنت الحكومة أمس تقديم حزمة جديدة"
    assert _sentence_texts(text) == [
        "وصوّت البرلمان على القانون المثير للجدل.",
        "وأعلنت الحكومة أمس تقديم حزمة جديدة",
    ]


def test_a_question_mark_glued_to_the_next_word_ends_the_sentence() -> None:
    text = "فمن يملأ الفراغ الذي تركته واشنطن؟وتقول مصادر أوروبية إن البدائل قليلة"
    assert _sentence_texts(text) == [
        "فمن يملأ الفراغ الذي تركته واشنطن؟",
        "وتقول مصادر أوروبية إن البدائل قليلة",
    ]
    # after a closing quote too
    assert len(_sentence_texts("ووصفها بأنها «مهزلة».وقال الكرملين إن الهدنة انتهت")) == 2


def test_initials_decimals_and_agency_names_stay_whole() -> None:
    for text in (
        "نقلت وكالة أ.ف.ب عن مسؤول أن الحزمة تبلغ 2.4 مليار يورو",
        "كييف - د.ب.أ: أعلنت الحكومة الأوكرانية",
        "بلغت قيمة الحزمة ٢٫٥ مليار دولار",
    ):
        assert _sentence_texts(text) == [text]


def test_a_background_clause_after_bad_an_is_a_clause_of_its_own() -> None:
    text = (
        "وستستأنف واشنطن تقديم المساعدات الأمنية لكييف، بعد أن علقتها إثر المشادة "
        "في المكتب البيضاوي يوم 28 فبراير"
    )
    (sentence,) = sentences(text)
    parts = [text[c.start : c.end] for c in clauses(text, sentence)]
    assert parts == [
        "وستستأنف واشنطن تقديم المساعدات الأمنية لكييف",
        "بعد أن علقتها إثر المشادة في المكتب البيضاوي يوم 28 فبراير",
    ]
