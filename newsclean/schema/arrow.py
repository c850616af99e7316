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
