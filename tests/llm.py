"""Helpers for tests of the openai backend (cassettes and the local fault server)."""

from __future__ import annotations

from pathlib import Path

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


# The local fault server listens on 127.0.0.1: let those tests through the network block.
local_network = pytest.mark.block_network(allowed_hosts=["127.0.0.1"])
