"""Parquet output (issue 14): the fixed Arrow schema, the same records as JSONL, row groups,
atomic like every output. Skipped without pyarrow (pip install 'newsclean[parquet]')."""

from __future__ import annotations

import json
import math

import pytest
from conftest import SEEDS
from test_schema import ADDED, jsonl, run

from newsclean.record import Record, stamped
from newsclean.schema import METADATA_FIELDS, record_schema

pq = pytest.importorskip("pyarrow.parquet", reason="needs pip install 'newsclean[parquet]'")

from newsclean.io.parquet import ParquetWriter  # noqa: E402
from newsclean.schema.arrow import arrow_schema  # noqa: E402


def test_the_arrow_schema_has_the_json_schema_fields_in_order():
    schema = arrow_schema()
    assert schema.names == list(record_schema()["properties"])
    assert [f.name for f in schema.field("metadata").type] == list(METADATA_FIELDS)


@pytest.mark.parametrize("removed", ["full", "spans", "none"])
def test_parquet_holds_the_jsonl_records(tmp_path, removed):
    lines, table = tmp_path / "out.jsonl", tmp_path / "out.parquet"
    assert run(str(SEEDS), "-o", str(lines), "--removed", removed).exit_code == 0
    result = run(str(SEEDS), "-o", str(table), "--removed", removed)
    assert result.exit_code == 0, result.stderr
    read = pq.read_table(table)
    assert read.schema.equals(arrow_schema())
    assert read.to_pylist() == jsonl(lines)


def test_parquet_of_no_record_still_has_the_schema(tmp_path):
    (tmp_path / "blank.txt").write_text(" \n", encoding="utf-8")
    out = tmp_path / "out.parquet"
    assert run(str(tmp_path / "blank.txt"), "-o", str(out)).exit_code == 0
    assert pq.read_table(out).schema.equals(arrow_schema())


def test_parquet_is_written_in_row_groups(tmp_path):
    out = tmp_path / "out.parquet"
    made = [stamped(Record(id=str(n), text=f"text {n}", source="s"), ADDED) for n in range(7)]
    with ParquetWriter(out, rows_per_group=3) as writer:
        for record in made:
            writer.write(record)
    assert pq.ParquetFile(out).metadata.num_row_groups == math.ceil(7 / 3)
    assert [row["id"] for row in pq.read_table(out).to_pylist()] == [r.id for r in made]


def test_a_failed_parquet_write_leaves_nothing(tmp_path):
    out = tmp_path / "out.parquet"
    out.write_bytes(b"earlier")
    with pytest.raises(RuntimeError), ParquetWriter(out, rows_per_group=1) as writer:
        writer.write(stamped(Record(id="1", text="t", source="s"), ADDED))
        raise RuntimeError("stopped")
    assert out.read_bytes() == b"earlier"
    assert [p.name for p in tmp_path.iterdir()] == ["out.parquet"]


def test_parquet_shards(tmp_path):
    folder = tmp_path / "shards"
    result = run(str(SEEDS), "-o", f"{folder}/", "--shard-suffix", ".parquet",
                 "--shard-records", "4")
    assert result.exit_code == 0, result.stderr
    manifest = json.loads((folder / "manifest.json").read_text())
    names = [shard["name"] for shard in manifest["shards"]]
    assert names == ["part-00000.parquet", "part-00001.parquet", "part-00002.parquet"]
    rows = [row for name in names for row in pq.read_table(folder / name).to_pylist()]
    single = tmp_path / "single.jsonl"
    assert run(str(SEEDS), "-o", str(single)).exit_code == 0
    assert rows == jsonl(single)
