"""Attributes of a package imported from their modules on first use (PEP 562).

``import newsclean`` and ``import newsclean.steps`` stay cheap this way: the command line's
first job is to take over Ctrl-C and SIGTERM, and ``newsclean --help`` should not load the
steps, their phrase lists and numpy.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping, MutableMapping
from typing import Any


def lazy_attributes(
    package: str, module_of: Mapping[str, str], namespace: MutableMapping[str, Any]
) -> Callable[[str], Any]:
    """A module ``__getattr__`` for ``package`` that imports ``name`` from the module
    ``module_of[name]`` on first use and stores it in ``namespace`` (the package's
    ``globals()``), so later look-ups do not come back to it.
    """

    def __getattr__(name: str) -> Any:
        module = module_of.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module), name)
        namespace[name] = value
        return value

    return __getattr__
