"""Line-shape measures: word counts, and the paragraph cache the content steps share."""

import gc
import weakref

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from newsclean.steps import shape
from newsclean.steps.shape import paragraph_cache, word_count


def test_word_count_counts_words_and_spaceless_scripts():
    assert word_count("It's 3.5 km to the U.S. border — isn't it?") == 9
    assert word_count("") == 0
    assert word_count("日本語の文章です") == 1 + 4  # the run, and a word per two characters


class Text(str):
    """A str that can be weakly referenced, to see whether a cache still holds it."""


def test_paragraph_cache_keeps_short_texts_and_only_the_last_long_one():
    calls = []

    @paragraph_cache(maxsize=16)
    def measure(text):
        calls.append(len(text))
        return len(text)

    short = "A paragraph of prose."
    assert measure(short) == measure(short) == len(short)
    assert calls == [len(short)]  # the second call came from the cache

    first = Text("word " * (shape._CACHED_TEXT_CHARS // 4))
    measure(first)
    measure(first)  # a settling round sees the same huge paragraph again
    assert len(calls) == 2
    pinned = weakref.ref(first)
    second = Text("other " * (shape._CACHED_TEXT_CHARS // 4))
    measure(second)
    del first
    gc.collect()
    assert pinned() is None  # the next long text let the first go
    measure(short)
    assert len(calls) == 3


def test_paragraph_cache_holds_at_most_maxsize_texts():
    calls = []

    @paragraph_cache(maxsize=2)
    def measure(text):
        calls.append(text)
        return text.upper()

    assert [measure(t) for t in ("a", "b", "a", "c", "c", "a")] == ["A", "B", "A", "C", "C", "A"]
    # "c" came when two were held: the cache was emptied, so "a" was measured again.
    assert calls == ["a", "b", "c", "a"]


_ASCII = st.text(alphabet=st.characters(max_codepoint=0x7F), max_size=80)


@settings(max_examples=300, deadline=None)
@given(_ASCII)
def test_ascii_words_are_counted_as_the_unicode_pattern_counts_them(text):
    # ASCII text takes a faster pattern; it must count what the general one counts.
    assert shape.word_count.__wrapped__(text) == len(shape._WORD.findall(text))
    assert shape.word_count.__wrapped__(text) == len(shape._ASCII_WORD.findall(text))


def test_the_whitespace_list_is_what_backslash_s_matches() -> None:
    import array
    import sys

    import regex

    codes = array.array("I", range(0xD800))
    codes.extend(range(0xE000, sys.maxunicode + 1))
    chars = codes.tobytes().decode(f"utf-32-{sys.byteorder[0]}e")
    assert "".join(regex.findall(r"\s", chars)) == shape.REGEX_WHITESPACE


_ENDINGS = st.text(alphabet=".!?…。！？\"'”’»)] \t\n\xa0\u3000\x1caZ,;", max_size=12)


@settings(max_examples=500, deadline=None)
@given(st.text(max_size=20), _ENDINGS)
def test_ends_sentence_reads_the_end_as_the_pattern_does(text, ending):
    for candidate in (text + ending, ending, text):
        assert shape.ends_sentence(candidate) == bool(shape._SENTENCE_END.search(candidate))


def test_latin_text_is_counted_as_the_unicode_pattern_counts_it() -> None:
    # Every character of the ranges the faster pattern is used on: a word starts and goes on
    # on the same characters in both.
    import re

    import regex

    chars = [chr(c) for c in [*range(0x300), *range(0x2000, 0x2070)]]
    for char in chars:
        assert bool(regex.fullmatch(r"[\p{L}\p{N}]", char)) == bool(
            shape._LATIN_WORD.fullmatch(char)
        ), char
        assert bool(regex.fullmatch(r"[\p{L}\p{N}\p{M}'’._-]", char)) == bool(
            re.fullmatch(r"[\w'’.-]", char)
        ), char
        assert not shape._BEYOND_LATIN.search(char)
        assert not shape._SPACELESS.search(char)


_LATIN = st.text(alphabet=st.characters(max_codepoint=0x2FF), max_size=60) | st.text(
    alphabet="aé’ —“”…-_.'ß0١", max_size=40
)


@settings(max_examples=300, deadline=None)
@given(_LATIN | _ASCII)
def test_title_case_share_reads_the_words_of_the_unicode_pattern(text):
    found = [w for w in shape._WORD.findall(text) if w[0].isalpha()]
    expected = sum(1 for w in found if w[0].isupper()) / len(found) if found else 0.0
    assert shape.title_case_share(text) == expected


@settings(max_examples=500, deadline=None)
@given(_LATIN)
def test_latin_words_are_counted_as_the_unicode_pattern_counts_them(text):
    expected = len(shape._WORD.findall(text))
    spaceless = len(shape._SPACELESS.findall(text))
    if spaceless > len(text) * 0.3:
        expected += spaceless // 2
    assert shape.word_count.__wrapped__(text) == expected


# Text of the one-byte repertoire (Windows-1252), with the characters news text brings most
# often: accented letters, curly quotes, dashes, the ellipsis, and letters whose case folds
# out of the repertoire (µ, ß) or that only it holds beyond Latin-1 (Œ, Š, Ÿ, ƒ), the euro.
_ONE_BYTE = st.text(
    alphabet=st.sampled_from(sorted(set(shape._BYTE_CHARS) - {"\ufffd"})), max_size=60
) | st.text(alphabet="aZ0_ é’‘“”—–…-.'ßµŒšŸƒ€™²\u00a0", max_size=40)


@settings(max_examples=500, deadline=None)
@given(_ONE_BYTE)
def test_one_byte_text_is_counted_as_the_unicode_pattern_counts_it(text):
    assert shape.single_byte(text) is not None
    assert shape.word_count.__wrapped__(text) == len(shape._WORD.findall(text))


@settings(max_examples=500, deadline=None)
@given(_ONE_BYTE)
def test_word_runs_are_what_backslash_w_finds(text):
    assert shape.word_runs(shape.single_byte(text)) == shape._TOKEN.findall(text)


def test_word_runs_of_text_whose_other_characters_are_punctuation_are_strings():
    # Curly quotes and dashes become spaces, so the runs are ASCII (decoded as such).
    assert shape.word_runs(shape.single_byte("“Quoted” — text’s end")) == [
        "Quoted", "text", "s", "end"
    ]
    assert shape.word_runs(shape.single_byte("Œuvre — déjà")) == ["Œuvre", "déjà"]


@settings(max_examples=300, deadline=None)
@given(_ONE_BYTE)
def test_content_words_of_one_byte_text_are_the_long_word_runs(text):
    folded = text.casefold()
    assume(shape.single_byte(folded) is not None)  # µ folds to a Greek letter
    expected = {w for w in shape._TOKEN.findall(folded) if len(w) >= 4 and not w.isdecimal()}
    assert shape.content_words(text) == expected


def test_a_character_outside_the_one_byte_repertoire_takes_the_unicode_patterns():
    assert shape.single_byte("Łódź and Kraków") is None
    assert word_count("Łódź and Kraków — twice") == 4
    assert shape.content_words("Łódź and Kraków") == {"łódź", "kraków"}
    assert shape.content_words("Straße MASSE") == {"strasse", "masse"}
