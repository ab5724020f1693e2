"""The default task, built with the same :class:`~extractor.core.tasks.Task` API as a user's."""

from __future__ import annotations

from dataclasses import asdict
from functools import lru_cache, partial
from pathlib import Path

from pydantic import BaseModel

from extractor.core.prompting import default_prompts_dir
from extractor.core.tasks import Example, Task
from extractor.events.builder import EventBuilder
from extractor.events.dedup import merge_duplicates
from extractor.events.sources import merge_sources
from extractor.schemas.event_types import EVENT_TYPES
from extractor.schemas.events import DraftBatch, DraftEvent, EventRecord

NAME = "events"

# Stories unlike the articles (other donors, other dates), so that a small model learns the shape
# and the types, not the words; each shows a type small models get wrong.
_GERMAN = (
    "أعلنت ألمانيا، أمس الثلاثاء، تقديم حزمة مساعدات عسكرية لأوكرانيا بقيمة 500 مليون يورو تشمل "
    "منظومتي دفاع جوي من طراز إيريس-تي."
)
_VOTE = "صوّت البرلمان الياباني يوم الجمعة على قرض لأوكرانيا بقيمة ثلاثة مليارات دولار."
_CALL = (
    "بحث الرئيس البولندي في اتصال هاتفي مع نظيره الأوكراني أمس الأحد ملف اللاجئين، وتعهد بإرسال "
    "شحنة من المولدات الكهربائية."
)
EXAMPLES = (
    Example(
        text=_GERMAN,
        output=[
            DraftEvent(
                quote=_GERMAN,
                event_type="aid",
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
    Example(
        text=_VOTE,
        output=[
            DraftEvent(
                quote=_VOTE,
                event_type="aid",  # a vote on an aid package is aid (approved), not agreement
                actors=["البرلمان الياباني"],
                targets=["أوكرانيا"],
                date="يوم الجمعة",
                money=["ثلاثة مليارات دولار"],
                stage="approved",
                category="financial",
            )
        ],
    ),
    Example(
        text=_CALL,
        output=[
            DraftEvent(
                quote=_CALL,
                event_type="diplomatic_contact",
                actors=["الرئيس البولندي"],
                targets=["الأوكراني"],
                date="أمس الأحد",
                mode="phone",
            ),
            DraftEvent(
                quote=_CALL,
                event_type="aid",
                actors=["الرئيس البولندي"],
                targets=["الأوكراني"],
                date="أمس الأحد",
                items=["المولدات الكهربائية"],
                stage="announced",
                category="humanitarian",
            ),
        ],
    ),
)


def merge_records(records: list[BaseModel], trust: str = "rules") -> list[BaseModel]:
    """What two backends found merged into one record per event (``trust``: whose reading wins,
    see :mod:`extractor.events.sources`), then one record per event told several times."""
    return merge_duplicates(merge_sources(records, trust))


def events_task(prompts_dir: Path | None = None, hybrid_trust: str = "rules") -> Task:
    """The Arabic conflict-events task (templates from ``prompts_dir`` or the shipped ones;
    ``hybrid_trust``: whose reading wins when the rules and a model found one event).

    Built once per state of its templates: the cache is keyed by their size and modification
    time, so a template edited in a notebook is read again by the next call."""
    folder = prompts_dir or default_prompts_dir()
    return _events_task(folder, hybrid_trust, _stamps(folder))


def _stamps(folder: Path) -> tuple[tuple[str, int, int], ...]:
    out = []
    for name in TEMPLATES:
        try:
            stat = (folder / name).stat()
        except OSError:
            out.append((name, -1, -1))  # reported when the task reads it
            continue
        out.append((name, stat.st_size, stat.st_mtime_ns))
    return tuple(out)


TEMPLATES = ("events.system.j2", "user.j2")


@lru_cache(maxsize=8)
def _events_task(folder: Path, hybrid_trust: str, stamps: tuple[tuple[str, int, int], ...]) -> Task:
    return Task(
        name=NAME,
        draft=DraftEvent,
        prompt=folder / "events.system.j2",
        examples=EXAMPLES,
        list_key="events",
        response_model=DraftBatch,
        builder=EventBuilder(),
        record=EventRecord,
        merge=partial(merge_records, trust=hybrid_trust),
        context={"event_types": [asdict(t) for t in EVENT_TYPES]},
        prompts_dir=folder,
    )


def is_events_task(task: Task) -> bool:
    return task.name == NAME and task.draft is DraftEvent


__all__ = ["EXAMPLES", "NAME", "events_task", "is_events_task"]
