"""Arabic date expressions, resolved against the document's publication date.

Handles weekday names ("يوم الاثنين"، "الخميس الماضي"، "غدا الاثنين"), اليوم/أمس/أول أمس/غدا,
الأسبوع/الشهر/العام الماضي، explicit dates in both month-name series ("15 آذار/مارس 2024"،
"شباط/فبراير 2022"، "تشرين الأول")، numeric dates and years. A value is only produced when the
text fixes it: a weekday with no publication date stays unresolved (value None) — a day is never
invented. Matching runs on normalized text (see :mod:`extractor.arabic.textnorm`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

from extractor.arabic.textnorm import normalize

_MONTHS: dict[str, int] = {
    # Egyptian / Gulf series
    "يناير": 1,
    "فبراير": 2,
    "مارس": 3,
    "ابريل": 4,
    "مايو": 5,
    "يونيو": 6,
    "يونيه": 6,
    "يوليو": 7,
    "يوليه": 7,
    "اغسطس": 8,
    "سبتمبر": 9,
    "اكتوبر": 10,
    "نوفمبر": 11,
    "ديسمبر": 12,
    # Levantine / Iraqi series
    "كانون الثاني": 1,
    "شباط": 2,
    "اذار": 3,
    "نيسان": 4,
    "ايار": 5,
    "حزيران": 6,
    "تموز": 7,
    "اب": 8,
    "ايلول": 9,
    "تشرين الاول": 10,
    "تشرين الثاني": 11,
    "كانون الاول": 12,
    # Maghrebi series
    "جانفي": 1,
    "فيفري": 2,
    "افريل": 4,
    "ماي": 5,
    "جوان": 6,
    "جويليه": 7,
    "اوت": 8,
}
_WEEKDAYS = {"اثنين": 0, "ثلاثاء": 1, "اربعاء": 2, "خميس": 3, "جمعه": 4, "سبت": 5, "احد": 6}

_M = "|".join(sorted((re.escape(k).replace(r"\ ", r"\s+") for k in _MONTHS), key=len, reverse=True))


def _month(group: str = "m") -> str:
    return rf"(?P<{group}>{_M})(?:\s*/\s*(?:{_M}))?"


_MONTH = _month()
# Month names that are also common words stand alone only with a preposition, a day, a year or
# a modifier: مارس (he practised), آب (father), ماي (Theresa May), نيسان (the car maker).
_AMBIGUOUS_MONTHS = {"مارس", "اب", "ماي", "نيسان"}
_SAFE_M = "|".join(
    sorted(
        (re.escape(k).replace(r"\ ", r"\s+") for k in _MONTHS if k not in _AMBIGUOUS_MONTHS),
        key=len,
        reverse=True,
    )
)
_YEAR = r"(?P<y>(?:19|20)\d\d)"
# Feminine forms too: "الجمعة الماضية", "السنة المقبلة".
_PAST = r"الماضيه|الماضي|المنصرمه|المنصرم|الفائته|الفائت|السابقه|السابق"
_NEXT = r"المقبله|المقبل|القادمه|القادم|التاليه|التالي"
_THIS = r"الجاريه|الجاري|الحاليه|الحالي"
# "اليوم التالي" (the next day), "اليوم نفسه", "اليوم العالمي لـ…" are not the publication day.
_NOT_TODAY = (
    r"(?!\s+(?:التالي|السابق|نفسه|ذاته|الاول|الثاني|الثالث|الاخير|الوطني|العالمي|الدولي"
    r"|الواحد)(?![^\W\d_]))"
)
# Nouns that take "العام" as the adjective "general/public": "الأمين العام السابق" is the former
# secretary-general, not last year.
_GENERAL_NOUNS = {
    "الامين",
    "المدعي",
    "النائب",
    "المدير",
    "الراي",
    "القطاع",
    "الاضراب",
    "المؤتمر",
    "المفتش",
    "القائد",
    "المنسق",
    "المقرر",
    "الصالح",
    "النظام",
    "الامن",
    "المال",
    "الاتحاد",
    "الموقف",
    "الاطار",
    "الوضع",
    "الشان",
    "الطابع",
    "الخط",
    "المشهد",
    "المناخ",
    "العفو",
    "الحشد",
    "الاستنفار",
    "المزاج",
    "المستوي",
    "المجلس",
    "المراقب",
    "الرئيس",
}


def _ordinals() -> dict[str, int]:
    """الأول … الحادي والثلاثين (normalized) → day number."""
    units = [
        "الاول",
        "الثاني",
        "الثالث",
        "الرابع",
        "الخامس",
        "السادس",
        "السابع",
        "الثامن",
        "التاسع",
    ]
    out = {u: i + 1 for i, u in enumerate(units)} | {"اول": 1, "العاشر": 10}
    teens = ["الحادي", *units[1:]]
    out |= {f"{u} عشر": 11 + i for i, u in enumerate(teens)}
    out |= {"العشرين": 20, "الثلاثين": 30}
    for tens_word, tens in (("العشرين", 20), ("الثلاثين", 30)):
        for i, u in enumerate(teens[: 9 if tens == 20 else 1]):
            out[f"{u} و{tens_word}"] = tens + i + 1
    return out


_ORDINALS = _ordinals()
_ORD = "|".join(
    sorted((re.escape(k).replace(r"\ ", r"\s+") for k in _ORDINALS), key=len, reverse=True)
)
_B = r"(?<![^\W\d_])"  # start of a word (clitic prefixes are spelled out where allowed)
_E = r"(?![^\W\d_])"

_WD = "اثنين|ثلاثاء|اربعاء|خميس|جمعه|سبت|احد"
_PATTERNS: list[tuple[str, str]] = [
    ("iso", rf"{_B}(?P<y>(?:19|20)\d\d)-(?P<mo>\d{{1,2}})-(?P<d>\d{{1,2}}){_E}"),
    ("dmy_num", rf"{_B}(?P<d>\d{{1,2}})[/.-](?P<mo>\d{{1,2}})[/.-]{_YEAR}{_E}"),
    (
        # "من 8 إلى 10 مايو/أيار": a span of days is dated by its first day (a truce takes
        # effect on it); the surface keeps the whole span
        "day_range",
        rf"{_B}(?:(?:من|بين)\s+)?(?P<d>\d{{1,2}})\s*(?:-|الي|حتي|و)\s*\d{{1,2}}\s+(?:من\s+)?(?:شهر\s+)?{_MONTH}"
        rf"(?:\s*(?:من\s+)?(?:عام|سنه|العام)?\s*{_YEAR})?{_E}",
    ),
    (
        "dmy",  # "و10 مايو" (a clitic), never the "0 مايو" of "10 مايو"
        rf"{_B}[وف]?(?<!\d)(?P<d>\d{{1,2}})\s+(?:من\s+)?(?:شهر\s+)?{_MONTH}"
        rf"(?:\s*(?:من\s+)?(?:عام|سنه|العام)?\s*{_YEAR})?{_E}",
    ),
    (
        "ordinal",  # "الخامس من آذار/مارس", "الأول من مارس 2024": a day written as an ordinal
        rf"{_B}(?:في\s+)?(?P<od>{_ORD})\s+من\s+(?:شهر\s+)?{_MONTH}"
        rf"(?:\s*(?:من\s+)?(?:عام|سنه|العام)?\s*{_YEAR})?{_E}",
    ),
    (
        "this_month_day",  # "يوم 5 الجاري", "في 3 من الشهر الجاري", "الخامس من الشهر الحالي"
        rf"{_B}(?:(?P<d>\d{{1,2}})|(?P<od>{_ORD}))\s+(?:من\s+)?(?:(?:ال)?شهر\s+)?(?:الجاري|الحالي){_E}",
    ),
    ("my", rf"{_B}(?:شهر\s+)?{_MONTH}\s*(?:من\s+)?(?:عام|سنه|العام)?\s*{_YEAR}{_E}"),
    (
        "month",
        rf"(?:{_B}(?:في|مطلع|بدايه|منتصف|نهايه|اواخر|اوائل|خلال|حتي|منذ|شهر)\s+(?:شهر\s+)?{_MONTH}"
        rf"(?:\s+(?P<mmod>{_PAST}|{_NEXT}|{_THIS})|\s*(?:من\s+)?(?:عام|سنه|العام)?\s*{_YEAR})?{_E})"
        rf"|(?:{_B}(?:شهر\s+)?{_month('m2')}\s+(?P<mmod2>{_PAST}|{_NEXT}|{_THIS}){_E})",
    ),
    (
        "bare_month",  # "آذار/مارس", "تشرين الأول", "فبراير" standing alone
        rf"{_B}(?:(?P<m>{_M})\s*/\s*(?:{_M})|(?P<m2>{_SAFE_M})){_E}",
    ),
    ("year", rf"{_B}[وف]?(?:[بل]?ال|[بل])?(?:عام|سنه)\s+{_YEAR}{_E}"),
    (
        "rel_day",
        rf"{_B}[وف]?(?P<rel>اول\s+(?:من\s+)?امس|(?:[بل]?ال)?امس|البارحه|بعد\s+غد|غدا|اليوم"
        rf"|(?:في\s+)?الليله\s+الماضيه|ليله\s+امس){_E}{_NOT_TODAY}"
        rf"(?:\s+(?:يوم\s+)?ال(?P<wd2>اثنين|ثلاثاء|اربعاء|خميس|جمعه|سبت|احد){_E})?",
    ),
    (
        # "ليل الجمعة-السبت", "ليلة الأحد إلى الاثنين", "منتصف ليل الأحد-الاثنين": an overnight
        # span is the later day (the day it ended and was reported); the surface is the whole span
        "night",
        rf"{_B}[وف]?(?:منتصف\s+)?(?:ليل|ليله)\s+(?:يوم\s+)?ال(?:{_WD})\s*(?:-|/|الي|حتي|و)\s*"
        rf"(?:يوم\s+)?ال(?P<wd>{_WD}){_E}",
    ),
    (
        "weekday",
        rf"{_B}[وف]?(?:(?:يوم|صباح|مساء|ليل|ليله|فجر|ظهر|عصر)\s+)?ال(?P<wd>اثنين|ثلاثاء|اربعاء|خميس|جمعه|سبت|احد){_E}"
        rf"(?:\s+(?P<wmod>{_PAST}|{_NEXT}){_E})?",
    ),
    (
        "week",
        rf"{_B}[وف]?(?:خلال\s+)?(?:ال)?اسبوع\s+(?P<wk>{_PAST}|{_NEXT}|{_THIS}){_E}|{_B}هذا\s+الاسبوع{_E}",
    ),
    (
        "rel_month",
        rf"{_B}[وف]?(?:ال)?شهر\s+(?P<rm>{_PAST}|{_NEXT}|{_THIS}){_E}|{_B}هذا\s+الشهر{_E}",
    ),
    (
        "rel_year",
        rf"{_B}[وف]?(?:ال)?(?:عام|سنه)\s+(?P<ry>{_PAST}|{_NEXT}|{_THIS}){_E}"
        rf"|{_B}(?:هذا|هذه)\s+(?:العام|السنه){_E}",
    ),
]
_DATE_RE = re.compile(
    "|".join(f"(?P<{name}>{pat.replace('(?P<', f'(?P<{name}_')})" for name, pat in _PATTERNS)
)


@dataclass(frozen=True, slots=True)
class DateMention:
    """A date expression in normalized text, parsed but not yet resolved."""

    kind: str
    nstart: int
    nend: int
    fields: dict[str, str]

    def resolve(self, published_at: date | None, forward: bool = False) -> tuple[str | None, str]:
        """(ISO value or None, precision) — ``forward`` for planned events ("الاثنين" = next)."""
        return _resolve(self.kind, self.fields, published_at, forward)


def find_dates(norm_text: str) -> list[DateMention]:
    """Date expressions of a normalized text (a fresh list; the rules ask the same clause
    again and again, so the reading is cached)."""
    return list(read_dates_cached(norm_text))


@lru_cache(maxsize=4096)
def read_dates_cached(norm_text: str) -> tuple[DateMention, ...]:
    return tuple(_read_dates(norm_text))


def _word_before(text: str, pos: int) -> str:
    """The last whitespace-separated word of ``text[:pos]`` ("" when none), read backwards from
    ``pos`` rather than by splitting everything before it."""
    end = pos
    while end and text[end - 1].isspace():
        end -= 1
    start = end
    while start and not text[start - 1].isspace():
        start -= 1
    return text[start:end]


def _read_dates(norm_text: str) -> list[DateMention]:
    """All date expressions in normalized text, in order."""
    out: list[DateMention] = []
    for m in _DATE_RE.finditer(norm_text):
        kind = m.lastgroup or ""
        prefix = kind + "_"
        fields = {
            k[len(prefix) :]: v for k, v in m.groupdict().items() if v and k.startswith(prefix)
        }
        if kind == "rel_year" and m.group().startswith("العام"):
            if _word_before(norm_text, m.start()) in _GENERAL_NOUNS:
                continue  # "الأمين العام السابق": the former secretary-general
        out.append(DateMention(kind, m.start(), m.end(), fields))
    return out


def parse_date(
    surface: str, published_at: date | None, forward: bool = False
) -> tuple[str | None, str]:
    """Resolve a date surface as written (e.g. by a model): (value or None, precision)."""
    found = find_dates(normalize(surface))
    if not found:
        return None, "unknown"
    # "الأحد 14 نيسان": the written date is more reliable than the weekday next to it.
    explicit = [d for d in found if d.kind in _EXPLICIT_DAY]
    return (explicit or found)[0].resolve(published_at, forward)


_EXPLICIT_DAY = {"iso", "dmy_num", "dmy", "day_range", "ordinal"}


def is_explicit_day(mention: DateMention) -> bool:
    """Is the mention a written calendar day ("13 نيسان/أبريل 2025", "العاشر من تشرين الأول")?"""
    return mention.kind in _EXPLICIT_DAY


def _month_number(name: str) -> int:
    return _MONTHS[re.sub(r"\s+", " ", name)]


def _safe_date(y: int, m: int, d: int) -> date | None:
    try:
        return date(y, m, d)
    except ValueError:
        return None


def _direction(modifier: str | None, forward: bool) -> int:
    if modifier and re.fullmatch(_PAST, modifier):
        return -1
    if modifier and re.fullmatch(_NEXT, modifier):
        return 1
    if modifier and re.fullmatch(_THIS, modifier):
        return 0
    return 1 if forward else -1


def _resolve(
    kind: str, f: dict[str, str], pub: date | None, forward: bool
) -> tuple[str | None, str]:
    if kind in ("iso", "dmy_num"):
        d = _safe_date(int(f["y"]), int(f["mo"]), int(f["d"]))
        return (d.isoformat(), "day") if d else (None, "unknown")
    if kind == "day_range":
        kind = "dmy"
    if kind == "ordinal":
        kind, f = "dmy", {**f, "d": str(_ORDINALS[re.sub(r"\s+", " ", f["od"])])}
    if kind == "this_month_day":
        if pub is None:
            return None, "unknown"
        day = int(f["d"]) if "d" in f else _ORDINALS[re.sub(r"\s+", " ", f["od"])]
        d = _safe_date(pub.year, pub.month, day)
        return (d.isoformat(), "day") if d else (None, "unknown")
    if kind == "dmy":
        month = _month_number(f["m"])
        if "y" in f:
            d = _safe_date(int(f["y"]), month, int(f["d"]))
            return (d.isoformat(), "day") if d else (None, "unknown")
        if pub is None:
            return None, "unknown"
        d = _safe_date(pub.year, month, int(f["d"]))
        if d is None:
            return None, "unknown"
        # "15 مارس" in a January article about the past is last year's March.
        if not forward and d > pub + timedelta(days=31):
            d = _safe_date(pub.year - 1, month, int(f["d"]))
        elif forward and d < pub - timedelta(days=31):
            d = _safe_date(pub.year + 1, month, int(f["d"]))
        return (d.isoformat(), "day") if d else (None, "unknown")
    if kind == "my" or (kind == "month" and "y" in f):
        return f"{int(f['y']):04d}-{_month_number(f.get('m') or f['m2']):02d}", "month"
    if kind in ("month", "bare_month"):
        if pub is None:
            return None, "unknown"
        month = _month_number(f.get("m") or f["m2"])
        modifier = f.get("mmod") or f.get("mmod2")
        step = _direction(modifier, forward)
        year = pub.year
        # "نيسان/أبريل الماضي" written in April is last year's April; with no modifier the
        # current month is meant.
        if step < 0 and (month > pub.month or (modifier and month == pub.month)):
            year -= 1
        elif step > 0 and (month < pub.month or (modifier and month == pub.month)):
            year += 1
        return f"{year:04d}-{month:02d}", "month"
    if kind == "year":
        return f["y"], "year"
    if pub is None:
        return None, "unknown"
    if kind == "rel_day":
        rel = f["rel"]
        if rel.startswith("اول"):
            offset = -2
        elif rel.endswith(("امس", "الماضيه")) or rel == "البارحه":  # "الليلة الماضية"
            offset = -1
        elif rel.startswith("بعد"):
            offset = 2
        elif rel == "غدا":
            offset = 1
        else:
            offset = 0
        return (pub + timedelta(days=offset)).isoformat(), "day"
    if kind in ("weekday", "night"):
        target = _WEEKDAYS[f["wd"]]
        step = _direction(f.get("wmod"), forward)
        delta = (target - pub.weekday()) % 7
        if step < 0:
            back = (pub.weekday() - target) % 7
            if f.get("wmod"):  # "الخميس الماضي" is never today
                back = back or 7
            return (pub - timedelta(days=back)).isoformat(), "day"
        if f.get("wmod"):
            delta = delta or 7
        return (pub + timedelta(days=delta)).isoformat(), "day"
    if kind == "week":
        # GUIDELINES §8: the month when the week lies in one month whether it starts on Sunday
        # or on Monday, else the year when it lies in one year, else unknown
        step = _direction(f.get("wk"), forward) if f.get("wk") else 0
        ref = pub + timedelta(weeks=step)
        monday = ref - timedelta(days=ref.weekday())
        sunday = ref - timedelta(days=(ref.weekday() + 1) % 7)
        ends = [monday, monday + timedelta(days=6), sunday, sunday + timedelta(days=6)]
        if len({(d.year, d.month) for d in ends}) == 1:
            return f"{ref.year:04d}-{ends[0].month:02d}", "month"
        if len({d.year for d in ends}) == 1:
            return f"{ends[0].year:04d}", "year"
        return None, "unknown"
    if kind == "rel_month":
        step = _direction(f.get("rm"), forward) if f.get("rm") else 0
        month_index = pub.year * 12 + (pub.month - 1) + step
        return f"{month_index // 12:04d}-{month_index % 12 + 1:02d}", "month"
    if kind == "rel_year":
        step = _direction(f.get("ry"), forward) if f.get("ry") else 0
        return f"{pub.year + step:04d}", "year"
    return None, "unknown"
