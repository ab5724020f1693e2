"""Prompt templates (Jinja2, in ``prompts/``): loading, rendering and their version hash.

A task's templates are ``<task>.system.j2`` and ``<task>.user.j2``. Their content hash goes into
the cache key and into every record's provenance, so editing a prompt never reuses old answers.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import jinja2

from extractor.errors import ConfigError

_VERSION = re.compile(r"version:\s*([\w.\-]+)")
_ENV = jinja2.Environment(
    undefined=jinja2.StrictUndefined, autoescape=False, keep_trailing_newline=False
)


@lru_cache(maxsize=64)
def _compiled(source: str) -> jinja2.Template:
    """Templates are compiled once, not per request."""
    return _ENV.from_string(source)


def default_prompts_dir() -> Path:
    """The shipped templates: ``extractor/prompts`` (the repository's ``prompts/`` folder)."""
    folder = Path(__file__).resolve().parent.parent / "prompts"
    if not folder.is_dir():
        raise ConfigError(
            "prompt templates not found: set EXTRACTOR_PROMPTS_DIR to the prompts/ folder"
        )
    return folder


@dataclass(frozen=True)
class PromptTemplate:
    """The system and user templates of one task."""

    name: str
    system_source: str
    user_source: str

    @classmethod
    def load(cls, name: str = "events", folder: Path | None = None) -> PromptTemplate:
        folder = folder or default_prompts_dir()
        try:
            system = (folder / f"{name}.system.j2").read_text(encoding="utf-8")
            user = (folder / f"{name}.user.j2").read_text(encoding="utf-8")
        except OSError as exc:
            raise ConfigError(
                f"cannot read prompt templates {name}.*.j2 in {folder}: {exc.strerror}"
            ) from exc
        return cls(name, system, user)

    @property
    def hash(self) -> str:
        return hashlib.sha256(
            (self.system_source + "\x00" + self.user_source).encode("utf-8")
        ).hexdigest()

    @property
    def version(self) -> str:
        """Human version from the template header plus a short content hash: events-1+3fa2c1d0."""
        m = _VERSION.search(self.system_source)
        return f"{m.group(1) if m else self.name}+{self.hash[:8]}"

    def render(self, **values: object) -> list[dict[str, str]]:
        try:
            system = _compiled(self.system_source).render(**values).strip()
            user = _compiled(self.user_source).render(**values).strip()
        except jinja2.TemplateError as exc:
            raise ConfigError(f"prompt template {self.name} does not render: {exc}") from exc
        return [{"role": "system", "content": system}, {"role": "user", "content": user}]
