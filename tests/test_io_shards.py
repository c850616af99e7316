"""Sharded output: shards and a manifest, all or nothing."""

from __future__ import annotations

import gzip
import json
import os

import pytest
from click.testing import CliRunner
from conftest import SEEDS

from newsclean.cli import main
from newsclean.io import OutputError
from newsclean.io.shards import ShardedWriter


def run(*args: str):
    # One 'added' time, so outputs of two runs compare byte for byte.
    return CliRunner().invoke(main, ["run", str(SEEDS), "--added", "2025-01-01", *args])


def test_shards_hold_the_single_file_output_in_order(tmp_path):
    single = tmp_path / "all.jsonl"
    assert run("-o", str(single)).exit_code == 0
    folder = tmp_path / "shards"
    result = run("-o", f"{folder}/", "--shard-records", "3")
    assert result.exit_code == 0, result.output
    manifest = json.loads((folder / "manifest.json").read_text())
    names = [shard["name"] for shard in manifest["shards"]]
    assert names == ["part-00000.jsonl", "part-00001.jsonl", "part-00002.jsonl",
                     "part-00003.jsonl"]
    assert [shard["records"] for shard in manifest["shards"]] == [3, 3, 3, 1]
    assert manifest["records"] == 10
    joined = b"".join((folder / name).read_bytes() for name in names)
    assert joined == single.read_bytes()
    assert sorted(os.listdir(folder)) == sorted([*names, "manifest.json"])


def test_a_suffix_chooses_the_compression(tmp_path):
    folder = tmp_path / "shards"
    assert run("-o", f"{folder}/", "--shard-suffix", ".jsonl.gz").exit_code == 0
    [shard] = json.loads((folder / "manifest.json").read_text())["shards"]
    assert shard["name"] == "part-00000.jsonl.gz"
    lines = gzip.decompress((folder / shard["name"]).read_bytes()).decode().splitlines()
    assert len(lines) == 10


def test_a_second_run_replaces_the_first_and_removes_its_extra_shards(tmp_path):
    folder = tmp_path / "shards"
    assert run("-o", f"{folder}/", "--shard-records", "2").exit_code == 0
    assert run("-o", f"{folder}/", "--shard-records", "5").exit_code == 0
    assert sorted(os.listdir(folder)) == ["manifest.json", "part-00000.jsonl",
                                          "part-00001.jsonl"]


def test_a_folder_holding_other_files_is_refused_untouched(tmp_path):
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "notes.txt").write_text("keep me")
    result = run("-o", str(folder))
    assert result.exit_code == 2
    assert "holds files that are not shards of an earlier run (notes.txt)" in result.stderr
    assert os.listdir(folder) == ["notes.txt"]


def test_a_failed_run_leaves_the_earlier_shards_as_they_were(tmp_path, monkeypatch):
    folder = tmp_path / "shards"
    assert run("-o", f"{folder}/", "--shard-records", "4").exit_code == 0
    before = {name: (folder / name).read_bytes() for name in os.listdir(folder)}

    def disk_full(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", disk_full)
    result = run("-o", f"{folder}/", "--shard-records", "2")
    monkeypatch.undo()
    assert result.exit_code == 2
    assert {name: (folder / name).read_bytes() for name in os.listdir(folder)} == before


def test_a_disk_full_under_the_spool_is_one_line_naming_the_folder(tmp_path, monkeypatch):
    """The spool's write failed as a bare OSError: a traceback and exit 1 (which `run` never
    uses), the shards folder being the only output that did not turn it into exit 2."""
    folder = tmp_path / "shards"

    def disk_full(fd, data):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "write", disk_full)
    result = run("-o", f"{folder}/", "-q")
    monkeypatch.undo()
    assert result.exit_code == 2
    assert result.stderr == (f"error: cannot write {tmp_path} (No space left on device); "
                             "no output written\n")
    assert os.listdir(tmp_path) == []


def test_a_failure_while_shards_are_written_is_an_output_error(tmp_path):
    folder = tmp_path / "shards"
    with pytest.raises(OutputError, match=r"^cannot write .*shards \(Input/output error\)$"):
        with ShardedWriter(f"{folder}/"):
            raise OSError(5, "Input/output error")
    assert os.listdir(tmp_path) == []
