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

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from newsclean.dedup.index import DEFAULT_THRESHOLD, NearDuplicateIndex
from newsclean.dedup.minhash import SignatureScheme, signatures
from newsclean.dedup.shingles import DEFAULT_SHINGLE_SIZE, shingle_hashes
from newsclean.steps.base import Draft
from newsclean.steps.indexed import IndexedStep


@dataclass(frozen=True)
class Member:
    """What the keep policy looks at: an article of this run or of the index."""

    id: str
    created: str | None
    length: int
    indexed: bool = False

    def rank(self) -> tuple[bool, bool, str, int, str]:
        """Sort key of the keep policy: the smallest rank is kept."""
        return (not self.indexed, self.created is None, self.created or "", -self.length, self.id)


class _UnionFind:
    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def find(self, item: str) -> str:
        parent = self.parent.setdefault(item, item)
        if parent != item:
            parent = self.parent[item] = self.find(parent)
        return parent

    def union(self, first: str, second: str) -> None:
        a, b = self.find(first), self.find(second)
        if a != b:
            # Attach the larger root under the smaller so roots do not depend on call order.
            low, high = sorted((a, b))
            self.parent[high] = low

    def groups(self) -> list[list[str]]:
        found: dict[str, list[str]] = {}
        for item in self.parent:
            found.setdefault(self.find(item), []).append(item)
        return [sorted(members) for members in found.values()]


def draft_paths(drafts: list[Draft]) -> set[str]:
    """The files the drafts were read from."""
    return {d.document.path for d in drafts if d.document.path is not None}


def draft_signatures(drafts: list[Draft], scheme: SignatureScheme) -> tuple[np.ndarray, list[bool]]:
    """Signatures of the drafts' clean texts and, per draft, whether it has any word."""
    sets = [shingle_hashes(d.text, scheme.shingle_size, scheme.bits) for d in drafts]
    return signatures(sets, scheme), [len(s) > 0 for s in sets]


def find_clusters(
    drafts: list[Draft],
    scheme: SignatureScheme,
    threshold: float,
    index: NearDuplicateIndex | None = None,
) -> tuple[list[list[Member]], np.ndarray]:
    """Clusters (of two or more members) among ``drafts`` and the entries of ``index``.

    Returns the clusters, each sorted by the keep policy (kept member first), and the drafts'
    signatures. Index entries whose key is the id of a draft of this run stand for that draft
    (a re-run of the same files) and are not separate members.
    """
    sigs, has_words = draft_signatures(drafts, scheme)
    run_ids = {d.id for d in drafts}
    members = {
        d.id: Member(d.id, d.created, len(d.text))
        for d, ok in zip(drafts, has_words, strict=True)
        if ok
    }
    local = NearDuplicateIndex(scheme, threshold)
    for draft, sig, ok in zip(drafts, sigs, has_words, strict=True):
        if ok:
            local.add(draft.id, sig)
    links = _UnionFind()
    for draft, sig, ok in zip(drafts, sigs, has_words, strict=True):
        if not ok:
            continue
        for other in local.query(sig):
            if other != draft.id:
                links.union(draft.id, other)
        if index is not None:
            _link_indexed(draft.id, sig, index, run_ids, members, links)
    clusters = [
        sorted((members[m] for m in group), key=Member.rank)
        for group in links.groups()
        if len(group) > 1
    ]
    clusters.sort(key=lambda c: c[0].id)
    return clusters, sigs


def _link_indexed(
    start: str,
    sig: np.ndarray,
    index: NearDuplicateIndex,
    run_ids: set[str],
    members: dict[str, Member],
    links: _UnionFind,
) -> None:
    """Link ``start`` to its indexed near-duplicates, and theirs in turn (transitively).

    Following the index's own links makes a run with the index cluster like one fresh run
    over all files would; each indexed key is expanded once.
    """
    pending = [(start, sig)]
    while pending:
        source, source_sig = pending.pop()
        for key in index.query(source_sig):
            if key in run_ids or key in members:
                if key not in run_ids:
                    links.union(source, key)
                continue
            entry = index.entry(key)
            if entry is None:
                continue
            members[key] = Member(key, entry.created, entry.length, indexed=True)
            links.union(source, key)
            pending.append((key, entry.signature))


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
        if isinstance(index, NearDuplicateIndex):
            if index.scheme != self.scheme:
                raise ValueError(
                    f"index scheme {index.scheme.key()!r} differs from the step's "
                    f"{self.scheme.key()!r}: pass matching num_perm and shingle_size"
                )

    def run_corpus(self, drafts: list[Draft]) -> list[Draft]:
        """Cluster the drafts (with the index, if any), mark them, and stage them for the
        index.
        """
        index = self.open_index()
        if index is not None and self.per_file:
            index.follow_files(draft_paths(drafts), units=False)
        clusters, sigs = find_clusters(drafts, self.scheme, self.threshold, index)
        self._mark(drafts, clusters)
        if index is not None:
            for draft, sig in zip(drafts, sigs, strict=True):
                if self.per_file and draft.duplicate_of:
                    continue
                path = draft.document.path if self.per_file else None
                key = index.file_key(path) if path is not None else None
                index.add(draft.id, sig, draft.created, len(draft.text), key)
        if self.drop:
            return [d for d in drafts if d.duplicate_of is None]
        return drafts

    @staticmethod
    def _mark(drafts: list[Draft], clusters: list[list[Member]]) -> None:
        kept_of: dict[str, str] = {}
        for cluster in clusters:
            for member in cluster:
                kept_of[member.id] = cluster[0].id
        for draft in drafts:
            kept = kept_of.get(draft.id)
            draft.cluster = kept
            draft.duplicate_of = kept if kept is not None and kept != draft.id else None
