"""``newsclean run``: clean inputs into JSONL records."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Iterator
from time import perf_counter
from typing import Any, TextIO

import click

from newsclean.cli.exit_codes import EXIT_CODES_HELP, EXIT_INPUT_ERRORS, EXIT_OK, EXIT_USAGE
from newsclean.cli.options import (
    Exclusions,
    build,
    config_option,
    configured,
    disable_option,
    error_reporter,
    exclude_option,
    fatal_errors,
    jobs_option,
    max_bytes_option,
    quiet_option,
)
from newsclean.cli.progress import Bar, RunProgress, wanted
from newsclean.engines import local
from newsclean.io import (
    InputError,
    atomic_write,
    display_path,
    iter_input_files,
    split_name,
)
from newsclean.io.formats import OUTPUT_SUFFIXES, open_output, output_format
from newsclean.io.readers import STDIN, source_name
from newsclean.io.shards import (
    DEFAULT_RECORDS_PER_SHARD,
    SHARD_NAME,
    ShardedWriter,
    is_folder_output,
)
from newsclean.io.shards import SUFFIXES as SHARD_SUFFIXES
from newsclean.pipeline import Pipeline, RunStats
from newsclean.record import Record, stamped
from newsclean.schema import REMOVED_MODES, parse_added, utc_now

# Documents named in the summary line about those that gave no record; the count is exact.
_EMPTY_SHOWN = 10


def _summary(stats: RunStats, dropped_duplicates: bool = False) -> str:
    duplicates = "duplicates dropped" if dropped_duplicates else "duplicates marked"
    lines = [
        f"documents in: {stats.documents}  records out: {stats.records}  "
        f"{duplicates}: {stats.duplicates}  empty: {stats.empty}  failed: {stats.failed}",
    ]
    if stats.removed_by_step:
        parts = ", ".join(f"{name} {n}" for name, n in sorted(stats.removed_by_step.items()))
        lines.append(f"removed paragraphs by step: {parts}")
    if stats.empty:
        shown = [display_path(source) for source in stats.empty_sources[:_EMPTY_SHOWN]]
        more = stats.empty - len(shown)
        names = ", ".join(shown) + (f" and {more:,} more" if more else "")
        reasons = "; ".join(
            f"{n} {reason}" for reason, n in sorted(
                stats.empty_reasons.items(), key=lambda item: (-item[1], item[0]))
        )
        lines.append(f"{stats.empty} document(s) gave no record ({reasons}): {names}")
    lines.extend(f"warning: {warning}" for warning in stats.warnings)
    return "\n".join(lines)



@click.command(epilog=EXIT_CODES_HELP)
@click.argument("inputs", nargs=-1, required=True)
@click.option("-o", "--output", default="-", show_default=True, metavar="FILE|DIR/",
              help="Where to write the records: a file (.jsonl, .jsonl.gz, .jsonl.zst, or "
              ".parquet with pip install 'newsclean[parquet]'), '-' for JSONL on stdout, or a "
              "folder (a trailing slash, or an existing folder) for shards part-00000.jsonl "
              "... and a manifest.json. Any other suffix is a usage error.")
@click.option("--shard-suffix", type=click.Choice(SHARD_SUFFIXES), default=".jsonl",
              show_default=True, help="Format and compression of the shards of a folder output.")
@click.option("--shard-records", type=click.IntRange(min=1), default=DEFAULT_RECORDS_PER_SHARD,
              show_default=True, metavar="N", help="Records per shard of a folder output.")
@click.option("--removed", type=click.Choice(REMOVED_MODES), default="spans", show_default=True,
              help="How much of the account of removed spans each record carries: full (the "
              "removed text too), spans (step, reason, start, end; text null) or none (an "
              "empty list). spans by default: it says what went, where and why without copying "
              "the input's text into the output (it is in the input at start-end; 'newsclean "
              "explain INPUT' shows it).")
@click.option("--added", "added", metavar="ISO-8601", default=None,
              show_default="the time the run starts, UTC",
              help="The 'added' time of the records made by this run (a record read back "
              "keeps its own): give one to make two runs comparable byte for byte.")
@click.option("--source-name", metavar="NAME", default=STDIN, show_default=True,
              help="The source (and so the ids) of documents read from standard input.")
@config_option
@disable_option
@jobs_option
@max_bytes_option
@click.option("--index", metavar="PATH|redis://HOST:PORT/N", default=None,
              show_default="none",
              help="Persistent near-duplicate index: an SQLite file (created if missing) or a "
              "Redis URL; articles are checked against every article indexed before.")
@click.option("--drop-duplicates", is_flag=True,
              help="Leave near-duplicates out of the output (default: mark them with "
              "duplicate_of and cluster).")
@click.option("--dup-threshold", "threshold", default=None, metavar="X",
              type=click.FloatRange(0.0, 1.0, min_open=True), show_default="0.5",
              help="Estimated Jaccard similarity at which two articles are near-duplicates, "
              "in (0, 1].")
@click.option("--shingle-size", type=click.IntRange(min=1), default=None, metavar="N",
              show_default="5", help="Words per shingle for near-duplicate signatures.")
@click.option("--engine", type=click.Choice(["local", "dask"]), default="local",
              show_default=True,
              help="Where the work runs: this machine's processes (--jobs), or a Dask cluster "
              "(pip install 'newsclean[dask]'); the records are the same (docs/engines.md).")
@click.option("--scheduler", metavar="ADDRESS", default=None,
              show_default="a local cluster of --jobs processes",
              help="With --engine dask: the Dask scheduler (tcp://HOST:8786) whose workers "
              "share the inputs and the output's folder.")
@exclude_option
@click.option("--stats", "stats_file", metavar="FILE", default=None, show_default="none",
              help="Write what the run did as JSON to FILE (atomically): documents, records, "
              "empty, failed, duplicates, and per step the paragraphs removed and the seconds "
              "it took.")
@quiet_option
def run(
    inputs: tuple[str, ...],
    output: str,
    config_file: str | None,
    disable: tuple[str, ...],
    jobs: int | None,
    max_bytes: int,
    index: str | None,
    drop_duplicates: bool,
    threshold: float | None,
    shingle_size: int | None,
    engine: str,
    scheduler: str | None,
    quiet: bool,
    shard_suffix: str,
    shard_records: int,
    exclude: tuple[str, ...],
    stats_file: str | None,
    removed: str,
    added: str | None,
    source_name: str,
) -> None:
    """Clean INPUTS (files, folders searched recursively for .txt/.jsonl, or '-' for stdin)
    and write one JSON record per article.

    Progress bars (on a terminal) and the end summary go to stderr, so stdout stays
    machine-readable.
    """
    if scheduler is not None and engine != "dask":
        raise click.UsageError("--scheduler is for --engine dask")
    try:
        stamp = parse_added(added) if added is not None else utc_now()
    except ValueError as exc:
        raise click.UsageError(f"--added: {exc}") from None
    if not is_folder_output(output) and output_format(output) is None:
        click.echo(f"error: -o {display_path(output)}: unknown output type (name a "
                   f"{', '.join(OUTPUT_SUFFIXES)} file, '-' or a folder DIR/); nothing written",
                   err=True)
        sys.exit(EXIT_USAGE)
    run_engine = _engine(engine, scheduler)
    config = configured(config_file, disable, index=index, drop_duplicates=drop_duplicates,
                         threshold=threshold, shingle_size=shingle_size)
    pipeline = build(config)
    if stats_file == "-" and output == "-":
        raise click.UsageError("--stats - and -o - would mix the statistics with the records "
                               "on stdout; give one of them a file")
    started = perf_counter()
    errors: list[str] = []
    report = error_reporter(errors)
    stats = RunStats()
    progress = RunProgress(wanted(quiet))
    stats.on_stage = progress.stage
    # The output and the statistics file are opened first, so an unwritable one fails before
    # any cleaning is done; the index is written only after the output is, so a failed run
    # leaves both as they were. The statistics file appears last, and only after a run that
    # wrote its output.
    stats_writer = atomic_write(stats_file) if stats_file else None
    with fatal_errors("no output written"):
        stats_out = stats_writer.__enter__() if stats_writer is not None else None
    # _run reports its own failures; what is left is the statistics file (stdout with
    # --stats -, which can fail as it is written).
    with fatal_errors(f"the output {display_path(output)} is written"
                      + (" and the index updated" if index else "")
                      + f"; no statistics written to {display_path(stats_file or '')}"):
        try:
            _run(pipeline, inputs, output, run_engine, stats, progress, report, errors,
                 Exclusions(config, exclude), jobs=jobs or config.jobs, max_bytes=max_bytes,
                 index=index, shard_suffix=shard_suffix, shard_records=shard_records,
                 removed=removed, added=stamp, stdin_name=source_name)
            stats.failed = len(errors)
            if stats_writer is not None and stats_out is not None:
                _write_stats(stats_out, stats, pipeline, perf_counter() - started)
        except BaseException as exc:
            if stats_writer is not None:
                stats_writer.__exit__(type(exc), exc, exc.__traceback__)
            raise
        if stats_writer is not None:
            stats_writer.__exit__(None, None, None)
    if not quiet:
        click.echo(_summary(stats, dropped_duplicates=drop_duplicates), err=True)
    sys.exit(EXIT_INPUT_ERRORS if errors else EXIT_OK)


def _run(pipeline: Pipeline, inputs: tuple[str, ...], output: str,
         run_engine: Callable[..., Iterator[Record]], stats: RunStats, progress: RunProgress,
         report: Callable[[Exception], None], errors: list[str], excluded: Exclusions, *,
         jobs: int, max_bytes: int, index: str | None, shard_suffix: str,
         shard_records: int, removed: str, added: str, stdin_name: str) -> None:
    """Walk, clean, link and apply, writing the output; then update the index. Exits 3
    (no output written) when no input could be read, 2 when the output or the index cannot
    be written, 130/143 when interrupted.
    """
    try:
        with fatal_errors("no output written" + (", the index untouched" if index else "")):
            try:
                writer_for_output = (
                    ShardedWriter(output, suffix=shard_suffix, records_per_shard=shard_records,
                                  removed=removed)
                    if is_folder_output(output) else open_output(output, removed=removed))
                with writer_for_output as writer:
                    found = _walked(inputs, report, excluded, progress.walking(),
                                    _earlier_output(output))
                    read = local.Inputs(tuple(path for path, _ in found), max_bytes,
                                        tuple(name for _, name in found), stdin_name)
                    _clean(pipeline, read, writer, run_engine, stats, progress, report,
                           jobs=jobs, output=output, added=added)
                    if errors and stats.documents == stats.failed:
                        # Not one input could be read and cleaned: an empty output would
                        # pass for a run over inputs that clean to nothing. Raising here
                        # discards it.
                        raise _NothingRead
            except BaseException:
                pipeline.discard()
                raise
            finally:
                progress.close()
    except _NothingRead:
        click.echo(f"error: no input could be read{' or cleaned' if stats.failed else ''}; "
                   "no output written", err=True)
        sys.exit(EXIT_INPUT_ERRORS)
    with fatal_errors(f"the output {display_path(output)} is written, the index was not "
                       "updated (run again to update it)"):
        pipeline.commit()


def _walked(inputs: tuple[str, ...], report: Callable[[Exception], None],
            excluded: Exclusions, bar: Bar,
            is_output: Callable[[str], bool] | None = None) -> list[tuple[str, str | None]]:
    """The inputs with each folder replaced by the files found in it, in the order a run
    reads them ('-' kept in its place), less the excluded ones and (``is_output``) the run's
    own output found in a folder, each with its source name (relative to the input it was
    found through). Walking first gives the clean stage's bar its total; it is the walk the
    run would do anyway, done before, not twice.
    """
    found: list[tuple[str, str | None]] = []
    for given in inputs:
        if given == STDIN:
            found.append((given, None))
            continue
        for path in iter_input_files([given], on_error=report):
            if excluded(path):
                continue
            if is_output is not None and str(path) != given and is_output(str(path)):
                # An earlier run's output inside the folder cleaned: reading it would add
                # its records again to the output that replaces it, at every run.
                click.echo(f"note: {display_path(path)}: the output of this run (-o); "
                           "not read", err=True)
                continue
            found.append((str(path), source_name(path, given)))
            bar.update()
    bar.close()
    return found


def _earlier_output(output: str) -> Callable[[str], bool]:
    """Whether a file found in an input folder is what ``-o output`` names (an earlier
    run's output file, or a shard in the output folder). Only files of the output's name
    (or a shard's) are looked at, so a walk of many files costs no more system calls.
    """
    if output == STDIN:
        return lambda path: False
    if is_folder_output(output):
        folder = os.path.realpath(output)
        return lambda path: (SHARD_NAME.fullmatch(os.path.basename(path)) is not None
                             and os.path.realpath(os.path.dirname(path)) == folder)
    try:
        written = os.stat(output)
    except OSError:
        return lambda path: False  # none yet: the new one has no name until the run ends
    names = {os.path.basename(output), os.path.basename(os.path.realpath(output))}

    def is_output(path: str) -> bool:
        if os.path.basename(path) not in names:  # the link -o names, or its target
            return False
        try:
            return os.path.samestat(os.stat(path), written)
        except OSError:
            return False

    return is_output


def _clean(pipeline: Pipeline, inputs: local.Inputs, writer: Any,
           run_engine: Callable[..., Iterator[Record]], stats: RunStats,
           progress: RunProgress, report: Callable[[Exception], None], *, jobs: int,
           output: str, added: str) -> None:
    """The three stages, the records written as they come (each given its ``added``), with
    their progress bars.
    """
    # Each input file is one document unless a JSONL file or stdin is among them: then only
    # the documents can be counted, and there is no total.
    one_each = all(given != STDIN and not split_name(given)[1].lower().startswith(".jsonl")
                   for given in inputs.paths)
    bar = progress.cleaning(len(inputs.paths) if one_each else None,
                            "files" if one_each else "documents")

    def on_document(source: str) -> None:
        bar.update()

    def on_error(exc: Exception) -> None:
        if one_each and isinstance(exc, InputError):
            bar.update()  # a file that could not be read is done with too
        report(exc)

    for record in run_engine(pipeline, inputs, jobs=jobs, on_error=on_error,
                             on_document=on_document, stats=stats, spool_beside=output):
        writer.write(stamped(record, added))
        progress.current.to(stats.applied)
    progress.current.to(stats.applied)


def _write_stats(out: TextIO, stats: RunStats, pipeline: Pipeline, wall: float) -> None:
    """What ``--stats FILE`` holds: the counts of the summary, and per step (in pipeline
    order, then any other step that removed something) the paragraphs it removed and its
    seconds: ``seconds`` for a per-document step, ``link_seconds`` and ``apply_seconds`` for
    a corpus step.
    """
    steps: dict[str, dict[str, Any]] = {}
    corpus = {step.name for step in pipeline.corpus_steps}
    for name in [*pipeline.names, *sorted(set(stats.removed_by_step) - set(pipeline.names))]:
        entry: dict[str, Any] = {"removed": stats.removed_by_step.get(name, 0)}
        if name in corpus:
            entry["link_seconds"] = round(stats.seconds.get(("link", name), 0.0), 6)
            entry["apply_seconds"] = round(stats.seconds.get(("apply", name), 0.0), 6)
        else:
            entry["seconds"] = round(stats.seconds.get(("clean", name), 0.0), 6)
        steps[name] = entry
    other = {f"{stage}: {name}": round(value, 6) for (stage, name), value
             in sorted(stats.seconds.items()) if name not in steps}
    data = {
        "documents": stats.documents,
        "records": stats.records,
        "empty": stats.empty,
        "failed": stats.failed,
        "duplicates": stats.duplicates,
        "steps": steps,
        **({"other_seconds": other} if other else {}),
        "wall_seconds": round(wall, 6),
    }
    out.write(json.dumps(data, indent=2) + "\n")


class _NothingRead(Exception):
    """Raised in the writer's block to discard the output of a run that read nothing."""


def _engine(engine: str, scheduler: str | None) -> Callable[..., Iterator[Record]]:
    """The ``run`` function of ``--engine`` (called as :func:`local.run` is)."""
    if engine == "local":
        return local.run
    try:
        from newsclean.engines import dask
    except ImportError as exc:
        raise click.UsageError(f"--engine dask: {exc}") from exc

    def run_dask(*args: Any, jobs: int, **kwargs: Any) -> Iterator[Record]:
        return dask.run(*args, scheduler=scheduler, workers=jobs, **kwargs)

    return run_dask

