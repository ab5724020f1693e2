"""A user task: sanctions imposed on a state, its people or its firms.

    extractor run examples/sanctions.docs.jsonl --task examples/sanctions.py \
        --backend openai --replay cassettes/examples/sanctions.yaml -o out/sanctions.jsonl

The draft's fields are typed (extractor.fields), so grounding and normalization come for free:
``imposed_by`` and ``target`` become actors with ISO codes, ``when`` a resolved date, and
``measure`` (a plain string) is kept only where it is written in the quote's sentence.
"""

from pydantic import BaseModel, Field

from extractor import Example, Task
from extractor.fields import Actor, Date, Quote


class Sanction(BaseModel):
    """Sanctions imposed on a state, its people or its firms."""

    quote: Quote
    imposed_by: Actor | None = Field(default=None, description="who imposes them, as written")
    target: Actor | None = Field(default=None, description="the state sanctioned, as written")
    when: Date | None = None
    measure: str | None = Field(
        default=None,
        description='what the sanctions do, in the article\'s words (e.g. "تجميد أصول")',
    )


TASK = Task(
    name="sanctions",
    draft=Sanction,
    prompt="List every sanction that a state or a bloc imposes, extends or announces in the "
    "article. Copy the sentence that states it exactly.",
    examples=[
        Example(
            text="أعلنت كندا أمس فرض عقوبات جديدة على إيران تشمل حظر سفر عشرة مسؤولين.",
            output=[
                Sanction(
                    quote="أعلنت كندا أمس فرض عقوبات جديدة على إيران تشمل حظر سفر عشرة مسؤولين.",
                    imposed_by="كندا",
                    target="إيران",
                    when="أمس",
                    measure="حظر سفر",
                )
            ],
        )
    ],
)
