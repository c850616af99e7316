"""What the benchmark scripts share: where the repository and the bench data are, and how to
call the newsclean command line."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEFAULT_BENCH = REPO.parent / "shared" / "bench"


def newsclean_command() -> list[str]:
    """The installed console script, or its entry point run with this Python."""
    found = shutil.which("newsclean")
    if found:
        return [found]
    return [sys.executable, "-c", "from newsclean.cli import main; main()"]
