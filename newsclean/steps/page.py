"""
Full-page scrapes: keep the article body, drop navigation, headline lists and footers.

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

from newsclean.record import Block
from newsclean.steps.base import Draft, Step
from newsclean.steps.shape import ends_sentence, title_case_share, words


def line_score(text: str) -> float:
    """How much a paragraph looks like article prose (positive) or page chrome (negative)."""
    n = len(words(text))
    if ends_sentence(text):
        if n >= 8:
            return float(min(n, 60))
        return 1.0 if n >= 3 else -1.0
    if n >= 20:
        return float(min(n, 60)) / 2
    if n >= 8 and title_case_share(text) < 0.5:
        return 0.5
    return -3.0


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


def _headline_like(text: str) -> bool:
    n = len(words(text))
    return 3 <= n <= 30 and not ends_sentence(text)


class PageBody(Step):
    """
    Keep only the article body of a full-page scrape: remove navigation menus, section and
    headline lists, and footers before and after the longest stretch of prose.

    ``min_removed`` keeps the step from trimming the odd stray line off an ordinary scrape: it
    only acts when at least that many paragraphs fall outside the body.
    """

    name = "page_body"

    def __init__(self, min_removed: int = 3) -> None:
        self.min_removed = min_removed

    def __call__(self, draft: Draft) -> list[Draft]:
        blocks = draft.kept
        start, end = best_span([line_score(b.text) for b in blocks])
        if start > 0 and _headline_like(blocks[start - 1].text):
            start -= 1
        outside: list[Block] = blocks[:start] + blocks[end:]
        if len(outside) < self.min_removed:
            return [draft]
        for block in blocks[:start]:
            draft.remove(block, self.name, "before the article body (navigation, header)")
        for block in blocks[end:]:
            draft.remove(block, self.name, "after the article body (links, footer)")
        return [draft]
