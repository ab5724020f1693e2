#!/usr/bin/env python3
"""Validate the gold evaluation files in this folder (standard library only).

Usage:
    python gold/check_gold.py            # checks every <name>.jsonl / <name>.docs.jsonl pair here
    python gold/check_gold.py dev test   # checks only the named sets

For each set it checks that:
  * every line of both files parses as a JSON object and is written with ensure_ascii=False;
  * every document has exactly one gold line (an article with no events has "events": []),
    ids are unique and published_at agrees between the two files;
  * every event has exactly the gold fields, valid enums, ISO codes, dates, money and items;
  * fields that do not apply to the event type are null/empty (stage/category only for aid,
    mode only for attack/diplomatic_contact, killed/injured only for attack);
  * every quote is found verbatim in its document (text.find(quote) >= 0);
  * team-written dev/test articles are 150-450 words long (whitespace tokens, Arabic words).
Exits 1 on any error and prints counts of documents and events by type per file.
"""

from __future__ import annotations

import importlib.util
import json
import re
import sys
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent


def _event_type_table():  # type: ignore[no-untyped-def]
    """schemas/event_types.py, the one table of event types, their modes and subtypes (it
    imports only the standard library, so this script needs nothing installed)."""
    path = HERE.parent / "schemas" / "event_types.py"
    spec = importlib.util.spec_from_file_location("_event_types", path)
    assert spec is not None and spec.loader is not None, path
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses resolve annotations through sys.modules
    spec.loader.exec_module(module)
    return module


TABLE = _event_type_table()
SPECS = TABLE.SPECS  # event type → its row: type-specific fields, modes, subtypes
EVENT_TYPE_ORDER = list(TABLE.EVENT_TYPE_NAMES)
EVENT_TYPES = set(EVENT_TYPE_ORDER)
# Gold fields that only some event types fill; which ones is the table's `fields`.
TYPE_SPECIFIC = ("stage", "category", "items", "mode", "killed", "injured", "subtype")
STAGES = {"requested", "announced", "approved", "contracted", "delivered"}
CATEGORIES = {"military", "financial", "humanitarian"}
MODALITIES = {"asserted", "planned", "hypothetical", "negated"}
CURRENCIES = {"USD", "EUR", "GBP", "RUB", "UAH", "JPY"}
QUALIFIERS = {"exact", "at_least", "approx", "up_to", "equivalent"}
PRECISIONS = {"day": r"\d{4}-\d{2}-\d{2}", "month": r"\d{4}-\d{2}", "year": r"\d{4}"}
ITEMS = {
    "ATACMS",
    "Patriot",
    "HIMARS",
    "Tomahawk",
    "F-16",
    "Leopard 2",
    "Abrams",
    "NASAMS",
    "IRIS-T",
    "Javelin",
    "Storm Shadow",
    "drones",
    "interceptor missiles",
    "air defence systems",
    "long-range missiles",
    "radars",
    "anti-tank weapons",
    "ammunition",
    "artillery shells",
    "artillery",
    "tanks",
    "armoured vehicles",
    "fighter jets",
    "rocket systems",
}
ORGS = {"NATO", "EU", "G7", "UN"}
# ISO 3166-1 alpha-3 (officially assigned codes)
ISO3 = set(
    """
ABW AFG AGO AIA ALA ALB AND ARE ARG ARM ASM ATA ATF ATG AUS AUT AZE BDI BEL BEN BES BFA BGD BGR
BHR BHS BIH BLM BLR BLZ BMU BOL BRA BRB BRN BTN BVT BWA CAF CAN CCK CHE CHL CHN CIV CMR COD COG
COK COL COM CPV CRI CUB CUW CXR CYM CYP CZE DEU DJI DMA DNK DOM DZA ECU EGY ERI ESH ESP EST ETH
FIN FJI FLK FRA FRO FSM GAB GBR GEO GGY GHA GIB GIN GLP GMB GNB GNQ GRC GRD GRL GTM GUF GUM GUY
HKG HMD HND HRV HTI HUN IDN IMN IND IOT IRL IRN IRQ ISL ISR ITA JAM JEY JOR JPN KAZ KEN KGZ KHM
KIR KNA KOR KWT LAO LBN LBR LBY LCA LIE LKA LSO LTU LUX LVA MAC MAF MAR MCO MDA MDG MDV MEX MHL
MKD MLI MLT MMR MNE MNG MNP MOZ MRT MSR MTQ MUS MWI MYS MYT NAM NCL NER NFK NGA NIC NIU NLD NOR
NPL NRU NZL OMN PAK PAN PCN PER PHL PLW PNG POL PRI PRK PRT PRY PSE PYF QAT REU ROU RUS RWA SAU
SDN SEN SGP SGS SHN SJM SLB SLE SLV SMR SOM SPM SRB SSD STP SUR SVK SVN SWE SWZ SXM SYC SYR TCA
TCD TGO THA TJK TKL TKM TLS TON TTO TUN TUR TUV TWN TZA UGA UKR UMI URY USA UZB VAT VCT VEN VGB
VIR VNM VUT WLF WSM YEM ZAF ZMB ZWE
""".split()  # noqa: SIM905 - a readable table of codes
)
CODES = ISO3 | ORGS

EVENT_KEYS = [
    "event_type",
    "quote",
    "actors",
    "targets",
    "date",
    "money",
    "items",
    "stage",
    "category",
    "mode",
    "subtype",
    "killed",
    "injured",
    "modality",
]
WORD_RANGE = (150, 450)
TEAM_SETS = {"dev", "test", "holdout"}


class Report:
    def __init__(self) -> None:
        self.errors: list[str] = []

    def err(self, where: str, msg: str) -> None:
        self.errors.append(f"{where}: {msg}")


def read_jsonl(path: Path, rep: Report) -> list[dict]:
    rows = []
    raw = path.read_text(encoding="utf-8")
    if re.search(r"\\u0[6-7][0-9a-fA-F]{2}", raw):
        rep.err(path.name, "Arabic is \\u-escaped; write with ensure_ascii=False")
    for n, line in enumerate(raw.splitlines(), 1):
        if not line.strip():
            rep.err(f"{path.name}:{n}", "blank line")
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            rep.err(f"{path.name}:{n}", f"invalid JSON ({exc})")
            continue
        if not isinstance(obj, dict):
            rep.err(f"{path.name}:{n}", "line is not a JSON object")
            continue
        rows.append(obj)
    return rows


def is_int(x) -> bool:
    return isinstance(x, int) and not isinstance(x, bool)


def check_event(ev: dict, text: str, where: str, rep: Report) -> None:
    if not isinstance(ev, dict):
        rep.err(where, "event is not an object")
        return
    keys = list(ev)
    if set(keys) != set(EVENT_KEYS):
        rep.err(
            where,
            f"fields differ: missing {sorted(set(EVENT_KEYS) - set(keys))}, extra {sorted(set(keys) - set(EVENT_KEYS))}",
        )
        return
    et = ev["event_type"]
    if et not in EVENT_TYPES:
        rep.err(where, f"bad event_type {et!r}")
    q = ev["quote"]
    if not isinstance(q, str) or not q.strip():
        rep.err(where, "empty quote")
    elif text.find(q) < 0:
        rep.err(where, f"quote not found verbatim: {q[:60]!r}")
    elif q != q.strip():
        rep.err(where, "quote has leading/trailing whitespace")
    for side in ("actors", "targets"):
        v = ev[side]
        if not isinstance(v, list):
            rep.err(where, f"{side} must be a list")
            continue
        for c in v:
            if c not in CODES:
                rep.err(where, f"{side}: unknown code {c!r}")
        if len(set(v)) != len(v):
            rep.err(where, f"{side}: duplicate codes")
    if isinstance(ev["actors"], list) and isinstance(ev["targets"], list):
        if set(ev["actors"]) & set(ev["targets"]) and et != "aid":
            rep.err(where, "a code is both actor and target")
    d = ev["date"]
    if d is not None:
        if not isinstance(d, dict) or set(d) != {"value", "precision"}:
            rep.err(where, "date must be null or {value, precision}")
        elif d["precision"] not in PRECISIONS:
            rep.err(where, f"bad date precision {d['precision']!r}")
        elif not isinstance(d["value"], str) or not re.fullmatch(
            PRECISIONS[d["precision"]], d["value"]
        ):
            rep.err(where, f"date value {d['value']!r} does not match precision {d['precision']}")
        else:
            parts = [int(p) for p in d["value"].split("-")]
            if (
                not (2014 <= parts[0] <= 2030)
                or (len(parts) > 1 and not 1 <= parts[1] <= 12)
                or (len(parts) > 2 and not 1 <= parts[2] <= 31)
            ):
                rep.err(where, f"implausible date {d['value']}")
    if not isinstance(ev["money"], list):
        rep.err(where, "money must be a list")
    else:
        for m in ev["money"]:
            if not isinstance(m, dict) or set(m) != {"amount", "currency", "qualifier"}:
                rep.err(where, "money entry must be {amount, currency, qualifier}")
                continue
            if (
                isinstance(m["amount"], bool)
                or not isinstance(m["amount"], (int, float))
                or m["amount"] <= 0
            ):
                rep.err(where, f"bad money amount {m['amount']!r}")
            if m["currency"] not in CURRENCIES:
                rep.err(where, f"bad currency {m['currency']!r}")
            if m["qualifier"] not in QUALIFIERS:
                rep.err(where, f"bad qualifier {m['qualifier']!r}")
    if not isinstance(ev["items"], list):
        rep.err(where, "items must be a list")
    else:
        for it in ev["items"]:
            if it not in ITEMS:
                rep.err(where, f"non-canonical item {it!r}")
    if ev["modality"] not in MODALITIES:
        rep.err(where, f"bad modality {ev['modality']!r}")
    # type-specific fields: which apply, and their allowed values, come from the table
    row = SPECS.get(et)
    if row is None:
        return
    for f in TYPE_SPECIFIC:
        if f not in row.fields and ev[f] not in (None, []):
            rep.err(where, f"{f} does not apply to {et} events")
    if "stage" in row.fields:
        if ev["stage"] not in STAGES:
            rep.err(where, f"{et} needs a stage, got {ev['stage']!r}")
        if ev["stage"] == "requested" and ev["modality"] == "negated":
            rep.err(where, "a request is not negated; use a negated approval")
    if "category" in row.fields and ev["category"] not in CATEGORIES:
        rep.err(where, f"{et} needs a category, got {ev['category']!r}")
    if row.modes and ev["mode"] not in row.modes:
        rep.err(where, f"bad {et} mode {ev['mode']!r}")
    if row.subtypes and ev["subtype"] not in row.subtypes:
        rep.err(where, f"{et} needs a subtype from {sorted(row.subtypes)}, got {ev['subtype']!r}")
    for f in ("killed", "injured"):
        v = ev[f]
        if f in row.fields and v is not None and (not is_int(v) or v < 0):
            rep.err(where, f"{f} must be a non-negative integer or null")


def check_set(name: str, rep: Report) -> tuple[int, Counter] | None:
    gold_p, docs_p = HERE / f"{name}.jsonl", HERE / f"{name}.docs.jsonl"
    if not gold_p.exists() or not docs_p.exists():
        rep.err(name, f"missing {gold_p.name} or {docs_p.name}")
        return None
    docs = read_jsonl(docs_p, rep)
    gold = read_jsonl(gold_p, rep)
    texts: dict[str, dict] = {}
    for d in docs:
        if set(d) != {"id", "text", "published_at"}:
            rep.err(docs_p.name, f"doc fields must be id/text/published_at, got {sorted(d)}")
            continue
        if d["id"] in texts:
            rep.err(docs_p.name, f"duplicate id {d['id']}")
        if not isinstance(d["text"], str) or not d["text"].strip():
            rep.err(docs_p.name, f"{d['id']}: empty text")
        if not isinstance(d["published_at"], str) or not re.fullmatch(
            r"\d{4}-\d{2}-\d{2}", d["published_at"]
        ):
            rep.err(docs_p.name, f"{d['id']}: published_at must be YYYY-MM-DD")
        texts[d["id"]] = d
        if name in TEAM_SETS and isinstance(d["text"], str):
            n = len(d["text"].split())
            if not WORD_RANGE[0] <= n <= WORD_RANGE[1]:
                rep.err(docs_p.name, f"{d['id']}: {n} words, outside {WORD_RANGE}")
    seen: set[str] = set()
    counts: Counter = Counter()
    for g in gold:
        if set(g) != {"doc_id", "published_at", "events"}:
            rep.err(gold_p.name, f"gold fields must be doc_id/published_at/events, got {sorted(g)}")
            continue
        did = g["doc_id"]
        if did in seen:
            rep.err(gold_p.name, f"duplicate gold line for {did}")
        seen.add(did)
        doc = texts.get(did)
        if doc is None:
            rep.err(gold_p.name, f"{did}: no such document in {docs_p.name}")
            continue
        if g["published_at"] != doc["published_at"]:
            rep.err(gold_p.name, f"{did}: published_at differs from the docs file")
        if not isinstance(g["events"], list):
            rep.err(gold_p.name, f"{did}: events must be a list")
            continue
        sigs = set()
        for k, ev in enumerate(g["events"]):
            check_event(ev, doc["text"], f"{gold_p.name}:{did}#{k}", rep)
            if isinstance(ev, dict):
                counts[ev.get("event_type")] += 1
                sig = json.dumps(ev, sort_keys=True, ensure_ascii=False)
                if sig in sigs:
                    rep.err(gold_p.name, f"{did}#{k}: exact duplicate event")
                sigs.add(sig)
    for did in texts:
        if did not in seen:
            rep.err(gold_p.name, f'{did}: document has no gold line (use "events": [] if none)')
    return len(texts), counts


def main(argv: list[str]) -> int:
    names = argv or sorted(p.name[: -len(".docs.jsonl")] for p in HERE.glob("*.docs.jsonl"))
    rep = Report()
    order = EVENT_TYPE_ORDER
    print(f"{'set':<8}{'docs':>5}{'events':>7}  " + "  ".join(f"{t}" for t in order))
    total_docs, total = 0, Counter()
    for name in names:
        res = check_set(name, rep)
        if res is None:
            continue
        n, c = res
        total_docs += n
        total += c
        print(
            f"{name:<8}{n:>5}{sum(c.values()):>7}  "
            + "  ".join(f"{c.get(t, 0):>{len(t)}}" for t in order)
        )
    print(
        f"{'total':<8}{total_docs:>5}{sum(total.values()):>7}  "
        + "  ".join(f"{total.get(t, 0):>{len(t)}}" for t in order)
    )
    if rep.errors:
        print(f"\n{len(rep.errors)} error(s):", file=sys.stderr)
        for e in rep.errors:
            print("  " + e, file=sys.stderr)
        return 1
    print("\nOK: all lines parse, every quote is verbatim, enums and codes are valid.")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
