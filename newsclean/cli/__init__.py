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
from typing import NamedTuple

import click

from newsclean import interrupts
from newsclean.cli.exit_codes import (
    EXIT_CODES_HELP,
    EXIT_INPUT_ERRORS,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_USAGE,
)


class _Command(NamedTuple):
    """Where a command is defined (its module and its name there), and its line in the
    listing of ``newsclean --help``.
    """

    module: str
    name: str
    summary: str


# Each command. A module is imported when its command runs or shows its own help, so
# ``check`` loads neither what ``run`` needs (the engines, shards, Parquet) nor the report's,
# and ``newsclean --help`` lists the commands by their summaries here without loading any.
# The modules stay modules, not names bound here: a command bound by its name (``check``)
# would hide the module of that name (``newsclean.cli.check``), which tests patch.
_COMMANDS = {
    "check": _Command("newsclean.cli.check", "check",
                      "Report what cleaning would change in each file; change nothing."),
    "explain": _Command("newsclean.cli.explain", "explain",
                        "Show an input's cleaned text with each removed span marked."),
    "fix": _Command("newsclean.cli.check", "fix",
                    "Rewrite each file cleaned, in place and atomically."),
    "report": _Command("newsclean.cli.report", "report",
                       "Clean inputs as 'run' does and write an HTML report of removals."),
    "run": _Command("newsclean.cli.run", "run",
                    "Clean inputs and write one JSON record per article."),
    "steps": _Command("newsclean.cli.explain", "list_steps",
                      "List the configured steps in order, with what each removes."),
}


class _Commands(click.Group):
    """A group whose commands are imported when first asked for."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(_COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        where = _COMMANDS.get(cmd_name)
        if where is None:
            return None
        command: click.Command = getattr(importlib.import_module(where.module), where.name)
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        # click shortens each command's own help, which means importing every command's
        # module: about 0.13 CPU s of the 0.3 `newsclean --help` took.
        rows = [(name, _COMMANDS[name].summary) for name in self.list_commands(ctx)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


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
