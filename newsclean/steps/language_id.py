"""py3langid's language identifier with its byte walk done by numpy: the same answers, faster.

py3langid counts the byte n-grams of a text by walking an Aho-Corasick automaton one byte at
a time in Python, then scores the counted n-grams against a float16 table. Both were most of
the ``language`` step's time. Here:

* **the walk** is done for every position at once. The automaton's state after a byte is the
  longest suffix of what was read that begins a known n-gram, never longer than the deepest
  state (``depth`` bytes), so it is the state reached by walking from the start over the last
  ``depth`` bytes alone: ``depth`` vectorised steps over all positions give every state;
* **the score** reads the table rows it needs as float32, converted once per row and kept
  (float16 to float32 is exact, and the product is the float32 product numpy computes for
  the mixed types), instead of converting the rows of every text again. Only the rows seen
  are kept (about a fifth of the table on English news, 10 MB; at most the whole table,
  57 MB).

The features are counted in the order of their first occurrence, as py3langid's ``Counter``
has them, so the sums run in the same order and the scores are the same bits
(``tests/test_language_id.py`` compares both on generated text). Each feature's first place
is found with one unbuffered ``minimum`` into a table kept between texts, without a sort.

**The model** is read by :func:`load_arrays`: py3langid's loader writes the decompressed
archive (68 MB) to a temporary file and reads every array back from it; here each array is
read straight from the decompressor, about two thirds of the CPU of a load. The automaton's
depth is known for py3langid's own model file (:data:`KNOWN_DEPTHS`, by its digest) and
measured for any other. The arrays and the depth are then kept in a per-user cache file
(:mod:`newsclean.array_cache`, 68 MB) that later processes map instead of decompressing the
model again (0.6 s of CPU): they share its pages, and a missing or damaged cache only means
the model is read from py3langid's file again.
"""

from __future__ import annotations

import hashlib
import lzma
import struct
import zipfile

import numpy as np
from py3langid.langid import MODEL_DIR, MODEL_FILE, LanguageIdentifier

from newsclean import array_cache

# The automaton's depth (see :func:`_depth`) of the model files it has been measured on, by
# the SHA-256 of the file: py3langid 0.4's bundled model. Finding it takes 0.08-0.2 s of CPU
# per process, hashing the file 4 ms; ``tests/test_language_id.py`` measures it again.
KNOWN_DEPTHS = {"f4f4a2c3465ca1f081541037f9cac23021d68151c2f709c55ae5eedfca522963": 6}
# The version of the arrays this module reads off a model file (their names, types, the
# depth among them) in the cache: a new one whenever they change.
_CACHE_FORMAT = 1
# A feature's entry in the table of first places while it is not in the text being counted.
_UNSEEN = np.iinfo(np.int64).max


class FastIdentifier(LanguageIdentifier):
    """A :class:`py3langid.langid.LanguageIdentifier` whose scores are computed without a
    Python loop over the bytes (see the module docstring); ``classify`` and ``rank`` give
    what the base class gives.
    """

    @classmethod
    def from_default_model(cls) -> FastIdentifier:
        """The identifier over the model py3langid ships, its arrays read from the cache
        (:mod:`newsclean.array_cache`) when a whole copy of them is there, else decompressed
        from py3langid's file and written to the cache for the next process.
        """
        packed = (MODEL_DIR / MODEL_FILE).read_bytes()
        digest = hashlib.sha256(packed).hexdigest()
        # The arrays depend on the model file alone (whatever py3langid's version) and on how
        # this module reads it, which _CACHE_FORMAT names.
        key = f"py3langid model {digest}, arrays {_CACHE_FORMAT}"
        directory = array_cache.cache_dir()
        cached = directory / f"language-model-{digest[:16]}.arrays" if directory else None
        model = array_cache.load_arrays(cached, key) if cached else None
        if model is None:
            model = load_arrays(packed)
            depth = KNOWN_DEPTHS.get(digest)
            if depth is None:
                depth = _depth(model["nextmove"].reshape(-1, 256), model["nextmove_row"])
            model["depth"] = np.array(depth)
            if cached:
                array_cache.store_arrays(cached, key, model)
        # The base class gets the tables it scores with as py3langid's loader gives them,
        # and none for its byte walk, which is done here (it would turn 104,583 states into
        # Python ints twice, about 40 ms of a load).
        identifier = cls(
            np.asarray(model["ptc"]),
            model["pc"],
            model["classes"].tolist(),
            model["nextmove"],
            (),
            tk_row=(),
        )
        identifier._prepare(model, int(model["depth"]))
        return identifier

    def _prepare(self, model: dict[str, np.ndarray], depth: int) -> None:
        self._next = model["nextmove"]
        self._base = model["nextmove_row"].astype(np.int64) << 8
        self._output = model["out_feat"].astype(np.int64)
        self._depth = depth
        self._first = np.full(self.nb_ptc.shape[0], _UNSEEN, dtype=np.int64)
        # The rows of the score table seen so far, as float32, one after the other in the
        # order features were first seen (news text uses about a fifth of them), and where
        # each feature's row is (-1: not yet).
        self._rows = np.empty((1024, self.nb_ptc.shape[1]), dtype=np.float32)
        self._slot = np.full(self.nb_ptc.shape[0], -1, dtype=np.int64)
        self._used = 0

    def feature_counts(self, data: bytes) -> tuple[np.ndarray, np.ndarray]:
        """The features the automaton emits over ``data`` and how often, in the order of
        their first occurrence (what py3langid's ``visit_counts`` returns, as two arrays).
        """
        states = self._states(np.frombuffer(data, dtype=np.uint8))
        features = self._output.take(states)
        features = features[features >= 0]
        # Where each feature first occurs, in a table kept between calls (every entry is
        # _UNSEEN outside a call): an occurrence is a first one where that is its own place;
        # the others are counted to it. No sort, unlike np.unique.
        places = np.arange(len(features))
        first = self._first
        np.minimum.at(first, features, places)
        firsts = first.take(features)
        is_first = firsts == places
        found = features[is_first]
        counts = np.bincount(firsts, minlength=len(features))[is_first]
        first[found] = _UNSEEN
        return found, counts

    def _states(self, data: np.ndarray) -> np.ndarray:
        """The automaton's state after each byte of ``data``."""
        depth, nextmove, base = self._depth, self._next, self._base
        width = len(data) - depth + 1
        if width <= 0:  # too few bytes for a full walk: one byte at a time
            head, state = [], 0
            for byte in data.tolist():
                state = nextmove.item(base.item(state) + byte)
                head.append(state)
            return np.asarray(head, dtype=np.int64)
        data = data.astype(np.intp)
        states = np.empty(len(data), dtype=np.int64)
        # From the start state (its row's offset is base[0]), one byte at a time. The walk
        # that starts at the text's first byte passes through the states after each of its
        # first depth - 1 bytes, which have too few bytes before them for a walk of their own.
        offsets = data[:width] + base[0]
        step = nextmove.take(offsets)
        for k in range(1, depth):
            states[k - 1] = step[0]
            offsets = base.take(step)
            offsets += data[k : k + width]
            step = nextmove.take(offsets)
        states[depth - 1 :] = step
        return states

    def _raw_score(self, text: bytes) -> np.ndarray:
        features, counts = self.feature_counts(text)
        if not len(features):
            # The base class's answer for no features (its walk over no bytes finds none).
            return super()._raw_score(b"")
        return np.log1p(counts.astype(np.float32)) @ self._rows_of(features) + self.nb_pc

    def _rows_of(self, features: np.ndarray) -> np.ndarray:
        """The float32 rows of the score table for ``features``, converted once each."""
        new = features[self._slot[features] < 0]
        if len(new):
            end = self._used + len(new)
            if end > len(self._rows):
                grown = np.empty((max(end, 2 * len(self._rows)), self._rows.shape[1]), np.float32)
                grown[: self._used] = self._rows[: self._used]
                self._rows = grown
            self._rows[self._used : end] = np.take(self.nb_ptc, new, axis=0)
            self._slot[new] = np.arange(self._used, end)
            self._used = end
        # np.take copies whole rows, about three times faster than the same fancy index.
        return np.take(self._rows, self._slot[features], axis=0)


def _depth(rows: np.ndarray, row_of: np.ndarray) -> int:
    """The most bytes a state of the automaton stands for: the levels of a breadth-first
    walk from the start, one level at a time. ``rows`` are the automaton's distinct rows of
    256 next states and ``row_of[state]`` the row of each state; states share rows, so a
    level reads each of its rows once.
    """
    seen = np.zeros(len(row_of), dtype=bool)
    seen[0] = True
    level, depth = np.zeros(1, dtype=np.int64), 0
    while True:
        reached = np.zeros(len(row_of), dtype=bool)
        level_rows = np.unique(row_of[level])
        for part in np.array_split(level_rows, max(1, len(level_rows) // 4096)):
            reached[rows[part].ravel()] = True  # 4 MB of next states at a time
        level = np.flatnonzero(reached & ~seen)
        if not len(level):
            return depth
        seen[level] = True
        depth += 1


def load_arrays(packed: bytes) -> dict[str, np.ndarray]:
    """The arrays of a py3langid model file (an ``.npz`` archive compressed with xz, given
    as its bytes), by name, as py3langid's ``modelio.load_model`` reads them.

    The archive is read in one pass as it is decompressed: ``np.savez`` stores its members
    one after the other, uncompressed, each behind a local header, so each array is read
    straight into an array of its own (aligned, as numpy's fast paths need), and neither the
    archive nor a copy of an array is ever held.
    """
    arrays = {}
    source = _Decompressed(packed)
    while (header := source.read(_LOCAL_HEADER.size))[:4] == b"PK\x03\x04":
        _, _, flags, method, *_, name_size, extra_size = _LOCAL_HEADER.unpack(header)
        name = source.read(name_size).decode()
        if method != zipfile.ZIP_STORED or flags & _SIZES_AFTER_DATA:
            raise ValueError(f"{name}: member of the model archive not stored plainly")
        source.read(extra_size)
        arrays[name.removesuffix(".npy")] = _read_array(source, name)
    return arrays


class _Decompressed:
    """The decompressed bytes of an xz file, read in order: ``read`` for headers, ``readinto``
    for an array, which the decompressor's output goes into a chunk at a time (``lzma.open``
    reads through two buffered layers, each a copy of the whole array, 0.05 s of a load).
    """

    _CHUNK = 1 << 20

    def __init__(self, packed: bytes) -> None:
        self._decompressor = lzma.LZMADecompressor(lzma.FORMAT_XZ)
        self._input = packed
        self._pending = b""

    def _more(self, size: int) -> bytes:
        if self._decompressor.eof:
            return b""
        if self._decompressor.needs_input and not self._input:
            raise EOFError("the model file ends before its end-of-stream marker")
        data, self._input = self._input, b""
        return self._decompressor.decompress(data, size)

    def read(self, size: int) -> bytes:
        out = self._pending[:size]
        self._pending = self._pending[size:]
        while len(out) < size and (chunk := self._more(max(size - len(out), 1 << 16))):
            take = size - len(out)
            out += chunk[:take]
            self._pending = chunk[take:]
        return out

    def readinto(self, buffer: memoryview) -> int:
        done = min(len(buffer), len(self._pending))
        buffer[:done] = self._pending[:done]
        self._pending = self._pending[done:]
        while done < len(buffer) and (chunk := self._more(min(len(buffer) - done, self._CHUNK))):
            buffer[done : done + len(chunk)] = chunk
            done += len(chunk)
        return done


# A zip archive's local file header (signature, versions, flags, method, time, date, CRC,
# sizes, name and extra field lengths); flag bit 3: the sizes follow the data.
_LOCAL_HEADER = struct.Struct("<4sHHHHHIIIHH")
_SIZES_AFTER_DATA = 0x08
# The readers of the .npy headers np.savez writes, by format version.
_NPY_HEADERS = {
    (1, 0): np.lib.format.read_array_header_1_0,
    (2, 0): np.lib.format.read_array_header_2_0,
}


def _read_array(source: _Decompressed, name: str) -> np.ndarray:
    """The ``.npy`` array ``name`` that ``source`` is at the start of."""
    read_header = _NPY_HEADERS.get(np.lib.format.read_magic(source))
    if read_header is None:
        raise ValueError(f"{name}: unknown .npy version in the model archive")
    shape, fortran_order, dtype = read_header(source)
    if fortran_order or dtype.hasobject:
        raise ValueError(f"{name}: unsupported array layout in the model archive")
    array = np.empty(shape, dtype)
    if source.readinto(memoryview(array).cast("B")) != array.nbytes:
        raise ValueError(f"{name}: the model archive ends inside it")
    return array
