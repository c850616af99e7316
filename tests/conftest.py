"""Shared helpers for the newsclean tests."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from newsclean import Document, Pipeline, document_id
from newsclean.config import resolve_step

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "fixtures" / "seeds"
EXPECTED = ROOT / "fixtures" / "expected"


def make_document(text: str, source: str = "<test>") -> Document:
    return Document(document_id(source, text), source, text, {})


def run_steps(text: str, *steps, source: str = "<test>"):
    """Run the given step instances (or names) over ``text``; return the drafts."""
    pipeline = Pipeline([resolve_step(s)() if isinstance(s, str) else s for s in steps])
    return pipeline.draft(make_document(text, source))


@pytest.fixture(scope="session")
def default_pipeline() -> Pipeline:
    return Pipeline.from_config()


@pytest.fixture(scope="session")
def seed_texts() -> dict[str, str]:
    return {p.stem: p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt"))}


# Deterministic property tests that write nothing into the repository.
settings.register_profile(
    "newsclean",
    derandomize=True,
    database=None,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.load_profile("newsclean")
