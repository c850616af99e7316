"""The phrase book's cache: a book read back from it is the book the lists make, and a cache
file that is missing, damaged, foreign, stale or cannot be written only means the book is
built from the lists again. Custom lists are cached by their own content.
"""

from __future__ import annotations

import json
import struct
from pathlib import Path

import pytest

from newsclean import cache_file
from newsclean.patterns import CATEGORIES, PhraseBook, PhraseListError, _load, triggers

# Written for this test: cue words in ASCII and other scripts, digits, Turkish i.
TEXTS = [
    "Support us today. Please consider a monthly contribution, every donation counts!",
    "Share on Facebook | Tweet | Copy link. Photo: Example Images",
    "12 comments · 3 min read · Updated 10:42 · jdoe says: great piece",
    "Liebe Leserinnen und Leser, unterstützen Sie unseren Journalismus.",
    "Уважаемые читатели! Поддержите нас. 5 мин чтения",
    "SİGN UP, sıgn ın, ſubscribe, ﬁnd out more",
]


def _build(extra: tuple[str, ...] = (), bundled: bool = True) -> PhraseBook:
    """A book made afresh, not the one this process already holds."""
    return _load.__wrapped__(extra, bundled)  # type: ignore[attr-defined]


def _record(book: PhraseBook) -> object:
    return json.loads(json.dumps(book.cache_record()))


def _answers(book: PhraseBook) -> list[object]:
    out: list[object] = []
    for text in TEXTS:
        out.append(book.scan(CATEGORIES, text))
        for category in CATEGORIES:
            out.append([m.span() for m in book.find(category, text)])
            found = book.starts_with(category, text)
            out.append(found and found.span())
    return out


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("NEWSCLEAN_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache"


@pytest.fixture(scope="module")
def uncached() -> PhraseBook:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("NEWSCLEAN_NO_CACHE", "1")
        return _build()


def _no_index_reading(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make reading the cues' structure fail, so a test knows the cache was used."""

    def refuse(categories: object) -> None:
        raise AssertionError("the cues were read again")

    monkeypatch.setattr(triggers, "_index_state", refuse)


def test_a_book_read_back_is_the_book_the_lists_make(
    cache: Path, uncached: PhraseBook, monkeypatch: pytest.MonkeyPatch
) -> None:
    written = _build()
    assert len(list(cache.iterdir())) == 1
    _no_index_reading(monkeypatch)
    read = _build()
    assert read.languages == uncached.languages
    assert _record(read) == _record(written) == _record(uncached)
    assert _answers(read) == _answers(uncached)


def test_no_cache_writes_nothing(
    cache: Path, uncached: PhraseBook, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NEWSCLEAN_NO_CACHE", "1")
    assert _record(_build()) == _record(uncached)
    assert not cache.exists()


def _cut(data: bytes) -> bytes:
    return data[: len(data) // 2]


def _flipped(data: bytes) -> bytes:
    middle = bytearray(data)
    middle[len(data) // 2] ^= 0x01
    return bytes(middle)


@pytest.mark.parametrize(
    "damage", [_cut, _flipped, lambda data: b"", lambda data: b"garbage" * 100]
)
def test_a_damaged_cache_file_means_the_book_is_built_again(
    cache: Path, uncached: PhraseBook, damage: object
) -> None:
    _build()
    (path,) = cache.iterdir()
    path.write_bytes(damage(path.read_bytes()))  # type: ignore[operator]
    assert _answers(_build()) == _answers(uncached)
    # and the file was written whole again
    assert cache_file.load_blob(path, _key_of(path)) is not None


def _key_of(path: Path) -> str:
    data = path.read_bytes()
    size = struct.unpack_from("<Q", data, 16)[0]
    return data[28 : 28 + size].decode()


@pytest.mark.parametrize("record", [b"not json", b"{}", b'{"cues": 1}', b"[]"])
def test_a_record_of_the_right_key_but_not_a_book_means_the_book_is_built_again(
    cache: Path, uncached: PhraseBook, record: bytes
) -> None:
    _build()
    (path,) = cache.iterdir()
    cache_file.store_blob(path, _key_of(path), record)
    assert _record(_build()) == _record(uncached)


def test_a_cache_that_cannot_be_written_changes_nothing(
    tmp_path: Path, uncached: PhraseBook, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "file").write_text("in the way")
    monkeypatch.setenv("NEWSCLEAN_CACHE_DIR", str(tmp_path / "file" / "cache"))
    assert _record(_build()) == _record(uncached)
    assert _record(_build()) == _record(uncached)


def test_an_edited_custom_list_is_read_afresh(
    cache: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    custom = tmp_path / "xx.toml"
    custom.write_text('[cues]\nshare = ["zorbly"]\n', encoding="utf-8")
    first = _build((str(custom),))
    assert [m.group() for m in first.find("share", "a zorbly b quaxle")] == ["zorbly"]
    custom.write_text('[cues]\nshare = ["quaxle"]\n', encoding="utf-8")
    second = _build((str(custom),))
    assert [m.group() for m in second.find("share", "a zorbly b quaxle")] == ["quaxle"]
    # One file for the bundled lists with this custom one, replaced when it changed.
    assert len(list(cache.iterdir())) == 1
    _no_index_reading(monkeypatch)
    again = _build((str(custom),))
    assert [m.group() for m in again.find("share", "a zorbly b quaxle")] == ["quaxle"]


def test_a_bad_custom_list_is_refused_with_a_cache_present(cache: Path, tmp_path: Path) -> None:
    custom = tmp_path / "xx.toml"
    custom.write_text('[cues]\nshare = ["zorbly"]\n', encoding="utf-8")
    _build((str(custom),))
    custom.write_text('[cues]\nshare = ["(zorbly"]\n', encoding="utf-8")
    with pytest.raises(PhraseListError, match="bad pattern"):
        _build((str(custom),))
