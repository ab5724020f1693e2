"""Loading inputs: every file ends as a document or a clear failure; nothing is dropped."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from extractor.errors import DocumentError
from extractor.run.documents import (
    Document,
    DocumentFailure,
    decode_bytes,
    html_to_text,
    load_documents,
)

ARABIC = "أعلنت الولايات المتحدة تقديم مساعدات عسكرية جديدة بقيمة 125 مليون دولار لأوكرانيا."


def load(paths) -> list[Document | DocumentFailure]:
    return list(load_documents(paths))


def test_txt_folder_ids_are_file_stems(tmp_path: Path):
    (tmp_path / "b.txt").write_text(ARABIC, encoding="utf-8")
    (tmp_path / "a.txt").write_text(ARABIC, encoding="utf-8")
    (tmp_path / ".hidden.txt").write_text(ARABIC, encoding="utf-8")
    docs = load([tmp_path])
    assert [d.id for d in docs] == ["a", "b"]
    assert all(isinstance(d, Document) and d.text == ARABIC for d in docs)


@pytest.mark.parametrize(
    "encoding", ["utf-8", "utf-8-sig", "utf-16", "utf-16-le-bom", "cp1256"], ids=str
)
def test_arabic_in_any_common_encoding_is_decoded(tmp_path: Path, encoding: str):
    text = ARABIC * 3
    if encoding == "utf-16-le-bom":
        data = b"\xff\xfe" + text.encode("utf-16-le")
    else:
        data = text.encode(encoding)
    (tmp_path / "doc.txt").write_bytes(data)
    (doc,) = load([tmp_path / "doc.txt"])
    assert isinstance(doc, Document), doc
    assert doc.text == text


@pytest.mark.parametrize(
    "data, kind",
    [
        (b"", "empty"),
        (b"   \n\t  \n", "empty"),
        (bytes(range(256)) * 20, "binary"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 100, "binary"),
        ("\u200f\u202b   \u202c".encode(), "empty"),
    ],
    ids=["empty", "whitespace", "random-bytes", "png", "only-bidi-controls"],
)
def test_unusable_files_fail_with_a_reason(tmp_path: Path, data: bytes, kind: str):
    (tmp_path / "bad.txt").write_bytes(data)
    (failure,) = load([tmp_path / "bad.txt"])
    assert isinstance(failure, DocumentFailure)
    assert failure.id == "bad" and failure.error in (kind, "no_text", "binary", "empty", "decode")
    assert failure.message


def test_bidi_controls_are_kept_and_text_decodes(tmp_path: Path):
    text = "\u202bأعلنت ألمانيا حزمة جديدة بقيمة 500 مليون يورو\u202c"
    (tmp_path / "bidi.txt").write_text(text, encoding="utf-8")
    (doc,) = load([tmp_path / "bidi.txt"])
    assert isinstance(doc, Document) and doc.text == text


def test_huge_file_fails_without_being_read(tmp_path: Path):
    big = tmp_path / "big.txt"
    with big.open("wb") as handle:
        handle.seek(20_000_000)
        handle.write(b"x")
    (failure,) = load([big])
    assert isinstance(failure, DocumentFailure) and failure.error == "too_large"
    assert "MB" in failure.message and "--max-doc-bytes" in failure.message


def test_invalid_utf8_is_detected_or_fails_clearly():
    data = ARABIC.encode("utf-8")[:-5] + b"\xff\xfe\xfa" + ARABIC.encode("utf-8")
    try:
        text = decode_bytes(data)
    except DocumentError as exc:
        assert "encoding" in str(exc) or "invalid" in str(exc)
    else:
        assert "مساعدات" in text


def test_jsonl_with_a_broken_line_keeps_going(tmp_path: Path):
    path = tmp_path / "docs.jsonl"
    lines = [
        json.dumps({"id": "a", "text": ARABIC, "published_at": "2024-08-09"}, ensure_ascii=False),
        '{"id": "b", "text": "broken',
        "",
        json.dumps({"id": "c", "text": "   "}),
        json.dumps({"id": "d", "text": ARABIC, "published_at": "not a date"}, ensure_ascii=False),
        json.dumps({"text": ARABIC}, ensure_ascii=False),
        json.dumps(["not", "an", "object"]),
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    items = load([path])
    by_id = {i.id: i for i in items}
    assert isinstance(by_id["a"], Document) and by_id["a"].published_at == date(2024, 8, 9)
    assert isinstance(by_id["docs:2"], DocumentFailure) and by_id["docs:2"].error == "invalid_json"
    assert isinstance(by_id["c"], DocumentFailure) and by_id["c"].error == "empty"
    assert isinstance(by_id["d"], DocumentFailure) and by_id["d"].error == "invalid_date"
    assert isinstance(by_id["docs:6"], Document)  # no id: file stem and line number
    assert isinstance(by_id["docs:7"], DocumentFailure)
    assert len(items) == 6  # the blank line is not a document


def test_duplicate_ids_fail_instead_of_overwriting(tmp_path: Path):
    (tmp_path / "x").mkdir()
    (tmp_path / "y").mkdir()
    (tmp_path / "x" / "same.txt").write_text(ARABIC, encoding="utf-8")
    (tmp_path / "y" / "same.txt").write_text(ARABIC, encoding="utf-8")
    items = load([tmp_path])
    assert isinstance(items[0], Document)
    assert isinstance(items[1], DocumentFailure) and items[1].error == "duplicate_id"


def test_unsupported_and_missing_files_are_reported(tmp_path: Path):
    (tmp_path / "scan.pdf").write_bytes(b"%PDF-1.4")
    items = load([tmp_path / "scan.pdf", tmp_path / "missing.txt"])
    assert [i.error for i in items if isinstance(i, DocumentFailure)] == [
        "unsupported_type",
        "not_found",
    ]


def test_html_page_to_text_with_meta_date():
    html = (
        "<html><head><title>t</title><meta property='article:published_time' "
        "content='2024-04-22T08:00:00Z'><script>var x = 'قصف';</script></head><body>"
        "<h1>بايدن يتصل بزيلينسكي</h1><p>أكد الرئيس الأوكراني <b>فولوديمير زيلينسكي</b> يوم الاثنين "
        "أنه تلقى اتصالا هاتفيا.</p><p>وقال إن المساعدات ستصل قريبا.</p></body></html>"
    )
    text, published, _url = html_to_text(html)
    assert published == date(2024, 4, 22)
    assert "قصف" not in text  # scripts are not article text
    assert text.split("\n\n") == [
        "بايدن يتصل بزيلينسكي",
        "أكد الرئيس الأوكراني فولوديمير زيلينسكي يوم الاثنين أنه تلقى اتصالا هاتفيا.",
        "وقال إن المساعدات ستصل قريبا.",
    ]


def test_default_published_at_applies_to_documents_without_one(tmp_path: Path):
    (tmp_path / "a.txt").write_text(ARABIC, encoding="utf-8")
    (doc,) = list(load_documents([tmp_path], published_at="2024-08-09"))
    assert isinstance(doc, Document) and doc.published_at == date(2024, 8, 9)
