r"""Write a report: one self-contained HTML file, its data streamed in as JSON.

The page (``template.html``, with ``report.css`` and ``report.js`` put inline) holds two
``<script type="application/json">`` blocks the page's script reads: the documents, written
one entry at a time as they come, and the summary, written last. Nothing in the file is
fetched from anywhere, so it works opened from disk.

Text from the input only ever reaches the page as JSON inside those blocks, and the script
renders it as text nodes; the JSON is escaped so no input can end its block or start markup
(``<``, ``>`` and ``&`` as ``\u`` escapes, which also keeps the HTML parser out of its
script-data states), nor break a JavaScript reader (U+2028/2029, lone surrogates).

The file is written atomically (:class:`~newsclean.io.AtomicWriter`): a run that fails or is
interrupted leaves no partial report, and an earlier report of that name as it was.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from importlib import resources
from types import TracebackType
from typing import Any, TextIO

from newsclean.io import AtomicWriter

_UNSAFE = re.compile("[<>&\u2028\u2029\ud800-\udfff]")
_DOCUMENTS_OPEN = '<script type="application/json" id="nc-documents">['
_SUMMARY_OPEN = '<script type="application/json" id="nc-summary">'


def script_json(value: Any) -> str:
    """``value`` as JSON that is safe inside a ``<script>`` element of an HTML page."""
    text = json.dumps(value, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    return _UNSAFE.sub(lambda match: f"\\u{ord(match.group()):04x}", text)


def _page() -> tuple[str, str]:
    """The page around its data: the part before the data blocks and the part after."""
    package = resources.files("newsclean.report")
    page = (package / "template.html").read_text(encoding="utf-8")
    script = (package / "report.js").read_text(encoding="utf-8")
    # The page's policy lets this script run and no other: not one an input could smuggle
    # in, nor an event handler attribute (a second line of defence; the script renders
    # input as text).
    digest = base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode("ascii")
    page = page.replace("/*HASH*/", digest)
    page = page.replace("/*STYLE*/", (package / "report.css").read_text(encoding="utf-8"))
    head, tail = page.split("<!--DATA-->")
    # The script comes after the data, so the data is parsed when it runs.
    return head, tail.replace("/*SCRIPT*/", script)


class ReportWriter:
    """Streams a report to ``path`` (``-`` for stdout): :meth:`add` each document's entry,
    then :meth:`finish` with the summary, inside the ``with`` block. The file appears only
    when the block ends without an error.
    """

    def __init__(self, path: str) -> None:
        self._atomic = AtomicWriter(path, sweep=True)
        self._out: TextIO | None = None
        self._count = 0
        self._tail = ""
        self._finished = False

    def __enter__(self) -> ReportWriter:
        head, self._tail = _page()
        self._out = self._atomic.__enter__()
        try:
            self._out.write(head + _DOCUMENTS_OPEN)
        except BaseException as exc:
            self._atomic.__exit__(type(exc), exc, exc.__traceback__)
            raise
        return self

    def add(self, entry: dict[str, Any]) -> None:
        """Write one document's entry (see :mod:`newsclean.report.model`)."""
        assert self._out is not None, "ReportWriter.add() outside its 'with' block"
        self._out.write(("," if self._count else "") + script_json(entry) + "\n")
        self._count += 1

    def finish(self, summary: dict[str, Any]) -> None:
        """Write the summary and the rest of the page, after the last entry."""
        assert self._out is not None, "ReportWriter.finish() outside its 'with' block"
        self._out.write(
            "]</script>\n" + _SUMMARY_OPEN + script_json(summary) + "</script>" + self._tail
        )
        self._finished = True

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._out = None
        if exc_type is None and not self._finished:
            # A page without its summary and script is no report: discard it.
            exc = RuntimeError("ReportWriter: the block ended before finish()")
            self._atomic.__exit__(RuntimeError, exc, None)
            raise exc
        self._atomic.__exit__(exc_type, exc, traceback)
