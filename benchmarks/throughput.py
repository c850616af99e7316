"""Throughput and peak memory of ``newsclean run`` on a generated news-like corpus.

    python benchmarks/throughput.py [--bench DIR] [--n 2000] [--seed 1] [--runs 3] [--jobs 1 2]

Builds a corpus with the bench's ``make_perf_corpus.py extraction-dev OUT_DIR --n N --seed S``
(one JSONL file, ~700 words per record, 10% near-duplicates), then times the installed
``newsclean run -q`` on it for each ``--jobs`` value, ``--runs`` times each, and prints the
median wall time, docs/s, MB/s and the peak RSS (the largest process of the run's process
tree, from ``resource.getrusage(RUSAGE_CHILDREN).ru_maxrss``, measured per run by a small
wrapper process; the maximum over the runs is shown).
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from _cli import (  # sibling module: scripts run from this folder
    Timing,
    bench_parser,
    newsclean_command,
    timed_command,
)


def make_corpus(bench: Path, out: Path, n: int, seed: int) -> Path:
    """Generate the corpus; return its folder (make_perf_corpus writes part-*.jsonl there)."""
    subprocess.run(
        [
            sys.executable,
            str(bench / "make_perf_corpus.py"),
            str(bench / "extraction-dev"),
            str(out),
            "--n",
            str(n),
            "--seed",
            str(seed),
            "--shards",
            "1",
        ],
        check=True,
        capture_output=True,
    )
    return out


# Runs the command given as arguments and prints its wall time, its CPU time (user + system of
# it and every process it waited for) and the peak RSS of its process tree's largest process, so
# each measurement has its own peak (the parent's RUSAGE_CHILDREN would keep the maximum of every
# earlier run).
def timed_run(corpus: Path, output: Path, jobs: int) -> Timing:
    """One ``newsclean run -q`` over ``corpus``."""
    return timed_command(
        [*newsclean_command(), "run", str(corpus), "-o", str(output), "-q", "--jobs", str(jobs)]
    )


def main() -> None:
    parser = bench_parser(__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=2000, help="documents in the corpus")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--runs", type=int, default=3, help="runs per --jobs value (median)")
    parser.add_argument("--jobs", type=int, nargs="+", default=[1, 2])
    args = parser.parse_args()
    bench = args.bench.resolve()
    if not (bench / "make_perf_corpus.py").is_file():
        sys.exit(f"{bench}: no make_perf_corpus.py here; pass --bench DIR")

    with tempfile.TemporaryDirectory() as temp:
        corpus = make_corpus(bench, Path(temp) / "perf", args.n, args.seed)
        size_mb = sum(p.stat().st_size for p in corpus.glob("*.jsonl")) / 1e6
        print(
            f"corpus: {args.n} docs, {size_mb:.1f} MB (make_perf_corpus.py --n {args.n} "
            f"--seed {args.seed}); median of {args.runs} runs"
        )
        print(f"{'jobs':>4} {'seconds':>8} {'docs/s':>8} {'MB/s':>6} {'peak RSS MB':>12}")
        for jobs in sorted(args.jobs):
            times, peak = [], 0
            for _ in range(args.runs):
                timing = timed_run(corpus, Path(temp) / "out.jsonl", jobs)
                times.append(timing.seconds)
                peak = max(peak, timing.peak_kib)
            median = statistics.median(times)
            print(
                f"{jobs:>4} {median:>8.2f} {args.n / median:>8.0f} {size_mb / median:>6.2f} "
                f"{peak / 1024:>12.0f}"
            )


if __name__ == "__main__":
    main()
