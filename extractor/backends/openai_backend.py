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
        if self.cache is not None:
            hit = self.cache.get(key)
            if hit is not None:
                batch = self.response_model.model_validate(hit["drafts"])
                return self._answer(batch, Usage(cache_hits=1), key)
        usage = Usage()
        try:
            batch = await self._call(request.text, usage)
        except BackendError as exc:
            exc.usage = usage  # the tokens of failed attempts are still reported
            raise
        if self.cache is not None:
            self.cache.set(key, {"drafts": batch.model_dump(mode="json"), "usage": vars(usage)})
        return self._answer(batch, usage, key)

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


# ==== batch files: OpenAI Batch API and `vllm run-batch` =========================================
# Used by extractor.run.batch. Self-contained: nothing above calls it, so the live HTTP path can
# change freely; tests/test_batch.py checks that a prepared body equals what `run` sends.

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


def _replace_strings(node: Any, mapping: dict[str, str], hits: list[int]) -> Any:
    if isinstance(node, str):
        for marked, text in mapping.items():  # md_json appends its instructions to the text
            if marked in node:
                hits[0] += node.count(marked)
                node = node.replace(marked, text)
        return node
    if isinstance(node, dict):
        return {k: _replace_strings(v, mapping, hits) for k, v in node.items()}
    if isinstance(node, list):
        return [_replace_strings(v, mapping, hits) for v in node]
    return node


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
    against an ``httpx.MockTransport`` (nothing leaves the process, no key is used). Later bodies
    reuse that capture with the segment text swapped in — checked once against a second real
    capture; if instructor ever shaped the text differently, every body is captured instead.
    """

    def __init__(self, backend: OpenAIBackend) -> None:
        self.backend = backend
        self.mode = _MODES[backend.config.mode]
        self._template: tuple[dict[str, Any], list[dict[str, str]]] | None = None
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
        seen: list[bytes] = []

        def handler(request: httpx.Request) -> httpx.Response:
            seen.append(request.content)
            return httpx.Response(
                400, json={"error": {"message": "captured", "type": "invalid_request_error"}}
            )

        token = _current_usage.set(Usage())  # keeps instructor's failed-call log quiet
        try:
            with httpx.Client(transport=httpx.MockTransport(handler)) as http:
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
            body = json.loads(self.capture(_TEMPLATE_TEXT))
            self._template = (body, self.backend.task.messages(_TEMPLATE_TEXT))
        body, marked = self._template
        mapping = {
            m["content"]: t["content"]
            for m, t in zip(marked, self.backend.task.messages(text), strict=True)
            if m["content"] != t["content"]
        }
        hits = [0]
        filled = _replace_strings(body, mapping, hits)
        return _json_bytes(filled) if hits[0] == len(mapping) else None

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

    def parse(self, completion_body: dict[str, Any]) -> tuple[BaseModel, Usage]:
        """Validate one chat completion from a results file as instructor does in a live run.

        Returns the validated answer and its usage; raises :class:`BatchAnswerError`
        (``reask=True`` when instructor would have re-asked).
        """
        from instructor.processing.response import process_response
        from openai.types.chat import ChatCompletion

        completion = ChatCompletion.construct(**completion_body)  # as the SDK builds responses
        usage = Usage(requests=1)
        u = completion_body.get("usage") or {}
        if isinstance(u, dict):
            usage.prompt_tokens = int(u.get("prompt_tokens") or 0)
            usage.completion_tokens = int(u.get("completion_tokens") or 0)
        try:
            answer = process_response(
                completion,
                response_model=self._model(),
                stream=False,
                validation_context=None,
                strict=True,  # instructor's default in the live path
                mode=self.mode,
            )
        except IncompleteOutputException:
            raise BatchAnswerError(
                f"model output was cut off at max_tokens={self.backend.config.max_tokens}; "
                "raise --max-tokens and prepare the batch again",
                usage=usage,
            ) from None
        except _reaskable_errors() as exc:
            error = BatchAnswerError(
                f"model answer failed validation: {_short(str(exc))}", reask=True, usage=usage
            )
            error.__cause__ = exc
            raise error from exc
        except Exception as exc:  # an empty or malformed completion
            raise BatchAnswerError(
                f"unusable model answer ({type(exc).__name__}): {_short(str(exc))}", usage=usage
            ) from exc
        if not isinstance(answer, BaseModel):
            raise BatchAnswerError(f"unusable model answer ({type(answer).__name__})", usage=usage)
        return answer, usage

    def reask_line(
        self, custom_id: str, text: str, completion_body: dict[str, Any], error: BaseException
    ) -> bytes:
        """A batch line asking again: the original messages, the model's answer and the
        validation errors, in the messages instructor's own re-ask would send."""
        from instructor.processing.response import handle_reask_kwargs
        from openai.types.chat import ChatCompletion

        body = json.loads(self.body(text))
        completion = ChatCompletion.construct(**completion_body)
        cause = error.__cause__ if isinstance(error.__cause__, Exception) else Exception(str(error))
        kwargs = handle_reask_kwargs(
            {"messages": list(body["messages"])}, self.mode, completion, cause
        )
        body["messages"] = kwargs["messages"]
        head = _json_bytes({"custom_id": custom_id, "method": "POST", "url": BATCH_ENDPOINT})
        return head[:-1] + b',"body":' + _json_bytes(body) + b"}\n"

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
