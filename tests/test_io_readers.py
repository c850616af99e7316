import codecs
import gzip
import hashlib
import io
import json
import os
import pickle
import shutil
import sys
from pathlib import Path

import pytest

from newsclean.io import InputError, iter_documents, readers

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01"


def read_all(inputs, **options):
    errors = []
    documents = list(iter_documents(inputs, on_error=errors.append, **options))
    return documents, [str(error) for error in errors]


def expected_id(key, text):
    return hashlib.sha1(f"{key}\0{text}".encode()).hexdigest()[:16]


@pytest.fixture
def in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return tmp_path


READ_AS_TEXT = [
    # (file name, raw bytes, expected text, expected metadata)
    ("plain.txt", b"One paragraph.\n", "One paragraph.\n", {}),
    ("bom.txt", codecs.BOM_UTF8 + b"Hello\n", "Hello\n", {"encoding": "utf-8-sig"}),
    (
        "le.txt",
        codecs.BOM_UTF16_LE + "Grüße\n".encode("utf-16-le"),
        "Grüße\n",
        {"encoding": "utf-16-le"},
    ),
    (
        "be.txt",
        codecs.BOM_UTF16_BE + "Grüße\n".encode("utf-16-be"),
        "Grüße\n",
        {"encoding": "utf-16-be"},
    ),
    ("cp1252.txt", b"caf\xe9 \x93quoted\x94", "café “quoted”", {"encoding": "cp1252"}),
    ("latin1.txt", "São Paulo, Köln".encode("latin-1"), "São Paulo, Köln", {"encoding": "cp1252"}),
    ("empty.txt", b"", "", {}),
    ("blank.txt", b"  \n\t \r\n", "  \n\t \r\n", {}),
    ("no-newline.txt", b"Last line without newline", "Last line without newline", {}),
    ("packed.txt.gz", gzip.compress("Gzipped “news”\n".encode()), "Gzipped “news”\n", {}),
    (
        "two-members.txt.gz",
        gzip.compress(b"part one ") + gzip.compress(b"part two"),
        "part one part two",
        {},
    ),
]


@pytest.mark.parametrize(
    ("name", "raw", "text", "metadata"), READ_AS_TEXT, ids=[case[0] for case in READ_AS_TEXT]
)
def test_text_inputs_become_one_document(in_tmp, name, raw, text, metadata):
    (in_tmp / name).write_bytes(raw)
    documents, errors = read_all([name])
    assert errors == []
    [document] = documents
    assert (document.text, document.source, document.metadata) == (text, name, metadata)
    assert document.id == expected_id(name, text)


REFUSED = [
    # (file name, raw bytes, fragment of the one-line error)
    ("image.txt", PNG, "image.txt: binary file (a PNG image), not text"),
    (
        "archive.txt",
        gzip.compress(bytes(range(256)) * 4),
        "archive.txt: binary file (gzip-compressed data",
    ),
    (
        "binary.txt.gz",
        gzip.compress(bytes(range(256)) * 4),
        "binary.txt.gz: binary file (contains NUL bytes)",
    ),
    ("png-inside.txt.gz", gzip.compress(PNG), "png-inside.txt.gz: binary file (a PNG image)"),
    ("fake.txt.gz", b"not gzip at all", "fake.txt.gz: not valid gzip data"),
    ("cut.txt.gz", gzip.compress(b"x" * 1000)[:-12], "cut.txt.gz: not valid gzip data"),
]


@pytest.mark.parametrize(("name", "raw", "message"), REFUSED, ids=[case[0] for case in REFUSED])
def test_bad_files_are_reported_and_the_run_goes_on(in_tmp, name, raw, message):
    (in_tmp / name).write_bytes(raw)
    (in_tmp / "good.txt").write_text("Fine.")
    documents, errors = read_all([name, "good.txt"])
    assert [document.text for document in documents] == ["Fine."]
    [error] = errors
    assert error.startswith(message)
    assert "\n" not in error


def test_a_file_over_the_limit_is_refused_naming_the_limit(in_tmp):
    (in_tmp / "big.txt").write_bytes(b"a" * 101)
    (in_tmp / "fits.txt").write_bytes(b"a" * 100)
    documents, errors = read_all(["big.txt", "fits.txt"], max_bytes=100)
    assert [document.source for document in documents] == ["fits.txt"]
    assert errors == ["big.txt: too large: over the limit of 100 bytes (max_bytes); refused"]


def test_a_huge_file_is_refused_without_reading_it(in_tmp, monkeypatch):
    with open("huge.txt", "wb") as sparse:
        sparse.truncate(200 * 2**20)  # 200 MB with no newline, no disk used
    real_open = open

    def open_without_reading(path, mode="r", *args, **kwargs):
        handle = real_open(path, mode, *args, **kwargs)
        handle.read = None  # any read would crash the test
        return handle

    monkeypatch.setattr(readers, "open", open_without_reading, raising=False)
    documents, errors = read_all(["huge.txt"])
    assert documents == []
    assert errors == [
        "huge.txt: too large: over the limit of 67,108,864 bytes (max_bytes); refused"
    ]


def test_a_compression_bomb_is_cut_off_while_streaming(in_tmp):
    (in_tmp / "bomb.txt.gz").write_bytes(gzip.compress(b"a" * 20 * 2**20))
    documents, errors = read_all(["bomb.txt.gz"], max_bytes=2**20)
    assert documents == []
    assert errors == [
        "bomb.txt.gz: too large once decompressed: over the limit of 1,048,576 bytes"
        " (max_bytes); refused"
    ]


def test_zstd_inputs_are_read_transparently(in_tmp):
    zstandard = pytest.importorskip("zstandard")
    compressor = zstandard.ZstdCompressor()
    # Two frames, as concatenating .zst files gives: both must be read.
    (in_tmp / "news.txt.zst").write_bytes(
        compressor.compress(b"first ") + compressor.compress(b"second")
    )
    record = json.dumps({"id": "z1", "text": "from zstd jsonl"}).encode()
    (in_tmp / "news.jsonl.zst").write_bytes(compressor.compress(record))
    documents, errors = read_all(["news.txt.zst", "news.jsonl.zst"])
    assert errors == []
    assert [(d.id, d.text) for d in documents] == [
        (expected_id("news.txt.zst", "first second"), "first second"),
        ("z1", "from zstd jsonl"),
    ]


def test_zstd_without_the_library_is_a_clear_error(in_tmp, monkeypatch):
    monkeypatch.setattr(readers, "zstandard", None)
    (in_tmp / "news.txt.zst").write_bytes(b"\x28\xb5\x2f\xfd")
    _, errors = read_all(["news.txt.zst"])
    assert errors == ["news.txt.zst: cannot read .zst: the 'zstandard' package is not installed"]


JSONL_LINES = [
    json.dumps({"id": "given-id", "text": "Kept.", "url": "https://example.org/a", "title": "A"}),
    "",
    "{not json",
    json.dumps(["an", "array"]),
    json.dumps({"id": "no-text", "body": "wrong field"}),
    json.dumps({"id": 7, "text": 42}),
    json.dumps({"id": 7, "text": "Integer id."}),
    json.dumps({"id": True, "text": "Boolean id is no id."}),
    json.dumps({"id": "", "text": "Empty id is no id.", "source": "https://example.org/b"}),
    '{"text": "bad \\ud800 surrogate"}',
    json.dumps(
        {
            "id": "dolma",
            "text": "Own output.",
            "created": "2025-09-01",
            "metadata": {"title": "T", "created": "x"},
        }
    ),
    '{"text": "U+2028 \u2028 inside a string is not a line break"}',
]


def test_jsonl_records_read_and_bad_lines_named_by_line(in_tmp):
    (in_tmp / "in.jsonl").write_text("\n".join(JSONL_LINES), encoding="utf-8")
    documents, errors = read_all(["in.jsonl"])
    assert errors == [
        "in.jsonl:3: malformed JSON"
        " (Expecting property name enclosed in double quotes at column 2)",
        "in.jsonl:4: not a JSON object (got list)",
        "in.jsonl:5: record has no 'text' field",
        "in.jsonl:6: record field 'text' is not a string (got int)",
        "in.jsonl:10: contains an unpaired UTF-16 surrogate escape, not valid Unicode",
    ]
    assert [(d.id, d.source, d.text, d.metadata) for d in documents] == [
        ("given-id", "in.jsonl:1", "Kept.", {"url": "https://example.org/a", "title": "A"}),
        ("7", "in.jsonl:7", "Integer id.", {}),
        (
            expected_id("in.jsonl:8", "Boolean id is no id."),
            "in.jsonl:8",
            "Boolean id is no id.",
            {},
        ),
        (
            expected_id("in.jsonl:9", "Empty id is no id."),
            "https://example.org/b",
            "Empty id is no id.",
            {},
        ),
        # Nested (Dolma) metadata is flattened; top-level fields win over nested ones.
        ("dolma", "in.jsonl:11", "Own output.", {"title": "T", "created": "2025-09-01"}),
        (
            expected_id("in.jsonl:12", "U+2028 \u2028 inside a string is not a line break"),
            "in.jsonl:12",
            "U+2028 \u2028 inside a string is not a line break",
            {},
        ),
    ]


HOSTILE_JSON = [
    # (label, line, error message after "in.jsonl:1: ")
    ("deep array", "[" * 200_000, "nested more than 64 levels deep"),
    ("deep metadata", '{"text": "t", "m": ' + "[" * 70 + "]" * 70 + "}",
     "nested more than 64 levels deep"),
    ("NaN", '{"text": "t", "score": NaN}', "not standard JSON: NaN"),
    ("Infinity", '{"text": "t", "score": -Infinity}', "not standard JSON: -Infinity"),
    ("overflowing float", '{"text": "t", "score": 1e999}',
     "not standard JSON: number 1e999 is out of range"),
    ("5000-digit integer", '{"text": "t", "n": ' + "7" * 5000 + "}",
     "not standard JSON: an integer of 5,000 digits is out of range"),
]


@pytest.mark.parametrize(("line", "message"), [c[1:] for c in HOSTILE_JSON],
                         ids=[c[0] for c in HOSTILE_JSON])
def test_hostile_json_lines_are_named_and_the_next_line_is_read(in_tmp, line, message):
    (in_tmp / "in.jsonl").write_text(line + "\n" + jsonl_line(2), encoding="utf-8")
    documents, errors = read_all(["in.jsonl"])
    assert errors == [f"in.jsonl:1: {message}"]
    assert [d.id for d in documents] == ["r2"]


def test_nesting_up_to_the_limit_is_read():
    from newsclean.io.readers import MAX_NESTING

    nested = "[" * (MAX_NESTING - 1) + "]" * (MAX_NESTING - 1)
    assert readers._parse_json('{"text": "t", "m": ' + nested + "}")["text"] == "t"


def nested_list(levels):
    value = []
    for _ in range(levels - 1):
        value = [value]
    return value


def test_a_record_is_read_only_if_it_reads_back_once_written(in_tmp):
    """A record's own fields are written one level deeper, under "metadata": a record nested
    exactly 64 levels through such a field used to be read and written at 65, and then
    refused when read back (issue 10)."""
    from newsclean.io.readers import MAX_NESTING
    from newsclean.record import Record

    at_limit = {"id": "top", "text": "t", "deep": nested_list(MAX_NESTING - 1)}
    under = {"id": "under", "text": "t", "deep": nested_list(MAX_NESTING - 2)}
    nested_meta = {"id": "meta", "text": "t", "metadata": {"deep": nested_list(MAX_NESTING - 2)}}
    (in_tmp / "in.jsonl").write_text(
        "".join(json.dumps(r) + "\n" for r in (at_limit, under, nested_meta)), encoding="utf-8")
    documents, errors = read_all(["in.jsonl"])
    assert errors == ["in.jsonl:1: nested more than 64 levels deep once its fields are written "
                      "under 'metadata'"]
    assert [d.id for d in documents] == ["under", "meta"]
    written = in_tmp / "out.jsonl"
    written.write_text("".join(
        Record(id=d.id, text=d.text, source=d.source, metadata=d.metadata).to_json() + "\n"
        for d in documents), encoding="utf-8")
    again, errors = read_all(["out.jsonl"])
    assert errors == []
    assert [(d.id, d.metadata["deep"]) for d in again] == [
        ("under", under["deep"]), ("meta", nested_meta["metadata"]["deep"])]


def jsonl_line(i):
    return json.dumps({"id": f"r{i}", "text": f"Record {i}."}) + "\n"


def test_a_jsonl_file_of_any_size_is_streamed_and_the_limit_is_per_record(in_tmp):
    # 200 records of ~40 bytes: the file is far over the limit, each record within it.
    lines = [jsonl_line(i) for i in range(200)]
    lines[150] = json.dumps({"id": "big", "text": "x" * 500}) + "\n"
    (in_tmp / "corpus.jsonl").write_text("".join(lines), encoding="utf-8")
    documents, errors = read_all(["corpus.jsonl"], max_bytes=100)
    assert errors == [
        "corpus.jsonl:151: record too large: over the limit of 100 bytes (max_bytes); skipped"
    ]
    assert [d.id for d in documents] == [f"r{i}" for i in range(200) if i != 150]


def test_streaming_jsonl_holds_one_record_not_the_file(in_tmp):
    import tracemalloc

    # 24 MiB of records, one 8 MiB record over the 1 MiB limit among them.
    with open("big.jsonl", "w", encoding="utf-8") as out:
        for i in range(16):
            out.write(json.dumps({"id": f"r{i}", "text": "word " * 200_000}) + "\n")
        out.write(json.dumps({"id": "huge", "text": "x" * 8 * 2**20}) + "\n")
    tracemalloc.start()
    try:
        count = 0
        errors = []
        for _ in iter_documents(["big.jsonl"], max_bytes=2**20 + 100, on_error=errors.append):
            count += 1
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == 16
    assert [e.line for e in errors] == [17]
    assert peak < 12 * 2**20  # a few records and a chunk, far below the 24 MiB file


def test_jsonl_encodings_are_recognised_per_file_and_per_line(in_tmp):
    text = jsonl_line(0) + json.dumps({"id": "u", "text": "Grüße"}, ensure_ascii=False) + "\n"
    (in_tmp / "wide.jsonl").write_bytes(codecs.BOM_UTF16_LE + text.encode("utf-16-le"))
    (in_tmp / "bom.jsonl").write_bytes(codecs.BOM_UTF8 + text.encode("utf-8"))
    mixed = jsonl_line(0).encode() + '{"id": "c", "text": "café"}\n'.encode("cp1252")
    (in_tmp / "mixed.jsonl").write_bytes(mixed)
    documents, errors = read_all(["wide.jsonl", "bom.jsonl", "mixed.jsonl"])
    assert errors == []
    assert [(d.id, d.text, d.metadata.get("encoding")) for d in documents] == [
        ("r0", "Record 0.", "utf-16-le"),
        ("u", "Grüße", "utf-16-le"),
        ("r0", "Record 0.", "utf-8-sig"),
        ("u", "Grüße", "utf-8-sig"),
        ("r0", "Record 0.", None),
        ("c", "café", "cp1252"),
    ]


def test_jsonl_files_concatenated_with_their_byte_order_marks_are_read(in_tmp):
    parts = [codecs.BOM_UTF8 + jsonl_line(i).encode() for i in range(3)]
    (in_tmp / "cat.jsonl").write_bytes(b"".join(parts))  # cat a.jsonl b.jsonl c.jsonl
    documents, errors = read_all(["cat.jsonl"])
    assert errors == []
    assert [d.id for d in documents] == ["r0", "r1", "r2"]


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (PNG, "img.jsonl: binary file (a PNG image), not text"),
        (b'{"text": "a"}\x00\x00\x00\x00', "img.jsonl: binary file (contains NUL bytes), not text"),
        (
            codecs.BOM_UTF16_LE + b"{\x00\x00\xd8",
            "img.jsonl: not valid utf-16-le (unexpected end of data)",
        ),
    ],
    ids=["png", "nul", "broken utf-16"],
)
def test_a_jsonl_file_that_is_not_text_is_one_error(in_tmp, raw, message):
    (in_tmp / "img.jsonl").write_bytes(raw)
    assert read_all(["img.jsonl"]) == ([], [message])


def test_a_truncated_jsonl_archive_gives_its_whole_records_then_names_the_damage(in_tmp):
    packed = gzip.compress("".join(jsonl_line(i) for i in range(2000)).encode())
    (in_tmp / "cut.jsonl.gz").write_bytes(packed[: len(packed) // 2])
    documents, errors = read_all(["cut.jsonl.gz"])
    assert errors == [
        "cut.jsonl.gz: not valid gzip data (Compressed file ended before the end-of-stream"
        " marker was reached)"
    ]
    # Only whole lines: the one the cut went through is not read as a record.
    assert documents
    assert [d.id for d in documents] == [f"r{i}" for i in range(len(documents))]
    assert all(d.text == f"Record {i}." for i, d in enumerate(documents))


def make_corpus(root):
    (root / "corpus" / "sub").mkdir(parents=True)
    (root / "corpus" / "b.txt").write_text("B")
    (root / "corpus" / "a.jsonl").write_text('{"id": "a1", "text": "A"}\n')
    (root / "corpus" / "sub" / "c.txt.gz").write_bytes(gzip.compress(b"C"))
    (root / "corpus" / "notes.md").write_text("not an input")
    (root / "corpus" / ".hidden.txt").write_text("hidden")
    (root / "corpus" / "z.txt").write_text("Z")


@pytest.mark.parametrize("given", ["corpus", "corpus/", "./corpus"])
def test_a_folder_is_read_recursively_in_name_order(in_tmp, given):
    make_corpus(in_tmp)
    documents, errors = read_all([given])
    assert errors == []
    # Sources are relative to the folder given; the files are the paths as found.
    assert [(d.source, d.text) for d in documents] == [
        ("a.jsonl:1", "A"),
        ("b.txt", "B"),
        ("sub/c.txt.gz", "C"),
        ("z.txt", "Z"),
    ]
    assert documents[1].id == expected_id("b.txt", "B")
    assert documents[1].path.endswith("corpus/b.txt")
    assert [d.id for d in read_all([given])[0]] == [d.id for d in documents]


def test_ids_and_sources_do_not_depend_on_how_a_path_is_typed(in_tmp, monkeypatch):
    """The same file named relative, absolute, from inside its folder, or found in a folder
    given, gets one source and one id; stdin gets its given name (issue 14)."""
    make_corpus(in_tmp)
    typed = [["corpus/b.txt"], [str(in_tmp / "corpus" / "b.txt")], ["./corpus//b.txt"]]
    seen = {(d.source, d.id) for given in typed for d in read_all(given)[0]}
    monkeypatch.chdir(in_tmp / "corpus")
    seen |= {(d.source, d.id) for d in read_all(["b.txt"])[0]}
    seen |= {(d.source, d.id) for d in read_all(["."])[0] if d.text == "B"}
    assert seen == {("b.txt", expected_id("b.txt", "B"))}
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(b"B")))
    [document] = read_all(["-"], stdin_name="b.txt")[0]
    assert (document.source, document.id) == ("b.txt", expected_id("b.txt", "B"))


def test_missing_and_unreadable_inputs_are_reported(in_tmp, monkeypatch):
    make_corpus(in_tmp)
    (in_tmp / "corpus" / "dangling.txt").symlink_to(in_tmp / "corpus" / "nowhere")
    (in_tmp / "gone.txt").symlink_to(in_tmp / "nowhere")
    real_open = open

    def open_denying_b(path, *args, **kwargs):
        if str(path).endswith("b.txt"):
            raise PermissionError(13, "Permission denied")
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(readers, "open", open_denying_b, raising=False)
    documents, errors = read_all(["corpus", "missing.txt", "gone.txt"])
    assert [d.text for d in documents] == ["A", "C", "Z"]
    assert errors == [
        "corpus/b.txt: cannot read (Permission denied)",
        f"corpus/dangling.txt: dangling symbolic link (to {in_tmp}/corpus/nowhere, not there)",
        "missing.txt: no such file or folder",
        "gone.txt: cannot read (No such file or directory)",
    ]


def test_folders_and_files_vanishing_mid_run_are_reported(in_tmp):
    make_corpus(in_tmp)
    (in_tmp / "corpus" / "sub" / "d.txt").write_text("D")
    errors = []
    documents = iter_documents(["corpus"], on_error=errors.append)
    assert next(documents).text == "A"
    shutil.rmtree(in_tmp / "corpus" / "sub")
    (in_tmp / "corpus" / "b.txt").unlink()
    assert [d.text for d in documents] == ["Z"]
    assert [str(e) for e in errors] == [
        "corpus/b.txt: cannot read (No such file or directory)",
        "corpus/sub: cannot list folder (No such file or directory)",
    ]


def test_symlink_loops_are_reported_and_not_followed(in_tmp):
    make_corpus(in_tmp)
    (in_tmp / "corpus" / "sub" / "up").symlink_to(in_tmp / "corpus")
    (in_tmp / "corpus" / "self").symlink_to("self")
    documents, errors = read_all(["corpus"])
    assert [d.source for d in documents] == [
        "a.jsonl:1",
        "b.txt",
        "sub/c.txt.gz",
        "z.txt",
    ]
    assert errors == [
        "corpus/self: symlink loop (the link points to itself)",
        f"corpus/sub/up: symlink loop (leads back to {in_tmp / 'corpus'}); skipped",
    ]


def make_links(root):
    """A corpus with links of every kind: to a file and a folder inside it, and out of it (to
    a file, to a folder, and ``up -> ..``); ``root/elsewhere`` is outside the corpus."""
    make_corpus(root)
    (root / "elsewhere").mkdir()
    (root / "elsewhere" / "e.txt").write_text("E")
    corpus = root / "corpus"
    (corpus / "in.txt").symlink_to("b.txt")
    (corpus / "in_folder").symlink_to("sub")
    (corpus / "out.txt").symlink_to(root / "elsewhere" / "e.txt")
    (corpus / "out_folder").symlink_to(root / "elsewhere")
    (corpus / "sub" / "up").symlink_to("..")
    (corpus / "up").symlink_to("..")


def test_a_walk_never_leaves_the_folder_it_was_given(in_tmp):
    """Links inside the folder are read (run is read-only); a link out of it is named and not
    followed: a `up -> ..` link used to make the walk read the parent folder (issue 10 item 1)."""
    make_links(in_tmp)
    documents, errors = read_all(["corpus"])
    assert [d.source for d in documents] == [
        "a.jsonl:1",
        "b.txt",
        "in.txt",
        "in_folder/c.txt.gz",
        "sub/c.txt.gz",
        "z.txt",
    ]
    assert "E" not in [d.text for d in documents]
    corpus, elsewhere = in_tmp / "corpus", in_tmp / "elsewhere"
    assert errors == [
        f"corpus/in_folder/up: symlink loop (leads back to {corpus}); skipped",
        f"corpus/out.txt: symbolic link to {elsewhere / 'e.txt'}, outside {corpus}; "
        "not followed",
        f"corpus/out_folder: symbolic link to {elsewhere}, outside {corpus}; not followed",
        f"corpus/sub/up: symlink loop (leads back to {corpus}); skipped",
        f"corpus/up: symbolic link to {in_tmp}, outside {corpus}; not followed",
    ]


def test_without_following_links_every_link_is_named_and_skipped(in_tmp):
    """What check and fix walk: nothing is ever reached through a link, named or found; a
    folder named as an input may itself be a link."""
    from newsclean.io import iter_input_files
    from newsclean.io.readers import NOT_FOLLOWED

    make_links(in_tmp)
    (in_tmp / "corpus_link").symlink_to("corpus")
    errors = []
    found = list(iter_input_files(["corpus", "corpus/in.txt", "corpus_link"],
                                  on_error=errors.append, follow_links=False))
    inside = ["a.jsonl", "b.txt", "sub/c.txt.gz", "z.txt"]
    assert [p.as_posix() for p in found] == [f"corpus/{name}" for name in inside] + [
        f"corpus_link/{name}" for name in inside]
    links = ["in.txt", "in_folder", "out.txt", "out_folder", "sub/up", "up"]
    assert [str(e) for e in errors] == [
        *(f"corpus/{name}: {NOT_FOLLOWED}" for name in links),
        f"corpus/in.txt: {NOT_FOLLOWED}",
        *(f"corpus_link/{name}: {NOT_FOLLOWED}" for name in links),
    ]


def run_or_fail_if_blocked(work):
    """Run ``work`` in a daemon thread; a read that blocks on a named pipe fails the test
    instead of hanging the session (the bound matters only when the code is wrong)."""
    import threading

    outcome = []
    thread = threading.Thread(target=lambda: outcome.append(work()), daemon=True)
    thread.start()
    thread.join(timeout=60)
    assert not thread.is_alive(), "blocked reading a named pipe"
    return outcome[0]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX")
def test_a_named_pipe_named_explicitly_is_refused_without_blocking(in_tmp):
    """Opening a named pipe blocks until a writer comes: it used to hang the run (issue 12)."""
    os.mkfifo(in_tmp / "pipe.txt")
    os.mkfifo(in_tmp / "pipe.jsonl")
    (in_tmp / "real.txt").write_text("Real.")
    documents, errors = run_or_fail_if_blocked(
        lambda: read_all(["pipe.txt", "real.txt", "pipe.jsonl"]))
    assert [d.text for d in documents] == ["Real."]
    assert errors == ["pipe.txt: not a regular file (a named pipe); refused",
                      "pipe.jsonl: not a regular file (a named pipe); refused"]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX")
def test_a_named_pipe_found_in_a_folder_is_named_as_one(in_tmp):
    """Found in a folder, it was 'dangling symlink or device', which it is not."""
    (in_tmp / "corpus").mkdir()
    os.mkfifo(in_tmp / "corpus" / "pipe.txt")
    documents, errors = run_or_fail_if_blocked(lambda: read_all(["corpus"]))
    assert (documents, errors) == ([], ["corpus/pipe.txt: not a regular file (a named pipe); "
                                        "refused"])


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX")
@pytest.mark.parametrize("name", ["swapped.txt", "swapped.jsonl.gz"])
def test_a_file_swapped_for_a_named_pipe_after_the_check_is_refused_when_opened(in_tmp, name):
    os.mkfifo(in_tmp / name)
    errors = []
    # What reading a file does once it has passed the check of named inputs.
    documents = run_or_fail_if_blocked(lambda: list(readers._read_file(
        Path(name), name, readers.DEFAULT_MAX_BYTES, errors.append)))
    assert documents == []
    assert [str(e) for e in errors] == [f"{name}: not a regular file (a named pipe); refused"]
    assert readers.read_utf8(Path(name)) is None


def test_a_device_named_explicitly_is_refused():
    documents, errors = read_all([os.devnull])
    assert documents == []
    assert errors == [f"{os.devnull}: not a regular file (a character device); refused"]


@pytest.mark.parametrize(("name", "shown"), [
    ("a\x1b]0;owned\x07.txt", "a\\x1b]0;owned\\x07.txt"),
    ("two\nlines.txt", "two\\nlines.txt"),
    ("tab\tcr\r.txt", "tab\\tcr\\r.txt"),
    ("del\x7f c1\x9b.txt", "del\\x7f c1\\x9b.txt"),
    ("right\u202eto-left\u2066.txt", "right\\u202eto-left\\u2066.txt"),
    ("line\u2028sep.txt", "line\\u2028sep.txt"),
    ("plain café.txt", "plain café.txt"),
    ("C:\\data\\a.txt", "C:\\data\\a.txt"),
])
def test_display_path_escapes_what_a_terminal_would_act_on(name, shown):
    """Terminal escapes, newlines and bidi controls in a file name used to be printed raw
    (issue 10 item 11): they could retitle or clear a terminal and break FILE:LINE lines."""
    from newsclean.io import display_path

    assert display_path(name) == shown
    assert display_path(shown) == shown  # escaping twice changes nothing
    assert shown.isprintable()


def test_display_path_shows_bytes_that_are_not_utf8_and_controls_alike():
    from newsclean.io import display_path

    assert display_path(os.fsdecode(b"caf\xe9\x1b.txt")) == "caf\\xe9\\x1b.txt"


def test_input_errors_name_a_hostile_file_on_one_line(in_tmp):
    name = "evil\x1b[2J\nsecond line.txt"
    (in_tmp / name).write_bytes(PNG)
    _, errors = read_all([name])
    assert len(errors) == 1
    assert errors[0].startswith("evil\\x1b[2J\\nsecond line.txt: binary file")
    assert "\n" not in errors[0] and "\x1b" not in errors[0]


def feed_stdin(monkeypatch, data):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))


def test_stdin_plain_text(monkeypatch):
    feed_stdin(monkeypatch, b'Just text.\n{"text": "one json line does not make JSONL"}\n')
    [document], errors = read_all(["-"])
    assert errors == []
    assert document.source == "-"
    assert document.text.startswith("Just text.")
    assert document.id == expected_id("-", document.text)


def test_stdin_jsonl(monkeypatch):
    feed_stdin(
        monkeypatch, b'{"text": "one"}\n\n{"id": "x", "text": "two", "url": "u"}\n{"text": null}\n'
    )
    documents, errors = read_all(["-"])
    assert errors == ["-:4: record field 'text' is not a string (got NoneType)"]
    assert [(d.id, d.source, d.text, d.metadata) for d in documents] == [
        (expected_id("-:1", "one"), "-:1", "one", {}),
        ("x", "-:3", "two", {"url": "u"}),
    ]


@pytest.mark.parametrize(
    ("data", "max_bytes", "message"),
    [
        (PNG, 100, "-: binary file (a PNG image), not text"),
        (b"x" * 11, 10, "-: too large: over the limit of 10 bytes (max_bytes); refused"),
    ],
)
def test_stdin_refused(monkeypatch, data, max_bytes, message):
    feed_stdin(monkeypatch, data)
    assert read_all(["-"], max_bytes=max_bytes) == ([], [message])


def test_stdin_jsonl_is_streamed_past_the_limit(monkeypatch):
    feed_stdin(monkeypatch, "".join(jsonl_line(i) for i in range(100)).encode())
    documents, errors = read_all(["-"], max_bytes=100)
    assert errors == []
    assert [d.id for d in documents] == [f"r{i}" for i in range(100)]


def test_stdin_text_whose_first_line_is_long_is_read_whole(monkeypatch):
    # The first line is tried as JSON; text mode must still see every byte read for that.
    data = ("x" * (3 * 2**20) + "\nsecond line\n").encode()
    feed_stdin(monkeypatch, data)
    [document], errors = read_all(["-"])
    assert errors == []
    assert document.text == data.decode()


def test_no_stdin_at_all(monkeypatch):
    monkeypatch.setattr(sys, "stdin", None)
    assert read_all(["-"]) == ([], ["-: no standard input to read"])


def test_input_error_format_and_pickling():
    error = InputError("data/in.jsonl", "record has no 'text' field", 12)
    assert str(error) == "data/in.jsonl:12: record has no 'text' field"
    assert str(InputError("a.txt", "empty")) == "a.txt: empty"
    copy = pickle.loads(pickle.dumps(error))
    assert (copy.path, copy.message, copy.line, str(copy)) == (
        error.path,
        error.message,
        error.line,
        str(error),
    )


@pytest.mark.parametrize(
    "name, parts",
    [("a.txt", ("a", ".txt")), ("a.txt.gz", ("a", ".txt.gz")),
     ("x.y.JSONL.zst", ("x.y", ".JSONL.zst")), ("noext", ("noext", "")),
     (".hidden.txt", (".hidden", ".txt"))],
)
def test_split_name_keeps_type_and_compression_together(name, parts):
    from newsclean.io import split_name

    assert split_name(name) == parts


def test_a_large_jsonl_file_is_cut_at_line_ends_into_parts_numbered_as_the_file(in_tmp):
    lines = [json.dumps({"text": f"Record {i} " + "word " * (i % 7)}) for i in range(40)]
    lines[20] = json.dumps({"text": "long " * 200})  # longer than a part: a part of its own
    path = in_tmp / "big.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    data = path.read_bytes()
    parts = list(readers.line_parts(path, 300))
    assert len(parts) > 5 and parts[0].start == 0 and parts[-1].stop is None
    for part, after in zip(parts, parts[1:]):
        assert part.stop == after.start and data[after.start - 1 : after.start] == b"\n"
        assert after.line == 1 + data.count(b"\n", 0, after.start)
    errors = []
    documents = [d for part in parts
                 for d in readers.read_file(path, on_error=errors.append, part=part)]
    assert errors == [] and [d.source for d in documents] == [f"big.jsonl:{i}"
                                                              for i in range(1, 41)]


@pytest.mark.parametrize(("name", "data"), [
    ("small.jsonl", b'{"text": "one"}\n' * 10),  # no larger than a part
    ("one-line.jsonl", b'{"text": "' + b"x" * 2000 + b'"}\n'),
    ("packed.jsonl.gz", gzip.compress(b'{"text": "one"}\n' * 400)),  # cannot be cut unread
    ("wide.jsonl", codecs.BOM_UTF16_LE + '{"text": "one"}\n'.encode("utf-16-le") * 100),
    ("binary.jsonl", PNG * 200),
    ("story.txt", b"A paragraph.\n" * 300),
    ("missing.jsonl", None),
])
def test_what_cannot_or_need_not_be_cut_is_one_whole_part(in_tmp, name, data):
    path = in_tmp / name
    if data is not None:
        path.write_bytes(data)
    assert list(readers.line_parts(path, 1000)) == [readers.WHOLE]
