"""Near-duplicate clusters from sketches: LSH buckets, verified pairs, union-find, keep policy.

The run's own articles are linked in bulk: each signature is cut into the band layout
datasketch would choose for the threshold (:func:`band_layout`), each band becomes one 64-bit
key (:func:`band_keys`), and articles whose keys agree in any band are candidates. Candidates
are approximate, so each pair is verified with the estimated Jaccard similarity of the full
signatures; verified pairs are joined into clusters. This finds the pairs a datasketch
``MinHashLSH`` query per article would, with one sort per band instead of one query per article.

A bucket is normally a handful of articles; a huge one (thousands of copies of one page) is
linked member by member to its ``_BUCKET_WINDOW`` predecessors, which keeps the work linear and
still joins copies into one cluster.

Articles of earlier runs come from the persistent index: each article's indexed
near-duplicates, and theirs in turn, join its cluster. The index is asked about all the run's
articles at once, then about the indexed articles newly found, round after round.

The band layout and keys defined here are the single source for the index and its stores too.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np

from newsclean.dedup.minhash import SignatureScheme
from newsclean.dedup.sketches import Sketches

if TYPE_CHECKING:  # the index imports this module for the band keys
    from newsclean.dedup.index import NearDuplicateIndex

# Weights of (false positive, false negative) when the band layout is chosen: a false positive
# only costs one signature comparison, a false negative is a missed duplicate.
LSH_WEIGHTS = (0.3, 0.7)
# Pairs whose signatures are compared at once.
_VERIFY_BLOCK = 1 << 16
# Largest bucket whose members are all compared with each other.
_BUCKET_WINDOW = 64
_U64 = np.uint64
_MIX1, _MIX2 = _U64(0xFF51AFD7ED558CCD), _U64(0xC4CEB9FE1A85EC53)
_ROW_MUL = _U64(0x9E3779B97F4A7C15)


@lru_cache(maxsize=32)
def band_layout(threshold: float, num_perm: int) -> tuple[int, int]:
    """The (bands, rows) datasketch's ``MinHashLSH`` would choose for ``LSH_WEIGHTS``.

    As datasketch does, every layout with ``bands * rows <= num_perm`` is scored by the
    weighted areas under its false positive curve (below the threshold) and false negative
    curve (above it), and the first one of least error, bands then rows ascending, is taken.
    datasketch integrates with scipy (importing both costs about 0.6 CPU s a run); the curves
    are polynomials of degree ``bands * rows``, which Gauss-Legendre quadrature with
    ``num_perm // 2 + 1`` nodes integrates exactly, all layouts at once. A test compares the
    choice with datasketch's over a grid of thresholds and sizes.
    """
    layouts = [(b, r) for b in range(1, num_perm + 1) for r in range(1, num_perm // b + 1)]
    bands, rows = np.array(layouts, dtype=np.float64).T
    nodes, weights = np.polynomial.legendre.leggauss(num_perm // 2 + 1)

    def area(low: float, high: float, curve) -> np.ndarray:
        points = (low + (high - low) * (nodes + 1) / 2)[:, None]
        return (high - low) / 2 * (weights @ curve(points))

    def collides(s: np.ndarray) -> np.ndarray:  # chance that some band agrees, at similarity s
        return 1 - (1 - s**rows) ** bands

    false_positive = area(0.0, threshold, collides)
    false_negative = area(threshold, 1.0, lambda s: 1 - collides(s))
    fp_weight, fn_weight = LSH_WEIGHTS
    best = int(np.argmin(false_positive * fp_weight + false_negative * fn_weight))
    return layouts[best]


def _fmix(values: np.ndarray) -> np.ndarray:
    values = values ^ (values >> _U64(33))
    values = values * _MIX1
    values = values ^ (values >> _U64(33))
    values = values * _MIX2
    return values ^ (values >> _U64(33))


def band_keys(sigs: np.ndarray, bands: int, rows: int) -> np.ndarray:
    """One stable 64-bit key per band of each signature: shape ``(len(sigs), bands)``.

    Equal bands give equal keys; the band number is mixed in, so equal values in different
    bands do not collide. Fixed arithmetic: the same on every machine and in every run, so an
    index can store them.
    """
    keys = np.empty((len(sigs), bands), dtype=_U64)
    with np.errstate(over="ignore"):
        for band in range(bands):
            combined = np.full(len(sigs), _U64(band + 1) * _ROW_MUL, dtype=_U64)
            for column in range(band * rows, (band + 1) * rows):
                combined = _fmix(combined ^ sigs[:, column].astype(_U64)) * _ROW_MUL
            keys[:, band] = _fmix(combined)
    return keys


def candidate_pairs(keys: np.ndarray) -> np.ndarray:
    """Pairs of rows ``(i, j)``, ``i < j``, that share a key in some band (no repeats)."""
    found = []
    for band in range(keys.shape[1]):
        column = keys[:, band]
        order = np.argsort(column, kind="stable")
        ordered = column[order]
        starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
        sizes = np.diff(np.r_[starts, len(ordered)])
        for start, size in zip(starts[sizes > 1], sizes[sizes > 1], strict=True):
            members = np.sort(order[start : start + size])
            for offset in range(1, min(size, _BUCKET_WINDOW + 1)):
                found.append(np.stack([members[:-offset], members[offset:]], axis=1))
    if not found:
        return np.empty((0, 2), dtype=np.int64)
    return np.unique(np.concatenate(found).astype(np.int64), axis=0)


def verified(sigs: np.ndarray, pairs: np.ndarray, threshold: float) -> np.ndarray:
    """The pairs whose estimated Jaccard similarity reaches ``threshold`` (checked a block
    of pairs at a time, so the signatures gathered stay small).
    """
    kept = []
    for start in range(0, len(pairs), _VERIFY_BLOCK):
        block = pairs[start : start + _VERIFY_BLOCK]
        agree = np.count_nonzero(sigs[block[:, 0]] == sigs[block[:, 1]], axis=1)
        kept.append(block[agree / sigs.shape[1] >= threshold])
    return np.concatenate(kept) if kept else pairs


@dataclass(frozen=True)
class Member:
    """What the keep policy looks at: an article of this run (its ``row``) or of the index."""

    id: str
    created: str | None
    length: int
    indexed: bool = False
    row: int | None = None

    def rank(self) -> tuple[bool, bool, str, int, str]:
        """Sort key of the keep policy: the smallest rank is kept."""
        return (not self.indexed, self.created is None, self.created or "", -self.length, self.id)


class _UnionFind:
    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def find(self, item: str) -> str:
        root = item
        while (parent := self.parent.setdefault(root, root)) != root:
            root = parent
        while item != root:  # path compression, without recursion
            self.parent[item], item = root, self.parent[item]
        return root

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


def find_clusters(
    sketches: Sketches,
    scheme: SignatureScheme,
    threshold: float,
    index: NearDuplicateIndex | None = None,
) -> list[list[Member]]:
    """Clusters (of two or more members) among the rows of ``sketches`` and the entries of
    ``index``, each sorted by the keep policy (kept member first), sorted by kept id.

    Index entries whose key is the id of an article of this run stand for that article (a
    re-run of the same files) and are not separate members. Articles without a word are left
    out.
    """
    sigs = sketches.signatures(scheme)
    words = np.frombuffer(sketches.has_words, dtype=np.int8).astype(bool)
    links = _UnionFind()
    if words.any():
        keys = band_keys(sigs, *band_layout(threshold, scheme.num_perm))
        pairs = candidate_pairs(keys)
        del keys
        pairs = pairs[words[pairs[:, 0]] & words[pairs[:, 1]]]
        for first, second in verified(sigs, pairs, threshold).tolist():
            a, b = sketches.ids[first], sketches.ids[second]
            assert a is not None and b is not None
            if a != b:
                links.union(a, b)
    members: dict[str, Member] = {}
    if index is not None and words.any():
        # Every article of the run is looked up, so each needs its member now.
        rows = np.flatnonzero(words)
        _add_members(sketches, rows, None, members)
        # One source per row, as the signatures: an id may come twice (a file read twice).
        sources = [str(sketches.ids[row]) for row in rows.tolist()]
        _link_indexed(sources, sigs if len(rows) == len(sigs) else sigs[rows], index,
                      set(members), members, links)
    else:
        # Only linked articles become members: a million Member objects would cost more
        # than the sketches themselves.
        _add_members(sketches, np.flatnonzero(words), set(links.parent), members)
    clusters = [
        sorted((members[m] for m in group), key=Member.rank)
        for group in links.groups()
        if len(group) > 1
    ]
    clusters.sort(key=lambda c: c[0].id)
    return clusters


def _add_members(
    sketches: Sketches, rows: np.ndarray, wanted: set[str] | None, members: dict[str, Member]
) -> None:
    """A member for the first row of each id among ``rows`` (those in ``wanted`` only)."""
    for row in rows.tolist():
        key = sketches.ids[row]
        assert key is not None
        if key not in members and (wanted is None or key in wanted):
            members[key] = Member(key, sketches.created[row], sketches.lengths[row], row=row)


def _link_indexed(
    sources: list[str],
    sigs: np.ndarray,
    index: NearDuplicateIndex,
    run_ids: set[str],
    members: dict[str, Member],
    links: _UnionFind,
) -> None:
    """Link each of ``sources`` (signatures ``sigs``) to its indexed near-duplicates, and
    those to theirs in turn (transitively).

    Following the index's own links makes a run with the index cluster like one fresh run
    over all files would; each indexed key is expanded once. The look-ups go in rounds, all
    of a round at once: the run's articles, then the indexed articles the previous round
    found for the first time. The links do not depend on the order (a link is a union), so
    this finds what expanding one article at a time found.
    """
    while sources:
        found, next_sigs = [], []
        for source, matches in zip(sources, index.matches(sigs), strict=True):
            for entry, _ in matches:
                key = entry.key
                if key in run_ids:  # the index's copy of a draft of this run: the draft
                    continue
                links.union(source, key)
                if key not in members:
                    members[key] = Member(key, entry.created, entry.length, indexed=True)
                    found.append(key)
                    next_sigs.append(entry.signature)
        sources = found
        sigs = np.stack(next_sigs) if next_sigs else sigs[:0]


def decisions(clusters: list[list[Member]]) -> dict[str, str]:
    """The kept member's id for every member of a cluster, by member id."""
    return {member.id: cluster[0].id for cluster in clusters for member in cluster}
