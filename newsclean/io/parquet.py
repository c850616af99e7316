"""Write records as Parquet, with the fixed Arrow schema of :mod:`newsclean.schema.arrow`.

Atomic like the JSONL writer (the file is an :class:`~newsclean.io.writers.AtomicWriter`'s:
nothing of it is left after a failure), and memory does not grow with the corpus: records
are written as a row group every :data:`ROWS_PER_GROUP` records.
"""

from __future__ import annotations

from pathlib import Path
from types import TracebackType
from typing import Any, BinaryIO

from newsclean.io.writers import AtomicWriter, OutputError
from newsclean.record import Record

# Records per row group: a few MB of text, read back a group at a time.
ROWS_PER_GROUP = 1000


def parquet_modules(path: str | Path) -> tuple[Any, Any]:
    """``(pyarrow, pyarrow.parquet)``, or an :class:`OutputError` naming ``path`` and the
    extra that installs them.
    """
    try:
        import pyarrow
        import pyarrow.parquet
    except ImportError:
        raise OutputError(
            path, "Parquet needs the 'pyarrow' package: pip install 'newsclean[parquet]'"
        ) from None
    return pyarrow, pyarrow.parquet


class ParquetSink:
    """Records as Parquet row groups on an open binary stream (closed by its owner)."""

    def __init__(
        self,
        stream: BinaryIO,
        path: str | Path,
        *,
        removed: str = "full",
        rows_per_group: int = ROWS_PER_GROUP,
    ) -> None:
        from newsclean.schema.arrow import arrow_schema

        self._pa, parquet = parquet_modules(path)
        self._schema = arrow_schema()
        self._writer = parquet.ParquetWriter(stream, self._schema, compression="zstd")
        self._rows: list[dict[str, Any]] = []
        self.removed = removed
        self.rows_per_group = rows_per_group

    def write(self, record: Record) -> None:
        """Add one record; a full batch is written as a row group."""
        self._rows.append(record.to_dict(self.removed))
        if len(self._rows) >= self.rows_per_group:
            self._flush()

    def _flush(self) -> None:
        if self._rows:
            batch = self._pa.RecordBatch.from_pylist(self._rows, schema=self._schema)
            self._writer.write_batch(batch)
            self._rows = []

    def close(self) -> None:
        """Write what is left and the file's footer."""
        self._flush()
        self._writer.close()

    def abandon(self) -> None:
        """Stop writing (the file is being discarded): the Arrow writer is closed now, while
        its stream is open, not when it is collected and the stream is gone.
        """
        self._rows = []
        try:
            self._writer.close()
        except (OSError, ValueError, self._pa.ArrowException):
            pass  # the stream failed: the file goes anyway


class ParquetWriter:
    """Write :class:`Record` objects as Parquet to ``path``, atomically (a context manager,
    as :class:`~newsclean.io.writers.JsonlWriter`).
    """

    def __init__(
        self, path: str | Path, *, removed: str = "full", rows_per_group: int = ROWS_PER_GROUP
    ) -> None:
        self.path = str(path)
        parquet_modules(path)  # no pyarrow: say so before any work is done
        self._atomic = AtomicWriter(path, sweep=True, binary=True)
        self._sink: ParquetSink | None = None
        self.removed = removed
        self.rows_per_group = rows_per_group
        self.written = 0

    def __enter__(self) -> ParquetWriter:
        stream = self._atomic.__enter__()
        try:
            self._sink = ParquetSink(
                stream, self.path, removed=self.removed, rows_per_group=self.rows_per_group
            )
        except BaseException as exc:
            self._atomic.__exit__(type(exc), exc, exc.__traceback__)
            raise
        return self

    def write(self, record: Record) -> None:
        """Append one record."""
        if self._sink is None:
            raise RuntimeError("ParquetWriter.write() outside its 'with' block")
        self._sink.write(record)
        self.written += 1

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        sink, self._sink = self._sink, None
        if exc_type is None and sink is not None:
            try:
                sink.close()
            except BaseException as failure:
                sink.abandon()
                self._atomic.__exit__(type(failure), failure, failure.__traceback__)
                raise
        elif sink is not None:
            sink.abandon()
        self._atomic.__exit__(exc_type, exc, traceback)
