"""Reading input documents: files or folders of .txt, .jsonl and .html, streamed one at a time.

Every input ends as a :class:`Document` or a :class:`DocumentFailure` with a clear reason — a
bad file never stops the stream and is never skipped silently. Bytes are decoded as UTF-8 (with
or without BOM), UTF-16/32 with BOM, else detected with charset-normalizer (Windows-1256 …).
"""

from __future__ import annotations

import contextlib
import errno
import itertools
import json
import os
import re
import stat
import sys
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

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


def _html_date(html: str) -> date | None:
    """The page's publication date as htmldate reads it (JSON-LD ``datePublished``, ``<time
    datetime>``, meta tags, the URL …; no guess from the running text)."""
    try:
        from htmldate import find_date

        found = find_date(html, extensive_search=False, original_date=True)
    except Exception:  # a page htmldate cannot parse has no date for us; its text still counts
        return None
    try:
        return parse_published(found) if found else None
    except DocumentError:
        return None


def html_to_text(html: str) -> tuple[str, date | None, str | None]:
    """Visible text of an HTML page (one block per line) + its publication date and canonical URL
    when the page gives them."""
    from selectolax.lexbor import LexborHTMLParser as HTMLParser

    tree = HTMLParser(_BLOCK_END.sub(lambda m: m.group(0) + "\n\n", html))
    published = _html_date(html)
    url = None
    for selector in (
        ()
        if published
        else (
            'meta[property="article:published_time"]',
            'meta[name="pubdate"]',
            'meta[name="date"]',
            'meta[itemprop="datePublished"]',
        )
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


STDIN = "-"  # an input of `-` is standard input
META_SUFFIX = ".meta.json"  # NAME.meta.json beside NAME.txt: {"published_at", "url"}


def is_stdin(raw: str | Path) -> bool:
    return str(raw) == STDIN


def iter_paths(inputs: Iterable[str | Path]) -> Iterator[Path]:
    """Inputs named directly, and every entry under folders (sorted, recursive, hidden ones and
    ``*.meta.json`` sidecars skipped). Entries that are not regular files (FIFOs, sockets,
    devices, dangling or looping links) are yielded too, so that the reader reports each; a
    folder link leading back to a folder already read is yielded once, as itself."""
    for raw in inputs:
        path = Path(raw)
        if not is_stdin(raw) and path.is_dir():
            yield from _walk(path)
        else:
            yield path


def _walk(root: Path) -> Iterator[Path]:
    seen: set[tuple[int, int]] = set()

    def visit(folder: Path) -> Iterator[Path]:
        st = folder.stat()
        seen.add((st.st_dev, st.st_ino))
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError:
            yield folder  # unreadable: reported by the reader
            return
        for entry in entries:
            if entry.name.startswith(".") or entry.name.endswith(META_SUFFIX):
                continue
            path = Path(entry.path)
            try:
                is_dir = entry.is_dir()  # follows links; False for a dangling or looping one
            except OSError:
                is_dir = False
            if not is_dir:
                yield path
                continue
            try:
                st = path.stat()
            except OSError:
                yield path
                continue
            if (st.st_dev, st.st_ino) in seen:
                yield path  # a link back to a folder already read: reported, not followed
                continue
            yield from visit(path)

    yield from visit(root)


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


def _open_regular(path: Path) -> int:
    """A read descriptor on ``path`` if it is a regular file; DocumentError otherwise. Never
    blocks: a FIFO, socket or device is refused before it is read (and opened non-blocking)."""
    try:
        st = os.stat(path)
    except OSError as exc:
        raise _path_error(path, exc) from None
    if stat.S_ISDIR(st.st_mode):
        raise DocumentError(
            f"{path} leads back to a folder already read (a symbolic link loop)",
            kind="symlink_loop",
        )
    if not stat.S_ISREG(st.st_mode):
        raise DocumentError(
            f"{path} is {file_kind(st.st_mode)}, not a regular file; not read",
            kind="not_regular_file",
        )
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0))
    except OSError as exc:
        raise _path_error(path, exc) from None
    if not stat.S_ISREG(os.fstat(fd).st_mode):  # swapped since the check
        os.close(fd)
        raise DocumentError(f"{path} is not a regular file; not read", kind="not_regular_file")
    return fd


def file_kind(mode: int) -> str:
    """What a path that is not a regular file is, for a message ("… is a socket, not …")."""
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "not a regular file"


def _path_error(path: Path, exc: OSError) -> DocumentError:
    if exc.errno == errno.ELOOP:
        return DocumentError(f"{path} is a symbolic link loop; not read", kind="symlink_loop")
    if exc.errno == errno.ENOENT and os.path.islink(path):
        return DocumentError(
            f"{path} is a symbolic link to nothing ({os.readlink(path)}); not read",
            kind="dangling_link",
        )
    if exc.errno == errno.ENOENT:
        return DocumentError(f"no such file or folder: {path}", kind="not_found")
    return DocumentError(f"cannot read {path}: {exc.strerror}", kind="unreadable")


def _read_limited(fd: int, path: Path, max_bytes: int) -> bytes:
    with os.fdopen(fd, "rb") as handle:
        data = handle.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise DocumentError(
            f"file too large (> {max_bytes / 1e6:.1f} MB); split it or raise --max-doc-bytes",
            kind="too_large",
        )
    return data


def read_metadata(path: Path) -> dict[str, object]:
    """The sidecar of a text file: ``NAME.meta.json`` beside ``NAME.txt``, a JSON object with
    ``published_at`` and/or ``url`` (what a .txt cannot say itself). {} when there is none."""
    meta = path.with_name(path.stem + META_SUFFIX)
    if not meta.is_file():
        return {}
    try:
        data = json.loads(meta.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise DocumentError(
            f"cannot read its metadata {meta.name}: {exc}", kind="invalid_metadata"
        ) from None
    if not isinstance(data, dict):
        raise DocumentError(
            f"its metadata {meta.name} must be a JSON object like "
            '{"published_at": "2024-04-22", "url": "…"}',
            kind="invalid_metadata",
        )
    return data


def _load_path(
    path: Path, default_date: date | None, max_bytes: int
) -> Iterator[Document | DocumentFailure]:
    if is_stdin(path):
        yield from _load_stdin(default_date, max_bytes)
        return
    kind = SUFFIXES.get(path.suffix.lower())
    source = str(path)
    try:
        fd = _open_regular(path)
    except DocumentError as exc:
        yield DocumentFailure(path.stem, source, exc.kind, str(exc))
        return
    if kind is None:
        os.close(fd)
        yield DocumentFailure(
            path.stem,
            source,
            "unsupported_type",
            f"unsupported file type {path.suffix or '(none)'}: use .txt, .jsonl or .html",
        )
        return
    if kind == "jsonl":
        yield from _load_jsonl(path, default_date, max_bytes, os.fdopen(fd, "rb"))
        return
    try:
        text = decode_bytes(_read_limited(fd, path, max_bytes))
        published, url = default_date, None
        if kind == "html":
            text, page_date, url = html_to_text(text)
            published = page_date or default_date
            _checked(text)
        else:
            meta = read_metadata(path)
            published = parse_published(meta.get("published_at")) or default_date
            given = meta.get("url")
            url = given if isinstance(given, str) else None
        yield Document(path.stem, text, published, url, url or source)
    except DocumentError as exc:
        yield DocumentFailure(path.stem, source, exc.kind, str(exc))
    except OSError as exc:
        yield DocumentFailure(
            path.stem, source, "unreadable", f"cannot read {path}: {exc.strerror}"
        )


def _load_stdin(default_date: date | None, max_bytes: int) -> Iterator[Document | DocumentFailure]:
    """Standard input: JSONL when its first line is a JSON object, else one text (id "stdin")."""
    stream: Any = getattr(sys.stdin, "buffer", sys.stdin)
    first = b""
    lineno = 0
    for raw in stream:
        lineno += 1
        if raw.strip():
            first = raw
            break
    try:
        is_jsonl = isinstance(json.loads(first.decode("utf-8")), dict)
    except ValueError:
        is_jsonl = False
    if is_jsonl:
        lines = itertools.chain([first], stream)
        yield from _load_jsonl(Path("stdin"), default_date, max_bytes, lines, lineno)
        return
    data = first + stream.read(max_bytes + 1)
    try:
        if len(data) > max_bytes:
            raise DocumentError(
                f"standard input too large (> {max_bytes / 1e6:.1f} MB); raise --max-doc-bytes",
                kind="too_large",
            )
        yield Document("stdin", decode_bytes(data), default_date, None, "<stdin>")
    except DocumentError as exc:
        yield DocumentFailure("stdin", "<stdin>", exc.kind, str(exc))


def _load_jsonl(
    path: Path,
    default_date: date | None,
    max_bytes: int,
    handle: Iterable[bytes],
    first_lineno: int = 1,
) -> Iterator[Document | DocumentFailure]:
    closing: Any = (
        contextlib.closing(handle) if hasattr(handle, "close") else contextlib.nullcontext()
    )
    with closing:
        for lineno, raw in enumerate(handle, start=first_lineno):
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
            doc_id = _safe_id(_given_id(obj) or fallback_id)
            text = obj.get("text")
            try:
                if not isinstance(text, str):
                    raise DocumentError(f"line {lineno} has no 'text' string", kind="missing_text")
                _checked(text)
                published = parse_published(obj.get("published_at")) or default_date
            except DocumentError as exc:
                yield DocumentFailure(doc_id, source, exc.kind, str(exc))
                continue
            url = obj.get("url") if isinstance(obj.get("url"), str) else None
            yield Document(doc_id, text, published, url, url or source)


def _given_id(obj: dict[str, Any]) -> str | None:
    """The id a JSONL line or dict gives (``id``, else ``doc_id``); 0 is an id, "" and None not."""
    for key in ("id", "doc_id"):
        value = obj.get(key)
        if value is not None and value != "" and not isinstance(value, bool):
            return str(value)
    return None


def as_document(item: object, index: int = 0) -> Document | DocumentFailure:
    """Accept what notebook users pass: a Document, a dict like a JSONL line, or plain text;
    anything else is a failure with its reason (never an exception)."""
    if isinstance(item, (Document, DocumentFailure)):
        return item
    if isinstance(item, str):
        try:
            return Document(f"doc-{index}", _checked(item), source="<text>")
        except DocumentError as exc:
            return DocumentFailure(f"doc-{index}", "<text>", exc.kind, str(exc))
    if isinstance(item, dict):
        doc_id = _safe_id(_given_id(item) or f"doc-{index}")
        url = item["url"] if isinstance(item.get("url"), str) else None
        try:
            text = item.get("text")
            if not isinstance(text, str):
                raise DocumentError(
                    "the dict has no 'text' string (give {'id', 'text', 'published_at'?})",
                    kind="missing_text",
                )
            return Document(
                doc_id,
                _checked(text),
                parse_published(item.get("published_at")),
                url,
                url or "<dict>",
            )
        except DocumentError as exc:
            return DocumentFailure(doc_id, "<dict>", exc.kind, str(exc))
    return DocumentFailure(
        f"doc-{index}",
        "<input>",
        "unsupported_type",
        f"cannot use {type(item).__name__} as a document: pass a str, a dict or a Document",
    )
