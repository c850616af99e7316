"""The pipeline: an ordered list of steps, run over one document or a whole stream.

Per-document steps run first, each document on its own (in parallel with ``jobs > 1``, with
output identical to ``jobs=1``); corpus steps then see every draft of the run together.

What the corpus steps would persist (articles added to a near-duplicate index) is only staged
by the run: :meth:`Pipeline.commit` writes it once the caller's output is safely written, and
:meth:`Pipeline.discard` drops it when the output failed, so an index never names an article
of an output that does not exist (a retry would otherwise find every article a duplicate).
"""

from __future__ import annotations

import multiprocessing
import os
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypeVar

from newsclean import interrupts
from newsclean.record import Document, Record
from newsclean.settle import settle
from newsclean.steps.base import CorpusStep, Draft, Step
from newsclean.steps.corpus_boilerplate import site_of

if TYPE_CHECKING:
    from newsclean.config import Config

_T = TypeVar("_T")

# A corpus step that empties at least this share of a site's documents (and at least
# _EMPTIED_SITE_MIN of them) is named in a warning: that is a templated site, not boilerplate.
_EMPTIED_SITE_SHARE = 0.5
_EMPTIED_SITE_MIN = 5


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
    # Articles found to be near-duplicates of a kept one (marked, or left out with drop).
    duplicates: int = 0
    removed_by_step: Counter[str] = field(default_factory=Counter)
    # The sources of the documents that gave no record, and why, by reason: "empty or
    # whitespace only", or the steps that removed all of it ("all removed by banners").
    empty_sources: list[str] = field(default_factory=list)
    empty_reasons: Counter[str] = field(default_factory=Counter)
    # Things the user should look at, one line each (a corpus step that emptied a site).
    warnings: list[str] = field(default_factory=list)

    @property
    def empty(self) -> int:
        """How many documents gave no record."""
        return len(self.empty_sources)

    def add(self, draft: Draft) -> None:
        """Count one finished draft."""
        for block in draft.blocks:
            if block.removal:
                self.removed_by_step[block.removal.step] += 1

    def add_empty(self, document: Document, drafts: list[Draft]) -> None:
        """Count a document that gave no record, with the reason."""
        self.empty_sources.append(document.source)
        self.empty_reasons[_why_empty(document, drafts)] += 1


def _why_empty(document: Document, drafts: list[Draft]) -> str:
    removed: Counter[str] = Counter()
    for draft in drafts:
        for block in draft.blocks:
            if block.removal and block.text.strip():
                removed[block.removal.step] += block.end - block.start
    if not removed:
        return "empty or whitespace only"
    steps = sorted(removed, key=lambda step: (-removed[step], step))
    return "all removed by " + ", ".join(steps)


def _documents_with_text(drafts: list[Draft]) -> dict[int, Draft]:
    """One draft with kept text per document that has one, by the document's identity."""
    return {id(d.document): d for d in drafts if d.kept}


def _warn_if_sites_emptied(
    step: str, reached: dict[int, Draft], after: list[Draft], stats: RunStats
) -> None:
    """Warn when ``step`` emptied most of a site's documents that ``reached`` it with text
    (duplicates it dropped aside).
    """
    left = _documents_with_text(after)
    per_site: dict[str, list[int]] = {}
    for key, draft in reached.items():
        counts = per_site.setdefault(site_of(draft), [0, 0])
        counts[0] += 1
        counts[1] += key not in left and draft.duplicate_of is None
    for site, (total, emptied) in sorted(per_site.items()):
        if emptied >= _EMPTIED_SITE_MIN and emptied >= _EMPTIED_SITE_SHARE * total:
            stats.warnings.append(
                f"{step} removed all of {emptied} of the {total} documents of site "
                f"{site or '(stdin)'!r}: the same paragraphs recur across that site, so these "
                f"may be templated pages rather than articles (keep them with --disable {step})"
            )


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

    def finish(self, drafts: list[Draft], stats: RunStats | None = None) -> list[Draft]:
        """Run the corpus steps over drafts from the whole run. What they would persist is
        staged until :meth:`commit` (or dropped by :meth:`discard`); ``stats`` gets a warning
        for a step that empties most of a site.
        """
        for step in self.corpus_steps:
            # Steps mark blocks in place: what had text is taken before the step runs.
            reached = _documents_with_text(drafts) if stats is not None else {}
            drafts = _corpus_call(step, step.run_corpus, drafts)
            if stats is not None:
                _warn_if_sites_emptied(step.name, reached, drafts, stats)
        return drafts

    def commit(self) -> None:
        """Persist what the corpus steps staged (index additions). Call it only once the
        output of the run is written: an index must never name articles of a lost output.
        """
        for step in self.corpus_steps:
            _corpus_call(step, step.commit)

    def discard(self) -> None:
        """Drop what the corpus steps staged (the output failed or the run was interrupted)."""
        for step in self.corpus_steps:
            step.discard()

    def clean(self, document: Document) -> list[Record]:
        """Clean one document with every step (corpus steps see just this document, and an
        index they use is updated at once).
        """
        try:
            drafts = self.finish(self.draft(document))
            self.commit()
        except BaseException:
            self.discard()
            raise
        return [d.to_record() for d in drafts if d.kept]

    def explain(self, document: Document, *, color: bool = False) -> str:
        """The clean text of ``document`` with each removed span marked with step and reason."""
        from newsclean.explain import render

        try:
            return render(self.finish(self.draft(document)), color=color)
        finally:
            self.discard()  # explaining a file must not add it to an index

    def run(
        self,
        documents: Iterable[Document],
        *,
        jobs: int = 1,
        on_error: Callable[[Exception], None] | None = None,
        on_document: Callable[[Document], None] | None = None,
        stats: RunStats | None = None,
        commit: bool = True,
    ) -> list[Record]:
        """Clean a stream of documents; return the records in input order.

        A document that fails is reported to ``on_error`` (or raised when it is ``None``) and
        the run goes on. Documents that clean to nothing give no record (``stats.empty_sources``,
        with the reason in ``stats.empty_reasons``).

        With ``commit=False`` what the corpus steps would persist stays staged: call
        :meth:`commit` once the records are safely written, or :meth:`discard`. A run that
        raises has discarded it already.
        """
        stats = stats if stats is not None else RunStats()
        try:
            drafts, per_document = self._draft_all(documents, jobs, on_error, on_document, stats)
            finished = self.finish(drafts, stats)
            if commit:
                self.commit()
        except BaseException:
            self.discard()
            raise
        stats.duplicates = sum(1 for d in drafts if d.duplicate_of is not None)
        left = {id(d) for d in finished if d.kept}
        for document, own in per_document:
            if not any(id(d) in left or d.duplicate_of is not None for d in own):
                stats.add_empty(document, own)
        records = []
        for draft in finished:
            stats.add(draft)
            if draft.kept:
                records.append(draft.to_record())
        stats.records = len(records)
        return records

    def _draft_all(
        self,
        documents: Iterable[Document],
        jobs: int,
        on_error: Callable[[Exception], None] | None,
        on_document: Callable[[Document], None] | None,
        stats: RunStats,
    ) -> tuple[list[Draft], list[tuple[Document, list[Draft]]]]:
        drafts: list[Draft] = []
        per_document = []
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
            per_document.append((document, result))
            drafts.extend(result)
        return drafts, per_document

    def _map(
        self, documents: Iterable[Document], jobs: int
    ) -> Iterator[tuple[Document, list[Draft] | Exception]]:
        if jobs <= 1:
            for document in documents:
                yield document, _safe_draft(self, document)
            return
        # multiprocessing.Pool, not concurrent.futures: leaving the block (an error, Ctrl-C,
        # SIGTERM) terminates the workers at once instead of waiting for queued work.
        with interrupts.held():
            pool = multiprocessing.Pool(jobs, _init_worker, (self, os.getpid()))
        with pool:
            batch: list[Document] = []
            for document in documents:
                batch.append(document)
                if len(batch) >= 64 * jobs:
                    yield from zip(batch, pool.map(_worker_draft, batch, chunksize=8))
                    batch = []
            yield from zip(batch, pool.map(_worker_draft, batch, chunksize=8))


def _corpus_call(step: CorpusStep, method: Callable[..., _T], *args: object) -> _T:
    """Call a corpus step's method; its failure (an index that cannot be opened, read or
    written) is a :class:`CorpusStepError`, which ends the run.
    """
    try:
        return method(*args)
    except (OSError, ValueError, RuntimeError) as exc:
        raise CorpusStepError(f"step {step.name!r}: {exc}") from exc


def _safe_draft(pipeline: Pipeline, document: Document) -> list[Draft] | Exception:
    try:
        return pipeline.draft(document)
    except StepError as exc:
        return exc


_WORKER_PIPELINE: Pipeline | None = None


def _init_worker(pipeline: Pipeline, parent: int) -> None:
    global _WORKER_PIPELINE
    interrupts.init_worker(parent)
    _WORKER_PIPELINE = pipeline


def _worker_draft(document: Document) -> list[Draft] | Exception:
    assert _WORKER_PIPELINE is not None
    return _safe_draft(_WORKER_PIPELINE, document)
