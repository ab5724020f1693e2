"""Building the parts of a run from settings: the only place that picks a task and a backend
(by name, from :mod:`extractor.backends.registry`)."""

from __future__ import annotations

from extractor.arabic.gazetteer import load_gazetteer
from extractor.backends.registry import make_backend
from extractor.core.backend import Backend
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
