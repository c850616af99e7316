import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from newsclean.record import Document
from newsclean.steps.base import Draft
from newsclean.steps.near_duplicates import NearDuplicates


def article(seed: int, words: int = 250) -> str:
    rng = np.random.default_rng(seed)
    return " ".join(f"w{n}" for n in rng.integers(0, 5000, size=words))


def edited(text: str, every: int) -> str:
    words = text.split()
    return " ".join("changed" if i % every == 0 else w for i, w in enumerate(words))


def draft(doc_id: str, text: str, created: str | None = None) -> Draft:
    meta = {"created": created} if created else {}
    return Draft.start(Document(id=doc_id, source=f"in/{doc_id}.txt", text=text, metadata=meta))


BASE = article(1)
CORPUS = [
    ("a", BASE, "2024-03-02"),
    ("b", edited(BASE, 30), "2024-03-01"),  # earliest: kept
    ("c", edited(BASE, 25) + " tail words here", None),
    ("d", article(2), "2024-01-01"),
    ("e", article(3), None),
    ("f", edited(article(3), 40), None),  # no dates: the longer text wins
    ("g", "", None),
]


def run(specs, **options):
    drafts = [draft(*spec) for spec in specs]
    out = NearDuplicates(**options).run_corpus(drafts)
    return {d.id: (d.cluster, d.duplicate_of) for d in drafts}, [d.id for d in out]


def test_clusters_and_keep_policy():
    marks, _ = run(CORPUS)
    assert marks["b"] == ("b", None)
    assert marks["a"] == ("b", "b") and marks["c"] == ("b", "b")
    assert marks["d"] == (None, None) and marks["g"] == (None, None)
    longer = "e" if len(CORPUS[4][1]) > len(CORPUS[5][1]) else "f"
    shorter = "f" if longer == "e" else "e"
    assert marks[longer] == (longer, None) and marks[shorter] == (longer, longer)


def test_undated_and_equal_length_falls_back_to_smallest_id():
    marks, _ = run([("y", BASE, None), ("x", BASE, None)])
    assert marks == {"x": ("x", None), "y": ("x", "x")}


def test_drop_returns_only_kept_articles():
    _, kept = run(CORPUS, drop=True)
    assert kept == ["b", "d", "e" if len(CORPUS[4][1]) > len(CORPUS[5][1]) else "f", "g"]


def test_threshold_is_respected():
    marks, _ = run([("a", BASE, None), ("b", edited(BASE, 3), None)], threshold=0.9)
    assert marks["b"] == (None, None)


@settings(max_examples=25, deadline=None)
@given(st.permutations(CORPUS))
def test_result_does_not_depend_on_input_order(specs):
    assert run(specs)[0] == run(CORPUS)[0]


def test_index_links_runs_and_rerun_is_idempotent(tmp_path):
    path = str(tmp_path / "index.db")
    first, _ = run(CORPUS[:2] + CORPUS[3:4], index=path)
    assert first["a"] == ("b", "b")
    # A later run sees only the new copy; the indexed "b" is still the kept one.
    second, kept = run([CORPUS[2]], index=path, drop=True)
    assert second["c"] == ("b", "b") and kept == []
    # Running everything again gives what one fresh run gives, and duplicates no key.
    again, _ = run(CORPUS, index=path)
    fresh, _ = run(CORPUS)
    assert again == fresh


def test_indexed_article_that_loses_the_policy_is_not_marked_in_new_run(tmp_path):
    path = str(tmp_path / "index.db")
    run([("late", BASE, "2024-05-01")], index=path)
    marks, _ = run([("early", edited(BASE, 30), "2024-01-01")], index=path)
    assert marks["early"] == ("early", None)
