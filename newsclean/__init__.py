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

from newsclean.config import Config, ConfigError, find_config, read_config
from newsclean.patterns import PhraseBook, load_phrasebook
from newsclean.pipeline import Pipeline, RunStats
from newsclean.record import Block, Document, Record, Removal, document_id
from newsclean.steps import DEFAULT_STEPS, STEPS, BlockFilter, CorpusStep, Draft, Step, TextFix

__version__ = "0.1.0"

_DEFAULT_PIPELINE: Pipeline | None = None


def clean(
    text: str,
    source: str = "<text>",
    *,
    pipeline: Pipeline | None = None,
    metadata: dict | None = None,
) -> list[Record]:
    """Clean one scrape and return its records (one per article; none if nothing is left).

    Uses the default pipeline unless ``pipeline`` is given. The record ids derive from
    ``source`` and ``text``, so the same input always gives the same ids.
    """
    global _DEFAULT_PIPELINE
    if pipeline is None:
        if _DEFAULT_PIPELINE is None:
            _DEFAULT_PIPELINE = Pipeline.from_config(Config())
        pipeline = _DEFAULT_PIPELINE
    document = Document(document_id(source, text), source, text, dict(metadata or {}))
    return pipeline.clean(document)


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
