"""Cleaning quality on the shared dev sets, measured through the installed ``newsclean`` CLI.

    python benchmarks/quality.py [--bench DIR] [--keep DIR]

Runs ``newsclean run -q`` over ``extraction-dev/input``, ``extraction-dev2/input`` and
``scrapes-dev/input`` (under ``--bench``, default ``../shared/bench`` next to the repository),
writes the records to a temporary folder, scores them with the bench's own scorers
(``score_extraction.py``, ``score_metadata.py`` and ``score_scrapes.py``, with ``--quiet``) and
prints each scorer's SUMMARY line with the wall time of the ``newsclean run`` that produced it.
extraction-dev2 is also scored per half (its ``aed_`` and ``rd_`` pages come from different
sources, and a rule is kept only if it helps both). Exits 1 if a run or a scorer fails.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _cli import bench_parser, newsclean_command  # sibling module: scripts run from this folder


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


def mean_f1_by_prefix(per_page: Path) -> dict[str, float]:
    """Mean F1 of the pages of each prefix (the text before the first ``_``) in a per-page TSV."""
    by_prefix: dict[str, list[float]] = {}
    for row in per_page.read_text(encoding="utf-8").splitlines()[1:]:
        name, _precision, _recall, f1 = row.split("\t")
        by_prefix.setdefault(name.split("_", 1)[0], []).append(float(f1))
    return {prefix: statistics.fmean(values) for prefix, values in sorted(by_prefix.items())}


def half_of(records: Path, meta: Path, prefix: str, out: Path) -> tuple[Path, Path]:
    """The records and the gold metadata of the pages whose name starts with ``prefix``, copied
    under ``out`` so that the metadata scorer counts those pages only."""
    half_meta = out / f"meta.{prefix}"
    half_meta.mkdir(exist_ok=True)
    for gold in meta.glob(f"{prefix}*.json"):
        (half_meta / gold.name).write_bytes(gold.read_bytes())
    half_records = out / f"records.{prefix}jsonl"
    with records.open(encoding="utf-8") as lines, half_records.open("w", encoding="utf-8") as copy:
        for line in lines:
            if Path(json.loads(line)["source"]).name.startswith(prefix):
                copy.write(line)
    return half_records, half_meta


def main() -> None:
    parser = bench_parser(__doc__.splitlines()[0])
    parser.add_argument(
        "--keep",
        type=Path,
        default=None,
        help="write the JSONL outputs here instead of a temporary folder",
    )
    args = parser.parse_args()
    bench = args.bench.resolve()
    sets = ("extraction-dev", "extraction-dev2", "scrapes-dev")
    if not all((bench / name).is_dir() for name in sets):
        sys.exit(f"{bench}: no {', '.join(sets)} here; pass --bench DIR")

    with tempfile.TemporaryDirectory() as temp:
        out = args.keep or Path(temp)
        out.mkdir(parents=True, exist_ok=True)

        def score_extraction(name: str, per_page: Path | None = None) -> Path:
            """Clean ``name``'s inputs, print the extraction scorer's summary; the records."""
            records = out / f"{name}.jsonl"
            seconds = clean(bench / name / "input", records)
            pages = ["--per-page", str(per_page)] if per_page else []
            command = [sys.executable, "score_extraction.py", str(records), f"{name}/truth"]
            print(f"{name} ({seconds:.1f} s): {summary([*command, *pages, '--quiet'], bench)}")
            return records

        score_extraction("extraction-dev")
        per_page = out / "extraction-dev2.pages.tsv"
        records = score_extraction("extraction-dev2", per_page)
        halves = " ".join(f"{p}_F1={f1:.3f}" for p, f1 in mean_f1_by_prefix(per_page).items())
        print(f"extraction-dev2 by half: {halves}")
        gold = bench / "extraction-dev2" / "meta"
        for prefix in ("", "aed_", "rd_"):  # all pages, then each half
            pages, pages_gold = half_of(records, gold, prefix, out) if prefix else (records, gold)
            command = [sys.executable, "score_metadata.py", str(pages), str(pages_gold), "--quiet"]
            print(f"extraction-dev2 metadata {prefix or 'all'}: {summary(command, bench)}")

        scrapes_out = out / "scrapes-dev.jsonl"
        seconds = clean(bench / "scrapes-dev" / "input", scrapes_out)
        line = summary(
            [sys.executable, "score_scrapes.py", "scrapes-dev", str(scrapes_out), "--quiet"],
            bench,
        )
        print(f"scrapes-dev ({seconds:.1f} s): {line}")


if __name__ == "__main__":
    main()
