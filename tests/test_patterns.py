"""Phrase books: matching through the cues' openings finds exactly what each category's whole
alternation finds, and the facts about characters that rest on hold for every character.
"""

from __future__ import annotations

import pickle
import sys

import pytest
import regex
from hypothesis import given, settings
from hypothesis import strategies as st

from newsclean.patterns import CATEGORIES, PhraseListError, _load, load_phrasebook, triggers
from newsclean.patterns.triggers import DIGIT, END, fold, openings

BOOK = load_phrasebook()
WHOLE = {c: regex.compile(BOOK.source(c), regex.IGNORECASE) for c in CATEGORIES}

# Written for this test: cue words in several cases and scripts, at word edges and inside
# words, after punctuation, digits, sharp s, Turkish i, ligatures and an e-mail address.
TEXTS = [
    "",
    "Support us today. Please consider a monthly contribution — every donation counts!",
    "SUPPORT OUR JOURNALISM: subscribe now, sign up for the newsletter, or log in.",
    "Facebook declined to comment. Share on Facebook | Tweet | WhatsApp | Copy link",
    "Photo: Getty Images © 2024 Example Media. All rights reserved. (c) AFP/",
    "12 comments · 3 min read · Updated 10:42 · jdoe says: great piece",
    "$5 a month, €10 per year, £3 a month, starting from just",
    "Liebe Leserinnen und Leser, unterstützen Sie unseren Journalismus. Straße, STRASSE",
    "Queridos lectores: suscríbete, apóyanos. Chers lecteurs, abonnez-vous.",
    "Уважаемые читатели! Поддержите нас. Подписывайтесь. 5 мин чтения",
    "SİGN UP, sıgn ın, ſubscribe, ﬁnd out more, K and k",
    "mail@subscribe.example.org /share/this support@us readers-like-you",
    "Read more: Related stories - See also: the budget. Lire aussi : la suite",
    "Advertisement - Scroll to continue. Sponsored content. Trending now",
    "Datum: 2025-09-01 Published: 2025-09-01. Veröffentlicht 2025-09-01",
    '"Please donate," she said, according to the statement.',
    "supportsupport support, donations donate donated; you your yours we our us",
    "12345678901 min read, 7-min read, 10 minutes read 3 комментария 20 Kommentare 5min",
    "Anna says: yes. anna SAYS: no, says: nobody; jdoe says:",
]


def _texts() -> list[str]:
    out = []
    for text in TEXTS:
        out += [text, text.upper(), text.swapcase(), text.lower()]
        out += [text[i:] for i in range(0, len(text), 7)]
    return out


def _same_as_whole(text: str) -> None:
    counts, covered = BOOK.scan(CATEGORIES, text)
    marks = bytearray(len(text))
    for category in CATEGORIES:
        whole = list(WHOLE[category].finditer(text))
        assert [m.span() for m in BOOK.find(category, text)] == [m.span() for m in whole]
        assert counts[category] == len(whole) == BOOK.count(category, text)
        # may_hold answers False only where no cue of the category matches.
        assert BOOK.may_hold((category,), text) or not whole
        for m in whole:
            marks[m.start() : m.end()] = b"\x01" * (m.end() - m.start())
        expected = WHOLE[category].match(text)
        found = BOOK.starts_with(category, text)
        assert (found and found.span()) == (expected and expected.span())
    assert covered == marks.count(1)


@pytest.mark.parametrize("text", _texts())
def test_matches_are_those_of_the_whole_alternation(text: str) -> None:
    _same_as_whole(text)


_PIECES = sorted(
    {word for text in TEXTS for word in regex.split(r"(\W)", text) if word}
    | {"you", "our", "ad", "ads", "mail", "e-mail", "ı", "İ", "ß", "@", "/", "3", " ", "\u00a0"}
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), max_size=30), st.sampled_from(["", "u", "l", "s"]))
def test_any_mix_of_cue_words_matches_as_the_whole_alternation(
    pieces: list[str], case: str
) -> None:
    text = "".join(pieces)
    text = {"u": text.upper(), "l": text.lower(), "s": text.swapcase()}.get(case, text)
    _same_as_whole(text)


_PLAIN = sorted(
    {w for c in BOOK._categories.values() for w in c._words if w}
    | {"@", "/", "_", "-", "'", " ", ".", ",", "x", "7"}
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_PLAIN), max_size=40), st.sampled_from(["", "u", "s"]))
def test_plain_words_in_ascii_text_match_as_the_whole_alternation(
    pieces: list[str], case: str
) -> None:
    # Counted by the standard engine on the lowered text when every candidate is a plain
    # word: the same counts and spans.
    text = "".join(pieces)
    text = {"u": text.upper(), "s": text.swapcase()}.get(case, text)
    counts, covered = BOOK.scan(CATEGORIES, text)
    marks = bytearray(len(text))
    for category in CATEGORIES:
        whole = list(WHOLE[category].finditer(text))
        assert counts[category] == len(whole) == BOOK.count(category, text)
        # may_hold answers False only where no cue of the category matches.
        assert BOOK.may_hold((category,), text) or not whole
        for m in whole:
            marks[m.start() : m.end()] = b"\x01" * (m.end() - m.start())
    assert covered == marks.count(1)


def _by_windows(index: triggers.TriggerIndex, text: str) -> dict[int, tuple[int, ...]]:
    # The definition the finder shortcuts: the cues opening the window at every place a cue
    # may start (the text's start, or after a character other than [a-zA-Z0-9_@/]).
    folded = fold(text)
    codes: set[int] = set()
    for place in range(len(folded)):
        if place == 0 or not regex.match(r"[a-zA-Z0-9_@/]", folded[place - 1]):
            codes.update(index._learn(folded[place : place + triggers.OPENING_CHARS]))
    codes -= {code for code, needed in index._needs.items() if needed not in folded}
    codes.update(code for needed, code in index._inside if needed in folded)
    return index._group(codes)


NESTED = triggers.TriggerIndex(
    [["a", "ab", "abcd\\w*", "abcdefghijk", "b c", "\\d+ min", "1 in", "\\w+ says:"], ["ab c"]]
)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.sampled_from(_PIECES + ["a", "ab", "abc", "abcdefgh", "1", "min", "b"]), max_size=30
    )
)
def test_the_finder_gives_the_candidates_of_every_window(pieces: list[str]) -> None:
    # It takes the longest opening at each place (and the window at a digit): the cues they
    # open are those of the windows, for the bundled lists and for openings that nest.
    text = "".join(pieces)
    for index in (BOOK._index, NESTED):
        if text.isascii() or not index._risky(text):
            assert index.candidates(text) == _by_windows(index, text)


def _cut(*matches: str) -> set[str]:
    return {m[: triggers.OPENING_CHARS] for m in matches}


def test_may_hold_reads_its_categories_from_any_iterable() -> None:
    text = "Share on Facebook"
    for categories in (["share"], ("cookie", "share"), {"share": 1}, iter(["cookie", "share"])):
        assert BOOK.may_hold(categories, text)
    assert not BOOK.may_hold(("cookie",), text)
    assert not BOOK.may_hold(CATEGORIES, "zqv xkcd")
    assert not BOOK.may_hold((), text)


def test_a_cue_of_letters_digits_and_spaces_reads_as_the_parser_reads_it() -> None:
    from newsclean.regex_syntax import sre_parse

    plain = [f for c in BOOK._categories.values() for f in c.fragments
             if triggers._LITERAL_CUE.fullmatch(f)]
    assert len(plain) > 100
    for cue in [*plain, "Share 2", "a", "0 9"]:
        assert triggers._parsed(cue) == list(sre_parse.parse(cue))


def test_openings_read_off_a_cue() -> None:
    assert openings("donat\\w*") == {"donat"}
    assert openings("(?:monthly|annual) gift") == _cut("monthly gift", "annual gift")
    assert openings("e-?mail (?:this|to a friend)") == _cut(
        "e-mail th", "email th", "e-mail to", "email to"
    )
    # A whole match (shorter than an opening) ends with END.
    assert openings("log ?in") == {"log in" + END, "login" + END}
    assert openings("[ií]x") == {"ix" + END, "íx" + END}
    assert openings("ad") == {"ad" + END}
    assert openings("ads?") == {"ad" + END, "ads" + END}
    assert openings("ad\\w*") == {"ad"}  # the whole match "ad" opens longer ones too
    assert openings("Straße") == {"strasse" + END}  # folded: ß is ss
    assert openings("Strassen") == {"strassen"}  # as long as an opening: it may go on
    assert openings("\\d+ comments?") == {DIGIT + " comments"[: triggers.OPENING_CHARS - 1]}
    assert openings("\\d+[- ]?min") == {DIGIT + o + END for o in ("-min", " min", "min")}
    assert openings("\\d+0 min") == {DIGIT}  # the run of digits may end before the 0
    assert openings("\\d") == {DIGIT}
    assert openings("\\d+") == {DIGIT + END}
    assert openings("(?:\\$|£)\\s?\\d+") == {"$", "£"}  # a digit inside an opening ends it
    # A negated class tells nothing, but what comes before it opens every match (a cue
    # with one was a candidate in every paragraph).
    assert openings("a post by [^()]{1,80}\\(@\\w+\\)") == {"a post b"}
    assert openings("ab [^()]+x") == {"ab "}
    assert triggers.inside("ab [^()]+ \\(@x") == " (@x"


@pytest.mark.parametrize(
    "cue",
    ["\\w+ says:", "x?", "(?i)abc", "[[:alpha:]]bc", "\\p{L}bc", "[^a]bc", ".bc", "\\bab", "a|"],
)
def test_a_cue_whose_openings_cannot_be_told_is_always_a_candidate(cue: str) -> None:
    assert openings(cue) is None


def test_a_cue_with_an_unknown_opening_needs_its_plain_run() -> None:
    assert triggers.inside("\\w+ says:") == " says:"
    assert triggers.inside("\\w+") is None
    assert triggers.inside("(?:a|b)cd") == "cd"


def test_a_category_with_a_back_reference_is_matched_whole() -> None:
    book = _load.__wrapped__((), False)  # a fresh empty book, not the cached one
    assert all(book.count(c, "anything") == 0 for c in CATEGORIES)
    from newsclean.patterns import PhraseBook

    book = PhraseBook({"share": ["(ab)\\1", "(cd)\\2", "xyz"]}, ("xx",))
    whole = regex.compile(book.source("share"), regex.IGNORECASE)
    for text in ["abab cdcd xyz", "cdcd", "ABAB"]:
        assert [m.span() for m in book.find("share", text)] == [
            m.span() for m in whole.finditer(text)
        ]


def test_a_pickled_book_matches_the_same() -> None:
    copy = pickle.loads(pickle.dumps(BOOK))
    assert copy.languages == BOOK.languages
    for text in TEXTS:
        assert copy.scan(CATEGORIES, text) == BOOK.scan(CATEGORIES, text)


def test_every_bundled_cue_compiles() -> None:
    # Loading the bundled lists does not compile each cue (that is most of the start-up
    # cost), so this is where a bad one would show.
    for category in CATEGORIES:
        for i in range(len(BOOK._categories[category].fragments)):
            BOOK._categories[category].cue(i)
        assert BOOK.patterns[category].pattern == BOOK.source(category)


def test_a_bad_user_cue_is_still_refused(tmp_path) -> None:
    path = tmp_path / "xx.toml"
    path.write_text('[cues]\nappeal = ["(unclosed"]\n', encoding="utf-8")
    with pytest.raises(PhraseListError, match="bad pattern"):
        load_phrasebook((str(path),))


def test_a_bad_user_month_name_is_still_refused(tmp_path) -> None:
    path = tmp_path / "xx.toml"
    months = ", ".join(['"(jan"'] + [f'"m{k}"' for k in range(2, 13)])
    path.write_text(f"[dates]\nmonths = [{months}]\n", encoding="utf-8")
    with pytest.raises(PhraseListError, match=r"dates\.months: bad pattern"):
        load_phrasebook((str(path),))


# --- the character facts the openings rest on, over every character ---------------------

_ALL = "".join(chr(c) for c in range(sys.maxunicode + 1) if not 0xD800 <= c < 0xE000)
_CASED = "".join(c for c in _ALL if c.lower() != c or c.upper() != c or c.casefold() != c)


def _sure(chars: str) -> str:
    return "".join(c for c in chars if not triggers.unsure(c))


def test_characters_matched_case_insensitively_fold_alike() -> None:
    # Outside the characters the regex module and unicodedata disagree on (a text holding one
    # is matched with every cue).
    cased = _sure(_CASED)
    for char in cased:
        for other in regex.findall(regex.escape(char), cased, flags=regex.IGNORECASE):
            assert fold(char) == fold(other), (char, other)


def test_no_character_outside_the_cue_boundary_folds_to_end_in_one_inside_the_finders() -> None:
    # A cue may start after any character \w leaves out (and after no @ or /); the finder,
    # over folded text, treats only [a-zA-Z0-9_@/] as such: none of the others may fold to
    # end in one.
    ascii_word = regex.compile(r"[a-zA-Z0-9_@/]\Z")
    for char in regex.findall(r"[^\w@/]", _ALL):
        assert not ascii_word.search(fold(char)), char


def test_no_character_that_may_follow_a_cue_folds_to_start_with_one_that_may_not() -> None:
    # A whole match (an opening ending with END) is no candidate where the folded text goes
    # on with [a-z0-9_@]: no character a cue's end allows (not \w, not @) may fold to that.
    for char in regex.findall(r"[^\w@]", _ALL):
        assert fold(char)[:1] not in triggers._WORD_AFTER, char


def test_a_whole_word_cue_is_no_candidate_inside_a_longer_word() -> None:
    index = triggers.TriggerIndex([["us", "\\d+", "ab\\w*"]])
    assert index.candidates("use usual uſe") == {}
    assert index.candidates("Tell US. 12b") == {0: (0,)}
    assert index.candidates("tell us") == {0: (0,)}
    assert index.candidates("us, 12") == {0: (0, 1)}
    assert index.candidates("abc") == {0: (2,)}


def test_a_cue_that_goes_on_after_digits_is_no_candidate_where_the_text_ends_in_them() -> None:
    index = triggers.TriggerIndex([["\\d+ min", "\\d+"]])
    assert index.candidates("Sport 12") == {0: (1,)}
    assert index.candidates("Sport 12 mi") == {0: (1,)}
    assert index.candidates("Sport 12 min") == {0: (0, 1)}
    # A window cut at OPENING_CHARS says nothing of what follows it.
    assert index.candidates("123456789") == {0: (0, 1)}
    assert index.candidates_at_start("12") == {0: (1,)}
    assert index.candidates_at_start("12345678") == {0: (0, 1)}


def test_texts_cut_after_a_digit_match_as_the_whole_alternation() -> None:
    for text in TEXTS:
        for end in range(1, len(text) + 1):
            if text[end - 1].isdigit():
                _same_as_whole(text[:end])


def test_a_cue_is_no_candidate_without_a_run_every_match_holds() -> None:
    # The opening "read " is there, " comment" is not: the cue cannot match.
    index = triggers.TriggerIndex([["(?:read|all) (?:\\w+ )?comments?", "read"]])
    assert index.candidates("Read all about it") == {0: (1,)}
    assert index.candidates("Read the COMMENTS") == {0: (0, 1)}


def test_decimal_digits_are_what_backslash_d_matches() -> None:
    sure = _sure(_ALL)
    assert regex.findall(r"\d", sure) == [c for c in sure if c.isdecimal()]
    assert all(fold(c) == c for c in regex.findall(r"\d", _ALL))


def test_no_cased_letter_or_digit_lies_beyond_the_planes_looked_at() -> None:
    beyond = "".join(chr(c) for c in range(0x20000, sys.maxunicode + 1))
    assert not regex.search(r"[\p{Changes_When_Casemapped}\p{Changes_When_Casefolded}\d]", beyond)


def test_a_text_or_cue_with_an_unsure_character_is_still_matched_exactly() -> None:
    from newsclean.patterns import PhraseBook

    unsure = triggers.unsure_characters()
    letter = next((c for c in unsure if not regex.match(r"\d", c)), "x")
    digit = next((c for c in unsure if regex.match(r"\d", c)), "7")
    cues = [f"{letter}ab", "abc", f"z{letter}", "\\d+ min"]
    book = PhraseBook({"share": cues}, ("xx",))
    whole = regex.compile(book.source("share"), regex.IGNORECASE)
    texts = [
        f"{letter}AB abc",
        f"{letter.upper()}ab z{letter}",
        "abc 5 min",
        f"Z{letter} 7 min",
        f"{digit} min",
        f"{digit}{digit} MIN abc",
    ]
    for text in texts:
        assert [m.span() for m in book.find("share", text)] == [
            m.span() for m in whole.finditer(text)
        ]
    for text in [f"{digit} min", f"the {digit}0 min"]:
        assert BOOK.count("reading", text) == len(WHOLE["reading"].findall(text))


def test_the_window_cache_is_bounded(monkeypatch) -> None:
    monkeypatch.setattr(triggers, "_WINDOW_CACHE", 8)
    index = triggers.TriggerIndex([["ab", "cd"]])
    for n in range(100):
        index.candidates(f"ab{n} cd{n}")
    assert len(index._windows) <= 8


def test_the_candidates_of_every_short_line_of_a_long_document_are_remembered(
    monkeypatch,
) -> None:
    # Steps ask about a document's lines one step after another: thousands of short lines
    # (a navigation dump) must not each be searched again by every step.
    from newsclean.patterns import PhraseBook

    book = PhraseBook({"share": ["share", "tweet"]}, ("en",))
    searched = []
    search = book._index.candidates
    monkeypatch.setattr(book._index, "candidates", lambda t: searched.append(t) or search(t))
    lines = [f"Share {n}" for n in range(5000)]
    for _step in range(3):
        for line in lines:
            book.count("share", line)
    assert len(searched) == len(lines)


def test_the_remembered_candidates_are_bounded_by_size(monkeypatch) -> None:
    import newsclean.patterns as patterns
    from newsclean.patterns import PhraseBook

    monkeypatch.setattr(patterns, "_RECENT_SIZE", 10_000)
    book = PhraseBook({"share": ["share"]}, ("en",))
    for n in range(1000):
        book.count("share", f"Share {n} " * 20)
        assert book._recent_size <= 10_000
        assert book._recent_size == sum(len(t) + patterns._RECENT_ENTRY for t in book._recent)


def test_a_huge_text_is_matched_with_the_whole_alternations(monkeypatch) -> None:
    # Past _WHOLE_CHARS the matches are not merged from every candidate cue (that would hold
    # them all at once); the results are the same.
    import newsclean.patterns as patterns

    expected = [
        (
            BOOK.scan(CATEGORIES, t),
            [BOOK.count(c, t) for c in CATEGORIES],
            [[m.span() for m in BOOK.find(c, t)] for c in CATEGORIES],
        )
        for t in TEXTS
    ]
    monkeypatch.setattr(patterns, "_WHOLE_CHARS", 0)
    found = [
        (
            BOOK.scan(CATEGORIES, t),
            [BOOK.count(c, t) for c in CATEGORIES],
            [[m.span() for m in BOOK.find(c, t)] for c in CATEGORIES],
        )
        for t in TEXTS
    ]
    assert found == expected


def test_every_bundled_cue_is_a_candidate_only_where_it_may_match() -> None:
    # A cue whose openings cannot be told (and that holds no plain run) is searched for in
    # every paragraph of every article: one such cue in a new phrase-list entry costs every
    # step that reads its category. Write it so its openings can be read (see triggers).
    everywhere = [
        (name, category.fragments[i])
        for (name, category), always in zip(BOOK._categories.items(), BOOK._index.always)
        for i in always
    ]
    assert everywhere == []
