"""The data model: what readers yield, what steps work on, and what writers emit.

* :class:`Document` is one input as read: an id, where it came from, its decoded text and any
  metadata the reader found (a JSONL record's other fields, for instance).
* :class:`Block` is one paragraph of a document while it is being cleaned. It keeps the
  character span it came from in the document's text, so a removal can always point back at the
  input, and the account of what was removed is complete.
* :class:`Removal` says which step removed which span and why.
* :class:`Record` is one clean article, the unit written to JSONL. Its field names follow the
  Dolma / datatrove conventions (``id``, ``text``, ``source``, ``added``, ``created``,
  ``metadata``) so those tools read newsclean output unchanged; its written form is the one
  shape of :mod:`newsclean.schema` (docs/schema.md).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from newsclean.schema import input_metadata, is_added, iso_created, output_metadata


def document_id(key: str, text: str) -> str:
    """Return a stable id for ``text`` read from ``key``: 16 hex digits of SHA-1 over both."""
    return hashlib.sha1(f"{key}\0{text}".encode("utf-8", "surrogatepass")).hexdigest()[:16]


@dataclass(frozen=True)
class Document:
    """One input text as a reader yields it.

    ``source`` names where the text came from (a path, ``PATH:LINE``, or a JSONL record's own
    ``source``, often a URL); ``path`` is the file it was read from (``None`` for stdin or a
    text built in code), which an index that follows files keys its entries on.
    """

    id: str
    source: str
    text: str
    metadata: dict[str, Any] = field(default_factory=dict)
    path: str | None = None


_REMOVAL_FIELDS = ("step", "reason", "start", "end", "text")


def is_json_integer(value: Any) -> bool:
    """Whether ``value`` read from JSON is an integer (Python counts ``True`` as one; JSON
    does not).
    """
    return isinstance(value, int) and not isinstance(value, bool)


@dataclass(frozen=True)
class Removal:
    """A span of the input that a step removed, with the step's name and a human reason.

    ``text`` is ``None`` for a removal read back from a record written without the span text
    (``--removed spans``).
    """

    step: str
    reason: str
    start: int
    end: int
    text: str | None

    def to_dict(self, with_text: bool = True) -> dict[str, Any]:
        """Plain-JSON form (the field order is part of the output format); ``text`` is
        ``None`` unless ``with_text``.
        """
        # Built field by field: dataclasses.asdict copies each value through a recursive
        # walk, which a navigation dump's record of 20,000 removals pays 20,000 times.
        return {
            "step": self.step,
            "reason": self.reason,
            "start": self.start,
            "end": self.end,
            "text": self.text if with_text else None,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Removal:
        """Inverse of :meth:`to_dict`; ``ValueError`` when ``data`` is not one (fields of
        other types, a span that ends before it starts).
        """
        if not isinstance(data, dict):
            raise ValueError(f"a removal is an object, not {type(data).__name__}")
        if not all(key in data for key in _REMOVAL_FIELDS):  # text may be null, not missing
            raise ValueError(f"not a removal (fields {', '.join(_REMOVAL_FIELDS)}): {data!r:.80}")
        step, reason, start, end, text = (data[k] for k in _REMOVAL_FIELDS)
        texts_ok = all(isinstance(v, str) for v in (step, reason)) and (
            text is None or isinstance(text, str)
        )
        if not texts_ok or not (is_json_integer(start) and is_json_integer(end)):
            raise ValueError(f"not a removal (fields {', '.join(_REMOVAL_FIELDS)}): {data!r:.80}")
        if not 0 <= start <= end:
            raise ValueError(f"removal span {start}-{end} is not a span")
        return cls(step=step, reason=reason, start=start, end=end, text=text)


@dataclass
class Block:
    """One paragraph under cleaning.

    ``start``/``end`` index the document's (decoded) text; ``text`` is the paragraph as the steps
    have made it so far (unicode repaired, hard wraps joined), so it may differ from the span it
    came from. A removed block keeps its text and carries the :class:`Removal` that took it.
    """

    start: int
    end: int
    text: str
    removal: Removal | None = None
    # Metadata this block carries into its record when a step moves it out of the text
    # (``{"links": [url]}``, ``{"standfirst": text}``); it follows the block when a scrape is
    # split, so each article keeps its own.
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def kept(self) -> bool:
        """True while no step has removed this block."""
        return self.removal is None


@dataclass
class Record:
    """One clean article: the unit newsclean writes, one JSON object per line.

    ``added`` is set when the record is written (:func:`stamped`); ``metadata`` is free here
    and takes its fixed written form in :meth:`to_dict`.
    """

    id: str
    text: str
    source: str
    url: str | None = None
    created: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    removed: list[Removal] = field(default_factory=list)
    duplicate_of: str | None = None
    cluster: str | None = None
    added: str | None = None

    def to_dict(self, removed: str = "full") -> dict[str, Any]:
        """The written form (``newsclean/schema/record.schema.json``): every field, in a fixed
        order, each of one type. ``removed`` says how much of the account goes in: ``full``,
        ``spans`` (no span text) or ``none`` (an empty list). A ``created`` that is not an
        ISO-8601 date is written as ``null`` and kept under ``extra``, as is a ``url`` that
        is not a string.
        """
        created = iso_created(self.created)
        kept: dict[str, Any] = {}
        if self.created is not None and created is None:
            kept["created"] = self.created
        url = self.url
        if url is not None and not isinstance(url, str):
            kept["url"], url = url, None
        return {
            "id": self.id,
            "text": self.text,
            "source": self.source,
            "added": self.added,
            "created": created,
            "url": url,
            "metadata": output_metadata(self.metadata, kept),
            "removed": (
                []
                if removed == "none"
                else [r.to_dict(with_text=removed == "full") for r in self.removed]
            ),
            "duplicate_of": self.duplicate_of,
            "cluster": self.cluster,
        }

    def to_json(self, removed: str = "full") -> str:
        """One line of JSONL (UTF-8 kept as is, keys in a fixed order; see :meth:`to_dict`),
        standard JSON only: a NaN or infinity in the metadata raises ``ValueError`` rather
        than writing a line other JSON readers refuse.
        """
        return json.dumps(self.to_dict(removed), ensure_ascii=False, allow_nan=False)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Record:
        """Inverse of :meth:`to_dict`; raises ``KeyError``, ``TypeError`` or ``ValueError`` on
        a malformed record.
        """
        text = data["text"]
        if not isinstance(text, str):
            raise TypeError("record field 'text' is not a string")
        metadata = input_metadata(dict(data.get("metadata") or {}))
        return cls(
            id=str(data["id"]),
            text=text,
            source=str(data.get("source") or ""),
            url=data.get("url"),
            created=data.get("created"),
            metadata=metadata,
            removed=[Removal.from_dict(r) for r in data.get("removed") or []],
            duplicate_of=data.get("duplicate_of"),
            cluster=data.get("cluster"),
            added=data.get("added"),
        )

    @classmethod
    def from_json(cls, line: str) -> Record:
        """Parse one JSONL line written by :meth:`to_json`."""
        return cls.from_dict(json.loads(line))


def stamped(record: Record, added: str) -> Record:
    """``record`` with its ``added`` set: kept when it has one, or when its metadata brings one
    from a record read back (cleaning again leaves it as it was), else ``added`` (the run's).
    """
    if record.added is None:
        earlier = record.metadata.get("added")
        if is_added(earlier):
            del record.metadata["added"]
            record.added = earlier
        else:
            record.added = added
    return record


def render_text(record: Record) -> str:
    """The canonical text form of a record, what ``newsclean fix`` writes for a ``.txt`` scrape:
    a ``date`` line when it has a date (``date 2023-12-22`` or ``date 2023-12-22T14:05``), its
    title, a ``By`` line naming its authors, its standfirst, then its paragraphs, each
    separated by a blank line. Cleaning it again gives the same record.
    """
    parts = []
    if record.created:
        parts.append(f"date {record.created}")
    title = record.metadata.get("title")
    if isinstance(title, str) and title.strip():
        parts.append(title)
    authors = record.metadata.get("authors")
    if isinstance(authors, list) and authors and all(isinstance(a, str) for a in authors):
        parts.append("By " + ", ".join(authors))
    standfirst = record.metadata.get("standfirst")
    if isinstance(standfirst, str) and standfirst:
        parts.append(standfirst)
    if record.text:
        parts.append(record.text)
    return "\n\n".join(parts) + "\n" if parts else ""
