"""The ``newsclean`` command line: parse options, build the pipeline, wire readers and writers.

This module never calls a step directly; everything it does goes through :class:`Pipeline`, so
the library can do all the command line can.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

import click

from newsclean import interrupts
from newsclean.config import Config, ConfigError, find_config, read_config, resolve_step
from newsclean.engines import local
from newsclean.engines.stages import EngineError
from newsclean.fixing import (
    SIDECAR_SUFFIX,
    FileRefused,
    FileSkipped,
    Finding,
    apply_plan,
    plan_file,
)
from newsclean.io import (
    DEFAULT_MAX_BYTES,
    JsonlWriter,
    OutputError,
    display_path,
    iter_documents,
    iter_input_files,
)
from newsclean.io.shards import (
    DEFAULT_RECORDS_PER_SHARD,
    ShardedWriter,
    is_folder_output,
)
from newsclean.io.shards import SUFFIXES as SHARD_SUFFIXES
from newsclean.pipeline import CorpusStepError, Pipeline, RunStats, StepError
from newsclean.record import Record

EXIT_OK = 0
EXIT_INPUT_ERRORS = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130
EXIT_TERMINATED = 143

EXIT_CODES_HELP = (
    "\b\nExit codes:\n"
    "  0    every input was read and cleaned\n"
    "  1    some inputs could not be read or cleaned (each named on stderr); the rest were\n"
    "  2    bad usage or configuration, an index that cannot be used, an output that\n"
    "       cannot be written, or a Dask cluster that cannot be used (nothing written)\n"
    "  130  interrupted (Ctrl-C), 143 stopped (SIGTERM): no output file, the index\n"
    "       untouched, no worker process left behind"
)


def _load_config(config_file: str | None) -> Config:
    try:
        return read_config(config_file) if config_file else find_config(Path.cwd())
    except ConfigError as exc:
        raise click.UsageError(str(exc)) from exc


def _build(config: Config) -> Pipeline:
    try:
        return Pipeline.from_config(config)
    except (ConfigError, ValueError) as exc:
        raise click.UsageError(str(exc)) from exc


def _error_reporter(errors: list[str]) -> Callable[[Exception], None]:
    def report(exc: Exception) -> None:
        message = str(exc)
        errors.append(message)
        click.echo(f"error: {message}", err=True)

    return report


class _Progress:
    """A one-line document counter on stderr, only when stderr is a terminal."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled and sys.stderr.isatty()
        self.count = 0

    def __call__(self, source: str) -> None:
        self.count += 1
        if self.enabled and (self.count < 100 or self.count % 50 == 0):
            click.echo(f"\rcleaning: {self.count} documents", err=True, nl=False)

    def done(self) -> None:
        if self.enabled:
            click.echo(f"\rcleaning: {self.count} documents", err=True)


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


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="newsclean")
def main() -> None:
    """Clean raw news scrapes into deduplicated single-article JSONL records."""


def run_command(args: list[str] | None = None) -> None:
    """The ``newsclean`` program: :func:`main` with one exit code per way of ending.

    click would turn Ctrl-C into "Aborted!" and exit 1 wherever it lands outside a command's
    own handling (while options or the config are read, say); here it is always 130, and
    SIGTERM 143, as ``newsclean.interrupts`` makes them exceptions.
    """
    try:
        code = main.main(args, prog_name="newsclean", standalone_mode=False)
    except click.exceptions.Abort as abort:
        cause = abort.__cause__ or abort.__context__
        if not isinstance(cause, KeyboardInterrupt):  # end of input at a prompt
            click.echo("Aborted!", err=True)
            sys.exit(1)
        click.echo("\ninterrupted: nothing written", err=True)
        sys.exit(interrupts.exit_code_of(cause))
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except KeyboardInterrupt as exc:
        click.echo("\ninterrupted: nothing written", err=True)
        sys.exit(interrupts.exit_code_of(exc))
    sys.exit(code if isinstance(code, int) else EXIT_OK)


_config_option = click.option(
    "--config", "config_file", type=click.Path(dir_okay=False),
    help="Config file (newsclean.toml or pyproject.toml). Default: the nearest one found "
    "from the current folder up.",
)
_disable_option = click.option(
    "--disable", multiple=True, metavar="STEP", help="Leave out a step (repeatable)."
)
_max_bytes_option = click.option(
    "--max-bytes", type=click.IntRange(min=1), default=DEFAULT_MAX_BYTES, show_default=True,
    help="Refuse a document larger than this (after decompression): a text file, or one "
    "line of a JSONL file. JSONL files of any size are streamed.",
)


def _configured(
    config_file: str | None,
    disable: tuple[str, ...],
    *,
    index: str | None = None,
    drop_duplicates: bool = False,
    threshold: float | None = None,
    shingle_size: int | None = None,
) -> Config:
    config = _load_config(config_file)
    if disable:
        unknown = [d for d in disable if d not in config.step_names]
        if unknown:
            raise click.UsageError(
                f"--disable: not in the pipeline: {', '.join(unknown)}; "
                f"steps are: {', '.join(config.step_names)}"
            )
        config = replace(config, disable=config.disable + disable)
    # Options of a step left out are dropped (Config.with_options ignores them).
    config = config.with_options(
        "near_duplicates",
        index=index,
        drop=drop_duplicates or None,
        threshold=threshold,
        shingle_size=shingle_size,
    )
    config = config.with_options("corpus_boilerplate", index=index, threshold=threshold,
                                 shingle_size=shingle_size)
    return config


@main.command(epilog=EXIT_CODES_HELP)
@click.argument("inputs", nargs=-1, required=True)
@click.option("-o", "--output", default="-", show_default=True, metavar="FILE|DIR/",
              help="Where to write the JSONL records: a file (.jsonl, .jsonl.gz, .jsonl.zst), "
              "'-' for stdout, or a folder (a trailing slash, or an existing folder) for "
              "shards part-00000.jsonl ... and a manifest.json.")
@click.option("--shard-suffix", type=click.Choice(SHARD_SUFFIXES), default=".jsonl",
              show_default=True, help="Format and compression of the shards of a folder output.")
@click.option("--shard-records", type=click.IntRange(min=1), default=DEFAULT_RECORDS_PER_SHARD,
              show_default=True, help="Records per shard of a folder output.")
@_config_option
@_disable_option
@click.option("-j", "--jobs", type=click.IntRange(min=1), default=None,
              help="Processes for per-document cleaning (output is identical for any N).")
@_max_bytes_option
@click.option("--index", metavar="PATH|redis://HOST:PORT/N", default=None,
              help="Persistent near-duplicate index: an SQLite file (created if missing) or a "
              "Redis URL; articles are checked against every article indexed before.")
@click.option("--drop-duplicates", is_flag=True,
              help="Leave near-duplicates out of the output (default: mark them with "
              "duplicate_of and cluster).")
@click.option("--dup-threshold", "threshold", default=None,
              type=click.FloatRange(0.0, 1.0, min_open=True),
              help="Estimated Jaccard similarity at which two articles are near-duplicates "
              "[default: 0.5].")
@click.option("--shingle-size", type=click.IntRange(min=1), default=None,
              help="Words per shingle for near-duplicate signatures [default: 5].")
@click.option("--engine", type=click.Choice(["local", "dask"]), default="local",
              show_default=True,
              help="Where the work runs: this machine's processes (--jobs), or a Dask cluster "
              "(pip install 'newsclean[dask]'); the records are the same (docs/engines.md).")
@click.option("--scheduler", metavar="ADDRESS", default=None,
              help="With --engine dask: the Dask scheduler (tcp://HOST:8786) whose workers "
              "share the inputs and the output's folder. Default: --jobs worker processes on "
              "this machine, started for the run.")
@click.option("-q", "--quiet", is_flag=True, help="No progress and no summary on stderr.")
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
    config = _configured(config_file, disable, index=index, drop_duplicates=drop_duplicates,
                         threshold=threshold, shingle_size=shingle_size)
    pipeline = _build(config)
    errors: list[str] = []
    report = _error_reporter(errors)
    stats = RunStats()
    progress = _Progress(enabled=not quiet)
    # The output is opened first, so an unwritable one fails before any cleaning is done; the
    # index is written only after the output is, so a failed run leaves both as they were.
    with _fatal_errors("no output written" + (", the index untouched" if index else "")):
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
        except BaseException:
            pipeline.discard()
            raise
    with _fatal_errors(f"the output {display_path(output)} is written, the index was not "
                       "updated (run again to update it)"):
        pipeline.commit()
    progress.done()
    stats.failed = len(errors)
    if not quiet:
        click.echo(_summary(stats, dropped_duplicates=drop_duplicates), err=True)
    sys.exit(EXIT_INPUT_ERRORS if errors else EXIT_OK)


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


@main.command(epilog=EXIT_CODES_HELP)
@click.argument("input_file", metavar="FILE")
@_config_option
@_disable_option
@click.option("--color/--no-color", default=None, help="Colour the marks (default: on a TTY).")
def explain(input_file: str, config_file: str | None, disable: tuple[str, ...],
            color: bool | None) -> None:
    """Show FILE's cleaned text with every removed span marked with its step and reason."""
    pipeline = _build(_configured(config_file, disable))
    errors: list[str] = []
    report = _error_reporter(errors)
    for document in iter_documents([input_file], on_error=report):
        use_color = sys.stdout.isatty() if color is None else color
        try:
            text = pipeline.explain(document, color=use_color)
        except StepError as exc:
            report(exc)
            continue
        click.echo(text, color=use_color)
    sys.exit(EXIT_INPUT_ERRORS if errors else EXIT_OK)


EXIT_CHECK_HELP = (
    "\b\nExit codes:\n"
    "  0    every file is clean (check) / every file was fixed (fix)\n"
    "  1    fix --fail-on-change: some file was changed\n"
    "  1    check: some file would change, or is a near-duplicate of an indexed article\n"
    "  2    bad usage or configuration, or an index that cannot be used\n"
    "  3    some inputs could not be read, were refused (a link, not a regular file, a\n"
    "       whole file judged boilerplate, a part file in the way, changed while fixed),\n"
    "       or fixed files written (each named on stderr); the rest were handled\n"
    "  130  interrupted (Ctrl-C); each file is either old or new, never half-written"
)
EXIT_CHANGES = 1
EXIT_UNREADABLE = 3


def _plans(
    paths: tuple[str, ...],
    pipeline: Pipeline,
    report: Callable[[Exception], None],
    max_bytes: int,
):
    plans = []
    for path in _input_files(paths, report):
        try:
            plan = plan_file(path, pipeline, report, max_bytes=max_bytes)
        except StepError as exc:
            report(exc)
            continue
        if plan is not None:
            plans.append(plan)
    # Corpus steps (near-duplicates against --index, corpus boilerplate) see every file at once.
    drafts = [d for plan in plans for d in plan.drafts]
    pipeline.finish(drafts)
    for plan in plans:
        for draft in plan.drafts:
            # The kept copy of a cluster is fine; the others are what the hook is about.
            if draft.duplicate_of:
                reason = f"near-duplicate of {draft.duplicate_of}"
                plan.findings.append(Finding(str(plan.path), None, "near_duplicates", reason))
    return plans


def _input_files(paths: tuple[str, ...], report: Callable[[Exception], None]) -> list[Path]:
    # --keep-removed sidecars sit beside the scrapes (NAME.txt.removed.jsonl, and the
    # NAME.removed.jsonl of earlier versions); they are not scrapes to check. No link is
    # followed: fix never writes through one, and check reports what fix would do.
    return [p for p in iter_input_files(paths, on_error=report, follow_links=False)
            if not p.name.endswith(SIDECAR_SUFFIX)]


def _check_reporter(errors: list[str]) -> Callable[[Exception], None]:
    """The error reporter, except that a file skipped with nothing lost (another fix got
    there first) is a note on stderr and no error.
    """
    report = _error_reporter(errors)

    def check_report(exc: Exception) -> None:
        if isinstance(exc, FileSkipped):
            click.echo(f"note: {exc}", err=True)
        else:
            report(exc)

    return check_report


@contextmanager
def _fatal_errors(interrupted: str):
    """Ctrl-C exits 130 (SIGTERM 143), and a corpus step that cannot work (its index) or an
    output that cannot be written exits 2, each with one line on stderr; ``interrupted`` says
    what that means for the output.
    """
    try:
        yield
    except KeyboardInterrupt as exc:
        click.echo(f"\ninterrupted: {interrupted}", err=True)
        sys.exit(interrupts.exit_code_of(exc))
    except (CorpusStepError, OutputError, EngineError) as exc:
        click.echo(f"error: {exc}; {interrupted}", err=True)
        sys.exit(EXIT_USAGE)


def _check_or_fix(paths, config_file, disable, index, diff, max_bytes, fix, keep_removed,
                  fail_on_change=False):
    if "-" in paths:
        raise click.UsageError("check and fix work on files in place; to clean standard "
                               "input, use: newsclean run -")
    config = _configured(config_file, disable, index=index)
    # The index follows the files of the repository: a file checked again replaces its earlier
    # entries, a deleted one drops out (see NearDuplicates). Files are named from their git
    # top level, else from the config file's folder (docs/dedup.md).
    config_folder = str(Path(config.source).parent) if index and config.source else None
    for step in ("near_duplicates", "corpus_boilerplate"):
        config = config.with_options(step, per_file=True if index else None,
                                     root_fallback=config_folder)
    if index is None:
        # Without an index the corpus steps would compare only the files at hand, which a
        # pre-commit run splits arbitrarily: leave cross-file checks to --index.
        config = replace(config, disable=config.disable + tuple(
            n for n in ("near_duplicates", "corpus_boilerplate") if n in config.step_names))
    pipeline = _build(config)
    errors: list[str] = []
    report = _check_reporter(errors)
    changed = 0
    with _fatal_errors("every file is either old or new, the index untouched"):
        try:
            for plan in _plans(paths, pipeline, report, max_bytes):
                if plan.refusal is not None:  # what fix would refuse, check names too
                    report(FileRefused(plan.path, plan.refusal))
                    continue
                if not plan.findings and not plan.changes:
                    continue
                for finding in plan.findings:
                    click.echo(str(finding))
                if diff:
                    click.echo(plan.diff(), nl=False)
                if fix and plan.changes:
                    try:
                        apply_plan(plan, keep_removed=keep_removed)
                    except (OutputError, FileRefused) as exc:
                        report(exc)  # this file stays as it was; the others go on
                        continue
                changed += 1
        except BaseException:
            pipeline.discard()
            raise
    with _fatal_errors("the files are handled, the index was not updated"):
        pipeline.commit()
    if errors:
        sys.exit(EXIT_UNREADABLE)
    sys.exit(EXIT_CHANGES if changed and (not fix or fail_on_change) else EXIT_OK)


_index_option = click.option(
    "--index", metavar="PATH|redis://HOST:PORT/N", default=None,
    help="Check articles against this persistent near-duplicate index (and add them to it).")


@main.command(epilog=EXIT_CHECK_HELP)
@click.argument("paths", nargs=-1, required=True)
@_config_option
@_disable_option
@_index_option
@_max_bytes_option
@click.option("--diff", is_flag=True, help="Also print a unified diff of what fix would write.")
def check(paths: tuple[str, ...], config_file: str | None, disable: tuple[str, ...],
          index: str | None, max_bytes: int, diff: bool) -> None:
    """Report what cleaning would change in each file of PATHS, as FILE:LINE: STEP: REASON."""
    _check_or_fix(paths, config_file, disable, index, diff, max_bytes, fix=False,
                  keep_removed=False)


@main.command(epilog=EXIT_CHECK_HELP)
@click.argument("paths", nargs=-1, required=True)
@_config_option
@_disable_option
@_index_option
@_max_bytes_option
@click.option("--diff", is_flag=True, help="Also print a unified diff of each change.")
@click.option("--keep-removed", is_flag=True,
              help="Add the removed spans of each file NAME to NAME.removed.jsonl beside it.")
@click.option("--fail-on-change", is_flag=True,
              help="Exit 1 when a file was changed (what a pre-commit hook wants).")
def fix(paths: tuple[str, ...], config_file: str | None, disable: tuple[str, ...],
        index: str | None, max_bytes: int, diff: bool, keep_removed: bool,
        fail_on_change: bool) -> None:
    """Rewrite each file of PATHS cleaned, in place and atomically (idempotent).

    A .txt scrape becomes its clean text; a multi-article scrape becomes NAME.part1.txt,
    NAME.part2.txt, ... beside it and the original is removed; a .jsonl file becomes its
    cleaned records. Near-duplicates found with --index are reported, not deleted.
    """
    _check_or_fix(paths, config_file, disable, index, diff, max_bytes, fix=True,
                  keep_removed=keep_removed, fail_on_change=fail_on_change)


@main.command(name="steps")
@_config_option
def list_steps(config_file: str | None) -> None:
    """List the configured steps in order, with what each removes."""
    config = _load_config(config_file)
    for name in config.step_names:
        try:
            cls = resolve_step(name)
        except ConfigError as exc:
            raise click.UsageError(str(exc)) from exc
        summary = " ".join((cls.__doc__ or "").strip().split("\n\n")[0].split())
        click.echo(f"{cls.name:18} {summary}")


__all__ = ["EXIT_INPUT_ERRORS", "EXIT_INTERRUPTED", "EXIT_OK", "EXIT_USAGE", "main"]
