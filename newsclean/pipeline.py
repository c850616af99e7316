"""The pipeline: an ordered list of steps, run over one document or a whole stream.

Per-document steps run first, each document on its own (in parallel with ``jobs > 1``, with
output identical to ``jobs=1``); corpus steps then see every draft of the run together.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from newsclean.record import Document, Record
from newsclean.settle import settle

if TYPE_CHECKING:
    from newsclean.config import Config
from newsclean.steps.base import CorpusStep, Draft, Step


class StepError(RuntimeError):
    """A step failed on one document; the message names the document and the step."""


class CorpusStepError(StepError):
    """A corpus step failed (an index that cannot be opened or written, say); nothing of the
    run can be written, since every record depends on it.
    """


@dataclass
class RunStats:
    """What a run did: counts for the end-of-run summary."""

    documents: int = 0
    records: int = 0
    failed: int = 0
    duplicates: int = 0
    removed_by_step: Counter[str] = field(default_factory=Counter)
    # The sources of the documents that gave no record (empty, blank or all boilerplate).
    empty_sources: list[str] = field(default_factory=list)

    @property
    def empty(self) -> int:
        """How many documents gave no record."""
        return len(self.empty_sources)

    def add(self, draft: Draft) -> None:
        """Count one finished draft."""
        for block in draft.blocks:
            if block.removal:
                self.removed_by_step[block.removal.step] += 1


class Pipeline:
    """An ordered list of steps.

    Build one from a :class:`~newsclean.config.Config` with :meth:`from_config`, or pass step
    instances directly::

        Pipeline([Paragraphs(), UnicodeRepair(), Whitespace(), MyStep()])
    """

    def __init__(self, steps: Sequence[Step]) -> None:
        self.steps = list(steps)
        first_corpus = next(
            (i for i, s in enumerate(self.steps) if isinstance(s, CorpusStep)), len(self.steps)
        )
        late = [s for s in self.steps[first_corpus:] if not isinstance(s, CorpusStep)]
        if late:
            names = ", ".join(s.name for s in late)
            raise ValueError(f"per-document steps must come before corpus steps: move {names}")
        self.document_steps = self.steps[:first_corpus]
        self.corpus_steps: list[CorpusStep] = self.steps[first_corpus:]  # type: ignore[assignment]

    @classmethod
    def from_config(cls, config: Config | None = None) -> Pipeline:
        """The pipeline a config describes (the defaults when ``config`` is ``None``)."""
        from newsclean.config import Config, build_steps

        if config is None:
            config = Config()
        if not isinstance(config, Config):
            raise TypeError(
                f"Pipeline.from_config() takes a newsclean.Config, not {type(config).__name__}; "
                "read a file with newsclean.read_config(path)"
            )
        return cls(build_steps(config))

    @property
    def names(self) -> list[str]:
        """The step names, in order."""
        return [s.name for s in self.steps]

    def draft(self, document: Document) -> list[Draft]:
        """Run the per-document steps, to a fixed point; the result keeps every block (removed
        ones marked).

        After the first pass the steps run again over what each draft kept, as cleaning its
        clean record would, until a round changes nothing (:mod:`newsclean.settle`): cleaning
        a clean record again then gives it back unchanged, which ``newsclean fix`` and the
        pre-commit hook rely on.
        """
        drafts = self._pass(Draft.start(document))
        settled = [out for d in drafts for out in settle(d, self._pass)]
        if len(settled) > 1:
            for part, piece in enumerate(settled):
                piece.part = part
        return settled

    def _pass(self, draft: Draft) -> list[Draft]:
        drafts = [draft]
        for step in self.document_steps:
            try:
                drafts = [out for d in drafts for out in step(d)]
            except Exception as exc:  # a bug in one step must not lose the other documents
                source = draft.document.source
                raise StepError(f"{source}: step {step.name!r} failed: {exc!r}") from exc
        return drafts

    def finish(self, drafts: list[Draft]) -> list[Draft]:
        """Run the corpus steps over drafts from the whole run."""
        for step in self.corpus_steps:
            try:
                drafts = step.run_corpus(drafts)
            except (OSError, ValueError, RuntimeError) as exc:
                raise CorpusStepError(f"step {step.name!r}: {exc}") from exc
        return drafts

    def clean(self, document: Document) -> list[Record]:
        """Clean one document with every step (corpus steps see just this document)."""
        drafts = self.finish(self.draft(document))
        return [d.to_record() for d in drafts if d.kept]

    def explain(self, document: Document, *, color: bool = False) -> str:
        """The clean text of ``document`` with each removed span marked with step and reason."""
        from newsclean.explain import render

        return render(self.finish(self.draft(document)), color=color)

    def run(
        self,
        documents: Iterable[Document],
        *,
        jobs: int = 1,
        on_error: Callable[[Exception], None] | None = None,
        on_document: Callable[[Document], None] | None = None,
        stats: RunStats | None = None,
    ) -> list[Record]:
        """Clean a stream of documents; return the records in input order.

        A document that fails is reported to ``on_error`` (or raised when it is ``None``) and
        the run goes on. Documents that clean to nothing give no record (``stats.empty_sources``).
        """
        stats = stats if stats is not None else RunStats()
        drafts: list[Draft] = []
        for document, result in self._map(documents, jobs):
            stats.documents += 1
            if on_document:
                on_document(document)
            if isinstance(result, Exception):
                stats.failed += 1
                if on_error is None:
                    raise result
                on_error(result)
                continue
            if not any(d.kept for d in result):
                stats.empty_sources.append(document.source)
            drafts.extend(result)
        drafts = self.finish(drafts)
        records = []
        for draft in drafts:
            stats.add(draft)
            if draft.kept:
                records.append(draft.to_record())
        stats.records = len(records)
        stats.duplicates = sum(1 for r in records if r.duplicate_of)
        return records

    def _map(self, documents: Iterable[Document], jobs: int):
        if jobs <= 1:
            for document in documents:
                yield document, _safe_draft(self, document)
            return
        with ProcessPoolExecutor(
            max_workers=jobs, initializer=_init_worker, initargs=(self,)
        ) as pool:
            batch: list[Document] = []
            for document in documents:
                batch.append(document)
                if len(batch) >= 64 * jobs:
                    yield from zip(batch, pool.map(_worker_draft, batch, chunksize=8))
                    batch = []
            yield from zip(batch, pool.map(_worker_draft, batch, chunksize=8))


def _safe_draft(pipeline: Pipeline, document: Document) -> list[Draft] | Exception:
    try:
        return pipeline.draft(document)
    except StepError as exc:
        return exc


_WORKER_PIPELINE: Pipeline | None = None


def _init_worker(pipeline: Pipeline) -> None:
    global _WORKER_PIPELINE
    _WORKER_PIPELINE = pipeline


def _worker_draft(document: Document) -> list[Draft] | Exception:
    assert _WORKER_PIPELINE is not None
    return _safe_draft(_WORKER_PIPELINE, document)
