"""Per-article stage ``signature``: the MinHash signature of an article's body, for finding syndicated copies.

The signature (the costly, linear part of finding copies) is computed in the
workers and travels with the article (``Article.minhash``: 512 bytes); the
corpus stage (``storyline.corpus.syndication``) only indexes signatures and
checks the few candidate pairs exactly.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any

import numpy as np
from datasketch import LeanMinHash, MinHash

from storyline.core.options import Options
from storyline.core.pipeline import register_stage
from storyline.core.records import Article


SHINGLE_WORDS = 5
NUM_PERM = 128
WORD = re.compile(r"\w+")


def shingles(body: str, size: int = SHINGLE_WORDS) -> set[str]:
    words = WORD.findall(body.lower())
    return {" ".join(words[i : i + size]) for i in range(len(words) - size + 1)}


def minhash(items: set[str]) -> MinHash:
    signature = MinHash(num_perm=NUM_PERM, seed=SEED, scheme=SCHEME)
    signature.update_batch([item.encode("utf-8") for item in items])
    return signature


SEED, SCHEME, HASH_DTYPE = 1, "affine32", np.uint32


def signature_of(body: str) -> tuple[int, bytes]:
    """(number of shingles, MinHash hash values as bytes): what ``Article.minhash`` holds."""
    items = shingles(body)
    return len(items), minhash(items).hashvalues.astype(HASH_DTYPE).tobytes()


def lean(hashvalues: bytes) -> LeanMinHash:
    return LeanMinHash(seed=SEED, hashvalues=np.frombuffer(hashvalues, dtype=HASH_DTYPE), scheme=SCHEME)


@register_stage("signature")
class Signature:
    """Per-article stage: the body's MinHash signature (``Article.minhash``), for the syndication stage."""

    def __init__(self, options: Options) -> None:
        self.options = options

    def run(self, records: Iterable[Any]) -> Iterator[Any]:
        for record in records:
            if isinstance(record, Article):
                record.minhash = signature_of(record.body)
            yield record

