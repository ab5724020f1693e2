"""Replaying (and recording) model traffic with vcrpy cassettes.

``extractor run … --backend openai --replay cassettes/seeds.yaml`` runs the real openai backend
while vcrpy answers its HTTP requests from the cassette: no network, no key, same bytes every
time. Requests match on method, scheme, host, port, path, query and (JSON) body, so a changed
prompt, schema, setting or text fails loudly instead of replaying a wrong answer.

Secrets never reach a cassette: request auth headers are filtered, and cookies, organisation
and request-id headers are dropped from responses.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import vcr
import yaml

from extractor.errors import ConfigError

MATCH_ON = ("method", "scheme", "host", "port", "path", "query", "body")
FILTER_REQUEST_HEADERS = (
    "authorization",
    "api-key",
    "x-api-key",
    "openai-organization",
    "openai-project",
    "cookie",
)
DROP_RESPONSE_HEADERS = frozenset(
    {
        "set-cookie",
        "openai-organization",
        "openai-project",
        "x-request-id",
        "request-id",
        "cf-ray",
        "x-ratelimit-limit-requests",
        "x-ratelimit-remaining-requests",
        "x-ratelimit-limit-tokens",
        "x-ratelimit-remaining-tokens",
    }
)


def scrub_response(response: dict[str, Any]) -> dict[str, Any]:
    """vcrpy ``before_record_response``: drop headers that identify an account or a request."""
    headers = response.get("headers") or {}
    for name in list(headers):
        if name.lower() in DROP_RESPONSE_HEADERS:
            del headers[name]
    return response


def make_vcr(record_mode: str = "none") -> vcr.VCR:
    """The vcrpy configuration shared by the CLI and the tests."""
    return vcr.VCR(
        record_mode=record_mode,
        match_on=list(MATCH_ON),
        filter_headers=list(FILTER_REQUEST_HEADERS),
        before_record_response=scrub_response,
        decode_compressed_response=True,
    )


@contextmanager
def replaying(cassette: Path, *, record: bool = False) -> Iterator[None]:
    """Within this block, model HTTP traffic is served from (or recorded into) ``cassette``."""
    if not record and not cassette.exists():
        raise ConfigError(
            f"no cassette at {cassette}: record it first (see README, 'Re-recording')"
        )
    recorder = make_vcr("all" if record else "none")
    with recorder.use_cassette(str(cassette), allow_playback_repeats=True):
        yield


def recorded_settings(cassette: Path) -> dict[str, Any]:
    """The settings a cassette was recorded with (base URL, model, mode, sampling), read from
    its first chat request, so a replay sends byte-identical requests without extra flags."""
    try:
        data = yaml.safe_load(cassette.read_text(encoding="utf-8")) or {}
        request = next(
            i["request"]
            for i in data.get("interactions", [])
            if "/chat/completions" in i["request"]["uri"]
        )
        body = json.loads(request["body"])
    except (OSError, yaml.YAMLError, StopIteration, KeyError, TypeError, ValueError) as exc:
        raise ConfigError(f"cannot read the settings recorded in {cassette}: {exc}") from exc
    parts = urlsplit(request["uri"])
    base_url = f"{parts.scheme}://{parts.netloc}{parts.path.rsplit('/chat/completions', 1)[0]}"
    if "tools" in body:
        mode = "tools"
    elif (
        isinstance(body.get("response_format"), dict)
        and body["response_format"].get("type") == "json_schema"
    ):
        mode = "json_schema"
    else:
        mode = "md_json"
    found: dict[str, Any] = {"base_url": base_url, "model": body.get("model"), "mode": mode}
    for key in ("temperature", "seed", "max_tokens"):
        if key in body:
            found[key] = body[key]
    sidecar = _sidecar(cassette)
    if sidecar.exists():
        try:
            found.update(json.loads(sidecar.read_text(encoding="utf-8")))
        except (OSError, ValueError) as exc:
            raise ConfigError(f"cannot read {sidecar}: {exc}") from exc
    return found


# Settings that shape the requests but are not in them (how texts are chunked, how often the
# model is re-asked) are kept beside the cassette so that a replay sends the same requests.
_SIDECAR_KEYS = ("chunk_chars", "chunk_overlap", "max_reasks")


def _sidecar(cassette: Path) -> Path:
    return cassette.with_name(cassette.stem + ".settings.json")


def save_replay_settings(cassette: Path, settings: Any) -> None:
    values = {key: getattr(settings, key) for key in _SIDECAR_KEYS}
    cassette.parent.mkdir(parents=True, exist_ok=True)
    _sidecar(cassette).write_text(json.dumps(values, indent=2) + "\n", encoding="utf-8")
