"""The cleaning steps, one module per family, and the registry that names them.

``DEFAULT_STEPS`` is the default pipeline, in order. ``STEPS`` maps every built-in step name to
its class; a config may also name a user step as ``"package.module:ClassName"``.
"""

from __future__ import annotations

from newsclean.steps.article_meta import Byline, Dateline, Headline, Language
from newsclean.steps.banners import Banners
from newsclean.steps.base import BlockFilter, CorpusStep, Draft, Step, TextFix
from newsclean.steps.corpus_boilerplate import CorpusBoilerplate
from newsclean.steps.metadata import Credits, DatePrefix, Links, Related, Standfirst
from newsclean.steps.near_duplicates import NearDuplicates
from newsclean.steps.page import PageBody
from newsclean.steps.paragraphs import Paragraphs
from newsclean.steps.repeats import Repeats
from newsclean.steps.split import SplitArticles
from newsclean.steps.unicode import UnicodeRepair
from newsclean.steps.whitespace import Whitespace

STEPS: dict[str, type[Step]] = {
    cls.name: cls
    for cls in (
        Paragraphs,
        UnicodeRepair,
        Whitespace,
        DatePrefix,
        Links,
        Related,
        Credits,
        Banners,
        Repeats,
        PageBody,
        SplitArticles,
        Dateline,
        Byline,
        Headline,
        Standfirst,
        Language,
        NearDuplicates,
        CorpusBoilerplate,
    )
}

DEFAULT_STEPS: tuple[str, ...] = tuple(STEPS)

__all__ = [
    "DEFAULT_STEPS",
    "STEPS",
    "Banners",
    "BlockFilter",
    "Byline",
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
]
