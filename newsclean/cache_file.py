"""Per-user cache files: where they are kept, how one is opened only when it can be trusted,
and how one is written so that no reader sees half of it. Imports nothing heavy (no numpy):
the phrase book's cache is read by every command that cleans.

:mod:`newsclean.array_cache` keeps numpy arrays in such files; :func:`load_blob` and
:func:`store_blob` keep one string of bytes under a key, for data that is not arrays. A blob
file is a fixed prefix (a magic string, the key's length, the CRC-32 of everything after the
prefix), the key, then the data; it is read back only when whole, intact and of that key.

The directory is ``$NEWSCLEAN_CACHE_DIR``, else ``$XDG_CACHE_HOME/newsclean``, else
``~/.cache/newsclean``; setting ``NEWSCLEAN_NO_CACHE`` to anything but an empty string turns
the caches off (:func:`cache_dir`).
"""

from __future__ import annotations

import contextlib
import mmap
import os
import stat
import struct
import tempfile
import zlib
from collections.abc import Iterable
from pathlib import Path

# A blob file's prefix: magic (its last bytes the layout's version), key length, CRC-32.
_BLOB_PREFIX = struct.Struct("<16sQI")
_BLOB_MAGIC = b"newsclean-blob1\n"


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


def map_trusted(path: Path) -> mmap.mmap | None:
    """``path`` mapped read-only, or ``None`` when it is not a regular file of this user's.
    Raises :class:`OSError` when it cannot be opened and :class:`ValueError` when it is empty.
    """
    # O_NOFOLLOW: newsclean never writes a link, so one in a cache file's place is someone
    # else's.
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    try:
        status = os.fstat(fd)
        # Only a regular file of this user's is trusted (a shared cache directory could hold
        # another user's file under this name).
        if not stat.S_ISREG(status.st_mode) or status.st_uid != os.getuid():
            return None
        return mmap.mmap(fd, 0, access=mmap.ACCESS_READ)
    finally:
        os.close(fd)


def write_atomically(path: Path, chunks: Iterable[bytes | memoryview]) -> None:
    """Write ``chunks`` to ``path`` through a temporary file beside it renamed into place
    (creating the directory), so that a reader never sees half a file and two writers at once
    leave one whole file; nothing happens when that cannot be done (a read-only or full file
    system): a cache is only ever a shortcut.
    """
    tmp = None
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        # mkstemp makes the file readable by this user alone.
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        with open(fd, "wb") as out:
            for chunk in chunks:
                out.write(chunk)
        os.replace(tmp, path)
    except OSError:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)


def load_blob(path: Path, key: str) -> bytes | None:
    """The data stored in ``path`` under ``key``, or ``None`` when the file is missing,
    unreadable, or not a whole, intact blob file of that key.
    """
    try:
        mapped = map_trusted(path)
    except (OSError, ValueError):
        return None
    if mapped is None:
        return None
    with mapped:
        if len(mapped) < _BLOB_PREFIX.size:
            return None
        magic, key_size, crc = _BLOB_PREFIX.unpack_from(mapped)
        if magic != _BLOB_MAGIC or zlib.crc32(mapped[_BLOB_PREFIX.size :]) != crc:
            return None
        start = _BLOB_PREFIX.size + key_size
        if mapped[_BLOB_PREFIX.size : start] != key.encode():
            return None
        return mapped[start:]


def store_blob(path: Path, key: str, data: bytes) -> None:
    """Write ``data`` to the cache file ``path`` under ``key`` (see :func:`write_atomically`)."""
    encoded = key.encode()
    crc = zlib.crc32(data, zlib.crc32(encoded))
    write_atomically(path, [_BLOB_PREFIX.pack(_BLOB_MAGIC, len(encoded), crc), encoded, data])
