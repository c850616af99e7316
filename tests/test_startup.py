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
heavy = sorted({{m.split(".")[0] for m in sys.modules}} & {{"datasketch", "scipy"}})
print("LOADED", ",".join(heavy), file=sys.stderr)
"""


def _heavy_modules(*argv: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", _LOADED.format(argv=["newsclean", *argv])],
        capture_output=True, text=True, check=True,
    )
    return done.stderr.rsplit("LOADED", 1)[1].strip()


def test_help_loads_neither_datasketch_nor_scipy() -> None:
    assert _heavy_modules("--help") == ""


def test_checking_one_file_loads_neither_datasketch_nor_scipy() -> None:
    seed = sorted(SEEDS.glob("*.txt"))[0]
    assert _heavy_modules("check", str(seed)) == ""


def test_pipelines_share_one_phrase_book_and_compile_no_cue_up_front() -> None:
    first, second = Pipeline.from_config(), Pipeline.from_config()
    books = {id(s.book) for p in (first, second) for s in p.steps if hasattr(s, "book")}
    assert books == {id(load_phrasebook())}
    fresh = _load.__wrapped__((), True)
    assert all(c is None for category in fresh._categories.values() for c in category._cues)
