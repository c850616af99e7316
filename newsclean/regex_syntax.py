"""The standard library's regular-expression parser, which two steps read patterns with.

``re._parser`` and ``re._constants`` since Python 3.11; ``sre_parse`` and ``sre_constants``
before (the same modules under their old names).
"""

try:
    from re import _constants as sre_constants
    from re import _parser as sre_parse
except ImportError:  # Python 3.10
    import sre_constants  # type: ignore[no-redef]
    import sre_parse  # type: ignore[no-redef]

__all__ = ["sre_constants", "sre_parse"]
