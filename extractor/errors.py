"""One exception hierarchy; every message says what is wrong and what to do about it."""

from __future__ import annotations


class ExtractorError(Exception):
    """Base of every error this package raises on purpose."""


class ConfigError(ExtractorError):
    """A setting, flag or data file is wrong."""


class DocumentError(ExtractorError):
    """One input document cannot be read or used; the run goes on without it."""

    def __init__(
        self,
        message: str,
        *,
        kind: str = "unreadable",
        doc_id: str | None = None,
        source: str | None = None,
    ):
        super().__init__(message)
        self.kind = kind  # empty, binary, decode, too_large, invalid_json, invalid_date, no_text …
        self.doc_id = doc_id
        self.source = source


class ExtractionError(ExtractorError):
    """A document could not be extracted (``DocumentResult.raise_for_error``): its backend failed
    after every retry, or an internal error (please report it) stopped it."""

    def __init__(self, message: str, *, kind: str = "backend", doc_id: str | None = None):
        super().__init__(message)
        self.kind = kind
        self.doc_id = doc_id


class BackendError(ExtractorError):
    """A backend could not produce drafts for a segment (after its retries).

    ``usage`` holds what the failed attempts cost (tokens are spent even when nothing is usable).
    """

    usage: object | None = None


class ModelUnavailableError(BackendError):
    """The model server cannot be used at all (bad URL, refused, 401, unknown model): stop."""


class OutputError(ExtractorError):
    """An output file cannot be written."""
