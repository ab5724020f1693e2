"""The model client: ``instructor.from_openai(AsyncOpenAI(...))`` and one ``create`` per request.

instructor sends the request, validates the answer (draft by draft, see :mod:`.answers`) and
re-asks with its own messages; its hooks sum the usage of every answer, re-asks included. The
SDK's retries are off: transport faults are retried under it, by :mod:`.transport`. Re-asks are
bounded by ``max_reasks``; an answer cut off at ``max_tokens`` is never re-asked (quoting it back
would overflow the context) — :class:`CutOff` lets the backend ask for the text's halves.
"""

from __future__ import annotations

import asyncio
import functools
import json
import ssl
from typing import Any

import httpx
import instructor
import openai
from instructor.core import (
    AsyncValidationError,
    IncompleteOutputException,
    InstructorRetryException,
    ResponseParsingError,
)
from pydantic import BaseModel, ValidationError
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception, stop_after_attempt

from extractor.backends.openai_api.answers import Conversation, current_conversation, enter, leave
from extractor.backends.openai_api.faults import DEFAULT_BASE_URL, classify, short
from extractor.backends.openai_api.requests import RequestBuilder
from extractor.backends.openai_api.transport import RetryingTransport
from extractor.core.backend import Usage
from extractor.errors import BackendError, ModelUnavailableError
from extractor.settings import Settings

NO_KEY = "sk-no-key-required"  # local servers need no key, but the SDK insists on one
# what instructor re-asks on: a parse or validation failure of an answer that came back
REASKABLE = (ValidationError, json.JSONDecodeError, ResponseParsingError, AsyncValidationError)


class CutOff(BackendError):
    """The answer was cut off at ``max_tokens``."""

    def __init__(self, max_tokens: int, *, part: bool = False) -> None:
        where = " (even for a part of the text)" if part else ""
        super().__init__(
            f"model output was cut off at max_tokens={max_tokens}{where}; "
            "raise --max-tokens or lower --chunk-chars"
        )


def used_whole_budget(usage: Any, max_tokens: int) -> bool:
    """Some servers (llama-cpp-python) say "tool_calls", not "length", when they cut off."""
    if isinstance(usage, dict):
        tokens = usage.get("completion_tokens")
    else:
        tokens = getattr(usage, "completion_tokens", None)
    return int(tokens or 0) >= max_tokens


@functools.cache
def ssl_context() -> ssl.SSLContext:
    """One TLS context per process: building one reads the CA bundle (~25 ms)."""
    return httpx.create_ssl_context()


def default_transport(connections: int) -> httpx.AsyncBaseTransport:
    """aiohttp under the SDK's httpx client, as the SDK's own ``DefaultAioHttpClient`` does: it
    costs about half the client CPU per request of httpx's pool (bench/README.md); httpx's own
    transport where httpx-aiohttp is not installed."""
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    try:
        from httpx_aiohttp import AiohttpTransport
    except ImportError:  # pragma: no cover - installed with openai[aiohttp]
        return httpx.AsyncHTTPTransport(limits=limits, verify=ssl_context())
    return AiohttpTransport(limits=limits, verify=ssl_context())


class ModelClient:
    """Asks a model for a task's drafts; one SDK client per event loop."""

    def __init__(
        self,
        settings: Settings,
        requests: RequestBuilder,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.config = settings
        self.requests = requests
        self._given_transport = transport  # the seam: tests pass an httpx.MockTransport
        self._client: instructor.AsyncInstructor | None = None
        self._raw: openai.AsyncOpenAI | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._busy = 0  # asks in flight on this loop's client
        self._close_when_idle = False

    def _ensure(self) -> instructor.AsyncInstructor:
        loop = asyncio.get_running_loop()
        if self._client is not None and self._loop is loop:
            return self._client
        # first use, or a caller that ran us on another loop without aclose(): that loop's
        # connections cannot serve this one, so this loop gets its own client
        c = self.config
        inner = self._given_transport or default_transport(c.concurrency)
        http = httpx.AsyncClient(transport=RetryingTransport(inner, c), follow_redirects=True)
        self._raw = openai.AsyncOpenAI(
            base_url=c.base_url or DEFAULT_BASE_URL,
            api_key=c.secret() or NO_KEY,
            max_retries=0,  # transport faults are retried below the SDK, bounded and counted
            timeout=c.timeout,
            http_client=http,
        )
        client = instructor.from_openai(self._raw, mode=self.requests.mode)
        client.on("completion:response", _count_answer)
        self._client, self._loop = client, loop
        return client

    async def aclose(self) -> None:
        """Close the connections; while asks are in flight on this loop (a notebook awaiting
        several ``aextract`` calls at once, each closing when it ends), once the last is done."""
        if self._busy and self._loop is asyncio.get_running_loop():
            self._close_when_idle = True
            return
        if self._raw is not None and self._loop is asyncio.get_running_loop():
            await self._raw.close()
        self._client = self._raw = self._loop = None
        self._close_when_idle = False  # asks in flight on another loop still count themselves out

    async def ask(self, text: str, usage: Usage) -> tuple[list[BaseModel], int]:
        """The valid drafts of the model's answer for ``text`` and how many were set aside."""
        client = self._ensure()
        c = self.config
        conversation = Conversation(usage, c.max_reasks)
        if c.tpm:
            conversation.estimate = self.requests.estimate(text)
        reasking = AsyncRetrying(
            stop=stop_after_attempt(c.max_reasks + 1),
            retry=retry_if_exception(functools.partial(_reaskable, conversation, c.max_tokens)),
            before_sleep=_count_reask,
            reraise=True,
        )
        token = enter(conversation)
        self._busy += 1
        try:
            answer = await client.chat.completions.create(
                **self.requests.create_kwargs(text), max_retries=reasking
            )
        except IncompleteOutputException:
            raise CutOff(c.max_tokens) from None
        except Exception as exc:
            if conversation.cut_off:
                raise CutOff(c.max_tokens) from None
            failure = _failure(exc, c)
            # an earlier answer's valid drafts outlive a broken re-ask, not an unusable server
            if conversation.earlier and not isinstance(failure, ModelUnavailableError):
                return conversation.earlier, conversation.earlier_invalid
            raise failure from exc
        finally:
            leave(token)
            self._busy -= 1
            if self._close_when_idle and not self._busy:
                await self.aclose()
        return answer.drafts, answer.invalid


def _reaskable(conversation: Conversation, max_tokens: int, exc: BaseException) -> bool:
    if not isinstance(exc, REASKABLE):
        return False
    last = conversation.last_completion
    if last is not None and used_whole_budget(getattr(last, "usage", None), max_tokens):
        conversation.cut_off = True  # a runaway answer: asked again in halves, not re-asked
        return False
    return True


def _count_reask(_state: RetryCallState) -> None:
    conversation = current_conversation()
    if conversation is not None:
        conversation.reasks += 1
        conversation.usage.reasks += 1


def _count_answer(response: Any) -> None:
    """instructor's ``completion:response`` hook: every answer that came back, re-asks
    included, counts as a request and adds its tokens."""
    conversation = current_conversation()
    if conversation is None:
        return
    conversation.last_completion = response
    usage = conversation.usage
    usage.requests += 1
    u = getattr(response, "usage", None)
    if u is not None:
        usage.prompt_tokens += int(getattr(u, "prompt_tokens", 0) or 0)
        usage.completion_tokens += int(getattr(u, "completion_tokens", 0) or 0)


def _failure(exc: Exception, c: Settings) -> BackendError:
    """A failed ``create`` as one clear error."""
    if isinstance(exc, InstructorRetryException):
        cause = exc.__cause__
        if isinstance(cause, (ValidationError, json.JSONDecodeError, AsyncValidationError)):
            return BackendError(
                f"model answer failed validation after {exc.n_attempts} attempt(s): "
                f"{short(str(cause))}"
            )
        if isinstance(cause, ResponseParsingError):
            return BackendError(f"unusable model answer: {short(str(cause))}")
    return classify(exc, c)
