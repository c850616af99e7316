import numpy as np
from conftest import run_and_commit
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
    out = run_and_commit(NearDuplicates(**options), drafts)
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


def test_an_article_an_earlier_run_kept_stays_kept(tmp_path):
    # The new copy is dated earlier, which would win in one run over both; but the first
    # run's output already has "late" as a kept record, so the new copy is the duplicate.
    path = str(tmp_path / "index.db")
    run([("late", BASE, "2024-05-01")], index=path)
    marks, _ = run([("early", edited(BASE, 30), "2024-01-01")], index=path)
    assert marks["early"] == ("late", "late")
    fresh, _ = run([("late", BASE, "2024-05-01"), ("early", edited(BASE, 30), "2024-01-01")])
    assert fresh["early"] == ("early", None)


def file_draft(path: str, text: str) -> Draft:
    return Draft.start(Document(id=f"{path}:{hash(text)}", source=path, text=text, path=path))


def per_file_run(index: str, *files: tuple[str, str]):
    drafts = [file_draft(p, t) for p, t in files]
    run_and_commit(NearDuplicates(index=index, per_file=True), drafts)
    return {d.document.path: d.duplicate_of for d in drafts}


def test_per_file_index_follows_edits_deletions_and_renames(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    index = str(tmp_path / "index.db")
    for name in ("a.txt", "copy.txt", "renamed.txt"):
        (tmp_path / name).write_text("x", encoding="utf-8")
    assert per_file_run(index, ("a.txt", BASE)) == {"a.txt": None}
    # a.txt edited: never a duplicate of its own earlier version
    assert per_file_run(index, ("a.txt", edited(BASE, 30))) == {"a.txt": None}
    # a copy in another file is, and is not indexed
    (flagged,) = per_file_run(index, ("copy.txt", BASE)).values()
    assert flagged is not None
    assert per_file_run(index, ("a.txt", edited(BASE, 30))) == {"a.txt": None}
    # a.txt renamed: the old name is gone from disk, so its entry goes
    (tmp_path / "a.txt").unlink()
    assert per_file_run(index, ("renamed.txt", edited(BASE, 30))) == {"renamed.txt": None}
    from newsclean.dedup.index import open_index

    stored = open_index(index)
    assert stored.paths() == {"renamed.txt"}
    stored.close()
