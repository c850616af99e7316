"""Read inputs (files, folders, stdin) into :class:`~newsclean.record.Document` objects.

Every failure is an :class:`InputError` handed to the caller's ``on_error``, and the run goes
on with the next input: one bad file never stops a corpus. Memory stays bounded by
``max_bytes`` per document, compressed or not: a text file is read whole up to that size, and
a JSONL file of any size is streamed a record at a time, each record up to that size.

A large uncompressed JSONL file can also be read in parts (:func:`line_parts`, then
``read_file(..., part=...)``): runs of whole lines, each read by itself, whose documents,
line numbers and errors are those of reading the file whole. A run hands such parts to its
workers, so that no worker holds more than a part's worth of a file.
"""

from __future__ import annotations

import codecs
import errno
import gzip
import itertools
import json
import os
import re
import stat
import sys
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO, Any, AnyStr

from newsclean.io.decode import SNIFF_BYTES, decode_8bit, decode_bytes, sniff_encoding
from newsclean.io.errors import InputError, display_path
from newsclean.record import Document, document_id
from newsclean.schema import RECORD_FIELDS, input_metadata

try:
    import zstandard
except ImportError:  # optional: only .zst inputs need it
    zstandard = None

DEFAULT_MAX_BYTES = 64 * 2**20
STDIN = "-"

_TEXT_SUFFIXES = (".txt", ".jsonl")
_COMPRESSED_SUFFIXES = (".gz", ".zst")
_CHUNK_BYTES = 2**20
# A JSON escape for a UTF-16 surrogate: only then can a parsed record hold an unpaired one.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")

ErrorHandler = Callable[[InputError], None]


def iter_documents(
    inputs: Sequence[str | Path],
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    on_error: ErrorHandler,
    stdin_name: str = STDIN,
) -> Iterator[Document]:
    """Yield one :class:`Document` per text file or JSONL record found in ``inputs``.

    Each input is a file, a folder (searched recursively, in name order, for ``.txt`` and
    ``.jsonl`` files, optionally ``.gz``- or ``.zst``-compressed; hidden entries skipped;
    symbolic links followed only while they stay inside the folder and do not loop back) or
    ``-`` for stdin (JSONL, streamed, when its first non-blank line is a JSON object with a
    ``text`` field; plain text otherwise). A named input that is not a regular file (a named
    pipe, a device) is refused: reading it could block forever.

    ``source`` (and so the id) is the file's path relative to the input it was found through
    (:func:`source_name`): inside a folder given, the path within it (``seeds/000_x.txt`` for
    ``fixtures/`` given); for a file given, its name. It never depends on the current folder
    or on how the path was typed. Standard input is ``stdin_name``. A JSONL record's source
    is ``SOURCE:LINE`` unless the record carries its own ``source``. A document larger than
    ``max_bytes`` (after decompression) is refused: a text file, or one line of a JSONL file
    (the file itself may be of any size; it is streamed). Every bad input or JSONL line is
    passed to ``on_error`` and skipped.
    """
    for given in inputs:
        if str(given) == STDIN:
            yield from _read_stdin(max_bytes, on_error, stdin_name)
            continue
        for found in iter_input_files([given], on_error=on_error):
            yield from read_file(found, source=source_name(found, given), max_bytes=max_bytes,
                                 on_error=on_error)


@dataclass(frozen=True)
class Part:
    """A run of whole lines of an uncompressed JSONL file (see :func:`line_parts`): bytes
    ``start`` to ``stop`` of the file (to its end when ``stop`` is ``None``), the first of
    them line number ``line``. ``encoding`` is the file's, as its head says (``utf-8``, or
    ``utf-8-sig`` after a byte order mark, which the first part starts after).
    """

    start: int = 0
    stop: int | None = None
    line: int = 1
    encoding: str = "utf-8"


WHOLE = Part()
"""The part that is a whole file (of any kind)."""


def read_file(
    path: Path,
    *,
    source: str | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    on_error: ErrorHandler,
    part: Part = WHOLE,
) -> Iterator[Document]:
    """The documents of one file that :func:`iter_input_files` found, as
    :func:`iter_documents` reads them (a worker process reads its share of a run this way);
    ``source`` names the file in the records (by default its name: :func:`source_name`).
    ``part``, one of :func:`line_parts`, reads only that part of the file: its documents
    and errors are those that reading the file whole gives for its lines.
    """
    name = source if source is not None else source_name(path, path)
    yield from _read_file(path, name, max_bytes, on_error, part)


def line_parts(path: Path, size: int) -> Iterator[Part]:
    """``path`` cut into parts of about ``size`` bytes each, at line ends, in file order, for
    :func:`read_file`: when it is an uncompressed JSONL file in UTF-8 larger than ``size``.
    Any other file (compressed, plain text, in another encoding, unreadable, no larger than
    ``size``, or one line) is one part, :data:`WHOLE`, whose reader reports what is wrong.

    The file is read once, here, to find the line ends and count the lines (a chunk of it at
    a time; a part is yielded as soon as its end is found), so the parts' line numbers are
    the file's. The last part reads to the end of the file, whatever its size by then.
    """
    if (size <= 0 or _compression(path.name)
            or not _strip_compression(path.name.lower()).endswith(".jsonl")):
        yield WHOLE
        return
    try:
        # Most files are no larger than a part: not opened here (nor is a pipe: its size is 0).
        data = (None if os.stat(path).st_size <= size
                else open(path, "rb", opener=_open_nonblocking))  # noqa: SIM115 (closed below)
    except OSError:  # the reader of the whole file names the problem
        data = None
    if data is None:
        yield WHOLE
        return
    with data:
        try:
            status = os.fstat(data.fileno())
            regular, total = stat.S_ISREG(status.st_mode), status.st_size
            # As much as reading the file whole sniffs (a mark, then SNIFF_BYTES).
            head = data.read(2 * SNIFF_BYTES) if regular and total > size else b""
            codec, mark = sniff_encoding(head, str(path))
            data.seek(0)
        except (OSError, InputError):  # as above
            regular = False
        # Lines of UTF-16 or UTF-32 do not end at a byte b"\n": such a file is read whole.
        if not regular or total <= size or codec != "utf-8":
            yield WHOLE
            return
        yield from _cut(data, total, size, mark)


def _cut(data: IO[bytes], total: int, size: int, mark: int) -> Iterator[Part]:
    """The parts of an open file of ``total`` bytes, UTF-8 after a mark of ``mark`` bytes
    (see :func:`line_parts`): as many as ``size`` asks for, each ending at the first line end
    at or after its share of the file. A failure to read ends the cutting: the last part,
    read to the end, reports it.
    """
    encoding = "utf-8-sig" if mark else "utf-8"
    count = -(-total // size)
    targets = iter([total * k // count for k in range(1, count)] + [None])
    target = next(targets)
    start, line = mark, 1  # where the part being cut begins, and its first line
    offset, newlines = 0, 0  # the file read so far: bytes, and line ends among them
    chunks = _read_until_failure(data)
    while target is not None and (chunk := next(chunks, b"")):
        at = 0  # where in the chunk the current part's end is looked for
        while target is not None:
            end = chunk.find(b"\n", max(at, target - 1 - offset))
            if end == -1:
                break
            newlines += chunk.count(b"\n", at, end + 1)
            at = end + 1
            stop = offset + at
            if stop >= total:  # the file's last line end: the last part reads to it
                target = None
                break
            yield Part(start, stop, line, encoding)
            start, line = stop, newlines + 1
            target = next(targets)
            while target is not None and target <= stop:  # a line longer than a part
                target = next(targets)
        newlines += chunk.count(b"\n", at)
        offset += len(chunk)
    yield Part(start, None, line, encoding) if line > 1 else WHOLE


def _read_until_failure(data: IO[bytes]) -> Iterator[bytes]:
    try:
        while chunk := data.read(_CHUNK_BYTES):
            yield chunk
    except OSError:
        return


def source_name(path: str | Path, given: str | Path) -> str:
    """How records name the file ``path`` found through the input ``given``: its path relative
    to ``given`` when that is a folder, else its name; forward slashes, printable
    (:func:`~newsclean.io.errors.display_path`). ``scr/f.txt``, ``/abs/scr/f.txt`` and
    ``f.txt`` typed in ``scr`` all give ``f.txt``; ``scr/`` given gives ``sub/f.txt`` for
    ``scr/sub/f.txt``.
    """
    root = Path(given) if Path(given).is_dir() else Path(path).parent
    try:
        relative = os.path.relpath(os.path.abspath(path), os.path.abspath(root))
    except ValueError:  # another drive (Windows): no relative path
        relative = Path(path).name
    return display_path(PurePosixPath(*Path(relative).parts).as_posix())


def iter_input_files(
    inputs: Sequence[str | Path], *, on_error: ErrorHandler, follow_links: bool = True
) -> Iterator[Path]:
    """The files ``inputs`` name: files as given, folders searched as :func:`iter_documents`
    does (name order; a walk never leaves the folder it was given); a missing path, or a
    named one that is not a regular file, goes to ``on_error``.

    ``follow_links=False`` is for rewriting files in place: a symbolic link, named or found in
    a folder, is reported to ``on_error`` and not yielded, so nothing is ever written through
    a link. (A folder named as an input may itself be a link: the user chose it.)
    """
    for given in inputs:
        path = Path(given)
        if path.is_dir():
            yield from _walk_folder(path, on_error, follow_links)
            continue
        problem = _named_file_problem(path, follow_links)
        if problem is None:
            yield path
        else:
            on_error(InputError(path, problem))


# Why a link is not followed when files are rewritten in place (check reports what fix would).
NOT_FOLLOWED = "symbolic link; not followed (fix never writes through a link)"


def _named_file_problem(path: Path, follow_links: bool) -> str | None:
    """Why a path named as an input (not a folder) is not read, or ``None`` to read it."""
    try:
        link = stat.S_ISLNK(os.lstat(path).st_mode)
    except FileNotFoundError:
        return "no such file or folder"
    except OSError:
        return None  # reading it names the problem
    if link and not follow_links:
        return NOT_FOLLOWED
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return None  # a dangling link: reading it names the problem
    if not stat.S_ISREG(mode):
        # A named pipe would block the read forever, a device could never end.
        return f"not a regular file ({_file_kind(mode)}); refused"
    return None


def _not_a_file(path: Path) -> str:
    """Why ``path``, found in a folder and not a regular file, is not read: the same words as
    for one named (a named pipe, a device), or a link to nothing.
    """
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        return f"dangling symbolic link (to {display_path(os.readlink(path))}, not there)"
    except OSError as exc:
        return f"cannot inspect ({exc.strerror or exc})"
    return f"not a regular file ({_file_kind(mode)}); refused"


def _file_kind(mode: int) -> str:
    kinds = [(stat.S_ISFIFO, "a named pipe"), (stat.S_ISCHR, "a character device"),
             (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"),
             (stat.S_ISDIR, "a folder")]
    return next((name for test, name in kinds if test(mode)), "not a file")


def _shown(path: Path | str) -> str:
    """A file's path as typed, with forward slashes: :attr:`Document.path`, which an index
    that follows files resolves.
    """
    return display_path(PurePosixPath(*Path(path).parts).as_posix())


def split_name(name: str) -> tuple[str, str]:
    """A file name as (stem, suffixes): ``("a", ".txt.gz")`` for ``a.txt.gz``, so names made
    from it (``a.part1.txt.gz``) keep the type and the compression.
    """
    base = _strip_compression(name.lower())
    compression = name[len(base) :]
    stem, dot, kind = name[: len(base)].rpartition(".")
    if not dot or not stem:
        return name[: len(base)], compression
    return stem, f".{kind}{compression}"


def read_utf8(path: Path, max_bytes: int | None = DEFAULT_MAX_BYTES) -> str | None:
    """The text of ``path`` (decompressed by suffix) when it is valid UTF-8, else ``None``
    (unreadable, over ``max_bytes`` unless that is ``None``, or in another encoding: rewriting
    it is a change).
    """
    try:
        return _load(path, max_bytes).decode("utf-8")
    except (InputError, UnicodeDecodeError):
        return None


def _is_input_name(name: str) -> bool:
    base = _strip_compression(name.lower())
    return base.endswith(_TEXT_SUFFIXES)


def _strip_compression(name: str) -> str:
    for suffix in _COMPRESSED_SUFFIXES:
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name


def _walk_folder(top: Path, on_error: ErrorHandler, follow_links: bool = True) -> Iterator[Path]:
    """Yield input files under ``top`` depth-first in name order, reporting problems in turn.

    Iterative so depth is not limited by the recursion limit, and lazy so a folder that
    vanishes before its turn is reported rather than crashing the run. The walk never leaves
    ``top``: a symbolic link (to a file or a folder) is followed only when its target is
    inside ``top`` and, for a folder, does not lead back to a folder on the current path (a
    loop); with ``follow_links=False`` no link is followed. Each link not followed is reported.
    """
    root = os.path.realpath(top)
    # Each entry is (path, what to do in its turn): a frozenset (the real paths of the folders
    # above it and itself) for a folder to list, None for a file to yield, a str for a problem
    # to report; queuing problems keeps every report in name order.
    pending: list[tuple[Path, frozenset[str] | str | None]] = [(top, frozenset({root}))]
    while pending:
        path, task = pending.pop()
        if task is None:
            yield path
        elif isinstance(task, str):
            on_error(InputError(path, task))
        else:
            pending.extend(reversed(_folder_children(path, task, root, follow_links)))


def _folder_children(
    folder: Path, ancestors: frozenset[str], root: str, follow_links: bool = True
) -> list[tuple[Path, frozenset[str] | str | None]]:
    try:
        with os.scandir(folder) as listing:
            entries = sorted(listing, key=lambda entry: entry.name)
    except OSError as exc:
        return [(folder, f"cannot list folder ({exc.strerror or exc})")]
    children: list[tuple[Path, frozenset[str] | str | None]] = []
    for entry in entries:
        if entry.name.startswith("."):
            continue
        child = Path(entry.path)
        try:
            is_link = entry.is_symlink()
            is_dir, is_file = entry.is_dir(), entry.is_file()
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                children.append((child, "symlink loop (the link points to itself)"))
            else:
                children.append((child, f"cannot inspect ({exc.strerror or exc})"))
            continue
        if not is_dir and not _is_input_name(entry.name):
            continue
        real = os.path.realpath(child)
        if is_link and not follow_links:
            children.append((child, NOT_FOLLOWED))
        elif is_link and not _within(real, root):
            # A link out of the folder given would make a walk read, and fix rewrite, files
            # the user never named (a link to /etc, an "up -> .." link).
            where = f"{display_path(real)}, outside {display_path(root)}"
            children.append((child, f"symbolic link to {where}; not followed"))
        elif is_dir:
            if real in ancestors:
                children.append(
                    (child, f"symlink loop (leads back to {display_path(real)}); skipped"))
            else:
                children.append((child, ancestors | {real}))
        else:
            # Not opened when not a regular file: a named pipe would block the run.
            children.append((child, None if is_file else _not_a_file(child)))
    return children


def _within(path: str, root: str) -> bool:
    """Whether the real path ``path`` is ``root`` or inside it."""
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


def _read_file(
    path: Path, source: str, max_bytes: int, on_error: ErrorHandler, part: Part = WHOLE
) -> Iterator[Document]:
    if _strip_compression(path.name.lower()).endswith(".jsonl"):
        with closing(_file_chunks(path, part.start, part.stop)) as chunks:
            if part != WHOLE:  # the head was sniffed when the file was cut: read as it said
                lines = _jsonl_lines(chunks, str(path), max_bytes, part.line, part.encoding)
            else:
                lines = _jsonl_lines(chunks, str(path), max_bytes)
            yield from _jsonl_documents(lines, str(path), source, on_error, _shown(path))
        return
    assert part == WHOLE, "only an uncompressed JSONL file is read in parts"
    try:
        text, encoding = decode_bytes(_load(path, max_bytes), str(path))
    except InputError as exc:
        on_error(exc)
        return
    metadata = {} if encoding == "utf-8" else {"encoding": encoding}
    yield Document(document_id(source, text), source, text, metadata, _shown(path))


def _load(path: Path, max_bytes: int | None) -> bytes:
    """The whole of ``path``, decompressed by suffix, refused once it passes ``max_bytes``."""
    qualifier = " once decompressed" if _compression(path.name) else ""
    if max_bytes is not None and not qualifier:
        # Refuse from the size alone when it is known, before reading anything.
        try:
            size = os.stat(path).st_size
        except OSError:
            size = 0  # reading it names the problem
        if size > max_bytes:
            raise _too_large(path, max_bytes, qualifier)
    with closing(_file_chunks(path)) as chunks:
        return _join_capped(chunks, path, max_bytes, qualifier)


def _compression(name: str) -> str | None:
    name = name.lower()
    return "gzip" if name.endswith(".gz") else "zstd" if name.endswith(".zst") else None


def _file_chunks(path: Path, start: int = 0, stop: int | None = None) -> Iterator[bytes]:
    """The bytes of ``path`` in chunks, decompressed by suffix, read as they are asked for;
    of an uncompressed file, only bytes ``start`` to ``stop`` (to the end: ``None``).

    Every failure (opening, reading, a corrupt archive) is raised as an :class:`InputError`
    naming the file.
    """
    kind = _compression(path.name)
    assert kind is None or (start, stop) == (0, None), "a compressed file is read whole"
    if kind == "zstd" and zstandard is None:
        raise InputError(path, "cannot read .zst: the 'zstandard' package is not installed")
    corrupt: tuple[type[Exception], ...] = (EOFError, zlib.error, gzip.BadGzipFile)
    if zstandard is not None:
        corrupt += (zstandard.ZstdError,)
    try:
        with open(path, "rb", opener=_open_nonblocking) as raw:
            mode = os.fstat(raw.fileno()).st_mode
            if not stat.S_ISREG(mode):
                # Checked on the open file: one swapped for a named pipe after the walk (or
                # after the check of a named input) is refused here rather than read forever.
                raise InputError(path, f"not a regular file ({_file_kind(mode)}); refused")
            stream: IO[bytes] = raw
            if kind == "gzip":
                stream = gzip.GzipFile(fileobj=raw)
            elif kind == "zstd":
                stream = zstandard.ZstdDecompressor().stream_reader(raw, read_across_frames=True)
            # read1 on an archive: a block at a time, so everything before damage is given.
            read = stream.read if stream is raw else stream.read1
            if start:
                raw.seek(start)
            left = -1 if stop is None else stop - start  # bytes still to read (-1: all)
            while left and (chunk := read(_CHUNK_BYTES if left < 0 else min(left, _CHUNK_BYTES))):
                left -= len(chunk) if left > 0 else 0
                yield chunk
    except corrupt as exc:  # before OSError: BadGzipFile is one
        raise InputError(path, f"not valid {kind} data ({exc})") from None
    except OSError as exc:
        raise InputError(path, f"cannot read ({exc.strerror or exc})") from None


def _open_nonblocking(path: str, flags: int) -> int:
    """Open for :func:`open` without blocking: opening a named pipe blocks until a writer
    comes, before any check could refuse it. Regular files are then read as usual.
    """
    nonblocking = getattr(os, "O_NONBLOCK", 0)  # POSIX only
    fd = os.open(path, flags | nonblocking)
    try:
        if nonblocking and stat.S_ISREG(os.fstat(fd).st_mode):
            os.set_blocking(fd, True)
    except BaseException:
        os.close(fd)
        raise
    return fd


def _stream_chunks(stream: IO[bytes], name: str) -> Iterator[bytes]:
    """A stream's bytes in chunks (standard input); a read failure is an InputError."""
    try:
        while chunk := stream.read(_CHUNK_BYTES):
            yield chunk
    except OSError as exc:
        raise InputError(name, f"cannot read ({exc.strerror or exc})") from None


def _join_capped(
    chunks: Iterable[bytes], path: Path | str, max_bytes: int | None, qualifier: str
) -> bytes:
    buffer = bytearray()
    for chunk in chunks:
        buffer += chunk
        if max_bytes is not None and len(buffer) > max_bytes:
            raise _too_large(path, max_bytes, qualifier)
    return bytes(buffer)


def _too_large(path: Path | str, max_bytes: int, qualifier: str) -> InputError:
    return InputError(
        path, f"too large{qualifier}: over the limit of {max_bytes:,} bytes (max_bytes); refused"
    )


def _read_stdin(max_bytes: int, on_error: ErrorHandler, name: str) -> Iterator[Document]:
    """Standard input as JSONL, streamed, when its first non-blank line is a JSON record with
    a ``text`` field; as one text document otherwise. Its documents' source is ``name``.
    """
    if sys.stdin is None:  # started without one (a daemon, some CI runners)
        on_error(InputError(STDIN, "no standard input to read"))
        return
    chunks = _stream_chunks(sys.stdin.buffer, STDIN)
    head = _Recorder(chunks)
    lines = _jsonl_lines(head, STDIN, max_bytes)
    first = next(lines, None)
    if first is not None and isinstance(first[1], str) and _is_json_record(first[1]):
        head.forget()
        yield from _jsonl_documents(itertools.chain([first], lines), STDIN, name, on_error, None)
        return
    try:
        data = _join_capped(itertools.chain(head.seen, chunks), STDIN, max_bytes, "")
        text, encoding = decode_bytes(data, STDIN)
    except InputError as exc:
        on_error(exc)
        return
    metadata = {} if encoding == "utf-8" else {"encoding": encoding}
    yield Document(document_id(name, text), name, text, metadata)


class _Recorder:
    """A chunk stream that remembers the chunks it gave, until told to forget them: standard
    input is read as text from the start when its first line turns out not to be JSONL.
    """

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self.seen: list[bytes] | None = []
        self._chunks = chunks

    def __iter__(self) -> Iterator[bytes]:
        for chunk in self._chunks:
            if self.seen is not None:
                self.seen.append(chunk)
            yield chunk

    def forget(self) -> None:
        """Stop remembering (the stream is JSONL: it is read line by line, kept by no one)."""
        self.seen = None


def _is_json_record(line: str) -> bool:
    try:
        record = _parse_json(line)
    except (ValueError, _TooDeep):
        return False
    return isinstance(record, dict) and "text" in record


# Deeper than any record a scraper writes; a fixed bound, so whether a record is read does not
# depend on how deep the call stack is (json recurses), and every record read can be written.
MAX_NESTING = 64


class _TooDeep(Exception):
    """A JSON value nested deeper than :data:`MAX_NESTING`."""


def _parse_json(line: str) -> Any:
    """Parse one JSONL line as standard JSON.

    Python's json also takes ``NaN``, ``Infinity``, numbers that overflow to infinity and
    integers of any length; writing those back would give lines other JSON readers refuse (or
    fail on the digit limit), so each is a ``ValueError`` with a plain message.
    """
    try:
        value = json.loads(line, parse_constant=_no_constant, parse_float=_finite,
                           parse_int=_bounded_int)
    except RecursionError:
        raise _TooDeep from None
    if _deeper_than(value, MAX_NESTING):
        raise _TooDeep
    return value


def _no_constant(name: str) -> Any:
    raise ValueError(name)


def _finite(digits: str) -> float:
    value = float(digits)
    if value in (float("inf"), float("-inf")):
        raise ValueError(f"number {digits[:20]} is out of range")
    return value


def _bounded_int(digits: str) -> int:
    try:
        return int(digits)
    except ValueError:  # over the interpreter's digit limit
        raise ValueError(f"an integer of {len(digits):,} digits is out of range") from None


def _deeper_than(value: Any, limit: int) -> bool:
    """Whether ``value`` nests objects or arrays more than ``limit`` levels deep (iterative:
    the check itself must not recurse).
    """
    pending = [(value, 1)]
    while pending:
        current, depth = pending.pop()
        if isinstance(current, dict):
            children = current.values()
        elif isinstance(current, list):
            children = current
        else:
            continue
        if depth > limit:
            return True
        pending.extend((child, depth + 1) for child in children)
    return False


_Line = tuple[int, str | InputError, str]


def _jsonl_lines(chunks: Iterable[bytes], path: str, max_bytes: int, first: int = 1,
                 known: str | None = None) -> Iterator[_Line]:
    """The non-blank lines of a JSONL stream as ``(number, text, encoding)``, read lazily.

    The head of the stream says its encoding (:func:`sniff_encoding`); 8-bit lines are decoded
    one by one, so a stray Windows-1252 line is decoded as such and named in its record's
    ``encoding``. A line over ``max_bytes`` comes as an :class:`InputError` in place of its
    text and is never held whole; so does a failure of the whole stream (unreadable, binary,
    a corrupt archive), with number 0, and the stream ends there.

    A :class:`Part` of a file is read with the encoding its head said when the file was cut
    (``known``, UTF-8 with or without a mark), its first line numbered ``first``.
    """
    codec = "utf-8"
    try:
        if known is None:
            head, rest = _head(iter(chunks), SNIFF_BYTES)
            codec, mark = sniff_encoding(head, path)
            rest = itertools.chain([head[mark:]], rest)
            stream_encoding = "utf-8-sig" if mark else "utf-8"
        else:
            rest, stream_encoding = iter(chunks), known
        if codec == "utf-8":
            for number, raw in _split_lines(rest, b"\n", max_bytes, first):
                if raw is None:
                    yield number, _record_too_large(path, number, max_bytes), ""
                elif raw.strip():
                    text, encoding = decode_8bit(raw)
                    # A mark opening a later line is that of a file concatenated onto this one.
                    text = text.removeprefix("\ufeff")
                    yield number, text, stream_encoding if encoding == "utf-8" else encoding
        else:
            for number, text in _split_lines(_decoded(rest, codec), "\n", max_bytes):
                if text is None:
                    yield number, _record_too_large(path, number, max_bytes), ""
                elif text.strip():
                    yield number, text, codec
    except UnicodeDecodeError as exc:
        yield 0, InputError(path, f"not valid {codec} ({exc.reason})"), ""
    except InputError as exc:
        yield 0, exc, ""


def _head(chunks: Iterator[bytes], size: int) -> tuple[bytes, Iterator[bytes]]:
    """At least ``size`` bytes from the front of a chunk stream (less only at its end), and
    the rest of the stream.
    """
    head = b""
    while len(head) < size and (chunk := next(chunks, None)) is not None:
        head += chunk
    return head, chunks


def _decoded(chunks: Iterable[bytes], codec: str) -> Iterator[str]:
    # A UTF-16/32 character can straddle chunks: an incremental decoder joins it.
    decoder = codecs.getincrementaldecoder(codec)()
    for chunk in chunks:
        yield decoder.decode(chunk)
    yield decoder.decode(b"", final=True)


def _record_too_large(path: str, number: int, max_bytes: int) -> InputError:
    message = f"record too large: over the limit of {max_bytes:,} bytes (max_bytes); skipped"
    return InputError(path, message, number)


def _split_lines(
    chunks: Iterable[AnyStr], newline: AnyStr, limit: int, first: int = 1
) -> Iterator[tuple[int, AnyStr | None]]:
    """``(number, line)`` for each line of a stream of chunks (bytes or text), without its
    newline, numbered from ``first``; a line longer than ``limit`` comes as ``None``, and only
    ``limit`` of it is ever held in memory.
    """
    empty = newline[:0]
    number, pending, size, too_long = first, [], 0, False
    for chunk in chunks:
        start = 0
        while (end := chunk.find(newline, start)) != -1:
            piece = chunk[start:end]
            if too_long or size + len(piece) > limit:
                yield number, None
            else:
                yield number, empty.join([*pending, piece])
            number, pending, size, too_long = number + 1, [], 0, False
            start = end + 1
        if not too_long:
            pending.append(chunk[start:])
            size += len(chunk) - start
            if size > limit:
                pending, too_long = [], True
    if too_long:
        yield number, None
    elif size:
        yield number, empty.join(pending)


def _jsonl_documents(
    lines: Iterable[_Line], path: str, source: str, on_error: ErrorHandler, file: str | None
) -> Iterator[Document]:
    """The records of a JSONL stream read from ``path`` (named ``source`` in the records; the
    file is ``file``, ``None`` for standard input).
    """
    for number, line, encoding in lines:
        if isinstance(line, InputError):
            on_error(line)
            continue
        metadata = {} if encoding == "utf-8" else {"encoding": encoding}
        try:
            document = _record_document(line, path, source, number, metadata, file)
        except InputError as exc:
            on_error(exc)
            continue
        yield document


def _record_document(
    line: str, path: str, source: str, number: int, base_metadata: dict[str, Any],
    file: str | None,
) -> Document:
    """One JSONL line as a Document, or an InputError naming ``path:number``."""
    try:
        record = _parse_json(line)
    except json.JSONDecodeError as exc:
        message = f"malformed JSON ({exc.msg} at column {exc.colno})"
        raise InputError(path, message, number) from None
    except ValueError as exc:
        raise InputError(path, f"not standard JSON: {exc}", number) from None
    except _TooDeep:
        raise InputError(path, f"nested more than {MAX_NESTING} levels deep", number) from None
    if not isinstance(record, dict):
        raise InputError(path, f"not a JSON object (got {type(record).__name__})", number)
    if "text" not in record:
        raise InputError(path, "record has no 'text' field", number)
    text = record["text"]
    if not isinstance(text, str):
        message = f"record field 'text' is not a string (got {type(text).__name__})"
        raise InputError(path, message, number)
    if _SURROGATE_ESCAPE.search(line) and _has_unpaired_surrogate(record):
        message = "contains an unpaired UTF-16 surrogate escape, not valid Unicode"
        raise InputError(path, message, number)

    location = f"{source}:{number}"
    record_id, record_source = record.get("id"), record.get("source")
    has_id = (isinstance(record_id, str) and record_id) or (
        isinstance(record_id, int) and not isinstance(record_id, bool)
    )
    doc_id = str(record_id) if has_id else document_id(location, text)
    doc_source = record_source if isinstance(record_source, str) and record_source else location

    fields = {k: v for k, v in record.items() if k not in ("text", "id", "source")}
    # A Dolma/datatrove record (or our own output) nests its extras under "metadata": flatten
    # them so a record read back does not grow a metadata-in-metadata layer on every pass.
    # Our own written form (newsclean.schema) is read back to the form the steps keep.
    nested = (input_metadata(fields.pop("metadata"))
              if isinstance(fields.get("metadata"), dict) else {})
    metadata = {**base_metadata, **nested}
    for key, value in fields.items():
        # Our output writes "url": null and "removed": [] when it has none: such an empty
        # field of ours says nothing, and must not wipe a value the metadata kept there.
        if _is_empty(value) and (key in metadata or key in RECORD_FIELDS):
            continue
        metadata[key] = value
    # A record's own fields are written back one level deeper, under "metadata": the limit
    # holds for the record as it will be written, so everything read can be read again.
    if _deeper_than(metadata, MAX_NESTING - 1):
        message = (f"nested more than {MAX_NESTING} levels deep once its fields are written "
                   "under 'metadata'")
        raise InputError(path, message, number)
    return Document(doc_id, doc_source, text, metadata, file)


def _is_empty(value: Any) -> bool:
    return value is None or (isinstance(value, (list, dict)) and not value)


def _has_unpaired_surrogate(record: dict[str, Any]) -> bool:
    # json.loads accepts "\ud800" alone; such a string cannot be written back as UTF-8.
    try:
        json.dumps(record, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False
