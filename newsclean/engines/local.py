"""The local engine: the three stages of a run in this process, or in worker processes.

*clean*: every input is cleaned by the per-document steps, its drafts appended to the spool
(:mod:`newsclean.spool`) and a sketch of each article kept (:class:`~newsclean.dedup.sketches.
Sketches`). With ``jobs > 1`` worker processes take tasks: an input file each, or a part of
about :data:`~newsclean.engines.stages.TASK_BYTES` of a larger uncompressed JSONL file (runs of
whole lines; see :func:`~newsclean.engines.stages.tasks`); they read and clean them themselves
and spool to their own shard; the parent only collects the sketches and where each document's
drafts are. *link*: the corpus steps decide from the sketches alone. *apply*: the spool is read
back in input order, the decisions applied, and each record handed on.

Memory is the sketches (a few hundred bytes an article) plus one document at a time, and what
a worker holds of its task (bounded, whatever the size of a file); the records are made in
input order, the same for any number of jobs and any cut of the input into tasks.
"""

from __future__ import annotations

import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from multiprocessing.pool import AsyncResult
from multiprocessing.sharedctypes import Synchronized
from pathlib import Path

from newsclean import interrupts
from newsclean.engines.stages import (
    Cleaner,
    EngineError,
    Inputs,
    Ledger,
    Outcome,
    Task,
    apply_all,
    report_with,
    tasks,
)
from newsclean.pipeline import Pipeline, RunStats
from newsclean.record import Document, Record
from newsclean.spool import Spool

__all__ = ["Inputs", "WorkerLost", "run"]

# Tasks in flight per worker: enough to keep each busy, few enough to bound memory.
_IN_FLIGHT = 4
# How often a wait for a task's outcome looks whether a worker died (seconds).
_WATCH_EVERY = 0.5

_WORKER: Cleaner | None = None


class WorkerLost(EngineError):
    """A worker process died (killed by a signal: the out-of-memory killer, ``kill -9``): the
    task it held will never come back, so the run stops instead of waiting for it.
    """


def _init_worker(cleaner: Cleaner, parent: int, started: Synchronized) -> None:
    global _WORKER
    interrupts.init_worker(parent)
    _WORKER = cleaner
    with started.get_lock():
        started.value += 1


def _run_task(task: Task) -> Outcome:
    assert _WORKER is not None
    return _WORKER(task)


def _outcomes(tasks: Iterator[Task], cleaner: Cleaner, jobs: int) -> Iterator[Outcome]:
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
    cleaner.pipeline.before_fork()  # what the steps share, loaded once for every worker
    # The workers ever started: the pool starts one in place of a worker that died, but
    # never gives back the task that worker held, so more than ``jobs`` means a lost task.
    started = multiprocessing.Value("i", 0)
    with interrupts.held():
        pool = multiprocessing.Pool(jobs, _init_worker, (cleaner, os.getpid(), started))
    with pool:
        pending: deque = deque()
        for task in tasks:
            pending.append(pool.apply_async(_run_task, (task,)))
            if len(pending) >= _IN_FLIGHT * jobs:
                yield _outcome(pending.popleft(), started, jobs)
        while pending:
            yield _outcome(pending.popleft(), started, jobs)


def _outcome(result: AsyncResult, started: Synchronized, jobs: int) -> Outcome:
    """The outcome of a task given to the pool, or :class:`WorkerLost` once a worker died."""
    while True:
        try:
            return result.get(_WATCH_EVERY)
        except multiprocessing.TimeoutError:
            if started.value > jobs:
                raise WorkerLost(
                    "a worker process was killed (out of memory?) with a task it held"
                ) from None


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
    report = report_with(on_error)
    with Spool(spool_beside) as spool:
        inputs = source if isinstance(source, Inputs) else None
        cleaner = Cleaner(pipeline, spool.writer, inputs)
        # Each shard is opened while its writer is alive (an anonymous one can only be).
        ledger = Ledger(pipeline, stats, report, on_document, attach=spool.attach,
                        read=spool.read)
        for outcome in _outcomes(tasks(source, report), cleaner, jobs):
            ledger.add(outcome)
        yield from apply_all(pipeline, ledger, spool.read, stats)
