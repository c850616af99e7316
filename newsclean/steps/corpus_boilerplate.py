r"""Corpus-level boilerplate: a paragraph that recurs across many articles of one site.

A site footer or a standing appeal is boilerplate even when no phrase list knows it. This step
counts normalised paragraph hashes per **site** and removes kept paragraphs that recur in
at least ``min_documents`` independent articles *and* at least ``min_share`` of the site's
independent articles.

* **Site**: the host of the draft's URL (or of its source, when the source is a URL), without
  ``www.``; otherwise the parent folder of its source path (a scrape folder per site is the usual
  layout). Drafts read from stdin share the site ``""``.
* **Normalisation**: the paragraph's ``\w+`` tokens after NFKC and casefolding, with every
  digit turned into ``0``, so case, punctuation, spacing and changing years or counts (``© 2023``
  vs ``© 2024``) do not hide a repeat. All blocks count, kept or already removed by another
  step, so a footer that a phrase list caught in some documents still counts there.
* **Independent articles**: near-duplicates share their paragraphs because they are the same
  story, not because the paragraphs are boilerplate. So the counting unit is a near-duplicate
  cluster: a draft's ``cluster`` when :class:`NearDuplicates` ran before, else clusters this step
  finds itself among the run (same threshold and shingling as the near-duplicate step); a
  paragraph counts once per unit.
* **Defaults**: ``min_documents=5``, ``min_share=0.05``. Five independent articles make a
  coincidental repeat (one quote reused in a few stories) unlikely; the 5% share keeps a big site
  from losing a sentence that a handful of its thousands of stories share. On scrapes-dev the
  most frequent noise lines recur in 7-11% of files, while a republished article reaches at most
  4 files and counts once.
* With an ``index``, units of earlier runs count too (the same unit seen again is not counted
  twice), and this run's units are added to it at the end. With ``per_file=True`` (``newsclean
  check``/``fix``) each unit remembers its file, a file read again replaces its earlier units,
  files that are gone are dropped, and near-duplicates are not counted: editing one scrape ten
  times must not make its own paragraphs recur in ten "articles".
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path, PurePosixPath, PureWindowsPath
from urllib.parse import urlparse

import numpy as np
import regex

from newsclean.dedup.index import DEFAULT_THRESHOLD, NearDuplicateIndex
from newsclean.dedup.link import decisions, find_clusters
from newsclean.dedup.minhash import SignatureScheme
from newsclean.dedup.shingles import DEFAULT_SHINGLE_SIZE, tokens, windows
from newsclean.dedup.sketches import Sketches
from newsclean.dedup.store import Unit
from newsclean.steps.base import CorpusContext, Draft
from newsclean.steps.indexed import IndexedStep
from newsclean.steps.near_duplicates import sketch_paths

_DIGIT = regex.compile(r"\d")


def site_of(draft: Draft, name_file: Callable[[str], str] | None = None) -> str:
    """Return the site a draft belongs to: URL host, else the folder of the file it was read
    from (named by ``name_file`` when given: an index that follows files names folders its own
    way, whatever folder newsclean runs in).
    """
    return site_from(draft.url, draft.document.source, name_file, draft.document.path)


def site_from(
    url: str | None,
    source: str | None,
    name_file: Callable[[str], str] | None = None,
    path: str | None = None,
) -> str:
    """:func:`site_of` from an article's URL, source and file (what its sketch keeps). The
    folder is the file's (``path``) when there is one: a record's source names the file
    only relative to the input given.
    """
    for location in (url, source):
        if location and "://" in location:
            host = (urlparse(location).hostname or "").lower()
            if host:
                return host.removeprefix("www.")
    source = path or source
    if not source or source == "-":
        return ""
    if name_file is not None:
        source = name_file(source)
    path = PureWindowsPath(source) if "\\" in source else PurePosixPath(source)
    return path.parent.as_posix()


def paragraph_hash(text: str) -> int | None:
    """64-bit hash of a paragraph's normalised form (its tokens joined by a space, digits made
    0), or ``None`` when it has no word. Fed a window at a time, so a huge paragraph is never
    held as a list of words; the hash is the same (indexes store it).
    """
    digest = hashlib.blake2b(digest_size=8)
    separator = ""
    for piece in windows(text):
        words = tokens(piece)
        if words:
            digest.update((separator + _DIGIT.sub("0", " ".join(words))).encode())
            separator = " "
    if not separator:
        return None
    return int.from_bytes(digest.digest(), "little")


class CorpusBoilerplate(IndexedStep):
    """Removes paragraphs that recur in many independent articles of one site.

    Options: ``min_documents``, ``min_share`` (see the module docstring), ``index`` (a path,
    ``redis://`` URL or open index to count earlier runs too), ``per_file`` (the index follows
    files; ``root_fallback``: where file names start outside a git work tree), and
    ``threshold``, ``shingle_size``, ``num_perm`` for finding near-duplicate clusters when no
    earlier step set ``cluster``.
    """

    name = "corpus_boilerplate"

    def __init__(
        self,
        min_documents: int = 5,
        min_share: float = 0.05,
        index: str | Path | NearDuplicateIndex | None = None,
        threshold: float = DEFAULT_THRESHOLD,
        shingle_size: int = DEFAULT_SHINGLE_SIZE,
        num_perm: int = 128,
        per_file: bool = False,
        root_fallback: str | Path | None = None,
    ) -> None:
        if min_documents < 2:
            raise ValueError(f"min_documents must be at least 2, got {min_documents}")
        if not 0.0 < min_share <= 1.0:
            raise ValueError(f"min_share must be in (0, 1], got {min_share}")
        scheme = SignatureScheme(num_perm=num_perm, shingle_size=shingle_size)
        super().__init__(index, scheme, threshold, root_fallback)
        self.min_documents = min_documents
        self.min_share = min_share
        self.per_file = per_file
        self.schemes = (scheme,)
        # The run's decisions, made by link(): per site, the recurring paragraph hashes and
        # why each is removed; and how the index names files (when it follows them).
        self._verdicts: dict[str, dict[int, str]] = {}
        self._name_file: Callable[[str], str] | None = None

    def link(self, sketches: Sketches, context: CorpusContext) -> None:
        """Count paragraphs per site and unit, decide which recur, and stage the units for
        the index.
        """
        index = self.open_index()
        follow = index is not None and self.per_file
        if follow:
            assert index is not None
            index.follow_files(sketch_paths(sketches), entries=False)
        self._name_file = index.file_key if follow and index is not None else None
        units = self._units(sketches, context)
        sites = [
            site_from(sketches.urls[row], sketches.sources[row], self._name_file,
                      sketches.paths[row])
            for row in range(len(sketches))
        ]
        if index is None:
            self._verdicts = self._verdicts_in_memory(sketches, sites, units)
            return
        counted = _UnitCounts()
        for row, name in enumerate(units):
            if name is not None:
                path = sketches.paths[row]
                key = self._name_file(path) if self._name_file and path is not None else None
                counted.add(sites[row], name, sketches.paragraphs(row), key)
        self._verdicts = {}
        for site, counts, total in counted.sites():
            stored, stored_units = index.stored_paragraph_counts(
                site, set(counts), counted.unit_names(site))
            counts.update(stored)
            recurring = self._recurring(site, counts, total + stored_units)
            if recurring:
                self._verdicts[site] = recurring
        for site, name, unit in counted.units():
            index.add_paragraphs(site, name, unit.hashes, unit.path)

    def _verdicts_in_memory(
        self, sketches: Sketches, sites: list[str], units: list[str | None]
    ) -> dict[str, dict[int, str]]:
        """The recurring paragraphs of each site, counted with arrays a site at a time: a run
        of a million articles has some twenty million paragraph hashes, far too many for a
        set per article.
        """
        ends = np.frombuffer(sketches.paragraph_ends, dtype=np.int64)
        starts = np.concatenate([[0], ends[:-1]]).astype(np.int64)
        hashes = np.frombuffer(sketches.paragraph_hashes, dtype=np.uint64)
        by_site: dict[str, list[int]] = {}
        for row, (site, name) in enumerate(zip(sites, units, strict=True)):
            if name is not None:
                by_site.setdefault(site, []).append(row)
        verdicts: dict[str, dict[int, str]] = {}
        for site, rows in sorted(by_site.items()):
            names = [units[row] for row in rows]
            counts = Counter(names)
            # An article alone in its unit carries each hash once; a cluster's members count
            # once together, so their hashes are merged first.
            single = np.array([counts[name] == 1 for name in names], dtype=bool)
            row_array = np.array(rows, dtype=np.int64)
            values = [_gather(hashes, starts[row_array[single]], ends[row_array[single]])]
            clustered: dict[str, list[int]] = {}
            for row, name, alone in zip(rows, names, single.tolist(), strict=True):
                if not alone:
                    clustered.setdefault(name or "", []).append(row)
            for members in clustered.values():
                member_rows = np.array(members, dtype=np.int64)
                values.append(np.unique(_gather(hashes, starts[member_rows], ends[member_rows])))
            site_hashes = np.concatenate(values)
            site_hashes.sort()
            if not len(site_hashes):
                continue
            edges = np.flatnonzero(np.r_[True, site_hashes[1:] != site_hashes[:-1], True])
            run_lengths = np.diff(edges)
            total = len(counts)
            above = (run_lengths >= self.min_documents) & (run_lengths >= self.min_share * total)
            found = {value: _reason(count, total, site) for value, count in zip(
                site_hashes[edges[:-1][above]].tolist(), run_lengths[above].tolist(),
                strict=True)}
            if found:
                verdicts[site] = found
        return verdicts

    def apply(self, draft: Draft) -> bool:
        """Remove the draft's kept paragraphs that recur across its site."""
        recurring = self._verdicts.get(site_of(draft, self._name_file))
        if recurring:
            for block in list(draft.blocks):
                if block.kept and (value := paragraph_hash(block.text)) in recurring:
                    draft.remove(block, self.name, recurring[value])
        return True

    def _units(self, sketches: Sketches, context: CorpusContext) -> list[str | None]:
        """Return the counting unit of each row: its near-duplicate cluster, or itself.

        With ``per_file`` a near-duplicate is not counted (``None``): the hook fails on it, and
        its kept copy counts for the cluster. An article an earlier step left out of the
        output (a dropped duplicate) is not counted either.
        """
        ids = [sketches.ids[row] or "" for row in range(len(sketches))]
        kept_of = context.kept_of or {}
        if self.per_file:
            return [None if kept_of.get(i, i) != i else i for i in ids]
        if not kept_of:
            kept_of = decisions(find_clusters(sketches, self.scheme, self.threshold))
        return [None if i in context.dropped else kept_of.get(i, i) for i in ids]

    def _recurring(self, site: str, counts: Counter[int], total: int) -> dict[int, str]:
        """Hashes of ``site`` above both limits, each with the reason to remove it."""
        return {
            value: _reason(count, total, site)
            for value, count in counts.items()
            if count >= self.min_documents and count >= self.min_share * total
        }


def _gather(values: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """``values[starts[0]:ends[0]]``, ``values[starts[1]:ends[1]]``, ... joined, without a
    Python loop over the ranges.
    """
    lengths = ends - starts
    if not len(lengths) or not lengths.sum():
        return values[:0].copy()
    offsets = np.repeat(starts - np.concatenate([[0], np.cumsum(lengths)[:-1]]), lengths)
    return values[offsets + np.arange(int(lengths.sum()))]


def _reason(count: int, total: int, site: str) -> str:
    return (f"recurs in {count} of {total} independent articles from {site or 'stdin'} "
            "(corpus boilerplate)")


class _UnitCounts:
    """Per site, the counting units and, per paragraph hash, how many units carry it."""

    def __init__(self) -> None:
        self._units: dict[str, dict[str, Unit]] = {}

    def add(self, site: str, name: str, hashes: Iterable[int], path: str | None) -> None:
        unit = self._units.setdefault(site, {}).setdefault(name, Unit(set(), path))
        unit.hashes.update(int(value) for value in hashes)

    def sites(self) -> Iterator[tuple[str, Counter[int], int]]:
        """Each site, the number of its units carrying each hash, and its unit count."""
        for site, units in sorted(self._units.items()):
            counts: Counter[int] = Counter()
            for unit in units.values():
                counts.update(unit.hashes)
            yield site, counts, len(units)

    def unit_names(self, site: str) -> set[str]:
        return set(self._units.get(site, {}))

    def units(self) -> Iterator[tuple[str, str, Unit]]:
        for site, found in sorted(self._units.items()):
            for name, unit in sorted(found.items()):
                yield site, name, unit
