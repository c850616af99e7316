"""The generated step reference is current, and every step documents itself."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from newsclean.steps import STEPS

DOCS = Path(__file__).resolve().parents[1] / "docs"


def _gen_reference():
    spec = importlib.util.spec_from_file_location("gen_reference", DOCS / "gen_reference.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_reference_is_up_to_date():
    expected = _gen_reference().render()
    current = (DOCS / "reference.md").read_text(encoding="utf-8")
    assert current == expected, "docs/reference.md is stale: run python docs/gen_reference.py"


@pytest.mark.parametrize("name", sorted(STEPS))
def test_every_step_has_a_docstring(name):
    cls = STEPS[name]
    # A class's own docstring (__doc__ is not inherited, but be explicit about it).
    doc = cls.__dict__.get("__doc__") or ""
    assert doc.strip(), f"step {name!r} ({cls.__name__}) has no docstring"
    assert cls.name == name
