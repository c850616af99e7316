"""Memory of a run as the corpus grows: whole runs, and the corpus stages on generated sketches.

    python benchmarks/memory.py runs CORPUS_DIR [CORPUS_DIR ...] [--jobs N]
    python benchmarks/memory.py stages --n 100000 --n 1000000

``runs``: ``newsclean run`` over each corpus folder (made with
``../shared/bench/make_perf_corpus.py``), printing the peak RSS of all its processes together
(sampled from /proc every 50 ms), the peaks of the parent and of the largest worker, CPU
seconds and the growth per article between the first and the last corpus.

``stages``: the corpus stages alone (link of near-duplicates and corpus boilerplate, as a run
does after cleaning) on N generated article sketches: 700-word-like signatures with 10%
near-duplicates, 20 paragraph hashes each (two of them site boilerplate). Cleaning a million
articles takes hours on two cores; the memory a run keeps per article is these sketches, so
this measures what a million-article run holds, in minutes. Prints the sketches' own bytes per
article, the peak RSS of the process once the table is built (``built``: what adding rows
cost, growth included) and its peak RSS over the link stage too.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path


def tree_rss(pid: int) -> tuple[int, int, int]:
    """Resident bytes of ``pid`` and all its descendants together, of ``pid`` alone, and of
    the largest descendant (a worker): which process grows is the question a total leaves open.
    """
    total = parent = largest = 0
    pending = [pid]
    while pending:
        current = pending.pop()
        try:
            with open(f"/proc/{current}/statm") as statm:
                resident = int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children") as children:
                    pending.extend(int(c) for c in children.read().split())
        except (FileNotFoundError, ProcessLookupError):
            continue
        total += resident
        if current == pid:
            parent = resident
        else:
            largest = max(largest, resident)
    return total, parent, largest


def measure_run(corpus: Path, jobs: int) -> tuple[float, float, tuple[int, int, int], int]:
    """(CPU seconds of all processes, wall seconds, peak RSS of the tree, of the parent and of
    the largest worker, documents) for one run.
    """
    with tempfile.TemporaryDirectory() as out:
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        wall = time.perf_counter()
        proc = subprocess.Popen(
            [sys.executable, "-m", "newsclean", "run", str(corpus), "-o",
             os.path.join(out, "out.jsonl"), "--jobs", str(jobs)],
            stderr=subprocess.PIPE, text=True)
        peak = (0, 0, 0)
        done = threading.Event()

        def sample() -> None:
            nonlocal peak
            while not done.is_set():
                peak = tuple(map(max, peak, tree_rss(proc.pid)))  # type: ignore[assignment]
                done.wait(0.05)

        sampler = threading.Thread(target=sample)
        sampler.start()
        _, stderr = proc.communicate()
        wall = time.perf_counter() - wall
        done.set()
        sampler.join()
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if proc.returncode != 0:
            raise SystemExit(f"run failed: {stderr}")
        documents = int(stderr.split("documents in:")[1].split()[0])
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        return cpu, wall, peak, documents


def runs(corpora: list[Path], jobs: int) -> None:
    results = []
    print(f"{'corpus':24} {'jobs':>4} {'articles':>9} {'CPU s':>8} {'wall s':>7} "
          f"{'CPU ms/article':>15} {'peak RSS MiB':>13} {'parent':>7} {'worker':>7}")
    for corpus in corpora:
        cpu, wall, peak, documents = measure_run(corpus, jobs)
        results.append((documents, peak))
        total, parent, worker = (p / 2**20 for p in peak)
        print(f"{str(corpus):24} {jobs:4} {documents:9,} {cpu:8.1f} {wall:7.1f} "
              f"{1000 * cpu / documents:15.2f} {total:13.0f} {parent:7.0f} {worker:7.0f}",
              flush=True)
    if len(results) > 1:
        (n0, rss0), (n1, rss1) = results[0], results[-1]
        growth = [(b - a) / (n1 - n0) for a, b in zip(rss0, rss1, strict=True)]
        print("growth per article: {:,.0f} bytes (parent {:,.0f}, largest worker {:,.0f})"
              .format(*growth))


def generated_sketches(n: int, seed: int = 1):
    """N article sketches as a run would hold them (see the module docstring)."""
    import numpy as np

    from newsclean.dedup.minhash import DEFAULT_SCHEME
    from newsclean.dedup.sketches import Sketches

    rng = np.random.default_rng(seed)
    sketches = Sketches([DEFAULT_SCHEME])
    boilerplate = rng.integers(1, 2**63, size=2, dtype=np.uint64)
    block = 10_000
    for start in range(0, n, block):
        size = min(block, n - start)
        sigs = rng.integers(0, 2**32, size=(size, DEFAULT_SCHEME.num_perm), dtype=np.uint32)
        copies = rng.random(size) < 0.1  # a near-duplicate of the article before it
        for row in np.flatnonzero(copies[1:]) + 1:
            edited = rng.random(DEFAULT_SCHEME.num_perm) < 0.2
            sigs[row] = np.where(edited, sigs[row], sigs[row - 1])
        sketches._signatures[DEFAULT_SCHEME].append(sigs)
        sketches._has_words.extend([1] * size)
        for row in range(start, start + size):
            sketches.ids.append(f"{row:016x}")
            sketches.created.append(None)
            sketches.urls.append(None)
            sketches.sources.append(f"site-{row % 20}/{row}.txt")
            sketches.paths.append(None)
            sketches.lengths.append(4000 + row % 1000)
            hashes = [*rng.integers(1, 2**63, size=18, dtype=np.uint64).tolist(),
                      *boilerplate.tolist()]
            sketches._paragraph_hashes.extend(sorted(set(hashes)))
            sketches._paragraph_ends.append(len(sketches._paragraph_hashes))
    return sketches


def stages(sizes: list[int]) -> None:
    from newsclean import Config, Pipeline

    print(f"{'articles':>10} {'sketch bytes/article':>21} {'link CPU s':>11} "
          f"{'built MiB':>10} {'peak RSS MiB':>13}")
    for n in sizes:
        # One process per size, so each peak is its own.
        code = (f"import sys; sys.path.insert(0, {str(Path(__file__).parent)!r}); "
                f"import memory; memory._stage({n})")
        subprocess.run([sys.executable, "-c", code], check=True)
    del Config, Pipeline


def _stage(n: int) -> None:
    from newsclean import Config, Pipeline

    sketches = generated_sketches(n)
    built = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    pipeline = Pipeline.from_config(Config())
    start = time.process_time()
    pipeline.link(sketches)
    cpu = time.process_time() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(f"{n:10,} {sketches.nbytes() / n:21,.0f} {cpu:11.1f} {built / 2**20:10.0f} "
          f"{peak / 2**20:13.0f}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    run_parser = sub.add_parser("runs")
    run_parser.add_argument("corpora", nargs="+", type=Path)
    run_parser.add_argument("--jobs", type=int, default=1)
    stage_parser = sub.add_parser("stages")
    stage_parser.add_argument("--n", type=int, action="append", required=True)
    args = parser.parse_args()
    if args.command == "runs":
        runs(args.corpora, args.jobs)
    else:
        stages(args.n)


if __name__ == "__main__":
    main()
