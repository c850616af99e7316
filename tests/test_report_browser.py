"""The report in a real browser: headless Chromium renders the page of a small corpus (the
seed scrapes, a hostile scrape, two near-duplicates, a broken JSONL line) and the test reads
the DOM it made.

Each view is opened by its address (``report.html#file=N``), which is how the page's own
links and controls reach it. Chromium's ``--dump-dom`` prints the DOM once the page has
loaded; the page renders while it loads and then sets ``data-ready`` on ``<html>``, so the
test checks that mark rather than waiting for anything. A screenshot of the file view of the
hostile scrape is saved under ``$NEWSCLEAN_TEST_ARTEFACTS`` (a temporary folder if unset) and
its path printed.

Needs a ``chromium`` binary (Debian's ``chromium`` package, installed by ``.ci/run``);
skipped with a message without one.
"""

from __future__ import annotations

import html as html_module
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner
from report_corpus import CHANGED_SENTENCE, HOSTILE_SCRIPT, REMOVED_URL, report_data, write_corpus

from newsclean.cli import main

pytestmark = pytest.mark.browser

_BROWSERS = ("chromium", "chromium-browser", "google-chrome")
# Generous: a first start of Chromium on a loaded machine. It bounds a hung browser, it does
# not pace the test (the DOM is dumped once the page has loaded).
_TIMEOUT = 180
FILES_PER_PAGE = 50
CLUSTERS_PER_PAGE = 10
MEMBERS_SHOWN = 6


@pytest.fixture(scope="module")
def chromium() -> str:
    for name in _BROWSERS:
        found = shutil.which(name)
        if found:
            return found
    pytest.skip("no chromium binary (apt-get install chromium): the browser test is skipped")


def _browse(browser: str, page: Path, view: str, profile: Path, *extra: str) -> str:
    """Open ``page`` at ``#view``; return the DOM after load (``extra``: more flags)."""
    command = [
        browser,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        f"--user-data-dir={profile}",
        "--virtual-time-budget=10000",
        *extra,
        f"{page.as_uri()}#{view}",
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=_TIMEOUT, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def _dom(browser: str, page: Path, view: str, profile: Path) -> str:
    dom = _browse(browser, page, view, profile, "--dump-dom")
    opening = re.search(r"<html[^>]*>", dom)
    assert opening, dom[:500]
    assert 'data-ready="1"' in opening.group(), "the page did not finish rendering"
    return dom


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("report")
    corpus = write_corpus(folder / "in")
    out = folder / "report.html"
    result = CliRunner().invoke(main, ["report", "-q", str(corpus), "-o", str(out)])
    assert result.exit_code == 3, result.output  # the broken JSONL line
    return out


@pytest.fixture(scope="module")
def profile(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("chromium-profile")


def _numbered(report: Path, name: str) -> int:
    documents, _ = report_data(report.read_text(encoding="utf-8"))
    [number] = [d["n"] for d in documents if d["source"].endswith(name)]
    return number


def _text_of(fragment: str) -> str:
    return html_module.unescape(re.sub(r"<[^>]+>", "", fragment))


def test_summary_counts(chromium: str, report: Path, profile: Path):
    _, summary = report_data(report.read_text(encoding="utf-8"))
    dom = _dom(chromium, report, "summary", profile)
    cards = dict(
        (label, value)
        for value, label in re.findall(r'<div class="card"><b>([^<]*)</b><span>([^<]*)</span>', dom)
    )
    assert cards["documents"] == str(summary["documents"]) == "9"
    assert cards["records"] == str(summary["records"])
    assert cards["near-duplicate clusters"] == "1"
    assert cards["failed"] == "1"
    failures = re.search(r'<table id="nc-failures">(.*?)</table>', dom, re.DOTALL).group(1)
    assert "wire.jsonl:2" in failures
    bars = re.findall(r'<div class="bar" data-step="([^"]+)"', dom)
    assert "links" in bars and "repeats" in bars


def test_files_list_is_paged_and_filtered_by_step(chromium: str, report: Path, profile: Path):
    dom = _dom(chromium, report, "files", profile)
    assert dom.count('class="file-row"') == 9
    dom = _dom(chromium, report, "files?step=links", profile)
    rows = re.findall(r'<tr class="file-row">(.*?)</tr>', dom, re.DOTALL)
    assert rows and all('data-step="links"' in row for row in rows)
    assert any("hostile.txt" in row for row in rows)
    dom = _dom(chromium, report, "files?q=water", profile)
    names = re.findall(r'href="#file=\d+">([^<]*)</a>', dom)
    assert [Path(name).name for name in names] == ["water-a.txt", "water-b.txt"]


def test_hostile_markup_is_shown_as_text_and_never_runs(
    chromium: str, report: Path, profile: Path, tmp_path: Path
):
    view = f"file={_numbered(report, 'hostile.txt')}"
    dom = _dom(chromium, report, view, profile)
    opening = re.search(r"<html[^>]*>", dom).group()
    assert "data-pwned" not in opening
    assert "<title>newsclean report</title>" in dom
    assert dom.count("<img") == 0
    text = re.search(r'<div class="doc" id="nc-text">(.*?)</div>', dom, re.DOTALL).group(1)
    assert HOSTILE_SCRIPT in _text_of(text)
    # The known removed span: struck through, marked with its step, its reason on hover.
    [span] = re.findall(
        r'<del class="rm" data-step="links"[^>]*title="([^"]*)"[^>]*>([^<]*)</del>', text
    )
    assert span == ("links: bare URL line; kept in metadata.links", REMOVED_URL)
    assert re.search(r'<div class="legend-step">.*?<b>links</b>', dom)
    artefacts = Path(os.environ.get("NEWSCLEAN_TEST_ARTEFACTS") or tmp_path)
    artefacts.mkdir(parents=True, exist_ok=True)
    shot = artefacts / "report-hostile-file.png"
    _browse(
        chromium,
        report,
        view,
        profile,
        f"--screenshot={shot}",
        "--window-size=1280,1000",
        "--hide-scrollbars",
    )
    assert shot.stat().st_size > 0
    print(f"screenshot: {shot}")


def test_split_points_and_metadata_of_a_split_scrape(chromium: str, report: Path, profile: Path):
    documents, _ = report_data(report.read_text(encoding="utf-8"))
    [scrape] = [d for d in documents if len(d["articles"]) > 1]
    dom = _dom(chromium, report, f"file={scrape['n']}", profile)
    assert dom.count('class="split"') == len(scrape["splits"]) == len(scrape["articles"]) - 1
    assert dom.count('class="rm"') == len(scrape["spans"])
    titles = re.findall(r'<dd class="meta-title">([^<]*)</dd>', dom)
    assert titles == [
        html_module.escape(a["metadata"]["title"], quote=False) for a in scrape["articles"]
    ]


def test_near_duplicates_side_by_side_with_the_difference_marked(
    chromium: str, report: Path, profile: Path
):
    dom = _dom(chromium, report, "duplicates", profile)
    members = re.findall(r'<div class="member( kept)?">.*?href="#file=\d+">([^<]*)</a>', dom)
    assert [(kept, Path(name).name) for kept, name in members] == [
        (" kept", "water-a.txt"),
        ("", "water-b.txt"),
    ]
    marked = [_text_of(m) for m in re.findall(r'<mark class="diff"[^>]*>(.*?)</mark>', dom)]
    assert len(marked) == 2 and marked[1] == CHANGED_SENTENCE


def test_ten_thousand_files_render_one_page(chromium: str, profile: Path, tmp_path: Path):
    records = tmp_path / "records.jsonl"
    with records.open("w", encoding="utf-8") as out:
        for n in range(10_000):
            removal = {
                "step": "links",
                "reason": "bare URL line",
                "start": 0,
                "end": 20,
                "text": f"https://example.com/{n}",
            }
            # Clusters of eight, the first of each kept.
            cluster = {"cluster": f"c{n // 8:04d}"}
            if n % 8:
                cluster["duplicate_of"] = f"doc{n - n % 8}"
            record = {
                "id": f"doc{n}",
                "source": f"site/{n:05d}.txt",
                "text": f"Story number {n}.",
                "removed": [removal],
                **cluster,
            }
            out.write(json.dumps(record) + "\n")
    page = tmp_path / "big.html"
    result = CliRunner().invoke(
        main, ["report", "-q", "--from-records", str(records), "-o", str(page)]
    )
    assert result.exit_code == 0, result.output
    dom = _dom(chromium, page, "files?page=3", profile)
    assert dom.count('class="file-row"') == FILES_PER_PAGE
    assert "page 3 of 200 (101–150 of 10,000)" in dom
    assert ">site/00100.txt</a>" in dom
    dom = _dom(chromium, page, "duplicates?page=2", profile)
    assert "page 2 of 125 (11–20 of 1,250)" in dom
    assert dom.count('<div class="cluster">') == CLUSTERS_PER_PAGE
    # Six members side by side, the other two listed by name.
    members = re.findall(r'<div class="member( kept)?">', dom)
    assert len(members) == CLUSTERS_PER_PAGE * MEMBERS_SHOWN
    assert members.count(" kept") == CLUSTERS_PER_PAGE
    assert dom.count("2 more member(s)") == CLUSTERS_PER_PAGE
