"""The streaming stages give the records the in-memory pipeline gives, for any --jobs."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import ROOT, SEEDS

from newsclean import Pipeline, RunStats
from newsclean.engines import local
from newsclean.io import iter_documents

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
