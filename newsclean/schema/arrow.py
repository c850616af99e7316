"""The record schema as an Arrow schema: the columns of ``-o out.parquet`` (needs ``pyarrow``:
``pip install 'newsclean[parquet]'``).

Fixed, not inferred from the records: an output where no record has a URL still has a
``url`` column of strings, so any two outputs read as one table.
"""

from __future__ import annotations

from typing import Any


def arrow_schema() -> Any:
    """The ``pyarrow.Schema`` of a record (``newsclean/schema/record.schema.json``, column for
    field, in the same order); ``ImportError`` without ``pyarrow``.
    """
    import pyarrow as pa

    text = pa.string()
    metadata = pa.struct(
        [
            ("title", text),
            ("authors", pa.list_(text)),
            ("standfirst", text),
            ("language", text),
            ("links", pa.list_(text)),
            ("credits", pa.list_(text)),
            ("encoding", text),
            ("fixes", pa.list_(pa.struct([("step", text), ("count", pa.int64())]))),
            ("extra", text),
        ]
    )
    removal = pa.struct(
        [
            ("step", text),
            ("reason", text),
            ("start", pa.int64()),
            ("end", pa.int64()),
            ("text", text),
        ]
    )
    return pa.schema(
        [
            pa.field("id", text, nullable=False),
            pa.field("text", text, nullable=False),
            pa.field("source", text, nullable=False),
            pa.field("added", text, nullable=False),
            ("created", text),
            ("url", text),
            pa.field("metadata", metadata, nullable=False),
            pa.field("removed", pa.list_(removal), nullable=False),
            ("duplicate_of", text),
            ("cluster", text),
        ]
    )


def datatrove_schema() -> Any:
    """The ``pyarrow.Schema`` to give datatrove's ``ParquetWriter(schema=...)`` for newsclean
    records read by its ``JsonlReader``: datatrove keeps ``text`` and ``id`` and moves every
    other field under ``metadata``, beside our metadata's own fields (and the reader's
    ``file_path``). Without it the writer takes its schema from the first document, where a
    field that is null there (``url``, ``created``) has no type.
    """
    import pyarrow as pa

    schema = arrow_schema()
    top = [field for field in schema if field.name not in ("id", "text", "metadata")]
    metadata = [*schema.field("metadata").type, *top, pa.field("file_path", pa.string())]
    return pa.schema(
        [
            pa.field("text", pa.string(), nullable=False),
            pa.field("id", pa.string(), nullable=False),
            ("metadata", pa.struct([field.with_nullable(True) for field in metadata])),
        ]
    )
