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


def _damaged(folder: Path, exc: BaseException) -> str:
    return (
        f"cannot use the cache at {folder} ({type(exc).__name__}: {exc}); remove that folder "
        "(it only holds answers that can be asked again), or use --cache-dir or --no-cache"
    )


class AnswerCache:
    """A small typed front of diskcache.Cache."""

    def __init__(self, folder: Path) -> None:
        try:
            self._cache = diskcache.Cache(
                str(folder), size_limit=2**32, eviction_policy="least-recently-stored"
            )
        except Exception as exc:  # diskcache raises sqlite/OS errors of several kinds
            raise ConfigError(_damaged(folder, exc)) from exc
        self.folder = folder

    def get(self, key: str) -> dict[str, Any] | None:
        value = self._cache.get(key)
        return value if isinstance(value, dict) else None

    def set(self, key: str, value: dict[str, Any]) -> None:
        self._cache.set(key, value)

    def stats(self) -> dict[str, Any]:
        try:
            return {
                "folder": str(self.folder),
                "entries": len(self._cache),
                "bytes": self._cache.volume(),
            }
        except Exception as exc:  # sqlite3.DatabaseError and kin: a damaged cache
            raise ConfigError(_damaged(self.folder, exc)) from exc

    def clear(self) -> int:
        try:
            return int(self._cache.clear())
        except Exception as exc:
            raise ConfigError(_damaged(self.folder, exc)) from exc

    def close(self) -> None:
        self._cache.close()
