"""The five seed scrapes: golden records, plus explicit checks from the issues that do not
depend on the golden files.

Regenerate the golden files after an intended change with ``python tests/regenerate_golden.py``
and review the diff.
"""

import difflib
import json
import re

import pytest
from conftest import EXPECTED, SEEDS
from regenerate_golden import golden_lines, seed_source

import newsclean

SEED_FILES = sorted(SEEDS.glob("*.txt"))


def seed(prefix):
    (path,) = [p for p in SEED_FILES if p.name.startswith(prefix)]
    return path


def clean_seed(prefix):
    path = seed(prefix)
    text = path.read_text(encoding="utf-8")
    return text, newsclean.clean(text, source=seed_source(path))


def paragraphs(record):
    return record.text.split("\n\n")


def squash(text):
    return " ".join(text.split())


# --- golden -----------------------------------------------------------------------------------

def test_five_seeds_present():
    assert len(SEED_FILES) == 5


@pytest.mark.parametrize("path", SEED_FILES, ids=lambda p: p.stem[:3])
def test_golden(path):
    expected_file = EXPECTED / f"{path.stem}.jsonl"
    assert expected_file.exists(), "run `python tests/regenerate_golden.py`"
    expected = expected_file.read_text(encoding="utf-8").splitlines()
    actual = golden_lines(path)
    if actual != expected:
        def pretty(lines):
            return [row for line in lines
                    for row in json.dumps(json.loads(line), ensure_ascii=False,
                                          indent=1).splitlines()]
        diff = "\n".join(difflib.unified_diff(
            pretty(expected), pretty(actual), "expected", "actual", lineterm="", n=2))
        pytest.fail(f"{path.name} differs from {expected_file.name} (if intended, run "
                    f"`python tests/regenerate_golden.py`):\n{diff[:6000]}")


# --- 000: hard-wrapped, URLs, related line ------------------------------------------------

def test_000_unwrapped_links_related_and_verbatim_paragraphs():
    text, records = clean_seed("000")
    (record,) = records
    # no line breaks inside paragraphs
    assert all("\n" not in p for p in paragraphs(record))
    assert "\n\n\n" not in record.text
    assert record.metadata["links"] == [
        "http://kremlin.ru/events/president/news/77914",
        "https://www.themoscowtimes.com/2025/11/13/"
        "in-photos-putin-attends-sco-summit-military-parade-in-china-this-week",
    ]
    assert "Related article" not in record.text
    assert "http" not in record.text
    # every article paragraph of the input, unwrapped, is kept verbatim and in order
    chunks = [squash(c) for c in re.split(r"\n\s*\n", text) if c.strip()]
    article = [c for c in chunks if not c.startswith(("http", "Related article"))]
    assert paragraphs(record) == article
    for sentence in [
        "Speaking at a moonlit press conference in Beijing after attending a Chinese military "
        "parade marking 80 years since Japan’s surrender in World War II, Putin struck his "
        "familiar tone of defiance mixed with guarded flexibility.",
        "The events brought together more than two dozen heads of state, a motley crew of "
        "countries that have challenged or questioned U.S. dominance in global affairs.",
        "“The U.S. president is not without a sense of humor,” Putin said when asked to comment "
        "on Trump’s accusation, adding that, in Beijing, “nobody expressed negative views about "
        "the current American administration.”",
    ]:
        assert sentence in paragraphs(record)


# --- 001: credit, Moscow Times appeal -----------------------------------------------------

def test_001_ends_at_dialogue_partners_credit_and_appeal_gone():
    text, records = clean_seed("001")
    (record,) = records
    assert record.text.endswith("“dialogue partners.”")
    assert record.metadata["credits"] == ["AFP contributed reporting."]
    lines = text.splitlines()
    start = lines.index("A Message from The Moscow Times:")
    end = lines.index("Remind me later.")
    appeal = [line.strip() for line in lines[start : end + 1] if line.strip()]
    assert len(appeal) >= 8
    for line in appeal:
        assert line not in record.text
    assert "Moscow Times" not in record.text
    # the article lines before the credit are all kept, in order
    article = lines[: lines.index("AFP contributed reporting.")]
    assert paragraphs(record) == [line.strip() for line in article if line.strip()]


# --- 002: transcript ------------------------------------------------------------------------

SPEAKER = re.compile(r"^[A-Z]\. ?[A-Z][\w’'-]+:", re.M)


def test_002_created_and_full_transcript_kept():
    text, records = clean_seed("002")
    (record,) = records
    assert record.created == "2025-09-03"
    assert "date 2025-09-03" not in record.text
    welcome_in = sum(1 for line in text.splitlines() if line.strip() == "You are welcome.")
    welcome_out = sum(1 for p in paragraphs(record) if p == "You are welcome.")
    assert welcome_in == welcome_out >= 9
    labels_in = SPEAKER.findall(text.split("date 2025-09-03", 1)[1])
    labels_out = SPEAKER.findall(record.text)
    assert len(labels_in) >= 40
    assert labels_out == labels_in
    assert "V. Putin: Good evening!" in paragraphs(record)
    # nothing but the date prefix was removed
    assert [r.step for r in record.removed] == ["date_prefix"]


# --- 003: date, flattened Independent appeal --------------------------------------------------

def test_003_created_and_appeal_gone_whole():
    text, records = clean_seed("003")
    (record,) = records
    assert record.created == "2025-09-01"
    assert "Your support" not in record.text
    assert "Read more" not in record.text
    assert "The Independent" not in record.text
    chunks = [c.strip() for c in re.split(r"\n\s*\n", text) if c.strip()]
    assert chunks[0].startswith("date 2025-09-01 Your support helps us")
    assert paragraphs(record) == chunks[1:]
    assert record.text.startswith("Vladimir Putin claimed on Monday")


# --- 004: six articles, repeats ---------------------------------------------------------------

STANDFIRST_LINES = [1, 8, 26, 44, 64, 100]


def test_004_six_records_with_titles_no_repeats_nothing_lost():
    text, records = clean_seed("004")
    lines = text.splitlines()
    # each article opens with one headline-shaped line: its title (the headline step)
    standfirsts = [lines[n - 1].strip() for n in STANDFIRST_LINES]
    assert len(records) == 6
    doc_id = newsclean.document_id(seed_source(seed("004")), text)
    assert [r.id for r in records] == [f"{doc_id}/{i}" for i in range(6)]
    assert [r.metadata.get("title") for r in records] == standfirsts
    kept = [p for r in records for p in paragraphs(r)]
    assert len(kept) == len(set(kept)), "a paragraph appears twice"
    distinct = list(dict.fromkeys(line.strip() for line in lines if line.strip()))
    missing = [p for p in distinct if p not in kept and p not in standfirsts]
    assert missing == []
    # kept paragraphs are in input order
    assert kept == [p for p in distinct if p not in standfirsts]
    # subheadings stay inside their articles
    assert "The eagle looks both ways" in paragraphs(records[4])
    for sub in ["Poverty in decline", "Western business wants return to Russia",
                "No ‘resources trap’ for Russia", "People before AI"]:
        assert sub in paragraphs(records[5])
    # every removal points at the input
    for record in records:
        for removal in record.removed:
            assert text[removal.start : removal.end] == removal.text
            assert removal.step in {"repeats", "headline"}


def test_seeds_are_idempotent():
    for path in SEED_FILES:
        for record in newsclean.clean(path.read_text(encoding="utf-8")):
            (again,) = newsclean.clean(record.text)
            assert again.text == record.text, path.name
