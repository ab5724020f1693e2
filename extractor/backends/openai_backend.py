"""The LLM backend: instructor's requests and validation, for any OpenAI-compatible endpoint.

instructor shapes each request (its body is captured once from instructor + the openai SDK, see
:class:`BatchCodec`) and validates each answer (its response parser and re-ask messages); the
bytes travel over a keep-alive aiohttp pool (httpx while vcrpy replays a cassette), without the
SDK's per-request machinery, which cost more CPU than our whole pipeline (bench/README.md).

Reliability is layered and every layer is bounded and counted:
- nothing retries behind our back (no SDK retries, no HTTP-client retries);
- tenacity retries transport faults — 429 (honouring Retry-After), 5xx, timeouts, connection
  resets — with jittered exponential backoff;
- the model is re-asked with instructor's messages when its answer fails validation
  (``max_reasks``);
- faults that no retry can fix (401, 403, unknown model, refused connection) raise
  :class:`ModelUnavailableError` at once, which stops the run with one clear line.

Usage is summed over every attempt (re-asks included). Answers are cached (see
:mod:`extractor.backends.cache`). This is the only module that imports openai or instructor.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import importlib
import json
import logging
import os
import random
import socket
import ssl
import sys
from collections.abc import Mapping
from typing import Any, Protocol

import httpx
import instructor
import openai
from aiolimiter import AsyncLimiter
from instructor.core import IncompleteOutputException
from openai.types.chat import ChatCompletion
from pydantic import BaseModel, ValidationError
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception, stop_after_attempt

from extractor.arabic.sentences import sentences
from extractor.arabic.textnorm import normalize
from extractor.backends.base import BackendAnswer, SegmentRequest, Usage
from extractor.backends.cache import AnswerCache, cache_key
from extractor.core.tasks import Task
from extractor.errors import BackendError, ModelUnavailableError
from extractor.settings import Settings

try:  # imported with this module, so that worker processes forked after it have it loaded
    import aiohttp
except ImportError:  # pragma: no cover - a core dependency; httpx serves without it
    aiohttp = None  # type: ignore[assignment]

_MODES = {
    "tools": instructor.Mode.TOOLS,
    "json_schema": instructor.Mode.JSON_SCHEMA,
    "md_json": instructor.Mode.MD_JSON,
}
# The usage accumulator of the request running in the current task (hooks are per client).
_current_usage: contextvars.ContextVar[Usage | None] = contextvars.ContextVar("usage", default=None)
NO_KEY = "sk-no-key-required"  # local servers need no key, but the SDK insists on one


class _QuietDuringOurCalls(logging.Filter):
    """instructor logs every failed attempt at ERROR level; we count and report faults ourselves.
    Only records emitted while one of our requests runs are dropped: other users of instructor in
    the same process keep its logging as configured."""

    def filter(self, record: logging.LogRecord) -> bool:
        return _current_usage.get() is None


_QUIET = _QuietDuringOurCalls()


def _quiet_instructor_logs() -> None:
    # a logger's filters apply to what it emits itself, so each of instructor's loggers gets one
    names = ["instructor"] + [
        name for name in list(logging.root.manager.loggerDict) if name.startswith("instructor.")
    ]
    for name in names:
        logger = logging.getLogger(name)
        if _QUIET not in logger.filters:
            logger.addFilter(_QUIET)


# instructor walks the response model's whole class graph seven times per request to refuse async
# validators (about 5 ms a request here, the largest client-side cost). The answer depends only on
# the model class, so the check is remembered per class. Tested against instructor 1.17 (the
# pinned range); if its layout changes, the check runs unmemoized (tests/test_openai_backend.py
# fails so that the pin is revisited).
ASYNC_VALIDATOR_CHECK = ("instructor.v2.validation.async_validators", "reject_async_validators")


def _memoize_async_validator_check() -> bool:
    """Install the memoized check once; True when it is in place."""
    module_name, attr = ASYNC_VALIDATOR_CHECK
    try:
        module = importlib.import_module(module_name)
        current = getattr(module, attr)
    except (ImportError, AttributeError):  # another instructor layout: keep its behaviour
        return False
    if getattr(current, "memoized", False):
        _rebind(attr, current.__wrapped__, current)
        return True
    original = current
    passed: set[Any] = set()

    def reject_async_validators(response_model: Any) -> None:
        try:
            if response_model in passed:
                return
        except TypeError:  # unhashable typing construct
            original(response_model)
            return
        original(response_model)  # raises for a model that has async validators
        passed.add(response_model)

    reject_async_validators.memoized = True  # type: ignore[attr-defined]
    reject_async_validators.__wrapped__ = original  # type: ignore[attr-defined]
    setattr(module, attr, reject_async_validators)
    _rebind(attr, original, reject_async_validators)
    return True


def _rebind(attr: str, original: Any, memoized: Any) -> None:
    """instructor's modules that imported the check by name at import time (its async create
    wrapper does: one full walk per request otherwise) get the memoized one too."""
    for name, module in list(sys.modules.items()):
        if name.startswith("instructor") and getattr(module, attr, None) is original:
            setattr(module, attr, memoized)


class _Transient(Exception):
    """A fault worth retrying; carries how long the server asked us to wait."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


DEFAULT_BASE_URL = "https://api.openai.com/v1"


class OpenAIBackend:
    """Drafts a task's records with a model behind an OpenAI-compatible API."""

    name = "openai"

    def __init__(
        self,
        settings: Settings,
        task: Task,
        *,
        cache: AnswerCache | None = None,
        http_client: httpx.AsyncClient | None = None,
    ) -> None:
        if settings.mode not in _MODES:
            raise ModelUnavailableError(
                f"unknown mode {settings.mode!r}: use tools, json_schema or md_json"
            )
        if not settings.model:
            raise ModelUnavailableError("the openai backend needs a model: pass --model")
        _quiet_instructor_logs()
        _memoize_async_validator_check()
        self.config = settings
        self.task = task
        self.response_model = task.response_model
        self.cache = cache
        self._http_client = http_client  # given: every request goes through it (tests, batch)
        self._http: _Http | None = None  # created lazily inside the running event loop
        self._loop: asyncio.AbstractEventLoop | None = None
        self._semaphore: asyncio.Semaphore | None = None
        self._rpm = AsyncLimiter(settings.rpm, 60) if settings.rpm else None
        self._tpm = AsyncLimiter(settings.tpm, 60) if settings.tpm else None
        base = (settings.base_url or DEFAULT_BASE_URL).rstrip("/")
        self.url = f"{base}/chat/completions"
        self._headers = _request_headers(settings.secret())

    @classmethod
    def from_settings(cls, settings: Settings, task: Task, **kwargs: Any) -> OpenAIBackend:
        """The backend with the cache the settings ask for."""
        cache = None if settings.no_cache else AnswerCache(settings.cache_dir)
        return cls(settings, task, cache=cache, **kwargs)

    # ---- plumbing ----------------------------------------------------------------------------
    def _ensure_http(self) -> _Http:
        loop = asyncio.get_running_loop()
        if self._http is not None and self._loop is not loop:
            # a caller that ran us on another loop without aclose(): that loop's connections
            # cannot serve this one (aiohttp refuses them), so this loop gets its own pool
            self._http = None
        if self._http is None:
            self._loop = loop
            self._http = _open_http(self._http_client, self.config)
            self._semaphore = asyncio.Semaphore(self.config.concurrency)
        return self._http

    async def aclose(self) -> None:
        """Close the connections; the next call (maybe on another event loop) opens new ones."""
        if self._http is not None and self._loop is asyncio.get_running_loop():
            await self._http.aclose()
        self._http = None
        self._semaphore = None

    def key_for(self, text: str) -> str:
        c = self.config
        return cache_key(
            {
                "base_url": c.base_url,
                "model": c.model,
                "mode": c.mode,
                "temperature": c.temperature,
                "seed": c.seed,
                "max_tokens": c.max_tokens,
                "task": self.task.name,
                "prompt": self.task.prompt_hash,
                "schema": self.task.schema_hash,
                "text": normalize(text),
            }
        )

    # ---- the Backend protocol ----------------------------------------------------------------
    async def draft(self, request: SegmentRequest) -> BackendAnswer:
        key = self.key_for(request.text)
        if self.cache is not None:
            hit = self.cache.get(key)
            batch = self._cached_answer(hit) if hit is not None else None
            if batch is not None:
                return self._answer(batch, Usage(cache_hits=1), key)
        usage = Usage()
        try:
            batch = await self._in_halves(request.text, usage, _HALVINGS)
        except BackendError as exc:
            exc.usage = usage  # the tokens of failed attempts are still reported
            raise
        if self.cache is not None:
            self.cache.set(key, {"drafts": batch.model_dump(mode="json"), "usage": vars(usage)})
        return self._answer(batch, usage, key)

    def _cached_answer(self, hit: dict[str, Any]) -> BaseModel | None:
        """A cached answer, its drafts validated one by one (the answer for a text asked in
        halves may hold more drafts than one answer may); None when it no longer validates (a
        changed schema): asked again."""
        try:
            items = hit["drafts"][self.task.list_key]
            drafts = [self.task.draft.model_validate(item) for item in items]
        except (KeyError, TypeError, ValidationError):
            return None
        joined: dict[str, Any] = {self.task.list_key: drafts}
        return self.response_model.model_construct(**joined)

    def _answer(self, batch: BaseModel, usage: Usage, key: str) -> BackendAnswer:
        return BackendAnswer(
            self.task.drafts(batch),
            usage,
            cache_key=key,
            model=self.config.model,
            prompt_version=self.task.prompt_version,
            source=self.name,
        )

    @property
    def response_model(self) -> type[BaseModel]:
        return self._response_model

    @response_model.setter
    def response_model(self, model: type[BaseModel]) -> None:
        # instructor wraps a plain model in a new schema class on every call, which defeats its
        # own schema cache (JSON schema generation then costs milliseconds per request): wrap once.
        self._response_model = model
        self._wrapped_model = instructor.openai_schema(model)
        self._codec: BatchCodec | None = None  # its bodies hold the schema: built anew

    @property
    def codec(self) -> BatchCodec:
        """Request bodies as instructor builds them and answers parsed as instructor does."""
        if self._codec is None:
            self._codec = BatchCodec(self)
        return self._codec

    async def _in_halves(self, text: str, usage: Usage, halvings: int) -> BaseModel:
        """The answer for ``text``; when the model's answer is cut off at ``max_tokens``, the answers
        for its two halves (split between sentences), joined. A small model lists one event in
        about 120 tokens and sometimes repeats itself until the limit: re-asking would quote the
        cut-off answer back (thousands of tokens, escaped) and overflow the server's context."""
        try:
            return await self._call(text, usage)
        except _CutOff:
            cut = _middle_sentence_break(text) if halvings > 0 else None
            if cut is None:
                raise _CutOff(self.config.max_tokens, part=halvings < _HALVINGS) from None
        first = await self._in_halves(text[:cut], usage, halvings - 1)
        second = await self._in_halves(text[cut:], usage, halvings - 1)
        joined: dict[str, Any] = {
            self.task.list_key: self.task.drafts(first) + self.task.drafts(second)
        }
        return self.response_model.model_construct(**joined)

    async def _call(self, text: str, usage: Usage) -> BaseModel:
        c = self.config
        token = _current_usage.set(usage)
        try:
            try:
                # The first attempt runs bare: nearly every request succeeds at once, and
                # tenacity's machinery cost ~5 % of a request's CPU. A transient fault hands over
                # to it as its first failed attempt (same waits, counts and bound as before).
                return await self._ask(text, usage)
            except _Transient as exc:
                failed = [exc]
            retrying = AsyncRetrying(
                stop=stop_after_attempt(c.max_retries + 1),
                wait=self._wait,
                retry=retry_if_exception(lambda e: isinstance(e, _Transient)),
                before_sleep=lambda _state: _bump_retries(usage),
                reraise=True,
            )
            async for attempt in retrying:
                with attempt:
                    if failed:
                        raise failed.pop()
                    return await self._ask(text, usage)
        except _Transient as exc:
            raise BackendError(
                f"model server kept failing after {c.max_retries} retries: {exc}"
            ) from None
        finally:
            _current_usage.reset(token)
        raise BackendError("unreachable")  # pragma: no cover

    async def _ask(self, text: str, usage: Usage) -> BaseModel:
        """One conversation: the request, then up to ``max_reasks`` re-asks with the validation
        errors, in the messages instructor's own retry loop sends (its request handler built the
        body, its response parser validates each answer, its re-ask handler writes the next)."""
        codec = self.codec
        body = codec.body(text)
        estimate = 0
        if self._tpm is not None:  # about 3 characters a token, plus the answer's budget
            messages = self.task.messages(text)
            estimate = sum(len(m["content"]) for m in messages) // 3 + self.config.max_tokens
        attempts = self.config.max_reasks + 1
        for number in range(1, attempts + 1):
            data = await self._post(body, estimate)
            usage.requests += 1  # an answer came back (unusable ones too), as the SDK counted
            completion = _completion(data)
            u = completion.get("usage")
            if isinstance(u, dict):
                usage.prompt_tokens += int(u.get("prompt_tokens") or 0)
                usage.completion_tokens += int(u.get("completion_tokens") or 0)
            try:
                return codec.validate(completion)
            except IncompleteOutputException:
                raise _CutOff(self.config.max_tokens) from None
            except _reaskable_errors() as exc:
                if _used_whole_budget(completion, self.config.max_tokens):
                    # some servers (llama-cpp-python) say "tool_calls", not "length", when cut
                    raise _CutOff(self.config.max_tokens) from exc
                if number == attempts:
                    raise BackendError(
                        f"model answer failed validation after {number} attempt(s): "
                        f"{_short(str(exc))}"
                    ) from exc
                try:
                    body = codec.reask_body(body, completion, exc)
                except Exception as error:  # an answer too broken to quote back
                    raise _unusable(error) from error
                usage.reasks += 1
            except Exception as exc:  # an empty or malformed completion
                raise _unusable(exc) from exc
        raise BackendError("unreachable")  # pragma: no cover

    async def _post(self, body: bytes, estimate: int) -> bytes:
        """POST one chat-completions body; the answer's bytes, or a classified fault."""
        http = self._ensure_http()
        assert self._semaphore is not None
        await self._limit(estimate)
        async with self._semaphore:
            try:
                status, headers, data = await http.post(self.url, body, self._headers)
            except Exception as exc:  # classified below; nothing escapes unnamed
                raise _transport_fault(exc, self.config) from exc
        if status >= 300:
            raise _status_fault(status, headers, data, self.config)
        return data

    async def _limit(self, estimate: int) -> None:
        """Every request (re-asks included) waits for the requests- and tokens-per-minute."""
        if self._rpm is not None:
            await self._rpm.acquire()
        if self._tpm is not None:
            await self._tpm.acquire(min(estimate, self._tpm.max_rate))

    def _wait(self, state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        if isinstance(exc, _Transient) and exc.retry_after is not None:
            return min(exc.retry_after, self.config.backoff_max)
        # full jitter: uniform in [0, min(cap, 0.5 * 2^attempt)]
        return random.uniform(0, min(self.config.backoff_max, 0.5 * 2**state.attempt_number))


# ---- HTTP ----------------------------------------------------------------------------------------
# Requests are posted as bytes over a keep-alive pool, one pool per backend and event loop. The
# openai SDK's request machinery (parameter transform, request objects, response models) cost
# ~2 ms of CPU per request here, more than our whole pipeline; at concurrency 32 the answers queue
# for that CPU (bench/README.md). What the SDK added is kept: the same body bytes (instructor +
# SDK, captured), auth and organization headers, its classification of faults (below).


class _Http(Protocol):
    async def post(
        self, url: str, body: bytes, headers: dict[str, str]
    ) -> tuple[int, Mapping[str, str], bytes]: ...

    async def aclose(self) -> None: ...


class _AiohttpPool:
    """aiohttp: the cheapest client here (~0.2 ms of CPU per request, httpx ~0.9 ms)."""

    def __init__(self, concurrency: int, timeout: float) -> None:
        assert aiohttp is not None
        self._session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=max(1, concurrency), ssl=_ssl_context()),
            timeout=aiohttp.ClientTimeout(total=None, sock_connect=timeout, sock_read=timeout),
            auto_decompress=True,
        )

    async def post(
        self, url: str, body: bytes, headers: dict[str, str]
    ) -> tuple[int, Mapping[str, str], bytes]:
        async with self._session.post(url, data=body, headers=headers) as response:
            return response.status, response.headers, await response.read()

    async def aclose(self) -> None:
        await self._session.close()


class _HttpxPool:
    """httpx: when aiohttp is missing, when a client is given, and while something wraps httpx's
    transport — vcrpy replaying or recording a cassette (cassettes hold httpx traffic), respx."""

    def __init__(self, client: httpx.AsyncClient, owned: bool) -> None:
        self._client = client
        self._owned = owned

    async def post(
        self, url: str, body: bytes, headers: dict[str, str]
    ) -> tuple[int, Mapping[str, str], bytes]:
        response = await self._client.post(url, content=body, headers=headers)
        return response.status_code, response.headers, response.content

    async def aclose(self) -> None:
        if self._owned:
            await self._client.aclose()


def _open_http(given: httpx.AsyncClient | None, c: Settings) -> _Http:
    if given is not None:
        return _HttpxPool(given, owned=False)
    if aiohttp is not None and not _httpx_transport_wrapped():
        return _AiohttpPool(c.concurrency, c.timeout)
    limit = max(1, c.concurrency)
    client = httpx.AsyncClient(
        limits=httpx.Limits(max_connections=limit, max_keepalive_connections=limit),
        timeout=c.timeout,
        verify=_ssl_context(),
    )
    return _HttpxPool(client, owned=True)


def _httpx_transport_wrapped() -> bool:
    """True while httpx's transport is wrapped (vcrpy patches it with functools.wraps)."""
    return hasattr(httpx.AsyncHTTPTransport.handle_async_request, "__wrapped__")


@functools.cache
def _ssl_context() -> ssl.SSLContext:
    """One TLS context per process: building one reads the CA bundle (~25 ms)."""
    return httpx.create_ssl_context()


def _request_headers(key: str | None) -> dict[str, str]:
    """What the openai SDK sends besides the body: the key, and the organization and project
    it reads from the environment."""
    headers = {
        "Content-Type": "application/json",
        "Accept": "application/json",
        "User-Agent": f"arabic-event-extractor (openai-compatible; openai/{openai.__version__})",
        "Authorization": f"Bearer {key or NO_KEY}",
    }
    for header, env in (
        ("OpenAI-Organization", "OPENAI_ORG_ID"),
        ("OpenAI-Project", "OPENAI_PROJECT_ID"),
    ):
        value = os.environ.get(env)
        if value:
            headers[header] = value
    return headers


# A request whose answer is cut off is split in two, each half again if need be: at most 4 parts.
_HALVINGS = 2


class _CutOff(BackendError):
    def __init__(self, max_tokens: int, *, part: bool = False) -> None:
        where = " (even for a part of the text, split between sentences)" if part else ""
        super().__init__(
            f"model output was cut off at max_tokens={max_tokens}{where}; "
            "raise --max-tokens or lower --chunk-chars"
        )


def _cut_off_in_batch(max_tokens: int, usage: Usage) -> BatchAnswerError:
    return BatchAnswerError(
        f"model output was cut off at max_tokens={max_tokens} (a re-ask would quote it back "
        "and overflow the context): `extractor run` on this document asks the text's halves, "
        "or raise --max-tokens / lower --chunk-chars and prepare the batch again",
        usage=usage,
    )


def _used_whole_budget(completion: dict[str, Any], max_tokens: int) -> bool:
    usage = completion.get("usage")
    return isinstance(usage, dict) and int(usage.get("completion_tokens") or 0) >= max_tokens


def _middle_sentence_break(text: str) -> int | None:
    """The sentence boundary nearest the middle of ``text`` (None for one sentence)."""
    inner = [s.start for s in sentences(text, 0, len(text))][1:]
    return min(inner, key=lambda start: abs(2 * start - len(text))) if inner else None


def _bump_retries(usage: Usage) -> None:
    usage.retries += 1


def _retry_after(headers: Mapping[str, str]) -> float | None:
    value = headers.get("retry-after")
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None


def _causes(exc: BaseException) -> list[BaseException]:
    """The exception and everything it was raised from (``__cause__``/``__context__``)."""
    chain: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in chain:
        chain.append(current)
        current = current.__cause__ or current.__context__
    return chain


def _status_fault(status: int, headers: Mapping[str, str], data: bytes, c: Settings) -> Exception:
    """An HTTP error status as: _Transient (retry), BackendError (this document fails) or
    ModelUnavailableError (the run stops) — as the openai SDK's error classes were classified."""
    where = c.base_url or "api.openai.com"
    if status == 401:
        return ModelUnavailableError(
            f"{where} refused the API key (401): set OPENAI_API_KEY or EXTRACTOR_API_KEY to a valid key"
        )
    if status == 403:
        return ModelUnavailableError(
            f"{where} denied access (403): check the key's permissions for model {c.model!r}"
        )
    if status == 404:
        return ModelUnavailableError(
            f"model {c.model!r} or the endpoint was not found at {where} (404): "
            "check --model and --base-url (it usually ends in /v1)"
        )
    if status == 429:
        return _Transient("rate limited (429)", _retry_after(headers))
    if status >= 500:
        return _Transient(f"server error ({status})", _retry_after(headers))
    return BackendError(
        f"the model server rejected the request ({status}): {_short(_error_message(data))}"
    )


def _error_message(data: bytes) -> str:
    """The message of an OpenAI-style error body, else the body itself."""
    try:
        body = json.loads(data)
    except ValueError:
        return data.decode("utf-8", "replace")
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, dict) and error.get("message"):
        return str(error["message"])
    return json.dumps(body, ensure_ascii=False)


def _transport_fault(exc: Exception, c: Settings) -> Exception:
    """A failed exchange (no status) as _Transient, BackendError or ModelUnavailableError."""
    if isinstance(exc, (_Transient, BackendError)):
        return exc
    where = c.base_url or "api.openai.com"
    chain = _causes(exc)
    names = {type(e).__name__ for e in chain}
    if "CannotOverwriteExistingCassetteException" in names:
        return BackendError(
            "this request is not in the replay cassette (the text, prompt or settings changed): "
            "re-record it with `make record`"
        )
    if any(isinstance(e, ConnectionRefusedError) for e in chain) or any(
        "refused" in str(e).lower() or "all connection attempts failed" in str(e).lower()
        for e in chain
    ):
        return ModelUnavailableError(
            f"cannot connect to {where} (connection refused): is the model server running? check --base-url"
        )
    if any(isinstance(e, socket.gaierror) for e in chain) or any(
        "name or service not known" in str(e).lower() or "nodename nor servname" in str(e).lower()
        for e in chain
    ):
        return ModelUnavailableError(f"cannot resolve the host of {where}: check --base-url")
    root = chain[-1]
    if isinstance(root, TimeoutError) or "timeout" in type(root).__name__.lower():
        return _Transient(f"no answer within {c.timeout:g} s")
    return _Transient(f"connection problem: {type(root).__name__}")


def _completion(data: bytes) -> dict[str, Any]:
    try:
        completion = json.loads(data)
    except ValueError as exc:  # an HTML error page with 200 …
        raise _unusable(exc) from exc
    if not isinstance(completion, dict):
        raise BackendError(f"unusable model answer (JSON {type(completion).__name__})")
    return completion


def _unusable(exc: BaseException) -> BackendError:
    return BackendError(f"unusable model answer ({type(exc).__name__}): {_short(str(exc))}")


def _short(text: str, limit: int = 300) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


# ==== request bodies and answers: the live path and batch files (OpenAI Batch API, vllm) ==========
# The live backend and extractor.run.batch share BatchCodec, so a batch file holds the bytes `run`
# sends (tests/test_batch.py checks it against the bytes the mock server received).

BATCH_ENDPOINT = "/v1/chat/completions"
_TEMPLATE_TEXT = "\ue000extractor-batch-text\ue001"  # private-use marks: never in an article
_PROBE_TEXT = ' "مثال"\\ \n\tسطر ثان ✓ 𝟙 </>\u200f '  # quotes, escapes, bidi, astral, spaces


def _json_bytes(obj: Any) -> bytes:
    """JSON as the openai SDK serialises a request body (compact, UTF-8, not ASCII-escaped)."""

    def default(value: Any) -> Any:
        if isinstance(value, BaseModel):
            return value.model_dump(exclude_unset=True, mode="json", by_alias=True)
        raise TypeError(f"cannot serialise {type(value).__name__}")

    return json.dumps(
        obj, ensure_ascii=False, separators=(",", ":"), allow_nan=False, default=default
    ).encode("utf-8")


def _json_string(text: str) -> bytes:
    """``text`` as it appears inside a JSON string written by :func:`_json_bytes`. With
    ``ensure_ascii=False`` every character is escaped on its own, so the escaped form of a part of
    a string is the same part of the escaped string."""
    return json.dumps(text, ensure_ascii=False)[1:-1].encode("utf-8")


class _CaptureTransport(httpx.BaseTransport):
    """Keeps the body instead of sending it. Not an ``httpx.MockTransport``: vcrpy patches that
    one while a cassette is in use, and bodies are captured during replays too."""

    def __init__(self) -> None:
        self.seen: list[bytes] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.seen.append(request.read())
        return httpx.Response(
            400, json={"error": {"message": "captured", "type": "invalid_request_error"}}
        )


class _ChatCompletion(ChatCompletion):
    """A chat completion that prints short: instructor logs ``f"... {response}"`` at debug level
    for every answer, and rendering a whole completion cost about a third of its parsing."""

    def __str__(self) -> str:
        return f"ChatCompletion(id={self.id!r})"


def _chat_completion(body: dict[str, Any]) -> ChatCompletion:
    """The SDK's response object for a completion body: validated (pydantic-core, ~10 µs),
    else built without validation as the SDK builds it (~100 µs), for servers off the spec."""
    try:
        return _ChatCompletion.model_validate(body)
    except ValidationError:
        return _ChatCompletion.construct(**body)


class BatchAnswerError(BackendError):
    """A batch result line that gives no usable drafts.

    ``reask`` is True when the model answered but the answer failed validation: instructor would
    re-ask it in a live run, so a batch can ask again (``extractor batch collect`` writes those
    requests to a retry file). ``usage`` holds the tokens the answer cost.
    """

    def __init__(self, message: str, *, reask: bool = False, usage: Usage | None = None) -> None:
        super().__init__(message)
        self.reask = reask
        self.usage = usage or Usage()


@functools.cache
def _reaskable_errors() -> tuple[type[BaseException], ...]:
    """The parse errors instructor re-asks on (its own list when the layout is the tested one)."""
    try:
        from instructor.v2.core.retry import _RETRYABLE_PARSE_ERRORS

        return tuple(_RETRYABLE_PARSE_ERRORS)
    except ImportError:  # another instructor layout: the two that matter
        from pydantic import ValidationError

        return (ValidationError, json.JSONDecodeError)


class BatchCodec:
    """Request bodies for batch files and validation of their answers, exactly as the live
    backend sends and checks them (instructor builds the body; instructor parses the answer).

    The body of the first request is captured by running the real instructor + openai client
    against a transport that keeps it (nothing leaves the process, no key is used). Later bodies
    reuse that capture with the segment text swapped in (as bytes: a body is built in
    microseconds) — checked once against a second real capture; if instructor ever shaped the text
    differently, every body is captured instead.
    """

    def __init__(self, backend: OpenAIBackend) -> None:
        self.backend = backend
        self.mode = _MODES[backend.config.mode]
        self._template: tuple[bytes, list[dict[str, str]]] | None = None
        self._template_ok: bool | None = None
        self._prepared_model: Any = None
        self.captures = 0  # real client runs (for tests and benchmarks)

    # ---- requests ---------------------------------------------------------------------------
    def _kwargs(self, messages: list[dict[str, str]]) -> dict[str, Any]:
        # the same arguments as OpenAIBackend._call gives instructor (its max_retries is not sent)
        c = self.backend.config
        kwargs: dict[str, Any] = {
            "model": c.model or "",
            "messages": messages,
            "response_model": self.backend._wrapped_model,
            "max_retries": 0,
            "temperature": c.temperature,
            "max_tokens": c.max_tokens,
        }
        if c.seed is not None:
            kwargs["seed"] = c.seed
        return kwargs

    def capture(self, text: str) -> bytes:
        """The body bytes the real instructor + openai client builds for ``text``."""
        transport = _CaptureTransport()
        seen = transport.seen
        token = _current_usage.set(Usage())  # keeps instructor's failed-call log quiet
        try:
            with httpx.Client(transport=transport) as http:
                raw = openai.OpenAI(
                    base_url=self.backend.config.base_url or "https://api.openai.com/v1",
                    api_key=NO_KEY,  # never the real key: nothing is sent
                    max_retries=0,
                    http_client=http,
                )
                client = instructor.from_openai(raw, mode=self.mode)
                try:
                    client.chat.completions.create(**self._kwargs(self.backend.task.messages(text)))
                except Exception:  # the capturing transport always answers 400
                    pass
        finally:
            _current_usage.reset(token)
        self.captures += 1
        if len(seen) != 1:
            raise BackendError(
                f"could not capture the request body instructor builds ({len(seen)} requests); "
                "please report this with your instructor and openai versions"
            )
        return seen[0]

    def _from_template(self, text: str) -> bytes | None:
        if self._template is None:
            body = _json_bytes(json.loads(self.capture(_TEMPLATE_TEXT)))
            self._template = (body, self.backend.task.messages(_TEMPLATE_TEXT))
        filled, marked = self._template
        for m, t in zip(marked, self.backend.task.messages(text), strict=True):
            if m["content"] == t["content"]:
                continue
            # md_json appends its instructions to the text: the marked text is part of a string
            old = _json_string(m["content"])
            if filled.count(old) != 1:
                return None
            filled = filled.replace(old, _json_string(t["content"]))
        return filled

    def body(self, text: str) -> bytes:
        """The exact bytes of the chat-completions body the live backend sends for ``text``."""
        if self._template_ok is None:
            self._template_ok = self._from_template(_PROBE_TEXT) == self.capture(_PROBE_TEXT)
        if self._template_ok:
            filled = self._from_template(text)
            if filled is not None:
                return filled
        return self.capture(text)

    def line(self, custom_id: str, text: str) -> bytes:
        """One batch input line (``vllm run-batch`` reads the same format)."""
        head = _json_bytes({"custom_id": custom_id, "method": "POST", "url": BATCH_ENDPOINT})
        return head[:-1] + b',"body":' + self.body(text) + b"}\n"

    # ---- answers ----------------------------------------------------------------------------
    def _model(self) -> Any:
        if self._prepared_model is None:
            from instructor.processing.response import handle_response_model

            self._prepared_model, _ = handle_response_model(
                self.backend._wrapped_model, mode=self.mode, messages=[]
            )
        return self._prepared_model

    def validate(self, completion_body: dict[str, Any]) -> BaseModel:
        """The answer of one chat completion, validated by instructor's response parser as its
        create() does; raises what it raises (IncompleteOutputException when cut off, one of
        :func:`_reaskable_errors` when it would re-ask, anything else for a broken completion)."""
        from instructor.processing.response import process_response

        completion = _chat_completion(completion_body)
        answer = process_response(
            completion,
            response_model=self._model(),
            stream=False,
            validation_context=None,
            strict=True,  # instructor's default in create()
            mode=self.mode,
        )
        if not isinstance(answer, BaseModel):
            raise TypeError(f"the answer is a {type(answer).__name__}, not the response model")
        return answer

    def parse(self, completion_body: dict[str, Any]) -> tuple[BaseModel, Usage]:
        """Validate one chat completion from a results file as instructor does in a live run.

        Returns the validated answer and its usage; raises :class:`BatchAnswerError`
        (``reask=True`` when instructor would have re-asked).
        """
        usage = Usage(requests=1)
        u = completion_body.get("usage") or {}
        if isinstance(u, dict):
            usage.prompt_tokens = int(u.get("prompt_tokens") or 0)
            usage.completion_tokens = int(u.get("completion_tokens") or 0)
        max_tokens = self.backend.config.max_tokens
        try:
            answer = self.validate(completion_body)
        except IncompleteOutputException:
            raise _cut_off_in_batch(max_tokens, usage) from None
        except _reaskable_errors() as exc:
            if _used_whole_budget(completion_body, max_tokens):
                raise _cut_off_in_batch(max_tokens, usage) from exc
            error = BatchAnswerError(
                f"model answer failed validation: {_short(str(exc))}", reask=True, usage=usage
            )
            error.__cause__ = exc
            raise error from exc
        except Exception as exc:  # an empty or malformed completion
            raise BatchAnswerError(
                f"unusable model answer ({type(exc).__name__}): {_short(str(exc))}", usage=usage
            ) from exc
        return answer, usage

    def reask_body(
        self, body: bytes, completion_body: dict[str, Any], error: BaseException
    ) -> bytes:
        """The body that asks again after ``body`` got ``completion_body``: its messages, the
        model's answer and the validation errors, as instructor's re-ask handler writes them."""
        from instructor.processing.response import handle_reask_kwargs

        request = json.loads(body)
        completion = _chat_completion(completion_body)
        cause = error if isinstance(error, Exception) else Exception(str(error))
        kwargs = handle_reask_kwargs(
            {"messages": list(request["messages"])}, self.mode, completion, cause
        )
        request["messages"] = kwargs["messages"]
        return _json_bytes(request)

    def reask_line(
        self, custom_id: str, text: str, completion_body: dict[str, Any], error: BaseException
    ) -> bytes:
        """A batch line asking again: the original messages, the model's answer and the
        validation errors, in the messages instructor's own re-ask would send."""
        cause = error.__cause__ if isinstance(error.__cause__, Exception) else Exception(str(error))
        body = self.reask_body(self.body(text), completion_body, cause)
        head = _json_bytes({"custom_id": custom_id, "method": "POST", "url": BATCH_ENDPOINT})
        return head[:-1] + b',"body":' + body + b"}\n"

    def store(self, key: str, answer: BaseModel, usage: Usage) -> None:
        """Put a validated answer into the cache in the live backend's value format."""
        if self.backend.cache is not None:
            self.backend.cache.set(
                key, {"drafts": answer.model_dump(mode="json"), "usage": vars(usage)}
            )


# ==== the provider's Files and Batches API ======================================================


class BatchService:
    """Files and Batches through the openai SDK (OpenAI, or any server that offers them).

    Returns plain dicts so callers need not import openai. API faults become
    :class:`ModelUnavailableError` (key, URL, permissions) or :class:`BackendError`.
    """

    def __init__(self, settings: Settings, http_client: httpx.Client | None = None) -> None:
        self.config = settings
        self._client = openai.OpenAI(
            base_url=settings.base_url,
            api_key=settings.secret() or NO_KEY,
            max_retries=2,  # uploads and polls are idempotent enough to retry once or twice
            timeout=max(settings.timeout, 120.0),
            http_client=http_client,
        )

    def _call(self, what: str, fn: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except Exception as exc:
            raise _classify_batch(exc, self.config, what) from None

    def upload(self, path: Any) -> str:
        """Upload a batch input file; its file id."""
        with open(path, "rb") as handle:
            created = self._call(
                f"uploading {path}", self._client.files.create, file=handle, purpose="batch"
            )
        return str(created.id)

    def create(self, input_file_id: str, metadata: dict[str, str], window: str = "24h") -> dict:
        batch = self._call(
            "creating the batch",
            self._client.batches.create,
            input_file_id=input_file_id,
            endpoint=BATCH_ENDPOINT,
            completion_window=window,
            metadata=metadata,
        )
        return dict(batch.model_dump(mode="json"))

    def retrieve(self, batch_id: str) -> dict:
        batch = self._call(f"reading batch {batch_id}", self._client.batches.retrieve, batch_id)
        return dict(batch.model_dump(mode="json"))

    def find(self, input_file_id: str, limit: int = 1000) -> dict | None:
        """The batch created from ``input_file_id`` (to recover an id a crash did not save)."""
        page = self._call("listing batches", self._client.batches.list, limit=100)
        for seen, batch in enumerate(page, start=1):  # the SDK follows the pages
            if batch.input_file_id == input_file_id:
                return dict(batch.model_dump(mode="json"))
            if seen >= limit:
                break
        return None

    def download(self, file_id: str, dest: Any) -> int:
        """Write a file's content to ``dest`` (through a temporary file); its size in bytes."""
        import os

        tmp = f"{dest}.part"
        try:
            with (
                self._client.files.with_streaming_response.content(file_id) as response,
                open(tmp, "wb") as handle,
            ):
                for chunk in response.iter_bytes():
                    handle.write(chunk)
        except Exception as exc:
            raise _classify_batch(exc, self.config, f"downloading file {file_id}") from None
        os.replace(tmp, dest)
        return os.path.getsize(dest)

    def cancel(self, batch_id: str) -> dict:
        batch = self._call(f"cancelling batch {batch_id}", self._client.batches.cancel, batch_id)
        return dict(batch.model_dump(mode="json"))

    def close(self) -> None:
        self._client.close()


def _classify_batch(exc: Exception, c: Settings, what: str) -> Exception:
    where = c.base_url or "api.openai.com"
    if isinstance(exc, openai.AuthenticationError):
        return ModelUnavailableError(
            f"{where} refused the API key (401) while {what}: set OPENAI_API_KEY or EXTRACTOR_API_KEY"
        )
    if isinstance(exc, openai.PermissionDeniedError):
        return ModelUnavailableError(
            f"{where} denied access (403) while {what}: check the key's permissions"
        )
    if isinstance(exc, openai.NotFoundError):
        return BackendError(
            f"not found (404) while {what} at {where}: check the id, and --base-url (it usually "
            "ends in /v1; the server must offer the Files and Batches API)"
        )
    if isinstance(exc, openai.APIConnectionError):
        return ModelUnavailableError(
            f"cannot reach {where} while {what}: is the server running? check --base-url"
        )
    if isinstance(exc, openai.APIStatusError):
        return BackendError(f"the server refused {what} ({exc.status_code}): {_short(exc.message)}")
    if isinstance(exc, OSError):
        return BackendError(f"{what}: {exc}")
    return BackendError(f"{what} failed ({type(exc).__name__}): {_short(str(exc))}")
