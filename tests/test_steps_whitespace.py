"""Whitespace normalisation: NBSP, tabs, BOM, zero-width, Unicode spaces."""

import pytest
from conftest import run_steps
from hypothesis import given, settings
from hypothesis import strategies as st

import newsclean
from newsclean.steps.paragraphs import Paragraphs
from newsclean.steps.whitespace import Whitespace, normalise_whitespace

fix = Whitespace().fix


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("a\u00a0b", "a b"),
        ("non\u00a0\u00a0breaking", "non breaking"),
        ("tab\tseparated\t\tcolumns", "tab separated columns"),
        ("\ufeffStarts with a BOM", "Starts with a BOM"),
        ("zero\u200bwidth space", "zerowidth space"),
        ("word\u2060joiner", "wordjoiner"),
        ("soft\u00adhyphen", "softhyphen"),
        ("thin\u2009space and\u3000ideographic", "thin space and ideographic"),
        ("  leading and trailing  ", "leading and trailing"),
        ("many     spaces", "many spaces"),
        ("stray\r\nline\nbreak", "stray line break"),
    ],
)
def test_whitespace_fixes(raw, clean):
    assert fix(raw) == clean


def test_zwj_and_zwnj_kept():
    # They change how Indic and emoji text renders.
    assert fix("👩\u200d💻 and क\u200dष and \u200c") == "👩\u200d💻 and क\u200dष and \u200c"


def test_block_of_invisible_characters_is_removed_with_a_reason():
    text = "A real paragraph here.\n\n\u200b\u200b\ufeff\n\nAnother real paragraph."
    (draft,) = run_steps(text, Paragraphs(), Whitespace())
    assert [b.text for b in draft.kept] == ["A real paragraph here.", "Another real paragraph."]
    (gone,) = [b for b in draft.blocks if not b.kept]
    assert gone.removal.step == "whitespace"
    assert gone.removal.text == "\u200b\u200b\ufeff"
    assert gone.removal.reason


def test_default_pipeline_cleans_whitespace_in_record():
    text = ("\ufeffThe\u00a0minister\tsaid on Tuesday that the plan\u200b would be presented "
            "to  parliament next month.\r\n\r\nOpposition parties said they would vote\u00a0"
            "against it in its current form.\r\n")
    (record,) = newsclean.clean(text)
    assert record.text == (
        "The minister said on Tuesday that the plan would be presented to parliament next "
        "month.\n\nOpposition parties said they would vote against it in its current form."
    )


@settings(max_examples=80, deadline=None)
@given(st.text())
def test_fix_is_idempotent_and_leaves_no_odd_blanks(text):
    once = fix(text)
    assert fix(once) == once
    assert once == once.strip()
    assert "  " not in once
    assert not any(c in once for c in "\t\r\n\u00a0\ufeff\u200b")


BLANKS_AND_INVISIBLES = " \t\n\r\u00a0\u2009\u3000\u200b\u00ada\u0085\x0b"


@given(st.text(alphabet=st.sampled_from(BLANKS_AND_INVISIBLES), max_size=40) | st.text(max_size=40))
def test_every_run_of_blanks_becomes_one_space(text):
    """The spec, in its plainest (and slowest on huge paragraphs) form."""
    import regex

    visible = regex.sub(r"[\ufeff\u200b\u00ad\u2060\u180e]", "", text)
    assert normalise_whitespace(text) == regex.sub(r"[\s\p{Zs}]+", " ", visible).strip()


def _normalise_slowly(text: str) -> str:
    from newsclean.steps import whitespace

    return whitespace._BLANKS.sub(" ", whitespace._INVISIBLE.sub("", text)).strip()


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(max_codepoint=0x7F), max_size=60) | st.text(max_size=30))
def test_the_shortcut_for_printable_ascii_changes_nothing(text: str) -> None:
    assert normalise_whitespace(text) == _normalise_slowly(text)


def test_the_blank_and_invisible_list_is_what_the_patterns_match() -> None:
    import array
    import sys

    import regex

    from newsclean.steps import whitespace

    codes = array.array("I", range(0xD800))
    codes.extend(range(0xE000, sys.maxunicode + 1))
    chars = codes.tobytes().decode(f"utf-32-{sys.byteorder[0]}e")
    acted_on = regex.findall(r"[\s\p{Zs}\ufeff\u200b\u00ad\u2060\u180e]", chars)
    assert "".join(c for c in acted_on if c != " ") == "".join(
        whitespace._NOT_PLAIN.findall(chars)
    )


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=" \t\n\xa0\u2009\u3000\u200b\ufeff\u00ad é’a.\x1c", max_size=20))
def test_the_shortcut_for_text_without_other_blanks_changes_nothing(text: str) -> None:
    assert normalise_whitespace(text) == _normalise_slowly(text)
