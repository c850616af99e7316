"""What a run measures: seconds per step (clean, link, apply), the stage events, merging."""

from __future__ import annotations

import pytest
from conftest import SEEDS

from newsclean import Pipeline
from newsclean.engines import local
from newsclean.engines.stages import merge_stats
from newsclean.pipeline import RunStats


@pytest.mark.parametrize("jobs", [1, 2])
def test_every_step_is_timed_in_its_stage_and_the_stages_are_announced(jobs):
    pipeline = Pipeline.from_config()
    stats = RunStats()
    stages: list[tuple[str, int]] = []
    stats.on_stage = lambda name, size: stages.append((name, size))
    records = list(local.run(pipeline, local.Inputs((str(SEEDS),)), jobs=jobs, stats=stats))
    pipeline.discard()
    assert len(records) == stats.records == 10
    clean = {step for stage, step in stats.seconds if stage == "clean"}
    assert clean == {step.name for step in pipeline.document_steps}
    for stage in ("link", "apply"):
        assert {step for s, step in stats.seconds if s == stage} == {
            step.name for step in pipeline.corpus_steps}
    assert all(seconds >= 0 for seconds in stats.seconds.values())
    assert sum(stats.seconds.values()) > 0
    # link: every article of the run; apply: every document, all of them applied
    assert stages == [("link", 10), ("apply", 5)]
    assert stats.applied == 5


def test_timings_add_up_when_shares_are_merged_and_the_hook_is_not_merged():
    total, part = RunStats(), RunStats()
    total.seconds["clean", "banners"] = 1.5
    part.seconds["clean", "banners"] = 0.25
    part.applied = 3
    part.on_stage = lambda name, size: None
    merge_stats(total, part)
    assert total.seconds["clean", "banners"] == 1.75
    assert total.applied == 3
    assert total.on_stage is None


def test_take_seconds_hands_over_and_starts_again():
    pipeline = Pipeline.from_config()
    from conftest import make_document

    pipeline.draft(make_document("Advertisement\n\nA short story about the council."))
    taken = pipeline.take_seconds()
    assert set(taken) == {step.name for step in pipeline.document_steps}
    assert pipeline.take_seconds() == {}
