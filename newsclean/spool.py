"""The spool: cleaned drafts on disk between the clean and apply stages of a run.

Corpus decisions need every article's sketch before any record can be written, so the drafts
wait on disk rather than in memory: each process appends what it cleans to its own shard and
keeps only where each entry starts. The apply stage reads the entries back in input order.

Shards are anonymous files (``O_TMPFILE``, Linux) in the folder of the output, where there is
room for the output anyway: they have no name, so however the run ends, even by SIGKILL,
nothing is left behind. The parent opens each worker's shard through ``/proc`` as soon as it
hears of it, and keeps it open until the run ends. Where the system has no anonymous files,
shards are named files in a hidden spool folder, removed when the run ends; one left by a
killed run is removed by the next run that spools in the same folder.

A *shared* spool (``Spool(beside, shared=True)``) always has named shards, so processes that
are not children of the run, on this machine or on others that see the folder (shared
storage), write and read them: a Dask engine's workers. A spool pickled to such a process
opens the shards with descriptors of its own and leaves the folder to the run that made it.

Entries are pickles of our own objects, written and read by the same run: a spool is never
read from anywhere else.
"""

from __future__ import annotations

import os
import pickle
import re
import secrets
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from newsclean.io import writers
from newsclean.io.writers import HOST_TAG, process_alive

_PREFIX = ".newsclean-spool-"


@dataclass(frozen=True)
class Entry:
    """Where one spooled object is: its shard, offset and length."""

    shard: str
    offset: int
    length: int


class ShardWriter:
    """Appends pickled objects to one shard of a spool (one per process)."""

    def __init__(self, folder: str, named: bool) -> None:
        if named:
            self.name = f"shard-{os.getpid()}-{secrets.token_hex(4)}"
            self._fd = os.open(os.path.join(folder, self.name),
                               os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        else:
            self._fd = os.open(folder, writers.O_TMPFILE | os.O_WRONLY, 0o600)
            self.name = f"/proc/{os.getpid()}/fd/{self._fd}"
        self._folder = folder
        self._offset = 0

    def append(self, value: Any) -> Entry:
        """Write ``value``; return where it is."""
        data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
        view = memoryview(data)
        try:
            while view:
                view = view[os.write(self._fd, view) :]
        except OSError as exc:
            # Named by its folder: the disk that filled up may not be the output's (standard
            # output spools in the temporary folder).
            raise writers.OutputError(self._folder, exc.strerror or str(exc)) from None
        entry = Entry(self.name, self._offset, len(data))
        self._offset += len(data)
        return entry

    def close(self) -> None:
        """Close the shard (an anonymous one lives on while a reader holds it open)."""
        os.close(self._fd)


class Spool:
    """The spool of one run: a context manager that releases it on the way out.

    ``beside`` is the output the spool goes beside (``None`` or ``-``: the system's
    temporary folder). ``shared``: named shards, for processes on other machines (see the
    module docstring).
    """

    def __init__(self, beside: str | Path | None = None, *, shared: bool = False) -> None:
        self.parent = _parent_folder(beside)
        # Anonymous shards need no folder of their own; named ones go in a hidden one.
        self.folder = self.parent
        self._named = shared or not writers.O_TMPFILE or not _anonymous_files_work(self.parent)
        if self._named:
            _sweep_stale(self.parent)
            self.folder = tempfile.mkdtemp(prefix=f"{_PREFIX}{HOST_TAG}-{os.getpid()}-",
                                           dir=self.parent)
        self._readers: dict[str, int] = {}
        self._owner = True

    def __getstate__(self) -> dict[str, Any]:
        # Descriptors are this process's own, and the folder is the maker's to remove.
        return {**self.__dict__, "_readers": {}, "_owner": False}

    def __enter__(self) -> Spool:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def writer(self) -> ShardWriter:
        """A new shard of this spool, for the calling process."""
        return ShardWriter(self.folder, self._named)

    def attach(self, shard: str) -> None:
        """Open ``shard`` for reading now, while the process writing it is alive (an
        anonymous shard can only be opened through its writer's file descriptor).
        """
        if shard not in self._readers:
            path = shard if shard.startswith("/proc/") else os.path.join(self.folder, shard)
            self._readers[shard] = os.open(path, os.O_RDONLY)

    def read(self, entry: Entry) -> Any:
        """The object stored at ``entry``."""
        self.attach(entry.shard)
        data = os.pread(self._readers[entry.shard], entry.length, entry.offset)
        return pickle.loads(data)

    def close(self) -> None:
        """Release every shard; a named spool's folder is removed (by the spool that made it,
        not by a copy sent to another process).
        """
        for fd in self._readers.values():
            os.close(fd)
        self._readers.clear()
        if self._named and self._owner:
            shutil.rmtree(self.folder, ignore_errors=True)


def _anonymous_files_work(folder: str) -> bool:
    """Whether this folder's file system makes anonymous files (not every one does)."""
    try:
        os.close(os.open(folder, writers.O_TMPFILE | os.O_WRONLY, 0o600))
    except OSError:
        return False
    return True


def _parent_folder(beside: str | Path | None) -> str:
    """The folder of the output ``beside`` (a file that may not exist yet), or the system's
    temporary folder for standard output or none.
    """
    if beside is None or str(beside) == "-":
        return tempfile.gettempdir()
    return os.path.dirname(os.path.realpath(beside))


def _sweep_stale(parent: str) -> None:
    """Remove spool folders of this machine whose process is gone (a killed run's)."""
    pattern = re.compile(rf"{re.escape(_PREFIX)}{re.escape(HOST_TAG)}-(\d+)-\w+")
    try:
        names = os.listdir(parent)
    except OSError:
        return
    for name in names:
        found = pattern.fullmatch(name)
        if found is not None and not process_alive(int(found.group(1))):
            shutil.rmtree(os.path.join(parent, name), ignore_errors=True)
