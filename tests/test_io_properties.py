"""Properties of the input side over arbitrary bytes: nothing escapes but through on_error.

For any bytes, as a .txt, a .jsonl or a gzipped file, and for any JSON value on a JSONL line,
reading never raises: each problem is one InputError naming the file (and line), and every
document read can go through the pipeline and be written back as standard UTF-8 JSON. A JSONL
file read in parts (as a run's workers read a large one) gives what reading it whole gives.

``NEWSCLEAN_IO_EXAMPLES`` sets the budget of the reading properties (300 by default; the run
recorded in docs/reliability.md used more).
"""

import gzip
import json
import os

from conftest import DOCUMENT_PIPELINE
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from newsclean.io import InputError, iter_documents, read_file
from newsclean.io.readers import line_parts
from newsclean.record import Record

SETTINGS = settings(
    max_examples=int(os.environ.get("NEWSCLEAN_IO_EXAMPLES", "300")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=20,
)
records = st.dictionaries(
    st.sampled_from(["text", "id", "source", "url", "created", "metadata", "title", "x"]),
    json_values, max_size=6,
)
# JSON-ish token soup, with what Python's json takes but standard JSON does not, numbers out
# of range, and nesting deep enough to exhaust the stack.
TOKENS = ["{", "}", "[", "]", ":", ",", '"text"', '"a"', '"\\ud800"', "null", "true", "7",
          "NaN", "-Infinity", "1e999", "7" * 5000, "[" * 3000]
soup = st.lists(st.sampled_from(TOKENS), max_size=12).map(lambda ts: "".join(ts).encode())
nested = st.tuples(st.integers(1, 3000), st.sampled_from(["[", '{"a":'])).map(
    lambda nd: ('{"text": "t", "m": ' + nd[1] * nd[0] + "1" + ("]" if nd[1] == "[" else "}")
                * nd[0] + "}").encode())
# Lines as a scraper or a broken pipeline may write them: JSON, JSON cut short, token soup,
# deep nesting, or raw bytes.
jsonl_lines = (records.map(lambda r: json.dumps(r).encode())
               | records.map(lambda r: json.dumps(r).encode()[:-3])
               | soup | nested | st.binary(max_size=60))


def read_all(path):
    errors = []
    documents = list(iter_documents([str(path)], on_error=errors.append))
    return documents, errors


def check(path, documents, errors):
    for error in errors:
        assert isinstance(error, InputError)
        assert str(error).startswith(str(path))
        assert "\n" not in str(error)
    for document in documents:
        assert isinstance(document.text, str)
        record = Record(id=document.id, text=document.text, source=document.source,
                        metadata=dict(document.metadata))
        line = record.to_json()  # standard JSON: no NaN, no lone surrogate
        line.encode("utf-8")
        assert json.loads(line)["text"] == document.text


@SETTINGS
@given(data=st.binary(max_size=400), suffix=st.sampled_from([".txt", ".jsonl"]),
       packed=st.booleans())
def test_any_bytes_are_read_or_named(tmp_path, data, suffix, packed):
    path = tmp_path / (f"in{suffix}.gz" if packed else f"in{suffix}")
    path.write_bytes(gzip.compress(data, mtime=0) if packed else data)
    documents, errors = read_all(path)
    check(path, documents, errors)
    if suffix == ".txt":
        assert len(documents) + len(errors) == 1


@SETTINGS
@given(lines=st.lists(jsonl_lines, max_size=6), truncate=st.integers(0, 40))
def test_any_jsonl_lines_are_read_or_named_by_line(tmp_path, lines, truncate):
    data = b"\n".join(lines) + b"\n"
    path = tmp_path / "in.jsonl.gz"
    packed = gzip.compress(data, mtime=0)
    path.write_bytes(packed[: max(10, len(packed) - truncate)])  # sometimes a damaged archive
    documents, errors = read_all(path)
    check(path, documents, errors)
    assert len(documents) <= sum(1 for line in lines if line.strip())


def clean_file(path, out):
    lines = []
    for document in read_all(path)[0]:
        lines += [r.to_json() + "\n" for r in DOCUMENT_PIPELINE.clean(document)]
    out.write_text("".join(lines), encoding="utf-8")
    return lines


STORY = ("The minister said on Tuesday that the government would present a revised budget to "
         "parliament next month, after weeks of pressure from coalition partners.")


@settings(max_examples=100, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(extra=st.dictionaries(
    st.sampled_from(["url", "created", "removed", "fixes", "metadata", "title", "cluster_x"]),
    json_values, max_size=4))
def test_cleaning_our_own_output_again_keeps_every_metadata_value(tmp_path, extra):
    """Whatever fields a record brings, a second and a third cleaning lose none of them."""
    source = tmp_path / "in.jsonl"
    source.write_text(json.dumps({"id": "a", "text": STORY, **extra}) + "\n", encoding="utf-8")
    first = clean_file(source, tmp_path / "1.jsonl")
    second = clean_file(tmp_path / "1.jsonl", tmp_path / "2.jsonl")
    third = clean_file(tmp_path / "2.jsonl", tmp_path / "3.jsonl")
    assert second == third
    kept = json.loads(first[0])
    again = json.loads(second[0])
    assert again["metadata"] == kept["metadata"]
    assert (again["url"], again["created"]) == (kept["url"], kept["created"])


# A line in Windows-1252, not UTF-8: decoded as such, and named in the record's encoding.
CP1252_LINE = '{"text": "\u00e9t\u00e9"}'.encode("cp1252")


def read_parts(path, size, max_bytes):
    """The documents and error lines of ``path`` read in parts of about ``size`` bytes."""
    errors = []
    documents = [d for part in line_parts(path, size)
                 for d in read_file(path, max_bytes=max_bytes, on_error=errors.append,
                                    part=part)]
    return documents, [str(e) for e in errors]


@SETTINGS
@given(lines=st.lists(jsonl_lines | st.just(b"") | st.just(CP1252_LINE), max_size=12),
       newline=st.sampled_from([b"\n", b"\r\n"]), mark=st.booleans(), end=st.booleans(),
       size=st.integers(1, 300), max_bytes=st.sampled_from([40, 2**20]))
def test_a_jsonl_file_read_in_parts_gives_what_reading_it_whole_gives(
        tmp_path, lines, newline, mark, end, size, max_bytes):
    # Documents, their ids and sources (with line numbers), encodings and errors.
    path = tmp_path / "in.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" * mark + newline.join(lines) + newline * end)
    errors = []
    whole = list(read_file(path, max_bytes=max_bytes, on_error=errors.append))
    assert read_parts(path, size, max_bytes) == (whole, [str(e) for e in errors])
