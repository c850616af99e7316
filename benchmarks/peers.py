"""newsclean against datatrove on the same corpus, in the same run: CPU ratios and dedup recall.

    python benchmarks/peers.py [--bench DIR] [--n 2000] [--seed 1] [--runs 3] [--jobs 1]
                               [--compare clean dedup whole]

Needs the benchmark extra (``pip install -e '.[bench]'``: datatrove and what its word
tokenizer and MinHash stages import). Builds a corpus with the bench's ``make_perf_corpus.py``
(one JSONL file, ~700-word articles, 10% near-duplicates with their answer key), then for each
comparison runs the two sides in turn, A B A B, ``--runs`` times, each a process of its own:

* ``clean``: datatrove's FTFY + C4 + Gopher pass (``_datatrove_pipeline.py clean``) against
  ``newsclean run`` with the corpus stages disabled (the per-document steps);
* ``dedup``: datatrove's four MinHash stages against ``newsclean run`` with every step but
  ``near_duplicates`` disabled;
* ``whole``: datatrove's clean pass then its dedup over what it kept, against a default
  ``newsclean run``.

Prints each side's CPU seconds (user + system of the process and every process it waited
for, start-up included) and wall seconds, medians, and the median of the per-pair ratios
datatrove / newsclean (pairing keeps a ratio fair when the machine's load drifts). Both sides
read and write plain JSONL with ``--jobs`` / ``--workers`` processes. Then scores the
near-duplicates each ``dedup`` removed against the corpus's answer key.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import json
import shutil
import statistics
import sys
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import NamedTuple

from _cli import bench_parser, timed_command  # sibling modules: scripts run from this folder
from throughput import make_corpus

HELPER = Path(__file__).with_name("_datatrove_pipeline.py")
COMPARISONS = ("clean", "dedup", "whole")
PEER_PACKAGES = ("datatrove", "ftfy", "spacy", "xxhash", "numpy")


def newsclean_run(corpus: Path, out: Path, jobs: int, mode: str) -> list[str]:
    """The ``newsclean run`` command of one comparison (this Python's newsclean)."""
    from newsclean.pipeline import Pipeline

    steps = Pipeline.from_config().steps
    if mode == "clean":
        disabled = [s.name for s in steps if s.name in ("near_duplicates", "corpus_boilerplate")]
    elif mode == "dedup":
        disabled = [s.name for s in steps if s.name != "near_duplicates"]
    else:
        disabled = []
    command = [
        sys.executable,
        "-m",
        "newsclean",
        "run",
        str(corpus),
        "-o",
        str(out / "records.jsonl"),
        "-q",
        "--jobs",
        str(jobs),
    ]
    for name in disabled:
        command += ["--disable", name]
    return command


def datatrove_run(corpus: Path, out: Path, jobs: int, mode: str) -> list[str]:
    """The datatrove pipeline of one comparison, as a command."""
    return [sys.executable, str(HELPER), mode, str(corpus), str(out), "--workers", str(jobs)]


def near_duplicate_key(key: Path) -> list[set[str]]:
    """The answer key's groups: each original with its near-duplicates."""
    groups: dict[str, set[str]] = {}
    for line in key.read_text().splitlines():
        duplicate, original = line.split("\t")
        groups.setdefault(original, {original}).add(duplicate)
    return list(groups.values())


def score(removed: set[str], groups: list[set[str]]) -> tuple[int, int, int]:
    """(near-duplicates rightly removed, wrongly removed, expected): a perfect deduplication
    removes all but one article of each group and nothing else.
    """
    right = wrong = 0
    members: set[str] = set()
    for group in groups:
        hits = len(removed & group)
        right += min(hits, len(group) - 1)
        wrong += max(0, hits - (len(group) - 1))
        members |= group
    wrong += len(removed - members)
    return right, wrong, sum(len(group) - 1 for group in groups)


def _ids(lines: Iterable[str], marked_only: bool) -> set[str]:
    records = (json.loads(line) for line in lines)
    return {r["id"] for r in records if not marked_only or r.get("duplicate_of") is not None}


def removed_ids(out: Path) -> dict[str, set[str]]:
    """The articles each side's ``dedup`` removed: newsclean marks them, datatrove writes them
    to its exclusion writer.
    """
    with open(out / "newsclean" / "records.jsonl", encoding="utf-8") as ours:
        newsclean = _ids(ours, marked_only=True)
    datatrove: set[str] = set()
    for path in sorted((out / "datatrove" / "dedup" / "removed").glob("*.jsonl")):
        with open(path, encoding="utf-8") as theirs:
            datatrove |= _ids(theirs, marked_only=False)
    return {"newsclean": newsclean, "datatrove": datatrove}


def versions() -> str:
    """The peer's version and those of the packages its passes lean on."""
    found = []
    for name in PEER_PACKAGES:
        try:
            found.append(f"{name} {importlib.metadata.version(name)}")
        except importlib.metadata.PackageNotFoundError:
            found.append(f"{name} (not installed)")
    return ", ".join(found)


class Comparison(NamedTuple):
    """Medians of one comparison's runs, and the CPU ratio of each pair."""

    datatrove: tuple[float, float]  # CPU, wall seconds
    newsclean: tuple[float, float]
    ratios: list[float]  # datatrove / newsclean CPU, pair by pair


def compare(mode: str, corpus: Path, work: Path, jobs: int, runs: int) -> Comparison:
    """``runs`` pairs of datatrove then newsclean."""
    sides: dict[str, list[tuple[float, float]]] = {"datatrove": [], "newsclean": []}
    for _ in range(runs):
        for side, make in (("datatrove", datatrove_run), ("newsclean", newsclean_run)):
            out = work / mode / side
            shutil.rmtree(out, ignore_errors=True)  # each run starts empty
            out.mkdir(parents=True)
            timing = timed_command(make(corpus, out, jobs, mode))
            sides[side].append((timing.cpu, timing.seconds))
    medians = {
        side: (statistics.median(c for c, _ in times), statistics.median(w for _, w in times))
        for side, times in sides.items()
    }
    ratios = [a[0] / b[0] for a, b in zip(sides["datatrove"], sides["newsclean"])]
    return Comparison(medians["datatrove"], medians["newsclean"], ratios)


def main() -> None:
    parser = bench_parser(__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=2000, help="documents in the corpus")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--runs", type=int, default=3, help="A B pairs per comparison")
    parser.add_argument(
        "--jobs", type=int, default=1, help="newsclean --jobs and datatrove --workers"
    )
    parser.add_argument("--compare", nargs="+", choices=COMPARISONS, default=list(COMPARISONS))
    args = parser.parse_args()
    if importlib.util.find_spec("datatrove") is None:
        sys.exit("datatrove is not installed: pip install -e '.[bench]'")
    bench = args.bench.resolve()
    with tempfile.TemporaryDirectory() as temp:
        corpus = make_corpus(bench, Path(temp) / "perf", args.n, args.seed)
        groups = near_duplicate_key(Path(temp) / "perf.dups.tsv")
        print(
            f"corpus: make_perf_corpus.py --n {args.n} --seed {args.seed} (one file), "
            f"{sum(len(g) - 1 for g in groups)} injected near-duplicates"
        )
        print(f"peer: {versions()}; newsclean {importlib.metadata.version('newsclean')}")
        print(
            f"CPU and wall seconds of the whole process, medians of {args.runs} runs "
            f"(A B A B), --jobs / --workers {args.jobs}; ratio: datatrove / newsclean CPU, "
            "median of the pairs [min-max]"
        )
        print(
            f"{'pass':6} {'datatrove CPU':>13} {'wall':>6} {'newsclean CPU':>13} {'wall':>6} "
            f"{'ratio':>6}  {'docs per CPU-s (dt / nc)':>24}"
        )
        for mode in args.compare:
            result = compare(mode, corpus, Path(temp) / "work", args.jobs, args.runs)
            (dt_cpu, dt_wall), (nc_cpu, nc_wall), ratios = result
            print(
                f"{mode:6} {dt_cpu:13.1f} {dt_wall:6.1f} {nc_cpu:13.1f} {nc_wall:6.1f} "
                f"{statistics.median(ratios):5.1f}x  [{min(ratios):.1f}-{max(ratios):.1f}]"
                f" {args.n / dt_cpu:8.0f} / {args.n / nc_cpu:.0f}",
                flush=True,
            )
            if mode == "dedup":
                for side, removed in removed_ids(Path(temp) / "work" / mode).items():
                    right, wrong, expected = score(removed, groups)
                    print(
                        f"  {side}: removed {right} of the {expected} near-duplicates, "
                        f"{wrong} other articles"
                    )


if __name__ == "__main__":
    main()
