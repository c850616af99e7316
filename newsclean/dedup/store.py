"""Where a near-duplicate index lives between runs.

Two stores, one small interface (:class:`IndexStore`):

* :class:`SQLiteStore`, the embedded default: one SQLite file (stdlib ``sqlite3``). Signatures are
  raw little-endian bytes of the uint32/uint64 array, the scheme key sits in a ``meta`` table and
  is checked on open. Nothing is ever unpickled, so an index file from a repository cannot run
  code. Every run's additions go in one transaction in WAL mode: a crash mid-run leaves the last
  committed index. The LSH band keys of every entry are stored in a table keyed by band key
  (:func:`~newsclean.dedup.link.band_keys`), written in the same transaction as the entries, so
  a look-up reads only the entries that share a band with what it looks for: nothing is ever
  loaded whole, and opening costs the same for ten entries or ten million. The file carries
  newsclean's SQLite application id, and a database that is not an index is refused before
  anything is written to it. A file of an earlier layout (no band keys) gets them, computed from
  its stored signatures in one transaction, when it is first used for near-duplicates.
* :class:`RedisStore` (``redis://HOST:PORT/N``), for many writers: signatures and their
  metadata in Redis hashes, one set of entry keys per band key. An index written by an earlier
  newsclean (datasketch's LSH buckets) is refused with the command that rebuilds it.

The band layout (bands x rows) follows from the threshold of the run that first writes an
entry, and is stored with the index (:meth:`IndexStore.layout_for`); a later run may use that
threshold or a higher one (the stored layout then finds at least the candidates its own would).

Entries and paragraph units may name the file they came from (``path``), relative to the
*files root* the index was given (:meth:`IndexStore.use_files_root`): an index that follows
files (``newsclean check/fix --index``) forgets a file's entries when the file is read again or
is gone, in the same transaction as the run's additions, and only ever the files of its own
root, so runs over two folders that share an index keep each other's entries.

Both also keep corpus paragraph statistics for :class:`~newsclean.steps.corpus_boilerplate.
CorpusBoilerplate`: per site, the set of normalised-paragraph hashes of each counting *unit*
(a near-duplicate cluster or a lone document) and, derived from those, how many units carry
each hash.

Every failure of a backend (unreachable, locked, damaged, not an index, connection lost
mid-run) is one :class:`IndexUnavailable` with a one-line message naming the index; the
translation is done in one place, :meth:`IndexStore.failures`, which wraps every method of the
interface.
"""

from __future__ import annotations

import functools
import hashlib
import inspect
import json
import os
import sqlite3
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path, PurePath, PurePosixPath
from typing import Any, TypeVar
from urllib.parse import parse_qs, urlparse

import numpy as np

from newsclean.dedup.link import band_keys, band_layout
from newsclean.dedup.minhash import SignatureScheme

FORMAT = "newsclean-index/3"
# Format 2 has no band keys: they are added (computed from the stored signatures) when the
# file is first used for near-duplicates. Format 1 had no file paths either; its new columns
# are added on open.
_FORMAT_2 = "newsclean-index/2"
_FORMAT_1 = "newsclean-index/1"
_EARLIER = (_FORMAT_2, _FORMAT_1)
# ``PRAGMA application_id`` of an index file: "NCIX". Files written before it was set have 0
# and are recognised by their tables instead (and stamped).
APPLICATION_ID = 0x4E434958
_TABLES = frozenset({"meta", "signatures", "bands", "paragraph_units", "paragraph_counts"})
# Bound parameters per statement: below SQLite's oldest limit (999).
_CHUNK = 900
# Rows of signatures read at a time when band keys are computed for many stored entries.
_FILL_CHUNK = 20_000
# What to do about a damaged index; it is safe, since an index holds nothing the data does not.
REBUILD_HINT = (
    "to rebuild it, delete it and run again over the data it was built from "
    "(the index only caches what the data holds)"
)

# Entries have an integer id (an ``INTEGER PRIMARY KEY``, which ``VACUUM`` never renumbers) that
# the band keys point to: ten to forty times smaller than repeating the entry's key per band.
_SIGNATURES = (
    "CREATE TABLE {name} (id INTEGER PRIMARY KEY, key TEXT NOT NULL UNIQUE, "
    "signature BLOB NOT NULL, created TEXT, length INTEGER NOT NULL, path TEXT)"
)
# One row per band of each entry. The band number is not stored: band_keys() mixes it into the
# key. Without a rowid the table is its own index on (key, entry).
_BANDS = (
    "CREATE TABLE IF NOT EXISTS bands (key INTEGER NOT NULL, entry INTEGER NOT NULL, "
    "PRIMARY KEY (key, entry)) WITHOUT ROWID"
)

# SQLite primary result codes (the low byte of an extended code).
_SQLITE_BUSY, _SQLITE_LOCKED, _SQLITE_READONLY = 5, 6, 8
_SQLITE_IOERR, _SQLITE_CORRUPT, _SQLITE_FULL, _SQLITE_CANTOPEN = 10, 11, 13, 14
_SQLITE_NOTADB = 26


class IndexUnavailable(RuntimeError):
    """The index cannot be used: unreachable, locked by another process, damaged, not a
    newsclean index, or its connection lost mid-run. The message is one line that names the
    index and says what to do.

    (A readable index built with other settings, a scheme or band layout that does not fit
    the run, is a ``ValueError`` instead: nothing is wrong with the index.)
    """


class _Damaged(Exception):
    """Stored data this code cannot have written (a signature of the wrong size)."""


@dataclass(frozen=True)
class Entry:
    """One indexed article: its signature and what the keep policy needs to know about it.

    ``path`` is the file it came from, relative to the store's files root, when the index
    follows files.
    """

    key: str
    signature: np.ndarray
    created: str | None = None
    length: int = 0
    path: str | None = None


@dataclass
class Unit:
    """The paragraph hashes of one counting unit (a cluster or a lone document) of a site, and
    the file it stands for when the index follows files (relative to the files root).
    """

    hashes: set[int]
    path: str | None = None


# site -> unit name -> Unit
Units = dict[str, dict[str, Unit]]


def _hashes_to_bytes(hashes: Iterable[int]) -> bytes:
    return np.fromiter(sorted(hashes), dtype="<u8").tobytes()


def _hashes_from_bytes(data: bytes) -> set[int]:
    return set(np.frombuffer(data, dtype="<u8").tolist())


def _signature_from_bytes(data: bytes, scheme: SignatureScheme, key: str) -> np.ndarray:
    dtype = np.dtype(scheme.dtype).newbyteorder("<")
    if len(data) != scheme.num_perm * dtype.itemsize:
        raise _Damaged(
            f"the stored signature of {key!r} has {len(data)} bytes, not the "
            f"{scheme.num_perm * dtype.itemsize} of its scheme"
        )
    return np.frombuffer(data, dtype=dtype).astype(scheme.dtype)


def _signature_to_bytes(signature: np.ndarray, scheme: SignatureScheme) -> bytes:
    return np.asarray(signature, dtype=np.dtype(scheme.dtype).newbyteorder("<")).tobytes()


def scheme_mismatch(where: str, stored: str, wanted: SignatureScheme) -> ValueError:
    """Return the error for an index built under another scheme (names both, says what to do)."""
    return ValueError(
        f"{where} holds signatures of scheme {stored!r}, but this run uses {wanted.key()!r}; "
        "signatures of different schemes cannot be compared. Run with the index's settings "
        "(num_perm, shingle_size) or start a new index."
    )


def _layout_record(threshold: float, num_perm: int) -> str:
    """What ``meta`` stores about the band keys: the threshold their layout was chosen for."""
    bands, rows = band_layout(threshold, num_perm)
    return json.dumps({"threshold": threshold, "bands": bands, "rows": rows})


def _checked_layout(where: str, record: str, threshold: float, num_perm: int) -> tuple[int, int]:
    """The stored layout, if it serves a run at ``threshold`` (:meth:`IndexStore.layout_for`)."""
    stored = json.loads(record)
    layout = (int(stored["bands"]), int(stored["rows"]))
    wanted = band_layout(threshold, num_perm)
    if wanted == layout or threshold >= float(stored["threshold"]):
        return layout
    hint = f"--dup-threshold {threshold:g}"
    raise ValueError(
        f"{where} stores band keys for a threshold of {float(stored['threshold']):g} or more "
        f"(bands={layout[0]}, rows={layout[1]}); this run's threshold {threshold:g} needs "
        f"bands={wanted[0]}, rows={wanted[1]}, or it would miss near-duplicates. Run with a "
        f"threshold of at least {float(stored['threshold']):g}, or build an index for this one: "
        f"newsclean run DATA --index NEWFILE {hint}"
    )


def relative_posix(path: str | Path, start: str | Path) -> str:
    """``path`` relative to the folder ``start``, with ``/`` separators (both absolute).

    Where no relative path exists (another drive on Windows) the absolute path is returned.
    """
    try:
        return PurePath(os.path.relpath(path, start)).as_posix()
    except ValueError:
        return PurePath(path).as_posix()


def is_outside(key: str) -> bool:
    """Whether the relative file name ``key`` leaves its root (``../x``, or absolute)."""
    return key == ".." or key.startswith("../") or PurePosixPath(key).is_absolute()


def _one_line(message: str) -> str:
    return " ".join(message.split())


_Method = TypeVar("_Method", bound=Callable[..., Any])

# The methods of the interface whose failures are translated (in every subclass).
_GUARDED = (
    "__init__",
    "layout_for",
    "band_candidates",
    "count",
    "get_entries",
    "paragraph_units",
    "paragraph_counts",
    "unit_count",
    "paths",
    "keys_of_paths",
    "units_of_paths",
    "write",
    "load",
    "close",
)


def _guarded(method: _Method) -> _Method:
    """Run ``method`` inside its store's :meth:`IndexStore.failures` (generators too: their
    failures happen while they are iterated, not when they are called).
    """
    if getattr(method, "_newsclean_guarded", False):
        return method
    if inspect.isgeneratorfunction(method):

        @functools.wraps(method)
        def wrapper(self: IndexStore, *args: Any, **kwargs: Any) -> Any:
            with self.failures():
                yield from method(self, *args, **kwargs)

    else:

        @functools.wraps(method)
        def wrapper(self: IndexStore, *args: Any, **kwargs: Any) -> Any:
            with self.failures():
                return method(self, *args, **kwargs)

    wrapper._newsclean_guarded = True  # type: ignore[attr-defined]
    return wrapper  # type: ignore[return-value]


class IndexStore:
    """The interface a persistent index backend offers :class:`NearDuplicateIndex`.

    A subclass names itself in ``location`` (for messages) and says which of its exceptions
    are backend failures in :meth:`describe_failure`; the methods of the interface it defines
    are wrapped so that those failures surface as :class:`IndexUnavailable`.
    """

    scheme: SignatureScheme
    # How messages name the index (a path, a URL without its password).
    location: str = "the index"
    # The folder that the file names of entries and units are relative to (see
    # use_files_root); the index sets it before it names any file.
    files_root: Path | None = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        for name in _GUARDED:
            if name in cls.__dict__:
                setattr(cls, name, _guarded(cls.__dict__[name]))

    @contextmanager
    def failures(self) -> Iterator[None]:
        """Turn a backend failure inside the block into one :class:`IndexUnavailable` whose
        message (from :meth:`describe_failure`) is a single line; other exceptions pass.
        """
        try:
            yield
        except IndexUnavailable:
            raise
        except _Damaged as exc:
            raise IndexUnavailable(
                _one_line(f"{self.location} is damaged ({exc}); {REBUILD_HINT}")
            ) from exc
        except Exception as exc:
            message = self.describe_failure(exc)
            if message is None:
                raise
            raise IndexUnavailable(_one_line(message)) from exc

    def describe_failure(self, exc: Exception) -> str | None:
        """What to tell the user about ``exc``, or ``None`` when it is not a backend failure
        (a bug, or a deliberate ``ValueError``), which then propagates unchanged.
        """
        return None

    @property
    def default_files_root(self) -> Path | None:
        """The files root to use when the files are in no git work tree and no other is
        given, or ``None`` for the current folder.
        """
        return None

    def use_files_root(self, root: Path) -> None:
        """Name files relative to the folder ``root`` from now on; the per-file methods only
        see the files of this root (two roots sharing a store never touch each other's).
        """
        self.files_root = Path(root)

    def layout_for(self, threshold: float) -> tuple[int, int]:
        """The band layout ``(bands, rows)`` of the stored band keys, for a run at ``threshold``.

        An index without a layout yet takes the one of ``threshold``
        (:func:`~newsclean.dedup.link.band_layout`). A stored layout serves its own threshold
        and every higher one (a pair similar enough for the higher threshold shares a band
        at least as surely); a lower threshold, whose own layout differs, raises
        ``ValueError`` (the stored keys would miss pairs it counts as near-duplicates).
        Called before the first look-up or write of entries, not on open: a run that only
        counts paragraphs never needs it.
        """
        raise NotImplementedError

    def band_candidates(self, keys: np.ndarray) -> list[set[str]]:
        """The keys of the stored entries that share a band key with each row of ``keys``
        (``(n, bands)`` uint64, from :meth:`layout_for`'s layout): unverified candidates.
        """
        raise NotImplementedError

    def count(self) -> int:
        """How many entries are stored."""
        raise NotImplementedError

    def get_entries(self, keys: list[str]) -> dict[str, Entry]:
        """Return the stored entries among ``keys``."""
        raise NotImplementedError

    def paragraph_units(
        self, site: str, units: Iterable[str] | None = None
    ) -> dict[str, set[int]]:
        """Return the stored units of ``site`` (only those named in ``units``, when given)
        and their paragraph-hash sets.
        """
        raise NotImplementedError

    def paragraph_counts(self, site: str, hashes: Iterable[int]) -> Counter[int]:
        """How many stored units of ``site`` carry each of ``hashes``."""
        raise NotImplementedError

    def unit_count(self, site: str) -> int:
        """How many units of ``site`` are stored."""
        raise NotImplementedError

    def paths(self) -> set[str]:
        """Return the files of the files root that stored entries or units name."""
        raise NotImplementedError

    def keys_of_paths(self, paths: Iterable[str]) -> set[str]:
        """Return the keys of the stored entries that name one of ``paths`` (of this root)."""
        raise NotImplementedError

    def units_of_paths(self, paths: Iterable[str]) -> dict[str, set[str]]:
        """Return, per site, the stored units that name one of ``paths`` (of this root)."""
        raise NotImplementedError

    def write(
        self,
        entries: list[Entry],
        paragraphs: Units,
        forget_entries: Iterable[str] = (),
        forget_units: Iterable[str] = (),
    ) -> None:
        """Atomically: drop the entries of the files in ``forget_entries`` and the units of
        those in ``forget_units``, then persist new entries with their band keys and
        paragraph units (merged into stored units of the same name). Writing or forgetting
        entries needs the layout fixed first (:meth:`layout_for`).
        """
        raise NotImplementedError

    def close(self) -> None:
        """Release the connection."""


class SQLiteStore(IndexStore):
    """The embedded index: one SQLite file (see the module docstring).

    ``busy_timeout`` is how many seconds to wait for another process's lock on the file before
    giving up with :class:`IndexUnavailable` (default: the class attribute, 30).

    Opening never changes a file before it is known to be an index: the application id and
    the tables are read first, and a database of something else is refused untouched. A
    missing or empty file becomes a new index; one written before the application id was set
    (format 1 or 2 tables, application id 0) is upgraded.

    File names are stored relative to the index file's folder, whatever the files root (so an
    index that moves with its files stays valid, and files of two roots never share a name);
    the interface speaks in names relative to the files root and converts.
    """

    # Long enough for another run's commit (one transaction) to finish.
    busy_timeout: float = 30.0

    def __init__(
        self, path: str | Path, scheme: SignatureScheme, busy_timeout: float | None = None
    ) -> None:
        self.path = Path(path)
        self.location = str(self.path)
        self.scheme = scheme
        if busy_timeout is not None:
            self.busy_timeout = busy_timeout
        self.folder = self.path.resolve().parent
        self.files_root = self.folder
        self._db = sqlite3.connect(
            str(self.path), timeout=self.busy_timeout, isolation_level=None
        )
        try:
            self._open()
        except BaseException:
            self._db.close()
            raise

    def describe_failure(self, exc: Exception) -> str | None:
        """Name what went wrong with the file in plain words (lock, damage, not a database)."""
        if not isinstance(exc, sqlite3.Error):
            return None
        code = getattr(exc, "sqlite_errorcode", -1) & 0xFF
        text = str(exc)
        where = self.location
        if code in (_SQLITE_BUSY, _SQLITE_LOCKED) or "database is locked" in text:
            return (
                f"{where} is locked by another process (still locked after waiting "
                f"{self.busy_timeout:g} s: {text}); retry when the other run has finished"
            )
        if code == _SQLITE_CORRUPT or "malformed" in text:
            return f"{where} is damaged ({text}); {REBUILD_HINT}"
        if code == _SQLITE_NOTADB or "not a database" in text:
            return (
                f"{where} is not a newsclean index ({text}); it was left untouched. If it was "
                "an index, it is damaged: delete it and run again to rebuild it"
            )
        if code == _SQLITE_READONLY or "readonly" in text:
            return f"{where} cannot be written ({text}); make it writable or use another index"
        if code == _SQLITE_FULL or "disk is full" in text:
            return f"{where} cannot be written: the disk is full ({text})"
        if code == _SQLITE_CANTOPEN or "unable to open" in text:
            return f"cannot open the index file {where} ({text}); does its folder exist?"
        if code == _SQLITE_IOERR:
            return f"cannot read or write the index file {where} ({text})"
        return f"the index {where} failed ({text})"

    @property
    def default_files_root(self) -> Path:
        """The index file's folder."""
        return self.folder

    # Opening ---------------------------------------------------------------------------------

    def _open(self) -> None:
        # The band-key layout read from ``meta`` by layout_for(); None until then.
        self._lsh: str | None = None
        state = self._state()
        if state != "index":
            with self._transaction():
                # Again under the write lock: another run may have created it meanwhile.
                state = self._state()
                if state == "empty":
                    self._create()
                elif state != "index":
                    self._stamp()
        self._use_wal()
        meta = dict(self._db.execute("SELECT name, value FROM meta").fetchall())
        stored = meta.get("format")
        if stored not in (FORMAT, _FORMAT_2):
            raise IndexUnavailable(
                f"{self.location} holds index format {stored!r}, which this version of "
                f"newsclean does not read (it reads {FORMAT!r}); upgrade newsclean or use a "
                "new index file"
            )
        if meta.get("scheme") != self.scheme.key():
            raise scheme_mismatch(self.location, str(meta.get("scheme")), self.scheme)

    def _use_wal(self) -> None:
        """Put the file in WAL mode (once, by whichever run comes first; it stays so).

        Switching needs the file to itself, and SQLite tries that once, without the busy
        handler: a run opening a new index while another run reads it got "database is
        locked" at once. So the switch is tried again until ``busy_timeout`` has passed, as
        SQLite waits for any other lock.
        """
        deadline = time.monotonic() + self.busy_timeout
        pause = 0.001
        while True:
            try:
                mode = self._db.execute("PRAGMA journal_mode").fetchall()[0][0]
                if mode.lower() != "wal":
                    self._db.execute("PRAGMA journal_mode=WAL").fetchall()
                return
            except sqlite3.OperationalError as exc:
                code = getattr(exc, "sqlite_errorcode", -1) & 0xFF
                locked = code in (_SQLITE_BUSY, _SQLITE_LOCKED) or "locked" in str(exc)
                if not locked or time.monotonic() >= deadline:
                    raise
            time.sleep(pause)
            pause = min(2 * pause, 0.05)

    def _state(self) -> str:
        """What the file is, read without changing it: ``"empty"`` (no schema at all),
        ``"index"``, or ``"unstamped"`` (an index without the application id, or of format
        1); anything else is refused.
        """
        db = self._db
        app_id = db.execute("PRAGMA application_id").fetchone()[0] & 0xFFFFFFFF
        objects = [
            (kind, name)
            for kind, name in db.execute("SELECT type, name FROM sqlite_master")
            if not name.startswith("sqlite_")
        ]
        tables = {name for kind, name in objects if kind == "table"}
        if app_id not in (0, APPLICATION_ID):
            raise self._refused(f"another application's SQLite database, id {app_id:#010x}")
        if not objects:
            return "empty"
        stored = self._stored_format(tables)
        if app_id == APPLICATION_ID:
            return "unstamped" if stored == _FORMAT_1 else "index"
        if stored in (FORMAT, *_EARLIER) and tables <= _TABLES:
            return "unstamped"
        names = ", ".join(sorted(tables)) or ", ".join(sorted(n for _, n in objects))
        raise self._refused(f"an SQLite database of something else, with {names}")

    def _stored_format(self, tables: set[str]) -> str | None:
        if "meta" not in tables:
            return None
        columns = {row[1] for row in self._db.execute("PRAGMA table_info(meta)")}
        if columns != {"name", "value"}:
            return None
        return self._format()

    def _format(self) -> str | None:
        row = self._db.execute("SELECT value FROM meta WHERE name = 'format'").fetchone()
        return row[0] if row else None

    def _refused(self, what: str) -> IndexUnavailable:
        return IndexUnavailable(
            f"{self.location} is not a newsclean index ({what}); it was left untouched: "
            "give the index another file name"
        )

    def _create(self) -> None:
        db = self._db
        db.execute(_SIGNATURES.format(name="signatures"))
        db.execute(_BANDS)
        self._create_common()
        db.executemany(
            "INSERT OR IGNORE INTO meta VALUES (?, ?)",
            [("format", FORMAT), ("scheme", self.scheme.key())],
        )
        self._finish_schema()

    def _create_common(self) -> None:
        """The tables every format has (only those a file lacks are created)."""
        db = self._db
        db.execute("CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT)")
        db.execute(
            "CREATE TABLE IF NOT EXISTS paragraph_units (site TEXT, unit TEXT, "
            "hashes BLOB NOT NULL, path TEXT, PRIMARY KEY (site, unit))"
        )
        db.execute(
            "CREATE TABLE IF NOT EXISTS paragraph_counts (site TEXT, hash INTEGER, "
            "units INTEGER NOT NULL, PRIMARY KEY (site, hash))"
        )

    def _stamp(self) -> None:
        """Bring an index written before the application id (or of format 1) up to format 2
        at least: the file columns, the application id. Band keys need a threshold, so a
        format-2 file gets them later, from :meth:`layout_for`.
        """
        db = self._db
        for table in ("signatures", "paragraph_units"):
            columns = {row[1] for row in db.execute(f"PRAGMA table_info({table})")}
            if columns and "path" not in columns:
                db.execute(f"ALTER TABLE {table} ADD COLUMN path TEXT")
        self._create_common()  # any table a format-1 file lacked
        db.execute(
            "CREATE TABLE IF NOT EXISTS signatures (key TEXT PRIMARY KEY, "
            "signature BLOB NOT NULL, created TEXT, length INTEGER NOT NULL, path TEXT)"
        )
        if self._format() == _FORMAT_1:
            db.execute("UPDATE meta SET value = ? WHERE name = 'format'", (_FORMAT_2,))
        self._finish_schema()

    def _finish_schema(self) -> None:
        self._db.execute("CREATE INDEX IF NOT EXISTS signatures_path ON signatures (path)")
        self._db.execute("CREATE INDEX IF NOT EXISTS units_path ON paragraph_units (path)")
        self._db.execute(f"PRAGMA application_id = {APPLICATION_ID}")

    def layout_for(self, threshold: float) -> tuple[int, int]:
        """The stored band layout, for a run at ``threshold`` (see
        :meth:`IndexStore.layout_for`). A file of format 2 gets its band keys here, computed
        from its signatures in one transaction (about a minute per million entries).
        """
        if self._lsh is None:
            record = self._meta("lsh")
            if record is None or self._format() != FORMAT:
                try:
                    with self._transaction():
                        # Again under the write lock: another run may have done it meanwhile.
                        if self._format() != FORMAT:
                            self._add_band_keys(threshold)
                        self._db.execute(
                            "INSERT OR IGNORE INTO meta VALUES ('lsh', ?)",
                            (_layout_record(threshold, self.scheme.num_perm),),
                        )
                except BaseException:
                    self._lsh = None  # the migration's layout was rolled back with it
                    raise
                record = self._meta("lsh")
            self._lsh = record
        assert self._lsh is not None
        return _checked_layout(self.location, self._lsh, threshold, self.scheme.num_perm)

    def _meta(self, name: str) -> str | None:
        row = self._db.execute("SELECT value FROM meta WHERE name = ?", (name,)).fetchone()
        return row[0] if row else None

    def _layout(self) -> tuple[int, int]:
        """The layout of the stored band keys (:meth:`layout_for` must have been called)."""
        if self._lsh is None:
            raise RuntimeError("layout_for() must be called before entries are written")
        stored = json.loads(self._lsh)
        return int(stored["bands"]), int(stored["rows"])

    def _add_band_keys(self, threshold: float) -> None:
        """Bring a format-2 index to format 3, inside the caller's transaction: entries get
        stable integer ids (``INTEGER PRIMARY KEY``, which ``VACUUM`` keeps), and band keys
        for the layout of ``threshold``, computed from the stored signatures.
        """
        db = self._db
        db.execute("ALTER TABLE signatures RENAME TO signatures_2")
        db.execute(_SIGNATURES.format(name="signatures"))
        db.execute(
            "INSERT INTO signatures (key, signature, created, length, path) "
            "SELECT key, signature, created, length, path FROM signatures_2 ORDER BY key"
        )
        db.execute("DROP TABLE signatures_2")
        db.execute(_BANDS)
        self._lsh = _layout_record(threshold, self.scheme.num_perm)
        self._fill_bands(0)
        db.execute("INSERT OR REPLACE INTO meta VALUES ('format', ?)", (FORMAT,))
        db.execute("INSERT OR REPLACE INTO meta VALUES ('lsh', ?)", (self._lsh,))
        self._finish_schema()

    def _fill_bands(self, after_id: int) -> None:
        """Store the band keys of every entry whose id is above ``after_id``, inside the
        caller's transaction. They are gathered in a temporary table and inserted in key
        order: keys are random, and a b-tree filled in key order is written page after page
        instead of one random page per key.
        """
        db = self._db
        layout = self._layout()
        db.execute("CREATE TEMP TABLE band_load (key INTEGER, entry INTEGER)")
        last = after_id
        while True:
            rows = db.execute(
                "SELECT id, key, signature FROM signatures WHERE id > ? ORDER BY id LIMIT ?",
                (last, _FILL_CHUNK),
            ).fetchall()
            if not rows:
                break
            ids = np.fromiter((row[0] for row in rows), dtype=np.int64, count=len(rows))
            sigs = self._decode([row[2] for row in rows], [row[1] for row in rows])
            self._insert_bands("temp.band_load", band_keys(sigs, *layout), ids)
            last = rows[-1][0]
        db.execute(
            "INSERT OR IGNORE INTO bands SELECT key, entry FROM temp.band_load ORDER BY key, entry"
        )
        db.execute("DROP TABLE temp.band_load")

    def _insert_bands(self, table: str, keys: np.ndarray, ids: np.ndarray) -> None:
        """Insert the band keys ``keys`` (one row per entry) of the entries ``ids``."""
        flat = np.ascontiguousarray(keys, dtype=np.uint64).view(np.int64).ravel()
        entries = np.repeat(ids, keys.shape[1])
        order = np.lexsort((entries, flat))
        self._db.executemany(
            f"INSERT OR IGNORE INTO {table} VALUES (?, ?)",
            zip(flat[order].tolist(), entries[order].tolist(), strict=True),
        )

    def _delete_bands(self, rows: list[tuple[int, str, bytes]]) -> None:
        """Delete the band keys of the stored entries ``rows`` (id, key, signature)."""
        if not rows:
            return
        sigs = self._decode([row[2] for row in rows], [row[1] for row in rows])
        keys = band_keys(sigs, *self._layout())
        flat = keys.view(np.int64).ravel()
        entries = np.repeat(np.array([row[0] for row in rows], dtype=np.int64), keys.shape[1])
        self._db.executemany(
            "DELETE FROM bands WHERE key = ? AND entry = ?",
            zip(flat.tolist(), entries.tolist(), strict=True),
        )

    def _decode(self, blobs: list[bytes], keys: list[str]) -> np.ndarray:
        """Stored signatures as one ``(len(blobs), num_perm)`` array."""
        size = self.scheme.num_perm * np.dtype(self.scheme.dtype).itemsize
        for blob, key in zip(blobs, keys, strict=True):
            if len(blob) != size:
                _signature_from_bytes(blob, self.scheme, key)  # raises _Damaged, naming it
        dtype = np.dtype(self.scheme.dtype).newbyteorder("<")
        flat = np.frombuffer(b"".join(blobs), dtype=dtype)
        return flat.reshape(len(blobs), self.scheme.num_perm).astype(self.scheme.dtype)

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        """One write transaction: committed when the block ends, rolled back when it raises
        (a rollback that fails too must not hide why).
        """
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield
            self._db.execute("COMMIT")
        except BaseException:
            if self._db.in_transaction:
                with suppress(sqlite3.Error):
                    self._db.execute("ROLLBACK")
            raise

    # File names ------------------------------------------------------------------------------

    def _stored(self, key: str | None) -> str | None:
        """The stored name (relative to the index file's folder) of a files-root name."""
        if key is None or self.files_root is None or self.files_root == self.folder:
            return key
        return relative_posix(self.files_root / key, self.folder)

    def _key(self, stored: str | None) -> str | None:
        """The files-root name of a stored name."""
        if stored is None or self.files_root is None or self.files_root == self.folder:
            return stored
        return relative_posix(self.folder / stored, self.files_root)

    # Reading ---------------------------------------------------------------------------------

    def band_candidates(self, keys: np.ndarray) -> list[set[str]]:
        """The stored entries sharing a band key with each row of ``keys`` (see
        :meth:`IndexStore.band_candidates`): the distinct keys are looked up in chunks, each
        one ``IN (...)`` query on the band table's primary key.
        """
        rows = np.ascontiguousarray(keys, dtype=np.uint64).view(np.int64)
        wanted = np.unique(rows).tolist()
        found: dict[int, list[str]] = {}
        for start in range(0, len(wanted), _CHUNK):
            chunk = wanted[start : start + _CHUNK]
            marks = ",".join("?" * len(chunk))
            hits = self._db.execute(
                "SELECT b.key, s.key FROM bands AS b JOIN signatures AS s ON s.id = b.entry "
                f"WHERE b.key IN ({marks})",
                chunk,
            )
            for band_key, key in hits:
                found.setdefault(band_key, []).append(key)
        candidates = []
        for row in rows.tolist():
            keys_of_row: set[str] = set()
            for band_key in row:
                keys_of_row.update(found.get(band_key, ()))
            candidates.append(keys_of_row)
        return candidates

    def count(self) -> int:
        """How many entries are stored."""
        return int(self._db.execute("SELECT COUNT(*) FROM signatures").fetchone()[0])

    def _rows_of_keys(self, keys: Iterable[str]) -> list[tuple[int, str, bytes]]:
        """(id, key, signature) of the stored entries among ``keys`` (format 3)."""
        wanted = sorted(set(keys))
        rows: list[tuple[int, str, bytes]] = []
        for start in range(0, len(wanted), _CHUNK):
            chunk = wanted[start : start + _CHUNK]
            marks = ",".join("?" * len(chunk))
            rows += self._db.execute(
                f"SELECT id, key, signature FROM signatures WHERE key IN ({marks})", chunk
            ).fetchall()
        return rows

    def get_entries(self, keys: list[str]) -> dict[str, Entry]:
        """Return the stored entries among ``keys``."""
        found: dict[str, Entry] = {}
        for start in range(0, len(keys), 500):
            chunk = keys[start : start + 500]
            marks = ",".join("?" * len(chunk))
            rows = self._db.execute(
                "SELECT key, signature, created, length, path FROM signatures "
                f"WHERE key IN ({marks})",
                chunk,
            )
            for key, blob, created, length, path in rows:
                found[key] = Entry(
                    key,
                    _signature_from_bytes(blob, self.scheme, key),
                    created,
                    length,
                    self._key(path),
                )
        return found

    def paths(self) -> set[str]:
        """Return the files of the files root that stored entries or units name."""
        rows = self._db.execute(
            "SELECT path FROM signatures WHERE path IS NOT NULL "
            "UNION SELECT path FROM paragraph_units WHERE path IS NOT NULL"
        )
        keys = {self._key(path) for (path,) in rows}
        return {key for key in keys if key is not None and not is_outside(key)}

    def keys_of_paths(self, paths: Iterable[str]) -> set[str]:
        """Return the keys of the stored entries that name one of ``paths``."""
        return {key for (key,) in self._select_by_path("SELECT key FROM signatures", paths)}

    def units_of_paths(self, paths: Iterable[str]) -> dict[str, set[str]]:
        """Return, per site, the stored units that name one of ``paths``."""
        found: dict[str, set[str]] = {}
        for site, unit in self._select_by_path("SELECT site, unit FROM paragraph_units", paths):
            found.setdefault(site, set()).add(unit)
        return found

    def _select_by_path(self, select: str, paths: Iterable[str]) -> list[tuple]:
        wanted = sorted({self._stored(p) for p in paths})
        rows: list[tuple] = []
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            marks = ",".join("?" * len(chunk))
            rows += self._db.execute(f"{select} WHERE path IN ({marks})", chunk).fetchall()
        return rows

    def paragraph_units(
        self, site: str, units: Iterable[str] | None = None
    ) -> dict[str, set[int]]:
        """Return the stored units of ``site`` (only those named in ``units``, when given)
        and their paragraph-hash sets.
        """
        if units is None:
            rows = self._db.execute(
                "SELECT unit, hashes FROM paragraph_units WHERE site = ?", (site,)
            ).fetchall()
        else:
            wanted = sorted(set(units))
            rows = []
            for start in range(0, len(wanted), _CHUNK):
                chunk = wanted[start : start + _CHUNK]
                marks = ",".join("?" * len(chunk))
                rows += self._db.execute(
                    "SELECT unit, hashes FROM paragraph_units "
                    f"WHERE site = ? AND unit IN ({marks})",
                    [site, *chunk],
                ).fetchall()
        return {unit: _hashes_from_bytes(blob) for unit, blob in rows}

    def paragraph_counts(self, site: str, hashes: Iterable[int]) -> Counter[int]:
        """How many stored units of ``site`` carry each of ``hashes``."""
        wanted = [int(np.uint64(h).astype(np.int64)) for h in hashes]
        counts: Counter[int] = Counter()
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            marks = ",".join("?" * len(chunk))
            rows = self._db.execute(
                f"SELECT hash, units FROM paragraph_counts WHERE site = ? AND hash IN ({marks})",
                [site, *chunk],
            )
            for signed, units in rows:
                counts[int(np.int64(signed).astype(np.uint64))] = units
        return counts

    def unit_count(self, site: str) -> int:
        """How many units of ``site`` are stored."""
        row = self._db.execute("SELECT COUNT(*) FROM paragraph_units WHERE site = ?", (site,))
        return int(row.fetchone()[0])

    # Writing ---------------------------------------------------------------------------------

    def write(
        self,
        entries: list[Entry],
        paragraphs: Units,
        forget_entries: Iterable[str] = (),
        forget_units: Iterable[str] = (),
    ) -> None:
        """Forget files, then persist entries (with their band keys) and paragraph units, in
        one transaction (all or nothing; see :meth:`IndexStore.write`).
        """
        with self._transaction():
            self._forget(set(forget_entries), set(forget_units))
            self._put_entries(entries)
            for site, units in paragraphs.items():
                self._merge_units(site, units)

    def load(self, batches: Iterable[Sequence[Entry]], threshold: float) -> int:
        """Add many entries whose keys are not in the index yet, in one transaction: the
        signatures batch by batch, then the band keys of all of them in key order. Much
        faster than :meth:`write` for building a large index at once (a key already stored
        fails the whole load). Returns how many entries were added.
        """
        self.layout_for(threshold)
        added = 0
        with self._transaction():
            last = self._db.execute("SELECT COALESCE(MAX(id), 0) FROM signatures").fetchone()[0]
            for batch in batches:
                self._db.executemany(
                    "INSERT INTO signatures (key, signature, created, length, path) "
                    "VALUES (?, ?, ?, ?, ?)",
                    (
                        (
                            e.key,
                            _signature_to_bytes(e.signature, self.scheme),
                            e.created,
                            e.length,
                            self._stored(e.path),
                        )
                        for e in batch
                    ),
                )
                added += len(batch)
            self._fill_bands(last)
        return added

    def _put_entries(self, entries: list[Entry]) -> None:
        """Insert or replace ``entries``; an entry whose signature changed gets new band keys,
        one stored again unchanged (a re-run of the same files) keeps its id and keys.
        """
        if not entries:
            return
        self._layout()  # entries are never stored without their band keys
        db = self._db
        stored = {key: (row_id, blob) for row_id, key, blob in self._rows_of_keys(
            e.key for e in entries)}
        updates, inserts, stale, rekeyed = [], [], [], []
        for entry in entries:
            blob = _signature_to_bytes(entry.signature, self.scheme)
            row = (blob, entry.created, entry.length, self._stored(entry.path))
            if entry.key not in stored:
                inserts.append((entry.key, *row))
                continue
            row_id, old = stored[entry.key]
            updates.append((*row, row_id))
            if old != blob:
                stale.append((row_id, entry.key, old))
                rekeyed.append((row_id, entry.key, blob))
        self._delete_bands(stale)
        db.executemany(
            "UPDATE signatures SET signature = ?, created = ?, length = ?, path = ? WHERE id = ?",
            updates,
        )
        db.executemany(
            "INSERT INTO signatures (key, signature, created, length, path) VALUES (?, ?, ?, ?, ?)",
            inserts,
        )
        rekeyed += self._rows_of_keys(row[0] for row in inserts)
        if rekeyed:
            sigs = self._decode([row[2] for row in rekeyed], [row[1] for row in rekeyed])
            ids = np.array([row[0] for row in rekeyed], dtype=np.int64)
            self._insert_bands("bands", band_keys(sigs, *self._layout()), ids)

    def _forget(self, entry_paths: set[str], unit_paths: set[str]) -> None:
        if entry_paths:
            self._layout()  # the band keys of the entries forgotten go with them
            rows = self._rows_of_keys(self.keys_of_paths(entry_paths))
            self._delete_bands(rows)
            self._db.executemany(
                "DELETE FROM signatures WHERE id = ?", ((row[0],) for row in rows)
            )
        if not unit_paths:
            return
        for site, units in self.units_of_paths(unit_paths).items():
            for unit in sorted(units):
                row = self._db.execute(
                    "SELECT hashes FROM paragraph_units WHERE site = ? AND unit = ?", (site, unit)
                ).fetchone()
                self._count(site, _hashes_from_bytes(row[0]), -1)
                self._db.execute(
                    "DELETE FROM paragraph_units WHERE site = ? AND unit = ?", (site, unit)
                )

    def _count(self, site: str, hashes: Iterable[int], step: int) -> None:
        signed = [(site, int(np.uint64(h).astype(np.int64))) for h in sorted(hashes)]
        self._db.executemany(
            "INSERT INTO paragraph_counts VALUES (?, ?, ?) "
            "ON CONFLICT (site, hash) DO UPDATE SET units = units + excluded.units",
            ((site, value, step) for site, value in signed),
        )
        if step < 0:
            # Only the counts just lowered can have reached zero: no scan of the whole table.
            self._db.executemany(
                "DELETE FROM paragraph_counts WHERE site = ? AND hash = ? AND units <= 0", signed
            )

    def _merge_units(self, site: str, units: dict[str, Unit]) -> None:
        db = self._db
        for name, unit in sorted(units.items()):
            row = db.execute(
                "SELECT hashes, path FROM paragraph_units WHERE site = ? AND unit = ?",
                (site, name),
            ).fetchone()
            old = _hashes_from_bytes(row[0]) if row else set()
            added = unit.hashes - old
            path = self._stored(unit.path)
            # The last run to count a unit owns it (names its file), as for entries.
            if not added and row and row[1] == path:
                continue
            db.execute(
                "INSERT OR REPLACE INTO paragraph_units VALUES (?, ?, ?, ?)",
                (site, name, _hashes_to_bytes(old | unit.hashes), path),
            )
            self._count(site, added, 1)

    def close(self) -> None:
        """Close the database file."""
        self._db.close()


def _redacted(url: str) -> str:
    """``url`` without its password, for messages."""
    parsed = urlparse(url)
    if parsed.password is None:
        return url
    user = parsed.username or ""
    host = parsed.netloc.rsplit("@", 1)[1]
    return parsed._replace(netloc=f"{user}:***@{host}").geturl()


class RedisStore(IndexStore):
    """An index shared by many writers in Redis (``redis://HOST:PORT/N[?prefix=NAME]``).

    Each band key of an entry is a set ``PREFIX:band:KEY`` (``KEY`` in 16 hex digits) holding
    the keys of the entries that have it; a look-up reads the sets of its band keys in one
    pipeline. The per-file bookkeeping is kept per files root (keys under ``PREFIX:root:ID:``,
    ``ID`` naming the root's absolute path, listed in the hash ``PREFIX:roots``), so runs in
    two folders never forget each other's files; signatures, band keys and paragraph counts
    are shared by all roots. Each entry and unit belongs to the root that wrote it last.

    An index written by an earlier newsclean (datasketch's LSH buckets, no ``format`` in
    ``PREFIX:meta``) is refused with the command that rebuilds it under a new prefix: it is
    shared by many writers, some of which may still run the earlier version and keep writing
    buckets that a migration would have to chase.
    """

    # Whether the store is open: a connection failure before that is "cannot reach", after
    # it "lost the connection".
    _opened = False

    def __init__(self, url: str, scheme: SignatureScheme) -> None:
        self.url = url
        self.location = _redacted(url)
        try:
            import redis
        except ImportError:
            raise ValueError(
                f"{self.location}: the Redis index needs the redis client: "
                "pip install 'newsclean[redis]'"
            ) from None
        parsed = urlparse(url)
        db = int(parsed.path.strip("/") or 0)
        self.params = {
            "host": parsed.hostname or "127.0.0.1",
            "port": parsed.port or 6379,
            "db": db,
        }
        if parsed.password:
            self.params["password"] = parsed.password
        prefix = parse_qs(parsed.query).get("prefix", ["newsclean"])[0]
        self.prefix = prefix
        self.scheme = scheme
        self._redis = redis.Redis(**self.params)
        self._redis.ping()
        self._meta = f"{prefix}:meta"
        self._signatures = f"{prefix}:signatures"
        self._info = f"{prefix}:info"
        self._roots = f"{prefix}:roots"
        self.use_files_root(Path.cwd())
        # The band-key layout read from the meta hash by layout_for(); None until then.
        self._lsh: str | None = None
        self._check_scheme()
        self._check_format()
        self._opened = True

    def describe_failure(self, exc: Exception) -> str | None:
        """Say whether the server could not be reached, went away mid-run, or refused."""
        import redis

        where = self.location
        if isinstance(exc, (redis.ConnectionError, redis.TimeoutError)):
            if not self._opened:
                return f"cannot reach the Redis index at {where} ({exc})"
            return (
                f"lost the connection to the Redis index at {where} ({exc}); retry when the "
                "server is back"
            )
        if isinstance(exc, redis.RedisError):
            return f"the Redis index at {where} failed ({type(exc).__name__}: {exc})"
        return None

    def use_files_root(self, root: Path) -> None:
        """Keep the per-file bookkeeping under the key space of ``root`` from now on."""
        super().use_files_root(root)
        self._root_name = Path(root).as_posix()
        encoded = self._root_name.encode("utf-8", "surrogateescape")
        self._root_id = hashlib.sha1(encoded).hexdigest()[:16]
        self._root_keys = f"{self.prefix}:root:{self._root_id}"
        self._paths = f"{self._root_keys}:paths"

    def _check_scheme(self) -> None:
        self._redis.hsetnx(self._meta, "scheme", self.scheme.key())
        stored = self._redis.hget(self._meta, "scheme")
        stored_text = stored.decode() if stored is not None else None
        if stored_text != self.scheme.key():
            raise scheme_mismatch(self.location, str(stored_text), self.scheme)

    def _check_format(self) -> None:
        """Refuse an index of another layout: an earlier one (datasketch's buckets) or a
        newer one.
        """
        stored = self._redis.hget(self._meta, "format")
        if stored is None:
            # Earlier versions wrote "lsh" (bands=B,rows=R) and their buckets, never "format".
            if self._redis.hexists(self._meta, "lsh") and self._redis.hlen(self._signatures):
                base = self.location.split("?", 1)[0]
                raise IndexUnavailable(
                    f"{self.location} was written by an earlier newsclean (datasketch's LSH "
                    "buckets, which this version no longer reads); rebuild it with: newsclean "
                    f"run DATA --index '{base}?prefix=NEWPREFIX'"
                )
            pipe = self._redis.pipeline(transaction=True)
            pipe.hdel(self._meta, "lsh")  # an earlier layout without a single entry
            pipe.hsetnx(self._meta, "format", FORMAT)
            pipe.execute()
            stored = self._redis.hget(self._meta, "format")
        if stored != FORMAT.encode():
            raise IndexUnavailable(
                f"{self.location} holds index format {stored.decode(errors='replace')!r}, "
                f"which this version of newsclean does not read (it reads {FORMAT!r}); "
                "upgrade newsclean or use another ?prefix="
            )

    def layout_for(self, threshold: float) -> tuple[int, int]:
        """The stored band layout, for a run at ``threshold`` (see
        :meth:`IndexStore.layout_for`); the first run to need one stores its own.
        """
        if self._lsh is None:
            self._redis.hsetnx(
                self._meta, "lsh", _layout_record(threshold, self.scheme.num_perm)
            )
            self._lsh = self._redis.hget(self._meta, "lsh").decode()
        return _checked_layout(self.location, self._lsh, threshold, self.scheme.num_perm)

    def _layout(self) -> tuple[int, int]:
        if self._lsh is None:
            raise RuntimeError("layout_for() must be called before entries are written")
        stored = json.loads(self._lsh)
        return int(stored["bands"]), int(stored["rows"])

    def _band(self, key: int) -> str:
        return f"{self.prefix}:band:{key:016x}"

    def _band_names(self, sigs: np.ndarray) -> list[list[str]]:
        """The names of the band sets of each signature in ``sigs``."""
        keys = band_keys(sigs, *self._layout())
        return [[self._band(key) for key in row] for row in keys.tolist()]

    def band_candidates(self, keys: np.ndarray) -> list[set[str]]:
        """The stored entries sharing a band key with each row of ``keys`` (see
        :meth:`IndexStore.band_candidates`): one pipelined ``SMEMBERS`` per distinct key.
        """
        rows = np.ascontiguousarray(keys, dtype=np.uint64).tolist()
        wanted = sorted({key for row in rows for key in row})
        found: dict[int, list[bytes]] = {}
        for start in range(0, len(wanted), 10_000):
            chunk = wanted[start : start + 10_000]
            pipe = self._redis.pipeline(transaction=False)
            for key in chunk:
                pipe.smembers(self._band(key))
            found.update(zip(chunk, pipe.execute(), strict=True))
        candidates = []
        for row in rows:
            keys_of_row: set[str] = set()
            for key in row:
                keys_of_row.update(member.decode() for member in found[key])
            candidates.append(keys_of_row)
        return candidates

    def count(self) -> int:
        """How many entries are stored."""
        return int(self._redis.hlen(self._signatures))

    def _stored_signatures(self, keys: list[str]) -> dict[str, np.ndarray]:
        """The stored signatures among ``keys``."""
        if not keys:
            return {}
        blobs = self._redis.hmget(self._signatures, keys)
        return {
            key: _signature_from_bytes(blob, self.scheme, key)
            for key, blob in zip(keys, blobs, strict=True)
            if blob is not None
        }

    def get_entries(self, keys: list[str]) -> dict[str, Entry]:
        """Return the stored entries among ``keys``."""
        if not keys:
            return {}
        blobs = self._redis.hmget(self._signatures, keys)
        infos = self._redis.hmget(self._info, keys)
        found = {}
        for key, blob, info in zip(keys, blobs, infos, strict=True):
            if blob is None:
                continue
            meta = json.loads(info) if info else {}
            found[key] = Entry(
                key,
                _signature_from_bytes(blob, self.scheme, key),
                meta.get("created"),
                int(meta.get("length", 0)),
                meta.get("path"),
            )
        return found

    def _path_keys(self, path: str) -> str:
        return f"{self._root_keys}:path:{path}"

    def _path_units(self, path: str) -> str:
        return f"{self._root_keys}:pathunits:{path}"

    def _unit_roots(self, site: str) -> str:
        return f"{self.prefix}:unitroots:{site}"

    def paths(self) -> set[str]:
        """Return the files of the files root that stored entries or units name."""
        return {p.decode() for p in self._redis.smembers(self._paths)}

    def keys_of_paths(self, paths: Iterable[str]) -> set[str]:
        """Return the keys of the stored entries that name one of ``paths`` and that this
        root wrote last.
        """
        names = [self._path_keys(p) for p in sorted(set(paths))]
        listed = sorted(k.decode() for k in self._redis.sunion(names)) if names else []
        if not listed:
            return set()
        infos = self._redis.hmget(self._info, listed)
        return {
            key
            for key, info in zip(listed, infos, strict=True)
            if info is not None and json.loads(info).get("root") == self._root_id
        }

    def units_of_paths(self, paths: Iterable[str]) -> dict[str, set[str]]:
        """Return, per site, the stored units that name one of ``paths`` and that this root
        counted last.
        """
        names = [self._path_units(p) for p in sorted(set(paths))]
        listed: dict[str, list[str]] = {}
        for member in self._redis.sunion(names) if names else ():
            site, unit = json.loads(member)
            listed.setdefault(site, []).append(unit)
        found: dict[str, set[str]] = {}
        for site, units in sorted(listed.items()):
            units.sort()
            owners = self._redis.hmget(self._unit_roots(site), units)
            mine = {u for u, o in zip(units, owners, strict=True) if o == self._root_id.encode()}
            if mine:
                found[site] = mine
        return found

    def _units_key(self, site: str) -> str:
        return f"{self.prefix}:units:{site}"

    def _counts_key(self, site: str) -> str:
        return f"{self.prefix}:paragraphs:{site}"

    def paragraph_units(
        self, site: str, units: Iterable[str] | None = None
    ) -> dict[str, set[int]]:
        """Return the stored units of ``site`` (only those named in ``units``, when given)
        and their paragraph-hash sets.
        """
        if units is None:
            stored = self._redis.hgetall(self._units_key(site))
            return {unit.decode(): _hashes_from_bytes(blob) for unit, blob in stored.items()}
        names = sorted(set(units))
        blobs = self._redis.hmget(self._units_key(site), names) if names else []
        return {
            name: _hashes_from_bytes(blob)
            for name, blob in zip(names, blobs, strict=True)
            if blob is not None
        }

    def paragraph_counts(self, site: str, hashes: Iterable[int]) -> Counter[int]:
        """How many stored units of ``site`` carry each of ``hashes``."""
        wanted = list(hashes)
        if not wanted:
            return Counter()
        values = self._redis.hmget(self._counts_key(site), [str(h) for h in wanted])
        return Counter({h: int(v) for h, v in zip(wanted, values, strict=True) if v is not None})

    def unit_count(self, site: str) -> int:
        """How many units of ``site`` are stored."""
        return int(self._redis.hlen(self._units_key(site)))

    def write(
        self,
        entries: list[Entry],
        paragraphs: Units,
        forget_entries: Iterable[str] = (),
        forget_units: Iterable[str] = (),
    ) -> None:
        """Forget files, then persist entries and paragraph units, in one MULTI/EXEC
        transaction (see :meth:`IndexStore.write`).

        Two writers merging the *same* unit at the same moment may both count it once; units
        are documents or clusters, so this needs the same article in two parallel runs.
        """
        pipe = self._redis.pipeline(transaction=True)
        forgotten, dropped = self._forget(pipe, set(forget_entries), set(forget_units))
        if any(e.path is not None for e in entries) or any(
            u.path is not None for units in paragraphs.values() for u in units.values()
        ):
            # For people reading the server's keys: the folder a root ID stands for.
            readable = self._root_name.encode("utf-8", "backslashreplace")
            pipe.hset(self._roots, self._root_id, readable)
        self._put_bands(pipe, entries, forgotten)
        for entry in entries:
            pipe.hset(
                self._signatures, entry.key, _signature_to_bytes(entry.signature, self.scheme)
            )
            info = {"created": entry.created, "length": entry.length, "path": entry.path}
            if entry.path is not None:
                info["root"] = self._root_id
                pipe.sadd(self._paths, entry.path)
                pipe.sadd(self._path_keys(entry.path), entry.key)
            pipe.hset(self._info, entry.key, json.dumps(info))
        for site, units in paragraphs.items():
            names = sorted(units)
            if not names:
                continue
            stored = self._redis.hmget(self._units_key(site), names)
            for name, blob in zip(names, stored, strict=True):
                unit = units[name]
                if name in dropped.get(site, ()):
                    # Queued for removal above: the transaction stores it afresh.
                    blob = None
                if unit.path is not None:
                    pipe.sadd(self._paths, unit.path)
                    pipe.sadd(self._path_units(unit.path), json.dumps([site, name]))
                    pipe.hset(self._unit_roots(site), name, self._root_id)
                old = _hashes_from_bytes(blob) if blob is not None else set()
                added = unit.hashes - old
                if blob is not None and not added:
                    continue
                pipe.hset(self._units_key(site), name, _hashes_to_bytes(old | unit.hashes))
                for value in sorted(added):
                    pipe.hincrby(self._counts_key(site), str(value), 1)
        pipe.execute()

    def _put_bands(self, pipe: Any, entries: list[Entry], forgotten: set[str]) -> None:
        """Queue on ``pipe`` the band keys of ``entries``, and the removal of those of the
        stored signatures they replace (not those of ``forgotten`` entries: already queued).
        """
        if not entries:
            return
        self._layout()  # entries are never stored without their band keys
        old = self._stored_signatures(sorted({e.key for e in entries} - forgotten))
        # An entry stored again unchanged (a re-run of the same files) keeps its band keys.
        fresh = [
            e for e in entries if e.key not in old or not np.array_equal(old[e.key], e.signature)
        ]
        stale = [(e.key, old[e.key]) for e in fresh if e.key in old]
        if stale:
            names = self._band_names(np.stack([sig for _, sig in stale]))
            for (key, _), row in zip(stale, names, strict=True):
                for name in row:
                    pipe.srem(name, key)
        if fresh:
            names = self._band_names(np.stack([e.signature for e in fresh]))
            for entry, row in zip(fresh, names, strict=True):
                for name in row:
                    pipe.sadd(name, entry.key)

    def _forget(
        self, pipe: Any, entry_paths: set[str], unit_paths: set[str]
    ) -> tuple[set[str], dict[str, set[str]]]:
        """Queue on ``pipe`` the removal of the entries of ``entry_paths`` (with their band
        keys) and the units of ``unit_paths``; return the keys of the entries and, per site,
        the units queued for removal.
        """
        forgotten = self.keys_of_paths(entry_paths) if entry_paths else set()
        if forgotten:
            self._layout()
            old = self._stored_signatures(sorted(forgotten))
            if old:
                names = self._band_names(np.stack(list(old.values())))
                for key, row in zip(old, names, strict=True):
                    for name in row:
                        pipe.srem(name, key)
        for key in sorted(forgotten):
            pipe.hdel(self._signatures, key)
            pipe.hdel(self._info, key)
        dropped: dict[str, set[str]] = {}
        for site, names in self.units_of_paths(unit_paths).items():
            blobs = self._redis.hmget(self._units_key(site), sorted(names))
            for blob in blobs:
                for value in sorted(_hashes_from_bytes(blob) if blob is not None else ()):
                    pipe.hincrby(self._counts_key(site), str(value), -1)
            pipe.hdel(self._units_key(site), *sorted(names))
            pipe.hdel(self._unit_roots(site), *sorted(names))
            dropped[site] = set(names)
        for path in sorted(entry_paths):
            pipe.delete(self._path_keys(path))
        for path in sorted(unit_paths):
            pipe.delete(self._path_units(path))
        # A path stays listed while the other kind still names it (the two corpus steps
        # forget one kind each, in separate commits); write() lists it again when it adds
        # to it.
        for path in sorted(entry_paths | unit_paths):
            kept = [
                name
                for name, forgotten in (
                    (self._path_keys(path), path in entry_paths),
                    (self._path_units(path), path in unit_paths),
                )
                if not forgotten
            ]
            if not kept or not self._redis.exists(*kept):
                pipe.srem(self._paths, path)
        return forgotten, dropped

    def close(self) -> None:
        """Close the connection pool."""
        self._redis.close()
