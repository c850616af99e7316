"""Time and peak memory of ``newsclean run`` on one huge paragraph (a file with no newline).

    python benchmarks/large_input.py [--bench DIR] [--sizes 1 4 16] [--seed 1]

For each size (MiB), writes one file of that many bytes of words drawn from the bench's
``extraction-dev`` truths with no line break at all, the worst case for a per-paragraph
pipeline, and runs the installed ``newsclean run -q`` on it once (with the measuring wrapper of
``throughput.py``). Prints wall seconds, CPU seconds (user + system) and CPU seconds per MiB,
whose steadiness shows the cost is linear in the size (the machine's other load moves CPU time
less than wall time), MB/s, the peak RSS, and the peak RSS over the input size: what the
``--max-bytes`` limit (64 MiB by default) bounds memory to.
"""

from __future__ import annotations

import random
import tempfile
from pathlib import Path

from _cli import bench_parser  # sibling modules: scripts run from this folder
from throughput import timed_run


def one_line_file(bench: Path, out: Path, size: int, seed: int) -> Path:
    """``size`` bytes of space-separated words, no newline."""
    truths = sorted((bench / "extraction-dev" / "truth").iterdir())
    words = " ".join(p.read_text(encoding="utf-8") for p in truths).split()
    rng = random.Random(seed)
    chunks, length = [], 0
    while length < size:
        word = rng.choice(words)
        chunks.append(word)
        length += len(word.encode("utf-8")) + 1
    # Cut by bytes, not characters: the file must not pass a --max-bytes of the same size.
    data = " ".join(chunks).encode("utf-8")[:size]
    out.write_bytes(data.decode("utf-8", errors="ignore").encode("utf-8"))
    return out


def main() -> None:
    parser = bench_parser(__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1, 4, 16], help="MiB each")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    print("size MiB  seconds  CPU s  CPU s/MiB   MB/s  peak RSS MB  RSS / input")
    with tempfile.TemporaryDirectory() as tmp:
        for mib in args.sizes:
            source = Path(tmp) / f"line-{mib}.txt"
            one_line_file(args.bench, source, mib * 2**20, args.seed)
            timing = timed_run(source, Path(tmp) / "out.jsonl", jobs=1)
            peak_mb = timing.peak_kib / 1024
            print(
                f"{mib:8d} {timing.seconds:8.1f} {timing.cpu:6.1f} {timing.cpu / mib:10.2f}"
                f" {mib * 2**20 / 1e6 / timing.seconds:6.2f} {peak_mb:12.0f}"
                f" {peak_mb / mib:11.1f}x",
                flush=True,
            )


if __name__ == "__main__":
    main()
