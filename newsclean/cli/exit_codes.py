"""The exit codes of every ``newsclean`` command, and the table ``--help`` shows."""

from __future__ import annotations

EXIT_OK = 0
EXIT_INPUT_ERRORS = 1
EXIT_USAGE = 2
EXIT_CHANGES = 1
EXIT_UNREADABLE = 3
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
