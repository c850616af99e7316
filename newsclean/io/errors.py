"""The one error type the input side raises: a bad input, named precisely enough to fix."""

from __future__ import annotations

import os
from pathlib import Path


def display_path(path: str | os.PathLike[str]) -> str:
    r"""``path`` as text that can be printed and written to JSON.

    A file name that is not UTF-8 reaches Python with its bad bytes as lone surrogates, which
    neither a terminal nor a UTF-8 JSON line can hold: those bytes are shown as ``\xNN``, as
    ``ls -b`` shows them. Any other name is returned as it is.
    """
    text = os.fspath(path)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return os.fsencode(text).decode("utf-8", errors="backslashreplace")
    return text


class InputError(Exception):
    """An input that cannot be read as text; the run skips it and goes on with the others.

    ``str()`` gives one line, ``path: message`` or ``path:line: message`` for a JSONL line, in
    the ``file:line:`` form editors and CI logs turn into links.
    """

    def __init__(self, path: str | Path, message: str, line: int | None = None) -> None:
        # All three go to Exception.args so the error pickles (it crosses process boundaries
        # when files are read in parallel workers).
        super().__init__(display_path(path), message, line)
        self.path = display_path(path)
        self.message = message
        self.line = line

    def __str__(self) -> str:
        where = self.path if self.line is None else f"{self.path}:{self.line}"
        return f"{where}: {self.message}"
