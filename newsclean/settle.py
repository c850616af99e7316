"""Settling: run the per-document steps again over their own output until it is a fixed point.

Steps judge a paragraph by its neighbours (a repeated run, the body of a page, where an article
starts, what opens it), and what one step removes changes the neighbours another one sees. So
cleaning a clean record again could remove more. ``newsclean fix`` and the pre-commit hook need
the opposite: a fixed file must check clean. After the first pass, each draft is therefore
cleaned again as its two written forms would be, until neither changes:

* the **text view**: its kept paragraphs alone, as a JSONL record's ``text`` is read back;
* the **written view**: the same with the ``date`` line, the title, the ``By`` line and the
  standfirst in front, as :func:`~newsclean.record.render_text` writes a ``.txt`` scrape;
  the title and authors are read back from those lines, as cleaning the file again would.

A view's blocks are the draft's own kept :class:`~newsclean.record.Block` objects (the head of
the written view is made for the round and dropped after it), so every removal still points
at the input, and the account of what was removed stays complete. A round that changes nothing
ends the settling; a text the first pass leaves alone is not settled at all.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable

from newsclean.record import Block, Record, render_text
from newsclean.steps.base import Draft

# Rounds at most. Each round that changes something removes paragraphs or repairs text, so a
# few are enough; the bound is there because nothing proves that an arbitrary user step
# converges.
SETTLE_ROUNDS = 4

Pass = Callable[[Draft], list[Draft]]


def settle(draft: Draft, run_pass: Pass) -> list[Draft]:
    """Clean ``draft`` again with ``run_pass`` (the per-document steps) in both views until a
    round changes nothing; returns the draft, or the drafts a round split it into.
    """
    if not _changed(draft):
        return [draft]
    pending, done = [draft], []
    for _ in range(SETTLE_ROUNDS):
        next_round = []
        for current in pending:
            pieces = _round(current, run_pass, written=False)
            if pieces is None:
                pieces = _round(current, run_pass, written=True)
            if pieces is None:
                done.append(current)
            else:
                next_round.extend(pieces)
        pending = next_round
        if not pending:
            break
    return sorted(done + pending, key=lambda d: d.blocks[0].start if d.blocks else 0)


def _changed(draft: Draft) -> bool:
    """Whether the first pass removed, repaired or split anything."""
    return bool(draft.fixes) or draft.part is not None or any(not b.kept for b in draft.blocks)


# Metadata the written view carries in its head lines (and a round reads back from them).
_WRITTEN_FIELDS = ("title", "authors")


def _state(draft: Draft) -> tuple:
    """What a round can change: the kept paragraphs, the date, the URL, the title, the
    authors, the standfirst.
    """
    kept = tuple((b.start, b.end, b.text) for b in draft.kept)
    written = tuple(repr(draft.metadata.get(key)) for key in _WRITTEN_FIELDS)
    return kept, draft.created, draft.url, written, _standfirst(draft)[0]


def _standfirst(draft: Draft) -> tuple[str | None, Block | None]:
    """The record's standfirst, and the block it was taken from (``None`` when it came with
    the input's metadata), as :meth:`Draft.to_record` picks it.
    """
    value = draft.metadata.get("standfirst")
    if isinstance(value, str) and value:
        return value, None
    for block in draft.blocks:
        if isinstance(block.meta.get("standfirst"), str):
            return block.meta["standfirst"], block
    return None, None


def _round(draft: Draft, run_pass: Pass, *, written: bool) -> list[Draft] | None:
    """Clean one view of ``draft``; ``None`` when that changes nothing, else the draft(s)
    with the round's findings taken in.
    """
    standfirst, source_block = _standfirst(draft)
    anchor = draft.blocks[0].start if draft.blocks else 0
    head = _written_head(draft, standfirst, anchor) if written else []
    if written and not head:
        return None
    before = _state(draft)
    hidden = [b for b in draft.blocks if not b.kept]
    metadata = dict(draft.metadata)
    if written:
        # The title and authors are read back from the head lines, as a re-clean reads them.
        for key in _WRITTEN_FIELDS:
            metadata.pop(key, None)
    view = Draft(
        document=draft.document,
        blocks=head + draft.kept,
        metadata=metadata,
        created=draft.created,
        url=draft.url,
        part=draft.part,
    )
    results = run_pass(view)
    lost = _take_head(draft, head, standfirst, source_block, anchor, results) if head else False
    pieces = _absorb(draft, results, hidden)
    if lost and source_block is None:
        for piece in pieces:
            piece.metadata.pop("standfirst", None)
    if len(pieces) == 1 and _state(draft) == before:
        return None
    return pieces


def _written_head(draft: Draft, standfirst: str | None, anchor: int) -> list[Block]:
    """Blocks for the lines :func:`render_text` writes before the paragraphs (zero-width at
    ``anchor``: they exist only in this round).
    """
    fields = {key: draft.metadata.get(key) for key in _WRITTEN_FIELDS}
    lines = render_text(Record(id="", text="", source="", created=draft.created,
                               metadata={**fields, "standfirst": standfirst})).split("\n\n")
    return [Block(anchor, anchor, line.strip()) for line in lines if line.strip()]


def _take_head(
    draft: Draft,
    head: list[Block],
    standfirst: str | None,
    source_block: Block | None,
    anchor: int,
    results: list[Draft],
) -> bool:
    """Drop the head blocks from the round's results. If the standfirst line was not taken as
    a standfirst again, the record has no standfirst any more: its source block is kept (it
    reads as body now) or removed for the reason the round gave; returns whether it was lost.
    """
    for result in results:
        result.blocks = [b for b in result.blocks if not b.start == b.end == anchor]
    line = head[-1] if standfirst else None
    if line is None or "standfirst" in line.meta:
        return False
    if source_block is not None:
        del source_block.meta["standfirst"]
        if line.removal is None:
            source_block.removal = None
        else:
            draft.remove(source_block, line.removal.step, line.removal.reason)
    return True


def _absorb(draft: Draft, results: list[Draft], hidden: list[Block]) -> list[Draft]:
    """Take back what a round found: its blocks, metadata and fixes, with ``hidden`` (the
    blocks removed before the round) put back where they sit; one draft per article when the
    round split the view.
    """
    groups: list[list[Block]] = [list(r.blocks) for r in results]
    starts = [min((b.start for b in blocks), default=0) for blocks in groups]
    for block in hidden:
        groups[max(0, bisect_right(starts, block.start) - 1)].append(block)
    pieces = []
    for k, (result, blocks) in enumerate(zip(results, groups)):
        piece = draft if k == 0 else Draft(document=draft.document, blocks=[])
        piece.blocks = sorted(blocks, key=lambda b: (b.start, b.end))
        piece.metadata, piece.created, piece.url = result.metadata, result.created, result.url
        if k > 0:
            piece.fixes.update(draft.fixes)
        pieces.append(piece)
    # Text fixes run before any split, so every result carries the same new counts.
    for piece in pieces:
        piece.fixes.update(results[0].fixes)
    return pieces
