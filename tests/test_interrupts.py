"""Interrupted and failed runs change nothing: no output, the index as it was, no worker left.

The subprocess tests never wait for a time. They feed the run its documents on standard input
and write more than a pipe holds: when the write returns, the run has read most of it, so it
is past start-up, its output is open and its workers are running. It then waits for more input
while the test sends the signal, so the moment is the same on a fast or a loaded machine.
"""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import BUDGET_STORY

from newsclean import interrupts
from newsclean.cli import main

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")

COMMAND = [sys.executable, "-m", "newsclean"]
# Comfortably more than a pipe buffer (64 KiB on Linux), so a finished write means the run
# has read from its input.
FEED_BYTES = 512 * 1024


NOUNS = ("council", "minister", "union", "court", "board", "mayor", "agency", "league",
         "hospital", "airline", "university", "museum", "police", "bank", "harbour", "school")
VERBS = ("approve", "delay", "review", "reject", "fund", "announce", "expand", "close")
THINGS = ("bridges", "contracts", "flights", "grants", "homes", "trains", "clinics", "parks")
PLACES = ("the north", "the capital", "the valley", "the coast", "the old town", "the port")


def story(i: int) -> str:
    """A plain news story of its own: no two share enough word sequences to be near-duplicates."""
    rng = random.Random(i)
    paragraphs = []
    for _ in range(4):
        sentences = [
            f"The {rng.choice(NOUNS)} in {rng.choice(PLACES)} said that {rng.randint(2, 900)} "
            f"{rng.choice(THINGS)} would {rng.choice(VERBS)} the plan of the "
            f"{rng.choice(NOUNS)} before the {rng.choice(NOUNS)} met again."
            for _ in range(3)
        ]
        paragraphs.append(" ".join(sentences))
    return "\n\n".join(paragraphs)


def jsonl(start: int, count: int) -> bytes:
    return b"".join(
        json.dumps({"id": f"d{i}", "text": story(i)}).encode() + b"\n"
        for i in range(start, start + count)
    )


def feed_documents(count: int) -> bytes:
    """JSONL of at least FEED_BYTES."""
    data = jsonl(0, count)
    while len(data) < FEED_BYTES:
        count *= 2
        data = jsonl(0, count)
    return data


def indexed_keys(path: Path) -> set[str]:
    with sqlite3.connect(path) as db:
        return {key for (key,) in db.execute("SELECT key FROM signatures")}


def children_of(pid: int) -> set[int]:
    found: set[int] = set()
    for task in Path(f"/proc/{pid}/task").iterdir():
        found |= {int(c) for c in (task / "children").read_text().split()}
    return found


def wait_gone(pid: int, timeout: float = 120.0) -> bool:
    """Whether ``pid`` has ended (gone, or a zombie nobody reaped yet), waiting for it.

    Waits on the kernel's word, the process's pidfd turning readable, not on a clock.
    """
    try:
        fd = os.pidfd_open(pid)
    except ProcessLookupError:
        return True
    try:
        import select

        readable, _, _ = select.select([fd], [], [], timeout)
        return bool(readable)
    finally:
        os.close(fd)


def start_run(tmp_path: Path, *options: str) -> tuple[subprocess.Popen, Path]:
    """A run reading JSONL from stdin, known to be mid-run when this returns."""
    out_dir = tmp_path / "out"
    out_dir.mkdir(exist_ok=True)
    proc = subprocess.Popen(
        [*COMMAND, "run", "-", "-o", str(out_dir / "out.jsonl"), *options],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )
    assert proc.stdin is not None
    proc.stdin.write(feed_documents(400))
    proc.stdin.flush()  # returns once the run has taken most of it from the pipe
    return proc, out_dir


def finish(proc: subprocess.Popen) -> str:
    try:
        _, stderr = proc.communicate(timeout=300)
    finally:
        if proc.poll() is None:
            proc.kill()
    return stderr.decode("utf-8", "replace")


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_signal_mid_run_exits_128_plus_it_with_nothing_left(tmp_path, signum, code, jobs):
    index = tmp_path / "index.db"
    proc, out_dir = start_run(tmp_path, "--jobs", jobs, "--index", str(index))
    workers = children_of(proc.pid)
    assert len(workers) == (int(jobs) if jobs != "1" else 0)
    proc.send_signal(signum)
    stderr = finish(proc)
    assert proc.returncode == code, stderr
    assert "interrupted" in stderr and "Traceback" not in stderr
    assert os.listdir(out_dir) == []  # no output, no temporary file
    assert not index.exists() or indexed_keys(index) == set()
    assert all(wait_gone(pid) for pid in workers)


def test_a_signal_at_start_up_leaves_nothing(tmp_path):
    # However early it lands: before Python runs newsclean the process dies of the signal
    # (a shell reports that as 130 too); after, it exits 130 itself.
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    proc = subprocess.Popen([*COMMAND, "run", "-", "-o", str(out_dir / "out.jsonl")],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    proc.send_signal(signal.SIGINT)
    stderr = finish(proc)
    if proc.returncode == 1:  # Python's own start-up (its site module) was interrupted
        assert "Failed to import the site module" in stderr
    else:
        assert proc.returncode in (130, -signal.SIGINT), stderr
    assert os.listdir(out_dir) == []


class _InterruptedImport:
    """A module finder that is interrupted when the command line module loads."""

    def find_spec(self, name, path=None, target=None):
        if name == "newsclean.cli":
            raise interrupts.Interrupted(signal.SIGINT)
        return None


def test_a_signal_while_the_command_line_loads_exits_130(monkeypatch, capsys):
    # Regression: an interruption while newsclean.cli was imported escaped as a traceback, exit 1.
    from newsclean import __main__ as entry

    for name in [name for name in sys.modules if name.startswith("newsclean.cli")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setattr(sys, "meta_path", [_InterruptedImport(), *sys.meta_path])
    with pytest.raises(SystemExit) as exited:
        entry.main()
    assert exited.value.code == 130
    assert "interrupted" in capsys.readouterr().err


def test_sigkill_leaves_no_temporary_file_and_no_worker(tmp_path):
    index = tmp_path / "index.db"
    proc, out_dir = start_run(tmp_path, "--jobs", "2", "--index", str(index))
    workers = children_of(proc.pid)
    assert len(workers) == 2
    proc.kill()
    finish(proc)
    assert os.listdir(out_dir) == []
    assert not index.exists() or indexed_keys(index) == set()
    # Workers die with their parent, though it had no chance to stop them.
    assert all(wait_gone(pid) for pid in workers)


def test_a_killed_run_of_a_system_without_anonymous_files_is_swept_by_the_next(tmp_path):
    # Where the output had to be written under a temporary name, a run killed with SIGKILL
    # leaves it; the next run of the same output removes it (its process is gone).
    from newsclean.io import writers

    out_dir = tmp_path / "out"
    out_dir.mkdir()
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    pid = int(dead.stdout)
    stale = out_dir / f".out.jsonl.{writers.HOST_TAG}-{pid}.0123abcd.tmp"
    stale.write_text("half a run")
    live = out_dir / f".out.jsonl.{writers.HOST_TAG}-{os.getpid()}.0123abcd.tmp"
    live.write_text("a run in progress")
    other = out_dir / ".out.jsonl.elsewhere-1.0123abcd.tmp"
    other.write_text("a run on another machine sharing the folder")
    (tmp_path / "in.txt").write_text("\n\n".join(BUDGET_STORY), encoding="utf-8")
    result = CliRunner().invoke(main, ["run", str(tmp_path / "in.txt"), "-o",
                                       str(out_dir / "out.jsonl")])
    assert result.exit_code == 0, result.output
    assert sorted(os.listdir(out_dir)) == sorted(["out.jsonl", live.name, other.name])


def test_interrupted_carries_the_exit_code_of_its_signal():
    assert interrupts.Interrupted(signal.SIGTERM).exit_code == 143
    assert interrupts.exit_code_of(interrupts.Interrupted(signal.SIGINT)) == 130
    assert interrupts.exit_code_of(KeyboardInterrupt()) == 130


# The index changes only together with a committed output ---------------------------------


def write_folder(folder: Path, start: int, count: int) -> Path:
    folder.mkdir()
    for i in range(start, start + count):
        (folder / f"s{i:03d}.txt").write_text(story(i), encoding="utf-8")
    return folder


def run_cli(*args: str):
    return CliRunner().invoke(main, list(args))


def test_a_run_whose_output_fails_leaves_the_index_as_it_was(tmp_path, monkeypatch):
    index = tmp_path / "index.db"
    first = write_folder(tmp_path / "first", 0, 3)
    second = write_folder(tmp_path / "second", 3, 3)
    assert run_cli("run", str(first), "-o", str(tmp_path / "1.jsonl"),
                   "--index", str(index)).exit_code == 0
    before = indexed_keys(index)
    assert len(before) == 3

    real_fsync = os.fsync

    def disk_full(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", disk_full)
    failed = run_cli("run", str(second), "-o", str(tmp_path / "2.jsonl"), "--index", str(index),
                     "--drop-duplicates")
    monkeypatch.setattr(os, "fsync", real_fsync)
    assert failed.exit_code == 2
    assert failed.stderr.startswith("error: cannot write")
    assert "no output written, the index untouched" in failed.stderr
    assert not (tmp_path / "2.jsonl").exists()
    assert indexed_keys(index) == before

    # The retry is a first run: every article written, none a duplicate of the lost output.
    retry = run_cli("run", str(second), "-o", str(tmp_path / "2.jsonl"), "--index", str(index),
                    "--drop-duplicates")
    assert retry.exit_code == 0, retry.stderr
    records = [json.loads(line) for line in (tmp_path / "2.jsonl").read_text().splitlines()]
    assert len(records) == 3
    assert all(r.get("duplicate_of") is None for r in records)
    assert len(indexed_keys(index)) == 6


def test_explain_does_not_add_to_the_index(tmp_path):
    index = tmp_path / "index.db"
    (tmp_path / "newsclean.toml").write_text(
        f"[options.near_duplicates]\nindex = {json.dumps(str(index))}\n", encoding="utf-8")
    (tmp_path / "a.txt").write_text(story(1), encoding="utf-8")
    result = run_cli("explain", str(tmp_path / "a.txt"), "--config",
                     str(tmp_path / "newsclean.toml"))
    assert result.exit_code == 0, result.output
    assert not index.exists() or indexed_keys(index) == set()


HANGING_STEP = '''
import os
import threading

from newsclean.steps import Step


class HangOnMarker(Step):
    """Blocks on a document holding the marker, after naming its process in a file."""

    name = "hang_on_marker"

    def __call__(self, draft):
        if any("HANG-HERE" in block.text for block in draft.blocks):
            path = os.environ["NC_TEST_HANGING_PID"]
            with open(path + ".part", "w") as out:
                out.write(str(os.getpid()))
            os.rename(path + ".part", path)
            threading.Event().wait()
        return [draft]
'''


def test_a_worker_killed_with_a_task_ends_the_run_with_one_line_not_a_hang(tmp_path):
    # Regression: multiprocessing.Pool starts a new worker in place of one the out-of-memory
    # killer took, but never gives back the task it held: the run waited for it for ever.
    (tmp_path / "nc_hanging_step.py").write_text(HANGING_STEP)
    (tmp_path / "newsclean.toml").write_text('add = ["nc_hanging_step:HangOnMarker"]\n')
    inputs = write_folder(tmp_path / "in", 0, 6)
    (inputs / "hang.txt").write_text(story(99) + "\n\nHANG-HERE in a sentence of its own.\n")
    pid_file = tmp_path / "worker.pid"
    out = tmp_path / "out"
    out.mkdir()
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(tmp_path), *sys.path]),
               NC_TEST_HANGING_PID=str(pid_file))
    proc = subprocess.Popen(
        [*COMMAND, "run", str(inputs), "-o", str(out / "out.jsonl"), "--jobs", "2", "-q",
         "--config", str(tmp_path / "newsclean.toml")],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=tmp_path,
    )
    try:
        while not pid_file.exists():  # the worker holding the task has named itself
            assert proc.poll() is None, finish(proc)
            wait_gone(proc.pid, timeout=0.05)
        os.kill(int(pid_file.read_text()), signal.SIGKILL)
        stderr = finish(proc)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 2, stderr
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: a worker process was killed"), stderr
    assert os.listdir(out) == []  # no output, no temporary file
