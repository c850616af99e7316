"""Rewrite the golden records of the seed scrapes (run by hand after an intended change).

    python tests/regenerate_golden.py

For every ``fixtures/seeds/<name>.txt`` it writes ``fixtures/expected/<name>.jsonl``: the
records of ``newsclean.clean(text, source="fixtures/seeds/<name>.txt")``, one JSON object per
line. Review the diff (``git diff fixtures/expected``) before committing it.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "fixtures" / "seeds"
EXPECTED = ROOT / "fixtures" / "expected"


def seed_source(path: Path) -> str:
    """The ``source`` the golden records carry: the seed's path relative to the repo root."""
    return path.relative_to(ROOT).as_posix()


def golden_lines(path: Path) -> list[str]:
    """The JSONL lines the current code gives for one seed file."""
    import newsclean

    text = path.read_text(encoding="utf-8")
    return [record.to_json() for record in newsclean.clean(text, source=seed_source(path))]


def main() -> int:
    EXPECTED.mkdir(parents=True, exist_ok=True)
    for seed in sorted(SEEDS.glob("*.txt")):
        target = EXPECTED / f"{seed.stem}.jsonl"
        lines = golden_lines(seed)
        target.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
        print(f"{target.relative_to(ROOT)}: {len(lines)} record(s)")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.exit(main())
