"""CPU time of the phrase book's candidate search, in a tight loop over a run's paragraphs.

    python benchmarks/candidates.py CORPUS [--limit 1000] [--rounds 3]

Runs ``Pipeline.draft`` over the first ``--limit`` documents of ``CORPUS`` (any input
``newsclean run`` takes), keeping every text ``TriggerIndex.candidates`` is asked about, then
times, per distinct text, in CPU microseconds (the best of ``--rounds``): the search from a
fresh index (``cold``: its caches empty, as a run starts) and again (``warm``), and its parts:
folding, the test for risky characters, and the finder's ``findall``; for ASCII and other
texts apart.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from pathlib import Path

from newsclean.io.readers import iter_documents
from newsclean.patterns import load_phrasebook, triggers
from newsclean.pipeline import Pipeline
from newsclean.settle import settle
from newsclean.steps.base import Draft


def asked_texts(corpus: Path, limit: int) -> list[str]:
    """The distinct texts the candidate search is asked about while the per-document steps
    clean the first ``limit`` documents of ``corpus``, in the order first asked.
    """
    asked: list[str] = []
    search = triggers.TriggerIndex.candidates

    def recording(index: triggers.TriggerIndex, text: str) -> dict[int, tuple[int, ...]]:
        asked.append(text)
        return search(index, text)

    def fail(error: Exception) -> None:
        raise error

    triggers.TriggerIndex.candidates = recording  # type: ignore[method-assign]
    try:
        pipeline = Pipeline.from_config()
        documents = list(iter_documents([corpus], on_error=fail))[:limit]
        for document in documents:
            for draft in pipeline._pass(Draft.start(document), pipeline.document_steps):
                settle(draft, lambda d: pipeline._pass(d, pipeline.document_steps))
    finally:
        triggers.TriggerIndex.candidates = search  # type: ignore[method-assign]
    return list(dict.fromkeys(asked))


def per_text(call: Callable[[str], object], texts: list[str], rounds: int) -> float:
    """The best of ``rounds`` passes of ``call`` over ``texts``: CPU microseconds a text."""
    best = float("inf")
    for _ in range(rounds):
        start = time.process_time()
        for text in texts:
            call(text)
        best = min(best, time.process_time() - start)
    return best / max(len(texts), 1) * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--limit", type=int, default=1000, help="documents read")
    parser.add_argument("--rounds", type=int, default=3, help="passes (the best is printed)")
    args = parser.parse_args()
    texts = asked_texts(args.corpus, args.limit)
    book = load_phrasebook()
    state = book._index.state()
    fragments = [category.fragments for category in book._categories.values()]

    def fresh() -> triggers.TriggerIndex:
        index = triggers.TriggerIndex(fragments, state)
        index.prepare()
        return index

    index = fresh()
    finder = index._compile_finder()
    print(f"{len(texts)} distinct texts; CPU µs a text, best of {args.rounds}")
    print(
        f"{'texts':10} {'count':>6} {'chars':>6} {'cold':>6} {'warm':>6} {'fold':>6} "
        f"{'risky':>6} {'findall':>7}"
    )
    for name, chosen in (
        ("ascii", [t for t in texts if t.isascii()]),
        ("other", [t for t in texts if not t.isascii()]),
    ):
        # What the finder reads: a space for the text's start, then the folded text.
        folded = [" " + (t.lower() if t.isascii() else triggers.fold(t)) for t in chosen]
        cold = min(per_text(fresh().candidates, chosen, 1) for _ in range(args.rounds))
        warm = per_text(index.candidates, chosen, args.rounds)  # the first pass fills it
        fold = per_text(
            lambda t: t.lower() if t.isascii() else triggers.fold(t), chosen, args.rounds
        )
        risky = per_text(lambda t: t.isascii() or index._risky(t), chosen, args.rounds)
        scan = per_text(finder.findall, folded, args.rounds)
        chars = sum(map(len, chosen)) / max(len(chosen), 1)
        print(
            f"{name:10} {len(chosen):>6} {chars:>6.0f} {cold:>6.2f} {warm:>6.2f} {fold:>6.2f} "
            f"{risky:>6.2f} {scan:>7.2f}"
        )


if __name__ == "__main__":
    main()
