"""``newsclean run``: clean inputs into JSONL records."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from typing import Any

import click

from newsclean.cli.exit_codes import EXIT_CODES_HELP, EXIT_INPUT_ERRORS, EXIT_OK
from newsclean.cli.options import (
    build,
    config_option,
    configured,
    disable_option,
    error_reporter,
    fatal_errors,
    jobs_option,
    max_bytes_option,
    quiet_option,
)
from newsclean.cli.progress import Progress
from newsclean.engines import local
from newsclean.io import JsonlWriter, display_path
from newsclean.io.shards import DEFAULT_RECORDS_PER_SHARD, ShardedWriter, is_folder_output
from newsclean.io.shards import SUFFIXES as SHARD_SUFFIXES
from newsclean.pipeline import RunStats
from newsclean.record import Record

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
              help="Where to write the JSONL records: a file (.jsonl, .jsonl.gz, .jsonl.zst), "
              "'-' for stdout, or a folder (a trailing slash, or an existing folder) for "
              "shards part-00000.jsonl ... and a manifest.json.")
@click.option("--shard-suffix", type=click.Choice(SHARD_SUFFIXES), default=".jsonl",
              show_default=True, help="Format and compression of the shards of a folder output.")
@click.option("--shard-records", type=click.IntRange(min=1), default=DEFAULT_RECORDS_PER_SHARD,
              show_default=True, metavar="N", help="Records per shard of a folder output.")
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
) -> None:
    """Clean INPUTS (files, folders searched recursively for .txt/.jsonl, or '-' for stdin)
    and write one JSON record per article.

    Progress and the end summary go to stderr, so stdout stays machine-readable.
    """
    if scheduler is not None and engine != "dask":
        raise click.UsageError("--scheduler is for --engine dask")
    run_engine = _engine(engine, scheduler)
    config = configured(config_file, disable, index=index, drop_duplicates=drop_duplicates,
                         threshold=threshold, shingle_size=shingle_size)
    pipeline = build(config)
    errors: list[str] = []
    report = error_reporter(errors)
    stats = RunStats()
    progress = Progress(enabled=not quiet)
    # The output is opened first, so an unwritable one fails before any cleaning is done; the
    # index is written only after the output is, so a failed run leaves both as they were.
    try:
        with fatal_errors("no output written" + (", the index untouched" if index else "")):
            try:
                writer_for_output = (
                    ShardedWriter(output, suffix=shard_suffix, records_per_shard=shard_records)
                    if is_folder_output(output) else JsonlWriter(output))
                with writer_for_output as writer:
                    for record in run_engine(
                        pipeline,
                        local.Inputs(inputs, max_bytes),
                        jobs=jobs or config.jobs,
                        on_error=report,
                        on_document=progress,
                        stats=stats,
                        spool_beside=output,
                    ):
                        writer.write(record)
                    if errors and stats.documents == stats.failed:
                        # Not one input could be read and cleaned: an empty output would pass
                        # for a run over inputs that clean to nothing. Raising here discards it.
                        raise _NothingRead
            except BaseException:
                pipeline.discard()
                raise
    except _NothingRead:
        progress.done()
        click.echo(f"error: no input could be read{' or cleaned' if stats.failed else ''}; "
                   "no output written", err=True)
        sys.exit(EXIT_INPUT_ERRORS)
    with fatal_errors(f"the output {display_path(output)} is written, the index was not "
                       "updated (run again to update it)"):
        pipeline.commit()
    progress.done()
    stats.failed = len(errors)
    if not quiet:
        click.echo(_summary(stats, dropped_duplicates=drop_duplicates), err=True)
    sys.exit(EXIT_INPUT_ERRORS if errors else EXIT_OK)


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

