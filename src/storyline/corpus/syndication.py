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
before that stage existed are signed here. ``blocked_syndication`` is the
stage, over shards (``storyline.corpus.blocks``; a normal run's store is one
shard, ``storyline.corpus.local``): the index is split by its bands.
"""

from __future__ import annotations

import hashlib
from bisect import bisect_right
from collections.abc import Callable, Iterable, Iterator
from itertools import combinations
from pathlib import Path
from typing import Any

import numpy as np
from datasketch import MinHashLSH

from storyline.article.signature import HASH_DTYPE, NUM_PERM, shingles, signature_of
from storyline.corpus.blocks import OUTPUTS, BlockRun, ShardInfo, read_bucket, write_rows
from storyline.core.records import Article

LSH_THRESHOLD = 0.4  # candidates only; the exact check below decides
MIN_JACCARD = 0.6
MIN_CONTAINMENT = 0.85
MIN_SHINGLES = 20  # shorter bodies are too generic to call copies


def is_copy(a: set[str], b: set[str]) -> bool:
    shared = len(a & b)
    return shared / len(a | b) >= MIN_JACCARD or shared / min(len(a), len(b)) >= MIN_CONTAINMENT


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


# -- in blocks, over a parts directory (``storyline.corpus.blocks``) ----------------------

PAIRS_PER_TASK = 2000  # candidate pairs one verification task checks (``Options.extra["syndication_pairs_per_task"]``)


def blocked_syndication(run: BlockRun) -> dict[str, Any]:
    """``find_syndicated`` over a parts directory, written to ``syndicated.jsonl``.

    The LSH index is cut along its own bands: every shard scatters each
    signed article's bands, keyed by (band number, band bytes), so a bucket
    task sees everyone sharing a band and emits those pairs: the very pairs
    ``MinHashLSH.query`` proposes in process. Verification tasks then check
    the candidates exactly, each reading only the bodies of its own pairs.

    What the driver holds, all small: the candidate and confirmed pairs as
    pairs of article numbers (copies are rare, and the in-process stage checks
    the same pairs one by one); the numbers of the articles in a group; and
    for those members only, published date, outlet and content hash.
    """
    candidates = band_candidates(run)
    tasks = _verification_tasks(run, candidates)
    confirmed = [pair for found in run.each(_confirm_pairs, tasks, run.shards) for pair in found]
    numbers = sorted({n for pair in confirmed for n in pair})
    ids = {n: run.article_id(n) for n in numbers}  # the n-th article of the store
    groups = groups_of([ids[n] for n in numbers], [(ids[a], ids[b]) for a, b in confirmed])
    position = {key: n for n, key in ids.items()}
    members = {position[key] for group in groups for key in group}
    by_id = {a.id: a for found in run.each_shard(_member_facts, members) for a in found}
    described = [describe_group([by_id[key] for key in group], position) for group in groups]
    written = write_rows(run.path(OUTPUTS["syndicated"]), sorted(described, key=lambda g: position[g["original"]]))
    return {"candidates": len(candidates), "copies": len(confirmed), "groups": written}


def band_candidates(run: BlockRun) -> list[tuple[int, int]]:
    """Pairs of article numbers (lower first) that share an LSH band (datasketch's banding): the candidates."""
    buckets = run.scatter("syndication_bands", _article_bands)
    return sorted({pair for found in run.gather(buckets, _band_pairs) for pair in found})


def lsh_bands() -> list[tuple[int, int]]:
    """The bands (hash value ranges) a ``MinHashLSH`` index uses: datasketch's choice for our threshold."""
    return list(MinHashLSH(threshold=LSH_THRESHOLD, num_perm=NUM_PERM).hashranges)


def _article_bands(shard: ShardInfo) -> Iterator[tuple[tuple[int, bytes], int]]:
    """Each signed article's bands, as a ``MinHashLSH`` index would hold it (too-short bodies are left out)."""
    bands = lsh_bands()
    for number, (count, hashvalues) in _signatures(shard).items():
        if count < MIN_SHINGLES:
            continue
        values = np.frombuffer(hashvalues, dtype=HASH_DTYPE)
        for band, (start, end) in enumerate(bands):
            yield (band, values[start:end].tobytes()), number


def _signatures(shard: ShardInfo) -> dict[int, tuple[int, bytes]]:
    """Article number -> signature, in store order; articles stored unsigned are signed here."""
    import pyarrow.parquet as pq

    numbers = [shard.article_number(local) for local in _read_articles(shard, ["id"])["id"]]
    stored = pq.read_table(shard.folder / "signatures.parquet").to_pylist()
    signed = {shard.article_number(row["article"]): (row["shingles"], row["minhash"]) for row in stored}
    unsigned = [n for n in numbers if n not in signed]
    if unsigned:
        signed.update((n, signature_of(body)) for n, body in _bodies(set(unsigned), [shard]).items())
    return {n: signed[n] for n in numbers}


def _local_id(shard: ShardInfo, number: int) -> str:
    return f"{shard.number:05d}:{number - shard.first - 1}"


def _read_articles(shard: ShardInfo, columns: list[str], numbers: Iterable[int] | None = None) -> dict[str, list[Any]]:
    """Some columns of a shard's ``articles.parquet`` (only the rows of ``numbers``, if given), by column."""
    import pyarrow.parquet as pq

    filters = None if numbers is None else [("id", "in", [_local_id(shard, n) for n in numbers])]
    return pq.read_table(shard.folder / "articles.parquet", columns=columns, filters=filters).to_pydict()


def _band_pairs(bucket: Path) -> list[tuple[int, int]]:
    """Pairs of article numbers (lower first) that share a band."""
    pairs = set()
    for numbers in read_bucket(bucket).values():
        pairs.update(combinations(sorted(set(numbers)), 2))
    return sorted(pairs)


def _verification_tasks(run: BlockRun, candidates: list[tuple[int, int]]) -> list[list[tuple[int, int]]]:
    """Candidates in chunks, pairs of the same two shards together, so a task reads few shards."""
    shard_of = _shard_finder(run.shards)
    ordered = sorted(candidates, key=lambda pair: (shard_of(pair[0]).number, shard_of(pair[1]).number, pair))
    size = int(run.options.extra.get("syndication_pairs_per_task", PAIRS_PER_TASK))
    return [ordered[i : i + size] for i in range(0, len(ordered), size)]


def _shard_finder(shards: list[ShardInfo]) -> Callable[[int], ShardInfo]:
    firsts = [shard.first for shard in shards]
    return lambda number: shards[bisect_right(firsts, number - 1) - 1]


def _confirm_pairs(pairs: list[tuple[int, int]], shards: list[ShardInfo]) -> list[tuple[int, int]]:
    """The candidate pairs whose bodies are copies (``is_copy`` on their shingle sets)."""
    sets = {number: shingles(body) for number, body in _bodies({n for pair in pairs for n in pair}, shards).items()}
    return [(a, b) for a, b in pairs if is_copy(sets[a], sets[b])]


def _bodies(numbers: set[int], shards: list[ShardInfo]) -> dict[int, str]:
    """The bodies of these articles only, read from their shards."""
    shard_of = _shard_finder(shards)
    wanted: dict[ShardInfo, list[int]] = {}
    for number in sorted(numbers):
        wanted.setdefault(shard_of(number), []).append(number)
    bodies = {}
    for shard, members in wanted.items():
        found = _read_articles(shard, ["id", "body"], members)
        bodies.update((shard.article_number(local), body) for local, body in zip(found["id"], found["body"], strict=True))
    return bodies


def _member_facts(shard: ShardInfo, members: set[int]) -> list[Article]:
    """The group members of one shard, with only what ``describe_group`` reads (no body)."""
    mine = [n for n in members if shard.first < n <= shard.first + shard.articles]
    if not mine:
        return []
    found = _read_articles(shard, ["id", "content_hash", "outlet", "published"], mine)
    return [
        Article(source="", input_hash="", content_hash=hash_, body="", outlet=outlet, published=published,
                id=shard.article_id(local))
        for local, hash_, outlet, published in zip(found["id"], found["content_hash"], found["outlet"], found["published"], strict=True)
    ]
