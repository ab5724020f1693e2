"""Building the parts of a run from settings (the only place that picks a backend)."""

from __future__ import annotations

from extractor.backends.base import Backend
from extractor.backends.rules import RuleBackend
from extractor.errors import ConfigError
from extractor.arabic.gazetteer import Gazetteer, load_gazetteer
from extractor.core.pipeline import Pipeline
from extractor.settings import Settings


def make_backend(settings: Settings, gazetteer: Gazetteer) -> Backend:
    """The backend the settings ask for (``rules`` needs nothing; ``openai`` needs a model)."""
    name = settings.resolved_backend()
    if name == "rules":
        return RuleBackend(gazetteer)
    if name == "openai":
        if not settings.model:
            raise ConfigError(
                "the openai backend needs a model: pass --model or set EXTRACTOR_MODEL "
                "(and --base-url / OPENAI_BASE_URL for a local server)"
            )
        from extractor.backends.openai_backend import OpenAIBackend  # imports openai lazily

        return OpenAIBackend.from_settings(settings)
    raise ConfigError(f"unknown backend {name!r}: use rules or openai")


def make_pipeline(settings: Settings, backend: Backend | None = None) -> Pipeline:
    gazetteer = load_gazetteer(settings.gazetteer)
    return Pipeline(
        backend or make_backend(settings, gazetteer),
        gazetteer,
        chunk_chars=settings.chunk_chars,
        chunk_overlap=settings.chunk_overlap,
    )
