"""A local OpenAI-compatible server with configurable latency and injected faults.

For tests and benchmarks only (never for cassettes: those come from a real model server). It
answers ``POST /v1/chat/completions`` with well-formed drafts for the events task, derived from
the segment text in the request (sentences holding money become aid drafts), so a run against it
exercises the whole pipeline: parsing, grounding, normalization, output. Per request it can
instead inject a fault, each with its own probability:

    rate_limit   429 with a Retry-After header
    server_error 500 or 503
    hang         no answer until after the client's timeout
    reset        the connection is closed with a TCP reset
    non_json     200 with an HTML body
    bad_schema   200 with JSON that does not fit the schema (triggers a re-ask)
    truncated    finish_reason "length" with cut-off arguments
    empty        200 with an empty ``choices`` list

``runaway_over_chars``: a fault-free request for a longer segment gets cut-off arguments with the
whole token budget used but finish_reason "tool_calls" (how llama-cpp-python reports a model that
talked too long).
``answer`` may be replaced to script the model (prompt-injection tests make it "obey").

It also offers a small Files and Batches API (``/v1/files``, ``/v1/batches``) for the batch
commands: an uploaded batch input file is answered line by line with the same drafts, and
``batch_outcome`` picks how the batch ends — ``completed``, ``partial`` (every third request
fails into the error file), ``expired`` (half done, the rest in the error file as
``batch_expired``) or ``failed`` (the input was refused). ``batch_steps`` is how many status
reads report ``in_progress`` first.
"""

from __future__ import annotations

import json
import random
import re
import socket
import struct
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

FAULTS = (
    "rate_limit",
    "server_error",
    "hang",
    "reset",
    "non_json",
    "bad_schema",
    "truncated",
    "empty",
)
_SEGMENT = re.compile(r"<<<\n(.*)\n>>>", re.DOTALL)
_SENTENCE = re.compile(r"[^.!؟\n]+[.!؟]?")
_MONEY = re.compile(
    r"(?:[\d٠-٩][\d٠-٩.,٫٬]*\s+)?(?:ألف|مليون|مليار|ملياري|مليارين|ملايين|مليارات)\s+"
    r"(?:دولار|يورو|جنيه إسترليني|جنيه|ين|روبل|هريفنيا)"
)


def default_answer(segment: str) -> dict[str, Any]:
    """Aid drafts for the sentences of ``segment`` that state an amount of money."""
    events = []
    for sentence in _SENTENCE.findall(segment):
        sentence = sentence.strip()
        money = _MONEY.findall(sentence)
        if money and len(sentence) > 20:
            events.append(
                {
                    "event_type": "aid",
                    "quote": sentence,
                    "money": money[:2],
                    "stage": "announced",
                    "category": "military",
                    "actors": [],
                    "targets": [],
                }
            )
        if len(events) == 3:
            break
    return {"events": events}


@dataclass
class FaultConfig:
    latency: float = 0.0  # seconds per answer
    jitter: float = 0.0
    rates: dict[str, float] = field(default_factory=dict)  # fault name → probability
    hang_seconds: float = 5.0
    retry_after: float = 0.0
    seed: int = 0
    force_status: int | None = None  # answer every chat request with this HTTP error (401, 404 …)
    # a segment longer than this is answered as llama-cpp-python answers a model that talks until
    # max_tokens: cut-off arguments, yet finish_reason "tool_calls" (0 = never)
    runaway_over_chars: int = 0


class FaultServer:
    """Start with ``with FaultServer(config) as server:``; ``server.base_url`` ends in /v1."""

    def __init__(
        self,
        config: FaultConfig | None = None,
        answer: Callable[[str], dict[str, Any]] | None = None,
    ):
        self.config = config or FaultConfig()
        self.answer = answer or default_answer
        self.counts: Counter[str] = Counter()
        self.keep_requests = 0  # keep the first N request bodies (for token counting)
        self.requests: list[dict[str, Any]] = []
        self.raw_requests: list[bytes] = []  # the same requests, as the bytes received
        self.files: dict[str, dict[str, Any]] = {}
        self.batches: dict[str, dict[str, Any]] = {}
        self.batch_outcome = "completed"  # completed | partial | expired | failed
        self.batch_steps = 1  # status reads that answer in_progress before the batch ends
        self._lock = threading.Lock()
        self._rng = random.Random(self.config.seed)
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # ---- lifecycle ----------------------------------------------------------------------------
    def start(self) -> FaultServer:
        server = self

        class Handler(_Handler):
            owner = server

        class Server(ThreadingHTTPServer):
            request_queue_size = 256  # bursts of 32+ new connections must not be refused

        self._httpd = Server(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    def __enter__(self) -> FaultServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        assert self._httpd is not None, "server not started"
        return f"http://127.0.0.1:{self._httpd.server_address[1]}/v1"

    # ---- behaviour ----------------------------------------------------------------------------
    def pick_fault(self) -> str | None:
        with self._lock:
            roll = self._rng.random()
        acc = 0.0
        for name in FAULTS:
            acc += self.config.rates.get(name, 0.0)
            if roll < acc:
                return name
        return None

    def count(self, key: str) -> None:
        with self._lock:
            self.counts[key] += 1


class _Handler(BaseHTTPRequestHandler):
    owner: FaultServer
    protocol_version = "HTTP/1.1"
    # Headers and body are written separately: without TCP_NODELAY, Nagle's algorithm and the
    # client's delayed ACK add ~40 ms to every answer, which would look like client slowness.
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        return

    def do_GET(self) -> None:
        if self.path.startswith(("/v1/files", "/v1/batches")):
            _batch_api(self, "GET")
            return
        if self.path.rstrip("/") == "/stats":
            self._json(200, dict(self.owner.counts))
        elif self.path.rstrip("/").endswith("/models"):
            self._json(200, {"object": "list", "data": [{"id": "mock-model", "object": "model"}]})
        else:
            self._json(404, {"error": {"message": "not found", "type": "invalid_request_error"}})

    def do_POST(self) -> None:
        owner = self.owner
        if self.path.startswith(("/v1/files", "/v1/batches")):
            _batch_api(self, "POST")
            return
        length = int(self.headers.get("content-length") or 0)
        raw = self.rfile.read(length)
        body = json.loads(raw or b"{}")
        owner.count("requests")
        if not self.path.endswith("/chat/completions"):
            self._json(
                404,
                {"error": {"message": f"no route {self.path}", "type": "invalid_request_error"}},
            )
            return
        cfg = owner.config
        if cfg.force_status is not None:
            owner.count(str(cfg.force_status))
            kind = {401: "invalid_api_key", 404: "model_not_found"}.get(cfg.force_status, "error")
            self._json(
                cfg.force_status,
                {"error": {"message": f"forced {cfg.force_status}", "type": kind, "code": kind}},
            )
            return
        if cfg.latency or cfg.jitter:
            time.sleep(max(0.0, cfg.latency + random.uniform(-cfg.jitter, cfg.jitter)))
        fault = owner.pick_fault()
        owner.count(fault or "ok")
        messages = body.get("messages") or []
        # the segment is in the first user message (a re-ask appends messages after it)
        users = [str(m.get("content") or "") for m in messages if m.get("role") == "user"]
        match = next((m for m in map(_SEGMENT.search, users) if m), None)
        segment = match.group(1) if match else (users[0] if users else "")
        if owner.keep_requests and len(owner.requests) < owner.keep_requests:
            owner.requests.append(body)
            owner.raw_requests.append(raw)
        if (body.get("response_format") or {}).get("type") == "json_object" and "tools" not in body:
            # LangExtract's JSON mode: the text follows its last "Q:" line.
            question = segment.rsplit("Q: ", 1)[-1].rsplit("\nA:", 1)[0]
            events = owner.answer(question)["events"]
            extractions = [
                {
                    e["event_type"]: e["quote"],
                    f"{e['event_type']}_attributes": {"money": ", ".join(e.get("money") or [])},
                }
                for e in events
            ]
            self._json(200, completion(body, {"extractions": extractions}))
            return
        if fault == "rate_limit":
            self._json(
                429,
                {"error": {"message": "rate limited", "type": "rate_limit_error"}},
                {"retry-after": str(cfg.retry_after)},
            )
        elif fault == "server_error":
            code = owner._rng.choice((500, 503))
            self._json(code, {"error": {"message": "server error", "type": "server_error"}})
        elif fault == "hang":
            time.sleep(cfg.hang_seconds)
            self._reset()
        elif fault == "reset":
            self._reset()
        elif fault == "non_json":
            self._raw(200, b"<html><body>502 Bad Gateway</body></html>", "text/html")
        elif fault == "bad_schema":
            self._json(200, completion(body, {"events": [{"event_type": "bombing", "quote": 7}]}))
        elif fault == "truncated":
            self._json(200, completion(body, owner.answer(segment), truncate=True))
        elif fault == "empty":
            self._json(
                200,
                {
                    "id": "x",
                    "object": "chat.completion",
                    "created": 0,
                    "model": body.get("model"),
                    "choices": [],
                    "usage": {"prompt_tokens": 1, "completion_tokens": 0, "total_tokens": 1},
                },
            )
        elif cfg.runaway_over_chars and len(segment) > cfg.runaway_over_chars:
            owner.count("runaway")
            cut = completion(body, owner.answer(segment), truncate=True)
            cut["choices"][0]["finish_reason"] = "tool_calls" if "tools" in body else "stop"
            cut["usage"]["completion_tokens"] = int(body.get("max_tokens") or 4096)
            self._json(200, cut)
        else:
            self._json(200, completion(body, owner.answer(segment)))

    # ---- writing ------------------------------------------------------------------------------
    def _json(self, code: int, obj: Any, headers: dict[str, str] | None = None) -> None:
        self._raw(
            code, json.dumps(obj, ensure_ascii=False).encode("utf-8"), "application/json", headers
        )

    def _raw(
        self, code: int, payload: bytes, ctype: str, headers: dict[str, str] | None = None
    ) -> None:
        self.send_response(code)
        self.send_header("content-type", ctype)
        self.send_header("content-length", str(len(payload)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(payload)

    def _reset(self) -> None:
        """Close the connection with RST (SO_LINGER 0) and no response."""
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        except OSError:
            pass
        self.close_connection = True
        try:
            self.connection.close()
        except OSError:
            pass


def completion(
    request: dict[str, Any], answer: dict[str, Any], *, truncate: bool = False
) -> dict[str, Any]:
    """An OpenAI chat completion carrying ``answer`` the way the request's mode expects it."""
    arguments = json.dumps(answer, ensure_ascii=False)
    finish = "stop"
    if truncate:
        arguments, finish = arguments[: max(1, len(arguments) // 2)], "length"
    prompt_tokens = (
        sum(len(str(m.get("content") or "")) for m in request.get("messages") or []) // 3
    )
    if "tools" in request:
        name = request["tools"][0]["function"]["name"]
        message = {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": "call_0",
                    "type": "function",
                    "function": {"name": name, "arguments": arguments},
                }
            ],
        }
        finish = "tool_calls" if finish == "stop" else finish
    else:
        message = {"role": "assistant", "content": arguments}
    return {
        "id": "chatcmpl-mock",
        "object": "chat.completion",
        "created": 0,
        "model": request.get("model"),
        "choices": [{"index": 0, "message": message, "finish_reason": finish}],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": len(arguments) // 3,
            "total_tokens": prompt_tokens + len(arguments) // 3,
        },
    }


# ---- Files and Batches API ------------------------------------------------------------------
_EXPIRED = "This request could not be executed before the completion window expired."


def _segment_of(body: dict[str, Any]) -> str:
    users = [
        str(m.get("content") or "") for m in body.get("messages") or [] if m.get("role") == "user"
    ]
    match = next((m for m in map(_SEGMENT.search, users) if m), None)
    return match.group(1) if match else (users[0] if users else "")


def _multipart(content_type: str, payload: bytes) -> dict[str, tuple[str | None, bytes]]:
    """name → (filename, bytes) of a multipart/form-data body."""
    from email.parser import BytesParser
    from email.policy import HTTP

    message = BytesParser(policy=HTTP).parsebytes(
        b"Content-Type: " + content_type.encode("latin-1") + b"\r\n\r\n" + payload
    )
    parts: dict[str, tuple[str | None, bytes]] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        data = part.get_payload(decode=True) or b""
        parts[str(name)] = (part.get_filename(), data)
    return parts


def _file_object(file_id: str, entry: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": file_id,
        "object": "file",
        "bytes": len(entry["data"]),
        "created_at": entry["created_at"],
        "filename": entry["filename"],
        "purpose": entry["purpose"],
        "status": "processed",
    }


def _run_batch(server: FaultServer, batch: dict[str, Any]) -> None:
    """Answer every line of the batch's input file; end it as ``server.batch_outcome`` says."""
    outcome = server.batch_outcome
    lines = server.files[batch["input_file_id"]]["data"].decode("utf-8").splitlines()
    now = int(time.time())
    if outcome == "failed":
        batch.update(status="failed", failed_at=now)
        batch["errors"] = {
            "object": "list",
            "data": [{"code": "invalid_request", "message": "refused by the mock", "line": 1}],
        }
        return
    output, errors = [], []
    for index, line in enumerate(x for x in lines if x.strip()):
        request = json.loads(line)
        custom_id, body = request["custom_id"], request["body"]
        result_id = f"batch_req_{batch['id']}_{index}"
        if outcome == "expired" and index >= (len(lines) + 1) // 2:
            errors.append(
                {
                    "id": result_id,
                    "custom_id": custom_id,
                    "response": None,
                    "error": {"code": "batch_expired", "message": _EXPIRED},
                }
            )
        elif outcome == "partial" and index % 3 == 2:
            error = {"message": "The server had an error", "type": "server_error"}
            errors.append(
                {
                    "id": result_id,
                    "custom_id": custom_id,
                    "response": {
                        "status_code": 500,
                        "request_id": f"req_{index}",
                        "body": {"error": error},
                    },
                    "error": None,
                }
            )
        else:
            answer = completion(body, server.answer(_segment_of(body)))
            output.append(
                {
                    "id": result_id,
                    "custom_id": custom_id,
                    "response": {"status_code": 200, "request_id": f"req_{index}", "body": answer},
                    "error": None,
                }
            )
    for kind, rows in (("output", output), ("error", errors)):
        if rows:
            data = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows).encode()
            file_id = f"file-{len(server.files) + 1}"
            server.files[file_id] = {
                "data": data,
                "filename": f"{batch['id']}_{kind}.jsonl",
                "purpose": "batch_output",
                "created_at": now,
            }
            batch[f"{kind}_file_id"] = file_id
    batch["request_counts"] = {
        "total": len(output) + len(errors),
        "completed": len(output),
        "failed": len(errors),
    }
    if outcome == "expired":
        batch.update(status="expired", expired_at=now)
    else:
        batch.update(status="completed", completed_at=now)


def _batch_api(handler: _Handler, method: str) -> None:
    server = handler.owner
    path = handler.path.split("?", 1)[0].rstrip("/")
    parts = path.split("/")[2:]  # ["files", id, "content"] / ["batches", id, "cancel"]
    length = int(handler.headers.get("content-length") or 0)
    payload = handler.rfile.read(length) if length else b""
    with server._lock:
        server.counts[f"{method} /{parts[0]}"] += 1
        if parts == ["files"] and method == "POST":
            form = _multipart(handler.headers.get("content-type", ""), payload)
            filename, data = form.get("file", (None, b""))
            file_id = f"file-{len(server.files) + 1}"
            server.files[file_id] = {
                "data": data,
                "filename": filename or "upload.jsonl",
                "purpose": form.get("purpose", (None, b"batch"))[1].decode(),
                "created_at": int(time.time()),
            }
            handler._json(200, _file_object(file_id, server.files[file_id]))
            return
        if parts[0] == "files" and len(parts) >= 2 and parts[1] in server.files:
            entry = server.files[parts[1]]
            if len(parts) == 3 and parts[2] == "content":
                handler._raw(200, entry["data"], "application/octet-stream")
            else:
                handler._json(200, _file_object(parts[1], entry))
            return
        if parts == ["batches"] and method == "POST":
            request = json.loads(payload or b"{}")
            if request.get("input_file_id") not in server.files:
                handler._json(
                    400,
                    {"error": {"message": "no such input file", "type": "invalid_request_error"}},
                )
                return
            batch_id = f"batch_{len(server.batches) + 1}"
            now = int(time.time())
            server.batches[batch_id] = batch = {
                "id": batch_id,
                "object": "batch",
                "endpoint": request.get("endpoint"),
                "errors": None,
                "input_file_id": request["input_file_id"],
                "completion_window": request.get("completion_window", "24h"),
                "status": "validating",
                "output_file_id": None,
                "error_file_id": None,
                "created_at": now,
                "expires_at": now + 86400,
                "request_counts": {"total": 0, "completed": 0, "failed": 0},
                "metadata": request.get("metadata"),
                "_steps": server.batch_steps,
            }
            handler._json(200, {k: v for k, v in batch.items() if not k.startswith("_")})
            return
        if parts == ["batches"] and method == "GET":
            data = [
                {k: v for k, v in b.items() if not k.startswith("_")}
                for b in reversed(list(server.batches.values()))
            ]
            handler._json(
                200,
                {
                    "object": "list",
                    "data": data,
                    "first_id": data[0]["id"] if data else None,
                    "last_id": data[-1]["id"] if data else None,
                    "has_more": False,
                },
            )
            return
        if parts[0] == "batches" and len(parts) >= 2 and parts[1] in server.batches:
            batch = server.batches[parts[1]]
            if len(parts) == 3 and parts[2] == "cancel" and method == "POST":
                if batch["status"] in ("validating", "in_progress"):
                    batch.update(status="cancelled", cancelled_at=int(time.time()))
            elif batch["status"] in ("validating", "in_progress"):
                if batch["_steps"] > 0:
                    batch["_steps"] -= 1
                    batch["status"] = "in_progress"
                else:
                    _run_batch(server, batch)
            handler._json(200, {k: v for k, v in batch.items() if not k.startswith("_")})
            return
    handler._json(
        404,
        {
            "error": {
                "message": f"no route {method} {handler.path}",
                "type": "invalid_request_error",
            }
        },
    )


def main() -> None:
    """Run the server in its own process: prints its base URL, serves until killed."""
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency", type=float, default=0.2)
    parser.add_argument("--fault-rate", type=float, default=0.0, help="spread over all fault kinds")
    args = parser.parse_args()
    rates = {name: args.fault_rate / len(FAULTS) for name in FAULTS} if args.fault_rate else {}
    server = FaultServer(FaultConfig(latency=args.latency, rates=rates)).start()
    print(server.base_url, flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        server.stop()


if __name__ == "__main__":
    main()
