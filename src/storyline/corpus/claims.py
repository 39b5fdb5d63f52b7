"""Corpus stage "claims": statements that assert the same thing, grouped.

How a claim is found
--------------------
1. Each statement gives one or more *units*: the whole statement, and its
   clauses when it asserts several things (``statements[].clauses``, cut
   from the article's parse by :mod:`storyline.article.clauses`). "A summit is
   necessary but has to be well prepared" is compared as a whole and as
   "a summit is necessary" and "has to be well prepared".
2. Every unit's text (quotation marks stripped, apostrophes kept) is embedded with
   all-MiniLM-L6-v2 (:mod:`storyline.article.embed`, through the store's cache). With the
   shipped weights the vectors are used as they are (``ClaimWeights.centre`` False): the link
   rule's cosine cut is calibrated on plain cosines of real pairs.
3. Candidate pairs come from a radius search on the unit vectors
   (:func:`neighbour_pairs`): exact and chunked for small corpora, an
   inverted-file index (k-means cells, several probed per unit) above
   ``EXACT_LIMIT`` units, so no n x n matrix is ever built. Each unit keeps
   its ``MAX_NEIGHBOURS`` best partners; two units of one statement are
   never a pair.
4. Each candidate pair at or above ``same_cosine`` (0.65) is checked, in batches and only
   those pairs (``claim_linkage.model_scores``): both units must be propositions
   (``units.is_proposition``: a finite verb, >= 4 content words, not a question, a topic
   phrase, a relative or a lone subordinate clause); the pair model
   (:mod:`storyline.corpus.pairmodel`, both orders) must not read a contradiction; the two
   must not be one word swapped for another of the same kind (``claim_veto.swap_kind``:
   "yellow" / "red", "12" / "21", "French" / "German", "near" / "far from"; a common noun for
   another, "murder" / "death", only unless the model is sure they are the same claim) nor one
   negated and the other not. A pair that fails one of these is a *veto*: it scores minus
   infinity, so the two units can never share a claim. The rest link when their plain cosine
   is >= ``link_cosine`` (0.80), or when the model's order-free P(same) is >= ``same_min``
   (0.7); a link scores its cosine, any other pair 0.
5. Average linkage over that sparse graph (:func:`average_linkage`): two
   groups merge while the mean score over *all* their cross pairs (pairs
   outside the candidate graph count as 0, a veto as minus infinity) clears the
   threshold (0.6 with links scoring >= 0.65: every member links to most of the claim).
   This does not chain "the summit must be prepared" -> "the summit is being
   prepared" -> "the summit was cancelled" into one group. Then :func:`settle`
   re-seats each unit in the group it is closest to on average.
   Thresholds: ``python -m storyline.eval.claims --calibrate`` (dev splits of
   ``../shared/datasets/pairs``), reported in docs/benchmarks.md.

Known limits: the cut favours precision: paraphrases in other words that neither the cosine
(< 0.80) nor the pair model (P(same) < 0.7) reads as the same claim stay apart; an antonym
*verb* ("supports" / "opposes", "taken to" / "released from hospital") is not caught by the
swap test, and the pair model catches only some; each unit keeps only its best
``MAX_NEIGHBOURS`` partners, and the link rule looks at ``claim_linkage.MODEL_NEIGHBOURS`` of
them above ``link_cosine`` and ``SAME_NEIGHBOURS`` below it.

What a claim is
---------------
A claim is something said again elsewhere: a group of units from two or more
articles (syndicated copies count once, through their original; a speaker repeating
themselves inside one article is no claim). Each unit is in at most one claim; a
statement belongs to every claim one of its units is in (``statements[].claims``); its
main claim (``statements[].claim``) is the whole statement's, else the largest one a
clause joined. ``claims[].label`` is the most central unit as the article writes it
(``units.label_text``: punctuation and apostrophes kept). ``claims[].spans`` says which
part of each statement asserts the claim, as offsets into its article.

Ids and order
-------------
Statements are sorted canonically (article content hash, offsets, text)
before anything else, so the input order never matters. A claim's id is
``"c"`` + a hash of its members' identities (article content hash + offsets),
so it stays the same across incremental runs while its membership does.

In blocks
---------
:func:`blocked_claims` is the stage: it runs over shards (``storyline.corpus.blocks``) as
tasks, a normal run's store being one shard (``storyline.corpus.local``), and the result does
not depend on how the articles are sharded: the corpus mean is summed in fixed point (exact
in any order), the candidate search is the same, and the grouping is done per connected
component of the pairs that can link two units, which linkage never crosses.

Dates: ``first_seen``/``last_seen`` use each statement's ``said_on`` when it
states a year, else its article's ``published``; they keep the precision
they have, and sort by what they state (``2025-11`` before ``2025-11-17``).
A year-unknown ``said_on`` (``--10-22``) cannot be placed among dated ones,
so it falls back to the publication date; a statement with neither is left
out of the dates and the series but kept in the claim.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from storyline.article.units import claim_text, statement_units
from storyline.corpus.claim_labels import (
    assign_claims,
    carry_nested,
    claim_order,
    claim_statements,
    statement_identity,
)
from storyline.corpus.claim_linkage import (
    DEFAULT_WEIGHTS,
    ClaimWeights,
    centre,
    centring_shift,
    group_units,
    unit_features,
    vector_sum,
)
from storyline.corpus.claim_search import MAX_NEIGHBOURS, unique_pairs
from storyline.corpus.blocks import (
    BUCKET_PREFIX,
    OUTPUTS,
    BlockRun,
    ShardInfo,
    bucket_of,
    components,
    cut_to_fit,
    pairs_by_block,
    read_bucket,
    read_pickle,
    read_rows,
    shard_file,
    similar_pair_files,
    write_pickle,
    write_rows,
)
from storyline.store.parts import SHARD_PREFIX, read_embeddings
from storyline.core.records import Article
from storyline.corpus.syndication import copy_of

# Blocked runs: the most units one task groups (100k took 87 s and 1.7 GB: docs/benchmarks.md);
# a bigger component is cut (``blocks.cut_to_fit``). ``Options.extra["claims_max_block"]`` overrides.
MAX_BLOCK_UNITS = 100_000


# --- nearest neighbours, sub-quadratic -------------------------------------


# --- grouping ---------------------------------------------------------------


# --- statement features -----------------------------------------------------


# --- dates --------------------------------------------------------------------


# --- the stage ------------------------------------------------------------------


# --- the stage in blocks, over a parts directory ------------------------------------


SCRATCH = "claims_work"  # under ``PARTS/_corpus/``


def blocked_claims(run: BlockRun, weights: ClaimWeights = DEFAULT_WEIGHTS) -> dict[str, Any]:
    """The claims stage over shards: ``claims.jsonl`` and each statement's claims.

    Exact, not approximate: average linkage and ``settle`` only ever join two
    units along a pair that can score the threshold (``_linking_cosine``), so
    the grouping splits over the connected components of those pairs; inside
    one, only the *relative* order of its units matters (ties go to the lower
    index, or to the group with the smaller first member). So each component is
    grouped on its own by one task, its units sorted canonically (``statement_identity``)
    the corpus, and gives the very claims the one-process stage gives.

    1. Per shard: the statements grouped (``claim_statements``), their units and
       vectors (the shard's ``embeddings.parquet``), and the vectors' exact
       fixed-point sum (``vector_sum``) for the corpus mean; kept in ``claims_work/units/``.
    2. Candidate pairs over the centred vectors (``blocks.similar_pair_files``):
       the pairs stay in the search tasks' files, and each task returns the
       spanning forest of its linking pairs; the components of the forests (a
       statement's units share one) are the components of all linking pairs.
       A component over ``claims_max_block`` units is cut (``blocks.cut_to_fit``).
    3. Per component (the units and the pairs scattered by label):
       ``group_units``, ``assign_claims`` and ``carry_nested`` (``claim_linkage``, ``claim_labels``).
    4. Copies (``_carry_copy_claims``): a scatter by (original article, claim text)
       meets each copy's statement with its original's.

    What the driver holds: per shard two counts and 384 sums; per unit its
    statement number and component label (16 bytes); the forest edges (at most
    one per unit per search task that saw it, 20 bytes each); per claim its
    record. No statement, no text, not the candidate pairs.
    What one task holds: a shard's statements, or one bucket of components (the
    largest component is in the summary: a corpus where most statements chain
    into one component would put most of them in one task, unless cut).
    """
    started = run.clear(SCRATCH, "units")
    found = run.each_shard(_shard_units, started, run.path(OUTPUTS["statements"]), run.path(OUTPUTS["syndicated"]))
    units = np.array([f["units"] for f in found], dtype=np.int64)
    statements = np.array([f["statements"] for f in found], dtype=np.int64)
    unit_first = np.concatenate([[0], np.cumsum(units)[:-1]]).astype(np.int64)
    statement_first = np.concatenate([[0], np.cumsum(statements)[:-1]]).astype(np.int64)
    first = {shard.number: int(unit_first[k]) for k, shard in enumerate(run.shards)}
    total_units = int(units.sum())
    claims: list[dict[str, Any]] = []
    summary = {"units": total_units, "pairs": 0, "largest_component": 0}
    run.clear(OUTPUTS["statement_claims"])
    if int(statements.sum()) >= 2 and total_units:
        total = [sum(column) for column in zip(*(f["sum"] for f in found if f["units"]))]
        shift = centring_shift(total_units, total) if weights.centre else np.zeros(len(total), dtype=np.float32)
        link = _linking_cosine(weights)
        # The pairs stay in the search tasks' files; the driver gets each task's spanning forest of linking pairs.
        pair_files, (i, j, cos), summary["pairs"] = similar_pair_files(
            run, f"{SCRATCH}/similar", _centred_units, weights.radius, MAX_NEIGHBOURS, link, started, first, shift)
        owner = np.concatenate([np.asarray(f["owner"], dtype=np.int64) + statement_first[k] for k, f in enumerate(found)])
        summary["forest_edges"] = len(i)
        labels = _component_labels(total_units, owner, i, j, np.ones(len(i), dtype=bool))
        summary["largest_component"] = int(np.bincount(labels[labels >= 0]).max(initial=0))
        cap = int(run.options.extra.get("claims_max_block", MAX_BLOCK_UNITS))
        same = np.flatnonzero(owner[1:] == owner[:-1])  # a statement's units stay in one piece
        labels, summary["strongest_cut"] = cut_to_fit(labels, i, j, cos, link, cap, (same, same + 1))
        # One task holds a whole block: a component, or a piece of one cut to fit ``cap``.
        summary["largest_block"] = int(np.bincount(labels[labels >= 0]).max(initial=0))
        labels_path = run.share(f"{SCRATCH}/labels", labels)
        run.scatter_tasks(f"{SCRATCH}/pairs", [f for f in pair_files if f.exists()], pairs_by_block, labels_path)
        copy_buckets = run.scatter(f"{SCRATCH}/copies", _copy_rows, started)
        buckets = run.scatter(f"{SCRATCH}/components", _component_rows, started, first, shift, labels_path)
        for part in run.gather(buckets, _component_claims, run.path(SCRATCH, "pairs"), weights,
                               run.path(SCRATCH, "copies"), run.buckets, run.path(OUTPUTS["statement_claims"])):
            claims.extend(part)
        by_id = {c["id"]: c for c in claims}
        for gained in run.gather(copy_buckets, _carry_copy_claims, run.path(OUTPUTS["statement_claims"])):
            for claim_id, articles, outlets in gained:
                by_id[claim_id]["articles"] = sorted({*by_id[claim_id]["articles"], *articles})
                by_id[claim_id]["outlets"] = sorted({*by_id[claim_id]["outlets"], *outlets} - {None})
    summary["claims"] = write_rows(run.path(OUTPUTS["claims"]), sorted(claims, key=claim_order))
    return summary


def _article_facts(shard: ShardInfo) -> dict[str, Article]:
    """What ``describe_claim`` and ``statement_identity`` read of each article: content hash,
    publication date, outlet (by store id)."""
    import pyarrow.parquet as pq

    table = pq.read_table(shard.folder / "articles.parquet", columns=["id", "content_hash", "published", "outlet"])
    return {
        (key := shard.article_id(row["id"])): Article(source="", input_hash="", content_hash=row["content_hash"], body="",
                                                      outlet=row["outlet"], published=row["published"], id=key)
        for row in table.to_pylist()
    }


def _shard_units(shard: ShardInfo, folder: Path, statements_folder: Path, syndicated: Path) -> dict[str, Any]:
    """Step 1 on a shard's worker: its statements to group, units and vectors, kept for the next steps."""
    from storyline.article.embed import cache_key

    statements = list(read_rows(statements_folder / shard_file(shard)))
    articles = _article_facts(shard)
    every_copy = copy_of(list(read_rows(syndicated)))
    copies = {a: original for a, original in every_copy.items() if a in articles}  # this shard's copies
    originals = {original for original in every_copy.values() if original in articles}  # and originals
    for position, statement in enumerate(statements):
        statement["_position"] = position  # store order, for ties
    usable, inner = claim_statements(statements, copies)
    usable.sort(key=lambda s: (statement_identity(s, articles), s["_position"]))
    owner, spans, texts = statement_units(usable)
    known = read_embeddings(shard.folder)
    missing = sorted({text for text in texts if cache_key(text) not in known})
    if missing:  # a shard written before the ``embed`` stage: embed here as ``embed`` does
        from storyline.article.embed import Embedder

        known.update(Embedder(None).vectors(missing))  # on one thread, as ``encode`` always is
    vectors = np.stack([np.asarray(known[cache_key(t)], dtype=np.float32) for t in texts]) if texts else np.zeros((0, 1), np.float32)
    nested_in: dict[int, list[dict[str, Any]]] = defaultdict(list)
    index = {id(s): n for n, s in enumerate(usable)}
    for statement, container in inner:
        nested_in[index[id(container)]].append(statement)
    write_pickle(folder / f"{shard.number:05d}.pkl", {
        "statements": usable, "owner": owner, "spans": spans, "texts": texts, "vectors": vectors,
        "nested": dict(nested_in), "articles": articles, "originals": originals,
        "copies": [s for s in statements if s.get("article") in copies], "copy_of": copies,
    })
    return {"units": len(texts), "statements": len(usable), "owner": np.asarray(owner, dtype=np.int64),
            "sum": vector_sum(vectors) if texts else []}


def _centred_units(shard: ShardInfo, folder: Path, first: dict[int, int], shift: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Step 2 on a shard's worker: global unit ids and centred vectors, for ``similar_pair_files``."""
    kept = read_pickle(folder / f"{shard.number:05d}.pkl")
    count = len(kept["texts"])
    return np.arange(first[shard.number], first[shard.number] + count, dtype=np.int64), centre(kept["vectors"], shift)


def _linking_cosine(weights: ClaimWeights) -> float:
    """The cosine below which a pair cannot join two units.

    Average linkage merges two groups only when their mean score clears the
    threshold, so (pairs outside the graph scoring 0) only when one pair
    between them does; ``settle`` moves a unit only to a group it averages
    the threshold with, so only along such a pair too. Groups therefore never
    cross the components of the pairs that can score the threshold, and a pair
    between two of those components changes nothing: it is dropped, and the
    components are much smaller than those of every candidate pair.
    """
    if weights.model:  # a link needs a plain cosine of at least ``same_cosine`` (``claim_linkage.model_scores``)
        return min(weights.link_cosine, weights.same_cosine) - 1e-6
    if weights.threshold <= 0:
        return float("-inf")
    bonus = abs(weights.negation) + abs(weights.entities) + abs(weights.cue) + abs(weights.speaker)
    return weights.threshold - bonus - 1e-6  # the margin: a mean's rounding must not matter


def _component_labels(n: int, owner: np.ndarray, i: np.ndarray, j: np.ndarray, linking: np.ndarray) -> np.ndarray:
    """A component label per unit over the pairs that can link (``_linking_cosine``), -1 where the
    component holds no such pair (no claim there). The units of one statement always share one:
    a statement's main claim is decided over all its units."""
    same = np.flatnonzero(owner[1:] == owner[:-1])
    labels = components(n, np.concatenate([i[linking], same]), np.concatenate([j[linking], same + 1])).astype(np.int64)
    live = np.zeros(int(labels.max()) + 1 if n else 0, dtype=bool)
    live[labels[i[linking]]] = True
    return np.where(live[labels], labels, -1)


def _component_rows(shard: ShardInfo, folder: Path, first: dict[int, int], shift: np.ndarray, labels_path: Path):
    """Step 3's scatter: each statement whose units are in a live component, keyed by its label."""
    kept = read_pickle(folder / f"{shard.number:05d}.pkl")
    labels = np.load(labels_path, mmap_mode="r")
    start = first[shard.number]
    vectors = centre(kept["vectors"], shift)
    units_by_statement: dict[int, list[int]] = defaultdict(list)
    for unit, owner in enumerate(kept["owner"]):
        units_by_statement[owner].append(unit)
    for index, statement in enumerate(kept["statements"]):
        units = units_by_statement.get(index, [])
        if not units or labels[start + units[0]] < 0:
            continue
        article = kept["articles"].get(statement.get("article"))
        yield int(labels[start + units[0]]), {
            "order": (statement_identity(statement, kept["articles"]), shard.number, statement["_position"]),
            "statement": statement,
            "article": article,
            "original": statement.get("article") in kept["originals"],
            "nested": kept["nested"].get(index, []),
            "units": [(start + u, kept["spans"][u], kept["texts"][u], vectors[u]) for u in units],
            "shard": shard.number,
        }


def _component_claims(
    bucket: Path, pairs_folder: Path, weights: ClaimWeights, copies_folder: Path, buckets: int, out: Path
) -> list[dict[str, Any]]:
    """Step 3 on a worker: every component of a bucket grouped as if it were the whole corpus.
    Writes the statements' claims; sends statements of syndicated originals on to the copies step."""
    pairs_in = pairs_folder / bucket.name  # the same block key lands in the same bucket number
    pairs = read_bucket(pairs_in) if pairs_in.exists() else {}
    claims, assigned, originals = [], [], []
    for label, rows in read_bucket(bucket).items():
        rows.sort(key=lambda r: r["order"])
        statements = [r["statement"] for r in rows]
        articles = {r["statement"]["article"]: r["article"] for r in rows if r["article"] is not None}
        units = [(n, *unit) for n, r in enumerate(rows) for unit in r["units"]]
        ids = np.array([u[1] for u in units], dtype=np.int64)
        f = unit_features(statements, [u[0] for u in units], [tuple(u[2]) for u in units], [u[3] for u in units],
                          np.stack([u[4] for u in units]), use_entities=weights.entities != 0)
        found = pairs.get(label, [])
        pair_i = np.concatenate([a for a, _, _ in found]) if found else np.zeros(0, dtype=np.int64)
        pair_j = np.concatenate([b for _, b, _ in found]) if found else np.zeros(0, dtype=np.int64)
        groups = group_units(f, weights, _local_pairs(ids, pair_i, pair_j))
        found = assign_claims(statements, f, groups, articles)
        inner = [(statement, r["statement"]) for r in rows for statement in r["nested"]]
        carry_nested(inner, found)
        claims.extend(found)
        for r in rows:
            for statement in [r["statement"], *r["nested"]]:
                if statement.get("claims"):
                    assigned.append({"id": statement["id"], "claim": statement["claim"], "claims": statement["claims"]})
                    if r["original"]:
                        key = (statement["article"], claim_text(statement.get("text") or ""))
                        originals.append((key, ("original", (r["shard"], statement["_position"]), statement["claim"],
                                                statement["claims"])))
    number = bucket.name.rsplit("=", 1)[1]
    write_rows(out / f"components-{number}.jsonl", assigned)
    _scatter_from(copies_folder, buckets, f"component-{number}", originals)
    return claims


def _local_pairs(ids: np.ndarray, i: np.ndarray, j: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A component's candidate pairs in its own unit numbers, sorted as ``neighbour_pairs`` sorts them
    (``group_units`` computes their cosines: no values)."""
    order = np.argsort(ids, kind="stable")
    a, b = order[np.searchsorted(ids[order], i)], order[np.searchsorted(ids[order], j)]
    # A pair found from both of its ends is in two search files: once each, sorted by (low, high).
    low, high, _ = unique_pairs(a.astype(np.int64), b.astype(np.int64), np.zeros(len(a), dtype=np.float32))
    return low, high, np.zeros(len(low), dtype=np.float32)


def _copy_rows(shard: ShardInfo, folder: Path) -> Iterator[tuple[tuple[str, str], tuple]]:
    """Step 4's scatter, the copy side: each statement of a syndicated copy, keyed by
    (its original's article, its claim text)."""
    kept = read_pickle(folder / f"{shard.number:05d}.pkl")
    for statement in kept["copies"]:
        article = statement["article"]
        outlet = kept["articles"][article].outlet if article in kept["articles"] else None
        yield (kept["copy_of"][article], claim_text(statement.get("text") or "")), ("copy", statement["id"], article, outlet)


def _scatter_from(folder: Path, buckets: int, name: str, pairs: list[tuple[Any, Any]]) -> None:
    """Like ``BlockRun.scatter``, from a gather task: ``pairs`` into ``folder/bucket=B/shard=<name>.pkl``."""
    grouped: dict[int, list[tuple[Any, Any]]] = defaultdict(list)
    for key, row in pairs:
        grouped[bucket_of(key, buckets)].append((key, row))
    for bucket, rows in grouped.items():
        write_pickle(folder / f"{BUCKET_PREFIX}{bucket:05d}" / f"{SHARD_PREFIX}{name}.pkl", rows)


def _carry_copy_claims(bucket: Path, out: Path) -> list[tuple[str, list[str], list[str | None]]]:
    """Step 4 on a worker: each copy's statement takes the claims of its original's statement with
    the same claim text (the last such in store order); returns what each claim gains."""
    gained: dict[str, tuple[set[str], set[str | None]]] = defaultdict(lambda: (set(), set()))
    assigned = []
    for rows in read_bucket(bucket).values():
        originals = [r for r in rows if r[0] == "original"]
        if not originals:
            continue
        _, _, claim, claims = max(originals, key=lambda r: r[1])
        for _, statement_id, article, outlet in (r for r in rows if r[0] == "copy"):
            assigned.append({"id": statement_id, "claim": claim, "claims": list(claims)})
            for claim_id in claims:
                gained[claim_id][0].add(article)
                gained[claim_id][1].add(outlet)
    write_rows(out / f"copies-{bucket.name.rsplit('=', 1)[1]}.jsonl", assigned)
    return [(claim_id, sorted(articles), list(outlets)) for claim_id, (articles, outlets) in gained.items()]
