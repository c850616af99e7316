"""``newsclean report``: the page it writes, its exit codes, and what it leaves alone."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import SEEDS
from report_corpus import BROKEN_LINE, HOSTILE_SCRIPT, REMOVED_URL, report_data, write_corpus

from newsclean.cli import main
from newsclean.cli.exit_codes import EXIT_INPUT_ERRORS, EXIT_OK, EXIT_USAGE


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def test_report_of_the_seeds(runner: CliRunner, tmp_path: Path):
    out = tmp_path / "report.html"
    result = runner.invoke(main, ["report", str(SEEDS), "-o", str(out)])
    assert result.exit_code == EXIT_OK, result.output
    assert "report: 5 documents, 10 records" in result.output
    html = out.read_text(encoding="utf-8")
    documents, summary = report_data(html)
    assert (summary["documents"], summary["records"], len(documents)) == (5, 10, 5)
    assert summary["failures"] == [] and summary["clusters"] == []
    # Self-contained: nothing is fetched, one script of the page's own.
    assert 'http-equiv="Content-Security-Policy" content="default-src \'none\'' in html
    assert html.count("<script") == 3 and " src=" not in html


def test_report_lists_failures_clusters_and_exits_3(runner: CliRunner, tmp_path: Path):
    corpus = write_corpus(tmp_path / "in")
    out = tmp_path / "report.html"
    result = runner.invoke(main, ["report", str(corpus), str(tmp_path / "missing"), "-o", str(out)])
    assert result.exit_code == EXIT_INPUT_ERRORS, result.output
    documents, summary = report_data(out.read_text(encoding="utf-8"))
    assert {f["file"] for f in summary["failures"]} == {
        f"{tmp_path}/missing",
        f"{corpus}/wire.jsonl:{BROKEN_LINE}",
    }
    [cluster] = summary["clusters"]
    kept, duplicate = (documents[n] for n, _ in cluster["members"])
    assert (Path(kept["source"]).name, Path(duplicate["source"]).name) == (
        "water-a.txt",
        "water-b.txt",
    )
    assert summary["duplicates"] == 1


def test_input_markup_is_never_markup_in_the_page(runner: CliRunner, tmp_path: Path):
    corpus = write_corpus(tmp_path / "in")
    out = tmp_path / "report.html"
    runner.invoke(main, ["report", str(corpus), "-o", str(out)])
    html = out.read_text(encoding="utf-8")
    assert HOSTILE_SCRIPT not in html and "onerror" not in html.split("nc-documents")[0]
    documents, _ = report_data(html)
    [hostile] = [d for d in documents if d["source"].endswith("hostile.txt")]
    assert HOSTILE_SCRIPT in hostile["text"]  # shown, as text
    assert [hostile["text"][s[0] : s[1]] for s in hostile["spans"]] == [REMOVED_URL]


def test_report_from_records_shows_the_same_spans(runner: CliRunner, tmp_path: Path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write_corpus(Path("in"))
    assert runner.invoke(main, ["run", "-q", "in", "-o", "out.jsonl"]).exit_code == 3
    result = runner.invoke(main, ["report", "-q", "in", "-o", "run.html"])
    assert result.exit_code == EXIT_INPUT_ERRORS
    result = runner.invoke(
        main, ["report", "--from-records", "out.jsonl", "--originals", "in", "-o", "rec.html"]
    )
    assert result.exit_code == EXIT_OK, result.output
    from_run, run_summary = report_data(Path("run.html").read_text(encoding="utf-8"))
    from_records, summary = report_data(Path("rec.html").read_text(encoding="utf-8"))
    texts = {d["source"]: d["text"] for d in from_records}
    for document in from_run:
        if document["source"].endswith(".txt"):
            assert texts[document["source"]] == document["text"]  # read again
    assert texts["wire.jsonl:1"] is None  # a JSONL record's original is not looked for
    spans = {d["source"]: [s[:4] for s in d["spans"]] for d in from_records}
    assert spans == {d["source"]: d["spans"] for d in from_run}
    assert summary["records"] == run_summary["records"]
    assert summary["clusters"] == run_summary["clusters"]


def test_cleaning_options_are_refused_with_from_records(runner: CliRunner, tmp_path: Path):
    result = runner.invoke(
        main,
        [
            "report",
            "--from-records",
            "--disable",
            "links",
            "x.jsonl",
            "-o",
            str(tmp_path / "r.html"),
        ],
    )
    assert result.exit_code == EXIT_USAGE
    assert "--disable: nothing is cleaned with --from-records" in result.output


def test_no_input_read_writes_nothing_and_exits_3(runner: CliRunner, tmp_path: Path):
    out = tmp_path / "report.html"
    result = runner.invoke(main, ["report", str(tmp_path / "missing.txt"), "-o", str(out)])
    assert result.exit_code == EXIT_INPUT_ERRORS
    assert "no input could be read; no report written" in result.output
    assert not out.exists()


def test_an_unwritable_output_exits_2(runner: CliRunner, tmp_path: Path):
    out = tmp_path / "no-such-folder" / "report.html"
    result = runner.invoke(main, ["report", str(SEEDS), "-o", str(out)])
    assert result.exit_code == EXIT_USAGE
    assert "no report written" in result.output


def test_the_index_is_read_and_never_updated(runner: CliRunner, tmp_path: Path):
    index = tmp_path / "index.db"
    out = tmp_path / "report.html"
    result = runner.invoke(main, ["report", str(SEEDS), "--index", str(index), "-o", str(out)])
    assert result.exit_code == EXIT_OK, result.output
    # Had the report indexed the seeds, a run over copies of them would find each one a
    # near-duplicate of an indexed article.
    copies = tmp_path / "copies"
    shutil.copytree(SEEDS, copies)
    records = tmp_path / "out.jsonl"
    runner.invoke(main, ["run", "-q", str(copies), "--index", str(index), "-o", str(records)])
    lines = [json.loads(line) for line in records.read_text(encoding="utf-8").splitlines()]
    assert lines and not any(r.get("duplicate_of") for r in lines)


def test_jobs_give_the_same_page(runner: CliRunner, tmp_path: Path):
    pages = []
    for jobs in ("1", "2"):
        out = tmp_path / f"report-{jobs}.html"
        result = runner.invoke(main, ["report", "-q", str(SEEDS), "-j", jobs, "-o", str(out)])
        assert result.exit_code == EXIT_OK, result.output
        pages.append(out.read_bytes())
    assert pages[0] == pages[1]


def test_report_from_span_only_records_without_their_originals(runner: CliRunner, tmp_path: Path,
                                                              monkeypatch):
    # Regression: records written with --removed spans carry no span text, and a run's
    # sources are relative to the input it was given, so from elsewhere the originals are
    # not found; the spans are still listed, by position.
    monkeypatch.chdir(tmp_path)
    write_corpus(Path("in"))
    runner.invoke(main, ["run", "-q", "in", "-o", "out.jsonl", "--removed", "spans"])
    result = runner.invoke(main, ["report", "--from-records", "out.jsonl", "-o", "rec.html"])
    assert result.exit_code == EXIT_OK, result.output
    documents, _ = report_data(Path("rec.html").read_text(encoding="utf-8"))
    [hostile] = [d for d in documents if d["source"] == "hostile.txt"]
    assert hostile["text"] is None
    assert [span[4] for span in hostile["spans"]] == [None]
