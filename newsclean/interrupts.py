"""Ctrl-C and SIGTERM: an exception that unwinds every open output, then one exit code.

The command line turns SIGINT and SIGTERM into :class:`Interrupted` (a ``KeyboardInterrupt``,
so no ``except Exception`` swallows it): every ``with`` block on the way out runs, so an
output being written is discarded, the index is left as it was and worker processes are
stopped, and the process exits ``128 + signal`` (130 for Ctrl-C, 143 for SIGTERM), as a shell
reports a process killed by that signal. A second signal while that clean-up runs ends the
process at once with the same code: what a user who presses Ctrl-C twice wants.

Worker processes ignore Ctrl-C (a terminal sends it to the whole process group; the parent
decides and stops them), keep the default SIGTERM (how the parent stops them) and, on Linux,
are killed when their parent dies, even by SIGKILL, so no worker outlives its run.
"""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

HANDLED = (signal.SIGINT, signal.SIGTERM)


class Interrupted(KeyboardInterrupt):
    """The run was stopped by a signal; ``exit_code`` is what the process exits with."""

    def __init__(self, signum: int = signal.SIGINT) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum

    @property
    def exit_code(self) -> int:
        """``128 + signal number``: 130 for SIGINT, 143 for SIGTERM."""
        return 128 + self.signum


def exit_code_of(interruption: BaseException) -> int:
    """The exit code for an interruption: its signal's, or 130 for a plain Ctrl-C."""
    return interruption.exit_code if isinstance(interruption, Interrupted) else 130


def _raise_interrupted(signum: int, frame: FrameType | None) -> None:
    # One exception per run: a second signal during the clean-up ends the process at once.
    for handled in HANDLED:
        signal.signal(handled, _exit_now)
    raise Interrupted(signum)


def _exit_now(signum: int, frame: FrameType | None) -> None:
    sys.stderr.write("\ninterrupted again: stopping now\n")
    os._exit(128 + signum)


def install() -> None:
    """Turn SIGINT and SIGTERM into :class:`Interrupted` in this (the main) thread."""
    for handled in HANDLED:
        signal.signal(handled, _raise_interrupted)


@contextmanager
def held() -> Iterator[None]:
    """Hold SIGINT and SIGTERM back inside the block (they are delivered when it ends).

    Worker processes are forked inside it, so none starts with the parent's handlers before
    :func:`init_worker` has set its own.
    """
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, HANDLED)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


_PR_SET_PDEATHSIG = 1


def init_worker(parent: int) -> None:
    """Signal set-up of a worker process forked by the process ``parent`` (its pid): see the
    module docstring.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if sys.platform.startswith("linux"):
        # Imported here, by workers only: every command imports this module first.
        import ctypes

        try:
            ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
        except (OSError, AttributeError):  # no prctl: the parent still stops its workers
            pass
        if os.getppid() != parent:  # the parent died before prctl took effect
            os._exit(1)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, HANDLED)


__all__ = ["Interrupted", "exit_code_of", "held", "init_worker", "install"]
