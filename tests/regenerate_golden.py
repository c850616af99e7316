"""Rewrite the golden records of the seed scrapes (run by hand after an intended change).

    python tests/regenerate_golden.py

For every ``fixtures/seeds/<name>.txt`` it writes ``fixtures/expected/<name>.jsonl``: the
records of ``newsclean.clean(text, source="<name>.txt", added=ADDED)``, one JSON object per
line, as ``newsclean run fixtures/seeds --removed full --added ADDED`` writes them. Review the
diff (``git diff fixtures/expected``) before committing it.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "fixtures" / "seeds"
EXPECTED = ROOT / "fixtures" / "expected"


# A fixed 'added' time: the golden records are the same bytes on every run.
ADDED = "2025-01-01T00:00:00Z"


def seed_source(path: Path) -> str:
    """The ``source`` the golden records carry: the seed's path relative to the seeds folder,
    as a run over that folder names it.
    """
    return path.relative_to(SEEDS).as_posix()


def golden_lines(path: Path) -> list[str]:
    """The JSONL lines the current code gives for one seed file."""
    import newsclean

    text = path.read_text(encoding="utf-8")
    records = newsclean.clean(text, source=seed_source(path), added=ADDED)
    return [record.to_json() for record in records]


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
