"""The ``newsclean`` command (also ``python -m newsclean``).

Ctrl-C and SIGTERM are taken over first, before the command line, the steps and numpy load,
so an interruption at any moment after start-up ends the same way: every output discarded,
exit 130 (Ctrl-C) or 143 (SIGTERM). Only a signal that arrives before Python has run this
module finds Python's own handling, which stops the process before it has opened anything.
"""

from __future__ import annotations

import sys

from newsclean import interrupts

interrupts.install()


def main() -> None:
    """Run the command line (see :mod:`newsclean.cli`)."""
    try:
        from newsclean.cli import run_command
    except KeyboardInterrupt as exc:  # while the command line loads: nothing opened yet
        sys.stderr.write("\ninterrupted: nothing written\n")
        sys.exit(interrupts.exit_code_of(exc))
    run_command()


if __name__ == "__main__":
    main()
