"""Unicode repair with ftfy: mojibake, HTML entities, control characters."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import TYPE_CHECKING

import regex

from newsclean.regex_syntax import sre_parse
from newsclean.steps.base import TextFix
from newsclean.steps.shape import paragraph_cache
from newsclean.steps.whitespace import normalise_whitespace

# ftfy is imported when a paragraph first needs it (about 0.05 s of CPU): most documents are
# ASCII, or prose whose quotes and dashes no fix of ftfy acts on, and `newsclean check` of such
# a file does not load it.
if TYPE_CHECKING:
    import ftfy

# Every blank but NBSP (U+00A0), which mojibake repair needs to see, and line breaks, which
# the paragraphs step owns (a block never holds one); plain spaces need no replacing.
_OTHER_BLANKS = regex.compile(r"[^\S\n\r\u00a0 ]")
# The characters it matches, for a quick look first (a test checks the list).
_OTHER_BLANK_CHARS = re.compile("[\t\x0b\x0c\x85\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]")
# ftfy is nearly idempotent; a repair can expose another (found by fuzzing), so it runs to a
# fixed point, with a bound because nothing proves it converges.
_MAX_ROUNDS = 4


@lru_cache(maxsize=1)
def ftfy_config() -> ftfy.TextFixerConfig:
    """The ftfy options newsclean runs with (ftfy is imported here, on first use).

    Explicit so an ftfy upgrade cannot change our output silently. Quotes, ligatures and
    full-width characters are the author's, so they stay; line breaks are handled by
    `paragraphs`.
    """
    import ftfy

    return ftfy.TextFixerConfig(
        unescape_html=True,
        remove_terminal_escapes=True,
        fix_encoding=True,
        restore_byte_a0=True,
        replace_lossy_sequences=True,
        decode_inconsistent_utf8=True,
        fix_c1_controls=True,
        fix_latin_ligatures=False,
        fix_character_width=False,
        uncurl_quotes=False,
        fix_line_breaks=False,
        fix_surrogates=True,
        remove_control_chars=True,
        normalization="NFC",
        max_decode_length=1_000_000,
        explain=False,
    )


# The control characters ftfy removes (``ftfy.chardata.CONTROL_CHARS``; a test checks the
# list against it, so that this module need not import ftfy to know them).
_CONTROL_CHARS = r"\x00-\x08\x0b\x0e-\x1f\x7f\u206a-\u206f\ufeff\ufff9-\ufffc"
# The characters one of ftfy's fixes other than mojibake repair and NFC acts on: "&" (HTML
# entities), ESC (terminal escapes), C1 controls, lone surrogates, the control characters it
# removes. A line break too: ftfy fixes each line on its own, which the test below does not
# follow.
_FTFY_ACTS_ON_SET = r"&\n\x1b\x80-\x9f\ud800-\udfff" + _CONTROL_CHARS
_FTFY_ACTS_ON = re.compile(f"[{_FTFY_ACTS_ON_SET}]")
# A class of characters one of which every match of ftfy's mojibake detector
# (``ftfy.badness.BADNESS_RE``) holds: from each of its alternatives, the smallest character
# class it must match that is clear of ASCII and of the quotes and dashes of ordinary prose
# (271 characters; a test reads them off ftfy's pattern again and compares).
_MOJIBAKE_SET = (
    r"\x80-\x9f\xa2-\xa8\xaa\xac\xaf-\xb3\xb5\xb6\xb8-\xba\xbc-\xbe\xc0-\xdd\xdf-\xfc"
    r"\u0100-\u0107\u010c-\u0113\u0116-\u011b\u011e\u011f\u0122\u0123\u012a\u012b\u012f\u0130"
    r"\u0136\u0137\u0139-\u013e\u0141-\u0143\u0145\u0147\u014c\u0150\u0152\u0153\u0155\u0158"
    r"\u015a\u015b\u015e-\u0162\u0164\u0165\u016a\u016e\u0170\u0172\u0178-\u017e\u0192\u02c6"
    r"\u02c7\u02d8\u02db\u02dc\u0392\u0393\u039e\u039f\u03b2\u0412\u0413\u0420\u0421\u0432"
    r"\u0490\u0491\u2020\u2021\u2030\u2044\u20a7\u20ac\u2116\u2202\u2206\u220f\u2211\u221a"
    r"\u221e\u2229\u222b\u2248\u2260\u2261\u2264\u2265\u2310\u2502\u250c\u2510\u2518\u251c"
    r"\u2524\u252c\u253c\u2550-\u256c\u2580\u2584\u2588\u258c\u2590-\u2593\u25ca\ufb01\ufb02"
    r"\ufffd"
)
_MOJIBAKE_CHARS = re.compile(f"[{_MOJIBAKE_SET}]")
# Every character one of ftfy's fixes acts on or its mojibake detector needs, in one class:
# see _nothing_to_repair.
_ANY_FIX = re.compile(f"[{_FTFY_ACTS_ON_SET}{_MOJIBAKE_SET}]")


def ftfy_fix(text: str) -> str:
    """``ftfy.fix_text(text, ftfy_config())``, without running ftfy where it would change nothing.

    Most paragraphs are clean, and ftfy costs about as much on a clean one as on a broken
    one. On one line it changes nothing when, fix by fix: there is no ``&`` for HTML
    unescaping; the text is ASCII or its mojibake detector (``ftfy.badness.is_bad``) finds
    nothing, so the encoding fix leaves it; there is no C1 control, surrogate, terminal
    escape or control character it removes; and the text is NFC already.
    """
    if _FTFY_ACTS_ON.search(text) is None and (
        text.isascii() or (not _may_be_mojibake(text) and unicodedata.is_normalized("NFC", text))
    ):
        return text
    import ftfy

    return ftfy.fix_text(text, ftfy_config())


def _may_be_mojibake(text: str) -> bool:
    """``ftfy.badness.is_bad(text)``, told at once for most text: its detector is slow (tens of
    microseconds a paragraph), but each of its patterns needs one of a few hundred characters
    (:data:`_MOJIBAKE_CHARS`), and a paragraph of English with curly quotes has none.

    Nor does a match reach further than the detector's longest match from one of those
    characters, so only those stretches are searched: a paragraph with an accented letter or
    two (most that have any) costs a few microseconds rather than a search of all of it.
    """
    places = [found.start() for found in _MOJIBAKE_CHARS.finditer(text)]
    if not places:
        return False
    detector, longest = _mojibake_detector()
    stretches: list[list[int]] = []
    for place in places:
        start, end = max(0, place - longest + 1), place + longest
        if stretches and start <= stretches[-1][1]:
            stretches[-1][1] = end
        else:
            stretches.append([start, end])
    # A search from a position inside the text still reads "^" as the text's start only.
    return any(detector.search(text, start, end) for start, end in stretches)


@lru_cache(maxsize=1)
def _mojibake_detector() -> tuple[re.Pattern[str], int]:
    """The mojibake detector of ftfy (what ``ftfy.badness.is_bad`` searches for) and the
    length of its longest match.
    """
    from ftfy.badness import BADNESS_RE

    return BADNESS_RE, sre_parse.parse(BADNESS_RE.pattern, BADNESS_RE.flags).getwidth()[1]


class UnicodeRepair(TextFix):
    """Repair mojibake (UTF-8 read as Windows-1252 and the like, e.g. ``â€™`` -> ``’``),
    HTML entities, terminal escapes and control characters; normalise to NFC.

    Rewrites text, removes nothing.
    """

    name = "unicode"

    @classmethod
    def before_fork(cls) -> None:
        """Import ftfy, which every worker would otherwise import again on first use."""
        ftfy_config()

    def fix(self, text: str) -> str:
        r"""Run ftfy with :func:`ftfy_config`, then again on the text as the whitespace step
        will leave it, until that form no longer changes.

        ftfy reads its input in context: a space after a mojibake lead byte may be a lost NBSP,
        and a soft hyphen may be a byte of mojibake (``Ð\xad`` is Э) or hide a sequence. So
        the first round sees the characters as the scrape has them (only blanks other than
        NBSP made spaces), and each further round sees what cleaning the clean text again
        would see. Without that, a second cleaning could repair more (found by fuzzing).
        """
        if text.isascii() and text.isprintable() and "&" not in text:
            return text  # nothing ftfy or the blank handling below would change
        return _repair(text)


def _nothing_to_repair(text: str) -> bool:
    """Whether :func:`_repair` gives ``text`` back as it is, told by one search (most prose
    with curly quotes and dashes): no character a fix of ftfy acts on or its mojibake
    detector needs, NFC, and whitespace as normalising leaves it (so no other blanks).
    """
    return (
        _ANY_FIX.search(text) is None
        and unicodedata.is_normalized("NFC", text)
        and normalise_whitespace(text) == text
    )


@paragraph_cache(maxsize=8192)
def _repair(text: str) -> str:
    """:meth:`UnicodeRepair.fix` past its shortcut, remembered: the settling rounds ask again
    about the paragraphs the first pass repaired (or found clean).
    """
    if _nothing_to_repair(text):
        return text
    blanked = _OTHER_BLANKS.sub(" ", text) if _OTHER_BLANK_CHARS.search(text) else text
    fixed = ftfy_fix(blanked)
    if fixed == text and normalise_whitespace(text) == text:
        return text  # settled already: the round below would repair the same text again
    text = fixed
    for _ in range(_MAX_ROUNDS):
        settled = normalise_whitespace(text)
        again = ftfy_fix(settled)
        if again == settled:
            break
        text = again
    return text
