"""The backends a run can use, by name: the built-in ones and any other package's.

A backend is made by a *factory*: ``factory(settings, gazetteer, task) -> Backend``, which
refuses (a :class:`~extractor.errors.ConfigError` saying what to pass) the settings or the task
it cannot serve. The built-in ``rules``, ``openai`` and ``hybrid`` are here; another package
adds its own under the entry-point group ``extractor.backends``::

    # its pyproject.toml
    [project.entry-points."extractor.backends"]
    mymodel = "my_package.backend:make_backend"

and ``--backend mymodel`` (or ``Extractor(backend="mymodel")``) uses it. A backend module is
imported only when its backend is made (the openai SDK is not loaded for a rules run).
"""

from __future__ import annotations

from collections.abc import Callable
from importlib.metadata import entry_points

from extractor.arabic.gazetteer import Gazetteer
from extractor.core.backend import Backend
from extractor.core.tasks import Task
from extractor.errors import ConfigError
from extractor.events.task import is_events_task
from extractor.settings import Settings

ENTRY_POINT_GROUP = "extractor.backends"
BackendFactory = Callable[[Settings, Gazetteer, Task], Backend]


def _events_only(name: str, task: Task) -> None:
    if not is_events_task(task):
        raise ConfigError(
            f"the {name} backend only knows the events task; task {task.name!r} needs "
            "--backend openai (and --model)"
        )


def _needs_model(name: str, settings: Settings) -> None:
    if not settings.model:
        raise ConfigError(
            f"the {name} backend needs a model: pass --model or set EXTRACTOR_MODEL "
            "(and --base-url / OPENAI_BASE_URL for a local server)"
        )


def rules_backend(settings: Settings, gazetteer: Gazetteer, task: Task) -> Backend:
    """The rule extractor (no model, no key; the events task only)."""
    from extractor.backends.rules import RuleBackend

    _events_only("rules", task)
    return RuleBackend(gazetteer)


def openai_backend(settings: Settings, gazetteer: Gazetteer, task: Task) -> Backend:
    """Any OpenAI-compatible endpoint (needs a model)."""
    from extractor.backends.openai_backend import OpenAIBackend  # imports openai lazily

    _needs_model("openai", settings)
    return OpenAIBackend.from_settings(settings, task)


def hybrid_backend(settings: Settings, gazetteer: Gazetteer, task: Task) -> Backend:
    """The rules and a model, merged per event (the events task; needs a model)."""
    from extractor.backends.hybrid import HybridBackend
    from extractor.backends.openai_backend import OpenAIBackend
    from extractor.backends.rules import RuleBackend

    _events_only("hybrid", task)
    _needs_model("hybrid", settings)
    model = OpenAIBackend.from_settings(settings, task)
    return HybridBackend(RuleBackend(gazetteer), model, trust=settings.hybrid_trust)


BUILTIN: dict[str, BackendFactory] = {
    "rules": rules_backend,
    "openai": openai_backend,
    "hybrid": hybrid_backend,
}


def backend_factories() -> dict[str, BackendFactory]:
    """Every backend by name: the built-in ones, then those other packages register (a
    registered name cannot replace a built-in one)."""
    found: dict[str, BackendFactory] = dict(BUILTIN)
    for point in entry_points(group=ENTRY_POINT_GROUP):
        if point.name not in found:
            found[point.name] = _lazy(point.name, point.value)
    return found


def _lazy(name: str, target: str) -> BackendFactory:
    def make(settings: Settings, gazetteer: Gazetteer, task: Task) -> Backend:
        point = next(p for p in entry_points(group=ENTRY_POINT_GROUP) if p.name == name)
        try:
            factory = point.load()
        except Exception as exc:  # another package's code: say which entry point broke
            raise ConfigError(
                f"backend {name!r} ({target}, entry point group {ENTRY_POINT_GROUP}) failed "
                f"to load: {type(exc).__name__}: {exc}"
            ) from exc
        backend: Backend = factory(settings, gazetteer, task)
        return backend

    return make


def make_backend(settings: Settings, gazetteer: Gazetteer, task: Task) -> Backend:
    """The backend the settings name (``rules`` needs nothing; ``openai`` needs a model)."""
    name = settings.resolved_backend()
    factories = backend_factories()
    factory = factories.get(name)
    if factory is None:
        raise ConfigError(
            f"backend={name!r} is not a backend: use one of {', '.join(sorted(factories))} (other "
            f"packages add backends under the entry-point group {ENTRY_POINT_GROUP})"
        )
    return factory(settings, gazetteer, task)


__all__ = [
    "BUILTIN",
    "ENTRY_POINT_GROUP",
    "BackendFactory",
    "backend_factories",
    "make_backend",
]
