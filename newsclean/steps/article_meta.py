"""Steps that read an article's own metadata from its text: when it was published
(``dateline``), who wrote it (``byline``), its headline (``headline``) and its language
(``language``).

They look where pages put these things: the lines just above the body (the *head*: section
label, headline, standfirst, byline, date; most of them already removed as page chrome by
``page_body``) and just below it (the *foot*: an author line, a date). What they find goes to
the record: ``created`` (ISO-8601, with the time of day when the page gives one),
``metadata.title``, ``metadata.authors`` (a list of names) and ``metadata.language``.

A line they read that is still in the article text is removed from it, with the reason, so the
headline, the byline and the date lines are never part of ``text`` (``render_text`` writes them
back above the paragraphs). A value the input already carries (a JSONL record's ``created``,
``title`` or ``authors``) is kept, and a line equal to that title is removed as the headline.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import lru_cache
from itertools import islice
from typing import NamedTuple

import regex

from newsclean.patterns import PhraseBook, load_phrasebook
from newsclean.record import Block
from newsclean.steps.base import Draft, Step
from newsclean.steps.dates import DateReader, FoundDate, prepare_date_readers
from newsclean.steps.metadata import body_text, opens_article
from newsclean.steps.page import TEASER_CARDS
from newsclean.steps.shape import (
    byte_table,
    content_words,
    count_marked_words,
    ends_sentence,
    heading_shaped,
    paragraph_cache,
    single_byte,
    title_case_share,
    word_count,
    word_marks,
)

# How far from the body the steps look, in lines (blocks).
HEAD_REACH = 40  # lines above the first kept paragraph
# A headline scoring below this is not taken (a page without one gets no title).
MIN_TITLE_SCORE = 6
# The prose paragraphs a headline's words are looked for in, and the points a headline gets
# when all its content words are there.
LEAD_PARAGRAPHS = 4
TOPIC_POINTS = 5.0
# A deck under its headline is at most this many lines, and the headline over it uses at
# least this share of its content words in the lead.
DECK_LINES = 3
DECK_TOPIC = 0.5
DECK_SHORTEST = 0.6
# A kicker over a headline (a section's name) has this many words at most.
KICKER_WORDS = 4
# A teaser's label ("Related video", "See also") has this many words at most.
LABEL_WORDS = 4
# The byline or date line under a headline below a kicker is this many lines down at most
# (a standfirst and a photo's caption between).
KICKER_ANCHOR_LINES = 5
# What a sentence opening like an author's note ("Jane Doe is a reporter ...") scores less.
AUTHOR_NOTE_COST = 3.0
# What the line in a written record's title slot (under its ``date`` line) scores more.
WRITTEN_TITLE_POINTS = 4.0
INNER = 8  # lines after the first body paragraph (a byline under the lead photo's caption)
FOOT_REACH = 12  # lines below the last body paragraph
# A line with this share of its words capitalised is a headline, not prose (German prose
# capitalises its nouns: about a third of its words).
TITLE_CASE_SHARE = 0.75

# Dates that are a missing value, not a day: the Unix epoch (and the day before it, in zones
# west of Greenwich).
_PLACEHOLDER_DAYS = ("1969-12-31", "1970-01-01")
_URL = regex.compile(r"(?:https?://|www\.)\S+")
_EMAIL = regex.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")
_HANDLE = regex.compile(r"@\w+")
# "— Name (@handle) December 21, 2023": the signature of an embedded social media post.
_POST_SIGNATURE = regex.compile(r"\(@\w+\)")
_RELATIVE = regex.compile(
    r"\b\d+\s*(?:h|hrs?|hours?|mins?|minutes?|d|days?|weeks?|months?)\s*(?:ago)?\b", regex.I
)
_SEPARATORS = regex.compile(r"\s*(?:[,;|•·/]|\s[-–—]\s|\s&\s|\s(?:and|y|und|et|e|и|i|ve)\s)\s*")
_PARTICLE = (
    r"(?:de|da|di|do|dos|das|del|della|van|von|der|den|la|le|du|bin|ibn|al|el|ter|ten|zu|of|the)"
)
_NAME_WORD = r"(?:\p{Lu}\.(?:\p{Lu}\.)*|\p{Lu}[\p{L}\p{M}'’-]*\.?)"
# A word in capitals, not a roman numeral ("III" ends a name).
_CAPITALS = regex.compile(r"(?![IVX]+$)\p{Lu}{2,}")
# Words in capitals, not roman numerals: an outlet written after a name ("EXAMPLE PRESS").
_CAPITALS_RUN = regex.compile(r"(?:\s+(?![IVX]+\b)\p{Lu}{2,}\b)+\s*")
_INITIALS = regex.compile(r"(?:^|\s)(?:\p{Lu}\.)+$")
_NAME = regex.compile(rf"{_NAME_WORD}(?:\s+(?:{_PARTICLE}\s+)*{_NAME_WORD}){{0,4}}")
_NAME_RUN = regex.compile(rf"^{_NAME_WORD}(?:\s+(?:{_PARTICLE}\s+)*{_NAME_WORD})*")
# A capitalised word glued to the surname ("Jane DoeworthCity", "Jane DoeworthShowbiz"): a
# scraper dropped the space before the next element. Four lower-case letters before it at
# least, so "McCartney", "MacKenzie" and "DeAndre" are one word.
_GLUED_AFTER_NAME = regex.compile(r"(?<=\p{Lu}\p{Ll}{4,})(?=\p{Lu}\p{Ll})")
_OUTLET_TAIL = regex.compile(r"\s+(?:for|para|für|pour|per|для)\s+.*$", regex.I)
_LETTER = regex.compile(r"\p{L}")
# The letters as "a" in a table for text one byte a character.
_LETTER_MARKS = byte_table(lambda char: "a" if _LETTER.fullmatch(char) else " ")
# A web address without its scheme ("example.com"), an outlet named by its site.
_DOMAIN = regex.compile(
    r"(?<![\w@])[\w-]+(?:\.[\w-]+)*\.(?:com|org|net|co|io|info|news|[a-z]{2})\b"
)

# The separators of a breadcrumb trail or a section label ("News | Politics", "Home » World").
_TRAIL = regex.compile(r"[|»›>]")
_PARENTHESES = regex.compile(r"\([^)]*\)")
_SPACES = regex.compile(r"\s+")
_TRIM = " \t,;:|•·/-–—()[]"


_DIGITS_AND_MARKS = regex.compile(r"[\d\p{P}\p{S}]+")
# The same made spaces in a word_count table, for text one byte a character.
_WORDS_BESIDES_NUMBERS = word_marks(_DIGITS_AND_MARKS)
_ASCII_DIGIT = re.compile("[0-9]")
# The characters str.isdigit is true of in Latin letters and general punctuation (U+0000 to
# U+02FF, U+2000 to U+206F; a test checks them), and what lies beyond those.
_LATIN_DIGIT = re.compile("[0-9\u00b2\u00b3\u00b9]")
_BEYOND_LATIN = re.compile("[^\x00-\u02ff\u2000-\u206f]")


def _has_digit(text: str) -> bool:
    """Whether a character of ``text`` is a digit (``str.isdigit``)."""
    # One search in C rather than a Python test per character, where the text allows.
    if text.isascii():
        return _ASCII_DIGIT.search(text) is not None
    if _BEYOND_LATIN.search(text) is None:
        return _LATIN_DIGIT.search(text) is not None
    return any(map(str.isdigit, text))


# A line ending with the time of day: the full stop is the one of "p.m.".
_ENDS_WITH_TIME = regex.compile(r"\d[:.]\d\d\s?[ap]\.\s?m\.$", regex.I)


def _ends_with_time(text: str) -> bool:
    """Whether ``text`` ends with the time of day written "3:31 p.m."."""
    # The suffix test spares the (end-anchored, yet scanning) search on almost every line.
    return text[-2:] in ("m.", "M.") and _ENDS_WITH_TIME.search(text) is not None


def _title_case(text: str) -> bool:
    """Whether ``text`` is written in title case, as a headline and not as prose."""
    # Its second and third words capitalised first: a cheap test that spares counting the
    # capitals of almost every paragraph of prose.
    words = text.split(None, 3)
    if len(words) < 3 or not (words[1][:1].isupper() and words[2][:1].isupper()):
        return False
    return title_case_share(text) >= TITLE_CASE_SHARE


@paragraph_cache(maxsize=65536)
def _is_body(text: str) -> bool:
    """A paragraph of prose: 12 words or more besides numbers, ending like a sentence (a line
    of two dates and their labels, "Published: December 23, 2023 at 3:17 p.m. | Updated: ...",
    is not, nor a long byline ending with the time it was updated, "... Updated December 22,
    2023, 3:31 p.m.").
    """
    if word_count(text) < 12 or not ends_sentence(text) or _ends_with_time(text):
        return False
    if len(text) <= 300 and _title_case(text):
        return False  # a headline in title case ending with an abbreviation ("... in the U.S.")
    if len(text) > 300 or not _has_digit(text):
        return True
    return _words_besides_numbers(text) >= 12


def _words_besides_numbers(text: str) -> int:
    """The words of ``text`` once its digits, punctuation and symbols are spaces."""
    encoded = single_byte(text)
    if encoded is not None:  # one translation in C, not a Unicode pattern
        return count_marked_words(encoded, _WORDS_BESIDES_NUMBERS)
    return word_count(_DIGITS_AND_MARKS.sub(" ", text))


def _body_ends(blocks: list[Block], kept: list[int]) -> list[int]:
    """The indices in ``kept`` of the body paragraphs :func:`article_lines` reads: the first
    four (the first may be a headline over a byline) and the last; all of them when there
    are no more than five.
    """
    # Asked from both ends, so the paragraphs in between are never measured (a body has
    # about twenty; the steps ask in every settling round too).
    first = list(islice((i for i in kept if _is_body(blocks[i].text)), 4))
    if len(first) < 4:
        return first
    after = kept[kept.index(first[-1]) + 1 :]
    last = next((i for i in reversed(after) if _is_body(blocks[i].text)), None)
    return first if last is None else [*first, last]


class Line(NamedTuple):
    """A line near the body that the metadata steps look at (a named tuple: the steps make a
    few hundred an article, at a third of a frozen dataclass's cost).
    """

    index: int  # in ``draft.blocks``
    block: Block
    distance: int  # lines to the nearest body paragraph (1 = next to it)
    zone: str  # "head" (above the body), "inner" (among its first lines), "foot" (below it)
    opening: bool  # a kept line above the first body paragraph


def article_lines(draft: Draft, words: _Vocabulary) -> list[Line]:
    """The lines around the body of ``draft`` where a page puts its metadata, nearest first:
    the head (above the first body paragraph), the inner lines (between the first two), the
    foot (below the last). A text that opens with a line over a byline or date line opens
    with its headline, even one shaped as a sentence ("Why X? A long look at Y." over "By
    Jane Doe"): that line is no body paragraph (as a record is written, its title over its
    "By" line).

    Every kept line of those places is in it, and which places a kept line is in depends on
    the kept lines alone (removing a byline or date line never turns another line into a body
    paragraph): so a second pass over the clean text sees the same kept lines as the first
    one did, and removes nothing more. Removed lines (page chrome) are looked at up to
    ``HEAD_REACH`` lines above the body and ``FOOT_REACH`` below it, but for the teaser cards
    ``page_body`` took out: other articles' headlines and bylines.
    """
    blocks = draft.blocks
    kept = [i for i, b in enumerate(blocks) if b.kept]
    body = _body_ends(blocks, kept)
    if len(body) > 1 and body[0] == kept[0] and _over_byline(draft, kept[0], words):
        body = body[1:]
    if not body:
        return []
    first_body, last_body = body[0], body[-1]
    second_body = body[1] if len(body) > 1 else first_body
    # A standfirst or an author's note can read as the first body paragraph, or the second,
    # with the byline and date under it: the kept lines up to the third body paragraph are
    # looked at too, the first INNER of them, as farther from the body than any before it.
    third_body = body[2] if len(body) > 2 else last_body
    lines = []
    reach = max(0, min(kept[0], first_body) - HEAD_REACH)
    for i in range(first_body - 1, reach - 1, -1):
        lines.append(Line(i, blocks[i], first_body - i, "head", blocks[i].kept))
    rank = 0
    for i in range(first_body + 1, min(last_body, max(third_body, first_body + 1 + INNER))):
        block = blocks[i]
        if block.kept:
            rank += 1
            if i < second_body:
                lines.append(Line(i, block, i - first_body, "inner", False))
            elif i < third_body and rank <= INNER and i != second_body:
                lines.append(Line(i, block, i - first_body + INNER, "inner", False))
        elif i - first_body <= INNER:
            lines.append(Line(i, block, i - first_body, "inner", False))
    for i in range(last_body + 1, len(blocks)):
        if blocks[i].kept or i - last_body <= FOOT_REACH:
            lines.append(Line(i, blocks[i], i - last_body, "foot", False))
    return [line for line in lines if not _teaser_card(line.block)]


def _teaser_card(block: Block) -> bool:
    """Whether ``block`` is a line of another article's teaser card (``page_body``)."""
    return block.removal is not None and block.removal.reason == TEASER_CARDS


# The longest kept line (in characters) read for a labelled date when none is near the
# body: a date line of a few words, with a label, names or a counter beside it (a sentence
# around a date is not read, and is longer).
_MIDDLE_LENGTH = 120
_DATE_LABELS = ("date_published", "date_updated", "date_label")
# Steps whose removal marks a byline or date line.
_ANCHOR_STEPS = ("byline", "dateline", "date_prefix")


def _over_byline(draft: Draft, index: int, words: _Vocabulary) -> bool:
    """Whether the block at ``index`` is short enough for a headline and the block under it
    is a byline or a date line (read as one, or removed as one: the same either way).
    """
    text = draft.blocks[index].text
    if index + 1 >= len(draft.blocks) or word_count(text) > 30 or len(text) > 300:
        return False
    below = draft.blocks[index + 1]
    if below.removal is not None:
        return below.removal.step in _ANCHOR_STEPS
    return bool(words.byline_cue.match(below.text)) or (
        word_count(below.text) <= 8 and bool(words.dates_in(below.text))
    )


@lru_cache(maxsize=4)
def _reader(book: PhraseBook) -> DateReader:
    return DateReader(book)


@paragraph_cache(maxsize=16384)
def _dates_in(words: _Vocabulary, text: str) -> list[FoundDate]:
    return [d for d in words.dates.find(text) if d.value[:10] not in _PLACEHOLDER_DAYS]


def _bare(text: str) -> str:
    """A phrase-list pattern (:meth:`PhraseBook.source`) without the word boundaries around
    it, to find a cue glued to the word before or after it.
    """
    head, tail = r"(?<![\w@/])", r"(?![\w@])"
    if text.startswith(head) and text.endswith(tail):
        return text[len(head) : -len(tail)]
    return text


def _without(text: str, spans: list[tuple[int, int]]) -> str:
    for start, end in sorted(spans, reverse=True):
        text = text[:start] + " " + text[end:]
    return text


_FURNITURE = (
    "share",
    "advert",
    "call_to_action",
    "newsletter",
    "cookie",
    "comments",
    "related",
    "copyright",
)
_PAGE_NOTES = ("appeal", "reading", "salutation")
# A headline candidate longer than this is a caption only when a caption cue opens it.
CAPTION_CUE_WORDS = 6


class _Vocabulary:
    """The phrase-list cues the metadata steps share."""

    def __init__(self, phrasebook: PhraseBook | None) -> None:
        self.book = book = phrasebook or load_phrasebook()
        self.dates = _reader(book)
        cue = _bare(book.source("byline"))
        self.byline_cue = regex.compile(rf"^\W*(?:{cue})\s*[:：\-–]?\s*(?=\p{{Lu}}|$)", regex.I)
        self.inner_cue = regex.compile(rf"(?<![\w@/])(?:{cue})\s*:?\s+(?=\p{{Lu}})", regex.I)
        # A label or title glued to the word before it ("Jane DoePublished", "DoeStaff
        # Writer"), or a byline word to the name after it ("ByJane Doe"): scrapers drop the
        # space between two elements of a page.
        glued = "|".join(
            _bare(book.source(c)) for c in ("date_published", "date_updated", "author_role")
        )
        self.glued = regex.compile(rf"(?<=\p{{Ll}})(?-i:(?=\p{{Lu}}))(?=(?:{glued}))", regex.I)
        self.glued_cue = regex.compile(
            rf"^(?-i:(?=\p{{Lu}}))(?:{cue})(?-i:(?=\p{{Lu}}\p{{Ll}}))", regex.I
        )

    def any_of(self, categories: tuple[str, ...], text: str) -> bool:
        """Whether ``text`` holds a cue of one of ``categories``."""
        return any(self.book.count(category, text) for category in categories)

    def furniture(self, text: str) -> bool:
        """Whether ``text`` has the words of page furniture ("Share", "Subscribe", "Related")."""
        return self.any_of(_FURNITURE, text)

    def page_note(self, text: str) -> bool:
        """Whether ``text`` is an appeal or a reading note ("6 min read", "Support us")."""
        return self.any_of(_PAGE_NOTES, text)

    def caption(self, text: str) -> bool:
        """Whether ``text`` reads like a photo caption or credit (its dates are the photo's)."""
        return self.book.count("caption", text) > 0

    def role(self, text: str) -> bool:
        """Whether ``text`` names a job title ("Staff Writer", "Redakteurin")."""
        return self.book.count("author_role", text) > 0

    def unglue(self, text: str) -> str:
        """``text`` with a space put back where a scraper glued a label to a name."""
        if not any(c.islower() for c in text):
            return text
        text = self.glued.sub(" ", text)
        cue = self.glued_cue.match(text)
        return f"{text[: cue.end()]} {text[cue.end() :]}" if cue else text

    def dates_in(self, text: str) -> list[FoundDate]:
        """The dates of a short line (long ones are prose)."""
        if len(text) > 200 or not _has_digit(text):
            return []
        return _dates_in(self, text)

    def strip(self, categories: tuple[str, ...], text: str) -> str:
        """``text`` with the cues of ``categories`` blanked out."""
        spans = [m.span() for c in categories for m in self.book.find(c, text)]
        return _without(text, spans) if spans else text

    def rest(self, text: str, dates: list[FoundDate]) -> str:
        """``text`` without its dates, date labels, weekdays and reading-time notes."""
        text = _without(text, [(d.start, d.end) for d in dates])
        text = self.strip(
            ("date_published", "date_updated", "date_label", "weekday", "reading"), text
        )
        return _RELATIVE.sub(" ", text)

    def notes(self, text: str) -> str:
        """``text`` without date labels and reading-time notes ("Updated", "6 min read")."""
        text = self.strip(("date_published", "date_updated", "reading"), text)
        return _RELATIVE.sub(" ", text)

    def strip_roles(self, text: str) -> str:
        """``text`` without job titles."""
        return self.strip(("author_role",), text)

    def label_before(self, text: str, date: FoundDate) -> str | None:
        """``"published"`` or ``"updated"`` when the words just before ``date`` say so."""
        before = text[max(0, date.start - 40) : date.start]
        last = None
        for kind, category in (
            ("updated", "date_updated"),
            ("published", "date_published"),
            (None, "date_label"),
        ):
            for match in self.book.find(category, before):
                if last is None or match.end() > last[0]:
                    last = (match.end(), kind)
        return last[1] if last else None


# --- dates -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _DateCandidate:
    line: Line
    date: FoundDate
    score: float
    dateline: bool  # the line is little more than the date


class Dateline(Step):
    """Read the publication date (and time) from the lines around the article and keep it as
    ``created``; remove the lines that are only a date ("December 22, 2023 14:05",
    "Published 3:04 PM EST, Fri December 22, 2023") from the text.

    The date chosen is the one nearest the body in a line that is not a sentence (a caption or
    a quoted post with a date is not the article's date), preferring one labelled as the
    publication ("Published", "Publicado", "Veröffentlicht") over an unlabelled one and that
    over an update ("Updated", "Actualizado", "Mis à jour"); the lines above the body before
    those below it. A date the input already has is kept.
    """

    name = "dateline"

    @classmethod
    def before_fork(cls) -> None:
        """Compile the date patterns (shared with the byline and headline steps), which every
        worker would otherwise compile again on first need.
        """
        prepare_date_readers()

    def __init__(self, phrasebook: PhraseBook | None = None) -> None:
        self.words = _Vocabulary(phrasebook)
        self.bylines = Byline(self.words.book)

    def candidates(self, draft: Draft) -> list[_DateCandidate]:
        """Every date near the body that may be the article's, with its score; when there is
        none, the labelled dates among the other kept lines (:meth:`middle_lines`).
        """
        lines = article_lines(draft, self.words)
        found = self.scored(draft, [*lines, *self.far_lines(draft, lines)])
        return found or self.scored(draft, self.middle_lines(draft, lines))

    def scored(self, draft: Draft, lines: list[Line]) -> list[_DateCandidate]:
        """The dates of ``lines`` that may be the article's, each with its score."""
        found = []
        for line in lines:
            text = line.block.text
            dates = self.words.dates_in(text)
            if not dates or _POST_SIGNATURE.search(text):
                continue
            rest = self.words.rest(text, dates)
            rest_words = word_count(rest)
            # A byline with the date in it ("By Jane Doe | Dec 22, 2023"): its names are
            # no sentence around the date.
            read = self.bylines.read(text) if rest_words > 2 else None
            prose = 0 if read is not None and read[1] != "names" else rest_words
            if prose >= 10 or (prose >= 5 and ends_sentence(text)):
                continue  # a sentence that mentions a date
            if prose >= 4 and self.words.caption(text):
                continue  # a photo caption: the date the photo was taken
            labels = [self.words.label_before(text, date) for date in dates]
            if line.zone == "head":
                score = 10 - 0.25 * min(line.distance, HEAD_REACH)
            elif line.zone == "inner":
                if line.block.kept and prose > 3:
                    continue
                score = 6 - 0.5 * line.distance
            elif line.zone in ("far", "middle"):
                if not any(labels):
                    continue  # far from the body, only a labelled date is the article's
                score = 2
            else:
                score = 4 - 0.25 * line.distance
            for date, label in zip(dates, labels):
                bonus = {"published": 5, "updated": -3, None: 0}[label]
                found.append(_DateCandidate(line, date, score + bonus, rest_words <= 2))
        return found

    @staticmethod
    def far_lines(draft: Draft, lines: list[Line]) -> list[Line]:
        """The lines above the head (:func:`article_lines`), nearest first: a page may put
        a long run of navigation between the date and the body.
        """
        head = [line.index for line in lines if line.zone == "head"]
        if not head:
            return []
        top = min(head)
        return [Line(i, draft.blocks[i], top - i, "far", False) for i in range(top - 1, -1, -1)]

    def middle_lines(self, draft: Draft, lines: list[Line]) -> list[Line]:
        """The kept lines :func:`article_lines` leaves out, in order: those between the
        inner lines and the last body paragraph. Where a page's blurbs of other sections read
        as the first body paragraphs, its "Posted on" line sits among them. Only short lines
        with a digit that open with a date label are read (a dateline: only a labelled date
        counts there); most of these lines are the body's paragraphs, no date is taken from
        them.
        """
        # Only a full page has such blurbs: one whose chrome page_body took out.
        if not any(b.removal is not None and b.removal.step == "page_body" for b in draft.blocks):
            return []
        seen = {line.index for line in lines}
        return [
            Line(i, block, 0, "middle", False)
            for i, block in enumerate(draft.blocks)
            if block.kept
            and i not in seen
            and len(block.text) <= _MIDDLE_LENGTH
            and _has_digit(block.text)
            and any(self.words.book.starts_with(label, block.text) for label in _DATE_LABELS)
        ]

    def __call__(self, draft: Draft) -> list[Draft]:
        """Keep the best date as ``created``; remove kept lines that are only a date."""
        found = self.candidates(draft)
        if not found:
            return [draft]
        best = max(found, key=lambda c: (c.score, -c.line.index))
        if draft.created is None:
            draft.created = best.date.value
        for candidate in found:
            block = candidate.line.block
            if block.kept and candidate.dateline:
                reason = (
                    f"dateline; kept as created={candidate.date.value}"
                    if candidate.date.value == draft.created
                    else "dateline"
                )
                draft.remove(block, self.name, reason)
        return [draft]


# --- bylines -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _BylineCandidate:
    line: Line
    names: tuple[str, ...]
    kind: str  # "cue", "role", "dated", "names", "note"
    score: float


_KIND_STRENGTH = {"cue": 6.0, "role": 5.0, "dated": 4.0, "names": 2.5, "note": 3.5}
# What a line of names right under another one loses (an author's title on their card).
CARD_TITLE_COST = 1.0
# How many of the article's first paragraphs may be an author's note ("By Jane Doe, who ...").
NOTE_REACH = 3
# What follows a name in an author's note: "Jane Doe is a reporter ...".
_LOWER_WORD = regex.compile(r"(?<![\w’'-])\p{Ll}[\p{L}\p{M}’'-]*")
_BIO = regex.compile(r"(?:is|was|has|es|ist|est|é|è|является)\s", regex.I)


def _headline_over(text: str) -> bool:
    """Whether ``text`` reads as a headline: five words or more, in a headline's shape."""
    return word_count(text) >= 5 and heading_shaped(text)


# A surname this long at least may have a lower-case word glued to its end.
_GLUED_TAIL_MIN = 6


def _unglued_tail(name: str, page: str) -> str:
    """``name`` without a lower-case word a scraper glued to its surname, and what follows
    it ("Jane Doeprofile page", "Jane Doelong Read"), when the page writes the name elsewhere
    without it ("by Jane Doe"): the longest such spelling, if the part cut off is three
    lower-case letters or more.
    """
    words = name.split()
    for k in range(1, len(words)):
        word = words[k]
        if len(word) < _GLUED_TAIL_MIN or not word[-3:].islower():
            continue
        head = regex.escape(" ".join(words[:k]))
        found = regex.findall(rf"(?<!\w){head}\s+({regex.escape(word[:2])}[\w'’-]*)", page)
        shorter = [w for w in found if len(w) <= len(word) - 3 and word.startswith(w)]
        if shorter and word[len(max(shorter, key=len)) :].islower():
            return " ".join([*words[:k], max(shorter, key=len)])
    return name


@paragraph_cache(maxsize=16384)
def _read_byline(step: Byline, text: str) -> tuple[tuple[str, ...], str] | None:
    return step._read(text)


class Byline(Step):
    """Read the authors from a byline near the article and keep them as ``metadata.authors``;
    remove the byline from the text.

    A byline is a short line that opens with a byline word ("By", "Por", "Von", "Par", "Di",
    "Автор", "Written by"), or gives names with a job title ("Jane Doe, Staff Writer") or with
    a date ("Jane Doe - December 22, 2023"), or is only names on a line next to a date.
    Names are split at commas and "and" (in each language), and job titles, outlets ("for
    ..."), e-mail addresses and handles are dropped. The byline nearest the body, above it
    rather than below, is chosen. Authors the input already has are kept.
    """

    name = "byline"

    def __init__(self, phrasebook: PhraseBook | None = None) -> None:
        self.words = _Vocabulary(phrasebook)

    def read(self, text: str) -> tuple[tuple[str, ...], str] | None:
        """The names of a byline line and its kind, or ``None`` when it is not one."""
        if len(text) > 250 or not any(c.isupper() for c in text):
            return None
        return _read_byline(self, text)

    def _read(self, text: str) -> tuple[tuple[str, ...], str] | None:
        if _URL.search(text) or _POST_SIGNATURE.search(text):
            return None  # a link, or the signature of an embedded post
        text = self.words.unglue(text)
        dates = self.words.dates_in(text)
        cue = self.words.byline_cue.match(text)
        if cue:
            names = self.names(text[cue.end() :], dates, cue.end())
            return (names, "cue") if names else None
        words = word_count(text)
        if words > 16 or (words >= 6 and ends_sentence(text)):
            return None
        inner = self.words.inner_cue.search(text)
        if inner:
            # "Posted on 12/19/2023 by Jane Doe": a byline word after a date and its label
            # (not after a capitalised word: "Photo by ...", "Fact checked by ..."; nor after
            # a label alone: "Edited by ..." names an editor).
            before = self.words.rest(text[: inner.start()], dates)
            names = self.names(text[inner.end() :], dates, inner.end())
            if (
                names
                and all(len(n.split()) >= 2 for n in names)
                and not any(c.isupper() for c in before)
                and any(d.end <= inner.start() for d in dates)
                and not self.words.caption(text)
            ):
                return names, "cue"
        if self.words.furniture(text) or self.words.caption(text):
            return None
        names = tuple(n for n in self.names(text, dates, 0) if len(n.split()) >= 2)
        if not names:
            return None
        if self.words.role(text):
            return names, "role"
        if dates:
            return names, "dated"
        bare = _RELATIVE.sub(" ", text)
        rest = _SEPARATORS.sub(" ", _HANDLE.sub(" ", _DOMAIN.sub(" ", bare)))
        if word_count(rest) == sum(word_count(n) for n in names) or (
            len(names) == 1 and self.outlet_after(rest, names[0])
        ):
            # Names and nothing else, or a name and its outlet in capitals ("Jane Doe
            # EXAMPLE PRESS"); with how long ago ("Jane Doe 2 hours ago"), a byline.
            return names, "dated" if bare != text else "names"
        return None

    @staticmethod
    def outlet_after(rest: str, name: str) -> bool:
        """Whether ``rest`` is ``name`` and words in capitals after it (an outlet)."""
        rest = rest.strip()
        return rest.startswith(name) and bool(_CAPITALS_RUN.fullmatch(rest[len(name) :]))

    def cue_alone(self, text: str) -> bool:
        """Whether ``text`` is a byline word and nothing else ("By", "Por:")."""
        if len(text) > 20:
            return False
        cue = self.words.byline_cue.match(text.strip())
        return cue is not None and cue.end() == len(text.strip())

    def names(self, text: str, dates: list[FoundDate], offset: int) -> tuple[str, ...]:
        """The person (or agency) names in what follows a byline word."""
        spans = [(d.start - offset, d.end - offset) for d in dates if d.end > offset]
        text = _without(text, [(max(0, s), e) for s, e in spans])
        text = _EMAIL.sub(" ", text)
        text = _HANDLE.sub(" ", text)
        text = _DOMAIN.sub(" ", text)
        text = _PARENTHESES.sub(" ", text)
        text = self.words.notes(text)
        found: list[str] = []
        for part in _SEPARATORS.split(text):
            part = _OUTLET_TAIL.sub("", part).strip(_TRIM)
            glued = _GLUED_AFTER_NAME.search(part)
            if glued and " " in part[: glued.start()]:
                part = part[: glued.start()]  # the name ends there
            part = self.words.strip_roles(part).strip(_TRIM)
            part = _SPACES.sub(" ", part)
            if not part or not _LETTER.search(part):
                continue
            run = _NAME_RUN.match(part)
            if not run:
                if found:
                    break
                return ()
            name = run.group(0)
            if " " in name and not _INITIALS.search(name):
                name = name.rstrip(".")
            words = name.split()
            shout = next((k for k, w in enumerate(words) if k >= 2 and _CAPITALS.fullmatch(w)), 0)
            if shout and not any(_CAPITALS.fullmatch(w) for w in words[:shout]):
                # A name run into an outlet written in capitals ("Jane Doe USA TODAY").
                words = words[:shout]
                name = " ".join(words)
            if len(words) > 4:
                # A name run into an outlet ("Jane Doe Springfield Daily News"): the first two
                # words, three with a middle initial.
                name = " ".join(words[:3] if "." in words[1] else words[:2])
            if len(name) >= 2 and name not in found:
                found.append(name)
        return tuple(found)

    @staticmethod
    def named_in_context(
        line: Line, names: tuple[str, ...], lines: list[Line], dated: set[int]
    ) -> bool:
        """Whether a line of names alone is a byline: a date line or a reading time next to
        it, a headline above it and the body right under it, or the same name opening an
        author's note near the body ("Jane Doe is a reporter ...").
        """
        if {line.index - 2, line.index - 1, line.index + 1, line.index + 2} & dated:
            return True
        if line.zone == "head" and line.distance == 1:
            # Between a headline and the first body paragraph: where a byline stands.
            above = next((other for other in lines if other.index == line.index - 1), None)
            if above is not None and _headline_over(above.block.text):
                return True
        return any(
            other.index != line.index
            and other.block.text.startswith(names[0])
            and _BIO.match(other.block.text[len(names[0]) :].strip())
            for other in lines
        )

    def timed(self, text: str) -> bool:
        """Whether ``text`` tells when the article was written or how long it reads: a date,
        or a short line with a reading time ("11 min read") or how long ago ("2 hours ago").
        """
        if self.words.dates_in(text):
            return True
        if word_count(text) > 6 or not _has_digit(text):
            return False
        return bool(_RELATIVE.search(text)) or self.words.any_of(("reading",), text)

    def candidates(self, draft: Draft) -> list[_BylineCandidate]:
        """Every byline near the body, with its score."""
        lines = article_lines(draft, self.words)
        dated = {line.index for line in lines if self.timed(line.block.text)}
        lower: set[str] | None = None  # the words the text writes in lower case
        found = []
        for line in lines:
            read = self.read(line.block.text)
            above = draft.blocks[line.index - 1] if line.index > 0 else None
            if above is not None and self.cue_alone(above.text):
                # "By" on a line of its own, the names on the next one.
                read = self.read(f"{above.text.strip()} {line.block.text}") or read
                if read is not None and read[1] == "cue" and above.kept:
                    draft.remove(above, self.name, "byline word; the byline is metadata.authors")
            if read is None:
                continue
            names, kind = read
            if kind == "names" and not self.named_in_context(line, names, lines, dated):
                continue
            score = _KIND_STRENGTH[kind] - 0.1 * min(line.distance, HEAD_REACH)
            if line.zone == "foot":
                score -= 2
                if all(" " not in name for name in names):
                    score -= 2  # "by Widgetco" under the article: a widget's label
            if kind != "cue":
                if lower is None:
                    lower = set(_LOWER_WORD.findall(draft.text))
                if names[0].split()[-1].casefold() in lower:
                    # "Example Studios", "View All", "Night Desk Intern": a word the text
                    # writes in lower case is a label's, seldom a surname.
                    score -= 3
            found.append(_BylineCandidate(line, names, kind, score))
        self.card_titles(found)
        for line in self.author_notes(draft):
            names = self.note_names(line.block.text)
            if names:
                score = _KIND_STRENGTH["note"] - 0.1 * line.distance
                found.append(_BylineCandidate(line, names, "note", score))
        return found

    @staticmethod
    def card_titles(found: list[_BylineCandidate]) -> None:
        """Score lower a line of capitalised words right under a line of names ("Jane Doe"
        over "Research Fellow, Example Institute"): on an author's card the name comes first,
        then the title or affiliation.
        """
        names_at = {c.line.index for c in found if c.kind == "names"}
        for k, candidate in enumerate(found):
            if candidate.kind == "names" and candidate.line.index - 1 in names_at:
                found[k] = replace(candidate, score=candidate.score - CARD_TITLE_COST)

    @staticmethod
    def note_of_name(text: str) -> bool:
        """Whether ``text`` opens like an author's note: a name of two words or more, then
        what the person is ("Jane Doe is a reporter ...", "Jane Doe has covered ...").
        """
        run = _NAME_RUN.match(text)
        return (
            run is not None
            and len(run.group(0).split()) >= 2
            and _BIO.match(text[run.end() :].strip()) is not None
        )

    @staticmethod
    def author_notes(draft: Draft) -> list[Line]:
        """The article's first ``NOTE_REACH`` body paragraphs, where a page may put an
        author's note that names the author ("By Jane Doe, who has covered ...").
        """
        blocks = draft.blocks
        prose = (i for i, b in enumerate(blocks) if b.kept and _is_body(b.text))
        body = list(islice(prose, NOTE_REACH))
        return [Line(i, blocks[i], i - body[0], "inner", False) for i in body]

    def note_names(self, text: str) -> tuple[str, ...]:
        """The name an author's note opens with after a byline word, before a comma ("By
        Jane Doe, a reporter who ..."); none for other prose ("By Tuesday, the ...").
        """
        cue = self.words.byline_cue.match(text)
        if not cue:
            return ()
        rest = text[cue.end() :]
        run = _NAME_RUN.match(rest)
        if not run or len(run.group(0).split()) < 2 or not rest[run.end() :].startswith(","):
            return ()
        return (run.group(0),)

    def __call__(self, draft: Draft) -> list[Draft]:
        """Keep the best byline's names as ``metadata.authors``; remove kept bylines."""
        found = self.candidates(draft)
        if not found:
            return [draft]
        best = max(found, key=lambda c: (c.score, -c.line.index))
        if not draft.metadata.get("authors"):
            page = draft.document.text
            draft.metadata["authors"] = [_unglued_tail(name, page) for name in best.names]
        for candidate in found:
            if candidate.line.block.kept and candidate.kind != "note":
                # An author's note is prose: it stays in the text.
                draft.remove(candidate.line.block, self.name, "byline; kept in metadata.authors")
        return [draft]


# --- headlines ---------------------------------------------------------------------------------


# Steps whose removals say nothing against a line being the headline: page_body removes
# whatever is outside the body, repeats the second copy of a line.
_NOT_FURNITURE = ("page_body", "repeats", "split")


# A line ending with a colon (a label), or a sentence followed by a parenthesis (a photo's
# credit, a clip's length: "... on Monday. (Jane Doe/Agency)").
_LABEL_OR_CREDIT_END = regex.compile(r"(?:[:：]|[.!?][\"”’]?\s*\([^()]*\))\s*$")


_WORD_RUN = regex.compile(r"\w+")


def _key(text: str) -> str:
    return " ".join(_WORD_RUN.findall(text.casefold()))


def _holds(key: str, part: str) -> bool:
    """Whether the words of ``part`` (a line's :func:`_key`, long enough to be a headline) are
    all of ``key`` or a run of its words.
    """
    if key == part:
        return True
    # At the end with no space before it: a label glued to the headline ("NewsThe headline").
    return len(part) > 12 and (key.endswith(part) or f" {part} " in f" {key} ")


def _under_written_date(draft: Draft, index: int) -> bool:
    """Whether the block at ``index`` is right under the ``date`` line of a written record,
    where :func:`~newsclean.record.render_text` writes the title.
    """
    above = draft.blocks[index - 1].removal if index > 0 else None
    return above is not None and above.step == "date_prefix"


@dataclass(frozen=True)
class _TitleCandidate:
    line: Line
    score: float
    topic: float  # the share of its content words the lead uses
    words: int


class Headline(Step):
    """Read the headline above the article and keep it as ``metadata.title``; remove it from
    the text when it is still there.

    The headline is a line of a few words without a full stop above the body: in the page
    chrome above it, the one nearest a byline or date line (``byline`` and ``dateline`` run
    first), longer than a section label, without the words of page furniture ("Share",
    "Subscribe"), about what the article is about (its words are in the first paragraphs:
    another article's teaser or a widget's label are not), and preferably one the page repeats
    (in its breadcrumbs or its title bar). A line right under a headline is its standfirst,
    and the best line is taken for a deck when a line about the same story stands over it.
    A caption under its label ("Picture caption,"), another story's teaser under its label
    ("Related video") and an author's note ("Jane Doe is a reporter ...") score lower. In
    the text, only the line it opens with, when that line is followed by body text or by a
    standfirst and body text; the line under the kicker it opens with ("Politics"), even
    written as sentences, when a byline or date line follows a few lines down; and the line
    in a written record's title slot. When the headline comes from the chrome and the text
    opens with two headline lines, the first is removed too
    ("second headline line") and the other is left to ``standfirst``. A title the input
    already has is kept, and a first line equal to it is removed as the headline.
    """

    name = "headline"

    def __init__(self, phrasebook: PhraseBook | None = None) -> None:
        self.words = _Vocabulary(phrasebook)
        self.bylines = Byline(self.words.book)

    def anchors(self, lines: list[Line]) -> dict[int, str]:
        """The byline and date lines among ``lines``: index -> ``"byline"`` or ``"date"``."""
        found = {}
        for line in lines:
            block = line.block
            if block.removal and block.removal.step == "byline":
                found[line.index] = "byline"
            elif block.removal and block.removal.step in ("dateline", "date_prefix"):
                found[line.index] = "date"
            elif self.bylines.read(block.text):
                found[line.index] = "byline"
            elif self.words.dates_in(block.text) and word_count(block.text) <= 16:
                found[line.index] = "date"
        return found

    def opening(self, draft: Draft) -> list[Block]:
        """The headline lines the text opens with: a headline followed by body text, or by a
        standfirst (in the shape ``standfirst`` takes) and body text; none otherwise. So after
        this step and ``standfirst`` the text opens with body text. A byline or a date line
        is no headline (when the steps that read them are not run).
        """
        kept = draft.kept
        if len(kept) < 2 or not heading_shaped(kept[0].text):
            return []
        if self.bylines.read(kept[0].text) or self.words.dates_in(kept[0].text):
            return []
        if body_text(kept[1].text):
            return kept[:1]
        if len(kept) >= 3 and opens_article(kept[1].text, kept[2].text):
            return kept[:2]
        return []

    def headline_lines(
        self, lines: list[Line], keys: list[str], eligible: dict[int, int]
    ) -> set[int]:
        """The eligible lines that read as a headline and not as a label: five words or more,
        no breadcrumb separators, no page-furniture words, and not a copy of the next line;
        the line under one of them is its standfirst.
        """
        key_at = {line.index: key for line, key in zip(lines, keys)}
        found = set()
        for line in lines:
            i, text = line.index, line.block.text
            if eligible.get(i, 0) < 5 or _TRAIL.search(text):
                continue
            if self.words.furniture(text) or self.words.page_note(text) or self.words.caption(text):
                continue
            after = key_at.get(i + 1, "")
            if not (_holds(key_at[i], after) or _holds(after, key_at[i])):
                found.add(i)
        return found

    def caption_cue(self, text: str, words: int) -> bool:
        """Whether a caption cue ("Photo", "Image") marks ``text`` as a caption or credit:
        anywhere in a short line, at its start in a long one. A long headline may use the word
        in its own sense ("new photo archive", "Images From Orbit Show ...").
        """
        if not self.words.caption(text):
            return False
        if words <= CAPTION_CUE_WORDS:
            return True
        return any(m.start() == 0 for m in self.words.book.find("caption", text))

    @staticmethod
    def kicker_over(index: int, eligible: dict[int, int], draft: Draft) -> bool:
        """Whether the line at ``index`` is a headline under a kicker: the line above it is
        shorter ("Politics", "Budget diary: the inside story") and the line under it is a
        sentence (its standfirst). Then the line above is no headline over its standfirst.
        """
        above, words = eligible.get(index - 1), eligible.get(index)
        if above is None or words is None or above >= words or index + 1 not in eligible:
            return False
        return ends_sentence(draft.blocks[index + 1].text)

    def under_label(self, draft: Draft, index: int) -> bool:
        """Whether the line at ``index`` is right under a label removed from the text: a
        caption's ("Picture caption,", "Photo:") over the caption, or a teaser's ("Related
        podcast", "See also") over another story's headline.
        """
        above = draft.blocks[index - 1] if index > 0 else None
        if above is None or above.kept:
            return False
        text = above.text.rstrip()
        if text.endswith((",", ":")) and self.words.caption(text):
            return True
        # "Read more" under a teaser ends it: the line after it is no teaser for that.
        teaser_label = self.words.any_of(("related",), text)
        return (
            teaser_label
            and word_count(text) <= LABEL_WORDS
            and not self.words.any_of(("call_to_action",), text)
        )

    def under_kicker(self, draft: Draft, line: Line) -> bool:
        """Whether ``line`` is the line under the kicker the text opens with (a section's
        name of a few words: "Politics", "Health & Science"), over body text and a byline
        or date line a few lines down: the headline, even one written as sentences ("X is
        coming. Here's what it means."). Without the byline or date, the written record
        would not read it back as its title.
        """
        kept = draft.kept
        block = line.block
        if len(kept) < 3 or kept[1] is not block or body_text(block.text):
            return False
        kicker = kept[0].text
        short = word_count(kicker) <= KICKER_WORDS and not ends_sentence(kicker)
        # Not the start of the same line, cut by a hard wrap ("How is the plague" over "How
        # is the plague spread?").
        wrapped = _key(block.text).startswith(_key(kicker))
        if not short or wrapped or not body_text(kept[2].text):
            return False
        end = min(len(draft.blocks), line.index + 1 + KICKER_ANCHOR_LINES)
        below = [
            Line(i, draft.blocks[i], i - line.index, "inner", False)
            for i in range(line.index + 1, end)
        ]
        return bool(self.anchors(below))

    @staticmethod
    def heads_text(draft: Draft, line: Line, anchors: dict[int, str]) -> bool:
        """Whether a kept line above the body heads it: it is over a byline or date line
        (page chrome ``page_body`` kept may come before it), or right under the ``date`` line
        of a written record (:func:`~newsclean.record.render_text` writes the title there,
        whatever follows it).
        """
        if {line.index + 1, line.index + 2} & anchors.keys():
            return True
        return _under_written_date(draft, line.index)

    @staticmethod
    def lead_words(draft: Draft) -> set[str]:
        """The content words of the article's first prose paragraphs, which a headline shares
        (its names and topic) and page chrome above it does not.
        """
        lead = islice((b.text for b in draft.kept if _is_body(b.text)), LEAD_PARAGRAPHS)
        return content_words(" ".join(lead))

    @staticmethod
    def topic_share(text: str, lead: set[str]) -> float | None:
        """The share of a candidate's content words the lead uses (``None`` when there is
        too little to tell): a headline names what the article is about; "Sign up for
        alerts", a section label or another article's headline do not.
        """
        words = content_words(text)
        if not lead or len(words) < 2:
            return None
        return len(words & lead) / len(words)

    @staticmethod
    def over_its_deck(best: _TitleCandidate, found: list[_TitleCandidate]) -> _TitleCandidate:
        """The headline when ``best`` is its deck: a page's head is the headline, then a
        deck of a line or a few (a sentence, a teaser for the story), then the byline; the
        deck sits nearer the byline and shares the lead's words, so it can outscore the
        headline. The topmost line a few lines above ``best`` that reads as a headline about
        the same story (five words or more, no full stop, most of its words in the lead) is
        the headline then.
        """
        index, text = best.line.index, best.line.block.text
        # A deck is a sentence, or about as long as its headline: a much shorter line above
        # is a kicker or a section's name.
        shortest = 0 if ends_sentence(text) else DECK_SHORTEST * best.words
        key = _key(text)
        above = [
            c
            for c in found
            if index - DECK_LINES <= c.line.index < index
            and c.words >= max(5, shortest)
            and c.topic >= DECK_TOPIC
            and not ends_sentence(c.line.block.text)
            and not _TRAIL.search(c.line.block.text)
            and not _holds(_key(c.line.block.text), key)  # a breadcrumb or title bar
        ]
        return min(above, key=lambda c: c.line.index) if above else best

    def candidates(self, draft: Draft, opening: list[Block] | None = None) -> list[_TitleCandidate]:
        """Every line above the body that may be the headline, with its score: the page
        chrome above the body, and the line(s) the text opens with.
        """
        lines = [line for line in article_lines(draft, self.words) if line.zone == "head"]
        if not lines:
            return []
        opening = {id(b) for b in (self.opening(draft) if opening is None else opening)}
        anchors = self.anchors(lines)
        keys = [_key(line.block.text) for line in lines]
        eligible = {}
        for line in lines:
            text = line.block.text
            words = word_count(text)
            if line.index in anchors or not 2 <= words <= 30 or len(text) < 8 or len(text) > 300:
                continue
            if _URL.search(text) or not _LETTER.search(text):
                continue
            removal = line.block.removal
            if removal is not None and removal.step not in _NOT_FURNITURE:
                continue  # a line a step took for page furniture (a banner, a teaser)
            if (
                line.block.kept
                and id(line.block) not in opening
                and not self.heads_text(draft, line, anchors)
                and not self.under_kicker(draft, line)
            ):
                # A kept line is the headline only as the line the text opens with (before
                # body text, or a standfirst and body text, or under a kicker), or over a
                # byline or date line.
                continue
            eligible[line.index] = words
        if not eligible:
            return []
        lead = self.lead_words(draft)
        # Lines each followed by a date are a list of other articles (a headline, its date).
        dated = [i for i in eligible if "date" in (anchors.get(i + 1), anchors.get(i + 2))]
        listed = len(dated) >= 3
        plain = self.headline_lines(lines, keys, eligible)
        found = []
        for line, key in zip(lines, keys):
            if line.index not in eligible:
                continue
            text = line.block.text
            words = eligible[line.index]
            score = 5 - 0.08 * line.distance
            below = [anchors.get(line.index + k) for k in (1, 2, 3)]
            if "byline" in below:
                score += 3
                if "date" in below[below.index("byline") :] and not line.block.kept:
                    # A byline then a date: an article's head, not a teaser over its author
                    # (a line kept in the text already scores as the text's opening).
                    score += 1.5
            elif "date" in below and not listed:
                score += 3
            elif {line.index - 1, line.index - 2} & anchors.keys():
                score += 1
            if words >= 4:
                score += 1.5
            elif words <= 2:
                score -= 1.5
            # A headline is followed by its standfirst: a longer line, often a sentence.
            after = eligible.get(line.index + 1)
            if after is not None and after > words and after >= 6:
                if not self.kicker_over(line.index + 1, eligible, draft):
                    score += 1.5
            # A full stop ends a sentence; a question or an exclamation may end a headline.
            sentence = ends_sentence(text) and not text.rstrip().endswith(("?", "!", "?”", "!”"))
            if sentence:
                score -= 2.5
            if self.words.furniture(text) or self.words.page_note(text):
                score -= 3
            if self.caption_cue(text, words) or "/" in text or text.startswith("("):
                score -= 3
            if len(_TRAIL.findall(text)) >= 2:
                score -= 3  # a breadcrumb trail ("Home > News > ..."), whatever it ends with
            if text[:1].islower():
                score -= 3  # a headline opens with a capital; "from Washington and beyond"
            if _LABEL_OR_CREDIT_END.search(text):
                score -= 3  # a label ("Search for:") or a caption's credit or clip length
            if any(m.start() == 0 for m in self.words.book.find("section_end", text)):
                score -= 3  # "Tags: ...", "About the author"
            if (
                _NAME_RUN.match(text)
                and len(_NAME_RUN.match(text).group(0).split()) >= 2
                and (words <= 5)
            ):
                score -= 2
            copies = sum(1 for k in keys if k == key or (len(key) > 12 and k.endswith(key)))
            if any(
                k != key and 2 * k.count(" ") >= key.count(" ") and _holds(key, k) for k in keys
            ):
                score -= 2  # a title bar or breadcrumb trail around the headline
            listed_above = {line.index - 2, line.index - 3} <= plain
            kicked = self.kicker_over(line.index, eligible, draft)
            if line.index - 1 in plain and not listed_above and copies == 1 and not kicked:
                # The line under a headline (not repeated itself) is its standfirst; under a
                # run of them (a list of other articles' headlines) it may be the headline.
                score -= 4
            if copies in (2, 3):
                score += 1.5  # the page's title bar or breadcrumbs repeat the headline
            elif copies > 3:
                score -= 2  # a label repeated down a list
            if _RELATIVE.search(text):
                score -= 3  # "... 2 days ago": a teaser for another article
            if self.under_label(draft, line.index):
                score -= 3  # a photo's caption, another story's teaser
            if sentence and self.bylines.note_of_name(text):
                score -= AUTHOR_NOTE_COST  # "Jane Doe is a reporter at ...": an author's note
            topic = self.topic_share(text, lead)
            if topic is not None:
                score += TOPIC_POINTS * topic - (TOPIC_POINTS / 2 if topic == 0 else 0.0)
            if line.opening and words >= 4:
                score += 1.5  # kept with the body by page_body
            first = line.distance <= 3 and all(i in anchors for i in range(line.index))
            if first and not sentence:
                score += 4  # the article's first line (a date or byline above it at most)
            if _under_written_date(draft, line.index):
                # A written record's title: cleaning it again must read the same title, even
                # when a heading-shaped line under its "By" line shares more of the lead.
                score += WRITTEN_TITLE_POINTS
            found.append(_TitleCandidate(line, score, topic or 0.0, words))
        return found

    def __call__(self, draft: Draft) -> list[Draft]:
        """Keep the best headline as ``metadata.title``; remove it from the text."""
        known = draft.metadata.get("title")
        kept = draft.kept
        if isinstance(known, str) and known:
            if kept and _key(kept[0].text) == _key(known):
                draft.remove(kept[0], self.name, "headline; kept in metadata.title")
            return [draft]
        opening = self.opening(draft)
        candidates = self.candidates(draft, opening)
        found = [c for c in candidates if c.score >= MIN_TITLE_SCORE]
        if found:
            top = max(found, key=lambda c: (c.score, c.line.index))
            best = self.over_its_deck(top, candidates).line.block
        elif opening:
            best = opening[0]
        else:
            return [draft]
        draft.metadata["title"] = best.text
        if best.kept:
            # The article starts at its headline: kept lines above it are page chrome.
            for block in draft.kept:
                if block is best:
                    break
                draft.remove(block, self.name, "above the headline")
            draft.remove(best, self.name, "headline; kept in metadata.title")
        if opening and all(best is not b for b in opening):
            # The headline was found above the text, which opens with headline lines too: the
            # one before the body is the standfirst when it has that shape; a line before it,
            # or one that is no standfirst (a question), is a second headline.
            last = opening[-1]
            if len(opening) == 2 or not opens_article(last.text, kept[1].text):
                draft.remove(
                    opening[0],
                    self.name,
                    "second headline line above the body; the headline is metadata.title",
                )
        return [draft]


# --- language ----------------------------------------------------------------------------------

# The detector reads this much of the text: enough for a confident answer, and it keeps the
# cost of a long article flat.
LANGUAGE_SAMPLE = 1000
_MIN_LETTERS = 20


@lru_cache(maxsize=1)
def _identifier():  # type: ignore[no-untyped-def]
    # Imported here: numpy and the model are loaded only by a run that detects a language.
    from newsclean.steps.language_id import FastIdentifier

    return FastIdentifier.from_default_model()


def detect_language(text: str) -> str:
    """The ISO 639-1 code of the language ``text`` is written in (``"und"`` when it has too
    few letters to tell), from the language identifier ``py3langid`` ships (a naive Bayes
    model over byte n-grams, 97 languages, deterministic). Only the first
    ``LANGUAGE_SAMPLE`` characters are read.
    """
    return _detect(text[:LANGUAGE_SAMPLE])


def _letters(text: str) -> int:
    """How many letters ``text`` has."""
    encoded = single_byte(text)
    if encoded is not None:  # one translation in C, not a Unicode pattern
        return encoded.translate(_LETTER_MARKS).count(b"a")
    return len(_LETTER.findall(text))


@lru_cache(maxsize=1024)
def _detect(sample: str) -> str:
    if _letters(sample[:200]) < _MIN_LETTERS:
        if _letters(sample) < _MIN_LETTERS:
            return "und"
    language, _ = _identifier().classify(sample)
    return str(language)


class Language(Step):
    """Name the language of the article's clean text in ``metadata.language`` (ISO 639-1, or
    ``und`` for a text with too few letters). Removes nothing.

    It is always decided on the text as cleaned (a ``language`` field the input had is
    replaced), so cleaning a clean record again gives the same answer.
    """

    name = "language"
    metadata_only = True

    @classmethod
    def before_fork(cls) -> None:
        """Load the language model, which every worker would otherwise load again."""
        _identifier()

    def __call__(self, draft: Draft) -> list[Draft]:
        """Detect the language of the kept text."""
        draft.metadata["language"] = detect_language(draft.text)
        return [draft]
