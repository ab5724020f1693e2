"""A task is a pydantic draft model plus a prompt.

>>> from pydantic import BaseModel
>>> from extractor import Task
>>> from extractor.fields import Actor, Money, Quote
>>> class Pledge(BaseModel):
...     quote: Quote
...     donor: Actor | None = None
...     amount: Money | None = None
>>> task = Task(name="pledges", draft=Pledge, prompt="List every aid pledge in the article.")

The draft's fields are surface strings typed with :mod:`extractor.fields`; the model is asked for
a list of drafts per segment of text, and code grounds the quote and computes every value by its
type (:mod:`extractor.core.record_builder`). The default events task is built with this same class
(:func:`extractor.events.task.events_task`). A task gets grounding, the cache, replay, batch files
and every engine for free.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import re
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field, create_model

from extractor.arabic.textnorm import normalize
from extractor.core.prompting import PromptTemplate, default_prompts_dir, read_template
from extractor.core.record_builder import (
    FieldBuilder,
    RecordBuilder,
    field_specs,
    merge_identical,
    record_model,
)
from extractor.errors import ConfigError

_NAME = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
TEMPLATE_SUFFIXES = (".j2", ".jinja", ".jinja2")


@dataclass(frozen=True)
class Example:
    """A few-shot example: an article (or sentence) and the drafts the model should return."""

    text: str
    output: Sequence[BaseModel | dict[str, Any]]

    def as_json(self, task: Task) -> dict[str, Any]:
        items = [
            o.model_dump(mode="json", exclude_defaults=True) if isinstance(o, BaseModel) else o
            for o in self.output
        ]
        # validated against the draft, so an example never teaches the model a wrong shape
        checked = task.response_model.model_validate({task.list_key: items})
        dumped = checked.model_dump(mode="json", exclude_defaults=True)
        return {"text": self.text, "answer": json.dumps(dumped, ensure_ascii=False)}


class Task:
    """A draft model and a prompt, and how drafts become records.

    ``prompt`` is the system prompt's instructions as text, or a path to a Jinja2 template that
    renders the whole system prompt (rendered with ``examples`` and ``context``); a relative path
    is looked up beside the file that builds the task (``base_dir``, by default the calling
    module's folder), then in the shipped ``prompts/``. ``examples`` are few-shot
    :class:`Example` objects. ``cues`` are words a sentence must hold to be sent to a model under
    ``--focus`` (a task without cues cannot be focused). ``builder``, ``record`` (the record class)
    and ``merge`` default to building typed records from the draft's fields and dropping
    identical records; the events task gives its own.
    """

    def __init__(
        self,
        name: str,
        draft: type[BaseModel],
        prompt: str | Path,
        examples: Sequence[Example] = (),
        *,
        list_key: str = "items",
        max_items: int = 20,
        response_model: type[BaseModel] | None = None,
        builder: RecordBuilder | None = None,
        record: type[BaseModel] | None = None,
        merge: Callable[[list[BaseModel]], list[BaseModel]] | None = None,
        context: dict[str, Any] | None = None,
        prompts_dir: Path | None = None,
        cues: Sequence[str] = (),
        focus: Callable[[str], bool] | None = None,
        base_dir: Path | None = None,
    ) -> None:
        if not _NAME.match(name):
            raise ConfigError(
                f"task name {name!r}: use lower-case letters, digits and _ (it names records)"
            )
        if not (isinstance(draft, type) and issubclass(draft, BaseModel)):
            raise ConfigError(f"task {name}: draft must be a pydantic model class, got {draft!r}")
        specs = field_specs(draft)
        quotes = [s.name for s in specs if s.kind == "quote"]
        if len(quotes) != 1:
            raise ConfigError(
                f"task {name}: the draft model {draft.__name__} needs exactly one Quote field "
                f"(from extractor.fields import Quote), found {len(quotes)}"
            )
        self.name = name
        self.draft = draft
        self.list_key = list_key
        self.response_model = response_model or create_model(  # type: ignore[call-overload]
            f"{draft.__name__}List",
            __doc__=f"The {name} found in one segment of an article.",
            **{list_key: (list[draft], Field(default_factory=list, max_length=max_items))},  # type: ignore[valid-type]
        )
        self.examples = tuple(examples)
        # the record class: TaskRecord with ``fields`` typed by the draft's field kinds (the
        # events task gives its EventRecord with its builder)
        typed = record_model(name, draft, specs) if record is None else None
        self.record_model: type[BaseModel] = record or typed  # type: ignore[assignment]
        self.builder: RecordBuilder = builder or FieldBuilder(
            name, typed or record_model(name, draft, specs), specs
        )
        self.merge = merge or merge_identical
        self.cues = tuple(c for c in cues if c.strip())
        # a sentence filter for --focus: the task's own, else its cue words, else none
        self.focus: Callable[[str], bool] | None = focus or (
            CueWords(self.cues) if self.cues else None
        )
        base = base_dir or _caller_dir()
        folder = prompts_dir or default_prompts_dir()
        user = read_template(folder / "user.j2")
        values = {
            "examples": [e.as_json(self) for e in self.examples],
            "fields": describe_fields(draft),
            **(context or {}),
        }
        if isinstance(prompt, Path) or (
            isinstance(prompt, str) and prompt.endswith(TEMPLATE_SUFFIXES) and "\n" not in prompt
        ):
            path = Path(prompt)
            if not path.is_absolute():
                beside = [base / path] if base is not None else []
                path = next((p for p in [*beside, path] if p.is_file()), folder / path)
            system = read_template(path)
        else:
            system = read_template(folder / "task.system.j2")
            values["instructions"] = str(prompt).strip()
        self.template = PromptTemplate(name, system, user, values)
        self.template.system  # noqa: B018 - render once now: a broken template fails here

    # ---- what the cache key and provenance need -------------------------------------------------
    # A task is immutable once built: what keys the cache is computed once, not per request.
    @cached_property
    def prompt_hash(self) -> str:
        return self.template.hash

    @cached_property
    def prompt_version(self) -> str:
        return self.template.version

    @cached_property
    def schema_hash(self) -> str:
        schema = json.dumps(
            self.response_model.model_json_schema(), sort_keys=True, ensure_ascii=False
        )
        return hashlib.sha256(schema.encode("utf-8")).hexdigest()

    def messages(self, text: str) -> list[dict[str, str]]:
        """The chat messages asking for this task's drafts in ``text``."""
        return self.template.render(text)

    def drafts(self, answer: BaseModel) -> list[BaseModel]:
        """The drafts in a validated answer."""
        return list(getattr(answer, self.list_key, []) or [])

    def __repr__(self) -> str:
        return f"Task(name={self.name!r}, draft={self.draft.__name__})"


class CueWords:
    """A ``--focus`` sentence filter: True when a sentence holds one of the cue words
    (compared normalized: hamza, ta marbuta, tashkeel and digits do not matter)."""

    def __init__(self, words: Sequence[str]) -> None:
        self.words = tuple(normalize(w) for w in words)

    def __call__(self, sentence: str) -> bool:
        text = normalize(sentence)
        return any(w in text for w in self.words)


def _caller_dir() -> Path | None:
    """The folder of the module that builds a task (outside this package), for relative prompt
    paths: a task file finds its template beside itself wherever it is run from."""
    frame = sys._getframe(1)
    while frame is not None:
        name = frame.f_globals.get("__name__", "")
        if not name.startswith("extractor.core.") and name != __name__:
            file = frame.f_globals.get("__file__")
            return Path(file).resolve().parent if file else None
        frame = frame.f_back  # type: ignore[assignment]
    return None


KIND_DESCRIPTIONS = {
    "quote": "the sentence of the article that states the record, copied verbatim",
    "actor": "a state, person or organization, as written",
    "money": 'an amount with its currency, as written (e.g. "61 مليار دولار")',
    "date": 'the date words, as written (e.g. "يوم السبت")',
    "count": 'a number of people or things, as written (e.g. "21 شخصا")',
    "place": "a place, as written",
    "item": "a weapon system or aid item with its quantity, as written",
}


def describe_fields(draft: type[BaseModel]) -> list[dict[str, str]]:
    """Name and meaning of each draft field, for the prompt (its description, else its type's)."""
    out = []
    for spec in field_specs(draft):
        info = draft.model_fields[spec.name]
        meaning = info.description or KIND_DESCRIPTIONS.get(spec.kind or "", "")
        if not meaning:
            meaning = "text written in the sentence" if spec.text else "one of the allowed values"
        if spec.many:
            meaning = f"a list; each: {meaning}"
        out.append({"name": spec.name, "description": meaning})
    return out


def load_task(spec: str | Path) -> Task:
    """A task from ``FILE.py[:NAME]`` (``NAME`` defaults to ``TASK``)."""
    text = str(spec)
    path_text, attr = text, "TASK"
    if ":" in text:
        head, tail = text.rsplit(":", 1)
        if head.endswith(".py") and tail.isidentifier():
            path_text, attr = head, tail
    path = Path(path_text)
    if not path.is_file():
        raise ConfigError(f"--task {text}: no such file {path}")
    module_name = f"_extractor_task_{hashlib.sha256(str(path.resolve()).encode()).hexdigest()[:12]}"
    module_spec = importlib.util.spec_from_file_location(module_name, path)
    if module_spec is None or module_spec.loader is None:
        raise ConfigError(f"--task {text}: {path} is not a Python file")
    module = importlib.util.module_from_spec(module_spec)
    sys.modules[module_name] = module  # pydantic resolves annotations through sys.modules
    # the task file's folder is importable while it loads: it can import modules beside it
    folder = str(path.resolve().parent)
    added = folder not in sys.path
    if added:
        sys.path.insert(0, folder)
    try:
        module_spec.loader.exec_module(module)
    except ConfigError:
        raise
    except Exception as exc:  # the user's file: say where it broke
        raise ConfigError(
            f"--task {text}: {path} failed to load: {type(exc).__name__}: {exc}"
        ) from exc
    finally:
        if added and folder in sys.path:
            sys.path.remove(folder)
    task = getattr(module, attr, None)
    if not isinstance(task, Task):
        raise ConfigError(
            f"--task {text}: {path} has no Task named {attr} (write {attr} = Task(...) or pass FILE.py:NAME)"
        )
    return task


__all__ = ["CueWords", "Example", "Task", "load_task"]
