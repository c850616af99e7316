"""Photo captions, photo credits and gallery controls, found by the shape of a credit.

A photo credit names who made a picture, in a few recognisable shapes:

* a *slash credit*: names joined by slashes, bars or ``via`` (``Jane Doe/Agency``,
  ``Agency//Getty Images``, ``Name via Agency``);
* a *labelled credit*: a credit label from the ``photo_credit`` phrase list, a colon or ``by``
  and a few names (``Photo: Jane Doe``, ``Image credit: Studio``, ``Photograph by Jane Doe``).

A line that is only a credit is removed; so is a caption, a line that *ends* with a credit
(after a sentence, or in brackets: ``Crowds at the fair. (Jane Doe/Agency)``). Gallery
controls (``N of M`` counters, ``hide caption``, ``enlarge this image``: the ``gallery``
phrase list) go too, and so do the slides of a gallery whose titles open with their counter
("3/12 The harbour": three or more of one count), and a line with a credit or a control on
both sides is the caption between them.
"""

from __future__ import annotations

from functools import cached_property, lru_cache

import regex

from newsclean.patterns import PhraseBook, load_phrasebook
from newsclean.steps.base import Draft, Step
from newsclean.steps.shape import REGEX_WHITESPACE, paragraph_cache, word_count

# Separators between the names of a slash credit ("Jane Doe / Agency | Agency"); "via" joins
# them too, a word the ``credit_joiner`` phrase list holds.
_SLASH = regex.compile(r"\s*(?:/{1,2}|\|)\s*")
_WORDS = regex.compile(r"[\p{L}\p{N}][\p{L}\p{N}\p{M}'’.&-]*")
_LONG_WORD = regex.compile(r"\p{L}{4}")
# Marks of figures and table cells, never in a credit.
_NOT_NAMES = regex.compile(r"[%°$€£()\[\]=+]")
# A bracketed clause at the very end of a line: where a caption puts its credit.
_BRACKETED_TAIL = regex.compile(r"[(\[]([^()\[\]]{2,120})[)\]][\s.]*$")
# A slide counter made of digits and a slash alone ("3 / 12"); worded ones are in the
# ``gallery`` phrase list.
_COUNTER = regex.compile(r"\s*\d{1,3}\s*/\s*\d{1,3}\s*[|]?\s*")
# A slide counter opening a slide's title or caption ("3/12 The harbour at dawn",
# "[3/12]The harbour ..."): the title opens with a capital, where a fraction opening a line
# of a recipe has a unit after it ("1/2 cup").
_SLIDE_OPENING = regex.compile(r"[\[(]?(\d{1,3})\s*/\s*(\d{1,3})[\])]?\s*(?=\p{Lu})")
# The fewest slides of one gallery that tell a gallery from a line or two that open with a
# fraction.
_GALLERY_SLIDES = 3
_SLIDE_STARTS = frozenset("0123456789[(")
# What ends a sentence for CreditShapes.after_sentence: its tail holds none of these.
_STOPS = ".!?…"
# Three words, found from the right: where an after_sentence match can start at the earliest.
_THREE_WORDS_BACK = regex.compile(r"(?r)\w+\W+\w+\W+\w+")
# The most names a credit holds, and the longest line read as a caption.
_CREDIT_WORDS = 12
_CAPTION_WORDS = 80


def _ends_with_bracket(text: str) -> bool:
    """Whether ``text`` ends with a closing bracket, but for spaces and full stops."""
    return text.rstrip().rstrip(".").rstrip()[-1:] in (")", "]")


def _name_like(word: str) -> bool:
    """A word of a name or an agency: a capital anywhere (``iStock``), or a digit."""
    return any(ch.isupper() or ch.isdigit() for ch in word)


def names(text: str, joiners: regex.Pattern[str]) -> bool:
    """Whether ``text`` is a short run of names: mostly capitalised words, the rest short
    joining words (``of``, ``for``, ``de``) or the joiners of the credit phrase list.
    """
    words = _WORDS.findall(joiners.sub(" ", text))
    if not 1 <= len(words) <= _CREDIT_WORDS:
        return False
    named = sum(1 for w in words if _name_like(w))
    small = sum(1 for w in words if not _name_like(w) and len(w) <= 3)
    return named >= 1 and named + small == len(words) and named * 3 >= len(words) * 2


@lru_cache(maxsize=8)
def _credit_patterns(book: PhraseBook) -> tuple[regex.Pattern[str], regex.Pattern[str]]:
    """The joiners and the labelled credit of ``book``, compiled when a line first needs them
    (0.01 s: a file without a credit line never does), once per book.
    """
    label = book.source("photo_credit")
    joiners = regex.compile(book.source("credit_joiner"), regex.I)
    # A label, then the names, to the end of the line. After a space inside a line the label
    # needs a colon ("... at dusk Credit: Jane Doe"); at the start of the line, of a bracket
    # or after a full stop a space will do ("(photo Agency/Name)").
    labelled = regex.compile(
        rf"(?:(?:^|(?<=[.(\[]))\s*(?:{label})(?:\s*:\s*|\s+)|(?<=\s)(?:{label})\s*:\s*)"
        r"(?P<names>[^:]+?)[\s.)\]]*$",
        regex.I,
    )
    return joiners, labelled


class CreditShapes:
    """The credit shapes of one phrase book (see the module docstring)."""

    def __init__(self, book: PhraseBook) -> None:
        self.book = book
        # The end of a sentence, and what follows it to the end of the line.
        # (three words at least: "5. Title Case Heading" is a numbered heading).
        self.after_sentence = regex.compile(
            r"\w+\W+\w+\W+\w+[.!?…”\"]+\s*(?P<tail>[^.!?…]{3,120}?)[\s.]*$"
        )

    @cached_property
    def joiners(self) -> regex.Pattern[str]:
        """The joining words of the ``credit_joiner`` list (``via``)."""
        return _credit_patterns(self.book)[0]

    @cached_property
    def labelled(self) -> regex.Pattern[str]:
        """A credit label, then the names, to the end of the line."""
        return _credit_patterns(self.book)[1]

    def slash_credit(self, text: str, *, alone: bool = True) -> bool:
        """``Jane Doe/Agency``: two or more runs of names joined by slashes, bars or a joiner
        word (``via``), with no colon (``Position: PF/C`` is a field, not a credit). A line
        that is ``alone`` (not the end of a caption) needs a full name or an agency in it.
        """
        text = text.strip().strip("()[]").strip()
        if ":" in text or word_count(text) > _CREDIT_WORDS:
            return False
        if _NOT_NAMES.search(text):
            return False
        parts = [p.strip() for p in _SLASH.split(self.joiners.sub(" / ", text)) if p.strip()]
        # Each part opens with a letter ("29 May | 3 June" is a pair of dates).
        if len(parts) < 2 or not all(p[0].isalpha() for p in parts):
            return False
        if not all(names(p, self.joiners) for p in parts):
            return False
        # A name has a word of four letters or more ("MP2 SP / MP3 SP" is a list of codes),
        # and one part is a full name or an agency ("Topics/Notes" is a heading).
        return bool(_LONG_WORD.search(text)) and (
            not alone
            or any(len(_WORDS.findall(p)) >= 2 for p in parts)
            or self.book.count("caption", text) > 0
        )

    def labelled_credit(self, text: str) -> regex.Match[str] | None:
        """``Photo: Jane Doe`` or ``Photograph by Jane Doe``, ending the line."""
        # The label is one of the phrase list's cues, which the book finds far faster than
        # the whole pattern is tried at every position of the line: none starts before the
        # first cue found, and a match starts at most the blanks before its label earlier.
        labels = self.book.find("photo_credit", text)
        if not labels:
            return None
        before = text[: labels[0].start()]
        found = self.labelled.search(text, len(before.rstrip(REGEX_WHITESPACE)))
        if found and names(found.group("names"), self.joiners):
            return found
        return None

    def is_credit(self, text: str) -> bool:
        """Whether the whole of ``text`` is a photo credit."""
        if word_count(text) > _CREDIT_WORDS:
            return False
        bare = text.strip().strip("()[]").strip()
        found = self.labelled_credit(bare)
        return self.slash_credit(bare) or (found is not None and found.start() == 0)

    def ends_with_credit(self, text: str) -> bool:
        """Whether ``text`` is a caption: words, then a credit in brackets, after a label, or
        after the sentence they make.
        """
        if word_count(text) > _CAPTION_WORDS:
            return False
        text = self.without_control(text)
        bracketed = _BRACKETED_TAIL.search(text) if _ends_with_bracket(text) else None
        if bracketed and bracketed.start() > 0:
            inner = bracketed.group(1)
            if self.slash_credit(inner, alone=False) or self.is_credit(inner):
                return True
        labelled = self.labelled_credit(text)
        if labelled and labelled.start() > 0:
            return True
        # A slash credit has a slash, a bar or a joiner word in it.
        if "/" not in text and "|" not in text and not self.book.find("credit_joiner", text):
            return False
        after = self.sentence_tail(text)
        return bool(after) and self.slash_credit(after.group("tail"), alone=False)

    def sentence_tail(self, text: str) -> regex.Match[str] | None:
        """``after_sentence.search(text)``, searched from where a match can start at the
        earliest rather than from every place of the line (a search there costs a try of the
        three words at each word, and of the tail at each sentence end).

        A match's tail runs to the end of the line but for spaces and full stops, and holds no
        mark of :data:`_STOPS`: so the run of marks before it (these and closing quotes) ends at or
        after the last such mark of the line, and the three words end where that run starts,
        with no word between it and that mark. No match starts before the third word back
        from the mark (when there are three).
        """
        body = text.rstrip(REGEX_WHITESPACE + ".")
        last = max(body.rfind(stop) for stop in _STOPS)
        if last < 0:
            # The run of marks may then be closing quotes alone, anywhere.
            return self.after_sentence.search(text)
        words = _THREE_WORDS_BACK.search(text, 0, last)
        return self.after_sentence.search(text, words.start() if words else 0)

    def without_control(self, text: str) -> str:
        """``text`` without the gallery control that ends it (``... Jane Doe/Agency hide
        caption``: a caption with its control glued on).
        """
        text = text.rstrip()
        ends = [m for m in self.book.find("gallery", text) if m.end() == len(text)]
        if ends and ends[0].start() > 0:
            return text[: ends[0].start()].rstrip()
        return text

    def is_control(self, text: str) -> bool:
        """Whether ``text`` is a gallery control or a slide counter and little else."""
        if _COUNTER.fullmatch(text):
            return True
        if word_count(text) > 8:
            return False
        counts, covered = self.book.scan(("gallery",), text)
        return counts["gallery"] > 0 and covered >= 0.6 * len(text.strip(" |·•›»"))


_CONTROL = "gallery control or slide counter"
_SLIDE = "gallery slide (a slide counter opens it)"
_CREDIT = "photo credit"


# What every shape but a bare slide counter needs: a cue of one of these, or a slash or a bar.
_CREDIT_CUES = ("gallery", "photo_credit", "credit_joiner")


@paragraph_cache(maxsize=8192)
def _kind(shapes: CreditShapes, text: str) -> str | None:
    if (
        "/" not in text
        and "|" not in text
        and word_count(text) <= _CAPTION_WORDS
        and not shapes.book.may_hold(_CREDIT_CUES, text)
    ):
        # A control is a gallery cue or a counter (with its slash); a credit has a label
        # (photo_credit) or names joined by a slash, a bar or a joiner word; a caption ends
        # with a credit or has a control cut off its end; each part read is a part of the
        # line that starts where a cue may start, so the line's cues are all they can hold.
        # (A longer line is told apart by its length below, without a cue search.)
        return None
    if shapes.is_control(text):
        return _CONTROL
    if shapes.is_credit(text):
        return _CREDIT
    if shapes.ends_with_credit(text):
        return "photo caption (ends with a credit)"
    return None


def _gallery_slides(texts: list[str]) -> list[int]:
    """The lines that open with the counter of a gallery's slide (``3/12 The harbour``): those
    of a gallery that numbers three slides or more (the same count of slides, each slide its
    own number, none past the count).
    """
    galleries: dict[int, dict[int, list[int]]] = {}
    for i, text in enumerate(texts):
        # A digit or a bracket first: few lines open with one (the text has no leading blank).
        if not text or text[0] not in _SLIDE_STARTS:
            continue
        opening = _SLIDE_OPENING.match(text)
        if opening:
            slide, slides = int(opening.group(1)), int(opening.group(2))
            if 1 <= slide <= slides:
                galleries.setdefault(slides, {}).setdefault(slide, []).append(i)
    return sorted(
        i
        for numbered in galleries.values()
        if len(numbered) >= _GALLERY_SLIDES
        for lines in numbered.values()
        for i in lines
    )


class Captions(Step):
    """Remove photo captions and credits and gallery controls: credit lines
    (``Jane Doe/Agency``, ``Photo: Jane Doe``), captions that end with a credit, slide
    counters (``3 of 12``) and caption controls (``hide caption``), a gallery's slides opened
    by their counters (``3/12 The harbour``, three slides or more), and a line with one of
    those on either side (the caption between a picture's credit and its control).
    """

    name = "captions"

    def __init__(self, phrasebook: PhraseBook | None = None) -> None:
        self.shapes = CreditShapes(phrasebook or load_phrasebook())

    @classmethod
    def before_fork(cls) -> None:
        """Compile the bundled book's credit patterns, which every worker would compile."""
        _credit_patterns(load_phrasebook())

    def __call__(self, draft: Draft) -> list[Draft]:
        """Mark every caption, credit and control, then the lines they enclose."""
        blocks = draft.kept
        reasons = [_kind(self.shapes, b.text) for b in blocks]
        for i in _gallery_slides([b.text for b in blocks]):
            reasons[i] = reasons[i] or _SLIDE
        # A bare credit or control on both sides: a caption with its own credit is a picture
        # of its own, and the paragraph after it may be prose.
        bare = [reason in (_CONTROL, _CREDIT) for reason in reasons]
        enclosed = [
            i
            for i in range(1, len(blocks) - 1)
            if not reasons[i]
            and bare[i - 1]
            and bare[i + 1]
            and word_count(blocks[i].text) <= _CAPTION_WORDS // 2
        ]
        for i in enclosed:
            reasons[i] = "photo caption (between a credit and a control)"
        for block, reason in zip(blocks, reasons):
            if reason:
                draft.remove(block, self.name, reason)
        return [draft]


__all__ = ["Captions", "CreditShapes", "names"]
