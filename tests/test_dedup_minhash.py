import numpy as np
import pytest
from datasketch import LeanMinHash, MinHash

from newsclean.dedup.minhash import (
    SignatureScheme,
    empty_signature,
    estimate_jaccard,
    from_datasketch,
    permutations,
    signature,
    signatures,
    text_signatures,
    to_datasketch,
    to_lean,
)
from newsclean.dedup.shingles import shingle_hashes

TEXTS = [
    "Lawmakers approved the budget late on Friday after a long debate about schools. " * 8,
    "The storm moved north overnight, leaving thousands of homes without power. " * 5,
    "short",
    "",
    " ".join(f"word{i}" for i in range(3000)),  # larger than one permutation block
]


def datasketch_values(hashes, scheme):
    minhash = MinHash(
        num_perm=scheme.num_perm, seed=scheme.seed, scheme=scheme.scheme, hashfunc=lambda x: x
    )
    minhash.update_batch(hashes.tolist())
    return minhash.hashvalues


@pytest.mark.parametrize(
    "scheme",
    [SignatureScheme(), SignatureScheme(scheme="affine64"), SignatureScheme(num_perm=64, seed=7)],
)
def test_signatures_equal_datasketch_minhash_of_the_same_hashes(scheme):
    sets = [shingle_hashes(t, scheme.shingle_size, scheme.bits) for t in TEXTS]
    batch = signatures(sets, scheme)
    for hashes, row in zip(sets, batch, strict=True):
        assert np.array_equal(row, datasketch_values(hashes, scheme))
        assert np.array_equal(row, signature(hashes, scheme))
        assert row.dtype == scheme.dtype


@pytest.mark.parametrize("name", ["affine32", "affine64"])
@pytest.mark.parametrize("num_perm, seed", [(128, 1), (2, 0), (64, 7), (256, 2**32 - 1)])
def test_permutations_are_datasketchs_own(name, num_perm, seed):
    scheme = SignatureScheme(num_perm=num_perm, seed=seed, scheme=name)
    a, b = permutations(scheme)
    theirs_a, theirs_b = MinHash(num_perm=num_perm, seed=seed, scheme=name).permutations
    for ours, theirs in ((a, theirs_a), (b, theirs_b)):
        assert ours.dtype == theirs.dtype == scheme.dtype
        assert np.array_equal(ours, theirs)


def test_empty_set_signature_is_datasketch_empty():
    scheme = SignatureScheme()
    assert np.array_equal(signature(np.empty(0, np.uint32)), empty_signature(scheme))
    assert MinHash(scheme="affine32").is_empty()
    assert to_datasketch(empty_signature(scheme)).is_empty()


def test_datasketch_round_trip_and_jaccard_agree():
    scheme = SignatureScheme()
    a, b = text_signatures([TEXTS[0], TEXTS[0] + " plus an extra sentence here."], scheme)
    mh_a, mh_b = to_datasketch(a, scheme), to_datasketch(b, scheme)
    assert mh_a.jaccard(mh_b) == estimate_jaccard(a, b)
    assert np.array_equal(from_datasketch(mh_a, scheme), a)
    lean = to_lean(b, scheme)
    assert isinstance(lean, LeanMinHash)
    assert np.array_equal(from_datasketch(lean, scheme), b)
    assert 0.5 < estimate_jaccard(a, b) < 1.0


def test_different_schemes_cannot_be_compared():
    a = text_signatures([TEXTS[0]], SignatureScheme())[0]
    other = SignatureScheme(shingle_size=3)
    with pytest.raises(ValueError, match="shingle=5w.*shingle=3w"):
        estimate_jaccard(a, a, SignatureScheme(), other)
    with pytest.raises(ValueError, match="different lengths"):
        estimate_jaccard(a, a[:64])
    with pytest.raises(ValueError, match="expected"):
        from_datasketch(MinHash(scheme="affine64"), SignatureScheme())


def test_scheme_key_round_trip_and_validation():
    scheme = SignatureScheme(num_perm=256, seed=3, scheme="affine64", shingle_size=4)
    assert SignatureScheme.from_key(scheme.key()) == scheme
    assert "affine64" in scheme.key() and "perm=256" in scheme.key()
    with pytest.raises(ValueError, match="not a newsclean"):
        SignatureScheme.from_key("something else")
    with pytest.raises(ValueError, match="legacy"):
        SignatureScheme(scheme="legacy")


def test_hashes_too_wide_for_scheme_are_rejected():
    wide = np.array([1 << 40], dtype=np.uint64)
    with pytest.raises(ValueError, match="exceed 32 bits"):
        signature(wide, SignatureScheme())


def test_a_document_longer_than_a_block_is_reduced_block_by_block(monkeypatch):
    # Memory stays bounded for a huge document: the same signature as one block would give.
    import newsclean.dedup.minhash as minhash

    rng = np.random.default_rng(0)
    big = rng.integers(0, 2**32, size=50_000, dtype=np.uint64)
    small = rng.integers(0, 2**32, size=50, dtype=np.uint64)
    blocked = minhash.signatures([small, big, small], minhash.DEFAULT_SCHEME)
    monkeypatch.setattr(minhash, "_BLOCK_CELLS", 10**12)
    whole = minhash.signatures([small, big, small], minhash.DEFAULT_SCHEME)
    assert np.array_equal(blocked, whole)
