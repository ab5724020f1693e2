"""The hybrid backend: the rules and a model both draft every segment.

Both answers go through the same grounding; the events task then merges the records both found
(:mod:`extractor.events.sources`), so a run gets at least the rules' recall plus what the model
adds, and every record says in ``provenance.sources`` who proposed it.
"""

from __future__ import annotations

import asyncio

from extractor.backends.base import Backend, BackendAnswer, SegmentRequest


class HybridBackend:
    """Rules and a model, side by side (the model's faults fail the document as usual)."""

    name = "hybrid"

    def __init__(self, rules: Backend, model: Backend) -> None:
        self.rules = rules
        self.model = model

    async def draft(self, request: SegmentRequest) -> BackendAnswer:
        rules, model = await asyncio.gather(self.rules.draft(request), self.model.draft(request))
        rules.source = rules.source or self.rules.name
        model.source = model.source or self.model.name
        return BackendAnswer(drafts=[], parts=[rules, model], source=self.name)

    async def aclose(self) -> None:
        close = getattr(self.model, "aclose", None)
        if close is not None:
            await close()


__all__ = ["HybridBackend"]
