"""Whitespace normalisation inside a paragraph."""

from __future__ import annotations

import re

import regex

from newsclean.steps.base import TextFix
from newsclean.steps.shape import paragraph_cache

# Zero-width and invisible formatting characters that scrapers leave behind (BOM, ZWSP, soft
# hyphen, word joiner). ZWJ/ZWNJ stay: they change how Indic and emoji text renders.
_INVISIBLE = regex.compile(r"[\ufeff\u200b\u00ad\u2060\u180e]")
# Any run of Unicode blanks (tabs, NBSP, thin spaces, ideographic space, line breaks left inside a
# block) becomes one space. A lone plain space is left unmatched: it is what it would become,
# and matching every space made a huge paragraph cost a string object per word.
_BLANKS = regex.compile(r"[\s\p{Zs}]{2,}|(?! )[\s\p{Zs}]")
# What either pattern acts on but a run of two spaces: the invisible characters and every
# blank but the space (\s and \p{Zs} as the `regex` module has them; a test checks the list).
BLANKS_BUT_SPACE = (
    "\t\n\x0b\x0c\r\x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007"
    "\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)
_NOT_PLAIN = re.compile(f"[{BLANKS_BUT_SPACE}\ufeff\u200b\u00ad\u2060\u180e]")


def normalise_whitespace(text: str) -> str:
    """Collapse blanks to single spaces, drop invisible characters, strip the ends."""
    if text.isascii() and text.isprintable() and "  " not in text and text.strip(" ") == text:
        # Printable ASCII has no blank but the space and nothing invisible: already normal.
        return text
    return _normalise(text)


@paragraph_cache(maxsize=8192)
def _normalise(text: str) -> str:
    # Remembered: the unicode step and this one ask about the same paragraphs, and the
    # settling rounds ask again.
    if _NOT_PLAIN.search(text) is None and "  " not in text:
        return text.strip()  # nothing invisible, and every blank a single space
    return _BLANKS.sub(" ", _INVISIBLE.sub("", text)).strip()


class Whitespace(TextFix):
    """Normalise whitespace: tabs, NBSP and other Unicode spaces, stray CR/LF inside a paragraph,
    runs of spaces, leading and trailing blanks; drop zero-width characters and BOMs.

    Rewrites text, removes nothing but invisible characters.
    """

    name = "whitespace"

    def fix(self, text: str) -> str:
        """Collapse blanks to single spaces and strip the paragraph."""
        return normalise_whitespace(text)
