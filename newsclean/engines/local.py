"""The local engine: the three stages of a run in this process, or in worker processes.

*clean*: every input is cleaned by the per-document steps, its drafts appended to the spool
(:mod:`newsclean.spool`) and a sketch of each article kept (:class:`~newsclean.dedup.sketches.
Sketches`). With ``jobs > 1`` worker processes take whole input files, read and clean them
themselves and spool to their own shard; the parent only collects the sketches and where each
document's drafts are. *link*: the corpus steps decide from the sketches alone. *apply*: the
spool is read back in input order, the decisions applied, and each record handed on.

Memory is the sketches (a few hundred bytes an article) plus one document at a time; the
records are made in input order, the same for any number of jobs.
"""

from __future__ import annotations

import multiprocessing
import os
from array import array
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from newsclean import interrupts
from newsclean.dedup.sketches import Sketches
from newsclean.io import DEFAULT_MAX_BYTES, iter_input_files, read_file
from newsclean.io.readers import STDIN, iter_documents
from newsclean.pipeline import Pipeline, RunStats, StepError
from newsclean.record import Document, Record
from newsclean.spool import Entry, ShardWriter, Spool

# Documents read by the parent (standard input, or a library caller's stream) are handed to
# workers in batches of this many.
_BATCH = 64
# Tasks in flight per worker: enough to keep each busy, few enough to bound memory.
_IN_FLIGHT = 4


@dataclass(frozen=True)
class Inputs:
    """What ``newsclean run`` reads: paths (files, folders, ``-``), read by the workers."""

    paths: tuple[str, ...]
    max_bytes: int = DEFAULT_MAX_BYTES
    root_relative: bool = True


@dataclass
class _Task:
    """A share of the input: one file (read by the worker) or documents read by the parent."""

    path: Path | None = None
    documents: list[Document] = field(default_factory=list)


@dataclass
class _Outcome:
    """What a worker made of one task: per document its source and spool entry (or its
    failure), the input errors met while reading, and the sketches of its articles.
    """

    documents: list[tuple[str, Entry | Exception]]
    input_errors: list[Exception]
    sketches: Sketches


class _Cleaner:
    """Runs tasks: in a worker process (one per process) or in the parent for ``jobs=1``."""

    def __init__(self, pipeline: Pipeline, spool: Spool, inputs: Inputs | None) -> None:
        self.pipeline = pipeline
        self.new_shard = spool.writer
        self.inputs = inputs
        self._shard: ShardWriter | None = None

    def __call__(self, task: _Task) -> _Outcome:
        if self._shard is None:
            self._shard = self.new_shard()
        errors: list[Exception] = []
        if task.path is not None:
            assert self.inputs is not None
            documents: Iterable[Document] = read_file(
                task.path, root_relative=self.inputs.root_relative,
                max_bytes=self.inputs.max_bytes, on_error=errors.append,
            )
        else:
            documents = task.documents
        outcome = _Outcome([], errors, self.pipeline.new_sketches())
        for document in documents:
            try:
                drafts = self.pipeline.draft(document)
            except StepError as exc:
                outcome.documents.append((document.source, exc))
                continue
            self.pipeline.sketch(drafts, outcome.sketches)
            outcome.documents.append((document.source, self._shard.append(drafts)))
        return outcome

    def close(self) -> None:
        if self._shard is not None:
            self._shard.close()


_WORKER: _Cleaner | None = None


def _init_worker(cleaner: _Cleaner, parent: int) -> None:
    global _WORKER
    interrupts.init_worker(parent)
    _WORKER = cleaner


def _run_task(task: _Task) -> _Outcome:
    assert _WORKER is not None
    return _WORKER(task)


def _tasks(source: Inputs | Iterable[Document], on_error: Callable[[Exception], None],
           jobs: int) -> Iterator[_Task]:
    if not isinstance(source, Inputs):
        yield from _batches(source)
        return
    for given in source.paths:
        if given == STDIN:
            yield from _batches(iter_documents([STDIN], max_bytes=source.max_bytes,
                                               on_error=on_error))
            continue
        for path in iter_input_files([given], on_error=on_error):
            yield _Task(path=path)


def _batches(documents: Iterable[Document]) -> Iterator[_Task]:
    batch: list[Document] = []
    for document in documents:
        batch.append(document)
        if len(batch) >= _BATCH:
            yield _Task(documents=batch)
            batch = []
    if batch:
        yield _Task(documents=batch)


def _outcomes(tasks: Iterator[_Task], cleaner: _Cleaner, jobs: int) -> Iterator[_Outcome]:
    """Each task's outcome, in task order."""
    if jobs <= 1:
        try:
            yield from map(cleaner, tasks)
        finally:
            cleaner.close()
        return
    # multiprocessing.Pool, not concurrent.futures: leaving the block (an error, Ctrl-C,
    # SIGTERM) terminates the workers at once instead of waiting for queued work. Workers are
    # forked with the signals held, so none runs the parent's handlers.
    with interrupts.held():
        pool = multiprocessing.Pool(jobs, _init_worker, (cleaner, os.getpid()))
    with pool:
        pending: deque = deque()
        for task in tasks:
            pending.append(pool.apply_async(_run_task, (task,)))
            if len(pending) >= _IN_FLIGHT * jobs:
                yield pending.popleft().get()
        while pending:
            yield pending.popleft().get()


class _Entries:
    """Where each document's drafts are in the spool, as three compact arrays."""

    def __init__(self) -> None:
        self.shards: list[str] = []
        self._shard_numbers: dict[str, int] = {}
        self.shard = array("i")
        self.offset = array("q")
        self.length = array("q")

    def append(self, entry: Entry) -> None:
        number = self._shard_numbers.setdefault(entry.shard, len(self.shards))
        if number == len(self.shards):
            self.shards.append(entry.shard)
        self.shard.append(number)
        self.offset.append(entry.offset)
        self.length.append(entry.length)

    def __iter__(self) -> Iterator[Entry]:
        for number, offset, length in zip(self.shard, self.offset, self.length, strict=True):
            yield Entry(self.shards[number], offset, length)


def run(
    pipeline: Pipeline,
    source: Inputs | Iterable[Document],
    *,
    jobs: int = 1,
    on_error: Callable[[Exception], None] | None = None,
    on_document: Callable[[str], None] | None = None,
    stats: RunStats | None = None,
    spool_beside: str | Path | None = None,
) -> Iterator[Record]:
    """Clean ``source`` (paths the workers read, or a stream of documents) and yield the
    records in input order, streaming (see the module docstring).

    A document that fails is passed to ``on_error`` (raised when it is ``None``), and the run
    goes on. What the corpus steps would persist is left staged: the caller commits it with
    ``pipeline.commit()`` once the records are written, or drops it with
    ``pipeline.discard()``. ``spool_beside`` names the output the spool is made beside.
    """
    stats = stats if stats is not None else RunStats()

    def report(exc: Exception) -> None:
        if on_error is None:
            raise exc
        on_error(exc)

    with Spool(spool_beside) as spool:
        inputs = source if isinstance(source, Inputs) else None
        cleaner = _Cleaner(pipeline, spool, inputs)
        sketches = pipeline.new_sketches()
        entries = _Entries()
        for outcome in _outcomes(_tasks(source, report, jobs), cleaner, jobs):
            for error in outcome.input_errors:
                report(error)
            for document_source, result in outcome.documents:
                stats.documents += 1
                if on_document is not None:
                    on_document(document_source)
                if isinstance(result, Exception):
                    stats.failed += 1
                    report(result)
                else:
                    spool.attach(result.shard)  # while its writer is alive
                    entries.append(result)
            sketches.extend(outcome.sketches)
        if pipeline.streams:
            pipeline.link(sketches)
            del sketches
            for entry in entries:
                yield from pipeline.apply(spool.read(entry), stats)
            return
        # A corpus step without sketches needs every draft of the run at once.
        per_document = [spool.read(entry) for entry in entries]
        finished = {id(d) for d in pipeline.finish([d for ds in per_document for d in ds])}
        for drafts in per_document:
            yield from pipeline.apply(drafts, stats, decided=lambda d: id(d) in finished)
