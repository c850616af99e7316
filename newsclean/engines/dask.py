"""The Dask engine: the three stages of a run on a Dask cluster (``pip install newsclean[dask]``).

*clean*: the parent walks the inputs into partitions (runs of consecutive files, in input
order, up to :data:`PARTITION_FILES` files or :data:`PARTITION_BYTES`; a larger uncompressed
JSONL file is cut into parts of whole lines, each a partition) and each is cleaned on a
worker with the same stage function as the local engine
(:class:`~newsclean.engines.stages.Cleaner`); the worker spools the drafts to a named shard
of a spool folder beside the output (shared storage on a real cluster) and returns the
partition's sketches and where each document's drafts are (a partition of more than
:data:`~newsclean.engines.stages.SPILL` documents spools them too, as it goes). *link*: the
parent appends the sketches in partition order and the corpus steps decide
(:meth:`Pipeline.link`), as in the local engine. *apply*: the pipeline, now holding the
decisions, is broadcast to the workers; each applies them to one partition's drafts and
spools that partition's records; the parent reads the records back in input order and yields
them. So the records, and their order, are
those of the local engine, byte for byte.

Only the parent touches a persistent index (in link, and in ``pipeline.commit()``): what is
sent to workers leaves open indexes behind. The parent holds the sketches (a few hundred
bytes an article), as the local engine does; see ``docs/engines.md`` for what a corpus too
large for that would need.
"""

from __future__ import annotations

import io
import logging
import os
import pickle
import secrets
import socket
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

try:
    from distributed import Client, Future, LocalCluster
    from distributed.comm.addressing import parse_address, parse_host_port
except ImportError as exc:  # an optional extra
    raise ImportError(
        "the dask engine needs Dask's distributed scheduler: pip install 'newsclean[dask]'"
    ) from exc

from newsclean import interrupts
from newsclean.dedup.index import NearDuplicateIndex
from newsclean.engines.stages import (
    Cleaner,
    EngineError,
    Inputs,
    Ledger,
    Outcome,
    Task,
    apply_all,
    merge_stats,
    report_with,
    tasks,
)
from newsclean.pipeline import Pipeline, RunStats
from newsclean.record import Document, Record
from newsclean.spool import Entry, Spool

__all__ = ["PARTITION_BYTES", "PARTITION_FILES", "ClusterUnavailable", "Inputs", "run"]

# A partition is up to this many files, or fewer once they reach PARTITION_BYTES: large
# enough that a task's overhead (scheduling, a spool shard) is small against cleaning it,
# small enough that the cluster's workers all get a share of a modest corpus.
PARTITION_FILES = 64
PARTITION_BYTES = 16 * 2**20
# Partitions in flight per worker thread: enough to keep each busy while the parent takes in
# results, few enough to bound the parent's memory.
_IN_FLIGHT = 2
# Seconds to reach a scheduler that answers, and to wait for its first worker.
CONNECT_TIMEOUT = 10.0
WORKERS_TIMEOUT = 60.0
_DEFAULT_PORT = 8786
# A scheduler serves HTTP (health checks) even without a dashboard, on port 8787 unless told
# otherwise: a free port, so two runs on one machine do not compete for it.
_NO_FIXED_PORTS = {"dashboard_address": "127.0.0.1:0"}
# Address families a scheduler is reached over TCP in (checked before dask's retries).
_TCP = ("tcp", "tls", "ws", "wss")


class ClusterUnavailable(EngineError):
    """The cluster cannot run the work: its scheduler cannot be reached, no worker joins, or
    a worker does not see the files of the run (shared storage).
    """


def run(
    pipeline: Pipeline,
    source: Inputs | Iterable[Document],
    *,
    scheduler: str | Client | None = None,
    workers: int = 1,
    on_error: Callable[[Exception], None] | None = None,
    on_document: Callable[[str], None] | None = None,
    stats: RunStats | None = None,
    spool_beside: str | Path | None = None,
    partition_files: int = PARTITION_FILES,
    partition_bytes: int = PARTITION_BYTES,
) -> Iterator[Record]:
    """Clean ``source`` on a Dask cluster and yield the records in input order: those
    :func:`newsclean.engines.local.run` yields, byte for byte.

    ``scheduler`` is the cluster: a scheduler address (``tcp://HOST:8786``), a connected
    :class:`distributed.Client` (left open), or ``None`` for a cluster of ``workers``
    processes on this machine, started for the run and closed after it. Input paths, the
    spool (beside ``spool_beside``, the output) and the working folder must be the same on
    every worker (shared storage); :class:`ClusterUnavailable` says when they are not.

    Errors, ``on_document``, ``stats`` and staging (``pipeline.commit()`` after the output is
    written) are as in :func:`newsclean.engines.local.run`.
    """
    stats = stats if stats is not None else RunStats()
    report = report_with(on_error)
    # The cluster is left (its running tasks stopped, when it is ours) before the spool
    # folder is removed, so no task writes into a folder being removed.
    with Spool(spool_beside, shared=True) as spool, _connected(scheduler, workers) as client:
        slots = max(2, _IN_FLIGHT * sum(client.nthreads().values()))
        inputs = source if isinstance(source, Inputs) else None
        here = os.path.realpath(os.getcwd())
        ledger = Ledger(pipeline, stats, report, on_document, read=spool.read)
        cleaning = _broadcast(client, pipeline)
        shares: list[tuple[int, int]] = []
        partitions = tasks(source, report, files=partition_files, size=partition_bytes)
        for outcome in _in_order(client, _clean,
                                 ((cleaning, spool, inputs, here, t) for t in partitions), slots):
            start = len(ledger.entries)
            ledger.add(outcome)
            shares.append((start, len(ledger.entries)))
        del cleaning
        if not pipeline.streams:  # a corpus step that needs every draft at once
            yield from apply_all(pipeline, ledger, spool.read, stats)
            return
        ledger.link(pipeline)
        applying = _broadcast(client, pipeline)
        arguments = ((applying, spool, list(ledger.entries.between(start, stop)))
                     for start, stop in shares if stop > start)
        for share_stats, placed in _in_order(client, _apply, arguments, slots):
            merge_stats(stats, share_stats)
            for entry in placed:
                yield from spool.read(entry)


# The parent ------------------------------------------------------------------------------


@contextmanager
def _connected(scheduler: str | Client | None, workers: int) -> Iterator[Client]:
    """A client of the cluster ``run`` was given (see there)."""
    if isinstance(scheduler, Client):
        yield scheduler
        return
    if scheduler is None:
        # Worker processes on this machine, no dashboard, warnings only when they matter;
        # the preload gives each worker the local engine's signal set-up (dask_setup).
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                               host="127.0.0.1", dashboard_address=None,
                               scheduler_kwargs=_NO_FIXED_PORTS, silence_logs=logging.ERROR,
                               preload=[__name__])
        with cluster, Client(cluster) as client:
            yield client
        return
    _probe(scheduler)
    try:
        client = Client(scheduler, timeout=CONNECT_TIMEOUT)
    except (OSError, TimeoutError) as exc:
        raise ClusterUnavailable(f"cannot reach the Dask scheduler at {scheduler}: "
                                 f"{_one_line(exc)}") from exc
    with client:
        try:
            client.wait_for_workers(1, timeout=WORKERS_TIMEOUT)
        except (OSError, TimeoutError) as exc:
            raise ClusterUnavailable(f"the Dask scheduler at {scheduler} has no worker "
                                     f"(none joined in {WORKERS_TIMEOUT:g} s)") from exc
        yield client


def _probe(scheduler: str) -> None:
    """Refuse at once a TCP scheduler address nothing listens on (Dask would retry it for
    the whole connect timeout, in case a scheduler is starting).
    """
    try:
        family, location = parse_address(scheduler)
        if family not in _TCP:
            return
        host, port = parse_host_port(location, default_port=_DEFAULT_PORT)
    except ValueError as exc:
        raise ClusterUnavailable(f"not a Dask scheduler address: {scheduler!r} "
                                 "(expected tcp://HOST:PORT)") from exc
    try:
        socket.create_connection((host, port), timeout=CONNECT_TIMEOUT).close()
    except OSError as exc:
        raise ClusterUnavailable(f"cannot reach the Dask scheduler at {scheduler}: "
                                 f"{_one_line(exc)}") from exc


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__


def _broadcast(client: Client, pipeline: Pipeline) -> Future:
    """The pipeline, as it stands, on every worker (workers that join later fetch it)."""
    [future] = client.scatter([_Shipped(pipeline)], broadcast=True, hash=False)
    return future


def _in_order(client: Client, function: Callable[..., Any], arguments: Iterator[tuple],
              slots: int) -> Iterator[Any]:
    """``function(*args)`` on the cluster for each of ``arguments``, up to ``slots`` at once;
    the results in the order of ``arguments``. Leaving early cancels what is still queued.
    """
    pending: deque[Future] = deque()
    try:
        for args in arguments:
            pending.append(client.submit(function, *args, pure=False))
            if len(pending) >= slots:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
    finally:
        if pending:
            client.cancel(list(pending))


# What workers run --------------------------------------------------------------------------


class _Shipped:
    """A pipeline as it is sent to workers: pickled once here, unpickled once per worker
    thread (steps are not assumed thread-safe). An open index is left behind: only the parent
    uses one, and a worker that reaches for it gets an error that says so.
    """

    def __init__(self, pipeline: Pipeline) -> None:
        self.token = secrets.token_hex(8)
        buffer = io.BytesIO()
        _Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL).dump(pipeline)
        self.data = buffer.getvalue()

    def load(self) -> Pipeline:
        loaded: dict[str, Pipeline] = _LOADED.__dict__.setdefault("pipelines", {})
        if self.token not in loaded:
            if len(loaded) >= 4:  # the pipelines of a run or two; let older ones go
                del loaded[next(iter(loaded))]
            loaded[self.token] = _Unpickler(io.BytesIO(self.data)).load()
        return loaded[self.token]


_LOADED = threading.local()


class _Pickler(pickle.Pickler):
    def persistent_id(self, obj: Any) -> str | None:
        return "index" if isinstance(obj, NearDuplicateIndex) else None


class _Unpickler(pickle.Unpickler):
    def persistent_load(self, pid: Any) -> Any:
        return _IndexInParent()


class _IndexInParent:
    """Where a worker's copy of a corpus step had its open index."""

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        raise ClusterUnavailable(
            f"a corpus step used its index ({name}) on a Dask worker: only the run's own "
            "process opens an index; run this pipeline with the local engine"
        )


def _check_shared(spool: Spool, here: str | None = None, task: Task | None = None) -> None:
    """Refuse work on a worker that does not see the run's files where the parent does."""
    if not os.path.isdir(spool.folder):
        raise ClusterUnavailable(
            f"worker {socket.gethostname()} does not see the spool folder {spool.folder}: "
            "the output must be on storage every worker shares, at the same path"
        )
    if task is not None and here is not None and any(not p.is_absolute() for p in task.paths):
        if os.path.realpath(os.getcwd()) != here:
            raise ClusterUnavailable(
                f"worker {socket.gethostname()} runs in {os.getcwd()}, not in {here}: give "
                "absolute input paths, or start the workers in the run's folder"
            )


def _clean(shipped: _Shipped, spool: Spool, inputs: Inputs | None, here: str,
           task: Task) -> Outcome:
    """The clean stage of one partition, on a worker (its own spool shard)."""
    _check_shared(spool, here, task)
    cleaner = Cleaner(shipped.load(), spool.writer, inputs)
    try:
        return cleaner(task)
    finally:
        cleaner.close()


def _apply(shipped: _Shipped, spool: Spool, entries: list[Entry]) -> tuple[RunStats, list[Entry]]:
    """The apply stage of one partition, on a worker: its records spooled, one entry per
    document, and what they count.
    """
    _check_shared(spool)
    pipeline = shipped.load()
    stats = RunStats()
    writer = spool.writer()
    try:
        placed = [writer.append(pipeline.apply(spool.read(entry), stats)) for entry in entries]
    finally:
        writer.close()
        spool.close()  # this copy's descriptors; the folder is the parent's
    return stats, placed


def dask_setup(worker: object) -> None:
    """Signal set-up of the worker processes of a cluster ``run`` starts (a Dask preload):
    as the local engine's, Ctrl-C is the parent's to handle, and a worker dies with it.
    """
    interrupts.init_worker(os.getppid())
