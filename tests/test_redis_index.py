import shutil
import socket
import subprocess
import time

import numpy as np
import pytest
from conftest import run_and_commit

from newsclean.dedup.index import open_index
from newsclean.dedup.minhash import SignatureScheme, text_signatures
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


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory):
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server binary not found: apt-get install redis-server to run these")
    port = free_port()
    workdir = tmp_path_factory.mktemp("redis")
    server = subprocess.Popen(
        [
            binary,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(workdir),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    client = redis.Redis(host="127.0.0.1", port=port)
    for _ in range(100):
        try:
            client.ping()
            break
        except redis.ConnectionError:
            time.sleep(0.05)
    else:
        server.kill()
        pytest.skip(f"redis-server did not start on 127.0.0.1:{port}")
    yield f"redis://127.0.0.1:{port}/0"
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


def test_scheme_and_band_layout_mismatch_is_refused(redis_url):
    url = redis_url + "?prefix=t2"
    open_index(url, SCHEME, 0.5).close()
    with pytest.raises(ValueError, match="perm=64"):
        open_index(url, SignatureScheme(num_perm=64), 0.5)
    with pytest.raises(ValueError, match="threshold"):
        open_index(url, SCHEME, 0.9)


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
    counts, units = reader.stored_paragraph_counts("site", {1, 2, 3}, set())
    assert units == 1 and counts == {2: 1, 3: 1}
    reader.close()
