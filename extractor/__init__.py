"""Grounded event extraction from Arabic news about the Russia–Ukraine war and aid to Ukraine."""

import logging

from extractor.api import Extractor, ResultSet
from extractor.run.documents import Document, DocumentFailure, load_documents
from extractor.core.pipeline import DocumentResult
from extractor.settings import Settings

__version__ = "0.1.0"

__all__ = [
    "Document",
    "DocumentFailure",
    "DocumentResult",
    "Extractor",
    "ResultSet",
    "Settings",
    "__version__",
    "load_documents",
]

# A library logs only when the application asks for it (the CLI configures its own handlers).
logging.getLogger("extractor").addHandler(logging.NullHandler())
