"""Appeals and page furniture: donation/subscription banners, newsletter boxes, cookie notices,
share/follow lines, advertisement labels, reading-time and listen lines, captions, copyright.

Detection weighs signals rather than matching exact strings, so it carries over to outlets and
wordings it has never seen:

* *cue vocabulary* from the phrase lists (appeal words, calls to action, notices), per language;
* *coverage*: how much of a short line the cues account for (``Share on Facebook`` is all cue,
  ``Facebook declined to comment.`` is a sentence that happens to contain one);
* *address*: appeals talk to the reader (you, your) as the outlet (we, our);
* *line shape*: furniture is short and rarely ends like a sentence; a short line in capitals
  that asks the reader to act ("CLICK HERE TO GET OUR APP") shouts as furniture does; a menu
  written on one line is five short items or more between bars or bullets;
* *neighbourhood*: a banner is often a run of lines (``Dear readers,`` ... ``Remind me later.``),
  so lines next to a banner that carry weaker signals go with it.

Quoted speech with an attribution (``"Please donate," she said.``) is reporting, not an appeal,
and is kept.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from heapq import heappop, heappush

from newsclean.patterns import PhraseBook, load_phrasebook
from newsclean.record import Block
from newsclean.steps.base import Draft, Step
from newsclean.steps.shape import ends_sentence, paragraph_cache, word_count

# The phrase-list categories that mark page furniture, with the reason a removal gives.
FURNITURE = {
    "appeal": "donation or subscription appeal",
    "call_to_action": "call to action",
    "salutation": "appeal greeting",
    "newsletter": "newsletter sign-up",
    "cookie": "cookie or consent notice",
    "share": "share/follow line",
    "advert": "advertisement label",
    "reading": "reading-time or listen line",
    "caption": "photo caption or credit",
    "copyright": "copyright notice",
}
_FURNITURE_CUES = tuple(FURNITURE)
# Categories whose cues make a long paragraph a notice when several occur together.
_NOTICE = ("appeal", "newsletter", "cookie")
# Categories that open a label line ("Photo: ...", "© 2025 ...", "Advertisement - ...").
_LABELS = ("caption", "copyright", "advert", "reading")
# A long paragraph is a notice only if its cues are dense (a flattened banner is all cues; an
# interview that mentions support twice is not).
_NOTICE_DENSITY = 1 / 40
_NEXT_TO = " (next to a banner)"
_NAVIGATION = "navigation line (short items between separators)"
# The separators of a menu written on one line ("Home | World | Sport | ..."), the fewest
# items such a line has, and the most words of one item (a link's label is short).
_MENU_SEPARATORS = "|•·"
_MENU_ITEMS = 5
_MENU_ITEM_WORDS = 6
_MENU_SPLIT = re.compile(f"[{re.escape(_MENU_SEPARATORS)}]")
_QUOTES = '"“”„«»‘’‚「」'


@dataclass(frozen=True)
class Signals:
    """What the cue vocabulary says about one paragraph."""

    n_words: int
    counts: dict[str, int]
    coverage: float
    address: float
    sentence: bool
    quoted_speech: bool

    @property
    def notice_cues(self) -> int:
        """Cues of appeals and notices, taken together."""
        return sum(self.counts[c] for c in _NOTICE)

    def dominant(self) -> str:
        """The furniture category with the most cues (ties in :data:`FURNITURE` order)."""
        return max(FURNITURE, key=lambda c: self.counts[c])


@paragraph_cache(maxsize=8192)
def measure(book: PhraseBook, text: str) -> Signals:
    """Compute the :class:`Signals` of ``text``."""
    n = max(1, word_count(text))
    counts, covered = book.scan(FURNITURE, text)
    return Signals(
        n_words=n,
        counts=counts,
        coverage=covered / max(1, len(text)),
        address=book.count("address", text) / n,
        sentence=ends_sentence(text),
        quoted_speech=any(q in text for q in _QUOTES) and book.count("attribution", text) > 0,
    )


def menu_line(text: str) -> bool:
    """Whether ``text`` is a menu written on one line: five items or more between bars or
    bullets, each a few words, most of them words rather than figures (a row of a table of
    figures has the same separators).
    """
    if sum(text.count(sep) for sep in _MENU_SEPARATORS) < _MENU_ITEMS - 1:
        return False
    items = [item.strip() for item in _MENU_SPLIT.split(text) if item.strip()]
    if len(items) < _MENU_ITEMS or any(word_count(item) > _MENU_ITEM_WORDS for item in items):
        return False
    return sum(1 for item in items if any(ch.isdigit() for ch in item)) * 2 < len(items)


@paragraph_cache(maxsize=8192)
def _verdict(step: Banners, text: str) -> str | None:
    """``step.verdict`` of a paragraph, remembered: the settling rounds ask again.

    A text that holds no cue of a :data:`FURNITURE` category (the phrase book's candidate
    search, which earlier steps already made for most paragraphs, says so) is not measured:
    no reason of :meth:`Banners.verdict` but a menu's can hold without one.
    """
    if not step.book.may_hold(_FURNITURE_CUES, text):
        return _menu_verdict(text)
    return step.verdict(text, measure(step.book, text))


def _menu_verdict(text: str) -> str | None:
    """The reason a paragraph is a menu written on one line, or ``None``."""
    # A menu ends with a link's label (a question at most), not with a full stop: most
    # prose is told by its last character.
    if not text.rstrip().endswith((".", ".”", '."')) and menu_line(text):
        return _NAVIGATION
    return None


class Banners(Step):
    """Remove donation, subscription and membership appeals and other page furniture
    (newsletter boxes, cookie notices, share/follow lines, advertisement labels, reading-time
    and listen lines, photo captions and credits, copyright lines, menus written on one line),
    as single lines, multi-line blocks or flattened one-line blocks, anywhere in the text.
    """

    name = "banners"

    def __init__(
        self,
        phrasebook: PhraseBook | None = None,
        short_words: int = 12,
        notice_words: int = 40,
    ) -> None:
        self.book = phrasebook or load_phrasebook()
        self.short_words = short_words
        self.notice_words = notice_words

    def verdict(self, text: str, signals: Signals) -> str | None:
        """Why a paragraph is furniture on its own, or ``None``.

        Every reason but a menu's needs a cue of a :data:`FURNITURE` category somewhere in
        the paragraph (a count, the coverage they make, a label it opens with): the step
        measures only paragraphs that may hold one (most paragraphs of an article hold none).
        """
        s = signals
        menu = _menu_verdict(text)
        if menu:
            return menu
        if s.n_words <= 25 and (not s.sentence or s.n_words <= 12):
            # A label line is short: longer paragraphs are not looked up.
            label = next((c for c in _LABELS if self.book.starts_with(c, text)), None)
            if label:
                return FURNITURE[label]
        if s.counts["copyright"] and s.n_words <= 25 and not s.quoted_speech:
            return FURNITURE["copyright"]
        if s.n_words <= self.short_words and s.coverage >= 0.5:
            # A short sentence mostly made of notice cues is one too ("This site uses
            # cookies."); other furniture does not end like a sentence.
            if not s.sentence or (s.dominant() in _NOTICE and not s.quoted_speech):
                return FURNITURE[s.dominant()]
        if s.quoted_speech:
            return None
        if s.counts["call_to_action"] and s.n_words <= self.short_words and text.isupper():
            # A short line in capitals that asks the reader to act shouts as furniture does
            # ("CLICK HERE TO GET OUR APP"), whatever else it names; a one-word cue is no
            # evidence there ("A CLOSE RACE" is a subheading).
            if any(" " in cue.group() for cue in self.book.find("call_to_action", text)):
                return FURNITURE["call_to_action"]
        talks_to_reader = s.address > 0 or s.counts["call_to_action"] > 0
        if s.n_words <= self.notice_words and s.coverage >= 0.25 and s.address > 0:
            return FURNITURE[s.dominant()]
        dense = s.notice_cues / s.n_words >= _NOTICE_DENSITY
        if s.notice_cues >= 3 and dense:
            return FURNITURE[s.dominant()]
        if s.notice_cues >= 2 and talks_to_reader and s.n_words <= self.notice_words:
            return FURNITURE[s.dominant()]
        return None

    def joins_neighbour(self, signals: Signals) -> bool:
        """Whether a paragraph next to a banner is part of it (weaker evidence suffices)."""
        s = signals
        any_cue = any(s.counts.values())
        if s.n_words <= 8 and any_cue:
            return True
        if s.quoted_speech:
            return False
        strong = s.counts["appeal"] + s.counts["call_to_action"] + s.counts["salutation"]
        return s.address >= 0.04 and (strong > 0 or s.counts["newsletter"] > 0)

    @staticmethod
    def inside_banner(signals: Signals) -> bool:
        """Whether a paragraph with banner lines on both sides belongs to them: short and
        talking to the reader, even without a cue word of its own.
        """
        s = signals
        return not s.quoted_speech and s.n_words <= 30 and (s.address > 0 or s.n_words <= 6)

    def __call__(self, draft: Draft) -> list[Draft]:
        """Mark every paragraph that is furniture, or next to furniture and part of it."""
        # A caption the captions step took is furniture a banner grows from, as one this
        # step had taken itself (a byline glued to a credit line goes with it).
        blocks = [b for b in draft.blocks if b.kept or b.removal.step == "captions"]
        verdicts = self._verdicts(blocks)
        reasons: list[str | None] = [
            verdicts[b.text] if b.kept else FURNITURE["caption"] for b in blocks
        ]
        # Signals are read only around a banner: most paragraphs are never measured whole.
        self._grow(blocks, _Measures(self.book, blocks), reasons)
        for block, reason in zip(blocks, reasons):
            if reason and block.kept:
                draft.remove(block, self.name, reason)
        return [draft]

    def _verdicts(self, blocks: list[Block]) -> dict[str, str | None]:
        """Per distinct text of the kept ``blocks``: its :meth:`verdict`."""
        found: dict[str, str | None] = {}
        for block in blocks:
            text = block.text
            if block.kept and text not in found:
                found[text] = _verdict(self, text)
        return found

    def _grow(
        self, blocks: list[Block], signals: Sequence[Signals], reasons: list[str | None]
    ) -> None:
        """Extend each banner over neighbouring paragraphs that belong to it.

        The rule works in sweeps from the first paragraph to the last, again until a sweep
        changes nothing: a banner grows forwards over a whole run of joining lines in one
        sweep but backwards by one line per sweep, and a line between two banners takes the
        reason of the one before it when that one is there as the sweep reaches it. Sweeping
        literally costs a sweep over the whole scrape per line of a long run that joins a
        banner from above (quadratic). Instead each check is scheduled at the sweep and
        position where a neighbour's change first shows, and the checks run in the order the
        sweeps would make them: the same reasons, a few checks per paragraph.
        """
        n = len(blocks)
        # (sweep, position) of each check, a heap (sorted to start with); every banner line is
        # there before the first sweep.
        checks = [
            (1, i)
            for i in range(n)
            if not reasons[i] and ((i > 0 and reasons[i - 1]) or (i + 1 < n and reasons[i + 1]))
        ]
        while checks:
            sweep, i = heappop(checks)
            if reasons[i]:
                continue
            neighbour = next(
                (reasons[j] for j in (i - 1, i + 1) if 0 <= j < n and reasons[j]), None
            )
            sandwiched = 0 < i < n - 1 and reasons[i - 1] and reasons[i + 1]
            if neighbour and (
                self.joins_neighbour(signals[i]) or (sandwiched and self.inside_banner(signals[i]))
            ):
                reasons[i] = neighbour.removesuffix(_NEXT_TO) + _NEXT_TO
                # The next line sees it later in this sweep, the previous one in the next.
                if i + 1 < n and not reasons[i + 1]:
                    heappush(checks, (sweep, i + 1))
                if i > 0 and not reasons[i - 1]:
                    heappush(checks, (sweep + 1, i - 1))


class _Measures(Sequence[Signals]):
    """The :class:`Signals` of each of ``blocks``, measured when first read, each distinct text
    once: a document of more distinct lines than the cache of :func:`measure` holds (a
    navigation dump of 20,000 lines) would have it emptied between two reads.
    """

    def __init__(self, book: PhraseBook, blocks: list[Block]) -> None:
        self._book = book
        self._blocks = blocks
        self._found: dict[str, Signals] = {}

    def __len__(self) -> int:
        return len(self._blocks)

    def __getitem__(self, index: int) -> Signals:  # type: ignore[override]
        text = self._blocks[index].text
        signals = self._found.get(text)
        if signals is None:
            signals = self._found[text] = measure(self._book, text)
        return signals
