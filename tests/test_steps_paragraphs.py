"""Paragraph segmentation: the three layouts, unwrapping, short lines, hyphens, CRLF, spans."""

import textwrap

import pytest
from conftest import run_steps
from hypothesis import given, settings
from hypothesis import strategies as st

from newsclean.steps import paragraphs
from newsclean.steps.paragraphs import Paragraphs, join_wrapped, segment, wrap_width

PARAS = [
    "The minister said on Tuesday that the government would present a revised budget to "
    "parliament next month, after weeks of pressure from coalition partners and business groups.",
    "Poverty in decline",
    "Officials expect the new plan to reduce the deficit by a third within two years, although "
    "economists at several independent institutes have questioned the assumptions behind it.",
    "You are welcome.",
    "Opposition leaders called the proposal an unworkable compromise that would leave households "
    "paying more for energy and transport over the coming winter months, and vowed to fight it.",
    "Analysts said the vote, expected before the end of the year, would be the first real test "
    "of the coalition since it took office after a long and bitter election campaign in spring.",
]


def blocks_of(text):
    (draft,) = run_steps(text, Paragraphs())
    return draft.blocks


def texts_of(text):
    return [b.text for b in blocks_of(text)]


def test_one_paragraph_per_line():
    text = "\n".join(PARAS) + "\n"
    assert texts_of(text) == PARAS


def test_blank_line_separated():
    text = "\n\n".join(PARAS)
    assert texts_of(text) == PARAS


def test_blank_lines_with_spaces_tabs_and_nbsp_separate_paragraphs():
    text = PARAS[0] + "\n  \t\n\u00a0\n" + PARAS[2]
    assert texts_of(text) == [PARAS[0], PARAS[2]]


@pytest.mark.parametrize("width", [70, 78, 85, 95])
def test_hard_wrapped_is_unwrapped_to_one_line_per_paragraph(width):
    text = "\n\n".join(textwrap.fill(p, width) for p in PARAS)
    assert text.count("\n") > 2 * len(PARAS)  # really wrapped
    out = texts_of(text)
    assert out == PARAS
    assert all("\n" not in t for t in out)


@pytest.mark.parametrize(
    "width",
    [
        72,
        80,
        pytest.param(90, marks=pytest.mark.xfail(
            strict=True,
            reason="gap: in wrapped text without blank lines, a paragraph whose last line "
            "happens to be full (87 of 90 cols) glues the next short line ('You are welcome.')",
        )),
    ],
)
def test_hard_wrapped_without_blank_lines_keeps_short_lines(width):
    # Wrapped paragraphs separated by single newlines: the short lines end paragraphs.
    text = "\n".join(textwrap.fill(p, width) for p in PARAS)
    out = texts_of(text)
    assert "Poverty in decline" in out
    assert "You are welcome." in out
    assert out == PARAS


@pytest.mark.parametrize("short", ["Poverty in decline", "You are welcome.", "V. Putin: Yes.",
                                   "The eagle looks both ways"])
def test_short_real_line_never_glued_to_a_neighbour(short):
    body = [textwrap.fill(p, 80) for p in PARAS[::2]]
    text = body[0] + "\n" + short + "\n" + body[1] + "\n\n" + short + "\n\n" + body[2]
    out = texts_of(text)
    assert out.count(short) == 2
    assert not any(short in t and t != short for t in out)


def test_ragged_hand_wrapped_text_is_unwrapped():
    # Line lengths vary by 20 columns, like a hand-wrapped scrape (seed 000).
    words = PARAS[0].split() + PARAS[2].split()
    lines, current, widths = [], [], [78, 92, 85, 99, 81, 88, 95]
    for word in words:
        if current and len(" ".join([*current, word])) > widths[len(lines) % len(widths)]:
            lines.append(" ".join(current))
            current = []
        current.append(word)
    lines.append(" ".join(current))
    paragraph = " ".join(lines)
    text = "\n".join(lines) + "\n\n" + textwrap.fill(PARAS[4], 90) + "\n"
    assert texts_of(text) == [paragraph, PARAS[4]]


def test_hyphen_at_wrap_is_rejoined():
    assert join_wrapped(["a well-", "known fact"]) == "a well-known fact"
    assert join_wrapped(["a dash -", "then more"]) == "a dash - then more"
    assert join_wrapped(["ends in 1990-", "1995 range"]) == "ends in 1990- 1995 range"
    assert join_wrapped(["plain", "words"]) == "plain words"


def test_hyphenated_compound_broken_by_wrapper_is_rejoined_in_document():
    para = ("The long-awaited report on the state-owned railway operator was finally released "
            "after a well-publicised delay, and it found that the company's decision-making had "
            "been slow, opaque and badly co-ordinated across its many regional offices.")
    wrapped = (
        "The long-awaited report on the state-owned railway operator was finally\n"
        "released after a well-publicised delay, and it found that the company's decision-\n"
        "making had been slow, opaque and badly co-ordinated across its many regional\n"
        "offices."
    )
    para = para.replace("decision-making had\n", "decision-making had ")
    text = wrapped + "\n\n" + textwrap.fill(PARAS[0], 72) + "\n\n" + textwrap.fill(PARAS[2], 72)
    assert texts_of(text) == [para, PARAS[0], PARAS[2]]


def test_crlf_and_lone_cr_line_ends():
    lf = "\n\n".join(textwrap.fill(p, 80) for p in PARAS)
    for eol in ("\r\n", "\r"):
        text = lf.replace("\n", eol)
        out = texts_of(text)
        assert out == PARAS
        assert all("\r" not in t for t in out)


def test_spans_point_at_the_input_one_per_line_and_blank_separated():
    for sep in ("\n", "\n\n", "\r\n", "\r\n\r\n"):
        text = "  " + sep.join(PARAS) + sep
        for block in blocks_of(text):
            assert text[block.start : block.end] == block.text


def test_spans_of_wrapped_paragraphs_cover_their_lines():
    text = "\r\n\r\n".join(textwrap.fill(p, 75) for p in PARAS).replace("\n", "\r\n")
    text = text.replace("\r\r\n", "\r\n")
    blocks = blocks_of(text)
    assert [b.text for b in blocks] == PARAS
    for block in blocks:
        source = text[block.start : block.end]
        assert " ".join(source.split()) == block.text
        assert source == source.strip()


def test_blocks_cover_every_non_blank_character():
    text = "\n\n\n".join(textwrap.fill(p, 80) for p in PARAS) + "\n\n   \n"
    blocks = blocks_of(text)
    covered = set()
    for b in blocks:
        covered.update(range(b.start, b.end))
    assert all(text[i].isspace() for i in range(len(text)) if i not in covered)
    assert [b.start for b in blocks] == sorted(b.start for b in blocks)


def test_wrap_width_detection():
    wrapped = [
        [(0, 0, line) for line in textwrap.wrap(p, 80)] for p in PARAS
    ]
    width = wrap_width(wrapped)
    assert width is not None and 70 <= width <= 80
    one_per_line = [[(0, 0, p)] for p in PARAS]
    assert wrap_width(one_per_line) is None
    # Long one-paragraph-per-line lines (well over 120 columns) are not a wrap width.
    assert wrap_width([[(0, 0, p) for p in PARAS]]) is None


def test_segment_empty_and_blank_text():
    assert segment("") == []
    assert segment("   \n\n \t \r\n") == []


def test_paragraphs_skips_an_already_edited_block():
    # A block whose text no longer matches its span is left alone (idempotent re-run).
    text = "\n\n".join(PARAS)
    (draft,) = run_steps(text, Paragraphs(), Paragraphs())
    assert [b.text for b in draft.blocks] == PARAS


def test_short_one_sentence_paragraphs_one_per_line_not_glued():
    lines = [
        "The minister arrived in Paris on Monday morning for talks.",
        "She met the French president for two hours at the palace.",
        "The talks focused on trade, energy prices and migration.",
        "No joint statement was issued after the meeting ended.",
    ]
    assert texts_of("\n".join(lines)) == lines


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab .\t\n\r\x0b\x0c\x85\u2028\u2029\xa0\u3000")),
               max_size=12) | st.text(max_size=20))
def test_a_line_taken_as_it_is_is_what_segment_gives_back(text: str) -> None:
    # The shortcut that keeps a one-line block must agree with segmenting it.
    if paragraphs.one_line(text):
        assert paragraphs.segment(text) == [(0, len(text), [text])]


def test_the_line_breaks_known_are_those_backslash_r_matches() -> None:
    import regex

    breaks = [chr(c) for c in range(0x3000) if regex.fullmatch(r"\R", chr(c))]
    assert [c for c in breaks if paragraphs._ANY_BREAK.match(c)] == breaks


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab .\t\n\r\x0b\x0c\x85\u2028\u2029\xa0\u3000")),
               max_size=16) | st.text(max_size=24), st.integers(0, 50))
def test_lines_are_the_runs_between_cr_and_lf_stripped(text: str, offset: int) -> None:
    # What the pattern of a line, [^\r\n]*, finds, the blank ones left out.
    import regex

    expected = []
    for match in regex.finditer(r"[^\r\n]*", text):
        stripped = match.group().strip()
        if stripped:
            start = offset + match.start() + len(match.group()) - len(match.group().lstrip())
            expected.append((start, start + len(stripped), stripped))
    assert paragraphs._lines(text, offset) == expected


_BLANKS = list("\t \xa0\u1680\u2000\u2009\u200a\u202f\u205f\u3000\x1c\x1f\u200b")


@settings(max_examples=1000, deadline=None)
@given(st.lists(st.sampled_from(["ab", " c.", "\n", *_BLANKS, "\r", "\x85", "\u2028"]),
                max_size=24).map("".join))
def test_chunks_of_lf_text_are_those_the_blank_line_pattern_cuts(text: str) -> None:
    # A text whose only line break is LF is cut in one pass over its lines.
    import regex

    if not paragraphs._breaks_only_at_lf(text):
        assert any(c in text for c in "\r\x85\u2028")
        return
    chunks, pos = [], 0
    for match in regex.finditer(r"\R(?:[^\S\r\n]*\R)+", text):
        chunks.append(paragraphs._lines(text[pos : match.start()], pos))
        pos = match.end()
    chunks.append(paragraphs._lines(text[pos:], pos))
    assert paragraphs._chunks_at_lf(text) == [c for c in chunks if c]


def test_the_blanks_of_a_blank_line_are_the_patterns() -> None:
    import regex

    chars = "".join(chr(c) for c in range(0x3100))
    expected = "".join(regex.findall(r"[^\S\r\n]", chars))
    assert "".join(c for c in expected if not paragraphs._ANY_BREAK.match(c)) == (
        paragraphs._BLANKS_IN_A_LINE
    )
