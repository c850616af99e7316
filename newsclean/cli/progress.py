"""Progress bars on stderr while a command goes: what it counts, its total once known, its rate
and, with a total, the time left. Drawn by tqdm, and only where someone watches: when stderr is
a terminal and ``-q`` was not given (a log file or a pipe gets no bar, and so no carriage
returns).
"""

from __future__ import annotations

import sys
from typing import TextIO


def wanted(quiet: bool, stream: TextIO | None = None) -> bool:
    """Whether to draw bars: not ``quiet``, and ``stream`` (stderr) is a terminal."""
    stream = sys.stderr if stream is None else stream
    try:
        return not quiet and stream.isatty()
    except (AttributeError, ValueError):  # no isatty, or a closed stream: nobody watches
        return False


class Bar:
    """One phase's bar: ``desc: N unit [elapsed, rate]``, or with a total ``desc: P% |...| N/T
    [elapsed<left, rate]``. Does nothing when not enabled. The final state stays on screen
    when it ends (:meth:`close`).
    """

    def __init__(self, enabled: bool, desc: str, unit: str, total: int | None = None) -> None:
        self._bar = None
        if enabled:
            from tqdm import tqdm  # loaded only where a bar is drawn (start-up time)

            self._bar = tqdm(total=total, desc=desc, unit=f" {unit}", file=sys.stderr,
                             leave=True, dynamic_ncols=True, mininterval=0.2, smoothing=0.1)

    def update(self, count: int = 1) -> None:
        """Count ``count`` more."""
        if self._bar is not None:
            self._bar.update(count)

    def to(self, count: int) -> None:
        """Set the count to ``count`` (a phase counted elsewhere, such as in ``RunStats``)."""
        if self._bar is not None and count > self._bar.n:
            self._bar.update(count - self._bar.n)

    def total(self, total: int) -> None:
        """The total, once it is known."""
        if self._bar is not None:
            self._bar.total = total
            self._bar.refresh()

    def close(self) -> None:
        """End the phase; its last state stays on its own line."""
        if self._bar is not None:
            self._bar.close()
            self._bar = None


class RunProgress:
    """The bars of ``newsclean run``: walking the inputs, cleaning, linking (the corpus steps
    over the sketches) and applying (records written), one after the other.
    """

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self._bar = Bar(False, "", "")
        self._stage = ""

    def walking(self) -> Bar:
        """The walk's bar: files found (their number is not known before)."""
        self._switch("walk", "walking", "files")
        return self._bar

    def cleaning(self, total: int | None, unit: str) -> Bar:
        """The clean stage's bar: ``total`` (files, when each is one document) or a count."""
        self._switch("clean", "cleaning", unit, total)
        return self._bar

    def stage(self, name: str, total: int) -> None:
        """A stage of the run begins (``link``, ``apply``), of ``total`` articles or
        documents; what ``RunStats.on_stage`` is told.
        """
        if name == "link":
            self._switch(name, "linking", "articles", total)
        elif name == "apply":
            self._switch(name, "writing", "documents", total)

    @property
    def current(self) -> Bar:
        """The bar of the stage under way."""
        return self._bar

    @property
    def stage_name(self) -> str:
        """The stage under way: ``walk``, ``clean``, ``link``, ``apply`` or empty."""
        return self._stage

    def _switch(self, stage: str, desc: str = "", unit: str = "",
                total: int | None = None) -> None:
        if self._stage == "link":
            self._bar.to(self._bar_total())  # the link stage is one step: done as a whole
        # The bar before ends first: two bars open at once would be drawn on two lines.
        self._bar.close()
        self._bar = Bar(self.enabled and bool(stage), desc, unit, total)
        self._stage = stage

    def _bar_total(self) -> int:
        bar = self._bar._bar  # noqa: SLF001 (our own bar)
        return int(bar.total or 0) if bar is not None else 0

    def close(self) -> None:
        """End the last bar."""
        self._switch("")
