"""mkdocs hooks: what the site needs beyond the Markdown files as the forge shows them.

* ``reference.md`` is rendered from the step classes at build time (``gen_reference.render``),
  so the site never shows a stale reference; the checked-in copy is for readers of the
  repository, and ``tests/test_docs.py`` keeps it current.
* ``<!-- plot: ... -->`` comments become inline SVG plots of the table below them
  (``docs/plots.py``).
* A link out of ``docs/`` to a file of the repository (``../benchmarks/README.md``) works on
  the forge but has no page on the site: it becomes the file's path as code. A link to a file
  that does not exist is left alone, so the strict build still fails on it.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

_DOCS = Path(__file__).resolve().parent
_ROOT = _DOCS.parent
# The scripts beside this file (gen_reference, plots) are modules of no package.
sys.path.insert(0, str(_DOCS))

import gen_reference  # noqa: E402
import plots  # noqa: E402

_REPO_LINK = re.compile(r"\[(?P<text>[^\]]+)\]\(\.\./(?P<path>[^)#\s]+)\)")


def _repo_link(match: re.Match[str]) -> str:
    path = match.group("path")
    if not (_ROOT / path).is_file():
        return match.group(0)
    text = match.group("text")
    return text if text.strip("`") == path else f"{text} (`{path}`)"


def on_page_markdown(markdown: str, page: Any, **kwargs: Any) -> str:
    """Generate the reference, draw the plots, and unlink repository files outside docs/."""
    if page.file.src_uri == "reference.md":
        markdown = gen_reference.render()
    markdown = plots.render_plots(markdown)
    return _REPO_LINK.sub(_repo_link, markdown)
