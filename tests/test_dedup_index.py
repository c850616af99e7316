import hashlib
import pickle
import shutil
import sqlite3
import subprocess
from contextlib import closing

import numpy as np
import pytest

from newsclean.dedup.index import NearDuplicateIndex, find_files_root, open_index
from newsclean.dedup.minhash import SignatureScheme, text_signatures
from newsclean.dedup.store import APPLICATION_ID, IndexUnavailable, SQLiteStore

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
