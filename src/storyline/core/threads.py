"""How many threads one model call may use in this process.

A process that runs alone (``analyze`` with one worker: the driver runs every corpus task) may
give a model call every core it is allowed to run on. A worker process of a pool or a Dask
cluster shares the cores with its siblings, so each takes one: two OpenMP teams on the same
cores wait on each other (measured 2026-12-02 on 2 busy cores: 30 ms a pair on one thread,
330 ms on two, docs/claims-model.md).
"""

from __future__ import annotations

import os

# Beyond a few threads a batch of short pairs gains little and a laptop's other work loses more.
MAX_MODEL_THREADS = 4

_shares_cores = False


def share_cores() -> None:
    """Mark this process as one of several workers on the same cores: one thread per model call."""
    global _shares_cores
    _shares_cores = True


def model_threads() -> int:
    """1 in a worker that shares its cores, else the CPUs this process may run on (at most
    ``MAX_MODEL_THREADS``)."""
    if _shares_cores:
        return 1
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cpus = os.cpu_count() or 1
    return max(1, min(MAX_MODEL_THREADS, cpus))
