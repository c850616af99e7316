"""The report's data (newsclean.report.model, .build) and its writer."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import BUDGET_STORY, DOCUMENT_PIPELINE, make_document
from report_corpus import report_data

import newsclean
from newsclean.record import Record, Removal
from newsclean.report import NothingReadError, ReportWriter, Tally, script_json, write_report
from newsclean.report.build import records_entries, records_of
from newsclean.report.model import draft_entry, reason_kind, records_entry

URL = "https://example.com/news/budget-vote"
STORY = "\n\n".join([BUDGET_STORY[0], URL, *BUDGET_STORY[1:]])


def test_script_json_cannot_end_its_block_and_reads_back_the_same():
    value = {"text": "</script><!--<script>a & b > c\u2028\u2029", "n": [1, 2]}
    text = script_json(value)
    assert not any(char in text for char in "<>&\u2028\u2029")
    assert json.loads(text) == value


def test_script_json_escapes_a_lone_surrogate_so_the_page_can_be_written():
    text = script_json({"text": "a\udc80b"})
    text.encode("utf-8")  # a raw lone surrogate would not encode
    assert "\\udc80" in text


@pytest.mark.parametrize(
    ("reason", "kind"),
    [
        (
            "repeat of the paragraph at 2076-2209 ('Hours earlier…')",
            "repeat of the paragraph at N-N",
        ),
        ("date prefix; kept as created=2025-09-03", "date prefix"),
        ("donation or subscription appeal", "donation or subscription appeal"),
        ("", "(no reason)"),
    ],
)
def test_reason_kind_drops_the_details(reason, kind):
    assert reason_kind(reason) == kind


def test_draft_entry_has_the_original_text_and_each_removed_span_in_place():
    document = make_document(STORY, "story.txt")
    drafts = DOCUMENT_PIPELINE.draft(document)
    records = [d.to_record() for d in drafts if d.kept]
    entry = draft_entry(document.source, document.text, drafts, records)
    assert entry["text"] == STORY
    [span] = entry["spans"]
    start, end, step, reason = span
    assert (STORY[start:end], step) == (URL, "links")
    assert "bare URL" in reason
    [article] = entry["articles"]
    assert article["kept"] and article["metadata"]["links"] == [URL]
    assert "text" not in article  # only cluster members carry their text
    assert entry["kept_words"] == sum(len(p.split()) for p in BUDGET_STORY)
    assert entry["removed_words"] == 1
    assert entry["splits"] == []


def test_draft_entry_marks_where_each_article_of_a_split_scrape_starts(seed_texts):
    name = "004_16fa48a68c6ad7f2"  # a scrape of six articles
    document = make_document(seed_texts[name], name)
    drafts = DOCUMENT_PIPELINE.draft(document)
    entry = draft_entry(name, document.text, drafts, [d.to_record() for d in drafts])
    assert len(entry["articles"]) == len(drafts) > 1
    assert len(entry["splits"]) == len(drafts) - 1
    assert entry["splits"] == sorted(entry["splits"])
    for split, draft in zip(entry["splits"], drafts[1:]):
        assert split == draft.blocks[0].start


def test_a_document_that_gave_no_record_keeps_its_removed_spans():
    text = URL + "\n"
    document = make_document(text, "only-a-link.txt")
    drafts = DOCUMENT_PIPELINE.draft(document)
    entry = draft_entry(document.source, text, drafts, [])
    assert [a["kept"] for a in entry["articles"]] == [False]
    assert [span[2] for span in entry["spans"]] == ["links"]
    tally = Tally()
    tally.add(entry)
    assert (tally.documents, tally.records, tally.empty) == (1, 0, 1)


def _record(record_id: str, source: str, removed: list[Removal], **fields) -> Record:
    return Record(id=record_id, text="kept text", source=source, removed=removed, **fields)


def test_records_entry_without_the_original_shows_each_span_with_its_own_text():
    removal = Removal("links", "bare URL line", 10, 20, "http://x/")
    entry = records_entry("gone.txt", [_record("a", "gone.txt", [removal])], None)
    assert entry["text"] is None
    assert entry["spans"] == [[10, 20, "links", "bare URL line", "http://x/"]]
    assert entry["articles"][0]["text"] == "kept text"


def test_records_entry_with_the_original_drops_spans_of_another_text():
    text = "0123456789abcdef"
    right = Removal("s", "r", 2, 5, "234")
    other = Removal("s", "r", 2, 5, "xyz")  # of an earlier cleaning of another text
    entry = records_entry("f.txt", [_record("a", "f.txt", [right, other])], text)
    assert entry["spans"] == [[2, 5, "s", "r"]]


def test_records_entries_group_the_articles_of_one_document():
    records = [
        _record("d1/0", "a.txt", []),
        _record("d1/1", "a.txt", []),
        _record("d2", "b.txt", []),
        _record("d3", "b.txt", []),
    ]
    entries = list(records_entries(records))
    assert [len(e["articles"]) for e in entries] == [2, 1, 1]


def test_records_of_a_run_read_the_original_text_again(tmp_path: Path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("story.txt").write_text(STORY, encoding="utf-8")
    records = newsclean.clean(STORY, source="story.txt")
    # The ids newsclean.clean gives are those a run gives for the same source and text.
    Path("out.jsonl").write_text("".join(r.to_json() + "\n" for r in records), encoding="utf-8")
    [entry] = records_entries(records_of(["out.jsonl"], on_error=pytest.fail))
    assert entry["text"] == STORY
    assert [STORY[s[0] : s[1]] for s in entry["spans"]] == [URL]


def test_tally_lists_clusters_kept_member_first_and_groups_reasons():
    def entry(record_id: str, duplicate_of: str | None) -> dict:
        article = {
            "id": record_id,
            "kept": True,
            "words": 3,
            "cluster": "c1",
            **({"duplicate_of": duplicate_of} if duplicate_of else {}),
        }
        return {
            "source": record_id,
            "text": "ab cd ef gh",
            "articles": [article],
            "spans": [[0, 5, "repeats", f"repeat of the paragraph at {len(record_id)}"]],
            "kept_words": 3,
            "removed_words": 2,
        }

    tally = Tally(steps=["links", "repeats"])
    tally.add(entry("dup", "kept"))
    tally.add(entry("kept", None))
    summary = tally.summary("t", ["in"])
    assert summary["clusters"] == [{"id": "c1", "members": [[1, "kept"], [0, "dup"]]}]
    assert summary["duplicates"] == 1
    assert summary["by_step"] == [["links", 0, 0], ["repeats", 2, 4]]
    assert summary["by_reason"] == [["repeats", "repeat of the paragraph at N", 2]]


def test_write_report_streams_each_document_and_its_summary(tmp_path: Path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.txt").write_text(STORY, encoding="utf-8")
    (folder / "b.txt").write_text("\n\n".join(BUDGET_STORY[:2]) + "\n", encoding="utf-8")
    out = tmp_path / "report.html"
    seen = []
    summary = write_report([str(folder)], str(out), on_entry=seen.append)
    documents, embedded = report_data(out.read_text(encoding="utf-8"))
    assert embedded == summary
    assert [d["n"] for d in documents] == [0, 1] == [d["n"] for d in seen]
    assert summary["documents"] == 2 and summary["records"] == 2
    assert summary["by_step"][summary["steps"].index("links")][1:] == [1, 1]


def test_a_failed_report_leaves_no_file_and_an_earlier_one_as_it_was(tmp_path: Path):
    out = tmp_path / "report.html"
    out.write_text("earlier", encoding="utf-8")
    with pytest.raises(ZeroDivisionError), ReportWriter(str(out)) as writer:
        writer.add({"n": 0})
        raise ZeroDivisionError
    with pytest.raises(RuntimeError, match="before finish"), ReportWriter(str(out)) as writer:
        writer.add({"n": 0})
    assert out.read_text(encoding="utf-8") == "earlier"
    assert [p.name for p in tmp_path.iterdir()] == ["report.html"]


def test_nothing_read_writes_no_report(tmp_path: Path):
    out = tmp_path / "report.html"
    errors = []
    with pytest.raises(NothingReadError):
        write_report(
            [str(tmp_path / "missing.txt")],
            str(out),
            pipeline=DOCUMENT_PIPELINE,
            on_error=errors.append,
        )
    assert len(errors) == 1 and not out.exists()


def test_reasons_are_written_once_and_referred_to_by_number(monkeypatch):
    monkeypatch.setattr("newsclean.report.model.SHARED_REASONS", 2)
    tally = Tally()
    entries = []
    for reasons in (["often", "once"], ["often", "past the table"]):
        spans = [[i, i + 1, "step", reason] for i, reason in enumerate(reasons)]
        entry = {"text": "ab", "spans": spans, "articles": [], "kept_words": 0, "removed_words": 0}
        tally.add(entry)
        tally.share_reasons(entry)
        entries.append(entry)
    assert [[span[3] for span in e["spans"]] for e in entries] == [[0, 1], [0, "past the table"]]
    summary = tally.summary("t", [])
    assert summary["reasons"] == ["often", "once"]
    assert summary["by_reason"] == [
        ["step", "often", 2],
        ["step", "once", 1],
        ["step", "past the table", 1],
    ]
