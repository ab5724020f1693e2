"""Benchmark corpora generated from the seeds: unique ids, no two texts equal, streamed."""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from pathlib import Path

from extractor.core.segment import segment

ROOT = Path(__file__).resolve().parent.parent
_PLACES = ["كييف", "خاركيف", "أوديسا", "لفيف", "دنيبرو", "زابوريجيا", "سومي", "بولتافا"]
_DONORS = [
    "الولايات المتحدة",
    "ألمانيا",
    "بريطانيا",
    "فرنسا",
    "بولندا",
    "كندا",
    "اليابان",
    "هولندا",
]


def seed_paragraphs() -> list[str]:
    """The article text of the seeds (main and related segments, page furniture dropped)."""
    out = []
    for path in sorted((ROOT / "seeds").glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        for seg in segment(text):
            if seg.kind in ("main", "related_article"):
                out.extend(p.strip() for p in seg.text_of(text).split("\n") if len(p.strip()) > 60)
    return out


def documents(n: int, seed: int = 0, paragraphs_per_doc: int = 3) -> Iterator[dict[str, str]]:
    """n single-segment documents: a varied aid sentence plus seed paragraphs."""
    rng = random.Random(seed)
    paragraphs = seed_paragraphs()
    for i in range(n):
        lead = (
            f"أعلنت {rng.choice(_DONORS)} يوم الاثنين تقديم حزمة مساعدات عسكرية جديدة لأوكرانيا "
            f"بقيمة {i + 1} مليون دولار، تشمل ذخائر وأنظمة دفاع جوي لحماية {rng.choice(_PLACES)}."
        )
        body = "\n\n".join(rng.sample(paragraphs, paragraphs_per_doc))
        yield {"id": f"bench-{i:05d}", "text": f"{lead}\n\n{body}"}


def write(path: Path, n: int, seed: int = 0) -> Path:
    with path.open("w", encoding="utf-8") as handle:
        for doc in documents(n, seed):
            handle.write(json.dumps(doc, ensure_ascii=False) + "\n")
    return path
