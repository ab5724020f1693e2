"""The default task, built with the same :class:`~extractor.core.tasks.Task` API as a user's."""

from __future__ import annotations

from dataclasses import asdict
from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel

from extractor.core.prompting import default_prompts_dir
from extractor.core.tasks import Example, Task
from extractor.events.builder import EventBuilder
from extractor.events.dedup import merge_duplicates
from extractor.events.sources import merge_sources
from extractor.schemas.event_types import EVENT_TYPES
from extractor.schemas.events import DraftBatch, DraftEvent

NAME = "events"

# Clearly another story than the articles, so that a small model learns the shape, not the words.
EXAMPLES = (
    Example(
        text="أعلنت ألمانيا، أمس الثلاثاء، تقديم حزمة مساعدات عسكرية لأوكرانيا بقيمة 500 مليون "
        "يورو تشمل منظومتي دفاع جوي من طراز إيريس-تي.",
        output=[
            DraftEvent(
                event_type="aid",
                quote="أعلنت ألمانيا، أمس الثلاثاء، تقديم حزمة مساعدات عسكرية لأوكرانيا بقيمة 500 "
                "مليون يورو تشمل منظومتي دفاع جوي من طراز إيريس-تي.",
                actors=["ألمانيا"],
                targets=["أوكرانيا"],
                date="أمس الثلاثاء",
                money=["500 مليون يورو"],
                items=["منظومتي دفاع جوي من طراز إيريس-تي"],
                stage="announced",
                category="military",
            )
        ],
    ),
)


def merge_records(records: list[BaseModel]) -> list[BaseModel]:
    """What two backends found merged into one record per event, then one record per event
    told several times in the document."""
    return merge_duplicates(merge_sources(records))


@lru_cache(maxsize=8)
def events_task(prompts_dir: Path | None = None) -> Task:
    """The Arabic conflict-events task (templates from ``prompts_dir`` or the shipped ones)."""
    folder = prompts_dir or default_prompts_dir()
    return Task(
        name=NAME,
        draft=DraftEvent,
        prompt=folder / "events.system.j2",
        examples=EXAMPLES,
        list_key="events",
        response_model=DraftBatch,
        builder=EventBuilder(),
        merge=merge_records,
        context={"event_types": [asdict(t) for t in EVENT_TYPES]},
        prompts_dir=folder,
    )


def is_events_task(task: Task) -> bool:
    return task.name == NAME and task.draft is DraftEvent


__all__ = ["EXAMPLES", "NAME", "events_task", "is_events_task"]
