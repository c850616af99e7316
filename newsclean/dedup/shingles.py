r"""Word shingles of normalised text, as arrays of stable integer hashes.

The choice, and why:

* **Normalisation**: Unicode NFKC (full-width letters, ligatures and compatibility forms become
  their plain forms), then ``str.casefold``. Tokens are the runs of characters that the ``regex``
  module's ``\w`` matches (Unicode letters, marks, digits, connector punctuation); punctuation,
  whitespace and line wrapping vanish. Two scrapes of one article that differ only in case,
  wrapping, quote style or spacing give the same tokens.
* **Token hashes, vectorised**: tokenising with ``regex.findall`` and hashing each token in
  Python costs more than everything else together, so both happen in numpy: the text becomes an
  array of code points, a lookup table built once from ``regex``'s own ``\w`` marks the word
  characters, and every token gets a polynomial hash of its code points modulo 2**64 (from prefix
  sums; no loop over tokens), finished with the MurmurHash3 64-bit finaliser. The hash is fixed
  arithmetic, so it is identical across processes, machines and Python versions (never Python's
  salted ``hash()``); :func:`token_hash` is the plain-Python reference of the same function.
* **Shingles**: word n-grams, ``n = 5`` by default (:data:`DEFAULT_SHINGLE_SIZE`; measured on the
  scrapes-dev keys, see the near-duplicate step). A shingle's hash is a polynomial combination of
  its token hashes modulo 2**64 (``n`` vectorised multiply-adds for all positions at once), then
  the 64-bit finaliser. ``bits=32`` keeps the top 32 bits (what datasketch's ``affine32`` scheme
  takes), ``bits=64`` keeps all 64.
* **Edge cases**: a text with fewer than ``n`` tokens (but at least one) gives one shingle made of
  all its tokens, so short texts still compare; a text without tokens gives an empty array.
* The result is the *set* of shingle hashes: a sorted array without repeats.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator

import numpy as np
import regex

DEFAULT_SHINGLE_SIZE = 5

_TOKEN = regex.compile(r"\w+")
_U64 = np.uint64
# Odd multipliers (odd, so invertible modulo 2**64): characters within a token, tokens within a
# shingle, and a token's length folded into its hash.
_CHAR_MUL = 0x100000001B3  # the 64-bit FNV prime
_CHAR_MUL_INV = pow(_CHAR_MUL, -1, 1 << 64)
_TOKEN_MUL = _U64(0x9E3779B97F4A7C15)  # the golden-ratio constant
_LENGTH_MUL = _U64(0xC2B2AE3D27D4EB4F)
_FMIX_SHIFT, _FMIX_MUL1, _FMIX_MUL2 = _U64(33), _U64(0xFF51AFD7ED558CCD), _U64(0xC4CEB9FE1A85EC53)
_MASK64 = (1 << 64) - 1

_word_table: np.ndarray | None = None
# Characters hashed at once (see text_token_hashes): bounds the power tables below and the
# temporaries of a huge paragraph, at about 40 bytes a character.
_WINDOW_CHARS = 1 << 20
# Powers of the character multiplier and of its inverse, grown on demand and reused.
_powers = np.ones(1, dtype=_U64)
_inverse_powers = np.ones(1, dtype=_U64)


def normalise(text: str) -> str:
    """Return ``text`` in the form shingles are taken from: NFKC, then casefolded."""
    if not text.isascii():  # ASCII is already NFKC; skip the costlier pass
        text = unicodedata.normalize("NFKC", text)
    return text.casefold()


def tokens(text: str) -> list[str]:
    r"""Return the ``\w+`` tokens of the normalised ``text`` (the words shingles are made of)."""
    return _TOKEN.findall(normalise(text))


def _fmix64(values: np.ndarray) -> np.ndarray:
    values = values ^ (values >> _FMIX_SHIFT)
    values = values * _FMIX_MUL1
    values = values ^ (values >> _FMIX_SHIFT)
    values = values * _FMIX_MUL2
    return values ^ (values >> _FMIX_SHIFT)


def token_hash(word: str) -> int:
    """Return the 64-bit hash of one normalised token (reference for the vectorised path).

    ``fmix64(sum(cp[i] * M**i) + len * L)`` modulo 2**64, over the token's code points ``cp``.
    """
    total = 0
    for i, char in enumerate(word):
        total = (total + ord(char) * pow(_CHAR_MUL, i, 1 << 64)) & _MASK64
    total = (total + len(word) * int(_LENGTH_MUL)) & _MASK64
    return int(_fmix64(np.array([total], dtype=_U64))[0])


def _word_characters() -> np.ndarray:
    r"""Boolean table over all code points: True where ``regex``'s ``\w`` matches."""
    global _word_table
    if _word_table is None:
        points = np.arange(0x110000, dtype="<u4")
        points = points[(points < 0xD800) | (points >= 0xE000)]  # surrogates are not text
        every_char = points.tobytes().decode("utf-32-le")
        is_word = np.zeros(len(points), dtype=bool)
        for match in _TOKEN.finditer(every_char):
            is_word[match.start() : match.end()] = True
        table = np.zeros(0x110000, dtype=bool)
        table[points[is_word]] = True
        _word_table = table
    return _word_table


def _grow_powers(length: int) -> None:
    global _powers, _inverse_powers
    if len(_powers) > length:
        return
    size = max(length + 1, 2 * len(_powers), 4096)
    with np.errstate(over="ignore"):
        _powers = np.cumprod(np.full(size, _CHAR_MUL, dtype=_U64))
        _powers = np.concatenate(([_U64(1)], _powers[:-1]))
        _inverse_powers = np.cumprod(np.full(size, _CHAR_MUL_INV, dtype=_U64))
        _inverse_powers = np.concatenate(([_U64(1)], _inverse_powers[:-1]))


def windows(text: str) -> Iterator[str]:
    """``text`` in consecutive pieces of about :data:`_WINDOW_CHARS` characters, each cut just
    before a space (a piece runs on past the size where there is none).

    Tokenising or normalising the pieces one by one gives exactly what the whole text would: a
    space is never part of a token, and neither NFKC nor case folding acts across one (it is
    a starter with no decomposition). So a huge paragraph is worked on in bounded memory.
    """
    start = 0
    while start < len(text):
        end = start + _WINDOW_CHARS
        if end < len(text):
            cut = text.rfind(" ", start + 1, end)
            end = cut if cut != -1 else text.find(" ", end)
        if end == -1 or end >= len(text):
            end = len(text)
        yield text[start:end]
        start = end


def text_token_hashes(text: str) -> np.ndarray:
    """Hashes (uint64, in text order) of the tokens of the normalised ``text``.

    Equal to ``[token_hash(t) for t in tokens(text)]``, computed without a Python loop, a
    window at a time (:func:`windows`).
    """
    parts = [_window_token_hashes(normalise(piece)) for piece in windows(text)]
    return np.concatenate(parts) if parts else np.empty(0, dtype=_U64)


def _window_token_hashes(normal: str) -> np.ndarray:
    """Token hashes of one window of normalised text."""
    points = np.frombuffer(normal.encode("utf-32-le"), dtype="<u4")
    is_word = _word_characters()[points]
    edges = np.diff(is_word.view(np.int8), prepend=np.int8(0), append=np.int8(0))
    starts = np.flatnonzero(edges == 1)
    ends = np.flatnonzero(edges == -1)
    if not len(starts):
        return np.empty(0, dtype=_U64)
    _grow_powers(len(points))
    with np.errstate(over="ignore"):
        # prefix[k] = sum over i < k of cp[i] * M**i; a token's sum is a difference of two
        # prefixes, brought back to start at M**0 by the inverse power of its start.
        weighted = points.astype(_U64) * _powers[: len(points)]
        prefix = np.concatenate(([_U64(0)], np.cumsum(weighted, dtype=_U64)))
        sums = (prefix[ends] - prefix[starts]) * _inverse_powers[starts]
        sums = sums + (ends - starts).astype(_U64) * _LENGTH_MUL
        return _fmix64(sums)


def shingle_hashes_from_tokens(
    hashes: np.ndarray, size: int = DEFAULT_SHINGLE_SIZE, bits: int = 32
) -> np.ndarray:
    """Return the set of ``size``-token shingle hashes of a sequence of uint64 token hashes.

    Returns a sorted, repeat-free uint32 (``bits=32``) or uint64 (``bits=64``) array.
    """
    if size < 1:
        raise ValueError(f"shingle size must be at least 1, got {size}")
    if bits not in (32, 64):
        raise ValueError(f"bits must be 32 or 64, got {bits}")
    count = len(hashes)
    if count == 0:
        return np.empty(0, dtype=np.uint32 if bits == 32 else _U64)
    width = min(size, count)
    positions = count - width + 1
    combined = np.zeros(positions, dtype=_U64)
    with np.errstate(over="ignore"):
        for offset in range(width):
            combined = combined * _TOKEN_MUL + hashes[offset : offset + positions]
        mixed = _fmix64(combined)
    if bits == 32:
        mixed = (mixed >> _U64(32)).astype(np.uint32)
    return np.unique(mixed)


def shingle_hashes(text: str, size: int = DEFAULT_SHINGLE_SIZE, bits: int = 32) -> np.ndarray:
    """Return the set of word ``size``-gram hashes of ``text`` (see the module docstring)."""
    return shingle_hashes_from_tokens(text_token_hashes(text), size, bits)
