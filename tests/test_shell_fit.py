"""Fitting the shell and the spreadsheet (issue 22): one-line errors that keep their brackets,
timestamps in --log-json, the cache commands on a missing or damaged cache, CSV cells that a
spreadsheet would run, publication dates of pages and seeds, and the count of undated pages."""

from __future__ import annotations

import csv
import json
from datetime import date, datetime
from pathlib import Path

from typer.testing import CliRunner

from extractor.cli import app
from extractor.run.documents import Document, load_documents
from tests.conftest import SEEDS

runner = CliRunner()
ONE = SEEDS / "000_66b858eadaf518ae.txt"
AID = "أعلنت الحكومة الألمانية يوم الاثنين تقديم حزمة مساعدات عسكرية جديدة لأوكرانيا بقيمة 5 ملايين يورو."


def test_messages_keep_their_square_brackets(tmp_path: Path):
    missing = tmp_path / "x[pandas].txt"
    result = runner.invoke(app, ["run", str(missing), "-o", str(tmp_path / "o.jsonl")])
    assert result.exit_code == 2
    assert "x[pandas].txt" in result.stderr


def test_report_on_missing_documents_is_an_error(tmp_path: Path):
    events = tmp_path / "e.jsonl"
    assert runner.invoke(app, ["run", str(ONE), "-o", str(events), "-q"]).exit_code == 0
    result = runner.invoke(
        app, ["report", str(events), "--docs", "/nonexistent", "-o", str(tmp_path / "r.html")]
    )
    assert result.exit_code == 2 and "/nonexistent" in result.stderr
    assert not (tmp_path / "r.html").exists()


def test_log_json_lines_carry_a_timestamp(tmp_path: Path):
    result = runner.invoke(app, ["run", str(ONE), "-o", str(tmp_path / "o.jsonl"), "--log-json"])
    assert result.exit_code == 0, result.output
    lines = [json.loads(x) for x in result.stderr.splitlines() if x.startswith("{")]
    assert {x["event"] for x in lines} >= {"document", "summary"}
    for line in lines:
        assert line["time"].endswith("Z")
        datetime.fromisoformat(line["time"].replace("Z", "+00:00"))


def test_cache_stats_does_not_create_a_cache_folder(tmp_path: Path):
    folder = tmp_path / "never-used"
    result = runner.invoke(app, ["cache", "stats", "--cache-dir", str(folder)])
    assert result.exit_code == 0 and json.loads(result.stdout)["entries"] == 0
    assert runner.invoke(app, ["cache", "clear", "--cache-dir", str(folder)]).exit_code == 0
    assert not folder.exists()


def test_a_damaged_cache_is_one_line_not_a_traceback(tmp_path: Path):
    folder = tmp_path / "cache"
    folder.mkdir()
    (folder / "cache.db").write_bytes(b"this is not an SQLite database" * 100)
    for command in ("stats", "clear"):
        result = runner.invoke(app, ["cache", command, "--cache-dir", str(folder)])
        assert result.exit_code == 2, result.output
        (line,) = result.stderr.strip().splitlines()
        assert "cannot use the cache" in line and "Traceback" not in result.output


def test_csv_neutralises_formulas_and_keeps_one_row_per_record(tmp_path: Path):
    docs = tmp_path / "docs.jsonl"
    rows = [
        {"id": '=HYPERLINK("http://x.example","y")', "text": AID},
        {"id": "+1\r-2", "text": AID},
        {"id": "@SUM(A1)\nz", "text": AID},
        {"id": "plain", "text": AID},
    ]
    docs.write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8"
    )
    out = tmp_path / "events.csv"
    result = runner.invoke(app, ["run", str(docs), "-o", str(out), "--format", "csv", "-q"])
    assert result.exit_code == 0, result.output
    journal = [json.loads(x) for x in out.with_name("events.csv.journal.jsonl").open("rb")]
    with out.open(encoding="utf-8-sig", newline="") as handle:
        table = list(csv.DictReader(handle))
    assert len(table) == len(journal) >= 4  # a CR or LF inside a cell does not split a row
    ids = {row["doc_id"] for row in table}
    assert ids == {"'" + r["id"] if r["id"][0] in "=+-@" else r["id"] for r in rows}
    raw = out.read_bytes().decode("utf-8-sig")
    assert not any(line.startswith(("=", "+", "@")) for line in raw.split("\r\n"))


def test_html_pages_give_their_date_url_and_source(tmp_path: Path):
    pages = tmp_path / "pages"
    pages.mkdir()
    page = pages / "page.html"
    page.write_text(
        '<html><head><link rel="canonical" href="https://news.example/a/1">'
        '<script type="application/ld+json">{"@type": "NewsArticle", '
        '"datePublished": "2023-09-28T08:00:00+03:00"}</script></head>'
        f"<body><article><p>{AID}</p></article></body></html>",
        encoding="utf-8",
    )
    timed = pages / "timed.html"
    timed.write_text(
        f'<html><body><time datetime="2022-09-08">8 سبتمبر</time><p>{AID}</p></body></html>',
        encoding="utf-8",
    )
    bare = pages / "bare.html"
    bare.write_text(f"<html><body><p>{AID}</p></body></html>", encoding="utf-8")
    docs = {d.id: d for d in load_documents(pages) if isinstance(d, Document)}
    assert docs["page"].published_at == date(2023, 9, 28)
    assert docs["page"].url == docs["page"].source == "https://news.example/a/1"
    assert docs["timed"].published_at == date(2022, 9, 8)
    assert docs["bare"].published_at is None and docs["bare"].source == str(bare)
    summary = tmp_path / "s.json"
    result = runner.invoke(
        app,
        [
            "run",
            str(pages),
            "-o",
            str(tmp_path / "o.jsonl"),
            "--summary-json",
            str(summary),
        ],
    )
    assert result.exit_code == 0, result.output
    assert json.loads(summary.read_text("utf-8"))["undated"] == 1
    assert "no publication date" in result.stderr


def test_a_text_sidecar_with_a_bad_date_fails_its_document(tmp_path: Path):
    (tmp_path / "a.txt").write_text(AID, encoding="utf-8")
    (tmp_path / "a.meta.json").write_text('{"published_at": "yesterday"}', encoding="utf-8")
    (item,) = load_documents(tmp_path)
    assert not isinstance(item, Document) and item.error == "invalid_date"


def test_a_bad_utf8_line_in_records_is_one_line_for_link_report_and_eval(tmp_path: Path):
    events = tmp_path / "e.jsonl"
    assert runner.invoke(app, ["run", str(ONE), "-o", str(events), "-q"]).exit_code == 0
    with events.open("ab") as handle:
        handle.write(b'{"doc_id": "\xff\xfe"}\n')
    gold = SEEDS.parent / "gold" / "seeds.jsonl"
    for args in (
        ["link", str(events), "-o", str(tmp_path / "l.jsonl")],
        ["report", str(events), "--docs", str(ONE), "-o", str(tmp_path / "r.html")],
        ["eval", "--gold", str(gold), "--pred", str(events)],
    ):
        result = runner.invoke(app, args)
        assert result.exit_code == 2, (args, result.output)
        (line,) = result.stderr.strip().splitlines()
        assert "UTF-8" in line and "Traceback" not in result.output


def test_seeds_carry_their_publication_dates():
    gold = {
        json.loads(x)["id"]: json.loads(x)["published_at"]
        for x in (SEEDS.parent / "gold" / "seeds.docs.jsonl").read_text("utf-8").splitlines()
    }
    docs = {d.id: d for d in load_documents(SEEDS)}
    assert {k: d.published_at.isoformat() for k, d in docs.items()} == gold  # type: ignore[union-attr]
    assert all(d.source and d.source.endswith(".txt") for d in docs.values())  # type: ignore[union-attr]


def test_a_closed_stdout_stops_the_run_quietly_like_a_unix_tool(tmp_path: Path):
    """`extractor run x -o - | head -1`: the reader is gone; no error message, exit 141 (128 +
    SIGPIPE, what a shell reports for `yes | head -1`), never exit 2 with a complaint."""
    import os
    import subprocess
    import sys

    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader has already gone: the first record write fails
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "extractor.cli", "run", str(SEEDS), "-o", "-", "-q"],
            stdout=write_end,
            stderr=subprocess.PIPE,
            timeout=120,
            check=False,
        )
    finally:
        os.close(write_end)
    assert proc.returncode == 141, proc.stderr
    assert proc.stderr.decode() == ""
