"""Linking from sketches finds what a datasketch MinHashLSH query per article finds."""

from __future__ import annotations

import numpy as np
import pytest
from datasketch import MinHashLSH
from datasketch.lsh import _optimal_param
from hypothesis import given, settings
from hypothesis import strategies as st

from newsclean.dedup.link import (
    LSH_WEIGHTS,
    band_keys,
    band_layout,
    candidate_pairs,
    find_clusters,
)
from newsclean.dedup.minhash import DEFAULT_SCHEME, estimate_jaccard, to_lean
from newsclean.dedup.sketches import Sketches
from newsclean.record import Document
from newsclean.steps.base import Draft


def article(seed: int, words: int = 120) -> str:
    rng = np.random.default_rng(seed)
    return " ".join(f"w{n}" for n in rng.integers(0, 3000, size=words))


def edited(text: str, every: int) -> str:
    return " ".join("x" if i % every == 0 else w for i, w in enumerate(text.split()))


def sketches_of(texts: list[str]) -> Sketches:
    drafts = [Draft.start(Document(f"d{i:03d}", f"s/{i}.txt", t, {})) for i, t in enumerate(texts)]
    table = Sketches([DEFAULT_SCHEME])
    table.add(drafts, lambda text: None)
    return table


@pytest.mark.parametrize("num_perm", [2, 16, 100, 128, 256])
def test_the_band_layout_is_the_one_datasketch_chooses(num_perm):
    for threshold in [0.01, *np.round(np.arange(0.05, 1.0, 0.05), 2), 0.99]:
        threshold = float(threshold)
        wanted = _optimal_param(threshold, num_perm, *LSH_WEIGHTS)
        assert band_layout.__wrapped__(threshold, num_perm) == wanted, threshold


def datasketch_groups(table: Sketches, threshold: float) -> set[frozenset[str]]:
    """The reference: one MinHashLSH, one query per article, verified, joined transitively."""
    sigs = table.signatures(DEFAULT_SCHEME)
    lsh = MinHashLSH(threshold=threshold, num_perm=DEFAULT_SCHEME.num_perm,
                     params=band_layout(threshold, DEFAULT_SCHEME.num_perm))
    for row in range(len(table)):
        if table.has_words[row]:
            lsh.insert(row, to_lean(sigs[row]))
    parent = list(range(len(table)))

    def find(x: int) -> int:
        while parent[x] != x:
            x = parent[x]
        return x

    for row in range(len(table)):
        if not table.has_words[row]:
            continue
        for other in lsh.query(to_lean(sigs[row])):
            if other != row and estimate_jaccard(sigs[row], sigs[other]) >= threshold:
                parent[max(find(row), find(other))] = min(find(row), find(other))
    groups: dict[int, set[str]] = {}
    for row in range(len(table)):
        groups.setdefault(find(row), set()).add(table.ids[row])
    return {frozenset(g) for g in groups.values() if len(g) > 1}


@settings(max_examples=30, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 12), st.sampled_from([0, 3, 5, 9, 40])),
             min_size=2, max_size=25),
    st.sampled_from([0.3, 0.5, 0.8]),
)
def test_clusters_match_a_query_per_article_with_datasketch(specs, threshold):
    # Articles drawn from 13 stories, each copy edited more or less: many near-duplicates.
    texts = [article(story) if every == 0 else edited(article(story), every)
             for story, every in specs]
    table = sketches_of(texts)
    found = {frozenset(m.id for m in cluster)
             for cluster in find_clusters(table, DEFAULT_SCHEME, threshold)}
    assert found == datasketch_groups(table, threshold)


def test_a_huge_bucket_of_copies_is_one_cluster_with_linear_work():
    texts = [article(1)] * 1000 + [article(2)]
    table = sketches_of(texts)
    sigs = table.signatures(DEFAULT_SCHEME)
    keys = band_keys(sigs, *band_layout(0.5, DEFAULT_SCHEME.num_perm))
    pairs = candidate_pairs(keys)
    # Each copy is compared with at most its 64 predecessors, not with all 999 others.
    assert len(pairs) <= 1000 * 64
    [cluster] = find_clusters(table, DEFAULT_SCHEME, 0.5)
    assert len(cluster) == 1000 and cluster[0].id == "d000"


def test_band_keys_are_stable_numbers_that_differ_between_bands():
    sigs = np.arange(2 * 128, dtype=np.uint32).reshape(2, 128)
    keys = band_keys(sigs, 8, 16)
    assert keys.shape == (2, 8) and keys.dtype == np.uint64
    same_values = np.tile(sigs[:1, :16], (1, 8))
    assert len(set(band_keys(same_values, 8, 16)[0].tolist())) == 8
    # Fixed arithmetic, pinned: an index written today is read with the same keys tomorrow.
    assert int(band_keys(np.zeros((1, 128), dtype=np.uint32), 8, 16)[0, 0]) == 7006501662150987327
    assert int(band_keys(np.arange(128, dtype=np.uint32)[None], 8, 16)[0, 7]) == 4589696793976162637


def test_articles_without_words_are_not_clustered():
    table = sketches_of(["", "", article(3)])
    assert find_clusters(table, DEFAULT_SCHEME, 0.5) == []


def test_sketches_merge_in_order_and_pickle():
    import pickle

    first, second = sketches_of([article(1)]), sketches_of([article(2), article(1)])
    first.extend(pickle.loads(pickle.dumps(second)))
    assert len(first) == 3 and [first.ids[r] for r in range(3)] == ["d000", "d000", "d001"]
    sigs = first.signatures(DEFAULT_SCHEME)
    assert np.array_equal(sigs[0], sigs[2]) and not np.array_equal(sigs[0], sigs[1])
