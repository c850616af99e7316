"""Shared helpers for the newsclean tests."""

from __future__ import annotations

import importlib.util
import random
import sys
from pathlib import Path
from types import ModuleType

import pytest
from hypothesis import HealthCheck, settings

from newsclean import Document, Pipeline, document_id
from newsclean.config import Config, resolve_step

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "fixtures" / "seeds"
EXPECTED = ROOT / "fixtures" / "expected"
DOCS = ROOT / "docs"

# A plain four-paragraph news story that no step should touch; tests add noise around it.
BUDGET_STORY = (
    "The minister said on Tuesday that the government would present a revised budget to "
    "parliament next month, after weeks of pressure from coalition partners.",
    "Officials expect the new plan to reduce the deficit by a third within two years, "
    "economists at the central bank said on Wednesday.",
    "Opposition leaders called the proposal an unworkable compromise and vowed to fight it in "
    "parliament when the vote is held in the autumn.",
    "Analysts said the vote would be the first real test of the coalition since it took office "
    "after a long and bitter election campaign.",
)

_STORY_WORDS = ("harbour", "council", "budget", "river", "station", "festival", "school",
                "bridge", "market", "library", "hospital", "tram", "museum", "park", "stadium",
                "airport")


def generated_story(seed: int, sentences: int = 4, paragraphs: int = 3) -> str:
    """A distinct made-up news story for ``seed``, the same on every run (engine tests need
    many articles that are neither alike nor near-duplicates of each other).
    """
    rng = random.Random(seed)
    return "\n\n".join(
        " ".join(f"The {rng.choice(_STORY_WORDS)} of district {rng.randint(1, 99)} will "
                 f"{rng.choice(('open', 'close', 'grow', 'move'))} the "
                 f"{rng.choice(_STORY_WORDS)} after {rng.randint(2, 60)} days."
                 for _ in range(sentences))
        for _ in range(paragraphs)
    )


# The corpus steps see one document at a time in the per-document tests and change nothing,
# but each builds a MinHashLSH (about 50 ms of parameter search per call), so those tests
# clean with the other steps only.
DOCUMENT_PIPELINE = Pipeline.from_config(Config(disable=("near_duplicates", "corpus_boilerplate")))


def make_document(text: str, source: str = "<test>") -> Document:
    return Document(document_id(source, text), source, text, {})


def run_steps(text: str, *steps, source: str = "<test>"):
    """Run the given step instances (or names) over ``text``; return the drafts."""
    pipeline = Pipeline([resolve_step(s)() if isinstance(s, str) else s for s in steps])
    return pipeline.draft(make_document(text, source))


def run_and_commit(step, drafts):
    """Run a corpus step over ``drafts`` and commit what it staged, as a pipeline run would
    once its output is written.
    """
    out = step.run_corpus(drafts)
    step.commit()
    return out


@pytest.fixture(scope="session", autouse=True)
def _own_array_cache(tmp_path_factory: pytest.TempPathFactory):
    """The suite keeps the language model's array cache in a folder of its own, so a run of
    the tests neither reads nor writes the user's cache (and, with it, always starts cold).
    Set in the environment, so the commands the tests start use it too.
    """
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("NEWSCLEAN_CACHE_DIR", str(tmp_path_factory.mktemp("array-cache")))
        patch.delenv("NEWSCLEAN_NO_CACHE", raising=False)
        yield


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


def docs_script(name: str) -> ModuleType:
    """Import ``docs/NAME.py``, a script of no package (gen_reference, plots)."""
    spec = importlib.util.spec_from_file_location(name, DOCS / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up while the class is made
    spec.loader.exec_module(module)
    return module
