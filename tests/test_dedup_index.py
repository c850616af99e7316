import hashlib
import json
import pickle
import re
import shutil
import sqlite3
import subprocess
import sys
from contextlib import closing

import numpy as np
import pytest

from newsclean.dedup.index import NearDuplicateIndex, find_files_root, open_index
from newsclean.dedup.link import band_keys, band_layout, find_clusters
from newsclean.dedup.minhash import SignatureScheme, text_signatures
from newsclean.dedup.sketches import Sketches
from newsclean.dedup.store import APPLICATION_ID, IndexUnavailable, SQLiteStore
from newsclean.record import Document
from newsclean.steps.base import Draft

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
    monkeypatch.setattr(index, "candidates_many", lambda sigs: [["a", "b"]] * len(sigs))
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
        assert dict(db.execute("SELECT name, value FROM meta"))["format"] == "newsclean-index/3"


# Index trouble: one IndexUnavailable, one line, saying what happened ----------------------


def sha256(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def filled_index(path, entries: int = 300):
    index = open_index(path, SCHEME, 0.5)
    for i in range(entries):
        index.add(f"doc{i}", sig(article(i)), path=f"f{i}.txt")
    index.commit()
    index.close()


def damage(path):
    """Write garbage over a quarter of the file's pages, past its schema (page 1)."""
    data = bytearray(path.read_bytes())
    middle = len(data) // 2
    data[middle : middle + 16384] = b"\xde\xad\xbe\xef" * 4096
    path.write_bytes(bytes(data))


def test_a_new_index_carries_the_newsclean_application_id(tmp_path):
    path = tmp_path / "index.db"
    open_index(path, SCHEME).close()
    with closing(sqlite3.connect(path)) as db:
        assert db.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_an_empty_file_becomes_an_index(tmp_path):
    path = tmp_path / "index.db"
    path.touch()
    index = open_index(path, SCHEME)
    index.add("a", sig(article(1)))
    index.commit()
    index.close()
    assert "a" in open_index(path, SCHEME)


def foreign_tables(db):
    db.execute("CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT)")
    db.execute("INSERT INTO users VALUES (1, 'ada')")


def foreign_meta(db):
    # Our table names, someone else's content.
    db.execute("CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT)")
    db.execute("INSERT INTO meta VALUES ('format', 'accounts/3')")


def our_tables_other_application(db):
    db.execute("CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT)")
    db.execute("INSERT INTO meta VALUES ('format', 'newsclean-index/2')")
    db.execute("PRAGMA application_id = 1234")


def views_only(db):
    db.execute("CREATE VIEW answer AS SELECT 42")


@pytest.mark.parametrize(
    ("build", "why"),
    [
        (foreign_tables, "of something else, with users"),
        (foreign_meta, "of something else, with meta"),
        (our_tables_other_application, "another application's SQLite database, id 0x000004d2"),
        (views_only, "of something else, with answer"),
    ],
)
def test_a_database_that_is_not_an_index_is_refused_untouched(tmp_path, build, why):
    path = tmp_path / "app.db"
    with closing(sqlite3.connect(path, isolation_level=None)) as db:
        build(db)
    before = sha256(path)
    with pytest.raises(IndexUnavailable) as caught:
        open_index(path, SCHEME)
    message = str(caught.value)
    assert message.startswith(f"{path} is not a newsclean index (")
    assert why in message and "left untouched" in message and "\n" not in message
    assert sha256(path) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["app.db"]  # no -wal, no -shm
    with closing(sqlite3.connect(path)) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "delete"


def test_an_index_written_before_the_application_id_opens_and_is_stamped(tmp_path):
    path = tmp_path / "index.db"
    index = open_index(path, SCHEME)
    index.add("old", sig(article(1)), path="a.txt")
    index.commit()
    index.close()
    with closing(sqlite3.connect(path, isolation_level=None)) as db:
        db.execute("PRAGMA application_id = 0")  # as every index was before it was set
    index = open_index(path, SCHEME)
    assert index.query(sig(article(1))) == ["old"] and index.paths() == {"a.txt"}
    index.close()
    with closing(sqlite3.connect(path)) as db:
        assert db.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID


def test_a_lock_on_an_index_is_reported_as_a_lock(tmp_path):
    path = tmp_path / "index.db"
    open_index(path, SCHEME).close()
    with closing(sqlite3.connect(path, isolation_level=None)) as other:
        other.execute("BEGIN EXCLUSIVE")  # another process's run, writing
        # WAL lets a reader in; the write at commit time waits for the lock, then gives up.
        index = NearDuplicateIndex(SCHEME, 0.5, SQLiteStore(path, SCHEME, busy_timeout=0.01))
        index.add("a", sig(article(1)))
        with pytest.raises(IndexUnavailable) as caught:
            index.commit()
        other.execute("ROLLBACK")
    index.close()
    message = str(caught.value)
    assert message.startswith(f"{path} is locked by another process")
    assert "retry" in message and "not a newsclean index" not in message


def test_a_lock_on_a_new_index_file_is_reported_as_a_lock(tmp_path):
    # A rollback-journal database under an exclusive lock cannot even be read: opening used
    # to report it as "not a newsclean index".
    path = tmp_path / "index.db"
    with closing(sqlite3.connect(path, isolation_level=None)) as other:
        other.execute("BEGIN EXCLUSIVE")
        with pytest.raises(IndexUnavailable, match="is locked by another process"):
            SQLiteStore(path, SCHEME, busy_timeout=0.01)
        other.execute("ROLLBACK")
    index = open_index(path, SCHEME)  # the lock gone, it opens
    index.close()


def test_a_damaged_index_says_so_and_how_to_rebuild_it(tmp_path):
    path = tmp_path / "index.db"
    filled_index(path)
    damage(path)
    index = open_index(path, SCHEME, 0.5)  # the schema page is whole
    with pytest.raises(IndexUnavailable) as caught:
        # Look-ups read only what they need: looking up every article reads every page.
        index.query_many(text_signatures([article(i) for i in range(300)], SCHEME))
    index.close()
    message = str(caught.value)
    assert message.startswith(f"{path} is damaged (database disk image is malformed)")
    assert "delete it and run again" in message and "\n" not in message


def test_a_signature_of_the_wrong_size_is_damage(tmp_path):
    path = tmp_path / "index.db"
    filled_index(path, entries=2)
    with closing(sqlite3.connect(path, isolation_level=None)) as db:
        db.execute("UPDATE signatures SET signature = x'00' WHERE key = 'doc1'")
    index = open_index(path, SCHEME)
    with pytest.raises(IndexUnavailable, match=r"is damaged \(the stored signature of 'doc1'"):
        index.query(sig(article(1)))
    index.close()


def test_a_failure_that_is_not_the_backends_passes_unchanged(tmp_path, monkeypatch):
    index = open_index(tmp_path / "index.db", SCHEME)
    index.add("a", sig(article(1)), path="a.txt")
    index.commit()

    def bug(self, stored):
        raise KeyError("a bug, not an index problem")

    monkeypatch.setattr(SQLiteStore, "_key", bug)  # called inside paths(), which is guarded
    with pytest.raises(KeyError, match="a bug"):
        index.paths()
    index.close()


# The files root ---------------------------------------------------------------------------


def git_repo(folder):
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    folder.mkdir(parents=True)
    subprocess.run(["git", "init", "-q", str(folder)], check=True)
    return folder


def test_files_are_named_from_their_git_top_level(tmp_path, monkeypatch):
    repo = git_repo(tmp_path / "repo")
    (repo / "data").mkdir()
    (repo / "data" / "a.txt").write_text("x", encoding="utf-8")
    elsewhere = tmp_path / "cache"
    elsewhere.mkdir()
    # A hook git runs may point GIT_DIR at the repository being committed to.
    monkeypatch.setenv("GIT_DIR", str(tmp_path / "not-this-one"))
    assert find_files_root(repo / "data" / "a.txt") == repo.resolve()

    monkeypatch.chdir(repo / "data")
    index = open_index(elsewhere / "index.db", SCHEME)
    assert index.file_key("a.txt") == "data/a.txt"
    index.add("a", sig(article(1)), path=index.file_key("a.txt"))
    index.commit()
    index.close()
    with closing(sqlite3.connect(elsewhere / "index.db")) as db:  # stored from its own folder
        assert db.execute("SELECT path FROM signatures").fetchall() == [("../repo/data/a.txt",)]

    monkeypatch.chdir(tmp_path)  # another working folder, the same name
    index = open_index(elsewhere / "index.db", SCHEME)
    assert index.file_key(str(repo / "data" / "a.txt")) == "data/a.txt"
    assert index.paths() == {"data/a.txt"} and index.entry("a").path == "data/a.txt"
    index.close()


def test_outside_git_files_are_named_from_the_fallback_then_the_index_folder(tmp_path):
    data = tmp_path / "data"
    (data / "site").mkdir(parents=True)
    (data / "site" / "a.txt").write_text("x", encoding="utf-8")
    index = open_index(data / "index.db", SCHEME, root_fallback=tmp_path)
    assert index.file_key(str(data / "site" / "a.txt")) == "data/site/a.txt"
    index.close()
    index = open_index(data / "index.db", SCHEME)
    assert index.file_key(str(data / "site" / "a.txt")) == "site/a.txt"
    index.close()


def test_two_roots_sharing_an_index_never_prune_each_other(tmp_path):
    shared = tmp_path / "index.db"
    first, second = tmp_path / "first", tmp_path / "second"
    for root, name in ((first, "a.txt"), (second, "b.txt")):
        root.mkdir()
        (root / name).write_text("x", encoding="utf-8")
    index = open_index(shared, SCHEME, files_root=first)
    index.add("a", sig(article(1)), path="a.txt")
    index.add("gone", sig(article(3)), path="gone.txt")
    index.commit()
    index.close()

    index = open_index(shared, SCHEME, files_root=second)
    assert index.paths() == set()  # the first root's files are not this root's
    index.follow_files({str(second / "b.txt")})
    index.add("b", sig(article(2)), path="b.txt")
    index.commit()
    index.close()

    index = open_index(shared, SCHEME, files_root=first)
    assert "a" in index and "gone" in index and "b" in index
    index.follow_files(set())  # the first root prunes its own file that is gone
    index.commit()
    assert "gone" not in index and "a" in index and "b" in index
    assert index.paths() == {"a.txt"}
    index.close()


# Band keys in the store: look-ups by key, in batches, never the whole index ---------------


def random_sigs(count: int, seed: int) -> np.ndarray:
    """Signatures shaped like real ones (uint32 values), unrelated to each other."""
    return np.random.default_rng(seed).integers(0, 2**32, size=(count, 128), dtype=np.uint32)


def near_copies(sigs: np.ndarray, share: float, seed: int) -> np.ndarray:
    """``sigs`` with about ``1 - share`` of their values replaced: estimated Jaccard ~ share."""
    rng = np.random.default_rng(seed)
    copies = sigs.copy()
    changed = rng.random(sigs.shape) >= share
    copies[changed] = rng.integers(0, 2**32, size=int(changed.sum()), dtype=np.uint32)
    return copies


def reference(
    entries: dict[str, np.ndarray], probes: np.ndarray, threshold: float
) -> list[list[str]]:
    """Brute force: for each probe, every entry sharing a band with it whose estimate reaches
    the threshold, best first.
    """
    names = sorted(entries)
    values = np.stack([entries[name] for name in names])
    layout = band_layout(threshold, 128)
    keys, probe_keys = band_keys(values, *layout), band_keys(probes, *layout)
    found = []
    for probe, probe_key in zip(probes, probe_keys, strict=True):
        shares_a_band = (keys == probe_key).any(axis=1)
        similarity = (values == probe).mean(axis=1)
        hits = np.flatnonzero(shares_a_band & (similarity >= threshold))
        found.append([names[i] for i in sorted(hits, key=lambda i: (-similarity[i], names[i]))])
    return found


def test_query_many_is_query_per_row_over_stored_staged_and_forgotten_entries(tmp_path):
    stored = random_sigs(60, seed=1)
    index = open_index(tmp_path / "index.db", SCHEME, 0.5)
    for i, value in enumerate(stored):
        index.add(f"s{i}", value, path=f"s{i % 6}.txt")
    index.commit()
    staged = near_copies(stored[:20], 0.8, seed=2)
    for i, value in enumerate(staged):
        index.add(f"t{i}", value)
    index.forget({"s0.txt"})  # s0, s6, s12, ... are gone from queries at once
    index.add("s6", stored[6])  # ... unless added again
    visible = {f"s{i}": v for i, v in enumerate(stored) if i % 6 or i == 6}
    visible |= {f"t{i}": v for i, v in enumerate(staged)}
    probes = np.concatenate([stored, near_copies(stored, 0.6, seed=3), random_sigs(10, seed=4)])
    found = index.query_many(probes)
    assert found == [index.query(p) for p in probes]
    assert found == reference(visible, probes, 0.5)
    assert found[0] == ["t0"] and found[6] == ["s6", "t6"]
    index.commit()
    index.close()
    reopened = open_index(tmp_path / "index.db", SCHEME, 0.5)
    assert reopened.query_many(probes) == found
    assert len(reopened) == len(visible)
    reopened.close()


def test_staged_band_keys_merge_as_entries_come_and_go(monkeypatch):
    # Small merges, so that adding and looking up in turn crosses many of them.
    monkeypatch.setattr("newsclean.dedup.index._STAGED_MERGE", 50)
    index = NearDuplicateIndex(SCHEME, 0.5)
    sigs = random_sigs(120, seed=5)
    visible: dict[str, np.ndarray] = {}
    for i, value in enumerate(sigs):
        index.add(f"k{i}", value)
        visible[f"k{i}"] = value
        if i % 7 == 3:  # replaced: the old signature is no longer found
            index.add(f"k{i - 1}", sigs[i - 3])
            visible[f"k{i - 1}"] = sigs[i - 3]
        if i % 10 == 9:
            probes = sigs[i - 9 : i + 1]
            assert index.query_many(probes) == reference(visible, probes, 0.5)
    assert index.query_many(sigs) == reference(visible, sigs, 0.5)


def test_look_ups_and_commits_never_read_the_whole_index(tmp_path):
    index = open_index(tmp_path / "index.db", SCHEME, 0.5)
    for i, value in enumerate(random_sigs(500, seed=6)):
        index.add(f"old{i}", value, path=f"f{i}.txt")
    index.commit()
    index.close()

    index = open_index(tmp_path / "index.db", SCHEME, 0.5)
    statements: list[str] = []
    index.store._db.set_trace_callback(statements.append)
    new = random_sigs(40, seed=7)
    index.query_many(np.concatenate([new, random_sigs(3, seed=6)]))
    for i, value in enumerate(new):
        index.add(f"new{i}", value, path="new.txt")
    index.forget({"f1.txt"})  # (following files lists the root's files: not a look-up)
    index.commit()
    index.close()
    reads = [s for s in statements if re.search(r"FROM (signatures|bands)\b", s)]
    assert reads, "the trace saw nothing"
    for statement in reads:  # each picks rows by key, id or path: none scans a table
        assert re.search(r"WHERE \w*\.?(key|id|path) (IN|=|>)", statement), statement


def test_opening_reads_no_entry(tmp_path):
    path = tmp_path / "index.db"
    filled_index(path, entries=50)
    store = SQLiteStore(path, SCHEME)
    statements: list[str] = []
    store._db.set_trace_callback(statements.append)
    index = NearDuplicateIndex(SCHEME, 0.5, store)
    index.close()
    assert not [s for s in statements if "signatures" in s or "bands" in s]


def band_rows(path) -> int:
    with closing(sqlite3.connect(path)) as db:
        return db.execute("SELECT COUNT(*) FROM bands").fetchone()[0]


def test_band_keys_follow_replacements_and_forgetting(tmp_path):
    path = tmp_path / "index.db"
    first, second = random_sigs(2, seed=8)
    index = open_index(path, SCHEME, 0.5)
    index.add("a", first, path="a.txt")
    index.add("b", second, path="b.txt")
    index.commit()
    assert band_rows(path) == 2 * 25
    index.add("a", first, path="a.txt")  # the same again: nothing changes
    index.commit()
    assert band_rows(path) == 2 * 25
    index.add("a", second)  # a new signature under the same key
    index.commit()
    assert index.query(first) == [] and index.query(second) == ["a", "b"]
    assert band_rows(path) == 2 * 25
    index.forget({"b.txt"})
    index.commit()
    assert index.query(second) == ["a"] and band_rows(path) == 25
    index.close()
    with closing(sqlite3.connect(path, isolation_level=None)) as db:
        db.execute("VACUUM")  # renumbers rowids, but not an INTEGER PRIMARY KEY
    index = open_index(path, SCHEME, 0.5)
    assert index.query(second) == ["a"]
    index.close()


def test_the_band_layout_is_stored_and_serves_its_threshold_and_higher_ones(tmp_path):
    path = tmp_path / "index.db"
    (value,) = random_sigs(1, seed=9)
    index = open_index(path, SCHEME, 0.5)
    index.add("a", value)
    index.commit()
    index.close()
    with closing(sqlite3.connect(path)) as db:
        meta = dict(db.execute("SELECT name, value FROM meta"))
    assert json.loads(meta["lsh"]) == {"threshold": 0.5, "bands": 25, "rows": 5}
    stricter = open_index(path, SCHEME, 0.8)
    assert stricter.band_layout == (25, 5) and stricter.query(value) == ["a"]
    stricter.close()
    looser = open_index(path, SCHEME, 0.3)
    looser.add_paragraphs("site", "u", {1})  # paragraph statistics need no band keys
    looser.commit()
    with pytest.raises(ValueError) as caught:
        looser.query(value)
    looser.close()
    assert str(caught.value) == (
        f"{path} stores band keys for a threshold of 0.5 or more (bands=25, rows=5); this "
        "run's threshold 0.3 needs bands=42, rows=3, or it would miss near-duplicates. Run "
        "with a threshold of at least 0.5, or build an index for this one: newsclean run DATA "
        "--index NEWFILE --dup-threshold 0.3"
    )
    # A lower threshold whose own layout is the stored one is served too.
    other = tmp_path / "other.db"
    index = open_index(other, SCHEME, 0.55)
    index.add("a", value)
    index.commit()
    index.close()
    assert band_layout(0.5, 128) == band_layout(0.55, 128)
    index = open_index(other, SCHEME, 0.5)
    assert index.query(value) == ["a"]
    index.close()


def format_2_index(path, sigs: np.ndarray) -> None:
    """An index as newsclean wrote it before band keys were stored (format 2)."""
    with closing(sqlite3.connect(path, isolation_level=None)) as db:
        db.execute("CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT)")
        db.execute("CREATE TABLE signatures (key TEXT PRIMARY KEY, signature BLOB NOT NULL, "
                   "created TEXT, length INTEGER NOT NULL, path TEXT)")
        db.execute("CREATE TABLE paragraph_units (site TEXT, unit TEXT, hashes BLOB NOT NULL, "
                   "path TEXT, PRIMARY KEY (site, unit))")
        db.execute("CREATE TABLE paragraph_counts (site TEXT, hash INTEGER, "
                   "units INTEGER NOT NULL, PRIMARY KEY (site, hash))")
        db.execute("CREATE INDEX signatures_path ON signatures (path)")
        db.execute("CREATE INDEX units_path ON paragraph_units (path)")
        db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        db.executemany("INSERT INTO meta VALUES (?, ?)",
                       [("format", "newsclean-index/2"), ("scheme", SCHEME.key())])
        db.executemany("INSERT INTO signatures VALUES (?, ?, ?, ?, ?)",
                       [(f"old{i}", value.astype("<u4").tobytes(), "2024-01-01", 10 + i,
                         f"f{i}.txt") for i, value in enumerate(sigs)])


def test_a_format_2_index_gets_its_band_keys_when_first_used(tmp_path):
    path = tmp_path / "old.db"
    sigs = random_sigs(30, seed=10)
    format_2_index(path, sigs)
    index = open_index(path, SCHEME, 0.5)
    assert index.stored_paragraph_counts("site", {1}, set()) == ({}, 0)
    with closing(sqlite3.connect(path)) as db:  # counting paragraphs changed nothing
        assert dict(db.execute("SELECT name, value FROM meta"))["format"] == "newsclean-index/2"
    assert index.query_many(sigs) == [[f"old{i}"] for i in range(30)]
    entry = index.entry("old3")
    assert (entry.created, entry.length, entry.path) == ("2024-01-01", 13, "f3.txt")
    index.close()
    with closing(sqlite3.connect(path)) as db:
        meta = dict(db.execute("SELECT name, value FROM meta"))
        columns = [row[1] for row in db.execute("PRAGMA table_info(signatures)")]
        tables = {n for (n,) in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert meta["format"] == "newsclean-index/3" and json.loads(meta["lsh"])["bands"] == 25
    assert columns[0] == "id" and "signatures_2" not in tables
    assert band_rows(path) == 30 * 25


def test_a_failed_migration_leaves_the_format_2_file_as_it_was(tmp_path, monkeypatch):
    path = tmp_path / "old.db"
    format_2_index(path, random_sigs(5, seed=11))

    def fail(self, after_id):
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(SQLiteStore, "_fill_bands", fail)
    index = open_index(path, SCHEME, 0.5)
    with pytest.raises(IndexUnavailable, match="disk I/O error"):
        index.query(random_sigs(1, seed=11)[0])
    index.close()
    monkeypatch.undo()
    with closing(sqlite3.connect(path)) as db:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        assert dict(db.execute("SELECT name, value FROM meta"))["format"] == "newsclean-index/2"
        assert db.execute("SELECT COUNT(*) FROM signatures").fetchone() == (5,)
    index = open_index(path, SCHEME, 0.5)  # and the next run migrates it
    assert index.query(random_sigs(5, seed=11)[4]) == ["old4"]
    index.close()


# Concurrent writers ------------------------------------------------------------------------

WRITER = """
import sys
import numpy as np
from newsclean.dedup.index import open_index

path, name, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
sigs = np.random.default_rng(int(sys.argv[4])).integers(0, 2**32, size=(count, 128),
                                                        dtype=np.uint32)
print("ready", flush=True)
sys.stdin.readline()  # both writers start at once
for start in range(0, count, 25):  # one transaction per batch of 25
    index = open_index(path)
    for i in range(start, min(start + 25, count)):
        index.add(f"{name}{i}", sigs[i], length=i)
    index.commit()
    index.close()
"""


def test_a_run_refused_the_switch_to_wal_tries_again(tmp_path, monkeypatch):
    # Runs that open a new index at once each switch it to WAL, which needs the file to
    # itself: SQLite refuses one of them at once, without its busy handler (two connections
    # each waiting for the other), and that run failed with "database is locked" (seen in
    # the two-writer test below). The refusal is made here, once; the run tries again.
    import newsclean.dedup.store as store

    connect = sqlite3.connect

    class Refusing(sqlite3.Connection):
        refused = 0

        def execute(self, sql, *args):
            if sql == "PRAGMA journal_mode=WAL" and not Refusing.refused:
                Refusing.refused += 1
                raise sqlite3.OperationalError("database is locked")
            return super().execute(sql, *args)

    waits = []
    monkeypatch.setattr(store.sqlite3, "connect",
                        lambda *args, **kwargs: connect(*args, factory=Refusing, **kwargs))
    monkeypatch.setattr(store.time, "sleep", waits.append)
    path = tmp_path / "index.db"
    open_index(path, SCHEME, 0.5).close()
    assert Refusing.refused == 1 and len(waits) == 1
    monkeypatch.undo()
    with closing(sqlite3.connect(path)) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_two_processes_committing_to_one_index_lose_nothing(tmp_path):
    path = tmp_path / "shared.db"  # created by whichever writer comes first
    count = 400
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, str(path), name, str(count), str(seed)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        )
        for name, seed in (("a", 21), ("b", 22))
    ]
    for writer in writers:  # wait until both are loaded, then let them go together
        assert writer.stdout.readline() == "ready\n"
    for writer in writers:
        writer.stdin.write("go\n")
        writer.stdin.flush()
    for writer in writers:
        writer.stdin.close()
        assert writer.wait(timeout=300) == 0
        writer.stdout.close()
    index = open_index(path)
    assert len(index) == 2 * count
    for name, seed in (("a", 21), ("b", 22)):
        sigs = random_sigs(count, seed)
        assert index.query_many(sigs) == [[f"{name}{i}"] for i in range(count)]
    index.close()
    assert band_rows(path) == 2 * count * 25


def test_a_run_with_an_id_twice_is_linked_with_the_index(tmp_path):
    # One source per looked-up row: the same file read twice gives one id on two rows.
    texts = [("d0", article(1)), ("d0", article(1)), ("d1", article(2))]
    drafts = [Draft.start(Document(i, f"s/{n}.txt", t, {})) for n, (i, t) in enumerate(texts)]
    table = Sketches([SCHEME])
    table.add(drafts, lambda text: None)
    index = NearDuplicateIndex(SCHEME, 0.5)
    index.add("old", table.signatures(SCHEME)[2])
    [cluster] = find_clusters(table, SCHEME, 0.5, index)
    assert [m.id for m in cluster] == ["old", "d1"]
