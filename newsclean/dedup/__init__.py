"""Deduplication machinery: shingles, MinHash signatures, the near-duplicate index and its stores.

Steps use it through :mod:`newsclean.steps.near_duplicates` and
:mod:`newsclean.steps.corpus_boilerplate`; it depends on nothing else in newsclean.
"""

from newsclean.dedup.index import (
    DEFAULT_THRESHOLD,
    NearDuplicateIndex,
    find_files_root,
    open_index,
)
from newsclean.dedup.minhash import (
    DEFAULT_SCHEME,
    SignatureScheme,
    empty_signature,
    estimate_jaccard,
    from_datasketch,
    signature,
    signatures,
    text_signatures,
    to_datasketch,
    to_lean,
)
from newsclean.dedup.shingles import (
    DEFAULT_SHINGLE_SIZE,
    normalise,
    shingle_hashes,
    text_token_hashes,
    tokens,
)
from newsclean.dedup.store import (
    Entry,
    IndexStore,
    IndexUnavailable,
    RedisStore,
    SQLiteStore,
)

__all__ = [
    "DEFAULT_SCHEME",
    "DEFAULT_SHINGLE_SIZE",
    "DEFAULT_THRESHOLD",
    "Entry",
    "IndexStore",
    "IndexUnavailable",
    "NearDuplicateIndex",
    "RedisStore",
    "SQLiteStore",
    "SignatureScheme",
    "empty_signature",
    "estimate_jaccard",
    "find_files_root",
    "from_datasketch",
    "normalise",
    "open_index",
    "shingle_hashes",
    "signature",
    "signatures",
    "text_signatures",
    "text_token_hashes",
    "to_datasketch",
    "to_lean",
    "tokens",
]
