"""Read inputs (files, folders, stdin) into :class:`~newsclean.record.Document` objects.

Every failure is an :class:`InputError` handed to the caller's ``on_error``, and the run goes
on with the next input: one bad file never stops a corpus. Memory stays bounded by
``max_bytes`` per input, compressed or not.
"""

from __future__ import annotations

import errno
import gzip
import json
import os
import re
import sys
import zlib
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path, PurePosixPath
from typing import IO, Any

from newsclean.io.decode import decode_bytes
from newsclean.io.errors import InputError
from newsclean.record import Document, document_id

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
    root_relative: bool = True,
    max_bytes: int = DEFAULT_MAX_BYTES,
    on_error: ErrorHandler,
) -> Iterator[Document]:
    """Yield one :class:`Document` per text file or JSONL record found in ``inputs``.

    Each input is a file, a folder (searched recursively, in name order, for ``.txt`` and
    ``.jsonl`` files, optionally ``.gz``- or ``.zst``-compressed; hidden entries skipped;
    symlinked folders followed unless they loop back) or ``-`` for stdin (JSONL when every
    non-empty line is a JSON object with a ``text`` field, plain text otherwise).

    ``source`` is the path as given, joined with the path inside a folder input, with forward
    slashes (``fixtures/seeds/000_x.txt``), or the absolute path if ``root_relative`` is false;
    a JSONL record's source is ``PATH:LINE`` unless the record carries its own ``source``.
    Inputs larger than ``max_bytes`` (after decompression) are refused. Every bad input or
    JSONL line is passed to ``on_error`` and skipped.
    """
    for given in inputs:
        if str(given) == STDIN:
            yield from _read_stdin(max_bytes, on_error)
            continue
        for found in iter_input_files([given], on_error=on_error):
            yield from _read_file(found, _source_for(found, root_relative), max_bytes, on_error)


def iter_input_files(inputs: Sequence[str | Path], *, on_error: ErrorHandler) -> Iterator[Path]:
    """The files ``inputs`` name: files as given, folders searched as :func:`iter_documents`
    does (name order, symlink loops skipped); a missing path goes to ``on_error``.
    """
    for given in inputs:
        path = Path(given)
        if path.is_dir():
            yield from _walk_folder(path, on_error)
        elif path.exists() or path.is_symlink():
            yield path
        else:
            on_error(InputError(path, "no such file or folder"))


def _source_for(path: Path, root_relative: bool) -> str:
    shown = path if root_relative else Path(os.path.abspath(path))
    return PurePosixPath(*shown.parts).as_posix()


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


def read_utf8(path: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> str | None:
    """The text of ``path`` (decompressed by suffix) when it is valid UTF-8, else ``None``
    (unreadable, too large, or another encoding: rewriting it is a change).
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


def _walk_folder(top: Path, on_error: ErrorHandler) -> Iterator[Path]:
    """Yield input files under ``top`` depth-first in name order, reporting problems in turn.

    Iterative so depth is not limited by the recursion limit, and lazy so a folder that
    vanishes before its turn is reported rather than crashing the run. A symlinked folder is
    followed unless it leads back to a folder on the current path (a loop).
    """
    # Each entry is (path, what to do in its turn): a frozenset (the real paths of the folders
    # above it and itself) for a folder to list, None for a file to yield, a str for a problem
    # to report; queuing problems keeps every report in name order.
    pending: list[tuple[Path, frozenset[str] | str | None]] = [
        (top, frozenset({os.path.realpath(top)}))
    ]
    while pending:
        path, task = pending.pop()
        if task is None:
            yield path
        elif isinstance(task, str):
            on_error(InputError(path, task))
        else:
            pending.extend(reversed(_folder_children(path, task)))


def _folder_children(
    folder: Path, ancestors: frozenset[str]
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
            is_dir, is_file = entry.is_dir(), entry.is_file()
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                children.append((child, "symlink loop (the link points to itself)"))
            else:
                children.append((child, f"cannot inspect ({exc.strerror or exc})"))
            continue
        if is_dir:
            real = os.path.realpath(child)
            if real in ancestors:
                children.append((child, f"symlink loop (leads back to {real}); skipped"))
            else:
                children.append((child, ancestors | {real}))
        elif _is_input_name(entry.name):
            # Not opened when not a regular file: a named pipe would block the run.
            problem = None if is_file else "not a regular file (dangling symlink or device)"
            children.append((child, problem))
    return children


def _read_file(
    path: Path, source: str, max_bytes: int, on_error: ErrorHandler
) -> Iterator[Document]:
    try:
        text, encoding = decode_bytes(_load(path, max_bytes), str(path))
    except InputError as exc:
        on_error(exc)
        return
    base_metadata = {} if encoding == "utf-8" else {"encoding": encoding}
    if _strip_compression(path.name.lower()).endswith(".jsonl"):
        lines = _nonblank_lines(text)
        yield from _jsonl_documents(lines, str(path), source, base_metadata, on_error)
    else:
        yield Document(document_id(source, text), source, text, base_metadata, source)


def _load(path: Path, max_bytes: int) -> bytes:
    """Read a file, decompressing by suffix, refusing it once it passes ``max_bytes``."""
    try:
        with open(path, "rb") as raw:
            name = path.name.lower()
            if name.endswith(".gz"):
                return _read_decompressed(gzip.GzipFile(fileobj=raw), path, max_bytes, "gzip")
            if name.endswith(".zst"):
                if zstandard is None:
                    raise InputError(
                        path, "cannot read .zst: the 'zstandard' package is not installed"
                    )
                reader = zstandard.ZstdDecompressor().stream_reader(raw, read_across_frames=True)
                return _read_decompressed(reader, path, max_bytes, "zstd")
            # Refuse from the size alone when it is known, before reading anything.
            if os.fstat(raw.fileno()).st_size > max_bytes:
                raise _too_large(path, max_bytes, "")
            return _read_capped(raw, path, max_bytes, "")
    except OSError as exc:
        raise InputError(path, f"cannot read ({exc.strerror or exc})") from None


def _read_decompressed(stream: IO[bytes], path: Path, max_bytes: int, kind: str) -> bytes:
    corrupt: tuple[type[Exception], ...] = (EOFError, zlib.error, gzip.BadGzipFile)
    if zstandard is not None:
        corrupt += (zstandard.ZstdError,)
    try:
        with stream:
            return _read_capped(stream, path, max_bytes, " once decompressed")
    except corrupt as exc:
        raise InputError(path, f"not valid {kind} data ({exc})") from None


def _read_capped(stream: IO[bytes], path: Path | str, max_bytes: int, qualifier: str) -> bytes:
    # Chunked, because decompressors may return short reads and a pipe has no size to check.
    buffer = bytearray()
    while chunk := stream.read(_CHUNK_BYTES):
        buffer += chunk
        if len(buffer) > max_bytes:
            raise _too_large(path, max_bytes, qualifier)
    return bytes(buffer)


def _too_large(path: Path | str, max_bytes: int, qualifier: str) -> InputError:
    return InputError(
        path, f"too large{qualifier}: over the limit of {max_bytes:,} bytes (max_bytes); refused"
    )


def _read_stdin(max_bytes: int, on_error: ErrorHandler) -> Iterator[Document]:
    if sys.stdin is None:  # started without one (a daemon, some CI runners)
        on_error(InputError(STDIN, "no standard input to read"))
        return
    try:
        data = _read_capped(sys.stdin.buffer, STDIN, max_bytes, "")
        text, encoding = decode_bytes(data, STDIN)
    except InputError as exc:
        on_error(exc)
        return
    base_metadata = {} if encoding == "utf-8" else {"encoding": encoding}
    lines = _nonblank_lines(text)
    if lines and all(_is_json_record(line) for _, line in lines):
        yield from _jsonl_documents(lines, STDIN, STDIN, base_metadata, on_error)
    else:
        yield Document(document_id(STDIN, text), STDIN, text, base_metadata)


def _is_json_record(line: str) -> bool:
    try:
        record = json.loads(line)
    except ValueError:
        return False
    return isinstance(record, dict) and "text" in record


def _nonblank_lines(text: str) -> list[tuple[int, str]]:
    # Split on "\n" only: str.splitlines() would also split at U+2028 and friends, which JSON
    # allows unescaped inside strings.
    return [(number, line) for number, line in enumerate(text.split("\n"), 1) if line.strip()]


def _jsonl_documents(
    lines: list[tuple[int, str]],
    path: str,
    source: str,
    base_metadata: dict[str, Any],
    on_error: ErrorHandler,
) -> Iterator[Document]:
    for number, line in lines:
        try:
            yield _record_document(line, path, source, number, base_metadata)
        except InputError as exc:
            on_error(exc)


def _record_document(
    line: str, path: str, source: str, number: int, base_metadata: dict[str, Any]
) -> Document:
    """One JSONL line as a Document, or an InputError naming ``path:number``."""
    try:
        record = json.loads(line)
    except json.JSONDecodeError as exc:
        message = f"malformed JSON ({exc.msg} at column {exc.colno})"
        raise InputError(path, message, number) from None
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
    nested = fields.pop("metadata") if isinstance(fields.get("metadata"), dict) else {}
    file = None if path == STDIN else source
    return Document(doc_id, doc_source, text, {**base_metadata, **nested, **fields}, file)


def _has_unpaired_surrogate(record: dict[str, Any]) -> bool:
    # json.loads accepts "\ud800" alone; such a string cannot be written back as UTF-8.
    try:
        json.dumps(record, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False
