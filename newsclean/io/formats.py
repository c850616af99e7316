"""The output types ``-o FILE`` knows, by the file's suffix, and the writer of each."""

from __future__ import annotations

from pathlib import Path

from newsclean.io.parquet import ParquetWriter
from newsclean.io.writers import STDOUT, JsonlWriter

OUTPUT_SUFFIXES = (".jsonl", ".jsonl.gz", ".jsonl.zst", ".parquet")


def output_format(path: str | Path) -> str | None:
    """``"jsonl"`` or ``"parquet"`` for an output named ``path`` (``-`` is JSONL on stdout),
    ``None`` for a suffix newsclean does not write.
    """
    name = str(path).lower()
    if str(path) == STDOUT or name.endswith(OUTPUT_SUFFIXES[:3]):
        return "jsonl"
    if name.endswith(".parquet"):
        return "parquet"
    return None


def open_output(path: str | Path, *, removed: str = "full") -> JsonlWriter | ParquetWriter:
    """The writer for ``path`` by its suffix (:func:`output_format`); ``ValueError`` for an
    unknown one.
    """
    kind = output_format(path)
    if kind == "parquet":
        return ParquetWriter(path, removed=removed)
    if kind == "jsonl":
        return JsonlWriter(path, removed=removed)
    raise ValueError(f"{path}: not a {', '.join(OUTPUT_SUFFIXES)} file")
