"""CPU time of the repeat finder and of the whole pipeline on files of many short paragraphs.

    python benchmarks/many_paragraphs.py [--sizes 5000 10000 20000 40000] [--runs 3]
                                         [--kinds nav sentences repeats] [--seed 1]
                                         [--skip-pipeline]
    python benchmarks/many_paragraphs.py --command [--sizes 20000] [--kinds nav sentences]
    python benchmarks/many_paragraphs.py --work [--sizes 5000 ... 160000] [--kinds sentences]

A navigation dump saved by a naive scraper is thousands of one-to-four-word lines ("Home",
"News", "Sport 12"); the per-document steps compare paragraphs with each other, so this is
where a step that is quadratic in the number of paragraphs shows. Three kinds of input, all
generated here (no bench data needed):

* ``nav``: short navigation-like lines from a small menu vocabulary, with numbers;
* ``sentences``: distinct short sentences of made-up words, drawn by a Zipf law;
* ``repeats``: short lines drawn from a pool of 300, so most lines repeat an earlier one
  exactly, with stretches of the pool repeated in order (repeated runs).

For each kind and size (lines), prints the CPU seconds (``time.process_time``, median of
``--runs``) of ``find_repeats`` over the lines and of ``newsclean.clean`` on the lines joined
by newlines (the whole default pipeline, one document), and the ratio to the previous size:
linear work doubles when the input doubles.

``--command`` times the whole command instead, as a user meets it: ``newsclean run -q`` on a
file of the lines (start-up, reading and writing included), each run a process of its own,
median CPU (user + system) and wall seconds; the first row is the same command on a one-line
file, the start-up every row includes.

``--work`` counts instead of timing: the index entries ``find_repeats`` reads and the pairs of
lines it compares, per line (``RepeatStats``; the same on any machine). Linear work keeps both
bounded as the lines grow.
"""

from __future__ import annotations

import argparse
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from itertools import accumulate
from pathlib import Path

from throughput import timed_run  # sibling module: scripts run from this folder

import newsclean
from newsclean.steps.repeats import RepeatStats, find_repeats

_MENU = (
    "Home",
    "News",
    "Sport",
    "World",
    "Business",
    "Politics",
    "Culture",
    "Opinion",
    "Science",
    "Health",
    "Tech",
    "Travel",
    "Video",
    "Live",
    "Weather",
    "Local",
    "Results",
    "Fixtures",
    "Tables",
    "Podcasts",
    "Games",
    "Puzzles",
    "Archive",
    "Contact",
    "About",
    "Jobs",
    "Search",
    "Menu",
    "Latest",
    "More",
)
_SYLLABLES = (
    "ka",
    "lo",
    "mi",
    "ra",
    "te",
    "su",
    "vin",
    "dor",
    "pel",
    "qua",
    "zen",
    "bru",
    "fi",
    "ost",
    "nym",
    "gal",
    "rek",
    "tho",
    "uli",
    "sha",
)


def _word(rng: random.Random) -> str:
    return "".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 4)))


def nav_lines(n: int, seed: int = 1) -> list[str]:
    """``n`` navigation-like lines of one to four menu words, some with a number."""
    rng = random.Random(seed)
    lines = []
    for _ in range(n):
        words = rng.sample(_MENU, rng.choice((1, 1, 2, 2, 3, 4)))
        if rng.random() < 0.3:
            words.append(str(rng.randint(1, 99)))
        lines.append(" ".join(words))
    return lines


def sentence_lines(n: int, seed: int = 1) -> list[str]:
    """``n`` distinct short sentences of five to fourteen made-up words, drawn by a Zipf law
    from a vocabulary of 20,000 (as in real text, a few words are in most sentences and most
    words in a few), ending in a full stop.
    """
    rng = random.Random(seed)
    made: set[str] = set()
    while len(made) < 20_000:
        made.add(_word(rng))
    vocabulary = sorted(made)
    rng.shuffle(vocabulary)
    weights = list(accumulate(1 / rank for rank in range(1, len(vocabulary) + 1)))
    lines, seen = [], set()
    while len(lines) < n:
        words = rng.choices(vocabulary, cum_weights=weights, k=rng.randint(5, 14))
        line = " ".join(words).capitalize() + "."
        if line not in seen:
            seen.add(line)
            lines.append(line)
    return lines


def repeat_lines(n: int, seed: int = 1) -> list[str]:
    """``n`` lines from a pool of 300 short lines: single lines drawn at random, and now and
    then a stretch of five to twenty pool lines in pool order (a repeated block).
    """
    rng = random.Random(seed)
    pool = nav_lines(150, seed + 1) + sentence_lines(150, seed + 2)
    rng.shuffle(pool)
    lines: list[str] = []
    while len(lines) < n:
        if rng.random() < 0.1:
            start = rng.randrange(len(pool))
            lines.extend(pool[start : start + rng.randint(5, 20)])
        else:
            lines.append(rng.choice(pool))
    return lines[:n]


KINDS: dict[str, Callable[[int, int], list[str]]] = {
    "nav": nav_lines,
    "sentences": sentence_lines,
    "repeats": repeat_lines,
}


def _measure_once(kind: str, size: int, seed: int, pipeline: bool) -> tuple[float, float]:
    """CPU seconds of one ``find_repeats`` call and one ``newsclean.clean`` call (NaN when
    ``pipeline`` is false) on fresh input, in this process.
    """
    lines = KINDS[kind](size, seed)
    text = "\n".join(lines)
    newsclean.clean("Warm-up.\nLoads the phrase lists once.")
    start = time.process_time()
    find_repeats(lines)
    finder = time.process_time() - start
    whole = float("nan")
    if pipeline:
        start = time.process_time()
        newsclean.clean(text)
        whole = time.process_time() - start
    return finder, whole


def measure(kind: str, size: int, seed: int, pipeline: bool, runs: int) -> tuple[float, float]:
    """Median CPU seconds over ``runs`` fresh processes.

    Each run is its own process: the paragraph caches of a process that already cleaned the
    input would make every later run a cache hit. The repeat finder goes first, so its
    figure is a first call too (the pipeline then finds the words of each line computed).
    """
    finders, wholes = [], []
    for _ in range(runs):
        command = [sys.executable, __file__, "--child", kind, str(size), str(seed)]
        if not pipeline:
            command.append("--skip-pipeline")
        out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
        finder, whole = map(float, out.split())
        finders.append(finder)
        wholes.append(whole)
    return statistics.median(finders), statistics.median(wholes)


def command_figures(kinds: list[str], sizes: list[int], seed: int, runs: int) -> None:
    """Print the whole command's median CPU and wall seconds per kind and size."""
    print(f"newsclean run -q FILE, median of {runs} runs")
    print(f"{'kind':10} {'lines':>7} {'CPU s':>7} {'wall s':>7}")
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out.jsonl"
        inputs = [("start-up", 1, ["One line."])]
        inputs += [(kind, size, KINDS[kind](size, seed)) for kind in kinds for size in sizes]
        for kind, size, lines in inputs:
            source = Path(tmp) / f"{kind}-{size}.txt"
            source.write_text("\n".join(lines) + "\n", encoding="utf-8")
            timings = [timed_run(source, out, jobs=1) for _ in range(runs)]
            cpu = statistics.median(t.cpu for t in timings)
            wall = statistics.median(t.seconds for t in timings)
            print(f"{kind:10} {size:7d} {cpu:7.2f} {wall:7.2f}", flush=True)


def work_figures(kinds: list[str], sizes: list[int], seed: int) -> None:
    """Print ``find_repeats``' work per line for each kind and size."""
    print("find_repeats' work per line (RepeatStats)")
    print(f"{'kind':10} {'lines':>7} {'entries read':>13} {'pairs compared':>15}")
    for kind in kinds:
        for size in sizes:
            stats = RepeatStats()
            find_repeats(KINDS[kind](size, seed), stats=stats)
            print(
                f"{kind:10} {size:7d} {stats.postings / size:13.2f}"
                f" {stats.comparisons / size:15.2f}",
                flush=True,
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[5000, 10000, 20000, 40000])
    parser.add_argument("--kinds", nargs="+", choices=sorted(KINDS), default=list(KINDS))
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--skip-pipeline", action="store_true", help="time find_repeats only")
    parser.add_argument(
        "--command", action="store_true", help="time the whole newsclean run command instead"
    )
    parser.add_argument(
        "--work", action="store_true", help="count find_repeats' work per line instead"
    )
    parser.add_argument(
        "--child", nargs=3, metavar=("KIND", "LINES", "SEED"), help=argparse.SUPPRESS
    )
    args = parser.parse_args()
    if args.child:
        kind, size, seed = args.child
        print(*_measure_once(kind, int(size), int(seed), not args.skip_pipeline))
        return
    if args.command:
        command_figures(args.kinds, args.sizes, args.seed, args.runs)
        return
    if args.work:
        work_figures(args.kinds, args.sizes, args.seed)
        return
    print(f"CPU seconds, median of {args.runs} runs (x: ratio to the previous size)")
    print(f"{'kind':10} {'lines':>7} {'find_repeats':>13} {'x':>5} {'clean':>9} {'x':>5}")
    for kind in args.kinds:
        previous: tuple[float, float] | None = None
        for size in args.sizes:
            finder, whole = measure(kind, size, args.seed, not args.skip_pipeline, args.runs)
            ratios = (
                ("", "")
                if previous is None
                else (
                    f"{finder / max(previous[0], 1e-9):5.1f}",
                    f"{whole / max(previous[1], 1e-9):5.1f}",
                )
            )
            print(
                f"{kind:10} {size:7d} {finder:13.3f} {ratios[0]:>5} {whole:9.3f} {ratios[1]:>5}",
                flush=True,
            )
            previous = (finder, whole)


if __name__ == "__main__":
    main()
