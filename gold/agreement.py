#!/usr/bin/env python3
"""Inter-annotator agreement: a second, independent annotation scored against the first.

    python gold/agreement.py [--first gold/dev.jsonl] [--second gold/agreement/dev.second.jsonl]

The second annotator worked from GUIDELINES.md alone, without seeing the first annotation. Both
are gold files; they are matched with the evaluation's own one-to-one assignment (type, quote
overlap, parties, money, date), so the figures read like the extractor's: relaxed and strict
F1 (symmetric when one annotation is taken as "predicted"), per-field agreement on matched
events, per type.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from extractor.tools.evaluate import load_gold, score  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--first", type=Path, default=ROOT / "gold" / "dev.jsonl")
    parser.add_argument(
        "--second", type=Path, default=ROOT / "gold" / "agreement" / "dev.second.jsonl"
    )
    parser.add_argument("--json", type=Path, help="write the report as JSON")
    args = parser.parse_args()
    second = load_gold(args.second)
    first = {doc: events for doc, events in load_gold(args.first).items() if doc in second}
    report = score(first, second)
    report["documents"] = sorted(second)
    ev = report["events"]
    print(f"documents: {', '.join(report['documents'])}")
    print(
        f"events: first {ev['relaxed']['n_gold']}, second {ev['relaxed']['n_pred']}, "
        f"matched {ev['relaxed']['tp']}"
    )
    for kind in ("relaxed", "strict"):
        print(f"{kind:8} agreement F1 {ev[kind]['f1']:.3f}")
    for name, row in report["per_type"].items():
        print(f"  {name:20} F1 {row['f1']:.3f}  (first {row['n_gold']}, second {row['n_pred']})")
    print("fields on matched events:")
    for name, row in report["fields"].items():
        value = row.get("accuracy", row.get("f1"))
        print(f"  {name:10} {'-' if value is None else f'{value:.3f}'}  (n={row['n']})")
    if args.json:
        args.json.write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
