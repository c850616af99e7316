r"""Phrase lists: the cue vocabulary steps weigh, kept as data (one TOML file per language).

A phrase list file looks like::

    language = "nl"
    [cues]
    appeal = ["doneer\\w*", "steun ons"]
    call_to_action = ["lees meer"]

Each entry is a ``regex`` fragment matched case-insensitively between word boundaries. The
categories are listed in :data:`CATEGORIES`; a user file may fill any subset of them and is
merged with the bundled lists (see :func:`load_phrasebook`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

import regex
import tomllib

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
    "credit",
    "comments",
    "address",
    "attribution",
    "date_label",
)


class PhraseListError(ValueError):
    """A phrase list file that cannot be used; the message names the file and the entry."""


@dataclass(frozen=True, eq=False)
class PhraseBook:
    """Compiled cue patterns, one alternation per category, over all loaded languages.

    Compared and hashed by identity (:func:`load_phrasebook` returns one object per set of
    files), so measures of a text can be cached per phrase book.
    """

    patterns: dict[str, regex.Pattern[str]]
    languages: tuple[str, ...]

    def find(self, category: str, text: str) -> list[regex.Match[str]]:
        """All non-overlapping matches of ``category``'s cues in ``text``."""
        return list(self.patterns[category].finditer(text))

    def count(self, category: str, text: str) -> int:
        """How many cues of ``category`` occur in ``text``."""
        return sum(1 for _ in self.patterns[category].finditer(text))

    def scan(self, categories: Iterable[str], text: str) -> tuple[dict[str, int], int]:
        """One pass per category: the number of cues of each in ``text``, and how many
        characters of ``text`` all of them cover together.
        """
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
        return self.patterns[category].match(text)


def _read(path: str, data: bytes) -> tuple[str, dict[str, list[str]]]:
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
        for entry in entries:
            try:
                regex.compile(entry)
            except regex.error as exc:
                raise PhraseListError(
                    f"{path}: cues.{category}: bad pattern {entry!r}: {exc}"
                ) from exc
    return str(parsed.get("language", Path(path).stem)), cues


def _bundled() -> list[tuple[str, bytes]]:
    folder = resources.files(__name__)
    return sorted(
        (entry.name, entry.read_bytes())
        for entry in folder.iterdir()
        if entry.name.endswith(".toml")
    )


def _compile(fragments: list[str]) -> regex.Pattern[str]:
    if not fragments:
        return regex.compile(r"(?!)")
    # Longest first, so "share on facebook" wins over "share" in the alternation.
    ordered = sorted(set(fragments), key=lambda f: (-len(f), f))
    body = "|".join(f"(?:{f})" for f in ordered)
    return regex.compile(rf"(?<![\w@/])(?:{body})(?![\w@])", regex.IGNORECASE)


@lru_cache(maxsize=16)
def load_phrasebook(extra_files: tuple[str, ...] = (), *, bundled: bool = True) -> PhraseBook:
    """Compile the bundled phrase lists plus ``extra_files`` (paths to TOML phrase lists).

    Raises :class:`PhraseListError` naming the file when one cannot be read or parsed.
    """
    sources = _bundled() if bundled else []
    for name in extra_files:
        try:
            sources.append((name, Path(name).read_bytes()))
        except OSError as exc:
            raise PhraseListError(f"{name}: cannot read phrase list: {exc.strerror}") from exc
    merged: dict[str, list[str]] = {c: [] for c in CATEGORIES}
    languages = []
    for path, data in sources:
        language, cues = _read(path, data)
        languages.append(language)
        for category, entries in cues.items():
            merged[category].extend(entries)
    return PhraseBook(
        patterns={c: _compile(f) for c, f in merged.items()},
        languages=tuple(languages),
    )
