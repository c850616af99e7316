"""The sketch table keeps its columns in chunks: every row reads back as it was added, however
the rows were split among tables, chunks and pickles.
"""

from __future__ import annotations

import pickle
import random

import numpy as np
import pytest

from newsclean.dedup import sketches as module
from newsclean.dedup.minhash import DEFAULT_SCHEME
from newsclean.dedup.sketches import Sketches
from newsclean.record import Block, Document
from newsclean.steps.base import Draft

WORDS = ("river", "bridge", "council", "été", "market", "\U0001f600", "tram", "budget")


def draft(i: int) -> Draft:
    rng = random.Random(i)
    text = "\n\n".join(" ".join(rng.choice(WORDS) for _ in range(rng.randint(0, 12)))
                       for _ in range(rng.randint(1, 4)))
    metadata = {"url": f"https://example.org/{'é' * (i % 5)}{i}"} if i % 3 else {}
    document = Document(f"id-{i}-{'x' * (i % 7)}", f"site/{i}.jsonl:{i}", text, metadata,
                        None if i % 4 == 0 else f"in/{i}.jsonl")
    return Draft.start(document)


def paragraph_hash(text: str) -> int | None:
    return hash(text) % 2**63 if text.strip() else None


def rows(table: Sketches) -> list[tuple]:
    """Everything a corpus step reads of each row."""
    sigs = table.signatures(DEFAULT_SCHEME)
    return [(table.ids[r], table.created[r], table.urls[r], table.sources[r], table.paths[r],
             table.lengths[r], int(table.has_words[r]), table.paragraphs(r).tolist(),
             sigs[r].tolist()) for r in range(len(table))]


@pytest.fixture
def small_chunks(monkeypatch):
    """Chunks of a few values, bytes and rows, so that a few dozen rows span many."""
    monkeypatch.setattr(module, "_CHUNK", 5)
    monkeypatch.setattr(module, "_ENDS_SHIFT", 2)
    monkeypatch.setattr(module, "_BLOB_CHUNK", 7)
    monkeypatch.setattr(module, "_ROWS_CHUNK", 3)


def test_rows_read_back_across_chunks_tables_and_pickles(small_chunks):
    drafts = [draft(i) for i in range(60)]
    reference = Sketches([DEFAULT_SCHEME])
    for d in drafts:
        reference.add([d], paragraph_hash)
    expected = rows(reference)
    assert expected[0][4] is None and expected[1][2] == "https://example.org/é1"
    # A parent's table: the tables of tasks of uneven sizes, sent as pickles, appended.
    parent = Sketches([DEFAULT_SCHEME])
    start = 0
    for size in (1, 0, 7, 13, 2, 37):
        task = Sketches([DEFAULT_SCHEME])
        task.add(drafts[start : start + size], paragraph_hash)
        parent.extend(pickle.loads(pickle.dumps(task)))
        start += size
    assert len(parent) == 60 and rows(parent) == expected
    # Read whole, the columns are one array each; rows added after read back too.
    assert isinstance(parent.paragraph_hashes, np.ndarray)
    assert parent.paragraph_ends[-1] == len(parent.paragraph_hashes)
    parent.add([draft(60), draft(61)], paragraph_hash)
    reference.add([draft(60), draft(61)], paragraph_hash)
    assert rows(parent) == rows(reference)
    assert rows(pickle.loads(pickle.dumps(parent))) == rows(reference)


def test_a_table_holds_no_spare_capacity_beyond_its_last_chunks(small_chunks):
    table = Sketches([DEFAULT_SCHEME])
    for i in range(40):
        table.add([draft(i)], paragraph_hash)
    columns = [table.lengths, table._has_words, table._paragraph_hashes, table._paragraph_ends]
    for column in columns:
        assert column.nbytes() <= column.capacity() < column.nbytes() + (
            column._chunk * column.dtype.itemsize)
    for strings in (table.ids, table.created, table.urls, table.sources, table.paths):
        assert len(strings._ends) == 10  # 40 ends in chunks of 2**2, none copied when full
        assert len(strings.blob._chunks) == -(-strings.blob.size // 7)
    rows = table._signatures[DEFAULT_SCHEME]
    assert len(rows._chunks) == 14  # 40 rows in chunks of 3, none copied
    assert sum(chunk.nbytes for chunk in rows._chunks) == 42 * rows.nbytes() // 40


def test_each_distinct_paragraph_of_a_draft_is_hashed_once():
    # A navigation dump repeats its lines: each is hashed once, and all count.
    lines = ["Home", "News", "Home", "Sport 1", "News"]
    document = Document("id", "nav.txt", "\n".join(lines), {}, None)
    starts = [5 * i for i in range(len(lines))]  # the spans are not read here
    d = Draft(document, [Block(s, s + len(t), t) for s, t in zip(starts, lines)])
    hashed = []
    table = Sketches([DEFAULT_SCHEME])
    table.add([d], lambda text: hashed.append(text) or paragraph_hash(text))
    assert sorted(hashed) == sorted(set(lines))
    assert table.paragraphs(0).tolist() == sorted({paragraph_hash(t) for t in lines})
