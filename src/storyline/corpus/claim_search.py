"""Candidate pairs by nearest-neighbour search on unit vectors, sub-quadratic (claims and stories).

Exact and chunked below ``EXACT_LIMIT`` rows; above, an inverted-file index (k-means cells, ``PROBES``
of them searched per row), so no n x n matrix is ever built. Each row keeps its ``MAX_NEIGHBOURS`` best
partners. ``storyline.corpus.blocks`` runs the same search as tasks (``similar_pair_files``).
"""

from __future__ import annotations

from typing import Any

import numpy as np


EXACT_LIMIT = 4000  # above this many vectors, search an inverted-file index
CELL_SIZE = 2000  # target statements per k-means cell
# Query rows compared at once: each takes a row of similarities, a mask and a partition of that row,
# so the transient is ~20 bytes x rows x members.
QUERY_CHUNK = 256
PROBES = 4  # cells searched per statement
MAX_NEIGHBOURS = 30  # candidate pairs kept per statement


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
    found = [search_rows(queries, vectors[queries], members, vectors[members], min_cos, max_neighbours)
             for queries, members in blocks]
    return unique_pairs(*(np.concatenate(part) for part in zip(*found)))


def search_rows(queries, query_vectors, members, member_vectors, min_cos, max_neighbours):
    """``(i, j, cos)``: each query row's best ``max_neighbours`` members at or above ``min_cos``,
    ``QUERY_CHUNK`` query rows at a time (the in-process search and the block tasks both use it)."""
    found = [best_of_block(queries[s : s + QUERY_CHUNK], members, query_vectors[s : s + QUERY_CHUNK] @ member_vectors.T,
                           min_cos, max_neighbours)
             for s in range(0, len(queries), QUERY_CHUNK)]
    if not found:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
    return tuple(np.concatenate(part) for part in zip(*found))


def best_of_block(rows, members, sims, min_cos, max_neighbours):
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



def unique_pairs(i: Any, j: Any, cos: Any) -> tuple[Any, Any, Any]:
    """Each pair once, as ``(low, high, cos)`` sorted by ``(low, high)``."""
    low, high = np.minimum(i, j), np.maximum(i, j)
    order = np.lexsort((high, low))
    low, high, cos = low[order], high[order], cos[order]
    first = np.ones(len(low), dtype=bool)
    first[1:] = (low[1:] != low[:-1]) | (high[1:] != high[:-1])
    return low[first], high[first], cos[first]

