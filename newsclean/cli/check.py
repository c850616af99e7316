"""``newsclean check`` and ``newsclean fix``: files checked, and cleaned in place."""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import click

from newsclean.cli.exit_codes import EXIT_CHANGES, EXIT_CODES_HELP, EXIT_INPUT_ERRORS, EXIT_OK
from newsclean.cli.options import (
    build,
    config_option,
    configured,
    disable_option,
    error_reporter,
    fatal_errors,
    max_bytes_option,
)
from newsclean.fixing import (
    SIDECAR_SUFFIX,
    FileRefused,
    FileSkipped,
    Finding,
    apply_plan,
    plan_file,
)
from newsclean.io import OutputError, iter_input_files
from newsclean.pipeline import Pipeline, StepError


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
    report = error_reporter(errors)

    def check_report(exc: Exception) -> None:
        if isinstance(exc, FileSkipped):
            click.echo(f"note: {exc}", err=True)
        else:
            report(exc)

    return check_report


def _check_or_fix(paths, config_file, disable, index, diff, max_bytes, fix, keep_removed,
                  fail_on_change=False):
    if "-" in paths:
        raise click.UsageError("check and fix work on files in place; to clean standard "
                               "input, use: newsclean run -")
    config = configured(config_file, disable, index=index)
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
    pipeline = build(config)
    errors: list[str] = []
    report = _check_reporter(errors)
    changed = 0
    with fatal_errors("every file is either old or new, the index untouched"):
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
    with fatal_errors("the files are handled, the index was not updated"):
        pipeline.commit()
    if errors:
        sys.exit(EXIT_INPUT_ERRORS)
    sys.exit(EXIT_CHANGES if changed and (not fix or fail_on_change) else EXIT_OK)


_index_option = click.option(
    "--index", metavar="PATH|redis://HOST:PORT/N", default=None, show_default="none",
    help="Check articles against this persistent near-duplicate index (and add them to it).")


@click.command(epilog=EXIT_CODES_HELP)
@click.argument("paths", nargs=-1, required=True)
@config_option
@disable_option
@_index_option
@max_bytes_option
@click.option("--diff", is_flag=True, help="Also print a unified diff of what fix would write.")
def check(paths: tuple[str, ...], config_file: str | None, disable: tuple[str, ...],
          index: str | None, max_bytes: int, diff: bool) -> None:
    """Report what cleaning would change in each file of PATHS, as FILE:LINE: STEP: REASON."""
    _check_or_fix(paths, config_file, disable, index, diff, max_bytes, fix=False,
                  keep_removed=False)


@click.command(epilog=EXIT_CODES_HELP)
@click.argument("paths", nargs=-1, required=True)
@config_option
@disable_option
@_index_option
@max_bytes_option
@click.option("--diff", is_flag=True, help="Also print a unified diff of each change.")
@click.option("--keep-removed", is_flag=True,
              help="Add the removed spans of each file NAME to NAME.removed.jsonl beside it "
              "(a.txt: a.txt.removed.jsonl).")
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

