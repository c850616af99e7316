"""The Dask engine gives the local engine's records, byte for byte, and leaves nothing behind.

Most tests share one LocalCluster of two worker processes (module scope) and reach it the way
a real cluster is reached, with ``--scheduler ADDRESS``. The interruption test follows
tests/test_interrupts.py: it never waits for a time, only for the run to read its input.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import BUDGET_STORY, SEEDS, generated_story

pytest.importorskip("distributed", reason="the Dask engine needs dask[distributed]")

from distributed import LocalCluster  # noqa: E402
from test_interrupts import (  # noqa: E402
    COMMAND,
    children_of,
    feed_documents,
    finish,
    wait_gone,
)

from newsclean import Pipeline  # noqa: E402
from newsclean.cli import main  # noqa: E402
from newsclean.engines import dask as dask_engine  # noqa: E402
from newsclean.engines import local, stages  # noqa: E402
from newsclean.spool import Spool  # noqa: E402
from newsclean.steps.base import CorpusStep  # noqa: E402

pytestmark = [pytest.mark.dask,
              pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")]


@pytest.fixture(scope="module")
def scheduler():
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None,
                      scheduler_kwargs=dask_engine._NO_FIXED_PORTS) as cluster:
        yield cluster.scheduler_address


FOOTER = ("The Valley Courier is owned by the Harbour Trust and printed in Millbrook every "
          "weekday morning by its own staff.")


def article(i: int) -> str:
    return generated_story(i)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    """Three partitions' worth of files: two sites, a footer that recurs across one of them
    (corpus boilerplate), near-duplicates within and across sites, JSONL records, a file that
    cleans to nothing and a JSONL line that cannot be read.
    """
    root = tmp_path_factory.mktemp("corpus")
    courier, wire = root / "courier", root / "wire"
    courier.mkdir()
    wire.mkdir()
    for i in range(90):
        (courier / f"c{i:03d}.txt").write_text(f"{article(i)}\n\n{FOOTER}\n", encoding="utf-8")
    for i in range(0, 90, 6):  # the same story, lightly edited, on another site
        text = article(i).replace("will", "is set to", 1)
        (wire / f"w{i:03d}.txt").write_text(f"Wire report\n\n{text}\n", encoding="utf-8")
    with (wire / "feed.jsonl").open("w", encoding="utf-8") as feed:
        for i in range(200, 230):
            record = {"id": f"feed-{i}", "text": article(i if i % 5 else 3),
                      "created": f"2024-03-{1 + i % 28:02d}", "url": f"https://wire.example/{i}"}
            feed.write(json.dumps(record) + "\n")
    (wire / "empty.txt").write_text("\n\n   \n", encoding="utf-8")
    (wire / "broken.jsonl").write_text('{"text": "A line read."}\n{"text": \n',
                                       encoding="utf-8")
    (wire / "story.txt").write_text("\n\n".join(BUDGET_STORY), encoding="utf-8")
    return root


def cli(*args: str):
    # One 'added' time for every run, so outputs compare byte for byte.
    fixed = ["--added", "2025-01-01"] if args[:1] == ("run",) else []
    return CliRunner().invoke(main, [*args, *fixed])


def both_engines(tmp_path: Path, inputs: list[str], *options: str,
                 scheduler: str | None = None, jobs: str = "2") -> tuple[Path, Path]:
    """Run the CLI with the local engine and with the Dask one; check they said the same."""
    outs = []
    results = []
    for engine in ("local", "dask"):
        out = tmp_path / engine / "out.jsonl"
        out.parent.mkdir(exist_ok=True)
        extra = ["--engine", engine]
        if engine == "dask" and scheduler is not None:
            extra += ["--scheduler", scheduler]
        result = cli("run", *inputs, "-o", str(out), "-j", jobs, *extra, *options)
        assert result.exit_code in (0, 3), result.stderr
        assert os.listdir(out.parent) == ["out.jsonl"]  # no spool left beside it
        outs.append(out)
        results.append(result)
    local_result, dask_result = results
    # Same summary: documents, records, duplicates, empties, paragraphs removed per step.
    assert (dask_result.exit_code, dask_result.stderr) == (local_result.exit_code,
                                                          local_result.stderr)
    return outs[0], outs[1]


def test_seeds_give_the_same_bytes(tmp_path, scheduler):
    local_out, dask_out = both_engines(tmp_path, [str(SEEDS)], scheduler=scheduler)
    assert local_out.read_bytes() == dask_out.read_bytes()
    assert local_out.read_bytes().count(b"\n") >= 5


def test_a_corpus_with_duplicates_and_boilerplate_gives_the_same_bytes(tmp_path, scheduler,
                                                                        corpus):
    local_out, dask_out = both_engines(tmp_path, [str(corpus)], scheduler=scheduler)
    assert local_out.read_bytes() == dask_out.read_bytes()
    records = [json.loads(line) for line in dask_out.read_text().splitlines()]
    assert len(records) > 100
    # What makes the comparison worth it: the corpus steps decided something.
    assert sum(r.get("duplicate_of") is not None for r in records) >= 10
    assert any(r["step"] == "corpus_boilerplate" for rec in records for r in rec["removed"])


def indexed_keys(path: Path) -> set[str]:
    with sqlite3.connect(path) as db:
        return {key for (key,) in db.execute("SELECT key FROM signatures")}


def test_runs_with_an_index_give_the_same_bytes_and_index(tmp_path, scheduler, corpus):
    # A first run fills each engine's index; a second, over more files, finds duplicates of
    # what the first indexed, and drops them.
    first = [str(corpus / "courier")]
    second = [str(corpus), str(SEEDS)]
    indexes = {engine: tmp_path / f"{engine}.db" for engine in ("local", "dask")}
    for number, inputs in enumerate((first, second)):
        outs = []
        for engine, index in indexes.items():
            out = tmp_path / f"{engine}-{number}" / "out.jsonl"
            out.parent.mkdir()
            extra = ["--scheduler", scheduler] if engine == "dask" else []
            result = cli("run", *inputs, "-o", str(out), "--index", str(index),
                         "--drop-duplicates", "--engine", engine, *extra)
            assert result.exit_code == 3 * number, result.stderr  # the second's broken line
            outs.append(out.read_bytes())
        assert outs[0] == outs[1]
    assert indexed_keys(indexes["local"]) == indexed_keys(indexes["dask"])


def test_small_partitions_and_the_library_api(tmp_path, scheduler, corpus):
    # Many partitions of a few files each: the records still come in input order.
    from distributed import Client

    local_errors: list[Exception] = []
    expected = [r.to_json() for r in local.run(Pipeline.from_config(),
                                               local.Inputs((str(corpus),)),
                                               on_error=local_errors.append)]
    out = tmp_path / "out.jsonl"
    errors: list[Exception] = []
    with Client(scheduler) as client:
        run = dask_engine.run(Pipeline.from_config(), local.Inputs((str(corpus),)),
                              scheduler=client, spool_beside=out, partition_files=7,
                              on_error=errors.append)
        got = [next(run).to_json()]
        # Mid-run the spool is a hidden folder beside the output; gone when the run ends.
        [spool] = os.listdir(tmp_path)
        assert spool.startswith(".newsclean-spool-")
        got += [r.to_json() for r in run]
        assert os.listdir(tmp_path) == []
        assert client.status == "running"  # a client it was given is left open
    assert got == expected
    assert [str(e) for e in errors] == [str(e) for e in local_errors] != []


class KeepLongest(CorpusStep):
    """A corpus step without sketches (only run_corpus): keeps the longest article."""

    name = "keep_longest"

    def run_corpus(self, drafts):
        return [max(drafts, key=lambda d: (len(d.text), d.id))] if drafts else []


def test_a_corpus_step_without_sketches_and_an_empty_input(tmp_path, scheduler, corpus):
    # Such a step needs every draft at once: the parent applies, reading the shared spool.
    steps = [*Pipeline.from_config().document_steps, KeepLongest()]
    expected = [r.to_json() for r in local.run(Pipeline(steps), local.Inputs((str(corpus),)),
                                               on_error=lambda e: None)]
    got = [r.to_json() for r in dask_engine.run(Pipeline(steps), local.Inputs((str(corpus),)),
                                                 scheduler=scheduler, on_error=lambda e: None,
                                                 spool_beside=tmp_path / "out.jsonl")]
    assert got == expected and len(got) == 1
    (tmp_path / "nothing").mkdir()
    assert list(dask_engine.run(Pipeline.from_config(), local.Inputs((str(tmp_path / "nothing"),)),
                                scheduler=scheduler, spool_beside=tmp_path / "o.jsonl")) == []
    assert os.listdir(tmp_path) == ["nothing"]


def test_standard_input_is_read_by_the_parent(tmp_path, scheduler):
    data = b"".join(json.dumps({"id": f"s{i}", "text": article(i)}).encode() + b"\n"
                    for i in range(150))
    outs = []
    for engine in ("local", "dask"):
        out = tmp_path / f"{engine}.jsonl"
        extra = ["--scheduler", scheduler] if engine == "dask" else []
        result = CliRunner().invoke(main, ["run", "-", "-o", str(out), "--engine", engine,
                                           "--added", "2025-01-01", *extra], input=data)
        assert result.exit_code == 0, result.stderr
        outs.append(out.read_bytes())
    assert outs[0] == outs[1] and outs[0].count(b"\n") == 150


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_an_unreachable_scheduler_is_one_line_and_exit_2(tmp_path):
    out = tmp_path / "out.jsonl"
    address = f"tcp://127.0.0.1:{free_port()}"  # nothing listens there
    result = cli("run", str(SEEDS), "-o", str(out), "--engine", "dask", "--scheduler", address)
    assert result.exit_code == 2
    assert result.stderr.startswith(f"error: cannot reach the Dask scheduler at {address}")
    assert result.stderr.count("\n") == 1 and "no output written" in result.stderr
    assert os.listdir(tmp_path) == []


def test_scheduler_without_the_dask_engine_is_a_usage_error(tmp_path):
    result = cli("run", str(SEEDS), "-o", str(tmp_path / "o.jsonl"), "--scheduler", "tcp://x:1")
    assert result.exit_code == 2 and "--scheduler is for --engine dask" in result.stderr


def test_without_a_scheduler_a_cluster_of_jobs_workers_is_started_and_closed(tmp_path):
    local_out, dask_out = both_engines(tmp_path, [str(SEEDS)], jobs="2")
    assert local_out.read_bytes() == dask_out.read_bytes()


@pytest.mark.parametrize(("signum", "code", "own_cluster"),
                         [(signal.SIGINT, 130, True), (signal.SIGTERM, 143, False)])
def test_a_signal_mid_run_stops_the_work_and_leaves_nothing(tmp_path, request, signum, code,
                                                            own_cluster):
    # With a cluster of its own the run must also stop its workers; with a scheduler's, only
    # its own client and spool (a cluster start-up each is what makes these tests slow).
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    index = tmp_path / "index.db"
    cluster = ["-j", "2"] if own_cluster else ["--scheduler", request.getfixturevalue("scheduler")]
    proc = subprocess.Popen(
        [*COMMAND, "run", "-", "-o", str(out_dir / "out.jsonl"), "--engine", "dask", *cluster,
         "--index", str(index)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )
    assert proc.stdin is not None
    # The parent reads standard input only once it has its cluster: when this write returns,
    # the workers run, the spool folder exists and the output is open.
    proc.stdin.write(feed_documents(400))
    proc.stdin.flush()
    workers = children_of(proc.pid)
    assert len(workers) >= (2 if own_cluster else 0)
    assert [n for n in os.listdir(out_dir) if n.startswith(".newsclean-spool-")]
    proc.send_signal(signum)
    stderr = finish(proc)
    assert proc.returncode == code, stderr
    assert "interrupted" in stderr and "Traceback" not in stderr
    assert os.listdir(out_dir) == []  # no output, no spool
    assert not index.exists() or indexed_keys(index) == set()
    assert all(wait_gone(pid) for pid in workers)


def test_a_shared_spool_sent_to_another_process_leaves_the_folder_to_its_maker(tmp_path):
    import pickle

    with Spool(tmp_path / "out.jsonl", shared=True) as spool:
        copy = pickle.loads(pickle.dumps(spool))
        writer = copy.writer()
        entry = writer.append(["drafts"])
        writer.close()
        assert copy.read(entry) == ["drafts"]
        copy.close()  # its own descriptors only
        assert spool.read(entry) == ["drafts"]
        assert len(os.listdir(tmp_path)) == 1
    assert os.listdir(tmp_path) == []


def _set_spill(value: int) -> int:
    """On a worker: make tasks spill after ``value`` documents; the value it had."""
    from newsclean.engines import stages

    before, stages.SPILL = stages.SPILL, value
    return before


def test_a_large_jsonl_file_in_parts_gives_the_local_engines_records(tmp_path, scheduler,
                                                                     monkeypatch):
    # Partitions are parts of one file (an error in the middle one), and then one partition
    # that spills its outcome in pieces: the local engine's records and errors, in order.
    from distributed import Client
    from test_engine_local import large_jsonl, run_with

    path = large_jsonl(tmp_path)
    expected = run_with(path, jobs=1)
    with Client(scheduler) as client:
        fifth = path.stat().st_size // 5 + 1
        assert run_with(path, jobs=0, run=dask_engine.run, scheduler=client,
                        spool_beside=tmp_path / "o.jsonl", partition_bytes=fifth) == expected
        spilled: list[int] = []
        add = stages.Ledger.add
        monkeypatch.setattr(stages.Ledger, "add",
                            lambda self, outcome: (spilled.append(len(outcome.spilled)),
                                                   add(self, outcome)))
        before = client.run(_set_spill, 7)
        try:
            assert run_with(path, jobs=0, run=dask_engine.run, scheduler=client,
                            spool_beside=tmp_path / "o.jsonl") == expected
        finally:
            client.run(_set_spill, next(iter(before.values())))
        assert spilled == [90 // 7]
    assert os.listdir(tmp_path) == ["large.jsonl"]
