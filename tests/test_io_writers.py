import os
import re
import stat

import pytest

from newsclean.io import (
    AtomicWriter,
    JsonlWriter,
    OutputError,
    atomic_write,
    write_text_atomic,
    writers,
)
from newsclean.record import Record, Removal


def leftovers(folder):
    return sorted(name for name in os.listdir(folder) if name.endswith(".tmp"))


def test_atomic_write_creates_the_file_and_leaves_no_temp_file(tmp_path):
    target = tmp_path / "out.jsonl"
    with atomic_write(target) as out:
        out.write("line\r\nnext\n")
        assert not target.exists()  # nothing visible until the block succeeds
        if writers.O_TMPFILE:  # nor a temporary name (the fallback's is tested below)
            assert leftovers(tmp_path) == []
    assert target.read_bytes() == b"line\r\nnext\n"
    assert leftovers(tmp_path) == []


def test_without_anonymous_files_the_temporary_name_says_whose_it_is(tmp_path, monkeypatch):
    monkeypatch.setattr(writers, "O_TMPFILE", 0)
    target = tmp_path / "out.jsonl"
    with atomic_write(target) as out:
        out.write("line\n")
        [temp] = leftovers(tmp_path)
        host = re.escape(writers.HOST_TAG)
        assert re.fullmatch(rf"\.out\.jsonl\.{host}-{os.getpid()}\.[0-9a-f]{{8}}\.tmp", temp)
    assert target.read_text() == "line\n"
    assert leftovers(tmp_path) == []


@pytest.mark.skipif(not writers.O_TMPFILE, reason="no anonymous files on this system")
def test_an_anonymous_file_that_cannot_be_named_is_an_output_error(tmp_path, monkeypatch):
    def no_link(fd, path):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(writers, "_link_anonymous", no_link)
    target = tmp_path / "out.txt"
    target.write_text("old\n")
    with pytest.raises(OutputError, match="No space left on device"):
        write_text_atomic(target, "new\n")
    assert target.read_text() == "old\n"
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize("interruption", [RuntimeError("boom"), KeyboardInterrupt()])
def test_a_failure_mid_write_keeps_the_old_file_and_removes_the_temp_file(tmp_path, interruption):
    target = tmp_path / "out.txt"
    target.write_text("old content\n")
    with pytest.raises(type(interruption)):
        with AtomicWriter(target) as out:
            out.write("half of the new")
            raise interruption
    assert target.read_text() == "old content\n"
    assert leftovers(tmp_path) == []


def test_a_failure_before_anything_existed_leaves_nothing(tmp_path):
    with pytest.raises(ValueError):
        with atomic_write(tmp_path / "new.txt") as out:
            out.write("partial")
            raise ValueError
    assert os.listdir(tmp_path) == []


def test_a_failed_rename_also_cleans_up(tmp_path, monkeypatch):
    target = tmp_path / "out.txt"
    target.write_text("old\n")

    def failing_replace(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", failing_replace)
    with pytest.raises(OutputError) as caught:
        write_text_atomic(target, "new\n")
    assert str(caught.value) == f"cannot write {target} (No space left on device)"
    assert target.read_text() == "old\n"
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize("anonymous", [True, False])
def test_a_target_whose_name_is_near_the_limit_is_written(tmp_path, monkeypatch, anonymous):
    """The temporary name adds about 50 bytes to the target's: a 250-byte name failed with
    "File name too long", as a traceback (even the clean-up's unlink failed)."""
    if not anonymous:
        monkeypatch.setattr(writers, "O_TMPFILE", 0)
    target = tmp_path / ("n" * 244 + ".jsonl")
    target.write_text("old\n")
    write_text_atomic(target, "new\n")
    assert target.read_text() == "new\n"
    assert os.listdir(tmp_path) == [target.name]


def test_a_disk_full_mid_write_is_an_output_error_naming_the_file(tmp_path):
    target = tmp_path / "out.jsonl"
    target.write_text("old\n")
    disk_full = r"^cannot write .*out\.jsonl \(No space left on device\)$"
    with pytest.raises(OutputError, match=disk_full):
        with AtomicWriter(target) as out:
            out.write("half")
            raise OSError(28, "No space left on device")
    assert target.read_text() == "old\n"
    assert leftovers(tmp_path) == []


def test_standard_output_that_fails_is_an_output_error(capfd):
    """A closed pipe or a full disk behind stdout went up as a bare OSError: a traceback and
    exit 1, which `run` never uses."""
    with pytest.raises(OutputError, match=r"^cannot write - \(Broken pipe\)$"):
        with AtomicWriter("-") as out:
            out.write("half")
            raise BrokenPipeError(32, "Broken pipe")


@pytest.mark.parametrize("where", ["missing/out.jsonl", "file.txt/out.jsonl"])
def test_an_output_in_a_folder_that_cannot_hold_it_is_named(tmp_path, where):
    (tmp_path / "file.txt").write_text("a file, not a folder")
    with pytest.raises(OutputError, match=r"^cannot write .*out\.jsonl \(.+\)$"):
        with JsonlWriter(tmp_path / where):
            pass


def test_output_error_pickles():
    import pickle

    error = pickle.loads(pickle.dumps(OutputError("a/b.jsonl", "No space left on device")))
    assert (str(error), error.path) == ("cannot write a/b.jsonl (No space left on device)",
                                        "a/b.jsonl")


def test_write_text_atomic_keeps_the_original_mode(tmp_path):
    target = tmp_path / "scrape.txt"
    target.write_text("dirty\n")
    target.chmod(0o640)
    write_text_atomic(target, "clean\n")
    assert target.read_text() == "clean\n"
    assert stat.S_IMODE(target.stat().st_mode) == 0o640


def test_a_new_file_gets_the_umask_mode_not_the_private_temp_mode(tmp_path):
    old_umask = os.umask(0o022)
    try:
        write_text_atomic(tmp_path / "new.txt", "x")
    finally:
        os.umask(old_umask)
    assert stat.S_IMODE((tmp_path / "new.txt").stat().st_mode) == 0o644


def test_a_symlinked_target_is_written_through(tmp_path):
    real = tmp_path / "real.txt"
    real.write_text("old\n")
    link = tmp_path / "link.txt"
    link.symlink_to(real)
    write_text_atomic(link, "new\n")
    assert link.is_symlink()
    assert real.read_text() == "new\n"


def sample_records():
    removal = Removal(step="banners", reason="donation appeal", start=0, end=7, text="Donate!")
    return [
        Record(id="a", text="First “article”.", source="x.txt", removed=[removal]),
        Record(id="b", text="Line\u2028separator kept", source="y.txt", created="2025-09-01"),
    ]


def test_jsonl_writer_writes_one_record_per_line_that_round_trips(tmp_path):
    target = tmp_path / "out.jsonl"
    with JsonlWriter(target) as writer:
        for record in sample_records():
            writer.write(record)
    assert writer.written == 2
    lines = target.read_text(encoding="utf-8").split("\n")
    assert lines[-1] == ""
    assert [Record.from_json(line) for line in lines[:-1]] == sample_records()


def test_jsonl_writer_interrupted_leaves_no_output(tmp_path):
    target = tmp_path / "out.jsonl"
    with pytest.raises(KeyboardInterrupt):
        with JsonlWriter(target) as writer:
            writer.write(sample_records()[0])
            raise KeyboardInterrupt
    assert os.listdir(tmp_path) == []


def test_dash_writes_utf8_to_stdout(capsysbinary):
    with JsonlWriter("-") as writer:
        writer.write(sample_records()[0])
    out = capsysbinary.readouterr().out
    assert out.endswith(b"\n")
    assert Record.from_json(out.decode("utf-8")) == sample_records()[0]


def test_writing_outside_the_with_block_is_an_error(tmp_path):
    with pytest.raises(RuntimeError, match="outside its 'with' block"):
        JsonlWriter(tmp_path / "out.jsonl").write(sample_records()[0])


@pytest.mark.parametrize("name", ["out.jsonl.gz", "out.jsonl.zst"])
def test_compressed_names_are_written_compressed_and_read_back(tmp_path, name):
    from newsclean.io import iter_documents, read_utf8

    target = tmp_path / name
    with JsonlWriter(target) as writer:
        for record in sample_records():
            writer.write(record)
    assert not target.read_bytes().startswith(b"{")
    assert read_utf8(target) == "".join(r.to_json() + "\n" for r in sample_records())
    documents = list(iter_documents([target], on_error=pytest.fail))
    assert [d.text for d in documents] == [r.text for r in sample_records()]
    first = target.read_bytes()
    write_text_atomic(target, read_utf8(target))
    assert target.read_bytes() == first  # no time stamp: same text, same bytes
    assert leftovers(tmp_path) == []


def test_a_failure_mid_compressed_write_leaves_nothing(tmp_path):
    with pytest.raises(KeyboardInterrupt):
        with atomic_write(tmp_path / "out.txt.gz") as out:
            out.write("partial " * 10000)
            raise KeyboardInterrupt
    assert os.listdir(tmp_path) == []
