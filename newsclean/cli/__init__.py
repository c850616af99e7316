"""The ``newsclean`` command line: parse options, build the pipeline, wire readers and writers.

This package never calls a step directly; everything it does goes through
:class:`~newsclean.pipeline.Pipeline`, so the library can do all the command line can. One
module per command (:mod:`.run`, :mod:`.check` for check and fix, :mod:`.explain` for explain
and steps, :mod:`.report`), what they share in :mod:`.options`, the exit codes in
:mod:`.exit_codes`.
"""

from __future__ import annotations

import importlib
import sys

import click

from newsclean import interrupts
from newsclean.cli.exit_codes import (
    EXIT_CODES_HELP,
    EXIT_INPUT_ERRORS,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_USAGE,
)

# Each command: the module that defines it and its name there. A module is imported when its
# command runs (or a help page lists it), so ``check`` loads neither what ``run`` needs (the
# engines, shards, Parquet) nor the report's. The modules stay modules, not names bound here:
# a command bound by its name (``check``) would hide the module of that name
# (``newsclean.cli.check``), which tests patch.
_COMMANDS = {
    "check": ("newsclean.cli.check", "check"),
    "explain": ("newsclean.cli.explain", "explain"),
    "fix": ("newsclean.cli.check", "fix"),
    "report": ("newsclean.cli.report", "report"),
    "run": ("newsclean.cli.run", "run"),
    "steps": ("newsclean.cli.explain", "list_steps"),
}


class _Commands(click.Group):
    """A group whose commands are imported when first asked for."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(_COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        where = _COMMANDS.get(cmd_name)
        if where is None:
            return None
        module, name = where
        command: click.Command = getattr(importlib.import_module(module), name)
        return command


@click.group(
    cls=_Commands,
    context_settings={"help_option_names": ["-h", "--help"]},
    epilog=EXIT_CODES_HELP,
)
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


__all__ = ["EXIT_INPUT_ERRORS", "EXIT_INTERRUPTED", "EXIT_OK", "EXIT_USAGE", "main",
           "run_command"]
