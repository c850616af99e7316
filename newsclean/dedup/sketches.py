"""Sketches: what the corpus stage keeps of each article, in compact arrays.

A corpus-wide decision (is this article a near-duplicate, is this paragraph boilerplate across
its site) needs only a small summary of each article, not its text: its id, date and length
(the keep policy), where it comes from (URL, source, file: its site), its MinHash signature
and the hashes of its paragraphs. A run keeps
these for every article, a few hundred bytes each, in growable arrays rather than one Python
object per article, while the articles themselves wait on disk (:mod:`newsclean.spool`).

Rows are numbered in the order articles were added; :meth:`Sketches.extend` appends the rows of
another table (a worker's share), so the parent's table is in input order.
"""

from __future__ import annotations

from array import array
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING

import numpy as np

from newsclean.dedup.minhash import SignatureScheme, signatures
from newsclean.dedup.shingles import shingle_hashes

if TYPE_CHECKING:
    from newsclean.steps.base import Draft


class _Strings:
    """A column of optional strings: one UTF-8 blob and the end offset of each value."""

    def __init__(self) -> None:
        self.blob = bytearray()
        self.ends = array("q")
        self.missing = array("b")

    def append(self, value: str | None) -> None:
        if value is not None:
            self.blob += value.encode("utf-8", "surrogatepass")
        self.ends.append(len(self.blob))
        self.missing.append(value is None)

    def extend(self, other: _Strings) -> None:
        base = len(self.blob)
        self.blob += other.blob
        self.ends.extend(end + base for end in other.ends)
        self.missing.extend(other.missing)

    def __getitem__(self, row: int) -> str | None:
        if self.missing[row]:
            return None
        start = self.ends[row - 1] if row else 0
        return self.blob[start : self.ends[row]].decode("utf-8", "surrogatepass")


class _Rows:
    """A growable 2-D numpy array (rows appended in blocks)."""

    def __init__(self, width: int, dtype: type[np.generic]) -> None:
        self._data = np.empty((0, width), dtype=dtype)
        self.size = 0

    def append(self, block: np.ndarray) -> None:
        needed = self.size + len(block)
        if needed > len(self._data):
            # A quarter more each time: the copies add up to a few times the table, and a
            # table of a million signatures never holds twice its size.
            capacity = max(needed, len(self._data) + len(self._data) // 4, 1024)
            grown = np.empty((capacity, self._data.shape[1]), dtype=self._data.dtype)
            grown[: self.size] = self._data[: self.size]
            self._data = grown
        self._data[self.size : needed] = block
        self.size = needed

    @property
    def values(self) -> np.ndarray:
        """The rows so far (a view, not a copy)."""
        return self._data[: self.size]

    def __getstate__(self) -> tuple[np.ndarray, int]:
        return self.values.copy(), self.size

    def __setstate__(self, state: tuple[np.ndarray, int]) -> None:
        self._data, self.size = state


class Sketches:
    """The sketches of many articles, one row each (see the module docstring).

    ``schemes`` are the signature schemes the corpus steps compare articles with (usually one);
    a row holds a signature for each.
    """

    def __init__(self, schemes: Sequence[SignatureScheme]) -> None:
        self.schemes = tuple(dict.fromkeys(schemes))
        self.ids = _Strings()
        self.created = _Strings()
        self.urls = _Strings()
        self.sources = _Strings()
        self.paths = _Strings()
        self.lengths = array("q")
        self.has_words = array("b")
        self.paragraph_hashes = array("Q")
        self.paragraph_ends = array("q")
        self._signatures = {s: _Rows(s.num_perm, s.dtype) for s in self.schemes}

    def __len__(self) -> int:
        return len(self.lengths)

    def add(self, drafts: Sequence[Draft], paragraph_hash: Callable[[str], int | None]) -> None:
        """Add a row for each draft (signatures computed for all of them at once)."""
        if not drafts:
            return
        texts = [d.text for d in drafts]
        for scheme in self.schemes:
            sets = [shingle_hashes(t, scheme.shingle_size, scheme.bits) for t in texts]
            self._signatures[scheme].append(signatures(sets, scheme))
            if scheme is self.schemes[0]:
                self.has_words.extend(len(s) > 0 for s in sets)
        for draft, text in zip(drafts, texts, strict=True):
            self.ids.append(draft.id)
            self.created.append(draft.created)
            self.urls.append(draft.url)
            self.sources.append(draft.document.source)
            self.paths.append(draft.document.path)
            self.lengths.append(len(text))
            # Every block counts, kept or removed by an earlier step: a footer a phrase list
            # caught in some articles still recurs there.
            hashes = {paragraph_hash(b.text) for b in draft.blocks}
            hashes.discard(None)
            self.paragraph_hashes.extend(sorted(hashes))  # type: ignore[arg-type]
            self.paragraph_ends.append(len(self.paragraph_hashes))

    def extend(self, other: Sketches) -> None:
        """Append the rows of ``other`` (made with the same schemes)."""
        if other.schemes != self.schemes:
            raise ValueError("sketches of different signature schemes cannot be merged")
        for mine, theirs in ((self.ids, other.ids), (self.created, other.created),
                             (self.urls, other.urls), (self.sources, other.sources),
                             (self.paths, other.paths)):
            mine.extend(theirs)
        self.lengths.extend(other.lengths)
        self.has_words.extend(other.has_words)
        base = len(self.paragraph_hashes)
        self.paragraph_hashes.extend(other.paragraph_hashes)
        self.paragraph_ends.extend(end + base for end in other.paragraph_ends)
        for scheme in self.schemes:
            self._signatures[scheme].append(other._signatures[scheme].values)

    def signatures(self, scheme: SignatureScheme) -> np.ndarray:
        """The signatures of every row under ``scheme``: shape ``(len, num_perm)``."""
        return self._signatures[scheme].values

    def paragraphs(self, row: int) -> np.ndarray:
        """The distinct paragraph hashes of ``row``."""
        start = self.paragraph_ends[row - 1] if row else 0
        hashes = np.frombuffer(self.paragraph_hashes, dtype=np.uint64)
        return hashes[start : self.paragraph_ends[row]]

    def nbytes(self) -> int:
        """Memory held by the table, in bytes (what the benchmarks divide by the rows)."""
        strings = (self.ids, self.created, self.urls, self.sources, self.paths)
        columns: Iterable[array | bytearray] = (
            *(part for column in strings for part in (column.blob, column.ends, column.missing)),
            self.lengths, self.has_words, self.paragraph_hashes, self.paragraph_ends,
        )
        arrays = sum(len(c) * (c.itemsize if isinstance(c, array) else 1) for c in columns)
        return arrays + sum(rows._data.nbytes for rows in self._signatures.values())
