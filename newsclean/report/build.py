"""Make a report: from a run over inputs, or from the records of an earlier run.

A run goes through the engine as ``newsclean run`` does (:func:`newsclean.engines.local.run`):
the pipeline is wrapped so that each document's drafts, with its original text, become an
entry as the apply stage makes its records. Nothing is written but the report: an index the
pipeline uses is read and never updated (:meth:`~newsclean.pipeline.Pipeline.discard`).

Records files (JSONL, as ``run`` writes them) give each document's records with their
``removed`` account; the original text is read again from the record's ``source`` where that
is a text file whose content still gives the record's id, and left out otherwise.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from newsclean.engines import local
from newsclean.io import DEFAULT_MAX_BYTES, iter_documents, read_file, split_name
from newsclean.pipeline import Pipeline, RunStats
from newsclean.record import Document, Record, Removal
from newsclean.report.model import Tally, draft_entry, failure, records_entry
from newsclean.steps.base import Draft

Entry = dict[str, Any]


class Reporting(Pipeline):
    """A pipeline that hands each document's entry to ``on_entry`` as it applies the corpus
    steps to the document's drafts (in the parent process, in input order).
    """

    def __init__(self, pipeline: Pipeline, on_entry: Callable[[Entry], None]) -> None:
        super().__init__(pipeline.steps)
        self.on_entry = on_entry

    def __reduce__(self) -> tuple[Any, ...]:
        # Worker processes only clean; they get the plain pipeline, not the parent's callback.
        return (Pipeline, (self.steps,))

    def apply(
        self,
        drafts: list[Draft],
        stats: RunStats | None = None,
        *,
        decided: Callable[[Draft], bool] | None = None,
    ) -> list[Record]:
        """Apply as :meth:`Pipeline.apply` does, and report the document."""
        records = super().apply(drafts, stats, decided=decided)
        if drafts:
            document = drafts[0].document
            self.on_entry(draft_entry(document.source, document.text, drafts, records))
        return records


def run_entries(
    pipeline: Pipeline,
    source: local.Inputs | Iterable[Document],
    on_entry: Callable[[Entry], None],
    *,
    jobs: int = 1,
    on_error: Callable[[Exception], None] | None = None,
    on_document: Callable[[str], None] | None = None,
    stats: RunStats | None = None,
    spool_beside: str | None = None,
) -> None:
    """Clean ``source`` (the paths ``newsclean run`` takes, or documents) with ``pipeline``
    as ``run`` does, and hand ``on_entry`` each document's entry, in input order. What the
    corpus steps would persist (an index) is discarded.
    """
    reporting = Reporting(pipeline, on_entry)
    try:
        for _ in local.run(
            reporting,
            source,
            jobs=jobs,
            on_error=on_error,
            on_document=on_document,
            stats=stats,
            spool_beside=spool_beside,
        ):
            pass  # the entries are made as the records are
    finally:
        pipeline.discard()


def records_of(
    paths: Iterable[str],
    on_error: Callable[[Exception], None],
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> Iterator[Record]:
    """The records in JSONL files (or folders of them) written by ``newsclean run``; a line
    that is no record goes to ``on_error``.
    """
    for document in iter_documents(list(paths), max_bytes=max_bytes, on_error=on_error):
        meta = dict(document.metadata)
        try:
            removed = [Removal.from_dict(r) for r in meta.pop("removed", None) or []]
        except ValueError as exc:
            on_error(ValueError(f"{document.source}: record {document.id}: {exc}"))
            continue
        yield Record(
            id=document.id,
            text=document.text,
            source=document.source,
            url=meta.pop("url", None),
            created=meta.pop("created", None),
            duplicate_of=meta.pop("duplicate_of", None),
            cluster=meta.pop("cluster", None),
            metadata=meta,
            removed=removed,
        )


def records_entries(
    records: Iterable[Record], *, originals: str = ".", max_bytes: int = DEFAULT_MAX_BYTES
) -> Iterator[Entry]:
    """One entry per document of ``records`` (consecutive records of one source and document
    id, as a split scrape's articles are written), with the original text read again from
    ``originals``, the folder the run was given (a record's ``source`` is relative to it).
    """
    group: list[Record] = []
    for record in records:
        if group and (
            _document_id(record) != _document_id(group[0]) or record.source != group[0].source
        ):
            yield _records_entry(group, originals, max_bytes)
            group = []
        group.append(record)
    if group:
        yield _records_entry(group, originals, max_bytes)


def _document_id(record: Record) -> str:
    return record.id.split("/", 1)[0]


def _records_entry(records: list[Record], originals: str, max_bytes: int) -> Entry:
    source = records[0].source
    original = _original(source, originals, _document_id(records[0]), max_bytes)
    return records_entry(source, records, original)


def _original(source: str, originals: str, document_id: str, max_bytes: int) -> str | None:
    """The text of the document ``source`` names under ``originals``, if it is still a text
    file that reads as the document of that id (not a JSONL file: finding one line in it
    would mean reading it once per record).
    """
    path = Path(originals, source)
    if split_name(path.name)[1].lower().startswith(".jsonl") or not path.is_file():
        return None
    reads = read_file(path, source=source, max_bytes=max_bytes, on_error=lambda exc: None)
    for document in reads:
        if document.id == document_id:
            return document.text
    return None


def tally_into(tally: Tally, add: Callable[[Entry], None]) -> Callable[[Entry], None]:
    """A handler of entries that counts each in ``tally``, numbers it, shares its reasons,
    then hands it on.
    """

    def on_entry(entry: Entry) -> None:
        entry["n"] = tally.add(entry)
        tally.share_reasons(entry)
        add(entry)

    return on_entry


def failures_into(
    tally: Tally, report: Callable[[Exception], None] | None
) -> Callable[[Exception], None]:
    """An error handler that lists each failure in ``tally`` and passes it on to ``report``."""

    def on_error(exc: Exception) -> None:
        tally.failures.append(failure(exc))
        if report is not None:
            report(exc)

    return on_error
