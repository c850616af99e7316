"""The data model: Record/Removal JSON round trip, Document, document_id."""

import dataclasses
import hashlib
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from newsclean.record import Document, Record, Removal, document_id

FIELD_ORDER = ["id", "text", "source", "added", "created", "url", "metadata", "removed",
               "duplicate_of", "cluster"]
EMPTY_METADATA = {"title": None, "authors": [], "standfirst": None, "language": None,
                  "links": [], "credits": [], "encoding": None, "fixes": [], "extra": None}


def full_record(**changes):
    record = Record(
        id="abc123/1",
        text="First paragraph.\n\nSecond “quoted” paragraph — ünïcode.",
        source="fixtures/seeds/x.txt",
        url="https://example.org/a",
        created="2025-09-01",
        metadata={"standfirst": "A headline", "links": ["http://a.b/c"], "credits": ["AFP."]},
        removed=[
            Removal("banners", "donation or subscription appeal", 0, 12, "Donate now!\n"),
            Removal("links", "bare URL line; kept in metadata.links", 40, 52, "http://a.b/c"),
        ],
    )
    return dataclasses.replace(record, **changes)


def test_removal_dict_round_trip_and_field_order():
    removal = Removal("repeats", "repeat of the paragraph at 0-10", 11, 21, "some text\n")
    data = removal.to_dict()
    assert list(data) == ["step", "reason", "start", "end", "text"]
    assert Removal.from_dict(data) == removal
    assert Removal.from_dict(json.loads(json.dumps(data))) == removal


def test_removal_dict_is_the_dataclass_fields():
    # to_dict is written out field by field (for speed): it must stay every field, in order,
    # with the values dataclasses.asdict gives, and the text left out only when asked.
    removal = Removal("banners", "call to action", 3, 9, "Share\n")
    assert removal.to_dict() == dataclasses.asdict(removal)
    assert list(removal.to_dict()) == [f.name for f in dataclasses.fields(Removal)]
    assert removal.to_dict(with_text=False) == {**dataclasses.asdict(removal), "text": None}


def test_record_json_round_trip_identity():
    record = full_record()
    line = record.to_json()
    assert "\n" not in line
    assert Record.from_json(line) == record
    # and again: serialising the parsed record gives the same bytes
    assert Record.from_json(line).to_json() == line


def test_record_field_order_every_field_present():
    data = json.loads(full_record().to_json())
    assert list(data) == FIELD_ORDER
    assert data["cluster"] is None and data["duplicate_of"] is None
    assert list(data["removed"][0]) == ["step", "reason", "start", "end", "text"]


def test_record_cluster_and_duplicate_of_written_when_set():
    record = full_record(cluster="c-1", duplicate_of="other/0")
    data = json.loads(record.to_json())
    assert list(data) == FIELD_ORDER
    assert data["cluster"] == "c-1" and data["duplicate_of"] == "other/0"
    assert Record.from_json(record.to_json()) == record


def test_record_only_cluster_set():
    record = full_record(cluster="c-9")
    data = json.loads(record.to_json())
    assert data["cluster"] == "c-9" and data["duplicate_of"] is None
    assert Record.from_json(record.to_json()) == record


def test_record_unknown_fields_null_or_empty():
    record = Record(id="x", text="t", source="s")
    data = json.loads(record.to_json())
    assert data == {"id": "x", "text": "t", "source": "s", "added": None, "created": None,
                    "url": None, "metadata": EMPTY_METADATA, "removed": [],
                    "duplicate_of": None, "cluster": None}
    assert Record.from_json(record.to_json()) == record


def test_record_json_keeps_utf8_unescaped():
    record = full_record(text="Читайте «это» 日本語 ’")
    line = record.to_json()
    assert "Читайте «это» 日本語 ’" in line
    assert "\\u" not in line


@pytest.mark.parametrize(
    "data",
    [
        5,
        {"step": 1, "reason": "r", "start": 0, "end": 1, "text": "t"},
        {"step": "s", "reason": "r", "start": "0", "end": 1, "text": "t"},
        {"step": "s", "reason": "r", "start": True, "end": 1, "text": "t"},
        {"step": "s", "reason": "r", "start": 5, "end": 1, "text": "t"},
        {"step": "s", "reason": "r", "start": 0, "end": 1},
    ],
    ids=["not an object", "step not text", "start not int", "start bool", "end before start",
         "no text"],
)
def test_removal_from_dict_refuses_what_is_not_a_removal(data):
    with pytest.raises(ValueError):
        Removal.from_dict(data)


def test_record_json_is_standard_json_only():
    record = Record(id="a", text="t", source="s", metadata={"score": float("nan")})
    with pytest.raises(ValueError, match="not JSON compliant"):
        record.to_json()


def test_record_from_dict_rejects_non_string_text():
    with pytest.raises(TypeError):
        Record.from_dict({"id": "x", "text": 3, "source": "s"})
    with pytest.raises(KeyError):
        Record.from_dict({"text": "no id"})


def test_record_from_dict_tolerates_missing_optional_fields():
    record = Record.from_dict({"id": "x", "text": "body"})
    assert record == Record(id="x", text="body", source="")


json_scalars = st.none() | st.booleans() | st.integers(-10**6, 10**6) | st.text(max_size=20)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner,
                                                                 max_size=3),
    max_leaves=8,
)
removals = st.builds(
    lambda step, reason, span, text: Removal(step, reason, *sorted(span), text),
    step=st.text(min_size=1, max_size=12),
    reason=st.text(max_size=30),
    span=st.tuples(st.integers(0, 10**6), st.integers(0, 10**6)),  # a span starts first
    text=st.text(max_size=40),
)
records = st.builds(
    Record,
    id=st.text(min_size=1, max_size=20),
    text=st.text(max_size=200),
    source=st.text(max_size=30),
    url=st.none() | st.text(max_size=30),
    created=st.none() | st.dates().map(lambda d: d.isoformat()),
    metadata=st.dictionaries(st.text(max_size=10), json_values, max_size=4),
    removed=st.lists(removals, max_size=4),
    duplicate_of=st.none() | st.text(min_size=1, max_size=20),
    cluster=st.none() | st.text(min_size=1, max_size=20),
    added=st.datetimes().map(lambda d: d.isoformat(timespec="seconds") + "Z"),
)


@settings(max_examples=80, deadline=None)
@given(records)
def test_record_round_trip_property(record):
    line = record.to_json()
    again = Record.from_json(line)
    # The written form is a fixed point; the metadata comes back in the form the steps keep
    # (empty fields left out), everything else as it was.
    assert again.to_json() == line
    assert dataclasses.replace(again, metadata=record.metadata) == record
    data = json.loads(line)
    assert list(data) == FIELD_ORDER


def test_document_fields_and_frozen():
    doc = Document("id1", "src.txt", "text")
    assert doc.metadata == {}
    assert Document("id1", "src.txt", "text").metadata is not doc.metadata
    with pytest.raises(dataclasses.FrozenInstanceError):
        doc.text = "other"  # type: ignore[misc]


def test_document_id_stable_and_documented_form():
    key, text = "fixtures/seeds/000.txt", "Some text ’ here"
    expected = hashlib.sha1(f"{key}\0{text}".encode()).hexdigest()[:16]
    assert document_id(key, text) == expected
    assert document_id(key, text) == document_id(key, text)
    assert len(expected) == 16 and all(c in "0123456789abcdef" for c in expected)


def test_document_id_depends_on_key_and_text():
    ids = {document_id("a", "x"), document_id("b", "x"), document_id("a", "y")}
    assert len(ids) == 3
    # The separator keeps ("ab", "c") and ("a", "bc") apart.
    assert document_id("ab", "c") != document_id("a", "bc")


def test_document_id_accepts_lone_surrogates():
    assert len(document_id("k", "bad \ud800 surrogate")) == 16
