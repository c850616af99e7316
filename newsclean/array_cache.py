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

The directory is ``$NEWSCLEAN_CACHE_DIR``, else ``$XDG_CACHE_HOME/newsclean``, else
``~/.cache/newsclean``; setting ``NEWSCLEAN_NO_CACHE`` to anything but an empty string turns
the cache off (:func:`cache_dir`).
"""

from __future__ import annotations

import contextlib
import json
import mmap
import os
import stat
import struct
import tempfile
import zlib
from collections.abc import Mapping
from pathlib import Path

import numpy as np

# The file's prefix: magic (its last bytes the layout's version), header length, CRC-32.
_PREFIX = struct.Struct("<16sQI")
_MAGIC = b"newsclean-arr-1\n"
_ALIGN = 64
# What reading a damaged or foreign file can raise, whatever the damage: a file shorter than
# the prefix (struct.error), a header that is not JSON or UTF-8 (ValueError), misses a field
# (KeyError), names no dtype (TypeError), or gives sizes beyond the file or a machine word
# (ValueError, OverflowError); OSError for the rest.
_DAMAGE = (OSError, ValueError, KeyError, TypeError, IndexError, OverflowError, struct.error)


def cache_dir() -> Path | None:
    """The directory newsclean keeps its caches in, or ``None`` when they are turned off
    (``NEWSCLEAN_NO_CACHE`` set) or no home directory is known. It need not exist.
    """
    if os.environ.get("NEWSCLEAN_NO_CACHE"):
        return None
    if not hasattr(os, "O_NOFOLLOW"):  # Windows: a link in the file's place could not be refused
        return None
    if chosen := os.environ.get("NEWSCLEAN_CACHE_DIR"):
        return Path(chosen)
    # The XDG base directory specification: a relative path there is to be ignored.
    xdg = os.environ.get("XDG_CACHE_HOME", "")
    if os.path.isabs(xdg):
        return Path(xdg) / "newsclean"
    try:
        return Path.home() / ".cache" / "newsclean"
    except (RuntimeError, KeyError):  # no HOME and no password entry
        return None


def load_arrays(path: Path, key: str) -> dict[str, np.ndarray] | None:
    """The arrays stored in ``path`` under ``key``, read-only views of the mapped file, or
    ``None`` when the file is not a whole, intact cache file of that key.
    """
    try:
        return _load(path, key)
    except _DAMAGE:
        return None


def _load(path: Path, key: str) -> dict[str, np.ndarray] | None:
    # O_NOFOLLOW: this module never writes a link, so one in its place is someone else's.
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    try:
        status = os.fstat(fd)
        # Only a regular file of this user's is trusted (a shared cache directory could hold
        # another user's file under this name).
        if not stat.S_ISREG(status.st_mode) or status.st_uid != os.getuid():
            return None
        mapped = mmap.mmap(fd, 0, access=mmap.ACCESS_READ)  # an empty file: ValueError
    finally:
        os.close(fd)
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
    tmp = None
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        # mkstemp makes the file readable by this user alone.
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        with open(fd, "wb") as out:
            for chunk in _file_chunks(key, arrays):
                out.write(chunk)
        os.replace(tmp, path)
    except OSError:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)


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
