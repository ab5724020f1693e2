"""The hybrid backend: the rules and a model both draft every segment.

Both answers go through the same grounding; the events task then merges the records both found
(:mod:`extractor.events.sources`), so a run gets at least the rules' recall plus what the model
adds, and every record says in ``provenance.sources`` who proposed it.

With ``trust="rules"`` (the default, right for small models) a draft only the model proposes —
no rule draft of its type overlaps its quote — is kept only when its quote holds a trigger word
of its type (:class:`~extractor.backends.triggers.TypeTriggers`): a small model's
"diplomatic_contact" for a sentence without a call, visit, meeting or talks word is a misreading,
not an event the rules missed. Such drafts are counted in the run summary
(``rejected: model_type_without_cue``). With ``trust="model"`` every grounded model draft is kept.

The rules are the floor: when the model fails on a segment after its retries (a cut-off or
invalid answer, a server that keeps failing), the segment keeps the rules' drafts, a warning
names the document, and the run summary counts it (``rejected: model_failed_segments``). A model
server that cannot be used at all (refused, 401, unknown model) still stops the run.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from extractor.arabic.textnorm import NormalizedText, normalize_with_map
from extractor.backends.triggers import TypeTriggers
from extractor.core.backend import Backend, BackendAnswer, SegmentRequest, Usage
from extractor.core.grounding import locate
from extractor.errors import BackendError, ModelUnavailableError

log = logging.getLogger("extractor")


class HybridBackend:
    """Rules and a model, side by side; the rules' drafts stand when the model fails."""

    name = "hybrid"

    def __init__(
        self,
        rules: Backend,
        model: Backend,
        *,
        trust: str = "rules",
        triggers: TypeTriggers | None = None,
    ) -> None:
        self.rules = rules
        self.model = model
        self.trust = trust
        self.triggers = triggers or TypeTriggers()

    async def draft(self, request: SegmentRequest) -> BackendAnswer:
        rules, model = await asyncio.gather(self.rules.draft(request), self._model_draft(request))
        rules.source = rules.source or self.rules.name
        model.source = model.source or self.model.name
        if self.trust == "rules":
            norm = normalize_with_map(request.text)
            kept = [d for d in model.drafts if self._keep(d, rules.drafts, request.text, norm)]
            if len(kept) < len(model.drafts):
                model.rejected["model_type_without_cue"] = len(model.drafts) - len(kept)
            model.drafts = kept
        return BackendAnswer(drafts=[], parts=[rules, model], source=self.name)

    async def _model_draft(self, request: SegmentRequest) -> BackendAnswer:
        try:
            return await self.model.draft(request)
        except ModelUnavailableError:
            raise
        except BackendError as exc:
            log.warning(
                "document %s segment %s: the model failed (%s); the rules' drafts stand",
                request.doc_id,
                request.segment_id,
                exc,
            )
            usage = exc.usage if isinstance(exc.usage, Usage) else Usage()
            return BackendAnswer(
                [], usage, source=self.model.name, rejected={"model_failed_segments": 1}
            )

    def _keep(self, draft: Any, rule_drafts: list[Any], text: str, norm: NormalizedText) -> bool:
        kind, quote = getattr(draft, "event_type", None), str(getattr(draft, "quote", ""))
        if kind is None:
            return True
        if any(r.event_type == kind and _overlap(r.quote, quote, text, norm) for r in rule_drafts):
            return True  # the rules saw this event too: the two will be merged
        return self.triggers.fires(kind, quote)

    async def aclose(self) -> None:
        close = getattr(self.model, "aclose", None)
        if close is not None:
            await close()


def _overlap(a: str, b: str, text: str, norm: NormalizedText) -> bool:
    """Do two quotes (as drafted) cover overlapping text? Located as grounding locates them
    (a model's quote is rarely verbatim: hamza forms, an article, a trimmed word)."""
    x, y = locate(text, a, norm=norm), locate(text, b, norm=norm)
    if x is None or y is None:
        return False  # grounding will refuse it anyway
    return x.start < y.end and y.start < x.end


__all__ = ["HybridBackend"]
