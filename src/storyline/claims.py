"""Corpus stage "claims": statements that assert the same thing, grouped.

How a claim is found
--------------------
1. Each statement gives one or more *units*: the whole statement, and its
   clauses when it asserts several things (``statements[].clauses``, cut
   from the article's parse by :mod:`storyline.clauses`). "A summit is
   necessary but has to be well prepared" is compared as a whole and as
   "a summit is necessary" and "has to be well prepared".
2. Every unit's text (quotes stripped) is embedded with all-MiniLM-L6-v2
   (:mod:`storyline.embed`, through the store's cache), and the corpus'
   common direction is taken out (:func:`centred`): in a corpus about one
   summit every statement is "about the summit", and only what is left
   tells one assertion from another.
3. Candidate pairs come from a radius search on the unit vectors
   (:func:`neighbour_pairs`): exact and chunked for small corpora, an
   inverted-file index (k-means cells, several probed per unit) above
   ``EXACT_LIMIT`` units, so no n x n matrix is ever built. Each unit keeps
   its ``MAX_NEIGHBOURS`` best partners; two units of one statement are
   never a pair.
4. Each candidate pair gets a score: the cosine, optionally adjusted for
   negation, shared entities, cue type and speaker. Weights are tuned on the
   tuning half of ``eval/claims`` only (``python -m storyline.eval_claims``),
   which also measures what each signal adds; the extra signals did not
   help there, so the defaults keep them at 0 (and skip the NER they need).
5. Average linkage over that sparse graph (:func:`average_linkage`): two
   groups merge while the mean score over *all* their cross pairs (pairs
   outside the candidate graph count as 0) clears the threshold. Unlike
   connected components this does not chain "the summit must be prepared"
   -> "the summit is being prepared" -> "the summit was cancelled" into one
   group. Then :func:`settle` re-seats each unit in the group it is closest
   to on average, which undoes merges made greedily early on.

Known limits: MiniLM places statements by topic far more than by stance,
so opposite assertions on one topic ("the dam is safe" / "the dam may
fail") often land in one claim, and paraphrases in different words ("the
groundwork has been laid" / "it must be well prepared") often stay apart;
and because each unit keeps only its best ``MAX_NEIGHBOURS`` partners, a
claim repeated many more times than that may come out as several claims.

What a claim is
---------------
A claim is something said at least twice: a group of units from two or
more statements (by any speakers, in any articles). A statement belongs to
every claim one of its units is in (``statements[].claims``); its main
claim (``statements[].claim``) is the whole statement's, else the largest
one a clause joined. ``claims[].spans`` says which part of each statement
asserts the claim, as offsets into its article.

Ids and order
-------------
Statements are sorted canonically (article content hash, offsets, text)
before anything else, so the input order never matters. A claim's id is
``"c"`` + a hash of its members' identities (article content hash + offsets),
so it stays the same across incremental runs while its membership does.

In blocks
---------
:func:`blocked_claims` runs the stage over a parts directory
(``storyline.blocks``) as tasks, and gives exactly what :meth:`Claims.find_claims`
gives: the corpus mean is summed in fixed point (exact in any order), the
candidate search is the same, and the grouping is done per connected
component of the pairs that can link two units, which it never crosses.

Dates: ``first_seen``/``last_seen`` use each statement's ``said_on`` when it
states a year, else its article's ``published``; they keep the precision
they have, and sort by what they state (``2025-11`` before ``2025-11-17``).
A year-unknown ``said_on`` (``--10-22``) cannot be placed among dated ones,
so it falls back to the publication date; a statement with neither is left
out of the dates and the series but kept in the claim.
"""

from __future__ import annotations

import hashlib
import heapq
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from storyline.blocks import (
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
    unique_pairs,
    write_pickle,
    write_rows,
)
from storyline.parts import SHARD_PREFIX, read_embeddings
from storyline.pipeline import Options, register_stage
from storyline.records import Article, Corpus
from storyline.syndication import copy_of

EXACT_LIMIT = 4000  # above this many vectors, search an inverted-file index
CELL_SIZE = 2000  # target statements per k-means cell
PROBES = 4  # cells searched per statement
MAX_NEIGHBOURS = 30  # candidate pairs kept per statement
CENTRING_PRIOR = 20  # statements' worth of shrinkage of the corpus mean
# Blocked runs: the most units one task groups (100k took 87 s and 1.7 GB: docs/benchmarks.md);
# a bigger component is cut (``blocks.cut_to_fit``). ``Options.extra["claims_max_block"]`` overrides.
MAX_BLOCK_UNITS = 100_000


@dataclass(frozen=True, slots=True)
class ClaimWeights:
    """The scoring of a candidate pair; tuned on the tuning half only."""

    threshold: float = 0.5
    radius: float = 0.3  # cosine below which a pair is not a candidate
    negation: float = 0.0
    entities: float = 0.0
    cue: float = 0.0
    speaker: float = 0.0
    settle: bool = True  # re-seat units after average linkage (``settle``)


# From the tuning half of eval/claims (see docs/benchmarks.md): the
# negation, entity, cue-type and same-speaker terms did not help there, so
# they ship at 0. Thresholds 0.400 and 0.425 are within a few pairs of each
# other there (which wins flips with small changes); 0.400 is shipped
# because above it the seeds' summit claim loses its 2025 restatement.
DEFAULT_WEIGHTS = ClaimWeights(threshold=0.4)


# --- nearest neighbours, sub-quadratic -------------------------------------


def neighbour_pairs(
    vectors: np.ndarray, min_cos: float, max_neighbours: int = MAX_NEIGHBOURS
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pairs ``(i, j, cos)`` with ``i < j`` and cosine >= ``min_cos``.

    Each row keeps at most ``max_neighbours`` of its best partners. Exact
    below ``EXACT_LIMIT`` rows; above, an inverted-file search whose cost
    grows with n times the cell size, not with n squared.
    """
    n = len(vectors)
    if n < 2:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, np.zeros(0, dtype=np.float32)
    if n <= EXACT_LIMIT:
        everyone = np.arange(n)
        blocks = [(everyone, everyone)]
    else:
        blocks = _inverted_file_blocks(vectors)
    found_i, found_j, found_cos = [], [], []
    for queries, members in blocks:
        for start in range(0, len(queries), 1024):
            rows = queries[start : start + 1024]
            i, j, cos = _best_of_block(rows, members, vectors[rows] @ vectors[members].T, min_cos, max_neighbours)
            found_i.append(i)
            found_j.append(j)
            found_cos.append(cos)
    return unique_pairs(np.concatenate(found_i), np.concatenate(found_j), np.concatenate(found_cos))


def _best_of_block(rows, members, sims, min_cos, max_neighbours):
    """Each row's best ``max_neighbours`` partners at or above ``min_cos``."""
    sims[rows[:, None] == members[None, :]] = -1.0  # no self-pairs
    if sims.shape[1] > max_neighbours:
        best = np.argpartition(-sims, max_neighbours - 1, axis=1)[:, :max_neighbours]
    else:
        best = np.broadcast_to(np.arange(sims.shape[1]), sims.shape)
    values = np.take_along_axis(sims, best, axis=1)
    keep = values >= min_cos
    row_index = np.broadcast_to(np.arange(len(rows))[:, None], best.shape)[keep]
    return rows[row_index].astype(np.int64), members[best[keep]].astype(np.int64), values[keep].astype(np.float32)


def _inverted_file_blocks(vectors: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
    """(queries, members) per k-means cell: each vector lives in its nearest
    cell and is searched against its few nearest cells."""
    from sklearn.cluster import KMeans

    n = len(vectors)
    cells = max(2, n // CELL_SIZE)
    sample = vectors[:: max(1, n // (cells * 40))]
    centroids = KMeans(n_clusters=cells, n_init=1, max_iter=25, random_state=0).fit(sample).cluster_centers_
    centroids = centroids.astype(np.float32)
    probes = min(PROBES, cells)
    nearest = np.empty((n, probes), dtype=np.int64)
    for start in range(0, n, 8192):
        sims = vectors[start : start + 8192] @ centroids.T
        order = np.argsort(-sims, axis=1, kind="stable")[:, :probes]
        nearest[start : start + 8192] = order
    home = nearest[:, 0]
    blocks = []
    for cell in range(cells):
        members = np.flatnonzero(home == cell)
        queries = np.flatnonzero((nearest == cell).any(axis=1))
        if len(members) and len(queries):
            blocks.append((queries, members))
    return blocks


# --- grouping ---------------------------------------------------------------


def average_linkage(n: int, pairs: Iterable[tuple[int, int, float]], threshold: float, floor: float) -> list[int]:
    """Group ``n`` items by average linkage over a sparse graph of scored pairs.

    Pairs missing from the graph count as ``floor``. Groups merge, best
    first, while the mean score over all their cross pairs is >= threshold.
    Returns a group number per item (the smallest member index).
    """
    parent = list(range(n))
    size = [1] * n
    first = list(range(n))  # each group's smallest member
    links: list[dict[int, float]] = [defaultdict(float) for _ in range(n)]  # sum of (score - floor)
    for i, j, score in pairs:
        links[i][j] += score - floor
        links[j][i] += score - floor

    def entry(mean: float, a: int, b: int) -> tuple[float, int, int, int, int]:
        # Ties go to the groups with the smallest members, not to whichever root ``keep`` chose:
        # the result then depends on the groups alone (``blocked_claims`` relies on it).
        (fa, a), (fb, b) = sorted(((first[a], a), (first[b], b)))
        return (-mean, fa, fb, a, b)

    heap = [entry(floor + total, i, j) for i in range(n) for j, total in links[i].items() if i < j and floor + total >= threshold]
    heapq.heapify(heap)
    while heap:
        negative, _, _, a, b = heapq.heappop(heap)
        if parent[a] != a or parent[b] != b:
            continue
        mean = floor + links[a].get(b, 0.0) / (size[a] * size[b])
        if abs(mean + negative) > 1e-9:  # stale entry: sizes changed since it was pushed
            if mean >= threshold:
                heapq.heappush(heap, entry(mean, a, b))
            continue
        keep, gone = (a, b) if len(links[a]) >= len(links[b]) else (b, a)  # merge the smaller dict
        parent[gone] = keep
        size[keep] += size[gone]
        first[keep] = min(first[keep], first[gone])
        del links[keep][gone]
        for other, total in links[gone].items():
            if other == keep:
                continue
            links[other].pop(gone, None)
            links[keep][other] += total
            links[other][keep] = links[keep][other]
            mean = floor + links[keep][other] / (size[keep] * size[other])
            if mean >= threshold:
                heapq.heappush(heap, entry(mean, keep, other))
        links[gone] = {}
    root = list(range(n))
    for i in range(n):
        r = i
        while parent[r] != r:
            r = parent[r]
        root[i] = r
    smallest: dict[int, int] = {}
    for i in range(n):
        smallest.setdefault(root[i], i)
    return [smallest[root[i]] for i in range(n)]


# --- statement features -----------------------------------------------------

_QUOTES = "\"'“”‘’«»„"
_NEGATORS = {"not", "n't", "no", "never", "nothing", "nobody", "none", "neither", "nor", "cannot", "without"}
_WORD = re.compile(r"n't|\w+", re.UNICODE)
ENTITY_LABELS = {"PERSON", "ORG", "GPE", "NORP", "LOC", "FAC", "EVENT", "PRODUCT", "WORK_OF_ART", "LAW"}


def claim_text(text: str) -> str:
    """The statement's content as embedded: quotes and edge punctuation off."""
    return " ".join(text.translate({ord(q): " " for q in _QUOTES}).split()).strip(" ,;:-–—")


def negated(text: str) -> bool:
    """An odd number of negators: "will not go ahead", not "cannot be rushed without"."""
    count = sum(1 for word in _WORD.findall(text.lower()) if word in _NEGATORS)
    return count % 2 == 1


def entity_sets(texts: list[str]) -> list[frozenset[str]]:
    """Named entities each text mentions (lower-cased), by spaCy's NER."""
    from storyline.parse import load_nlp

    nlp = load_nlp()
    disabled = [name for name in nlp.pipe_names if name not in ("tok2vec", "ner")]
    with nlp.select_pipes(disable=disabled):
        docs = nlp.pipe(texts, batch_size=256)
        return [frozenset(_entity_key(ent.text) for ent in doc.ents if ent.label_ in ENTITY_LABELS) for doc in docs]


def _entity_key(text: str) -> str:
    words = [w for w in re.findall(r"\w+", text.lower()) if w not in ("the", "s")]
    return words[-1] if words else text.lower()  # "President Varga" ~ "Varga"


@dataclass(slots=True)
class StatementFeatures:
    """What the grouping sees, one row per *unit*: a whole statement, or one
    of its clauses when it has several (``storyline.clauses``)."""

    vectors: np.ndarray
    negated: list[bool]
    entities: list[frozenset[str]]
    kinds: list[str | None]
    speakers: list[str | None]
    owner: np.ndarray  # the statement each unit belongs to (index into the statements given)
    whole: np.ndarray  # True where the unit is the whole statement
    spans: list[tuple[int, int]]  # each unit's offsets into its article


def centred(vectors: np.ndarray, prior: int = CENTRING_PRIOR) -> np.ndarray:
    """Unit vectors with the corpus' common direction taken out.

    MiniLM puts every statement on one topic close together (in a corpus
    about a summit, "the summit must be prepared" and "Russia wants talks
    with the alliance" are at 0.55); subtracting the corpus mean keeps what
    tells statements apart. The mean is shrunk by ``n / (n + prior)`` so a
    corpus of a handful of statements is barely moved (two statements
    centred on their own mean would point in opposite directions).
    """
    if len(vectors) == 0:
        return vectors
    return centre(vectors, centring_shift(len(vectors), vector_sum(vectors), prior))


# The corpus mean is summed in fixed point (integers are added exactly, in any order), so a
# blocked run that adds per-shard sums gets the very same mean, to the bit, as one process.
FIXED_POINT = 2.0**32


def vector_sum(vectors: np.ndarray) -> list[int]:
    """The exact sum of ``vectors`` (each value rounded to a multiple of 2**-32), per dimension."""
    scaled = np.rint(np.asarray(vectors, dtype=np.float64) * FIXED_POINT).astype(np.int64)
    return [int(x) for x in scaled.sum(axis=0, dtype=np.int64)]


def centring_shift(count: int, total: list[int], prior: int = CENTRING_PRIOR) -> np.ndarray:
    """What :func:`centre` subtracts: the mean of ``count`` vectors summing to ``total``
    (:func:`vector_sum`), shrunk by ``count / (count + prior)``."""
    mean = np.array([float(x) for x in total], dtype=np.float64) / FIXED_POINT / count
    return (mean * (count / (count + prior))).astype(np.float32)


def centre(vectors: np.ndarray, shift: np.ndarray) -> np.ndarray:
    """``vectors - shift``, each row back to unit length (row by row, so a vector's result does
    not depend on which others it is centred with)."""
    shifted = np.asarray(vectors, dtype=np.float32) - shift
    norms = np.linalg.norm(shifted, axis=1, keepdims=True)
    return (shifted / np.maximum(norms, 1e-12)).astype(np.float32)


def units_of(statement: dict[str, Any]) -> list[tuple[int, int]]:
    """The spans compared for one statement: the whole statement, then its
    clauses when it has two or more (article offsets)."""
    start, end = statement.get("start") or 0, statement.get("end")
    if end is None:
        end = start + len(statement.get("text") or "")
    return [(start, end), *[(s, e) for s, e in statement.get("clauses") or [] if start <= s < e <= end]]


def unit_text(statement: dict[str, Any], span: tuple[int, int]) -> str:
    offset = statement.get("start") or 0
    return claim_text((statement.get("text") or "")[span[0] - offset : span[1] - offset])


def statement_units(statements: list[dict[str, Any]], clauses: bool = True) -> tuple[list[int], list[tuple[int, int]], list[str]]:
    """Each unit's statement (index into ``statements``), span and text, statement by statement."""
    owner, spans, texts = [], [], []
    for index, statement in enumerate(statements):
        for span in units_of(statement) if clauses else units_of(statement)[:1]:
            text = unit_text(statement, span)
            if text:
                owner.append(index)
                spans.append(span)
                texts.append(text)
    return owner, spans, texts


def features(
    statements: list[dict[str, Any]], embedder: Any, use_entities: bool = True, centre: bool = True, clauses: bool = True
) -> StatementFeatures:
    owner, spans, texts = statement_units(statements, clauses)
    vectors = embedder.embed(texts)
    return unit_features(statements, owner, spans, texts, centred(vectors) if centre else vectors, use_entities)


def unit_features(
    statements: list[dict[str, Any]], owner: list[int], spans: list[tuple[int, int]], texts: list[str],
    vectors: np.ndarray, use_entities: bool = True,
) -> StatementFeatures:
    """The features of units already embedded (``vectors``, centred or not, one row per unit)."""
    owners = np.asarray(owner, dtype=np.int64)
    whole = np.ones(len(owners), dtype=bool)
    whole[1:] = owners[1:] != owners[:-1]  # each statement's first unit is the whole of it
    return StatementFeatures(
        vectors=vectors,
        negated=[negated(t) for t in texts],
        entities=entity_sets(texts) if use_entities else [frozenset()] * len(texts),
        kinds=[statements[o].get("kind") for o in owner],
        speakers=[statements[o].get("speaker") or None for o in owner],
        owner=owners,
        whole=whole,
        spans=list(spans),
    )


def pair_scores(f: StatementFeatures, i: np.ndarray, j: np.ndarray, cos: np.ndarray, w: ClaimWeights) -> np.ndarray:
    """The score of each candidate pair ``(i[k], j[k])`` with cosine ``cos[k]``."""
    score = cos.astype(np.float64)
    if w.negation:
        negated_ = np.asarray(f.negated, dtype=bool)
        score -= w.negation * (negated_[i] != negated_[j])
    if w.entities:
        for k, (a, b) in enumerate(zip(i.tolist(), j.tolist())):
            if f.entities[a] and f.entities[b]:
                score[k] += w.entities if f.entities[a] & f.entities[b] else -w.entities
    for weight, labels in ((w.cue, f.kinds), (w.speaker, f.speakers)):
        if weight:
            codes = _codes(labels)
            score += weight * ((codes[i] == codes[j]) & (codes[i] >= 0))
    return score


def _codes(labels: list[str | None]) -> np.ndarray:
    """An integer per label, -1 for None."""
    known = {label: n for n, label in enumerate(sorted({x for x in labels if x}))}
    return np.array([known.get(x, -1) if x else -1 for x in labels], dtype=np.int64)


def group_units(f: StatementFeatures, w: ClaimWeights, candidates: Any = None) -> list[int]:
    """A group number per unit (same number, same claim).

    ``candidates`` is ``neighbour_pairs(f.vectors, w.radius)`` when the
    caller already has it (the tuner scores many weights on one graph).
    Two units of one statement are never a pair: a statement does not
    repeat itself.
    """
    i, j, _ = candidates if candidates is not None else neighbour_pairs(f.vectors, w.radius)
    apart = f.owner[i] != f.owner[j]
    i, j = i[apart], j[apart]
    scores = pair_scores(f, i, j, pair_cosines(f.vectors, i, j), w)
    pairs = list(zip(i.tolist(), j.tolist(), scores.tolist()))
    groups = average_linkage(len(f.vectors), pairs, w.threshold, floor=0.0)
    return settle(len(f.vectors), pairs, groups, w.threshold) if w.settle else groups


def pair_cosines(vectors: np.ndarray, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """The cosine of each pair ``(i[k], j[k])``, in float64, pair by pair.

    Not the search's values: a matrix product's last bits depend on where a
    vector sits in the matrix, so two equal vectors would not tie, and a
    blocked run (other matrices) would break ties differently. A product of
    two float32 values is exact in float64, and each row sums its own 384.
    """
    found = [np.sum(vectors[i[s : s + 8192]].astype(np.float64) * vectors[j[s : s + 8192]], axis=1)
             for s in range(0, len(i), 8192)]
    return np.concatenate(found) if found else np.zeros(0, dtype=np.float64)


def settle(n: int, pairs: list[tuple[int, int, float]], groups: list[int], threshold: float, rounds: int = 10) -> list[int]:
    """Move each unit to the group it is closest to on average, while that helps.

    Average linkage merges greedily: a unit that first paired with a
    neighbour on a side topic stays there even when the claim that formed
    later suits it better. A few passes of "join the group with the best mean
    score, if it clears the threshold and beats your own" fix that; ties go to
    the smaller group number, units are visited in index order, so the
    result is deterministic.
    """
    partners: list[dict[int, float]] = [{} for _ in range(n)]
    for i, j, score in pairs:
        partners[i][j] = score
        partners[j][i] = score
    groups = list(groups)
    for _ in range(rounds):
        size = Counter(groups)
        moved = False
        for unit in range(n):
            own = groups[unit]
            totals: dict[int, float] = defaultdict(float)
            for other, score in partners[unit].items():
                totals[groups[other]] += score

            def mean(group: int) -> float:
                others = size[group] - (group == own)
                return totals[group] / others if others else float("-inf")

            best = min(totals, key=lambda g: (-mean(g), g), default=own)
            if best != own and mean(best) >= threshold and mean(best) > mean(own) + 1e-9:
                size[own] -= 1
                size[best] += 1
                groups[unit] = best
                moved = True
        if not moved:
            break
    return groups


def statement_claims(f: StatementFeatures, groups: list[int]) -> tuple[list[int | None], list[list[int]]]:
    """Per statement: its main group and all its groups, counting only groups
    that hold two or more statements (a claim is something said twice).

    The main group is the whole statement's; when the whole statement joined
    none, the largest group one of its clauses joined.
    """
    holders: dict[int, set[int]] = defaultdict(set)
    for unit, group in enumerate(groups):
        holders[group].add(int(f.owner[unit]))
    count = int(f.owner.max()) + 1 if len(f.owner) else 0
    every: list[list[int]] = [[] for _ in range(count)]
    main: list[int | None] = [None] * count
    for unit, group in enumerate(groups):
        if len(holders[group]) < 2:
            continue
        statement = int(f.owner[unit])
        if group not in every[statement]:
            every[statement].append(group)
        if f.whole[unit]:
            main[statement] = group
    for statement, found in enumerate(every):
        if main[statement] is None and found:
            main[statement] = min(found, key=lambda g: (-len(holders[g]), g))
    return main, every


# --- dates --------------------------------------------------------------------


_ISO_DATE = re.compile(r"^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?")


def date_key(value: str) -> tuple[int, int, int]:
    """Sort key of an ISO date at any precision: ``2025-11`` < ``2025-11-17``."""
    match = _ISO_DATE.match(value)
    if not match:
        return (0, 0, 0)
    year, month, day = (int(part) if part else 0 for part in match.groups())
    return (year, month, day)


def seen_on(statement: dict[str, Any], article: Article | None) -> str | None:
    """When a statement was made: its ``said_on`` if it has a year, else the
    article's publication date, else None."""
    for value in (statement.get("said_on"), article.published if article is not None else None):
        match = _ISO_DATE.match(value or "")  # "--10-22" (no year) does not match
        if match:
            return match.group(0)
    return None


def period(date: str) -> str:
    return date[:7]  # month, or the year when that is all that is known


# --- the stage ------------------------------------------------------------------


def statement_identity(statement: dict[str, Any], articles: dict[str, Article]) -> str:
    article = articles.get(statement.get("article"))
    source = article.content_hash if article is not None else str(statement.get("article"))
    return f"{source}:{statement.get('start')}:{statement.get('end')}:{statement.get('text') or ''}"


def stable_id(prefix: str, members: Iterable[str]) -> str:
    digest = hashlib.sha256("\n".join(sorted(members)).encode("utf-8")).hexdigest()
    return prefix + digest[:12]


@register_stage("claims")
class Claims:
    """Fill ``corpus.claims`` and each statement's ``claim``."""

    def __init__(self, options: Options, weights: ClaimWeights = DEFAULT_WEIGHTS) -> None:
        from storyline.embed import Embedder

        self.embedder = Embedder(options.embedding_cache, batch_size=max(options.batch_size, 64))
        self.weights = weights

    def run(self, corpora: Iterable[Corpus]) -> Iterator[Corpus]:
        for corpus in corpora:
            self.find_claims(corpus)
            yield corpus

    def find_claims(self, corpus: Corpus) -> None:
        articles = {a.id: a for a in corpus.articles if a.id is not None}
        for statement in corpus.statements:
            statement["claim"] = None
            statement["claims"] = []
        copies = copy_of(corpus.syndicated)
        usable, inner = claim_statements(corpus.statements, copies)
        usable.sort(key=lambda s: statement_identity(s, articles))
        if len(usable) < 2:
            corpus.claims = []
            return
        f = features(usable, self.embedder, use_entities=self.weights.entities != 0)
        groups = group_units(f, self.weights)
        ordered = sorted(assign_claims(usable, f, groups, articles), key=claim_order)
        carry_nested(inner, ordered)
        carry_copies(corpus.statements, copies, {c["id"]: c for c in ordered}, articles)
        corpus.claims = ordered


def claim_statements(
    statements: list[dict[str, Any]], copies: dict[str, str]
) -> tuple[list[dict[str, Any]], list[tuple[dict[str, Any], dict[str, Any]]]]:
    """The statements to group, and the nested ones with their containers (``nested``).

    A syndicated copy's statements count once, through its original (``carry_copies``).
    "Peskov stated that both sides acknowledge that X": X is reported twice, nested, but
    said once; it is grouped through the outer one (``carry_nested``).
    """
    usable = [s for s in statements if claim_text(s.get("text") or "") and s.get("article") not in copies]
    inner = nested(usable)
    inside = {id(statement) for statement, _ in inner}
    return [s for s in usable if id(s) not in inside], inner


def assign_claims(
    statements: list[dict[str, Any]], f: StatementFeatures, groups: list[int], articles: dict[str, Article]
) -> list[dict[str, Any]]:
    """The claims of the groups that hold two or more statements; sets each statement's
    ``claim`` and ``claims``."""
    main, every = statement_claims(f, groups)
    units_of_group: dict[int, list[int]] = defaultdict(list)
    for unit, group in enumerate(groups):
        if group in every[f.owner[unit]]:
            units_of_group[group].append(unit)
    claims = {group: describe_claim(statements, f, units, articles) for group, units in units_of_group.items()}
    for index, statement in enumerate(statements):
        statement["claims"] = sorted(claims[group]["id"] for group in every[index])
        statement["claim"] = claims[main[index]]["id"] if main[index] is not None else None
    return list(claims.values())


def claim_order(claim: dict[str, Any]) -> tuple[int, str]:
    """The dossier's order of claims: most statements first, then by id."""
    return (-len(claim["statements"]), claim["id"])


def nested(statements: list[dict[str, Any]]) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """(statement, container) for each statement whose span lies inside
    another statement's span in the same article; the container is the
    outermost one."""
    found = []
    ordered = sorted(statements, key=lambda s: (str(s.get("article")), s.get("start") or 0, -(s.get("end") or 0)))
    outer: dict[str, Any] | None = None
    for statement in ordered:
        if (
            outer is not None
            and statement.get("article") is not None
            and outer.get("article") == statement.get("article")
            and statement["end"] <= outer["end"]
        ):
            found.append((statement, outer))
        else:
            outer = statement
    return found


def carry_nested(inner: list[tuple[dict[str, Any], dict[str, Any]]], claims: list[dict[str, Any]]) -> None:
    """A nested statement points at the claims of the parts of its container it overlaps.

    It is not added to the claim's statements: the claim counts utterances,
    and the nested one is the same utterance reported one level deeper.
    """
    parts: dict[Any, list[tuple[int, int, str]]] = defaultdict(list)
    for claim in claims:
        for span in claim["spans"]:
            parts[span["statement"]].append((span["start"], span["end"], claim["id"]))
    for statement, container in inner:
        overlapping = {c for start, end, c in parts.get(container.get("id"), []) if start < statement["end"] and statement["start"] < end}
        statement["claims"] = sorted(overlapping)
        main = container.get("claim")
        statement["claim"] = main if main in overlapping else (statement["claims"][0] if overlapping else None)


def carry_copies(
    statements: list[dict[str, Any]], copies: dict[str, str], claims: dict[str, dict[str, Any]], articles: dict[str, Article]
) -> None:
    """A copy's statement joins the claims of its original's statement with the same text; the claim
    gains the copy's article and outlet but not another statement."""
    original_of = {(s.get("article"), claim_text(s.get("text") or "")): s for s in statements if s.get("claims")}
    for statement in statements:
        original = copies.get(statement.get("article"))
        found = original_of.get((original, claim_text(statement.get("text") or ""))) if original else None
        if found is None:
            continue
        statement["claim"], statement["claims"] = found["claim"], list(found["claims"])
        outlet = articles[statement["article"]].outlet if statement["article"] in articles else None
        for claim_id in found["claims"]:
            claim = claims[claim_id]
            claim["articles"] = sorted({*claim["articles"], statement["article"]})
            claim["outlets"] = sorted({*claim["outlets"], outlet} - {None})


def describe_claim(
    statements: list[dict[str, Any]], f: StatementFeatures, units: list[int], articles: dict[str, Article]
) -> dict[str, Any]:
    """The dossier record of one claim, from the units (statements or clauses) in it."""
    members = [statements[int(f.owner[u])] for u in units]
    unique = list({id(s): s for s in members}.values())
    claim_id = stable_id("c", (statement_identity(s, articles) for s in unique))
    vectors = f.vectors[units]
    # Ties go to the first unit: two units score the same in exact arithmetic (always, in a claim
    # of two), and the last bits of a vector must not pick the label. A tolerance, not rounding:
    # rounding splits a tie that straddles a rounding boundary.
    scores = vectors @ vectors.mean(axis=0)
    typical = units[int(np.flatnonzero(scores >= scores.max() - 1e-6)[0])]
    dated = []
    for s in unique:
        article = articles.get(s.get("article"))
        when = seen_on(s, article)
        if when:
            dated.append((when, s, article))
    dated.sort(key=lambda item: date_key(item[0]))
    return {
        "id": claim_id,
        "label": unit_text(statements[int(f.owner[typical])], f.spans[typical]),
        "statements": sorted(s["id"] for s in unique if s.get("id") is not None),
        # Which part of each statement asserts the claim: offsets into its article.
        "spans": [
            {"statement": statement, "start": start, "end": end}
            for statement, start, end in sorted({(statements[int(f.owner[u])].get("id"), *f.spans[u]) for u in units}, key=str)
        ],
        "articles": sorted({s["article"] for s in unique if s.get("article") is not None}),
        "speakers": sorted({s["speaker"] for s in unique if s.get("speaker")}),
        "outlets": sorted({a.outlet for s in unique if (a := articles.get(s.get("article"))) and a.outlet}),
        "first_seen": dated[0][0] if dated else None,
        "last_seen": max(dated, key=lambda item: date_key(item[0]))[0] if dated else None,
        "series": _series(dated),
    }


def _series(dated: list[tuple[str, dict[str, Any], Article | None]]) -> list[dict[str, Any]]:
    by_period: dict[str, list[tuple[dict[str, Any], Article | None]]] = defaultdict(list)
    for when, statement, article in dated:
        by_period[period(when)].append((statement, article))
    series = []
    for key in sorted(by_period, key=date_key):
        items = by_period[key]
        outlets = Counter(a.outlet for _, a in items if a is not None and a.outlet)
        speakers = Counter(s["speaker"] for s, _ in items if s.get("speaker"))
        series.append(
            {"period": key, "count": len(items), "by_outlet": dict(sorted(outlets.items())), "by_speaker": dict(sorted(speakers.items()))}
        )
    return series


# --- the stage in blocks, over a parts directory ------------------------------------


SCRATCH = "claims_work"  # under ``PARTS/_corpus/``


def blocked_claims(run: BlockRun, weights: ClaimWeights = DEFAULT_WEIGHTS) -> dict[str, Any]:
    """``find_claims`` over a parts directory: ``claims.jsonl`` and each statement's claims.

    Exact, not approximate: average linkage and ``settle`` only ever join two
    units along a pair that can score the threshold (``_linking_cosine``), so
    the grouping splits over the connected components of those pairs; inside
    one, only the *relative* order of its units matters (ties go to the lower
    index, or to the group with the smaller first member). So each component is
    grouped on its own by one task, its units sorted as ``find_claims`` sorts
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
       ``group_units``, ``assign_claims`` and ``carry_nested``, as in process.
    4. Copies (``carry_copies``): a scatter by (original article, claim text)
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
        shift = centring_shift(total_units, total)
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
    from storyline.embed import cache_key

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
    if missing:  # a shard written before the ``embed`` stage: embed here, one text at a time, as ``embed`` does
        from storyline.embed import Embedder, torch_threads

        with torch_threads(1):
            known.update(Embedder(None, batch_size=1).vectors(missing))
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
    """Step 3 on a worker: every component of a bucket grouped as ``find_claims`` groups the corpus.
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
    the same claim text (the last such in store order, as ``carry_copies``); returns what each claim gains."""
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
