"""Two newsclean outputs load together in the tools dataset builders use (issue 14): Hugging
Face ``datasets`` (JSONL and Parquet) and datatrove's ``JsonlReader`` -> ``ParquetWriter``.

Marked ``interop`` and skipped, with the reason, when ``datasets``/``datatrove`` (in the
test extra) or ``pyarrow`` are not installed. No network: ``datasets`` runs offline with a
cache in the test's folder.
"""

from __future__ import annotations

import json

import pytest
from conftest import SEEDS
from test_schema import jsonl, run

pytestmark = pytest.mark.interop

pq = pytest.importorskip("pyarrow.parquet", reason="needs pip install 'newsclean[parquet]'")

from newsclean.schema.arrow import arrow_schema, datatrove_schema  # noqa: E402

ARTICLE = (
    "The council approved the new cycle lanes on Monday after a long debate in the chamber.\n\n"
    "Work on the first stretch is due to start in the spring, officials said afterwards.\n"
)


@pytest.fixture
def two_outputs(tmp_path):
    """Two runs over different inputs: one whose records have no URL, date, title or
    removals (every such column null or empty), one with all of them."""
    (tmp_path / "plain").mkdir()
    (tmp_path / "plain" / "a.txt").write_text(ARTICLE, encoding="utf-8")
    outputs = {}
    for suffix in (".jsonl", ".parquet"):
        first, second = tmp_path / f"plain{suffix}", tmp_path / f"seeds{suffix}"
        assert run(str(tmp_path / "plain"), "-o", str(first)).exit_code == 0
        assert run(str(SEEDS), "-o", str(second), "--removed", "full").exit_code == 0
        outputs[suffix] = [first, second]
    plain = jsonl(outputs[".jsonl"][0])
    assert plain[0]["url"] is None and plain[0]["created"] is None and plain[0]["removed"] == []
    return outputs


@pytest.fixture
def offline_datasets(tmp_path, monkeypatch):
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    return pytest.importorskip("datasets", reason="needs the 'datasets' package (test extra)")


def test_datasets_loads_two_parquet_outputs_as_one(offline_datasets, two_outputs, tmp_path):
    loaded = offline_datasets.load_dataset("parquet", data_files=[str(p) for p in
                                           two_outputs[".parquet"]],
                                           cache_dir=str(tmp_path / "cache"))["train"]
    expected = [row for path in two_outputs[".jsonl"] for row in jsonl(path)]
    assert loaded.num_rows == len(expected) == 11
    assert loaded.to_list() == expected


def test_datasets_loads_two_jsonl_outputs_as_one_with_the_schema(offline_datasets, two_outputs,
                                                                  tmp_path):
    """JSON has no types: a column that is null in every record of the first file would be
    typed null; the features made from the record schema type every column. (The JSON
    loader reads ISO dates as Arrow timestamps and writes them back as its own text,
    '2025-01-01 00:00:00': the dates are the same, the strings are not; Parquet keeps them
    as they are.)"""
    features = offline_datasets.Features.from_arrow_schema(arrow_schema())
    loaded = offline_datasets.load_dataset("json", data_files=[str(p) for p in
                                           two_outputs[".jsonl"]],
                                           features=features,
                                           cache_dir=str(tmp_path / "cache"))["train"]
    expected = [row for path in two_outputs[".jsonl"] for row in jsonl(path)]
    dates = ("added", "created")
    assert [{k: v for k, v in row.items() if k not in dates} for row in loaded.to_list()] == [
        {k: v for k, v in row.items() if k not in dates} for row in expected]
    for row, record in zip(loaded.to_list(), expected):
        assert row["added"][:10] == record["added"][:10]
        assert (row["created"] is None) == (record["created"] is None)


def test_datatrove_reads_jsonl_outputs_and_writes_parquet(two_outputs, tmp_path):
    pytest.importorskip("datatrove", reason="needs the 'datatrove' package (test extra)")
    from datatrove.executor import LocalPipelineExecutor
    from datatrove.pipeline.readers import JsonlReader
    from datatrove.pipeline.writers import ParquetWriter

    folder = two_outputs[".jsonl"][0].parent
    out = tmp_path / "datatrove"
    executor = LocalPipelineExecutor(
        pipeline=[
            JsonlReader(str(folder), glob_pattern="*.jsonl"),
            # batch_size=1: every document a batch of its own, so a schema inferred from the
            # first one would meet the second's strings and fail; ours types them all.
            ParquetWriter(str(out), schema=datatrove_schema(), batch_size=1),
        ],
        tasks=1,
        logging_dir=str(tmp_path / "logs"),
    )
    executor.run()
    [written] = sorted(out.glob("*.parquet"))
    rows = pq.read_table(written).to_pylist()
    expected = [row for path in two_outputs[".jsonl"] for row in jsonl(path)]
    assert sorted(row["id"] for row in rows) == sorted(row["id"] for row in expected)
    by_id = {row["id"]: row for row in expected}
    for row in rows:
        record = by_id[row["id"]]
        assert row["text"] == record["text"]
        meta = row["metadata"]
        assert {k: meta[k] for k in record["metadata"]} == record["metadata"]
        assert meta["url"] == record["url"] and meta["created"] == record["created"]
        assert meta["removed"] == record["removed"]
    assert json.dumps(rows, default=str)  # plain values all through
