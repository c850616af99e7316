"""A griffe extension: Sphinx cross-references in docstrings become Markdown code spans.

The docstrings are written for both readers of the source and ``docs/gen_reference.py``, which
already turns ``:class:`~a.b.C``` into ```C```; the API pages built by mkdocstrings use the
same conversion, so the two never disagree.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import griffe

# gen_reference.py, beside this file, is a module of no package.
sys.path.insert(0, str(Path(__file__).resolve().parent))

from gen_reference import markdown  # noqa: E402


class SphinxRoles(griffe.Extension):
    """Rewrite each docstring through ``gen_reference.markdown`` as griffe loads it."""

    def on_instance(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        """Convert the docstring of every loaded object (module, class, function, attribute)."""
        if obj.docstring is not None:
            obj.docstring.value = markdown(obj.docstring.value)
