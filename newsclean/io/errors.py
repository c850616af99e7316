"""The one error type the input side raises: a bad input, named precisely enough to fix."""

from __future__ import annotations

from pathlib import Path


class InputError(Exception):
    """An input that cannot be read as text; the run skips it and goes on with the others.

    ``str()`` gives one line, ``path: message`` or ``path:line: message`` for a JSONL line, in
    the ``file:line:`` form editors and CI logs turn into links.
    """

    def __init__(self, path: str | Path, message: str, line: int | None = None) -> None:
        # All three go to Exception.args so the error pickles (it crosses process boundaries
        # when files are read in parallel workers).
        super().__init__(str(path), message, line)
        self.path = str(path)
        self.message = message
        self.line = line

    def __str__(self) -> str:
        where = self.path if self.line is None else f"{self.path}:{self.line}"
        return f"{where}: {self.message}"
