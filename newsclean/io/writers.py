"""Write outputs so a reader never sees half of one.

Files are written to a temporary file beside the target, flushed to disk and renamed over it:
an error or Ctrl-C at any point leaves the old file (or none) and no temporary file. ``-``
writes to stdout, where atomicity is impossible. A name ending in ``.gz`` or ``.zst`` is
written compressed, as the readers read it (gzip with no time stamp, so the same text gives
the same bytes; zstd needs the ``zstandard`` package).
"""

from __future__ import annotations

import gzip
import io
import os
import secrets
import stat
import sys
from pathlib import Path
from types import TracebackType
from typing import BinaryIO, TextIO

from newsclean.io.errors import display_path
from newsclean.record import Record

try:
    import zstandard
except ImportError:  # optional: only .zst outputs need it
    zstandard = None

STDOUT = "-"


class OutputError(OSError):
    """An output that could not be written, named with the reason; nothing of it is left (the
    temporary file is gone, an earlier file of that name is untouched).
    """

    def __init__(self, path: str | Path, reason: str) -> None:
        super().__init__(f"cannot write {display_path(path)} ({reason})")
        self.path = display_path(path)
        self.reason = reason

    def __reduce__(self):  # OSError's own pickling would call __init__ with its args
        return (type(self), (self.path, self.reason))


def _reason(exc: OSError) -> str:
    return exc.strerror or str(exc)


class AtomicWriter:
    """Context manager giving a text stream whose content replaces ``path`` only on success.

    The temporary file is ``.NAME.XXXXXXXX.tmp`` in the target's folder (a rename is atomic
    only within one file system). A symlinked target is written through, so the link stays.
    An existing target's permission bits are kept; a new file gets the usual umask-based mode.
    Text is written as UTF-8 with line ends untouched. Any failure to create, write or rename
    it is an :class:`OutputError` naming ``path``.
    """

    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        self._stream: TextIO | None = None
        self._raw: BinaryIO | None = None
        self._compressor: BinaryIO | None = None
        self._temp_path: str | None = None

    def __enter__(self) -> TextIO:
        if self.path == STDOUT:
            sys.stdout.flush()  # keep anything printed before ahead of our lines
            self._stream = io.TextIOWrapper(
                sys.stdout.buffer, encoding="utf-8", newline="", line_buffering=True
            )
            return self._stream
        target = os.path.realpath(self.path)
        folder, name = os.path.split(target)
        while True:
            temp_path = os.path.join(folder, f".{name}.{secrets.token_hex(4)}.tmp")
            try:
                # O_EXCL: never clobber a file of the same name; mode 0o666 lets umask apply.
                fd = os.open(temp_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
                break
            except FileExistsError:
                continue
            except OSError as exc:
                raise OutputError(self.path, _reason(exc)) from None
        self._temp_path = temp_path
        try:
            if os.path.exists(target):
                os.chmod(fd, stat.S_IMODE(os.stat(target).st_mode))
            self._raw = open(fd, "wb")
        except BaseException as exc:
            os.close(fd)
            self._discard()
            if isinstance(exc, OSError):
                raise OutputError(self.path, _reason(exc)) from None
            raise
        try:
            self._compressor = _compressor(self.path, self._raw)
            binary = self._compressor or self._raw
            self._stream = io.TextIOWrapper(binary, encoding="utf-8", newline="")
        except BaseException:
            self._discard()
            raise
        return self._stream

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self.path == STDOUT:
            self._release_stdout()
        elif exc_type is None:
            try:
                self._commit()
            except BaseException as failure:
                self._discard()
                if isinstance(failure, OSError) and not isinstance(failure, OutputError):
                    raise OutputError(self.path, _reason(failure)) from None
                raise
        else:
            self._discard()
            if isinstance(exc, OSError) and not isinstance(exc, OutputError):
                raise OutputError(self.path, _reason(exc)) from None

    def _release_stdout(self) -> None:
        assert self._stream is not None
        self._stream.flush()
        self._stream.detach()  # closing our wrapper must not close the process's stdout

    def _commit(self) -> None:
        assert self._stream is not None and self._raw is not None
        assert self._temp_path is not None
        self._stream.flush()
        self._stream.detach()
        self._stream = None
        if self._compressor is not None:
            self._compressor.close()  # writes the trailer; the raw file stays open
            self._compressor = None
        self._raw.flush()
        os.fsync(self._raw.fileno())
        self._raw.close()
        self._raw = None
        target = os.path.realpath(self.path)
        os.replace(self._temp_path, target)
        self._temp_path = None
        _fsync_folder(os.path.dirname(target))

    def _discard(self) -> None:
        for stream in (self._stream, self._compressor, self._raw):
            if stream is not None:
                try:
                    stream.close()
                except (OSError, ValueError):  # already closed, or a failed flush: it goes
                    pass
        self._stream = self._compressor = self._raw = None
        if self._temp_path is not None:
            try:
                os.unlink(self._temp_path)
            except FileNotFoundError:
                pass
            self._temp_path = None


def _compressor(path: str, raw: BinaryIO) -> BinaryIO | None:
    """A compressing stream over ``raw`` for a ``.gz`` or ``.zst`` name, else ``None``."""
    lowered = path.lower()
    if lowered.endswith(".gz"):
        return gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0)  # type: ignore[return-value]
    if lowered.endswith(".zst"):
        if zstandard is None:
            raise OutputError(path, "the 'zstandard' package is not installed")
        return zstandard.ZstdCompressor().stream_writer(raw, closefd=False)  # type: ignore[return-value]
    return None


def _fsync_folder(folder: str) -> None:
    # Makes the rename itself durable; some platforms cannot open a folder, which is harmless.
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def atomic_write(path: str | Path) -> AtomicWriter:
    """Open ``path`` for an atomic text write; the same as ``AtomicWriter(path)``."""
    return AtomicWriter(path)


def write_text_atomic(path: str | Path, text: str) -> None:
    """Replace ``path`` with ``text`` atomically, keeping its permission bits (in-place fixes)."""
    with AtomicWriter(path) as out:
        out.write(text)


class JsonlWriter:
    """Write :class:`Record` objects as JSONL to ``path`` (``-`` for stdout), atomically.

    Use as a context manager; the file appears only when the block ends without an error.
    """

    def __init__(self, path: str | Path) -> None:
        self._atomic = AtomicWriter(path)
        self._stream: TextIO | None = None
        self.written = 0

    def __enter__(self) -> JsonlWriter:
        self._stream = self._atomic.__enter__()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._atomic.__exit__(exc_type, exc, traceback)

    def write(self, record: Record) -> None:
        """Append one record as one line."""
        if self._stream is None:
            raise RuntimeError("JsonlWriter.write() outside its 'with' block")
        self._stream.write(record.to_json() + "\n")
        self.written += 1
