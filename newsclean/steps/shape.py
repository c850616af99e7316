"""Line-shape measures shared by the content steps: word counts, sentence ends, title case."""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import wraps
from typing import TypeVar

import regex

_Result = TypeVar("_Result")
_MISSING = object()
# Longer than any paragraph of prose: a "paragraph" this long is a file with no line breaks.
_CACHED_TEXT_CHARS = 20_000

_WORD = regex.compile(r"[\p{L}\p{N}][\p{L}\p{N}\p{M}'’._-]*")
# _WORD on ASCII text (where \p{L} is a-z and A-Z, \p{N} is 0-9 and \p{M} is nothing), in the
# standard engine, which is faster at it.
_ASCII_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9'._-]*")
# The same on text of Latin letters, their accents and general punctuation (U+0000-U+02FF,
# U+2000-U+206F), where the standard engine's letters and digits are \p{L} and \p{N} and no
# character is a combining mark (\p{M}); a test checks every character of those ranges.
_LATIN_WORD = re.compile(r"[^\W_][\w'’.-]*")
# Most non-ASCII news text is in the repertoire of Windows-1252 (Latin-1 letters, curly
# quotes, dashes, the ellipsis), one byte a character there: a measure that classes each
# character can then do it with one bytes.translate in C, several times faster than a
# Unicode pattern. The character each byte stands for (undefined bytes, which no text
# encodes to, as U+FFFD).
_SINGLE_BYTE = "cp1252"
_BYTE_CHARS = bytes(range(256)).decode(_SINGLE_BYTE, errors="replace")


def single_byte(text: str) -> bytes | None:
    """``text`` one byte a character (Windows-1252, of which ASCII is the first half), or
    ``None`` when it holds a character outside that repertoire.
    """
    if text.isascii():
        return text.encode()  # the same bytes, without the codec's table
    try:
        return text.encode(_SINGLE_BYTE)
    except UnicodeEncodeError:
        return None


def byte_table(mark: Callable[[str], str]) -> bytes:
    """A ``bytes.translate`` table for text as :func:`single_byte` encodes it: each byte to
    ``mark`` of the character it stands for (a character of that repertoire).
    """
    return "".join(mark(char) for char in _BYTE_CHARS).encode(_SINGLE_BYTE)


_WORD_START = regex.compile(r"[\p{L}\p{N}]")
_WORD_GOES_ON = regex.compile(r"[\p{L}\p{N}\p{M}'’._-]")


def word_marks(blank: regex.Pattern[str] | None = None) -> bytes:
    """A table for :func:`count_marked_words`: the characters of _WORD's words, those a word
    starts with as "a", the others it goes on with as ".", and every other character a
    space; with ``blank``, the characters it matches as spaces too (the words of the text
    with those made spaces).
    """

    def mark(char: str) -> str:
        if blank is not None and blank.fullmatch(char):
            return " "
        return "a" if _WORD_START.fullmatch(char) else "." if _WORD_GOES_ON.fullmatch(char) else " "

    return byte_table(mark)


def count_marked_words(encoded: bytes, marks: bytes) -> int:
    """How many words a text has, given as :func:`single_byte` encodes it and a table of
    :func:`word_marks`, counted without making them.
    """
    # A word of _WORD is a maximal run of its characters that holds a letter or digit: with
    # those runs as "a" and "." characters between spaces (one translation in C), and the
    # "."s dropped, the words are the runs left.
    runs = encoded.translate(marks).replace(b".", b"")
    return runs.count(b" a") + runs.startswith(b"a")


_WORD_MARKS = word_marks()
# What \w+ finds, as a byte table: word characters as they are, the others as spaces.
_TOKEN = regex.compile(r"\w+")
_WORD_CHARS = byte_table(lambda c: c if _TOKEN.fullmatch(c) else " ")
_BEYOND_LATIN = re.compile("[^\x00-\u02ff\u2000-\u206f]")
# A sentence ends in . ! ? … (or their CJK forms), possibly followed by closing quotes/brackets.
_SENTENCE_END = regex.compile(r"[.!?…。！？](?:[\"'”’»)\]]|\s)*$")
# The same as characters: the terminal ones, and the closers with every character \s matches
# in the `regex` module (Unicode White_Space; a test checks the list).
_TERMINAL = ".!?…。！？"
REGEX_WHITESPACE = (
    "\t\n\x0b\x0c\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007"
    "\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)
_CLOSERS = "\"'”’»)]" + REGEX_WHITESPACE
# Scripts written without spaces between words: count characters, not words.
_SPACELESS = regex.compile(r"[\p{Han}\p{Hiragana}\p{Katakana}\p{Thai}]")


def paragraph_cache(maxsize: int) -> Callable[[Callable[..., _Result]], Callable[..., _Result]]:
    """A cache for a measure of a paragraph, whose text is its last argument.

    Several steps measure the same paragraph, and the settling rounds see it again. The
    results are kept by arguments in a dict, emptied when it holds ``maxsize`` (a measure is
    a function of its arguments, so which results are kept only changes the speed): a hit is
    one dict look-up, about a third of the cost of going through ``lru_cache`` from a Python
    wrapper (a paragraph is measured a few hundred times an article, ``word_count`` most). A
    text longer than a paragraph of prose (a file with no line breaks) is kept only until the
    next such text: a cache of them would pin memory many times the size of the largest input.
    """

    def decorate(function: Callable[..., _Result]) -> Callable[..., _Result]:
        memo: dict[object, _Result] = {}
        look_up = memo.get
        last_long: list[tuple[object, _Result]] = []

        def miss(key: object, text: object, measure: Callable[[], _Result]) -> _Result:
            if not isinstance(text, str) or len(text) <= _CACHED_TEXT_CHARS:
                result = measure()
                if len(memo) >= maxsize:
                    memo.clear()  # whole: safe when threads share the cache
                memo[key] = result
                return result
            if last_long and last_long[0][0] == key:
                return last_long[0][1]
            result = measure()
            last_long[:] = [(key, result)]
            return result

        if getattr(getattr(function, "__code__", None), "co_argcount", 0) == 1:
            # A measure of the text alone is keyed by the text itself: no tuple of arguments
            # to make and hash (``word_count`` is called a few hundred times an article).
            @wraps(function)
            def measure_text(text: str) -> _Result:
                result = look_up(text, _MISSING)
                if result is not _MISSING:
                    return result  # type: ignore[return-value]
                if len(text) > _CACHED_TEXT_CHARS:
                    return miss(text, text, lambda: function(text))
                # A paragraph measured the first time (each, several times an article): kept
                # here, without the closure and call of the general case.
                result = function(text)
                if len(memo) >= maxsize:
                    memo.clear()
                memo[text] = result
                return result

            return measure_text

        @wraps(function)
        def measure(*args: object) -> _Result:
            result = look_up(args, _MISSING)
            if result is not _MISSING:
                return result  # type: ignore[return-value]
            return miss(args, args[-1], lambda: function(*args))

        return measure

    return decorate


@paragraph_cache(maxsize=65536)
def word_count(text: str) -> int:
    """How many words ``text`` has; runs of Chinese/Japanese/Thai count a word per two
    characters. Counted without making the words, so a huge paragraph costs no memory.
    """
    encoded = single_byte(text)
    if encoded is not None:  # no spaceless script in one byte a character
        return count_marked_words(encoded, _WORD_MARKS)
    if _BEYOND_LATIN.search(text) is None:
        return _count(_LATIN_WORD, text)  # nor in Latin letters and punctuation
    found = _count(_WORD, text)
    spaceless = _count(_SPACELESS, text)
    if spaceless > len(text) * 0.3:
        return found + spaceless // 2
    return found


def _count(pattern: regex.Pattern[str] | re.Pattern[str], text: str) -> int:
    # Counted by substitution: no match objects, no word strings (a huge paragraph would
    # make millions), and several times faster than iterating the matches.
    return pattern.subn("", text)[1]


# Words shorter than this are left out of content_words: in the languages written with
# spaces, most are function words ("the", "und", "les").
_CONTENT_LETTERS = 4


def word_runs(encoded: bytes) -> list[str]:
    r"""What ``\w+`` finds in a text, given the text as :func:`single_byte` encodes it: its
    characters classed by one translation, the runs split off in C.
    """
    runs = encoded.translate(_WORD_CHARS)
    # Most runs are ASCII (a quote or dash was the text's only other character): decoded
    # without the code page's table, several times faster.
    return (runs.decode("ascii") if runs.isascii() else runs.decode(_SINGLE_BYTE)).split()


def content_words(text: str) -> set[str]:
    """The casefolded words of ``text`` that carry its topic: words of four letters or more,
    and in Chinese, Japanese or Thai runs every pair of neighbouring characters.
    """
    folded = text.casefold()
    encoded = single_byte(folded)
    if encoded is not None:
        return {
            w for w in word_runs(encoded) if len(w) >= _CONTENT_LETTERS and not w.isdecimal()
        }
    found = set()
    for token in _TOKEN.findall(folded):
        if _SPACELESS.search(token):
            found.update(token[i : i + 2] for i in range(len(token) - 1))
        elif len(token) >= _CONTENT_LETTERS and not token.isdecimal():
            found.add(token)
    return found


def ends_sentence(text: str) -> bool:
    """True if ``text`` ends like a sentence (terminal punctuation, maybe closing quotes)."""
    # What _SENTENCE_END finds, read from the end: past the closers and blanks that may
    # follow it, the last character must end a sentence (a search would try every full stop).
    body = text.rstrip(_CLOSERS)
    return bool(body) and body[-1] in _TERMINAL


def title_case_share(text: str) -> float:
    """Share of words starting with an uppercase letter (navigation and headlines score high)."""
    # The words as word_count reads them: the standard engine's patterns where they find the
    # same words (ASCII, Latin letters and general punctuation), faster.
    if text.isascii():
        words = _ASCII_WORD.findall(text)
    elif _BEYOND_LATIN.search(text) is None:
        words = _LATIN_WORD.findall(text)
    else:
        words = _WORD.findall(text)
    found = [w for w in words if w[0].isalpha()]
    if not found:
        return 0.0
    return sum(1 for w in found if w[0].isupper()) / len(found)


# A web address: a headline or standfirst never is one, nor holds one.
_URL = regex.compile(r"(?:https?://|www\.)\S+")
# What may end a headline or a standfirst that ends like a sentence: an exclamation or a
# trailing ellipsis (not a full stop: that ends a paragraph of prose), and a question in
# title case (a question in sentence case opens prose as often as it heads it).
_EXCLAIMS = ("!", "…", "！")
_ASKS = ("?", "？")


def heading_shaped(text: str) -> bool:
    """True if ``text`` has the shape of the headline or standfirst an article opens with:
    2-40 words, no URL, and no full stop at the end (an exclamation or an ellipsis may end
    it, and a question in title case, "Is It Over?").

    ``headline`` and ``standfirst`` both judge the opening line with it, so a line one of
    them leaves in the text is one the other leaves too: cleaning the clean text again takes
    nothing more out.
    """
    if not 2 <= word_count(text) <= 40 or _URL.search(text):
        return False
    if not ends_sentence(text):
        return True
    end = text.rstrip(_CLOSERS)
    return end.endswith(_EXCLAIMS) or (end.endswith(_ASKS) and title_case_share(text) >= 0.5)


def headline_like(text: str, min_words: int = 2, max_words: int = 40) -> bool:
    """True if ``text`` reads like a headline or standfirst: a few words, no sentence end."""
    return min_words <= word_count(text) <= max_words and not ends_sentence(text)
