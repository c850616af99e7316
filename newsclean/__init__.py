"""newsclean: turn raw news scrapes into clean, deduplicated, single-article records.

Quick use::

    import newsclean
    records = newsclean.clean(open("scrape.txt").read(), source="scrape.txt")
    for record in records:
        print(record.text, record.removed)

Build your own pipeline from a :class:`Config` (steps to drop, add or reorder, options, phrase
lists) with :meth:`Pipeline.from_config`, or pass step instances to :class:`Pipeline`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from newsclean.lazy import lazy_attributes

if TYPE_CHECKING:
    from newsclean.config import Config, ConfigError, find_config, read_config
    from newsclean.patterns import PhraseBook, load_phrasebook
    from newsclean.pipeline import Pipeline, RunStats
    from newsclean.record import Block, Document, Record, Removal, document_id
    from newsclean.steps import (
        DEFAULT_STEPS,
        STEPS,
        BlockFilter,
        CorpusStep,
        Draft,
        Step,
        TextFix,
    )

__version__ = "0.1.0"

# The public names and the module each lives in. They are imported on first use, so that
# ``import newsclean`` (and so the command line, whose first job is to take over Ctrl-C and
# SIGTERM) starts without loading the steps, their phrase lists and numpy.
_LAZY = {
    "Config": "newsclean.config",
    "ConfigError": "newsclean.config",
    "find_config": "newsclean.config",
    "read_config": "newsclean.config",
    "PhraseBook": "newsclean.patterns",
    "load_phrasebook": "newsclean.patterns",
    "Pipeline": "newsclean.pipeline",
    "RunStats": "newsclean.pipeline",
    "Block": "newsclean.record",
    "Document": "newsclean.record",
    "Record": "newsclean.record",
    "Removal": "newsclean.record",
    "document_id": "newsclean.record",
    "DEFAULT_STEPS": "newsclean.steps",
    "STEPS": "newsclean.steps",
    "BlockFilter": "newsclean.steps",
    "CorpusStep": "newsclean.steps",
    "Draft": "newsclean.steps",
    "Step": "newsclean.steps",
    "TextFix": "newsclean.steps",
}


__getattr__ = lazy_attributes(__name__, _LAZY, globals())


def __dir__() -> list[str]:
    return sorted(__all__)


_DEFAULT_PIPELINE: Pipeline | None = None


def clean(
    text: str,
    source: str = "<text>",
    *,
    pipeline: Pipeline | None = None,
    metadata: dict | None = None,
    added: str | None = None,
) -> list[Record]:
    """Clean one scrape and return its records (one per article; none if nothing is left).

    Uses the default pipeline unless ``pipeline`` is given. The record ids derive from
    ``source`` and ``text``, so the same input always gives the same ids. ``added`` is the
    records' ``added`` time (ISO-8601; by default the time of this process's first call, in
    UTC, so the same input gives the same records), unless ``metadata`` brings one (a record
    cleaned again keeps its own).
    """
    from newsclean.config import Config
    from newsclean.pipeline import Pipeline
    from newsclean.record import Document, document_id, stamped
    from newsclean.schema import parse_added, process_added

    global _DEFAULT_PIPELINE
    if pipeline is None:
        if _DEFAULT_PIPELINE is None:
            _DEFAULT_PIPELINE = Pipeline.from_config(Config())
        pipeline = _DEFAULT_PIPELINE
    document = Document(document_id(source, text), source, text, dict(metadata or {}))
    when = parse_added(added) if added is not None else process_added()
    return [stamped(record, when) for record in pipeline.clean(document)]


__all__ = [
    "DEFAULT_STEPS",
    "STEPS",
    "Block",
    "BlockFilter",
    "Config",
    "ConfigError",
    "CorpusStep",
    "Document",
    "Draft",
    "PhraseBook",
    "Pipeline",
    "Record",
    "Removal",
    "RunStats",
    "Step",
    "TextFix",
    "__version__",
    "clean",
    "document_id",
    "find_config",
    "load_phrasebook",
    "read_config",
]
