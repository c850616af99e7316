"""datatrove's cleaning pass and four-stage MinHash deduplication over a JSONL corpus folder.

    python benchmarks/_datatrove_pipeline.py {clean,dedup,whole} CORPUS WORK [--workers N]

Run by ``peers.py`` in a process of its own, so that its CPU time is the whole process, start-up
included, as ``newsclean run``'s is on the other side. datatrove is a benchmark-only
dependency (``pip install -e '.[bench]'``); nothing in the package imports it.

* ``clean``: read the corpus, ``FTFYFormatter``, ``C4QualityFilter``, ``GopherRepetitionFilter``,
  ``GopherQualityFilter`` (English, their defaults), write ``WORK/clean/``;
* ``dedup``: the four MinHash stages with their default configuration (signatures, buckets,
  clusters, filter), the documents it keeps in ``WORK/dedup/output/``, the ones it removes in
  ``WORK/dedup/removed/``;
* ``whole``: ``clean``, then ``dedup`` over what it kept.

Every writer writes plain ``.jsonl`` (datatrove compresses with gzip by default; newsclean's side
writes plain JSONL). Each stage runs ``tasks`` as its inputs require, ``--workers`` at a time.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from datatrove.executor import LocalPipelineExecutor
from datatrove.pipeline.dedup import (
    MinhashDedupBuckets,
    MinhashDedupCluster,
    MinhashDedupFilter,
    MinhashDedupSignature,
)
from datatrove.pipeline.dedup.minhash import MinhashConfig
from datatrove.pipeline.filters import (
    C4QualityFilter,
    GopherQualityFilter,
    GopherRepetitionFilter,
)
from datatrove.pipeline.formatters import FTFYFormatter
from datatrove.pipeline.readers import JsonlReader
from datatrove.pipeline.writers import JsonlWriter


def _run(pipeline: list, tasks: int, workers: int, logs: Path) -> None:
    LocalPipelineExecutor(
        pipeline=pipeline,
        tasks=tasks,
        workers=workers,
        logging_dir=str(logs),
        skip_completed=False,
    ).run()


def clean(corpus: Path, work: Path, workers: int) -> Path:
    """The FTFY + C4 + Gopher pass; returns the folder of what it kept."""
    out = work / "clean"
    _run(
        [
            JsonlReader(str(corpus)),
            FTFYFormatter(),
            C4QualityFilter(),
            GopherRepetitionFilter(),
            GopherQualityFilter(),
            JsonlWriter(str(out), compression=None),
        ],
        tasks=_files(corpus),
        workers=workers,
        logs=work / "logs" / "clean",
    )
    return out


def dedup(corpus: Path, work: Path, workers: int) -> Path:
    """The four MinHash stages over ``corpus``; returns the folder of what they kept."""
    config = MinhashConfig()
    base = work / "dedup"
    tasks = _files(corpus)
    logs = work / "logs"
    _run(
        [
            JsonlReader(str(corpus)),
            MinhashDedupSignature(output_folder=str(base / "signatures"), config=config),
        ],
        tasks=tasks,
        workers=workers,
        logs=logs / "signatures",
    )
    _run(
        [
            MinhashDedupBuckets(
                input_folder=str(base / "signatures"),
                output_folder=str(base / "buckets"),
                config=config,
            )
        ],
        tasks=config.num_buckets,
        workers=workers,
        logs=logs / "buckets",
    )
    _run(
        [
            MinhashDedupCluster(
                input_folder=str(base / "buckets"),
                output_folder=str(base / "remove_ids"),
                config=config,
            )
        ],
        tasks=1,
        workers=1,
        logs=logs / "clusters",
    )
    _run(
        [
            JsonlReader(str(corpus)),
            MinhashDedupFilter(
                input_folder=str(base / "remove_ids"),
                exclusion_writer=JsonlWriter(str(base / "removed"), compression=None),
            ),
            JsonlWriter(str(base / "output"), compression=None),
        ],
        tasks=tasks,
        workers=workers,
        logs=logs / "filter",
    )
    return base / "output"


def _files(corpus: Path) -> int:
    """One task per input file, as datatrove's readers share files out among tasks."""
    return max(1, sum(1 for _ in corpus.rglob("*.jsonl")))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("mode", choices=("clean", "dedup", "whole"))
    parser.add_argument("corpus", type=Path)
    parser.add_argument("work", type=Path)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    corpus = args.corpus
    if args.mode in ("clean", "whole"):
        corpus = clean(corpus, args.work, args.workers)
    if args.mode in ("dedup", "whole"):
        dedup(corpus, args.work, args.workers)


if __name__ == "__main__":
    main()
