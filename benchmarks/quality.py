"""Cleaning quality on the shared dev sets, measured through the installed ``newsclean`` CLI.

    python benchmarks/quality.py [--bench DIR] [--keep DIR]

Runs ``newsclean run -q`` over ``extraction-dev/input`` and ``scrapes-dev/input`` (under
``--bench``, default ``../shared/bench`` next to the repository), writes the records to a
temporary folder, scores them with the bench's own scorers (``score_extraction.py`` and
``score_scrapes.py``, both with ``--quiet``) and prints each scorer's SUMMARY line with the
wall time of the ``newsclean run`` that produced it. Exits 1 if a run or a scorer fails.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _cli import DEFAULT_BENCH, newsclean_command  # sibling module: scripts run from this folder


def clean(inputs: Path, output: Path) -> float:
    """Run ``newsclean run -q INPUTS -o OUTPUT``; return the wall time in seconds."""
    start = time.perf_counter()
    done = subprocess.run([*newsclean_command(), "run", str(inputs), "-o", str(output), "-q"])
    elapsed = time.perf_counter() - start
    # Exit 1 means some inputs were skipped (named on stderr); the rest are still scored.
    if done.returncode not in (0, 1):
        sys.exit(f"newsclean run {inputs} failed with exit code {done.returncode}")
    return elapsed


def summary(command: list[str], cwd: Path) -> str:
    """Run a scorer and return its last line (the one-line summary)."""
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True)
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines:
        sys.stderr.write(done.stdout + done.stderr)
        sys.exit(f"scorer failed: {' '.join(command)}")
    return lines[-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bench", type=Path, default=DEFAULT_BENCH,
                        help=f"the shared bench folder (default: {DEFAULT_BENCH})")
    parser.add_argument("--keep", type=Path, default=None,
                        help="write the JSONL outputs here instead of a temporary folder")
    args = parser.parse_args()
    bench = args.bench.resolve()
    if not (bench / "extraction-dev").is_dir() or not (bench / "scrapes-dev").is_dir():
        sys.exit(f"{bench}: no extraction-dev/ and scrapes-dev/ here; pass --bench DIR")

    with tempfile.TemporaryDirectory() as temp:
        out = args.keep or Path(temp)
        out.mkdir(parents=True, exist_ok=True)

        extraction_out = out / "extraction-dev.jsonl"
        seconds = clean(bench / "extraction-dev" / "input", extraction_out)
        line = summary(
            [sys.executable, "score_extraction.py", str(extraction_out), "extraction-dev/truth",
             "--quiet"],
            bench,
        )
        print(f"extraction-dev ({seconds:.1f} s): {line}")

        scrapes_out = out / "scrapes-dev.jsonl"
        seconds = clean(bench / "scrapes-dev" / "input", scrapes_out)
        line = summary(
            [sys.executable, "score_scrapes.py", "scrapes-dev", str(scrapes_out), "--quiet"],
            bench,
        )
        print(f"scrapes-dev ({seconds:.1f} s): {line}")


if __name__ == "__main__":
    main()
