"""The answer cache: diskcache, keyed on everything that shapes a model's answer.

Key = sha256 of canonical JSON of {base_url, model, mode, temperature, seed, max_tokens, prompt
hash, schema hash, normalized segment text}. Never the API key. The value is the validated
draft batch and the usage of the call that produced it. diskcache (SQLite) is process-safe, so
two runs may share one cache folder.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import diskcache

from extractor.errors import ConfigError


def cache_key(parts: dict[str, Any]) -> str:
    """sha256 of the canonical JSON of ``parts`` (sorted keys, no whitespace, UTF-8)."""
    canonical = json.dumps(parts, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


class AnswerCache:
    """A small typed front of diskcache.Cache."""

    def __init__(self, folder: Path) -> None:
        try:
            self._cache = diskcache.Cache(
                str(folder), size_limit=2**32, eviction_policy="least-recently-stored"
            )
        except Exception as exc:  # diskcache raises sqlite/OS errors of several kinds
            raise ConfigError(
                f"cannot open the cache at {folder}: {exc}; use --cache-dir or --no-cache"
            ) from exc
        self.folder = folder

    def get(self, key: str) -> dict[str, Any] | None:
        value = self._cache.get(key)
        return value if isinstance(value, dict) else None

    def set(self, key: str, value: dict[str, Any]) -> None:
        self._cache.set(key, value)

    def stats(self) -> dict[str, Any]:
        return {
            "folder": str(self.folder),
            "entries": len(self._cache),
            "bytes": self._cache.volume(),
        }

    def clear(self) -> int:
        return int(self._cache.clear())

    def close(self) -> None:
        self._cache.close()
