"""CPU time of the per-document steps, step by step, on a corpus.

    python benchmarks/steps.py CORPUS [--runs 3] [--limit N] [--profile STEP] [--baseline DIR]

``CORPUS`` is any input ``newsclean run`` takes (a folder of ``.txt`` / ``.jsonl`` files, e.g.
one made with the bench's ``make_perf_corpus.py extraction-dev OUT --n 2000 --seed 1``). Runs
``Pipeline.draft`` (every per-document step, settling rounds included) on each document,
``--runs`` times, and prints per step the median CPU milliseconds per article in the first
pass and in the settling rounds, then articles per CPU-second for the per-document steps as a
whole. CPU time (``time.process_time``), not wall time, so other work on the machine matters
less; the documents are read into memory before any timing. ``--profile STEP`` instead runs the
steps before STEP on each document (first pass), then STEP alone under ``cProfile`` over all of
them, and prints where its time goes.

``--baseline DIR`` compares with another copy of the repository (e.g. ``git worktree add
../base COMMIT``) on the same machine at the same time: runs alternate between the two trees
(each in a fresh process importing its own ``newsclean``), and both sides are printed with
the paired ratios of their totals.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

from newsclean.io.readers import iter_documents
from newsclean.pipeline import Pipeline
from newsclean.record import Document
from newsclean.settle import settle
from newsclean.steps.base import Draft, Step


class _Timed(Step):
    """Wraps a step and adds its CPU time to ``totals[(name, phase)]``."""

    def __init__(self, step: Step, totals: dict[tuple[str, str], float], phase: list[str]):
        self.step, self.totals, self.phase = step, totals, phase
        self.name = step.name  # type: ignore[misc]

    def __call__(self, draft: Draft) -> list[Draft]:
        start = time.process_time()
        try:
            return self.step(draft)
        finally:
            self.totals[self.step.name, self.phase[0]] += time.process_time() - start


def one_run(pipeline: Pipeline, documents: list[Document]) -> tuple[dict, float]:
    """Per (step, phase) CPU seconds and the total CPU seconds of the per-document steps over
    the corpus, run as :meth:`Pipeline.draft` runs them (a first pass, then settling).
    """
    totals: dict[tuple[str, str], float] = defaultdict(float)
    phase = ["first"]
    timed = Pipeline([_Timed(s, totals, phase) for s in pipeline.document_steps])

    def settle_pass(draft: Draft) -> list[Draft]:
        phase[0] = "settle"
        return timed._pass(draft, timed.document_steps)

    total = 0.0
    for document in documents:
        phase[0] = "first"
        start = time.process_time()
        for draft in timed._pass(Draft.start(document), timed.document_steps):
            settle(draft, settle_pass)
        total += time.process_time() - start
    return totals, total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--runs", type=int, default=3, help="runs (medians are printed)")
    parser.add_argument("--limit", type=int, default=0, help="use the first N documents only")
    parser.add_argument("--profile", metavar="STEP", help="profile one step (first pass)")
    parser.add_argument("--one", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument(
        "--baseline", type=Path, metavar="DIR", help="another copy of the repository to compare"
    )
    args = parser.parse_args()
    if args.profile:
        _profile(args.corpus, args.limit, args.profile)
        return
    if args.one:
        print(json.dumps(_measure(args.corpus, args.limit)))
        return
    here = Path(__file__).resolve().parent.parent
    trees = {"this": here} if args.baseline is None else {"base": args.baseline, "this": here}
    # Each run in a fresh process: the paragraph caches of one run would serve the next. With
    # a baseline, the two trees take turns (base, this, this, base, ...).
    runs: dict[str, list[dict]] = {name: [] for name in trees}
    for i in range(args.runs):
        for name in list(trees) if i % 2 == 0 else list(trees)[::-1]:
            runs[name].append(_run_tree(trees[name], args.corpus, args.limit))
    first_run = runs["this"][0]
    n, names = first_run["n"], first_run["names"]
    build = statistics.median(r["build"] for r in runs["this"])
    print(f"{n} documents, median of {args.runs} runs, CPU ms per article "
          f"(pipeline built in {build * 1000:.0f} ms CPU)")
    header = "".join(f" | {f'{t} first':>11} {'settle':>7} {'total':>7}" for t in trees)
    print(f"{'step':<12}{header}")
    for name in names:
        row = ""
        for tree in trees:
            ms = [r["steps"].get(name, [0.0, 0.0]) for r in runs[tree]]
            first = statistics.median(m[0] for m in ms) * 1000 / n
            again = statistics.median(m[1] for m in ms) * 1000 / n
            total = statistics.median(m[0] + m[1] for m in ms) * 1000 / n
            row += f" | {first:>11.2f} {again:>7.2f} {total:>7.2f}"
        print(f"{name:<12}{row}")
    totals = {t: [r["total"] for r in runs[t]] for t in trees}
    medians = {t: statistics.median(v) for t, v in totals.items()}
    cells = "".join(f" | {'':>11} {'':>7} {m * 1000 / n:>7.2f}" for m in medians.values())
    print(f"{'all':<12}{cells}")
    print("articles per CPU-second: " + ", ".join(f"{t} {n / m:.0f}" for t, m in medians.items()))
    if args.baseline is not None:
        ratios = sorted(b / a for a, b in zip(totals["base"], totals["this"]))
        print("paired ratios of the totals (this / base): "
              + " ".join(f"{r:.3f}" for r in ratios)
              + f", median {statistics.median(ratios):.3f}")


def _run_tree(tree: Path, corpus: Path, limit: int) -> dict:
    """One ``--one`` run of ``tree``'s own script and package, in a fresh process."""
    env = dict(os.environ, PYTHONPATH=str(tree))
    command = [sys.executable, str(tree / "benchmarks" / "steps.py"), str(corpus),
               "--limit", str(limit), "--one"]
    done = subprocess.run(command, check=True, capture_output=True, text=True, env=env)
    return json.loads(done.stdout)


def _documents(corpus: Path, limit: int) -> list[Document]:
    def fail(error: Exception) -> None:
        raise error

    documents = list(iter_documents([corpus], on_error=fail))
    return documents[:limit] if limit else documents


def _profile(corpus: Path, limit: int, name: str) -> None:
    """Print a cProfile of step ``name`` over the first-pass drafts it would see."""
    import cProfile
    import pstats

    pipeline = Pipeline.from_config()
    names = [s.name for s in pipeline.document_steps]
    if name not in names:
        sys.exit(f"no per-document step {name!r}; steps: {', '.join(names)}")
    index = names.index(name)
    drafts = []
    for document in _documents(corpus, limit):
        pending = [Draft.start(document)]
        for step in pipeline.document_steps[:index]:
            pending = [out for d in pending for out in step(d)]
        drafts += pending
    step = pipeline.document_steps[index]
    profile = cProfile.Profile()
    profile.enable()
    for draft in drafts:
        step(draft)
    profile.disable()
    pstats.Stats(profile).sort_stats("tottime").print_stats(30)


def _measure(corpus: Path, limit: int) -> dict:
    """One run in this process: what :func:`main` prints, as JSON-ready numbers."""
    documents = _documents(corpus, limit)
    start = time.process_time()
    pipeline = Pipeline.from_config()
    build = time.process_time() - start
    totals, total = one_run(pipeline, documents)
    names = [s.name for s in pipeline.document_steps]
    return {
        "n": len(documents),
        "names": names,
        "build": build,
        "total": total,
        "steps": {name: [totals[name, "first"], totals[name, "settle"]] for name in names},
    }


if __name__ == "__main__":
    main()
