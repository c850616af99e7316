"""What every step shares: the working state of a document (:class:`Draft`) and the step kinds.

A step is a small class with a ``name`` and a docstring saying what it removes. There are three
kinds, all called the same way, ``step(draft) -> list[Draft]``:

* :class:`BlockFilter` looks at each kept block and returns a reason to remove it, or ``None``;
* :class:`TextFix` rewrites the text of each kept block (unicode repair, whitespace) and counts
  what it changed, without removing anything;
* any other :class:`Step` may edit the draft freely (segmenting, cutting a prefix off a block,
  moving a line into metadata) or return several drafts (splitting a multi-article scrape).

Steps never delete: they mark blocks removed, so the record's ``removed`` list and ``explain``
output account for every character of the input.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from newsclean.record import Block, Document, Record, Removal, is_json_integer

if TYPE_CHECKING:
    # numpy comes with these: only corpus steps use them, and importing the step protocol
    # (the command line does) should not load it.
    from newsclean.dedup.minhash import SignatureScheme
    from newsclean.dedup.sketches import Sketches

_T = TypeVar("_T")


@dataclass
class Draft:
    """A document while it is being cleaned: its blocks, metadata found so far, and fix counts."""

    document: Document
    blocks: list[Block]
    metadata: dict[str, Any] = field(default_factory=dict)
    created: str | None = None
    url: str | None = None
    # Which article of a multi-article scrape this draft is (None: the scrape was not split).
    part: int | None = None
    # step name -> number of changes a TextFix made (shown by `explain` and the run summary).
    fixes: Counter[str] = field(default_factory=Counter)
    # Structure one step finds and a later one uses, by block start offset (e.g. where the
    # repeats step saw a repeated run begin and end, for the splitter).
    hints: dict[str, set[int]] = field(default_factory=dict)
    # Removals recorded by an earlier pass over this text (their spans index that pass's input).
    earlier_removed: list[Removal] = field(default_factory=list)
    # Set by corpus steps: the near-duplicate cluster and the id of the kept member.
    cluster: str | None = None
    duplicate_of: str | None = None

    def __getstate__(self) -> dict[str, Any]:
        # Pickled (the spool, workers) with its blocks as columns and each removal as a tuple
        # of its fields: one object each made pickling and loading a document of 20,000 lines
        # (a navigation dump) cost twice as much.
        state = dict(self.__dict__)
        state["blocks"] = _block_columns(self.blocks)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state, blocks=_blocks_of(state["blocks"]))

    @property
    def id(self) -> str:
        """The record id: the document id, plus ``/N`` for article N of a split scrape."""
        return self.document.id if self.part is None else f"{self.document.id}/{self.part}"

    @property
    def text(self) -> str:
        """The clean text as it stands: kept blocks joined by a blank line."""
        return "\n\n".join(b.text for b in self.kept)

    @classmethod
    def start(cls, document: Document) -> Draft:
        """A fresh draft: the whole input as one block, metadata copied from the reader."""
        text = document.text
        meta = dict(document.metadata)
        # A record read back (cleaning our own output again) brings its earlier account and
        # corpus marks; the account is kept, the marks are recomputed.
        meta.pop("cluster", None)
        meta.pop("duplicate_of", None)
        draft = cls(
            document=document,
            blocks=[Block(0, len(text), text)],
            metadata=meta,
            created=_take(meta, "created", _as_string, None),
            url=_take(meta, "url", _as_string, None),
        )
        draft.earlier_removed = _take(meta, "removed", _as_account, [])
        draft.fixes.update(_take(meta, "fixes", _as_counts, {}))
        return draft

    @property
    def kept(self) -> list[Block]:
        """The blocks no step has removed, in order."""
        return [b for b in self.blocks if b.removal is None]  # Block.kept, without a call each

    def remove(self, block: Block, step: str, reason: str) -> None:
        """Mark ``block`` removed by ``step`` for ``reason`` (it stays in ``blocks``)."""
        source = self.document.text[block.start : block.end]
        block.removal = Removal(step, reason, block.start, block.end, source)

    def cut_head(self, block: Block, length: int, step: str, reason: str) -> Block | None:
        """Remove the first ``length`` characters of a kept block as their own removed block.

        Returns the kept remainder (``None`` when nothing is left). When a :class:`TextFix` has
        rewritten the block, the cut point is carried back to the input by aligning the fixed
        text with its source, so the removed span is still exact.
        """
        head, rest = block.text[:length], block.text[length:].lstrip()
        if not rest.strip():
            self.remove(block, step, reason)
            return None
        source = self.document.text[block.start : block.end]
        split = block.start + _source_offset(block.text, source, len(block.text) - len(rest))
        index = self.blocks.index(block)
        removed = Block(block.start, split, head)
        kept = Block(split, block.end, rest, meta=dict(block.meta))
        self.blocks[index : index + 1] = [removed, kept]
        self.remove(removed, step, reason)
        return kept

    def to_record(self) -> Record:
        """Assemble the clean record: kept blocks joined by a blank line, removals by position."""
        meta = dict(self.metadata)
        for block in self.blocks:
            for key, value in block.meta.items():
                if isinstance(value, list):
                    meta[key] = [*meta.get(key, []), *value]
                else:
                    meta.setdefault(key, value)
        if self.fixes:
            meta["fixes"] = dict(sorted(self.fixes.items()))
        removed = self.earlier_removed + sorted(
            (b.removal for b in self.blocks if b.removal), key=lambda r: r.start
        )
        return Record(
            id=self.id,
            text=self.text,
            source=self.document.source,
            url=self.url,
            created=self.created,
            metadata=meta,
            removed=removed,
            duplicate_of=self.duplicate_of,
            cluster=self.cluster,
        )


_Columns = tuple[
    list[int], list[int], list[str], list[tuple[Any, ...] | None], list[dict[str, Any]]
]


def _block_columns(blocks: list[Block]) -> _Columns:
    """``blocks`` as columns of their fields (see :meth:`Draft.__getstate__`)."""
    return (
        [b.start for b in blocks],
        [b.end for b in blocks],
        [b.text for b in blocks],
        [None if (r := b.removal) is None else (r.step, r.reason, r.start, r.end, r.text)
         for b in blocks],
        [b.meta for b in blocks],
    )


def _blocks_of(columns: _Columns) -> list[Block]:
    """The blocks :func:`_block_columns` made ``columns`` of."""
    starts, ends, texts, removals, metas = columns
    return [
        Block(start, end, text, None if removal is None else Removal(*removal), meta)
        for start, end, text, removal, meta in zip(starts, ends, texts, removals, metas,
                                                   strict=True)
    ]


def _take(metadata: dict[str, Any], key: str, parse: Callable[[Any], _T], empty: _T) -> _T:
    """Take ``metadata[key]`` out as ``parse(value)``, a field of a record read back.

    A null goes (``empty``); a value ``parse`` refuses with ``ValueError`` stays in the
    metadata as it came (another tool's field of that name, a damaged line), so the record's
    own field keeps its type and nothing is lost.
    """
    value = metadata.get(key)
    if value is None:
        metadata.pop(key, None)
        return empty
    try:
        parsed = parse(value)
    except ValueError:
        return empty
    del metadata[key]
    return parsed


def _as_string(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError(value)
    return value


def _as_account(value: Any) -> list[Removal]:
    if not isinstance(value, list):
        raise ValueError(value)
    return [Removal.from_dict(item) for item in value]


def _as_counts(value: Any) -> dict[str, int]:
    counts = value.values() if isinstance(value, dict) else [None]
    if not all(is_json_integer(n) and n >= 0 for n in counts):
        raise ValueError(value)
    return value


def _source_offset(fixed: str, source: str, position: int) -> int:
    """The offset in ``source`` that ``position`` in its fixed form ``fixed`` came from.

    Only a window around the position is aligned, so a huge one-line block stays cheap.
    """
    if fixed == source:
        return position
    window = position + 200
    matcher = SequenceMatcher(None, fixed[:window], source[: window * 2], autojunk=False)
    for tag, i1, i2, j1, _ in matcher.get_opcodes():
        if tag == "equal" and i1 <= position < i2:
            return j1 + (position - i1)
        if i1 <= position < i2:
            return j1
    return min(position, len(source))


class Step:
    """Base of all steps: a name, a docstring that says what the step removes, and ``__call__``.

    Options are plain keyword arguments of ``__init__`` so a config file can set them.
    """

    name: ClassVar[str] = ""
    # A step that only fills the draft's metadata (removes and rewrites nothing). Checking or
    # fixing a .txt file skips it: the file has no metadata to write it to
    # (``Pipeline.draft(document, metadata=False)``).
    metadata_only: ClassVar[bool] = False

    @classmethod
    def before_fork(cls) -> None:
        """Load what every instance shares and would otherwise load on first use (a model, a
        compiled table): called once in the parent before worker processes are forked, so
        the workers inherit it instead of each loading it again. Nothing by default.
        """

    def __call__(self, draft: Draft) -> list[Draft]:
        """Clean ``draft`` in place and return it (or the drafts it was split into)."""
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"<step {self.name}>"


class BlockFilter(Step):
    """A step that removes whole blocks: subclasses implement :meth:`judge`."""

    def judge(self, draft: Draft, blocks: list[Block], index: int) -> str | None:
        """Return why ``blocks[index]`` (a kept block) should go, or ``None`` to keep it.

        ``blocks`` is the list of kept blocks, so a filter can look at a block's neighbours.
        """
        raise NotImplementedError

    def __call__(self, draft: Draft) -> list[Draft]:
        """Remove each kept block :meth:`judge` gives a reason for."""
        blocks = draft.kept
        verdicts = [self.judge(draft, blocks, i) for i in range(len(blocks))]
        for block, reason in zip(blocks, verdicts):
            if reason:
                draft.remove(block, self.name, reason)
        return [draft]


class TextFix(Step):
    """A step that rewrites the text of each kept block: subclasses implement :meth:`fix`."""

    def fix(self, text: str) -> str:
        """Return ``text`` repaired; must be idempotent: fixing a fixed text changes nothing."""
        raise NotImplementedError

    def __call__(self, draft: Draft) -> list[Draft]:
        """Fix every kept block, count the changes, drop blocks the fix left empty."""
        for block in draft.kept:
            fixed = self.fix(block.text)
            if fixed != block.text:
                block.text = fixed
                draft.fixes[self.name] += 1
        # A fix can empty a block (a line of zero-width characters); such a block is gone.
        for block in draft.kept:
            if not block.text.strip():
                draft.remove(block, self.name, "nothing left after the fix")
        return [draft]


@dataclass
class CorpusContext:
    """What one corpus step's decisions tell the next during a run's link stage."""

    # Member id -> id of the kept member, for every article in a near-duplicate cluster (None
    # while no step has clustered).
    kept_of: dict[str, str] | None = None
    # Ids of the articles a step leaves out of the output (dropped duplicates).
    dropped: set[str] = field(default_factory=set)


class CorpusStep(Step):
    """A step that decides from the whole run at once (near-duplicates, corpus boilerplate).

    It runs after all per-document steps and may mark blocks removed or set ``cluster`` /
    ``duplicate_of``; its result must not depend on the order of the input files.

    A run keeps only a sketch of each article (:class:`~newsclean.dedup.sketches.Sketches`:
    ids, dates, lengths, sites, MinHash signatures under the step's ``schemes``, paragraph
    hashes). :meth:`link` decides from the sketches of the whole run, then :meth:`apply` is
    called on each draft. A step may instead override only :meth:`run_corpus` (all drafts of
    the run at once, in memory); a run with such a step holds every draft until it is done.
    """

    # The signature schemes the step compares articles with (their sketches carry them).
    schemes: tuple[SignatureScheme, ...] = ()

    @property
    def sketched(self) -> bool:
        """Whether the step decides from sketches (it overrides :meth:`link`)."""
        return type(self).link is not CorpusStep.link

    def link(self, sketches: Sketches, context: CorpusContext) -> None:
        """Decide from the sketches of the whole run (and tell later steps through
        ``context``); what the step would persist is staged for :meth:`commit`.
        """
        raise NotImplementedError

    def apply(self, draft: Draft) -> bool:
        """Apply the decisions of :meth:`link` to one draft; ``False`` leaves it out."""
        raise NotImplementedError

    def run_corpus(self, drafts: list[Draft]) -> list[Draft]:
        """Process the drafts of a whole run in memory and return those to keep."""
        from newsclean.dedup.sketches import Sketches

        sketches = Sketches(self.schemes)
        sketches.add(drafts, _paragraph_hash)
        self.link(sketches, CorpusContext())
        return [d for d in drafts if self.apply(d)]

    def commit(self) -> None:
        """Persist what the run staged; the pipeline calls it once the run's output is
        written. Nothing to do for a step that keeps nothing between runs.
        """

    def discard(self) -> None:
        """Drop what the run staged (the output failed); must not raise."""

    def __call__(self, draft: Draft) -> list[Draft]:
        """Run on one draft as a corpus of one."""
        return self.run_corpus([draft])


def _paragraph_hash(text: str) -> int | None:
    from newsclean.steps.corpus_boilerplate import paragraph_hash

    return paragraph_hash(text)
