"""Embeddings: cache keys, cache-first batching, and the real MiniLM model."""

from __future__ import annotations

import numpy as np
import pytest

from storyline.embed import DIMENSIONS, Embedder, MemoryCache, cache_key


class CountingEmbedder(Embedder):
    """An Embedder whose model is a cheap stand-in that records what it saw."""

    def __init__(self, cache):
        super().__init__(cache)
        self.seen: list[list[str]] = []

    def _encode(self, texts):
        self.seen.append(list(texts))
        vectors = np.array([[len(t), t.count("a"), 1.0] + [0.0] * (DIMENSIONS - 3) for t in texts], dtype=np.float32)
        return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def test_embed_cache_key_depends_on_model_and_text():
    assert cache_key("the summit") == cache_key("the summit")
    assert cache_key("the summit") != cache_key("the summit.")
    assert cache_key("the summit", "other-model") != cache_key("the summit")


def test_embed_memory_cache_returns_only_known_keys():
    cache = MemoryCache()
    cache.put_many({"k1": np.ones(3, dtype=np.float32)})
    found = cache.get_many(["k1", "k2"])
    assert list(found) == ["k1"]
    assert np.array_equal(found["k1"], np.ones(3))


def test_embed_second_run_embeds_only_new_texts():
    cache = MemoryCache()
    embedder = CountingEmbedder(cache)
    first = embedder.embed(["alpha", "beta", "alpha"])
    assert [sorted(batch) for batch in embedder.seen] == [["alpha", "beta"]]  # duplicates embedded once
    second = embedder.embed(["beta", "gamma", "alpha"])
    assert embedder.seen[-1] == ["gamma"]
    assert embedder.computed == 3
    assert np.array_equal(first[0], second[2]) and np.array_equal(first[1], second[0])
    assert first.shape == (3, DIMENSIONS)


def test_embed_nothing_gives_no_rows():
    assert Embedder(MemoryCache()).embed([]).shape == (0, DIMENSIONS)


@pytest.fixture(scope="module")
def model_embedder():
    return Embedder(MemoryCache())


def test_embed_minilm_paraphrase_closer_than_other_topic(model_embedder):
    vectors = model_embedder.embed(
        [
            "The summit between the two presidents must be carefully prepared.",
            "A meeting of the two leaders needs thorough preparation.",
            "Dock workers at the port walked out over pay.",
        ]
    )
    assert vectors.shape == (3, DIMENSIONS)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2] + 0.2
