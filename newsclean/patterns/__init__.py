r"""Phrase lists: the cue vocabulary steps weigh, kept as data (one TOML file per language).

A phrase list file looks like::

    language = "nl"
    [cues]
    appeal = ["doneer\\w*", "steun ons"]
    call_to_action = ["lees meer"]
    [dates]
    months = ["jan(?:uari)?", "feb(?:ruari)?", "maart|mrt", ...]   # twelve, January first

Each entry is a ``regex`` fragment matched case-insensitively between word boundaries. The
categories are listed in :data:`CATEGORIES`; a user file may fill any subset of them and is
merged with the bundled lists (see :func:`load_phrasebook`).
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
import weakref
from collections.abc import Iterable, Iterator, Mapping, Sequence
from functools import cached_property, lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import regex

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10: the same parser, from PyPI
    import tomli as tomllib  # type: ignore[no-redef]

from newsclean import cache_file
from newsclean.patterns import triggers

CATEGORIES: tuple[str, ...] = (
    "appeal",
    "call_to_action",
    "salutation",
    "newsletter",
    "cookie",
    "share",
    "advert",
    "reading",
    "caption",
    "copyright",
    "related",
    "teaser_label",
    "credit",
    "photo_credit",
    "credit_joiner",
    "gallery",
    "comments",
    "section_end",
    "address",
    "attribution",
    "date_label",
    "date_published",
    "date_updated",
    "weekday",
    "byline",
    "author_role",
    "bio_verb",
)

# Months in a year: a phrase list's optional ``[dates] months`` holds one fragment per month.
MONTHS = 12
# The layout of the phrase book's cache file (see _cached_book); what the index reads off the
# cues is covered by a hash of the code that reads it.
_CACHE_FORMAT = 1


class PhraseListError(ValueError):
    """A phrase list file that cannot be used; the message names the file and the entry."""


# Every cue is matched between these, as the docstring above says.
_BEFORE, _AFTER = r"(?<![\w@/])", r"(?![\w@])"
# The candidates of recent texts are remembered while the texts held (each counted as its
# characters plus _RECENT_ENTRY for its entry and string header, about its bytes for ASCII)
# stay within _RECENT_SIZE: several steps ask about each paragraph in turn, one step over
# all of a document's paragraphs before the next, so a document of many short lines (a
# navigation dump: 20,000 lines, 300,000 characters) needs all of its lines remembered, where
# a bound on their number small enough for long paragraphs would empty it every few hundred.
# A text longer than _RECENT_CHARS (a file with no line breaks is one huge "paragraph") is
# not kept alive for this.
_RECENT_SIZE, _RECENT_ENTRY, _RECENT_CHARS = 4 * 2**20, 100, 20_000
# Past this length (a file with no line breaks) a text is matched with each category's whole
# alternation, one match at a time: merging every candidate cue's matches would hold them all.
_WHOLE_CHARS = 100_000
_BACK_REFERENCE = regex.compile(r"\\[1-9]|\\g<|\(\?P[=>]|\(\?&|\(\?R\)|\(\?[0-9+-]")


def _alternation(fragments: Sequence[str]) -> str:
    """The pattern of a category: its cues as one alternation, tried in the order given."""
    if not fragments:
        return r"(?!)"
    body = "|".join(f"(?:{f})" for f in fragments)
    return rf"{_BEFORE}(?:{body}){_AFTER}"


@lru_cache(maxsize=4096)
def _compiled(fragments: tuple[str, ...]) -> regex.Pattern[str]:
    return regex.compile(_alternation(fragments), regex.IGNORECASE)


class _Category:
    """One category's cues, longest first, and how to find their matches in a text."""

    __slots__ = ("fragments", "always", "whole_only", "_cues", "_words")

    def __init__(self, fragments: Iterable[str]) -> None:
        # Longest first, so "share on facebook" wins over "share" in the alternation.
        self.fragments = tuple(sorted(set(fragments), key=lambda f: (-len(f), f)))
        self.always: tuple[int, ...] = ()
        # A back-reference names a group by its number in the whole alternation: a cue taken
        # on its own would renumber it.
        self.whole_only = any(_BACK_REFERENCE.search(f) for f in self.fragments)
        self._cues: list[regex.Pattern[str] | None] = [None] * len(self.fragments)
        # Cues that are plain ASCII words (letters, digits, spaces, ' and -), lowercased.
        self._words = [
            f.lower() if _PLAIN_WORDS.fullmatch(f) else None for f in self.fragments
        ]

    def spans_in_ascii(
        self, chosen: tuple[int, ...], lowered: str
    ) -> list[tuple[int, int]] | None:
        """The spans of the alternation's matches in an ASCII text, given the text in lower
        case (``lowered``) and the candidates there, when they are all plain words (else
        ``None``): one search by the standard engine, several times faster at it than a
        search of each cue.

        On ASCII text the `regex` module's case-insensitive match of a plain ASCII word is
        a match of the word in lower case in the lowered text, and both engines read word
        characters, the boundaries and an alternation alike.
        """
        if self.whole_only:
            return None
        words = self._words
        chosen_words = tuple(words[i] for i in chosen)
        if None in chosen_words:
            return None
        return [m.span() for m in _words_pattern(chosen_words).finditer(lowered)]  # type: ignore[arg-type]

    def pattern(self, chosen: tuple[int, ...] | None = None) -> regex.Pattern[str]:
        """The alternation of the cues at ``chosen`` (all of them when ``None``)."""
        if chosen is None or self.whole_only:
            return _compiled(self.fragments)
        return _compiled(tuple(self.fragments[i] for i in chosen))

    def cue(self, i: int) -> regex.Pattern[str]:
        """Cue ``i`` alone, between the boundaries (compiled on first use)."""
        pattern = self._cues[i]
        if pattern is None:
            pattern = self._cues[i] = regex.compile(
                _alternation((self.fragments[i],)), regex.IGNORECASE
            )
        return pattern

    def finditer(self, chosen: tuple[int, ...], text: str) -> list[regex.Match[str]]:
        """The matches the alternation finds in ``text``, given that only the cues at
        ``chosen`` (in order) can match there.

        An alternation finds, from where its last match ended, the first place where any cue
        matches, and there the match of the first cue (in order) that does. So each
        candidate's matches at every place (``overlapped``) are merged: by place, then by
        order, skipping places inside the match taken last.
        """
        if len(chosen) == 1 and not self.whole_only:
            return list(self.cue(chosen[0]).finditer(text))
        if self.whole_only or len(chosen) == len(self.fragments):
            return list(self.pattern().finditer(text))
        found = [
            (match.start(), rank, match)
            for rank, i in enumerate(chosen)
            for match in self.cue(i).finditer(text, overlapped=True)
        ]
        found.sort(key=_place)
        out = []
        end = 0
        for start, _rank, match in found:
            if start >= end:
                if match.end() == start:
                    # An empty match: the alternation's rules for what follows one are its
                    # own; let it find them.
                    return list(self.pattern(chosen).finditer(text))
                out.append(match)
                end = match.end()
        return out

    def match(self, chosen: tuple[int, ...], text: str) -> regex.Match[str] | None:
        """The alternation's match at the start of ``text``, given the candidates there."""
        if self.whole_only:
            return self.pattern().match(text)
        for i in chosen:
            found = self.cue(i).match(text)
            if found:
                return found
        return None


# A cue that is a plain word (or words) for :meth:`_Category.spans_in_ascii`.
_PLAIN_WORDS = re.compile(r"[A-Za-z0-9 '\-]+")


@lru_cache(maxsize=4096)
def _words_pattern(words: tuple[str, ...]) -> re.Pattern[str]:
    """The alternation of ``words`` between the cue boundaries, for lowercase ASCII text.
    Each word's boundary before it is checked behind it, so that the pattern opens with
    the words themselves, which the standard engine looks for far faster than it tries a
    look-behind at every position.
    """
    body = "|".join(rf"{re.escape(w)}(?<![\w@/]{re.escape(w)})" for w in words)
    return re.compile(rf"(?:{body})(?![\w@])")


def _place(found: tuple[int, int, regex.Match[str]]) -> tuple[int, int]:
    return found[0], found[1]


class _Patterns(Mapping[str, "regex.Pattern[str]"]):
    """Each category's whole alternation, compiled when first asked for: matching goes
    through the cues a text can hold (:meth:`PhraseBook.scan`), so a run never needs most
    of these.
    """

    def __init__(self, categories: dict[str, _Category]) -> None:
        self._categories = categories

    def __getitem__(self, category: str) -> regex.Pattern[str]:
        return self._categories[category].pattern()

    def __iter__(self) -> Iterator[str]:
        return iter(self._categories)

    def __len__(self) -> int:
        return len(self._categories)


class PhraseBook:
    r"""The cue patterns of all loaded languages, one alternation per category.

    ``patterns[category]`` is the category's whole alternation (``(?<![\w@/])`` cue ``|``
    cue ... ``(?![\w@])``, case-insensitive, longest cue first). Matching a text does not
    run those: each cue is indexed by the few folded characters its matches open with
    (:mod:`newsclean.patterns.triggers`), one scan of the text finds which openings occur
    where a cue may start, and only the alternation of the cues that can match is run. A cue
    that cannot match anywhere in the text changes nothing in an alternation, so every match,
    count and span is the one the whole alternation gives.

    Compared and hashed by identity (:func:`load_phrasebook` returns one object per set of
    files), so measures of a text can be cached per phrase book.
    """

    def __init__(
        self,
        cues: Mapping[str, Iterable[str]],
        languages: tuple[str, ...],
        months: Sequence[Iterable[str]] = (),
        *,
        index_state: Mapping[str, Any] | None = None,
    ) -> None:
        """``index_state``: what :meth:`cache_record` saved of a book of the same cues (see
        :meth:`triggers.TriggerIndex.state`), so that the index need not read them again.
        """
        self.languages = languages
        self._months = [list(names) for names in months]
        self._cues = {c: list(f) for c, f in cues.items()}
        self._categories = {c: _Category(f) for c, f in self._cues.items()}
        self.patterns: Mapping[str, regex.Pattern[str]] = _Patterns(self._categories)
        self._index = triggers.TriggerIndex(
            [category.fragments for category in self._categories.values()], index_state
        )
        for category, always in zip(self._categories.values(), self._index.always):
            category.always = always
        self._order = {c: k for k, c in enumerate(self._categories)}
        # may_hold's categories by position, per tuple of names asked about.
        self._positions: dict[tuple[str, ...], frozenset[int]] = {}
        self._recent: dict[str, dict[int, tuple[int, ...]]] = {}
        self._recent_size = 0
        _BOOKS.add(self)

    @cached_property
    def months(self) -> regex.Pattern[str]:
        """Month names of all loaded languages, one named group per month (``m1`` .. ``m12``),
        without word boundaries of its own: a date pattern embeds it (compiled on first use:
        only a line with a date needs it).
        """
        return _months_pattern(self._months)

    def prepare(self) -> None:
        """Build now what matching would build on first use (see :func:`prepare_phrasebooks`).
        Compiling each cue stays lazy: a run needs few of them.
        """
        self._index.prepare()

    def cache_record(self) -> dict[str, Any]:
        """What makes this book again, as JSON can hold it: its cues, languages and month
        names, and its index's state, for ``PhraseBook(**record)``.
        """
        return {
            "cues": self._cues,
            "languages": list(self.languages),
            "months": self._months,
            "index_state": self._index.state(),
        }

    def __reduce__(self) -> tuple[Any, ...]:
        # Workers get the cue lists and rebuild the index; the caches stay behind.
        return (PhraseBook, (self._cues, self.languages, self._months))

    def source(self, category: str) -> str:
        """The pattern text of ``category``'s whole alternation, for a step that builds a
        larger pattern around it (e.g. a cue followed by a colon).
        """
        return _alternation(self._categories[category].fragments)

    def _candidates(self, text: str) -> dict[int, tuple[int, ...]]:
        """Per category (by position), the cues that can match somewhere in ``text``;
        remembered for recent paragraphs (see _RECENT_SIZE), which several steps ask about in
        turn.
        """
        recent = self._recent
        found = recent.get(text)
        if found is None:
            found = self._index.candidates(text)
            if len(text) <= _RECENT_CHARS:
                size = len(text) + _RECENT_ENTRY
                if self._recent_size + size > _RECENT_SIZE:
                    recent.clear()  # whole: safe when threads share the book
                    self._recent_size = 0
                recent[text] = found
                self._recent_size += size
        return found

    def _matches(self, category: str, text: str) -> list[regex.Match[str]]:
        chosen = self._candidates(text).get(self._order[category])
        if not chosen:
            return []
        return self._categories[category].finditer(chosen, text)

    def may_hold(self, categories: Iterable[str], text: str) -> bool:
        """Whether a cue of one of ``categories`` may occur in ``text``: ``False`` means that
        none does (none of their cues' openings is there), at the cost of the candidate search
        the other look-ups share, without running a cue.
        """
        found = self._candidates(text)
        if not found:
            return False
        key = tuple(categories)
        positions = self._positions.get(key)
        if positions is None:
            positions = self._positions[key] = frozenset(self._order[c] for c in key)
        return not positions.isdisjoint(found)

    def find(self, category: str, text: str) -> list[regex.Match[str]]:
        """All non-overlapping matches of ``category``'s cues in ``text``."""
        if len(text) > _WHOLE_CHARS:
            return list(self.patterns[category].finditer(text))
        return self._matches(category, text)

    def count(self, category: str, text: str) -> int:
        """How many cues of ``category`` occur in ``text``."""
        if len(text) > _WHOLE_CHARS:
            return sum(1 for _ in self.patterns[category].finditer(text))
        chosen = self._candidates(text).get(self._order[category])
        if not chosen:
            return 0
        kind = self._categories[category]
        if text.isascii():
            spans = kind.spans_in_ascii(chosen, text.lower())
            if spans is not None:
                return len(spans)
        return len(kind.finditer(chosen, text))

    def scan(self, categories: Iterable[str], text: str) -> tuple[dict[str, int], int]:
        """The number of cues of each category in ``text``, and how many characters of
        ``text`` all of them cover together.
        """
        if len(text) > _WHOLE_CHARS:
            return self._scan_whole(categories, text)
        counts: dict[str, int] = {}
        spans: list[tuple[int, int]] = []
        found = self._candidates(text)
        lowered = text.lower() if text.isascii() else None
        for category in categories:
            chosen = found.get(self._order[category])
            if not chosen:
                counts[category] = 0
                continue
            kind = self._categories[category]
            these = kind.spans_in_ascii(chosen, lowered) if lowered is not None else None
            if these is None:
                these = [match.span() for match in kind.finditer(chosen, text)]
            counts[category] = len(these)
            spans.extend(these)
        return counts, _covered(spans)

    def _scan_whole(self, categories: Iterable[str], text: str) -> tuple[dict[str, int], int]:
        """:meth:`scan` with each category's whole alternation, one match at a time."""
        counts: dict[str, int] = {}
        marks = bytearray(len(text))
        for category in categories:
            n = 0
            for match in self.patterns[category].finditer(text):
                n += 1
                marks[match.start() : match.end()] = b"\x01" * (match.end() - match.start())
            counts[category] = n
        return counts, marks.count(1)

    def starts_with(self, category: str, text: str) -> regex.Match[str] | None:
        """The cue of ``category`` that ``text`` opens with, if any."""
        chosen = self._index.candidates_at_start(text).get(self._order[category])
        if not chosen:
            return None
        return self._categories[category].match(chosen, text)


# Every phrase book of this process, held weakly, for prepare_phrasebooks().
_BOOKS: weakref.WeakSet[PhraseBook] = weakref.WeakSet()


def prepare_phrasebooks() -> None:
    """Build what matching with each phrase book of this process needs and would build on
    first use. Called before worker processes are forked, so that each inherits it instead of
    building it again.
    """
    for book in list(_BOOKS):
        book.prepare()


def _months_pattern(months: list[list[str]]) -> regex.Pattern[str]:
    """One pattern for the month names, the group ``mN`` naming month N (longest first, so
    "june" is tried before "jun").
    """
    groups = []
    for number, fragments in enumerate(months, start=1):
        if fragments:
            ordered = sorted(set(fragments), key=lambda f: (-len(f), f))
            groups.append(f"(?P<m{number}>{'|'.join(f'(?:{f})' for f in ordered)})")
    if not groups:
        return regex.compile(r"(?!)")
    return regex.compile(f"(?:{'|'.join(groups)})", regex.IGNORECASE)


def _covered(spans: list[tuple[int, int]]) -> int:
    """How many characters the union of ``spans`` covers."""
    total, reach = 0, 0
    for start, end in sorted(spans):
        if end > reach:
            total += end - max(start, reach)
            reach = end
    return total


def _read(
    path: str, data: bytes, *, check: bool = True
) -> tuple[str, dict[str, list[str]], list[str]]:
    """A phrase list file's language and cues; with ``check``, each cue and month name is
    compiled so a bad one is refused with the file and entry named (the bundled lists are
    tested instead: compiling hundreds of cues is most of what loading them would cost).
    """
    try:
        parsed = tomllib.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise PhraseListError(f"{path}: not a valid TOML phrase list: {exc}") from exc
    cues = parsed.get("cues", {})
    if not isinstance(cues, dict):
        raise PhraseListError(f"{path}: [cues] must be a table of lists")
    for category, entries in cues.items():
        if category not in CATEGORIES:
            known = ", ".join(CATEGORIES)
            raise PhraseListError(f"{path}: unknown category {category!r} (known: {known})")
        if not isinstance(entries, list) or not all(isinstance(e, str) for e in entries):
            raise PhraseListError(f"{path}: cues.{category} must be a list of strings")
        for entry in entries if check else ():
            try:
                regex.compile(entry)
            except regex.error as exc:
                raise PhraseListError(
                    f"{path}: cues.{category}: bad pattern {entry!r}: {exc}"
                ) from exc
    dates = parsed.get("dates", {})
    months = dates.get("months", []) if isinstance(dates, dict) else None
    if not isinstance(months, list) or len(months) not in (0, MONTHS):
        raise PhraseListError(f"{path}: dates.months must list the {MONTHS} months, January first")
    for entry in months if check else ():
        try:
            regex.compile(str(entry))
        except regex.error as exc:
            raise PhraseListError(f"{path}: dates.months: bad pattern {entry!r}: {exc}") from exc
    return str(parsed.get("language", Path(path).stem)), cues, [str(m) for m in months]


def _bundled() -> list[tuple[str, bytes]]:
    folder = resources.files(__name__)
    return sorted(
        (entry.name, entry.read_bytes())
        for entry in folder.iterdir()
        if entry.name.endswith(".toml")
    )


def load_phrasebook(extra_files: tuple[str, ...] = (), *, bundled: bool = True) -> PhraseBook:
    """Compile the bundled phrase lists plus ``extra_files`` (paths to TOML phrase lists).

    One book per set of files: every step and pipeline that asks for the same files shares
    it (its index, compiled cues and caches). Raises :class:`PhraseListError` naming the file
    when one cannot be read or parsed.
    """
    return _load(tuple(extra_files), bundled)


@lru_cache(maxsize=16)
def _load(extra_files: tuple[str, ...], bundled: bool) -> PhraseBook:
    sources = [(name, data, False) for name, data in _bundled()] if bundled else []
    for name in extra_files:
        try:
            sources.append((name, Path(name).read_bytes(), True))
        except OSError as exc:
            raise PhraseListError(f"{name}: cannot read phrase list: {exc.strerror}") from exc
    return _cached_book(sources)


def _cached_book(sources: list[tuple[str, bytes, bool]]) -> PhraseBook:
    """The book of ``sources`` (name, bytes, whether to check each entry), read from the
    per-user cache (:mod:`newsclean.cache_file`) when a whole copy made from the same bytes is
    there, else built and written there for the next process.

    Building reads the TOML and every cue's structure, and the index's finder and its test
    for risky characters read the `regex` module's case table and this Python's Unicode
    database: the key names all of them, and the code that reads the cues. A list that fails
    is never written, so a cached book was checked (with the same `regex`) when it was built.
    """
    directory = cache_file.cache_dir()
    if directory is None:
        return _book(sources)
    digest = hashlib.sha256()
    try:
        # The code that reads the lists: a changed reader never takes an older file.
        for module in (__file__, triggers.__file__):
            digest.update(Path(module).read_bytes())  # type: ignore[arg-type]
    except (OSError, TypeError):  # no source file (a frozen build): no cache
        return _book(sources)
    for name, data, check in sources:
        digest.update(f"{name!r} {check} {len(data)}\n".encode())
        digest.update(data)
    key = (
        f"phrase book {_CACHE_FORMAT}, sources and code {digest.hexdigest()}, "
        f"regex {regex.__version__}, python {sys.version}"
    )
    # One file per set of list names: a custom list that is edited replaces its own file.
    names = hashlib.sha256(repr([name for name, _, _ in sources]).encode()).hexdigest()
    path = directory / f"phrase-book-{names[:16]}.cache"
    saved = cache_file.load_blob(path, key)
    if saved is not None:
        try:
            record = json.loads(saved)
            record["languages"] = tuple(record["languages"])
            return PhraseBook(**record)
        except (ValueError, TypeError, KeyError, IndexError, AttributeError):
            pass  # not a record this code wrote (a whole file of the right key, though)
    book = _book(sources)
    cache_file.store_blob(path, key, json.dumps(book.cache_record()).encode())
    return book


def _book(sources: list[tuple[str, bytes, bool]]) -> PhraseBook:
    """The book of ``sources``, read and merged."""
    merged: dict[str, list[str]] = {c: [] for c in CATEGORIES}
    months: list[list[str]] = [[] for _ in range(MONTHS)]
    languages = []
    for path, data, check in sources:
        language, cues, names = _read(path, data, check=check)
        languages.append(language)
        for category, entries in cues.items():
            merged[category].extend(entries)
        for month, fragment in zip(months, names):
            month.append(fragment)
    return PhraseBook(merged, tuple(languages), months)
