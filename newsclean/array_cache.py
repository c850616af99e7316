"""A per-user cache of numpy arrays that are slow to build, read back by mapping the file.

A cache file holds named arrays under a key (what they were built from, and how): a fixed
prefix (a magic string, the length of the header, the CRC-32 of everything after the
prefix), a JSON header (the key, each array's name, dtype, shape and offset), then the
arrays' bytes, each aligned to 64 bytes as numpy's fast paths want. :func:`load_arrays`
maps the file read-only, so processes that read it share its pages through the page cache,
and returns ``None`` for anything but a whole, intact file of that key: a cache that is
missing, truncated, damaged, of another key or another format, or unreadable only means the
caller builds the arrays again. :func:`store_arrays` writes a temporary file beside the
final one and renames it into place, so a reader never sees half a file and two writers at
once leave one whole file; a failure to write (a read-only or full file system) is ignored. A
file is never changed in place: a process that has mapped it keeps the bytes it checked.

Where the files are kept, which are trusted and how they are written is
:mod:`newsclean.cache_file`'s (:func:`cache_dir` is re-exported here).
"""

from __future__ import annotations

import json
import struct
import zlib
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from newsclean.cache_file import cache_dir, map_trusted, write_atomically

__all__ = ["cache_dir", "load_arrays", "store_arrays"]

# The file's prefix: magic (its last bytes the layout's version), header length, CRC-32.
_PREFIX = struct.Struct("<16sQI")
_MAGIC = b"newsclean-arr-1\n"
_ALIGN = 64
# What reading a damaged or foreign file can raise, whatever the damage: a file shorter than
# the prefix (struct.error), a header that is not JSON or UTF-8 (ValueError), misses a field
# (KeyError), names no dtype (TypeError), or gives sizes beyond the file or a machine word
# (ValueError, OverflowError); OSError for the rest.
_DAMAGE = (OSError, ValueError, KeyError, TypeError, IndexError, OverflowError, struct.error)


def load_arrays(path: Path, key: str) -> dict[str, np.ndarray] | None:
    """The arrays stored in ``path`` under ``key``, read-only views of the mapped file, or
    ``None`` when the file is not a whole, intact cache file of that key.
    """
    try:
        return _load(path, key)
    except _DAMAGE:
        return None


def _load(path: Path, key: str) -> dict[str, np.ndarray] | None:
    mapped = map_trusted(path)  # an empty file: ValueError
    if mapped is None:
        return None
    magic, header_size, crc = _PREFIX.unpack_from(mapped)
    if magic != _MAGIC:
        return None
    with memoryview(mapped) as view:
        if zlib.crc32(view[_PREFIX.size :]) != crc:
            return None
    header = json.loads(mapped[_PREFIX.size : _PREFIX.size + header_size].decode())
    if header["key"] != key:
        return None
    arrays = {}
    end = _PREFIX.size + header_size
    for name, dtype, shape, offset in header["arrays"]:
        dtype = np.dtype(dtype)
        count = int(np.prod(shape, dtype=np.int64))
        if dtype.hasobject or min(shape, default=0) < 0 or offset < end or offset % _ALIGN:
            return None
        array = np.frombuffer(mapped, dtype, count, offset)  # beyond the file: ValueError
        arrays[name] = array.reshape(tuple(shape))
        end = offset + array.nbytes
    return arrays if end == len(mapped) else None


def store_arrays(path: Path, key: str, arrays: Mapping[str, np.ndarray]) -> None:
    """Write ``arrays`` to the cache file ``path`` under ``key``, creating its directory;
    nothing happens when that cannot be done (the caller has the arrays anyway).
    """
    write_atomically(path, _file_chunks(key, arrays))


def _file_chunks(key: str, arrays: Mapping[str, np.ndarray]) -> list[bytes | np.ndarray]:
    """The bytes of a cache file holding ``arrays`` under ``key``, in order."""
    contiguous = {name: np.asarray(array, order="C") for name, array in arrays.items()}
    # The header gives each array's offset, which depends on the header's own length: lay
    # the arrays out after a header measured with the offsets at their widest, then pad the
    # header to that length.
    entries = [[name, array.dtype.str, list(array.shape), 0] for name, array in contiguous.items()]
    widest = len(json.dumps({"key": key, "arrays": entries}).encode()) + 20 * len(entries)
    offset = _PREFIX.size + widest
    for entry, array in zip(entries, contiguous.values()):
        offset += -offset % _ALIGN
        entry[3] = offset
        offset += array.nbytes
    header = json.dumps({"key": key, "arrays": entries}).encode().ljust(widest)
    body: list[bytes | np.ndarray] = [header]
    end = _PREFIX.size + len(header)
    for entry, array in zip(entries, contiguous.values()):
        body.append(bytes(entry[3] - end))
        body.append(array.reshape(-1).view(np.uint8))
        end = entry[3] + array.nbytes
    crc = 0
    for chunk in body:
        crc = zlib.crc32(chunk, crc)
    return [_PREFIX.pack(_MAGIC, len(header), crc), *body]
