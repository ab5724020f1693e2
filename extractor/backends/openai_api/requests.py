"""Request building: what is asked for a text, shared by the live path and batch files.

:meth:`RequestBuilder.create_kwargs` are the arguments of instructor's ``create`` for a text
(model, messages, sampling, the answer model); the live client passes them to ``create``, and
:meth:`RequestBuilder.body` turns the same arguments into the chat-completions body with
instructor's public request preparation (``handle_response_model``, the step ``create`` runs
before it calls the SDK). tests/test_batch.py checks that a batch body equals what ``run``
sends.
"""

from __future__ import annotations

import json
from typing import Any

import instructor
from instructor.processing import handle_response_model
from pydantic import BaseModel

from extractor.backends.openai_api.answers import AnswerModel, answer_model
from extractor.core.record_builder import field_specs
from extractor.core.tasks import Task
from extractor.errors import ModelUnavailableError
from extractor.settings import Settings

MODES = {
    "tools": instructor.Mode.TOOLS,
    "json_schema": instructor.Mode.JSON_SCHEMA,
    "md_json": instructor.Mode.MD_JSON,
}
BATCH_ENDPOINT = "/v1/chat/completions"


class RequestBuilder:
    """The requests of one task under one set of settings."""

    def __init__(
        self, settings: Settings, task: Task, response_model: type[BaseModel] | None = None
    ) -> None:
        if settings.mode not in MODES:
            raise ModelUnavailableError(
                f"unknown mode {settings.mode!r}: use tools, json_schema or md_json"
            )
        self.config = settings
        self.task = task
        self.mode = MODES[settings.mode]
        self.response_model = response_model or task.response_model

    @property
    def response_model(self) -> type[BaseModel]:
        """The task's response model (a test may swap in a stricter one)."""
        return self._response_model

    @response_model.setter
    def response_model(self, model: type[BaseModel]) -> None:
        item = model.model_fields[self.task.list_key].annotation
        draft = getattr(item, "__args__", (self.task.draft,))[0]
        quotes = [s.name for s in field_specs(draft) if s.kind == "quote"]
        self._response_model = model
        # wrapped once: instructor would wrap a plain model anew on every call, which defeats
        # its schema cache (the schema then costs milliseconds per request)
        self.answer_model: type[AnswerModel] = instructor.openai_schema(
            answer_model(model, self.task.list_key, quotes[0] if len(quotes) == 1 else None)
        )

    def create_kwargs(self, text: str) -> dict[str, Any]:
        """instructor ``create`` arguments asking for the drafts in ``text``."""
        c = self.config
        kwargs: dict[str, Any] = {
            "model": c.model or "",
            "messages": self.task.messages(text),
            "response_model": self.answer_model,
            "temperature": c.temperature,
            "max_tokens": c.max_tokens,
        }
        if c.seed is not None:
            kwargs["seed"] = c.seed
        return kwargs

    def body(self, text: str) -> dict[str, Any]:
        """The chat-completions body the live client sends for ``text``."""
        kwargs = self.create_kwargs(text)
        model = kwargs.pop("response_model")
        _, body = handle_response_model(model, mode=self.mode, **kwargs)
        return body

    def estimate(self, text: str) -> int:
        """Tokens a request for ``text`` may cost (about 3 characters a token, plus the answer's
        budget), for the tokens-per-minute limit."""
        chars = sum(len(m["content"]) for m in self.task.messages(text))
        return chars // 3 + self.config.max_tokens


def json_bytes(obj: Any) -> bytes:
    """Compact UTF-8 JSON (Arabic stays readable in batch files)."""
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode(
        "utf-8"
    )


def batch_line(custom_id: str, body: dict[str, Any]) -> bytes:
    """One batch input line (OpenAI Batch API; ``vllm run-batch`` reads the same format)."""
    line = {"custom_id": custom_id, "method": "POST", "url": BATCH_ENDPOINT, "body": body}
    return json_bytes(line) + b"\n"
