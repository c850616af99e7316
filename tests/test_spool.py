"""The spool keeps drafts between the clean and apply stages and leaves nothing behind."""

from __future__ import annotations

import os
import pickle
import subprocess
import sys

import pytest
from conftest import run_steps

from newsclean import spool as spool_module
from newsclean.io import writers
from newsclean.spool import Spool


def test_entries_read_back_after_the_writer_closed(tmp_path):
    with Spool(tmp_path / "out.jsonl") as spool:
        writer = spool.writer()
        entries = [writer.append({"n": n, "text": "x" * n}) for n in range(5)]
        spool.attach(entries[0].shard)
        writer.close()
        assert [spool.read(e)["n"] for e in reversed(entries)] == [4, 3, 2, 1, 0]
        if writers.O_TMPFILE:  # anonymous shards: not even a name in the folder
            assert os.listdir(tmp_path) == []
    assert os.listdir(tmp_path) == []


def test_without_anonymous_files_a_hidden_folder_is_used_and_removed(tmp_path, monkeypatch):
    monkeypatch.setattr(writers, "O_TMPFILE", 0)
    with Spool(tmp_path / "out.jsonl") as spool:
        writer = spool.writer()
        entry = writer.append([1, 2, 3])
        writer.close()
        [folder] = os.listdir(tmp_path)
        assert folder.startswith(".newsclean-spool-")
        assert spool.read(entry) == [1, 2, 3]
    assert os.listdir(tmp_path) == []


def test_a_killed_run_s_spool_folder_is_swept_by_the_next(tmp_path, monkeypatch):
    monkeypatch.setattr(writers, "O_TMPFILE", 0)
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    stale = tmp_path / f".newsclean-spool-{writers.HOST_TAG}-{int(dead.stdout)}-abc123"
    stale.mkdir()
    (stale / "shard-1-00000000").write_bytes(b"half")
    alive = tmp_path / f".newsclean-spool-{writers.HOST_TAG}-{os.getpid()}-def456"
    alive.mkdir()
    with Spool(tmp_path / "out.jsonl"):
        pass
    assert sorted(os.listdir(tmp_path)) == [alive.name]


@pytest.mark.parametrize("beside", [None, "-"])
def test_standard_output_spools_in_the_temporary_folder(beside):
    import tempfile

    assert spool_module._parent_folder(beside) == tempfile.gettempdir()


def test_a_spooled_draft_reads_back_equal(tmp_path):
    # Drafts are pickled with their blocks as columns: every field of every block (removal,
    # metadata) and of the draft must come back.
    text = "Home\nNews\n\nhttp://example.org/a\n\n" + "A sentence of the story here. " * 5
    [draft] = run_steps(text, "paragraphs", "links", "repeats")
    draft.blocks[0].meta["credits"] = ["AFP"]
    draft.remove(draft.blocks[0], "banners", "call to action")
    draft.hints["runs"] = {0, 5}
    assert any(b.removal for b in draft.blocks) and any(b.kept for b in draft.blocks)
    with Spool(tmp_path / "out.jsonl") as spool:
        writer = spool.writer()
        entry = writer.append([draft])
        assert spool.read(entry) == [draft]
    assert pickle.loads(pickle.dumps(draft)).blocks == draft.blocks


def test_a_full_disk_under_the_spool_names_the_folder(tmp_path, monkeypatch):
    """Standard output spools in the temporary folder: the message must name the disk that
    filled up, not the output (and not be a bare OSError)."""
    with Spool(tmp_path / "out.jsonl") as spool:
        writer = spool.writer()

        def disk_full(fd, data):
            raise OSError(28, "No space left on device")

        monkeypatch.setattr(os, "write", disk_full)
        with pytest.raises(writers.OutputError) as caught:
            writer.append("a draft")
        monkeypatch.undo()
        writer.close()
    assert str(caught.value) == f"cannot write {tmp_path} (No space left on device)"
