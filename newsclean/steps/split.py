"""Multi-article scrapes: one record per article.

Scrapes that concatenate articles lead each one with a one-line standfirst or headline. A kept
paragraph starts a new article when it reads like a headline (2-40 words, no sentence-final
punctuation) and one of these holds:

* the paragraph after it opens with the same words, five or more of them, from its first
  word on (a headline cut from the lead sentence: "A hunter who killed and ate" / "A hunter
  who killed and ate a wild rabbit ..."), however short that lead is;
* the repeats step saw a repeated run of prose (an article saved twice, not a repeated
  caption or menu) begin at it or end right before it (a scrape that repeats an article
  block does so from the article's first line to its last), body text follows it, and the
  article it opens has some prose: a product box or teaser list is not an article.

Subheadings inside an article match none of these and stay with their article: a short
subheading, a name line over a bio or a numbered item often restates its paragraph, but in
fewer words or with words in front. Each article
becomes its own draft (``part`` 0, 1, ...), so record ids are stable: ``<document id>/<part>``.
"""

from __future__ import annotations

from difflib import SequenceMatcher

from newsclean.record import Block
from newsclean.steps.base import Draft, Step
from newsclean.steps.page import line_score
from newsclean.steps.repeats import tokens
from newsclean.steps.shape import headline_like, word_count


def _body_like(text: str) -> bool:
    return word_count(text) >= 8


def _opens_with(headline: str, body: str, agreement: float = 0.85) -> bool:
    """True if ``body`` starts with (nearly) the words of ``headline``.

    Compared on lower-cased word characters, so a headline in Title Case, one cut in the middle
    of a word (or of a run of Japanese text) and one with a word dropped still match.
    """
    head = " ".join(tokens(headline))
    lead = " ".join(tokens(body))
    if len(head) < 8 or len(lead) <= len(head):
        return False
    window = lead[: len(head) + 10]
    # What the matcher finds in common is a common subsequence: the head whole at the start
    # is all of it, and a longest common subsequence short of the agreement rules it out.
    # Only a near miss pays for the matcher itself.
    if window.startswith(head):
        return True
    if common_subsequence(head, window) < agreement * len(head):
        return False
    matcher = SequenceMatcher(None, head, window, autojunk=False)
    same = sum(block.size for block in matcher.get_matching_blocks())
    return same >= agreement * len(head)


def common_subsequence(a: str, b: str) -> int:
    """The length of the longest common subsequence of ``a`` and ``b``, computed a column at a
    time on bit vectors (Allison and Dix; Hyyrö): ``len(b)`` big-integer steps, no table.
    """
    positions: dict[str, int] = {}
    for i, char in enumerate(a):
        positions[char] = positions.get(char, 0) | 1 << i
    row = (1 << len(a)) - 1
    for char in b:
        matched = row & positions.get(char, 0)
        row = (row + matched) | (row - matched)
    return len(a) - (row & ((1 << len(a)) - 1)).bit_count()


class SplitArticles(Step):
    """Split a scrape that concatenates several articles into one draft per article, in order.

    Removes nothing; the headline line of each article stays as its first paragraph, for the
    ``standfirst`` step to move into metadata.
    """

    name = "split"

    def __init__(self, min_prose: float = 20.0, min_lead_words: int = 5) -> None:
        self.min_prose = min_prose
        self.min_lead_words = min_lead_words

    def cut_from_lead(self, headline: str, lead: str) -> bool:
        """Whether ``headline`` is the opening words of ``lead`` cut off as a standfirst: at
        least ``min_lead_words`` of them, starting with the lead's first word.

        A subheading or a name line inside an article often restates the paragraph it heads,
        but in two to four words ("Task queue" / "The task queue holds ...", "Jane Doe" /
        "Jane Doe is a reporter ..."), or with words in front ("3. Night trains" / "Night
        trains are back ...", "How we tested it" / "We tested it for ...").
        """
        head, body = tokens(headline), tokens(lead)
        if len(head) < self.min_lead_words or not body or head[0] != body[0]:
            return False
        # Word for word too (a number or a name changed is another line of a list: "Error
        # 400" / "Error 500: ..."), with room for a word edited in a copy.
        matcher = SequenceMatcher(None, head, body[: len(head) + 2], autojunk=False)
        same = sum(block.size for block in matcher.get_matching_blocks())
        return same >= 0.85 * len(head) and _opens_with(headline, lead)

    def starts_article(self, blocks: list[Block], i: int, at_repeat_edge: bool) -> bool:
        """Whether kept block ``i`` (not the first) opens a new article."""
        text = blocks[i].text
        if i + 1 >= len(blocks) or not headline_like(text):
            return False
        following = blocks[i + 1].text
        if self.cut_from_lead(text, following):
            # A lead sentence that repeats the headline may be short ("... by codes.").
            return True
        return at_repeat_edge and _body_like(following)

    def __call__(self, draft: Draft) -> list[Draft]:
        """Return one draft per article (the draft itself when there is one article)."""
        kept = draft.kept
        if len(kept) < 4:
            return [draft]
        edges = draft.hints.get("repeat_run_starts", set()) | draft.hints.get(
            "after_repeat_runs", set()
        )
        starts = [0]
        for i in range(1, len(kept)):
            if i - 1 != starts[-1] and self.starts_article(kept, i, kept[i].start in edges):
                starts.append(i)
        if len(starts) == 1:
            return [draft]
        starts = self._with_prose(kept, starts)
        if len(starts) == 1:
            return [draft]
        return self._cut(draft, kept, starts)

    def _with_prose(self, kept: list[Block], starts: list[int]) -> list[int]:
        """Drop the starts that only a repeat edge backs (no lead sentence repeats the
        headline) when the article they open holds less than ``min_prose`` points of prose: a
        product box or a list of teasers after a repeated widget is not an article, and its
        lines stay with the article before them.
        """
        prose = [max(line_score(b.text), 0.0) for b in kept]
        ends = starts[1:] + [len(kept)]
        return [0] + [
            start
            for start, end in zip(starts[1:], ends[1:])
            if self.cut_from_lead(kept[start].text, kept[start + 1].text)
            or sum(prose[start:end]) >= self.min_prose
        ]

    @staticmethod
    def _cut(draft: Draft, kept: list[Block], starts: list[int]) -> list[Draft]:
        """One draft per article; removed blocks go with the article they sit in."""
        first_ids = {id(kept[s]) for s in starts[1:]}
        groups: list[list[Block]] = [[]]
        for block in draft.blocks:
            if id(block) in first_ids:
                groups.append([])
            groups[-1].append(block)
        drafts = []
        for part, blocks in enumerate(groups):
            piece = Draft(
                document=draft.document,
                blocks=blocks,
                metadata=dict(draft.metadata),
                created=draft.created,
                url=draft.url,
                part=part,
            )
            piece.fixes.update(draft.fixes)
            piece.earlier_removed = list(draft.earlier_removed) if part == 0 else []
            drafts.append(piece)
        return drafts
