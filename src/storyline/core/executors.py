"""Executors: how many resources a per-article pipeline gets.

``LocalExecutor`` (processes on this machine) lives in ``pipeline.py`` and is
re-exported here; ``DaskExecutor`` runs the same pipeline on a Dask
distributed cluster: a ``LocalCluster`` it starts itself, or an existing
scheduler (``tcp://host:8786``). Both yield results in input order and one
batch at a time, so the caller can store each article as it arrives (a killed
run then resumes from the store's input hashes).

Both also have ``run_tasks(pipeline, function, tasks)``: whole tasks (a shard
of inputs, ``storyline.store.parts``) run on the workers with the worker's
pipeline, and come back as they complete, each with its result or error.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from storyline.core.options import Options

from storyline.core.pipeline import LocalExecutor, Pipeline, batched, in_order
from storyline.core.threads import share_cores

__all__ = ["DaskExecutor", "LocalExecutor", "make_executor"]

EXECUTORS = ("local", "dask")


def make_executor(name: str, workers: int, batch_size: int, scheduler: str | None = None) -> Any:
    if name == "local":
        return LocalExecutor(workers, batch_size)
    if name == "dask":
        return DaskExecutor(workers, batch_size, scheduler)
    raise ValueError(f"unknown executor {name!r}; one of {', '.join(EXECUTORS)}")


class DaskExecutor:
    """Runs a per-article pipeline on Dask workers, a few batches in flight per worker.

    Each worker process builds the pipeline once (spaCy and the embedding
    model loaded once) and keeps it in a per-process cache keyed by the
    pipeline's stage names. Without a scheduler address it starts a
    ``LocalCluster`` of ``workers`` single-threaded processes on loopback and
    closes it when the run ends. ``client`` lets a caller (tests, benchmarks)
    reuse one cluster across runs.
    """

    def __init__(
        self, workers: int = 1, batch_size: int = 16, scheduler: str | None = None, client: Any = None
    ) -> None:
        self.workers = max(1, workers)
        self.batch_size = batch_size
        self.scheduler = scheduler
        self.client = client

    def run(self, pipeline: Pipeline, records: Iterable[Any]) -> Iterator[Any]:
        with self._connected() as client:
            yield from self._run_on(client, pipeline, records)

    def run_tasks(self, pipeline: Pipeline, function: Callable[[Pipeline, Any], Any], tasks: list[Any]) -> Iterator[tuple[Any, Any]]:
        """``function(pipeline, task)`` for every task on the workers (each task a whole shard);
        yields ``(task, result or the exception it raised)`` as tasks complete."""
        with self._connected() as client:
            yield from self._tasks_on(client, pipeline, function, tasks)

    @contextmanager
    def held(self) -> Iterator[DaskExecutor]:
        """One client (and cluster, when this executor starts one) for every call inside; the blocked
        corpus pass makes many, and a LocalCluster takes seconds to start."""
        if self.client is not None:
            yield self
            return
        with self._connected() as client:
            self.client = client
            try:
                yield self
            finally:
                self.client = None

    @contextmanager
    def _connected(self) -> Iterator[Any]:
        """A client: the caller's, one on the scheduler given, or one on a LocalCluster started here."""
        if self.client is not None:
            yield self.client
            return
        from dask.distributed import Client, LocalCluster

        if self.scheduler:
            with Client(self.scheduler) as client:
                yield client
            return
        with LocalCluster(
            n_workers=self.workers, threads_per_worker=1, processes=True,
            host="127.0.0.1", dashboard_address=None,
        ) as cluster, Client(cluster) as client:
            yield client

    def _tasks_on(self, client: Any, pipeline: Pipeline, function: Callable[[Pipeline, Any], Any], tasks: list[Any]) -> Iterator[tuple[Any, Any]]:
        from dask.distributed import as_completed

        names, options = pipeline.portable()
        # Tasks are small (paths, not documents), so all are submitted at once and the scheduler balances them.
        futures = {
            client.submit(run_task_on_worker, names, options, function, task, pure=False): task for task in tasks
        }
        for future in as_completed(futures):
            task = futures[future]
            try:
                yield task, future.result()
            except Exception as error:  # noqa: BLE001 - a failed shard is reported, the others go on
                yield task, error
            future.release()

    def _run_on(self, client: Any, pipeline: Pipeline, records: Iterable[Any]) -> Iterator[Any]:
        names, options = pipeline.portable()
        in_flight = 2 * max(self.workers, len(client.scheduler_info().get("workers", {})) or 1)

        def submit(batch: list[Any]) -> Any:
            # pure=False: two equal batches (a rerun) are still two tasks.
            return client.submit(run_batch_on_worker, names, options, batch, pure=False)

        yield from in_order(batched(records, self.batch_size), submit, _take, in_flight)


def _take(future: Any) -> list[Any]:
    result = future.result()
    future.release()
    return result


# One pipeline per worker process and pipeline/options, built on its first batch.
_PIPELINES: dict[tuple[tuple[str, ...], str], Pipeline] = {}


def worker_pipeline(names: list[str], options: Options) -> Pipeline:
    key = (tuple(names), repr(options))
    if key not in _PIPELINES:
        share_cores()  # a Dask worker process runs beside others (one thread each)
        _PIPELINES[key] = Pipeline(names, options)
    return _PIPELINES[key]


def run_batch_on_worker(names: list[str], options: Options, batch: list[Any]) -> list[Any]:
    return list(worker_pipeline(names, options).run(batch))


def run_task_on_worker(names: list[str], options: Options, function: Callable[[Pipeline, Any], Any], task: Any) -> Any:
    return function(worker_pipeline(names, options), task)
