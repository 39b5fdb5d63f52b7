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
from typing import Any

import numpy as np

from storyline.pipeline import Options, register_stage
from storyline.records import Article, Corpus
from storyline.syndication import copy_of

EXACT_LIMIT = 4000  # above this many vectors, search an inverted-file index
CELL_SIZE = 2000  # target statements per k-means cell
PROBES = 4  # cells searched per statement
MAX_NEIGHBOURS = 30  # candidate pairs kept per statement
CENTRING_PRIOR = 20  # statements' worth of shrinkage of the corpus mean


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
    i, j, cos = np.concatenate(found_i), np.concatenate(found_j), np.concatenate(found_cos)
    low, high = np.minimum(i, j), np.maximum(i, j)
    order = np.lexsort((high, low))
    low, high, cos = low[order], high[order], cos[order]
    first = np.ones(len(low), dtype=bool)
    first[1:] = (low[1:] != low[:-1]) | (high[1:] != high[:-1])
    return low[first], high[first], cos[first]


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
    links: list[dict[int, float]] = [defaultdict(float) for _ in range(n)]  # sum of (score - floor)
    for i, j, score in pairs:
        links[i][j] += score - floor
        links[j][i] += score - floor
    heap = [(-(floor + total), i, j) for i in range(n) for j, total in links[i].items() if i < j and floor + total >= threshold]
    heapq.heapify(heap)
    while heap:
        negative, a, b = heapq.heappop(heap)
        if parent[a] != a or parent[b] != b:
            continue
        mean = floor + links[a].get(b, 0.0) / (size[a] * size[b])
        if abs(mean + negative) > 1e-9:  # stale entry: sizes changed since it was pushed
            if mean >= threshold:
                heapq.heappush(heap, (-mean, a, b))
            continue
        keep, gone = (a, b) if len(links[a]) >= len(links[b]) else (b, a)
        parent[gone] = keep
        size[keep] += size[gone]
        del links[keep][gone]
        for other, total in links[gone].items():
            if other == keep:
                continue
            links[other].pop(gone, None)
            links[keep][other] += total
            links[other][keep] = links[keep][other]
            mean = floor + links[keep][other] / (size[keep] * size[other])
            if mean >= threshold:
                heapq.heappush(heap, (-mean, min(keep, other), max(keep, other)))
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
    n = len(vectors)
    if n == 0:
        return vectors
    shifted = vectors - vectors.mean(axis=0) * (n / (n + prior))
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


def features(
    statements: list[dict[str, Any]], embedder: Any, use_entities: bool = True, centre: bool = True, clauses: bool = True
) -> StatementFeatures:
    owner, spans, texts = [], [], []
    for index, statement in enumerate(statements):
        for span in units_of(statement) if clauses else units_of(statement)[:1]:
            text = unit_text(statement, span)
            if text:
                owner.append(index)
                spans.append(span)
                texts.append(text)
    vectors = embedder.embed(texts)
    owners = np.asarray(owner, dtype=np.int64)
    whole = np.ones(len(owners), dtype=bool)
    whole[1:] = owners[1:] != owners[:-1]  # each statement's first unit is the whole of it
    return StatementFeatures(
        vectors=centred(vectors) if centre else vectors,
        negated=[negated(t) for t in texts],
        entities=entity_sets(texts) if use_entities else [frozenset()] * len(texts),
        kinds=[statements[o].get("kind") for o in owner],
        speakers=[statements[o].get("speaker") or None for o in owner],
        owner=owners,
        whole=whole,
        spans=spans,
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
    i, j, cos = candidates if candidates is not None else neighbour_pairs(f.vectors, w.radius)
    apart = f.owner[i] != f.owner[j]
    i, j, cos = i[apart], j[apart], cos[apart]
    scores = pair_scores(f, i, j, cos, w)
    pairs = list(zip(i.tolist(), j.tolist(), scores.tolist()))
    groups = average_linkage(len(f.vectors), pairs, w.threshold, floor=0.0)
    return settle(len(f.vectors), pairs, groups, w.threshold) if w.settle else groups


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
        # A syndicated copy's statements count once, through its original (below).
        copies = copy_of(corpus.syndicated)
        usable = [s for s in corpus.statements if claim_text(s.get("text") or "") and s.get("article") not in copies]
        # "Peskov stated that both sides acknowledge that X": X is reported
        # twice, nested, but said once; it is grouped through the outer one.
        inner = nested(usable)
        inside = {id(statement) for statement, _ in inner}
        usable = [s for s in usable if id(s) not in inside]
        usable.sort(key=lambda s: statement_identity(s, articles))
        if len(usable) < 2:
            corpus.claims = []
            return
        f = features(usable, self.embedder, use_entities=self.weights.entities != 0)
        groups = group_units(f, self.weights)
        main, every = statement_claims(f, groups)
        units_of_group: dict[int, list[int]] = defaultdict(list)
        for unit, group in enumerate(groups):
            if group in every[f.owner[unit]]:
                units_of_group[group].append(unit)
        claims = {group: describe_claim(usable, f, units, articles) for group, units in units_of_group.items()}
        for index, statement in enumerate(usable):
            statement["claims"] = sorted(claims[group]["id"] for group in every[index])
            statement["claim"] = claims[main[index]]["id"] if main[index] is not None else None
        ordered = sorted(claims.values(), key=lambda c: (-len(c["statements"]), c["id"]))
        carry_nested(inner, ordered)
        carry_copies(corpus.statements, copies, {c["id"]: c for c in ordered}, articles)
        corpus.claims = ordered


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
    # Rounded, so ties go to the first unit: two units score the same in exact arithmetic, and
    # the last bits of a vector (which depend on where it was embedded) must not pick the label.
    typical = units[int(np.argmax(np.round(vectors @ vectors.mean(axis=0), 5)))]
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
