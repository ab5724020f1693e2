"""Provider batch files: the *answers* step of the pipeline done by a batch job.

A round trip, for the OpenAI Batch API or ``vllm run-batch`` (same input format):

1. :func:`prepare` plans every document and writes one request line per model request not yet
   answered in the cache: ``{"custom_id": <cache key>, "method": "POST", "url":
   "/v1/chat/completions", "body": <exactly what the live backend would send>}``, in files of at
   most 50,000 lines and 200 MB (``requests.jsonl``, ``requests.2.jsonl`` …).
2. :func:`submit`, :func:`status`, :func:`download` drive the provider's Files and Batches API; a
   state file beside each requests file (``requests.batch.json``) holds the file and batch ids as
   soon as the provider gives them, so a crash never loses a batch.
3. :func:`collect` reads the results (OpenAI output and error files, or ``vllm run-batch`` output
   with its errors inline), validates each answer as instructor does in a live run and puts the
   valid ones into the answer cache under their cache key. Then the normal bulk run produces the
   records from the cache (:func:`extractor.run.bulk.run_bulk` with a backend that only reads
   the cache), so failures file, resume and exit codes are those of ``extractor run`` and a
   later ``extractor run`` with the same settings makes no request and writes the same records.
   Answers that failed validation become re-ask requests (``<OUT stem>.retry.jsonl``): the
   original messages, the model's answer and the validation errors, for a second batch round.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx

from extractor.core.backend import BackendAnswer, SegmentRequest, Usage
from extractor.core.document import Document
from extractor.core.tasks import Task
from extractor.errors import BackendError, ConfigError, ExtractorError, OutputError
from extractor.run.bulk import BulkJob, check_existing, run_bulk
from extractor.run.documents import load_documents
from extractor.run.factory import make_pipeline, make_task
from extractor.run.runner import RunSummary
from extractor.settings import Settings

if TYPE_CHECKING:
    from extractor.backends.openai_api.batch import BatchCodec, BatchService
    from extractor.backends.openai_backend import OpenAIBackend

MAX_LINES = 50_000  # OpenAI Batch API: requests per input file
MAX_BYTES = 200_000_000  # and bytes per input file (200 MB)
TERMINAL = frozenset({"completed", "expired", "cancelled", "failed"})


class BatchError(ExtractorError):
    """A batch cannot be submitted, followed or downloaded as asked (the message says why)."""


# ---- shared pieces ------------------------------------------------------------------------------


def _openai_backend(settings: Settings, task: Task | None, *, offline: bool) -> OpenAIBackend:
    """The openai backend the settings describe, with its cache; ``offline`` refuses any HTTP."""
    from extractor.backends.openai_backend import OpenAIBackend

    name = settings.resolved_backend()
    if name != "openai":
        raise ConfigError(
            f"batch files hold model requests: use --backend openai with --model (not {name})"
        )
    if settings.no_cache:
        raise ConfigError(
            "batch answers go through the answer cache: drop --no-cache (use --cache-dir to "
            "choose where it lives)"
        )
    if not settings.model:
        raise ConfigError("batch files need a model: pass --model or set EXTRACTOR_MODEL")
    transport = httpx.MockTransport(_no_network) if offline else None
    return OpenAIBackend.from_settings(settings, task or make_task(settings), transport=transport)


def _no_network(request: httpx.Request) -> httpx.Response:
    raise BackendError("collect never calls the model (no answer in the batch results)")


def part_path(out: Path, number: int) -> Path:
    """``requests.jsonl``, ``requests.2.jsonl``, ``requests.3.jsonl`` …"""
    return out if number == 1 else out.with_name(f"{out.stem}.{number}{out.suffix}")


def state_path(requests: Path) -> Path:
    """The state file beside a requests file: ``requests.jsonl`` → ``requests.batch.json``."""
    return requests.with_name(f"{requests.stem}.batch.json")


def _write_atomic(path: Path, data: bytes) -> None:
    tmp = path.with_name(path.name + ".tmp")
    try:
        with open(tmp, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {exc.strerror}") from exc


# ---- 1. prepare ---------------------------------------------------------------------------------


class _PartWriter:
    """Writes request lines into numbered files within the per-file limits; each file appears
    under its name only when complete (a crash leaves ``.part`` files, never a short file)."""

    def __init__(self, out: Path, max_lines: int, max_bytes: int) -> None:
        self.out, self.max_lines, self.max_bytes = out, max_lines, max_bytes
        self.files: list[Path] = []
        self._handle: Any = None
        self._lines = self._bytes = 0

    def _open(self) -> None:
        self._close()
        path = part_path(self.out, len(self.files) + 1)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._handle = open(path.with_name(path.name + ".part"), "wb")  # noqa: SIM115 - kept open across writes
        except OSError as exc:
            raise OutputError(f"cannot write {path}: {exc.strerror}; choose another -o") from exc
        self.files.append(path)
        self._lines = self._bytes = 0

    def _close(self) -> None:
        if self._handle is not None:
            self._handle.close()
            path = self.files[-1]
            os.replace(path.with_name(path.name + ".part"), path)
            self._handle = None

    def write(self, line: bytes) -> None:
        if len(line) > self.max_bytes:
            raise BatchError(
                f"one request is {len(line) / 1e6:.1f} MB, over the {self.max_bytes / 1e6:.0f} MB "
                "file limit: lower --chunk-chars"
            )
        if (
            self._handle is None
            or self._lines >= self.max_lines
            or self._bytes + len(line) > self.max_bytes
        ):
            self._open()
        self._handle.write(line)
        self._lines += 1
        self._bytes += len(line)

    def close(self) -> None:
        self._close()


@dataclass
class PrepareSummary:
    documents: int = 0
    unreadable: int = 0  # inputs that are not documents (they fail again in collect)
    requests: int = 0  # lines written
    cached: int = 0  # requests already answered in the cache: not written
    repeated: int = 0  # the same request in several places: written once
    files: list[Path] = field(default_factory=list)
    elapsed: float = 0.0

    def as_dict(self) -> dict[str, object]:
        return {
            "documents": self.documents,
            "unreadable": self.unreadable,
            "requests": self.requests,
            "cached": self.cached,
            "repeated": self.repeated,
            "files": [str(p) for p in self.files],
            "elapsed_s": round(self.elapsed, 3),
        }


def prepare(
    inputs: Sequence[str | Path],
    out: Path,
    settings: Settings,
    *,
    task: Task | None = None,
    published_at: str | None = None,
    max_lines: int = MAX_LINES,
    max_bytes: int = MAX_BYTES,
) -> PrepareSummary:
    """Write the batch request files for ``inputs`` (see the module docstring)."""
    from extractor.backends.openai_api.batch import BatchCodec

    BulkJob(inputs, out, published_at=published_at).check()
    started = time.monotonic()
    backend = _openai_backend(settings, task, offline=True)
    pipeline = make_pipeline(settings, backend, backend.task)
    codec = BatchCodec(backend)
    summary = PrepareSummary()
    seen: set[bytes] = set()
    writer = _PartWriter(out, max_lines, max_bytes)
    for stale in out.parent.glob(f"{out.stem}.*{out.suffix}"):  # parts of an earlier prepare
        if stale.stem[len(out.stem) + 1 :].isdigit():
            stale.unlink()
    try:
        for item in load_documents(
            inputs, published_at=published_at, max_bytes=settings.max_doc_bytes
        ):
            if not isinstance(item, Document):
                summary.unreadable += 1
                continue
            summary.documents += 1
            for planned in pipeline.plan(item).requests:
                text = planned.request.text
                key = backend.key_for(text)
                digest = bytes.fromhex(key)[:16]
                if digest in seen:
                    summary.repeated += 1
                elif backend.cache is not None and backend.cache.get(key) is not None:
                    summary.cached += 1
                    seen.add(digest)
                else:
                    seen.add(digest)
                    writer.write(codec.line(key, text))
                    summary.requests += 1
    finally:
        writer.close()
        if backend.cache is not None:
            backend.cache.close()
    summary.files = writer.files
    summary.elapsed = time.monotonic() - started
    return summary


# ---- 2. submit / status / download -------------------------------------------------------------


def read_state(path: Path) -> dict[str, Any]:
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise BatchError(f"cannot read the batch state {path}: {exc}") from exc
    return data if isinstance(data, dict) else {}


def write_state(path: Path, state: dict[str, Any]) -> None:
    state = {**state, "updated_at": int(time.time())}
    _write_atomic(path, (json.dumps(state, ensure_ascii=False, indent=2) + "\n").encode("utf-8"))


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _check_requests_file(path: Path) -> int:
    """Lines of a requests file, refused when over the provider's limits."""
    if not path.is_file():
        raise BatchError(f"no requests file {path}: write it with `extractor batch prepare`")
    size = path.stat().st_size
    if size > MAX_BYTES:
        raise BatchError(f"{path} is {size / 1e6:.0f} MB, over the 200 MB limit: prepare again")
    with path.open("rb") as handle:
        lines = sum(1 for line in handle if line.strip())
    if lines > MAX_LINES:
        raise BatchError(f"{path} has {lines:,} requests, over the 50,000 limit: prepare again")
    if lines == 0:
        raise BatchError(f"{path} holds no request: nothing to submit")
    return lines


def _service(settings: Settings, service: BatchService | None) -> BatchService:
    if service is not None:
        return service
    from extractor.backends.openai_api.batch import BatchService

    return BatchService(settings)


def _remember(state: dict[str, Any], batch: dict[str, Any]) -> dict[str, Any]:
    keep = ("id", "status", "output_file_id", "error_file_id", "request_counts", "expires_at")
    state.update({("batch_id" if k == "id" else k): batch.get(k) for k in keep})
    errors = batch.get("errors") or {}
    if isinstance(errors, dict) and errors.get("data"):
        state["errors"] = errors["data"]
    return state


def submit(
    files: Sequence[Path],
    settings: Settings,
    *,
    window: str = "24h",
    force: bool = False,
    service: BatchService | None = None,
) -> list[dict[str, Any]]:
    """Upload each requests file and start a batch on it; return each file's state.

    The state file is written after every step (uploaded, created): after a crash, ``submit``
    again finds the batch created from the uploaded file instead of starting a second one. A
    file already submitted is not submitted again unless ``force``.
    """
    client = _service(settings, service)
    states = []
    for path in files:
        path = Path(path)
        lines = _check_requests_file(path)
        where = state_path(path)
        sha = _sha256(path)
        state = read_state(where)
        if state.get("sha256") != sha or force:
            # a new file (or --force): start afresh, but never forget an earlier batch id
            earlier = list(state.get("earlier_batches") or [])
            if state.get("batch_id"):
                earlier.append({"batch_id": state["batch_id"], "sha256": state.get("sha256")})
            state = {"requests": path.name, "sha256": sha, "lines": lines}
            if earlier:
                state["earlier_batches"] = earlier
        state["base_url"] = settings.base_url
        if state.get("batch_id"):
            state["note"] = (
                f"already submitted as {state['batch_id']}: follow it with `extractor batch "
                f"status {state['batch_id']}` (or pass --force to submit it again)"
            )
            states.append(state)
            continue
        if state.get("input_file_id"):  # uploaded before a crash: was the batch created?
            found = client.find(state["input_file_id"])
            if found is not None:
                write_state(where, _remember(state, found))
                state["note"] = f"recovered batch {found['id']} created before an interruption"
                states.append(state)
                continue
        else:
            state["input_file_id"] = client.upload(path)
            write_state(where, state)
        batch = client.create(
            state["input_file_id"],
            {"extractor_requests": path.name, "extractor_sha256": sha[:16]},
            window,
        )
        _remember(state, batch)
        state.pop("note", None)
        write_state(where, state)
        states.append(state)
    return states


def _state_files(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.batch.json"))


def resolve(target: str, folder: Path = Path(".")) -> tuple[str, Path | None]:
    """A batch id and its state file, from a batch id, a requests file or a state file."""
    path = Path(target)
    if path.suffix in (".jsonl", ".json") and path.exists():
        where = path if path.name.endswith(".batch.json") else state_path(path)
        state = read_state(where)
        if not state.get("batch_id"):
            raise BatchError(f"{path} has not been submitted: run `extractor batch submit {path}`")
        return str(state["batch_id"]), where
    for where in _state_files(path.parent if path.parent != Path(".") else folder):
        if read_state(where).get("batch_id") == target:
            return target, where
    return target, None


def describe(batch: dict[str, Any]) -> str:
    """One clear sentence on where a batch stands and what to do next."""
    counts = batch.get("request_counts") or {}
    total, done, failed = (int(counts.get(k) or 0) for k in ("total", "completed", "failed"))
    status = batch.get("status")
    bid = batch.get("id") or batch.get("batch_id")
    if status == "completed" and failed:
        return (
            f"completed, but {failed} of {total} requests failed: `extractor batch download "
            f"{bid} -o results.jsonl` writes their errors beside the results; collect names "
            "each affected document, and `extractor batch prepare` again writes what is still "
            "unanswered"
        )
    if status == "completed":
        return f"completed: {done} of {total} requests answered"
    if status == "expired":
        return (
            f"expired with {done} of {total} requests answered: download what finished (the "
            "rest are batch_expired errors), collect, then `extractor batch prepare` again "
            "writes the remaining requests"
        )
    if status == "failed":
        errors = batch.get("errors") or {}
        data = errors.get("data") if isinstance(errors, dict) else errors
        first = (data or [{}])[0] if isinstance(data, list) else {}
        why = f"{first.get('code', '')}: {first.get('message', '')}".strip(": ")
        return f"failed: the provider refused the input file ({why or 'no reason given'})"
    if status in ("cancelled", "cancelling"):
        return f"{status} with {done} of {total} requests answered: download what finished"
    return f"{status}: {done} of {total} requests done so far; check again later"


def status(
    targets: Sequence[str],
    settings: Settings,
    *,
    folder: Path = Path("."),
    service: BatchService | None = None,
) -> list[dict[str, Any]]:
    """The provider's view of each batch (all batches with a state file in ``folder`` when no
    target is given); state files are updated."""
    client = _service(settings, service)
    pairs = [resolve(t, folder) for t in targets]
    if not targets:
        pairs = [
            (str(read_state(p)["batch_id"]), p)
            for p in _state_files(folder)
            if read_state(p).get("batch_id")
        ]
        if not pairs:
            raise BatchError(f"no submitted batch in {folder}: pass a batch id or a requests file")
    out = []
    for batch_id, where in pairs:
        batch = client.retrieve(batch_id)
        if where is not None:
            write_state(where, _remember(read_state(where), batch))
        out.append({**batch, "note": describe(batch)})
    return out


def errors_path(results: Path) -> Path:
    """``results.jsonl`` → ``results.errors.jsonl`` (the provider's error file)."""
    return results.with_name(f"{results.stem}.errors{results.suffix or '.jsonl'}")


@dataclass
class Downloaded:
    batch: dict[str, Any]
    output: Path | None
    errors: Path | None
    note: str


def download(
    target: str,
    out: Path,
    settings: Settings,
    *,
    folder: Path = Path("."),
    service: BatchService | None = None,
) -> Downloaded:
    """Download a finished batch's output to ``out`` and its error file beside it."""
    client = _service(settings, service)
    batch_id, where = resolve(target, folder)
    batch = client.retrieve(batch_id)
    status_ = batch.get("status")
    if status_ == "failed":
        raise BatchError(f"batch {batch_id} {describe(batch)}")
    if status_ not in TERMINAL:
        raise BatchError(
            f"batch {batch_id} is {describe(batch)} (`extractor batch status {batch_id}`)"
        )
    output = errors = None
    if batch.get("output_file_id"):
        client.download(batch["output_file_id"], out)
        output = out
    if batch.get("error_file_id"):
        errors = errors_path(out)
        client.download(batch["error_file_id"], errors)
    if output is None and errors is None:
        raise BatchError(f"batch {batch_id} is {status_} and has no output or error file")
    if where is not None:
        state = _remember(read_state(where), batch)
        state["downloaded"] = {
            "output": str(output) if output else None,
            "errors": str(errors) if errors else None,
        }
        write_state(where, state)
    return Downloaded(batch, output, errors, describe(batch))


# ---- 3. collect ---------------------------------------------------------------------------------


@dataclass
class Ingested:
    """What the results files held."""

    lines: int = 0
    answered: int = 0  # valid answers, now in the cache
    invalid: int = 0  # answers that failed validation (re-asks written)
    errors: int = 0  # error lines (HTTP status ≥ 400, ``error`` set, expired …)
    unusable: int = 0  # truncated or empty answers
    bad_lines: int = 0  # not JSON, or no custom_id
    usage: Usage = field(default_factory=Usage)
    failed: dict[str, str] = field(default_factory=dict)  # key → why it has no answer
    reasks: dict[str, tuple[dict[str, Any], BaseException]] = field(default_factory=dict)


def _error_reason(line: dict[str, Any]) -> str | None:
    """Why a result line carries no answer (None when it carries one)."""
    error = line.get("error")
    response = line.get("response") if isinstance(line.get("response"), dict) else None
    code = int((response or {}).get("status_code") or 200)
    body = (response or {}).get("body")
    if not error and code < 400 and isinstance(body, dict):
        return None
    detail: Any = error
    if not detail and isinstance(body, dict):
        detail = body.get("error") or body
    if isinstance(detail, dict):
        inner: dict[str, Any] = detail["error"] if isinstance(detail.get("error"), dict) else detail
        kind = inner.get("code") or inner.get("type") or ""
        message = inner.get("message") or json.dumps(inner, ensure_ascii=False)[:200]
        detail = f"{kind}: {message}" if kind else message
    if detail and "batch_expired" in str(detail):
        return (
            "the batch expired before this request ran; `extractor batch prepare` again writes it"
        )
    status_text = f"HTTP {code}" if code >= 400 else "error"
    return (
        f"the batch returned an error for this request ({status_text}: {detail or 'no detail'}); "
        "`extractor batch prepare` again writes it"
    )


def ingest(paths: Iterable[Path], codec: BatchCodec) -> Ingested:
    """Validate every answer of the results files; store the valid ones in the cache."""
    from extractor.backends.openai_api.batch import BatchAnswerError

    seen = Ingested()
    for path in paths:
        try:
            handle = Path(path).open(encoding="utf-8")  # noqa: SIM115 - closed below
        except OSError as exc:
            raise ConfigError(f"cannot read the results file {path}: {exc.strerror}") from exc
        with handle:
            for raw in handle:
                if not raw.strip():
                    continue
                seen.lines += 1
                try:
                    line = json.loads(raw)
                    key = str(line["custom_id"])
                except (ValueError, KeyError, TypeError):
                    seen.bad_lines += 1
                    continue
                reason = _error_reason(line)
                if reason is not None:
                    seen.errors += 1
                    seen.failed.setdefault(key, reason)
                    continue
                body = line["response"]["body"]
                try:
                    answer, usage = codec.parse(body)
                except BatchAnswerError as exc:
                    if isinstance(exc.usage, Usage):
                        seen.usage.add(exc.usage)
                    if exc.reask:
                        seen.invalid += 1
                        seen.reasks[key] = (body, exc)
                    else:
                        seen.unusable += 1
                    seen.failed[key] = str(exc)
                    continue
                seen.usage.add(usage)
                codec.store(key, answer, usage)
                seen.answered += 1
    return seen


def retry_path(out: Path) -> Path:
    """``events.jsonl`` → ``events.retry.jsonl``."""
    return out.with_name(f"{out.stem}.retry.jsonl")


class BatchAnswers:
    """A backend that answers only from the cache that :func:`ingest` filled.

    It delegates to the openai backend's own cache-hit path, so the answers (and records) are
    those a later ``extractor run`` gets; a request with no valid answer fails its document with
    the reason from the results files.
    """

    name = "openai"

    def __init__(self, backend: OpenAIBackend, seen: Ingested, retry_file: Path | None) -> None:
        self.backend = backend
        self.seen = seen
        self.retry_file = retry_file

    async def draft(self, request: SegmentRequest) -> BackendAnswer:
        key = self.backend.key_for(request.text)
        cache = self.backend.cache
        if cache is not None and cache.get(key) is not None:
            return await self.backend.draft(request)  # a cache hit: no HTTP
        reason = self.seen.failed.get(key)
        if reason is None:
            raise BackendError(
                "no answer in the batch results (were the requests prepared with the same "
                "settings? `extractor batch prepare` again writes the ones still unanswered)"
            )
        if key in self.seen.reasks and self.retry_file is not None:
            reason += f"; its re-ask is in {self.retry_file}"
        raise BackendError(reason)

    async def aclose(self) -> None:
        await self.backend.aclose()


def write_retries(
    inputs: Sequence[str | Path],
    out: Path,
    seen: Ingested,
    codec: BatchCodec,
    settings: Settings,
    published_at: str | None,
) -> int:
    """The re-ask requests of the invalid answers, for the documents of ``inputs``."""
    backend = codec.backend
    pipeline = make_pipeline(settings, backend, backend.task)
    written: set[str] = set()
    lines: list[bytes] = []
    for item in load_documents(inputs, published_at=published_at, max_bytes=settings.max_doc_bytes):
        if not isinstance(item, Document):
            continue
        for planned in pipeline.plan(item).requests:
            key = backend.key_for(planned.request.text)
            if key in seen.reasks and key not in written:
                body, error = seen.reasks[key]
                lines.append(codec.reask_line(key, planned.request.text, body, error))
                written.add(key)
        if len(written) == len(seen.reasks):
            break
    _write_atomic(out, b"".join(lines))
    return len(lines)


@dataclass
class CollectSummary:
    run: RunSummary
    ingested: Ingested
    retry_file: Path | None = None
    retries: int = 0

    def cost(
        self, price_in: float | None, price_out: float | None, discount: float
    ) -> float | None:
        """USD at batch prices (list prices × ``discount``) for the tokens the results cost."""
        if price_in is None and price_out is None:
            return None
        u = self.ingested.usage
        full = (u.prompt_tokens * (price_in or 0) + u.completion_tokens * (price_out or 0)) / 1e6
        return full * discount

    def as_dict(self) -> dict[str, object]:
        i = self.ingested
        return {
            **self.run.as_dict(),
            "batch": {
                "result_lines": i.lines,
                "answered": i.answered,
                "invalid": i.invalid,
                "errors": i.errors,
                "unusable": i.unusable,
                "bad_lines": i.bad_lines,
                "usage": vars(i.usage),
                "retry_file": str(self.retry_file) if self.retry_file else None,
                "retries": self.retries,
            },
        }


def collect(
    job: BulkJob,
    results: Sequence[Path],
    settings: Settings,
    *,
    errors: Sequence[Path] = (),
    task: Task | None = None,
    on_result: Callable[[RunSummary], None] | None = None,
) -> CollectSummary:
    """Read batch results into the cache, then write the records of ``job.inputs`` from it.

    Every step can be repeated: a crash at any point followed by the same command with
    ``--resume`` gives the same output. An OUT that already holds records needs ``--resume``
    (a second round: ``--resume --retry-failed``) or ``--overwrite``, refused before anything
    is read or written.
    """
    from extractor.backends.openai_api.batch import BatchCodec

    job.check()
    check_existing(job)
    if not results and not errors:
        raise ConfigError(
            "collect needs the batch results: pass --results FILE (and --errors FILE)"
        )
    for path in [*results, *errors]:
        if not Path(path).is_file():
            raise ConfigError(
                f"no results file {path}: download it with `extractor batch download`"
            )
    backend = _openai_backend(settings, task, offline=True)
    codec = BatchCodec(backend)
    try:
        seen = ingest([*results, *errors], codec)
        retry = retry_path(job.out)
        retries = 0
        if seen.reasks:
            retries = write_retries(job.inputs, retry, seen, codec, settings, job.published_at)
        elif retry.exists():
            retry.unlink()  # from an earlier round: nothing left to re-ask
        answers = BatchAnswers(backend, seen, retry if retries else None)
        run = run_bulk(job, settings, backend=answers, task=backend.task, on_result=on_result)
    finally:
        if backend.cache is not None:
            backend.cache.close()
    return CollectSummary(run, seen, retry if retries else None, retries)


def iter_lines(path: Path) -> Iterator[dict[str, Any]]:
    """The JSON objects of a JSONL file (for tests and tools)."""
    with path.open(encoding="utf-8") as handle:
        for raw in handle:
            if raw.strip():
                yield json.loads(raw)


__all__ = [
    "MAX_BYTES",
    "MAX_LINES",
    "BatchAnswers",
    "BatchError",
    "CollectSummary",
    "Downloaded",
    "Ingested",
    "PrepareSummary",
    "collect",
    "describe",
    "download",
    "errors_path",
    "ingest",
    "part_path",
    "prepare",
    "read_state",
    "resolve",
    "retry_path",
    "state_path",
    "status",
    "submit",
]
