"""HTML reports: what cleaning removed from each input, and why, in one self-contained page.

:func:`write_report` cleans inputs with a pipeline (as ``newsclean run`` does, through the
same engine) or reads the records of an earlier run, and writes one HTML file: a summary
(counts, removals by step and by reason, near-duplicate clusters, files that failed), each
document's original text with its removed spans marked, and the members of each cluster side
by side. The page needs no network and renders one page of the data at a time, so a report
of a large run opens quickly; everything from the input is shown as text, never as markup.

The parts: :mod:`.model` (the data of each document and the summary), :mod:`.build` (where
the data comes from), :mod:`.writer` (the page, written atomically, its data streamed in).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from newsclean.engines.local import Inputs
from newsclean.io import DEFAULT_MAX_BYTES
from newsclean.pipeline import Pipeline, RunStats
from newsclean.report.build import (
    failures_into,
    records_entries,
    records_of,
    run_entries,
    tally_into,
)
from newsclean.report.model import Tally, failure
from newsclean.report.writer import ReportWriter, script_json

DEFAULT_TITLE = "newsclean report"


class NothingReadError(RuntimeError):
    """Not one input could be read (each failure was reported): no report is written, as
    ``newsclean run`` writes no output then.
    """


def write_report(
    inputs: Sequence[str],
    output: str,
    *,
    sources: Sequence[str | None] = (),
    pipeline: Pipeline | None = None,
    from_records: bool = False,
    originals: str = ".",
    jobs: int = 1,
    max_bytes: int = DEFAULT_MAX_BYTES,
    title: str = DEFAULT_TITLE,
    failed: Sequence[Exception] = (),
    on_error: Callable[[Exception], None] | None = None,
    on_document: Callable[[str], None] | None = None,
    on_entry: Callable[[dict[str, Any]], None] | None = None,
    stats: RunStats | None = None,
) -> dict[str, Any]:
    """Write the report of ``inputs`` to ``output`` (a file, or ``-`` for stdout) and return
    its summary.

    ``inputs`` are what ``newsclean run`` takes (files, folders, ``-``), named in the report
    by ``sources`` when given (one per input, as ``newsclean run`` names a walked file),
    cleaned with ``pipeline`` (the default one when ``None``) on ``jobs`` processes; with
    ``from_records`` they are JSONL files of records written by ``run``, reported as they are
    (each original text read again from ``originals``, the folder the run was given).
    An input that cannot be read is listed in the report and passed to ``on_error`` (raised
    when it is ``None``), as are ``failed``, failures met before (walking the inputs, say);
    ``on_document`` is told each document's source as it is cleaned,
    ``on_entry`` each document's entry once it is written, and ``stats`` counts the run.

    The file appears only once it is complete. Raises :class:`NothingReadError` (and writes
    nothing) when inputs were named but not one could be read.
    """
    if pipeline is None and not from_records:
        pipeline = Pipeline.from_config()
    tally = Tally(steps=pipeline.names if pipeline is not None else [])
    tally.failures.extend(failure(exc) for exc in failed)
    report_error = failures_into(tally, on_error)
    with ReportWriter(output) as writer:

        def written(entry: dict[str, Any]) -> None:
            writer.add(entry)
            if on_entry is not None:
                on_entry(entry)

        add = tally_into(tally, written)
        if from_records:
            for entry in records_entries(
                records_of(inputs, report_error, max_bytes=max_bytes),
                originals=originals,
                max_bytes=max_bytes,
            ):
                add(entry)
        else:
            assert pipeline is not None
            run_entries(
                pipeline,
                Inputs(tuple(inputs), max_bytes, tuple(sources)),
                add,
                jobs=jobs,
                on_error=report_error,
                on_document=on_document,
                stats=stats,
                spool_beside=output,
            )
        if tally.failures and not tally.documents:
            raise NothingReadError("no input could be read; no report written")
        summary = tally.summary(title, list(inputs))
        writer.finish(summary)
    return summary


__all__ = [
    "DEFAULT_TITLE",
    "NothingReadError",
    "ReportWriter",
    "Tally",
    "script_json",
    "write_report",
]
