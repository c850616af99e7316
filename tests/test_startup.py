"""Start-up: what the command line loads before it does anything (no timing here: which
modules are imported, and what the phrase lists cost, are what keep it quick).
"""

from __future__ import annotations

import subprocess
import sys

from conftest import SEEDS

from newsclean import Pipeline
from newsclean.patterns import _load, load_phrasebook

_LOADED = """
import sys
sys.argv = {argv!r}
from newsclean.__main__ import main
try:
    main()
except SystemExit:
    pass
print("LOADED", " ".join(sorted(sys.modules)), file=sys.stderr)
"""

# What a command that cleans nothing must not load: the step modules (their phrase lists and
# patterns), the phrase lists, and the libraries only cleaning or sketching needs.
_CLEANING = {"numpy", "datasketch", "scipy", "py3langid", "ftfy", "regex", "newsclean.patterns"}
_SKETCHING = {"numpy", "datasketch", "scipy"}


def _loaded(*argv: str, code: str = _LOADED) -> set[str]:
    """The modules loaded by the end of ``newsclean ARGV``, in a fresh interpreter."""
    done = subprocess.run(
        [sys.executable, "-c", code.format(argv=["newsclean", *argv])],
        capture_output=True,
        text=True,
        check=True,
    )
    return set(done.stderr.rsplit("LOADED", 1)[1].split())


def _heavy(modules: set[str], heavy: set[str]) -> set[str]:
    """The modules of ``heavy`` (packages by their top name, or a module named in full)
    among ``modules``.
    """
    return {m for m in modules if m.split(".")[0] in heavy or m in heavy}


def _step_modules(modules: set[str]) -> set[str]:
    return {m for m in modules if m.startswith("newsclean.steps.") and m != "newsclean.steps.base"}


def test_help_loads_no_step_and_no_cleaning_library() -> None:
    loaded = _loaded("--help")
    assert "newsclean.cli" in loaded
    # The commands are listed by their summaries, not by importing them.
    assert {m for m in loaded if m.startswith("newsclean.cli.")} <= {"newsclean.cli.exit_codes"}
    assert "ctypes" not in loaded  # what a worker process alone needs
    assert _step_modules(loaded) == set()
    assert _heavy(loaded, _CLEANING) == set()


def test_checking_one_text_file_loads_neither_numpy_nor_the_language_model() -> None:
    seed = sorted(SEEDS.glob("*.txt"))[0]
    loaded = _loaded("check", str(seed))
    assert "newsclean.steps.banners" in loaded  # it did clean
    assert _heavy(loaded, _SKETCHING | {"py3langid"}) == set()
    # nor what only other commands, more processes or text to repair need: the engines of
    # `run`, the report, multiprocessing, and ftfy (this seed is clean prose with curly quotes)
    assert _heavy(loaded, {"ftfy", "multiprocessing", "newsclean.engines"}) == set()
    assert {"newsclean.cli.run", "newsclean.cli.report", "newsclean.cli.explain"} & loaded == set()


def test_a_run_signs_and_links_without_loading_datasketch_or_scipy(tmp_path) -> None:
    # The MinHash permutations and the band layout are computed as datasketch computes them,
    # without it: importing it loads scipy. Only the interop functions import it.
    source = tmp_path / "in"
    source.mkdir()
    for seed in sorted(SEEDS.glob("*.txt"))[:3]:
        (source / seed.name).write_text(seed.read_text(encoding="utf-8"), encoding="utf-8")
    loaded = _loaded("run", "-q", str(source), "-o", str(tmp_path / "out.jsonl"))
    assert {"newsclean.dedup.minhash", "newsclean.dedup.link"} <= loaded  # it did sign and link
    assert _heavy(loaded, {"datasketch", "scipy"}) == set()


def test_importing_the_steps_loads_no_step_module() -> None:
    code = "import sys, newsclean.steps; print('LOADED', *sys.modules, file=sys.stderr)"
    loaded = _loaded(code=code)
    assert _step_modules(loaded) == set()
    assert _heavy(loaded, _CLEANING) == set()


def test_pipelines_share_one_phrase_book_and_compile_no_cue_up_front() -> None:
    first, second = Pipeline.from_config(), Pipeline.from_config()
    books = {id(s.book) for p in (first, second) for s in p.steps if hasattr(s, "book")}
    assert books == {id(load_phrasebook())}
    fresh = _load.__wrapped__((), True)
    assert all(c is None for category in fresh._categories.values() for c in category._cues)


def test_what_cleaning_loads_on_first_need_is_loaded_before_workers_fork() -> None:
    # ftfy, the date patterns, the teaser and credit patterns load when a paragraph first
    # needs them; a run or check with several processes loads them in the parent, so that
    # the workers inherit them.
    code = (
        "import sys\n"
        "from newsclean import Pipeline\n"
        "from newsclean.patterns import load_phrasebook\n"
        "from newsclean.steps.article_meta import _reader\n"
        "from newsclean.steps.captions import _credit_patterns\n"
        "from newsclean.steps.metadata import _teaser\n"
        "pipeline = Pipeline.from_config()\n"
        "reader = _reader(load_phrasebook())\n"
        "def loaded():\n"
        "    compiled = _teaser.cache_info().currsize + _credit_patterns.cache_info().currsize\n"
        "    return ('ftfy' in sys.modules, '_named' in vars(reader), compiled == 2)\n"
        "before = loaded()\n"
        "pipeline.before_fork(metadata=False)\n"
        "print('LOADED', before, loaded(), file=sys.stderr)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stderr.rsplit("LOADED", 1)[1].split() == [
        "(False,", "False,", "False)", "(True,", "True,", "True)"
    ]


def test_checking_a_text_without_teasers_or_credits_compiles_neither_pattern() -> None:
    # Seed 001 has no teaser or credit line: `check` of it never needs their patterns.
    seed = sorted(SEEDS.glob("001_*.txt"))[0]
    code = (
        "import sys\n"
        f"sys.argv = ['newsclean', 'check', {str(seed)!r}]\n"
        "from newsclean.__main__ import main\n"
        "try:\n"
        "    main()\n"
        "except SystemExit:\n"
        "    pass\n"
        "from newsclean.steps.captions import _credit_patterns\n"
        "from newsclean.steps.metadata import _teaser\n"
        "sizes = _teaser.cache_info().currsize, _credit_patterns.cache_info().currsize\n"
        "print('COMPILED', *sizes, file=sys.stderr)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "banners:" in done.stdout  # it did clean
    assert done.stderr.rsplit("COMPILED", 1)[1].split() == ["0", "0"]
