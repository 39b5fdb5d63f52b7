"""``Options``: everything a run can be told, one object passed whole to every stage."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(slots=True)
class Options:
    """Everything a run can be told; passed whole to every stage that needs it."""

    published: str | None = None  # --published for inputs that state none
    max_bytes: int = 20 * 1024 * 1024
    batch_size: int = 32
    workers: int = 1
    executor: str = "local"  # or "dask" (storyline.core.executors)
    scheduler: str | None = None  # Dask scheduler address; None starts a LocalCluster
    # Store-backed cache of sentence embeddings (``get_many(keys) -> dict``,
    # ``put_many(dict)``), so incremental runs embed only new text.
    embedding_cache: Any = None
    extra: dict[str, Any] = field(default_factory=dict)
