"""Steps that move metadata out of the text: dates, bare URLs, credits, teaser lines, standfirsts.

Each of them takes a line out of the article text and, where it carries information (a date, a
link, an agency credit, a standfirst), keeps that information in the record's metadata. The
removal is recorded like any other, so the text can always be rebuilt.
"""

from __future__ import annotations

from functools import cached_property, lru_cache

import regex

from newsclean.patterns import PhraseBook, load_phrasebook
from newsclean.record import Block
from newsclean.steps.base import BlockFilter, Draft, Step
from newsclean.steps.dates import iso_date
from newsclean.steps.shape import ends_sentence, heading_shaped, word_count

_ISO_DATE = (
    r"(?P<date>\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?)"
)
_URL = regex.compile(r"(?:https?://|www\.)[^\s<>\"]+")
_BARE_URL = regex.compile(r"[<(\[]?(?:https?://|www\.)[^\s<>\"]+[>)\]]?")
_RELATED = ("related",)
# The fewest words of the headline after a one-word teaser label ("Also: a headline"), and
# how far into the line that label's colon may be.
_LABELLED_TEASER_WORDS = 3
_LABEL_CHARS = 16
# What may stand between the URLs of a link line.
_SEPARATORS = " ,;|•·-"


class DatePrefix(Step):
    """Remove a date label glued to the start of the scrape (``date 2025-09-01 ...``,
    ``Published: 2025-09-01T14:05``) and keep the date, with its time when it has one, as the
    record's ``created``.

    Only the first kept block is looked at, and only a labelled ISO date counts, so a sentence
    that starts with a date is left alone. This is how the ``date`` line that ``render_text``
    writes is read back.
    """

    name = "date_prefix"

    def __init__(self, phrasebook: PhraseBook | None = None) -> None:
        book = phrasebook or load_phrasebook()
        label = book.source("date_label")
        self.prefix = regex.compile(rf"\s*{label}\s*[:=]?\s*{_ISO_DATE}\s*[-–—|:]?\s*", regex.I)

    def __call__(self, draft: Draft) -> list[Draft]:
        """Cut the labelled date off the first paragraph and keep it as ``created``."""
        kept = draft.kept
        if not kept:
            return [draft]
        match = self.prefix.match(kept[0].text)
        value = iso_date(match.group("date")) if match else None
        if match and value:
            if draft.created is None:
                draft.created = value
            reason = f"date prefix; kept as created={value}"
            draft.cut_head(kept[0], match.end(), self.name, reason)
        return [draft]


class Links(BlockFilter):
    """Remove paragraphs that are only a URL (or a few URLs); the URLs go to
    ``metadata.links`` in order of appearance.
    """

    name = "links"

    def judge(self, draft: Draft, blocks: list[Block], index: int) -> str | None:
        """A block whose text is nothing but URLs is a link line."""
        text = blocks[index].text
        if "://" not in text and "www." not in text:
            # No URL (they start http:// or www.): a line of prose, or of separators only.
            if text.strip(_SEPARATORS):
                return None
        elif _BARE_URL.sub("", text).strip(_SEPARATORS):
            return None
        blocks[index].meta["links"] = _URL.findall(text)
        return "bare URL line; kept in metadata.links"


@lru_cache(maxsize=8)
def _teaser(book: PhraseBook) -> regex.Pattern[str]:
    """The teaser pattern over ``book``'s ``related`` cues, compiled when a line first needs it
    (6 ms: a file without a teaser cue never does), once per book.
    """
    return regex.compile(rf"\s*(?:{book.source('related')})\s*[:：—–»>|-]\s*\S", regex.I)


class Related(BlockFilter):
    """Remove teaser lines pointing at other articles: ``Related article: ...``, ``See also:``,
    ``Read more: ...``, ``Lire aussi :``, ``Читайте также:`` and the like (a cue from the
    ``related`` phrase list followed by a colon or dash and a headline), and a one-word label
    of the ``teaser_label`` list, a colon and a headline (``Also: ...``, ``MORE: ...``).
    """

    name = "related"

    def __init__(self, phrasebook: PhraseBook | None = None) -> None:
        self.book = phrasebook or load_phrasebook()

    @classmethod
    def before_fork(cls) -> None:
        """Compile the bundled book's teaser pattern, which every worker would compile."""
        _teaser(load_phrasebook())

    @cached_property
    def teaser(self) -> regex.Pattern[str]:
        """A ``related`` cue, a separator, then a headline."""
        return _teaser(self.book)

    def judge(self, draft: Draft, blocks: list[Block], index: int) -> str | None:
        """A short block opening with a teaser cue and a separator."""
        text = blocks[index].text
        # The teaser runs only on a line that holds a cue (the book's candidate search,
        # which later steps share, is cheaper than the teaser's try of every cue).
        if word_count(text) > 30:
            return None
        if (self.book.may_hold(_RELATED, text) and self.teaser.match(text)) or (
            self._labelled_teaser(text)
        ):
            return "teaser line pointing at another article"
        return None

    def _labelled_teaser(self, text: str) -> bool:
        """A one-word label and its colon (a ``teaser_label`` cue) before a headline: a label
        alone says too little ("More:" may open a list), so what follows must read as a
        headline of a few words, not a sentence.
        """
        # A colon near the start first: few lines have one.
        if ":" not in text[:_LABEL_CHARS] and "：" not in text[:_LABEL_CHARS]:
            return False
        label = self.book.starts_with("teaser_label", text)
        if label is None:
            return False
        rest = text[label.end() :]
        return word_count(rest) >= _LABELLED_TEASER_WORDS and heading_shaped(rest)


class Credits(BlockFilter):
    """Remove agency and contributor credit lines (``AFP contributed reporting.``,
    ``Additional reporting by Reuters.``); the line goes to ``metadata.credits``.
    """

    name = "credits"

    def __init__(self, phrasebook: PhraseBook | None = None) -> None:
        self.book = phrasebook or load_phrasebook()

    def judge(self, draft: Draft, blocks: list[Block], index: int) -> str | None:
        """A short block (at most 15 words) carrying a credit cue."""
        text = blocks[index].text
        if word_count(text) > 15 or not self.book.count("credit", text):
            return None
        blocks[index].meta["credits"] = [text]
        return "credit line; kept in metadata.credits"


def _is_body(text: str) -> bool:
    return word_count(text) >= 12 and ends_sentence(text)


def body_text(text: str) -> bool:
    """Whether a paragraph is body text to the standfirst step: 12 words or more, ending
    like a sentence.
    """
    return _is_body(text)


def opens_article(line: str, following: str) -> bool:
    """Whether a paragraph ``line`` followed by ``following`` is the headline or standfirst an
    article opens with: a line of that shape (:func:`~newsclean.steps.shape.heading_shaped`),
    then body text.
    """
    return heading_shaped(line) and _is_body(following)


class Standfirst(Step):
    """Move the standfirst that opens an article into ``metadata.standfirst``: the line after
    its headline (``headline`` runs first and takes the headline out of the text), or the
    opening line when the headline was found in the page chrome above the text.

    A standfirst is the first kept paragraph when it reads like a headline (2-40 words, no
    full stop at the end: a question or an exclamation may end it) and the next paragraph is
    body text. Splitting tags the first
    paragraph of each article, so a multi-article scrape gets one standfirst per record.
    """

    name = "standfirst"

    def __call__(self, draft: Draft) -> list[Draft]:
        """Move the opening headline line, if there is one, into metadata."""
        kept = draft.kept
        if len(kept) < 2:
            return [draft]
        if opens_article(kept[0].text, kept[1].text):
            kept[0].meta["standfirst"] = kept[0].text
            draft.remove(kept[0], self.name, "standfirst line; kept in metadata.standfirst")
        return [draft]
