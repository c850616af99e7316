"""The ``newsclean`` command (also ``python -m newsclean``).

Ctrl-C and SIGTERM are taken over first, before the command line, the steps and numpy load,
so an interruption at any moment after start-up ends the same way: every output discarded,
exit 130 (Ctrl-C) or 143 (SIGTERM). Only a signal that arrives before Python has run this
module finds Python's own handling, which stops the process before it has opened anything.
"""

from __future__ import annotations

from newsclean import interrupts

interrupts.install()


def main() -> None:
    """Run the command line (see :mod:`newsclean.cli`)."""
    from newsclean.cli import run_command

    run_command()


if __name__ == "__main__":
    main()
