"""The cross-document near-duplicate index: datasketch ``MinHashLSH`` plus verification.

LSH candidates are approximate (two signatures that share one band collide whatever the rest
says), so :meth:`NearDuplicateIndex.query` re-checks every candidate with the estimated Jaccard
similarity of the full signatures and returns only those at or above ``threshold``. The LSH band
layout is tuned for recall (false negatives weigh 0.7, false positives 0.3): a false positive
only costs one signature comparison, a false negative is a missed duplicate.

Additions are staged: :meth:`add` makes an entry visible to :meth:`query` at once, and
:meth:`commit` writes all staged entries (and staged paragraph statistics) to the store in one
transaction, so an interrupted run leaves the store as the previous run left it. So is
:meth:`forget`, which an index that follows files uses to drop the entries of a file read
again or gone: they disappear from queries at once and from the store at commit.

Files are named relative to the index's *files root* (:func:`find_files_root`): the git top
level of the files, else a given fallback (the CLI gives the config file's folder), else the
index file's folder for SQLite, else the current folder. So one file has one name whatever
folder newsclean runs in, and an index shared by two roots keeps their files apart.
"""

from __future__ import annotations

import os
import subprocess
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

import numpy as np
from datasketch import MinHashLSH
from datasketch.lsh import _optimal_param

from newsclean.dedup.minhash import (
    DEFAULT_SCHEME,
    SignatureScheme,
    estimate_jaccard,
    to_lean,
)
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
# Weights of (false positive, false negative) when datasketch picks bands x rows.
LSH_WEIGHTS = (0.3, 0.7)


@lru_cache(maxsize=32)
def _band_layout(threshold: float, num_perm: int) -> tuple[int, int]:
    """The (bands, rows) datasketch would choose for ``LSH_WEIGHTS``, computed once.

    datasketch integrates the false positive/negative curves every time an LSH is built
    (~50 ms); a one-document ``clean()`` builds two, so the answer is cached.
    """
    return _optimal_param(threshold, num_perm, *LSH_WEIGHTS)


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
    :class:`~newsclean.dedup.store.IndexStore` it is loaded from and committed to.

    ``files_root`` fixes the folder file names are relative to; by default it is found from
    the first file the index names (:func:`find_files_root`, with ``root_fallback``, then the
    store's own default, as the fallback).

    A store failure (locked, damaged, unreachable, lost) raises
    :class:`~newsclean.dedup.store.IndexUnavailable` from any method.
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
        config = store.lsh_storage_config() if store is not None else None
        with self._backend():
            self._lsh = self._make_lsh(config)
        if store is not None:
            store.check_lsh_params(self._lsh.b, self._lsh.r)
        # Staged entries get their own in-memory LSH, so a shared (Redis) LSH is only written
        # at commit time.
        self._staged_lsh = self._make_lsh(None)
        self._entries: dict[str, Entry] = {}
        self._staged: dict[str, Entry] = {}
        self._staged_paragraphs: Units = {}
        # Files whose stored entries / units go at commit, and those entries' keys (hidden from
        # queries until then).
        self._forgotten_entries: set[str] = set()
        self._forgotten_units: set[str] = set()
        self._hidden: set[str] = set()
        # The signatures of a store without LSH buckets are read into the in-memory LSH when
        # first needed: by then the files root is known (entries name their files from it),
        # and a step that only counts paragraphs never pays for it.
        self._loaded = store is None or config is not None

    def _load(self) -> None:
        """Read the stored signatures into the in-memory LSH, once."""
        if self._loaded or self.store is None:
            return
        self._root_for(None)
        lsh, entries = self._make_lsh(None), {}
        for entry in self.store.iter_entries():
            entries[entry.key] = entry
            lsh.insert(entry.key.encode(), to_lean(entry.signature, self.scheme), False)
        # What a commit before this put in memory is in the store too, so read again here.
        self._lsh, self._entries, self._loaded = lsh, entries, True

    @contextmanager
    def _backend(self) -> Iterator[None]:
        """Around calls that reach the store through datasketch (an LSH kept in Redis): their
        failures become ``IndexUnavailable`` too, as the store's own do.
        """
        if self.store is None:
            yield
            return
        with self.store.failures():
            yield

    def _make_lsh(self, config: dict | None) -> MinHashLSH:
        return MinHashLSH(
            threshold=self.threshold,
            num_perm=self.scheme.num_perm,
            params=_band_layout(self.threshold, self.scheme.num_perm),
            storage_config=config,
            prepickle=False,
        )

    def __len__(self) -> int:
        """Return the number of entries known in memory (not stored ones of a Redis index)."""
        self._load()
        return len(set(self._entries) | set(self._staged))

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
        if key in self._staged:
            self._staged_lsh.remove(key.encode())
        self._hidden.discard(key)
        self._staged[key] = Entry(key, sig, created, length, path)
        self._staged_lsh.insert(key.encode(), to_lean(sig, self.scheme), False)

    def entry(self, key: str) -> Entry | None:
        """Return the entry of ``key`` (staged first, then stored), or ``None``."""
        if key in self._staged:
            return self._staged[key]
        if key in self._hidden:
            return None
        self._load()
        if key not in self._entries and self.store is not None:
            self._entries.update(self.store.get_entries([key]))
        return self._entries.get(key)

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
                self._staged_lsh.remove(key.encode())
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

    def candidates(self, sig: np.ndarray) -> list[str]:
        """Unverified LSH candidates for ``sig`` (sorted keys)."""
        lean = to_lean(self._checked(sig), self.scheme)
        self._load()
        with self._backend():
            found = {k.decode() for k in self._lsh.query(lean)} - self._hidden
        found.update(k.decode() for k in self._staged_lsh.query(lean))
        return sorted(found)

    def query_scored(self, sig: np.ndarray) -> list[tuple[str, float]]:
        """Return verified near-duplicates of ``sig`` with their estimated Jaccard, best first."""
        keys = self.candidates(sig)
        missing = [
            k for k in keys if k not in self._staged and k not in self._entries
            and k not in self._hidden
        ]
        if missing and self.store is not None:
            self._entries.update(self.store.get_entries(missing))
        scored = []
        for key in keys:
            entry = self.entry(key)
            if entry is None:
                continue
            similarity = estimate_jaccard(sig, entry.signature)
            if similarity >= self.threshold:
                scored.append((key, similarity))
        scored.sort(key=lambda item: (-item[1], item[0]))
        return scored

    def query(self, sig: np.ndarray) -> list[str]:
        """Keys whose signatures are verified near-duplicates of ``sig`` (best first)."""
        return [key for key, _ in self.query_scored(sig)]

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
            stored = self.store.paragraph_units(site)
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
        self.store.write(
            staged, self._staged_paragraphs, self._forgotten_entries, self._forgotten_units
        )
        with self._backend():
            self._update_lsh(staged)
        self._entries.update(self._staged)
        self.rollback()  # what was staged is stored now

    def _update_lsh(self, staged: list[Entry]) -> None:
        """Bring the LSH in line with a commit of ``staged``."""
        for key in sorted(self._hidden):
            if key.encode() in self._lsh:
                self._lsh.remove(key.encode())
            self._entries.pop(key, None)
        if self.store is not None and self.store.lsh_storage_config() is not None:
            self._push_shared_lsh(staged)
        else:
            for entry in staged:
                key = entry.key.encode()
                if key in self._lsh:
                    self._lsh.remove(key)
                self._lsh.insert(key, to_lean(entry.signature, self.scheme), False)

    def _push_shared_lsh(self, staged: list[Entry]) -> None:
        fresh = []
        for entry in staged:
            key = entry.key.encode()
            if key in self._lsh:
                self._lsh.remove(key)
            fresh.append((key, to_lean(entry.signature, self.scheme)))
        with self._lsh.insertion_session(buffer_size=max(1, len(fresh))) as session:
            for key, lean in fresh:
                session.insert(key, lean, check_duplication=False)

    def rollback(self) -> None:
        """Drop every staged addition and forgetting, as if this run had not happened."""
        self._staged.clear()
        self._staged_lsh = self._make_lsh(None)
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
