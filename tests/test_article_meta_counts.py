"""The metadata steps' counts of text one byte a character: what their patterns count."""

from hypothesis import given, settings
from hypothesis import strategies as st

from newsclean.steps.article_meta import (
    _DIGITS_AND_MARKS,
    _LETTER,
    _letters,
    _words_besides_numbers,
)
from newsclean.steps.shape import _BYTE_CHARS, word_count

_ONE_BYTE_OR_ANY = st.text(
    alphabet=st.sampled_from(sorted(set(_BYTE_CHARS) - {"\ufffd"})), max_size=60
) | st.text(alphabet="aZ0²_ é’“”—…-.'$%€™|:,", max_size=40) | st.text(max_size=30)


@settings(max_examples=500, deadline=None)
@given(_ONE_BYTE_OR_ANY)
def test_words_besides_numbers_are_those_left_once_numbers_and_marks_are_spaces(text):
    # Text of one byte a character is counted by a table; it must count what the pattern
    # leaves.
    assert _words_besides_numbers(text) == word_count(_DIGITS_AND_MARKS.sub(" ", text))


@settings(max_examples=500, deadline=None)
@given(_ONE_BYTE_OR_ANY)
def test_letters_are_counted_as_the_pattern_finds_them(text):
    assert _letters(text) == len(_LETTER.findall(text))
