"""OUT is never destroyed, resume is per document, odd inputs never hang (issue 22).

Each test is the shape a reliability probe found on the earlier code: a run without --resume
emptied OUT, two runs on one OUT deleted or doubled records, `-o /dev/null` replaced the device,
a document torn inside its 2nd record counted as done, a full disk lost a record with a
traceback, a FIFO hung the run, links were skipped silently, `-` was not standard input.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import socket
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from extractor.cli import app
from extractor.run import output
from extractor.run.output import JsonlSink, OutputLock, done_path
from tests.conftest import ROOT, SEEDS

runner = CliRunner()
SEED_FILES = sorted(SEEDS.glob("*.txt"))


def read_jsonl(path: Path) -> list[dict]:
    if not path.exists():
        return []
    return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]


def seed_lines() -> list[str]:
    """The seeds as JSONL lines, with the publication dates of their sidecars."""
    return [
        json.dumps(
            {
                "id": p.stem,
                "text": p.read_text("utf-8"),
                **json.loads(p.with_name(p.stem + ".meta.json").read_text("utf-8")),
            },
            ensure_ascii=False,
        )
        for p in SEED_FILES
    ]


def run(*args: str, **kwargs):
    return runner.invoke(app, ["run", *args], **kwargs)


def by_id(records: list[dict]) -> list[str]:
    return sorted(json.dumps(r, sort_keys=True, ensure_ascii=False) for r in records)


def but_source(records: list[dict]) -> list[str]:
    """The same, apart from where each record says it was read from (stdin or a file)."""
    return by_id([{k: v for k, v in r.items() if k != "source"} for r in records])


@pytest.fixture(scope="module")
def clean(tmp_path_factory) -> Path:
    """The reference: every seed, one clean run."""
    out = tmp_path_factory.mktemp("clean") / "events.jsonl"
    assert run(str(SEEDS), "-o", str(out), "-q").exit_code == 0
    return out


# ---- OUT is never destroyed --------------------------------------------------------------------


def test_a_second_run_without_resume_is_refused_and_out_is_kept(tmp_path: Path, clean: Path):
    out = tmp_path / "events.jsonl"
    shutil.copy(clean, out)
    before = out.read_bytes()
    result = run(str(SEED_FILES[0]), "-o", str(out), "-q")
    assert result.exit_code == 2
    (line,) = result.stderr.strip().splitlines()
    assert "--resume" in line and "--overwrite" in line and "Traceback" not in result.output
    assert out.read_bytes() == before
    assert not output.lock_path(out).exists()


def test_overwrite_replaces_out_only_when_the_run_finishes(
    tmp_path: Path, clean: Path, monkeypatch
):
    out = tmp_path / "events.jsonl"
    shutil.copy(clean, out)
    (tmp_path / "events.failures.jsonl").write_text(
        '{"doc_id": "old", "error": "empty", "message": "from the old run"}\n', encoding="utf-8"
    )
    before = out.read_bytes()
    real = JsonlSink.write
    calls = [0]

    def interrupted(self, result):
        calls[0] += 1
        if calls[0] > 2:
            raise KeyboardInterrupt
        return real(self, result)

    monkeypatch.setattr(JsonlSink, "write", interrupted)
    stopped = run(str(SEEDS), "-o", str(out), "--overwrite", "-q")
    assert stopped.exit_code == 130 and "unchanged" in stopped.stderr
    assert out.read_bytes() == before  # the old output is intact …
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "events.failures.jsonl",
        "events.jsonl",
    ]  # … and nothing of the stopped run is left beside it
    monkeypatch.setattr(JsonlSink, "write", real)
    one = SEED_FILES[0]
    done = run(str(one), "-o", str(out), "--overwrite", "-q")
    assert done.exit_code == 0, done.output
    assert {r["doc_id"] for r in read_jsonl(out)} == {one.stem}
    assert not (tmp_path / "events.failures.jsonl").exists()  # the old run's failures are gone
    assert [json.loads(x)["doc_id"] for x in done_path(out).read_text("utf-8").splitlines()] == [
        one.stem
    ]


def test_resume_and_overwrite_together_are_refused(tmp_path: Path):
    result = run(str(SEED_FILES[0]), "-o", str(tmp_path / "o.jsonl"), "--resume", "--overwrite")
    assert result.exit_code == 2 and "choose one" in result.stderr


def test_a_second_run_stops_while_another_holds_out(tmp_path: Path, clean: Path):
    out = tmp_path / "events.jsonl"
    with OutputLock(out):
        for extra in ([], ["--resume"], ["--overwrite"]):
            result = run(str(SEEDS), "-o", str(out), "-q", *extra)
            assert result.exit_code == 2, extra
            assert "another run is writing" in result.stderr
            assert not out.exists()
    assert not output.lock_path(out).exists()  # the lock file goes with the lock
    assert run(str(SEEDS), "-o", str(out), "-q").exit_code == 0
    assert by_id(read_jsonl(out)) == by_id(read_jsonl(clean))


@pytest.mark.skipif(not Path("/dev/null").exists(), reason="needs /dev/null")
def test_o_refuses_what_is_not_a_regular_file(tmp_path: Path):
    fifo = tmp_path / "pipe.jsonl"
    os.mkfifo(fifo)
    (tmp_path / "folder.jsonl").mkdir()
    (tmp_path / "dangling.jsonl").symlink_to(tmp_path / "nowhere")
    for target in ("/dev/null", str(fifo), str(tmp_path / "folder.jsonl")):
        result = run(str(SEED_FILES[0]), "-o", target, "--overwrite", "-q")
        assert result.exit_code == 2, target
        assert "not a regular file" in result.stderr and "Traceback" not in result.output
    result = run(str(SEED_FILES[0]), "-o", str(tmp_path / "dangling.jsonl"), "-q")
    assert result.exit_code == 2 and "link to nothing" in result.stderr
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)
    assert not (tmp_path / "nowhere").exists()


# ---- resume is per document --------------------------------------------------------------------


def _tear_inside_second_record(out: Path, keep_journal: bool) -> str:
    """Cut OUT inside the 2nd record of its last document (a crash or power cut mid-write)."""
    lines = out.read_bytes().splitlines(keepends=True)
    last = json.loads(lines[-1])["doc_id"]
    own = [i for i, x in enumerate(lines) if json.loads(x)["doc_id"] == last]
    assert len(own) >= 4 and own == list(range(own[0], own[0] + len(own)))
    second = lines[own[1]]
    out.write_bytes(b"".join(lines[: own[1]]) + second[: len(second) // 2])
    if not keep_journal:  # the journal line comes after the records: not written yet
        journal = done_path(out)
        kept = [x for x in journal.read_text("utf-8").splitlines(True) if last not in x]
        journal.write_text("".join(kept), encoding="utf-8")
    return last


@pytest.mark.parametrize("keep_journal", [False, True])
def test_a_document_torn_inside_its_second_record_is_completed_on_resume(
    tmp_path: Path, clean: Path, keep_journal: bool
):
    out = tmp_path / "events.jsonl"
    assert run(str(SEEDS), "-o", str(out), "-q").exit_code == 0
    torn = _tear_inside_second_record(out, keep_journal)
    resumed = run(str(SEEDS), "-o", str(out), "--resume")
    assert resumed.exit_code == 0, resumed.output
    warning = next(x for x in resumed.stderr.splitlines() if "resume: dropped" in x)
    assert "2 line(s)" in warning  # the whole record and the torn half of the next
    assert "1 unfinished" in warning
    assert by_id(read_jsonl(out)) == by_id(read_jsonl(clean))
    assert sum(r["doc_id"] == torn for r in read_jsonl(out)) >= 4


def test_an_undecodable_line_in_out_is_cut_on_resume_not_a_traceback(tmp_path: Path, clean: Path):
    out = tmp_path / "events.jsonl"
    shutil.copy(clean, out)
    assert run(str(SEEDS), "-o", str(tmp_path / "x.jsonl"), "-q").exit_code == 0
    shutil.copy(done_path(tmp_path / "x.jsonl"), done_path(out))
    with out.open("ab") as handle:
        handle.write(b'{"doc_id": "\xff\xfe broken"}\n')
    resumed = run(str(SEEDS), "-o", str(out), "--resume")
    assert resumed.exit_code == 0, resumed.output
    assert "dropped 1 line(s)" in resumed.stderr and "Traceback" not in resumed.output
    assert by_id(read_jsonl(out)) == by_id(read_jsonl(clean))
    assert "skipped" in resumed.stderr  # nothing redone: every seed was complete


def test_a_full_disk_stops_with_one_line_and_loses_no_record(
    tmp_path: Path, clean: Path, monkeypatch
):
    out = tmp_path / "events.jsonl"
    real = os.write
    state = {"writes": 0}

    def disk_fills(fd: int, data) -> int:
        if fd > 2 and Path(f"/proc/self/fd/{fd}").resolve() == out.resolve():
            state["writes"] += 1
            if state["writes"] == 3:  # a short write, then the disk is full
                real(fd, bytes(data[: len(data) // 3]))
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real(fd, data)

    monkeypatch.setattr(output, "_write", disk_fills)
    full = run(str(SEEDS), "-o", str(out), "-q")
    assert full.exit_code == 2
    (line,) = full.stderr.strip().splitlines()
    assert "No space left on device" in line and "--resume" in line
    assert "Traceback" not in full.output
    records = read_jsonl(out)  # every line whole: the short write was cut back off
    journal = [json.loads(x) for x in done_path(out).read_text("utf-8").splitlines()]
    assert {j["doc_id"] for j in journal} == {r["doc_id"] for r in records}
    assert len(journal) == 2
    monkeypatch.setattr(output, "_write", real)
    resumed = run(str(SEEDS), "-o", str(out), "--resume", "-q")
    assert resumed.exit_code == 0, resumed.output
    assert by_id(read_jsonl(out)) == by_id(read_jsonl(clean))


@pytest.mark.skipif(sys.platform != "linux", reason="RLIMIT_FSIZE semantics")
def test_a_file_size_limit_is_one_line_then_resume_completes(tmp_path: Path, clean: Path):
    import resource

    out = tmp_path / "events.jsonl"
    limit = clean.stat().st_size // 2

    def small_files() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    args = [sys.executable, "-m", "extractor.cli", "run", str(SEEDS), "-o", str(out), "-q"]
    first = subprocess.run(
        args, cwd=ROOT, capture_output=True, text=True, preexec_fn=small_files, timeout=120
    )
    assert first.returncode == 2, first.stderr
    assert "File too large" in first.stderr and "Traceback" not in first.stderr
    assert len(first.stderr.strip().splitlines()) == 1
    assert 0 < len(read_jsonl(out)) < len(read_jsonl(clean))
    second = subprocess.run([*args, "--resume"], cwd=ROOT, capture_output=True, timeout=120)
    assert second.returncode == 0, second.stderr
    assert by_id(read_jsonl(out)) == by_id(read_jsonl(clean))


# ---- inputs ------------------------------------------------------------------------------------


def test_fifos_sockets_loops_and_dangling_links_each_get_a_failure_line(tmp_path: Path):
    inputs = tmp_path / "in"
    inputs.mkdir()
    shutil.copy(SEED_FILES[0], inputs)
    os.mkfifo(inputs / "pipe.txt")
    (inputs / "loop.txt").symlink_to(inputs / "loop.txt")
    (inputs / "dangling.txt").symlink_to(inputs / "gone.txt")
    (inputs / "back").symlink_to(inputs)  # a folder link leading back up
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(inputs / "sock.txt"))
    fifo_arg = tmp_path / "x.txt"
    os.mkfifo(fifo_arg)
    loop_arg = tmp_path / "arg.txt"
    loop_arg.symlink_to(loop_arg)
    out = tmp_path / "events.jsonl"
    try:
        result = run(str(inputs), str(fifo_arg), str(loop_arg), "-o", str(out), "-q")
    finally:
        server.close()
    assert result.exit_code == 1, result.output
    failures = {f["doc_id"]: f["error"] for f in read_jsonl(tmp_path / "events.failures.jsonl")}
    assert failures == {
        "pipe": "not_regular_file",
        "sock": "not_regular_file",
        "loop": "symlink_loop",
        "dangling": "dangling_link",
        "back": "symlink_loop",
        "x": "not_regular_file",
        "arg": "symlink_loop",
    }
    assert {r["doc_id"] for r in read_jsonl(out)} == {SEED_FILES[0].stem}


def test_a_missing_input_is_exit_2(tmp_path: Path):
    result = run(str(tmp_path / "nope.txt"), "-o", str(tmp_path / "o.jsonl"))
    assert result.exit_code == 2 and "no such file or folder" in result.stderr
    assert not (tmp_path / "o.jsonl").exists()


def test_dash_reads_stdin_and_dash_o_writes_records_to_stdout(tmp_path: Path, clean: Path):
    lines = seed_lines()
    bad = json.dumps({"id": "blank", "text": "  "})
    result = run("-", "-o", "-", input="\n".join([*lines, bad]) + "\n")
    assert result.exit_code == 1
    assert but_source([json.loads(x) for x in result.stdout.splitlines()]) == but_source(
        read_jsonl(clean)
    )
    failure = next(json.loads(x) for x in result.stderr.splitlines() if x.startswith("{"))
    assert failure["doc_id"] == "blank" and failure["error"] == "empty"
    assert "run summary" in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == []  # no file named "-", no sidecar
    # one text on stdin (not JSONL): one document, id "stdin"
    text = SEED_FILES[0].read_text("utf-8")
    one = run("-", "-o", str(tmp_path / "t.jsonl"), "-q", input=text)
    assert one.exit_code == 0, one.output
    assert {r["doc_id"] for r in read_jsonl(tmp_path / "t.jsonl")} == {"stdin"}


def test_a_shell_pipe_through_the_command(tmp_path: Path, clean: Path):
    docs = "".join(line + "\n" for line in seed_lines())
    cli = [sys.executable, "-m", "extractor.cli", "run", "-", "-o", "-"]
    done = subprocess.run(
        cli, input=docs.encode("utf-8"), capture_output=True, cwd=tmp_path, timeout=120
    )
    assert done.returncode == 0, done.stderr.decode()
    records = [json.loads(x) for x in done.stdout.decode("utf-8").splitlines()]
    assert but_source(records) == but_source(read_jsonl(clean))
    assert list(tmp_path.iterdir()) == []


def test_resume_with_stdout_is_refused(tmp_path: Path):
    result = run(str(SEED_FILES[0]), "-o", "-", "--resume")
    assert result.exit_code == 2 and "--resume needs an output file" in result.stderr


def test_after_removing_out_a_fresh_run_starts_over(tmp_path: Path, clean: Path):
    out = tmp_path / "events.jsonl"
    assert run(str(SEEDS), "-o", str(out), "-q").exit_code == 0
    out.unlink()  # the journal OUT.done stays behind: it names no record, it blocks nothing
    again = run(str(SEEDS), "-o", str(out), "-q")
    assert again.exit_code == 0, again.output
    assert by_id(read_jsonl(out)) == by_id(read_jsonl(clean))
    assert len(done_path(out).read_text("utf-8").splitlines()) == len(SEED_FILES)


def test_an_out_of_the_earlier_version_resumes_without_redoing_its_documents(
    tmp_path: Path, clean: Path
):
    """OUT written before the journal counted records (no journal: every document had records):
    only the last document written (which a crash may have cut) runs again."""
    out = tmp_path / "events.jsonl"
    shutil.copy(clean, out)
    last = read_jsonl(out)[-1]["doc_id"]
    own = sum(r["doc_id"] == last for r in read_jsonl(out))
    resumed = run(str(SEEDS), "-o", str(out), "--resume")
    assert resumed.exit_code == 0, resumed.output
    assert f"dropped {own} line(s)" in resumed.stderr and "1 unfinished" in resumed.stderr
    assert by_id(read_jsonl(out)) == by_id(read_jsonl(clean))
    journal = [json.loads(x) for x in done_path(out).read_text("utf-8").splitlines()]
    assert sorted(j["doc_id"] for j in journal) == sorted(p.stem for p in SEED_FILES)
    assert all("records" in j for j in journal)  # converted: the next resume reads it as new
    again = run(str(SEEDS), "-o", str(out), "--resume")
    assert again.exit_code == 0 and "resume: dropped" not in again.stderr


@pytest.mark.parametrize("crash_at", ["events.jsonl", "events.jsonl.done"])
def test_a_crash_between_the_renames_of_overwrite_never_mixes_old_and_new(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, crash_at: str
):
    """--overwrite ends with three renames (failures, OUT, journal). Whichever one a crash hits,
    --resume then gives the old output or the new one, never old records counted as done under
    the new run's journal (with the journal renamed first, the old records of every document
    whose count had not changed were kept as the new run's)."""
    from extractor.run import bulk
    from extractor.run.bulk import BulkJob, run_bulk
    from extractor.settings import Settings

    docs = [json.loads(line) for line in seed_lines()]
    old = [{**d, "published_at": "2020-01-01"} for d in docs]  # other dates, same counts
    new = [dict(d) for d in docs]
    new[0]["text"] = new[0]["text"][: len(new[0]["text"]) // 2]  # a count that changes
    inputs = {}
    for name, rows in (("old", old), ("new", new)):
        inputs[name] = tmp_path / f"{name}.jsonl"
        inputs[name].write_text(
            "".join(json.dumps(d, ensure_ascii=False) + "\n" for d in rows), encoding="utf-8"
        )
    outcome = {}
    for name in ("old", "new"):
        out = tmp_path / f"{name}.out.jsonl"
        run_bulk(BulkJob([inputs[name]], out), Settings())
        outcome[name] = by_id(read_jsonl(out))
    assert outcome["old"] != outcome["new"]

    out = tmp_path / "events.jsonl"
    run_bulk(BulkJob([inputs["old"]], out), Settings())
    real_replace = os.replace

    class Crash(BaseException):
        pass

    def replace(src, dst):  # the process dies as it is about to rename over crash_at
        if Path(dst).name == crash_at:
            raise Crash
        real_replace(src, dst)

    monkeypatch.setattr(bulk.os, "replace", replace)
    with pytest.raises(Crash):
        run_bulk(BulkJob([inputs["new"]], out, overwrite=True), Settings())
    monkeypatch.setattr(bulk.os, "replace", real_replace)
    run_bulk(BulkJob([inputs["new"]], out, resume=True), Settings())
    assert by_id(read_jsonl(out)) in (outcome["old"], outcome["new"])
