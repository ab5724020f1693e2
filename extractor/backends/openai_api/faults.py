"""What went wrong with a model request, and whether waiting and trying again can fix it.

Every fault ends as one of three things::

    Transient              retried by the transport (429 honouring Retry-After, 5xx, timeouts,
                           resets, and answers with status 200 that hold no completion — an HTML
                           error page, an empty ``choices`` list), at most ``max_retries`` times
      └─ then RetriesExhausted (a BackendError: this document fails, the run goes on)
    BackendError           this request cannot succeed (400, an unusable answer, no recording)
    ModelUnavailableError  no request can succeed (401, 403, unknown model, refused connection,
                           unknown host): the run stops with this one line

Nothing here imports instructor; :func:`classify` walks an exception's causes, so it reads the
SDK's typed errors and whatever instructor wraps them in alike.
"""

from __future__ import annotations

import json
import re
import socket
import time
from collections.abc import Mapping
from datetime import UTC
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

import openai

from extractor.errors import BackendError, ConfigError, ModelUnavailableError
from extractor.settings import Settings

DEFAULT_BASE_URL = "https://api.openai.com/v1"


class Transient(Exception):
    """A fault worth retrying; carries how long the server asked us to wait."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class RetriesExhausted(BackendError):
    """Transient faults kept coming after every retry."""


def where(c: Settings) -> str:
    return c.base_url or DEFAULT_BASE_URL


def check_base_url(base_url: str | None) -> None:
    """Refuse a base URL the client cannot use, before any document is read."""
    if not base_url:
        return
    parts = urlsplit(base_url)
    if parts.username is not None or parts.password is not None:
        host = parts.hostname or ""
        host = f"[{host}]" if ":" in host else host
        port = f":{parts.port}" if parts.port is not None else ""
        safe = parts._replace(netloc=host + port).geturl()  # never echo the secret
        raise ConfigError(
            f"--base-url must not hold credentials (user:password@): use {safe} and pass the "
            "key with OPENAI_API_KEY or EXTRACTOR_API_KEY"
        )
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(
            f"--base-url {base_url!r} is not an http(s) URL: e.g. http://127.0.0.1:8080/v1"
        )


def retry_after(headers: Mapping[str, str], now: float | None = None) -> float | None:
    """Seconds the server asks us to wait: ``Retry-After`` in seconds or as an HTTP date
    (RFC 9110 allows both; proxies send dates)."""
    value = headers.get("retry-after")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


# An unescaped "choices" key can only be a key of the completion itself (inside a tool call's
# arguments every quote is escaped), so these byte checks are exact and cost no JSON parse.
_EMPTY_CHOICES = re.compile(rb'"choices"\s*:\s*(\[\s*\]|null)')


def status_fault(status: int, headers: Mapping[str, str], body: bytes) -> Transient | None:
    """The transient fault an HTTP answer is (None: hand it to the SDK as it is)."""
    if status == 429:
        return Transient("rate limited (429)", retry_after(headers))
    if status >= 500:
        return Transient(f"server error ({status})", retry_after(headers))
    if status == 200:
        head = body.lstrip()[:1]
        if head != b"{":
            kind = "an HTML page" if head == b"<" else "not JSON"
            return Transient(f"an answer with status 200 that is {kind}")
        if b'"choices"' not in body:
            return Transient("an answer with status 200 and no choices")
        if _EMPTY_CHOICES.search(body):
            return Transient("an answer with status 200 and an empty choices list")
    return None


def _causes(exc: BaseException) -> list[BaseException]:
    """The exception and everything it was raised from (``__cause__``/``__context__``)."""
    chain: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in chain:
        chain.append(current)
        current = current.__cause__ or current.__context__
    return chain


def _unreachable(chain: list[BaseException]) -> str | None:
    """Whether an exception chain says the server cannot be reached at all (no retry helps):
    "refused", "unknown host", or None."""
    texts = [str(e).lower() for e in chain]
    if any(isinstance(e, ConnectionRefusedError) for e in chain) or any(
        "refused" in t or "all connection attempts failed" in t for t in texts
    ):
        return "refused"
    if any(isinstance(e, socket.gaierror) for e in chain) or any(
        "name or service not known" in t or "nodename nor servname" in t for t in texts
    ):
        return "unknown host"
    return None


def _not_recorded(chain: list[BaseException]) -> bool:
    """A replay (vcrpy) without this request: its error, known by name (vcrpy is a test tool,
    never imported here)."""
    return any(type(e).__name__ == "CannotOverwriteExistingCassetteException" for e in chain)


def _error_message(exc: openai.APIStatusError) -> str:
    body = exc.body
    if isinstance(body, dict):
        error = body.get("error") if isinstance(body.get("error"), dict) else body
        if isinstance(error, dict) and error.get("message"):
            return str(error["message"])
        return json.dumps(body, ensure_ascii=False)
    return str(exc.message)


def classify(exc: BaseException, c: Settings) -> BackendError:
    """Any exception of a model call as :class:`BackendError` or :class:`ModelUnavailableError`
    with a message that says what to do."""
    chain = _causes(exc)
    for e in chain:
        if isinstance(e, BackendError):  # ours, raised below the SDK (transport, validation)
            return e
    site = where(c)
    for e in chain:
        if isinstance(e, openai.APIStatusError):
            return _status_error(e, c)
    if _not_recorded(chain):
        return BackendError(
            "this request is not in the replay cassette (the text, prompt or settings changed): "
            "re-record it with `make record`"
        )
    unreachable = _unreachable(chain)
    if unreachable == "refused":
        return ModelUnavailableError(
            f"cannot connect to {site} (connection refused): is the model server running? "
            "check --base-url"
        )
    if unreachable == "unknown host":
        return ModelUnavailableError(f"cannot resolve the host of {site}: check --base-url")
    root = chain[-1]
    return BackendError(f"model request failed ({type(root).__name__}): {short(str(root))}")


def _status_error(exc: openai.APIStatusError, c: Settings) -> BackendError:
    site = where(c)
    status = exc.status_code
    if status == 401:
        return ModelUnavailableError(
            f"{site} refused the API key (401): set OPENAI_API_KEY or EXTRACTOR_API_KEY to a "
            "valid key"
        )
    if status == 403:
        return ModelUnavailableError(
            f"{site} denied access (403): check the key's permissions for model {c.model!r}"
        )
    if status == 404:
        return ModelUnavailableError(
            f"model {c.model!r} or the endpoint was not found at {site} (404): "
            "check --model and --base-url (it usually ends in /v1)"
        )
    return BackendError(
        f"the model server rejected the request ({status}): {short(_error_message(exc))}"
    )


def transport_fault(exc: Exception, timeout: float) -> Transient | None:
    """A failed exchange (no status) that is worth retrying: timeouts and dropped connections.
    Refused connections and unknown hosts are not: the SDK reports them, :func:`classify` names
    them."""
    chain = _causes(exc)
    if _unreachable(chain) is not None or _not_recorded(chain):
        return None
    root = chain[-1]
    if isinstance(root, TimeoutError) or any("timeout" in type(e).__name__.lower() for e in chain):
        return Transient(f"no answer within {timeout:g} s")
    return Transient(f"connection problem: {type(root).__name__}")


def short(text: str, limit: int = 300) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
