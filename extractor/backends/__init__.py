"""Backends turn a segment of text into draft events. See :class:`extractor.core.backend.Backend`."""
