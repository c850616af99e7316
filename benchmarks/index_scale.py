"""A run of new articles against a persistent index of a million, and against an empty one.

    python benchmarks/index_scale.py [--entries 1000000] [--new 1000] [--runs 3]
                                     [--dir /tmp/newsclean-index-scale] [--no-cli]

Fills an SQLite index with ``--entries`` generated signatures (random uint32 arrays shaped like
real ones, loaded in batches straight through ``SQLiteStore.load``; about a hundred of them are
edited copies of new articles, so the run finds indexed near-duplicates), and keeps it in
``--dir`` for the next time. Then, ``--runs`` times against a fresh copy of it and against no
index file at all, each measurement in a process of its own:

* **open**: ``open_index`` and the first look-up of one signature (what a run pays before it
  looks up anything), CPU and wall seconds;
* **link + commit**: what the ``near_duplicates`` step does with the index for ``--new``
  articles: ``find_clusters`` (the run's articles linked in bulk, then the index asked about
  all of them at once and about the indexed articles found, round after round), ``add`` of
  every article and one ``commit``; CPU seconds (``time.process_time``), wall seconds and the
  process's peak RSS (``resource.getrusage``);
* **newsclean run** (unless ``--no-cli``): the whole command line over the ``--new`` articles
  as text files, with ``--index``; CPU, wall and peak RSS of the process (from ``os.wait4``).

Prints the median of the runs per row. The copies are made before each measurement, outside
it, so the index is in the page cache as it would be on a machine that uses it daily.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from newsclean.dedup.index import open_index
from newsclean.dedup.link import find_clusters
from newsclean.dedup.minhash import DEFAULT_SCHEME
from newsclean.dedup.sketches import Sketches
from newsclean.dedup.store import Entry, SQLiteStore
from newsclean.record import Document
from newsclean.steps.base import Draft

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _cli import newsclean_command  # noqa: E402  (sibling module: scripts run from anywhere)

THRESHOLD = 0.5
# New articles that have an edited copy in the filled index (one in ten).
INDEXED_COPIES_EVERY = 10
_FILL_BATCH = 50_000


def article(seed: int) -> str:
    """A news-like text of about 300 words in four paragraphs, different for every seed."""
    rng = np.random.default_rng(seed)
    paragraphs = []
    for _ in range(4):
        words = [f"w{n}" for n in rng.integers(0, 20_000, size=75)]
        paragraphs.append(" ".join(words).capitalize() + ".")
    return "\n\n".join(paragraphs) + "\n"


def new_articles(folder: Path, count: int) -> list[str]:
    """Write ``count`` articles as text files under ``folder`` (once); return their texts."""
    texts = [article(1_000_000 + i) for i in range(count)]
    folder.mkdir(parents=True, exist_ok=True)
    for i, text in enumerate(texts):
        path = folder / f"a{i:05d}.txt"
        if not path.exists():
            path.write_text(text, encoding="utf-8")
    return texts


def sketches_of(texts: list[str]) -> Sketches:
    drafts = [
        Draft.start(Document(f"new{i:05d}", f"new/a{i:05d}.txt", text, {}))
        for i, text in enumerate(texts)
    ]
    table = Sketches([DEFAULT_SCHEME])
    table.add(drafts, lambda text: None)
    return table


def fill(path: Path, entries: int, texts: list[str]) -> float:
    """Build the index at ``path``: ``entries`` signatures, random but for edited copies of
    every tenth new article. Returns the seconds it took.
    """
    start = time.perf_counter()
    rng = np.random.default_rng(7)
    sigs = sketches_of(texts).signatures(DEFAULT_SCHEME)
    copies = sigs[::INDEXED_COPIES_EVERY].copy()
    changed = rng.random(copies.shape) < 0.2  # estimated Jaccard about 0.8 with the new one
    copies[changed] = rng.integers(0, 2**32, size=int(changed.sum()), dtype=np.uint32)

    def batches():
        done = 0
        while done < entries:
            size = min(_FILL_BATCH, entries - done)
            batch = rng.integers(0, 2**32, size=(size, DEFAULT_SCHEME.num_perm), dtype=np.uint32)
            if done == 0:
                batch[: len(copies)] = copies[:size]
            yield [
                Entry(f"old{done + i:07d}", batch[i], "2024-01-01", 1800)
                for i in range(size)
            ]
            done += size

    tmp = path.with_suffix(".filling")
    tmp.unlink(missing_ok=True)
    store = SQLiteStore(tmp, DEFAULT_SCHEME)
    store.load(batches(), THRESHOLD)
    store.close()
    tmp.rename(path)
    return time.perf_counter() - start


# Measurements, each in a process of its own -------------------------------------------------


def measure_open(index_path: str) -> dict[str, float]:
    """Open the index and look up one signature."""
    probe = np.zeros((1, DEFAULT_SCHEME.num_perm), dtype=np.uint32)
    cpu, wall = time.process_time(), time.perf_counter()
    index = open_index(index_path, DEFAULT_SCHEME, THRESHOLD)
    index.query_many(probe)
    result = {"cpu": time.process_time() - cpu, "wall": time.perf_counter() - wall}
    index.close()
    return result


def measure_link(index_path: str, texts_json: str) -> dict[str, float]:
    """What near_duplicates does with the index for the new articles."""
    texts = json.loads(Path(texts_json).read_text(encoding="utf-8"))
    table = sketches_of(texts)
    sigs = table.signatures(DEFAULT_SCHEME)
    cpu, wall = time.process_time(), time.perf_counter()
    index = open_index(index_path, DEFAULT_SCHEME, THRESHOLD)
    clusters = find_clusters(table, DEFAULT_SCHEME, THRESHOLD, index)
    for row in range(len(table)):
        index.add(str(table.ids[row]), sigs[row], None, table.lengths[row])
    index.commit()
    index.close()
    return {
        "cpu": time.process_time() - cpu,
        "wall": time.perf_counter() - wall,
        "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "clusters": len(clusters),
    }


def child(*args: str) -> dict[str, float]:
    done = subprocess.run(
        [sys.executable, __file__, "--child", *args], check=True, capture_output=True, text=True
    )
    return json.loads(done.stdout)


def measure_cli(folder: Path, index_path: Path, output: Path) -> dict[str, float]:
    """``newsclean run`` over the new articles with the index: CPU, wall and peak RSS."""
    command = [*newsclean_command(), "run", str(folder), "--index", str(index_path),
               "-o", str(output), "-q"]
    wall = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise SystemExit(f"newsclean run failed with exit {process.returncode}")
    return {
        "cpu": usage.ru_utime + usage.ru_stime,
        "wall": time.perf_counter() - wall,
        "rss_mb": usage.ru_maxrss / 1024,
    }


def fresh_copy(pristine: Path | None, work: Path) -> Path:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{work}{suffix}").unlink(missing_ok=True)
    if pristine is not None:
        shutil.copyfile(pristine, work)
        # On disk before the measurement: else the run's first fsync would write the copy.
        with open(work, "rb+") as copy:
            os.fsync(copy.fileno())
    return work


def median_row(results: list[dict[str, float]]) -> dict[str, float]:
    return {key: statistics.median(r[key] for r in results) for key in results[0]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--new", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--dir", type=Path, default=Path("/tmp/newsclean-index-scale"))
    parser.add_argument("--no-cli", action="store_true", help="skip the newsclean run rows")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, *rest = args.child
        measured = measure_open(*rest) if kind == "open" else measure_link(*rest)
        print(json.dumps(measured))
        return

    folder: Path = args.dir
    folder.mkdir(parents=True, exist_ok=True)
    texts = new_articles(folder / "new", args.new)
    texts_json = folder / "new.json"
    texts_json.write_text(json.dumps(texts), encoding="utf-8")
    pristine = folder / f"index-{args.entries}.db"
    if not pristine.exists():
        print(f"filling {pristine} with {args.entries:,} signatures ...", file=sys.stderr)
        seconds = fill(pristine, args.entries, texts)
        print(f"filled in {seconds:.0f} s", file=sys.stderr)
    size_mb = pristine.stat().st_size / 2**20
    work = folder / "work.db"
    rows: dict[str, list[dict[str, float]]] = {}
    for _ in range(args.runs):
        for label, source in (("empty", None), (f"{args.entries:,}", pristine)):
            fresh_copy(source, work)
            rows.setdefault(f"open, {label}", []).append(child("open", str(work)))
            fresh_copy(source, work)
            rows.setdefault(f"link + commit, {label}", []).append(
                child("link", str(work), str(texts_json)))
            if not args.no_cli:
                fresh_copy(source, work)
                rows.setdefault(f"newsclean run, {label}", []).append(
                    measure_cli(folder / "new", work, folder / "out.jsonl"))
    fresh_copy(None, work)
    print(f"{args.new} new articles; index of {args.entries:,} entries ({size_mb:,.0f} MB); "
          f"median of {args.runs} runs")
    print(f"{'':32} {'CPU s':>8} {'wall s':>8} {'peak RSS MB':>12} {'clusters':>9}")
    for name, results in rows.items():
        row = median_row(results)
        rss = f"{row['rss_mb']:.0f}" if "rss_mb" in row else ""
        clusters = f"{row['clusters']:.0f}" if "clusters" in row else ""
        print(f"{name:32} {row['cpu']:8.3f} {row['wall']:8.3f} {rss:>12} {clusters:>9}")


if __name__ == "__main__":
    main()
