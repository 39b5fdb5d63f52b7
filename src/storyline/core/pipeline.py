"""The pipeline spine: stages, a registry of stages by name, and executors.

A stage is a small class with one method, ``run(records) -> Iterator``.
Per-article stages turn a stream of records into another stream and keep
no state between articles, so an executor may run them in any number of
processes. A pipeline is just a list of stages; executors differ only in
how many resources they give that list.
"""

from __future__ import annotations

import importlib
import multiprocessing
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from itertools import islice
from typing import Any, Protocol

from storyline.core.options import Options
from storyline.core.guard import run_guarded
from storyline.core.memory import release_free_memory
from storyline.core.threads import model_threads, share_cores

STAGES: dict[str, type] = {}

# The per-article stages, in order. Each name is registered by the module
# STAGE_MODULES names for it.
# "embed" computes the sentence vectors the corpus stages claims and stories will ask for.
# "release" drops the spaCy Doc before "embed" (which reads only the findings), so the batch that is
# being embedded holds no Doc while the next one is parsed (``run_overlapped``).
PER_ARTICLE_STAGES = ["extract", "parse", "statements", "times", "events", "signature", "release", "embed"]
# With two cores or more, the stages before this one run on the next batch while it and those after
# it run on the current batch (``run_overlapped``).
OVERLAP_FROM = "embed"

# The corpus-level stages, in order. Each is one function, ``blocked_<stage>(run)`` in its module,
# over shards of articles (``storyline.corpus.blocks``); a normal run's store is one shard.
CORPUS_STAGES: list[str] = ["entities", "syndication", "claims", "stories", "timeline"]  # timeline blocks by story

# The module (under ``storyline.``) of each stage: it registers a per-article stage's class,
# and holds a corpus stage's ``blocked_<stage>``.
STAGE_MODULES = {
    "extract": "article.extract",
    "parse": "article.parse",
    "statements": "article.statements",
    "times": "article.times",
    "events": "article.events",
    "signature": "article.signature",
    "embed": "article.embed",
    "release": "article.parse",
    "entities": "corpus.entities",
    "timeline": "corpus.timeline",
    "syndication": "corpus.syndication",
    "claims": "corpus.claims",
    "stories": "corpus.stories",
}


def register_stage(name: str) -> Callable[[type], type]:
    """Class decorator: make a stage constructible by name."""

    def decorate(cls: type) -> type:
        cls.name = name
        STAGES[name] = cls
        return cls

    return decorate


class Stage(Protocol):
    name: str

    def run(self, records: Iterable[Any]) -> Iterator[Any]: ...


@dataclass(slots=True)
class Pipeline:
    """A list of stage names and the options to build them with."""

    names: list[str]
    options: Options
    stages: list[Any] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        for name in self.names:
            if name not in STAGES:  # importing a stage's module registers it
                importlib.import_module(f"storyline.{STAGE_MODULES[name]}")
        self.stages = [STAGES[name](self.options) for name in self.names]

    def run(self, records: Iterable[Any]) -> Iterator[Any]:
        """The records through every stage, a batch at a time. A record that makes a stage fail
        becomes a ``Skipped`` naming the stage and the reason, and the others go on
        (``storyline.core.guard``): every executor runs this, so every kind of run gets it.

        In a process that has two cores or more to itself, the stages before ``OVERLAP_FROM`` run
        on the next batch in a helper thread while this thread runs the rest on the current one
        (``run_overlapped``); the results are the same, in the same order."""
        batches = batched(records, max(1, self.options.batch_size))
        split = self._overlap_split()
        if split is None:
            for batch in batches:
                yield from run_guarded(self.stages, batch)
                release_free_memory()  # the batch's arrays are gone; their pages go back too
            return
        yield from run_overlapped(self.stages[:split], self.stages[split:], batches)

    def _overlap_split(self) -> int | None:
        """Where the helper thread's stages end, when overlapping pays here; else None."""
        if OVERLAP_FROM not in self.names or self.names.index(OVERLAP_FROM) == 0 or model_threads() < 2:
            return None
        return self.names.index(OVERLAP_FROM)

    def portable(self) -> tuple[list[str], Options]:
        """What a worker process needs to build the same pipeline (no store handle)."""
        return list(self.names), replace(self.options, embedding_cache=None)


def per_article_pipeline(options: Options) -> Pipeline:
    """From raw input to an article with its per-article findings."""
    return Pipeline(PER_ARTICLE_STAGES, options)


def run_overlapped(first: list[Any], rest: list[Any], batches: Iterable[list[Any]]) -> Iterator[Any]:
    """Each batch through ``first`` in one helper thread, then through ``rest`` in this one, so the
    helper works on batch n+1 while this thread finishes batch n.

    Why: parsing (spaCy) and embedding (MiniLM, pinned to one thread so its bits do not depend on
    a batch's company) each keep one core busy, and one ran after the other on a machine with two
    or more. The input is still read only in this thread (it may consult the store), and so is
    everything in ``rest`` (the embed stage reads the store's vector cache). At most two batches
    are in flight, so memory holds one more batch's documents than one stage after the other."""
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="storyline-stages") as helper:
        try:
            yield from in_order(
                batches, lambda batch: helper.submit(run_guarded, first, batch),
                lambda future: _finish(rest, future.result()), in_flight=2,
            )
        finally:
            helper.shutdown(wait=True, cancel_futures=True)  # a consumer that stops early leaves no work behind


def _finish(rest: list[Any], records: list[Any]) -> list[Any]:
    results = run_guarded(rest, records)
    release_free_memory()  # the batch's arrays are gone; their pages go back too
    return results


def batched(records: Iterable[Any], size: int) -> Iterator[list[Any]]:
    iterator = iter(records)
    while batch := list(islice(iterator, size)):
        yield batch


def in_order(
    batches: Iterable[list[Any]], submit: Callable[[list[Any]], Any], take: Callable[[Any], list[Any]], in_flight: int
) -> Iterator[Any]:
    """Submit batches from this thread, at most ``in_flight`` at once, and yield their results in input order."""
    pending: deque[Any] = deque()
    for batch in batches:
        pending.append(submit(batch))
        if len(pending) >= in_flight:
            yield from take(pending.popleft())
    while pending:
        yield from take(pending.popleft())


class LocalExecutor:
    """Runs a per-article pipeline on this machine, in this process or in N worker processes.

    With workers, each process builds the pipeline once (so spaCy is loaded
    once per worker) and takes batches of records; results come back in input
    order. Batches are submitted from this thread, a few at a time, so the
    input iterator (which may consult the store) is only ever read here.
    """

    def __init__(self, workers: int = 1, batch_size: int = 16) -> None:
        self.workers = max(1, workers)
        self.batch_size = batch_size
        self._pools: dict[str, Any] | None = None  # kept while ``held``

    @contextmanager
    def held(self) -> Iterator[LocalExecutor]:
        """Keep the worker processes of ``run_tasks`` across calls (the blocked corpus pass makes many).
        Re-entrant: an inner ``held`` uses the outer one's pools."""
        if self._pools is not None:
            yield self
            return
        self._pools = {}
        try:
            yield self
        finally:
            pools, self._pools = self._pools, None
            for pool in pools.values():
                pool.terminate()

    def run(self, pipeline: Pipeline, records: Iterable[Any]) -> Iterator[Any]:
        if self.workers == 1:
            yield from pipeline.run(records)
            return
        context = multiprocessing.get_context("spawn")
        with context.Pool(self.workers, initializer=_start_worker, initargs=pipeline.portable()) as pool:

            def submit(batch: list[Any]) -> Any:
                return pool.apply_async(_run_batch, (batch,))

            yield from in_order(batched(records, self.batch_size), submit, lambda result: result.get(), 2 * self.workers)

    def run_tasks(self, pipeline: Pipeline, function: Callable[[Pipeline, Any], Any], tasks: list[Any]) -> Iterator[tuple[Any, Any]]:
        """``function(pipeline, task)`` for every task, in worker processes when there are
        several; yields ``(task, result or the exception it raised)`` as tasks complete."""
        if self.workers == 1:
            for task in tasks:
                yield task, _outcome(function, pipeline, task)
            return
        with self._pool(pipeline) as pool:
            numbered = pool.imap_unordered(_run_task, [(n, function, task) for n, task in enumerate(tasks)])
            for n, outcome in numbered:
                yield tasks[n], outcome

    @contextmanager
    def _pool(self, pipeline: Pipeline) -> Iterator[Any]:
        """A pool of workers with ``pipeline`` built: a new one, or the one ``held`` keeps for it."""
        context = multiprocessing.get_context("spawn")
        if self._pools is None:
            with context.Pool(self.workers, initializer=_start_worker, initargs=pipeline.portable()) as pool:
                yield pool
            return
        key = repr(pipeline.portable())
        if key not in self._pools:
            self._pools[key] = context.Pool(self.workers, initializer=_start_worker, initargs=pipeline.portable())
        yield self._pools[key]


_WORKER_PIPELINE: Pipeline | None = None


def _outcome(function: Callable[[Pipeline, Any], Any], pipeline: Pipeline, task: Any) -> Any:
    """The result, or the exception: one failed task must not end the others."""
    try:
        return function(pipeline, task)
    except Exception as error:  # noqa: BLE001 - reported per task by the caller
        return error
    finally:
        release_free_memory()  # a block task's arrays are gone when it returns


def _run_task(item: tuple[int, Callable[[Pipeline, Any], Any], Any]) -> tuple[int, Any]:
    assert _WORKER_PIPELINE is not None
    number, function, task = item
    return number, _outcome(function, _WORKER_PIPELINE, task)


def _start_worker(names: list[str], options: Options) -> None:
    global _WORKER_PIPELINE
    share_cores()  # the pool's processes run side by side
    _WORKER_PIPELINE = Pipeline(names, options)


def _run_batch(batch: list[Any]) -> list[Any]:
    assert _WORKER_PIPELINE is not None
    return list(_WORKER_PIPELINE.run(batch))
