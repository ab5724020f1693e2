"""Answers of the model, each draft validated on its own.

instructor is given an *answer model* that has the name, docstring and JSON Schema of the
task's response model (so the request is exactly the task's) but validates the drafts one by
one (:func:`judge`): a draft that fails its model is set aside, never the whole answer. While
re-asks remain, an answer with invalid drafts raises the task model's own validation error —
which lists only the drafts that failed — and instructor re-asks with it; the last answer keeps
its valid drafts (and those of earlier answers it did not restate) and counts the others
(``rejected: invalid``). Only an answer with no valid draft at all, or one broken as a whole (not
JSON, not the shape, a list-level rule), fails as before.

The answer model declares no field: instructor's per-request walk of the response model's
classes (its check for async validators) stays cheap.

The conversation in progress (usage, re-asks left, the last completion) is a context variable
set by the client around one ``create`` call: the transport and the answer model below
instructor read it; nothing is shared between requests.
"""

from __future__ import annotations

import contextvars
import json
from dataclasses import dataclass, field
from typing import Any, ClassVar, get_args, get_origin

from pydantic import BaseModel, ConfigDict, PrivateAttr, ValidationError, model_validator

from extractor.core.backend import Usage


@dataclass
class Conversation:
    """One request and its re-asks."""

    usage: Usage
    max_reasks: int = 0  # 0 outside a live call (batch results): the answer is final
    estimate: int = 0  # tokens, for the tokens-per-minute limit
    last_completion: Any = None
    cut_off: bool = False  # the last answer used the whole max_tokens budget
    # valid drafts of earlier answers (a re-ask's answer may restate only what was fixed)
    earlier: list[BaseModel] = field(default_factory=list)
    earlier_invalid: int = 0
    reasks: int = 0  # of this request (``usage`` may sum several: the parts of a halved text)

    def may_reask(self) -> bool:
        return self.reasks < self.max_reasks


_CONVERSATION: contextvars.ContextVar[Conversation | None] = contextvars.ContextVar(
    "extractor_conversation", default=None
)


def current_conversation() -> Conversation | None:
    return _CONVERSATION.get()


def enter(conversation: Conversation) -> contextvars.Token[Conversation | None]:
    return _CONVERSATION.set(conversation)


def leave(token: contextvars.Token[Conversation | None]) -> None:
    _CONVERSATION.reset(token)


@dataclass
class Verdict:
    """The drafts of one answer that passed, how many failed, and the task model's own error
    (None when every draft passed)."""

    drafts: list[BaseModel] | None  # None: the answer fails as a whole
    invalid: int = 0
    error: ValidationError | None = None


def _validate(model: type[BaseModel], data: Any) -> BaseModel:
    # JSON mode, strict, as instructor validates a response model (the same errors and messages)
    return model.model_validate_json(json.dumps(data, ensure_ascii=False), strict=True)


def judge(model: type[BaseModel], list_key: str, data: Any) -> Verdict:
    """``data`` (a parsed answer) checked against the task's response model draft by draft."""
    try:
        return Verdict(_drafts(_validate(model, data), list_key))
    except ValidationError as exc:
        error = exc
    bad: set[int] = set()
    for item in error.errors():
        loc = item["loc"]
        if len(loc) >= 2 and loc[0] == list_key and isinstance(loc[1], int):
            bad.add(loc[1])
        else:  # the answer as a whole is wrong: nothing to keep
            return Verdict(None, error=error)
    items = data[list_key]  # per-draft errors imply a dict with a list here
    kept = {**data, list_key: [x for i, x in enumerate(items) if i not in bad]}
    try:
        batch = _validate(model, kept)
    except ValidationError:  # a list-level rule fails without the bad drafts
        return Verdict(None, error=error)
    return Verdict(_drafts(batch, list_key), invalid=len(bad), error=error)


def _drafts(batch: BaseModel, list_key: str) -> list[BaseModel]:
    return list(getattr(batch, list_key, None) or [])


class AnswerModel(BaseModel):
    """Base of the answer models made by :func:`answer_model`."""

    model_config = ConfigDict(extra="ignore")
    task_model: ClassVar[type[BaseModel]]
    list_key: ClassVar[str]
    quote_key: ClassVar[str | None]
    _drafts: list[BaseModel] = PrivateAttr(default_factory=list)
    _invalid: int = PrivateAttr(default=0)

    @classmethod
    def model_json_schema(cls, *args: Any, **kwargs: Any) -> dict[str, Any]:
        # the request carries the task's own schema
        return cls.task_model.model_json_schema(*args, **kwargs)

    @model_validator(mode="wrap")
    @classmethod
    def _each_draft_on_its_own(cls, data: Any, handler: Any) -> AnswerModel:
        verdict = judge(cls.task_model, cls.list_key, data)
        conversation = current_conversation()
        if verdict.drafts is None:
            assert verdict.error is not None
            raise verdict.error  # the task model's own error, for instructor's re-ask
        drafts = verdict.drafts
        if conversation is not None:
            drafts = cls.merge(conversation.earlier, drafts)
            if verdict.error is not None and conversation.may_reask():
                conversation.earlier, conversation.earlier_invalid = drafts, verdict.invalid
                raise verdict.error  # it names only the drafts that failed
        if verdict.error is not None and not drafts:
            raise verdict.error  # no draft passed: the answer fails as a whole
        answer: AnswerModel = handler({})
        answer._drafts = drafts
        answer._invalid = verdict.invalid
        return answer

    @classmethod
    def merge(cls, earlier: list[BaseModel], latest: list[BaseModel]) -> list[BaseModel]:
        """The latest drafts, and the earlier ones about a quote the latest do not restate."""
        if not earlier:
            return list(latest)
        if cls.quote_key is None:
            return list(latest) or list(earlier)
        quotes = {getattr(d, cls.quote_key) for d in latest}
        return [*latest, *(d for d in earlier if getattr(d, cls.quote_key) not in quotes)]

    @property
    def drafts(self) -> list[BaseModel]:
        return self._drafts

    @property
    def invalid(self) -> int:
        """Drafts set aside because they failed validation."""
        return self._invalid


def answer_model(
    task_model: type[BaseModel], list_key: str, quote_key: str | None
) -> type[AnswerModel]:
    """The answer model for a task's response model (see the module docstring)."""
    item = task_model.model_fields[list_key].annotation
    if get_origin(item) is not list or not get_args(item):
        raise TypeError(f"{task_model.__name__}.{list_key} is not a list of drafts")
    # same name and docstring: instructor names and describes the tool by them
    namespace = {
        "__doc__": task_model.__doc__,
        "__module__": task_model.__module__,
        "task_model": task_model,
        "list_key": list_key,
        "quote_key": quote_key,
    }
    return type(task_model.__name__, (AnswerModel,), namespace)
