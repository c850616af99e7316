"""``newsclean explain`` and ``newsclean steps``: what cleaning does, and with which steps."""

from __future__ import annotations

import sys

import click

from newsclean.cli.exit_codes import EXIT_CODES_HELP, EXIT_INPUT_ERRORS, EXIT_OK
from newsclean.cli.options import (
    build,
    config_option,
    configured,
    disable_option,
    echo_out,
    error_reporter,
    fatal_errors,
    load_config,
)
from newsclean.config import ConfigError, resolve_step
from newsclean.io import iter_documents
from newsclean.pipeline import StepError


@click.command(epilog=EXIT_CODES_HELP)
@click.argument("input_file", metavar="INPUT")
@config_option
@disable_option
@click.option("--color/--no-color", default=None, show_default="on when stdout is a terminal",
              help="Colour the marks.")
def explain(input_file: str, config_file: str | None, disable: tuple[str, ...],
            color: bool | None) -> None:
    """Show the cleaned text of INPUT with every removed span marked with its step and reason.

    INPUT is anything run reads: a file, a folder (one section per document) or '-' for
    stdin. Nothing is written; an index named in the config is read, not updated.
    """
    pipeline = build(configured(config_file, disable))
    errors: list[str] = []
    report = error_reporter(errors)
    with fatal_errors("the rest not shown"):  # stdout may be a closed pipe or a full disk
        for document in iter_documents([input_file], on_error=report):
            use_color = sys.stdout.isatty() if color is None else color
            try:
                text = pipeline.explain(document, color=use_color)
            except StepError as exc:
                report(exc)
                continue
            echo_out(text, color=use_color)
    sys.exit(EXIT_INPUT_ERRORS if errors else EXIT_OK)


@click.command(name="steps", epilog=EXIT_CODES_HELP)
@config_option
def list_steps(config_file: str | None) -> None:
    """List the configured steps in order, with what each removes."""
    config = load_config(config_file)
    with fatal_errors("the rest not shown"):
        for name in config.step_names:
            try:
                cls = resolve_step(name)
            except ConfigError as exc:
                raise click.UsageError(str(exc)) from exc
            summary = " ".join((cls.__doc__ or "").strip().split("\n\n")[0].split())
            echo_out(f"{cls.name:18} {summary}")

