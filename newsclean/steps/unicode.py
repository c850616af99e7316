"""Unicode repair with ftfy: mojibake, HTML entities, control characters."""

from __future__ import annotations

import ftfy
import regex

from newsclean.steps.base import TextFix
from newsclean.steps.whitespace import normalise_whitespace

# Every blank but NBSP (U+00A0), which mojibake repair needs to see, and line breaks, which
# the paragraphs step owns (a block never holds one); plain spaces need no replacing.
_OTHER_BLANKS = regex.compile(r"[^\S\n\r\u00a0 ]")
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
        fixed = ftfy.fix_text(_OTHER_BLANKS.sub(" ", text), FTFY_CONFIG)
        if fixed == text and normalise_whitespace(text) == text:
            return text  # settled already: the round below would repair the same text again
        text = fixed
        for _ in range(_MAX_ROUNDS):
            settled = normalise_whitespace(text)
            again = ftfy.fix_text(settled, FTFY_CONFIG)
            if again == settled:
                break
            text = again
        return text
