"""The exit codes of the ``newsclean`` commands: one table, the same code for the same cause in
every command, shown by each command's ``--help`` (:data:`EXIT_CODES_HELP`) and in docs/cli.md.
"""

from __future__ import annotations

EXIT_OK = 0
# check: some file would change (or is a near-duplicate); fix --fail-on-change: some file
# changed (or is a near-duplicate). run, explain and steps never exit 1: a pre-commit hook
# reads 1 as "changes".
EXIT_CHANGES = 1
# Bad usage or configuration, or an index, output or cluster that cannot be used or written.
EXIT_USAGE = 2
# Some inputs could not be read or cleaned, or were refused; the others were handled.
EXIT_INPUT_ERRORS = 3
EXIT_INTERRUPTED = 130
EXIT_TERMINATED = 143

# The table, as ``--help`` shows it after every command's options (``\b``: lines kept as they
# are, not rewrapped).
EXIT_CODES_HELP = (
    "\b\nExit codes (the same for every command):\n"
    "  0    done; check: every file is clean\n"
    "  1    check: some file would change, or is a near-duplicate of an indexed\n"
    "       article; fix --fail-on-change: some file was changed, or is a\n"
    "       near-duplicate (run, explain and steps never exit 1)\n"
    "  2    bad usage or configuration, or an index, output, stats file or Dask\n"
    "       cluster that cannot be used or written: nothing written, the index\n"
    "       as it was\n"
    "  3    some inputs could not be read or cleaned, or were refused (each named\n"
    "       on stderr as 'error: ...'); the others were handled. When no input\n"
    "       could be read at all, no output file is written\n"
    "  130  interrupted (Ctrl-C), 143 stopped (SIGTERM): no output file, each\n"
    "       fixed file either old or new, the index as it was, no worker left"
)

__all__ = [
    "EXIT_CHANGES",
    "EXIT_CODES_HELP",
    "EXIT_INPUT_ERRORS",
    "EXIT_INTERRUPTED",
    "EXIT_OK",
    "EXIT_TERMINATED",
    "EXIT_USAGE",
]
