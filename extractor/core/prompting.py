"""Prompt templates (Jinja2, in ``prompts/``): loading, rendering and their version hash.

A task's system prompt is either its own template file or its instructions placed in the shipped
``task.system.j2``; every task shares ``user.j2`` (the article segment between markers). The hash
of everything that shapes the messages goes into the cache key and into every record's
provenance, so editing a prompt never reuses old answers.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any

import jinja2

from extractor.errors import ConfigError
from extractor.resources import prompts_dir

_VERSION = re.compile(r"version:\s*([\w.\-]+)")
_ENV = jinja2.Environment(
    undefined=jinja2.StrictUndefined, autoescape=False, keep_trailing_newline=False
)


@lru_cache(maxsize=64)
def _compiled(source: str) -> jinja2.Template:
    """Templates are compiled once, not per request."""
    return _ENV.from_string(source)


def default_prompts_dir() -> Path:
    """The shipped templates: ``extractor/prompts`` in an installed package, the repository's
    ``prompts/`` in a source checkout."""
    folder = prompts_dir()
    if not folder.is_dir():
        raise ConfigError(
            "prompt templates not found: set EXTRACTOR_PROMPTS_DIR to the prompts/ folder"
        )
    return folder


def read_template(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read prompt template {path}: {exc.strerror}") from exc


@dataclass(frozen=True)
class PromptTemplate:
    """A task's system and user templates and the values they are rendered with."""

    name: str
    system_source: str
    user_source: str
    context: dict[str, Any] = field(default_factory=dict)  # JSON-able values for the system

    @property
    def hash(self) -> str:
        context = json.dumps(self.context, sort_keys=True, ensure_ascii=False, default=str)
        payload = "\x00".join((self.system_source, self.user_source, context))
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()

    @property
    def version(self) -> str:
        """Human version from the template header plus a short content hash: events-2+3fa2c1d0."""
        m = _VERSION.search(self.system_source)
        return f"{m.group(1) if m else self.name}+{self.hash[:8]}"

    def _render(self, source: str, values: dict[str, Any]) -> str:
        try:
            return _compiled(source).render(**values).strip()
        except jinja2.TemplateError as exc:
            raise ConfigError(f"prompt template of {self.name} does not render: {exc}") from exc

    @cached_property
    def system(self) -> str:
        """The rendered system prompt (the same for every segment): rendered once per template,
        not per request (finding it in the shared cache serialises the whole context)."""
        return _rendered_system(self)

    def render(self, text: str) -> list[dict[str, str]]:
        """The chat messages for one segment of text."""
        user = self._render(self.user_source, {"text": text})
        return [{"role": "system", "content": self.system}, {"role": "user", "content": user}]


@lru_cache(maxsize=64)
def _system_cached(name: str, source: str, context_json: str) -> str:
    template = PromptTemplate(name, source, "")
    return template._render(source, json.loads(context_json))


def _rendered_system(t: PromptTemplate) -> str:
    context = json.dumps(t.context, sort_keys=True, ensure_ascii=False, default=str)
    return _system_cached(t.name, t.system_source, context)


__all__ = ["PromptTemplate", "default_prompts_dir", "read_template"]
