"""Corpus stage "syndication": the same wire story carried by several outlets.

Outlets republish agency copy with their own boilerplate (a byline line, a
"read more" footer, a trimmed last paragraph). Such copies are found by
MinHash LSH (datasketch) over word 5-gram shingles of the bodies: LSH
proposes candidate pairs without comparing every pair of articles, and each
candidate is then checked exactly on its shingle sets. A pair is a copy
when the sets overlap by ``MIN_JACCARD``, or when the shorter one is almost
entirely contained in the longer (``MIN_CONTAINMENT``: a trimmed copy).

Copies are kept once: each group's original is its earliest-published
member (ties, and undated members, by store order), and every other member
points at it (``copy_of`` in the dossier). ``corpus.syndicated`` lists the
groups with all their outlets and dates; the claims stage counts a
syndicated statement once and lists every outlet that carried it.

The MinHash signature of each body (the costly, linear part) is computed by
the per-article stage ``signature``, in the workers, and stored with the
article (``Article.minhash``: 512 bytes); this corpus stage only indexes the
signatures and checks the few candidate pairs exactly. Articles stored
before that stage existed are signed here.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Iterator
from typing import Any

import numpy as np
from datasketch import LeanMinHash, MinHash, MinHashLSH

from storyline.pipeline import Options, register_stage
from storyline.records import Article, Corpus

SHINGLE_WORDS = 5
NUM_PERM = 128
LSH_THRESHOLD = 0.4  # candidates only; the exact check below decides
MIN_JACCARD = 0.6
MIN_CONTAINMENT = 0.85
MIN_SHINGLES = 20  # shorter bodies are too generic to call copies

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


def is_copy(a: set[str], b: set[str]) -> bool:
    shared = len(a & b)
    return shared / len(a | b) >= MIN_JACCARD or shared / min(len(a), len(b)) >= MIN_CONTAINMENT


def copy_pairs(bodies: dict[str, str], signatures: dict[str, tuple[int, bytes]] | None = None) -> list[tuple[str, str]]:
    """Pairs of article ids whose bodies are near-identical.

    ``signatures`` (id -> ``signature_of(body)``, computed where the articles
    were analysed) spare hashing every body here; only candidate pairs are
    shingled again, for the exact check.
    """
    signatures = signatures or {}
    lsh = MinHashLSH(threshold=LSH_THRESHOLD, num_perm=NUM_PERM)
    sets: dict[str, set[str]] = {}

    def shingle_set(key: str) -> set[str]:
        if key not in sets:
            sets[key] = shingles(bodies[key])
        return sets[key]

    pairs = []
    for key, body in bodies.items():
        count, hashvalues = signatures.get(key) or signature_of(body)
        if count < MIN_SHINGLES:
            continue
        signature = lean(hashvalues)
        pairs.extend((other, key) for other in lsh.query(signature) if is_copy(shingle_set(other), shingle_set(key)))
        lsh.insert(key, signature)
    return pairs


def groups_of(keys: list[str], pairs: list[tuple[str, str]]) -> list[list[str]]:
    """Connected groups (union-find), each in ``keys`` order."""
    parent = {key: key for key in keys}

    def root(key: str) -> str:
        while parent[key] != key:
            parent[key] = parent[parent[key]]
            key = parent[key]
        return key

    for a, b in pairs:
        parent[root(a)] = root(b)
    found: dict[str, list[str]] = {}
    for key in keys:
        found.setdefault(root(key), []).append(key)
    return [group for group in found.values() if len(group) > 1]


def _date_order(article: Article, position: int) -> tuple[int, str, int]:
    # Undated after dated; ISO dates of any precision sort as strings.
    return (article.published is None, article.published or "", position)


def describe_group(members: list[Article], position: dict[str, int]) -> dict[str, Any]:
    ordered = sorted(members, key=lambda a: _date_order(a, position[a.id]))
    digest = hashlib.sha256("|".join(sorted(a.content_hash for a in members)).encode()).hexdigest()[:12]
    return {
        "id": f"y{digest}",
        "original": ordered[0].id,
        "articles": [a.id for a in sorted(members, key=lambda a: position[a.id])],
        "outlets": sorted({a.outlet for a in members if a.outlet}),
        "dates": sorted({a.published for a in members if a.published}),
    }


def copy_of(syndicated: list[dict[str, Any]]) -> dict[str, str]:
    """Article id -> the id of the original it copies (originals are not keys)."""
    return {a: group["original"] for group in syndicated for a in group["articles"] if a != group["original"]}


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


@register_stage("syndication")
class Syndication:
    """Fill ``corpus.syndicated``: groups of near-identical articles."""

    def __init__(self, options: Options) -> None:
        self.options = options

    def run(self, corpora: Iterable[Corpus]) -> Iterator[Corpus]:
        for corpus in corpora:
            corpus.syndicated = find_syndicated(corpus.articles)
            yield corpus


def find_syndicated(articles: list[Article]) -> list[dict[str, Any]]:
    stored = [a for a in articles if a.id is not None]
    position = {a.id: n for n, a in enumerate(stored)}
    by_id = {a.id: a for a in stored}
    signatures = {a.id: a.minhash for a in stored if a.minhash is not None}
    groups = groups_of([a.id for a in stored], copy_pairs({a.id: a.body for a in stored}, signatures))
    described = [describe_group([by_id[key] for key in group], position) for group in groups]
    return sorted(described, key=lambda g: position[g["original"]])
