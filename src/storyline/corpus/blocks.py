"""The block runner: every corpus stage runs as tasks over shards of articles.

This is the one implementation of the corpus stages. A cluster run's shards are a parts
directory (``storyline.store.parts``); a normal run's store is written as one shard
(``storyline.corpus.local``) and the same pass runs in this process. No process holds the
corpus: each corpus stage is split into tasks the executor runs on its workers, and the
driver keeps only what is small (counts per shard, keys to sort, integer pairs to join).

The moves, each a method of :class:`BlockRun`:

- ``each_shard``: a function over every complete shard, on its worker (map);
- ``scatter``: each shard's worker emits ``(block key, row)`` pairs, written
  to ``_corpus/<name>/bucket=B/shard=NNNNN.pkl``; a block key always lands
  in the same bucket, so one task later sees the whole block (shuffle);
- ``gather``: a function over every bucket of a scatter, on the workers
  (reduce); ``read_bucket`` gives it its blocks in shard order.

Outputs are JSON Lines under ``PARTS/_corpus/`` (one file per shard or per
bucket); :func:`read_rows` reads a list back in file order. Ids follow the
store an ``ingest-parts`` of the same shards would build: article ``a{n}``
numbers articles in shard order (or the ids a shard states, ``ShardInfo.ids``), so the
lists equal a normal run's.

Scratch files are pickles because they carry NumPy vectors and tuples; they
are written and read only by this module, in this run's own work folder,
never from input.
"""

from __future__ import annotations

import hashlib
import json
import math
import pickle
import shutil
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from storyline.corpus import claim_search  # its limits are read at call time (tests lower them)
from storyline.corpus.claim_search import unique_pairs
from storyline.store.parts import SHARD_PREFIX, complete_shards, read_marker
from storyline.core.options import Options
from storyline.core.pipeline import Pipeline

WORK = "_corpus"
BUCKET_PREFIX = "bucket="


class BlockError(RuntimeError):
    """A block task failed; the message names the task."""


@dataclass(frozen=True, slots=True)
class ShardInfo:
    """A complete shard as a task sees it."""

    folder: Path
    number: int
    first: int  # how many articles the shards before this one hold
    articles: int
    # The articles' ids, when the shard states them (the store's articles as a shard: ``storyline.corpus.local``);
    # else ``a{n}`` as ``ingest-parts`` gives them.
    ids: tuple[str, ...] = ()

    def article_number(self, local_id: str) -> int:
        """n of the store id ``a{n}`` of a shard-local article id (``00003:17``): its place in the corpus, from 1."""
        return self.first + int(local_id.rsplit(":", 1)[1]) + 1

    def article_id(self, local_id: str) -> str:
        """The store id of a shard-local article id, as ``ingest-parts`` would give it (or as the shard states it)."""
        return self.id_at(self.article_number(local_id))

    def id_at(self, number: int) -> str:
        """The id of the article at place ``number`` (from 1) of the corpus, which must be in this shard."""
        return self.ids[number - self.first - 1] if self.ids else f"a{number}"


def bucket_of(key: Any, buckets: int) -> int:
    """A stable bucket for a block key (Python's ``hash`` differs between processes)."""
    digest = hashlib.blake2b(repr(key).encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big") % buckets


class BlockRun:
    """One corpus pass over the complete shards of ``parts_dir``."""

    def __init__(self, parts_dir: str | Path, executor: Any, options: Options, buckets: int | None = None) -> None:
        self.parts = Path(parts_dir).resolve()
        self.work = self.parts / WORK
        self.executor = executor
        self.options = options
        self.buckets = buckets or max(4, 4 * int(getattr(executor, "workers", 1)))
        complete, _ = complete_shards(self.parts)
        self.shards: list[ShardInfo] = []
        first = 0
        for folder in complete:
            marker = read_marker(folder)
            count = int(marker.get("articles", 0))
            number = int(folder.name[len(SHARD_PREFIX):])
            self.shards.append(ShardInfo(folder, number, first, count, tuple(marker.get("ids") or ())))
            first += count
        self.articles = first
        # Corpus tasks need no per-article stages; workers build an empty pipeline.
        self.pipeline = Pipeline([], replace(options, embedding_cache=None))

    def article_id(self, number: int) -> str:
        """The id of the article at place ``number`` (from 1) of the corpus."""
        for shard in self.shards:
            if shard.first < number <= shard.first + shard.articles:
                return shard.id_at(number)
        raise KeyError(number)

    def key(self) -> str:
        """What the pass's results depend on: the complete shards as their ``_SUCCESS`` describe them,
        and the options that change results (the block caps)."""
        shards = [[s.folder.name, read_marker(s.folder).get("key"), s.articles] for s in self.shards]
        caps = {name: self.options.extra.get(name) for name in ("claims_max_block", "stories_max_block")}
        return hashlib.sha256(json.dumps([shards, caps], sort_keys=True).encode("utf-8")).hexdigest()

    def fresh(self) -> None:
        shutil.rmtree(self.work, ignore_errors=True)
        self.work.mkdir(parents=True)

    def clear(self, *names: str) -> Path:
        """An empty folder under ``_corpus/`` (what an earlier attempt left there is removed)."""
        folder = self.path(*names)
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        return folder

    def path(self, *names: str) -> Path:
        return self.work.joinpath(*names)

    # -- running tasks ------------------------------------------------------

    def each(self, function: Callable[..., Any], tasks: list[Any], *args: Any) -> list[Any]:
        """``function(task, *args)`` for every task on the workers; results in task order."""
        calls = [_Call(n, function, task, args) for n, task in enumerate(tasks)]
        results: list[Any] = [None] * len(calls)
        for call, outcome in self.executor.run_tasks(self.pipeline, _run_call, calls):
            if isinstance(outcome, BaseException):
                raise BlockError(f"{function.__module__}.{function.__name__} on {call.task!r}: "
                                 f"{type(outcome).__name__}: {outcome}") from outcome
            results[call.number] = outcome
        return results

    def each_shard(self, function: Callable[..., Any], *args: Any) -> list[Any]:
        """``function(shard, *args)`` for every complete shard; results in shard order."""
        return self.each(function, self.shards, *args)

    def scatter(self, name: str, function: Callable[..., Iterable[tuple[Any, Any]]], *args: Any) -> list[Path]:
        """Shuffle: ``function(shard, *args)`` yields ``(block key, row)`` on each shard's worker; the
        rows land in ``_corpus/<name>/bucket=B/``. Returns the bucket folders that received rows."""
        return self.scatter_tasks(name, self.shards, function, *args)

    def scatter_tasks(self, name: str, tasks: list[Any], function: Callable[..., Iterable[tuple[Any, Any]]],
                      *args: Any) -> list[Path]:
        """``scatter`` from any tasks (files of pairs, say), not only shards; bucket files in task order."""
        folder = self.clear(name)
        self.each(_scatter_task, list(enumerate(tasks)), folder, self.buckets, function, args)
        return sorted(p for p in folder.glob(f"{BUCKET_PREFIX}*") if p.is_dir())

    def gather(self, buckets: list[Path], function: Callable[..., Any], *args: Any) -> list[Any]:
        """Reduce: ``function(bucket folder, *args)`` for every bucket; results in bucket order."""
        return self.each(function, buckets, *args)

    def share(self, name: str, array: Any) -> Path:
        """An array every task may read (``np.load(path, mmap_mode="r")``) without it travelling with each task."""
        import numpy as np

        path = self.path(f"{name}.npy")
        path.parent.mkdir(parents=True, exist_ok=True)
        np.save(path, array)
        return path


@dataclass(frozen=True, slots=True)
class _Call:
    number: int
    function: Callable[..., Any]
    task: Any
    args: tuple[Any, ...]


def _run_call(pipeline: Pipeline, call: _Call) -> Any:
    return call.function(call.task, *call.args)


def _scatter_task(numbered: tuple[int, Any], folder: Path, buckets: int, function: Callable[..., Any], args: tuple) -> int:
    number, task = numbered
    grouped: dict[int, list[tuple[Any, Any]]] = {}
    for key, row in function(task, *args):
        grouped.setdefault(bucket_of(key, buckets), []).append((key, row))
    for bucket, pairs in grouped.items():
        target = folder / f"{BUCKET_PREFIX}{bucket:05d}"
        target.mkdir(parents=True, exist_ok=True)
        write_pickle(target / f"{SHARD_PREFIX}{number:05d}.pkl", pairs)  # task n of the list: shard order for shards
    return sum(len(pairs) for pairs in grouped.values())


def read_bucket(folder: Path) -> dict[Any, list[Any]]:
    """A bucket's blocks: rows by block key, in task (shard) order, then the order each task emitted them."""
    blocks: dict[Any, list[Any]] = {}
    for path in sorted(folder.glob(f"{SHARD_PREFIX}*.pkl")):
        for key, row in read_pickle(path):
            blocks.setdefault(key, []).append(row)
    return blocks


# -- similar vectors across shards ------------------------------------------------


def similar_pairs(
    run: BlockRun, name: str, vectors_of: Callable[..., tuple[Any, Any]], min_cos: float, max_neighbours: int,
    *args: Any,
) -> tuple[Any, Any, Any]:
    """``claims.neighbour_pairs`` over vectors that stay with their shards.

    ``vectors_of(shard, *args)`` runs on each shard's worker and returns
    ``(global ids, unit vectors)``. Below ``claim_search.EXACT_LIMIT`` vectors in
    all, each shard's vectors are compared with every vector (exact, as
    in-process); above, an inverted file: k-means on a sample in the driver,
    each vector scattered to its nearest cells, one search per cell on the
    workers. The driver holds the pairs found: ``(i, j, cos)`` with ``i < j``
    (the stages keep them on the workers' side with ``similar_pair_files``).
    """
    import numpy as np

    files, _, _ = similar_pair_files(run, name, vectors_of, min_cos, max_neighbours, math.inf, *args)
    found = [np.load(path) for path in files]
    if not found:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, np.zeros(0, dtype=np.float32)
    return unique_pairs(*(np.concatenate([pairs[key] for pairs in found]) for key in ("i", "j", "cos")))


def similar_pair_files(
    run: BlockRun, name: str, vectors_of: Callable[..., tuple[Any, Any]], min_cos: float, max_neighbours: int,
    link_cos: float, *args: Any,
) -> tuple[list[Path], tuple[Any, Any, Any], int]:
    """``similar_pairs`` with the pairs left on the workers' side: each search task writes what it
    found to ``_corpus/<name>/found/part-NNNNN.npz`` (a pair may be in two files) and returns only
    the maximum spanning forest of its pairs with cosine >= ``link_cos`` (at most one edge per
    vector it searched). The forests' union has the same connected components as all those pairs,
    so the driver holds at most a few edges per vector instead of every pair.

    Returns the pair files, the forest edges ``(i, j, cos)`` and how many pairs the tasks found.
    """
    import numpy as np

    folder, found_folder = run.clear(name, "vectors"), run.clear(name, "found")
    counts = run.each_shard(_save_vectors, folder, vectors_of, args)
    total = sum(counts)
    files = [folder / f"{SHARD_PREFIX}{s.number:05d}.npz" for s, count in zip(run.shards, counts) if count]
    if total < 2:
        tasks: list[tuple[Callable[..., tuple], Any, tuple]] = []
    elif total <= claim_search.EXACT_LIMIT:
        tasks = [(_search_against_all, path, (files,)) for path in files]
    else:
        centroids = _cell_centroids(run, files, total)
        tasks = [(_search_cells, bucket, ()) for bucket in run.scatter(f"{name}/cells", _to_cells, folder, centroids)]
    numbered = [(n, *task) for n, task in enumerate(tasks)]
    kept = run.each(_search_and_keep, numbered, found_folder, min_cos, max_neighbours, link_cos)
    parts = [found_folder / f"part-{n:05d}.npz" for n, _ in enumerate(tasks)]
    if not kept:
        empty = np.zeros(0, dtype=np.int64)
        return parts, (empty, empty, np.zeros(0, dtype=np.float32)), 0
    forest = tuple(np.concatenate(part) for part in zip(*(edges for edges, _ in kept)))
    return parts, unique_pairs(*forest), sum(count for _, count in kept)


def _search_and_keep(numbered: tuple, out: Path, min_cos: float, best: int, link_cos: float) -> tuple[tuple, int]:
    import numpy as np

    number, search, task, extra = numbered
    i, j, cos = search(task, *extra, min_cos, best)
    np.savez(out / f"part-{number:05d}.npz", i=i, j=j, cos=cos)
    return spanning_forest(i, j, cos, link_cos), len(i)


def pairs_by_block(path: Path, labels_path: Path) -> Iterator[tuple[int, tuple[Any, Any, Any]]]:
    """A ``scatter_tasks`` function: the pairs of one search task's file (``similar_pair_files``),
    keyed by the block (``labels``, a shared array) both ends are in; a pair between two blocks
    decides nothing and is dropped."""
    import numpy as np

    labels = np.load(labels_path, mmap_mode="r")
    with np.load(path) as found:
        i, j, cos = found["i"], found["j"], found["cos"]
    block = np.asarray(labels[i])
    inside = (block == np.asarray(labels[j])) & (block >= 0)
    order = np.argsort(block[inside], kind="stable")
    i, j, cos, block = i[inside][order], j[inside][order], cos[inside][order], block[inside][order]
    starts = np.flatnonzero(np.r_[True, block[1:] != block[:-1]]) if len(block) else np.zeros(0, dtype=np.int64)
    for start, end in zip(starts.tolist(), [*starts[1:].tolist(), len(block)]):
        yield int(block[start]), (i[start:end], j[start:end], cos[start:end])


def spanning_forest(i: Any, j: Any, cos: Any, link_cos: float) -> tuple[Any, Any, Any]:
    """The maximum spanning forest (Kruskal, strongest first) of the pairs with cosine >= ``link_cos``:
    the same connected components with at most one edge per item."""
    import numpy as np

    linking = cos >= link_cos
    order = np.lexsort((j[linking], i[linking], -cos[linking]))
    a, b, c = i[linking][order], j[linking][order], cos[linking][order]
    forest = Forest()
    keep = np.array([forest.join(x, y) is True for x, y in zip(a.tolist(), b.tolist())], dtype=bool)
    return a[keep], b[keep], c[keep]


class Forest:
    """Union-find over any ids, for Kruskal's algorithm: pieces joined pair by pair, strongest first."""

    def __init__(self) -> None:
        self.parent: dict[int, int] = {}
        self.size: dict[int, int] = {}

    def root(self, x: int) -> int:
        parent = self.parent
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def join(self, x: int, y: int, limit: float = math.inf) -> bool | None:
        """True: joined; None: already one piece; False: refused, the piece would exceed ``limit`` items."""
        rx, ry = self.root(x), self.root(y)
        if rx == ry:
            return None
        joined = self.size.get(rx, 1) + self.size.get(ry, 1)
        if joined > limit:
            return False
        self.parent[ry], self.size[rx] = rx, joined
        return True


def components(n: int, i: Any, j: Any) -> Any:
    """A label per id 0..n-1: ids joined by pairs share it (labels in order of their smallest id)."""
    import numpy as np
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    graph = coo_matrix((np.ones(len(i), dtype=np.int8), (i, j)), shape=(n, n))
    return connected_components(graph, directed=False)[1]


def cut_to_fit(
    labels: Any, i: Any, j: Any, cos: Any, cut: float, cap: int, together: tuple[Any, Any] | None = None,
) -> tuple[Any, float | None]:
    """Components of more than ``cap`` items split into pieces that fit one task.

    Grouping by average linkage splits exactly over the components of the
    pairs that can link, but real text chains: on 1,000 PolNeAR articles 99%
    of the claim units form one such component (``docs/benchmarks.md``), and
    one task would hold them all. A component over ``cap`` is rebuilt by
    single linkage with a size limit: its pairs (cosine >= ``cut``) strongest
    first, two pieces joined only while the result holds at most ``cap``
    items (a Kruskal forest with a cap); the pairs ``together`` (the units of
    one statement) are joined first, whatever the cap. So each item stays
    with its closest partners and only the weakest bridges are cut. This is
    the blocked stages' one approximation: a merge across a cut bridge is
    lost. Returns the labels (-1 stays -1) and the strongest cosine left
    between two pieces (None when nothing was too big).
    """
    import numpy as np

    if cap <= 0 or not (labels >= 0).any():
        return labels, None
    sizes = np.bincount(labels[labels >= 0])
    big = (labels >= 0) & (sizes[np.maximum(labels, 0)] > cap)
    if not big.any():
        return labels, None
    inside = big[i] & (labels[i] == labels[j]) & (cos >= cut)
    order = np.lexsort((j[inside], i[inside], -cos[inside]))  # strongest first; ties by ids
    a, b, value = i[inside][order], j[inside][order], cos[inside][order]
    forest = Forest()
    if together is not None:
        for x, y in zip(together[0][big[together[0]]].tolist(), together[1][big[together[0]]].tolist()):
            forest.join(x, y)
    strongest_cut = None
    for x, y, c in zip(a.tolist(), b.tolist(), value.tolist()):
        if forest.join(x, y, cap) is False and strongest_cut is None:
            strongest_cut = round(float(c), 6)
    roots = np.array([forest.root(x) for x in range(len(labels))])
    return np.where(big, roots + int(labels.max()) + 1, labels), strongest_cut


def _save_vectors(shard: ShardInfo, folder: Path, vectors_of: Callable[..., Any], args: tuple) -> int:
    import numpy as np

    ids, vectors = vectors_of(shard, *args)
    if len(ids):
        path = folder / f"{SHARD_PREFIX}{shard.number:05d}.npz"
        np.savez(path, ids=np.asarray(ids, dtype=np.int64), vectors=np.asarray(vectors, dtype=np.float32))
    return len(ids)


def _load_vectors(path: Path) -> tuple[Any, Any]:
    import numpy as np

    with np.load(path) as data:
        return data["ids"], data["vectors"]


def _search_against_all(path: Path, files: list[Path], min_cos: float, best: int) -> tuple:
    """One shard's vectors against every vector, members in id order (as in-process)."""
    import numpy as np

    loaded = [_load_vectors(f) for f in files]
    ids = np.concatenate([i for i, _ in loaded])
    vectors = np.concatenate([v for _, v in loaded])
    order = np.argsort(ids, kind="stable")
    queries, query_vectors = _load_vectors(path)
    return claim_search.search_rows(queries, query_vectors, ids[order], vectors[order], min_cos, best)


def _cell_centroids(run: BlockRun, files: list[Path], total: int) -> Any:
    """k-means cells for the inverted file, fitted in the driver on a sample (~40 vectors per cell)."""
    import numpy as np
    from sklearn.cluster import KMeans

    cells = max(2, total // claim_search.CELL_SIZE)
    step = max(1, total // (cells * 40))
    sample = np.concatenate([_load_vectors(f)[1][::step] for f in files])
    model = KMeans(n_clusters=cells, n_init=1, max_iter=25, random_state=0).fit(sample)
    return model.cluster_centers_.astype(np.float32)


def _to_cells(shard: ShardInfo, folder: Path, centroids: Any) -> Iterator[tuple[int, tuple[int, Any, bool]]]:
    """Each vector to its nearest ``PROBES`` cells: a member of the nearest, a query of all."""
    import numpy as np

    path = folder / f"{SHARD_PREFIX}{shard.number:05d}.npz"
    if not path.exists():
        return
    ids, vectors = _load_vectors(path)
    probes = min(claim_search.PROBES, len(centroids))
    nearest = np.argsort(-(vectors @ centroids.T), axis=1, kind="stable")[:, :probes]
    for row, cells in enumerate(nearest.tolist()):
        for rank, cell in enumerate(cells):
            yield cell, (int(ids[row]), vectors[row], rank == 0)


def _search_cells(bucket: Path, min_cos: float, best: int) -> tuple:
    import numpy as np

    found = []
    for rows in read_bucket(bucket).values():
        ids = np.array([r[0] for r in rows], dtype=np.int64)
        vectors = np.stack([r[1] for r in rows])
        home = np.array([r[2] for r in rows], dtype=bool)
        order = np.argsort(ids[home], kind="stable")
        found.append(claim_search.search_rows(ids, vectors, ids[home][order], vectors[home][order], min_cos, best))
    if not found:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, np.zeros(0, dtype=np.float32)
    return tuple(np.concatenate(part) for part in zip(*found))


# -- files ---------------------------------------------------------------------


def write_pickle(path: Path, value: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(path.suffix + ".tmp")
    with temporary.open("wb") as handle:
        pickle.dump(value, handle, protocol=pickle.HIGHEST_PROTOCOL)
    temporary.replace(path)


def read_pickle(path: Path) -> Any:
    with path.open("rb") as handle:
        return pickle.load(handle)  # noqa: S301 - our own scratch file (see the module docstring)


def write_rows(path: Path, rows: Iterable[dict[str, Any]]) -> int:
    """JSON Lines, written then renamed into place; returns the row count."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(path.suffix + ".tmp")
    count = 0
    with temporary.open("w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
            count += 1
    temporary.replace(path)
    return count


def read_rows(path: Path) -> Iterator[dict[str, Any]]:
    """The rows of one JSON Lines file, or of every ``*.jsonl`` in a folder in name order."""
    files = sorted(path.glob("*.jsonl")) if path.is_dir() else [path] if path.exists() else []
    for file in files:
        with file.open(encoding="utf-8") as handle:
            for line in handle:
                yield json.loads(line)


# -- the corpus pass -------------------------------------------------------------

# Where each corpus list lands under ``PARTS/_corpus/`` (a file, or a folder of ``*.jsonl`` read in
# name order). ``statement_claims`` holds ``{"id", "claim", "claims"}`` for each statement in a claim;
# ``read_corpus`` applies it to ``statements``.
OUTPUTS = {
    "entities": "entities.jsonl",
    "statements": "statements",
    "times": "times",
    "events": "events.jsonl",
    "syndicated": "syndicated.jsonl",
    "claims": "claims.jsonl",
    "statement_claims": "statement_claims",
    "stories": "stories.jsonl",
}


def shard_file(shard: ShardInfo) -> str:
    """The name of a per-shard output file."""
    return f"{SHARD_PREFIX}{shard.number:05d}.jsonl"


def run_corpus(parts_dir: str | Path, executor: Any, options: Options, buckets: int | None = None) -> dict[str, Any]:
    """Every corpus stage, in ``CORPUS_STAGES`` order, as block tasks on ``executor``.

    Each stage module provides ``blocked_<stage>(run) -> summary``; it reads
    the parts and what earlier stages wrote under ``_corpus/`` and writes its
    own lists there. Returns the summaries by stage.

    Resumable: a finished stage leaves ``_corpus/_done/<stage>`` holding the
    pass's key (the complete shards and their ``_SUCCESS`` keys, and the
    options that change results). A rerun with the same key skips the stages
    already done, so a pass killed in ``claims`` redoes claims and stories only;
    a new key (a shard added or rewritten) redoes the whole pass.
    """
    import importlib

    from storyline.core.pipeline import CORPUS_STAGES, STAGE_MODULES

    run = BlockRun(parts_dir, executor, options, buckets)
    key = run.key()
    summaries: dict[str, Any] = {}
    redoing = False
    with held(executor):
        for position, name in enumerate(CORPUS_STAGES):
            marker = run.path(DONE, name)
            if not redoing and _done_key(marker) == key:
                summaries[name] = json.loads(marker.read_text(encoding="utf-8"))["summary"]
                continue
            if not redoing:  # from here on every list is stale
                _forget(run, CORPUS_STAGES[position:], whole=position == 0)
                redoing = True
            module = importlib.import_module(f"storyline.{STAGE_MODULES[name]}")
            summaries[name] = getattr(module, f"blocked_{name}")(run)
            _write_done(marker, key, summaries[name])
    _remove_scratch(run)
    return summaries


# Which lists each stage writes (``OUTPUTS`` keys), so a resumed pass removes exactly the stale ones.
STAGE_OUTPUTS = {
    "entities": ["entities", "statements"], "timeline": ["times", "events"], "syndication": ["syndicated"],
    "claims": ["claims", "statement_claims"], "stories": ["stories"],
}
DONE = "_done"


def _done_key(marker: Path) -> str | None:
    try:
        return json.loads(marker.read_text(encoding="utf-8")).get("key")
    except (OSError, ValueError):
        return None


def _write_done(marker: Path, key: str, summary: Any) -> None:
    marker.parent.mkdir(parents=True, exist_ok=True)
    temporary = marker.with_suffix(".tmp")
    temporary.write_text(json.dumps({"key": key, "summary": summary}, default=str), encoding="utf-8")
    temporary.replace(marker)


def _forget(run: BlockRun, stages: list[str], whole: bool) -> None:
    """Remove what ``stages`` wrote (and their markers); ``whole``: start from an empty ``_corpus/``."""
    if whole:
        run.fresh()
        return
    for stage in stages:
        run.path(DONE, stage).unlink(missing_ok=True)
        for name in STAGE_OUTPUTS.get(stage, []):
            target = run.path(OUTPUTS[name])
            shutil.rmtree(target) if target.is_dir() else target.unlink(missing_ok=True)


def _remove_scratch(run: BlockRun) -> None:
    """Keep only the lists (``OUTPUTS``) and the stage markers: the shuffles and vectors are scratch."""
    kept = {*OUTPUTS.values(), DONE}
    for entry in run.work.iterdir():
        if entry.name not in kept:
            shutil.rmtree(entry) if entry.is_dir() else entry.unlink()


def held(executor: Any) -> Any:
    """The executor's ``held()`` context (workers kept across calls), or nothing to hold."""
    from contextlib import nullcontext

    return executor.held() if hasattr(executor, "held") else nullcontext(executor)


def read_corpus(parts_dir: str | Path) -> dict[str, list[dict[str, Any]]]:
    """The corpus lists a pass wrote, in the dossier's shape (for small corpora and tests: it reads everything)."""
    work = Path(parts_dir).resolve() / WORK
    lists = {name: list(read_rows(work / where)) for name, where in OUTPUTS.items() if name != "statement_claims"}
    assigned = {row["id"]: row for row in read_rows(work / OUTPUTS["statement_claims"])}
    for statement in lists["statements"]:
        found = assigned.get(statement["id"])
        statement["claim"], statement["claims"] = (found["claim"], found["claims"]) if found else (None, [])
    return lists
