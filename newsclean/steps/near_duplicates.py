"""Near-duplicate articles across the corpus (and across runs, with a persistent index).

Every draft's clean text is shingled and signed (:mod:`newsclean.dedup`); drafts are linked
when their estimated Jaccard similarity is at least ``threshold``, to each other and to articles
of earlier runs kept in the index. Linked drafts form clusters (transitively: if A~B and B~C,
all three are one cluster).

**Keep policy** (one member per cluster is kept, the choice never depends on input order):
an article already in the index first (what an earlier run kept stays kept, so a new copy never
turns an earlier output into a duplicate after the fact), then the earliest ``created`` date (a
member without a date comes after every dated one), then the longest text (the most complete
copy), then the smallest id. Every member gets ``cluster`` = the kept member's id; all others
get ``duplicate_of`` = the kept member's id. Drafts without any word are left out of clustering.

With ``drop=True`` only drafts that are not duplicates are returned. With an ``index`` (a file
path or ``redis://`` URL) every draft's signature is added to it when the pipeline commits the
run, after its output is written, in one transaction.

With ``per_file=True`` (what ``newsclean check`` and ``fix`` use) the index follows the files
of a repository rather than accumulating texts: a file read again replaces its earlier
entries (it is never a near-duplicate of its own earlier version), the entries of files that
no longer exist are dropped (a deleted or renamed scrape), and a near-duplicate is not added
(the hook fails on it; once it is deleted nothing of it stays).
"""

from __future__ import annotations

from pathlib import Path

from newsclean.dedup.index import DEFAULT_THRESHOLD, NearDuplicateIndex
from newsclean.dedup.link import decisions, find_clusters
from newsclean.dedup.minhash import SignatureScheme
from newsclean.dedup.shingles import DEFAULT_SHINGLE_SIZE
from newsclean.dedup.sketches import Sketches
from newsclean.steps.base import CorpusContext, Draft
from newsclean.steps.indexed import IndexedStep


def sketch_paths(sketches: Sketches) -> set[str]:
    """The files the sketched articles were read from."""
    return {path for row in range(len(sketches)) if (path := sketches.paths[row]) is not None}


class NearDuplicates(IndexedStep):
    """Marks (or drops) near-duplicate articles: same story, other headline, a few edits.

    Options: ``threshold`` (estimated Jaccard of word 5-gram sets needed to count as a
    duplicate), ``shingle_size`` (words per shingle), ``num_perm`` (MinHash permutations),
    ``index`` (a file path, ``redis://HOST:PORT/N`` URL, or an open
    :class:`~newsclean.dedup.index.NearDuplicateIndex`; ``None`` keeps nothing between runs),
    ``drop`` (return only the kept articles), ``per_file`` (the index follows files; see the
    module docstring) and ``root_fallback`` (where file names start outside a git work tree).
    """

    name = "near_duplicates"

    def __init__(
        self,
        threshold: float = DEFAULT_THRESHOLD,
        shingle_size: int = DEFAULT_SHINGLE_SIZE,
        num_perm: int = 128,
        index: str | Path | NearDuplicateIndex | None = None,
        drop: bool = False,
        per_file: bool = False,
        root_fallback: str | Path | None = None,
    ) -> None:
        super().__init__(index, SignatureScheme(num_perm=num_perm, shingle_size=shingle_size),
                         threshold, root_fallback)
        self.drop = drop
        self.per_file = per_file
        self.schemes = (self.scheme,)
        # The run's decisions, made by link(): member id -> id of the kept member.
        self._kept_of: dict[str, str] = {}
        if isinstance(index, NearDuplicateIndex):
            if index.scheme != self.scheme:
                raise ValueError(
                    f"index scheme {index.scheme.key()!r} differs from the step's "
                    f"{self.scheme.key()!r}: pass matching num_perm and shingle_size"
                )

    def link(self, sketches: Sketches, context: CorpusContext) -> None:
        """Cluster the run's articles (with the index, if any) and stage them for the index."""
        index = self.open_index()
        if index is not None and self.per_file:
            index.follow_files(sketch_paths(sketches), units=False)
        self._kept_of = decisions(find_clusters(sketches, self.scheme, self.threshold, index))
        context.kept_of = self._kept_of
        if self.drop:
            context.dropped |= {m for m, kept in self._kept_of.items() if m != kept}
        if index is not None:
            sigs = sketches.signatures(self.scheme)
            for row in range(len(sketches)):
                key = sketches.ids[row]
                assert key is not None
                if self.per_file and self._kept_of.get(key, key) != key:
                    continue  # a near-duplicate is not indexed: the hook fails on it
                path = sketches.paths[row] if self.per_file else None
                index.add(key, sigs[row], sketches.created[row], sketches.lengths[row],
                          index.file_key(path) if path is not None else None)

    def apply(self, draft: Draft) -> bool:
        """Mark the draft's cluster and the member kept; with ``drop``, leave duplicates out."""
        kept = self._kept_of.get(draft.id)
        draft.cluster = kept
        draft.duplicate_of = kept if kept is not None and kept != draft.id else None
        return not (self.drop and draft.duplicate_of is not None)
