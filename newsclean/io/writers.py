"""Write outputs so a reader never sees half of one.

Files are written to a temporary file beside the target (an anonymous one where the system
allows), flushed to disk and renamed over it: an error, Ctrl-C, SIGTERM or SIGKILL at any point
leaves the old file (or none) and no temporary file. ``-``
writes to stdout, where atomicity is impossible. A name ending in ``.gz`` or ``.zst`` is
written compressed, as the readers read it (gzip with no time stamp, so the same text gives
the same bytes; zstd needs the ``zstandard`` package).
"""

from __future__ import annotations

import ctypes
import gzip
import io
import os
import re
import secrets
import socket
import stat
import sys
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import Any, BinaryIO, TextIO

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

    Where the system has them (Linux), the text goes to an anonymous file (``O_TMPFILE``) in
    the target's folder, given a name only when it is complete: a process killed at any point
    of the write (even by SIGKILL, which no handler sees) leaves nothing behind. Elsewhere the
    temporary file is ``.NAME.HOST-PID.XXXXXXXX.tmp`` in the target's folder (a rename is
    atomic only within one file system); with ``sweep=True`` such files left by a killed
    process of this machine are removed when the next write of ``path`` starts.

    A symlinked target is written through, so the link stays; with ``follow_symlinks=False``
    the name itself is replaced instead, never the file a link points to (in-place fixes).
    With ``deferred=True`` a block that ends well leaves the file complete but nameless until
    :meth:`publish` (or :meth:`abandon`): several files can then appear together.
    ``before_replace``, if given, is called just before the rename: the caller's last check
    (that the file is still the one it read); what it raises aborts the write, with nothing
    left of it. An existing target's permission bits, owner and group are kept (the owner
    and group where the system lets this process set them: as root, or a group it is in); a
    new file takes those of ``like`` when given (a part file or sidecar of a fixed file, so
    a private scrape's parts stay private), else the usual umask-based mode. Text is
    written as UTF-8 with line ends untouched; with ``binary=True`` the block gets the
    binary file itself (no compression by name: Parquet compresses its own pages). Any
    failure to create, write or rename it is an :class:`OutputError` naming
    ``path``.
    """

    def __init__(
        self,
        path: str | Path,
        *,
        sweep: bool = False,
        follow_symlinks: bool = True,
        before_replace: Callable[[], None] | None = None,
        deferred: bool = False,
        binary: bool = False,
        like: str | Path | None = None,
    ) -> None:
        self.path = str(path)
        self.binary = binary
        self.like = like
        self.sweep = sweep
        self.follow_symlinks = follow_symlinks
        self.before_replace = before_replace
        self.deferred = deferred
        self._stream: TextIO | None = None
        self._raw: BinaryIO | None = None
        self._compressor: BinaryIO | None = None
        self._temp_path: str | None = None

    def __enter__(self) -> Any:
        if self.path == STDOUT and self.binary:
            raise OutputError(self.path, "a binary output cannot go to stdout")
        if self.path == STDOUT:
            sys.stdout.flush()  # keep anything printed before ahead of our lines
            self._stream = io.TextIOWrapper(
                sys.stdout.buffer, encoding="utf-8", newline="", line_buffering=True
            )
            return self._stream
        target = self._target()
        folder, name = os.path.split(target)
        if self.sweep:
            _sweep_stale_temps(folder, name)
        try:
            fd, self._temp_path = _open_temp(folder, name)
        except OSError as exc:
            raise OutputError(self.path, _reason(exc)) from None
        try:
            _take_mode_and_owner(fd, [target] if self.like is None else [target, self.like])
            self._raw = open(fd, "wb")
        except BaseException as exc:
            os.close(fd)
            self._discard()
            if isinstance(exc, OSError):
                raise OutputError(self.path, _reason(exc)) from None
            raise
        if self.binary:
            return self._raw
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
            self._finish_stdout(exc)
        elif exc_type is None:
            try:
                self._prepare()
                if not self.deferred:
                    self._publish()
            except BaseException as failure:
                if (error := self._given_up(failure)) is failure:
                    raise
                raise error from None
        else:
            assert exc is not None  # a with block hands over the exception itself
            if (error := self._given_up(exc)) is not exc:
                raise error from None

    def _given_up(self, failure: BaseException) -> BaseException:
        """Discard what was written; return what to raise for ``failure``: an ``OSError``
        becomes an :class:`OutputError` naming this output, anything else stays itself.
        """
        self._discard()
        if isinstance(failure, OSError) and not isinstance(failure, OutputError):
            return OutputError(self.path, _reason(failure))
        return failure

    def _target(self) -> str:
        # Without following links the folder is resolved but not the name: the rename then
        # replaces a link planted there, never the file it points to.
        if self.follow_symlinks:
            return os.path.realpath(self.path)
        folder, name = os.path.split(os.path.abspath(self.path))
        return os.path.join(os.path.realpath(folder), name)

    def _finish_stdout(self, exc: BaseException | None) -> None:
        # A closed pipe or a full disk behind stdout is an output that cannot be written,
        # as it is for a file: one line and exit 2, not a traceback.
        assert self._stream is not None
        try:
            if exc is None:
                self._stream.flush()
        except OSError as failure:
            exc = failure
        finally:
            try:
                self._stream.detach()  # closing our wrapper must not close the process's stdout
            except OSError:
                pass  # its flush failed again: what it holds can never be written
        if isinstance(exc, OSError) and not isinstance(exc, OutputError):
            raise OutputError(self.path, _reason(exc)) from None

    def publish(self) -> None:
        """Give a ``deferred`` writer's finished file its name (see :class:`ShardedWriter`);
        a failure is an :class:`OutputError`, after which nothing of this file is left.
        """
        try:
            self._publish()
        except BaseException as failure:
            if (error := self._given_up(failure)) is failure:
                raise
            raise error from None

    def abandon(self) -> None:
        """Drop a ``deferred`` writer's finished file instead of publishing it."""
        self._discard()

    def _prepare(self) -> None:
        assert self._raw is not None and (self._stream is not None or self.binary)
        if self._stream is not None:
            self._stream.flush()
            self._stream.detach()
            self._stream = None
        if self._compressor is not None:
            self._compressor.close()  # writes the trailer; the raw file stays open
            self._compressor = None
        self._raw.flush()
        os.fsync(self._raw.fileno())

    def _publish(self) -> None:
        assert self._raw is not None
        target = self._target()
        folder, name = os.path.split(target)
        if self._temp_path is None:
            # An anonymous file gets a name only now; a link cannot replace an existing file,
            # so it is linked under a temporary name and renamed over the target.
            self._temp_path = _temp_name(folder, name)
            _link_anonymous(self._raw.fileno(), self._temp_path)
        self._raw.close()
        self._raw = None
        if self.before_replace is not None:
            self.before_replace()
        os.replace(self._temp_path, target)
        self._temp_path = None
        _fsync_folder(folder)

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


def _load_linkat() -> Callable[..., int] | None:
    # os.link cannot name an anonymous file: it links the /proc/self/fd entry itself, not the
    # file it stands for, which needs linkat's AT_SYMLINK_FOLLOW.
    if not hasattr(os, "O_TMPFILE") or not os.path.isdir("/proc/self/fd"):
        return None
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.linkat
    except (OSError, AttributeError):
        return None


_LINKAT = _load_linkat()
O_TMPFILE = getattr(os, "O_TMPFILE", 0) if _LINKAT is not None else 0
_AT_FDCWD = -100
_AT_SYMLINK_FOLLOW = 0x400


def _link_anonymous(fd: int, path: str) -> None:
    """Give the anonymous file open as ``fd`` the name ``path``."""
    assert _LINKAT is not None
    source = os.fsencode(f"/proc/self/fd/{fd}")
    if _LINKAT(_AT_FDCWD, source, _AT_FDCWD, os.fsencode(path), _AT_SYMLINK_FOLLOW) != 0:
        code = ctypes.get_errno()
        raise OSError(code, os.strerror(code), path)
# Names temporary files and folders (with the pid), so a run removes only leftovers of this
# machine's processes: a shared folder may hold those of runs on other machines.
HOST_TAG = re.sub(r"[^A-Za-z0-9-]", "-", socket.gethostname())[:32] or "host"


def _temp_name(folder: str, name: str) -> str:
    return os.path.join(
        folder, f".{_temp_stem(name)}.{HOST_TAG}-{os.getpid()}.{secrets.token_hex(4)}.tmp")


# Room for what a temporary name adds to the target's: the dots, host tag, a process id of
# up to 10 digits, 8 hex digits and ".tmp", within the 255 bytes a name may have.
_STEM_BYTES = 255 - len(f"..{HOST_TAG}-{'9' * 10}.{'f' * 8}.tmp")


def _temp_stem(name: str) -> str:
    """``name``, cut short enough that a temporary name made of it fits in a folder: a
    target whose name is near the limit would otherwise fail with "File name too long".
    """
    return os.fsdecode(os.fsencode(name)[:_STEM_BYTES])


def _open_temp(folder: str, name: str) -> tuple[int, str | None]:
    """A file descriptor to write to and the temporary file's name (``None`` for an
    anonymous file).
    """
    if O_TMPFILE:
        try:
            return os.open(folder, O_TMPFILE | os.O_WRONLY, 0o666), None
        except OSError:
            pass  # a file system without anonymous files, or a real problem the next says
    while True:
        temp_path = _temp_name(folder, name)
        try:
            # O_EXCL: never clobber a file of the same name; mode 0o666 lets umask apply.
            return os.open(temp_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666), temp_path
        except FileExistsError:
            continue


def _sweep_stale_temps(folder: str, name: str) -> None:
    """Remove temporary files of ``name`` left by processes of this machine that are gone
    (killed before they could clean up).
    """
    stale = re.compile(
        rf"\.{re.escape(_temp_stem(name))}\.{re.escape(HOST_TAG)}-(\d+)\.[0-9a-f]{{8}}\.tmp")
    try:
        entries = os.listdir(folder)
    except OSError:
        return  # opening the output will say what is wrong with the folder
    for entry in entries:
        found = stale.fullmatch(entry)
        if found is None or process_alive(int(found.group(1))):
            continue
        try:
            os.unlink(os.path.join(folder, entry))
        except OSError:
            pass  # another run swept it first, or it is not ours to remove


def process_alive(pid: int) -> bool:
    """Whether process ``pid`` of this machine exists (one of another user's counts)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # no permission: it exists
        return True
    return True


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


def atomic_write(
    path: str | Path,
    *,
    follow_symlinks: bool = True,
    before_replace: Callable[[], None] | None = None,
    like: str | Path | None = None,
) -> AtomicWriter:
    """Open ``path`` for an atomic text write; the same as ``AtomicWriter(path, ...)``."""
    return AtomicWriter(path, follow_symlinks=follow_symlinks, before_replace=before_replace,
                        like=like)


def _take_mode_and_owner(fd: int, models: list[str | Path]) -> None:
    """Give the open file ``fd`` the permission bits, and where allowed the owner and group,
    of the first of ``models`` that exists. A replaced file owned by another user (a fix run
    as root) must not become root's, nor a 0600 file readable by all.
    """
    for model in models:
        try:
            found = os.stat(model)
        except FileNotFoundError:
            continue
        for owner in (found.st_uid, -1):  # else at least the group, if this user is in it
            try:
                os.fchown(fd, owner, found.st_gid)
                break
            except OSError:
                continue
        os.fchmod(fd, stat.S_IMODE(found.st_mode))  # after fchown, which may clear set-id bits
        return


def write_text_atomic(path: str | Path, text: str) -> None:
    """Replace ``path`` with ``text`` atomically, keeping its permission bits (in-place fixes)."""
    with AtomicWriter(path) as out:
        out.write(text)


class JsonlWriter:
    """Write :class:`Record` objects as JSONL to ``path`` (``-`` for stdout), atomically.

    Use as a context manager; the file appears only when the block ends without an error.
    ``removed`` is how much of the removal account each line carries
    (:meth:`Record.to_dict`).
    """

    def __init__(self, path: str | Path, *, removed: str = "full") -> None:
        self._atomic = AtomicWriter(path, sweep=True)
        self._stream: TextIO | None = None
        self.removed = removed
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
        self._stream.write(record.to_json(self.removed) + "\n")
        self.written += 1
