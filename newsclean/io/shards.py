"""Sharded output: records in ``DIR/part-00000.jsonl``, ``part-00001.jsonl`` ... and a manifest.

A corpus of millions of records is easier to move, load in parallel and resume as shards of a
fixed number of records. ``newsclean run -o DIR/`` (a trailing slash, or an existing folder)
writes them; ``--shard-suffix`` chooses the format and compression (``.jsonl``, ``.jsonl.gz``,
``.jsonl.zst``, ``.parquet``) and ``--shard-records`` their size.

All or nothing, like a single output: each shard is written to an anonymous file and named
only when the run has succeeded; then ``manifest.json`` is written, naming every shard with
its record count, size and SHA-256, and shards of an earlier run in the folder that this run
did not rewrite are removed. A failed or interrupted run leaves the folder as it was. Read a
sharded output through its manifest.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from pathlib import Path
from types import TracebackType
from typing import Any

from newsclean.io.parquet import ParquetSink, parquet_modules
from newsclean.io.writers import AtomicWriter, OutputError, write_text_atomic
from newsclean.record import Record

MANIFEST = "manifest.json"
FORMAT = "newsclean-shards/1"
DEFAULT_RECORDS_PER_SHARD = 100_000
SUFFIXES = (".jsonl", ".jsonl.gz", ".jsonl.zst", ".parquet")


# The names ShardedWriter gives its shards: part-00000.jsonl, part-00001.jsonl.gz ...
SHARD_NAME = re.compile(r"part-\d{5,}\.[a-z.]+")


def is_folder_output(path: str | Path) -> bool:
    """Whether ``-o path`` asks for sharded output: a trailing slash, or an existing folder."""
    text = str(path)
    return text != "-" and (text.endswith(("/", os.sep)) or os.path.isdir(text))


class ShardedWriter:
    """Write :class:`Record` objects into shards of a folder (see the module docstring).

    Use as a context manager, like :class:`~newsclean.io.writers.JsonlWriter`; ``removed`` is
    how much of the removal account each record carries.
    """

    def __init__(
        self,
        folder: str | Path,
        *,
        suffix: str = ".jsonl",
        records_per_shard: int = DEFAULT_RECORDS_PER_SHARD,
        removed: str = "full",
    ) -> None:
        if suffix not in SUFFIXES:
            raise ValueError(f"shard suffix {suffix!r}: use one of {', '.join(SUFFIXES)}")
        if records_per_shard < 1:
            raise ValueError("records_per_shard must be at least 1")
        self.folder = Path(folder)
        self.suffix = suffix
        self.records_per_shard = records_per_shard
        self.removed = removed
        if suffix == ".parquet":
            parquet_modules(self.folder)  # no pyarrow: say so before any work is done
        self._parquet: ParquetSink | None = None
        self.written = 0
        self._earlier: list[str] = []
        self._made_folder = False
        self._done: list[tuple[AtomicWriter, int]] = []
        self._current: AtomicWriter | None = None
        self._stream: Any = None  # text, or binary for Parquet
        self._count = 0

    def __enter__(self) -> ShardedWriter:
        try:
            self._made_folder = not self.folder.exists()
            self.folder.mkdir(exist_ok=True)
        except OSError as exc:
            raise OutputError(self.folder, exc.strerror or str(exc)) from None
        self._earlier = self._earlier_shards()
        return self

    def _earlier_shards(self) -> list[str]:
        """The shards of an earlier run in the folder; anything else there is refused, so a
        run never mixes its records with other files or removes them.
        """
        names = {name for name in os.listdir(self.folder) if not name.startswith(".")}
        earlier: list[str] = []
        if MANIFEST in names:
            try:
                manifest = json.loads((self.folder / MANIFEST).read_text(encoding="utf-8"))
                earlier = [shard["name"] for shard in manifest["shards"]]
                if manifest.get("format") != FORMAT:
                    raise ValueError
            except (OSError, ValueError, KeyError, TypeError):
                raise OutputError(self.folder, f"its {MANIFEST} is not a newsclean shard "
                                  "manifest; give an empty or new folder") from None
        others = sorted(names - {MANIFEST, *earlier})
        if others:
            shown = ", ".join(others[:3]) + (" ..." if len(others) > 3 else "")
            raise OutputError(self.folder, f"the folder holds files that are not shards of "
                              f"an earlier run ({shown}); give an empty or new folder")
        return earlier

    def write(self, record: Record) -> None:
        """Append one record, starting a new shard when the current one is full."""
        if self._stream is None or self._count >= self.records_per_shard:
            self._close_shard()
            path = self.folder / f"part-{len(self._done):05d}{self.suffix}"
            parquet = self.suffix == ".parquet"
            self._current = AtomicWriter(path, deferred=True, binary=parquet)
            self._stream = self._current.__enter__()
            if parquet:
                self._parquet = ParquetSink(self._stream, path, removed=self.removed)
            self._count = 0
        if self._parquet is not None:
            self._parquet.write(record)
        else:
            self._stream.write(record.to_json(self.removed) + "\n")
        self._count += 1
        self.written += 1

    def _close_shard(self) -> None:
        if self._current is not None:
            if self._parquet is not None:
                self._parquet.close()
                self._parquet = None
            self._current.__exit__(None, None, None)
            self._done.append((self._current, self._count))
            self._current = self._stream = None

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if exc_type is not None:
            self._abandon()
            if isinstance(exc, OSError) and not isinstance(exc, OutputError):
                raise OutputError(self.folder, exc.strerror or str(exc)) from None
            return
        try:
            self._close_shard()
        except BaseException:
            self._abandon()
            raise
        shards = []
        for writer, count in self._done:
            writer.publish()
            path = Path(writer.path)
            shards.append({"name": path.name, "records": count,
                           "bytes": path.stat().st_size, "sha256": _sha256(path)})
        manifest = {"format": FORMAT, "records": self.written, "shards": shards}
        write_text_atomic(self.folder / MANIFEST, json.dumps(manifest, indent=1) + "\n")
        for name in set(self._earlier) - {shard["name"] for shard in shards}:
            try:
                (self.folder / name).unlink()
            except FileNotFoundError:
                pass

    def _abandon(self) -> None:
        if self._parquet is not None:
            self._parquet.abandon()
            self._parquet = None
        if self._current is not None:
            self._current.abandon()
        for writer, _ in self._done:
            writer.abandon()
        self._done.clear()
        if self._made_folder:  # a failed run leaves no trace, not even an empty folder
            try:
                self.folder.rmdir()
            except OSError:
                pass  # something else was put there meanwhile: not ours to remove


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as data:
        for chunk in iter(lambda: data.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()
