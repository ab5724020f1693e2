"""The LLM backend: instructor over the openai SDK, for any OpenAI-compatible endpoint.

Reliability is layered and every layer is bounded and counted:
- the SDK's own retries are off (``max_retries=0``), so nothing retries behind our back;
- tenacity retries transport faults — 429 (honouring Retry-After), 5xx, timeouts, connection
  resets — with jittered exponential backoff;
- instructor re-asks the model when its answer fails validation (``max_reasks``);
- faults that no retry can fix (401, unknown model, refused connection) raise
  :class:`ModelUnavailableError` at once, which stops the run with one clear line.

Usage is summed over every attempt (re-asks included) through instructor's hooks. Answers are
cached (see :mod:`extractor.backends.cache`). This is the only module that imports openai or instructor.
"""

from __future__ import annotations

import asyncio
import contextvars
import importlib
import json
import logging
import random
import socket
from typing import Any

import httpx
import instructor
import openai
from aiolimiter import AsyncLimiter
from instructor.core import IncompleteOutputException, InstructorRetryException
from pydantic import BaseModel
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception, stop_after_attempt

from extractor.arabic.textnorm import normalize
from extractor.backends.base import BackendAnswer, SegmentRequest, Usage
from extractor.backends.cache import AnswerCache, cache_key
from extractor.core.tasks import Task
from extractor.errors import BackendError, ModelUnavailableError
from extractor.settings import Settings

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
        original = getattr(module, attr)
    except (ImportError, AttributeError):  # another instructor layout: keep its behaviour
        return False
    if getattr(original, "memoized", False):
        return True
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
    return True


class _Transient(Exception):
    """A fault worth retrying; carries how long the server asked us to wait."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class OpenAIBackend:
    """Drafts events with a model behind an OpenAI-compatible API."""

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
        self._http_client = http_client
        self._client: Any = None  # created lazily inside the running event loop
        self._raw: Any = None
        self._semaphore: asyncio.Semaphore | None = None
        self._rpm = AsyncLimiter(settings.rpm, 60) if settings.rpm else None
        self._tpm = AsyncLimiter(settings.tpm, 60) if settings.tpm else None

    @classmethod
    def from_settings(cls, settings: Settings, task: Task, **kwargs: Any) -> OpenAIBackend:
        """The backend with the cache the settings ask for."""
        cache = None if settings.no_cache else AnswerCache(settings.cache_dir)
        return cls(settings, task, cache=cache, **kwargs)

    # ---- plumbing ----------------------------------------------------------------------------
    def _ensure_client(self) -> Any:
        if self._client is None:
            # A pool sized to the concurrency: httpcore scans its pool on every request.
            limit = max(1, self.config.concurrency)
            http_client = self._http_client or httpx.AsyncClient(
                limits=httpx.Limits(max_connections=limit, max_keepalive_connections=limit),
                timeout=self.config.timeout,
            )
            raw = openai.AsyncOpenAI(
                base_url=self.config.base_url,
                api_key=self.config.secret() or NO_KEY,
                max_retries=0,  # tenacity owns retries
                timeout=self.config.timeout,
                http_client=http_client,
            )
            self._raw = raw
            client = instructor.from_openai(raw, mode=_MODES[self.config.mode])
            client.on("completion:response", _count_response)
            client.on("parse:error", _count_reask)
            self._client = client
            self._semaphore = asyncio.Semaphore(self.config.concurrency)
        return self._client

    async def aclose(self) -> None:
        """Close the HTTP client; the next call (maybe on another event loop) opens a new one."""
        if self._client is not None:
            await self._raw.close()
        self._client = None
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
        answer_meta = {
            "cache_key": key,
            "model": self.config.model,
            "prompt_version": self.task.prompt_version,
        }
        if self.cache is not None:
            hit = self.cache.get(key)
            if hit is not None:
                batch = self.response_model.model_validate(hit["drafts"])
                return BackendAnswer(
                    self.task.drafts(batch), Usage(cache_hits=1), source=self.name, **answer_meta
                )
        usage = Usage()
        try:
            batch = await self._call(request.text, usage)
        except BackendError as exc:
            exc.usage = usage  # the tokens of failed attempts are still reported
            raise
        if self.cache is not None:
            self.cache.set(key, {"drafts": batch.model_dump(mode="json"), "usage": vars(usage)})
        return BackendAnswer(self.task.drafts(batch), usage, source=self.name, **answer_meta)

    @property
    def response_model(self) -> type[BaseModel]:
        return self._response_model

    @response_model.setter
    def response_model(self, model: type[BaseModel]) -> None:
        # instructor wraps a plain model in a new schema class on every call, which defeats its
        # own schema cache (JSON schema generation then costs milliseconds per request): wrap once.
        self._response_model = model
        self._wrapped_model = instructor.openai_schema(model)

    async def _call(self, text: str, usage: Usage) -> BaseModel:
        model = self.config.model or ""
        client = self._ensure_client()
        assert self._semaphore is not None
        messages = self.task.messages(text)
        c = self.config
        kwargs: dict[str, Any] = {
            "model": model,
            "messages": messages,
            "response_model": self._wrapped_model,
            "max_retries": c.max_reasks,
            "temperature": c.temperature,
            "max_tokens": c.max_tokens,
        }
        if c.seed is not None:
            kwargs["seed"] = c.seed
        retrying = AsyncRetrying(
            stop=stop_after_attempt(c.max_retries + 1),
            wait=self._wait,
            retry=retry_if_exception(lambda e: isinstance(e, _Transient)),
            before_sleep=lambda _state: _bump_retries(usage),
            reraise=True,
        )
        token = _current_usage.set(usage)
        try:
            async for attempt in retrying:
                with attempt:
                    await self._limit(messages)
                    async with self._semaphore:
                        try:
                            return await client.chat.completions.create(**kwargs)
                        except Exception as exc:  # classified below; nothing escapes unnamed
                            raise _classify(exc, c) from exc
        except _Transient as exc:
            raise BackendError(
                f"model server kept failing after {c.max_retries} retries: {exc}"
            ) from None
        finally:
            _current_usage.reset(token)
        raise BackendError("unreachable")  # pragma: no cover

    async def _limit(self, messages: list[dict[str, str]]) -> None:
        if self._rpm is not None:
            await self._rpm.acquire()
        if self._tpm is not None:
            estimate = sum(len(m["content"]) for m in messages) // 3 + self.config.max_tokens
            await self._tpm.acquire(min(estimate, self._tpm.max_rate))

    def _wait(self, state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        if isinstance(exc, _Transient) and exc.retry_after is not None:
            return min(exc.retry_after, self.config.backoff_max)
        # full jitter: uniform in [0, min(cap, 0.5 * 2^attempt)]
        return random.uniform(0, min(self.config.backoff_max, 0.5 * 2**state.attempt_number))


def _bump_retries(usage: Usage) -> None:
    usage.retries += 1


def _count_response(response: Any) -> None:
    usage = _current_usage.get()
    if usage is None:
        return
    usage.requests += 1
    u = getattr(response, "usage", None)
    if u is not None:
        usage.prompt_tokens += int(getattr(u, "prompt_tokens", 0) or 0)
        usage.completion_tokens += int(getattr(u, "completion_tokens", 0) or 0)


def _count_reask(*_args: Any, **kwargs: Any) -> None:
    usage = _current_usage.get()
    if usage is not None and not kwargs.get("is_last_attempt", False):
        usage.reasks += 1


def _retry_after(response: httpx.Response | None) -> float | None:
    if response is None:
        return None
    value = response.headers.get("retry-after")
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


def _classify(exc: Exception, c: Settings) -> Exception:
    """Turn an SDK/instructor error into: _Transient (retry), BackendError (this document
    fails) or ModelUnavailableError (the run stops)."""
    where = c.base_url or "api.openai.com"
    if isinstance(exc, InstructorRetryException):
        cause = exc.__cause__
        if isinstance(cause, Exception) and isinstance(cause, openai.APIError):
            return _classify(cause, c)
        return BackendError(
            f"model answer failed validation after {exc.n_attempts} attempt(s): "
            f"{_short(str(cause or exc))}"
        )
    if isinstance(exc, IncompleteOutputException):
        return BackendError(
            f"model output was cut off at max_tokens={c.max_tokens}; raise --max-tokens"
        )
    if isinstance(exc, openai.AuthenticationError):
        return ModelUnavailableError(
            f"{where} refused the API key (401): set OPENAI_API_KEY or EXTRACTOR_API_KEY to a valid key"
        )
    if isinstance(exc, openai.PermissionDeniedError):
        return ModelUnavailableError(
            f"{where} denied access (403): check the key's permissions for model {c.model!r}"
        )
    if isinstance(exc, openai.NotFoundError):
        return ModelUnavailableError(
            f"model {c.model!r} or the endpoint was not found at {where} (404): "
            "check --model and --base-url (it usually ends in /v1)"
        )
    if isinstance(exc, openai.RateLimitError):
        return _Transient("rate limited (429)", _retry_after(exc.response))
    if isinstance(exc, openai.InternalServerError):
        return _Transient(f"server error ({exc.status_code})", _retry_after(exc.response))
    if isinstance(exc, openai.APITimeoutError):
        return _Transient(f"no answer within {c.timeout:g} s")
    if isinstance(exc, openai.APIConnectionError):
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
            "name or service not known" in str(e).lower()
            or "nodename nor servname" in str(e).lower()
            for e in chain
        ):
            return ModelUnavailableError(f"cannot resolve the host of {where}: check --base-url")
        return _Transient(f"connection problem: {type(chain[-1]).__name__}")
    if isinstance(exc, openai.APIStatusError):
        if exc.status_code >= 500:
            return _Transient(f"server error ({exc.status_code})", _retry_after(exc.response))
        return BackendError(
            f"the model server rejected the request ({exc.status_code}): {_short(exc.message)}"
        )
    if isinstance(
        exc, (json.JSONDecodeError, ValueError, IndexError, KeyError, TypeError, AttributeError)
    ):
        return BackendError(f"unusable model answer ({type(exc).__name__}): {_short(str(exc))}")
    return BackendError(f"model call failed ({type(exc).__name__}): {_short(str(exc))}")


def _short(text: str, limit: int = 300) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
