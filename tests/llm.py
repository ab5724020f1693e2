"""Helpers for tests of the openai backend (cassettes, the transport seam, the fault server)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from extractor.backends.cache import AnswerCache
from extractor.backends.openai_backend import OpenAIBackend
from extractor.events.task import events_task
from extractor.settings import Settings

# The llama-cpp-python server the cassettes were recorded from (see `make record`).
RECORD_BASE_URL = "http://127.0.0.1:8765/v1"
RECORD_MODEL = "qwen2.5-coder-1.5b-instruct"


def recorded_backend(cache_dir: Path | None = None, **overrides) -> OpenAIBackend:
    """A backend pointed at the recording server, failing fast: no transport retries."""
    values = {
        "api_key": None,
        "model": RECORD_MODEL,
        "max_retries": 0,
        "max_reasks": 1,
        "timeout": 600,
        "concurrency": 1,
        "max_tokens": 1024,
    }
    values.update(overrides)
    settings = Settings(base_url=RECORD_BASE_URL, **values)
    return OpenAIBackend(
        settings, events_task(), cache=AnswerCache(cache_dir) if cache_dir else None
    )


def fault_backend(base_url: str, cache_dir: Path | None = None, **overrides) -> OpenAIBackend:
    defaults = {
        "api_key": "sk-test-not-a-real-key",
        "model": "mock-model",
        "timeout": 2.0,
        "max_retries": 3,
        "max_reasks": 1,
        "backoff_max": 0.01,
        "concurrency": 8,
    }
    defaults.update(overrides)
    settings = Settings(base_url=base_url, **defaults)
    return OpenAIBackend(
        settings, events_task(), cache=AnswerCache(cache_dir) if cache_dir else None
    )


MOCK_BASE_URL = "http://model.test/v1"  # never resolved: the mock transport answers


def mock_backend(
    handler: Callable[[httpx.Request], httpx.Response], cache_dir: Path | None = None, **overrides
) -> OpenAIBackend:
    """A backend whose HTTP goes to ``handler`` through the transport seam (no socket)."""
    defaults = {
        "api_key": "sk-test-not-a-real-key",
        "model": "mock-model",
        "max_retries": 2,
        "max_reasks": 1,
        "backoff_max": 0.001,
    }
    defaults.update(overrides)
    settings = Settings(base_url=MOCK_BASE_URL, **defaults)
    return OpenAIBackend(
        settings,
        events_task(),
        cache=AnswerCache(cache_dir) if cache_dir else None,
        transport=httpx.MockTransport(handler),
    )


def tool_answer(request: httpx.Request, arguments: dict[str, Any]) -> httpx.Response:
    """A chat completion calling the request's tool with ``arguments`` (as llama-cpp-python and
    OpenAI answer in tools mode)."""
    body = json.loads(request.content)
    name = body["tools"][0]["function"]["name"]
    call = {
        "id": f"call_{len(body['messages'])}",
        "type": "function",
        "function": {"name": name, "arguments": json.dumps(arguments, ensure_ascii=False)},
    }
    completion = {
        "id": "chatcmpl-test",
        "object": "chat.completion",
        "created": 0,
        "model": body["model"],
        "choices": [
            {
                "index": 0,
                "finish_reason": "tool_calls",
                "message": {"role": "assistant", "content": None, "tool_calls": [call]},
            }
        ],
        "usage": {"prompt_tokens": 100, "completion_tokens": 20, "total_tokens": 120},
    }
    return httpx.Response(200, json=completion)


# The local fault server listens on 127.0.0.1: let those tests through the network block.
local_network = pytest.mark.block_network(allowed_hosts=["127.0.0.1"])
