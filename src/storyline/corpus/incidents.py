"""Stories as incidents (who, what, where, when), not topics: the grouping of the ``stories`` stage.

Two earthquakes a year apart are two stories; one negotiation followed over
years stays one. Term and embedding similarity alone say "same topic": the
two earthquakes share every word but the place, the magnitude and the date.
So an article is described by what tells incidents apart as well as by what
it is about:

- ``terms``: content lemmas and numbers of the whole text (``6.1``,
  ``2008`` and ``Promises`` count; reporting verbs do not);
- ``names``: the people, organisations, places and named events it names, with
  each multi-word name's last word too, so ``Tara Reid`` and ``Reid`` meet;
- ``years``: the years its own time expressions and dates state;
- the lead's sentence vector.

Two levels:

1. Topics. A pair's score is a weighted sum of the TF-IDF cosines of terms
   and names and the lead-embedding cosine; average linkage at a low
   threshold over the candidate pairs gives topic blocks (on ECB+ they are
   nearly pure: both earthquakes, and nothing else, in one block).
2. Incidents, inside each block. Terms and names are re-weighted by the
   block's own document frequencies, a word counting only when it recurs in
   two of the block's articles (so ``casty``, ``vendome`` and ``4x4`` weigh,
   and the words of one outlet's angle do not), blended with the embedding,
   less a penalty when both articles state years and share none; average
   linkage at a higher threshold; then fragments (groups of one or two
   articles, one outlet's odd angle) join the block's incident they are
   closest to on average when that is high enough.

Candidate pairs for level 1 are sub-quadratic: each article's nearest
neighbours by a concatenation of the weighted representations (exact below a
few thousand articles, ``claims.neighbour_pairs``' inverted file above), plus
pairs sharing a rare name (posting lists capped). Level 2 is dense within a
block, so its cost is the sum of the blocks' squares: a block must be capped
(``blocks.cut_to_fit`` does this for the stories stage). Average linkage is
deterministic: ties break by the smallest member index.

Pure functions over article-level features (``storyline.article.incident``:
the ``events`` stage leaves them in ``findings["incident"]``); the ``stories``
stage (``storyline.corpus.stories``) calls :func:`group_incidents` on each
connected component of its candidate pairs.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from storyline.article.incident import IncidentFeatures

@dataclass(frozen=True, slots=True)
class IncidentWeights:
    """One options object for the grouping. The defaults were chosen on the ECB+ tuning topics (a
    grid over the incident-level weights; the best tuning-half F1 among the weights that keep the
    team story set's tuning half >= 0.95); ``storyline eval stories`` reports them on the held-out half.

    Two levels. First, topics: average linkage at the low ``topic_threshold`` over the
    blend of term, name and embedding cosines (``terms``, ``names``, ``embedding``).
    Then, inside each topic block, incidents: terms and names re-weighted by the
    block's own document frequencies (words every article of the topic uses say nothing
    about which incident it is; a word must recur in two of its articles to count),
    blended with the embedding (``local_embedding``), less ``year_penalty`` where both
    state years and share none; average linkage at ``threshold``. Last, a fragment of
    fewer than ``fragment`` articles joins the block's incident it is closest to on
    average when that is at least ``attach``.
    """

    terms: float = 0.3
    names: float = 0.3
    embedding: float = 0.4
    topic_threshold: float = 0.1
    local_embedding: float = 0.2
    year_penalty: float = 0.1
    threshold: float = 0.25
    fragment: int = 3
    attach: float = 0.1
    # Keep a fragment whose years disagree with the group's apart. Off as tuned: ECB+ articles
    # name the years of earlier incidents of their kind, so stated years are noisy evidence.
    years_block_attach: bool = False
    neighbours: int = 30  # candidate partners per article from the nearest-neighbour search
    max_posting: int = 200  # a name shared by more articles proposes no pairs
    extra: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    def describe(self) -> str:
        return (f"topics: terms {self.terms:.2f}, names {self.names:.2f}, embedding {self.embedding:.2f} at "
                f"{self.topic_threshold:.3f}; incidents: local embedding {self.local_embedding:.2f}, "
                f"year penalty {self.year_penalty:.2f}, threshold {self.threshold:.3f}, fragments under "
                f"{self.fragment} attach at {self.attach:.2f}"
                f"{' unless years conflict' if self.years_block_attach else ''}")


# --- grouping ---------------------------------------------------------------------


def _tfidf(texts: list[str], tokens: bool) -> Any:
    from sklearn.feature_extraction.text import TfidfVectorizer

    vectorizer = TfidfVectorizer(sublinear_tf=True, token_pattern=r"\S+" if tokens else r"(?u)\b\w[\w.]*\b", lowercase=False)
    if not any(t.strip() for t in texts):
        from scipy.sparse import csr_matrix

        return csr_matrix((len(texts), 1))
    return vectorizer.fit_transform(texts)


@dataclass(slots=True)
class Representations:
    terms: Any  # sparse, unit rows
    names: Any
    vectors: np.ndarray
    years: list[frozenset[int]]


def represent(features: list[IncidentFeatures]) -> Representations:
    return Representations(
        _tfidf([f.terms for f in features], tokens=False),
        _tfidf([" ".join(f.names) for f in features], tokens=True),
        np.stack([f.vector for f in features]).astype(np.float32) if features else np.zeros((0, 1), np.float32),
        [f.years for f in features],
    )


def candidate_pairs(reps: Representations, w: IncidentWeights) -> tuple[np.ndarray, np.ndarray]:
    """``(i, j)`` with ``i < j``, unique, sorted: nearest neighbours of the weighted
    concatenation, and pairs that share a rare name."""
    from scipy.sparse import hstack

    from storyline.corpus.claim_search import neighbour_pairs

    n = reps.terms.shape[0]
    pairs: set[tuple[int, int]] = set()
    if n < 2:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    joined = hstack([reps.terms * np.sqrt(w.terms), reps.names * np.sqrt(w.names)]).tocsr()
    dense_part = reps.vectors * np.sqrt(w.embedding)
    # The neighbour search wants dense unit rows: reduce the sparse part to a few hundred
    # dimensions (a fixed-seed random projection keeps cosines close) and append the vectors.
    projected = _project(joined, dimensions=256)
    combined = np.hstack([projected, dense_part]).astype(np.float32)
    norms = np.linalg.norm(combined, axis=1, keepdims=True)
    combined /= np.maximum(norms, 1e-12)
    i, j, _ = neighbour_pairs(combined, -1.0, w.neighbours)
    pairs.update((a, b) for a, b in zip(i.tolist(), j.tolist()) if a != b)  # the search marks self-pairs -1
    pairs.update(_shared_name_pairs(reps.names, w.max_posting))
    ordered = sorted(pairs)
    return np.array([p[0] for p in ordered], np.int64), np.array([p[1] for p in ordered], np.int64)


def _project(matrix: Any, dimensions: int) -> np.ndarray:
    if matrix.shape[1] <= dimensions:
        return matrix.toarray().astype(np.float32)
    rng = np.random.default_rng(0)
    basis = rng.standard_normal((matrix.shape[1], dimensions)).astype(np.float32) / np.sqrt(dimensions)
    return np.asarray(matrix @ basis, dtype=np.float32)


def _shared_name_pairs(names: Any, max_posting: int) -> Iterator[tuple[int, int]]:
    columns = names.tocsc()
    for c in range(columns.shape[1]):
        rows = columns.indices[columns.indptr[c] : columns.indptr[c + 1]]
        if 1 < len(rows) <= max_posting:
            rows = np.sort(rows)
            for x, a in enumerate(rows.tolist()):
                for b in rows[x + 1 :].tolist():
                    yield a, b


# Candidate pairs scored at once: every pair's rows are gathered before their dot product, so the
# memory of one chunk is pairs x (vector width + terms per article), and all pairs at once grew with
# the square of a story component's size.
PAIR_CHUNK = 4096


def pair_scores(reps: Representations, i: np.ndarray, j: np.ndarray, w: IncidentWeights) -> np.ndarray:
    """The topic-level score of candidate pairs: the blend of the three cosines."""
    def rowdot(m: Any, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return np.asarray(m[a].multiply(m[b]).sum(axis=1)).ravel()

    scores = np.zeros(len(i))
    for start in range(0, len(i), PAIR_CHUNK):
        a, b = i[start : start + PAIR_CHUNK], j[start : start + PAIR_CHUNK]
        embedding = np.einsum("ij,ij->i", reps.vectors[a], reps.vectors[b])
        scores[start : start + len(a)] = (
            w.terms * rowdot(reps.terms, a, b) + w.names * rowdot(reps.names, a, b) + w.embedding * embedding)
    return scores


def group_incidents(features: list[IncidentFeatures], w: IncidentWeights = IncidentWeights(),
                    reps: Representations | None = None,
                    pairs: tuple[np.ndarray, np.ndarray] | None = None) -> list[int]:
    """A group number per article (its group's smallest index).
    ``reps`` (``represent(features)``) and ``pairs`` (``candidate_pairs``) when the caller already
    has them: tuning tries many thresholds on the same candidates."""
    from storyline.corpus.claim_linkage import average_linkage

    if not features:
        return []
    reps = reps if reps is not None else represent(features)
    i, j = pairs if pairs is not None else candidate_pairs(reps, w)
    scores = pair_scores(reps, i, j, w)
    topics = average_linkage(len(features), zip(i.tolist(), j.tolist(), scores.tolist()), w.topic_threshold, floor=0.0)
    blocks: dict[int, list[int]] = defaultdict(list)
    for index, topic in enumerate(topics):
        blocks[topic].append(index)
    groups = list(range(len(features)))
    for members in blocks.values():
        for local, group in zip(members, split_topic([features[m] for m in members], w)):
            groups[local] = members[group]
    return groups


# The most articles a topic block is split densely (its cost grows with the square of this).
DENSE_LIMIT = 3000


def split_topic(features: list[IncidentFeatures], w: IncidentWeights) -> list[int]:
    """The incidents of one topic block: a group number (smallest local index) per article.
    Dense within the block: a block is one topic's articles (capping it, as ``blocks.cut_to_fit``
    does for the stories stage, bounds the cost)."""
    from storyline.corpus.claim_linkage import average_linkage

    n = len(features)
    if n < 3 or n > DENSE_LIMIT:
        return [0] * n  # too big to compare densely: the topic stays one story (never on the sets measured)
    conflict = year_conflicts(features)
    scores = local_scores(features, w) - w.year_penalty * conflict
    i, j = np.triu_indices(n, 1)
    groups = average_linkage(n, zip(i.tolist(), j.tolist(), scores[i, j].tolist()), w.threshold, floor=0.0)
    return attach_fragments(groups, scores, conflict, w)


def year_conflicts(features: list[IncidentFeatures]) -> np.ndarray:
    """1 where both articles state years and share none."""
    years = [f.years for f in features]
    return np.array([[bool(a and b and not a & b) for b in years] for a in years], dtype=np.float64)


def local_scores(features: list[IncidentFeatures], w: IncidentWeights) -> np.ndarray:
    """Pair scores inside a block, with the block's own document frequencies."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    texts = [f.terms + " " + " ".join(f.names) for f in features]
    try:
        matrix = TfidfVectorizer(sublinear_tf=True, token_pattern=r"\S+", lowercase=False, min_df=2).fit_transform(texts)
        lexical = (matrix @ matrix.T).toarray()
    except ValueError:  # no word recurs in the block
        lexical = np.zeros((len(features), len(features)))
    vectors = np.stack([f.vector for f in features])
    return (1 - w.local_embedding) * lexical + w.local_embedding * (vectors @ vectors.T)


def attach_fragments(groups: list[int], scores: np.ndarray, conflict: np.ndarray, w: IncidentWeights) -> list[int]:
    """Groups smaller than ``w.fragment`` join the larger group they are closest to on average
    (when at least ``w.attach``): one outlet's odd angle on an incident is still that incident.
    With ``w.years_block_attach``, never across a year conflict."""
    members: dict[int, list[int]] = defaultdict(list)
    for index, group in enumerate(groups):
        members[group].append(index)
    large = sorted(g for g, m in members.items() if len(m) >= w.fragment)
    if not large:
        return groups
    result = list(groups)
    for group, items in sorted(members.items()):
        if len(items) >= w.fragment:
            continue
        closeness = [(float(scores[np.ix_(items, members[g])].mean()), -g) for g in large
                     if not (w.years_block_attach and conflict[np.ix_(items, members[g])].any())]
        if not closeness:
            continue
        best, negative = max(closeness)
        if best >= w.attach:
            for item in items:
                result[item] = -negative
    return result
