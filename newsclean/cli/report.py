"""``newsclean report``: one HTML page showing what cleaning removed, and why."""

from __future__ import annotations

import sys

import click

from newsclean.cli.exit_codes import EXIT_CODES_HELP, EXIT_INPUT_ERRORS, EXIT_OK
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
from newsclean.cli.progress import RunProgress, wanted
from newsclean.cli.run import _walked
from newsclean.io import display_path
from newsclean.pipeline import RunStats
from newsclean.report import DEFAULT_TITLE, NothingReadError, write_report


@click.command(epilog=EXIT_CODES_HELP)
@click.argument("inputs", nargs=-1, required=True)
@click.option(
    "-o",
    "--output",
    required=True,
    metavar="FILE",
    help="The HTML file to write (one self-contained page), or '-' for stdout.",
)
@click.option(
    "--from-records",
    is_flag=True,
    help="INPUTS are JSONL records written by 'newsclean run' (files or folders of "
    "shards): report their 'removed' account instead of cleaning again.",
)
@click.option(
    "--originals",
    metavar="DIR",
    default=".",
    show_default="the current directory",
    help="With --from-records: the folder the run was given, which the records' sources "
    "are relative to; each original text is read from there to show it whole.",
)
@click.option(
    "--title", metavar="TITLE", default=DEFAULT_TITLE, show_default=True, help="The page's title."
)
@config_option
@disable_option
@jobs_option
@max_bytes_option
@click.option(
    "--index",
    metavar="PATH|redis://HOST:PORT/N",
    default=None,
    show_default="none",
    help="Near-duplicate index to check articles against; read, never updated.",
)
@click.option(
    "--dup-threshold",
    "threshold",
    default=None,
    metavar="X",
    type=click.FloatRange(0.0, 1.0, min_open=True),
    show_default="0.5",
    help="Estimated Jaccard similarity at which two articles are near-duplicates.",
)
@click.option(
    "--shingle-size",
    type=click.IntRange(min=1),
    default=None,
    metavar="N",
    show_default="5",
    help="Words per shingle for near-duplicate signatures.",
)
@exclude_option
@quiet_option
def report(
    inputs: tuple[str, ...],
    output: str,
    from_records: bool,
    originals: str,
    title: str,
    config_file: str | None,
    disable: tuple[str, ...],
    jobs: int | None,
    max_bytes: int,
    index: str | None,
    threshold: float | None,
    shingle_size: int | None,
    exclude: tuple[str, ...],
    quiet: bool,
) -> None:
    """Clean INPUTS as 'run' does (files, folders, '-' for stdin) and write an HTML report
    of what was removed from each, by which step and why.

    The page is one file that needs no network: a summary (removals by step and by reason,
    near-duplicate clusters, files that failed), each file's original text with its removed
    spans struck through, and each cluster's members side by side. No records are written
    and no index is updated; a report that fails leaves no file behind.
    """
    cleaning = {
        "--disable": disable,
        "--jobs": jobs,
        "--index": index,
        "--dup-threshold": threshold,
        "--shingle-size": shingle_size,
    }
    if from_records and any(value for value in cleaning.values()):
        given = ", ".join(name for name, value in cleaning.items() if value)
        raise click.UsageError(f"{given}: nothing is cleaned with --from-records")
    config = configured(
        config_file, disable, index=index, threshold=threshold, shingle_size=shingle_size
    )
    pipeline = None if from_records else build(config)
    errors: list[str] = []
    report_error = error_reporter(errors)
    walk_errors: list[Exception] = []

    def walk_error(exc: Exception) -> None:
        walk_errors.append(exc)
        report_error(exc)

    progress = RunProgress(wanted(quiet))
    stats = RunStats(on_stage=progress.stage)
    with fatal_errors("no report written"):
        try:
            found = _walked(inputs, walk_error, Exclusions(config, exclude), progress.walking())
            bar = progress.cleaning(None, "documents")
            summary = write_report(
                [path for path, _ in found],
                output,
                sources=[name for _, name in found],
                pipeline=pipeline,
                from_records=from_records,
                originals=originals,
                jobs=jobs or config.jobs,
                max_bytes=max_bytes,
                title=title,
                failed=walk_errors,
                on_error=report_error,
                on_document=lambda source: bar.update(),
                on_entry=lambda entry: progress.current.update(),
                stats=stats,
            )
        except NothingReadError as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(EXIT_INPUT_ERRORS)
        finally:
            progress.close()
    if not quiet:
        click.echo(
            f"report: {summary['documents']} documents, {summary['records']} records, "
            f"{len(summary['clusters'])} near-duplicate clusters, "
            f"{len(summary['failures'])} failed; written to {display_path(output)}",
            err=True,
        )
    sys.exit(EXIT_INPUT_ERRORS if errors else EXIT_OK)
