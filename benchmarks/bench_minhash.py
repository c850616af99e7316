"""Throughput of MinHash signatures (shingling included) on ~600-word news-like documents.

    python benchmarks/bench_minhash.py [--docs 2000] [--runs 5] [--corpus PATH.jsonl]

Compares, on one core: datasketch's default per-shingle ``MinHash.update`` (SHA1 per shingle),
datasketch's ``MinHash.bulk`` (``update_batch``, SHA1), the same with an xxhash-32 hashfunc if
the ``xxhash`` package is installed, and newsclean's vectorised shingles + signatures. Every
variant starts from the raw text and builds word 5-gram shingles. Prints a table with the
median docs/s and MB/s over ``--runs`` runs.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# One core, no hidden thread pools.
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")
if hasattr(os, "sched_setaffinity"):
    os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})

from datasketch import MinHash  # noqa: E402

from newsclean.dedup.minhash import SignatureScheme, signatures  # noqa: E402
from newsclean.dedup.shingles import shingle_hashes, tokens  # noqa: E402

BENCH = Path(__file__).resolve().parents[2] / "shared" / "bench"
SCHEME = SignatureScheme()


def load_docs(corpus: str | None, count: int) -> list[str]:
    """Documents from a JSONL corpus, or generated with shared/bench/make_perf_corpus.py."""
    if corpus is None:
        out = Path(tempfile.mkdtemp()) / "perf"
        subprocess.run(
            [
                sys.executable,
                str(BENCH / "make_perf_corpus.py"),
                str(BENCH / "extraction-dev"),
                str(out),
                "--n",
                str(count),
                "--shards",
                "1",
            ],
            check=True,
            capture_output=True,
        )
        corpus = str(out / "part-00000.jsonl")
    with open(corpus, encoding="utf-8") as lines:
        return [json.loads(line)["text"] for line in itertools.islice(lines, count)]


def word_shingles(text: str, size: int = 5) -> list[bytes]:
    words = tokens(text)
    if len(words) < size:
        return [" ".join(words).encode()] if words else []
    return [" ".join(words[i : i + size]).encode() for i in range(len(words) - size + 1)]


def datasketch_update(docs: list[str]) -> None:
    for text in docs:
        minhash = MinHash(num_perm=SCHEME.num_perm, seed=SCHEME.seed, scheme=SCHEME.scheme)
        for shingle in word_shingles(text):
            minhash.update(shingle)


def datasketch_bulk(docs: list[str], **kwargs) -> None:
    MinHash.bulk(
        [word_shingles(t) for t in docs],
        num_perm=SCHEME.num_perm,
        seed=SCHEME.seed,
        scheme=SCHEME.scheme,
        **kwargs,
    )


def ours(docs: list[str]) -> None:
    signatures([shingle_hashes(t, SCHEME.shingle_size, SCHEME.bits) for t in docs], SCHEME)


def measure(function, docs: list[str], runs: int) -> tuple[float, float]:
    size_mb = sum(len(t.encode()) for t in docs) / 1e6
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        function(docs)
        times.append(time.perf_counter() - start)
    median = statistics.median(times)
    return len(docs) / median, size_mb / median


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--corpus", help="JSONL with a 'text' field (default: generate one)")
    args = parser.parse_args()
    docs = load_docs(args.corpus, args.docs)
    words = sum(len(tokens(t)) for t in docs) / len(docs)
    ours(docs[:10])  # build the word table once, outside the timing
    variants = [
        ("datasketch update (per shingle)", datasketch_update, docs[: max(20, len(docs) // 20)]),
        ("datasketch bulk (update_batch)", datasketch_bulk, docs[: max(50, len(docs) // 4)]),
    ]
    try:
        import xxhash

        def bulk_xxh32(d):
            datasketch_bulk(d, hashfunc=xxhash.xxh32_intdigest)

        variants.append(("datasketch bulk + xxh32", bulk_xxh32, docs[: max(50, len(docs) // 4)]))
    except ImportError:
        pass
    variants.append(("newsclean (vectorised)", ours, docs))
    print(f"{len(docs)} docs, {words:.0f} words/doc, scheme {SCHEME.key()}, one core")
    print(f"{'variant':36} {'docs':>6} {'docs/s':>9} {'MB/s':>7}")
    for name, function, subset in variants:
        rate, mbps = measure(function, subset, args.runs)
        print(f"{name:36} {len(subset):>6} {rate:>9.0f} {mbps:>7.2f}")


if __name__ == "__main__":
    main()
