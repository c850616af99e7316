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
(``tests/test_language_id.py`` compares both on generated text).
"""

from __future__ import annotations

import numpy as np
from py3langid.langid import MODEL_FILE, LanguageIdentifier


class FastIdentifier(LanguageIdentifier):
    """A :class:`py3langid.langid.LanguageIdentifier` whose scores are computed without a
    Python loop over the bytes (see the module docstring); ``classify`` and ``rank`` give
    what the base class gives.
    """

    @classmethod
    def from_default_model(cls) -> FastIdentifier:
        """The identifier over the model py3langid ships."""
        identifier = cls.from_model_file(MODEL_FILE)
        identifier._prepare()
        return identifier

    def _prepare(self) -> None:
        self._next = np.frombuffer(self.tk_nextmove, dtype=np.uint32)
        self._base = np.asarray(self._rowbase, dtype=np.int64)
        self._output = np.asarray(self.tk_output, dtype=np.int64)
        self._depth = _depth(self._next, self._base)
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
        features = self._output[states]
        features = features[features >= 0]
        found, first, counts = np.unique(features, return_index=True, return_counts=True)
        order = np.argsort(first)
        return found[order], counts[order]

    def _states(self, data: np.ndarray) -> np.ndarray:
        """The automaton's state after each byte of ``data``."""
        depth, nextmove, base = self._depth, self._next, self._base
        head = []
        state = 0
        for byte in data[: depth - 1].tolist():  # too few bytes before them for a full walk
            state = int(nextmove[base[state] + byte])
            head.append(state)
        width = len(data) - depth + 1
        if width <= 0:
            return np.asarray(head, dtype=np.int64)
        states = np.zeros(width, dtype=np.int64)
        for k in range(depth):
            states = nextmove[base[states] + data[k : k + width]].astype(np.int64)
        return np.concatenate([np.asarray(head, dtype=np.int64), states])

    def _raw_score(self, text: bytes) -> np.ndarray:
        features, counts = self.feature_counts(text)
        if not len(features):
            return super()._raw_score(text)  # the base class's answer for no features
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
            self._rows[self._used : end] = self.nb_ptc[new]
            self._slot[new] = np.arange(self._used, end)
            self._used = end
        return self._rows[self._slot[features]]


def _depth(nextmove: np.ndarray, base: np.ndarray) -> int:
    """The most bytes a state of the automaton stands for: the levels of a breadth-first
    walk from the start, one level (all its states and bytes) at a time.
    """
    seen = np.zeros(len(base), dtype=bool)
    seen[0] = True
    level, depth = np.zeros(1, dtype=np.int64), 0
    every_byte = np.arange(256, dtype=np.int64)
    while True:
        reached = np.zeros(len(base), dtype=bool)
        for part in np.array_split(level, max(1, len(level) // 4096)):
            reached[nextmove[base[part, None] + every_byte]] = True
        level = np.flatnonzero(reached & ~seen)
        if not len(level):
            return depth
        seen[level] = True
        depth += 1
