"""Benchmarks of the scale-out paths (issue "Past one machine"). See README.md, "Scaling out".

    python bench/batch_bench.py [--quick] [--json batch.json] [--latency 0.2]

Measured, on corpora from bench/corpus.py:
  (a) `batch prepare`: documents/s and requests/s (cache empty, nothing sent);
  (b) `batch collect`: documents/s over `vllm run-batch`-format results (every answer validated
      by instructor, stored in the cache, then the records written from the cache);
  (c) the Ray engine against the local engine on the same corpus and mock (bench/fault_server.py
      in its own process, fixed latency): documents/s of each and the ratio ray / local. Ray is
      started before the clock; actor start-up and the dataset's execution are timed;
  (d) tokens per article on the seeds through the openai path (o200k_base): the prompt of every
      request `batch prepare` writes (messages + tool schema), and the answer estimated as the
      tool-call JSON of the drafts the rule backend finds (what a model that finds the same
      events returns); and the cost per 1,000 articles at list prices, online and batch.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import corpus  # noqa: E402
from bench.fault_server import _segment_of, completion, default_answer  # noqa: E402
from bench.run import MockProcess, o200k_encoding  # noqa: E402
from extractor.run import batch  # noqa: E402
from extractor.run.bulk import BulkJob, run_bulk  # noqa: E402
from extractor.settings import Settings  # noqa: E402

MODEL = "mock-model"
# USD per 1M tokens (input, output), online list prices; the Batch API bills 50 % of both.
# Source: OpenAI's pricing page as tabulated by deploybase.ai/articles/openai-pricing ("Data
# from OpenAI pricing page, March 2026") and apicalculators.com/blog/openai-batch-api-cost-2026
# (July 5, 2026: batch = 50 % of input and output). Check openai.com/api/pricing before budgeting.
PRICES = {
    "gpt-4o-mini": (0.15, 0.60),
    "gpt-4.1-mini": (0.40, 1.60),
    "gpt-5-mini": (0.25, 2.00),
    "gpt-4o": (2.50, 10.00),
}
BATCH_DISCOUNT = 0.5


def settings(base_url: str, cache: Path, **extra: Any) -> Settings:
    return Settings(
        backend="openai",
        base_url=base_url,
        model=MODEL,
        api_key="sk-bench",
        cache_dir=cache,
        max_retries=0,
        timeout=30,
        **extra,
    )


def write_vllm_results(requests: list[Path], out: Path) -> int:
    """What `vllm run-batch` writes for the requests (OpenAI-shaped lines, input order)."""
    n = 0
    with out.open("w", encoding="utf-8") as handle:
        for path in requests:
            for line in batch.iter_lines(path):
                body = line["body"]
                answer = completion(body, default_answer(_segment_of(body)))
                row = {
                    "id": f"vllm-{n}",
                    "custom_id": line["custom_id"],
                    "response": {"status_code": 200, "request_id": f"r{n}", "body": answer},
                    "error": None,
                }
                handle.write(json.dumps(row, ensure_ascii=False) + "\n")
                n += 1
    return n


def prepare_and_collect(work: Path, n: int) -> dict[str, Any]:
    docs = corpus.write(work / "batch-corpus.jsonl", n, seed=21)
    cache = work / "batch-cache"
    s = settings("http://127.0.0.1:9/v1", cache)  # never contacted
    started = time.perf_counter()
    prepared = batch.prepare([docs], work / "requests.jsonl", s)
    prepare_s = time.perf_counter() - started
    results = work / "results.jsonl"
    lines = write_vllm_results(prepared.files, results)
    started = time.perf_counter()
    collected = batch.collect(BulkJob([docs], work / "collected.jsonl"), [results], s)
    collect_s = time.perf_counter() - started
    assert collected.run.failed == 0 and collected.ingested.answered == lines, collected.as_dict()
    return {
        "batch_documents": n,
        "batch_requests": prepared.requests,
        "prepare_docs_per_s": round(n / prepare_s, 1),
        "prepare_requests_per_s": round(prepared.requests / prepare_s, 1),
        "collect_docs_per_s": round(n / collect_s, 1),
        "collect_result_lines_per_s": round(lines / collect_s, 1),
    }


def _event_ids(path: Path) -> list[str]:
    return sorted(json.loads(line)["event_id"] for line in path.read_text("utf-8").splitlines())


def ray_vs_local(work: Path, n: int, latency: float, concurrency: int) -> dict[str, Any]:
    import ray

    ray.init(num_cpus=os.cpu_count() or 2, include_dashboard=False, log_to_driver=False)
    mock = MockProcess(latency)
    try:
        docs = corpus.write(work / "engine-corpus.jsonl", n, seed=33)
        warm = corpus.write(work / "engine-warm.jsonl", 20, seed=34)
        run_bulk(
            BulkJob([warm], work / "warm.jsonl"), settings(mock.base_url, work / "w", no_cache=True)
        )
        rates = {}
        for engine, workers in (("local", 1), ("ray", 2)):
            s = settings(
                mock.base_url,
                work / f"cache-{engine}",
                no_cache=True,
                engine=engine,
                workers=workers,
                concurrency=concurrency,
            )
            started = time.perf_counter()
            summary = run_bulk(BulkJob([docs], work / f"out-{engine}.jsonl"), s)
            elapsed = time.perf_counter() - started
            assert summary.failed == 0, summary.as_dict()
            rates[engine] = n / elapsed
        same = _event_ids(work / "out-local.jsonl") == _event_ids(work / "out-ray.jsonl")
    finally:
        mock.close()
        ray.shutdown()
    return {
        "engine_documents": n,
        "engine_concurrency": concurrency,
        "local_docs_per_s": round(rates["local"], 1),
        "ray_docs_per_s_2_actors": round(rates["ray"], 1),
        "ray_over_local": round(rates["ray"] / rates["local"], 3),
        "ideal_docs_per_s": round(concurrency / latency, 1),
        "ray_same_event_ids": same,
    }


def seed_tokens(work: Path) -> dict[str, Any]:
    """Tokens per seed article through the openai path (o200k_base), and cost per 1,000."""
    from extractor.arabic.gazetteer import load_gazetteer
    from extractor.backends.rules import RuleBackend
    from extractor.core.pipeline import Pipeline
    from extractor.events.task import events_task
    from extractor.run.documents import load_documents
    from extractor.schemas import DraftBatch

    enc = o200k_encoding()
    s = settings("https://api.openai.com/v1", work / "seed-cache", max_tokens=1024)
    prepared = batch.prepare(
        [ROOT / "seeds"], work / "seed-requests.jsonl", s, published_at="2024-04-22"
    )
    prompt = 0
    for path in prepared.files:
        for line in batch.iter_lines(path):
            body = line["body"]
            parts = [str(m.get("content") or "") for m in body["messages"]]
            parts.append(json.dumps(body.get("tools") or [], ensure_ascii=False))
            prompt += len(enc.encode("\n".join(parts)))
    gazetteer = load_gazetteer()
    pipeline = Pipeline(events_task(), RuleBackend(gazetteer), gazetteer)
    answer = 0
    articles = 0
    for doc in load_documents([ROOT / "seeds"], published_at="2024-04-22"):
        articles += 1
        plan = pipeline.plan(doc)  # type: ignore[arg-type]
        for planned in plan.requests:
            drafts = asyncio.run(pipeline.backend.draft(planned.request)).drafts
            arguments = DraftBatch(events=drafts).model_dump_json(exclude_none=True)  # type: ignore[arg-type]
            answer += len(enc.encode(arguments))
    per_article_in = prompt / articles
    per_article_out = answer / articles
    costs = {}
    for model, (price_in, price_out) in PRICES.items():
        online = 1000 * (per_article_in * price_in + per_article_out * price_out) / 1e6
        costs[model] = {
            "online_usd": round(online, 4),
            "batch_usd": round(online * BATCH_DISCOUNT, 4),
        }
    return {
        "seed_articles": articles,
        "seed_requests": prepared.requests,
        "prompt_tokens_per_article": round(per_article_in, 1),
        "completion_tokens_per_article_estimate": round(per_article_out, 1),
        "cost_per_1000_articles": costs,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description="scale-out benchmarks")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--latency", type=float, default=0.2)
    args = parser.parse_args()
    results: dict[str, Any] = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "latency_s": args.latency,
        "quick": args.quick,
    }
    work = Path(tempfile.mkdtemp(prefix="extractor-batch-bench-"))
    results.update(prepare_and_collect(work, 1000 if args.quick else 5000))
    results.update(seed_tokens(work))
    concurrency = 32
    n = int((6 if args.quick else 20) * concurrency / args.latency)
    results.update(ray_vs_local(work, n, args.latency, concurrency))
    print(json.dumps(results, indent=2, ensure_ascii=False))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", "utf-8")


if __name__ == "__main__":
    main()
