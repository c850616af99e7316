"""Unicode repair with ftfy: mojibake, HTML entities, control characters."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import ftfy
import regex
from ftfy.badness import BADNESS_RE, is_bad
from ftfy.chardata import CONTROL_CHARS

from newsclean.steps.base import TextFix
from newsclean.steps.shape import paragraph_cache
from newsclean.steps.whitespace import normalise_whitespace

# Every blank but NBSP (U+00A0), which mojibake repair needs to see, and line breaks, which
# the paragraphs step owns (a block never holds one); plain spaces need no replacing.
_OTHER_BLANKS = regex.compile(r"[^\S\n\r\u00a0 ]")
# The characters it matches, for a quick look first (a test checks the list).
_OTHER_BLANK_CHARS = re.compile(
    "[\t\x0b\x0c\x85\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]"
)
# ftfy is nearly idempotent; a repair can expose another (found by fuzzing), so it runs to a
# fixed point, with a bound because nothing proves it converges.
_MAX_ROUNDS = 4

# Explicit so an ftfy upgrade cannot change our output silently. Quotes, ligatures and
# full-width characters are the author's, so they stay; line breaks are handled by `paragraphs`.
FTFY_CONFIG = ftfy.TextFixerConfig(
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


# The characters one of ftfy's fixes other than mojibake repair and NFC acts on: "&" (HTML
# entities), ESC (terminal escapes), C1 controls, lone surrogates, the control characters it
# removes. A line break too: ftfy fixes each line on its own, which the test below does not
# follow.
_FTFY_ACTS_ON = re.compile(
    "[&\n\x1b\x80-\x9f\ud800-\udfff"
    + "".join(re.escape(chr(c)) for c in sorted(CONTROL_CHARS))
    + "]"
)


def ftfy_fix(text: str) -> str:
    """``ftfy.fix_text(text, FTFY_CONFIG)``, without running ftfy where it would change nothing.

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
    return ftfy.fix_text(text, FTFY_CONFIG)


def _may_be_mojibake(text: str) -> bool:
    """``ftfy.badness.is_bad(text)``, told at once for most text: its detector is slow (tens of
    microseconds a paragraph), but each of its patterns needs one of a few hundred characters
    (:func:`_mojibake_characters`), and a paragraph of English with curly quotes has none.
    """
    needed = _mojibake_characters()
    return (needed is None or needed.search(text) is not None) and is_bad(text)


@lru_cache(maxsize=1)
def _mojibake_characters() -> re.Pattern[str] | None:
    """A class of characters one of which every match of ftfy's mojibake detector holds (read
    off its pattern: from each alternative, a character class it must match, the smallest
    one clear of ASCII and of the quotes and dashes of ordinary prose); ``None`` if some
    alternative has no such class.
    """
    # The standard parser, as ftfy's pattern is for `re`.
    from ftfy.badness import MOJIBAKE_CATEGORIES

    from newsclean.regex_syntax import sre_constants as _constants
    from newsclean.regex_syntax import sre_parse as _parser

    prose = {
        c for name in ("common", "start_punctuation", "end_punctuation")
        for c in MOJIBAKE_CATEGORIES.get(name, "")
    }
    parsed = list(_parser.parse(BADNESS_RE.pattern, BADNESS_RE.flags))
    if len(parsed) != 1 or parsed[0][0] is not _constants.BRANCH:
        return None
    needed: set[str] = set()
    for alternative in parsed[0][1][1]:
        classes = [c for c in (_chars(op, av) for op, av in alternative) if c]
        if not classes:
            return None
        clear = [c for c in classes if not c & prose and not any(ch.isascii() for ch in c)]
        needed |= min(clear or classes, key=len)
    return re.compile("[" + "".join(re.escape(c) for c in sorted(needed)) + "]")


def _chars(op: object, av: object) -> set[str] | None:
    """The characters one mandatory item of a parsed pattern matches (``None``: not a plain
    character or class).
    """
    from newsclean.regex_syntax import sre_constants as _constants

    if op is _constants.LITERAL:
        return {chr(av)}  # type: ignore[arg-type]
    if op is not _constants.IN:
        return None
    chars: set[str] = set()
    for kind, value in av:  # type: ignore[attr-defined]
        if kind is _constants.LITERAL:
            chars.add(chr(value))
        elif kind is _constants.RANGE:
            chars.update(chr(c) for c in range(value[0], value[1] + 1))
        else:
            return None
    return chars


class UnicodeRepair(TextFix):
    """Repair mojibake (UTF-8 read as Windows-1252 and the like, e.g. ``â€™`` -> ``’``),
    HTML entities, terminal escapes and control characters; normalise to NFC.

    Rewrites text, removes nothing.
    """

    name = "unicode"

    def fix(self, text: str) -> str:
        r"""Run ftfy with :data:`FTFY_CONFIG`, then again on the text as the whitespace step
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


@paragraph_cache(maxsize=8192)
def _repair(text: str) -> str:
    """:meth:`UnicodeRepair.fix` past its shortcut, remembered: the settling rounds ask again
    about the paragraphs the first pass repaired (or found clean).
    """
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
