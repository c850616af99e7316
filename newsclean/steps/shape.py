"""Line-shape measures shared by the content steps: word counts, sentence ends, title case."""

from __future__ import annotations

from functools import lru_cache

import regex

_WORD = regex.compile(r"[\p{L}\p{N}][\p{L}\p{N}\p{M}'’._-]*")
# A sentence ends in . ! ? … (or their CJK forms), possibly followed by closing quotes/brackets.
_SENTENCE_END = regex.compile(r"[.!?…。！？](?:[\"'”’»)\]]|\s)*$")
# Scripts written without spaces between words: count characters, not words.
_SPACELESS = regex.compile(r"[\p{Han}\p{Hiragana}\p{Katakana}\p{Thai}]")


@lru_cache(maxsize=65536)
def words(text: str) -> tuple[str, ...]:
    """The words of ``text``; runs of Chinese/Japanese/Thai count one word per two characters.

    Cached: several steps measure the same paragraph, and the pipeline's settling rounds see
    it again.
    """
    found = tuple(_WORD.findall(text))
    spaceless = len(_SPACELESS.findall(text))
    if spaceless > len(text) * 0.3:
        return found + ("",) * (spaceless // 2)
    return found


def ends_sentence(text: str) -> bool:
    """True if ``text`` ends like a sentence (terminal punctuation, maybe closing quotes)."""
    return bool(_SENTENCE_END.search(text))


def title_case_share(text: str) -> float:
    """Share of words starting with an uppercase letter (navigation and headlines score high)."""
    found = [w for w in _WORD.findall(text) if w[0].isalpha()]
    if not found:
        return 0.0
    return sum(1 for w in found if w[0].isupper()) / len(found)


def headline_like(text: str, min_words: int = 2, max_words: int = 40) -> bool:
    """True if ``text`` reads like a headline or standfirst: a few words, no sentence end."""
    return min_words <= len(words(text)) <= max_words and not ends_sentence(text)
