"""Large-budget fuzzing, deselected by default: ``pytest -m fuzz`` runs it.

The budget is ``NEWSCLEAN_FUZZ_EXAMPLES`` (default 20,000); the million-input run recorded in
docs/reliability.md is ``test_fuzz_arbitrary_text``: arbitrary unicode, or arbitrary bytes
decoded as UTF-8 (what a broken scrape looks like). Generated scrapes (the text the steps are
written for, headlines, banners, URLs, wrapped lines) are about eight times slower per input,
so they have their own test and a run of their own. The coverage-guided atheris target in
``tests/fuzz/fuzz_clean.py`` checks the same properties.
"""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_properties import check_accounting, clean, scrapes

from newsclean.record import render_text

BUDGET = int(os.environ.get("NEWSCLEAN_FUZZ_EXAMPLES", "20000"))

ARBITRARY_TEXT = st.text(max_size=2000) | st.binary(max_size=2000).map(
    lambda b: b.decode("utf-8", errors="replace"))


def check_cleaning(text: str) -> None:
    """No exception escapes; deterministic; kept + removed cover the input; fixed points hold."""
    records = clean(text)
    assert [r.to_json() for r in clean(text)] == [r.to_json() for r in records]
    check_accounting(text)
    for record in records:
        assert [r.text for r in clean(record.text)] == [record.text]
        rendered = render_text(record)
        assert [render_text(r) for r in clean(rendered)] == [rendered]


FUZZ = settings(max_examples=BUDGET, deadline=None, suppress_health_check=list(HealthCheck))


@pytest.mark.fuzz
@FUZZ
@given(ARBITRARY_TEXT)
def test_fuzz_arbitrary_text(text):
    check_cleaning(text)


@pytest.mark.fuzz
@FUZZ
@given(scrapes())
def test_fuzz_generated_scrapes(text):
    check_cleaning(text)
