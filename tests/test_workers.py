"""Worker processes (--workers N) run the same loop as one process, with the real settings."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from typer.testing import CliRunner

from bench.fault_server import completion
from extractor.cli import app
from tests.conftest import SEEDS
from tests.llm import local_network

runner = CliRunner()
KEY = "sk-test-workers-real-key-0123456789"


class _BearerServer:
    """An OpenAI-compatible endpoint that answers 401 unless it gets the real key."""

    def __init__(self) -> None:
        self.bearers: list[str] = []
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                return

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["content-length"])))
                bearer = self.headers.get("authorization", "")
                owner.bearers.append(bearer)
                if bearer != f"Bearer {KEY}":
                    code, payload = (
                        401,
                        {"error": {"message": "bad key", "type": "invalid_api_key"}},
                    )
                else:
                    code, payload = 200, completion(body, {"events": []})
                data = json.dumps(payload).encode()
                self.send_response(code)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@local_network
def test_two_workers_send_the_real_api_key(tmp_path: Path, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    server = _BearerServer()
    try:
        out = tmp_path / "w.jsonl"
        result = runner.invoke(
            app,
            [
                "run",
                str(SEEDS),
                "--backend",
                "openai",
                "--base-url",
                server.base_url,
                "--model",
                "m",
                "--workers",
                "2",
                "--no-cache",
                "-o",
                str(out),
                "-q",
            ],
        )
    finally:
        server.close()
    assert result.exit_code == 0, result.output
    assert len(server.bearers) >= 5 and set(server.bearers) == {f"Bearer {KEY}"}
    assert not out.with_name("w.failures.jsonl").exists()  # no failure, no failures file
