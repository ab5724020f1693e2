"""Grounded event extraction from Arabic news about the Russia–Ukraine war and aid to Ukraine.

``Extractor`` runs a task (the Arabic conflict-events task by default, or your own ``Task``: a
pydantic draft model typed with :mod:`extractor.fields` plus a prompt) with a backend (rules,
a model behind an OpenAI-compatible API, or both) and returns grounded records.
"""

import logging
from importlib.metadata import PackageNotFoundError, version

from extractor.resources import mount_schemas

mount_schemas()  # a source checkout: its top-level schemas/ is extractor.schemas (see resources)

from extractor.api import Extractor, ResultSet
from extractor.core.document import Document, DocumentFailure
from extractor.core.pipeline import DocumentResult
from extractor.core.tasks import Example, Task, load_task
from extractor.errors import (
    BackendError,
    ConfigError,
    DocumentError,
    ExtractionError,
    ExtractorError,
    ModelUnavailableError,
    OutputError,
)
from extractor.run.documents import load_documents
from extractor.settings import Settings

try:
    __version__ = version("arabic-event-extractor")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0+unknown"

__all__ = [
    "BackendError",
    "ConfigError",
    "Document",
    "DocumentError",
    "DocumentFailure",
    "DocumentResult",
    "Example",
    "ExtractionError",
    "Extractor",
    "ExtractorError",
    "ModelUnavailableError",
    "OutputError",
    "ResultSet",
    "Settings",
    "Task",
    "__version__",
    "load_documents",
    "load_task",
]

# A library logs only when the application asks for it (the CLI configures its own handlers).
logging.getLogger("extractor").addHandler(logging.NullHandler())
