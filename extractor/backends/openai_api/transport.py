"""The HTTP seam: an httpx transport that retries transport faults, bounded and counted.

The openai SDK is built with its own retries off and this transport under its ``http_client``;
below it sits the real transport — aiohttp's through ``httpx_aiohttp``, as in the SDK's own
``DefaultAioHttpClient`` (vcrpy replays it) — or, in tests, an ``httpx.MockTransport``. Retrying here — per HTTP request, under the SDK — means a re-ask is
never restarted from the first message, and instructor only ever sees a usable answer or the
final fault (see :mod:`.faults` for which faults are retried).

Every request (re-asks included) also waits here for the concurrency bound and the client-side
requests- and tokens-per-minute limits.
"""

from __future__ import annotations

import asyncio
import random
from typing import Any

import httpx
from aiolimiter import AsyncLimiter
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception_type, stop_after_attempt

from extractor.backends.openai_api.answers import current_conversation
from extractor.backends.openai_api.faults import RetriesExhausted, Transient, status_fault
from extractor.backends.openai_api.faults import transport_fault as _transport_fault
from extractor.settings import Settings


class RetryingTransport(httpx.AsyncBaseTransport):
    """Sends through ``inner``; retries what :mod:`.faults` calls transient."""

    def __init__(self, inner: httpx.AsyncBaseTransport, settings: Settings) -> None:
        self.inner = inner
        self.config = settings
        self._semaphore = asyncio.Semaphore(settings.concurrency)
        self._rpm = AsyncLimiter(settings.rpm, 60) if settings.rpm else None
        self._tpm = AsyncLimiter(settings.tpm, 60) if settings.tpm else None

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        try:
            # Nearly every request succeeds at once: the first try runs without tenacity's
            # machinery; a transient fault hands over to it as its first failed attempt.
            return await self._once(request)
        except Transient as exc:
            first: list[Transient] = [exc]
        retrying = AsyncRetrying(
            stop=stop_after_attempt(self.config.max_retries + 1),
            wait=self._wait,
            retry=retry_if_exception_type(Transient),
            before_sleep=_count_retry,
            reraise=True,
        )
        try:
            async for attempt in retrying:
                with attempt:
                    if first:
                        raise first.pop()
                    return await self._once(request)
        except Transient as exc:
            raise RetriesExhausted(
                f"model server kept failing after {self.config.max_retries} retries: {exc}"
            ) from None
        raise AssertionError("unreachable")  # pragma: no cover

    async def _once(self, request: httpx.Request) -> httpx.Response:
        await self._limit()
        async with self._semaphore:
            try:
                response = await self.inner.handle_async_request(request)
                content = await response.aread()  # the whole answer (it closes the stream)
            except httpx.TransportError as exc:
                fault = _transport_fault(exc, self.config.timeout)
                if fault is None:
                    raise
                raise fault from exc
        fault = status_fault(response.status_code, response.headers, content)
        if fault is not None:
            raise fault
        return response  # read: the SDK gets its content without another read

    async def _limit(self) -> None:
        if self._rpm is not None:
            await self._rpm.acquire()
        if self._tpm is not None:
            conversation = current_conversation()
            estimate = conversation.estimate if conversation is not None else 0
            await self._tpm.acquire(min(estimate, self._tpm.max_rate))

    def _wait(self, state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        if isinstance(exc, Transient) and exc.retry_after is not None:
            return min(exc.retry_after, self.config.backoff_max)
        # full jitter: uniform in [0, min(cap, 0.5 * 2^attempt)]
        return random.uniform(0, min(self.config.backoff_max, 0.5 * 2**state.attempt_number))

    async def aclose(self) -> None:
        await self.inner.aclose()


def _count_retry(_state: Any) -> None:
    conversation = current_conversation()
    if conversation is not None:
        conversation.usage.retries += 1
