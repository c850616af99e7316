"""The streaming stages give the records the in-memory pipeline gives, for any --jobs."""

from __future__ import annotations

import json
import multiprocessing
import os
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import ROOT, SEEDS, generated_story

from newsclean import Pipeline, RunStats
from newsclean.cli import main
from newsclean.engines import local, stages
from newsclean.io import iter_documents
from newsclean.io.readers import line_parts
from newsclean.steps.base import Step

BENCH = ROOT.parent / "shared" / "bench"
SCRAPES = BENCH / "scrapes-dev" / "input"


def in_memory(pipeline: Pipeline, folder: Path) -> list[str]:
    """The reference: every draft of the run held at once, the corpus steps over all."""
    documents = iter_documents([str(folder)], on_error=pytest.fail)
    drafts = [d for document in documents for d in pipeline.draft(document)]
    return [d.to_record().to_json() for d in pipeline.finish(drafts) if d.kept]


def streamed(pipeline: Pipeline, folder: Path, jobs: int) -> list[str]:
    stats = RunStats()
    records = local.run(pipeline, local.Inputs((str(folder),)), jobs=jobs,
                        on_error=pytest.fail, stats=stats)
    return [record.to_json() for record in records]


@pytest.mark.parametrize("folder", [
    SEEDS,
    pytest.param(SCRAPES, marks=[
        pytest.mark.slow,
        pytest.mark.skipif(not SCRAPES.is_dir(), reason="../shared/bench is not beside the repo"),
    ]),
])
def test_streaming_stages_give_the_in_memory_records_for_any_jobs(folder):
    pipeline = Pipeline.from_config()
    expected = in_memory(pipeline, folder)
    assert any('"duplicate_of": "' in line for line in expected) or folder == SEEDS
    assert streamed(pipeline, folder, jobs=1) == expected
    assert streamed(pipeline, folder, jobs=2) == expected


def test_documents_from_a_stream_are_cleaned_in_batches_in_order():
    pipeline = Pipeline.from_config()
    documents = list(iter_documents([str(SEEDS)], on_error=pytest.fail))
    from_paths = streamed(pipeline, SEEDS, jobs=1)
    from_stream = [r.to_json() for r in local.run(pipeline, documents, jobs=2,
                                                   on_error=pytest.fail)]
    assert from_stream == from_paths


def test_the_run_counts_documents_records_and_duplicates():
    stats = RunStats()
    records = list(local.run(Pipeline.from_config(), local.Inputs((str(SEEDS),)),
                             on_error=pytest.fail, stats=stats))
    assert (stats.documents, stats.records, stats.failed) == (5, len(records), 0)
    assert stats.records == 10


# Tasks of a bounded size: a large JSONL file cut into parts, a large task spilled -------------


def story(i: int) -> str:
    return generated_story(i, sentences=3, paragraphs=2)


class FailsOnKaput(Step):
    """Fails on a document that says so (a step error, reported in input order)."""

    name = "fails_on_kaput"

    def __call__(self, draft):
        if "kaput" in draft.text:
            raise RuntimeError("kaput")
        return [draft]


def large_jsonl(folder: Path, n: int = 90) -> Path:
    """A JSONL file of ``n`` stories (near-duplicates among them), with what must be reported
    where it is: a malformed line and a record too large in the middle, a step failure before
    them and after, blank lines.
    """
    lines = []
    for i in range(n):
        record = {"id": f"s{i}", "text": story(i % 70), "url": f"https://site.example/{i}"}
        if i in (10, 70):
            record["text"] += "\n\nThe press went kaput."
        lines.append(json.dumps(record))
        if i == n // 2:
            lines += ['{"text": "cut short', "", json.dumps({"text": "x" * 5000})]
    path = folder / "large.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def run_with(path: Path, jobs: int, run=local.run, **options) -> tuple[list[str], list[str], tuple]:
    """The records, error lines and counts of a run over ``path`` (``jobs`` 0: ``run``'s
    own workers).
    """
    pipeline = Pipeline([*Pipeline.from_config().document_steps, FailsOnKaput(),
                         *Pipeline.from_config().corpus_steps])
    errors: list[Exception] = []
    stats = RunStats()
    if jobs:
        options["jobs"] = jobs
    records = [r.to_json() for r in run(pipeline, local.Inputs((str(path),), max_bytes=4000),
                                        on_error=errors.append, stats=stats, **options)]
    return records, [str(e) for e in errors], (stats.documents, stats.failed, stats.records)


def test_a_large_jsonl_file_in_parts_gives_what_one_task_gives(tmp_path, monkeypatch):
    path = large_jsonl(tmp_path)
    whole = run_with(path, jobs=1)  # one task: the file is smaller than TASK_BYTES
    records, errors, counts = whole
    assert len(records) > 50 and any('"duplicate_of": "' in r for r in records)
    assert [e.split(": ", 1)[0] for e in errors] == [
        "large.jsonl:11", f"{path}:47", f"{path}:49", "large.jsonl:74"]  # in input order
    monkeypatch.setattr(stages, "TASK_BYTES", path.stat().st_size // 5 + 1)
    parts = list(line_parts(path, stages.TASK_BYTES))
    assert len(parts) == 5 == len(list(stages.tasks(local.Inputs((str(path),)), pytest.fail)))
    # The bad lines are in a middle part, the step failures in the first and the last.
    firsts = [part.line for part in parts]
    assert firsts[1] > 11 and firsts[2] < 47 < 49 < firsts[3] and firsts[4] <= 74
    assert run_with(path, jobs=1) == whole
    assert run_with(path, jobs=2) == whole
    # A task larger than SPILL sends its outcome in pieces, through the spool.
    monkeypatch.setattr(stages, "TASK_BYTES", 10 * path.stat().st_size)
    monkeypatch.setattr(stages, "SPILL", 7)
    spilled: list[int] = []
    add = stages.Ledger.add
    monkeypatch.setattr(stages.Ledger, "add",
                        lambda self, outcome: (spilled.append(len(outcome.spilled)),
                                               add(self, outcome)))
    assert run_with(path, jobs=1) == whole
    assert spilled == [90 // 7]  # one task, its outcome in 13 pieces and what was left
    # From a worker's shard too (the workers see SPILL as patched when they are forked).
    assert run_with(path, jobs=2) == whole
    if multiprocessing.get_start_method() == "fork":
        assert spilled == [90 // 7] * 2


def test_the_command_gives_the_same_bytes_errors_and_exit_code_in_parts(tmp_path, monkeypatch):
    path = large_jsonl(tmp_path)
    results = []
    for task_bytes, spill in ((stages.TASK_BYTES, stages.SPILL), (3000, stages.SPILL), (3000, 4)):
        monkeypatch.setattr(stages, "TASK_BYTES", task_bytes)
        monkeypatch.setattr(stages, "SPILL", spill)
        out = tmp_path / f"out-{task_bytes}-{spill}" / "out.jsonl"
        out.parent.mkdir()
        result = CliRunner().invoke(main, ["run", str(path), "-o", str(out), "-j", "2",
                                           "--max-bytes", "4000", "--added", "2025-01-01"])
        assert os.listdir(out.parent) == ["out.jsonl"]  # no spool left beside it
        results.append((result.exit_code, result.stderr, out.read_bytes()))
    assert results[0][0] == 3 and "large.jsonl:47: malformed JSON" in results[0][1]
    assert results[1] == results[0] and results[2] == results[0]
