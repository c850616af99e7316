"""Unicode repair with ftfy: mojibake, HTML entities, control characters."""

from __future__ import annotations

import ftfy
import regex

from newsclean.steps.base import TextFix

# Every blank but NBSP (U+00A0), which mojibake repair needs to see, and line breaks, which
# the paragraphs step owns (a block never holds one).
_OTHER_BLANKS = regex.compile(r"[^\S\n\r\u00a0]")

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
        """Run ftfy with :data:`FTFY_CONFIG`, blanks other than NBSP first made spaces.

        ftfy reads a space after a mojibake lead byte as a lost NBSP, so a tab or form feed
        that the whitespace step later turns into a space could change the repair on a second
        pass (found by fuzzing); NBSP itself is kept, as mojibake of à and the like needs it.
        """
        return ftfy.fix_text(_OTHER_BLANKS.sub(" ", text), FTFY_CONFIG)
