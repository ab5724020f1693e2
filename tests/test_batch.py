"""Batch files: prepare → submit → status → download → collect, offline.

The Files and Batches API is the local fault server's (bench/fault_server.py); ``vllm run-batch``
results are written here in its format (OpenAI-shaped lines, errors inline).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bench.fault_server import FaultServer, _segment_of, completion, default_answer
from extractor.cli import app
from extractor.run import batch
from extractor.run.bulk import BulkJob
from extractor.settings import Settings
from tests.conftest import ROOT, SEEDS
from tests.llm import local_network

runner = CliRunner()
DEV = ROOT / "gold" / "dev.docs.jsonl"
KEY = "sk-test-batch-secret-0123456789"
PUBLISHED = "2024-04-22"


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]


def model_flags(base_url: str, cache: Path, *extra: str) -> list[str]:
    return [
        "--backend",
        "openai",
        "--model",
        "mock-model",
        "--base-url",
        base_url,
        "--cache-dir",
        str(cache),
        "--max-retries",
        "0",
        *extra,
    ]


def invoke(*args: str):
    return runner.invoke(app, [*args], catch_exceptions=False)


@pytest.fixture
def api_key(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    return KEY


def prepare(tmp_path: Path, base_url: str, cache: Path, *inputs: Path, extra=()) -> list[Path]:
    result = invoke(
        "batch",
        "prepare",
        *map(str, inputs or (SEEDS,)),
        "-o",
        str(tmp_path / "requests.jsonl"),
        "--published-at",
        PUBLISHED,
        *model_flags(base_url, cache),
        *extra,
    )
    assert result.exit_code == 0, result.output
    return [Path(p) for p in result.stdout.split()]


def collect(
    tmp_path: Path, base_url: str, cache: Path, *files: str, inputs=(SEEDS,), name="events"
):
    out = tmp_path / f"{name}.jsonl"
    result = runner.invoke(
        app,
        [
            "batch",
            "collect",
            *map(str, inputs),
            *files,
            "-o",
            str(out),
            "--published-at",
            PUBLISHED,
            "--summary-json",
            str(tmp_path / f"{name}.summary.json"),
            *model_flags(base_url, cache),
        ],
    )
    return result, out


def vllm_results(requests: Path, out: Path, answer=None) -> list[dict]:
    """What `vllm run-batch -i requests -o out` writes: one line per request, in input order."""
    lines = []
    for i, request in enumerate(read_jsonl(requests)):
        body = request["body"]
        reply = (answer or (lambda b, i: completion(b, default_answer(_segment_of(b)))))(body, i)
        if isinstance(reply, str):  # an error, inline as vLLM writes it
            line = {
                "id": f"vllm-{i}",
                "custom_id": request["custom_id"],
                "response": {"status_code": 400, "request_id": f"vllm-batch-{i}", "body": None},
                "error": reply,
            }
        else:
            line = {
                "id": f"vllm-{i}",
                "custom_id": request["custom_id"],
                "response": {"status_code": 200, "request_id": f"vllm-batch-{i}", "body": reply},
                "error": None,
            }
        lines.append(line)
    out.write_text("".join(json.dumps(x, ensure_ascii=False) + "\n" for x in lines), "utf-8")
    return lines


# ---- prepare ---------------------------------------------------------------------------------


@local_network
@pytest.mark.parametrize("mode", ["tools", "md_json", "json_schema"])
def test_prepared_bodies_are_what_run_sends(tmp_path: Path, mode: str, api_key):
    """A batch line's body is built by the live path's request builder: it equals (as JSON, which
    is what a server reads) the body the SDK sent for the same text in a live run."""
    with FaultServer() as server:
        server.keep_requests = 1000
        flags = model_flags(server.base_url, tmp_path / "live-cache", "--mode", mode)
        live = invoke(
            "run",
            str(SEEDS),
            "-o",
            str(tmp_path / "live.jsonl"),
            "-q",
            "--published-at",
            PUBLISHED,
            *flags,
        )
        assert live.exit_code == 0, live.output
        sent = [json.loads(raw) for raw in server.raw_requests]
        files = prepare(tmp_path, server.base_url, tmp_path / "batch-cache", extra=("--mode", mode))
    assert len(files) == 1
    data = files[0].read_bytes()
    lines = read_jsonl(files[0])
    assert len(lines) == len(sent) > 5
    bodies = [line["body"] for line in lines]
    for body in sent:  # every body the SDK sent is a body of the batch file, and no other
        assert body in bodies
    canonical = lambda bodies: sorted(json.dumps(b, sort_keys=True) for b in bodies)  # noqa: E731
    assert canonical(sent) == canonical(bodies)
    for line in lines:
        assert line["method"] == "POST" and line["url"] == "/v1/chat/completions"
        assert len(line["custom_id"]) == 64
    assert KEY.encode() not in data


@local_network
def test_prepare_skips_answered_requests_and_splits_files(tmp_path: Path, api_key):
    cache = tmp_path / "cache"
    with FaultServer() as server:
        all_files = prepare(tmp_path / "all", server.base_url, cache, SEEDS, DEV)
        total = sum(len(read_jsonl(p)) for p in all_files)
        first = sorted(SEEDS.glob("*.txt"))[0]
        live = invoke(
            "run",
            str(first),
            "-o",
            str(tmp_path / "one.jsonl"),
            "-q",
            "--published-at",
            PUBLISHED,
            *model_flags(server.base_url, cache),
        )
        assert live.exit_code == 0
        answered = server.counts["requests"]
        files = prepare(tmp_path, server.base_url, cache, SEEDS, DEV, extra=("--max-lines", "10"))
    assert answered >= 1
    assert [p.name for p in files] == ["requests.jsonl"] + [
        f"requests.{n}.jsonl" for n in range(2, len(files) + 1)
    ]
    counts = [len(read_jsonl(p)) for p in files]
    assert all(n <= 10 for n in counts) and sum(counts) == total - answered
    ids = [line["custom_id"] for p in files for line in read_jsonl(p)]
    assert len(ids) == len(set(ids))
    assert not list(tmp_path.glob("*.part"))


def test_prepare_needs_a_model_and_the_cache(tmp_path: Path):
    result = runner.invoke(app, ["batch", "prepare", str(SEEDS), "-o", str(tmp_path / "r.jsonl")])
    assert result.exit_code == 2 and "--model" in result.output
    result = runner.invoke(
        app,
        [
            "batch",
            "prepare",
            str(SEEDS),
            "-o",
            str(tmp_path / "r.jsonl"),
            "--model",
            "m",
            "--no-cache",
        ],
    )
    assert result.exit_code == 2 and "drop --no-cache" in result.output


def test_split_respects_the_byte_limit(tmp_path: Path):
    writer = batch._PartWriter(tmp_path / "r.jsonl", max_lines=100, max_bytes=25)
    for i in range(5):
        writer.write(f'{{"custom_id":"{i}"}}\n'.encode())  # 17 bytes: one line per file
    writer.close()
    assert [p.name for p in writer.files] == [
        "r.jsonl",
        "r.2.jsonl",
        "r.3.jsonl",
        "r.4.jsonl",
        "r.5.jsonl",
    ]
    with pytest.raises(batch.BatchError, match="lower --chunk-chars"):
        batch._PartWriter(tmp_path / "x.jsonl", 10, 5).write(b"x" * 6)


# ---- submit / status / download and the whole round trip --------------------------------------


@local_network
def test_round_trip_then_run_makes_no_request_and_gives_the_same_records(tmp_path: Path, api_key):
    cache = tmp_path / "cache"
    with FaultServer() as server:
        (requests,) = prepare(tmp_path, server.base_url, cache, SEEDS, DEV)
        result = invoke("batch", "submit", str(requests), "--base-url", server.base_url)
        assert result.exit_code == 0, result.output
        batch_id = result.stdout.split()[0]
        state = json.loads((tmp_path / "requests.batch.json").read_text("utf-8"))
        assert state["batch_id"] == batch_id and state["input_file_id"]
        early = invoke(
            "batch",
            "download",
            batch_id,
            "-o",
            str(tmp_path / "r.jsonl"),
            "--base-url",
            server.base_url,
        )
        assert early.exit_code == 2 and "in_progress" in early.output  # not finished yet
        status = invoke("batch", "status", "--json", "--base-url", server.base_url, str(requests))
        (info,) = json.loads(status.stdout)
        assert info["status"] == "completed" and info["note"].startswith("completed")
        got = invoke(
            "batch",
            "download",
            str(requests),
            "-o",
            str(tmp_path / "results.jsonl"),
            "--base-url",
            server.base_url,
        )
        assert got.exit_code == 0, got.output
        assert not (tmp_path / "results.errors.jsonl").exists()
        collected, out = collect(
            tmp_path,
            server.base_url,
            cache,
            "--results",
            str(tmp_path / "results.jsonl"),
            inputs=(SEEDS, DEV),
        )
        assert collected.exit_code == 0, collected.output
        summary = json.loads((tmp_path / "events.summary.json").read_text("utf-8"))
        assert summary["batch"]["answered"] == len(read_jsonl(requests))
        assert summary["batch"]["usage"]["prompt_tokens"] > 0
        assert summary["failed"] == 0 and summary["events"] > 0
        before = server.counts["requests"]
        rerun = invoke(
            "run",
            str(SEEDS),
            str(DEV),
            "-o",
            str(tmp_path / "run.jsonl"),
            "-q",
            "--published-at",
            PUBLISHED,
            *model_flags(server.base_url, cache),
        )
        assert rerun.exit_code == 0
        assert server.counts["requests"] == before  # not one chat request
    assert out.read_text("utf-8") and sorted(out.read_text("utf-8").splitlines()) == sorted(
        (tmp_path / "run.jsonl").read_text("utf-8").splitlines()
    )
    for path in tmp_path.rglob("*"):  # the key is never written anywhere
        if path.is_file() and "cache" not in path.parts:
            assert KEY not in path.read_text("utf-8", errors="replace"), path


@local_network
def test_submit_again_or_after_a_crash_never_starts_a_second_batch(
    tmp_path: Path, api_key, monkeypatch
):
    from extractor.backends.openai_api.batch import BatchService

    with FaultServer() as server:
        (requests,) = prepare(tmp_path, server.base_url, tmp_path / "cache")
        settings = Settings(base_url=server.base_url)
        real_create = BatchService.create

        def create_then_crash(self, *args, **kwargs):
            real_create(self, *args, **kwargs)
            raise KeyboardInterrupt  # the process dies before the batch id is saved

        monkeypatch.setattr(BatchService, "create", create_then_crash)
        with pytest.raises(KeyboardInterrupt):
            batch.submit([requests], settings)
        state = batch.read_state(batch.state_path(requests))
        assert state["input_file_id"] and "batch_id" not in state  # the upload was saved
        monkeypatch.setattr(BatchService, "create", real_create)
        (recovered,) = batch.submit([requests], settings)
        assert recovered["batch_id"] == "batch_1" and "recovered" in recovered["note"]
        (again,) = batch.submit([requests], settings)
        assert "already submitted" in again["note"]
        assert len(server.batches) == 1 and server.counts["POST /files"] == 1


@local_network
def test_expired_batch_is_reported_and_its_remainder_prepared_again(tmp_path: Path, api_key):
    cache = tmp_path / "cache"
    with FaultServer() as server:
        server.batch_outcome, server.batch_steps = "expired", 0
        (requests,) = prepare(tmp_path, server.base_url, cache)
        n = len(read_jsonl(requests))
        invoke("batch", "submit", str(requests), "--base-url", server.base_url)
        status = invoke("batch", "status", "--base-url", server.base_url, str(requests))
        assert "expired" in status.output
        (info,) = batch.status([str(requests)], Settings(base_url=server.base_url))
        assert info["note"].startswith(f"expired with {(n + 1) // 2} of {n} requests answered")
        got = invoke(
            "batch",
            "download",
            str(requests),
            "-o",
            str(tmp_path / "results.jsonl"),
            "--base-url",
            server.base_url,
        )
        assert got.exit_code == 0, got.output
        errors = tmp_path / "results.errors.jsonl"
        assert len(read_jsonl(errors)) == n - (n + 1) // 2
        collected, out = collect(
            tmp_path,
            server.base_url,
            cache,
            "--results",
            str(tmp_path / "results.jsonl"),
            "--errors",
            str(errors),
        )
        assert collected.exit_code == 1  # documents are waiting for the expired requests
        failures = read_jsonl(tmp_path / "events.failures.jsonl")
        assert failures and all("expired" in f["message"] for f in failures)
        again = prepare(tmp_path / "round2", server.base_url, cache)
        expired_ids = {line["custom_id"] for line in read_jsonl(errors)}
        assert {line["custom_id"] for line in read_jsonl(again[0])} == expired_ids


@local_network
def test_partly_failed_batch_downloads_its_error_file(tmp_path: Path, api_key):
    cache = tmp_path / "cache"
    with FaultServer() as server:
        server.batch_outcome, server.batch_steps = "partial", 0
        (requests,) = prepare(tmp_path, server.base_url, cache)
        n = len(read_jsonl(requests))
        batch.submit([requests], Settings(base_url=server.base_url))
        got = batch.download(
            str(requests), tmp_path / "results.jsonl", Settings(base_url=server.base_url)
        )
        assert got.output is not None and got.errors == tmp_path / "results.errors.jsonl"
        failed = n // 3
        assert got.note.startswith(f"completed, but {failed} of {n} requests failed")
        assert len(read_jsonl(got.errors)) == failed
        collected, _ = collect(
            tmp_path,
            server.base_url,
            cache,
            "--results",
            str(got.output),
            "--errors",
            str(got.errors),
        )
    assert collected.exit_code == 1
    failures = read_jsonl(tmp_path / "events.failures.jsonl")
    assert failures and all("HTTP 500" in f["message"] for f in failures)
    state = batch.read_state(batch.state_path(requests))
    assert state["status"] == "completed" and state["downloaded"]["errors"]


@local_network
def test_failed_batch_says_why(tmp_path: Path, api_key):
    with FaultServer() as server:
        server.batch_outcome, server.batch_steps = "failed", 0
        (requests,) = prepare(tmp_path, server.base_url, tmp_path / "cache")
        batch.submit([requests], Settings(base_url=server.base_url))
        result = invoke(
            "batch",
            "download",
            str(requests),
            "-o",
            str(tmp_path / "r.jsonl"),
            "--base-url",
            server.base_url,
        )
    assert result.exit_code == 2 and "refused the input file" in result.output


# ---- collect on vllm run-batch results --------------------------------------------------------


def test_collect_vllm_results_with_errors_and_an_invalid_answer(tmp_path: Path):
    base_url = "http://127.0.0.1:9/v1"  # never called: collect answers from the files
    cache = tmp_path / "cache"
    (requests,) = prepare(tmp_path, base_url, cache, SEEDS, DEV)
    n = len(read_jsonl(requests))

    def answer(body, i):
        if i == 1:
            return "Input prompt is too long"  # vLLM's inline error
        if i == 2:  # schema-invalid: instructor would re-ask
            return completion(body, {"events": [{"event_type": "bombing", "quote": 7}]})
        if i == 3:  # talked until max_tokens (llama-cpp-python still says "tool_calls"): a
            # re-ask would quote the whole answer back; it fails its document with advice
            cut = completion(body, default_answer(_segment_of(body)), truncate=True)
            cut["choices"][0]["finish_reason"] = "tool_calls"
            cut["usage"]["completion_tokens"] = body["max_tokens"]
            return cut
        return completion(body, default_answer(_segment_of(body)))

    lines = vllm_results(requests, tmp_path / "results.jsonl", answer)
    collected, out = collect(
        tmp_path, base_url, cache, "--results", str(tmp_path / "results.jsonl"), inputs=(SEEDS, DEV)
    )
    assert collected.exit_code == 1, collected.output
    summary = json.loads((tmp_path / "events.summary.json").read_text("utf-8"))["batch"]
    assert (summary["answered"], summary["invalid"], summary["errors"]) == (n - 3, 1, 1)
    failures = {f["message"] for f in read_jsonl(tmp_path / "events.failures.jsonl")}
    assert any("Input prompt is too long" in m for m in failures)
    assert any("cut off at max_tokens" in m and "retry.jsonl" not in m for m in failures)
    assert any("failed validation" in m and "retry.jsonl" in m for m in failures)
    # the re-ask: original messages + the model's tool call + the validation errors
    (retry,) = read_jsonl(tmp_path / "events.retry.jsonl")
    original = read_jsonl(requests)[2]
    assert retry["custom_id"] == lines[2]["custom_id"] == original["custom_id"]
    messages = retry["body"]["messages"]
    assert messages[: len(original["body"]["messages"])] == original["body"]["messages"]
    assert messages[-2]["role"] == "assistant" and messages[-2]["tool_calls"]
    assert messages[-1]["role"] == "tool" and "Validation Error" in messages[-1]["content"]
    assert {k: v for k, v in retry["body"].items() if k != "messages"} == {
        k: v for k, v in original["body"].items() if k != "messages"
    }
    # round 2: the re-ask and the errored and cut-off requests answered; every document succeeds
    redo = [read_jsonl(requests)[1], retry, read_jsonl(requests)[3]]
    (tmp_path / "round2.jsonl").write_text(
        "".join(json.dumps(x, ensure_ascii=False) + "\n" for x in redo), "utf-8"
    )
    vllm_results(tmp_path / "round2.jsonl", tmp_path / "results2.jsonl")
    # without --resume (or --overwrite) the second round is refused before anything is touched
    retry_before = (tmp_path / "events.retry.jsonl").read_bytes()
    refused, _ = collect(
        tmp_path,
        base_url,
        cache,
        "--results",
        str(tmp_path / "results2.jsonl"),
        inputs=(SEEDS, DEV),
    )
    assert refused.exit_code == 2, refused.output
    assert "--resume" in refused.output and "--overwrite" in refused.output
    assert (tmp_path / "events.retry.jsonl").read_bytes() == retry_before
    second, _ = collect(
        tmp_path,
        base_url,
        cache,
        "--results",
        str(tmp_path / "results2.jsonl"),
        "--resume",
        "--retry-failed",
        inputs=(SEEDS, DEV),
    )
    assert second.exit_code == 0, second.output
    assert not (tmp_path / "events.retry.jsonl").exists()
    assert not (tmp_path / "events.failures.jsonl").exists()  # none left: no empty file


def test_collect_keeps_the_valid_drafts_of_an_answer_with_an_invalid_one(tmp_path: Path):
    base_url = "http://127.0.0.1:9/v1"  # never called: collect answers from the files
    cache = tmp_path / "cache"
    (requests,) = prepare(tmp_path, base_url, cache, SEEDS)

    def answer(body, i):
        drafts = default_answer(_segment_of(body))["events"]
        if i == 0:  # one draft with a type outside the list, among the valid ones
            assert drafts, "the first request should hold money sentences"
            drafts = [*drafts, {"event_type": "bombing", "quote": drafts[0]["quote"]}]
        return completion(body, {"events": drafts})

    vllm_results(requests, tmp_path / "results.jsonl", answer)
    collected, out = collect(
        tmp_path, base_url, cache, "--results", str(tmp_path / "results.jsonl")
    )
    assert collected.exit_code == 0, collected.output
    summary = json.loads((tmp_path / "events.summary.json").read_text("utf-8"))
    assert summary["batch"]["invalid"] == 0 and summary["failed"] == 0
    assert summary["grounding"]["rejected"]["invalid"] == 1
    assert not (tmp_path / "events.retry.jsonl").exists()
    records = read_jsonl(out)
    first = read_jsonl(requests)[0]["custom_id"]
    assert any(r["provenance"]["cache_key"] == first for r in records)


def test_a_crash_in_the_middle_of_collect_then_a_rerun_gives_the_same_output(
    tmp_path: Path, monkeypatch
):
    from extractor.backends.openai_api.batch import BatchCodec
    from extractor.run.output import JsonlSink

    base_url = "http://127.0.0.1:9/v1"
    (requests,) = prepare(tmp_path, base_url, tmp_path / "c0", SEEDS, DEV)
    vllm_results(requests, tmp_path / "results.jsonl")
    results = ("--results", str(tmp_path / "results.jsonl"))
    reference, ref_out = collect(
        tmp_path, base_url, tmp_path / "c1", *results, inputs=(SEEDS, DEV), name="reference"
    )
    assert reference.exit_code == 0
    expected = sorted(ref_out.read_text("utf-8").splitlines())
    assert expected

    def crash_after(n, cls, name):
        real = getattr(cls, name)
        calls = [0]

        def crashing(self, *args, **kwargs):
            calls[0] += 1
            if calls[0] > n:
                raise KeyboardInterrupt
            return real(self, *args, **kwargs)

        monkeypatch.setattr(cls, name, crashing)
        return lambda: monkeypatch.setattr(cls, name, real)

    # 1. killed while the answers go into the cache
    restore = crash_after(10, BatchCodec, "store")
    crashed, _ = collect(tmp_path, base_url, tmp_path / "c2", *results, inputs=(SEEDS, DEV))
    assert crashed.exit_code == 130
    restore()
    rerun, out = collect(tmp_path, base_url, tmp_path / "c2", *results, inputs=(SEEDS, DEV))
    assert rerun.exit_code == 0 and sorted(out.read_text("utf-8").splitlines()) == expected
    # 2. killed while the records are written; the rerun resumes
    restore = crash_after(7, JsonlSink, "write")
    crashed, _ = collect(
        tmp_path, base_url, tmp_path / "c3", *results, inputs=(SEEDS, DEV), name="resumed"
    )
    assert crashed.exit_code == 130
    restore()
    partial = (tmp_path / "resumed.jsonl").read_text("utf-8").splitlines()
    assert 0 < len(partial) < len(expected)
    resumed = runner.invoke(
        app,
        [
            "batch",
            "collect",
            str(SEEDS),
            str(DEV),
            *results,
            "-o",
            str(tmp_path / "resumed.jsonl"),
            "--resume",
            "--published-at",
            PUBLISHED,
            "-q",
            *model_flags(base_url, tmp_path / "c3"),
        ],
    )
    assert resumed.exit_code == 0, resumed.output
    assert sorted((tmp_path / "resumed.jsonl").read_text("utf-8").splitlines()) == expected


def test_result_line_reasons():
    ok = {
        "custom_id": "k",
        "response": {"status_code": 200, "body": {"choices": []}},
        "error": None,
    }
    assert batch._error_reason(ok) is None
    openai_error = {
        "custom_id": "k",
        "response": {
            "status_code": 429,
            "body": {"error": {"message": "slow down", "type": "rate"}},
        },
        "error": None,
    }
    assert "HTTP 429" in batch._error_reason(openai_error) and "slow down" in batch._error_reason(
        openai_error
    )
    expired = {
        "custom_id": "k",
        "response": None,
        "error": {"code": "batch_expired", "message": "window"},
    }
    assert "expired" in batch._error_reason(expired)
    vllm = {
        "custom_id": "k",
        "response": {"status_code": 400, "body": None},
        "error": {"error": {"message": "bad", "type": "BadRequestError", "code": 400}},
    }
    assert "bad" in batch._error_reason(vllm)


def test_collect_counts_cost_at_batch_prices():
    from extractor.core.backend import Usage
    from extractor.run.runner import RunSummary

    seen = batch.Ingested(usage=Usage(prompt_tokens=2_000_000, completion_tokens=1_000_000))
    summary = batch.CollectSummary(RunSummary(), seen)
    assert summary.cost(0.15, 0.60, 0.5) == pytest.approx((0.30 + 0.60) * 0.5)
    assert summary.cost(None, None, 0.5) is None


def test_collect_refuses_its_own_inputs_as_output(tmp_path: Path):
    job = BulkJob([tmp_path], tmp_path / "events.jsonl")
    with pytest.raises(Exception, match="inside an input folder"):
        batch.collect(job, [tmp_path / "r.jsonl"], Settings(model="m"))
