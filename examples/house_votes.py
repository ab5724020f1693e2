"""A user task: aid packages voted by a legislature (the README's "Your own task" example).

    extractor run seeds --task examples/house_votes.py --backend openai \
        --base-url http://127.0.0.1:8765/v1 --model qwen2.5-coder-1.5b-instruct \
        --published-at 2024-04-22 -o votes.jsonl
"""

from pydantic import BaseModel

from extractor import Task
from extractor.fields import Actor, Date, Money, Quote


class HouseVote(BaseModel):
    """An aid package voted by a legislature."""

    quote: Quote
    donor: Actor | None = None
    amount: Money | None = None
    when: Date | None = None
    note: str | None = None


TASK = Task(
    name="house_votes",
    draft=HouseVote,
    prompt="List every aid package voted by a legislature in the article, copying the sentence verbatim.",
)
