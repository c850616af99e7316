"""A small corpus for the report tests, and reading a report's data back.

Beside the seed scrapes: a scrape holding markup that would run if the report ever rendered
input as HTML, two near-duplicate stories that differ in one sentence, and a JSONL file with
one broken line (a failure the report lists).
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

from conftest import BUDGET_STORY, SEEDS

# Each would mark the page if it ran: the test asserts the marks are absent.
HOSTILE_SCRIPT = (
    "</script><script>document.title='pwned';"
    "document.documentElement.setAttribute('data-pwned','script')</script>"
)
HOSTILE_IMG = "<img src=x onerror=\"document.documentElement.setAttribute('data-pwned','img')\">"
# A line the links step removes (a bare URL), with the reason it gives.
REMOVED_URL = "https://example.com/news/cycle-lanes-approved"
_HOSTILE_PARAGRAPHS = [
    "A council meeting on Tuesday approved the new cycle lanes for the harbour district "
    "after a long debate about parking.",
    HOSTILE_SCRIPT,
    REMOVED_URL,
    f"Residents said the plan {HOSTILE_IMG} would make the streets safer for children "
    "walking to school.",
    "The works are expected to start in the spring and to last about six months, the "
    "council said in a statement.",
]
HOSTILE = "\n\n".join(_HOSTILE_PARAGRAPHS) + "\n"

_STORY = [
    "The regional water board said on Monday that the reservoir above the valley had reached "
    "its lowest level in thirty years after a dry winter and an early, hot spring.",
    "Engineers have started to release less water downstream, and farmers in the lower valley "
    "were told to expect cuts to their irrigation quotas from the first week of June.",
    "The board's chair told reporters that the cuts would be reviewed every fortnight and lifted "
    "as soon as the inflow from the mountains returned to its usual volume.",
    "Environmental groups welcomed the decision but warned that the river's fish would suffer "
    "if the flow below the dam fell under the minimum set by the licence.",
    "Several towns have already banned the watering of gardens and the filling of private "
    "swimming pools until the end of the summer.",
    "The board will publish the reservoir's level on its website every morning, and a public "
    "meeting on the plan is to be held in the town hall next Thursday evening.",
]
CHANGED_SENTENCE = (
    "Two towns said they would truck in water from the coast if the shortage lasted beyond August."
)
NEAR_DUPLICATE_A = "\n\n".join(_STORY) + "\n"
NEAR_DUPLICATE_B = "\n\n".join([*_STORY[:4], CHANGED_SENTENCE, *_STORY[5:]]) + "\n"
BROKEN_LINE = 2


def write_corpus(folder: Path) -> Path:
    """Write the corpus into ``folder`` (made if missing) and return it."""
    folder.mkdir(parents=True, exist_ok=True)
    for seed in sorted(SEEDS.glob("*.txt")):
        shutil.copy(seed, folder / seed.name)
    (folder / "hostile.txt").write_text(HOSTILE, encoding="utf-8")
    (folder / "water-a.txt").write_text(NEAR_DUPLICATE_A, encoding="utf-8")
    (folder / "water-b.txt").write_text(NEAR_DUPLICATE_B, encoding="utf-8")
    good = {"id": "wire-1", "text": "\n\n".join(BUDGET_STORY)}
    (folder / "wire.jsonl").write_text(json.dumps(good) + "\n{not json\n", encoding="utf-8")
    return folder


_BLOCK = re.compile(
    r'<script type="application/json" id="nc-(documents|summary)">(.*?)</script>', re.DOTALL
)


def report_data(html: str) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The documents and the summary a report's page embeds."""
    blocks = {name: json.loads(text) for name, text in _BLOCK.findall(html)}
    return blocks["documents"], blocks["summary"]
