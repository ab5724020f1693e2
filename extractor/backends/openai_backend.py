"""The LLM backend: a task's drafts from any OpenAI-compatible endpoint, through instructor.

``instructor.from_openai(AsyncOpenAI(...))`` and its ``create`` send each request, validate the
answer and re-ask (:mod:`extractor.backends.openai_api`). What this module adds:

- the answer cache (:mod:`extractor.backends.cache`; a hit makes no request);
- answers cut off at ``max_tokens`` asked again for the text's two halves (split between
  sentences; a text that is one sentence, as a chunk cut from a long one, between its pieces),
  at most twice;
- each draft validated on its own: a draft that fails is set aside and counted
  (``rejected: invalid``), the document keeps the others.

Reliability is layered and every layer is bounded and counted: no SDK retries; tenacity retries
transport faults under the SDK — 429 (honouring Retry-After), 5xx, timeouts, connection resets,
answers with status 200 that hold no completion — with jittered exponential backoff
(``max_retries``); the model is re-asked with instructor's messages when its answer fails
validation (``max_reasks``); faults no retry can fix (401, 403, unknown model, refused
connection, unknown host) raise :class:`ModelUnavailableError` at once, which stops the run with
one clear line. Usage is summed over every answer (re-asks included).
"""

from __future__ import annotations

from typing import Any

import httpx
from pydantic import BaseModel, ValidationError

from extractor.arabic.sentences import LONG_CLAUSE, Span, sentence_pieces, sentences
from extractor.arabic.textnorm import normalize
from extractor.backends.cache import AnswerCache, cache_key
from extractor.backends.openai_api.client import NO_KEY, CutOff, ModelClient
from extractor.backends.openai_api.faults import DEFAULT_BASE_URL, check_base_url
from extractor.backends.openai_api.requests import BATCH_ENDPOINT, RequestBuilder
from extractor.core.backend import BackendAnswer, SegmentRequest, Usage
from extractor.core.tasks import Task
from extractor.errors import BackendError, ModelUnavailableError
from extractor.settings import Settings

# A request whose answer is cut off is split in two, each half again if need be: at most 4 parts.
_HALVINGS = 2


class OpenAIBackend:
    """Drafts a task's records with a model behind an OpenAI-compatible API.

    ``transport`` is the HTTP seam: an ``httpx`` transport (tests pass an
    ``httpx.MockTransport``) under the SDK's client; by default httpx's own.
    """

    name = "openai"

    def __init__(
        self,
        settings: Settings,
        task: Task,
        *,
        cache: AnswerCache | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        if not settings.model:
            raise ModelUnavailableError("the openai backend needs a model: pass --model")
        check_base_url(settings.base_url)
        self.config = settings
        self.task = task
        self.cache = cache
        self.requests = RequestBuilder(settings, task)
        self.client = ModelClient(settings, self.requests, transport)

    @classmethod
    def from_settings(cls, settings: Settings, task: Task, **kwargs: Any) -> OpenAIBackend:
        """The backend with the cache the settings ask for."""
        cache = None if settings.no_cache else AnswerCache(settings.cache_dir)
        return cls(settings, task, cache=cache, **kwargs)

    @property
    def response_model(self) -> type[BaseModel]:
        return self.requests.response_model

    @response_model.setter
    def response_model(self, model: type[BaseModel]) -> None:
        self.requests.response_model = model

    async def aclose(self) -> None:
        """Close the connections; the next call (maybe on another event loop) opens new ones."""
        await self.client.aclose()

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
            cached = self._cached(hit) if hit is not None else None
            if cached is not None:
                drafts, invalid = cached
                return self._answer(drafts, invalid, Usage(cache_hits=1), key)
        usage = Usage()
        try:
            drafts, invalid = await self._in_halves(request.text, usage, _HALVINGS)
        except BackendError as exc:
            exc.usage = usage  # the tokens of failed attempts are still reported
            raise
        self.store(key, drafts, usage, invalid)
        return self._answer(drafts, invalid, usage, key)

    def store(self, key: str, drafts: list[BaseModel], usage: Usage, invalid: int = 0) -> None:
        """Cache an answer: its drafts (as the task's response model dumps them), its usage and
        how many drafts were set aside."""
        if self.cache is None:
            return
        value: dict[str, Any] = {
            "drafts": {self.task.list_key: [d.model_dump(mode="json") for d in drafts]},
            "usage": vars(usage),
        }
        if invalid:
            value["rejected"] = {"invalid": invalid}
        self.cache.set(key, value)

    def _cached(self, hit: dict[str, Any]) -> tuple[list[BaseModel], int] | None:
        """A cached answer, its drafts validated one by one (the answer for a text asked in
        halves may hold more drafts than one answer may); None when it no longer validates (a
        changed schema): asked again."""
        try:
            items = hit["drafts"][self.task.list_key]
            drafts = [self.task.draft.model_validate(item) for item in items]
            invalid = int((hit.get("rejected") or {}).get("invalid", 0))
        except (KeyError, TypeError, ValueError, AttributeError, ValidationError):
            return None
        return drafts, invalid

    def _answer(
        self, drafts: list[BaseModel], invalid: int, usage: Usage, key: str
    ) -> BackendAnswer:
        return BackendAnswer(
            list(drafts),
            usage,
            cache_key=key,
            model=self.config.model,
            prompt_version=self.task.prompt_version,
            source=self.name,
            rejected={"invalid": invalid} if invalid else {},
        )

    async def _in_halves(
        self, text: str, usage: Usage, halvings: int
    ) -> tuple[list[BaseModel], int]:
        """The drafts for ``text``; when the model's answer is cut off at ``max_tokens``, the
        drafts for its two halves (cut at :func:`middle_break`), joined. A small model lists one
        event in about 120 tokens and sometimes repeats itself until the limit: re-asking would
        quote the cut-off answer back (thousands of tokens, escaped) and overflow the server's
        context."""
        try:
            return await self.client.ask(text, usage)
        except CutOff:
            cut = middle_break(text) if halvings > 0 else None
            if cut is None:
                raise CutOff(self.config.max_tokens, part=halvings < _HALVINGS) from None
        first, bad_first = await self._in_halves(text[:cut], usage, halvings - 1)
        second, bad_second = await self._in_halves(text[cut:], usage, halvings - 1)
        return first + second, bad_first + bad_second


def middle_break(text: str) -> int | None:
    """Where to cut ``text`` in two: the sentence boundary nearest the middle. When that leaves
    less than a quarter of the text on one side (or there is none) because a sentence is longer
    than :data:`~extractor.arabic.sentences.LONG_CLAUSE` and half the text — a chunk cut from a
    sentence longer than ``--chunk-chars``, a page without stops —, that sentence is cut into its
    pieces (:func:`~extractor.arabic.sentences.sentence_pieces`: where a new statement or clause
    starts, else between words) and the boundary nearest the middle is taken among them. None
    when nothing can be cut off (a sentence too short to be a chunk's piece)."""
    spans = sentences(text, 0, len(text))
    best = _nearest_middle(text, spans)
    if best is not None and 4 * min(best, len(text) - best) >= len(text):
        return best
    limit = max(LONG_CLAUSE, (len(text) + 1) // 2)
    if all(s.end - s.start <= limit for s in spans):
        return best
    half = (len(text) + 1) // 2
    units = [
        piece
        for s in spans
        for piece in (sentence_pieces(text, s, half) if s.end - s.start > limit else [s])
    ]
    return _nearest_middle(text, units)


def _nearest_middle(text: str, units: list[Span]) -> int | None:
    inner = [u.start for u in units[1:]]
    return min(inner, key=lambda start: abs(2 * start - len(text))) if inner else None


__all__ = [
    "BATCH_ENDPOINT",
    "DEFAULT_BASE_URL",
    "NO_KEY",
    "OpenAIBackend",
]
