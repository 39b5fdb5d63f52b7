"""Handing freed memory back to the operating system between batches."""

from __future__ import annotations

import ctypes
import ctypes.util
from functools import lru_cache
from typing import Any


@lru_cache(maxsize=1)
def _libc() -> Any:
    name = ctypes.util.find_library("c")
    if not name:
        return None
    try:
        libc = ctypes.CDLL(name)
    except OSError:
        return None
    return libc if hasattr(libc, "malloc_trim") else None


def release_free_memory() -> None:
    """Return the C heap's free pages to the system (glibc's ``malloc_trim``; nothing elsewhere).

    spaCy's and torch's per-batch arrays are freed after each batch, but glibc keeps the freed
    pages mapped, so a long run's resident memory crept up batch by batch though nothing outlives
    its batch: ``analyze`` of 300 PolNeAR texts peaked at 1,409 MB untrimmed and 1,286 MB trimmed
    (``bench/bench_throughput.py --child analyze --limit 300 [--no-trim]``)."""
    libc = _libc()
    if libc is not None:
        libc.malloc_trim(0)
