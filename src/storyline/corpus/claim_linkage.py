"""Claims: scoring candidate pairs, average linkage over the sparse pair graph, and settling.

See ``storyline.corpus.claims`` for how a claim is found; this module holds steps 2, 4 and 5 (centring,
scores, :func:`average_linkage`, :func:`settle`).
"""

from __future__ import annotations

import heapq
import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np

from storyline.article.units import is_proposition, statement_units, tagged
from storyline.corpus.claim_search import neighbour_pairs
from storyline.corpus.claim_veto import NUMBER, OPPOSITE, SWAP, WORD_SWAP, swap_kind
from storyline.corpus.pairmodel import CONTRADICTS, SAME, PairModel


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
    centre: bool = True  # take the corpus mean out of the vectors (``centred``)
    # The pair model (``storyline.corpus.pairmodel``) decides which candidate pairs may link:
    model: bool = False
    link_cosine: float = 0.80  # plain MiniLM cosine at which a pair links on the cosine alone
    same_cosine: float = 0.65  # plain cosine at which a pair links when the model reads it as the same claim
    same_min: float = 0.7  # order-free P(same) that links a pair between ``same_cosine`` and ``link_cosine``
    swap_same: float = 0.95  # order-free P(same) that overrides the veto of a common noun or verb swapped ("murder" / "death")
    contradicts_max: float = 0.2  # order-free P(contradicts) at or above which a pair can never link
    negation_veto: bool = True  # one unit negated (``negated``), the other not: never one claim


# The model rule (``model=True``): both units are propositions and the pair model's order-free
# P(contradicts) is < ``contradicts_max``; then a pair links when its plain cosine is >=
# ``link_cosine``, or >= ``same_cosine`` with the model's order-free P(same) >= ``same_min``. A
# contradiction, a negation on one side only, or one word swapped for another (``claim_veto.swap_kind``;
# a common noun or a verb swapped only unless the model is sure it is the same claim, P(same) >= ``swap_same``)
# is a veto: the two can never share a claim.
# Average linkage then merges groups while the mean over *all* their cross pairs (a missing pair 0,
# a vetoed one minus infinity) is >= ``threshold``: at 0.6 every member links to most of the claim,
# not to one neighbour. Calibrated on the dev splits of real pairs (``python -m storyline.eval.claims
# --calibrate``, docs/benchmarks.md "Claims with the pair model (issue #14)").
DEFAULT_WEIGHTS = ClaimWeights(threshold=0.6, radius=0.65, link_cosine=0.80, centre=False, model=True)
VETO = -1e9  # a vetoed pair's score: no mean of a realistic group clears a threshold with it in


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


# Negators, and the verb that negates what follows it ("denied any role" ~ "had no role").
_NEGATORS = {"not", "n't", "no", "never", "nothing", "nobody", "none", "neither", "nor", "cannot", "without",
             "deny", "denies", "denied", "denying"}


_WORD = re.compile(r"n't|\w+", re.UNICODE)


ENTITY_LABELS = {"PERSON", "ORG", "GPE", "NORP", "LOC", "FAC", "EVENT", "PRODUCT", "WORK_OF_ART", "LAW"}


def negated(text: str) -> bool:
    """An odd number of negators: "will not go ahead", not "cannot be rushed without"."""
    count = sum(1 for word in _WORD.findall(text.lower()) if word in _NEGATORS)
    return count % 2 == 1


def entity_sets(texts: list[str]) -> list[frozenset[str]]:
    """Named entities each text mentions (lower-cased), by spaCy's NER."""
    from storyline.article.parse import load_nlp

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
    of its clauses when it has several (``storyline.article.clauses``)."""

    vectors: np.ndarray
    negated: list[bool]
    entities: list[frozenset[str]]
    kinds: list[str | None]
    speakers: list[str | None]
    owner: np.ndarray  # the statement each unit belongs to (index into the statements given)
    whole: np.ndarray  # True where the unit is the whole statement
    spans: list[tuple[int, int]]  # each unit's offsets into its article
    texts: list[str]  # each unit's text as embedded (``units.claim_text``)
    articles: list[Any]  # each unit's article (its statement's number where it has none)


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
        texts=list(texts),
        articles=[statements[o].get("article") or ("statement", o) for o in owner],
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


def model_scores(f: StatementFeatures, i: np.ndarray, j: np.ndarray, cos: np.ndarray, w: ClaimWeights):
    """The pairs that may link, scored by their cosine, and the vetoed ones, scored ``VETO``.

    Only pairs at or above ``w.same_cosine`` between two propositions are looked at: each
    unit's ``MODEL_NEIGHBOURS`` closest at or above ``w.link_cosine`` and its
    ``SAME_NEIGHBOURS`` closest below it (the rest count 0, as pairs outside the graph do). A negation on one side only is vetoed before the model; the pair model
    (batched, both orders) scores the rest. A link scores its cosine, a pair that is
    neither link nor veto 0. Pairs are taken in their given order, so the same component
    gives the same numbers in any run."""
    near = np.union1d(_closest(i, j, cos, np.flatnonzero(cos >= w.link_cosine), MODEL_NEIGHBOURS),
                      _closest(i, j, cos, np.flatnonzero((cos >= w.same_cosine) & (cos < w.link_cosine)), SAME_NEIGHBOURS))
    units = sorted(set(i[near].tolist()) | set(j[near].tolist()))
    docs = dict(zip(units, tagged([f.texts[u] for u in units])))
    propositions = {u: is_proposition(doc) for u, doc in docs.items()}
    near = np.array([k for k in near if propositions[int(i[k])] and propositions[int(j[k])]], dtype=np.int64)
    a, b = i[near], j[near]
    kinds = [swap_kind(docs[x], docs[y]) for x, y in zip(a.tolist(), b.tolist())]
    negated_ = np.asarray(f.negated, dtype=bool)
    one_side_negated = negated_[a] != negated_[b]
    veto = _cheap_vetoes(kinds, one_side_negated, w)
    pair_cos = cos[near].astype(np.float64)
    probs = np.zeros((len(near), 3))
    texts = lambda ks: [(f.texts[x], f.texts[y]) for x, y in zip(a[ks].tolist(), b[ks].tolist())]  # noqa: E731
    upper, lower = np.flatnonzero(~veto & (pair_cos >= w.link_cosine)), np.flatnonzero(~veto & (pair_cos < w.link_cosine))
    if len(upper):
        probs[upper] = pair_model().score_both_ways(texts(upper))
    if len(lower):  # only P(same) can link these: the second order only where the first reaches ``same_min``
        probs[lower] = pair_model().score_both_ways_if_same(texts(lower), w.same_min)
    link, veto = link_verdicts(pair_cos, probs, kinds, one_side_negated, w)
    return a, b, np.where(veto, VETO, np.where(link, pair_cos, 0.0))


def link_verdicts(cos: np.ndarray, probs: np.ndarray, kinds: list[str | None], one_side_negated: np.ndarray,
                  w: ClaimWeights) -> tuple[np.ndarray, np.ndarray]:
    """The link rule on pairs of propositions (the comment above ``DEFAULT_WEIGHTS``): which
    pairs link and which are vetoed, from their plain cosines, their order-free pair-model
    scores, their ``claim_veto.swap_kind`` and whether one side only is negated. The claims
    stage and its calibration (``eval.claim_pairs``) both decide here."""
    same = probs[:, SAME]
    swapped = np.array([kind == WORD_SWAP for kind in kinds], dtype=bool)
    veto = _cheap_vetoes(kinds, one_side_negated, w) | (probs[:, CONTRADICTS] >= w.contradicts_max) | (swapped & (same < w.swap_same))
    link = (cos >= w.link_cosine) | ((cos >= w.same_cosine) & (same >= w.same_min))
    return link, veto


def _cheap_vetoes(kinds: list[str | None], one_side_negated: np.ndarray, w: ClaimWeights) -> np.ndarray:
    """The vetoes that need no model: a swap of a kind the model cannot overrule, a negation on one side."""
    veto = np.array([kind in (NUMBER, OPPOSITE, SWAP) for kind in kinds], dtype=bool)
    return veto | one_side_negated if w.negation_veto else veto


MODEL_NEIGHBOURS = 10  # closest partners per unit the link rule looks at (the model's cost is per pair)
# Closest partner per unit between ``same_cosine`` and ``link_cosine``, where only the model's P(same)
# can link: a dense corpus has many there (100k real sentences: twice the pairs of the cosine tier
# with 3 a unit). 1, 2 and 3 link the same STS headlines pairs (dev and test, through the pipeline).
SAME_NEIGHBOURS = 1


def _closest(i: np.ndarray, j: np.ndarray, cos: np.ndarray, keep: np.ndarray, limit: int) -> np.ndarray:
    """The pairs of ``keep`` that are among the ``limit`` best of either of their units (by
    cosine, ties by position), in their given order."""
    chosen = np.zeros(len(i), dtype=bool)
    by_unit: dict[int, list[int]] = defaultdict(list)
    for k in keep.tolist():
        by_unit[int(i[k])].append(k)
        by_unit[int(j[k])].append(k)
    for ks in by_unit.values():
        chosen[sorted(ks, key=lambda k: (-cos[k], k))[:limit]] = True
    return np.flatnonzero(chosen)


@lru_cache(maxsize=1)
def pair_model() -> Any:
    """The shipped pair model, loaded once per process (hashes checked)."""
    return PairModel.load()


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
    cos = pair_cosines(f.vectors, i, j)
    if w.model:
        i, j, scores = model_scores(f, i, j, cos, w)
    else:
        scores = pair_scores(f, i, j, cos, w)
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
    whose statements come from two or more articles (a claim is something said
    again elsewhere; a speaker repeating themselves in one article is not one).

    The main group is the whole statement's; when the whole statement joined
    none, the largest group one of its clauses joined.
    """
    holders: dict[int, set[int]] = defaultdict(set)
    sources: dict[int, set[Any]] = defaultdict(set)
    for unit, group in enumerate(groups):
        holders[group].add(int(f.owner[unit]))
        sources[group].add(f.articles[unit])
    count = int(f.owner.max()) + 1 if len(f.owner) else 0
    every: list[list[int]] = [[] for _ in range(count)]
    main: list[int | None] = [None] * count
    for unit, group in enumerate(groups):
        if len(sources[group]) < 2:
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

