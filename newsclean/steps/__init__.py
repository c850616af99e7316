"""The cleaning steps, one module per family, and the registry that names them.

``DEFAULT_STEPS`` is the default pipeline, in order. ``STEPS`` maps every built-in step name to
its class; a config may also name a user step as ``"package.module:ClassName"``.

Nothing here imports a step's module until that step is asked for (``STEPS[name]``, or
``from newsclean.steps import Banners``): the steps pull in their phrase lists, ftfy and numpy,
which a command that never cleans (``newsclean --help``) should not pay for.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING

from newsclean.lazy import lazy_attributes
from newsclean.steps.base import BlockFilter, CorpusStep, Draft, Step, TextFix

if TYPE_CHECKING:
    from newsclean.steps.article_meta import Byline, Dateline, Headline, Language
    from newsclean.steps.banners import Banners
    from newsclean.steps.captions import Captions
    from newsclean.steps.corpus_boilerplate import CorpusBoilerplate
    from newsclean.steps.metadata import Credits, DatePrefix, Links, Related, Standfirst
    from newsclean.steps.near_duplicates import NearDuplicates
    from newsclean.steps.page import PageBody
    from newsclean.steps.paragraphs import Paragraphs
    from newsclean.steps.repeats import Repeats
    from newsclean.steps.split import SplitArticles
    from newsclean.steps.unicode import UnicodeRepair
    from newsclean.steps.whitespace import Whitespace

# Every built-in step, in the default order: its name, its class and the module holding it.
_BUILT_IN: tuple[tuple[str, str, str], ...] = (
    ("paragraphs", "Paragraphs", "paragraphs"),
    ("unicode", "UnicodeRepair", "unicode"),
    ("whitespace", "Whitespace", "whitespace"),
    ("date_prefix", "DatePrefix", "metadata"),
    ("links", "Links", "metadata"),
    ("related", "Related", "metadata"),
    ("credits", "Credits", "metadata"),
    ("captions", "Captions", "captions"),
    ("banners", "Banners", "banners"),
    ("repeats", "Repeats", "repeats"),
    ("page_body", "PageBody", "page"),
    ("split", "SplitArticles", "split"),
    ("dateline", "Dateline", "article_meta"),
    ("byline", "Byline", "article_meta"),
    ("headline", "Headline", "article_meta"),
    ("standfirst", "Standfirst", "metadata"),
    ("language", "Language", "article_meta"),
    ("near_duplicates", "NearDuplicates", "near_duplicates"),
    ("corpus_boilerplate", "CorpusBoilerplate", "corpus_boilerplate"),
)
_MODULE_OF_CLASS = {cls: f"{__name__}.{module}" for _, cls, module in _BUILT_IN}
# The built-in corpus steps (CorpusStep subclasses), known without importing them: a config
# orders its steps by it, and a check without --index leaves them out unloaded.
_CORPUS = frozenset({"near_duplicates", "corpus_boilerplate"})


class _Registry(Mapping[str, "type[Step]"]):
    """Step name -> step class, read-only; a step's module is imported on first look-up."""

    def __init__(self, entries: tuple[tuple[str, str, str], ...]) -> None:
        self._classes = {name: cls for name, cls, _ in entries}

    def __getitem__(self, name: str) -> type[Step]:
        return __getattr__(self._classes[name])

    def __iter__(self) -> Iterator[str]:
        return iter(self._classes)

    def __len__(self) -> int:
        return len(self._classes)

    def __repr__(self) -> str:
        return f"<steps {', '.join(self._classes)}>"


STEPS: Mapping[str, type[Step]] = _Registry(_BUILT_IN)

DEFAULT_STEPS: tuple[str, ...] = tuple(STEPS)


def is_corpus_step(name: str) -> bool:
    """Whether ``name`` is a built-in corpus step (a user step ``"module:Class"`` is not
    one: it runs with the per-document steps).
    """
    return name in _CORPUS


__getattr__ = lazy_attributes(__name__, _MODULE_OF_CLASS, globals())


def __dir__() -> list[str]:
    return sorted(__all__)


__all__ = [
    "DEFAULT_STEPS",
    "STEPS",
    "Banners",
    "BlockFilter",
    "Byline",
    "Captions",
    "CorpusStep",
    "CorpusBoilerplate",
    "Credits",
    "DatePrefix",
    "Dateline",
    "Draft",
    "Headline",
    "Language",
    "Links",
    "NearDuplicates",
    "PageBody",
    "Paragraphs",
    "Related",
    "Repeats",
    "SplitArticles",
    "Standfirst",
    "Step",
    "TextFix",
    "UnicodeRepair",
    "Whitespace",
    "is_corpus_step",
]
