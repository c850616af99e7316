"""Dates written out in text: ``December 22, 2023``, ``22.12.2023 14:05``, ``22 de diciembre
de 2023``, ``Fri 22 Dec 2023 20.26 CET``, ``2023-12-22T14:05:00Z``, with the time next to them.

:class:`DateReader` finds them in a line with a few regular expressions built from the phrase
lists' month names (``[dates] months``), so every language with a phrase list is read the same
way, and returns each as an ISO-8601 string: ``2023-12-22`` for a day, ``2023-12-22T14:05``
when a time goes with it, and ``2023-12-22T14:05-05:00`` when the time names its zone by an
offset (``+00:00`` for UTC) or by an abbreviation with one fixed offset (``EST``, ``CET``;
not ``ET`` or ``PT``, which change with daylight saving time). The local date is kept as
written: nothing is converted to UTC.

Why not a date library: ``dateparser`` reads many more languages but takes seconds to import
and milliseconds per call, and it parses a string that is a date rather than finding one in a
line (``Published 3:04 PM EST, Fri December 22, 2023`` gives nothing). ``python-dateutil``'s
fuzzy parser finds dates in a line, but only with English month names, and it builds a date
from any digits in a sentence. Finding a date inside a line is the part that matters here, and
it is a handful of patterns.

The patterns are compiled when a line first needs them (the one with the month names of every
phrase list takes about 0.05 s of CPU to compile, the rest about as much together), and a line
is run only through those that can match it: all but the numeric dates need a year of four
digits. ``newsclean check`` of a file with no dated line compiles none of the large ones.
"""

from __future__ import annotations

import datetime as dt
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache, cached_property

import regex

from newsclean.patterns import PhraseBook

# What reads a date pattern's match: (year, month, day), or None when it is not a date.
_Parts = Callable[[regex.Match[str]], tuple[int, int, int] | None]

# Zone abbreviations with one fixed offset from UTC, in hours.
_ZONES = {
    "UTC": 0,
    "GMT": 0,
    "Z": 0,
    "WET": 0,
    "BST": 1,
    "CET": 1,
    "WEST": 1,
    "CEST": 2,
    "EET": 2,
    "EEST": 3,
    "MSK": 3,
    "EST": -5,
    "EDT": -4,
    "CST": -6,
    "CDT": -5,
    "MST": -7,
    "MDT": -6,
    "PST": -8,
    "PDT": -7,
    "AKST": -9,
    "AKDT": -8,
    "HST": -10,
    "JST": 9,
    "KST": 9,
    "AEST": 10,
    "AEDT": 11,
    "NZST": 12,
    "NZDT": 13,
    "SGT": 8,
    "HKT": 8,
}
# Zone words that are read but give no offset (they depend on the season or are ambiguous).
_VAGUE_ZONES = ("ET", "PT", "CT", "MT", "IST", "AET", "UK")

_DAY = r"(?P<day>[0-3]?\d)(?:st|nd|rd|th|er|º|°|o|\.)?"
_YEAR = r"(?P<year>(?:19|20)\d\d)"
_ZONE = (
    r"(?P<zone>(?:UTC|GMT)\s?[+-]\d{1,2}(?::?\d\d)?|[+-]\d\d:?\d\d|"
    + "|".join(sorted((*_ZONES, *_VAGUE_ZONES), key=len, reverse=True))
    + r")(?![\w])"
)
# "PM" may be glued to the next word in capitals ("6:40 PMTopics": scrapers drop the space
# between elements); "pm" glued to a word is no time ("3 pmol").
_AMPM = r"(?P<ampm>[ap]\.?\s?m\.?)(?:(?![\w])|(?-i:(?<=[AP]M)(?=\p{Lu}\p{Ll})))"
# A clock time: 14:05, 14:05:30, 3:04 PM, 9:43 p.m., 20.26 (then a zone or "Uhr" must follow),
# 15h30, 3 AM.
_TIME = (
    r"(?P<hour>[0-2]?\d)(?:(?P<sep>[:h])(?P<minute>[0-5]\d)(?::(?P<second>[0-5]\d)(?:[.,]\d+)?)?"
    r"|\.(?P<dminute>[0-5]\d)(?=\s*(?:uhr|h\b|[A-Z]{2,4}\b))|(?=\s*[ap]\.?\s?m\.?(?![\w])))"
    rf"(?:\s*{_AMPM})?(?:\s*(?:uhr|h)(?![\w]))?(?:\s*\(?{_ZONE}\)?)?"
)
# What may stand between a date and its time: separators, "at", "um", "à", "a las", "alle"...
# The word may be glued to the time ("at2:56 pm").
_GAP = (
    r"(?:\s*[,|•·/–—@-]?\s*(?:(?:at|um|à|a las|às|alle|ore|в|kl\.?|om)(?:\s+|(?=\d))){0,2}"
    r"[,|•·/–—@-]?\s*)"
)
_GAP_BEFORE = r"(?:\s*[,|•·/–—-]?\s*(?:on|el|le|am|il|em)?\s*[,|•·/–—-]?\s*)"

_ISO_SOURCE = (
    r"(?<![\w/.-])(?P<year>(?:19|20)\d\d)-(?P<month>[01]\d)-(?P<day>[0-3]\d)"
    r"(?:[T ](?P<hour>[0-2]\d):(?P<minute>[0-5]\d)(?::(?P<second>[0-5]\d)(?:\.\d+)?)?"
    r"(?P<zone>Z|[+-]\d\d:?\d\d|\s(?:" + "|".join(sorted(_ZONES, key=len, reverse=True)) + "))?)?"
    r"(?![\w-])"
)
# What every date pattern but the numeric one needs (cheap to compile: a look first).
_A_YEAR = regex.compile(r"(?:19|20)\d\d")


@cache
def _iso_pattern() -> regex.Pattern[str]:
    return regex.compile(_ISO_SOURCE)


@cache
def _iso_value_pattern() -> regex.Pattern[str]:
    """The ISO date of any year, for a value that is known to be a date (a record's own
    field).
    """
    return regex.compile(_ISO_SOURCE.replace("(?:19|20)\\d\\d", "\\d{4}"))


@cache
def _numeric_pattern() -> regex.Pattern[str]:
    """22.12.2023, 22/12/2023, 12/22/2023, 12-22-2023, 12/22/23 and 12-22-23 (two-digit years
    only with slashes or dashes), 2023/12/22, 2023.12.22.
    """
    return regex.compile(
        r"(?<![\w/.:-])(?:(?P<a>[0-3]?\d)(?P<s>[./-])(?P<b>[0-3]?\d)(?P=s)(?P<year>(?:19|20)\d\d)"
        r"|(?P<a2>[0-3]?\d)(?P<s3>[/-])(?P<b2>[0-3]?\d)(?P=s3)(?P<yy>\d\d)"
        r"|(?P<year2>(?:19|20)\d\d)(?P<s2>[./])(?P<m2>[01]?\d)(?P=s2)(?P<d2>[0-3]?\d))"
        r"(?![\d/-]|[.:]\d|\p{Ll}|_)"
    )


@cache
def _month_first_pattern() -> regex.Pattern[str]:
    """Time words of the United States, where 12/05/2023 is the fifth of December."""
    return regex.compile(
        r"(?<![^\W\d])(?:[ap]\.?\s?m\.?|E[SD]?T|C[SD]?T|M[SD]?T|P[SD]?T|AK[SD]T)(?![\w])", regex.I
    )


@cache
def _cjk_pattern() -> regex.Pattern[str]:
    return regex.compile(
        r"(?P<year>(?:19|20)\d\d)\s?年\s?(?P<month>[01]?\d)\s?月\s?(?P<day>[0-3]?\d)\s?日"
    )


@dataclass(frozen=True)
class FoundDate:
    """A date in a line: where it is (with the time and the day of the week written next to
    it), and its ISO-8601 form.
    """

    start: int
    end: int
    value: str

    @property
    def has_time(self) -> bool:
        """Whether a time of day was found with the date."""
        return "T" in self.value


class DateReader:
    """Finds dates (and the time next to them) in short lines of text."""

    def __init__(self, phrasebook: PhraseBook) -> None:
        self.book = phrasebook
        _READERS.add(self)

    def prepare(self) -> None:
        """Compile every pattern now rather than on first need (see
        :func:`prepare_date_readers`).
        """
        for pattern in (_iso_pattern, _numeric_pattern, _cjk_pattern, _month_first_pattern):
            pattern()
        for name in ("_named", "_time_after", "_time_before", "_weekday_before"):
            getattr(self, name)

    @cached_property
    def _named(self) -> regex.Pattern[str]:
        month = rf"{self.book.months.pattern}(?![\w])"
        any_month = regex.sub(r"\(\?P<m\d+>", "(?:", month)
        # A month name opens a date after a non-letter, or glued to the text before it when
        # capitalised ("ReporterDec 22, 2023": scrapers drop the space between elements).
        opens = r"(?:(?<![\w])|(?-i:(?=\p{Lu})))"
        # A year ends at a non-digit, or where a time or the next date is glued to it.
        year_end = rf"(?:(?!\d)|(?=[0-2]?\d:\d\d)|(?=[0-3]?\d\s?{any_month}))"
        # After a month name and a day, also where a counter is glued to it ("Dec 5, 20232
        # Shares": digits, then a word): a year written out with its month cannot be longer.
        counted_year_end = rf"(?:{year_end}|(?=\d{{1,7}}\s?\p{{L}}))"
        named = (
            # December 22, 2023 / Dec. 22nd 2023 / dic 22, 2023
            rf"{opens}{month}\.?\s*{_DAY},?\s+{_YEAR}{counted_year_end}"
            # 22 December 2023 / 22. Dezember 2023 / 22 de diciembre de 2023 / 22 декабря 2023 г.
            rf"|(?<![\w.]){_DAY}\s*(?:de\s+|of\s+)?{month}\.?,?\s*(?:de\s+|del\s+)?{_YEAR}"
            rf"(?:\s?г\.?|\s?года)?{counted_year_end}"
        )
        return regex.compile(named, regex.IGNORECASE)

    @cached_property
    def _time_after(self) -> regex.Pattern[str]:
        return regex.compile(rf"{_GAP}{_TIME}", regex.IGNORECASE)

    @cached_property
    def _time_before(self) -> regex.Pattern[str]:
        weekday = self.book.source("weekday")
        return regex.compile(rf"{_TIME}{_GAP_BEFORE}(?:(?:{weekday})\.?,?\s*)?$", regex.IGNORECASE)

    @cached_property
    def _weekday_before(self) -> regex.Pattern[str]:
        return regex.compile(rf"(?:{self.book.source('weekday')})\.?,?\s*$", regex.IGNORECASE)

    def _patterns(self, text: str) -> list[tuple[regex.Pattern[str], _Parts]]:
        """The patterns that may find a date in ``text``, in the order they are tried, each
        with what reads its match: every one but the numeric dates needs a year of four digits.
        """
        if _A_YEAR.search(text) is None:
            return [(_numeric_pattern(), _numeric_parts)]
        return [
            (_iso_pattern(), _iso_parts),
            (self._named, self._named_parts),
            (_numeric_pattern(), _numeric_parts),
            (_cjk_pattern(), _iso_parts),
        ]

    def find(self, text: str) -> list[FoundDate]:
        """Every date in ``text``, in order, each with the time written next to it."""
        found: list[FoundDate] = []
        taken: list[tuple[int, int]] = []
        for pattern, parse in self._patterns(text):
            for match in pattern.finditer(text):
                if any(s < match.end() and match.start() < e for s, e in taken):
                    continue
                parts = parse(match)
                if parts is None:
                    continue
                year, month, day = parts
                try:
                    date = dt.date(year, month, day)
                except ValueError:
                    continue
                start, end = match.span()
                clock = None
                if match.groupdict().get("hour") is not None:
                    clock = (
                        int(match.group("hour")),
                        int(match.group("minute")),
                        int(match.group("second")) if match.group("second") else None,
                        _offset(match.group("zone")),
                    )
                else:
                    after = self._time_after.match(text, end)
                    before = self._time_before.search(text[max(0, start - 40) : start])
                    if after and (clock := _clock(after)):
                        end = after.end()
                    elif before and (clock := _clock(before)):
                        start = max(0, start - 40) + before.start()
                day_name = self._weekday_before.search(text[max(0, start - 16) : start])
                if day_name:
                    start = max(0, start - 16) + day_name.start()
                taken.append((start, end))
                found.append(FoundDate(start, end, _iso(date, clock)))
        return sorted(found, key=lambda f: f.start)

    def _named_parts(self, match: regex.Match[str]) -> tuple[int, int, int] | None:
        month = next(
            (
                int(k[1:])
                for k, v in match.groupdict().items()
                if k.startswith("m") and k[1:].isdigit() and v
            ),
            None,
        )
        if month is None:
            return None
        return int(match.group("year")), month, int(match.group("day"))


# Every date reader of this process, held weakly, for prepare_date_readers().
_READERS: weakref.WeakSet[DateReader] = weakref.WeakSet()


def prepare_date_readers() -> None:
    """Compile the patterns of every date reader of this process: called before worker
    processes are forked, so that each inherits them instead of compiling them again.
    """
    for reader in list(_READERS):
        reader.prepare()


def iso_date(text: str) -> str | None:
    """``text`` (an ISO-8601 date, with or without a time and zone) in the form newsclean
    writes: ``2023-12-22``, ``2023-12-22T14:05``, ``2023-12-22T14:05:30+01:00``; ``None`` when
    it is not a valid date.
    """
    match = _iso_value_pattern().fullmatch(text.strip())
    if not match:
        return None
    try:
        date = dt.date(*_iso_parts(match))
    except ValueError:
        return None
    if match.group("hour") is None:
        return date.isoformat()
    hour, minute = int(match.group("hour")), int(match.group("minute"))
    if hour > 23:
        return None
    second = int(match.group("second")) if match.group("second") else None
    return _iso(date, (hour, minute, second, _offset(match.group("zone"))))


def _iso_parts(match: regex.Match[str]) -> tuple[int, int, int]:
    return int(match.group("year")), int(match.group("month")), int(match.group("day"))


def _numeric_parts(match: regex.Match[str]) -> tuple[int, int, int] | None:
    """(year, month, day) of a numeric date. Dots are day first (22.12.2023); slashes and
    dashes are read the way round that works, and when both do (05/06/2023), month first if
    the line tells the time as the United States do (am/pm, ET, PST...), else day first.
    """
    if match.group("year2"):
        return int(match.group("year2")), int(match.group("m2")), int(match.group("d2"))
    if match.group("yy"):
        a, b, year = int(match.group("a2")), int(match.group("b2")), 2000 + int(match.group("yy"))
        dots = False
    else:
        a, b, year = int(match.group("a")), int(match.group("b")), int(match.group("year"))
        dots = match.group("s") == "."
    if dots or a > 12:
        return year, b, a
    if b > 12:
        return year, a, b
    month_first = bool(_month_first_pattern().search(match.string))
    return (year, a, b) if month_first else (year, b, a)


def _clock(match: regex.Match[str]) -> tuple[int, int, int | None, int | None] | None:
    """(hour, minute, second, UTC offset in minutes) from a time match, or ``None`` when the
    numbers are not a time of day.
    """
    hour = int(match.group("hour"))
    minute = match.group("minute") or match.groupdict().get("dminute") or "0"
    second = match.groupdict().get("second")
    ampm = (match.groupdict().get("ampm") or "").replace(".", "").replace(" ", "").lower()
    if ampm:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if ampm == "pm" else 0)
    elif match.groupdict().get("sep") is None and match.groupdict().get("dminute") is None:
        return None
    if hour > 23:
        return None
    return hour, int(minute), int(second) if second else None, _offset(match.group("zone"))


def _offset(zone: str | None) -> int | None:
    if not zone:
        return None
    zone = zone.strip()
    if zone.upper() in _ZONES:
        return _ZONES[zone.upper()] * 60
    numeric = regex.fullmatch(r"(?:UTC|GMT)?\s?([+-])(\d{1,2}):?(\d\d)?", zone, regex.I)
    if numeric:
        sign = -1 if numeric.group(1) == "-" else 1
        minutes = int(numeric.group(2)) * 60 + int(numeric.group(3) or 0)
        return sign * minutes if minutes <= 14 * 60 else None
    return None


def _iso(date: dt.date, clock: tuple[int, int, int | None, int | None] | None) -> str:
    if clock is None:
        return date.isoformat()
    hour, minute, second, offset = clock
    zone = dt.timezone(dt.timedelta(minutes=offset)) if offset is not None else None
    stamp = dt.datetime(date.year, date.month, date.day, hour, minute, second or 0, tzinfo=zone)
    text = stamp.isoformat(timespec="seconds" if second is not None else "minutes")
    return text
