"""What the corpus steps that keep a near-duplicate index share: opening it and committing it.

A run opens the index in :meth:`IndexedStep.run_corpus` and stages its additions there; they
reach the store only when the pipeline calls :meth:`IndexedStep.commit`, after the run's output
is written, or are dropped by :meth:`IndexedStep.discard`.
"""

from __future__ import annotations

from pathlib import Path

from newsclean.dedup.index import NearDuplicateIndex, resolve_index
from newsclean.dedup.minhash import SignatureScheme
from newsclean.steps.base import CorpusStep


class IndexedStep(CorpusStep):
    """A corpus step with an ``index`` option (a path, ``redis://`` URL, open index or
    ``None``); subclasses set ``index``, ``scheme`` and ``threshold`` and call
    :meth:`open_index` once per run. ``root_fallback`` is the folder an index that follows
    files names them from when they are in no git work tree (the CLI passes the config
    file's folder; see :func:`~newsclean.dedup.index.find_files_root`).
    """

    def __init__(
        self,
        index: str | Path | NearDuplicateIndex | None,
        scheme: SignatureScheme,
        threshold: float,
        root_fallback: str | Path | None = None,
    ) -> None:
        self.index = index
        self.root_fallback = root_fallback
        self.scheme = scheme
        self.threshold = threshold
        # Indexes opened by runs not yet committed or discarded, and whether we opened them.
        self._held: list[tuple[NearDuplicateIndex, bool]] = []

    def open_index(self) -> NearDuplicateIndex | None:
        """The index for this run, held until :meth:`commit` or :meth:`discard`."""
        index, owned = resolve_index(
            self.index, self.scheme, self.threshold, root_fallback=self.root_fallback
        )
        if index is not None:
            self._held.append((index, owned))
        return index

    def _release(self) -> list[tuple[NearDuplicateIndex, bool]]:
        held, self._held = self._held, []
        return held

    def commit(self) -> None:
        """Write what the runs since the last commit staged, then close what was opened."""
        held = self._release()
        try:
            for index, _ in held:
                index.commit()
        finally:
            _close(held)

    def discard(self) -> None:
        """Drop what was staged and close what was opened."""
        held = self._release()
        for index, _ in held:
            index.rollback()
        _close(held)


def _close(held: list[tuple[NearDuplicateIndex, bool]]) -> None:
    for index, owned in held:
        if owned:
            try:
                index.close()
            except Exception:  # closing must not hide the run's own outcome
                pass
