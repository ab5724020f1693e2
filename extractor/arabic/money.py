"""Money mentions in Arabic text: amount, ISO-4217 currency, qualifier and cumulative totals.

"61 مليار دولار" → 61e9 USD; "600 مليون جنيه إسترليني" → 6e8 GBP; "أكثر من 55 مليار دولار …
منذ بدأت روسيا غزوها" → at_least, cumulative. A cumulative total ("ليرتفع إجمالي المساعدات إلى")
is flagged so that it is never summed with the packages it contains.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from extractor.arabic.numbers import Token, amount_candidates, read_amount, starts_amount, tokenize
from extractor.arabic.textnorm import NormalizedText, normalize_with_map

# normalized currency word → (ISO code, qualifying next words that may follow it)
_CURRENCY_WORDS: dict[str, str] = {}
for _w in ("دولار", "دولارا", "دولارات", "الدولارات", "دولارين", "الدولار"):
    _CURRENCY_WORDS[_w] = "USD"
for _w in ("يورو", "اليورو", "اليوروهات", "يوروهات"):
    _CURRENCY_WORDS[_w] = "EUR"
for _w in ("جنيه", "جنيها", "جنيهات", "الجنيهات", "الجنيه"):
    _CURRENCY_WORDS[_w] = "GBP?"  # decided by the next word (استرليني) — else Egyptian pound
for _w in ("استرليني", "الاسترليني", "استرلينيه", "الاسترلينيه"):
    _CURRENCY_WORDS[_w] = "GBP"
for _w in ("روبل", "روبلا", "روبلات", "الروبلات", "الروبل"):
    _CURRENCY_WORDS[_w] = "RUB"
for _w in ("هريفنيا", "هريفنا", "غريفنا", "غريفنيا", "هريفنيات", "الهريفنيا"):
    _CURRENCY_WORDS[_w] = "UAH"
for _w in ("ين", "الين"):
    _CURRENCY_WORDS[_w] = "JPY"
for _w in ("فرنك", "فرنكا", "فرنكات"):
    _CURRENCY_WORDS[_w] = "CHF?"
for _w in ("كرونه", "كرونات", "كرونا"):
    _CURRENCY_WORDS[_w] = "SEK?"
for _w in ("زلوتي",):
    _CURRENCY_WORDS[_w] = "PLN"

# Qualifying words after the currency word: "دولار كندي", "كرونه نرويجيه".
_CURRENCY_ADJ: dict[str, str] = {
    "امريكي": "USD",
    "اميركي": "USD",
    "كندي": "CAD",
    "استرالي": "AUD",
    "استرليني": "GBP",
    "الاسترليني": "GBP",
    "استرلينيا": "GBP",
    "ياباني": "JPY",
    "سويسري": "CHF",
    "نرويجيه": "NOK",
    "نرويجي": "NOK",
    "سويديه": "SEK",
    "سويدي": "SEK",
    "دنماركيه": "DKK",
    "دنماركي": "DKK",
    "مصري": "EGP",
}
_DEFAULTS = {"GBP?": "EGP", "CHF?": "CHF", "SEK?": "SEK"}
_SYMBOLS = {"$": "USD", "€": "EUR", "£": "GBP", "¥": "JPY", "₴": "UAH", "₽": "RUB"}

# Words before an amount that mark a running total rather than a new package. "بقيمة إجمالية"
# / "بتكلفة إجمالية" (the total value of one package) is not a running total.
_TOTAL_LEAD = re.compile(
    r"(?:(?<!قيمه )(?<!تكلفه )اجمالي(?:ه)?|مجموع(?:ها|هم)?|اجمالا|في المجمل|ليرتفع|لترتفع|ليصل|لتصل"
    r"|ليبلغ|لتبلغ)(?![^\W\d_])"  # a whole word: "مجموعة السبع" (the G7) is no total
)
# "منذ بدء الحرب", "حتى الآن": a total over the war, before or after the amount ("55 مليار
# دولار … منذ بدأت روسيا غزوها").
_SINCE_WAR_START = re.compile(
    r"منذ (?:بدء|بدايه|بدات|بدا|اندلاع|انطلاق)|حتي الان|منذ شباط|منذ فبراير|منذ عام 2022"
)
# Between an amount and the same money in another currency: "(نحو …)", "، أي ما يعادل …",
# "، أي نحو …", "بما يعادل …" (normalized text; the qualifier may sit inside the gap).
_CONVERSION = re.compile(
    r"\s*(?:[(\[]\s*(?:اي\s+)?(?:ما\s+)?(?:يعادل|يوازي|يساوي)?"
    r"|[،,]?\s*(?:(?:اي|او)\s+)?(?:ما|بما)\s+(?:يعادل|يوازي|يساوي)|[،,]?\s*(?:اي|او))"
    r"\s*(?:نحو|حوالي|قرابه|زهاء|تقريبا)?\s*"
)
# "هي الأكبر منذ بدء الحرب": a superlative dates a record, it does not make a running total.
_SUPERLATIVE = re.compile(r"(?<![^\W\d_])(?:ال)?(?:اكبر|اضخم|اعلي|اول|اولي)(?![^\W\d_])[^،,]*$")
_SENTENCE_END = re.compile(r"[.!?؟](?!\d)")


@dataclass(frozen=True, slots=True)
class MoneyMention:
    """A money amount found in text; offsets are into the original (not normalized) text."""

    surface: str
    start: int
    end: int
    amount: float
    currency: str
    qualifier: str
    cumulative: bool


def _currency_after(tokens: list[Token], j: int) -> tuple[str, int] | None:
    """Currency starting at token j, allowing "من" / "من ال" in between → (ISO, next index)."""
    k = j
    if k < len(tokens) and tokens[k].text == "من":
        k += 1
    if k >= len(tokens):
        return None
    code = _CURRENCY_WORDS.get(tokens[k].text)
    if code is None:
        return None
    k += 1
    if k < len(tokens) and tokens[k].text in _CURRENCY_ADJ:
        adj_code = _CURRENCY_ADJ[tokens[k].text]
        if code.endswith("?") or code == "USD" or adj_code == code:
            return adj_code, k + 1
    if code.endswith("?"):
        return _DEFAULTS[code], k
    return code, k


def find_money(text: str, norm: NormalizedText | None = None) -> list[MoneyMention]:
    """All money mentions in ``text`` (original offsets), in order of appearance."""
    norm = norm or normalize_with_map(text)
    n = norm.text
    tokens = tokenize(n)
    raw: list[tuple[int, int, float, str, str]] = []  # normalized span, amount, currency, qualifier
    consumed = 0
    for i in amount_candidates(n, tokens):
        if i < consumed:
            continue
        amount = read_amount(n, tokens, i)
        if amount is None:
            continue
        currency = _currency_after(tokens, amount.end_token)
        symbol = _symbol_near(n, amount.start, tokens[amount.end_token - 1].end)
        if currency is None and symbol is None:
            continue
        if currency is not None:
            code, next_token = currency
            end_norm = tokens[next_token - 1].end
        else:
            assert symbol is not None
            code, end_norm = symbol[0], max(symbol[1], tokens[amount.end_token - 1].end)
            next_token = amount.end_token
        start_norm = min(amount.start, symbol[2]) if symbol else amount.start
        qualifier = amount.qualifier
        if qualifier == "exact" and _range_end(tokens, i):
            qualifier = "up_to"  # "بين 5 و6 مليارات دولار": the top of a range
        if (
            qualifier == "exact"
            and next_token < len(tokens)
            and tokens[next_token].text == "تقريبا"
        ):
            qualifier = "approx"  # "61 مليار دولار تقريبا"
        if raw and raw[-1][3] != code and _CONVERSION.fullmatch(n[raw[-1][1] : start_norm]):
            qualifier = "equivalent"  # "3 مليارات يورو (نحو 3.2 مليار دولار)": the same money
        raw.append((start_norm, end_norm, amount.value, code, qualifier))
        consumed = next_token
    return [
        MoneyMention(
            surface=text[start:end],
            start=start,
            end=end,
            amount=value,
            currency=code,
            qualifier=qualifier,
            cumulative=cumulative,
        )
        for (nstart, nend, value, code, qualifier), cumulative in zip(
            raw, _cumulative_flags(n, [(r[0], r[1]) for r in raw]), strict=True
        )
        for start, end in [norm.to_original(nstart, nend)]
    ]


def _range_end(tokens: list[Token], i: int) -> bool:
    """Is the amount at token i the upper end of a range ("بين 5 و6 مليارات")? ("من 40 إلى 44
    مليارا" is left alone: it is as often a total that rose as a range.)"""
    return (
        i >= 2
        and tokens[i - 1].text == "و"
        and starts_amount(tokens[i - 2].text)
        and not tokens[i - 2].text.startswith("ال")  # "الاف" etc. name a scale, not a bound
    )


def _cumulative_flags(n: str, spans: list[tuple[int, int]]) -> list[bool]:
    """Which amounts (normalized spans, in order) are running totals, not packages.

    A marker counts for an amount when it stands between the previous amount and this one
    ("… 400 مليون دولار، ليرتفع إجمالي المساعدات إلى 44 مليار") or right after it, before the
    next amount ("55 مليار دولار … منذ بدأت روسيا غزوها"). A "since the war began" phrase that
    follows one amount belongs to it, not to the next one.
    """
    flags: list[bool] = []
    claimed = 0  # end of the text already attributed to an earlier amount
    for k, (start, end) in enumerate(spans):
        window_start = max(claimed, _sentence_start(n, start))
        before = n[window_start:start]
        flag = bool(_TOTAL_LEAD.search(before) or _SINCE_WAR_START.search(before))
        next_start = spans[k + 1][0] if k + 1 < len(spans) else len(n)
        tail_end = min(end + 120, next_start)
        stop = _SENTENCE_END.search(n, end, tail_end)
        tail = n[end : stop.start() if stop else tail_end]
        lead = _TOTAL_LEAD.search(tail)  # a later total's own marker: what follows is its own
        if lead:
            tail = tail[: lead.start()]
        since = _SINCE_WAR_START.search(tail)
        if since and _SUPERLATIVE.search(tail[: since.start()]):
            since = None
        if since:
            flag = True
            claimed = end + since.end()
        else:
            claimed = end
        flags.append(flag)
    return flags


def _sentence_start(n: str, pos: int) -> int:
    """Start of the sentence holding ``pos`` (looking back at most 80 characters)."""
    last = max(0, pos - 80)
    for m in _SENTENCE_END.finditer(n, last, pos):
        last = m.end()
    return last


def _symbol_near(n: str, start: int, end: int) -> tuple[str, int, int] | None:
    """A currency symbol right before or after an amount: "$61 مليار", "61 مليار $"."""
    before = n[max(0, start - 2) : start].strip()
    if before[-1:] in _SYMBOLS:
        return _SYMBOLS[before[-1]], end, n.rfind(before[-1], 0, start)
    after = n[end : end + 2].strip()
    if after[:1] in _SYMBOLS:
        return _SYMBOLS[after[0]], n.find(after[0], end) + 1, start
    return None


def parse_money(surface: str) -> MoneyMention | None:
    """Parse one money surface string (as a model wrote it); None if it holds no amount."""
    found = find_money(surface)
    return found[0] if found else None
