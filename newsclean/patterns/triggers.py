r"""Which cues of a phrase book can match in a text, found without running them.

A category's alternation of a few hundred cues costs a try of every cue at every word of a
text, and almost all of them fail on the first letter. So each cue is indexed by its
*openings*: the few case-folded characters (at most :data:`OPENING_CHARS`) that every match of
it starts with, read off the cue's parsed form (``donat\w*`` opens with ``donat``,
``(?:monthly|annual) gift`` with ``monthly`` or ``annual g``; ``\d+ comments`` with a run of
digits and then `` comme``). One scan of the folded text takes, at each place a cue may start
(not after a word character, ``@`` or ``/``: the cues' own boundary), the longest opening found
there (at a digit, the characters themselves); the cues with an opening that starts it are
the candidates. A cue whose opening cannot be read (it starts with ``\w``, or
uses syntax this reader does not know) is a candidate wherever a run of plain characters it
holds occurs (``\w+ says:``: `` says:``), or else always.

Two things make the candidates fewer: an opening that is a whole match (the cue ends there:
``us``, ``said``; marked with :data:`END`) counts only where no word character or ``@``
follows it, as the book's boundary wants (``us`` is no candidate in "use"), so the scan keeps
the character after an opening when it is one of those; and a cue whose matches all hold a
run of plain characters its openings do not imply (``(?:read|all) (?:\w+ )?comments?``:
`` comment``) is no candidate in a text without that run.

A cue that is not a candidate cannot match anywhere in the text, so an alternation of only
the candidates, in their order, finds exactly the matches of the whole one.

Case: the cues match case-insensitively; openings and text are compared after
:func:`fold` (``str.casefold``, with the Turkish ``ı`` and ``İ`` taken as ``i``). Tests check
over every cased character that two characters the ``regex`` module matches to each other
fold alike, and that its ``\d`` is ``str.isdecimal``, except for the characters the two
Unicode databases disagree on (:func:`unsure`): a cue holding one is always a candidate, and
a text holding one that could matter is matched with every cue.
"""

from __future__ import annotations

import array
import re
import sys
from collections.abc import Collection, Iterable, Mapping, Sequence
from functools import lru_cache
from itertools import chain
from typing import Any

import regex

# The standard library's regular-expression parser reads a cue's structure.
from newsclean.regex_syntax import sre_constants, sre_parse

# How many folded characters an opening holds at most.
OPENING_CHARS = 8
# A cue with more openings than this is always a candidate (a pile of character classes).
_MAX_OPENINGS = 64
# A character class range wider than this is not spelt out.
_MAX_RANGE = 256
# What comes before a place where a cue may start in folded text (the text's start aside).
# Every place the cues' own boundary (?<![\w@/]) allows is one (a test checks that no
# character \w leaves out folds to end in one of these); so are a few more (after a word
# character outside ASCII), which lets the standard engine, several times faster at this scan,
# do it. The finder consumes this character rather than looking behind: a pattern that opens
# with a class lets the engine skip to the next such character in C, where a look-behind has
# it enter its matcher at every position.
_BEFORE_START = r"[^a-zA-Z0-9_@/]"
# The cue syntax read here, where the `regex` module and the standard parser agree: literal
# characters, escaped punctuation, \w \d \s and their negations, groups, alternatives,
# repeats, and classes of plain characters and ranges, negated or not (no nested or POSIX
# classes; a negated class opens nothing, see _class_chars). Anything else makes the cue a
# candidate everywhere.
_KNOWN_SYNTAX = regex.compile(
    r"""(?:
        [^\\\[\](){}]
      | \\[wWdDsS]
      | \\[^\w\s]
      | \((?:\?:|(?!\?))
      | \)
      | \{\d+(?:,\d*)?\}
      | \[\^?(?:[^\\\[\]]|\\[^\w\s]|\\[wdsWDS])+\]
    )*""",
    regex.VERBOSE,
)
# A cue of ASCII letters, digits and spaces only: every character a literal.
_LITERAL_CUE = re.compile(r"[A-Za-z0-9 ]+")
# Openings of cues that start with \d begin with this mark: the mark alone stands for any
# decimal digit (what \d matches in the `regex` module); after \d+ it is followed by what comes
# after the run of digits (``\d+ comments`` opens with the mark and " comme"), which a window
# that starts with digits is compared with past its own run of digits.
DIGIT = "\x00"
# An opening that ends with this mark is a whole match: the cue ends there, and the phrase
# book lets no word character or @ follow (``us`` is no candidate in "use" or "usual").
# Only characters that cannot follow it in folded text are read as such (tests check that
# no other character folds to start with one).
END = "\x01"
_WORD_AFTER = frozenset("abcdefghijklmnopqrstuvwxyz0123456789_@")
# Keys seen (longest openings and windows at digits), with the cues they open; emptied when
# it grows past this.
_WINDOW_CACHE = 1 << 16


def fold(text: str) -> str:
    """``text`` as openings are compared: case-folded, with the Turkish dotless ``ı`` and
    dotted ``İ`` as ``i`` (the ``regex`` module matches ``I`` to ``ı`` and ``i`` to ``İ``,
    which ``str.casefold`` keeps apart).
    """
    if "\u0131" in text:
        text = text.replace("\u0131", "i")
    if "\u0130" in text:
        text = text.replace("\u0130", "i")
    return text.casefold()


# What has a case partner or is a decimal digit for the `regex` module.
_CASE_OR_DIGIT = r"[\p{Changes_When_Casemapped}\p{Changes_When_Casefolded}\d]"


@lru_cache(maxsize=1)
def _regex_case_or_digit() -> regex.Pattern[str]:
    return regex.compile(_CASE_OR_DIGIT)


def _python_knows(char: str) -> bool:
    """Whether this Python gives ``char`` a case mapping or a digit value."""
    return (
        char.isdecimal()
        or char.lower() != char
        or char.upper() != char
        or (char.casefold() != char)
    )


def unsure(char: str) -> bool:
    """Whether the ``regex`` module gives ``char`` a case partner or a digit value that this
    Python's ``unicodedata`` does not know: the two may follow different Unicode versions (a
    newer one adds letters, and gives some old ones a case partner), and :func:`fold` cannot
    be trusted on such a character.
    """
    return not _python_knows(char) and bool(_regex_case_or_digit().match(char))


@lru_cache(maxsize=1)
def case_or_digit_characters() -> str:
    """Every character with a case partner or a digit value for the ``regex`` module. Only
    the first two planes are looked at: the others hold no cased letters or digits (a test
    checks it).
    """
    codes = array.array("I", range(0xD800))
    codes.extend(range(0xE000, 0x20000))
    chars = codes.tobytes().decode(f"utf-32-{sys.byteorder[0]}e")
    return "".join(_regex_case_or_digit().findall(chars))


def unsure_characters() -> str:
    """Every character :func:`unsure` is true of."""
    return "".join(c for c in case_or_digit_characters() if not _python_knows(c))


def openings(fragment: str) -> frozenset[str] | None:
    """The folded strings (each at most :data:`OPENING_CHARS` characters) one of which every
    match of ``fragment`` starts with; ``None`` when they cannot be told.
    """
    return _openings_of(_parsed(fragment))


def inside(fragment: str) -> str | None:
    """The longest run of plain characters (folded) every match of ``fragment`` holds, if
    it has one of two characters or more and the cue's syntax can be read.
    """
    return _inside_of(_parsed(fragment))


def _parsed(fragment: str) -> list[Any] | None:
    """``fragment`` as the standard parser reads it, or ``None`` when its syntax is not one
    read here or it holds an unsure character. Parsed once per cue for both readings (the
    phrase book's index is built at every start: parsing is most of it).
    """
    if _LITERAL_CUE.fullmatch(fragment):
        # What the parser makes of it, without it: 506 of the 1,158 bundled cues.
        return [(sre_constants.LITERAL, ord(char)) for char in fragment]
    if not _KNOWN_SYNTAX.fullmatch(fragment):
        return None
    if not fragment.isascii() and any(unsure(char) for char in fragment):
        return None
    try:
        return list(sre_parse.parse(fragment))
    except Exception:  # the regex module accepts it; this parser need not
        return None


def _openings_of(parsed: list[Any] | None) -> frozenset[str] | None:
    """:func:`openings` of a parsed cue."""
    if parsed is None:
        return None
    found = _openings(parsed, OPENING_CHARS)
    if "" in found or END in found or len(found) > _MAX_OPENINGS:
        return None
    # A whole match that is also an opening of longer ones says nothing more.
    return frozenset(o for o in found if not (o.endswith(END) and o[:-1] in found))


def _inside_of(parsed: list[Any] | None) -> str | None:
    """:func:`inside` of a parsed cue."""
    if parsed is None:
        return None
    best, run = "", ""
    for op, av in parsed + [(None, None)]:
        if op is sre_constants.LITERAL:
            run += fold(chr(av))
            continue
        best = max(best, run, key=len)
        run = ""
    return best if len(best) >= 2 else None


def _openings(items: list[Any], room: int) -> set[str]:
    """Openings of the sequence ``items``, at most ``room`` characters; ``""`` in the result
    means some match may start with something not told.
    """
    if room <= 0:
        return {""}
    if not items:
        return {END}
    op, av = items[0]
    rest = items[1:]
    if room == OPENING_CHARS and _is_digit_run(op, av):
        # \d+ takes the whole run of digits where what follows cannot start with a digit.
        after = _openings(rest, OPENING_CHARS - 1)
        if "" in after or any(a[:1].isdecimal() or a[:1] == DIGIT for a in after):
            return {DIGIT}
        return {DIGIT + a for a in after}
    if op is sre_constants.LITERAL:
        return _after({chr(av)}, rest, room)
    if op is sre_constants.IN:
        if av == [(sre_constants.CATEGORY, sre_constants.CATEGORY_DIGIT)]:
            # Told only where a match starts (the whole room is left), not inside an opening.
            return {DIGIT} if room == OPENING_CHARS else {""}
        chars = _class_chars(av)
        return {""} if chars is None else _after(chars, rest, room)
    if op is sre_constants.BRANCH:
        return set().union(*(_openings(list(branch) + rest, room) for branch in av[1]))
    if op is sre_constants.SUBPATTERN:
        _group, add_flags, del_flags, inner = av
        if add_flags or del_flags:
            return {""}
        return _openings(list(inner) + rest, room)
    if op in (sre_constants.MAX_REPEAT, sre_constants.MIN_REPEAT):
        low, high, inner = av
        # After one repeat of ``inner`` comes ``rest`` only if it repeats at most once;
        # otherwise the opening stops there.
        once = list(inner) + rest if high == 1 else list(inner)
        if low == 0:
            return _openings(rest, room) | _openings(once, room)
        return _openings(once, room)
    return {""}


def _is_digit_run(op: Any, av: Any) -> bool:
    r"""Whether an item is ``\d+`` (any number of digits, at least one)."""
    return (
        op is sre_constants.MAX_REPEAT
        and av[0] >= 1
        and av[1] is sre_constants.MAXREPEAT
        and list(av[2])
        == [(sre_constants.IN, [(sre_constants.CATEGORY, sre_constants.CATEGORY_DIGIT)])]
    )


def _after(heads: set[str], rest: list[Any], room: int) -> set[str]:
    """Each of ``heads`` (one character) folded, followed by the openings of ``rest``."""
    out = set()
    for head in heads:
        folded = fold(head)
        if len(folded) >= room:
            out.add(folded[:room])
            continue
        out.update((folded + tail)[:room] for tail in _openings(rest, room - len(folded)))
    return out


def _class_chars(items: list[Any]) -> set[str] | None:
    r"""The characters a class matches, or ``None`` when it holds a category (``\w``) or is
    negated (``[^()]``).
    """
    chars: set[str] = set()
    for op, av in items:
        if op is sre_constants.LITERAL:
            chars.add(chr(av))
        elif op is sre_constants.RANGE and av[1] - av[0] < _MAX_RANGE:
            chars.update(chr(c) for c in range(av[0], av[1] + 1))
        else:
            return None
    return chars


class TriggerIndex:
    """The cues of several categories by their openings.

    ``categories[k]`` lists category ``k``'s cues in alternation order; results name cues by
    their position there.
    """

    def __init__(
        self, categories: Sequence[Sequence[str]], state: Mapping[str, Any] | None = None
    ) -> None:
        """Index ``categories``; ``state`` is what :meth:`state` gave for the same cues (kept
        in a cache, :func:`newsclean.patterns.load_phrasebook`), used instead of reading
        every cue again.
        """
        if state is None:
            state = _index_state(categories)
        self._by_opening: dict[str, list[int]] = state["by_opening"]
        # Openings that are whole matches (see END), without the mark.
        self._by_whole: dict[str, list[int]] = state["by_whole"]
        # Cues whose openings cannot be told but that hold a run of plain characters: a text
        # without that run (folded) cannot hold them.
        self._inside: list[tuple[str, int]] = [(run, code) for run, code in state["inside"]]
        # Cues with openings that also need a run of plain characters (see _index_state).
        self._needs: dict[int, str] = dict(state["needs"])
        always = [tuple(cues) for cues in state["always"]]
        self.always: tuple[tuple[int, ...], ...] = tuple(always)
        # Openings that start with digits, by each start of what follows the run of digits
        # ("", " ", " c", ... for " comme"): the cues whose opening a window that ends there
        # agrees with.
        self._after_digits: dict[str, list[int]] = {}
        for opening, codes in [*self._by_opening.items(), *self._by_whole.items()]:
            if opening.startswith(DIGIT):
                for end in range(len(opening)):
                    self._after_digits.setdefault(opening[1 : end + 1], []).extend(codes)
        self._always_codes = [_code(k, i) for k, cues in enumerate(always) for i in cues]
        self._need_codes = frozenset(self._needs)
        self._everything = {k: tuple(range(len(f))) for k, f in enumerate(categories) if f}
        self._windows: dict[str, tuple[int, ...]] = {}
        self._groups: dict[frozenset[int], dict[int, tuple[int, ...]]] = {}
        # The same, grouped, for matches at the start of a text (a few calls per paragraph).
        self._starts: dict[str, dict[int, tuple[int, ...]]] = {}
        self._start_groups: dict[str, dict[int, tuple[int, ...]]] = {}
        # The patterns of the finder and of the risky-character test, when the state had
        # them; each is compiled on first use.
        self._finder_source: str | None = state.get("finder")
        risky = state.get("risky")
        self._risky_sources: tuple[str, str] | None = (risky[0], risky[1]) if risky else None
        self._finder: re.Pattern[str] | None = None
        self._risky_span: re.Pattern[str] | None = None
        self._risky_chars: re.Pattern[str] | None = None
        self._state = state

    def prepare(self) -> None:
        """Build now what matching builds on first use (the finder of openings, the test for
        risky characters), e.g. before worker processes fork, so they inherit it.
        """
        self._compile_finder()
        self._compile_risky()

    def state(self) -> dict[str, Any]:
        """What the index was built from its cues, as JSON can hold it: given back to the
        constructor with the same cues, it makes the same index. Holds the patterns of the
        finder and of the risky-character test too (the latter reads the ``regex`` module's
        case table and this Python's Unicode database, so a cache of it is keyed by both).
        """
        if self._finder_source is None:
            self._finder_source = _finder_source(self._openings())
        if self._risky_sources is None:
            self._risky_sources = _risky_sources(self._openings())
        return {
            **self._state,
            "finder": self._finder_source,
            "risky": list(self._risky_sources),
        }

    def _compile_finder(self) -> re.Pattern[str]:
        if self._finder is None:
            if self._finder_source is None:
                self._finder_source = _finder_source(self._openings())
            self._finder = re.compile(self._finder_source, re.DOTALL)
        return self._finder

    def _compile_risky(self) -> tuple[re.Pattern[str], re.Pattern[str]]:
        if self._risky_span is None or self._risky_chars is None:
            if self._risky_sources is None:
                self._risky_sources = _risky_sources(self._openings())
            span, chars = self._risky_sources
            self._risky_span, self._risky_chars = re.compile(span), re.compile(chars)
        return self._risky_span, self._risky_chars

    def _openings(self) -> set[str]:
        """Every opening, whole matches without their mark."""
        return {*self._by_opening, *self._by_whole}

    def candidates(self, text: str) -> dict[int, tuple[int, ...]]:
        """Per category number, the cues (in order) that can match somewhere in ``text``;
        categories with none are left out.
        """
        finder = self._finder or self._compile_finder()
        if text.isascii():
            folded = text.lower()  # what fold gives on ASCII
        elif self._risky(text):
            return self._everything
        else:
            folded = fold(text)
        known = self._windows
        # The space stands for the text's start, where a cue may start too.
        keys = set(finder.findall(" " + folded))
        learn = self._learn
        hits = [found if (found := known.get(key)) is not None else learn(key) for key in keys]
        codes = set(chain.from_iterable(hits))
        for code in codes & self._need_codes:
            if self._needs[code] not in folded:
                codes.discard(code)
        for needed, code in self._inside:
            if needed in folded:
                codes.add(code)
        # Paragraphs share few sets of candidates (about one in ten is new): each is grouped
        # once.
        chosen = frozenset(codes)
        found = self._groups.get(chosen)
        if found is None:
            if len(self._groups) >= _WINDOW_CACHE:
                self._groups.clear()
            found = self._groups[chosen] = self._group(chosen)
        return found

    def candidates_at_start(self, text: str) -> dict[int, tuple[int, ...]]:
        """As :meth:`candidates`, for a match that must start at the beginning of ``text``."""
        window = fold(text[:OPENING_CHARS])[:OPENING_CHARS]
        if not window.isascii() and self._risky(text[:OPENING_CHARS]):
            return self._everything
        found = self._starts.get(window)
        if found is None:
            # The window's key, as the finder reads it (the longest opening there): windows
            # are many (a window per line start), keys few, and each is learnt once.
            key = self._compile_finder().match(" " + window)
            found = self._start_groups.get(key[1] if key else "")
            if found is None:
                hits: tuple[int, ...] | None = ()
                if key:
                    hits = self._windows.get(key[1])
                    if hits is None:
                        hits = self._learn(key[1])
                if len(self._start_groups) >= _WINDOW_CACHE:
                    self._start_groups.clear()
                found = self._group([*hits, *(c for _, c in self._inside)])
                self._start_groups[key[1] if key else ""] = found
            if len(self._starts) >= _WINDOW_CACHE:
                self._starts.clear()
            self._starts[window] = found
        return found

    def _risky(self, text: str) -> bool:
        """Whether ``text`` holds a character that could match a cue's character although
        the two fold apart (see :func:`unsure`); such a text is matched with every cue.

        Only the unsure characters that have a case partner among the characters of the
        openings count (and, when a cue opens with a digit, the digits), so with the bundled
        lists the test is one range check over the text.
        """
        span, chars = self._compile_risky()
        return bool(span.search(text)) and bool(chars.search(text))

    def _learn(self, window: str) -> tuple[int, ...]:
        """The cues one of whose openings starts ``window`` (folded characters at a place a
        cue may start, or the longest opening found there and the character after it),
        remembered. An opening that is a whole match counts only where the window ends
        after it (where the text does, or where a window was cut) or goes on with a
        character that may follow a match.
        """
        hits: list[int] = []
        whole = self._by_whole
        if window[:1].isdecimal():
            digits = 1
            while digits < len(window) and window[digits].isdecimal():
                digits += 1
            tail = window[digits:]
            # What follows the digits in an opening starts the tail, or the window ends inside
            # it (or inside the run): then both agree as far as the window goes. A window at
            # digits is cut at OPENING_CHARS or where the text ends: shorter, the text ends
            # with it, and no opening that goes on past it can match (a line that ends in a
            # number, "Sport 12", holds no "\d+ of \d+" or "\d+ min read").
            for end in range(len(tail) + 1):
                hits.extend(self._by_opening.get(DIGIT + tail[:end], ()))
                if end == len(tail) or tail[end] not in _WORD_AFTER:
                    hits.extend(whole.get(DIGIT + tail[:end], ()))
            if len(window) >= OPENING_CHARS:
                hits.extend(self._after_digits.get(tail, ()))
        for n in range(1, min(len(window), OPENING_CHARS) + 1):
            hits.extend(self._by_opening.get(window[:n], ()))
            if n == len(window) or window[n] not in _WORD_AFTER:
                hits.extend(whole.get(window[:n], ()))
        if len(self._windows) >= _WINDOW_CACHE:
            self._windows.clear()
        found = self._windows[window] = tuple(hits)
        return found

    def _group(self, codes: Iterable[int]) -> dict[int, tuple[int, ...]]:
        grouped: dict[int, list[int]] = {}
        for code in sorted({*codes, *self._always_codes}):
            grouped.setdefault(code >> 16, []).append(code & 0xFFFF)
        return {k: tuple(cues) for k, cues in grouped.items()}


def _risky_sources(by_opening: Collection[str]) -> tuple[str, str]:
    """The pattern of a single range that holds every character :meth:`TriggerIndex._risky`
    looks for (a quick first test), and of the class of those characters.
    """
    in_openings = set("".join(o.removeprefix(DIGIT) for o in by_opening))
    partners = case_or_digit_characters()
    risky = []
    for char in unsure_characters():
        if any(o.startswith(DIGIT) for o in by_opening) and regex.match(r"\d", char):
            risky.append(char)
            continue
        others = regex.findall(regex.escape(char), partners, flags=regex.IGNORECASE)
        if any(o != char and not unsure(o) and in_openings & set(fold(o)) for o in others):
            risky.append(char)
    if not risky:
        return r"(?!)", r"(?!)"
    ranges: list[list[int]] = []
    for code in sorted(map(ord, risky)):
        if ranges and ranges[-1][1] == code - 1:
            ranges[-1][1] = code
        else:
            ranges.append([code, code])
    body = "".join(
        re.escape(chr(a)) + ("" if a == b else "-" + re.escape(chr(b))) for a, b in ranges
    )
    span = f"[{re.escape(chr(ranges[0][0]))}-{re.escape(chr(ranges[-1][1]))}]"
    return span, f"[{body}]"


def _finder_source(by_opening: Collection[str]) -> str:
    """The pattern (compiled with ``re.DOTALL``) whose ``findall`` over a space and folded
    text gives, at each place where a cue may start and some opening does, the longest
    opening found there, and the character after it if a whole match cannot end before it (a
    word character or @); at a digit, when some cue opens with one, the window (the folded
    characters, at most :data:`OPENING_CHARS`) instead.

    The openings that start a window are the openings that start the longest of them, so it
    names them all, and a paragraph's few distinct ones are looked up (and learnt) once each
    rather than one window per place. The openings make a trie, so each place costs a few
    character tests, not one per cue.
    """
    ends = object()
    root: dict[Any, Any] = {}
    for opening in by_opening:
        if not opening.startswith(DIGIT):
            node = root
            for char in opening:
                node = node.setdefault(char, {})
            node[ends] = True
    # The character after the opening, when it is one a whole match cannot be followed by
    # (any other would only make more keys to learn: after the opening they all say the same).
    alternatives = [f"(?:{_trie(root, ends)})[a-z0-9_@]?"] if root else []
    if any(o.startswith(DIGIT) for o in by_opening):
        # First: at a digit the window is taken whatever openings of digits the trie holds.
        alternatives.insert(0, rf"\d.{{0,{OPENING_CHARS - 1}}}")
    if not alternatives:
        return r"(?!)"
    return rf"{_BEFORE_START}(?=({'|'.join(alternatives)}))"


def _trie(node: dict[Any, Any], ends: object) -> str:
    """The openings below ``node`` as a pattern that takes the longest one the text holds:
    after an opening that others extend, the rest is optional and greedy (at most one child
    can match, each being another character).
    """
    branches = [
        re.escape(char) + _trie(child, ends)
        for char, child in sorted(node.items(), key=lambda item: str(item[0]))
        if char is not ends
    ]
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else f"(?:{'|'.join(branches)})"
    return f"(?:{body})?" if ends in node else body


def _index_state(categories: Sequence[Sequence[str]]) -> dict[str, Any]:
    """What :class:`TriggerIndex` reads off its cues (``categories[k]``: category ``k``'s
    cues in order), as JSON can hold it: each opening's cues (by code, category and
    position), the cues found by a run they hold, those that also need one, and per category
    the cues that are candidates everywhere.
    """
    by_opening: dict[str, list[int]] = {}
    by_whole: dict[str, list[int]] = {}
    inside: list[tuple[str, int]] = []
    needs: dict[int, str] = {}
    always: list[list[int]] = []
    for k, fragments in enumerate(categories):
        everywhere = []
        for i, fragment in enumerate(fragments):
            parsed = _parsed(fragment)
            found = _openings_of(parsed)
            needed = _inside_of(parsed)
            if found is None:
                if needed:
                    inside.append((needed, _code(k, i)))
                else:
                    everywhere.append(i)
                continue
            if needed and not all(needed in o.removesuffix(END) for o in found):
                # A run every match holds that its openings do not imply: a text without
                # it cannot hold the cue ("(?:read|all) (?:\w+ )?comments?": " comment").
                needs[_code(k, i)] = needed
            for opening in found:
                if opening.endswith(END):
                    by_whole.setdefault(opening[:-1], []).append(_code(k, i))
                else:
                    by_opening.setdefault(opening, []).append(_code(k, i))
        always.append(everywhere)
    return {
        "by_opening": by_opening,
        "by_whole": by_whole,
        "inside": inside,
        "needs": sorted(needs.items()),
        "always": always,
    }


def _code(category: int, cue: int) -> int:
    if cue > 0xFFFF:  # pragma: no cover - a phrase list of 65,536 cues in one category
        raise ValueError("too many cues in one category")
    return category << 16 | cue
