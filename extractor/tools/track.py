"""From aid records to the table analysts build by hand (the Kiel Ukraine Support Tracker way):
one row per aid **commitment**, counted once, at the latest stage it reached.

``extractor track EVENTS.jsonl [MORE …] -o TRACK.{csv,jsonl,parquet} [--totals FILE]`` links the
records first (:mod:`extractor.tools.link`: ids already given are kept), then for each
``commitment_id``:

- ``stage`` is the latest stage reached (requested < announced < approved < contracted <
  delivered); ``amount`` / ``currency`` come from the latest stage that states an amount, in the
  currency most of its reports use: each report's largest amount (one sentence often gives a
  total and its parts), reports of one amount once, and the parts of a package (two contracts
  that add up to it) summed — unless the largest is already their sum. Conversions (``qualifier: equivalent``) and running totals
  (``cumulative``) are never the amount, so they are never summed.
- ``amount_usd`` / ``amount_eur``: the amount at the ECB reference rate of ``fx_date`` — the
  counted report's day when it gives one, else its publication date — read offline from the rate
  history the ``currencyconverter`` package ships (:class:`EcbRates`). A day without a rate
  (weekend, holiday) takes the last rate published before it; a day after the shipped history
  (it ends 2026-10-30 in currencyconverter 0.18.23) takes its last rate; ``fx_note`` says which
  rate was used whenever it is not the day's own. A currency the ECB does not quote (UAH), or no
  longer quotes (RUB after 2022-03-01), keeps its amount with empty USD/EUR and the reason in
  ``fx_note``.
- ``modality``: planned, hypothetical and negated aid has rows of its own and, like a request
  (stage ``requested``) or a row without an amount, stays out of the totals (``counted``).

``--totals FILE`` writes the counted rows summed by donor × month (of ``fx_date``) × stage, in
USD and EUR.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cached_property
from pathlib import Path
from typing import Any

from extractor.errors import ConfigError
from extractor.tools.link import commitment_rows, fx_day, link_records, read_linkable

COLUMNS = (
    "commitment_id",
    "donor",
    "donor_code",
    "recipient_code",
    "category",
    "stage",
    "first_date",
    "last_date",
    "amount",
    "currency",
    "amount_usd",
    "amount_eur",
    "fx_date",
    "items",
    "n_articles",
    "n_mentions",
    "event_ids",
    "sources",
    "modality",
    "fx_note",
    "counted",
)
LIST_COLUMNS = ("items", "event_ids", "sources")
TOTAL_COLUMNS = (
    "donor_code",
    "month",
    "stage",
    "amount_usd",
    "amount_eur",
    "commitments",
    "unconverted",
)
_MAX_STEP_BACK = 10  # days back to the last published rate (the longest ECB closure is shorter)


# ---- ECB rates ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Conversion:
    usd: float | None
    eur: float | None
    rate_date: date | None
    note: str


class EcbRates:
    """ECB reference rates from the history ``currencyconverter`` ships (no network)."""

    @cached_property
    def _converter(self) -> Any:
        try:
            from currency_converter import CurrencyConverter
        except ImportError as exc:  # pragma: no cover - a core dependency
            raise ConfigError(
                "extractor track needs currencyconverter: pip install currencyconverter"
            ) from exc
        return CurrencyConverter()

    @property
    def last_date(self) -> date:
        return self._converter.bounds["USD"].last_date  # type: ignore[no-any-return]

    def convert(self, amount: float, currency: str, day: date | None) -> Conversion:
        """``amount`` of ``currency`` in USD and EUR at the rate of ``day`` (see the module)."""
        from currency_converter import RateNotFoundError

        c = self._converter
        if day is None:
            return Conversion(None, None, None, "no date to take a rate at")
        if currency not in c.currencies:
            return Conversion(None, None, None, f"no ECB reference rate for {currency}")
        wanted = day
        notes = []
        for code in {currency, "USD"} - {"EUR"}:
            bounds = c.bounds[code]
            if day < bounds.first_date:
                return Conversion(
                    None, None, None, f"no ECB rate for {code} before {bounds.first_date}"
                )
            if day > bounds.last_date:
                if bounds.last_date < self.last_date:  # the ECB stopped quoting it
                    return Conversion(
                        None, None, None, f"no ECB rate for {code} after {bounds.last_date}"
                    )
                day = bounds.last_date
                notes.append(
                    f"the shipped ECB rates end {bounds.last_date}: the rate of that day is used"
                )
        for _ in range(_MAX_STEP_BACK):
            try:
                eur = c.convert(amount, currency, "EUR", date=day)
                usd = c.convert(amount, currency, "USD", date=day)
            except RateNotFoundError:
                day -= timedelta(days=1)
                continue
            if day != wanted and not notes:
                notes.append(f"ECB rate of {day} (the last published on or before {wanted})")
            return Conversion(round(usd, 2), round(eur, 2), day, "; ".join(notes))
        return Conversion(None, None, None, f"no ECB rate for {currency} near {wanted}")


def totals(rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Counted rows summed by donor × month (of ``fx_date``) × stage, in USD and EUR; rows with no
    rate are counted in ``unconverted`` (their amount is in no total)."""
    out: dict[tuple[str, str, str], dict[str, Any]] = {}
    for row in rows:
        if not row["counted"]:
            continue
        month = (row["fx_date"] or "")[:7] or "unknown"
        key = (row["donor_code"] or "unknown", month, row["stage"])
        t = out.setdefault(
            key,
            {
                "donor_code": key[0],
                "month": month,
                "stage": key[2],
                "amount_usd": 0.0,
                "amount_eur": 0.0,
                "commitments": 0,
                "unconverted": 0,
            },
        )
        t["commitments"] += 1
        if row["amount_usd"] is None:
            t["unconverted"] += 1
            continue
        t["amount_usd"] = round(t["amount_usd"] + row["amount_usd"], 2)
        t["amount_eur"] = round(t["amount_eur"] + row["amount_eur"], 2)
    return [out[k] for k in sorted(out)]


# ---- files --------------------------------------------------------------------------------------

FORMATS = {".csv": "csv", ".jsonl": "jsonl", ".parquet": "parquet"}


def _format(path: Path) -> str:
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise ConfigError(f"{path}: the output name must end in .csv, .jsonl or .parquet")
    return fmt


def write_table(rows: Sequence[dict[str, Any]], columns: Sequence[str], path: Path) -> None:
    """Rows to CSV (lists joined with "; "), JSONL or Parquet, chosen by the file's suffix."""
    fmt = _format(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "jsonl":
        with path.open("w", encoding="utf-8") as fh:
            for row in rows:
                fh.write(json.dumps({c: row[c] for c in columns}, ensure_ascii=False) + "\n")
    elif fmt == "csv":
        with path.open("w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(columns)
            for row in rows:
                writer.writerow(
                    "; ".join(row[c]) if isinstance(row[c], list) else row[c] for c in columns
                )
    else:
        try:
            import pandas as pd
        except ImportError as exc:
            raise ConfigError(
                "Parquet output needs pandas and pyarrow: "
                "pip install 'arabic-event-extractor[parquet]'"
            ) from exc
        frame = pd.DataFrame([{c: row[c] for c in columns} for row in rows], columns=list(columns))
        try:
            frame.to_parquet(path, index=False)
        except ImportError as exc:
            raise ConfigError(
                "Parquet output needs pyarrow: pip install 'arabic-event-extractor[parquet]'"
            ) from exc


def track_files(
    events: Sequence[Path], out: Path, totals_path: Path | None = None
) -> dict[str, Any]:
    """Link the records of ``events`` (in order), write one row per commitment to ``out`` and,
    with ``totals_path``, the totals; return what was written."""
    _format(out)
    if totals_path is not None:
        _format(totals_path)
    rows = commitment_rows(link_records(read_linkable(events)), EcbRates())
    write_table(rows, COLUMNS, out)
    summed = totals(rows)
    if totals_path is not None:
        write_table(summed, TOTAL_COLUMNS, totals_path)
    return {"rows": rows, "totals": summed}


__all__ = [
    "COLUMNS",
    "TOTAL_COLUMNS",
    "Conversion",
    "EcbRates",
    "commitment_rows",
    "fx_day",
    "totals",
    "track_files",
    "write_table",
]
