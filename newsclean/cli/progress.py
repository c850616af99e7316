"""Progress on stderr while a run goes."""

from __future__ import annotations

import sys

import click


class Progress:
    """A one-line document counter on stderr, only when stderr is a terminal."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled and sys.stderr.isatty()
        self.count = 0

    def __call__(self, source: str) -> None:
        """Count one document."""
        self.count += 1
        if self.enabled and (self.count < 100 or self.count % 50 == 0):
            click.echo(f"\rcleaning: {self.count} documents", err=True, nl=False)

    def done(self) -> None:
        """End the line."""
        if self.enabled:
            click.echo(f"\rcleaning: {self.count} documents", err=True)
