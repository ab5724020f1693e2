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

``answer`` may be replaced to script the model (prompt-injection tests make it "obey").
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
        if self.path.rstrip("/") == "/stats":
            self._json(200, dict(self.owner.counts))
        elif self.path.rstrip("/").endswith("/models"):
            self._json(200, {"object": "list", "data": [{"id": "mock-model", "object": "model"}]})
        else:
            self._json(404, {"error": {"message": "not found", "type": "invalid_request_error"}})

    def do_POST(self) -> None:
        owner = self.owner
        length = int(self.headers.get("content-length") or 0)
        body = json.loads(self.rfile.read(length) or b"{}")
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
