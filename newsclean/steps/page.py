"""Full-page scrapes: keep the article body, drop navigation, headline lists and footers.

A naive scraper saves every visible line of a page. The article is the one long stretch of
prose; menus, section lists, headline lists and footers are runs of short lines that do not end
like sentences. Each paragraph gets a score (prose counts for, link-like lines count against),
and the body is the contiguous stretch with the highest total (maximum-sum subarray). Short
lines inside the body (subheadings, transcript lines) cost little and are kept; everything
before and after it is removed.

The headline usually sits right above the body: it is kept (and becomes the standfirst) when it
looks like one.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cached_property
from itertools import islice

import regex

from newsclean.patterns import PhraseBook, load_phrasebook
from newsclean.record import Block
from newsclean.steps.base import Draft, Step
from newsclean.steps.shape import (
    ends_sentence,
    heading_shaped,
    headline_like,
    paragraph_cache,
    title_case_share,
    word_count,
)

# A time of day or "N hours ago": lines made of little else are comment and teaser metadata.
_TIMESTAMP = regex.compile(
    r"\b\d{1,2}:\d{2}(?::\d{2})?\s*(?:[ap]\.?m\.?)?\b|\b\d+\s*(?:minutes?|hours?|days?|mins?|hrs?)\s+ago\b",
    regex.I,
)


# "jdoe says:" / "Anna wrote:" — the attribution line of a comment.
_SPEAKER = regex.compile(r"^\S.{0,40}\s(?:says|said|wrote|replied)\s*:\s*$", regex.I)
# A person's name alone on a line: two to four capitalised words.
_PERSON = regex.compile(r"\p{Lu}[\p{L}\p{M}'’.-]*(?:\s+\p{Lu}[\p{L}\p{M}'’.-]*){1,3}")
# The most teaser headlines a related-links box inside the article holds, and the most words
# of its header.
_BOX_LINES = 6
_BOX_HEADER_WORDS = 4
# The first lines of a body, where an author's bio sits above the lead.
_HEAD_LINES = 3
# Teaser cards of other articles set inside the body: the fewest in a row that make a widget,
# the longest kicker over a card's headline, the fewest words of that headline and the most
# of its byline.
_CARD_RUN = 3
_KICKER_WORDS = 5
_CARD_HEADLINE_WORDS = 5
_CARD_BYLINE_WORDS = 7
TEASER_CARDS = "teaser cards of other articles inside the article"
# The name a bio opens with: one to three capitalised words.
_BIO_NAME = regex.compile(r"\p{Lu}[\p{L}\p{M}'’.-]*(?:\s+\p{Lu}[\p{L}\p{M}'’.-]*){0,2}\s+")
# A bio names the author's job right after the verb, within these many words.
_BIO_ROLE_WORDS = 4
# A sentence ending inside a line: ". " before a capital, or a CJK full stop.
_INNER_END = regex.compile(r"[.!?。！？]\s+\p{Lu}|[。！？]")
# Quotation marks, and the most words of a comments header that quotes the title after its
# count ("12 thoughts on “...”").
_QUOTES = '"“”„«»‘’‚「」'
_QUOTED_HEADER_WORDS = 40
# The score past the start of a comment thread: nothing there is article body.
_WALL = 1000.0
# What a step remembers of the lines it tested: how many, and the longest line kept.
_REMEMBERED_LINES = 65536
_REMEMBERED_CHARS = 20_000


# Remembered: page_body scores every kept line again in each settling round, and split reads
# the same scores.
@paragraph_cache(maxsize=65536)
def line_score(text: str) -> float:
    """How much a paragraph looks like article prose (positive) or page chrome (negative).

    Prose counts more than linearly with its length: an article's long paragraphs outweigh a
    comment thread or a list of teaser blurbs made of short sentences.
    """
    n = word_count(text)
    if _stamp_line(text):
        return -10.0
    if ends_sentence(text):
        if n >= 8:
            return min(n, 80) ** 1.5 / 8
        return 1.0 if n >= 3 else -1.0
    if n >= 20:
        return min(n, 80) ** 1.5 / 16
    # Headline-length lines without a full stop: teaser lists, or a subheading (cheap to cross).
    return -2.0 if n >= 5 and title_case_share(text) < 0.5 else -3.0


def _stamp_line(text: str) -> bool:
    """Whether ``text`` is a short line with a time in it: a comment's or a teaser's stamp."""
    return word_count(text) <= 10 and not ends_sentence(text) and bool(_TIMESTAMP.search(text))


def teaser_runs(blocks: list[Block], min_run: int = 5) -> set[int]:
    """The indices of kept lines in runs of teaser headlines: ``min_run`` or more lines in a
    row of 8-45 words, none of them ending like a sentence or holding one (a headline list;
    prose, even in a script written without full stops, has sentence ends along a run). A
    run that a line ending in a colon introduces is a list of the article's own.
    """
    found: set[int] = set()
    run: list[int] = []
    introduced = False
    previous = ""
    for i, block in enumerate([*blocks, None]):
        if block is not None and not block.kept:
            continue
        if block is not None and _teaser_line(block.text):
            if not run:
                introduced = _introduces(previous)
            run.append(i)
        else:
            if len(run) >= min_run and not introduced:
                found.update(run)
            run = []
        previous = block.text if block is not None else ""
    return found


def _introduces(text: str) -> bool:
    """Whether a line ends in a colon, introducing what follows it."""
    return text.rstrip().endswith((":", "："))


@paragraph_cache(maxsize=65536)
def _teaser_line(text: str) -> bool:
    return 8 <= word_count(text) <= 45 and not ends_sentence(text) and not _INNER_END.search(text)


# What marks a line as an item of a list: where it starts, and a separator inside it (not a
# bar: "Section | Headline" is how a list of teasers reads).
_ITEM_LEADS = "-•*–—·▪►"
_ITEM_SEPARATORS = (": ", " – ", " - ", " — ")
# The longest line read as a list item, in words.
_ITEM_WORDS = 25


# Remembered, as the heading key below: the list and contents searches ask about each line
# twice or more in a pass, and again in each settling round.
@paragraph_cache(maxsize=65536)
def item_shape(text: str) -> tuple[str, str] | None:
    """The shape of a list item ("2023: Jane Doe – Example FC", "- two eggs"): how it starts
    (a digit, a bullet or a word) and the first separator in it; ``None`` for a line of no
    list shape (a plain short line: a heading, a teaser, a menu entry).
    """
    text = text.strip()
    if not text or word_count(text) > _ITEM_WORDS:
        return None
    lead = "digit" if text[0].isdigit() else "bullet" if text[0] in _ITEM_LEADS else "word"
    separator = next((sep for sep in _ITEM_SEPARATORS if sep in text), "")
    if lead == "word" and not separator:
        return None
    return lead, separator


@paragraph_cache(maxsize=65536)
def item_or_opening_shape(text: str) -> tuple[str, str] | None:
    """As :func:`item_shape`, but a line of two words or more without a separator has the
    shape of its first word ("Added a new map", "Added two modes": items that open alike).
    """
    shape = item_shape(text)
    if shape is not None:
        return shape
    text = text.strip()
    # What item_shape refuses here is a short line opening with a word, without a separator.
    if not text or word_count(text) > _ITEM_WORDS:
        return None
    word, _, rest = text.partition(" ")
    return ("word " + word.casefold(), "") if rest else None


def _introduces_list(text: str) -> int:
    """How many items a line must be followed by to introduce the article's own list: two
    after a line ending in a colon, three after a heading; 0 when it introduces none.
    """
    if _introduces(text):
        return 2
    return 3 if headline_like(text, 2, 14) else 0


def list_after(
    blocks: list[Block], end: int, stop: int, furniture: Callable[[str], bool] = lambda _: False
) -> int:
    """Where the article's own list after ``blocks[:end]`` ends: a kept line introducing it
    at ``end`` or after furniture removed there (or just before it, inside the body), then
    kept lines of one :func:`item_shape` (items that open with the same word too), as many
    as :func:`_introduces_list` asks, read past furniture removed between them; ``end``
    itself when there is no such list. A line of
    ``furniture`` introduces none ("Share this:" over a share bar's buttons). Nothing at or
    past ``stop`` is read.
    """

    def shape_of(block: Block) -> tuple[str, str] | None:
        return item_or_opening_shape(block.text) if block.kept else None

    # The line after the body, past what earlier steps removed (a slide counter, a credit).
    after = next((i for i in range(end, stop) if blocks[i].kept), stop)
    for intro in (after, end - 1):
        if not 0 <= intro < stop - 1 or not blocks[intro].kept or furniture(blocks[intro].text):
            continue
        needed = _introduces_list(blocks[intro].text)
        # An item an earlier step removed (taken for a credit, say) leaves no gap in the list.
        kept_after = (i for i in range(intro + 1, stop) if blocks[i].kept)
        first = next(kept_after, None) if needed else None
        shape = shape_of(blocks[first]) if first is not None else None
        if shape is None:
            continue
        last, count = first, 1
        for i in kept_after:
            if shape_of(blocks[i]) != shape:
                break
            last, count = i, count + 1
        if count >= needed:
            return max(end, last + 1)
    return end


# The fewest items of a list under a heading that count as the article's own.
_LIST_ITEMS = 3


def _heads_list(text: str) -> bool:
    """Whether a line can head a list: it ends in a colon, or is a heading ("Ingredients",
    "What you need") of up to 14 words.
    """
    return _introduces(text) or headline_like(text, 1, 14)


def _list_item(block: Block) -> tuple[str, str] | None:
    """The :func:`item_shape` of a kept line without a time of day (a live ticker's or a
    teaser list's entries are stamped, an article's own list is not); ``None`` otherwise.
    """
    if not block.kept:
        return None
    # The shape first: it is told from a word count and a few characters, where the search
    # for a time reads all of a long paragraph (which has no shape).
    shape = item_shape(block.text)
    return None if shape is None or _TIMESTAMP.search(block.text) else shape


def listed_items(blocks: list[Block]) -> set[int]:
    """The indices of the article's own lists anywhere on the page: ``_LIST_ITEMS`` or more
    kept lines in a row of one :func:`item_shape` ("2 large eggs", "Bug 123 – crash fixed"),
    right under a line that heads them (:func:`_heads_list`). A menu's entries are plain
    words, and a list of teasers has no heading over it or stamps in it.
    """
    found: set[int] = set()
    i = 0
    while i < len(blocks):
        shape = _list_item(blocks[i])
        last = i
        while (
            shape is not None and last + 1 < len(blocks) and _list_item(blocks[last + 1]) == shape
        ):
            last += 1
        if (
            last - i + 1 >= _LIST_ITEMS
            and i > 0
            and blocks[i - 1].kept
            and _heads_list(blocks[i - 1].text)
        ):
            found.update(range(i, last + 1))
        i = last + 1
    return found


# A section number before a heading ("3.1 ") or an edit link after it ("[edit]"): a table of
# contents writes the first, a wiki's headings the second.
_HEADING_DECOR = regex.compile(r"^\s*(?:\d+[.)]?)+\s+|\s*\[[^\]]{1,20}\]\s*$")
# The fewest entries in a row that make a table of contents, and what each entry costs: a
# little, so that a short "Jump to" box under a page's chrome does not pull the chrome in.
_CONTENTS_ENTRIES = 3
_CONTENTS_COST = -1.0


@paragraph_cache(maxsize=65536)
def _heading_key(text: str) -> str:
    """A heading without its section number or edit link, casefolded."""
    return _HEADING_DECOR.sub("", text).strip().casefold()


def _short_heading(text: str) -> bool:
    """Whether ``text`` could be a subheading: 12 words at most, no sentence end."""
    return word_count(text) <= 12 and not ends_sentence(text)


def contents_entries(blocks: list[Block]) -> set[int]:
    """The indices of the article's table of contents: ``_CONTENTS_ENTRIES`` or more kept
    lines in a row, each a heading the page writes again further down with prose right under
    it (the subheading it points to; numbers and edit links aside: "3.1 History" and
    "History[edit]"). A menu's entries are not the article's subheadings.
    """
    kept = [i for i, block in enumerate(blocks) if block.kept]
    # Each subheading's last place on the page.
    subheading: dict[str, int] = {}
    for at, i in enumerate(kept):
        if _short_heading(blocks[i].text) and any(
            line_score(blocks[j].text) > 0 for j in kept[at + 1 : at + 3]
        ):
            subheading[_heading_key(blocks[i].text)] = i
    found: set[int] = set()
    if not subheading:
        return found
    run: list[int] = []
    for i in [*kept, len(blocks)]:
        text = blocks[i].text if i < len(blocks) else ""
        entry = _short_heading(text) and subheading.get(_heading_key(text), -1) > i
        if entry and run and run[-1] == i - 1:
            run.append(i)
            continue
        if len(run) >= _CONTENTS_ENTRIES:
            found.update(run)
        run = [i] if entry else []
    return found


def best_span(scores: list[float]) -> tuple[int, int]:
    """The [start, end) range of ``scores`` with the largest sum (empty input gives (0, 0))."""
    best, best_span_ = float("-inf"), (0, 0)
    total, start = 0.0, 0
    for i, score in enumerate(scores):
        if total <= 0:
            total, start = 0.0, i
        total += score
        if total > best:
            best, best_span_ = total, (start, i + 1)
    return best_span_


def _covers(match: regex.Match[str], text: str) -> bool:
    """Whether a cue found at the start of ``text`` is at least half of it (a header, not a
    sentence that opens with the same words).
    """
    return len(match.group()) >= 0.5 * len(text.rstrip(":.…"))


def _teaser_shaped(text: str) -> bool:
    """Whether ``text`` has the shape of a teaser headline: a :func:`heading_shaped` line, or
    one the page cut short with three full stops ("Plague confirmed in wild a...").
    """
    return heading_shaped(text) or (text.rstrip().endswith("...") and word_count(text) <= 40)


def _thread_follows(header: str, following: list[Block]) -> bool:
    """Evidence that a comments header opens a real thread, not a stray "Leave a comment"."""
    if any(ch.isdigit() for ch in header):
        return True
    return any(_TIMESTAMP.search(b.text) or _SPEAKER.search(b.text) for b in following if b.kept)


# A paragraph of this many words ending like a sentence is the article's prose, not a
# teaser's blurb, and how many kept lines after a removed header one is looked for.
_PROSE_WORDS = 40
_PROSE_REACH = 3


def _prose_follows(blocks: list[Block], index: int) -> bool:
    """Whether a long paragraph of prose (``_PROSE_WORDS`` words or more, a sentence end)
    is among the first ``_PROSE_REACH`` kept lines after ``blocks[index]``.
    """
    # Read lazily: a navigation dump has thousands of removed headers, each asking this.
    kept_after = (blocks[i] for i in range(index + 1, len(blocks)) if blocks[i].kept)
    following = islice(kept_after, _PROSE_REACH)
    return any(
        word_count(block.text) >= _PROSE_WORDS and ends_sentence(block.text) for block in following
    )


class PageBody(Step):
    """Keep only the article body of a full-page scrape: remove navigation menus, section and
    headline lists, comment threads and footers before and after the longest stretch of prose.

    Lines that earlier steps removed as page furniture (the steps named in ``furniture_steps``:
    share bars, banners, "Related" teasers, link lines) count against the stretch that would
    include them; lines removed for other reasons (a repeat, a line the unicode repair emptied)
    are not evidence of chrome and are left out of the scoring, as they are absent when the
    clean text is cleaned again. Each further chrome line in an unbroken run costs more than
    the last, so a menu or a headline list is a wall the body does not cross while a lone
    subheading inside the article costs little. ``min_removed`` keeps the step from trimming
    the odd stray line off an ordinary scrape: it only acts when at least that many paragraphs
    fall outside the body. Everything from a comments header ("34 Comments",
    "Leave a Reply", "12 thoughts on “...”" with the title quoted, from the ``comments``
    phrase list) after ``min_body`` points of prose on is a comment thread, never body; so is
    everything from the first of two comment stamps within a few lines (a short line with a
    month named and a time, "March 3, 2024 at 9:15 pm") when little prose follows. A scrape
    of several articles has several stretches of prose: every stretch scoring at least
    ``other_share`` of the best (and ``min_other``) is a body too.

    Shapes read in runs of lines: an author's card after the body (a name alone,
    then a job title alone or a bio that gives it), or a bio alone ("Jane Doe is a reporter
    ...": a name, a ``bio_verb`` and an ``author_role`` cue within a few words), ends the
    article like a section header, and such a bio among the first lines of a body (between
    the headline and the lead) goes;
    five or more long lines in a row with no sentence end (teaser headlines) score as
    chrome; and short lines after a line ending in a colon are the article's own list
    (tour dates, items), each costing its own score without the growing cost of a menu, as
    are three or more lines of one :func:`item_shape` right under a heading (a recipe's
    "Ingredients" over "2 large eggs", ...; :func:`listed_items`); the entries of the
    article's table of contents (its subheadings, each written again further down over
    prose: :func:`contents_entries`) cost 1 each, without that growing cost.
    A list that ends the article (after a line ending in a colon, two items or more; under
    a heading, three or more; each of one :func:`item_shape`, "2021: Jane Doe – Example
    FC", or opening with the same word, "Added ..."; not under a line asking the reader to
    share or act) belongs to the body it follows, though its short lines score as chrome.
    Inside the body, a related-links box (a header such as "Related stories" over a few
    teaser headlines, some perhaps cut short with "...", with more of the article after
    them) goes, and so do three or more teaser cards of other articles back to back (a
    headline over its byline, perhaps under a short kicker, or a kicker in capitals over a
    headline: see :meth:`card_length`).
    """

    name = "page_body"

    def __init__(
        self,
        phrasebook: PhraseBook | None = None,
        min_removed: int = 3,
        furniture_cost: float = 3.0,
        other_share: float = 0.1,
        min_other: float = 50.0,
        min_body: float = 100.0,
        tail_share: float = 0.5,
        furniture_steps: tuple[str, ...] = ("links", "related", "credits", "captions", "banners"),
    ) -> None:
        self.book = phrasebook or load_phrasebook()
        self.min_removed = min_removed
        self.furniture_cost = furniture_cost
        self.other_share = other_share
        self.min_other = min_other
        self.min_body = min_body
        self.tail_share = tail_share
        self.furniture_steps = frozenset(furniture_steps)
        # Lines' answers by text (see _remembered).
        self._comments_headers: dict[str, bool] = {}
        self._bios: dict[str, bool] = {}

    def _remembered(self, memo: dict[str, bool], test: Callable[[str], bool], text: str) -> bool:
        """``test(text)``, remembered in ``memo``: the article's end is looked for over every
        line below its first paragraphs, in the first pass and again in each settling round.
        Kept per step, by the text alone (the answer depends on the step's phrase book).
        """
        found = memo.get(text)
        if found is None:
            found = test(text)
            if len(text) <= _REMEMBERED_CHARS:
                if len(memo) >= _REMEMBERED_LINES:
                    memo.clear()
                memo[text] = found
        return found

    def scores(self, blocks: list[Block]) -> list[float]:
        """The score of every block, kept or removed as furniture, in order (see the class
        docstring).
        """
        out: list[float] = []
        run = 0
        # Whether the run of short lines under way was introduced by a line ending in a
        # colon: a list of the article's own ("Tour dates:"), not a menu.
        listed = False
        previous = ""
        teasers = teaser_runs(blocks)
        items = listed_items(blocks)
        contents = contents_entries(blocks)
        for i, block in enumerate(blocks):
            if not block.kept:
                # Already-removed furniture is evidence of chrome, but a banner in the middle of
                # an article must not cut it in two: a flat cost, outside the run penalty.
                out.append(-self.furniture_cost)
                continue
            score = -2.0 if i in teasers else line_score(block.text)
            if i in contents:
                score = max(score, _CONTENTS_COST)
            if (i in items or i in contents) and score <= 0:
                pass  # the article's own list: each item costs its own score, no wall
            elif score <= 0:
                if run == 0 or _introduces(previous):
                    listed, run = _introduces(previous), 0
                run += 1
                if not listed:
                    score -= min(2.0 * (run - 1), 20.0)
            else:
                run = 0
            previous = block.text
            out.append(score)
        return out

    def furniture_intro(self, text: str) -> bool:
        """Whether a line asks the reader to share or act ("Share this:", "Tap to share on
        ..."): what follows it is a bar of buttons, however alike, not a list of the
        article's.
        """
        return any(self.book.count(cue, text) > 0 for cue in ("share", "call_to_action"))

    def bodies(self, scores: list[float]) -> list[tuple[int, int]]:
        """The body spans: the best stretch, plus any other stretch scoring at least
        ``other_share`` of it (the other articles of a multi-article scrape).
        """
        start, end = best_span(scores)
        if end == 0:
            return []
        floor = max(self.other_share * sum(scores[start:end]), self.min_other)
        spans = [(start, end)]
        pending = [(0, start), (end, len(scores))]
        while pending:
            lo, hi = pending.pop()
            a, b = best_span(scores[lo:hi])
            if b > a and sum(scores[lo + a : lo + b]) >= floor:
                spans.append((lo + a, lo + b))
                pending += [(lo, lo + a), (lo + b, hi)]
        return sorted(spans)

    def article_end(self, blocks: list[Block], scores: list[float]) -> int | None:
        """Where what follows the article begins (a comment thread, a section header), or
        ``None``.

        It is the first short line, after ``min_body`` points of prose, that is mostly

        * a comments header ("34 Comments", "Leave a Reply") followed by what threads look
          like (a count in the header, time stamps, "NAME says:") or by little prose; or
        * a kept section header (``section_end`` or ``related`` cues: "About the author",
          "Tags:", "More stories", "Recommended"; one a banner took out only with a
          ``section_end`` cue and no long paragraph right after it, which makes it a
          widget set inside the article) with less than ``tail_share`` of the prose above
          it below it,
          counting only lines that end like sentences (a list of long teaser headlines is
          no prose); or
        * a kept line that opens with a section header and a colon, the section's content
          after it ("More information: ...", "Tags: ..."), whatever its length, with as
          little prose below it, or an author's bio alone (:meth:`author_bio`).
        """
        total = sum(max(score, 0.0) for score in scores)
        # Sentence prose below each block: what a section header must not cut off.
        below = [0.0] * (len(blocks) + 1)
        for i in range(len(blocks) - 1, -1, -1):
            sentence = blocks[i].kept and ends_sentence(blocks[i].text)
            below[i] = below[i + 1] + (max(scores[i], 0.0) if sentence else 0.0)
        prose = 0.0
        for i, (block, score) in enumerate(zip(blocks, scores)):
            if (
                prose >= self.min_body
                and below[i + 1] < self.tail_share * prose
                and (
                    self.labelled_section(block)
                    or self.author_bio(block)
                    or self.stamps_thread(blocks, i)
                )
            ):
                return i
            if (
                prose >= self.min_body
                and self.comments_header(block.text)
                and (
                    total - prose < 0.5 * prose
                    or _thread_follows(block.text, blocks[i + 1 : i + 9])
                )
            ):
                return i
            if prose >= self.min_body and word_count(block.text) <= 14:
                if below[i + 1] < self.tail_share * prose and self.author_card(blocks, i):
                    return i
                # A header a banner took out counts only as a section header proper: a
                # "Read more" line sits anywhere. Nor does it end the article when a long
                # paragraph follows it: a widget ("Most popular") set inside the article.
                cues = ("section_end", "related") if block.kept else ("section_end",)
                if (
                    below[i + 1] < self.tail_share * prose
                    and any(
                        (found := self.book.starts_with(cue, block.text))
                        and _covers(found, block.text)
                        for cue in cues
                    )
                    and (block.kept or not _prose_follows(blocks, i))
                ):
                    return i
            prose += max(score, 0.0)
        return None

    @cached_property
    def month_name(self) -> regex.Pattern[str]:
        """A month name of the loaded languages, as a word."""
        return regex.compile(rf"(?<!\w)(?:{self.book.months.pattern})(?!\w)", regex.I)

    def stamps_thread(self, blocks: list[Block], index: int) -> bool:
        """Whether ``blocks[index]`` is the stamp of a comment that opens a thread without a
        header: a kept short line with a date and a time ("March 3, 2024 at 9:15 pm", a
        month named: a table's rows of times are no stamps), another within the next eight
        lines.
        """

        def stamp(block: Block) -> bool:
            return (
                block.kept
                and _stamp_line(block.text)
                and self.month_name.search(block.text) is not None
            )

        return stamp(blocks[index]) and any(stamp(b) for b in blocks[index + 1 : index + 9])

    def comments_header(self, text: str) -> bool:
        """Whether ``text`` is a comments header: a ``comments`` cue that is most of a short
        line ("Leave a Reply") or gives a count ("34 Comments"), however long the quoted title
        after a count is ("12 thoughts on “...”").
        """
        return self._remembered(self._comments_headers, self._comments_header, text)

    def _comments_header(self, text: str) -> bool:
        n_words = word_count(text)
        if n_words > _QUOTED_HEADER_WORDS:
            return False
        header = self.book.starts_with("comments", text)
        if header is None:
            return False
        if header.group()[:1].isdigit():
            quoted = text[header.end() :].lstrip()[:1] in _QUOTES
            return n_words <= 14 or (quoted and n_words <= _QUOTED_HEADER_WORDS)
        return n_words <= 14 and _covers(header, text)

    def labelled_section(self, block: Block) -> bool:
        """Whether ``block`` is a kept line that opens with a section header and a colon, the
        section's content after it on the same line ("More information: ...", "Tags: ...").
        """
        if not block.kept or ":" not in block.text[:40]:
            return False
        found = self.book.starts_with("section_end", block.text)
        return found is not None and block.text[found.end() :].lstrip()[:1] == ":"

    def author_bio(self, block: Block) -> bool:
        """Whether ``block`` is a kept author's bio: a name, a ``bio_verb`` and the author's
        job within a few words ("Jane Doe is a senior reporter who covers ...").
        """
        return block.kept and self._remembered(self._bios, self._author_bio, block.text)

    def _author_bio(self, text: str) -> bool:
        if word_count(text) > 60:
            return False
        name = _BIO_NAME.match(text)
        verb = name and self.book.starts_with("bio_verb", text[name.end() :])
        if not verb:
            return False
        after = text[name.end() + verb.end() :].split()[:_BIO_ROLE_WORDS]
        return self.book.count("author_role", " ".join(after)) > 0

    def author_card(self, blocks: list[Block], index: int) -> bool:
        """Whether ``blocks[index]`` opens an author's card: a line that is only a name
        (``Jane Doe``, ``By Jane Doe``), followed within three lines by the author's job
        title alone (an ``author_role`` cue and little else: ``Senior Editor``) or by a bio
        that opens with the name and gives the job (``Jane is a reporter at ...``). A name
        followed by other prose about that person is a subheading.
        """
        block = blocks[index]
        if not block.kept:
            return False
        text = block.text.strip()
        cue = self.book.starts_with("byline", text)
        name = text[cue.end() :].strip() if cue else text
        if not _PERSON.fullmatch(name):
            return False
        words = name.split()
        for following in blocks[index + 1 : index + 4]:
            line = following.text.strip()
            if not following.kept:
                continue
            role = self.book.starts_with("author_role", line)
            if role and _covers(role, line):
                return True
            bio = line.split(maxsplit=1)[0] in (words[0], words[-1]) and ends_sentence(line)
            if bio and self.book.count("author_role", line) > 0:
                return True
        return False

    def __call__(self, draft: Draft) -> list[Draft]:
        """Remove the kept paragraphs that lie outside every body stretch."""
        blocks = [b for b in draft.blocks if b.kept or b.removal.step in self.furniture_steps]
        scores = self.scores(blocks)
        thread = self.article_end(blocks, scores)
        if thread is not None:
            scores[thread:] = [-_WALL] * (len(scores) - thread)
        inside = [False] * len(blocks)
        stop = len(blocks) if thread is None else thread
        for start, end in self.bodies(scores):
            end = max(end, list_after(blocks, end, stop, self.furniture_intro))
            inside[start:end] = [True] * (end - start)
            # The headline right above a body belongs to it.
            heading = start - 1
            if heading >= 0 and blocks[heading].kept and headline_like(blocks[heading].text, 3, 30):
                inside[heading] = True
        for i in self.bios_above(blocks, inside):
            draft.remove(blocks[i], self.name, "author's bio above the article")
        for i in self.boxes(blocks, inside):
            draft.remove(blocks[i], self.name, "related-links box inside the article")
        for i in self.cards(blocks, inside):
            draft.remove(blocks[i], self.name, TEASER_CARDS)
        outside = [b for b, keep in zip(blocks, inside) if b.kept and not keep]
        if len(outside) < self.min_removed:
            return [draft]
        for block in outside:
            draft.remove(
                block, self.name, "outside the article body (navigation, lists, comments, footer)"
            )
        return [draft]

    def bios_above(self, blocks: list[Block], inside: list[bool]) -> list[int]:
        """The author's bios (:meth:`author_bio`) among the first ``_HEAD_LINES`` kept lines
        of each body: a page may put the author's card between the headline and the lead,
        where it reads as a short paragraph of prose.
        """
        found: list[int] = []
        seen = 0
        for i, block in enumerate(blocks):
            if not inside[i]:
                seen = 0  # the next body starts afresh
                continue
            if not block.kept:
                continue
            seen += 1
            if seen <= _HEAD_LINES and self.author_bio(block):
                found.append(i)
        return found

    def box_header(self, text: str) -> bool:
        """Whether ``text`` heads a related-links box: it opens with a ``related`` cue and
        holds little else (four words at most, or the cue half the line), no sentence end.
        """
        if ends_sentence(text):  # most lines of a body: told before looking for a cue
            return False
        found = self.book.starts_with("related", text)
        if found is None:
            return False
        return word_count(text) <= _BOX_HEADER_WORDS or _covers(found, text)

    def card_length(self, texts: list[str], at: int) -> int:
        """How many lines from ``texts[at]`` make one teaser card of another article, or 0:
        a headline (five words or more, in a headline's shape) with its byline under it ("By
        Jane Doe"), perhaps with a short kicker over it ("Style"), or a kicker in capitals
        over the headline ("BIG NIGHT").
        """
        first = texts[at]
        if ends_sentence(first):  # most lines of a body: told before anything else
            return 0
        kicker = word_count(first) <= _KICKER_WORDS and at + 1 < len(texts)
        start = at + 1 if kicker and not self.card_headline(first) else at
        if start + 1 < len(texts) and self.card_headline(texts[start]):
            if self.card_byline(texts[start + 1]):
                return start + 2 - at
        if kicker and first.isupper() and start == at + 1 and self.card_headline(texts[start]):
            return 2 if not texts[start].isupper() else 0
        return 0

    @staticmethod
    def card_headline(text: str) -> bool:
        """A teaser card's headline: five words or more, in a headline's shape."""
        return word_count(text) >= _CARD_HEADLINE_WORDS and _teaser_shaped(text)

    def card_byline(self, text: str) -> bool:
        """A teaser card's byline: a byline word and a few names, no sentence end."""
        return (
            word_count(text) <= _CARD_BYLINE_WORDS
            and not ends_sentence(text)
            and self.book.starts_with("byline", text) is not None
        )

    def cards(self, blocks: list[Block], inside: list[bool]) -> list[int]:
        """The lines of runs of ``_CARD_RUN`` teaser cards or more (:meth:`card_length`)
        back to back inside the body: a widget of other articles' headlines, each with its
        byline or its kicker, set between paragraphs of the article.
        """
        body = [i for i, block in enumerate(blocks) if block.kept and inside[i]]
        found: list[int] = []
        # No line of a card ends with a full stop (a headline cut short ends with three):
        # only runs of such lines long enough for the cards are read further, and most lines
        # of a body are prose, told by their last character.
        run_start = 0
        for at in range(len(body) + 1):
            text = blocks[body[at]].text if at < len(body) else "."
            if not text.endswith(".") or text.endswith("..."):
                continue
            if at - run_start >= 2 * _CARD_RUN:
                run = body[run_start:at]
                found += [run[j] for j in self.card_runs([blocks[i].text for i in run])]
            run_start = at + 1
        return found

    def card_runs(self, texts: list[str]) -> list[int]:
        """The positions in ``texts`` of the lines of ``_CARD_RUN`` cards or more back to
        back.
        """
        found: list[int] = []
        at = 0
        while at < len(texts):
            end, cards = at, 0
            while end < len(texts) and (length := self.card_length(texts, end)):
                end, cards = end + length, cards + 1
            if cards >= _CARD_RUN:
                found += range(at, end)
                at = end
            else:
                at += 1
        return found

    def boxes(self, blocks: list[Block], inside: list[bool]) -> list[int]:
        """The lines of the related-links boxes inside the body: a :meth:`box_header`, then
        up to ``_BOX_LINES`` teaser headlines and blurbs (three words or more, no sentence
        end), with more of the article after them.
        """
        body = [i for i, block in enumerate(blocks) if block.kept and inside[i]]
        found: list[int] = []
        for at, i in enumerate(body):
            if not self.box_header(blocks[i].text):
                continue
            run = []
            for j in body[at + 1 : at + 1 + _BOX_LINES]:
                if word_count(blocks[j].text) < 3 or not _teaser_shaped(blocks[j].text):
                    break
                run.append(j)
            if run and at + len(run) + 1 < len(body):
                found += [i, *run]
        return found
