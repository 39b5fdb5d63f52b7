"""core.threads: a model call takes the process's cores when it runs alone and one thread in a
worker process that shares the cores with its siblings."""

from __future__ import annotations

import pytest

from storyline.core import threads
from storyline.core.options import Options
from storyline.core.pipeline import LocalExecutor, Pipeline


@pytest.fixture
def alone(monkeypatch):
    monkeypatch.setattr(threads, "_shares_cores", False)


@pytest.mark.parametrize(("cpus", "expected"), [(1, 1), (2, 2), (64, threads.MAX_MODEL_THREADS)])
def test_threads_a_process_alone_takes_its_allowed_cpus_up_to_the_cap(alone, monkeypatch, cpus, expected):
    monkeypatch.setattr(threads.os, "sched_getaffinity", lambda _: set(range(cpus)), raising=False)
    assert threads.model_threads() == expected


def test_threads_a_process_that_shares_its_cores_takes_one(alone, monkeypatch):
    monkeypatch.setattr(threads.os, "sched_getaffinity", lambda _: set(range(8)), raising=False)
    threads.share_cores()
    assert threads.model_threads() == 1


def worker_threads(pipeline, task):
    from storyline.core.threads import model_threads

    return model_threads()


def test_threads_local_pool_workers_take_one_thread_each():
    outcomes = dict(LocalExecutor(2).run_tasks(Pipeline([], Options()), worker_threads, [0, 1, 2]))
    assert outcomes == {0: 1, 1: 1, 2: 1}
