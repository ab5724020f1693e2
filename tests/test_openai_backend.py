"""The openai backend, offline.

Model traffic in cassettes is real (recorded from llama-cpp-python serving
Qwen2.5-Coder-1.5B-Instruct, see `make record`); transport faults come from the local fault server (tests named *_fault_server).
"""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from bench.fault_server import FaultConfig, FaultServer
from extractor.backends.replay import replaying
from extractor.cli import app
from extractor.core.backend import SegmentRequest
from extractor.errors import BackendError, ModelUnavailableError
from extractor.events.task import events_task
from extractor.settings import Settings
from tests.conftest import CASSETTES, ROOT, SEEDS, run_doc
from tests.llm import fault_backend, local_network, mock_backend, recorded_backend, tool_answer

SEGMENT = (
    "أعلنت الولايات المتحدة الجمعة تقديم مساعدات عسكرية جديدة بقيمة 125 مليون دولار لكييف، "
    "فيما تواصل القوات الأوكرانية هجومها المباغت داخل الأراضي الروسية."
)
runner = CliRunner()


def request(text: str = SEGMENT, doc_id: str = "d") -> SegmentRequest:
    return SegmentRequest(doc_id, 0, "main", text)


def draft(backend, text: str = SEGMENT):
    async def once():
        try:
            return await backend.draft(request(text))
        finally:
            await backend.aclose()  # its connections belong to this event loop

    return asyncio.run(once())


# ---- replayed real model traffic -------------------------------------------------------------


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]


@pytest.fixture(scope="module")
def seeds_replay(tmp_path_factory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("replay") / "llm.jsonl"
    summary = out.with_suffix(".summary.json")
    result = runner.invoke(
        app,
        [
            "run",
            str(SEEDS),
            "--backend",
            "openai",
            "--replay",
            str(CASSETTES / "seeds.yaml"),
            "-o",
            str(out),
            "--summary-json",
            str(summary),
            "-q",
        ],
    )
    assert result.exit_code == 0, result.output
    return out, json.loads(summary.read_text(encoding="utf-8"))


def test_seeds_replay_end_to_end_accounts_for_every_document(seeds_replay):
    out, summary = seeds_replay
    assert summary["documents"] == 5 and summary["failed"] == 0
    usage = summary["usage"]
    assert usage["requests"] >= 16 and usage["prompt_tokens"] > 10_000
    assert usage["completion_tokens"] > 1_000
    # Qwen2.5-Coder-1.5B finds real events: at least three of them match the gold
    from extractor.tools.evaluate import load_gold, load_predictions, score

    report = score(load_gold(ROOT / "gold" / "seeds.jsonl"), load_predictions(out))
    assert report["events"]["relaxed"]["tp"] >= 3, report["events"]


def test_grounding_keeps_only_what_the_text_says(seeds_replay):
    # a 1.5B model names parties and values the sentence does not state, and some types without
    # their required values: grounding drops them (and counts them), it never invents
    out, summary = seeds_replay
    dropped = summary["grounding"]["dropped_values"]
    assert sum(dropped.values()) >= 10, dropped
    texts = {p.stem: p.read_text(encoding="utf-8") for p in SEEDS.glob("*.txt")}
    records = read_jsonl(out)
    assert records
    for r in records:
        text = texts[r["doc_id"]]
        e = r["evidence"]
        assert text[e["start"] : e["end"]] == e["quote"]
        values = [*r["actors"], *r["targets"], *r["money"], *r["items"]]
        values += [v for v in (r["date"], r["location"]) if v]
        for v in values:  # each value is the text's own words at its offsets
            assert v["start"] is not None and text[v["start"] : v["end"]] == v["surface"], v


def test_cache_hit_makes_no_request(tmp_path: Path):
    from extractor.backends.replay import recorded_settings
    from extractor.run.factory import make_pipeline
    from extractor.settings import Settings

    cassette = CASSETTES / "seeds.yaml"
    settings = Settings(**recorded_settings(cassette), cache_dir=tmp_path / "cache")
    doc = (SEEDS / "004_1d2b2980ef37757c.txt").read_text(encoding="utf-8")
    with replaying(cassette):
        first = run_doc(make_pipeline(settings), doc, "004_1d2b2980ef37757c")
    assert first.ok, first.message
    assert first.usage.requests >= 1 and first.usage.cache_hits == 0
    # No cassette now and the network is blocked: any HTTP request would fail the document.
    second = run_doc(make_pipeline(settings), doc, "004_1d2b2980ef37757c")
    assert second.ok, second.message
    assert second.usage.requests == 0 and second.usage.cache_hits == first.usage.requests
    assert [e.event_id for e in second.events] == [e.event_id for e in first.events]


def test_cache_key_covers_what_shapes_the_answer_and_never_the_key(tmp_path: Path):
    import shutil

    from extractor.backends.openai_backend import OpenAIBackend
    from extractor.core.prompting import default_prompts_dir

    base = recorded_backend(tmp_path)
    key = base.key_for(SEGMENT)
    assert recorded_backend(tmp_path, temperature=0.5).key_for(SEGMENT) != key
    assert recorded_backend(tmp_path, model="other-model").key_for(SEGMENT) != key
    assert recorded_backend(tmp_path, max_tokens=512).key_for(SEGMENT) != key
    assert base.key_for(SEGMENT.replace("125", "126")) != key
    prompts = tmp_path / "prompts"
    shutil.copytree(default_prompts_dir(), prompts)
    system = prompts / "events.system.j2"
    system.write_text(system.read_text(encoding="utf-8") + " Be brief.", encoding="utf-8")
    edited = OpenAIBackend(base.config, events_task(prompts))
    assert edited.key_for(SEGMENT) != key
    # spacing and tashkeel do not change what the model is asked about
    assert base.key_for("  " + SEGMENT.replace(" ", "  ") + "\n") == key
    # the API key is not part of the cache key
    assert recorded_backend(tmp_path, api_key="sk-one").key_for(SEGMENT) == recorded_backend(
        tmp_path, api_key="sk-two"
    ).key_for(SEGMENT)


def test_missing_recording_fails_at_once_with_a_clear_message(tmp_path: Path):
    cassette = tmp_path / "empty.yaml"
    cassette.write_text("interactions: []\nversion: 1\n", encoding="utf-8")
    backend = recorded_backend()
    started = time.monotonic()
    with replaying(cassette), pytest.raises(BackendError, match="not in the replay cassette"):
        draft(backend, "نص لم يسجل أبدا في أي شريط: أعلنت فرنسا تقديم 40 دبابة لأوكرانيا.")
    assert time.monotonic() - started < 5


# ---- transport faults (local fault server) ---------------------------------------------------


@local_network
def test_429_with_retry_after_is_retried_fault_server():
    cfg = FaultConfig(rates={"rate_limit": 1.0}, retry_after=0.0)
    with FaultServer(cfg) as server:
        backend = fault_backend(server.base_url, max_retries=2)
        with pytest.raises(BackendError, match="kept failing after 2 retries"):
            draft(backend)
        assert server.counts["rate_limit"] == 3  # 1 try + 2 retries, then give up


@local_network
def test_transient_faults_then_success_are_counted_fault_server():
    with FaultServer(FaultConfig(rates={"server_error": 0.5, "reset": 0.2}, seed=3)) as server:
        backend = fault_backend(server.base_url, max_retries=10)
        answer = draft(backend)
    assert answer.usage.retries == server.counts["server_error"] + server.counts["reset"]
    assert answer.usage.retries >= 1
    assert [d.money for d in answer.drafts] == [["125 مليون دولار"]]


@local_network
def test_schema_invalid_answer_is_reasked_within_bounds_fault_server():
    with FaultServer(FaultConfig(rates={"bad_schema": 1.0})) as server:
        backend = fault_backend(server.base_url, max_reasks=2, max_retries=0)
        with pytest.raises(BackendError, match="failed validation after 3 attempt"):
            draft(backend)
        assert server.counts["requests"] == 3


@local_network
def test_truncated_output_fails_with_advice_fault_server():
    with FaultServer(FaultConfig(rates={"truncated": 1.0})) as server:
        with pytest.raises(BackendError, match="max_tokens"):
            draft(fault_backend(server.base_url))


@local_network
def test_a_runaway_answer_is_asked_again_in_halves_not_reasked_fault_server():
    # a small model may repeat itself until max_tokens, and llama-cpp-python still says
    # "tool_calls": quoting that answer back in a re-ask overflowed the server's context (dev)
    second = "وأعلنت ألمانيا تقديم مساعدات بقيمة 500 مليون يورو لأوكرانيا."
    text = SEGMENT + " " + second
    with FaultServer(FaultConfig(runaway_over_chars=len(SEGMENT) + 5)) as server:
        answer = draft(fault_backend(server.base_url, max_reasks=1, max_retries=0), text)
        assert server.counts["runaway"] == 1 and server.counts["requests"] == 3
    assert [d.money for d in answer.drafts] == [["125 مليون دولار"], ["500 مليون يورو"]]
    assert answer.usage.reasks == 0


def test_a_cached_answer_joined_from_halves_is_read_back_whole(tmp_path: Path):
    # the halves of a long text may hold more drafts together than one answer may (20 events):
    # the cache gives them back, no request, no validation error
    backend = fault_backend("http://127.0.0.1:9/v1", cache_dir=tmp_path / "c")  # never called
    drafts = [{"quote": SEGMENT, "event_type": "aid", "money": ["125 مليون دولار"]}] * 21
    backend.cache.set(backend.key_for(SEGMENT), {"drafts": {"events": drafts}, "usage": {}})
    answer = draft(backend)
    assert len(answer.drafts) == 21 and answer.usage.cache_hits == 1


@local_network
def test_a_runaway_answer_on_one_sentence_fails_with_advice_fault_server():
    # a sentence too short to be a piece of a long one is not cut (a model that loops on it
    # would loop on its halves too)
    with FaultServer(FaultConfig(runaway_over_chars=10)) as server:
        with pytest.raises(BackendError, match="cut off at max_tokens"):
            draft(fault_backend(server.base_url, max_retries=0), SEGMENT)
        assert server.counts["requests"] == 1


@local_network
@pytest.mark.parametrize("fault", ["non_json", "empty"])
def test_unusable_answers_fail_the_document_not_the_run_fault_server(fault: str):
    # status 200 with an HTML page or an empty choices list is retried like a 5xx
    with FaultServer(FaultConfig(rates={fault: 1.0})) as server:
        with pytest.raises(BackendError, match="kept failing after 1 retries: an answer with "):
            draft(fault_backend(server.base_url, max_retries=1))
        assert server.counts["requests"] == 2


@local_network
def test_timeout_is_retried_then_fails_fault_server():
    with FaultServer(FaultConfig(rates={"hang": 1.0}, hang_seconds=1.0)) as server:
        backend = fault_backend(server.base_url, timeout=0.3, max_retries=1)
        with pytest.raises(BackendError, match="kept failing"):
            draft(backend)


@local_network
@pytest.mark.parametrize(
    "status, message", [(401, "refused the API key"), (404, "not found")], ids=["401", "404"]
)
def test_fatal_statuses_stop_the_run_fault_server(status: int, message: str):
    with FaultServer(FaultConfig(force_status=status)) as server:
        with pytest.raises(ModelUnavailableError, match=message):
            draft(fault_backend(server.base_url))
        assert server.counts["requests"] == 1  # never retried


@local_network
def test_refused_connection_is_one_clear_line(tmp_path: Path):
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    seed = SEEDS / "004_1d2b2980ef37757c.txt"
    result = runner.invoke(
        app,
        [
            "run",
            str(seed),
            "--backend",
            "openai",
            "--model",
            "m",
            "--base-url",
            f"http://127.0.0.1:{port}/v1",
            "-o",
            str(tmp_path / "o.jsonl"),
            "--no-cache",
            "-q",
        ],
    )
    assert result.exit_code == 2
    assert "connection refused" in result.output and "Traceback" not in result.output


# ---- settings --------------------------------------------------------------------------------


def test_settings_precedence(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-from-openai-env")
    monkeypatch.setenv("OPENAI_BASE_URL", "http://openai-env/v1")
    monkeypatch.setenv("EXTRACTOR_MODEL", "env-model")
    s = Settings()
    assert s.secret() == "sk-from-openai-env" and s.base_url == "http://openai-env/v1"
    assert s.model == "env-model" and s.resolved_backend() == "openai"
    monkeypatch.setenv("EXTRACTOR_API_KEY", "sk-from-extractor-env")
    monkeypatch.setenv("EXTRACTOR_BASE_URL", "http://extractor-env/v1")
    s = Settings()
    assert s.secret() == "sk-from-extractor-env" and s.base_url == "http://extractor-env/v1"
    s = Settings(model="flag-model", base_url="http://flag/v1", backend="rules")
    assert (
        s.model == "flag-model"
        and s.base_url == "http://flag/v1"
        and s.resolved_backend() == "rules"
    )
    assert "sk-from" not in repr(s)  # the key never shows in reprs or logs


def test_no_model_means_rules(monkeypatch):
    for name in ("EXTRACTOR_MODEL", "EXTRACTOR_BACKEND"):
        monkeypatch.delenv(name, raising=False)
    assert Settings().resolved_backend() == "rules"


def _gaz():
    from extractor.arabic.gazetteer import load_gazetteer

    return load_gazetteer()


# ---- a validation failure, recorded from the real model server --------------------------------

from pydantic import field_validator  # noqa: E402

from extractor.schemas import DraftBatch  # noqa: E402


class ClauseBatch(DraftBatch):
    """Drafts whose quotes must be one short clause: a rule the model does not follow (it copies
    whole sentences, as the prompt asks), so validation fails, instructor re-asks with the error,
    and the re-ask fails too."""

    @field_validator("events")
    @classmethod
    def quotes_are_short_clauses(cls, events):
        if not events:
            raise ValueError("the article states an aid package: return it as an event")
        for e in events:
            if len(e.quote) > 40:
                raise ValueError(
                    f"quote {e.quote[:50]!r} is longer than 40 characters: copy only the clause "
                    "that names the amount"
                )
        return events


@pytest.mark.vcr
def test_validation_failure_triggers_a_bounded_reask(vcr):
    backend = recorded_backend(max_reasks=1)
    backend.response_model = ClauseBatch
    with pytest.raises(BackendError, match="failed validation after 2 attempt") as caught:
        draft(backend)
    usage = caught.value.usage
    assert usage.requests == 2 and usage.reasks == 1  # one answer, one re-ask, then stop
    assert usage.prompt_tokens > 0 and usage.completion_tokens > 0
    assert len(vcr.requests) == 2  # the cassette holds exactly the answer and the re-ask


# ---- the transport seam (httpx.MockTransport under the SDK) -----------------------------------

AID = {"quote": SEGMENT, "event_type": "aid", "money": ["125 مليون دولار"], "stage": "announced"}
ATTACK = {"quote": SEGMENT, "event_type": "attack", "actors": ["القوات الأوكرانية"]}
BOMBING = {"quote": SEGMENT, "event_type": "bombing", "money": ["125 مليون دولار"]}


def conversation(*answers):
    """A handler answering each request with the next of ``answers`` (argument dicts, or
    ready responses); it keeps the request bodies."""
    seen: list[dict] = []

    def handler(request):
        seen.append(json.loads(request.content))
        answer = answers[min(len(seen), len(answers)) - 1]
        return answer if isinstance(answer, httpx.Response) else tool_answer(request, answer)

    return handler, seen


def test_one_invalid_draft_among_valid_ones_keeps_the_valid_ones_records():
    from extractor.run.factory import make_pipeline

    answer = {"events": [AID, BOMBING, ATTACK]}  # the model repeats itself when re-asked
    handler, seen = conversation(answer, answer)
    backend = mock_backend(handler, max_reasks=1)
    result = run_doc(make_pipeline(backend.config, backend, backend.task), SEGMENT, "d")
    assert result.ok, result.message
    assert sorted(e.event_type for e in result.events) == ["aid", "attack"]
    assert result.stats.rejected["invalid"] == 1
    assert result.usage.requests == 2 and result.usage.reasks == 1
    # the re-ask names only the draft that failed (events.1), in instructor's own message
    reask = seen[1]["messages"][-1]
    assert reask["role"] == "tool" and "Validation Error found" in reask["content"]
    assert "events.1.event_type" in reask["content"]
    assert "events.0" not in reask["content"] and "events.2" not in reask["content"]


def test_a_reask_answering_only_the_fixed_draft_keeps_the_earlier_good_ones():
    fixed = {**BOMBING, "event_type": "aid", "quote": SEGMENT.split("،")[0]}
    handler, _ = conversation({"events": [ATTACK, BOMBING]}, {"events": [fixed]})
    answer = draft(mock_backend(handler))
    assert [d.event_type for d in answer.drafts] == ["aid", "attack"]
    assert answer.rejected == {} and answer.usage.reasks == 1


def test_a_broken_reask_keeps_the_first_answers_valid_drafts():
    handler, _ = conversation({"events": [ATTACK, BOMBING]}, {"events": "لا شيء"})
    answer = draft(mock_backend(handler))
    assert [d.event_type for d in answer.drafts] == ["attack"]
    assert answer.rejected == {"invalid": 1} and answer.usage.requests == 2


def test_an_answer_with_no_valid_draft_fails_after_its_reasks():
    handler, seen = conversation({"events": [BOMBING]})
    with pytest.raises(BackendError, match="failed validation after 2 attempt") as caught:
        draft(mock_backend(handler))
    assert len(seen) == 2 and caught.value.usage.prompt_tokens == 200


def test_set_aside_drafts_are_counted_again_from_the_cache(tmp_path: Path):
    answer = {"events": [AID, BOMBING]}
    handler, seen = conversation(answer)
    backend = mock_backend(handler, cache_dir=tmp_path / "c", max_reasks=0)
    first, second = draft(backend), draft(backend)
    assert len(seen) == 1 and second.usage.cache_hits == 1
    assert first.rejected == second.rejected == {"invalid": 1}
    assert [d.event_type for d in second.drafts] == ["aid"]


@pytest.mark.parametrize(
    "fault",
    [
        httpx.Response(200, text="<html><body>502 Bad Gateway</body></html>"),
        httpx.Response(200, json={"id": "x", "object": "chat.completion", "choices": []}),
        httpx.Response(200, json={"error": {"message": "overloaded"}}),
        httpx.Response(503, json={"error": {"message": "busy"}}),
    ],
    ids=["html", "empty-choices", "no-choices", "503"],
)
def test_status_200_faults_are_retried_like_5xx(fault: httpx.Response):
    handler, seen = conversation(fault, fault, {"events": [AID]})
    answer = draft(mock_backend(handler, max_retries=2))
    assert [d.event_type for d in answer.drafts] == ["aid"]
    assert answer.usage.retries == 2 and answer.usage.requests == 1 and len(seen) == 3
    handler, seen = conversation(fault)
    with pytest.raises(BackendError) as caught:
        draft(mock_backend(handler, max_retries=2))
    message = str(caught.value)
    assert message.startswith("model server kept failing after 2 retries: ")
    assert "IndexError" not in message and len(seen) == 3


def test_429_waits_as_long_as_retry_after_says():
    limited = httpx.Response(429, headers={"retry-after": "0.2"}, json={"error": {}})
    handler, _ = conversation(limited, {"events": [AID]})
    started = time.monotonic()
    answer = draft(mock_backend(handler, backoff_max=5.0))
    assert time.monotonic() - started >= 0.2 and answer.usage.retries == 1


def test_the_sdk_never_retries_behind_our_back():
    handler, seen = conversation(httpx.Response(500, json={"error": {"message": "boom"}}))
    with pytest.raises(BackendError, match="kept failing after 0 retries: server error"):
        draft(mock_backend(handler, max_retries=0))
    assert len(seen) == 1


def test_credentials_in_the_base_url_are_refused_at_start(tmp_path: Path):
    result = runner.invoke(
        app,
        [
            "run",
            str(SEEDS / "004_1d2b2980ef37757c.txt"),
            "--backend",
            "openai",
            "--model",
            "m",
            "--base-url",
            "http://user:s3cret-pass@127.0.0.1:9/v1",
            "-o",
            str(tmp_path / "o.jsonl"),
            "-q",
        ],
    )
    assert result.exit_code == 2, result.output
    assert "must not hold credentials" in result.output and "OPENAI_API_KEY" in result.output
    assert "use http://127.0.0.1:9/v1 " in result.output
    assert "s3cret-pass" not in result.output and "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_each_part_of_a_halved_text_has_its_own_reasks():
    # the whole text's answer runs away; each half's first answer holds one invalid draft: each
    # half is re-asked once (max_reasks bounds one request, not the document)
    second = "وأعلنت ألمانيا تقديم مساعدات بقيمة 500 مليون يورو لأوكرانيا."
    text = SEGMENT + " " + second
    german = {"quote": second, "event_type": "aid", "money": ["500 مليون يورو"]}
    seen: list[tuple[str, int]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        user = next(m["content"] for m in body["messages"] if m["role"] == "user")
        part = "both" if SEGMENT in user and second in user else "us" if SEGMENT in user else "de"
        reask = any(m["role"] == "tool" for m in body["messages"])
        seen.append((part, reask))
        if part == "both":
            answer = tool_answer(request, {"events": [AID]}).json()
            call = answer["choices"][0]["message"]["tool_calls"][0]["function"]
            call["arguments"] = call["arguments"][:40]
            answer["usage"]["completion_tokens"] = 1024
            return httpx.Response(200, json=answer)
        good = AID if part == "us" else german
        if reask:
            return tool_answer(request, {"events": [good, {**BOMBING, "event_type": "aid"}]})
        return tool_answer(request, {"events": [good, BOMBING]})

    answer = draft(mock_backend(handler, max_reasks=1, max_tokens=1024), text)
    assert seen == [("both", False), ("us", False), ("us", True), ("de", False), ("de", True)]
    assert answer.usage.reasks == 2 and answer.rejected == {}
    assert sorted(d.event_type for d in answer.drafts) == ["aid"] * 4


def test_only_names_instructor_exports_are_imported():
    """Every instructor name the package imports is in the ``__all__`` of ``instructor`` or of
    the subpackage instructor documents for it (``instructor.core``: exceptions;
    ``instructor.processing``: the request and response steps ``create`` runs) — never a
    module inside them, so an instructor upgrade that keeps its exports keeps us working."""
    import ast
    import importlib

    allowed = {"instructor", "instructor.core", "instructor.processing"}
    found = []
    for path in sorted((ROOT / "extractor").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("instructor"):
                assert node.module in allowed, f"{path}: from {node.module} import …"
                exported = importlib.import_module(node.module).__all__
                for alias in node.names:
                    assert alias.name in exported, f"{path}: {node.module}.{alias.name}"
                    found.append(alias.name)
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    assert not alias.name.startswith("instructor.") or alias.name in allowed
    assert "handle_response_model" in found  # the walk saw the backend's imports


def test_a_401_on_a_reask_stops_the_run_not_just_the_reask():
    unauthorized = httpx.Response(401, json={"error": {"message": "bad key"}})
    handler, seen = conversation({"events": [ATTACK, BOMBING]}, unauthorized)
    with pytest.raises(ModelUnavailableError, match="refused the API key"):
        draft(mock_backend(handler))
    assert len(seen) == 2


def test_awaiting_several_extracts_at_once_in_one_loop_keeps_each_ones_connections():
    """A notebook awaits ``aextract`` calls together on its running loop: the first to end must
    not close the connections the others still use (here: the slower one's re-ask)."""
    from extractor import Extractor

    async def handler(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        slow = "ثانية" in body["messages"][-1]["content"]
        await asyncio.sleep(0.3 if slow else 0.01)
        if slow and not any(m["role"] == "tool" for m in body["messages"]):
            return tool_answer(request, {"events": [BOMBING]})  # re-asked once
        return tool_answer(request, {"events": [AID]})

    backend = mock_backend(handler)
    extractor = Extractor(backend=backend)

    async def notebook_cell():
        return await asyncio.gather(
            extractor.aextract(SEGMENT, doc_id="a"),
            extractor.aextract(SEGMENT + " ثانية", doc_id="b"),
            return_exceptions=True,
        )

    results = asyncio.run(notebook_cell())
    assert [getattr(r, "ok", r) for r in results] == [True, True]
    assert [len(r.events) for r in results] == [1, 1]
    assert backend.client._raw is None  # closed once the last one ended


def test_retry_after_in_seconds_or_as_an_http_date():
    from extractor.backends.openai_api.faults import retry_after

    now = 1_700_000_000.0  # Tue, 14 Nov 2023 22:13:20 GMT
    assert retry_after({"retry-after": "2.5"}, now) == 2.5
    assert retry_after({"retry-after": "Tue, 14 Nov 2023 22:13:50 GMT"}, now) == 30.0
    assert retry_after({"retry-after": "Tue, 14 Nov 2023 22:00:00 GMT"}, now) == 0.0  # past
    assert retry_after({"retry-after": "soon"}, now) is None
    assert retry_after({}, now) is None


def test_the_sync_api_inside_a_running_loop_uses_the_model_twice():
    """Jupyter runs cells inside its event loop: each sync ``extract`` runs on a private loop in
    a worker thread, and the model client follows it there (its connections belong to the loop
    that opened them) and closes them at the end."""
    from extractor import Extractor

    handler, seen = conversation({"events": [AID]})
    backend = mock_backend(handler)
    extractor = Extractor(backend=backend)

    async def cell():
        first = extractor.extract(SEGMENT, doc_id="a")
        second = extractor.extract(SEGMENT, doc_id="b")
        return first, second

    first, second = asyncio.run(cell())
    assert [e.event_type for e in first.events + second.events] == ["aid", "aid"]
    assert len(seen) == 2 and backend.client._raw is None
