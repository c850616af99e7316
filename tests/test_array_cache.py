"""The array cache gives back exactly what was stored, or nothing: a cache file that is
missing, cut, damaged, of another key or format, a link, another user's, or being written by
two processes at once never yields other arrays, and a directory that cannot be written never
fails the caller.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest

from newsclean import cache_file
from newsclean.array_cache import cache_dir, load_arrays, store_arrays

KEY = "test arrays, format 1"


def _arrays() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(12)
    return {
        "table": rng.standard_normal((300, 7)).astype(np.float16),
        "moves": rng.integers(0, 2**32, 5000, dtype=np.uint32),
        "names": np.array(["en", "fr", "zh"]),
        "depth": np.array(6),
        "empty": np.zeros((0, 4), dtype=np.int32),
        "columns": np.arange(12, dtype=np.int64).reshape(3, 4).T,  # not C-contiguous
    }


def _same(got: dict[str, np.ndarray] | None, want: dict[str, np.ndarray]) -> None:
    assert got is not None
    assert list(got) == list(want)
    for name, array in want.items():
        assert got[name].dtype == array.dtype and got[name].shape == array.shape, name
        assert np.array_equal(got[name], array), name


@pytest.fixture
def stored(tmp_path: Path) -> Path:
    path = tmp_path / "cache" / "arrays.bin"
    store_arrays(path, KEY, _arrays())
    return path


def test_what_is_stored_is_read_back(stored: Path) -> None:
    got = load_arrays(stored, KEY)
    _same(got, _arrays())
    assert got is not None
    # Views of the mapped file: aligned for numpy's fast paths, and read-only, so no process
    # can write into pages others share.
    assert all(array.flags.aligned and not array.flags.writeable for array in got.values())
    assert [p.name for p in stored.parent.iterdir()] == ["arrays.bin"]  # no temporary left


def test_a_missing_file_or_another_key_gives_nothing(stored: Path) -> None:
    assert load_arrays(stored.with_name("other.bin"), KEY) is None
    assert load_arrays(stored, "test arrays, format 2") is None


def test_a_cut_file_gives_nothing(stored: Path, tmp_path: Path) -> None:
    whole = stored.read_bytes()
    cut = tmp_path / "cut.bin"
    # Inside the prefix, the header, the padding, an array, and one byte short.
    for size in [0, 1, 27, 28, 100, 511, 512, 2000, len(whole) // 2, len(whole) - 1]:
        cut.write_bytes(whole[:size])
        assert load_arrays(cut, KEY) is None, size
    cut.write_bytes(whole + b"\0")  # or with bytes after it
    assert load_arrays(cut, KEY) is None


def test_a_damaged_file_gives_nothing(stored: Path, tmp_path: Path) -> None:
    whole = stored.read_bytes()
    damaged = tmp_path / "damaged.bin"
    # Every byte of the prefix and header, then bytes spread over the arrays.
    for place in [*range(0, 600), *range(600, len(whole), 997), len(whole) - 1]:
        data = bytearray(whole)
        data[place] ^= 0x10
        damaged.write_bytes(bytes(data))
        assert load_arrays(damaged, KEY) is None, place


def test_another_layout_version_gives_nothing(stored: Path) -> None:
    data = bytearray(stored.read_bytes())
    data[14] = ord("2")  # the version in the magic string
    stored.write_bytes(bytes(data))
    assert load_arrays(stored, KEY) is None


def test_a_link_in_place_of_the_file_is_not_followed(stored: Path, tmp_path: Path) -> None:
    link = tmp_path / "link.bin"
    link.symlink_to(stored)
    assert load_arrays(link, KEY) is None
    # Writing replaces the link itself, never the file it points to.
    elsewhere = tmp_path / "elsewhere.bin"
    elsewhere.write_bytes(b"not a cache")
    link.unlink()
    link.symlink_to(elsewhere)
    store_arrays(link, KEY, _arrays())
    assert elsewhere.read_bytes() == b"not a cache"
    _same(load_arrays(link, KEY), _arrays())


def test_a_linked_directory_is_used(stored: Path, tmp_path: Path) -> None:
    # ~/.cache on another disk is common: a directory link is followed.
    (tmp_path / "linked").symlink_to(stored.parent, target_is_directory=True)
    _same(load_arrays(tmp_path / "linked" / stored.name, KEY), _arrays())


def test_a_directory_in_place_of_the_file_gives_nothing(tmp_path: Path) -> None:
    (tmp_path / "arrays.bin").mkdir()
    assert load_arrays(tmp_path / "arrays.bin", KEY) is None
    store_arrays(tmp_path / "arrays.bin", KEY, _arrays())  # cannot replace it: no error
    assert (tmp_path / "arrays.bin").is_dir()


@pytest.mark.skipif(os.geteuid() != 0, reason="giving a file to another user needs root")
def test_another_users_file_gives_nothing(stored: Path) -> None:
    os.chown(stored, os.getuid() + 1, -1)
    assert load_arrays(stored, KEY) is None


def test_a_directory_that_cannot_be_made_is_no_error(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("in the way")
    for directory in [tmp_path / "file" / "cache", tmp_path / "dangling"]:
        if directory.name == "dangling":
            directory.symlink_to(tmp_path / "gone", target_is_directory=True)
            directory = directory / "cache"
        store_arrays(directory / "arrays.bin", KEY, _arrays())
        assert load_arrays(directory / "arrays.bin", KEY) is None


def test_a_directory_that_cannot_be_written_is_no_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Read-only (as root, permissions alone do not stop a write, so the refusal is made here).
    def refuse(*args: object, **kwargs: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(cache_file.tempfile, "mkstemp", refuse)
    store_arrays(tmp_path / "arrays.bin", KEY, _arrays())
    assert list(tmp_path.iterdir()) == []


_STORE_WHEN_FULL = """
import resource, sys
import numpy as np
from pathlib import Path
from newsclean.array_cache import store_arrays
resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))  # writes past 4 KiB fail (EFBIG)
store_arrays(Path(sys.argv[1]), "key", {"big": np.zeros(100_000)})
print("done")
"""


def test_a_full_file_system_is_no_error_and_leaves_nothing(tmp_path: Path) -> None:
    path = tmp_path / "arrays.bin"
    done = subprocess.run(
        [sys.executable, "-c", _STORE_WHEN_FULL, str(path)],
        capture_output=True, text=True, check=True,
    )
    assert done.stdout == "done\n"
    assert list(tmp_path.iterdir()) == []


def test_two_writers_at_once_leave_one_whole_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The first writer stops between writing its temporary file and renaming it; a second
    # writer stores other arrays meanwhile; a reader sees nothing, then the second's arrays
    # whole, then the first's.
    path = tmp_path / "arrays.bin"
    first, second = _arrays(), {"other": np.arange(10)}
    written, resume = threading.Event(), threading.Event()
    replace = os.replace

    def slow_replace(source: str, target: Path) -> None:
        if threading.current_thread().name == "first":
            written.set()
            assert resume.wait(timeout=60)
        replace(source, target)

    monkeypatch.setattr(cache_file.os, "replace", slow_replace)
    writer = threading.Thread(target=store_arrays, args=(path, KEY, first), name="first")
    writer.start()
    assert written.wait(timeout=60)
    assert load_arrays(path, KEY) is None  # only the temporary file so far
    store_arrays(path, KEY, second)
    _same(load_arrays(path, KEY), second)
    resume.set()
    writer.join()
    _same(load_arrays(path, KEY), first)
    assert [p.name for p in tmp_path.iterdir()] == ["arrays.bin"]


def test_where_the_cache_is(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ["NEWSCLEAN_NO_CACHE", "NEWSCLEAN_CACHE_DIR", "XDG_CACHE_HOME"]:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert cache_dir() == tmp_path / "home" / ".cache" / "newsclean"
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/cache")  # ignored, as the XDG spec says
    assert cache_dir() == tmp_path / "home" / ".cache" / "newsclean"
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache_dir() == tmp_path / "xdg" / "newsclean"
    monkeypatch.setenv("NEWSCLEAN_CACHE_DIR", str(tmp_path / "mine"))
    assert cache_dir() == tmp_path / "mine"
    monkeypatch.setenv("NEWSCLEAN_NO_CACHE", "1")
    assert cache_dir() is None


def test_no_cache_where_a_link_cannot_be_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSCLEAN_CACHE_DIR", "anywhere")
    monkeypatch.delattr(os, "O_NOFOLLOW")  # as on Windows
    assert cache_dir() is None
