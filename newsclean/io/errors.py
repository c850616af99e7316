"""The one error type the input side raises: a bad input, named precisely enough to fix."""

from __future__ import annotations

import os
import re
from pathlib import Path


def display_path(path: str | os.PathLike[str]) -> str:
    r"""``path`` as text that can be printed and written to JSON, on one line.

    A file name that is not UTF-8 reaches Python with its bad bytes as lone surrogates, which
    neither a terminal nor a UTF-8 JSON line can hold: those bytes are shown as ``\xNN``, as
    ``ls -b`` shows them. A name may also hold characters a terminal acts on: C0 and C1
    controls and DEL (an escape sequence can retitle or clear the terminal; a newline breaks
    the one-line ``FILE:LINE`` form), line and paragraph separators, and the bidirectional
    controls that make text display in another order than it reads. Each is shown as an
    escape: ``\n``, ``\r``, ``\t``, ``\x1b``, ``\u202e``. Any other name is returned as it is
    (a backslash included, so Windows paths read as they are).
    """
    text = os.fspath(path)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = os.fsencode(text).decode("utf-8", errors="backslashreplace")
    return _UNSAFE.sub(_escape, text)


# C0 controls, DEL and C1 controls; the Arabic letter mark, LRM/RLM, the line and paragraph
# separators, the bidi embeddings/overrides and isolates.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]")
_NAMED_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    if char in _NAMED_ESCAPES:
        return _NAMED_ESCAPES[char]
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


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
