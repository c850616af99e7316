"""A blob cache file gives back exactly what was stored under its key, or nothing: a file that
is missing, empty, cut, damaged, of another key, or a link never yields other bytes. (Writing
and where files are kept are shared with the array cache and tested in test_array_cache.py.)
"""

from __future__ import annotations

from pathlib import Path

import pytest

from newsclean.cache_file import load_blob, store_blob

KEY = "test blob, format 1"
DATA = bytes(range(256)) * 5 + "é, ß, \u0131".encode()


@pytest.fixture
def stored(tmp_path: Path) -> Path:
    path = tmp_path / "cache" / "blob.cache"
    store_blob(path, KEY, DATA)
    return path


def test_what_is_stored_is_read_back(stored: Path) -> None:
    assert load_blob(stored, KEY) == DATA
    assert [p.name for p in stored.parent.iterdir()] == ["blob.cache"]  # no temporary left


def test_empty_data_is_read_back(tmp_path: Path) -> None:
    store_blob(tmp_path / "empty.cache", KEY, b"")
    assert load_blob(tmp_path / "empty.cache", KEY) == b""


def test_a_missing_or_empty_file_or_another_key_gives_nothing(stored: Path) -> None:
    assert load_blob(stored.parent / "missing.cache", KEY) is None
    assert load_blob(stored, KEY + " ") is None
    assert load_blob(stored, KEY[:-1]) is None
    (stored.parent / "empty.cache").write_bytes(b"")
    assert load_blob(stored.parent / "empty.cache", KEY) is None


def test_a_cut_or_damaged_file_gives_nothing(stored: Path, tmp_path: Path) -> None:
    whole = stored.read_bytes()
    damaged = tmp_path / "damaged.cache"
    for end in range(len(whole)):
        damaged.write_bytes(whole[:end])
        assert load_blob(damaged, KEY) is None, end
    for place in range(0, len(whole), 7):
        flipped = bytearray(whole)
        flipped[place] ^= 0x10
        damaged.write_bytes(bytes(flipped))
        assert load_blob(damaged, KEY) is None, place
    damaged.write_bytes(whole + b"\0")
    assert load_blob(damaged, KEY) is None


def test_a_link_in_place_of_the_file_is_not_followed(stored: Path, tmp_path: Path) -> None:
    link = tmp_path / "link.cache"
    link.symlink_to(stored)
    assert load_blob(link, KEY) is None
    store_blob(link, KEY, b"new")  # replaces the link, not the file it points to
    assert load_blob(stored, KEY) == DATA
    assert load_blob(link, KEY) == b"new"


def test_a_directory_in_place_of_the_file_gives_nothing(tmp_path: Path) -> None:
    (tmp_path / "blob.cache").mkdir()
    assert load_blob(tmp_path / "blob.cache", KEY) is None
    store_blob(tmp_path / "blob.cache", KEY, DATA)  # cannot replace it: no error
    assert (tmp_path / "blob.cache").is_dir()
