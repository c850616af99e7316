"""Repeated blocks inside one scrape: exact and near repeats go, the first copy stays."""

import re
import textwrap

import pytest
from conftest import BUDGET_STORY, run_steps

import newsclean
from newsclean.steps.repeats import Repeats, find_repeats, tokens

A = list(BUDGET_STORY)
SPAN = re.compile(r"at (\d+)-(\d+)")


def clean_one(text):
    records = newsclean.clean(text)
    assert len(records) == 1, [r.text for r in records]
    return records[0]


def check_repeat_removals(text, record, expected_count):
    repeats = [r for r in record.removed if r.step == "repeats"]
    assert len(repeats) == expected_count
    for removal in repeats:
        assert text[removal.start : removal.end] == removal.text
        start, end = map(int, SPAN.search(removal.reason).groups())
        first = text[start:end]
        # the reason names the first copy, which comes earlier and is kept
        assert end <= removal.start
        assert " ".join(first.split()) in record.text
        assert set(tokens(first)) & set(tokens(removal.text))
    return repeats


@pytest.mark.parametrize("sep", ["\n", "\n\n"])
def test_exact_repeat_of_a_run_removed_first_copy_kept(sep):
    text = sep.join(A + A)
    record = clean_one(text)
    assert record.text == "\n\n".join(A)
    repeats = check_repeat_removals(text, record, 4)
    # each removed copy points at its own first copy, in order
    assert [r.text for r in repeats] == A
    assert [text[slice(*map(int, SPAN.search(r.reason).groups()))] for r in repeats] == A


def test_near_repeat_with_a_sentence_edited_and_whitespace_changed():
    edited = list(A)
    edited[1] = edited[1].replace("by a third", "by about a third")
    edited[2] = edited[2].replace(" ", "  ").replace("autumn", "autumn session")
    text = "\n\n".join(A) + "\n\n" + "\n\n".join(" \t" + e for e in edited)
    record = clean_one(text)
    assert record.text == "\n\n".join(A)
    check_repeat_removals(text, record, 4)


def test_repeat_rewrapped_at_the_same_width():
    text = "\n\n".join(textwrap.fill(a, 80) for a in A) * 1 + "\n\n" + "\n\n".join(
        textwrap.fill(a, 80) for a in A)
    record = clean_one(text)
    assert record.text == "\n\n".join(A)
    check_repeat_removals(text, record, 4)


@pytest.mark.xfail(strict=True, reason=(
    "bug: paragraphs detects one wrap width per document, so a second copy wrapped at another "
    "width (72 then 90 columns) is cut into line fragments and the repeat is not found"))
def test_repeat_rewrapped_at_another_width():
    text = ("\n\n".join(textwrap.fill(a, 72) for a in A) + "\n\n"
            + "\n\n".join(textwrap.fill(a, 90) for a in A))
    record = clean_one(text)
    assert record.text == "\n\n".join(A)


def test_long_lone_repeat_removed_short_lone_repeat_kept():
    long_para = " ".join(A[:3])  # > 40 tokens: cannot be a coincidence
    short = "The vote is expected in the autumn."
    text = "\n\n".join([long_para, short, A[3], short, long_para])
    record = clean_one(text)
    paragraphs = record.text.split("\n\n")
    assert paragraphs.count(long_para) == 1
    assert paragraphs.count(short) == 2


QUOTE = ("“We will not accept any foreign troops on our soil under any circumstances,” the "
         "spokesman said.")
OTHER = [
    "Protesters gathered outside parliament on Saturday to demand an end to the conflict and "
    "the return of prisoners of war.",
    "Police estimated the crowd at several thousand people, making it one of the largest "
    "demonstrations in the capital this year.",
    "Organisers said they would return every weekend until the government agreed to open talks "
    "with the other side.",
]


def test_quote_repeated_in_two_different_articles_is_kept():
    first = [A[0], QUOTE, A[1], A[2]]
    second = [OTHER[0], QUOTE, OTHER[1], OTHER[2]]
    text = "\n\n".join(first + second)
    records = newsclean.clean(text)
    joined = "\n\n".join(r.text for r in records)
    assert joined.count(QUOTE) == 2
    assert not any(r.step == "repeats" for rec in records for r in rec.removed)


SCORES = [
    "Northfield High d. Eastbrook",
    "Northfield (4-1): Dana Ruiz 2 goals. Sam Okafor 1 goal. Lee Brandt 6 saves.",
]


def test_short_repeat_after_an_edited_headline_is_part_of_the_run():
    # The second copy's headline has a typo (3 of 4 words shared, too few to be a repeat);
    # it still shows that the short line after it belongs to a repeated run.
    text = "\n\n".join([*A, *SCORES, "Northfield High d. Eastbrok", SCORES[1]])
    record = clean_one(text)
    assert record.text.count(SCORES[1]) == 1
    check_repeat_removals(text, record, 1)
    (draft,) = run_steps(text, "paragraphs", Repeats(edited=1.01))
    assert all(b.kept for b in draft.blocks)
    # two time stamps share their numbers, not their words: no run
    stamps = ["March 3, 2021 at 8:12 am", "Posted by Ann Lee on March 3, 2021, 7:58 AM"]
    text = "\n\n".join([*A, stamps[1], SCORES[1], stamps[0], SCORES[1]])
    record = clean_one(text)
    assert record.text.count(SCORES[1]) == 2


def test_find_repeats_maps_a_run_position_by_position():
    texts = A + ["A line in between that is new and has several words."] + A
    assert find_repeats(texts) == [None] * 5 + [0, 1, 2, 3]
    assert find_repeats([]) == []
    assert find_repeats(["", ""]) == [None, None]


def test_find_repeats_thresholds():
    a = "one two three four five six seven eight nine ten"
    b = "one two three four five six seven eight nine eleven"  # 9 of 10 shared
    assert find_repeats([a, b]) == [None, 0]
    assert find_repeats([a, b], overlap=0.95) == [None, None]


def test_tokens_casefold_and_cjk_pairs():
    assert tokens("The THE the") == ("the", "the", "the")
    assert tokens("日本語です") == ("日本", "本語", "語で", "です")


def test_repeats_hints_for_the_splitter():
    text = "\n\n".join(A + A + ["A new paragraph after the repeated run, long enough here."])
    (draft,) = run_steps(text, "paragraphs", Repeats())
    assert draft.hints["repeat_run_starts"] == {draft.blocks[0].start}
    assert draft.hints["after_repeat_runs"] == {draft.blocks[-1].start}


def test_repeats_step_is_idempotent_on_its_output():
    text = "\n\n".join(A + A)
    (record,) = newsclean.clean(text)
    (again,) = newsclean.clean(record.text)
    assert again.text == record.text
    assert again.removed == []
