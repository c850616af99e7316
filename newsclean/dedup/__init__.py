"""Deduplication machinery: shingles, MinHash signatures, the near-duplicate index and its stores.

Steps use it through :mod:`newsclean.steps.near_duplicates` and
:mod:`newsclean.steps.corpus_boilerplate`; it depends on nothing else in newsclean.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
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

# Each public name and the module it lives in, imported on first use: a step module that needs
# only the signature scheme type, or the command line's --help, need not load the index, its
# stores or datasketch.
_LAZY = {
    "DEFAULT_THRESHOLD": "newsclean.dedup.index",
    "NearDuplicateIndex": "newsclean.dedup.index",
    "find_files_root": "newsclean.dedup.index",
    "open_index": "newsclean.dedup.index",
    "DEFAULT_SCHEME": "newsclean.dedup.minhash",
    "SignatureScheme": "newsclean.dedup.minhash",
    "empty_signature": "newsclean.dedup.minhash",
    "estimate_jaccard": "newsclean.dedup.minhash",
    "from_datasketch": "newsclean.dedup.minhash",
    "signature": "newsclean.dedup.minhash",
    "signatures": "newsclean.dedup.minhash",
    "text_signatures": "newsclean.dedup.minhash",
    "to_datasketch": "newsclean.dedup.minhash",
    "to_lean": "newsclean.dedup.minhash",
    "DEFAULT_SHINGLE_SIZE": "newsclean.dedup.shingles",
    "normalise": "newsclean.dedup.shingles",
    "shingle_hashes": "newsclean.dedup.shingles",
    "text_token_hashes": "newsclean.dedup.shingles",
    "tokens": "newsclean.dedup.shingles",
    "Entry": "newsclean.dedup.store",
    "IndexStore": "newsclean.dedup.store",
    "IndexUnavailable": "newsclean.dedup.store",
    "RedisStore": "newsclean.dedup.store",
    "SQLiteStore": "newsclean.dedup.store",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'newsclean.dedup' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)


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
