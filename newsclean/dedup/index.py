"""The cross-document near-duplicate index: band keys looked up in batches, then verification.

Every signature is cut into the band layout of the threshold (:func:`~newsclean.dedup.link.
band_layout`), each band hashed to one 64-bit key (:func:`~newsclean.dedup.link.band_keys`).
A store keeps the keys of its entries in a table (SQLite) or sets (Redis) keyed by band key, so
:meth:`NearDuplicateIndex.query_many` looks up the keys of many signatures at once, reads only
the signatures of the entries that share a band with one of them, and verifies those: LSH
candidates are approximate (two signatures that share one band collide whatever the rest
says), so only candidates whose estimated Jaccard similarity of the full signatures is at or
above ``threshold`` are returned. Nothing is ever loaded whole: opening an index and looking up
a thousand articles cost the same with ten entries or ten million. The band layout is tuned for
recall (false negatives weigh 0.7, false positives 0.3): a false positive only costs one
signature comparison, a false negative is a missed duplicate.

Additions are staged: :meth:`add` makes an entry visible to queries at once, and :meth:`commit`
writes all staged entries (and staged paragraph statistics) to the store in one transaction,
so an interrupted run leaves the store as the previous run left it. So is :meth:`forget`,
which an index that follows files uses to drop the entries of a file read again or gone: they
disappear from queries at once and from the store at commit.

Files are named relative to the index's *files root* (:func:`find_files_root`): the git top
level of the files, else a given fallback (the CLI gives the config file's folder), else the
index file's folder for SQLite, else the current folder. So one file has one name whatever
folder newsclean runs in, and an index shared by two roots keeps their files apart.
"""

from __future__ import annotations

import os
import subprocess
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

import numpy as np

from newsclean.dedup.link import band_keys, band_layout
from newsclean.dedup.minhash import DEFAULT_SCHEME, SignatureScheme
from newsclean.dedup.store import (
    Entry,
    IndexStore,
    RedisStore,
    SQLiteStore,
    Unit,
    Units,
    relative_posix,
)

# Measured on the scrapes-dev keys (word 5-grams): republished copies score 0.47-1.0 (5th
# percentile 0.66-0.73), different articles at most 0.13; 0.5 gives pairwise F1 = 1.0 there and
# leaves room for leftover noise in real output. 0.8 misses short edited copies (F1 0.93-0.94).
DEFAULT_THRESHOLD = 0.5
# Signatures looked up together: one round of store queries covers this many rows' band keys
# (25 each at the default threshold), and bounds what a round holds in memory.
QUERY_BATCH = 1024
# Candidate pairs verified at once (their signatures are gathered: 64k pairs, 32 MB).
_VERIFY_BLOCK = 1 << 16
# Staged band keys not yet merged into the sorted arrays are kept in a dict until they are
# this many, or a quarter of the arrays (see _StagedBands).
_STAGED_MERGE = 65_536


class _StagedBands:
    """The band keys of the staged entries, looked up without the store.

    Keys are computed when first looked up (a run that only adds never pays for them). Most sit
    in one sorted array searched with ``np.searchsorted``; those of entries keyed since the
    array was last built wait in a dict and are merged once they are a sizeable share of it, so
    that adding and looking up in turn stays cheap per entry.
    """

    def __init__(self) -> None:
        # One slot per add(); a slot whose entry was replaced or removed holds None.
        self._slot_keys: list[str | None] = []
        self._slot_of: dict[str, int] = {}
        self._unkeyed: list[tuple[int, np.ndarray]] = []
        self._sorted = np.empty(0, dtype=np.uint64)
        self._sorted_slots = np.empty(0, dtype=np.int64)
        self._recent: dict[int, list[int]] = {}
        self._recent_size = 0

    def add(self, key: str, sig: np.ndarray) -> None:
        self.remove(key)
        self._slot_of[key] = len(self._slot_keys)
        self._slot_keys.append(key)
        self._unkeyed.append((self._slot_of[key], sig))

    def remove(self, key: str) -> None:
        slot = self._slot_of.pop(key, None)
        if slot is not None:
            self._slot_keys[slot] = None

    def lookup(self, keys: np.ndarray, layout: tuple[int, int]) -> list[set[str]]:
        """The staged keys sharing a band key with each row of ``keys``."""
        self._key_new(layout)
        found: list[set[str]] = [set() for _ in range(len(keys))]
        names = self._slot_keys
        if len(self._sorted):
            flat = keys.ravel()
            low = np.searchsorted(self._sorted, flat, side="left")
            high = np.searchsorted(self._sorted, flat, side="right")
            for position in np.flatnonzero(high > low).tolist():
                row = found[position // keys.shape[1]]
                for slot in self._sorted_slots[low[position] : high[position]].tolist():
                    if names[slot] is not None:
                        row.add(names[slot])  # type: ignore[arg-type]
        if self._recent:
            for row, band_row in zip(found, keys.tolist(), strict=True):
                for key in band_row:
                    for slot in self._recent.get(key, ()):
                        if names[slot] is not None:
                            row.add(names[slot])  # type: ignore[arg-type]
        return found

    def _key_new(self, layout: tuple[int, int]) -> None:
        if not self._unkeyed:
            return
        slots = np.array([slot for slot, _ in self._unkeyed], dtype=np.int64)
        keys = band_keys(np.stack([sig for _, sig in self._unkeyed]), *layout)
        self._unkeyed = []
        if self._recent_size + keys.size < max(_STAGED_MERGE, len(self._sorted) // 4):
            for slot, row in zip(slots.tolist(), keys.tolist(), strict=True):
                for key in row:
                    self._recent.setdefault(key, []).append(slot)
            self._recent_size += keys.size
            return
        # Merge: the array, the dict and the new keys, without the slots no longer staged.
        recent = [(key, slot) for key, held in self._recent.items() for slot in held]
        all_keys = np.concatenate([
            self._sorted,
            np.array([key for key, _ in recent], dtype=np.uint64),
            keys.ravel(),
        ])
        all_slots = np.concatenate([
            self._sorted_slots,
            np.array([slot for _, slot in recent], dtype=np.int64),
            np.repeat(slots, keys.shape[1]),
        ])
        alive = np.array([name is not None for name in self._slot_keys], dtype=bool)[all_slots]
        all_keys, all_slots = all_keys[alive], all_slots[alive]
        order = np.argsort(all_keys, kind="stable")
        self._sorted, self._sorted_slots = all_keys[order], all_slots[order]
        self._recent, self._recent_size = {}, 0


# What git reads to pick a repository other than the one around its working folder; a hook
# that runs newsclean may have them set for the repository being committed to, and the files
# root must be the files' own repository.
_GIT_LOCATION_VARIABLES = (
    "GIT_DIR",
    "GIT_WORK_TREE",
    "GIT_INDEX_FILE",
    "GIT_COMMON_DIR",
    "GIT_OBJECT_DIRECTORY",
    "GIT_ALTERNATE_OBJECT_DIRECTORIES",
    "GIT_PREFIX",
)


def git_top_level(folder: str | Path) -> Path | None:
    """The top level of the git work tree that holds ``folder``, or ``None`` (not in one,
    git not installed).
    """
    env = {k: v for k, v in os.environ.items() if k not in _GIT_LOCATION_VARIABLES}
    try:
        done = subprocess.run(
            ["git", "rev-parse", "--show-toplevel"],
            cwd=folder,
            env=env,
            capture_output=True,
            check=False,
        )
    except OSError:
        return None
    top = os.fsdecode(done.stdout.rstrip(b"\r\n"))
    return Path(top) if done.returncode == 0 and top else None


def find_files_root(
    first_file: str | Path | None = None, fallback: str | Path | None = None
) -> Path:
    """The folder an index names files relative to: the git top level of the folder of
    ``first_file`` (of the current folder when ``None``), else ``fallback``, else the current
    folder. Always an absolute path without symbolic links.
    """
    folder = Path(os.path.abspath(first_file)).parent if first_file is not None else Path.cwd()
    while not folder.is_dir() and folder != folder.parent:  # a file's folder that is gone
        folder = folder.parent
    top = git_top_level(folder)
    if top is not None:
        return Path(os.path.realpath(top))
    if fallback is not None:
        return Path(os.path.realpath(fallback))
    return Path(os.path.realpath(Path.cwd()))


class NearDuplicateIndex:
    """Signatures of known articles, searchable for verified near-duplicates.

    ``store`` is ``None`` for an index that lives only in memory (one run), or an
    :class:`~newsclean.dedup.store.IndexStore` it looks entries up in and commits to.

    ``files_root`` fixes the folder file names are relative to; by default it is found from
    the first file the index names (:func:`find_files_root`, with ``root_fallback``, then the
    store's own default, as the fallback).

    A store failure (locked, damaged, unreachable, lost) raises
    :class:`~newsclean.dedup.store.IndexUnavailable` from any method; a store whose band keys
    do not serve ``threshold`` raises ``ValueError`` at the first look-up or commit of entries
    (see :meth:`~newsclean.dedup.store.IndexStore.layout_for`).
    """

    def __init__(
        self,
        scheme: SignatureScheme = DEFAULT_SCHEME,
        threshold: float = DEFAULT_THRESHOLD,
        store: IndexStore | None = None,
        *,
        files_root: str | Path | None = None,
        root_fallback: str | Path | None = None,
    ) -> None:
        if not 0.0 < threshold <= 1.0:
            raise ValueError(f"threshold must be in (0, 1], got {threshold}")
        if store is not None and store.scheme != scheme:
            raise ValueError(
                f"store scheme {store.scheme.key()!r} differs from index scheme {scheme.key()!r}"
            )
        self.scheme = scheme
        self.threshold = threshold
        self.store = store
        self.root_fallback = Path(root_fallback) if root_fallback is not None else None
        self._files_root: Path | None = None
        if files_root is not None:
            self._use_root(Path(os.path.realpath(files_root)))
        # Asked of the store when first needed, not on open: a step that only counts
        # paragraphs never needs it (and may run at another threshold).
        self._layout: tuple[int, int] | None = None
        self._staged: dict[str, Entry] = {}
        self._staged_bands = _StagedBands()
        self._staged_paragraphs: Units = {}
        # Files whose stored entries / units go at commit, and those entries' keys (hidden from
        # queries until then).
        self._forgotten_entries: set[str] = set()
        self._forgotten_units: set[str] = set()
        self._hidden: set[str] = set()

    @property
    def band_layout(self) -> tuple[int, int]:
        """The ``(bands, rows)`` the band keys are cut with: the store's (see
        :meth:`~newsclean.dedup.store.IndexStore.layout_for`), or the threshold's own for an
        index in memory.
        """
        if self._layout is None:
            if self.store is None:
                self._layout = band_layout(self.threshold, self.scheme.num_perm)
            else:
                self._layout = self.store.layout_for(self.threshold)
        return self._layout

    def __len__(self) -> int:
        """Return the number of entries: stored and staged, without the forgotten ones."""
        if self.store is None:
            return len(self._staged)
        stored = self.store.count()
        staged = set(self._staged)
        if staged:
            stored -= len(self.store.get_entries(sorted(staged)))
        return stored - len(self._hidden - staged) + len(staged)

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self.entry(key) is not None

    def add(
        self,
        key: str,
        sig: np.ndarray,
        created: str | None = None,
        length: int = 0,
        path: str | None = None,
    ) -> None:
        """Stage an article: searchable at once, persisted by :meth:`commit`.

        Adding a key again replaces its signature (re-running the same files is idempotent).
        ``path`` names the file the article came from, for :meth:`forget`.
        """
        sig = self._checked(sig)
        self._hidden.discard(key)
        self._staged[key] = Entry(key, sig, created, length, path)
        self._staged_bands.add(key, sig)

    def entry(self, key: str) -> Entry | None:
        """Return the entry of ``key`` (staged first, then stored), or ``None``."""
        return self.entries([key]).get(key)

    def entries(self, keys: Iterable[str]) -> dict[str, Entry]:
        """Return the entries of ``keys`` that exist (staged first, then stored, read from
        the store in batches), by key.
        """
        found: dict[str, Entry] = {}
        missing = []
        for key in keys:
            if key in self._staged:
                found[key] = self._staged[key]
            elif key not in self._hidden:
                missing.append(key)
        if missing and self.store is not None:
            found.update(self.store.get_entries(missing))
        return found

    def paths(self) -> set[str]:
        """Return the files of the files root that the index's entries and units name (staged
        ones included).
        """
        self._root_for(None)
        stored = self.store.paths() if self.store is not None else set()
        staged = {e.path for e in self._staged.values() if e.path is not None}
        staged |= {
            unit.path for units in self._staged_paragraphs.values() for unit in units.values()
            if unit.path is not None
        }
        return stored | staged

    def forget(self, paths: set[str], *, entries: bool = True, units: bool = True) -> None:
        """Drop the entries and/or the paragraph units of the files ``paths``: from queries and
        counts now, from the store at :meth:`commit`. What is added afterwards stays.

        The two corpus steps each forget their own kind, so neither undoes what the other has
        just committed for the same files.
        """
        paths = set(paths)
        self._root_for(None)
        if entries:
            self._forgotten_entries |= paths
            for key in [k for k, e in self._staged.items() if e.path in paths]:
                del self._staged[key]
                self._staged_bands.remove(key)
            if self.store is not None:
                self._hidden |= self.store.keys_of_paths(paths)
        if units:
            self._forgotten_units |= paths
            for staged in self._staged_paragraphs.values():
                for name in [n for n, unit in staged.items() if unit.path in paths]:
                    del staged[name]

    @property
    def files_root(self) -> Path:
        """The folder file names are relative to (found from the current folder if no file
        was named yet).
        """
        return self._root_for(None)

    def _root_for(self, first_file: str | Path | None) -> Path:
        """The files root, found from ``first_file`` the first time it is needed."""
        if self._files_root is None:
            store_default = self.store.default_files_root if self.store is not None else None
            fallback = self.root_fallback or store_default
            self._use_root(find_files_root(first_file, fallback))
        assert self._files_root is not None
        return self._files_root

    def _use_root(self, root: Path) -> None:
        self._files_root = root
        if self.store is not None:
            self.store.use_files_root(root)

    def file_key(self, path: str) -> str:
        """How the index names the file at ``path``: relative to the files root (its git top
        level, say), so one file has one name whatever folder newsclean runs in.
        """
        root = self._root_for(path)
        # The folder without symbolic links, as the root is; the file itself may be a link.
        folder = os.path.realpath(os.path.dirname(os.path.abspath(path)))
        return relative_posix(os.path.join(folder, os.path.basename(path)), root)

    def _file_exists(self, key: str) -> bool:
        return (self.files_root / key).exists()

    def follow_files(self, paths: set[str], *, entries: bool = True, units: bool = True) -> None:
        """Make the index follow files: forget what it holds for the files at ``paths`` (about
        to be read again) and for every file of its files root that no longer exists (deleted
        or renamed). Files another root named are never touched.
        """
        self._root_for(min(paths) if paths else None)
        keys = {self.file_key(p) for p in paths}
        gone = {k for k in self.paths() - keys if not self._file_exists(k)}
        self.forget(keys | gone, entries=entries, units=units)

    def _checked(self, sig: np.ndarray) -> np.ndarray:
        sig = np.asarray(sig)
        if sig.shape != (self.scheme.num_perm,) or sig.dtype != self.scheme.dtype:
            raise ValueError(
                f"signature of shape {sig.shape} and dtype {sig.dtype} does not fit scheme "
                f"{self.scheme.key()!r} (expected ({self.scheme.num_perm},) {self.scheme.dtype})"
            )
        return sig

    def _checked_many(self, sigs: np.ndarray) -> np.ndarray:
        sigs = np.asarray(sigs)
        if sigs.ndim != 2 or sigs.shape[1] != self.scheme.num_perm or (
            sigs.dtype != self.scheme.dtype
        ):
            raise ValueError(
                f"signatures of shape {sigs.shape} and dtype {sigs.dtype} do not fit scheme "
                f"{self.scheme.key()!r} (expected (n, {self.scheme.num_perm}) "
                f"{self.scheme.dtype})"
            )
        return sigs

    def candidates_many(self, sigs: np.ndarray) -> list[list[str]]:
        """Unverified LSH candidates for each row of ``sigs`` (sorted keys per row): staged
        entries and stored ones sharing a band key with it, the forgotten left out.
        """
        sigs = self._checked_many(sigs)
        if not len(sigs):
            return []
        keys = band_keys(sigs, *self.band_layout)
        found = self._staged_bands.lookup(keys, self.band_layout)
        if self.store is not None:
            for row, stored in zip(found, self.store.band_candidates(keys), strict=True):
                row.update(stored - self._hidden)
        return [sorted(row) for row in found]

    def candidates(self, sig: np.ndarray) -> list[str]:
        """Unverified LSH candidates for ``sig`` (sorted keys)."""
        return self.candidates_many(self._checked(sig)[None])[0]

    def matches(self, sigs: np.ndarray) -> list[list[tuple[Entry, float]]]:
        """For each row of ``sigs``, the entries that are verified near-duplicates of it with
        their estimated Jaccard similarity, best first (then by key).

        Rows are looked up :data:`QUERY_BATCH` at a time: the band keys of a batch in one
        round of store queries, then the signatures of all its candidates in one more.
        """
        sigs = self._checked_many(sigs)
        found: list[list[tuple[Entry, float]]] = []
        for start in range(0, len(sigs), QUERY_BATCH):
            batch = sigs[start : start + QUERY_BATCH]
            candidates = self.candidates_many(batch)
            entries = self.entries(sorted({key for row in candidates for key in row}))
            if not entries:
                found += [[] for _ in range(len(batch))]
                continue
            names = sorted(entries)
            position = {name: i for i, name in enumerate(names)}
            stored = np.stack([entries[name].signature for name in names])
            rows = [[position[k] for k in row if k in position] for row in candidates]
            pair_rows = np.repeat(np.arange(len(batch)), [len(row) for row in rows])
            pair_entries = np.fromiter(
                (i for row in rows for i in row), dtype=np.int64, count=len(pair_rows)
            )
            # A block of pairs at a time: a batch of copies of one much-copied page may have
            # a million candidate pairs, too many to gather at once.
            agree = np.concatenate([np.empty(0, dtype=np.int64)] + [
                np.count_nonzero(
                    batch[pair_rows[at : at + _VERIFY_BLOCK]]
                    == stored[pair_entries[at : at + _VERIFY_BLOCK]],
                    axis=1,
                )
                for at in range(0, len(pair_rows), _VERIFY_BLOCK)
            ])
            similarity = (agree / self.scheme.num_perm).tolist()
            verified: list[list[tuple[Entry, float]]] = [[] for _ in range(len(batch))]
            for row, i, value in zip(
                pair_rows.tolist(), pair_entries.tolist(), similarity, strict=True
            ):
                if value >= self.threshold:
                    verified[row].append((entries[names[i]], value))
            for row in verified:
                row.sort(key=lambda item: (-item[1], item[0].key))
            found += verified
        return found

    def query_many_scored(self, sigs: np.ndarray) -> list[list[tuple[str, float]]]:
        """For each row of ``sigs``, the keys of its verified near-duplicates with their
        estimated Jaccard similarity, best first.
        """
        return [[(e.key, value) for e, value in row] for row in self.matches(sigs)]

    def query_many(self, sigs: np.ndarray) -> list[list[str]]:
        """For each row of ``sigs``, the keys of its verified near-duplicates, best first."""
        return [[e.key for e, _ in row] for row in self.matches(sigs)]

    def query_scored(self, sig: np.ndarray) -> list[tuple[str, float]]:
        """Return verified near-duplicates of ``sig`` with their estimated Jaccard, best first."""
        return self.query_many_scored(self._checked(sig)[None])[0]

    def query(self, sig: np.ndarray) -> list[str]:
        """Keys whose signatures are verified near-duplicates of ``sig`` (best first)."""
        return self.query_many(self._checked(sig)[None])[0]

    # Corpus paragraph statistics ------------------------------------------------------------

    def add_paragraphs(
        self, site: str, unit: str, hashes: set[int], path: str | None = None
    ) -> None:
        """Stage the paragraph hashes of one counting unit (a cluster or a lone document;
        ``path`` names its file when the index follows files).
        """
        units = self._staged_paragraphs.setdefault(site, {})
        units.setdefault(unit, Unit(set(), path)).hashes.update(hashes)

    def stored_paragraph_counts(
        self, site: str, hashes: set[int], exclude_units: set[str]
    ) -> tuple[Counter[int], int]:
        """Return counts from the store for ``hashes`` of ``site`` and the number of stored units.

        Units named in ``exclude_units`` (the ones this run is about to count itself) are left
        out, so counting the same files again does not count them twice; so are the units of
        forgotten files.
        """
        if self.store is None:
            return Counter(), 0
        counts = self.store.paragraph_counts(site, hashes)
        units = self.store.unit_count(site)
        if self._forgotten_units:
            self._root_for(None)
            exclude_units = exclude_units | self.store.units_of_paths(
                self._forgotten_units
            ).get(site, set())
        if exclude_units:
            # Only the units to leave out are read: a site's units are never loaded whole.
            stored = self.store.paragraph_units(site, exclude_units)
            for unit in exclude_units & set(stored):
                units -= 1
                for value in stored[unit] & hashes:
                    counts[value] -= 1
        return +counts, units

    def commit(self) -> None:
        """Write the staged entries and paragraph units to the store, all or nothing."""
        if self.store is None:
            return
        staged = [self._staged[k] for k in sorted(self._staged)]
        self._root_for(None)  # the names staged are relative to it
        if staged or self._forgotten_entries:
            # The store's layout is fixed (an earlier file migrated) before entries change.
            _ = self.band_layout
        self.store.write(
            staged, self._staged_paragraphs, self._forgotten_entries, self._forgotten_units
        )
        self.rollback()  # what was staged is stored now

    def rollback(self) -> None:
        """Drop every staged addition and forgetting, as if this run had not happened."""
        self._staged.clear()
        self._staged_bands = _StagedBands()
        self._staged_paragraphs = {}
        self._forgotten_entries = set()
        self._forgotten_units = set()
        self._hidden = set()

    def close(self) -> None:
        """Release the store (staged, uncommitted additions are dropped)."""
        if self.store is not None:
            self.store.close()


def open_index(
    path_or_url: str | Path | None,
    scheme: SignatureScheme = DEFAULT_SCHEME,
    threshold: float = DEFAULT_THRESHOLD,
    *,
    files_root: str | Path | None = None,
    root_fallback: str | Path | None = None,
) -> NearDuplicateIndex:
    """Open (or create) the index at a file path or ``redis://HOST:PORT/N`` URL.

    ``None`` or ``""`` gives an in-memory index that is never persisted. ``files_root`` and
    ``root_fallback`` are passed to :class:`NearDuplicateIndex`. An index that cannot be used
    (locked, damaged, not an index, unreachable) raises
    :class:`~newsclean.dedup.store.IndexUnavailable`; one built with other settings raises
    ``ValueError``.
    """
    roots = {"files_root": files_root, "root_fallback": root_fallback}
    if path_or_url is None or str(path_or_url) == "":
        return NearDuplicateIndex(scheme, threshold, **roots)
    location = str(path_or_url)
    if location.startswith(("redis://", "rediss://")):
        store: IndexStore = RedisStore(location, scheme)
    else:
        store = SQLiteStore(location, scheme)
    try:
        return NearDuplicateIndex(scheme, threshold, store, **roots)
    except BaseException:
        store.close()
        raise


def resolve_index(
    spec: str | Path | NearDuplicateIndex | None,
    scheme: SignatureScheme,
    threshold: float,
    *,
    files_root: str | Path | None = None,
    root_fallback: str | Path | None = None,
) -> tuple[NearDuplicateIndex | None, bool]:
    """The index a step option names, and whether the caller opened it (and must close it):
    an open index is used as is, ``None`` or ``""`` means none, a path or URL is opened (with
    ``files_root`` and ``root_fallback``).
    """
    if isinstance(spec, NearDuplicateIndex):
        return spec, False
    if spec is None or str(spec) == "":
        return None, False
    return open_index(
        spec, scheme, threshold, files_root=files_root, root_fallback=root_fallback
    ), True
