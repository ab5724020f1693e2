"""Reading input documents: files or folders of .txt, .jsonl and .html, streamed one at a time.

Every input ends as a :class:`Document` or a :class:`DocumentFailure` with a clear reason — a
bad file never stops the stream and is never skipped silently. Bytes are decoded as UTF-8 (with
or without BOM), UTF-16/32 with BOM, else detected with charset-normalizer (Windows-1256 …).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from pathlib import Path

from charset_normalizer import from_bytes

from extractor.core.document import Document, DocumentFailure
from extractor.errors import DocumentError

SUFFIXES = {".txt": "txt", ".text": "txt", ".jsonl": "jsonl", ".html": "html", ".htm": "html"}
DEFAULT_MAX_BYTES = 5_000_000

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
_BOMS = (
    (b"\xef\xbb\xbf", "utf-8-sig"),
    (b"\xff\xfe\x00\x00", "utf-32"),
    (b"\x00\x00\xfe\xff", "utf-32"),
    (b"\xff\xfe", "utf-16"),
    (b"\xfe\xff", "utf-16"),
)


# ---- decoding ---------------------------------------------------------------------------------


def _safe_id(value: object) -> str:
    """A document id that can be written anywhere (lone surrogates escaped)."""
    return str(value).encode("utf-8", "backslashreplace").decode("utf-8")


def decode_bytes(data: bytes) -> str:
    """Decode article bytes; raise DocumentError for empty, binary or undecodable input."""
    if not data.strip():
        raise DocumentError("empty file (no text)", kind="empty")
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return _checked(data.decode(encoding))
            except UnicodeDecodeError as exc:
                raise DocumentError(
                    f"invalid {encoding} text after its byte-order mark: {exc}", kind="decode"
                ) from exc
    if b"\x00" in data[:4096]:
        raise DocumentError(
            "binary file (NUL bytes), not text; give .txt, .jsonl or .html", kind="binary"
        )
    try:
        return _checked(data.decode("utf-8"))
    except UnicodeDecodeError as exc:
        utf8_error = exc
    best = from_bytes(data[:200_000]).best()
    if best is None or best.encoding is None:
        raise DocumentError(
            f"not valid UTF-8 (byte {utf8_error.start}) and no other encoding fits; save the file as UTF-8",
            kind="decode",
        )
    encoding = _prefer_arabic(best.encoding, data)
    try:
        text = data.decode(encoding)
    except (UnicodeDecodeError, LookupError) as exc:
        raise DocumentError(
            f"invalid text in detected encoding {encoding}: {exc}", kind="decode"
        ) from exc
    # A legacy code page is only believable if it gives Arabic: these are Arabic articles, and
    # random bytes "decode" in many single-byte code pages.
    if not _looks_like_arabic(text[:20_000]):
        raise DocumentError(
            f"not valid UTF-8 (byte {utf8_error.start}) and not Arabic in any legacy encoding "
            f"(best guess {encoding}); save the file as UTF-8",
            kind="decode",
        )
    return _checked(text)


def _looks_like_arabic(text: str) -> bool:
    """Mostly core Arabic letters (U+0621–U+064A), in words separated by spaces."""
    letters = [ch for ch in text if ch.isalpha()]
    core = sum(1 for ch in letters if "\u0621" <= ch <= "\u064a")
    spaces = sum(1 for ch in text if ch.isspace())
    return bool(letters) and core / len(letters) >= 0.5 and spaces * 20 >= len(text)


def _prefer_arabic(encoding: str, data: bytes) -> str:
    """Short Windows-1256 texts are sometimes guessed as another single-byte code page."""
    if encoding.lower().replace("-", "_") in ("cp1256", "windows_1256"):
        return "cp1256"
    try:
        as_arabic = data.decode("cp1256")
    except UnicodeDecodeError:
        return encoding
    return "cp1256" if _looks_like_arabic(as_arabic[:20_000]) else encoding


def _checked(text: str) -> str:
    if text.startswith("\ufeff"):
        text = text[1:]
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise DocumentError(
            f"text holds a character that is not valid Unicode at {exc.start} (a lone surrogate)",
            kind="decode",
        ) from None
    if not text.strip():
        raise DocumentError("empty document (only whitespace)", kind="empty")
    if len(_CONTROL.findall(text[:20_000])) > max(3, len(text[:20_000]) // 100):
        raise DocumentError("binary content (control characters), not text", kind="binary")
    if not any(ch.isalpha() for ch in text[:20_000]):
        raise DocumentError("no letters in the document", kind="no_text")
    return text


def parse_published(value: object) -> date | None:
    """ "2024-04-22", "2024-04-22T10:00:00Z" → date; None/"" → None; otherwise DocumentError."""
    if value in (None, ""):
        return None
    if isinstance(value, datetime):  # also pandas.Timestamp: keep the day, not the time
        return value.date()
    if isinstance(value, date):
        return value
    s = str(value).strip()
    try:
        return date.fromisoformat(s[:10])
    except ValueError:
        try:
            return datetime.fromisoformat(s.replace("Z", "+00:00")).date()
        except ValueError as exc:
            raise DocumentError(
                f"invalid published_at {s!r}: use YYYY-MM-DD", kind="invalid_date"
            ) from exc


# ---- HTML -------------------------------------------------------------------------------------

_BLOCK_END = re.compile(
    r"</(?:p|div|h[1-6]|li|tr|section|article|figcaption|blockquote|header|ul|ol|table)\s*>|<br\s*/?>",
    re.IGNORECASE,
)


def html_to_text(html: str) -> tuple[str, date | None, str | None]:
    """Visible text of an HTML page (one block per line) + its published date and URL if given."""
    from selectolax.lexbor import LexborHTMLParser as HTMLParser

    tree = HTMLParser(_BLOCK_END.sub(lambda m: m.group(0) + "\n\n", html))
    published = None
    url = None
    for selector in (
        'meta[property="article:published_time"]',
        'meta[name="pubdate"]',
        'meta[name="date"]',
        'meta[itemprop="datePublished"]',
    ):
        node = tree.css_first(selector)
        if node and node.attributes.get("content"):
            try:
                published = parse_published(node.attributes["content"])
                break
            except DocumentError:
                continue
    canonical = tree.css_first('link[rel="canonical"]') or tree.css_first('meta[property="og:url"]')
    if canonical is not None:
        url = canonical.attributes.get("href") or canonical.attributes.get("content")
    tree.strip_tags(["script", "style", "noscript", "svg", "iframe", "form", "template", "head"])
    root = tree.body or tree.root
    raw = root.text(separator="") if root is not None else ""
    lines = [re.sub(r"[ \t\u00a0]+", " ", line).strip() for line in raw.splitlines()]
    text = "\n\n".join(line for line in lines if line)
    return text, published, url


# ---- loading ----------------------------------------------------------------------------------


def iter_paths(inputs: Iterable[str | Path]) -> Iterator[Path]:
    """Files named directly, and files under folders (sorted, recursive, hidden ones skipped)."""
    for raw in inputs:
        path = Path(raw)
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                if child.is_file() and not any(
                    part.startswith(".") for part in child.relative_to(path).parts
                ):
                    yield child
        else:
            yield path


def load_documents(
    inputs: Iterable[str | Path] | str | Path,
    *,
    published_at: date | str | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> Iterator[Document | DocumentFailure]:
    """Stream documents from files/folders; failures are yielded, never raised or dropped.

    ``published_at`` is the default publication date for documents that carry none.
    """
    if isinstance(inputs, (str, Path)):
        inputs = [inputs]
    default_date = parse_published(published_at)
    seen: dict[str, str] = {}
    for path in iter_paths(inputs):
        for item in _load_path(path, default_date, max_bytes):
            if isinstance(item, Document):
                first = seen.get(item.id)
                if first is not None:
                    # its own key, so this failure is not mistaken for the first document's
                    yield DocumentFailure(
                        f"{item.id}@{item.source or path}",
                        item.source or str(path),
                        "duplicate_id",
                        f"document id {item.id!r} was already used by {first}; give each document a unique id",
                    )
                    continue
                seen[item.id] = item.source or str(path)
            yield item


def _load_path(
    path: Path, default_date: date | None, max_bytes: int
) -> Iterator[Document | DocumentFailure]:
    kind = SUFFIXES.get(path.suffix.lower())
    source = str(path)
    if not path.exists():
        yield DocumentFailure(path.stem, source, "not_found", f"no such file or folder: {path}")
        return
    if kind is None:
        yield DocumentFailure(
            path.stem,
            source,
            "unsupported_type",
            f"unsupported file type {path.suffix or '(none)'}: use .txt, .jsonl or .html",
        )
        return
    if kind == "jsonl":
        yield from _load_jsonl(path, default_date, max_bytes)
        return
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise DocumentError(
                f"file too large ({size / 1e6:.1f} MB > {max_bytes / 1e6:.1f} MB); "
                "split it or raise --max-doc-bytes",
                kind="too_large",
            )
        text = decode_bytes(path.read_bytes())
        published, url = default_date, None
        if kind == "html":
            text, page_date, url = html_to_text(text)
            published = page_date or default_date
            _checked(text)
        yield Document(path.stem, text, published, url, source)
    except DocumentError as exc:
        yield DocumentFailure(path.stem, source, exc.kind, str(exc))
    except OSError as exc:
        yield DocumentFailure(
            path.stem, source, "unreadable", f"cannot read {path}: {exc.strerror}"
        )


def _load_jsonl(
    path: Path, default_date: date | None, max_bytes: int
) -> Iterator[Document | DocumentFailure]:
    try:
        handle = path.open("rb")
    except OSError as exc:
        yield DocumentFailure(
            path.stem, str(path), "unreadable", f"cannot read {path}: {exc.strerror}"
        )
        return
    with handle:
        for lineno, raw in enumerate(handle, start=1):
            source = f"{path}:{lineno}"
            fallback_id = f"{path.stem}:{lineno}"
            if not raw.strip():
                continue  # blank lines separate nothing in JSONL
            if len(raw) > max_bytes:
                yield DocumentFailure(
                    fallback_id,
                    source,
                    "too_large",
                    f"line too large ({len(raw) / 1e6:.1f} MB); raise --max-doc-bytes",
                )
                continue
            try:
                obj = json.loads(raw.decode("utf-8"))
            except (UnicodeDecodeError, json.JSONDecodeError) as exc:
                yield DocumentFailure(
                    fallback_id,
                    source,
                    "invalid_json",
                    f"line {lineno} is not valid UTF-8 JSON: {exc}",
                )
                continue
            if not isinstance(obj, dict):
                yield DocumentFailure(
                    fallback_id,
                    source,
                    "invalid_json",
                    f"line {lineno} must be a JSON object with 'id' and 'text'",
                )
                continue
            doc_id = _safe_id(obj.get("id") or obj.get("doc_id") or fallback_id)
            text = obj.get("text")
            try:
                if not isinstance(text, str):
                    raise DocumentError("missing 'text' string", kind="invalid_json")
                _checked(text)
                published = parse_published(obj.get("published_at")) or default_date
            except DocumentError as exc:
                yield DocumentFailure(doc_id, source, exc.kind, str(exc))
                continue
            url = obj.get("url")
            yield Document(doc_id, text, published, url if isinstance(url, str) else None, source)


def as_document(
    item: Document | DocumentFailure | dict | str, index: int = 0
) -> Document | DocumentFailure:
    """Accept what notebook users pass: a Document, a dict like a JSONL line, or plain text."""
    if isinstance(item, (Document, DocumentFailure)):
        return item
    if isinstance(item, str):
        try:
            return Document(f"doc-{index}", _checked(item))
        except DocumentError as exc:
            return DocumentFailure(f"doc-{index}", "<text>", exc.kind, str(exc))
    if isinstance(item, dict):
        doc_id = str(item.get("id") or item.get("doc_id") or f"doc-{index}")
        try:
            text = item.get("text")
            if not isinstance(text, str):
                raise DocumentError("missing 'text' string", kind="invalid_json")
            return Document(
                doc_id,
                _checked(text),
                parse_published(item.get("published_at")),
                item["url"] if isinstance(item.get("url"), str) else None,
                "<dict>",
            )
        except DocumentError as exc:
            return DocumentFailure(doc_id, "<dict>", exc.kind, str(exc))
    raise TypeError(f"cannot use {type(item).__name__} as a document: pass a str, dict or Document")
