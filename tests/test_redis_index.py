import re
import shutil
import socket
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from conftest import run_and_commit

from newsclean.cli import main
from newsclean.dedup.index import open_index
from newsclean.dedup.minhash import SignatureScheme, text_signatures
from newsclean.dedup.store import IndexUnavailable, RedisStore
from newsclean.record import Document
from newsclean.steps.base import Draft
from newsclean.steps.near_duplicates import NearDuplicates

pytestmark = pytest.mark.redis
redis = pytest.importorskip("redis", reason="the redis client is not installed (newsclean[redis])")
SCHEME = SignatureScheme()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def redis_server(workdir: Path) -> Iterator[tuple[str, subprocess.Popen]]:
    """A redis-server of its own on a free port: its URL and process, once its log says it is
    ready (read from its stdout, not polled).
    """
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server binary not found: apt-get install redis-server to run these")
    workdir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    server = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
         "--appendonly", "no", "--dir", str(workdir), "--logfile", ""],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert server.stdout is not None
        for line in server.stdout:
            if "Ready to accept connections" in line:
                break
        else:  # it exited: the port was taken meanwhile, say
            pytest.skip(f"redis-server did not start on 127.0.0.1:{port}")
        # Drain the log, so that the server never blocks writing to a full pipe.
        threading.Thread(target=server.stdout.read, daemon=True).start()
        yield f"redis://127.0.0.1:{port}/0", server
    finally:
        if server.poll() is None:
            server.terminate()
        server.wait(timeout=10)


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory):
    with redis_server(tmp_path_factory.mktemp("redis")) as (url, _):
        yield url


@pytest.fixture
def own_redis(tmp_path):
    """A server of the test's own, which it may stop."""
    with redis_server(tmp_path / "redis") as started:
        yield started


def stop(server: subprocess.Popen) -> None:
    server.terminate()
    server.wait(timeout=10)


def article(seed: int) -> str:
    rng = np.random.default_rng(seed)
    return " ".join(f"w{n}" for n in rng.integers(0, 5000, size=250))


def test_signatures_and_lsh_live_in_redis(redis_url):
    url = redis_url + "?prefix=t1"
    writer = open_index(url, SCHEME, 0.5)
    texts = {f"k{i}": article(i) for i in range(5)}
    sigs = dict(zip(texts, text_signatures(list(texts.values()), SCHEME), strict=True))
    for key, value in sigs.items():
        writer.add(key, value, created="2024-02-02", length=10)
    writer.commit()
    writer.close()

    reader = open_index(url, SCHEME, 0.5)  # another process would see the same
    assert reader.query(sigs["k2"]) == ["k2"]
    entry = reader.entry("k3")
    assert entry is not None and entry.created == "2024-02-02"
    assert np.array_equal(entry.signature, sigs["k3"])
    reader.close()


def test_scheme_and_a_threshold_below_the_band_layouts_are_refused(redis_url):
    url = redis_url + "?prefix=t2"
    (sig,) = text_signatures([article(2)], SCHEME)
    index = open_index(url, SCHEME, 0.5)
    index.add("a", sig)
    index.commit()  # the first entry fixes the band layout: the one of 0.5
    index.close()
    with pytest.raises(ValueError, match="perm=64"):
        open_index(url, SignatureScheme(num_perm=64), 0.5)
    stricter = open_index(url, SCHEME, 0.9)  # the layout of 0.5 finds what 0.9 needs
    assert stricter.band_layout == (25, 5) and stricter.query(sig) == ["a"]
    stricter.close()
    looser = open_index(url, SCHEME, 0.3)  # opens: counting paragraphs needs no layout
    with pytest.raises(ValueError, match=r"threshold of 0.5 or more .* threshold 0.3 needs"):
        looser.query(sig)
    looser.close()


def test_step_over_redis_matches_a_fresh_run(redis_url):
    url = redis_url + "?prefix=t3"
    base = article(7)
    copy = " ".join("x" if i % 30 == 0 else w for i, w in enumerate(base.split()))

    def make(doc_id, text, created):
        return Draft.start(Document(doc_id, f"s/{doc_id}", text, {"created": created}))

    run_and_commit(NearDuplicates(index=url), [make("old", base, "2024-01-01")])
    later = [make("new", copy, "2024-02-01")]
    run_and_commit(NearDuplicates(index=url), later)
    assert (later[0].cluster, later[0].duplicate_of) == ("old", "old")


def test_forget_removes_a_files_entries_units_and_lsh_buckets(redis_url):
    url = redis_url + "?prefix=t4"
    sigs = text_signatures([article(1), article(2)], SCHEME)
    index = open_index(url, SCHEME, 0.5)
    index.add("a1", sigs[0], path="a.txt")
    index.add("b1", sigs[1], path="b.txt")
    index.add_paragraphs("site", "a.txt", {1, 2}, path="a.txt")
    index.add_paragraphs("site", "b.txt", {2, 3}, path="b.txt")
    index.commit()
    index.close()

    index = open_index(url, SCHEME, 0.5)
    assert index.paths() == {"a.txt", "b.txt"}
    index.forget({"a.txt"})
    assert index.query(sigs[0]) == []  # hidden before the commit
    index.commit()
    index.close()

    reader = open_index(url, SCHEME, 0.5)
    assert reader.candidates(sigs[0]) == [] and reader.query(sigs[1]) == ["b1"]
    assert reader.paths() == {"b.txt"}
    server = redis.Redis.from_url(redis_url)
    assert len(list(server.scan_iter("t4:band:*"))) == 25  # b1's keys; a1's went with it
    assert not list(server.scan_iter("t4:lsh*"))  # no datasketch buckets
    counts, units = reader.stored_paragraph_counts("site", {1, 2, 3}, set())
    assert units == 1 and counts == {2: 1, 3: 1}
    reader.close()


def test_a_unit_forgotten_and_counted_again_in_one_commit_stays(redis_url, tmp_path):
    # A file checked again unchanged: its unit is forgotten and re-added in one transaction
    # (the removal used to be queued after the re-add had been skipped as "already there").
    url = redis_url + "?prefix=t5"
    for _ in range(2):
        index = open_index(url, SCHEME, 0.5, files_root=tmp_path)
        index.forget({"a.txt"}, entries=False)
        index.add_paragraphs("site", "a1", {1, 2}, path="a.txt")
        index.commit()
        index.close()
    reader = open_index(url, SCHEME, 0.5, files_root=tmp_path)
    assert reader.stored_paragraph_counts("site", {1, 2}, set()) == ({1: 1, 2: 1}, 1)
    assert reader.paths() == {"a.txt"}
    reader.close()


def test_an_entry_belongs_to_the_root_that_wrote_it_last(redis_url, tmp_path):
    url = redis_url + "?prefix=t6"
    (sig,) = text_signatures([article(6)], SCHEME)
    first, second = tmp_path / "first", tmp_path / "second"
    for root in (first, second):  # the same file, id and text in two clones, say
        index = open_index(url, SCHEME, 0.5, files_root=root)
        index.add("same", sig, path="x.txt")
        index.add_paragraphs("site", "same", {7}, path="x.txt")
        index.commit()
        index.close()
    index = open_index(url, SCHEME, 0.5, files_root=first)
    index.forget({"x.txt"})  # edited in the first root
    index.commit()
    assert index.paths() == set()
    index.close()
    index = open_index(url, SCHEME, 0.5, files_root=second)
    assert index.paths() == {"x.txt"} and index.query(sig) == ["same"]
    assert index.stored_paragraph_counts("site", {7}, set()) == ({7: 1}, 1)
    index.close()


def test_two_folders_checked_with_one_redis_index_keep_each_others_files(
    redis_url, tmp_path, monkeypatch
):
    url = redis_url + "?prefix=two-folders"
    first, second = tmp_path / "first", tmp_path / "second"
    first.mkdir()
    second.mkdir()
    story = article(11)
    (first / "story.txt").write_text(story + "\n", encoding="utf-8")
    (second / "other.txt").write_text(article(12) + "\n", encoding="utf-8")
    runner = CliRunner()

    def check(folder: Path, *paths: str):
        monkeypatch.chdir(folder)  # each run from its own folder, as two checkouts would
        return runner.invoke(main, ["check", "--index", url, *paths], catch_exceptions=False)

    assert "near_duplicates" not in check(first, ".").stdout
    assert "near_duplicates" not in check(second, ".").stdout
    # The second run did not forget the first folder's story.txt (not a file of its own).
    stored = open_index(url, SCHEME, 0.5, files_root=first)
    assert stored.paths() == {"story.txt"}
    stored.close()
    (second / "copy.txt").write_text(story + "\n", encoding="utf-8")
    result = check(second, "copy.txt")
    assert result.exit_code == 1
    assert "copy.txt:1:1: near_duplicates: near-duplicate of " in result.stdout
    # and the first folder's story is still the kept copy
    assert "near_duplicates" not in check(first, "story.txt").stdout


def test_a_server_lost_after_open_is_one_index_unavailable(own_redis):
    url, server = own_redis
    sigs = text_signatures([article(1), article(2)], SCHEME)
    index = open_index(url, SCHEME, 0.5)
    index.add("a", sigs[0])
    index.commit()
    index.add("b", sigs[1])
    stop(server)
    for operation in (lambda: index.query(sigs[0]), index.commit):
        with pytest.raises(IndexUnavailable) as caught:
            operation()
        message = str(caught.value)
        assert message.startswith(f"lost the connection to the Redis index at {url} (")
        assert message.endswith("retry when the server is back") and "\n" not in message
    index.close()
    unreachable = f"^cannot reach the Redis index at {re.escape(url)} "
    with pytest.raises(IndexUnavailable, match=unreachable):
        open_index(url, SCHEME, 0.5)


@pytest.mark.parametrize("command", ["run", "check"])
def test_a_server_lost_mid_run_is_one_line_and_exit_2(own_redis, tmp_path, monkeypatch, command):
    url, server = own_redis
    scrapes = tmp_path / "scrapes"
    scrapes.mkdir()
    (scrapes / "a.txt").write_text(article(1) + "\n", encoding="utf-8")
    opened = RedisStore.__init__

    def open_then_lose_the_server(self, *args, **kwargs):
        opened(self, *args, **kwargs)
        stop(server)  # the index is open; the next operation finds the server gone

    monkeypatch.setattr(RedisStore, "__init__", open_then_lose_the_server)
    output = ["-o", str(tmp_path / "out.jsonl")] if command == "run" else []
    result = CliRunner().invoke(
        main, [command, "--index", url, *output, str(scrapes)], catch_exceptions=False
    )
    assert result.exit_code == 2
    (line,) = result.stderr.splitlines()
    assert line.startswith(
        f"error: step 'near_duplicates': lost the connection to the Redis index at {url} ("
    )
    assert result.stdout == "" and not (tmp_path / "out.jsonl").exists()


def test_lookups_go_by_band_key_in_one_pipeline(redis_url):
    url = redis_url + "?prefix=t7"
    stored = text_signatures([article(i) for i in range(30)], SCHEME)
    index = open_index(url, SCHEME, 0.5)
    for i, value in enumerate(stored):
        index.add(f"k{i}", value)
    index.commit()
    index.add("staged", stored[3])
    found = index.query_many(stored)
    assert found == [index.query(value) for value in stored]
    assert found[3] == ["k3", "staged"] and found[4] == ["k4"]
    index.close()


def test_an_index_of_datasketch_buckets_is_refused_with_the_command_that_rebuilds_it(redis_url):
    url = redis_url + "?prefix=t8"
    server = redis.Redis.from_url(redis_url)
    # What an earlier newsclean left: its meta (no format), a signature, a datasketch bucket.
    server.hset("t8:meta", mapping={"scheme": SCHEME.key(), "lsh": "bands=25,rows=5"})
    server.hset("t8:signatures", "old", text_signatures([article(1)], SCHEME)[0].tobytes())
    server.sadd("t8:lsh_bucket_0_xyz", "old")
    with pytest.raises(IndexUnavailable) as caught:
        open_index(url, SCHEME, 0.5)
    assert str(caught.value) == (
        f"{url} was written by an earlier newsclean (datasketch's LSH buckets, which this "
        "version no longer reads); rebuild it with: newsclean run DATA --index "
        f"'{redis_url}?prefix=NEWPREFIX'"
    )
    assert server.hget("t8:meta", "format") is None  # left as it was
    # One that never held an entry is simply taken over.
    server.hset("t9:meta", mapping={"scheme": SCHEME.key(), "lsh": "bands=25,rows=5"})
    index = open_index(redis_url + "?prefix=t9", SCHEME, 0.5)
    index.close()
    assert server.hget("t9:meta", "format") == b"newsclean-index/3"
