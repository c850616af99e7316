"""The pipeline: an ordered list of steps, and the three stages a run is made of.

*clean*: the per-document steps run on each document on its own (:meth:`Pipeline.draft`),
and each article gets a compact sketch (:meth:`Pipeline.sketch`). *link*: the corpus steps
decide from the sketches of the whole run (:meth:`Pipeline.link`). *apply*: each document's
drafts get those decisions and become records (:meth:`Pipeline.apply`). An engine
(:mod:`newsclean.engines`) runs the stages over a corpus; :meth:`Pipeline.run` uses the
local one, :meth:`Pipeline.finish` runs link and apply over drafts in memory.

What the corpus steps would persist (articles added to a near-duplicate index) is only staged
by a run: :meth:`Pipeline.commit` writes it once the caller's output is safely written, and
:meth:`Pipeline.discard` drops it when the output failed, so an index never names an article
of an output that does not exist (a retry would otherwise find every article a duplicate).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from time import perf_counter
from typing import TYPE_CHECKING, TypeVar

from newsclean.record import Document, Record
from newsclean.settle import settle
from newsclean.steps.base import CorpusContext, CorpusStep, Draft, Step

if TYPE_CHECKING:
    from newsclean.config import Config
    from newsclean.dedup.sketches import Sketches

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
    """What a run did: counts for the end-of-run summary, and the time each step took."""

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
    # Per (corpus step, site): documents that reached the step with text, and those it emptied.
    reached: Counter[tuple[str, str]] = field(default_factory=Counter)
    emptied: Counter[tuple[str, str]] = field(default_factory=Counter)
    # Seconds spent per (stage, step): ("clean", step) for each per-document step, summed
    # over every document and worker process; ("link", step) and ("apply", step) for the
    # corpus steps. Measured around each call (perf_counter), so about the CPU time.
    seconds: Counter[tuple[str, str]] = field(default_factory=Counter)
    # Documents through the apply stage (a progress count).
    applied: int = 0
    # Told when a stage of the run begins, with its size: ("link", articles), ("apply",
    # documents). Not counted, so not merged (metadata "merge").
    on_stage: Callable[[str, int], None] | None = field(
        default=None, compare=False, repr=False, metadata={"merge": False})

    @property
    def empty(self) -> int:
        """How many documents gave no record."""
        return len(self.empty_sources)

    @property
    def warnings(self) -> list[str]:
        """Things to look at, one line each: a corpus step that removed all of most of a
        site's documents (they may be templated pages, not articles).
        """
        found = []
        for (step, site), emptied in sorted(self.emptied.items()):
            total = self.reached[step, site]
            if emptied >= _EMPTIED_SITE_MIN and emptied >= _EMPTIED_SITE_SHARE * total:
                found.append(
                    f"{step} removed all of {emptied} of the {total} documents of site "
                    f"{site or '(stdin)'!r}: the same paragraphs recur across that site, so "
                    f"these may be templated pages rather than articles (keep them with "
                    f"--disable {step})"
                )
        return found

    def stage(self, name: str, size: int) -> None:
        """A stage of the run begins (see ``on_stage``)."""
        if self.on_stage is not None:
            self.on_stage(name, size)

    def add(self, draft: Draft) -> None:
        """Count one finished draft."""
        for block in draft.blocks:
            if block.removal:
                self.removed_by_step[block.removal.step] += 1

    def add_empty(self, document: Document, drafts: list[Draft]) -> None:
        """Count a document that gave no record, with the reason."""
        # The file as typed names it best in a summary; its source is relative to an input.
        self.empty_sources.append(document.path or document.source)
        self.empty_reasons[_why_empty(drafts)] += 1


def _why_empty(drafts: list[Draft]) -> str:
    removed: Counter[str] = Counter()
    for draft in drafts:
        for block in draft.blocks:
            if block.removal and block.text.strip():
                removed[block.removal.step] += block.end - block.start
    if not removed:
        return "empty or whitespace only"
    steps = sorted(removed, key=lambda step: (-removed[step], step))
    return "all removed by " + ", ".join(steps)


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
        # Seconds each per-document step has taken since the last take_seconds().
        self.step_seconds: Counter[str] = Counter()

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

    def draft(self, document: Document, *, metadata: bool = True) -> list[Draft]:
        """Run the per-document steps, to a fixed point; the result keeps every block (removed
        ones marked). With ``metadata=False`` the steps that only fill metadata
        (:attr:`Step.metadata_only`, such as ``language``) are skipped: for an output that
        has nowhere to put it (a ``.txt`` file that ``newsclean fix`` rewrites).

        After the first pass the steps run again over what each draft kept, as cleaning its
        clean record would, until a round changes nothing (:mod:`newsclean.settle`): cleaning
        a clean record again then gives it back unchanged, which ``newsclean fix`` and the
        pre-commit hook rely on.
        """
        steps = self.document_steps
        if not metadata:
            steps = [step for step in steps if not step.metadata_only]

        def run_pass(draft: Draft) -> list[Draft]:
            return self._pass(draft, steps)

        drafts = run_pass(Draft.start(document))
        settled = [out for d in drafts for out in settle(d, run_pass)]
        if len(settled) > 1:
            for part, piece in enumerate(settled):
                piece.part = part
        return settled

    def _pass(self, draft: Draft, steps: list[Step]) -> list[Draft]:
        drafts = [draft]
        seconds = self.step_seconds
        for step in steps:
            started = perf_counter()
            try:
                drafts = [out for d in drafts for out in step(d)]
            except Exception as exc:  # a bug in one step must not lose the other documents
                source = draft.document.source
                raise StepError(f"{source}: step {step.name!r} failed: {exc!r}") from exc
            finally:
                seconds[step.name] += perf_counter() - started
        return drafts

    def take_seconds(self) -> Counter[str]:
        """The seconds each per-document step took since the last call (and start again)."""
        taken, self.step_seconds = self.step_seconds, Counter()
        return taken

    def before_fork(self, *, metadata: bool = True) -> None:
        """Load what the per-document steps share, once, before worker processes are forked
        (so they inherit it): what their phrase books build on first use, and each step
        class's own (:meth:`Step.before_fork`); with ``metadata=False``, not that of the
        steps :meth:`draft` would skip.
        """
        from newsclean.patterns import prepare_phrasebooks

        prepare_phrasebooks()
        for cls in dict.fromkeys(type(step) for step in self.document_steps):
            if metadata or not cls.metadata_only:
                cls.before_fork()

    @property
    def streams(self) -> bool:
        """Whether every corpus step decides from sketches (:meth:`CorpusStep.link`), so a
        run keeps sketches, not drafts, in memory; a corpus step that only has
        ``run_corpus`` needs every draft of the run at once.
        """
        return all(step.sketched for step in self.corpus_steps)

    def new_sketches(self) -> Sketches:
        """An empty sketch table for this pipeline's corpus steps."""
        # Imported here, as the corpus steps are: numpy comes with sketching.
        from newsclean.dedup.sketches import Sketches

        return Sketches([scheme for step in self.corpus_steps for scheme in step.schemes])

    def sketch(self, drafts: list[Draft], sketches: Sketches) -> None:
        """Add a row to ``sketches`` for each of ``drafts`` (nothing without corpus steps)."""
        if self.corpus_steps:
            from newsclean.steps.corpus_boilerplate import paragraph_hash

            sketches.add(drafts, paragraph_hash)

    def link(self, sketches: Sketches, stats: RunStats | None = None) -> None:
        """The corpus steps decide from the sketches of the whole run; what they would persist
        is staged until :meth:`commit` (or dropped by :meth:`discard`). ``stats`` gets the
        time each step took.
        """
        context = CorpusContext()
        for step in self.corpus_steps:
            started = perf_counter()
            _corpus_call(step, step.link, sketches, context)
            if stats is not None:
                stats.seconds["link", step.name] += perf_counter() - started

    def apply(
        self,
        drafts: list[Draft],
        stats: RunStats | None = None,
        *,
        decided: Callable[[Draft], bool] | None = None,
    ) -> list[Record]:
        """The records of one document's drafts, with the corpus decisions applied (after
        :meth:`link`); ``stats`` counts them. ``decided`` says which drafts to keep where the
        corpus steps already ran over drafts in memory (:meth:`finish`).
        """
        kept = drafts if decided is None else [d for d in drafts if decided(d)]
        for step in self.corpus_steps if decided is None else ():
            had_text = any(d.kept for d in kept)
            started = perf_counter()
            kept = [d for d in kept if step.apply(d)]
            if stats is not None:
                stats.seconds["apply", step.name] += perf_counter() - started
            if stats is not None and had_text:
                site = _site_of(drafts[0])
                stats.reached[step.name, site] += 1
                dropped = any(d.duplicate_of is not None for d in drafts)
                if not any(d.kept for d in kept) and not dropped:
                    stats.emptied[step.name, site] += 1
        records = [d.to_record() for d in kept if d.kept]
        if stats is not None:
            for draft in kept:
                stats.add(draft)
            stats.duplicates += sum(1 for d in drafts if d.duplicate_of is not None)
            if drafts and not records and not any(d.duplicate_of for d in drafts):
                stats.add_empty(drafts[0].document, drafts)
            stats.records += len(records)
            stats.applied += 1
        return records

    def finish(self, drafts: list[Draft]) -> list[Draft]:
        """Run the corpus steps over drafts from the whole run, in memory: link, then apply;
        the drafts a step leaves out (dropped duplicates) are not returned. What the steps
        would persist is staged until :meth:`commit` (or dropped by :meth:`discard`).
        """
        if not self.streams:
            for step in self.corpus_steps:
                drafts = _corpus_call(step, step.run_corpus, drafts)
            return drafts
        sketches = self.new_sketches()
        self.sketch(drafts, sketches)
        self.link(sketches)
        return [d for d in drafts if all(step.apply(d) for step in self.corpus_steps)]

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
        on_document: Callable[[str], None] | None = None,
        stats: RunStats | None = None,
        commit: bool = True,
    ) -> list[Record]:
        """Clean a stream of documents; return the records in input order.

        A document that fails is reported to ``on_error`` (or raised when it is ``None``) and
        the run goes on; ``on_document`` is called with each document's source. Documents
        that clean to nothing give no record (``stats.empty_sources``, with the reason in
        ``stats.empty_reasons``). To stream a large corpus without holding its records, use
        :func:`newsclean.engines.local.run`.

        With ``commit=False`` what the corpus steps would persist stays staged: call
        :meth:`commit` once the records are safely written, or :meth:`discard`. A run that
        raises has discarded it already.
        """
        from newsclean.engines import local

        try:
            records = list(local.run(self, documents, jobs=jobs, on_error=on_error,
                                     on_document=on_document, stats=stats))
            if commit:
                self.commit()
        except BaseException:
            self.discard()
            raise
        return records


def _site_of(draft: Draft) -> str:
    """The site a draft comes from (its module, a corpus step's, loads numpy: only a
    pipeline with corpus steps asks).
    """
    from newsclean.steps.corpus_boilerplate import site_of

    return site_of(draft)


def _corpus_call(step: CorpusStep, method: Callable[..., _T], *args: object) -> _T:
    """Call a corpus step's method; its failure (an index that cannot be opened, read or
    written) is a :class:`CorpusStepError`, which ends the run.
    """
    try:
        return method(*args)
    except (OSError, ValueError, RuntimeError) as exc:
        raise CorpusStepError(f"step {step.name!r}: {exc}") from exc
