"""Repeated paragraph blocks inside one scrape.

Scrapers often save an article twice in a row (pagination, "load more", a retry appended to the
same file), sometimes with a sentence edited or the whitespace changed. A paragraph is a repeat
of an earlier one when their word sets nearly coincide (overlap >= ``overlap`` of the smaller
set, sizes within ``size_ratio``); a short paragraph (fewer than ``near_words`` distinct words:
a list item, a table row, a heading) repeats only an exact copy of itself, since the rows of a
list are alike by construction ("Plan A" / "Plan B"). A repeat is removed when it is part of a
repeated *run* (its neighbour is a repeat of the earlier paragraph's neighbour) or when it is
long enough that it cannot be a coincidence. A lone short repeat, like the same quoted
sentence cited in two different articles of one scrape, stays.

A *flattened* copy, the article saved again with its paragraph breaks lost, is one long
paragraph made of several others word for word (:func:`find_flattened`); it goes whether it
comes before or after them, since the copy that keeps the paragraphs is the better one.
"""

from __future__ import annotations

import math
import re
from bisect import bisect_left, bisect_right
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from itertools import chain, combinations, compress
from typing import NamedTuple

import regex

from newsclean.record import Block
from newsclean.steps.base import Draft, Step
from newsclean.steps.shape import (
    ends_sentence,
    paragraph_cache,
    single_byte,
    word_count,
    word_runs,
)

_TOKEN = regex.compile(r"\w+")
_SPACELESS = regex.compile(r"[\p{Han}\p{Hiragana}\p{Katakana}\p{Thai}]")
# The blocks those scripts lie in (Thai, and from the CJK radicals up; a test checks every
# character): a look in the standard engine first, several times faster than the property
# test on text of other scripts, curly quotes and dashes.
_SPACELESS_BLOCKS = re.compile("[\u0e00-\u0e7f\u2e80-\U0010ffff]")


@paragraph_cache(maxsize=65536)
def tokens(text: str) -> tuple[str, ...]:
    r"""Lower-cased word tokens, as the repeat test compares them.

    Chinese, Japanese and Thai runs have no spaces, so one \w+ run can be a whole sentence;
    they are cut into overlapping character pairs instead, so one edited character changes a
    couple of tokens, not the only one.
    """
    if text.isascii():  # \w+ of ASCII text, without a regular expression
        return tuple(word_runs(text.encode().lower()))
    folded = text.casefold()
    encoded = single_byte(folded)
    if encoded is not None:  # most other text: no spaceless script, \w+ without a pattern
        return tuple(word_runs(encoded))
    if _SPACELESS_BLOCKS.search(folded) is None or _SPACELESS.search(folded) is None:
        # most text: no token to cut, so no test per token
        return tuple(_TOKEN.findall(folded))
    out: list[str] = []
    for token in _TOKEN.findall(folded):
        if len(token) > 2 and _SPACELESS.search(token):
            out.extend(token[k : k + 2] for k in range(len(token) - 1))
        else:
            out.append(token)
    return tuple(out)


# A word found in more paragraphs than this is a common word of the document (a menu item
# that recurs all through a navigation dump, "the"). Looking candidates up through every
# paragraph that has a common word would compare each paragraph with every earlier one,
# quadratic in the paragraph count; a rarer word brings at most this many candidates.
COMMON_WORD_PARAGRAPHS = 32
# Fewer distinct words than this, and a paragraph repeats only an exact copy of itself.
NEAR_WORDS = 8
# A paragraph made mostly of common words (a comment header "NAME on DATE at TIME", a menu
# line) is also indexed under groups of its first common words; a lookup reads at most this
# many paragraphs per group (the earliest: the earliest repeat is the one wanted).
COMMON_CANDIDATES = 16
# How many of its first rare words, and of its first common words, a paragraph's pairs and
# groups of words are made of, at most: a long paragraph of mostly common words would
# otherwise make thousands of them.
GROUP_WORDS = 8
# Paragraphs of prose a removed run must hold for its edges to be noted as article
# boundaries: an article saved twice is several, a repeated menu, caption or notice is none
# or one.
EDGE_RUN_PROSE = 3


@dataclass
class RepeatStats:
    """The work :func:`find_repeats` did, in units that do not depend on the machine: tests
    use it to show that the work grows linearly with the number of paragraphs.
    """

    postings: int = 0  # index entries read to gather candidates
    comparisons: int = 0  # pairs of paragraphs whose words were compared


def find_repeats(
    texts: list[str],
    overlap: float = 0.8,
    size_ratio: float = 0.7,
    stats: RepeatStats | None = None,
    near_words: int = NEAR_WORDS,
) -> list[int | None]:
    """For each text, the index of an earlier text it repeats, or ``None``.

    A text repeats an earlier one with the same word sequence, or, from ``near_words``
    distinct words up, one whose word set nearly coincides with its own (see the module
    docstring). When a
    text repeats several earlier ones (a line that recurs inside the article itself), the one
    right after the previous text's match wins, so a repeated run maps onto its first copy
    position by position; otherwise the earliest.

    The work is linear in the number of paragraphs: candidates come from an index of each
    paragraph's rarest words (see :class:`_WordIndex`), not from every earlier paragraph that
    shares a word, and the result is the same but for one bound: a paragraph made mostly of
    words found in more than :data:`COMMON_WORD_PARAGRAPHS` paragraphs looks at no more than
    the earliest :data:`COMMON_CANDIDATES` others per group of its rarest common words that
    can be near it (one with the same words, and the continuation of a run, are always
    found). ``stats``, if given, counts the work done.
    """
    if len(texts) < 2:  # nothing earlier to repeat; and a huge lone paragraph is not tokenised
        return [None] * len(texts)
    return _repeats([tokens(text) for text in texts], overlap, size_ratio, stats, near_words)


def _repeats(
    keys: list[tuple[str, ...]],
    overlap: float,
    size_ratio: float,
    stats: RepeatStats | None,
    near_words: int,
) -> list[int | None]:
    """:func:`find_repeats` of the paragraphs' :func:`tokens`."""
    if len(keys) < 2:
        return [None] * len(keys)
    stats = stats if stats is not None else RepeatStats()
    sets = [frozenset(toks) for toks in keys]
    may_repeat = _may_repeat(sets, overlap, size_ratio)
    if not _some_pair_possible(sets, may_repeat, overlap, size_ratio):
        return [None] * len(keys)
    frequency: Counter[str] = Counter(chain.from_iterable(sets))
    index = _WordIndex(sets, frequency, overlap, size_ratio, stats)
    # Only a paragraph of near_words words or more looks for near partners, and only one that
    # can repeat, of a size close to those, can be one: the index holds no other paragraph (a
    # navigation dump's short lines, most paragraphs of an article).
    partner_size = _size_range(near_words, size_ratio)[0]
    first_sequence: dict[tuple[str, ...], int] = {}
    found: list[int | None] = []

    def near(i: int, j: int) -> bool:
        # Paragraphs that share no word were never compared before the index either.
        stats.comparisons += 1
        size, other = len(sets[i]), len(sets[j])
        small, big = (size, other) if size <= other else (other, size)
        if small < size_ratio * big:
            return False
        shared = len(sets[i] & sets[j])
        return shared > 0 and shared >= overlap * small

    for i, toks in enumerate(keys):
        if not may_repeat[i]:
            found.append(None)
            continue
        expected = found[-1] + 1 if found and found[-1] is not None else None
        if expected is not None and (
            (toks and keys[expected] == toks) or (len(sets[i]) >= near_words and near(i, expected))
        ):
            found.append(expected)
        elif not toks:
            found.append(None)
        else:
            # The first text with the same words in the same order is a repeat by definition,
            # and so is the first with the same set of words, when near: only an earlier
            # candidate can win over them.
            best = first_sequence.get(toks)
            if len(sets[i]) >= near_words:
                same_set = index.first_set.get(sets[i])
                if same_set is not None and (best is None or same_set < best):
                    best = same_set if near(i, same_set) else best
                below = i if best is None else best
                best = next((j for j in index.candidates(i, below) if near(i, j)), best)
            found.append(best)
            first_sequence.setdefault(toks, i)
        if len(sets[i]) >= partner_size:
            index.add(i)
    return found


# Paragraphs tried at each position of a long one: those starting with the same two words (a
# navigation dump can have hundreds starting alike).
FLATTENED_CANDIDATES = 16


def find_flattened(
    keys: list[tuple[str, ...]],
    cover: float = 0.8,
    min_words: int = 40,
    stats: RepeatStats | None = None,
) -> dict[int, list[int]]:
    """Paragraphs that are other paragraphs run together: for each, the indices of its parts.

    ``keys`` are the paragraphs' :func:`tokens`. A paragraph of at least ``min_words`` words
    is a flattened copy when two or more other paragraphs of three words or more appear in it
    word for word, one after another, as they follow each other in the scrape (one paragraph
    between two parts may be missing: a caption, an edited sentence), and together make at
    least ``cover`` of its words. Shorter paragraphs are left alone, as a lone short repeat
    is: a question asked in each interview of a series, once split in two, is not a copy of
    a run (found on a scrape of interviews).

    Each long paragraph is read once, left to right, a position at a time where no part
    starts; the walk stops as soon as more than ``1 - cover`` of its words are in no part, so
    an ordinary paragraph costs a fifth of its words in look-ups.
    """
    stats = stats if stats is not None else RepeatStats()
    long = [i for i, key in enumerate(keys) if len(key) >= min_words]
    if not long:
        return {}
    starts: dict[tuple[str, str], list[int]] = defaultdict(list)
    for m, key in enumerate(keys):
        if len(key) >= 3:
            starts[key[0], key[1]].append(m)
    found: dict[int, list[int]] = {}
    for i in long:
        key = keys[i]
        size = len(key)
        spare = size - cover * size  # words that may lie outside every part
        # The first part starts within the first `spare` words, with two words another
        # paragraph starts with: a look at all those places at once (in C) spares the walk
        # below in most paragraphs.
        reach = min(int(spare) + 1, size - 2)
        opening = starts.keys() & zip(key[: reach + 1], key[1 : reach + 2])
        if all(starts[pair] == [i] for pair in opening):
            continue
        parts: list[int] = []
        position = 0
        while position < size - 1 and spare >= 0:
            stats.postings += 1
            part = _part_at(keys, key, position, starts, parts[-1] if parts else -1, i)
            if part < 0:
                position += 1
                spare -= 1
            else:
                parts.append(part)
                position += len(keys[part])
        if len(parts) >= 2 and spare - (size - position) >= 0:
            found[i] = parts
    return found


def _part_at(
    keys: list[tuple[str, ...]],
    key: tuple[str, ...],
    position: int,
    starts: dict[tuple[str, str], list[int]],
    last: int,
    itself: int,
) -> int:
    """The paragraph found word for word at ``position`` of ``key`` that can follow the part
    ``last``: the first or second paragraph after it (any paragraph that starts with the same
    two words, for the first part); -1 if none.
    """
    if last >= 0:
        candidates: Iterable[int] = (last + 1, last + 2)
    else:
        candidates = starts.get((key[position], key[position + 1]), ())[:FLATTENED_CANDIDATES]
    for m in candidates:
        if m >= len(keys) or m == itself:
            continue
        part = keys[m]
        if 3 <= len(part) < len(key) and key[position : position + len(part)] == part:
            return m
    return -1


def _may_repeat(sets: list[frozenset[str]], overlap: float, size_ratio: float) -> list[bool]:
    """For each paragraph, whether it can repeat another or be repeated, from how many of its
    words are found in another paragraph.

    A near pair shares at least the :func:`_least_shared` of each side's size, and a pair with
    the same words shares all of them; every shared word is in two paragraphs at least. A
    paragraph with fewer such words is in no pair: most paragraphs of an article, whose
    words are mostly its own.
    """
    seen: set[str] = set()
    elsewhere: set[str] = set()  # the words of two paragraphs or more (set operations in C)
    for words in sets:
        elsewhere.update(seen.intersection(words))
        seen.update(words)
    found = []
    for words in sets:
        shared = len(words & elsewhere)
        size = len(words)
        found.append(shared == size or shared >= _least_shared(size, overlap, size_ratio))
    return found


def _some_pair_possible(
    sets: list[frozenset[str]], may_repeat: list[bool], overlap: float, size_ratio: float
) -> bool:
    """Whether two paragraphs that :func:`_may_repeat` lets in can still be a pair, told by
    asking it again among those paragraphs only, until none drops out.

    Each side of a pair finds the words it shares with the other among the paragraphs that
    are left, so neither ever drops out; with fewer than two non-empty paragraphs left there
    is no pair, and the search, which returns only pairs, would find nothing. A word of
    ``may_repeat`` paragraphs is most often in other paragraphs only ("the", a name): in most
    articles none is left after a round or two, and the index is not built.
    """
    left = [words for words, may in zip(sets, may_repeat) if may and words]
    while len(left) >= 2:
        narrowed = list(compress(left, _may_repeat(left, overlap, size_ratio)))
        if len(narrowed) == len(left):
            return True
        left = narrowed
    return False


class _WordIndex:
    """Earlier paragraphs that may share ``overlap`` of their words with a given one.

    Prefix filtering, as in set-similarity joins: with the document's words in one order,
    rarest first, two sets that share at least ``t`` words have their first ``c`` shared
    words within the first ``size - t + c`` words of each. Each paragraph needs at least
    ``least`` shared words with any near partner (the least over the sizes a partner can
    have), so it is indexed under its first ``size - least + c`` words only, and common words
    (in more than :data:`COMMON_WORD_PARAGRAPHS` paragraphs), which sort last, are not
    indexed on their own: through them, every paragraph of a navigation dump would be a
    candidate for every other.

    ``spare`` is ``least`` minus the paragraph's common words: the rare words a near partner
    must share with it. When either side of a pair has two to spare, the pair shares two of
    the first rare words of each, and a candidate must: :meth:`candidates` counts them. A
    pair whose sides both have at most one to spare may share a single rare word, or none:

    * its first shared word rare and the second common: each side with a spare of 1 or less
      is indexed under (rare word, common word) pairs from its first ``size - least + 2``;
    * every shared word common (then both sides have no spare): each side with no spare is
      indexed under groups of ``group`` (3 with the default thresholds: every near pair then
      shares 3 words) of its first common words.

    This is the one approximation: a group of common words lists at most
    :data:`COMMON_CANDIDATES` paragraphs (of those that can be near one that looks: the
    index holds no other), and pairs and groups are made of a paragraph's
    first :data:`GROUP_WORDS` rare and common words at most (more only in a paragraph of
    dozens of words). Everything else finds every near pair the exhaustive search found.
    """

    def __init__(
        self,
        sets: list[frozenset[str]],
        frequency: Counter[str],
        overlap: float,
        size_ratio: float,
        stats: RepeatStats,
    ) -> None:
        self.sets = sets
        self.sizes = [len(words) for words in sets]
        self.overlap = overlap
        self.size_ratio = size_ratio
        self.stats = stats
        # Word frequencies of the whole document fix one rare-first order for every paragraph;
        # a word is known by its rank in it, and the ranks from ``rare`` up are common words.
        order = sorted(frequency, key=frequency.__getitem__)  # ties: first seen first
        self.rank = dict(zip(order, range(len(order))))
        self.rare = bisect_right(order, COMMON_WORD_PARAGRAPHS, key=frequency.__getitem__)
        # Whether the document has common words: only then is a list of postings bounded.
        self.common = self.rare < len(order)
        # Every near pair shares at least ``group`` words: what the smallest set that can be
        # near another must share (3 with the default thresholds), but no more than 3.
        capable = [m for m in (1, 2, 3) if _sizes_close(m, 3, size_ratio)]
        self.group = min(3, _least_shared(capable[0], overlap, size_ratio)) if capable else 1
        self.rare_postings: dict[int, list[int]] = defaultdict(list)
        # Pairs and groups of words are keyed by one number made of their ranks.
        self.base = len(order) + 1
        self.mixed_postings: dict[int, list[int]] = defaultdict(list)
        self.common_postings: dict[int, list[int]] = defaultdict(list)
        self.first_set: dict[frozenset[str], int] = {}
        self.spare: dict[int, int] = {}
        # Plans by word set: a plan depends on the words only, and a navigation dump repeats
        # the same few lines thousands of times.
        self._plans: dict[frozenset[str], _Plan] = {}

    def _plan(self, i: int) -> _Plan:
        """Where paragraph ``i`` is indexed and looks (see the class docstring)."""
        words = self.sets[i]
        known = self._plans.get(words)
        if known is not None:
            return known
        size = self.sizes[i]
        least = _least_shared(size, self.overlap, self.size_ratio)
        ranks = sorted(map(self.rank.__getitem__, words))
        rare = bisect_left(ranks, self.rare)  # how many of its words are rare
        spare = least - (size - rare)
        first = ranks[: size - least + 2]
        mixed: list[int] = []
        groups: list[int] = []
        base = self.base
        if spare <= 1 and self.group >= 2:
            mixed = [
                r * base + c for r in first[:rare][:GROUP_WORDS] for c in first[rare:][:GROUP_WORDS]
            ]
        if spare <= 0:
            common = ranks[rare : size - least + self.group][:GROUP_WORDS]
            groups = [_key(group, base) for group in combinations(common, self.group)]
        plan = _Plan(first[:rare], mixed, groups, spare)
        self._plans[words] = plan
        return plan

    def candidates(self, i: int, below: int) -> list[int]:
        """The paragraphs before ``below`` that may be near ``i``, in ascending order: every
        one, but for the approximation the class docstring states.
        """
        plan, spare = self._plan(i), self.spare
        empty: list[int] = []
        rare = [self.rare_postings.get(word, empty) for word in plan.rare]
        mixed = [self.mixed_postings.get(key, empty) for key in plan.mixed]
        groups = [self.common_postings.get(key, empty)[:COMMON_CANDIDATES] for key in plan.groups]
        if below < i:  # every posting is below i: cut only for an earlier bound
            rare, mixed, groups = (
                [p[: bisect_left(p, below)] for p in lists] for lists in (rare, mixed, groups)
            )
        self.stats.postings += sum(map(len, rare)) + sum(map(len, mixed)) + sum(map(len, groups))
        counts = Counter(chain.from_iterable(rare))
        # With a near pair sharing a single word (group 1), one first rare word is enough.
        single = self.group < 2 and plan.spare <= 1
        found = {j for j, n in counts.items() if n >= 2 or (single and spare[j] <= 1)}
        found.update(chain.from_iterable(mixed), chain.from_iterable(groups))
        low, high = _size_range(self.sizes[i], self.size_ratio)
        sizes = self.sizes
        return sorted(j for j in found if low <= sizes[j] <= high)

    def add(self, i: int) -> None:
        """Index paragraph ``i`` (after its own candidates were looked up)."""
        size = self.sizes[i]
        if not size or not _sizes_close(size, max(size, 3), self.size_ratio):
            return  # no paragraph of three words or more can be near it
        self.first_set.setdefault(self.sets[i], i)
        plan = self._plan(i)
        self.spare[i] = plan.spare
        for word in plan.rare:
            self.rare_postings[word].append(i)
        for pair in plan.mixed:
            self.mixed_postings[pair].append(i)
        for key in plan.groups:
            self.common_postings[key].append(i)


class _Plan(NamedTuple):
    rare: list[int]  # its first rare words (their ranks), rarest first
    mixed: list[int]  # (rare, common) pairs of its first words, if it needs them
    groups: list[int]  # groups of its first common words, if it needs them
    spare: int  # how many rare words a near partner must share with it (can be <= 0)


@lru_cache(maxsize=4096)
def _size_range(size: int, size_ratio: float) -> tuple[int, float]:
    """The smallest and largest sizes of a set that a set of ``size`` words can be near (the
    bounds found by the same comparison :func:`_sizes_close` makes).
    """
    if size_ratio <= 0:
        return 1, math.inf
    low = min(size, max(1, math.ceil(size_ratio * size)))
    while low > 1 and _sizes_close(size, low - 1, size_ratio):
        low -= 1
    while low < size and not _sizes_close(size, low, size_ratio):
        low += 1
    high = max(size, int(size / size_ratio))
    while _sizes_close(size, high + 1, size_ratio):
        high += 1
    while high > size and not _sizes_close(size, high, size_ratio):
        high -= 1
    return low, high


def _key(ranks: tuple[int, ...], base: int) -> int:
    """One number for a group of word ranks (each below ``base``)."""
    key = 0
    for rank in ranks:
        key = key * base + rank
    return key


@lru_cache(maxsize=4096)
def _least_shared(size: int, overlap: float, size_ratio: float) -> int:
    """The fewest words a set of ``size`` words shares with any near partner (at least 1).

    A near pair shares ``overlap`` of the smaller set, and the smaller set is at least
    ``size_ratio`` of the larger, so the smallest partner this set can have bounds the share.
    """
    smallest = min(size, max(1, math.ceil(size_ratio * size)))
    return max(1, math.ceil(overlap * smallest))


def _sizes_close(size: int, other: int, size_ratio: float) -> bool:
    small, big = (size, other) if size <= other else (other, size)
    return small >= size_ratio * big


class Repeats(Step):
    """Remove paragraphs and runs of paragraphs that repeat earlier ones in the same scrape,
    exactly or nearly (a sentence edited, other whitespace or wrapping); the first copy stays
    and each removal names where it is. A repeat belongs to a run when a neighbour repeats the
    first copy's neighbour, or shares at least ``edited`` of its words with it (a headline with
    a typo); a lone repeat is removed only from ``lone_words`` words up.
    """

    name = "repeats"

    def __init__(
        self,
        overlap: float = 0.8,
        size_ratio: float = 0.7,
        lone_words: int = 40,
        edited: float = 0.6,
        near_words: int = NEAR_WORDS,
        flattened_cover: float = 0.8,
    ):
        self.flattened_cover = flattened_cover
        self.near_words = near_words
        self.overlap = overlap
        self.edited = edited
        self.size_ratio = size_ratio
        self.lone_words = lone_words
        # The paragraphs of the last pass that found no run. The settling rounds give the step
        # the paragraphs it left, most often unchanged, and the answer on them is the same.
        self._clean: tuple[str, ...] = ()
        # The paragraphs of the last pass in which no paragraph repeated another, searched
        # exhaustively (see _unmatched_within).
        self._unmatched: tuple[str, ...] = ()

    def __call__(self, draft: Draft) -> list[Draft]:
        """Remove the repeats that belong to a repeated run; note where runs start and end.

        Runs are judged by their neighbours, and removing one run gives the paragraphs around
        it new neighbours, so the step goes again over what is left until nothing more goes:
        cleaning the clean text again must find no further run (found by fuzzing).
        """
        while self._remove_runs(draft):
            pass
        return [draft]

    def _remove_runs(self, draft: Draft) -> bool:
        """One pass over the kept paragraphs; whether it removed any."""
        blocks = draft.kept
        texts = tuple(b.text for b in blocks)
        if texts == self._clean:
            return False
        keys = [tokens(text) for text in texts]
        if _subsequence(texts, self._unmatched):
            match: list[int | None] = [None] * len(keys)
        else:
            match = _repeats(keys, self.overlap, self.size_ratio, None, self.near_words)
            if len(texts) <= COMMON_WORD_PARAGRAPHS and not any(j is not None for j in match):
                self._unmatched = texts
        removed = [j is not None and self._in_run(match, i, keys) for i, j in enumerate(match)]
        self._note_runs(draft, blocks, match, removed)
        for i, j in enumerate(match):
            if not removed[i]:
                continue
            first = blocks[j]
            draft.remove(
                blocks[i],
                self.name,
                f"repeat of the paragraph at {first.start}-{first.end} ({_preview(first)})",
            )
        gone = self._remove_flattened(draft, blocks, keys, removed) or any(removed)
        if not gone:
            self._clean = texts  # the settling round usually brings back the same paragraphs
        return gone

    def _remove_flattened(
        self, draft: Draft, blocks: list[Block], keys: list[tuple[str, ...]], removed: list[bool]
    ) -> bool:
        """Remove the flattened copies among the paragraphs this pass kept (``keys``: their
        :func:`tokens`); whether any.
        """
        flattened = find_flattened(keys, self.flattened_cover, self.lone_words)
        after_runs = draft.hints["after_repeat_runs"]
        gone = False
        for i, parts in flattened.items():
            if removed[i]:
                continue
            first, last = blocks[parts[0]], blocks[parts[-1]]
            draft.remove(
                blocks[i],
                self.name,
                f"the paragraphs at {first.start}-{last.end} run together into one "
                f"(a copy that lost its paragraph breaks; {_preview(first)})",
            )
            if i + 1 < len(blocks):
                after_runs.add(blocks[i + 1].start)
            gone = True
        return gone

    @staticmethod
    def _note_runs(
        draft: Draft, blocks: list[Block], match: list[int | None], removed: list[bool]
    ) -> None:
        """Note where each removed run of an article's length begins (its first copy) and
        ends (the paragraph after it), for the splitter.

        Only runs holding at least ``EDGE_RUN_PROSE`` sentences-ending paragraphs of eight
        words or more count: a page repeats menus, captions, data labels and notices all
        through one article, and their edges are not article boundaries.
        """
        run_starts = draft.hints.setdefault("repeat_run_starts", set())
        after_runs = draft.hints.setdefault("after_repeat_runs", set())
        i = 0
        while i < len(blocks):
            if not removed[i]:
                i += 1
                continue
            end = i
            while end < len(blocks) and removed[end]:
                end += 1
            if sum(map(_prose, blocks[i:end])) >= EDGE_RUN_PROSE:
                run_starts.add(blocks[match[i]].start)  # type: ignore[index]
                if end < len(blocks):
                    after_runs.add(blocks[end].start)
            i = end

    def _in_run(self, match: list[int | None], i: int, keys: list[tuple[str, ...]]) -> bool:
        """True if repeat ``i`` sits in a repeated run or is too long to be a coincidence
        (``keys``: the paragraphs' :func:`tokens`).
        """
        j = match[i]
        assert j is not None
        if len(keys[i]) >= self.lone_words:
            return True
        for step in (-1, 1):
            k, first_k = i + step, j + step
            if not (0 <= k < len(match) and 0 <= first_k < i):
                continue
            if match[k] is not None and abs(match[k] - first_k) <= 1:
                return True
            # A neighbour edited too much to count as a repeat (a typo in a short headline)
            # still shows the run when it shares most of its words with the first copy's.
            if _edited_copy(keys[k], keys[first_k], self.edited):
                return True
        return False


def _subsequence(texts: tuple[str, ...], of: tuple[str, ...]) -> bool:
    """Whether ``texts`` are some of ``of``, in their order.

    Such paragraphs hold no repeat when ``of`` held none and was searched exhaustively (it
    had no common word: no more paragraphs than :data:`COMMON_WORD_PARAGRAPHS`): a repeat is
    a pair of paragraphs with the same words, or near by their word sets alone, and the
    paragraphs :func:`_may_repeat` lets in can only be fewer among fewer. The settling rounds
    bring back what the first pass kept, less what later steps removed.
    """
    remaining = iter(of)
    return len(texts) <= len(of) and all(text in remaining for text in texts)


def _prose(block: Block) -> bool:
    return word_count(block.text) >= 8 and ends_sentence(block.text)


def _edited_copy(a: tuple[str, ...], b: tuple[str, ...], share: float) -> bool:
    """True if ``a`` and ``b`` share at least ``share`` of the smaller set of their words, and
    at least three words. Numbers are left out: two time stamps share most of their tokens.
    """
    if len(a) < 3 or len(b) < 3:  # fewer than three words on a side: never enough
        return False
    a_words = {t for t in a if not t.isdigit()}
    b_words = {t for t in b if not t.isdigit()}
    shared = len(a_words & b_words)
    return shared >= 3 and shared >= share * min(len(a_words), len(b_words))


def _preview(block: Block, width: int = 40) -> str:
    text = block.text
    return repr(text if len(text) <= width else text[: width - 1] + "…")
