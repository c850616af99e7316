"""Paragraph segmentation, including the undoing of hard wraps.

Scrapes come in three layouts: one paragraph per line (no blank lines), paragraphs separated by
blank lines, and paragraphs hard-wrapped at a fixed width (70-95 columns) with blank lines
between them. The step first cuts the text at blank lines, then decides inside each chunk which
line breaks are wrap residue (joined with a space) and which are real (a new block).

A break is wrap residue only when the document as a whole is wrapped at some width ``W`` and the
line before the break is *full*: the first word of the next line would not have fitted on it.
A short line (a subheading, "You are welcome.") is therefore never glued to its neighbour.
"""

from __future__ import annotations

import re

import regex

from newsclean.record import Block
from newsclean.steps.base import Draft, Step
from newsclean.steps.shape import REGEX_WHITESPACE, ends_sentence

# A blank line may hold spaces, tabs, NBSP or other Unicode blanks.
# CRLF and lone CR count as line ends too.
_BLANK_LINES = regex.compile(r"\R(?:[^\S\r\n]*\R)+")
# Every character \R matches on its own (and so CR and LF, the line ends _lines splits at).
_BREAKS = "\n\r\x0b\x0c\x85\u2028\u2029"
_ANY_BREAK = re.compile(f"[{_BREAKS}]")
# What a blank line may hold besides its line break ([^\S\r\n] but the other breaks).
_BLANKS_IN_A_LINE = "".join(c for c in REGEX_WHITESPACE if c not in _BREAKS)
_FIRST_WORD = regex.compile(r"\S+")
_HYPHEN_BREAK = regex.compile(r"\p{L}-$")

# Wrapped text has most lines within a narrow band below the wrap width.
_MIN_WIDTH, _MAX_WIDTH = 40, 120
_FULL_SHARE = 0.6
_MIN_SLACK, _SLACK_SHARE = 10, 0.15
_MID_SENTENCE_SHARE = 0.4
_URL_LINE = regex.compile(r"(?:https?://|www\.)\S+$")


def _lines(text: str, offset: int) -> list[tuple[int, int, str]]:
    """Non-blank lines of ``text`` as (start, end, stripped text), spans shifted by ``offset``."""
    # The runs between CRs and LFs, split off in C: a CR made a LF keeps every offset (a
    # CRLF then leaves an empty line between, which is blank).
    found = []
    start = offset
    for raw in text.replace("\r", "\n").split("\n"):
        stripped = raw.strip()
        if stripped:
            lead = start + len(raw) - len(raw.lstrip())
            found.append((lead, lead + len(stripped), stripped))
        start += len(raw) + 1
    return found


def wrap_width(chunks: list[list[tuple[int, int, str]]]) -> int | None:
    """The width the text was hard-wrapped at, or ``None`` if it does not look wrapped.

    Looks only at lines followed by another line in the same chunk (a paragraph's last line is
    short by nature): in wrapped text most of them end within a few words of the width, and
    many end in the middle of a sentence. Lines of even length that all end a sentence are
    one-sentence paragraphs, not wrapped text.
    """
    inner = [line[2] for chunk in chunks for line in chunk[:-1]]
    if len(inner) < 3:
        return None
    lengths = sorted(len(line) for line in inner)
    width = lengths[int(0.9 * (len(lengths) - 1))]
    if not _MIN_WIDTH <= width <= _MAX_WIDTH:
        return None
    full = sum(1 for n in lengths if width - 25 <= n <= width + 2)
    mid_sentence = sum(1 for line in inner if not ends_sentence(line))
    if full < _FULL_SHARE * len(inner) or mid_sentence < _MID_SENTENCE_SHARE * len(inner):
        return None
    return width


def _is_full(line: str, next_line: str, width: int) -> bool:
    """True if ``line`` ends where a wrapper would have broken it before ``next_line``.

    Hand-wrapped scrapes are ragged (seed 000 runs from 85 to 107 columns), so a line counts as
    full when the next line's first word would have come within a slack of the width. A bare URL
    on either side is always its own line.
    """
    if _URL_LINE.match(line) or _URL_LINE.match(next_line):
        return False
    first = _FIRST_WORD.match(next_line)
    reach = len(line) + 1 + (len(first.group()) if first else 0)
    return reach > width - max(_MIN_SLACK, int(_SLACK_SHARE * width))


def _chunks(text: str) -> list[list[tuple[int, int, str]]]:
    """The runs of non-blank lines of ``text`` between blank lines, each as :func:`_lines`
    gives them; none empty.
    """
    if _breaks_only_at_lf(text):
        return _chunks_at_lf(text)
    chunks = []
    pos = 0
    for match in _BLANK_LINES.finditer(text):
        chunks.append(_lines(text[pos : match.start()], pos))
        pos = match.end()
    chunks.append(_lines(text[pos:], pos))
    return [c for c in chunks if c]


def _breaks_only_at_lf(text: str) -> bool:
    """Whether LF is the only line break ``text`` holds (a few searches in C)."""
    others = _BREAKS[1:4] if text.isascii() else _BREAKS[1:]
    return not any(other in text for other in others)


def _chunks_at_lf(text: str) -> list[list[tuple[int, int, str]]]:
    r""":func:`_chunks` of a text whose only line break is LF, in one pass over its lines:
    the `regex` module's search for blank lines tries \R at every character (53 us a
    document of 4,400 characters, where this whole pass takes 14).
    """
    chunks = []
    current: list[tuple[int, int, str]] = []
    start = 0
    for raw in text.split("\n"):
        stripped = raw.strip()
        if stripped:
            lead = start + len(raw) - len(raw.lstrip())
            current.append((lead, lead + len(stripped), stripped))
        elif current and not raw.strip(_BLANKS_IN_A_LINE):
            chunks.append(current)  # a blank line ends the chunk
            current = []
        start += len(raw) + 1
    if current:
        chunks.append(current)
    return chunks


def segment(text: str) -> list[tuple[int, int, list[str]]]:
    """Split ``text`` into paragraphs: (start, end, lines) with spans into ``text``."""
    chunks = _chunks(text)
    width = wrap_width(chunks)
    paragraphs: list[tuple[int, int, list[str]]] = []
    for chunk in chunks:
        current = [chunk[0]]
        for prev, line in zip(chunk, chunk[1:]):
            if width is not None and _is_full(prev[2], line[2], width):
                current.append(line)
            else:
                paragraphs.append((current[0][0], current[-1][1], [c[2] for c in current]))
                current = [line]
        paragraphs.append((current[0][0], current[-1][1], [c[2] for c in current]))
    return paragraphs


def one_line(text: str) -> bool:
    r"""Whether :func:`segment` gives ``text`` back whole: it is not empty, holds no line
    break (of any kind ``\R`` knows) and no blank at either end.
    """
    return bool(text) and _ANY_BREAK.search(text) is None and text.strip() == text


def join_wrapped(lines: list[str]) -> str:
    """Join hard-wrapped lines with a space, except after a word-internal hyphen.

    Wrappers (Python's ``textwrap`` among them) break compounds after their hyphen, so
    ``"well-"`` + ``"known"`` is rejoined as ``"well-known"``.
    """
    out = lines[0]
    for line in lines[1:]:
        glue = "" if _HYPHEN_BREAK.search(out) and line[:1].isalpha() else " "
        out += glue + line
    return out


class Paragraphs(Step):
    """Cut the input into paragraphs and join hard-wrapped lines back into one line each.

    Removes nothing but blank lines between paragraphs (not recorded: whitespace carries no
    content). Works on the raw input, so every block keeps its exact span.
    """

    name = "paragraphs"

    def __call__(self, draft: Draft) -> list[Draft]:
        """Replace each untouched block by the paragraphs of its text."""
        new_blocks: list[Block] = []
        for block in draft.blocks:
            if not block.kept or len(block.text) != block.end - block.start:
                new_blocks.append(block)
                continue
            if one_line(block.text):
                new_blocks.append(block)  # a settling round sees nothing but these
                continue
            pieces = segment(block.text)
            if [(start, end) for start, end, _ in pieces] == [(0, len(block.text))]:
                new_blocks.append(block)  # one line already (a settling round sees many)
                continue
            for start, end, lines in pieces:
                new_blocks.append(
                    Block(block.start + start, block.start + end, join_wrapped(lines))
                )
        draft.blocks = new_blocks
        return [draft]
