"""``newsclean check`` and ``newsclean fix``: files checked, and cleaned in place.

Like a linter and a formatter: ``check`` prints every finding as ``FILE:LINE:COL: STEP:
REASON`` and exits 1 when a file would change; ``fix`` rewrites the files and prints one line
per file it changed (its findings with ``-v``). Both end with a summary on stderr, and ``fix``
names the new files (part files of a split, a new sidecar), which ``git add -u`` does not pick
up.
"""

from __future__ import annotations

import os
import shlex
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

import click

from newsclean import interrupts
from newsclean.cli.exit_codes import (
    EXIT_CHANGES,
    EXIT_CODES_HELP,
    EXIT_INPUT_ERRORS,
    EXIT_OK,
)
from newsclean.cli.options import (
    Exclusions,
    build,
    config_option,
    configured,
    disable_option,
    echo_out,
    error_reporter,
    exclude_option,
    fatal_errors,
    jobs_option,
    max_bytes_option,
    quiet_option,
)
from newsclean.cli.progress import Bar, wanted
from newsclean.fixing import (
    NEAR_DUPLICATE_STEP,
    SIDECAR_SUFFIX,
    FilePlan,
    FileRefused,
    FileSkipped,
    apply_plan,
    plan_file,
    plan_jsonl,
    plan_text,
)
from newsclean.io import OutputError, display_path, iter_input_files
from newsclean.io.readers import STDIN, iter_documents
from newsclean.pipeline import Pipeline, StepError
from newsclean.record import Document

# Files planned at once per worker process: enough to keep each busy, few to bound memory.
_IN_FLIGHT = 4


@dataclass
class _Tally:
    """What a check or fix did, for its summary."""

    files: int = 0
    changed: int = 0
    findings: int = 0
    duplicates: int = 0
    clean: int = 0
    skipped: int = 0
    new_files: list[Path] = field(default_factory=list)


def _input_files(
    paths: Iterable[str], report: Callable[[Exception], None], excluded: Exclusions
) -> Iterator[Path]:
    # --keep-removed sidecars sit beside the scrapes (NAME.txt.removed.jsonl, and the
    # NAME.removed.jsonl of earlier versions); they are not scrapes to check. No link is
    # followed: fix never writes through one, and check reports what fix would do.
    for path in iter_input_files(list(paths), on_error=report, follow_links=False):
        if not path.name.endswith(SIDECAR_SUFFIX) and not excluded(path):
            yield path


def _plan_one(path: Path, pipeline: Pipeline, max_bytes: int) -> tuple[FilePlan | None,
                                                                         list[Exception]]:
    """The plan of one file and the errors met making it (in the order met)."""
    errors: list[Exception] = []
    try:
        plan = plan_file(path, pipeline, errors.append, max_bytes=max_bytes)
    except StepError as exc:
        errors.append(exc)
        plan = None
    return plan, errors


_WORKER: tuple[Pipeline, int] | None = None


def _init_worker(pipeline: Pipeline, max_bytes: int, parent: int) -> None:
    global _WORKER
    interrupts.init_worker(parent)
    _WORKER = (pipeline, max_bytes)


def _plan_in_worker(path: Path) -> tuple[FilePlan | None, list[Exception]]:
    assert _WORKER is not None
    return _plan_one(path, *_WORKER)


def _planned(files: Iterable[Path], pipeline: Pipeline, max_bytes: int,
             jobs: int) -> Iterator[tuple[FilePlan | None, list[Exception]]]:
    """Each file's plan and errors, in file order; planned in ``jobs`` processes."""
    if jobs <= 1:
        for path in files:
            yield _plan_one(path, pipeline, max_bytes)
        return
    # Workers run the per-document steps only (corpus steps need every file, here); they
    # ignore Ctrl-C and are stopped on any exit, as the run's workers are.
    shipped = Pipeline(pipeline.document_steps)
    # What the steps share is loaded here once, not in each worker; not the language model,
    # which only a JSONL file needs (a .txt file has no metadata) and a worker loads if it must.
    shipped.before_fork(metadata=False)
    import multiprocessing  # here: checking with one process does not load it

    with interrupts.held():
        pool = multiprocessing.Pool(jobs, _init_worker, (shipped, max_bytes, os.getpid()))
    with pool:
        pending: list = []
        for path in files:
            pending.append(pool.apply_async(_plan_in_worker, (path,)))
            if len(pending) >= _IN_FLIGHT * jobs:
                yield pending.pop(0).get()
        while pending:
            yield pending.pop(0).get()


def _stdin_plan(pipeline: Pipeline, max_bytes: int,
                report: Callable[[Exception], None]) -> FilePlan | None:
    """What check finds in standard input, named ``-`` (text, or JSONL records)."""
    errors: list[Exception] = []
    documents: list[Document] = list(iter_documents([STDIN], max_bytes=max_bytes,
                                                    on_error=errors.append))
    for error in errors:
        report(error)
    if errors or not documents:
        return None
    path = Path(STDIN)
    jsonl = len(documents) > 1 or documents[0].source != STDIN
    if jsonl:
        # Not kept as read: a record is taken to change when a step finds something in it.
        # Records read from stdin are sourced "-:LINE" unless they carry their own source.
        lines = [int(d.source[2:]) if d.source[2:].isdigit() and d.source.startswith("-:")
                 else None for d in documents]
        plan = plan_jsonl(path, documents, None, pipeline, lines)
        plan.old_text = plan.outputs[path] if not plan.findings else ""
        return plan
    text = documents[0].text
    return plan_text(path, documents[0], text if "encoding" not in documents[0].metadata
                     else None, pipeline)


def _plans(paths: tuple[str, ...], pipeline: Pipeline, report: Callable[[Exception], None],
           max_bytes: int, jobs: int, excluded: Exclusions, bar: Bar,
           tally: _Tally) -> Iterator[FilePlan]:
    """The plans of the files of ``paths`` in order (``-`` is standard input), counted in
    ``tally.files``; with corpus steps (``--index``), once every file is planned and the
    corpus steps have run.
    """

    def each() -> Iterator[FilePlan]:
        for given in paths:
            if given == STDIN:
                tally.files += 1
                plan = _stdin_plan(pipeline, max_bytes, report)
                bar.update()
                if plan is not None:
                    yield plan
                continue
            # Listed first (cheap next to cleaning them), so the bar has its total.
            files = list(_input_files([given], report, excluded))
            tally.files += len(files)
            bar.total(tally.files)
            for plan, errors in _planned(files, pipeline, max_bytes, jobs):
                bar.update()
                for error in errors:
                    report(error)
                if plan is not None:
                    yield plan

    if not pipeline.corpus_steps:
        yield from each()  # one file at a time: nothing needs them all
        return
    plans = list(each())
    # Corpus steps (near-duplicates against --index, corpus boilerplate) see every file at once.
    pipeline.finish([d for plan in plans for d in plan.drafts])
    for plan in plans:
        for draft in plan.drafts:
            # The kept copy of a cluster is fine; the others are what the hook is about.
            if draft.duplicate_of:
                plan.findings.append(plan.finding_at(
                    draft, NEAR_DUPLICATE_STEP, f"near-duplicate of {draft.duplicate_of}"))
    yield from plans


def _check_reporter(errors: list[str], tally: _Tally) -> Callable[[Exception], None]:
    """The error reporter, except that a file skipped with nothing lost (another fix got
    there first) is a note on stderr and no error.
    """
    report = error_reporter(errors)

    def check_report(exc: Exception) -> None:
        if isinstance(exc, FileSkipped):
            tally.skipped += 1
            click.echo(f"note: {exc}", err=True)
        else:
            report(exc)

    return check_report


def _plural(count: int, word: str) -> str:
    return f"{count:,} {word}{'' if count == 1 else 's'}"


def _fixed_line(plan: FilePlan, findings: int) -> str:
    """What ``fix`` prints for a file it changed: one line."""
    path = display_path(plan.path)
    counted = _plural(findings, "finding")
    if plan.path in plan.outputs:
        line = f"{path}: fixed ({counted})"
    else:
        parts = ", ".join(display_path(target.name) for target in plan.outputs)
        line = f"{path}: split into {len(plan.outputs)} files, {parts} ({counted})"
    kept = plan.kept_metadata()
    if kept:
        fields = ", ".join(f"metadata.{key}" for key in kept)
        line += f"; {fields} kept in {display_path(plan.path.name + SIDECAR_SUFFIX)}"
    return line


def _summary(tally: _Tally, errors: int, fix: bool) -> str:
    """The closing line, on stderr."""
    found = f" ({_plural(tally.findings, 'finding')})"
    if fix:
        parts = [f"fixed {tally.changed:,} of {_plural(tally.files, 'file')}"
                 f"{found if tally.changed else ''}"]
        if tally.duplicates:
            parts.append(f"{tally.duplicates:,} near-duplicate(s) reported, not changed")
        parts.append(f"{tally.clean:,} already clean")
    else:
        parts = [f"checked {_plural(tally.files, 'file')}: "
                 f"{tally.changed:,} would change{found if tally.changed else ''}"]
        if tally.duplicates:
            parts.append(f"{tally.duplicates:,} near-duplicate(s)")
        parts.append(f"{tally.clean:,} clean")
    if tally.skipped:
        parts.append(f"{tally.skipped:,} skipped (noted above)")
    if errors:
        parts.append(f"{_plural(errors, 'error')} (named above)")
    return ", ".join(parts)


def _add_note(new_files: list[Path]) -> str:
    """The note naming files a fix made, which ``git add -u`` does not pick up."""
    names = " ".join(_shell_word(path) for path in new_files)
    return (f"{_plural(len(new_files), 'new file')}, which 'git add -u' does not pick up: "
            f"git add -- {names}")


def _shell_word(path: Path) -> str:
    r"""``path`` as a shell word that names the file itself, and prints safely. A name shown
    with escapes (``esc\x1b.txt``) is written in the shell's ``$'...'`` quoting, where the
    escapes mean the bytes they stand for, so a pasted command names the real file.
    """
    if display_path(path) == os.fspath(path):
        return shlex.quote(os.fspath(path))
    quoted = {ord("\\"): "\\\\", ord("'"): "\\'"}
    return "$'" + "".join(quoted.get(byte) or (chr(byte) if 0x20 <= byte < 0x7F else
                                               f"\\x{byte:02x}")
                          for byte in os.fsencode(path)) + "'"


def _check_or_fix(
    paths: tuple[str, ...],
    *,
    config_file: str | None,
    disable: tuple[str, ...],
    index: str | None,
    exclude: tuple[str, ...],
    jobs: int | None,
    max_bytes: int,
    diff: bool,
    quiet: bool,
    verbose: bool,
    fix: bool,
    keep_removed: bool = False,
    fail_on_change: bool = False,
) -> None:
    if fix and STDIN in paths:
        raise click.UsageError("fix rewrites files in place; to see what it would change in "
                               "standard input, use: newsclean check -")
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
    excluded = Exclusions(config, exclude)
    errors: list[str] = []
    tally = _Tally()
    report = _check_reporter(errors, tally)
    bar = Bar(wanted(quiet), "fixing" if fix else "checking", "files")
    with fatal_errors("every file is either old or new, the index untouched"):
        try:
            for plan in _plans(paths, pipeline, report, max_bytes, jobs or config.jobs,
                               excluded, bar, tally):
                _handle(plan, tally, report, fix=fix, diff=diff, verbose=verbose,
                        keep_removed=keep_removed)
        except BaseException:
            pipeline.discard()
            raise
        finally:
            bar.close()
    if STDIN in paths:
        # Standard input is no file the index could follow (nothing would ever take its
        # entries out again): a check that reads it leaves the index as it was.
        pipeline.discard()
    else:
        with fatal_errors("the files are handled, the index was not updated"):
            pipeline.commit()
    if not quiet:
        click.echo(_summary(tally, len(errors), fix), err=True)
        if tally.new_files:
            click.echo(_add_note(tally.new_files), err=True)
    if errors:
        sys.exit(EXIT_INPUT_ERRORS)
    flagged = tally.changed + tally.duplicates
    sys.exit(EXIT_CHANGES if flagged and (not fix or fail_on_change) else EXIT_OK)


def _handle(plan: FilePlan, tally: _Tally, report: Callable[[Exception], None], *, fix: bool,
            diff: bool, verbose: bool, keep_removed: bool) -> None:
    """Report one file's plan, and with ``fix`` carry it out."""
    if plan.refusal is not None:  # what fix would refuse, check names too
        report(FileRefused(plan.path, plan.refusal))
        return
    if not plan.findings and not plan.changes:
        tally.clean += 1
        return
    changing = [f for f in plan.findings if f.changes_file]
    # fix prints what it leaves (near-duplicates) always, what it changes with -v.
    for finding in plan.findings:
        if not fix or verbose or not finding.changes_file:
            echo_out(str(finding))
    if diff:
        echo_out(plan.diff(), nl=False)
    if not plan.changes:
        tally.duplicates += 1
        return
    if fix:
        try:
            made = apply_plan(plan, keep_removed=keep_removed)
        except (OutputError, FileRefused) as exc:
            report(exc)  # this file stays as it was; the others go on
            return
        echo_out(_fixed_line(plan, len(changing)))
        tally.new_files += made
    tally.changed += 1
    tally.findings += len(changing)
    if len(changing) < len(plan.findings):
        tally.duplicates += 1


_index_option = click.option(
    "--index", metavar="PATH|redis://HOST:PORT/N", default=None, show_default="none",
    help="Check articles against this persistent near-duplicate index (and add them to it).")
_diff_option = click.option("--diff", is_flag=True,
                            help="Also print a unified diff of what fix writes.")


@click.command(epilog=EXIT_CODES_HELP)
@click.argument("paths", nargs=-1, required=True, metavar="PATH...")
@config_option
@disable_option
@_index_option
@exclude_option
@jobs_option
@max_bytes_option
@_diff_option
@quiet_option
def check(paths: tuple[str, ...], config_file: str | None, disable: tuple[str, ...],
          index: str | None, exclude: tuple[str, ...], jobs: int | None, max_bytes: int,
          diff: bool, quiet: bool) -> None:
    """Report what cleaning would change in each file of PATH (files, folders searched for
    .txt/.jsonl, or '-' for stdin), one FILE:LINE:COL: STEP: REASON line per finding, and a
    summary on stderr.
    """
    _check_or_fix(paths, config_file=config_file, disable=disable, index=index,
                  exclude=exclude, jobs=jobs, max_bytes=max_bytes, diff=diff, quiet=quiet,
                  verbose=True, fix=False)


@click.command(epilog=EXIT_CODES_HELP)
@click.argument("paths", nargs=-1, required=True, metavar="PATH...")
@config_option
@disable_option
@_index_option
@exclude_option
@jobs_option
@max_bytes_option
@_diff_option
@click.option("--keep-removed", is_flag=True,
              help="Keep every removed span of each file NAME in NAME.removed.jsonl beside "
              "it (a.txt: a.txt.removed.jsonl). Without it, only the URLs and credits a .txt "
              "file cannot hold go there.")
@click.option("--fail-on-change", is_flag=True,
              help="Exit 1 when a file was changed or is a near-duplicate (what a pre-commit "
              "hook wants).")
@click.option("-v", "--verbose", is_flag=True,
              help="Print every finding (FILE:LINE:COL: STEP: REASON), not only one line per "
              "file changed.")
@quiet_option
def fix(paths: tuple[str, ...], config_file: str | None, disable: tuple[str, ...],
        index: str | None, exclude: tuple[str, ...], jobs: int | None, max_bytes: int,
        diff: bool, keep_removed: bool, fail_on_change: bool, verbose: bool,
        quiet: bool) -> None:
    """Rewrite each file of PATH cleaned, in place and atomically (idempotent), keeping its
    paragraph layout; one line per file changed, a summary on stderr.

    A .txt scrape becomes its clean text; a multi-article scrape becomes NAME.part1.txt,
    NAME.part2.txt, ... beside it and the original is removed (the new files are named, to
    git add); a .jsonl file becomes its cleaned records. Near-duplicates found with --index
    are reported, not deleted.
    """
    _check_or_fix(paths, config_file=config_file, disable=disable, index=index,
                  exclude=exclude, jobs=jobs, max_bytes=max_bytes, diff=diff, quiet=quiet,
                  verbose=verbose, fix=True, keep_removed=keep_removed,
                  fail_on_change=fail_on_change)
