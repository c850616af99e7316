"""The one record shape (issue 14): every record written validates against
newsclean/schema/record.schema.json, in JSONL and in Parquet, with every --removed mode."""

from __future__ import annotations

import json
import sys

import pytest
from click.testing import CliRunner
from conftest import EXPECTED, SEEDS
from hypothesis import given, settings
from jsonschema import Draft202012Validator
from test_record import records

from newsclean.cli import main
from newsclean.record import Record, stamped
from newsclean.schema import (
    METADATA_FIELDS,
    input_metadata,
    output_metadata,
    parse_added,
    record_schema,
)

ADDED = "2025-01-01T00:00:00Z"
VALIDATOR = Draft202012Validator(record_schema())


def valid(data: dict) -> None:
    errors = [f"{'/'.join(map(str, e.path))}: {e.message}" for e in VALIDATOR.iter_errors(data)]
    assert errors == [], errors


def run(*args: str, input: str | None = None):
    return CliRunner().invoke(main, ["run", "-q", "--added", ADDED, *args], input=input)


def jsonl(path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_the_schema_is_a_valid_json_schema():
    Draft202012Validator.check_schema(record_schema())
    assert list(record_schema()["properties"]["metadata"]["properties"]) == list(METADATA_FIELDS)


def test_every_golden_record_validates():
    lines = [json.loads(line) for path in sorted(EXPECTED.glob("*.jsonl"))
             for line in path.read_text(encoding="utf-8").splitlines()]
    assert len(lines) == 10
    for data in lines:
        valid(data)


@pytest.mark.parametrize("removed", ["full", "spans", "none"])
def test_every_record_of_a_run_validates_with_each_removed_mode(tmp_path, removed):
    out = tmp_path / "out.jsonl"
    result = run(str(SEEDS), "-o", str(out), "--removed", removed)
    assert result.exit_code == 0, result.stderr
    rows = jsonl(out)
    for data in rows:
        valid(data)
    accounts = [r for data in rows for r in data["removed"]]
    if removed == "full":
        golden = [json.loads(line) for path in sorted(EXPECTED.glob("*.jsonl"))
                  for line in path.read_text(encoding="utf-8").splitlines()]
        assert rows == golden
    elif removed == "spans":
        assert accounts and all(r["text"] is None for r in accounts)
    else:
        assert accounts == []


def test_spans_are_the_default_and_a_fraction_of_full(tmp_path):
    assert run(str(SEEDS), "-o", str(tmp_path / "default.jsonl")).exit_code == 0
    assert run(str(SEEDS), "-o", str(tmp_path / "spans.jsonl"), "--removed", "spans").exit_code == 0
    assert run(str(SEEDS), "-o", str(tmp_path / "full.jsonl"), "--removed", "full").exit_code == 0
    default, spans, full = (tmp_path / f"{n}.jsonl" for n in ("default", "spans", "full"))
    assert default.read_bytes() == spans.read_bytes()
    assert spans.stat().st_size < full.stat().st_size


@settings(max_examples=60, deadline=None)
@given(records)
def test_any_record_validates_in_every_mode(record):
    for removed in ("full", "spans", "none"):
        valid(record.to_dict(removed))


def test_metadata_of_another_type_goes_to_extra_and_comes_back():
    metadata = {"title": 5, "authors": ["A", "B"], "fixes": {"unicode": 2}, "lang": "en",
                "links": "not a list"}
    written = output_metadata(metadata)
    assert written["title"] is None and written["links"] == []
    assert written["fixes"] == [{"step": "unicode", "count": 2}]
    assert json.loads(written["extra"]) == {"title": 5, "lang": "en", "links": "not a list"}
    assert input_metadata(written) == metadata


def test_created_is_iso_8601_or_null_and_a_stray_one_is_kept_in_extra(tmp_path):
    lines = [{"text": "A plain sentence of the article that stays as it is.", "created": c}
             for c in ("2023-12-22 14:05:00Z", "Friday last week", None)]
    source = tmp_path / "in.jsonl"
    source.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    out = tmp_path / "out.jsonl"
    assert run(str(source), "-o", str(out)).exit_code == 0
    rows = jsonl(out)
    assert [row["created"] for row in rows] == ["2023-12-22T14:05:00+00:00", None, None]
    assert json.loads(rows[1]["metadata"]["extra"]) == {"created": "Friday last week"}
    # cleaned again, the output is the same bytes (the stray date stays where it went)
    again = tmp_path / "again.jsonl"
    assert run(str(out), "-o", str(again), "--removed", "spans").exit_code == 0
    assert [(r["created"], r["metadata"]) for r in jsonl(again)] == [
        (r["created"], r["metadata"]) for r in rows]


def test_added_is_one_value_per_run_and_kept_when_cleaned_again(tmp_path):
    first, second = tmp_path / "first.jsonl", tmp_path / "second.jsonl"
    assert run(str(SEEDS), "-o", str(first), "--removed", "full").exit_code == 0
    assert {row["added"] for row in jsonl(first)} == {ADDED}
    result = CliRunner().invoke(main, ["run", "-q", str(first), "-o", str(second),
                                       "--added", "2026-06-30T12:00:00+02:00"])
    assert result.exit_code == 0, result.stderr
    assert {row["added"] for row in jsonl(second)} == {ADDED}
    assert [row["id"] for row in jsonl(second)] == [row["id"] for row in jsonl(first)]


def test_added_is_read_as_iso_8601_in_utc():
    assert parse_added("2026-06-30T12:00:00+02:00") == "2026-06-30T10:00:00Z"
    assert parse_added("2026-06-30") == "2026-06-30T00:00:00Z"
    assert parse_added("2026-06-30T10:00:00Z") == "2026-06-30T10:00:00Z"
    with pytest.raises(ValueError):
        parse_added("yesterday")


def test_a_bad_added_is_a_usage_error(tmp_path):
    result = run(str(SEEDS), "-o", str(tmp_path / "x.jsonl"), "--added", "soon")
    assert result.exit_code == 2 and "--added" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_stamped_keeps_an_added_read_back():
    record = Record(id="x", text="t", source="s", metadata={"added": "2020-01-02T03:04:05Z"})
    assert stamped(record, ADDED).added == "2020-01-02T03:04:05Z"
    assert "added" not in record.metadata
    assert stamped(Record(id="y", text="t", source="s"), ADDED).added == ADDED


def test_stdin_is_named_by_source_name():
    text = "A plain sentence of the article that stays as it is.\n"
    default, named = run("-", input=text), run("-", "--source-name", "wire/a.txt", input=text)
    assert json.loads(default.stdout)["source"] == "-"
    assert json.loads(named.stdout)["source"] == "wire/a.txt"
    assert json.loads(named.stdout)["id"] != json.loads(default.stdout)["id"]


def test_an_unknown_output_suffix_is_a_one_line_usage_error(tmp_path):
    result = run(str(SEEDS), "-o", str(tmp_path / "out.json"))
    assert result.exit_code == 2
    assert len(result.stderr.splitlines()) == 1
    assert "unknown output type" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_explain_shows_removed_text_whatever_the_output_keeps():
    """--removed spans drops the span text from the records; explain reads the input, so it
    still shows every removed span with its text."""
    seed = sorted(SEEDS.glob("*.txt"))[0]
    result = CliRunner().invoke(main, ["explain", "--no-color", str(seed)])
    assert result.exit_code == 0, result.stderr
    marked = [line for line in result.stdout.splitlines() if line.startswith("- [")]
    assert marked and all(line.split("] ", 1)[1].strip() for line in marked)


@pytest.mark.parametrize("output", ["out.parquet", "shards/"])
def test_parquet_without_pyarrow_is_a_one_line_error_naming_the_extra(tmp_path, monkeypatch,
                                                                       output):
    monkeypatch.setitem(sys.modules, "pyarrow", None)  # import pyarrow now fails
    monkeypatch.setitem(sys.modules, "pyarrow.parquet", None)
    result = run(str(SEEDS), "-o", f"{tmp_path}/{output}", "--shard-suffix", ".parquet")
    assert result.exit_code == 2
    [line] = result.stderr.splitlines()
    assert "pip install 'newsclean[parquet]'" in line
    assert list(tmp_path.iterdir()) == []
