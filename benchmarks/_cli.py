"""What the benchmark scripts share: where the repository and the bench data are, and how to
call the newsclean command line."""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from pathlib import Path
from typing import NamedTuple

REPO = Path(__file__).resolve().parents[1]
DEFAULT_BENCH = REPO.parent / "shared" / "bench"


def newsclean_command() -> list[str]:
    """The installed console script, or its entry point run with this Python."""
    found = shutil.which("newsclean")
    if found:
        return [found]
    return [sys.executable, "-c", "from newsclean.cli import main; main()"]


def bench_parser(description: str) -> argparse.ArgumentParser:
    """An argument parser with the ``--bench`` option every benchmark script takes."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument(
        "--bench",
        type=Path,
        default=DEFAULT_BENCH,
        help=f"the shared bench folder (default: {DEFAULT_BENCH})",
    )
    return parser


# Run as a separate process around the command, so the rusage of its children is the
# command's alone (and what it waited for), whatever ran before in the benchmark.
_MEASURE = """
import resource, subprocess, sys, time
start = time.perf_counter()
subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL)
wall = time.perf_counter() - start
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
print(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss)
"""


class Timing(NamedTuple):
    """One measured command."""

    seconds: float  # wall
    cpu: float  # user + system, the command and what it waited for
    peak_kib: int  # Linux ``ru_maxrss`` units


def timed_command(command: list[str]) -> Timing:
    """Run ``command`` under the measuring wrapper; exit with its error output if it fails."""
    done = subprocess.run(
        [sys.executable, "-c", _MEASURE, *command], capture_output=True, text=True
    )
    if done.returncode != 0:
        sys.exit(f"failed ({done.returncode}): {' '.join(command)}\n{done.stderr[-3000:]}")
    seconds, cpu, peak = done.stdout.split()
    return Timing(float(seconds), float(cpu), int(peak))
