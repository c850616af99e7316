"""Where a near-duplicate index lives between runs.

Two stores, one small interface (:class:`IndexStore`):

* :class:`SQLiteStore`, the embedded default: one SQLite file (stdlib ``sqlite3``). Signatures are
  raw little-endian bytes of the uint32/uint64 array, the scheme key sits in a ``meta`` table and
  is checked on open. Nothing is ever unpickled, so an index file from a repository cannot run
  code. Every run's additions go in one transaction in WAL mode: a crash mid-run leaves the last
  committed index. The LSH buckets are *not* stored: loading rebuilds an in-memory
  ``MinHashLSH`` from the signatures (about a second per 100k articles), which keeps the file
  small, keeps one source of truth, and lets a later run pick another threshold.
* :class:`RedisStore` (``redis://HOST:PORT/N``), for many writers: the LSH buckets live in Redis
  through datasketch's ``storage_config`` (with ``prepickle=False`` and bytes keys, so nothing is
  unpickled there either), signatures and their metadata in Redis hashes. The bands are stored,
  so the scheme *and* the LSH band layout are pinned in a meta hash and checked on open.

Entries and paragraph units may name the file they came from (``path``): an index that
follows files (``newsclean check/fix --index``) forgets a file's entries when the file is read
again or is gone, in the same transaction as the run's additions.

Both also keep corpus paragraph statistics for :class:`~newsclean.steps.corpus_boilerplate.
CorpusBoilerplate`: per site, the set of normalised-paragraph hashes of each counting *unit*
(a near-duplicate cluster or a lone document) and, derived from those, how many units carry
each hash.
"""

from __future__ import annotations

import json
import sqlite3
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import numpy as np

from newsclean.dedup.minhash import SignatureScheme

FORMAT = "newsclean-index/2"
# Format 1 had no file paths; it is upgraded in place (the new columns start empty).
_UPGRADABLE = "newsclean-index/1"


@dataclass(frozen=True)
class Entry:
    """One indexed article: its signature and what the keep policy needs to know about it."""

    key: str
    signature: np.ndarray
    created: str | None = None
    length: int = 0
    path: str | None = None


@dataclass
class Unit:
    """The paragraph hashes of one counting unit (a cluster or a lone document) of a site, and
    the file it stands for when the index follows files.
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
        raise ValueError(
            f"stored signature of {key!r} has {len(data)} bytes, expected "
            f"{scheme.num_perm * dtype.itemsize} for {scheme.key()!r}: the index is damaged"
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


class IndexStore:
    """The interface a persistent index backend offers :class:`NearDuplicateIndex`."""

    scheme: SignatureScheme
    # The folder file paths are stored relative to (the index file's), or None: as given.
    files_root: Path | None = None

    def lsh_storage_config(self) -> dict[str, Any] | None:
        """Datasketch ``storage_config`` for an LSH kept in the store, or ``None`` (rebuild)."""
        return None

    def check_lsh_params(self, bands: int, rows: int) -> None:
        """Raise ``ValueError`` when stored LSH buckets were built with another band layout."""

    def iter_entries(self) -> Iterator[Entry]:
        """All entries to rebuild an in-memory LSH from (empty when the LSH is stored)."""
        return iter(())

    def get_entries(self, keys: list[str]) -> dict[str, Entry]:
        """Return the stored entries among ``keys``."""
        raise NotImplementedError

    def paragraph_units(self, site: str) -> dict[str, set[int]]:
        """Return the stored units of ``site`` and their paragraph-hash sets."""
        raise NotImplementedError

    def paragraph_counts(self, site: str, hashes: Iterable[int]) -> Counter[int]:
        """How many stored units of ``site`` carry each of ``hashes``."""
        raise NotImplementedError

    def unit_count(self, site: str) -> int:
        """How many units of ``site`` are stored."""
        raise NotImplementedError

    def paths(self) -> set[str]:
        """Return the files that stored entries or units name."""
        raise NotImplementedError

    def keys_of_paths(self, paths: Iterable[str]) -> set[str]:
        """Return the keys of the stored entries that name one of ``paths``."""
        raise NotImplementedError

    def units_of_paths(self, paths: Iterable[str]) -> dict[str, set[str]]:
        """Return, per site, the stored units that name one of ``paths``."""
        raise NotImplementedError

    def write(
        self,
        entries: list[Entry],
        paragraphs: Units,
        forget_entries: Iterable[str] = (),
        forget_units: Iterable[str] = (),
    ) -> None:
        """Atomically: drop the entries of the files in ``forget_entries`` and the units of
        those in ``forget_units``, then persist new entries and paragraph units (merged into
        stored units of the same name).
        """
        raise NotImplementedError

    def close(self) -> None:
        """Release the connection."""


class SQLiteStore(IndexStore):
    """The embedded index: one SQLite file (see the module docstring)."""

    def __init__(self, path: str | Path, scheme: SignatureScheme) -> None:
        self.path = Path(path)
        self.scheme = scheme
        self.files_root = self.path.resolve().parent
        try:
            self._db = sqlite3.connect(str(self.path), isolation_level=None)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA busy_timeout=30000")
            self._create_or_check()
        except sqlite3.DatabaseError as err:
            raise ValueError(f"{self.path} is not a newsclean index (SQLite: {err})") from None

    def _create_or_check(self) -> None:
        db = self._db
        db.execute("BEGIN IMMEDIATE")
        try:
            db.execute("CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT)")
            db.execute(
                "CREATE TABLE IF NOT EXISTS signatures (key TEXT PRIMARY KEY, "
                "signature BLOB NOT NULL, created TEXT, length INTEGER NOT NULL, path TEXT)"
            )
            db.execute(
                "CREATE TABLE IF NOT EXISTS paragraph_units (site TEXT, unit TEXT, "
                "hashes BLOB NOT NULL, path TEXT, PRIMARY KEY (site, unit))"
            )
            db.execute(
                "CREATE TABLE IF NOT EXISTS paragraph_counts (site TEXT, hash INTEGER, "
                "units INTEGER NOT NULL, PRIMARY KEY (site, hash))"
            )
            meta = dict(db.execute("SELECT name, value FROM meta").fetchall())
            if not meta:
                db.executemany(
                    "INSERT INTO meta VALUES (?, ?)",
                    [("format", FORMAT), ("scheme", self.scheme.key())],
                )
            elif meta.get("format") == _UPGRADABLE:
                db.execute("ALTER TABLE signatures ADD COLUMN path TEXT")
                db.execute("ALTER TABLE paragraph_units ADD COLUMN path TEXT")
                db.execute("UPDATE meta SET value = ? WHERE name = 'format'", (FORMAT,))
                meta["format"] = FORMAT
            db.execute("CREATE INDEX IF NOT EXISTS signatures_path ON signatures (path)")
            db.execute("CREATE INDEX IF NOT EXISTS units_path ON paragraph_units (path)")
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        if meta and meta.get("format") != FORMAT:
            raise ValueError(f"{self.path} has index format {meta.get('format')!r}, not {FORMAT!r}")
        if meta and meta.get("scheme") != self.scheme.key():
            raise scheme_mismatch(str(self.path), str(meta.get("scheme")), self.scheme)

    def iter_entries(self) -> Iterator[Entry]:
        """Every stored signature, in key order."""
        rows = self._db.execute(
            "SELECT key, signature, created, length, path FROM signatures ORDER BY key"
        )
        for key, blob, created, length, path in rows:
            yield Entry(key, _signature_from_bytes(blob, self.scheme, key), created, length, path)

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
                    key, _signature_from_bytes(blob, self.scheme, key), created, length, path
                )
        return found

    def paths(self) -> set[str]:
        """Return the files that stored entries or units name."""
        rows = self._db.execute(
            "SELECT path FROM signatures WHERE path IS NOT NULL "
            "UNION SELECT path FROM paragraph_units WHERE path IS NOT NULL"
        )
        return {path for (path,) in rows}

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
        wanted = sorted(set(paths))
        rows: list[tuple] = []
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            marks = ",".join("?" * len(chunk))
            rows += self._db.execute(f"{select} WHERE path IN ({marks})", chunk).fetchall()
        return rows

    def paragraph_units(self, site: str) -> dict[str, set[int]]:
        """Return the stored units of ``site`` and their paragraph-hash sets."""
        rows = self._db.execute("SELECT unit, hashes FROM paragraph_units WHERE site = ?", (site,))
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

    def write(
        self,
        entries: list[Entry],
        paragraphs: Units,
        forget_entries: Iterable[str] = (),
        forget_units: Iterable[str] = (),
    ) -> None:
        """Forget files, then persist entries and paragraph units, in one transaction (all or
        nothing; see :meth:`IndexStore.write`).
        """
        db = self._db
        db.execute("BEGIN IMMEDIATE")
        try:
            self._forget(set(forget_entries), set(forget_units))
            db.executemany(
                "INSERT OR REPLACE INTO signatures VALUES (?, ?, ?, ?, ?)",
                (
                    (
                        e.key,
                        _signature_to_bytes(e.signature, self.scheme),
                        e.created,
                        e.length,
                        e.path,
                    )
                    for e in entries
                ),
            )
            for site, units in paragraphs.items():
                self._merge_units(site, units)
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise

    def _forget(self, entry_paths: set[str], unit_paths: set[str]) -> None:
        for key in sorted(self.keys_of_paths(entry_paths)):
            self._db.execute("DELETE FROM signatures WHERE key = ?", (key,))
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
        self._db.execute("DELETE FROM paragraph_counts WHERE units <= 0")

    def _count(self, site: str, hashes: Iterable[int], step: int) -> None:
        self._db.executemany(
            "INSERT INTO paragraph_counts VALUES (?, ?, ?) "
            "ON CONFLICT (site, hash) DO UPDATE SET units = units + excluded.units",
            ((site, int(np.uint64(h).astype(np.int64)), step) for h in sorted(hashes)),
        )

    def _merge_units(self, site: str, units: dict[str, Unit]) -> None:
        db = self._db
        for name, unit in sorted(units.items()):
            row = db.execute(
                "SELECT hashes FROM paragraph_units WHERE site = ? AND unit = ?", (site, name)
            ).fetchone()
            old = _hashes_from_bytes(row[0]) if row else set()
            added = unit.hashes - old
            if not added and row:
                continue
            db.execute(
                "INSERT OR REPLACE INTO paragraph_units VALUES (?, ?, ?, ?)",
                (site, name, _hashes_to_bytes(old | unit.hashes), unit.path),
            )
            self._count(site, added, 1)

    def close(self) -> None:
        """Close the database file."""
        self._db.close()


class RedisStore(IndexStore):
    """An index shared by many writers in Redis (``redis://HOST:PORT/N[?prefix=NAME]``)."""

    def __init__(self, url: str, scheme: SignatureScheme) -> None:
        try:
            import redis
        except ImportError:
            raise ValueError(
                f"{url}: the Redis index needs the redis client: pip install 'newsclean[redis]'"
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
        self.url = url
        self._redis = redis.Redis(**self.params)
        try:
            self._redis.ping()
        except redis.RedisError as err:
            raise ValueError(f"cannot reach the Redis index at {url}: {err}") from None
        self._meta = f"{prefix}:meta"
        self._signatures = f"{prefix}:signatures"
        self._info = f"{prefix}:info"
        self._paths = f"{prefix}:paths"
        self._check_meta("scheme", scheme.key())

    def _check_meta(self, name: str, value: str) -> None:
        self._redis.hsetnx(self._meta, name, value)
        stored = self._redis.hget(self._meta, name)
        stored_text = stored.decode() if stored is not None else None
        if stored_text != value:
            if name == "scheme":
                raise scheme_mismatch(self.url, str(stored_text), self.scheme)
            raise ValueError(
                f"{self.url} holds LSH buckets built with {name} {stored_text!r}, but this run "
                f"needs {value!r}: use the index's threshold or another ?prefix="
            )

    def lsh_storage_config(self) -> dict[str, Any]:
        """Datasketch's Redis storage under this index's prefix."""
        return {
            "type": "redis",
            "basename": f"{self.prefix}:lsh".encode(),
            "redis": dict(self.params),
            "redis_buffer": {"transaction": True},
        }

    def check_lsh_params(self, bands: int, rows: int) -> None:
        """Pin the band layout: stored buckets are only valid for the layout that made them."""
        self._check_meta("lsh", f"bands={bands},rows={rows}")

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
        return f"{self.prefix}:path:{path}"

    def _path_units(self, path: str) -> str:
        return f"{self.prefix}:pathunits:{path}"

    def paths(self) -> set[str]:
        """Return the files that stored entries or units name."""
        return {p.decode() for p in self._redis.smembers(self._paths)}

    def keys_of_paths(self, paths: Iterable[str]) -> set[str]:
        """Return the keys of the stored entries that name one of ``paths``."""
        names = [self._path_keys(p) for p in sorted(set(paths))]
        return {k.decode() for k in self._redis.sunion(names)} if names else set()

    def units_of_paths(self, paths: Iterable[str]) -> dict[str, set[str]]:
        """Return, per site, the stored units that name one of ``paths``."""
        names = [self._path_units(p) for p in sorted(set(paths))]
        found: dict[str, set[str]] = {}
        for member in self._redis.sunion(names) if names else ():
            site, unit = json.loads(member)
            found.setdefault(site, set()).add(unit)
        return found

    def _units_key(self, site: str) -> str:
        return f"{self.prefix}:units:{site}"

    def _counts_key(self, site: str) -> str:
        return f"{self.prefix}:paragraphs:{site}"

    def paragraph_units(self, site: str) -> dict[str, set[int]]:
        """Return the stored units of ``site`` and their paragraph-hash sets."""
        stored = self._redis.hgetall(self._units_key(site))
        return {unit.decode(): _hashes_from_bytes(blob) for unit, blob in stored.items()}

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
        self._forget(pipe, set(forget_entries), set(forget_units))
        for entry in entries:
            pipe.hset(
                self._signatures, entry.key, _signature_to_bytes(entry.signature, self.scheme)
            )
            info = {"created": entry.created, "length": entry.length, "path": entry.path}
            pipe.hset(self._info, entry.key, json.dumps(info))
            if entry.path is not None:
                pipe.sadd(self._paths, entry.path)
                pipe.sadd(self._path_keys(entry.path), entry.key)
        for site, units in paragraphs.items():
            names = sorted(units)
            if not names:
                continue
            stored = self._redis.hmget(self._units_key(site), names)
            for name, blob in zip(names, stored, strict=True):
                unit = units[name]
                old = _hashes_from_bytes(blob) if blob is not None else set()
                added = unit.hashes - old
                if blob is not None and not added:
                    continue
                pipe.hset(self._units_key(site), name, _hashes_to_bytes(old | unit.hashes))
                for value in sorted(added):
                    pipe.hincrby(self._counts_key(site), str(value), 1)
                if unit.path is not None:
                    pipe.sadd(self._paths, unit.path)
                    pipe.sadd(self._path_units(unit.path), json.dumps([site, name]))
        pipe.execute()

    def _forget(self, pipe: Any, entry_paths: set[str], unit_paths: set[str]) -> None:
        """Queue on ``pipe`` the removal of the entries of ``entry_paths`` and the units of
        ``unit_paths``.
        """
        for key in sorted(self.keys_of_paths(entry_paths)):
            pipe.hdel(self._signatures, key)
            pipe.hdel(self._info, key)
        for site, names in self.units_of_paths(unit_paths).items():
            blobs = self._redis.hmget(self._units_key(site), sorted(names))
            for blob in blobs:
                for value in sorted(_hashes_from_bytes(blob) if blob is not None else ()):
                    pipe.hincrby(self._counts_key(site), str(value), -1)
            pipe.hdel(self._units_key(site), *sorted(names))
        for path in sorted(entry_paths):
            pipe.delete(self._path_keys(path))
        for path in sorted(unit_paths):
            pipe.delete(self._path_units(path))
        # A path stays listed while the other kind still names it; write() lists it again
        # when it adds to it.
        for path in sorted(entry_paths & unit_paths):
            pipe.srem(self._paths, path)

    def close(self) -> None:
        """Close the connection pool."""
        self._redis.close()
