"""extractor track: one row per aid commitment, counted once at its latest stage, converted at
the ECB rate of the day (offline), against a hand count of the gold sets."""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from extractor.arabic.money import find_money
from extractor.cli import app
from extractor.events.dedup import assign_commitments
from extractor.schemas import Actor, DateValue, EventRecord, Evidence, Money, Provenance
from extractor.tools.link import link_records
from extractor.tools.track import COLUMNS, TOTAL_COLUMNS, EcbRates, commitment_rows, totals

ROOT = Path(__file__).resolve().parent.parent
GOLD = ROOT / "gold"
runner = CliRunner()


# ---- ECB rates, offline ---------------------------------------------------------------------------
# Reference rates as the ECB published them (euro foreign exchange reference rates):
# 11 June 2024: 1 EUR = 1.0730 USD; 1 March 2022: 1 EUR = 1.1162 USD, 0.8329 GBP.


@pytest.fixture(scope="module")
def rates() -> EcbRates:
    return EcbRates()


def test_two_known_ecb_rates_on_known_days(rates: EcbRates) -> None:
    eur = rates.convert(500_000_000, "EUR", date(2024, 6, 11))
    assert (eur.usd, eur.eur, eur.rate_date, eur.note) == (
        536_500_000.0,
        500_000_000.0,
        date(2024, 6, 11),
        "",
    )
    usd = rates.convert(1_116_200_000, "USD", date(2022, 3, 1))
    assert usd.usd == 1_116_200_000.0
    assert usd.eur == pytest.approx(1_000_000_000.0, abs=0.01)
    gbp = rates.convert(832_900_000, "GBP", date(2022, 3, 1))  # cross rate through the euro
    assert gbp.eur == pytest.approx(1_000_000_000.0, abs=0.01)
    assert gbp.usd == pytest.approx(1_116_200_000.0, abs=0.01)


def test_a_day_without_a_rate_takes_the_last_published_one_and_says_so(rates: EcbRates) -> None:
    saturday = rates.convert(500_000_000, "EUR", date(2024, 6, 15))
    assert saturday.rate_date == date(2024, 6, 14)  # Friday's rate, not an interpolation
    assert "2024-06-14" in saturday.note
    assert saturday.usd == pytest.approx(500_000_000 * 1.0686)


def test_after_the_shipped_history_the_last_rate_is_used_and_named(rates: EcbRates) -> None:
    later = rates.convert(1_000_000, "EUR", date(2027, 1, 15))
    assert later.rate_date == rates.last_date
    assert str(rates.last_date) in later.note and "end" in later.note


def test_currencies_outside_the_table_keep_their_amount_and_say_why(rates: EcbRates) -> None:
    uah = rates.convert(1e9, "UAH", date(2024, 6, 11))
    assert (uah.usd, uah.eur) == (None, None) and "UAH" in uah.note
    rub = rates.convert(1e9, "RUB", date(2023, 6, 1))
    assert (rub.usd, rub.eur) == (None, None) and "2022-03-01" in rub.note


# ---- counting rules on hand-built records -------------------------------------------------------


def _rec(event_id: str, doc_id: str, money: list[Money], **kw) -> EventRecord:
    quote = kw.pop("quote", "حزمة مساعدات لأوكرانيا")
    values = {
        "event_id": event_id,
        "doc_id": doc_id,
        "segment_id": 0,
        "event_type": "aid",
        "evidence": Evidence(quote=quote, start=0, end=len(quote), alignment="exact"),
        "actors": [Actor(surface="ألمانيا", name="Germany", kind="country", code="DEU")],
        "targets": [Actor(surface="أوكرانيا", name="Ukraine", kind="country", code="UKR")],
        "stage": "announced",
        "money": money,
        "published_at": "2024-06-11",
        "provenance": Provenance(backend="test"),
    }
    values.update(kw)
    record = EventRecord(**values)
    record.commitment_id = "k" + event_id
    return record


def test_conversions_running_totals_and_unasserted_aid_are_never_summed(rates) -> None:
    package = _rec(
        "p1",
        "d1",
        [
            Money(surface="500 مليون يورو", amount=5e8, currency="EUR"),
            Money(
                surface="536 مليون دولار", amount=5.365e8, currency="USD", qualifier="equivalent"
            ),
            Money(surface="28 مليار يورو", amount=2.8e10, currency="EUR", cumulative=True),
        ],
    )
    planned = _rec("p2", "d2", [Money(surface="1 مليار يورو", amount=1e9, currency="EUR")])
    planned.modality = "planned"
    asked = _rec("p3", "d3", [Money(surface="2 مليار يورو", amount=2e9, currency="EUR")])
    asked.stage = "requested"
    rows = commitment_rows(link_records([package, planned, asked]), rates)
    by_id = {r["event_ids"][0]: r for r in rows}
    assert (by_id["p1"]["amount"], by_id["p1"]["currency"]) == (5e8, "EUR")
    assert by_id["p1"]["amount_usd"] == 536_500_000.0 and by_id["p1"]["fx_date"] == "2024-06-11"
    assert [by_id[k]["counted"] for k in ("p1", "p2", "p3")] == [True, False, False]
    assert by_id["p2"]["modality"] == "planned"
    summed = totals(rows)
    assert summed == [
        {
            "donor_code": "DEU",
            "month": "2024-06",
            "stage": "announced",
            "amount_usd": 536_500_000.0,
            "amount_eur": 500_000_000.0,
            "commitments": 1,
            "unconverted": 0,
        }
    ]


# ---- the gold sets, counted by hand --------------------------------------------------------------
# Aid in seeds + gold/dev + gold/test, each commitment once at its latest stage, in the currency
# the article states; requests, planned, negated aid and conversions are not counted:
#   USA: $61bn supplemental once (seeds 000 House vote; dev_002 House, Senate, signing; dev_021
#        the request) + 2bn + 675m (seeds 002) + 125m (seeds 004) + 1bn (dev_002) + 500m (dev_005)
#        + 400m (dev_011) + 700m (dev_017) + 200m (dev_021) + 175m + 206m (test_005)
#        + 1.85bn (test_007; its 45bn vote is only scheduled) = 68.831bn
#   EU:  2bn (dev_003) + 50bn (dev_006; December's failed summit is negated) + 1.5bn (dev_008)
#        + 35bn (dev_022; "(نحو 38 مليار دولار)" is a conversion) + 3.5bn (dev_025) = 92bn EUR
#   DEU: 2.7bn + 1.1bn + 650m EUR; FRA 3bn EUR; NATO 2.4bn EUR
#   GBR: 600m + 2.5bn + 3bn + 2.26bn + 1.6bn = 9.96bn GBP
#   SAU: the 400m package whose two contracts (100m + 300m) dev_004 tells, once, + 10m = 410m USD
#   JPN: 471.9bn + 15.8bn JPY and up to 4.5bn USD; G7: the 50bn USD loan
HAND = {
    ("USA", "USD"): 68_831_000_000.0,
    ("EU", "EUR"): 92_000_000_000.0,
    ("DEU", "EUR"): 4_450_000_000.0,
    ("FRA", "EUR"): 3_000_000_000.0,
    ("NATO", "EUR"): 2_400_000_000.0,
    ("GBR", "GBP"): 9_960_000_000.0,
    ("SAU", "USD"): 410_000_000.0,
    ("JPN", "JPY"): 487_700_000_000.0,
    ("JPN", "USD"): 4_500_000_000.0,
    ("G7", "USD"): 50_000_000_000.0,
}


def _actors(codes: list[str]) -> list[Actor]:
    return [Actor(surface=c, name=c, kind="country", country=c, code=c) for c in codes]


def gold_records() -> list[EventRecord]:
    """The gold's aid events as records: the gold's values, and the money the text states in
    the quote besides (conversions, running totals) as the extractor reads it."""
    texts: dict[str, str] = {}
    for name in ("seeds", "dev", "test"):
        for line in (GOLD / f"{name}.docs.jsonl").read_text(encoding="utf-8").splitlines():
            doc = json.loads(line)
            texts[doc["id"]] = doc["text"]
    out: list[EventRecord] = []
    for name in ("seeds", "dev", "test"):
        for line in (GOLD / f"{name}.jsonl").read_text(encoding="utf-8").splitlines():
            doc = json.loads(line)
            records = []
            for n, e in enumerate(doc["events"]):
                if e["event_type"] != "aid":
                    continue
                quote = e["quote"]
                start = texts[doc["doc_id"]].index(quote)
                money = [
                    Money(
                        surface=str(m["amount"]),
                        amount=m["amount"],
                        currency=m["currency"],
                        qualifier=m.get("qualifier") or "exact",
                    )
                    for m in e.get("money") or []
                ]
                money += [
                    Money(
                        surface=m.surface,
                        amount=m.amount,
                        currency=m.currency,
                        qualifier=m.qualifier,  # type: ignore[arg-type]
                        cumulative=m.cumulative,
                    )
                    for m in find_money(quote)
                    if m.qualifier == "equivalent" or m.cumulative
                ]
                d = e.get("date")
                records.append(
                    EventRecord(
                        event_id=f"{doc['doc_id']}-{n}",
                        doc_id=doc["doc_id"],
                        published_at=doc.get("published_at"),
                        source=f"{name}:{doc['doc_id']}",
                        segment_id=0,
                        event_type="aid",
                        evidence=Evidence(
                            quote=quote, start=start, end=start + len(quote), alignment="exact"
                        ),
                        actors=_actors(e["actors"]),
                        targets=_actors(e["targets"]),
                        date=DateValue(surface="x", value=d["value"], precision=d["precision"])
                        if d
                        else None,
                        modality=e.get("modality") or "asserted",
                        stage=e.get("stage"),
                        category=e.get("category"),
                        money=money,
                        provenance=Provenance(backend="gold"),
                    )
                )
            assign_commitments(records)
            out.extend(records)
    return out


def test_track_totals_by_donor_equal_a_hand_count_of_the_gold(tmp_path: Path) -> None:
    records = gold_records()
    assert any(m.qualifier == "equivalent" for r in records for m in r.money)  # there to skip
    events = tmp_path / "gold-aid.jsonl"
    events.write_text("".join(r.model_dump_json() + "\n" for r in records), encoding="utf-8")
    out, summed = tmp_path / "track.csv", tmp_path / "totals.jsonl"
    result = runner.invoke(app, ["track", str(events), "-o", str(out), "--totals", str(summed)])
    assert result.exit_code == 0, result.output
    with out.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        assert tuple(reader.fieldnames or ()) == COLUMNS
        rows = list(reader)
    by_donor: dict[tuple[str, str], float] = defaultdict(float)
    for row in rows:
        if row["counted"] == "True":
            by_donor[(row["donor_code"], row["currency"])] += float(row["amount"])
    assert {k: pytest.approx(v) for k, v in HAND.items()} == dict(by_donor)

    # the supplemental: one row, at its latest stage, from three articles and five reports
    (supplemental,) = [r for r in rows if r["amount"] == "61000000000.0"]
    assert supplemental["stage"] == "approved" and supplemental["n_articles"] == "3"
    assert len(supplemental["event_ids"].split("; ")) == 5

    # the totals file adds up the counted rows' USD (EUR, …) once
    lines = [json.loads(x) for x in summed.read_text(encoding="utf-8").splitlines()]
    assert all(tuple(x) == TOTAL_COLUMNS for x in lines)
    usd_rows = sum(float(r["amount_usd"]) for r in rows if r["counted"] == "True")
    assert sum(x["amount_usd"] for x in lines) == pytest.approx(usd_rows)
    assert sum(x["commitments"] for x in lines) == sum(r["counted"] == "True" for r in rows)
    usa = sum(x["amount_usd"] for x in lines if x["donor_code"] == "USA")
    assert usa == pytest.approx(HAND[("USA", "USD")])


@pytest.mark.parametrize("suffix", [".jsonl", ".parquet"])
def test_track_writes_the_same_rows_in_each_format(tmp_path: Path, suffix: str) -> None:
    records = gold_records()[:12]
    events = tmp_path / "e.jsonl"
    events.write_text("".join(r.model_dump_json() + "\n" for r in records), encoding="utf-8")
    out = tmp_path / f"t{suffix}"
    assert runner.invoke(app, ["track", str(events), "-o", str(out)]).exit_code == 0
    if suffix == ".jsonl":
        rows = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
        assert all(tuple(r) == COLUMNS for r in rows) and isinstance(rows[0]["event_ids"], list)
    else:
        import pandas as pd

        frame = pd.read_parquet(out)
        assert tuple(frame.columns) == COLUMNS
    bad = runner.invoke(app, ["track", str(events), "-o", str(tmp_path / "t.xlsx")])
    assert bad.exit_code != 0 and ".csv, .jsonl or .parquet" in bad.output
