"""Freed memory goes back to the system between batches (`core.memory`)."""

from __future__ import annotations

import platform
import sys

import pytest

from storyline.core import memory


@pytest.mark.skipif(sys.platform != "linux" or platform.libc_ver()[0] != "glibc", reason="malloc_trim is glibc's")
def test_memory_finds_malloc_trim_on_glibc() -> None:
    # Without it the trim silently does nothing and a long run's memory grows batch by batch.
    assert memory._libc() is not None
    memory.release_free_memory()

