import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from newsclean.dedup import shingles
from newsclean.dedup.shingles import (
    shingle_hashes,
    shingle_hashes_from_tokens,
    text_token_hashes,
    token_hash,
    tokens,
)


def test_tokens_normalise_case_width_and_punctuation():
    assert tokens("Ｈｅｌｌｏ, WORLD!\n  ﬁne—Straße") == ["hello", "world", "fine", "strasse"]


@pytest.mark.parametrize(
    "text",
    ["", "   ", "?!", "a", "Ünïcödé 𝔘𝔫𝔦 text_with_underscores 12 ab12", "The cat sat. " * 40],
)
def test_vectorised_token_hashes_equal_the_reference(text):
    expected = np.array([token_hash(t) for t in tokens(text)], dtype=np.uint64)
    assert np.array_equal(text_token_hashes(text), expected)


# Characters whose normalisation could reach across a cut: combining marks (after a space
# too), Hangul jamo, NBSP and the acute accent (NFKC: a space and a mark), ligatures, ß.
WINDOW_ALPHABET = "ab ,中文\u00e9e\u0301\u0327\u1100\u1161\u11a8\u00a0\u00b4\ufb01ß\U0001d518"


@given(st.text(alphabet=st.sampled_from(WINDOW_ALPHABET), max_size=300))
def test_windowed_hashing_of_a_long_text_equals_the_reference(text):
    """Windows cut before a space, widening past a stretch with none, change nothing."""
    original = shingles._WINDOW_CHARS
    shingles._WINDOW_CHARS = 8
    try:
        hashes = text_token_hashes(text)
    finally:
        shingles._WINDOW_CHARS = original
    expected = np.array([token_hash(t) for t in tokens(text)], dtype=np.uint64)
    assert np.array_equal(hashes, expected)


def test_shingles_ignore_wrapping_case_and_punctuation():
    one = "The minister said on Tuesday that the plan would go ahead."
    two = "the Minister said\non Tuesday -- that the plan\r\nwould go ahead"
    assert np.array_equal(shingle_hashes(one), shingle_hashes(two))


def test_shingle_count_and_dtype():
    words = " ".join(f"w{i}" for i in range(12))
    assert len(shingle_hashes(words, size=5)) == 8
    assert shingle_hashes(words).dtype == np.uint32
    assert shingle_hashes(words, bits=64).dtype == np.uint64


def test_short_text_gives_one_shingle_and_empty_gives_none():
    assert len(shingle_hashes("just three words", size=5)) == 1
    assert shingle_hashes("", size=5).size == 0
    assert shingle_hashes("... !!!").size == 0


def test_shingles_are_a_sorted_set():
    hashes = shingle_hashes("a b c d e f a b c d e f a b c d e f")
    assert np.all(np.diff(hashes.astype(np.int64)) > 0)
    assert len(hashes) == 6  # six distinct 5-word windows in a cycle of six words


def test_order_matters_within_a_shingle():
    assert not np.array_equal(shingle_hashes("a b c d e"), shingle_hashes("e d c b a"))


def test_hashes_are_stable_constants():
    # Fixed arithmetic, no salted hash(): these values must never change between processes.
    assert token_hash("news") == int(text_token_hashes("News")[0])
    first = shingle_hashes("alpha beta gamma delta epsilon")
    assert first.tolist() == shingle_hashes("alpha beta gamma delta epsilon").tolist()


def test_invalid_arguments_are_explained():
    with pytest.raises(ValueError, match="shingle size"):
        shingle_hashes_from_tokens(np.arange(3, dtype=np.uint64), size=0)
    with pytest.raises(ValueError, match="bits"):
        shingle_hashes_from_tokens(np.arange(3, dtype=np.uint64), bits=16)
