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
from collections.abc import Callable
from pathlib import Path, PurePosixPath, PureWindowsPath
from urllib.parse import urlparse

import regex

from newsclean.dedup.index import DEFAULT_THRESHOLD, NearDuplicateIndex
from newsclean.dedup.minhash import SignatureScheme
from newsclean.dedup.shingles import DEFAULT_SHINGLE_SIZE, tokens, windows
from newsclean.dedup.store import Unit
from newsclean.steps.base import Draft
from newsclean.steps.indexed import IndexedStep
from newsclean.steps.near_duplicates import draft_paths, find_clusters

_DIGIT = regex.compile(r"\d")


def site_of(draft: Draft, name_file: Callable[[str], str] | None = None) -> str:
    """Return the site a draft belongs to: URL host, else the parent folder of its source
    (named by ``name_file`` when given: an index that follows files names folders its own way,
    whatever folder newsclean runs in).
    """
    for location in (draft.url, draft.document.source):
        if location and "://" in location:
            host = (urlparse(location).hostname or "").lower()
            if host:
                return host.removeprefix("www.")
    source = draft.document.source
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

    def run_corpus(self, drafts: list[Draft]) -> list[Draft]:
        """Count paragraphs per site and unit, then remove the recurring ones."""
        units = self._units(drafts)
        hashes = [[paragraph_hash(b.text) for b in d.blocks] for d in drafts]
        index = self.open_index()
        follow = index is not None and self.per_file
        if follow:
            index.follow_files(draft_paths(drafts), entries=False)
        sites = [site_of(d, index.file_key if follow else None) for d in drafts]
        by_site: dict[str, dict[str, Unit]] = {}
        for draft, site, name, values in zip(drafts, sites, units, hashes, strict=True):
            if name is None:
                continue
            path = draft.document.path
            key = index.file_key(path) if follow and path is not None else None
            unit = by_site.setdefault(site, {}).setdefault(name, Unit(set(), key))
            unit.hashes.update(v for v in values if v is not None)
        verdicts = {
            site: self._recurring(site, found, index) for site, found in by_site.items()
        }
        for draft, site, values in zip(drafts, sites, hashes, strict=True):
            recurring = verdicts.get(site, {})
            for block, value in zip(list(draft.blocks), values, strict=True):
                if block.kept and value in recurring:
                    draft.remove(block, self.name, recurring[value])
        if index is not None:
            for site, found in sorted(by_site.items()):
                for name, unit in sorted(found.items()):
                    index.add_paragraphs(site, name, unit.hashes, unit.path)
        return drafts

    def _units(self, drafts: list[Draft]) -> list[str | None]:
        """Return the counting unit of each draft: its near-duplicate cluster, or itself.

        With ``per_file`` a near-duplicate is not counted (``None``): the hook fails on it, and
        its kept copy counts for the cluster.
        """
        if self.per_file:
            return [None if d.duplicate_of else d.id for d in drafts]
        if any(d.cluster for d in drafts):
            return [d.cluster or d.id for d in drafts]
        clusters, _ = find_clusters(drafts, self.scheme, self.threshold)
        unit_of = {m.id: cluster[0].id for cluster in clusters for m in cluster}
        return [unit_of.get(d.id, d.id) for d in drafts]

    def _recurring(
        self, site: str, units: dict[str, Unit], index: NearDuplicateIndex | None
    ) -> dict[int, str]:
        """Hashes of ``site`` above both limits, each with the reason to remove it."""
        counts: Counter[int] = Counter()
        for unit in units.values():
            counts.update(unit.hashes)
        total = len(units)
        if index is not None:
            stored, stored_units = index.stored_paragraph_counts(site, set(counts), set(units))
            counts.update(stored)
            total += stored_units
        label = site or "stdin"
        return {
            value: (
                f"recurs in {count} of {total} independent articles from {label} "
                "(corpus boilerplate)"
            )
            for value, count in counts.items()
            if count >= self.min_documents and count >= self.min_share * total
        }
