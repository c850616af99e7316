"""The one shape of every record newsclean writes, in JSON and in Arrow.

``record.schema.json`` (beside this module, shipped with the package) is the contract: every
record has every top-level field, a field that is unknown is ``null`` (or an empty list), and
each field has one type. Loaders that infer a schema from the data (Hugging Face ``datasets``,
datatrove's Parquet writer, Arrow) then read any two outputs as one table.

A record in memory (:class:`~newsclean.record.Record`) keeps its metadata as a free dict,
which the steps fill; :func:`output_metadata` gives it its written form (the fixed fields, the
rest in ``extra``) and :func:`input_metadata` reads that form back, so a record cleaned again
comes out the same.
"""

from __future__ import annotations

import datetime as dt
import json
from functools import cache
from pathlib import Path
from typing import Any

SCHEMA_FILE = Path(__file__).with_name("record.schema.json")

# The top-level fields of a record, in their written order.
RECORD_FIELDS = (
    "id",
    "text",
    "source",
    "added",
    "created",
    "url",
    "metadata",
    "removed",
    "duplicate_of",
    "cluster",
)
# How much of the removal account a record carries (``newsclean run --removed``).
REMOVED_MODES = ("full", "spans", "none")

_STRING_FIELDS = ("title", "standfirst", "language", "encoding")
_LIST_FIELDS = ("authors", "links", "credits")
# The written order of the metadata fields.
METADATA_FIELDS = (
    "title",
    "authors",
    "standfirst",
    "language",
    "links",
    "credits",
    "encoding",
    "fixes",
    "extra",
)


@cache
def record_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) every written record satisfies."""
    return json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))


def output_metadata(
    metadata: dict[str, Any], extra: dict[str, Any] | None = None
) -> dict[str, Any]:
    """``metadata`` in its written form: every field of :data:`METADATA_FIELDS`, each of its
    one type (``null`` or ``[]`` when unknown); ``fixes`` as a list of ``{"step", "count"}``
    (a map's keys would be columns, different in every output); any other key, or a known key
    holding a value of another type, goes to ``extra`` with ``extra``'s own items: a JSON
    object written as a string, since its keys and types are the input's, not ours.
    """
    rest = dict(extra or {})
    out: dict[str, Any] = {}
    known = _STRING_FIELDS + _LIST_FIELDS + ("fixes",)
    for key, value in metadata.items():
        # A known field that is null is unknown, as it is written; one of another type is
        # the input's own and is kept.
        if key not in known or (value is not None and not _fits(key, value)):
            rest.setdefault(key, value)
    for key in _STRING_FIELDS:
        out[key] = metadata[key] if _fits(key, metadata.get(key)) else None
    for key in _LIST_FIELDS:
        out[key] = list(metadata[key]) if _fits(key, metadata.get(key)) else []
    fixes = metadata.get("fixes")
    out["fixes"] = (
        [{"step": step, "count": count} for step, count in fixes.items()]
        if _fits("fixes", fixes)
        else []
    )
    out["extra"] = json.dumps(rest, ensure_ascii=False, allow_nan=False) if rest else None
    return {key: out[key] for key in METADATA_FIELDS}


def _fits(key: str, value: Any) -> bool:
    """Whether ``value`` has the written type of the metadata field ``key``."""
    if value is None:
        return False
    if key in _STRING_FIELDS:
        return isinstance(value, str)
    if key in _LIST_FIELDS:
        return isinstance(value, list) and all(isinstance(item, str) for item in value)
    if key == "fixes":
        return isinstance(value, dict) and all(
            isinstance(step, str)
            and isinstance(count, int)
            and not isinstance(count, bool)
            and count >= 0
            for step, count in value.items()
        )
    return False


def input_metadata(metadata: dict[str, Any]) -> dict[str, Any]:
    """The inverse of :func:`output_metadata`: the fields as the steps keep them (empty ones
    left out, ``fixes`` a dict), ``extra``'s items back at the top. Metadata in any other
    form (another tool's) is returned as it is, less a ``extra`` string it can read.
    """
    out = dict(metadata)
    for key in METADATA_FIELDS:
        value = out.get(key, "")
        if value is None or value == []:
            del out[key]
    fixes = out.get("fixes")
    if isinstance(fixes, list) and all(_is_fix(item) for item in fixes):
        out["fixes"] = {item["step"]: item["count"] for item in fixes}
    extra = out.get("extra")
    if isinstance(extra, str):
        try:
            items = json.loads(extra)
        except ValueError:
            items = None
        if isinstance(items, dict):
            del out["extra"]
            for key, value in items.items():
                out.setdefault(key, value)
    return out


def _is_fix(item: Any) -> bool:
    return (
        isinstance(item, dict)
        and set(item) == {"step", "count"}
        and isinstance(item["step"], str)
        and isinstance(item["count"], int)
    )


def iso_created(value: Any) -> str | None:
    """``value`` as the ISO-8601 date or date-time ``created`` holds (``2023-12-22``,
    ``2023-12-22T14:05``, ``2023-12-22T14:05:30+01:00``), or ``None`` when it is not one.
    """
    if not isinstance(value, str):
        return None
    # Imported here: the steps import the record module, which imports this one.
    from newsclean.steps.dates import iso_date

    return iso_date(value)


@cache
def process_added() -> str:
    """The ``added`` of records made without one given (``newsclean.clean()``, ``fix``): the
    time this process first asked, so one process's records share one value.
    """
    return utc_now()


def utc_now() -> str:
    """The time now as ``added`` holds it: ISO-8601 in UTC, to the second (``...T18:09:54Z``)."""
    return _utc_text(dt.datetime.now(dt.timezone.utc))


def parse_added(text: str) -> str:
    """``text`` (an ISO-8601 date or date-time; without a zone it is taken as UTC) in the
    form of :func:`utc_now`; ``ValueError`` when it is not one.
    """
    value = text.strip()
    if value[-1:] in ("Z", "z"):
        value = value[:-1] + "+00:00"  # Python 3.10 reads no 'Z'
    try:
        stamp = dt.datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{text!r} is not an ISO-8601 date or date-time") from None
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=dt.timezone.utc)
    return _utc_text(stamp.astimezone(dt.timezone.utc))


def _utc_text(stamp: dt.datetime) -> str:
    # isoformat, not strftime: a year before 1000 keeps its four digits everywhere.
    return stamp.replace(tzinfo=None).isoformat(timespec="seconds") + "Z"


def is_added(value: Any) -> bool:
    """Whether ``value`` (a record's own ``added``, read back) is a date-time to keep."""
    if not isinstance(value, str):
        return False
    try:
        parse_added(value)
    except ValueError:
        return False
    return "T" in value
