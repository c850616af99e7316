"""Large-budget fuzzing, deselected by default: ``pytest -m fuzz`` runs it.

The budget is ``NEWSCLEAN_FUZZ_EXAMPLES`` (default 20,000). The coverage-guided atheris target
in ``tests/fuzz/fuzz_clean.py`` is the one used for the million-input run in
docs/reliability.md; this one needs nothing beyond the test extras.
"""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import newsclean
from newsclean.config import Config
from newsclean.pipeline import Pipeline
from newsclean.record import render_text

PIPELINE = Pipeline.from_config(Config(disable=("near_duplicates", "corpus_boilerplate")))
BUDGET = int(os.environ.get("NEWSCLEAN_FUZZ_EXAMPLES", "20000"))


@pytest.mark.fuzz
@settings(max_examples=BUDGET, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.text(max_size=2000) | st.binary(max_size=2000).map(
    lambda b: b.decode("utf-8", errors="replace")))
def test_fuzz_clean(text):
    records = newsclean.clean(text, source="fuzz", pipeline=PIPELINE)
    for record in records:
        for removal in record.removed:
            assert text[removal.start : removal.end] == removal.text
        again = newsclean.clean(render_text(record), source="fuzz", pipeline=PIPELINE)
        assert [render_text(r) for r in again] == [render_text(record)]
        again = newsclean.clean(record.text, source="fuzz", pipeline=PIPELINE)
        assert [r.text for r in again] == [record.text]
