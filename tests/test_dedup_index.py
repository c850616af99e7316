import pickle
import sqlite3

import numpy as np
import pytest

from newsclean.dedup.index import NearDuplicateIndex, open_index
from newsclean.dedup.minhash import SignatureScheme, text_signatures
from newsclean.dedup.store import IndexUnavailable, SQLiteStore

SCHEME = SignatureScheme()


def article(seed: int, words: int = 300) -> str:
    rng = np.random.default_rng(seed)
    return " ".join(f"w{n}" for n in rng.integers(0, 5000, size=words))


def edited(text: str, every: int) -> str:
    words = text.split()
    return " ".join("changed" if i % every == 0 else w for i, w in enumerate(words))


def sig(text: str) -> np.ndarray:
    return text_signatures([text], SCHEME)[0]


def test_query_returns_only_verified_near_duplicates():
    index = NearDuplicateIndex(SCHEME, threshold=0.5)
    base = article(1)
    index.add("orig", sig(base))
    index.add("other", sig(article(2)))
    assert index.query(sig(edited(base, 50))) == ["orig"]
    assert index.query(sig(article(3))) == []


def test_lsh_candidates_are_verified(monkeypatch):
    index = NearDuplicateIndex(SCHEME, threshold=0.5)
    index.add("a", sig(article(1)))
    index.add("b", sig(article(2)))
    # Pretend the LSH returned everything: verification must still reject the unrelated one.
    monkeypatch.setattr(index, "candidates", lambda s: ["a", "b"])
    assert index.query(sig(article(1))) == ["a"]


def test_signature_of_wrong_shape_is_rejected():
    index = NearDuplicateIndex(SCHEME)
    with pytest.raises(ValueError, match="does not fit scheme"):
        index.add("x", np.zeros(64, dtype=np.uint32))


def test_persisted_index_round_trip(tmp_path):
    path = tmp_path / "index.db"
    texts = {f"doc{i}": article(i) for i in range(20)}
    index = open_index(path, SCHEME, 0.5)
    for key, text in texts.items():
        index.add(key, sig(text), created="2024-01-02", length=len(text))
    index.commit()
    index.close()

    loaded = open_index(path, SCHEME, 0.5)
    assert len(loaded) == 20
    entry = loaded.entry("doc3")
    assert (
        entry is not None and entry.created == "2024-01-02" and entry.length == len(texts["doc3"])
    )
    assert np.array_equal(entry.signature, sig(texts["doc3"]))
    fresh = NearDuplicateIndex(SCHEME, 0.5)
    for key, text in texts.items():
        fresh.add(key, sig(text))
    for probe in [edited(texts["doc4"], 40), article(99), texts["doc7"]]:
        assert loaded.query(sig(probe)) == fresh.query(sig(probe))
    assert loaded.query(sig(edited(texts["doc4"], 40))) == ["doc4"]
    loaded.close()


def test_crash_mid_write_keeps_the_last_good_index(tmp_path, monkeypatch):
    path = tmp_path / "index.db"
    index = open_index(path, SCHEME, 0.5)
    index.add("good", sig(article(1)))
    index.commit()
    index.close()

    index = open_index(path, SCHEME, 0.5)
    for i in range(10):
        index.add(f"new{i}", sig(article(100 + i)))
    calls = {"n": 0}
    real = SQLiteStore._merge_units

    def explode(self, site, units):
        calls["n"] += 1
        raise RuntimeError("disk on fire")

    index.add_paragraphs("site", "u1", {1, 2, 3})
    monkeypatch.setattr(SQLiteStore, "_merge_units", explode)
    with pytest.raises(RuntimeError, match="disk on fire"):
        index.commit()  # signatures were already inserted in the transaction when it failed
    index.close()
    monkeypatch.setattr(SQLiteStore, "_merge_units", real)
    assert calls["n"] == 1

    reloaded = open_index(path, SCHEME, 0.5)
    assert len(reloaded) == 1 and "good" in reloaded and "new0" not in reloaded
    reloaded.close()


def test_scheme_mismatch_names_both_schemes(tmp_path):
    path = tmp_path / "index.db"
    open_index(path, SCHEME).close()
    other = SignatureScheme(num_perm=64)
    with pytest.raises(ValueError, match=r"perm=128.*perm=64"):
        open_index(path, other)


def test_not_an_index_file(tmp_path):
    path = tmp_path / "junk.db"
    path.write_bytes(b"this is not sqlite at all" * 100)
    with pytest.raises(IndexUnavailable, match="not a newsclean index.*left untouched"):
        open_index(path, SCHEME)
    assert path.read_bytes() == b"this is not sqlite at all" * 100


def test_index_file_holds_raw_bytes_not_pickles(tmp_path, monkeypatch):
    path = tmp_path / "index.db"
    index = open_index(path, SCHEME, 0.5)
    index.add("a", sig(article(1)))
    index.add_paragraphs("site", "a", {5, 6})
    index.commit()
    index.close()
    with sqlite3.connect(path) as db:
        (blob,) = db.execute("SELECT signature FROM signatures").fetchone()
        meta = dict(db.execute("SELECT name, value FROM meta"))
    assert len(blob) == 128 * 4 and not blob.startswith(b"\x80")  # no pickle protocol header
    assert meta["scheme"] == SCHEME.key()

    def no_pickle(*args, **kwargs):
        raise AssertionError("pickle used while loading an index")

    monkeypatch.setattr(pickle, "loads", no_pickle)
    monkeypatch.setattr(pickle, "load", no_pickle)
    loaded = open_index(path, SCHEME, 0.5)
    assert loaded.query(sig(article(1))) == ["a"]
    loaded.close()


def test_paragraph_counts_are_idempotent_per_unit(tmp_path):
    path = tmp_path / "index.db"
    for _ in range(2):  # the same units committed twice count once
        index = open_index(path, SCHEME)
        index.add_paragraphs("site", "u1", {1, 2})
        index.add_paragraphs("site", "u2", {2, 3})
        index.commit()
        index.close()
    index = open_index(path, SCHEME)
    counts, units = index.stored_paragraph_counts("site", {1, 2, 3, 4}, set())
    assert units == 2 and counts == {1: 1, 2: 2, 3: 1}
    counts, units = index.stored_paragraph_counts("site", {1, 2, 3}, {"u1"})
    assert units == 1 and counts == {2: 1, 3: 1}
    index.close()


def test_forget_drops_a_files_entries_and_units_now_and_at_commit(tmp_path):
    path = tmp_path / "index.db"
    index = open_index(path, SCHEME)
    index.add("a1", sig(article(1)), path="a.txt")
    index.add("b1", sig(article(2)), path="b.txt")
    index.add_paragraphs("site", "a.txt", {1, 2}, path="a.txt")
    index.add_paragraphs("site", "b.txt", {2, 3}, path="b.txt")
    index.commit()
    index.close()

    index = open_index(path, SCHEME)
    assert index.paths() == {"a.txt", "b.txt"}
    index.forget({"a.txt"})
    assert index.query(sig(article(1))) == [] and "a1" not in index
    assert index.query(sig(article(2))) == ["b1"]
    counts, units = index.stored_paragraph_counts("site", {1, 2, 3}, set())
    assert units == 1 and counts == {2: 1, 3: 1}
    index.add("a2", sig(article(1)), path="a.txt")  # the file read again
    assert index.query(sig(article(1))) == ["a2"]
    index.commit()
    index.close()

    index = open_index(path, SCHEME)
    assert "a1" not in index and "a2" in index and "b1" in index
    counts, units = index.stored_paragraph_counts("site", {1, 2, 3}, set())
    assert units == 1 and counts == {2: 1, 3: 1}
    index.close()
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT COUNT(*) FROM paragraph_counts").fetchone() == (2,)


def test_forgetting_one_kind_keeps_the_other(tmp_path):
    path = tmp_path / "index.db"
    index = open_index(path, SCHEME)
    index.add("a1", sig(article(1)), path="a.txt")
    index.add_paragraphs("site", "a.txt", {1}, path="a.txt")
    index.commit()
    index.forget({"a.txt"}, units=False)
    index.commit()
    assert "a1" not in index
    assert index.stored_paragraph_counts("site", {1}, set()) == ({1: 1}, 1)
    index.forget({"a.txt"}, entries=False)
    index.commit()
    assert index.stored_paragraph_counts("site", {1}, set()) == ({}, 0)
    assert index.paths() == set()
    index.close()


def test_follow_files_forgets_files_that_are_gone_and_names_files_from_the_index(
    tmp_path, monkeypatch
):
    data = tmp_path / "data"
    data.mkdir()
    (data / "kept.txt").write_text("x", encoding="utf-8")
    index = open_index(data / "index.db", SCHEME)
    monkeypatch.chdir(tmp_path)
    assert index.file_key("data/kept.txt") == "kept.txt"
    index.add("k", sig(article(1)), path="kept.txt")
    index.add("g", sig(article(2)), path="gone.txt")
    index.commit()
    monkeypatch.chdir(data)  # another working folder: the same names
    assert index.file_key("kept.txt") == "kept.txt"
    index.follow_files(set())
    index.commit()
    assert "k" in index and "g" not in index
    index.close()


def test_format_1_index_is_upgraded_in_place(tmp_path):
    path = tmp_path / "old.db"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT)")
        db.execute("CREATE TABLE signatures (key TEXT PRIMARY KEY, signature BLOB NOT NULL, "
                   "created TEXT, length INTEGER NOT NULL)")
        db.execute("CREATE TABLE paragraph_units (site TEXT, unit TEXT, hashes BLOB NOT NULL, "
                   "PRIMARY KEY (site, unit))")
        db.execute("CREATE TABLE paragraph_counts (site TEXT, hash INTEGER, "
                   "units INTEGER NOT NULL, PRIMARY KEY (site, hash))")
        db.executemany("INSERT INTO meta VALUES (?, ?)",
                       [("format", "newsclean-index/1"), ("scheme", SCHEME.key())])
        db.execute("INSERT INTO signatures VALUES (?, ?, ?, ?)",
                   ("old", sig(article(1)).astype("<u4").tobytes(), None, 10))
    index = open_index(path, SCHEME)
    assert index.query(sig(article(1))) == ["old"]
    assert index.entry("old").path is None
    index.add("new", sig(article(2)), path="n.txt")
    index.commit()
    index.close()
    with sqlite3.connect(path) as db:
        assert dict(db.execute("SELECT name, value FROM meta"))["format"] == "newsclean-index/2"
