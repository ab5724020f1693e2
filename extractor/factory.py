"""Building the parts of a run from settings: the only place that picks a task and a backend."""

from __future__ import annotations

from extractor.arabic.gazetteer import Gazetteer, load_gazetteer
from extractor.backends.base import Backend
from extractor.core.pipeline import Pipeline
from extractor.core.tasks import Task, load_task
from extractor.errors import ConfigError
from extractor.events.task import events_task, is_events_task
from extractor.settings import Settings


def make_task(settings: Settings) -> Task:
    """The user's task (``--task FILE.py[:NAME]``), else the Arabic conflict-events task."""
    if settings.task:
        return load_task(settings.task)
    return events_task(settings.prompts_dir, settings.hybrid_trust)


def make_backend(settings: Settings, gazetteer: Gazetteer, task: Task) -> Backend:
    """The backend the settings ask for (``rules`` needs nothing; ``openai`` needs a model)."""
    name = settings.resolved_backend()
    if name in ("rules", "hybrid") and not is_events_task(task):
        raise ConfigError(
            f"the {name} backend only knows the events task; task {task.name!r} needs "
            "--backend openai (and --model)"
        )
    if name == "rules":
        from extractor.backends.rules import RuleBackend

        return RuleBackend(gazetteer)
    if not settings.model:
        raise ConfigError(
            f"the {name} backend needs a model: pass --model or set EXTRACTOR_MODEL "
            "(and --base-url / OPENAI_BASE_URL for a local server)"
        )
    from extractor.backends.openai_backend import OpenAIBackend  # imports openai lazily

    model = OpenAIBackend.from_settings(settings, task)
    if name == "openai":
        return model
    from extractor.backends.hybrid import HybridBackend
    from extractor.backends.rules import RuleBackend

    return HybridBackend(RuleBackend(gazetteer), model, trust=settings.hybrid_trust)


def make_pipeline(
    settings: Settings, backend: Backend | None = None, task: Task | None = None
) -> Pipeline:
    """A pipeline for the settings (``backend`` and ``task`` override what they would pick)."""
    gazetteer = load_gazetteer(settings.gazetteer)
    task = task or make_task(settings)
    backend = backend or make_backend(settings, gazetteer, task)
    focus = None
    if settings.focus and backend.name != "rules":
        focus = task.focus
        if focus is None and is_events_task(task):
            from extractor.backends.triggers import TriggerFocus

            focus = TriggerFocus()
        if focus is None:
            raise ConfigError(
                f"--focus sends a model only the sentences holding a task's cue words, and task "
                f"{task.name!r} declares none: give it Task(..., cues=[...]) or run without --focus"
            )
    return Pipeline(
        task,
        backend,
        gazetteer,
        chunk_chars=settings.chunk_chars,
        chunk_overlap=settings.chunk_overlap,
        focus=focus,
    )
