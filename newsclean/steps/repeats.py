"""Repeated paragraph blocks inside one scrape.

Scrapers often save an article twice in a row (pagination, "load more", a retry appended to the
same file), sometimes with a sentence edited or the whitespace changed. A paragraph is a repeat
of an earlier one when their word sets nearly coincide (overlap >= ``overlap`` of the smaller
set, sizes within ``size_ratio``). A repeat is removed when it is part of a repeated *run* (its
neighbour is a repeat of the earlier paragraph's neighbour) or when it is long enough that it
cannot be a coincidence. A lone short repeat, like the same quoted sentence cited in two
different articles of one scrape, stays.
"""

from __future__ import annotations

from collections import Counter, defaultdict

import regex

from newsclean.record import Block
from newsclean.steps.base import Draft, Step
from newsclean.steps.shape import paragraph_cache

_TOKEN = regex.compile(r"\w+")
_SPACELESS = regex.compile(r"[\p{Han}\p{Hiragana}\p{Katakana}\p{Thai}]")


@paragraph_cache(maxsize=65536)
def tokens(text: str) -> tuple[str, ...]:
    r"""Lower-cased word tokens, as the repeat test compares them.

    Chinese, Japanese and Thai runs have no spaces, so one \w+ run can be a whole sentence;
    they are cut into overlapping character pairs instead, so one edited character changes a
    couple of tokens, not the only one.
    """
    out: list[str] = []
    for token in _TOKEN.findall(text.casefold()):
        if len(token) > 2 and _SPACELESS.search(token):
            out.extend(token[k : k + 2] for k in range(len(token) - 1))
        else:
            out.append(token)
    return tuple(out)


def find_repeats(
    texts: list[str], overlap: float = 0.8, size_ratio: float = 0.7
) -> list[int | None]:
    """For each text, the index of an earlier text it repeats, or ``None``.

    When a text repeats several earlier ones (a line that recurs inside the article itself),
    the one right after the previous text's match wins, so a repeated run maps onto its first
    copy position by position; otherwise the earliest.
    """
    if len(texts) < 2:  # nothing earlier to repeat; and a huge lone paragraph is not tokenised
        return [None] * len(texts)
    postings: dict[str, list[int]] = defaultdict(list)
    sets: list[frozenset[str]] = []
    keys: list[tuple[str, ...]] = []
    found: list[int | None] = []
    for i, text in enumerate(texts):
        toks = tokens(text)
        words = frozenset(toks)
        shared: Counter[int] = Counter()
        for word in words:
            shared.update(postings[word])
        similar = [
            j
            for j, count in shared.items()
            if (toks and keys[j] == toks)
            or (len(words) >= 3 and _near(len(words), len(sets[j]), count, overlap, size_ratio))
        ]
        expected = found[-1] + 1 if found and found[-1] is not None else None
        if expected in similar:
            found.append(expected)
        else:
            found.append(min(similar) if similar else None)
        sets.append(words)
        keys.append(toks)
        for word in words:
            postings[word].append(i)
    return found


def _near(size: int, other: int, shared: int, overlap: float, size_ratio: float) -> bool:
    small, big = sorted((size, other))
    return small >= size_ratio * big and shared >= overlap * small


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
    ):
        self.overlap = overlap
        self.edited = edited
        self.size_ratio = size_ratio
        self.lone_words = lone_words

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
        match = find_repeats([b.text for b in blocks], self.overlap, self.size_ratio)
        removed = [j is not None and self._in_run(match, i, blocks) for i, j in enumerate(match)]
        run_starts = draft.hints.setdefault("repeat_run_starts", set())
        after_runs = draft.hints.setdefault("after_repeat_runs", set())
        for i, j in enumerate(match):
            if not removed[i]:
                if i > 0 and removed[i - 1]:
                    after_runs.add(blocks[i].start)
                continue
            if i == 0 or not removed[i - 1]:
                run_starts.add(blocks[j].start)
            first = blocks[j]
            draft.remove(
                blocks[i],
                self.name,
                f"repeat of the paragraph at {first.start}-{first.end} ({_preview(first)})",
            )
        return any(removed)

    def _in_run(self, match: list[int | None], i: int, blocks: list[Block]) -> bool:
        """True if repeat ``i`` sits in a repeated run or is too long to be a coincidence."""
        j = match[i]
        assert j is not None
        if len(tokens(blocks[i].text)) >= self.lone_words:
            return True
        for step in (-1, 1):
            k, first_k = i + step, j + step
            if not (0 <= k < len(match) and 0 <= first_k < i):
                continue
            if match[k] is not None and abs(match[k] - first_k) <= 1:
                return True
            # A neighbour edited too much to count as a repeat (a typo in a short headline)
            # still shows the run when it shares most of its words with the first copy's.
            if _edited_copy(tokens(blocks[k].text), tokens(blocks[first_k].text), self.edited):
                return True
        return False


def _edited_copy(a: tuple[str, ...], b: tuple[str, ...], share: float) -> bool:
    """True if ``a`` and ``b`` share at least ``share`` of the smaller set of their words, and
    at least three words. Numbers are left out: two time stamps share most of their tokens.
    """
    a_words = {t for t in a if not t.isdigit()}
    b_words = {t for t in b if not t.isdigit()}
    shared = len(a_words & b_words)
    return shared >= 3 and shared >= share * min(len(a_words), len(b_words))


def _preview(block: Block, width: int = 40) -> str:
    text = block.text
    return repr(text if len(text) <= width else text[: width - 1] + "…")
