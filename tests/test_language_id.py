"""The vectorised language identifier gives py3langid's own counts, scores and answers."""

from __future__ import annotations

import hashlib
import os
import random
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from conftest import SEEDS
from hypothesis import given, settings
from hypothesis import strategies as st
from py3langid.langid import MODEL_DIR, MODEL_FILE, LanguageIdentifier, visit_counts
from py3langid.modelio import load_model

from newsclean.steps.article_meta import _identifier
from newsclean.steps.language_id import (
    _UNSEEN,
    KNOWN_DEPTHS,
    FastIdentifier,
    _depth,
    load_arrays,
)


@pytest.fixture(scope="module")
def plain() -> LanguageIdentifier:
    return LanguageIdentifier.from_model_file(MODEL_FILE)


@pytest.fixture(scope="module")
def fast() -> FastIdentifier:
    return _identifier()


def _same(plain: LanguageIdentifier, fast: FastIdentifier, text: str) -> None:
    data = plain._encode(text)
    counts = visit_counts(plain.tk_nextmove, plain._rowbase, plain.tk_output, data) or {}
    features, found = fast.feature_counts(data)
    # The same features in the same order (the order the score sums them in).
    assert list(zip(features.tolist(), found.tolist())) == list(counts.items())
    assert fast._decide(text).tobytes() == plain._decide(text).tobytes()
    assert fast.classify(text) == plain.classify(text)


SAMPLES = [
    "",
    "a",
    "ab",
    "abcde",  # shorter than the automaton's depth
    "Über",
    "The council voted on Tuesday to close the bridge for repairs until the spring.",
    "Le conseil a voté mardi la fermeture du pont pour travaux jusqu'au printemps.",
    "Der Rat stimmte am Dienstag für die Sperrung der Brücke bis zum Frühjahr.",
    "Совет во вторник проголосовал за закрытие моста на ремонт до весны.",
    "市議会は火曜日、春まで修理のため橋を閉鎖することを決めた。",
    "시의회는 화요일 봄까지 다리를 폐쇄하기로 결정했다.",
    "ALL CAPITALS ARE READ IN LOWER CASE BY THE IDENTIFIER",
    "12345 67890 !!! ??? ...",
]


@pytest.mark.parametrize("text", SAMPLES)
def test_same_as_py3langid(plain: LanguageIdentifier, fast: FastIdentifier, text: str) -> None:
    _same(plain, fast, text)


def test_same_on_random_mixtures(plain: LanguageIdentifier, fast: FastIdentifier) -> None:
    # Long texts cut from the samples at random places, so walks start mid-word and
    # mid-character, and the float32 rows are filled in a random order.
    rng = random.Random(12)
    words = " ".join(SAMPLES).split()
    for _ in range(200):
        text = " ".join(rng.choice(words) for _ in range(rng.randint(1, 200)))
        _same(plain, fast, text[rng.randint(0, 5) :])


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_same_on_any_text(plain: LanguageIdentifier, fast: FastIdentifier, text: str) -> None:
    _same(plain, fast, text)


def test_model_arrays_as_py3langid_reads_them() -> None:
    # The arrays are read straight from the decompressor; py3langid's loader reads them from
    # a temporary file. Same values, same types, for every array the identifier uses; and
    # aligned (numpy converts an unaligned float16 table several times slower).
    ptc, pc, classes, nextmove, row, output = load_model(Path(MODEL_DIR) / MODEL_FILE)
    arrays = load_arrays((Path(MODEL_DIR) / MODEL_FILE).read_bytes())
    assert arrays["ptc"].dtype == ptc.dtype and arrays["ptc"].tobytes() == ptc.tobytes()
    assert arrays["pc"].dtype == pc.dtype and arrays["pc"].tobytes() == pc.tobytes()
    assert arrays["classes"].tolist() == classes
    assert arrays["nextmove"].tolist() == nextmove.tolist()
    assert arrays["nextmove_row"].tolist() == row.tolist()
    assert arrays["out_feat"].tolist() == output
    assert all(array.flags.aligned for array in arrays.values())


def test_depth_is_deep_enough(fast: FastIdentifier) -> None:
    # A walk over the last `depth` bytes reaches every state: a deeper walk changes nothing.
    data = np.frombuffer(" ".join(SAMPLES).encode(), dtype=np.uint8)
    states = fast._states(data)
    fast._depth += 3
    try:
        assert fast._states(data).tolist() == states.tolist()
    finally:
        fast._depth -= 3


def test_a_text_without_features_gets_the_base_class_answer(
    plain: LanguageIdentifier, fast: FastIdentifier
) -> None:
    # The base class's byte walk has no tables here: a text the walk finds no feature in is
    # answered as the base class answers one.
    for text in ["", " ", "\x00\x01"]:
        if not len(fast.feature_counts(plain._encode(text))[0]):
            assert fast._decide(text).tobytes() == plain._decide(text).tobytes()
            assert fast.classify(text) == plain.classify(text)


def test_row_offsets_as_py3langid_has_them(plain: LanguageIdentifier, fast: FastIdentifier) -> None:
    assert fast._base.tolist() == plain._rowbase


def test_known_depth_is_the_measured_one() -> None:
    # The depth kept for the bundled model is the one the breadth-first walk finds; a model
    # file with another digest has it measured.
    path = Path(MODEL_DIR) / MODEL_FILE
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    assert digest in KNOWN_DEPTHS
    arrays = load_arrays(path.read_bytes())
    rows = arrays["nextmove"].reshape(-1, 256)
    assert KNOWN_DEPTHS[digest] == _depth(rows, arrays["nextmove_row"])


def test_counting_leaves_the_table_of_first_places_clean(fast: FastIdentifier) -> None:
    # Every entry is back to unseen after a text is counted, so the next text starts clean.
    fast.feature_counts("The council voted on Tuesday. Le conseil a voté mardi.".encode())
    assert bool((fast._first == _UNSEEN).all())


def test_a_cut_model_file_is_refused() -> None:
    packed = (Path(MODEL_DIR) / MODEL_FILE).read_bytes()
    with pytest.raises(EOFError):
        load_arrays(packed[: len(packed) // 2])


# --- the model's arrays in the cache ----------------------------------------------------------


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty cache directory, the one the identifier uses."""
    monkeypatch.delenv("NEWSCLEAN_NO_CACHE", raising=False)
    monkeypatch.setenv("NEWSCLEAN_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache"


def _same_model(one: FastIdentifier, other: FastIdentifier) -> None:
    for name in ["nb_ptc", "nb_pc", "tk_nextmove", "_base", "_output"]:
        mine, theirs = getattr(one, name), getattr(other, name)
        assert mine.dtype == theirs.dtype and np.array_equal(mine, theirs), name
    assert one.nb_classes == other.nb_classes and one._depth == other._depth


def test_the_cached_model_is_the_one_py3langid_ships(
    cache: Path, plain: LanguageIdentifier, fast: FastIdentifier
) -> None:
    written = FastIdentifier.from_default_model()  # decompressed, then written
    assert [p.suffix for p in cache.iterdir()] == [".arrays"]
    mapped = FastIdentifier.from_default_model()
    assert not mapped.tk_nextmove.flags.writeable  # read from the mapped file
    assert written.tk_nextmove.flags.writeable
    _same_model(mapped, written)
    _same_model(mapped, fast)
    for text in SAMPLES:
        _same(plain, mapped, text)


def test_a_damaged_cache_is_read_again_from_py3langid_and_rewritten(
    cache: Path, fast: FastIdentifier
) -> None:
    FastIdentifier.from_default_model()
    (path,) = cache.iterdir()
    with path.open("r+b") as file:  # one byte in the middle of the score table
        file.seek(path.stat().st_size // 4)
        byte = file.read(1)
        file.seek(-1, 1)
        file.write(bytes([byte[0] ^ 1]))
    again = FastIdentifier.from_default_model()
    assert again.tk_nextmove.flags.writeable  # not the damaged file
    _same_model(again, fast)
    assert not FastIdentifier.from_default_model().tk_nextmove.flags.writeable  # mended


def test_no_cache_is_written_when_it_is_turned_off(
    cache: Path, monkeypatch: pytest.MonkeyPatch, fast: FastIdentifier
) -> None:
    monkeypatch.setenv("NEWSCLEAN_NO_CACHE", "1")
    _same_model(FastIdentifier.from_default_model(), fast)
    assert not cache.exists()


_FULL = "import resource, sys; resource.setrlimit(resource.RLIMIT_FSIZE, (1 << 20, 1 << 20))"


def test_a_run_writes_the_same_whatever_the_cache(tmp_path: Path) -> None:
    # Whole runs with the cache missing, then whole, damaged, unusable (a file where its
    # directory should be), with two workers sharing it, and on a file system that is full
    # (writes past 1 MiB fail): the same bytes every time.
    source = tmp_path / "in"
    source.mkdir()
    for seed in sorted(SEEDS.glob("*.txt"))[:4]:
        (source / seed.name).write_bytes(seed.read_bytes())
    cache = tmp_path / "cache"
    (tmp_path / "blocked").write_text("a file where the cache directory would be")

    def run(name: str, *options: str, directory: Path = cache, full: bool = False) -> bytes:
        out = tmp_path / f"{name}.jsonl"
        env = dict(os.environ, NEWSCLEAN_CACHE_DIR=str(directory))
        env.pop("NEWSCLEAN_NO_CACHE", None)
        code = f"{_FULL if full else 'import sys'}; from newsclean.__main__ import main; main()"
        command = [sys.executable, "-c", code, "run", "-q", str(source), "-o", str(out),
                   "--removed", "full", "--added", "2025-01-01T00:00:00Z", *options]
        subprocess.run(command, env=env, check=True)
        return out.read_bytes()

    first = run("missing")
    # The cache folder holds the phrase book's file too (newsclean.patterns).
    (path,) = cache.glob("language-model-*")
    assert run("whole") == first
    size = path.stat().st_size
    with path.open("r+b") as file:
        file.truncate(size // 2)
    assert run("damaged") == first
    assert path.stat().st_size == size  # written whole again
    assert run("blocked", directory=tmp_path / "blocked" / "cache") == first
    assert run("workers", "--jobs", "2") == first
    path.unlink()
    assert run("full", full=True) == first
    # Nothing half written left behind: no model file, no temporary file.
    assert [p.name for p in cache.iterdir() if not p.name.startswith("phrase-book-")] == []
