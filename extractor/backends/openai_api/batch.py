"""Batch files (OpenAI Batch API, ``vllm run-batch``): request lines built by the live path's
request builder, answers checked by the live path's answer model, and the provider's Files and
Batches API through the SDK."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

import httpx
import openai
from instructor.core import IncompleteOutputException
from instructor.processing import handle_reask_kwargs, process_response
from openai.types.chat import ChatCompletion
from pydantic import ValidationError

from extractor.backends.openai_api.answers import AnswerModel
from extractor.backends.openai_api.client import NO_KEY, REASKABLE, used_whole_budget
from extractor.backends.openai_api.faults import DEFAULT_BASE_URL, short
from extractor.backends.openai_api.requests import BATCH_ENDPOINT, batch_line
from extractor.core.backend import Usage
from extractor.errors import BackendError, ModelUnavailableError
from extractor.settings import Settings

if TYPE_CHECKING:
    from extractor.backends.openai_backend import OpenAIBackend


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


def _chat_completion(body: dict[str, Any]) -> ChatCompletion:
    """The SDK's response object for a completion body (validated; else built as the SDK builds
    it, for servers off the spec)."""
    try:
        return ChatCompletion.model_validate(body)
    except ValidationError:
        return ChatCompletion.construct(**body)


class BatchCodec:
    """Request lines and answers of batch files, exactly as the live backend builds and checks
    them: the lines come from its request builder, the answers go through its answer model (a
    draft that fails is set aside and counted, as in a live run's last answer)."""

    def __init__(self, backend: OpenAIBackend) -> None:
        self.backend = backend
        self.requests = backend.requests

    # ---- requests ---------------------------------------------------------------------------
    def body(self, text: str) -> dict[str, Any]:
        """The chat-completions body the live backend sends for ``text``."""
        return self.requests.body(text)

    def line(self, custom_id: str, text: str) -> bytes:
        """One batch input line (``vllm run-batch`` reads the same format)."""
        return batch_line(custom_id, self.body(text))

    # ---- answers ----------------------------------------------------------------------------
    def validate(self, completion_body: dict[str, Any]) -> AnswerModel:
        """The answer of one chat completion, checked as a live run checks its last answer."""
        answer = process_response(
            _chat_completion(completion_body),
            response_model=self.requests.answer_model,
            stream=False,
            validation_context=None,
            strict=True,  # instructor's default in create()
            mode=self.requests.mode,
        )
        if not isinstance(answer, AnswerModel):
            raise TypeError(f"the answer is a {type(answer).__name__}, not the answer model")
        return answer

    def parse(self, completion_body: dict[str, Any]) -> tuple[AnswerModel, Usage]:
        """Validate one chat completion from a results file; its answer and usage, or
        :class:`BatchAnswerError` (``reask=True`` when instructor would have re-asked)."""
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
        except REASKABLE as exc:
            if used_whole_budget(completion_body.get("usage"), max_tokens):
                raise _cut_off_in_batch(max_tokens, usage) from exc
            error = BatchAnswerError(
                f"model answer failed validation: {short(str(exc))}", reask=True, usage=usage
            )
            error.__cause__ = exc
            raise error from exc
        except Exception as exc:  # an empty or malformed completion
            raise BatchAnswerError(
                f"unusable model answer ({type(exc).__name__}): {short(str(exc))}", usage=usage
            ) from exc
        return answer, usage

    def reask_body(
        self, body: dict[str, Any], completion_body: dict[str, Any], error: BaseException
    ) -> dict[str, Any]:
        """The body that asks again after ``body`` got ``completion_body``: its messages, the
        model's answer and the validation errors, as instructor's re-ask handler writes them."""
        cause = error if isinstance(error, Exception) else Exception(str(error))
        kwargs = handle_reask_kwargs(
            {"messages": list(body["messages"])},
            self.requests.mode,
            _chat_completion(completion_body),
            cause,
        )
        return {**body, "messages": kwargs["messages"]}

    def reask_line(
        self, custom_id: str, text: str, completion_body: dict[str, Any], error: BaseException
    ) -> bytes:
        """A batch line asking again: the original messages, the model's answer and the
        validation errors, in the messages instructor's own re-ask would send."""
        cause = error.__cause__ if isinstance(error.__cause__, Exception) else Exception(str(error))
        return batch_line(custom_id, self.reask_body(self.body(text), completion_body, cause))

    def store(self, key: str, answer: AnswerModel, usage: Usage) -> None:
        """Put a validated answer into the cache in the live backend's value format."""
        self.backend.store(key, answer.drafts, usage, answer.invalid)


def _cut_off_in_batch(max_tokens: int, usage: Usage) -> BatchAnswerError:
    return BatchAnswerError(
        f"model output was cut off at max_tokens={max_tokens} (a re-ask would quote it back "
        "and overflow the context): `extractor run` on this document asks the text's halves, "
        "or raise --max-tokens / lower --chunk-chars and prepare the batch again",
        usage=usage,
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
            base_url=settings.base_url or DEFAULT_BASE_URL,
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

    def create(
        self, input_file_id: str, metadata: dict[str, str], window: str = "24h"
    ) -> dict[str, Any]:
        batch = self._call(
            "creating the batch",
            self._client.batches.create,
            input_file_id=input_file_id,
            endpoint=BATCH_ENDPOINT,
            completion_window=window,
            metadata=metadata,
        )
        return dict(batch.model_dump(mode="json"))

    def retrieve(self, batch_id: str) -> dict[str, Any]:
        batch = self._call(f"reading batch {batch_id}", self._client.batches.retrieve, batch_id)
        return dict(batch.model_dump(mode="json"))

    def find(self, input_file_id: str, limit: int = 1000) -> dict[str, Any] | None:
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

    def cancel(self, batch_id: str) -> dict[str, Any]:
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
        return BackendError(f"the server refused {what} ({exc.status_code}): {short(exc.message)}")
    if isinstance(exc, OSError):
        return BackendError(f"{what}: {exc}")
    return BackendError(f"{what} failed ({type(exc).__name__}): {short(str(exc))}")


__all__ = ["BatchAnswerError", "BatchCodec", "BatchService"]
