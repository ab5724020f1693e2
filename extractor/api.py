"""The Python API for notebooks and scripts.

>>> from extractor import Extractor
>>> result = Extractor(backend="rules").extract("وافق مجلس النواب الأميركي يوم السبت على حزمة "
...     "مساعدات جديدة لأوكرانيا بقيمة 61 مليار دولار", published_at="2024-04-22")
>>> result.events[0].money[0].amount
61000000000.0

The sync methods work inside a running event loop (Jupyter): they run the async pipeline on a
private loop in a worker thread instead of calling ``asyncio.run`` on the notebook's loop.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
from collections.abc import Coroutine, Iterable
from datetime import date
from typing import Any, TypeVar

from pydantic import ValidationError

from extractor.core.backend import Backend
from extractor.core.document import Document, DocumentFailure
from extractor.core.pipeline import DocumentResult
from extractor.core.tasks import Task, load_task
from extractor.errors import ConfigError, DocumentError
from extractor.events.task import is_events_task
from extractor.run.documents import as_document, parse_published
from extractor.run.factory import make_pipeline
from extractor.run.runner import RunSummary, run_documents
from extractor.settings import Settings

T = TypeVar("T")


def _run_sync(coro: Coroutine[Any, Any, T]) -> T:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result()


class ResultSet(list[DocumentResult]):
    """Results of several documents, in input order."""

    summary: RunSummary | None = None

    @property
    def events(self) -> list[Any]:
        """Every record of every document (event records for the default task)."""
        return [e for r in self for e in r.events]

    @property
    def records(self) -> list[Any]:
        return self.events

    @property
    def failures(self) -> list[DocumentResult]:
        return [r for r in self if not r.ok]

    def raise_for_error(self) -> ResultSet:
        """Raise :class:`~extractor.errors.ExtractionError` for the first failed document."""
        for result in self:
            result.raise_for_error()
        return self

    def to_dataframe(self, *, join_lists: bool = True):  # type: ignore[no-untyped-def]
        """One row per event, actors/money/items flattened (lists joined unless join_lists=False)."""
        from extractor.records.frames import records_to_dataframe

        return records_to_dataframe(self.events, join_lists=join_lists)


def _settings_problem(exc: ValidationError) -> str:
    """One line for what pydantic found wrong in the settings."""
    parts = []
    for error in exc.errors():
        name = ".".join(str(x) for x in error["loc"]) or "settings"
        given = "" if "key" in name else f"={error.get('input')!r}"  # never echo a secret
        parts.append(f"{name}{given}: {error['msg']}")
    return "invalid setting " + "; ".join(parts)


class _Collector:
    def __init__(self) -> None:
        self.results: dict[str, DocumentResult] = {}

    def write(self, result: DocumentResult) -> None:
        self.results[result.doc_id] = result

    def write_failure(self, doc_id: str, source: str | None, error: str, message: str) -> None:
        self.results[doc_id] = DocumentResult(doc_id, error=error, message=message, source=source)


def _check_model_for(task: Task, settings: Settings) -> None:
    """A user task is drafted by a model: say, in this API's terms, what to pass."""
    if is_events_task(task):
        return
    name = settings.resolved_backend()
    if name not in ("rules", "hybrid", "openai") or (name == "openai" and settings.model):
        return  # a model, or a backend another package registers (it says what it needs)
    chosen = f"backend={name!r} only knows the events task" if name != "openai" else "no model"
    raise ConfigError(
        f"task {task.name!r} needs a model ({chosen}): pass one, e.g. "
        f"Extractor(task=..., model='gpt-4o-mini') with OPENAI_API_KEY set, or "
        f"Extractor(task=..., model='qwen2.5:7b', base_url='http://localhost:11434/v1') for a "
        f"local OpenAI-compatible server"
    )


class Extractor:
    """Extract grounded records from Arabic text.

    ``task`` is a :class:`~extractor.Task` (or ``"FILE.py[:NAME]"``); default: the Arabic
    conflict-events task. ``backend`` is ``"rules"`` (default when no model is configured),
    ``"openai"``, ``"hybrid"``, or any object with the
    :class:`~extractor.core.backend.Backend` protocol. Other keyword arguments are settings
    (``model=``, ``base_url=``, ``cache_dir=`` …) and override the environment.
    """

    def __init__(
        self,
        backend: str | Backend | None = None,
        *,
        task: Task | str | None = None,
        settings: Settings | None = None,
        **overrides: Any,
    ):
        if isinstance(backend, str):
            overrides["backend"] = backend
        unknown = sorted(set(overrides) - set(Settings.model_fields))
        if unknown:  # a misspelt base_url must not send articles to the default endpoint
            raise ConfigError(
                f"unknown setting(s) {', '.join(unknown)}; known: {', '.join(sorted(Settings.model_fields))}"
            )
        if isinstance(task, str):
            task = load_task(task)
        try:
            if settings is not None:
                self.settings = settings.with_values(**overrides) if overrides else settings
            else:
                self.settings = Settings(**overrides)
        except ValidationError as exc:  # a bad value of a known setting, e.g. backend="nope"
            raise ConfigError(_settings_problem(exc)) from None
        if task is not None and (backend is None or isinstance(backend, str)):
            _check_model_for(task, self.settings)
        self.pipeline = make_pipeline(
            self.settings, None if isinstance(backend, str) or backend is None else backend, task
        )

    @property
    def backend(self) -> Backend:
        return self.pipeline.backend

    @property
    def task(self) -> Task:
        return self.pipeline.task

    async def aextract(
        self, text: str, published_at: date | str | None = None, doc_id: str = "doc"
    ) -> DocumentResult:
        """Records of one article (async form of :meth:`extract`)."""
        doc = as_document({"id": doc_id, "text": text, "published_at": published_at})
        if isinstance(doc, DocumentFailure):
            raise DocumentError(doc.message, kind=doc.error, doc_id=doc_id)
        try:
            result = await self.pipeline.process(doc)
        finally:
            await self.pipeline.aclose()
        return result.raise_for_error()

    def extract(
        self, text: str, published_at: date | str | None = None, doc_id: str = "doc"
    ) -> DocumentResult:
        """Records of one article; ``published_at`` (YYYY-MM-DD) resolves relative dates.

        Raises :class:`~extractor.errors.DocumentError` when the text cannot be used,
        :class:`~extractor.errors.ExtractionError` when the backend failed after its retries (or
        an internal error stopped it), and :class:`~extractor.errors.ModelUnavailableError` when
        the model server cannot be used at all.
        """
        return _run_sync(self.aextract(text, published_at, doc_id))

    async def aextract_many(
        self,
        docs: Iterable[Document | DocumentFailure | dict[str, Any] | str],
        *,
        concurrency: int | None = None,
    ) -> ResultSet:
        if isinstance(docs, (str, bytes, dict, Document)):
            raise TypeError(
                f"extract_many takes a list of documents, not one {type(docs).__name__}: "
                "use extract(text) for one text, or extract_many([text, …])"
            )
        collector = _Collector()
        items: list[Document | DocumentFailure] = []
        seen: set[str] = set()
        for i, d in enumerate(docs):
            item = as_document(d, i)
            if item.id in seen:
                item = DocumentFailure(
                    item.id,
                    "<input>",
                    "duplicate_id",
                    f"document id {item.id!r} given twice; ids must be unique",
                )
                item = DocumentFailure(f"{item.id}#{i}", item.source, item.error, item.message)
            seen.add(item.id)
            items.append(item)
        try:
            summary = await run_documents(
                items,
                self.pipeline.process,
                collector,
                concurrency=concurrency or self.settings.concurrency,
            )
        finally:
            await self.pipeline.aclose()
        results = ResultSet(collector.results[i.id] for i in items if i.id in collector.results)
        results.summary = summary
        return results

    def extract_many(
        self,
        docs: Iterable[Document | DocumentFailure | dict[str, Any] | str],
        *,
        concurrency: int | None = None,
    ) -> ResultSet:
        """Records of many documents (texts, dicts like JSONL lines, or :func:`load_documents`).

        A document that fails does not stop the others: it is in ``.failures`` with its reason
        (``.raise_for_error()`` raises for the first one)."""
        return _run_sync(self.aextract_many(docs, concurrency=concurrency))


__all__ = ["Extractor", "ResultSet", "Task", "parse_published"]
