"""Sketches: what the corpus stage keeps of each article, in compact arrays.

A corpus-wide decision (is this article a near-duplicate, is this paragraph boilerplate across
its site) needs only a small summary of each article, not its text: its id, date and length
(the keep policy), where it comes from (URL, source, file: its site), its MinHash signature
and the hashes of its paragraphs. A run keeps
these for every article, a few hundred bytes each, in columns of fixed-size chunks rather than
one Python object per article, while the articles themselves wait on disk
(:mod:`newsclean.spool`). A column grows a chunk at a time, never by copying what it holds: a
run's table has no spare capacity beyond a last chunk, and leaves no holes in the heap. The
columns the corpus steps read whole (signatures, paragraph hashes) become one array each the
first time they are read so, once every row is in.

Rows are numbered in the order articles were added; :meth:`Sketches.extend` appends the rows of
another table (a worker's share), so the parent's table is in input order.
"""

from __future__ import annotations

import mmap
from array import array
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING

import numpy as np

from newsclean.dedup.minhash import SignatureScheme, signatures
from newsclean.dedup.shingles import shingle_hashes

if TYPE_CHECKING:
    from newsclean.steps.base import Draft


# Values per chunk of a column (512 KiB of 8-byte values; as many ends of strings, 2**16),
# bytes per chunk of a string column, and signatures per chunk of a signature column (2 MiB of
# 128 32-bit values).
_CHUNK = 2**16
_ENDS_SHIFT = 16
_BLOB_CHUNK = 2**20
_ROWS_CHUNK = 2**12


def _block(count: int, dtype: np.dtype) -> np.ndarray:
    """An empty array of ``count`` values in memory of its own (an anonymous map): freed, it
    goes back to the system at once, whatever the state of malloc's heap; unwritten pages
    take no memory.
    """
    return np.frombuffer(mmap.mmap(-1, max(1, count * dtype.itemsize)), dtype=dtype,
                         count=count)


class _Column:
    """A growable column of numbers kept in chunks of a fixed number of values, each in
    memory of its own (:func:`_block`): appending never copies what is there, so a table of
    millions of rows has no spare capacity beyond its last chunk, and leaves no holes in
    the heap (a column grown by copying leaves each block it outgrew, which malloc keeps).
    ``column[row]`` is a Python number (read through a memoryview of its chunk).
    """

    def __init__(self, dtype: str | type[np.generic], chunk: int | None = None) -> None:
        self.dtype = np.dtype(dtype)
        self._chunk = chunk or _CHUNK
        self._chunks: list[np.ndarray] = []
        self._scalars: list[memoryview] = []  # the same chunks, for reading one value
        self._filled = 0  # values in the last chunk
        self._length = 0
        self._whole: np.ndarray | None = None  # the column once read whole

    def __len__(self) -> int:
        return self._length

    def __getitem__(self, row: int) -> int:
        if row < 0:
            row += self._length
        if not 0 <= row < self._length:
            raise IndexError(row)
        if self._whole is not None:
            return self._scalars[0][row]  # type: ignore[no-any-return]
        return self._scalars[row // self._chunk][row % self._chunk]  # type: ignore[no-any-return]

    def _new_chunk(self) -> None:
        chunk = _block(self._chunk, self.dtype)
        self._chunks.append(chunk)
        self._scalars.append(memoryview(chunk))
        self._filled = 0

    def views(self) -> list[np.ndarray]:
        """The values, as a list of arrays (the filled part of each chunk)."""
        if self._whole is not None:
            return [self._whole]
        return [*self._chunks[:-1], self._chunks[-1][: self._filled]] if self._chunks else []

    def append(self, value: int) -> None:
        self._thaw()
        if not self._chunks or self._filled == self._chunk:
            self._new_chunk()
        self._scalars[-1][self._filled] = value
        self._filled += 1
        self._length += 1

    def extend(self, values: Iterable[int] | np.ndarray | array | bytes | _Column) -> None:
        self._thaw()
        if isinstance(values, _Column):
            pieces = values.views()
        elif isinstance(values, (array, bytes, bytearray)):
            pieces = [np.frombuffer(values, dtype=self.dtype)]
        elif isinstance(values, np.ndarray):
            pieces = [values]
        else:
            pieces = [np.fromiter(values, dtype=self.dtype)]
        for piece in pieces:
            done = 0
            while done < len(piece):
                if not self._chunks or self._filled == self._chunk:
                    self._new_chunk()
                taken = min(len(piece) - done, self._chunk - self._filled)
                self._chunks[-1][self._filled : self._filled + taken] = piece[done : done + taken]
                self._filled += taken
                self._length += taken
                done += taken

    def shifted(self, base: int) -> np.ndarray:
        """The values plus ``base`` (the ends of another table, appended after this one)."""
        views = self.views()
        return (np.concatenate(views) if views else np.empty(0, self.dtype)) + self.dtype.type(base)

    def numpy(self) -> np.ndarray:
        """The values as one contiguous array, made the first time (each chunk freed as it
        is copied, so making it costs a chunk more than the column, not the column twice).
        """
        if self._whole is None:
            whole = _block(len(self), self.dtype)
            done = 0
            views, self._chunks, self._scalars = self.views(), [], []
            for position, view in enumerate(views):
                whole[done : done + len(view)] = view
                done += len(view)
                views[position] = None  # type: ignore[call-overload]
            self._whole, self._scalars = whole, [memoryview(whole)]
        return self._whole

    def _thaw(self) -> None:
        """Chunks again, for a column read whole that gets more values (not in a run)."""
        if self._whole is not None:
            whole, self._whole = self._whole, None
            self._chunks, self._scalars, self._filled, self._length = [], [], 0, 0
            self.extend(whole)

    def nbytes(self) -> int:
        """Bytes of the values (an unwritten page of the last chunk takes no memory)."""
        return len(self) * self.dtype.itemsize

    def capacity(self) -> int:
        """Bytes of the chunks, written or not."""
        return sum(chunk.nbytes for chunk in self._chunks) + (
            self._whole.nbytes if self._whole is not None else 0)

    def __getstate__(self) -> tuple[str, int, bytes]:
        return self.dtype.str, self._chunk, b"".join(v.tobytes() for v in self.views())

    def __setstate__(self, state: tuple[str, int, bytes]) -> None:
        dtype, chunk, data = state
        self.__init__(dtype, chunk)  # type: ignore[misc]
        self.extend(data)


class _Blob:
    """Bytes appended one value after another, in chunks of :data:`_BLOB_CHUNK` bytes each
    in memory of its own (an anonymous map; a value may span two chunks).
    """

    def __init__(self) -> None:
        self._chunk = _BLOB_CHUNK
        self._chunks: list[mmap.mmap] = []
        self.size = 0

    def write(self, data: bytes | bytearray | memoryview) -> None:
        done = 0
        while done < len(data):
            at = self.size % self._chunk
            if at == 0 and self.size == len(self._chunks) * self._chunk:
                self._chunks.append(mmap.mmap(-1, self._chunk))
            taken = min(len(data) - done, self._chunk - at)
            self._chunks[-1][at : at + taken] = data[done : done + taken]
            self.size += taken
            done += taken

    def text(self, start: int, stop: int) -> str:
        """Bytes ``start`` to ``stop - 1``, as text (UTF-8)."""
        if stop <= start:
            return ""
        first, last = start // self._chunk, (stop - 1) // self._chunk
        base = first * self._chunk
        if first == last:
            data = self._chunks[first][start - base : stop - base]
        else:
            data = b"".join([self._chunks[first][start - base :],
                             *(chunk[:] for chunk in self._chunks[first + 1 : last]),
                             self._chunks[last][: stop - last * self._chunk]])
        return data.decode("utf-8", "surrogatepass")

    def pieces(self) -> list[bytes]:
        """The bytes, a chunk at a time."""
        whole, rest = divmod(self.size, self._chunk)
        pieces = [chunk[:] for chunk in self._chunks[:whole]]
        return [*pieces, self._chunks[whole][:rest]] if rest else pieces

    def __getstate__(self) -> tuple[int, bytes]:
        return self._chunk, b"".join(self.pieces())

    def __setstate__(self, state: tuple[int, bytes]) -> None:
        self.__init__()  # type: ignore[misc]
        self._chunk = state[0]
        self.write(state[1])


class _Strings:
    """A column of optional strings: their UTF-8 bytes one after another (:class:`_Blob`)
    and where each value ends, ``~end`` (negative) for a missing one, in ``array`` chunks of
    ``2**_ENDS_SHIFT`` values (read a row at a time, often: plain arrays index fastest).
    """

    def __init__(self) -> None:
        self.blob = _Blob()
        self._shift = _ENDS_SHIFT
        self._ends = [array("q")]
        self._length = 0

    def __len__(self) -> int:
        return self._length

    def _end(self, end: int) -> None:
        tail = self._ends[-1]
        if len(tail) >> self._shift:
            tail = array("q")
            self._ends.append(tail)
        tail.append(end)
        self._length += 1

    def append(self, value: str | None) -> None:
        if value is None:
            self._end(~self.blob.size)
            return
        self.blob.write(value.encode("utf-8", "surrogatepass"))
        self._end(self.blob.size)

    def extend(self, other: _Strings) -> None:
        base = self.blob.size
        size = 1 << self._shift
        for chunk in other._ends:
            ends = np.frombuffer(chunk, dtype=np.int64)
            shifted = array("q", np.where(ends >= 0, ends + base, ends - base).tobytes())
            done = 0
            while done < len(shifted):
                if len(self._ends[-1]) >= size:
                    self._ends.append(array("q"))
                taken = min(len(shifted) - done, size - len(self._ends[-1]))
                self._ends[-1].extend(shifted[done : done + taken])
                done += taken
            self._length += len(shifted)
        for piece in other.blob.pieces():
            self.blob.write(piece)

    def __getitem__(self, row: int) -> str | None:
        # As few steps as can be: the corpus steps read every row, some columns twice. A row
        # past the end is an IndexError of the chunk list or of the last chunk (an array
        # holds no more than it was given).
        if row < 0:
            row += self._length
            if row < 0:
                raise IndexError(row - self._length)
        chunk = row >> self._shift
        ends = self._ends[chunk]
        at = row - (chunk << self._shift)
        stop = ends[at]
        if stop < 0:
            return None
        start = ends[at - 1] if at else self._ends[chunk - 1][-1] if chunk else 0
        if start < 0:
            start = ~start
        blob = self.blob
        first = start // blob._chunk
        base = first * blob._chunk
        if start < stop <= base + blob._chunk:  # in one chunk of the blob
            return blob._chunks[first][start - base : stop - base].decode("utf-8", "surrogatepass")
        return blob.text(start, stop)

    def nbytes(self) -> int:
        return self.blob.size + 8 * self._length

    def __getstate__(self) -> tuple[int, list[array], _Blob]:
        return self._shift, self._ends, self.blob

    def __setstate__(self, state: tuple[int, list[array], _Blob]) -> None:
        self._shift, self._ends, self.blob = state
        self._length = sum(len(chunk) for chunk in self._ends)


class _Rows:
    """A growable 2-D array: rows appended in blocks, kept in chunks of :data:`_ROWS_CHUNK`
    rows each in memory of its own (no copy of what is there, no spare capacity beyond the
    last chunk), made one array when read whole.
    """

    def __init__(self, width: int, dtype: type[np.generic]) -> None:
        self._width, self._dtype = width, np.dtype(dtype)
        self._rows = _ROWS_CHUNK
        self._chunks: list[np.ndarray] = []
        self._filled: list[int] = []
        self.size = 0

    def append(self, block: np.ndarray) -> None:
        done = 0
        while done < len(block):
            if not self._chunks or self._filled[-1] >= len(self._chunks[-1]):
                chunk = _block(self._rows * self._width, self._dtype)
                self._chunks.append(chunk.reshape(self._rows, self._width))
                self._filled.append(0)
            chunk, filled = self._chunks[-1], self._filled[-1]
            taken = min(len(block) - done, len(chunk) - filled)
            chunk[filled : filled + taken] = block[done : done + taken]
            self._filled[-1] += taken
            done += taken
        self.size += len(block)

    @property
    def values(self) -> np.ndarray:
        """The rows so far, as one array (made once: each chunk is freed as it is copied;
        the array then takes further rows as a chunk of its own).
        """
        if len(self._chunks) == 1:
            return self._chunks[0][: self.size]
        whole = _block(self.size * self._width, self._dtype).reshape(self.size, self._width)
        done = 0
        chunks, self._chunks = self._chunks, []
        for position, filled in enumerate(self._filled):
            whole[done : done + filled] = chunks[position][:filled]
            chunks[position] = None  # type: ignore[call-overload]
            done += filled
        self._chunks, self._filled = [whole], [self.size]
        return whole

    def nbytes(self) -> int:
        """Bytes of the rows (an unwritten page of the last chunk takes no memory)."""
        return self.size * self._width * self._dtype.itemsize

    def __getstate__(self) -> tuple[int, np.dtype, np.ndarray]:
        return self._width, self._dtype, np.ascontiguousarray(self.values)

    def __setstate__(self, state: tuple[int, np.dtype, np.ndarray]) -> None:
        width, dtype, values = state
        self.__init__(width, dtype)  # type: ignore[misc]
        self.append(values)


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
        self.lengths = _Column(np.int64)
        self._has_words = _Column(np.int8)
        self._paragraph_hashes = _Column(np.uint64)
        self._paragraph_ends = _Column(np.int64)
        self._signatures = {s: _Rows(s.num_perm, s.dtype) for s in self.schemes}

    def __len__(self) -> int:
        return len(self.lengths)

    # Read whole by the corpus steps (once every row is in): one numpy array each.

    @property
    def has_words(self) -> np.ndarray:
        """Whether each row's text has a word to shingle (int8, 0 or 1)."""
        return self._has_words.numpy()

    @property
    def paragraph_hashes(self) -> np.ndarray:
        """The paragraph hashes of every row, one after another (uint64)."""
        return self._paragraph_hashes.numpy()

    @property
    def paragraph_ends(self) -> np.ndarray:
        """Where each row's paragraph hashes end in :attr:`paragraph_hashes` (int64)."""
        return self._paragraph_ends.numpy()

    def add(self, drafts: Sequence[Draft], paragraph_hash: Callable[[str], int | None]) -> None:
        """Add a row for each draft (signatures computed for all of them at once)."""
        if not drafts:
            return
        texts = [d.text for d in drafts]
        for scheme in self.schemes:
            sets = [shingle_hashes(t, scheme.shingle_size, scheme.bits) for t in texts]
            self._signatures[scheme].append(signatures(sets, scheme))
            if scheme is self.schemes[0]:
                self._has_words.extend(len(s) > 0 for s in sets)
        for draft, text in zip(drafts, texts, strict=True):
            self.ids.append(draft.id)
            self.created.append(draft.created)
            self.urls.append(draft.url)
            self.sources.append(draft.document.source)
            self.paths.append(draft.document.path)
            self.lengths.append(len(text))
            # Every block counts, kept or removed by an earlier step: a footer a phrase list
            # caught in some articles still recurs there. Each distinct text is hashed once
            # (a navigation dump repeats its lines).
            hashes = {paragraph_hash(text) for text in {b.text for b in draft.blocks}}
            hashes.discard(None)
            self._paragraph_hashes.extend(sorted(hashes))  # type: ignore[arg-type]
            self._paragraph_ends.append(len(self._paragraph_hashes))

    def extend(self, other: Sketches) -> None:
        """Append the rows of ``other`` (made with the same schemes)."""
        if other.schemes != self.schemes:
            raise ValueError("sketches of different signature schemes cannot be merged")
        for mine, theirs in ((self.ids, other.ids), (self.created, other.created),
                             (self.urls, other.urls), (self.sources, other.sources),
                             (self.paths, other.paths)):
            mine.extend(theirs)
        self.lengths.extend(other.lengths)
        self._has_words.extend(other._has_words)
        self._paragraph_ends.extend(other._paragraph_ends.shifted(len(self._paragraph_hashes)))
        self._paragraph_hashes.extend(other._paragraph_hashes)
        for scheme in self.schemes:
            self._signatures[scheme].append(other._signatures[scheme].values)

    def signatures(self, scheme: SignatureScheme) -> np.ndarray:
        """The signatures of every row under ``scheme``: shape ``(len, num_perm)``."""
        return self._signatures[scheme].values

    def paragraphs(self, row: int) -> np.ndarray:
        """The distinct paragraph hashes of ``row``."""
        ends = self.paragraph_ends
        start = ends[row - 1] if row else 0
        return self.paragraph_hashes[start : ends[row]]

    def nbytes(self) -> int:
        """Memory held by the table, in bytes (what the benchmarks divide by the rows)."""
        strings = (self.ids, self.created, self.urls, self.sources, self.paths)
        columns = (self.lengths, self._has_words, self._paragraph_hashes, self._paragraph_ends)
        return (sum(column.nbytes() for column in (*strings, *columns))
                + sum(rows.nbytes() for rows in self._signatures.values()))
