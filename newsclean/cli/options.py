"""What the commands share: the config and pipeline from the options, the common options,
error reporting, and the one-line endings of a run that cannot go on.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

import click

from newsclean import interrupts
from newsclean.cli.exit_codes import EXIT_USAGE
from newsclean.config import Config, ConfigError, find_config, read_config
from newsclean.io import DEFAULT_MAX_BYTES, OutputError
from newsclean.pipeline import CorpusStepError, Pipeline


def load_config(config_file: str | None) -> Config:
    """The config named by ``--config``, or the nearest one found (a usage error if bad)."""
    try:
        return read_config(config_file) if config_file else find_config(Path.cwd())
    except ConfigError as exc:
        raise click.UsageError(str(exc)) from exc


def build(config: Config) -> Pipeline:
    """The pipeline of ``config`` (a usage error if it cannot be built)."""
    try:
        return Pipeline.from_config(config)
    except (ConfigError, ValueError) as exc:
        raise click.UsageError(str(exc)) from exc


def error_reporter(errors: list[str]) -> Callable[[Exception], None]:
    """A reporter that prints ``error: MESSAGE`` on stderr and keeps the message."""

    def report(exc: Exception) -> None:
        message = str(exc)
        errors.append(message)
        click.echo(f"error: {message}", err=True)

    return report


config_option = click.option(
    "--config", "config_file", type=click.Path(dir_okay=False), metavar="FILE",
    show_default="the nearest newsclean.toml or pyproject.toml from the current folder up",
    help="Config file (newsclean.toml, or pyproject.toml with a [tool.newsclean] table).",
)
disable_option = click.option(
    "--disable", multiple=True, metavar="STEP", help="Leave out a step (repeatable)."
)
jobs_option = click.option(
    "-j", "--jobs", type=click.IntRange(min=1), default=None, metavar="N",
    show_default="config 'jobs', else 1",
    help="Processes for per-document cleaning (the output is the same for any N).",
)
quiet_option = click.option(
    "-q", "--quiet", is_flag=True, help="No progress and no summary on stderr."
)
max_bytes_option = click.option(
    "--max-bytes", type=click.IntRange(min=1), default=DEFAULT_MAX_BYTES, metavar="N",
    show_default=f"{DEFAULT_MAX_BYTES} (64 MiB)",
    help="Refuse a document larger than this (after decompression): a text file, or one "
    "line of a JSONL file. JSONL files of any size are streamed.",
)


def configured(
    config_file: str | None,
    disable: tuple[str, ...],
    *,
    index: str | None = None,
    drop_duplicates: bool = False,
    threshold: float | None = None,
    shingle_size: int | None = None,
) -> Config:
    """The config with the command line's flags merged in (flags win)."""
    config = load_config(config_file)
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


def _engine_error() -> type[Exception]:
    """:class:`~newsclean.engines.stages.EngineError`, imported only once an error is being
    handled (an except clause names it then): ``check`` and ``fix`` do not load the engines.
    """
    from newsclean.engines.stages import EngineError

    return EngineError


@contextmanager
def fatal_errors(interrupted: str) -> Iterator[None]:
    """Ctrl-C exits 130 (SIGTERM 143), and a corpus step that cannot work (its index) or an
    output that cannot be written exits 2, each with one line on stderr; ``interrupted`` says
    what that means for the output.
    """
    try:
        yield
    except KeyboardInterrupt as exc:
        click.echo(f"\ninterrupted: {interrupted}", err=True)
        sys.exit(interrupts.exit_code_of(exc))
    except (CorpusStepError, OutputError, _engine_error()) as exc:
        click.echo(f"error: {exc}; {interrupted}", err=True)
        sys.exit(EXIT_USAGE)


def echo_out(text: str, *, nl: bool = True, color: bool | None = None) -> None:
    """Print ``text`` on stdout. A closed pipe (``check | head``) or a full disk there is an
    output that cannot be written: :class:`OutputError`, which :func:`fatal_errors` makes one
    line and exit 2 (a traceback and exit 1 read as "would change").
    """
    try:
        click.echo(text, nl=nl, color=color)
    except OSError as exc:
        raise OutputError("-", exc.strerror or str(exc)) from None


exclude_option = click.option(
    "--exclude", multiple=True, metavar="GLOB",
    help="Skip paths matching GLOB (gitignore syntax, relative to the current folder: "
    "'archive/', '*.draft.txt'); repeatable, added to the config's exclude list (whose globs "
    "are relative to the config file's folder). Applies to files named as well as found.",
)


class Exclusions:
    """The paths a command skips: the config's ``exclude`` globs, relative to the config
    file's folder, and ``--exclude`` globs, relative to the current folder (gitignore
    syntax: ``archive/`` is that folder anywhere, ``/archive/`` only at the top,
    ``*.draft.txt`` a name). A path outside a glob list's folder is not matched by it.
    """

    def __init__(self, config: Config, flags: tuple[str, ...]) -> None:
        here = Path.cwd()
        base = Path(config.source).resolve().parent if config.source else here
        lists = [(folder, globs) for folder, globs in ((base, config.exclude), (here, flags))
                 if globs]
        self._specs = []
        if lists:
            import pathspec  # loaded only where globs are given (start-up time)

            self._specs = [(folder, pathspec.GitIgnoreSpec.from_lines(globs))
                           for folder, globs in lists]

    def __bool__(self) -> bool:
        return bool(self._specs)

    def __call__(self, path: str | Path) -> bool:
        """Whether ``path`` (as found or named) is excluded."""
        if not self._specs:
            return False
        absolute = Path(os.path.abspath(path))
        for folder, spec in self._specs:
            try:
                relative = absolute.relative_to(folder)
            except ValueError:
                continue
            if spec.match_file(relative.as_posix()):
                return True
        return False
