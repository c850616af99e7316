"""What every engine shares: the clean stage of one share of the input, the parent's ledger of
a run, and the apply stage in the parent.

An engine decides where the work runs (:mod:`newsclean.engines.local`: this process or worker
processes; :mod:`newsclean.engines.dask`: a Dask cluster). The work itself is the same
everywhere, so the records are too: a :class:`Cleaner` turns a :class:`Task` (input files or
parts of one, or documents read by the parent) into an :class:`Outcome` (where each
document's drafts are in the spool, the sketches of its articles); the parent hands outcomes,
in input order, to a :class:`Ledger`, which reports errors, counts documents and keeps the
sketches and spool entries; :func:`apply_all` links and applies in the parent.

A task is bounded, so that what a worker holds does not grow with the input: :func:`tasks`
cuts an uncompressed JSONL file larger than a task into parts of whole lines
(:func:`~newsclean.io.readers.line_parts`), each a task of its own; and a task that still
makes more than :data:`SPILL` documents or articles (a large compressed file, which cannot be
cut without reading it) sends its outcome in pieces through the spool. Where a task ends
changes nothing in the records, their order, or the errors reported and their order.
"""

from __future__ import annotations

import os
from array import array
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, fields
from pathlib import Path
from time import perf_counter
from typing import TYPE_CHECKING, Any

from newsclean.io import DEFAULT_MAX_BYTES, iter_input_files, read_file
from newsclean.io.readers import STDIN, WHOLE, Part, iter_documents, line_parts, source_name
from newsclean.pipeline import Pipeline, RunStats, StepError
from newsclean.record import Document, Record
from newsclean.spool import Entry, ShardWriter

if TYPE_CHECKING:
    from newsclean.dedup.sketches import Sketches  # numpy: loaded by the pipeline, if sketching

# Documents read by the parent (standard input, or a library caller's stream) are handed to
# workers in batches of this many.
BATCH = 64
# A task of the local engine is one input file, or a part of about this many bytes of an
# uncompressed JSONL file larger than that (about a thousand 700-word articles, ten seconds of
# cleaning): what a worker holds of a task is a few MB, whatever the size of the file.
TASK_BYTES = 4 * 2**20
# A task that makes more documents or articles than this (a compressed file, which is not cut)
# spools its outcome so far and goes on with an empty one.
SPILL = 2048


class EngineError(RuntimeError):
    """An engine cannot run the work at all (a cluster that cannot be reached, say): nothing
    of the run can be written.
    """


@dataclass(frozen=True)
class Inputs:
    """What ``newsclean run`` reads: paths (files, folders, ``-``), read by the workers.

    ``sources``, when given, names each path in the records (one per path; ``None`` for the
    usual :func:`~newsclean.io.readers.source_name`): a run walks folders first and hands on
    their files, named as the walk found them. ``stdin_name`` is the source of ``-``.
    """

    paths: tuple[str, ...]
    max_bytes: int = DEFAULT_MAX_BYTES
    sources: tuple[str | None, ...] = ()
    stdin_name: str = STDIN


@dataclass
class Task:
    """A share of the input: files or parts of files (read by the worker), or documents read
    by the parent.
    """

    paths: list[Path] = field(default_factory=list)
    documents: list[Document] = field(default_factory=list)
    # The source name of each path, in the records (see Inputs.sources).
    sources: list[str] = field(default_factory=list)
    # The part of each path to read (WHOLE, or one of line_parts); none given: whole files.
    parts: list[Part] = field(default_factory=list)


@dataclass
class Outcome:
    """What a worker made of one task: per document its source and spool entry (or its
    failure), the input errors met while reading (each after the documents read before it:
    ``(documents before it, error)``), and the sketches of its articles.

    ``spilled`` are the spool entries of the outcomes of the task's earlier documents, when
    it made more than :data:`SPILL` (see the module docstring): they come before this one.
    """

    documents: list[tuple[str, Entry | Exception]]
    input_errors: list[tuple[int, Exception]]
    sketches: Sketches
    # Seconds each per-document step took on this task (summed into RunStats.seconds).
    seconds: Counter[str] = field(default_factory=Counter)
    spilled: list[Entry] = field(default_factory=list)


class Cleaner:
    """Runs the clean stage of tasks, spooling each document's drafts to one shard (made by
    ``new_shard`` at the first task); ``inputs`` says how to read a task's files.
    """

    def __init__(self, pipeline: Pipeline, new_shard: Callable[[], ShardWriter],
                 inputs: Inputs | None) -> None:
        self.pipeline = pipeline
        self.new_shard = new_shard
        self.inputs = inputs
        self._shard: ShardWriter | None = None

    def __call__(self, task: Task) -> Outcome:
        """Clean ``task``: its drafts go to the shard, the rest is returned (in pieces, the
        earlier ones spooled, when it is larger than :data:`SPILL`).
        """
        if self._shard is None:
            self._shard = self.new_shard()
        shard = self._shard
        outcome = Outcome([], [], self.pipeline.new_sketches())
        spilled: list[Entry] = []

        def on_error(exc: Exception) -> None:
            outcome.input_errors.append((len(outcome.documents), exc))

        for document in self._documents(task, on_error):
            try:
                drafts = self.pipeline.draft(document)
            except StepError as exc:
                outcome.documents.append((document.source, exc))
            else:
                self.pipeline.sketch(drafts, outcome.sketches)
                outcome.documents.append((document.source, shard.append(drafts)))
            if max(len(outcome.documents), len(outcome.sketches)) >= SPILL:
                outcome.seconds = self.pipeline.take_seconds()
                spilled.append(shard.append(outcome))
                outcome = Outcome([], [], self.pipeline.new_sketches())
        outcome.seconds = self.pipeline.take_seconds()
        outcome.spilled = spilled
        return outcome

    def _documents(self, task: Task,
                   on_error: Callable[[Exception], None]) -> Iterator[Document]:
        yield from task.documents
        parts = task.parts or [WHOLE] * len(task.paths)
        for path, source, part in zip(task.paths, task.sources, parts, strict=True):
            assert self.inputs is not None
            yield from read_file(path, source=source, max_bytes=self.inputs.max_bytes,
                                 on_error=on_error, part=part)

    def close(self) -> None:
        """Close the shard (once every task is done)."""
        if self._shard is not None:
            self._shard.close()


def tasks(source: Inputs | Iterable[Document], on_error: Callable[[Exception], None], *,
          files: int = 1, size: int | None = None) -> Iterator[Task]:
    """The tasks of ``source`` in input order: runs of up to ``files`` consecutive input
    files, a run ending early once its files reach ``size`` bytes (:data:`TASK_BYTES` when
    ``None``; no bound when 0), an uncompressed JSONL file larger than ``size`` cut into
    parts of about ``size`` (each part counting as a file); or batches of :data:`BATCH`
    documents read here (standard input, a stream of documents).
    """
    size = TASK_BYTES if size is None else size
    if not isinstance(source, Inputs):
        yield from batches(source)
        return
    pending = Task()
    pending_size = 0
    names = source.sources or (None,) * len(source.paths)
    for given, name in zip(source.paths, names, strict=True):
        if given == STDIN:
            if pending.paths:
                yield pending
                pending, pending_size = Task(), 0
            yield from batches(iter_documents([STDIN], max_bytes=source.max_bytes,
                                              on_error=on_error,
                                              stdin_name=source.stdin_name))
            continue
        for path in iter_input_files([given], on_error=on_error):
            named = name if name is not None else source_name(path, given)
            for part in line_parts(path, size):
                pending.paths.append(path)
                pending.sources.append(named)
                pending.parts.append(part)
                if size > 0:
                    pending_size += _size_of(path, part)
                if len(pending.paths) >= files or (size > 0 and pending_size >= size):
                    yield pending
                    pending, pending_size = Task(), 0
    if pending.paths:
        yield pending


def _size_of(path: Path, part: Part) -> int:
    if part.stop is not None:
        return part.stop - part.start
    try:
        return max(0, os.stat(path).st_size - part.start)
    except OSError:  # gone or unreadable: the worker that reads it reports that
        return 0


def batches(documents: Iterable[Document]) -> Iterator[Task]:
    """Tasks of :data:`BATCH` documents each, in order."""
    batch: list[Document] = []
    for document in documents:
        batch.append(document)
        if len(batch) >= BATCH:
            yield Task(documents=batch)
            batch = []
    if batch:
        yield Task(documents=batch)


class Entries:
    """Where each document's drafts are in the spool, as three compact arrays."""

    def __init__(self) -> None:
        self.shards: list[str] = []
        self._shard_numbers: dict[str, int] = {}
        self.shard = array("i")
        self.offset = array("q")
        self.length = array("q")

    def __len__(self) -> int:
        return len(self.offset)

    def append(self, entry: Entry) -> None:
        """Add the entry of the next document."""
        number = self._shard_numbers.setdefault(entry.shard, len(self.shards))
        if number == len(self.shards):
            self.shards.append(entry.shard)
        self.shard.append(number)
        self.offset.append(entry.offset)
        self.length.append(entry.length)

    def __iter__(self) -> Iterator[Entry]:
        return self.between(0, len(self))

    def between(self, start: int, stop: int) -> Iterator[Entry]:
        """The entries of documents ``start`` to ``stop - 1``."""
        for row in range(start, stop):
            yield Entry(self.shards[self.shard[row]], self.offset[row], self.length[row])


class Ledger:
    """The parent's record of the clean stage: outcomes are added in input order; their input
    errors and failed documents are reported (``report``), in input order, documents counted
    in ``stats`` and announced (``on_document``), and the sketches and spool entries kept.

    ``attach`` is called with each entry's shard as it is first heard of (the local spool
    must open a worker's anonymous shard while that worker is alive); ``read`` gets the
    spilled pieces of an outcome back from the spool.
    """

    def __init__(self, pipeline: Pipeline, stats: RunStats, report: Callable[[Exception], None],
                 on_document: Callable[[str], None] | None = None,
                 attach: Callable[[str], None] | None = None,
                 read: Callable[[Entry], Any] | None = None) -> None:
        self.sketches: Sketches | None = pipeline.new_sketches()
        self.entries = Entries()
        self._stats = stats
        self._report = report
        self._on_document = on_document
        self._attach = attach
        self._read = read

    def add(self, outcome: Outcome) -> None:
        """Take in the outcome of the next task (its spilled pieces first, one at a time)."""
        for entry in outcome.spilled:
            assert self._read is not None, "a spilled outcome, and no spool to read it from"
            self._add(self._read(entry))
        self._add(outcome)

    def _add(self, outcome: Outcome) -> None:
        errors = iter(outcome.input_errors)
        error = next(errors, None)
        for position, (document_source, result) in enumerate(outcome.documents):
            while error is not None and error[0] <= position:
                self._report(error[1])
                error = next(errors, None)
            self._stats.documents += 1
            if self._on_document is not None:
                self._on_document(document_source)
            if isinstance(result, Exception):
                self._stats.failed += 1
                self._report(result)
            else:
                if self._attach is not None:
                    self._attach(result.shard)
                self.entries.append(result)
        while error is not None:
            self._report(error[1])
            error = next(errors, None)
        assert self.sketches is not None, "outcome added after the sketches were linked"
        self.sketches.extend(outcome.sketches)
        for step, seconds in outcome.seconds.items():
            self._stats.seconds["clean", step] += seconds

    def link(self, pipeline: Pipeline) -> None:
        """The corpus steps decide from the sketches, which are then let go."""
        assert self.sketches is not None
        self._stats.stage("link", len(self.sketches))
        pipeline.link(self.sketches, self._stats)
        self.sketches = None
        self._stats.stage("apply", len(self.entries))


def apply_all(pipeline: Pipeline, ledger: Ledger, read: Callable[[Entry], Any],
              stats: RunStats) -> Iterator[Record]:
    """Link and apply in this process: the records of every spooled document, in input
    order (``read`` gets a document's drafts back from the spool).
    """
    if pipeline.streams:
        ledger.link(pipeline)
        for entry in ledger.entries:
            yield from pipeline.apply(read(entry), stats)
        return
    # A corpus step without sketches needs every draft of the run at once.
    per_document = [read(entry) for entry in ledger.entries]
    drafts = [d for ds in per_document for d in ds]
    stats.stage("link", len(drafts))
    started = perf_counter()
    finished = {id(d) for d in pipeline.finish(drafts)}
    stats.seconds["link", "corpus steps, in memory"] += perf_counter() - started
    stats.stage("apply", len(per_document))
    for drafts in per_document:
        yield from pipeline.apply(drafts, stats, decided=lambda d: id(d) in finished)


def report_with(on_error: Callable[[Exception], None] | None) -> Callable[[Exception], None]:
    """``on_error``, or raising the error when there is none."""

    def report(exc: Exception) -> None:
        if on_error is None:
            raise exc
        on_error(exc)

    return report


def merge_stats(total: RunStats, part: RunStats) -> None:
    """Add the counts of ``part`` (a share of the run, counted elsewhere) to ``total``; lists
    are appended, so merging shares in input order keeps them in input order.
    """
    for spec in fields(RunStats):
        if spec.metadata.get("merge") is False:
            continue
        mine, theirs = getattr(total, spec.name), getattr(part, spec.name)
        if isinstance(mine, Counter):
            mine.update(theirs)
        elif isinstance(mine, list):
            mine.extend(theirs)
        elif isinstance(mine, int):
            setattr(total, spec.name, mine + theirs)
        else:  # a new kind of field must say how shares add up
            raise TypeError(f"RunStats.{spec.name}: cannot merge {type(mine).__name__}")
