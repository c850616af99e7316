import numpy as np
import pytest
from conftest import run_and_commit
from hypothesis import given
from hypothesis import strategies as st

from newsclean.dedup import shingles
from newsclean.record import Block, Document
from newsclean.steps.base import Draft
from newsclean.steps.corpus_boilerplate import CorpusBoilerplate, paragraph_hash, site_of
from newsclean.steps.near_duplicates import NearDuplicates

FOOTER = "Support independent journalism: become a member today for just 5 a month."


def body(seed: int, paragraphs: int = 4) -> list[str]:
    rng = np.random.default_rng(seed)
    return [
        " ".join(f"w{n}" for n in rng.integers(0, 5000, size=60)) + "." for _ in range(paragraphs)
    ]


def draft(doc_id: str, paragraphs: list[str], folder: str = "site-a") -> Draft:
    text = "\n\n".join(paragraphs)
    d = Draft(document=Document(doc_id, f"{folder}/{doc_id}.txt", text), blocks=[])
    position = 0
    for para in paragraphs:
        d.blocks.append(Block(position, position + len(para), para))
        position += len(para) + 2
    return d


def footer_corpus(n: int = 10, with_footer: int = 6) -> list[Draft]:
    drafts = []
    for i in range(n):
        paras = body(i)
        if i < with_footer:
            # Same footer up to case, spacing and a changing number.
            paras.append(FOOTER.replace("5", str(i)).upper() if i % 2 else FOOTER)
        drafts.append(draft(f"d{i}", paras))
    return drafts


def test_recurring_footer_is_removed_with_a_counted_reason():
    drafts = CorpusBoilerplate().run_corpus(footer_corpus())
    for d in drafts[:6]:
        assert "member today" not in d.text.lower()
        (removed,) = [b.removal for b in d.blocks if b.removal]
        assert removed.step == "corpus_boilerplate"
        assert "recurs in 6 of 10 independent articles from site-a" in removed.reason
    assert all(len(d.kept) == 4 for d in drafts)


def test_below_the_limits_nothing_is_removed():
    drafts = CorpusBoilerplate().run_corpus(footer_corpus(with_footer=4))
    assert all(b.kept for d in drafts for b in d.blocks)
    drafts = CorpusBoilerplate(min_share=0.7).run_corpus(footer_corpus())
    assert all(b.kept for d in drafts for b in d.blocks)


def test_sites_are_counted_separately():
    drafts = footer_corpus()
    for d in drafts[:3]:
        d.document = Document(d.document.id, f"other/{d.id}.txt", d.document.text)
    CorpusBoilerplate().run_corpus(drafts)
    assert all(b.kept for d in drafts for b in d.blocks)  # 3 + 3: neither site reaches 5


def test_near_duplicate_articles_do_not_make_their_paragraphs_boilerplate():
    story = body(42, paragraphs=6)
    copies = []
    for i in range(6):  # one story republished six times, one paragraph edited in each
        paras = list(story)
        paras[i] = paras[i].replace("w", "v", 3)
        copies.append(draft(f"copy{i}", paras))
    others = [draft(f"o{i}", body(100 + i)) for i in range(4)]
    drafts = copies + others
    CorpusBoilerplate().run_corpus(drafts)
    assert all(b.kept for d in drafts for b in d.blocks)
    # The same holds when the near-duplicate step ran first and set the clusters.
    drafts = NearDuplicates().run_corpus(copies + others)
    CorpusBoilerplate().run_corpus(drafts)
    assert all(b.kept for d in drafts for b in d.blocks)


def test_index_counts_earlier_runs_once(tmp_path):
    path = str(tmp_path / "index.db")
    first = footer_corpus(n=10, with_footer=3)
    run_and_commit(CorpusBoilerplate(index=path), first)
    assert all(b.kept for d in first for b in d.blocks)
    # Re-running the same files does not double their counts.
    again = footer_corpus(n=10, with_footer=3)
    run_and_commit(CorpusBoilerplate(index=path), again)
    assert all(b.kept for d in again for b in d.blocks)
    # New articles carrying the footer push it over the limit together with the index.
    new = [draft(f"n{i}", body(500 + i) + [FOOTER]) for i in range(2)]
    run_and_commit(CorpusBoilerplate(index=path), new)
    assert all("member today" not in d.text for d in new)
    assert "recurs in 5 of 12" in new[0].blocks[-1].removal.reason


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("Subscribe to our newsletter for 3 stories a day.", 5160988580238163368),
        ("Ünïcödé Straße 12 ﬁne", 17760854139439442984),
    ],
)
def test_paragraph_hash_is_the_value_indexes_store(text, value):
    assert paragraph_hash(text) == value


@given(st.text(alphabet=st.sampled_from("ab 1,\u00e9e\u0301ß中"), max_size=200))
def test_paragraph_hash_of_a_long_paragraph_is_taken_window_by_window(text):
    expected = paragraph_hash(text)  # one window: the whole text
    original = shingles._WINDOW_CHARS
    shingles._WINDOW_CHARS = 8
    try:
        assert paragraph_hash(text) == expected
    finally:
        shingles._WINDOW_CHARS = original
    assert (expected is None) == (not shingles.tokens(text))


def test_site_and_paragraph_hash():
    d = draft("x", ["text"], folder="scrapes/example")
    assert site_of(d) == "scrapes/example"
    d.url = "https://www.Example.com/news/1"
    assert site_of(d) == "example.com"
    assert paragraph_hash("Copyright 2023 The Paper") == paragraph_hash("copyright 2024 the PAPER!")
    assert paragraph_hash("...") is None


def test_per_file_units_do_not_pile_up_when_one_file_is_edited(tmp_path, monkeypatch):
    # Each check of an edited scrape used to add one more "article" holding the same
    # paragraphs; after five edits they recurred in five units and were cut as boilerplate.
    monkeypatch.chdir(tmp_path)
    index = str(tmp_path / "index.db")
    paragraphs = body(1)
    for edit in range(8):
        version = [*paragraphs, f"Edit {edit} changed this closing line of the story."]
        d = draft("story", version)
        d.document = Document(f"story-{edit}", "site-a/story.txt", d.document.text,
                              path="site-a/story.txt")
        (out,) = run_and_commit(CorpusBoilerplate(index=index, per_file=True), [d])
        assert all(b.kept for b in out.blocks), edit
    from newsclean.dedup.index import open_index

    stored = open_index(index)
    assert stored.stored_paragraph_counts("site-a", {paragraph_hash(paragraphs[0])}, set())[1] == 1
    stored.close()


def test_per_file_counts_each_record_of_a_jsonl_file(tmp_path, monkeypatch):
    # Units stay articles; the file is only what they are forgotten by. All ten records of one
    # JSONL file are ten units, so their shared footer is found.
    monkeypatch.chdir(tmp_path)
    drafts = footer_corpus()
    for d in drafts:
        d.document = Document(d.document.id, "site-a/all.jsonl", d.document.text,
                              path="site-a/all.jsonl")
    out = run_and_commit(CorpusBoilerplate(index=str(tmp_path / "index.db"), per_file=True), drafts)
    removed = [b for d in out for b in d.blocks if not b.kept]
    assert len(removed) == 6


def test_per_file_sites_are_named_from_the_index_whatever_the_working_folder(tmp_path,
                                                                             monkeypatch):
    (tmp_path / "site-a").mkdir()
    index = str(tmp_path / "index.db")

    def run_from(folder, names, prefix):
        monkeypatch.chdir(folder)
        drafts = []
        for name in names:
            (tmp_path / "site-a" / name).write_text("x", encoding="utf-8")
            d = draft(name, [*body(ord(name[0])), FOOTER])
            d.document = Document(name, prefix + name, d.document.text, path=prefix + name)
            drafts.append(d)
        return run_and_commit(CorpusBoilerplate(index=index, per_file=True), drafts)

    run_from(tmp_path, ["a.txt", "b.txt", "c.txt"], "site-a/")
    out = run_from(tmp_path / "site-a", ["d.txt", "e.txt"], "")
    assert all(d.blocks[-1].removal for d in out)  # five files of one site carry the footer


STOCK = [f"Stock line {word} about the newsletter, the app and the weekly quiz of this site."
         for word in ("one", "two", "three", "four", "five", "six")]


@given(st.lists(st.tuples(st.sampled_from(["site-a", "site-b"]), st.integers(0, 6),
                          st.sets(st.integers(0, 5), max_size=4)), min_size=1, max_size=30),
       st.integers(2, 6))
def test_counting_with_arrays_decides_as_counting_units_one_by_one(specs, min_documents):
    # A run without an index counts with arrays; with an (in-memory) index, unit by unit.
    # Both must remove the same paragraphs with the same reasons, near-duplicates included
    # (stories repeat, so some articles share a cluster and count once).
    def corpus():
        return [draft(f"d{i:02d}", [*body(story), *(STOCK[k] for k in sorted(stock))], folder)
                for i, (folder, story, stock) in enumerate(specs)]

    def removals(index):
        step = CorpusBoilerplate(min_documents=min_documents, min_share=0.2, index=index)
        drafts = NearDuplicates().run_corpus(corpus())
        return [[(b.start, b.removal.reason if b.removal else None) for b in d.blocks]
                for d in step.run_corpus(drafts)]

    from newsclean.dedup.index import NearDuplicateIndex

    assert removals(None) == removals(NearDuplicateIndex())
