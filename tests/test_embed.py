"""Embeddings: cache keys, cache-first batching, and the real MiniLM model."""

from __future__ import annotations

import numpy as np
import pytest

from storyline.article.embed import DIMENSIONS, Embedder, MemoryCache, cache_key


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


# -- the per-article stage "embed" ------------------------------------------


def stored_vectors(db_path) -> dict[str, bytes]:
    from storyline.store.sqlite import Store

    with Store(db_path) as store:
        return {row["key"]: bytes(row["vector"]) for row in store.conn.execute("SELECT key, vector FROM embeddings")}


def analyze_examples(out, options=None):
    from conftest import ROOT

    from storyline.analyze import analyze
    from storyline.inputs.manifest import load_manifest
    from storyline.core.options import Options

    manifest = load_manifest(ROOT / "examples" / "manifest.csv")
    return analyze([str(ROOT / "examples")], out, options or Options(), manifest=manifest)


def test_embed_stage_in_two_workers_leaves_the_driver_nothing_to_embed(example_run, tmp_path, monkeypatch):
    """The workers (spawned: they do not see this patch) embed every text claims and stories ask for."""
    from storyline.core.options import Options

    def refuse(self, texts):
        raise AssertionError(f"the driver embedded {len(texts)} texts")

    monkeypatch.setattr(Embedder, "_encode", refuse)
    result = analyze_examples(tmp_path, Options(workers=2, batch_size=2))
    assert result.added == 5 and result.dossier["claims"] and result.dossier["stories"]
    # The same vectors, to the bit, as the one-process run computed in its own process.
    assert stored_vectors(tmp_path / "storyline.db") == stored_vectors(example_run / "storyline.db") != {}


def test_embed_stage_gives_the_dossier_the_corpus_stages_gave_alone(example_run, tmp_path, monkeypatch):
    """Without the stage, claims and stories embed everything in the driver: same claims, same stories."""
    import json

    from storyline.core import pipeline

    monkeypatch.setattr(pipeline, "PER_ARTICLE_STAGES", [n for n in pipeline.PER_ARTICLE_STAGES if n != "embed"])
    alone = analyze_examples(tmp_path).dossier
    assert alone == json.loads((example_run / "dossier.json").read_text(encoding="utf-8"))


def test_embed_stage_texts_are_the_claim_units_and_the_lead():
    from storyline.article.units import claim_text
    from storyline.article.embed import article_texts
    from storyline.core.records import Article
    from storyline.article.units import lead_text

    body = 'Port talks. "The strike must end now," Keller said. Nothing more.'
    start, end = body.index('"'), body.index(',"') + 2
    clause = (start + 1, start + 21)
    article = Article(source="x", input_hash="i", content_hash="c", body=body, title="Harlow",
                      findings={"statements": [{"start": start, "end": end, "clauses": [list(clause), [start + 22, end]]}]})
    assert article_texts(article) == [
        claim_text(body[start:end]), claim_text(body[clause[0] : clause[1]]), claim_text(body[start + 22 : end]),
        lead_text(article),
    ]


# -- batching by token length ---------------------------------------------------


BATCH_TEXTS = [
    "The ferry service to the outer islands resumes on Monday.",
    "Fishermen in Port Alder say the new quota is too low.",
    "talk",
    "strike",
    "The council of Norvania approved the harbour budget after a long debate on wages.",
    "The ferry operator denied that any safety inspection had been skipped last winter.",
    "quota",
]


def test_embed_batched_vector_equals_the_text_alone():
    """Grouped by token length, a text's vector is the one it gets alone (to float rounding)."""
    from storyline.article.embed import encode

    together = encode(BATCH_TEXTS)
    alone = np.stack([encode([text])[0] for text in BATCH_TEXTS])
    assert together.shape == (len(BATCH_TEXTS), DIMENSIONS)
    assert np.allclose(together, alone, atol=1e-6)
    assert np.allclose(np.linalg.norm(together, axis=1), 1.0, atol=1e-5)


def test_embed_batched_vector_does_not_depend_on_order_or_company():
    """The same bits whatever order, batch size or other texts a text comes with: what makes the
    ``embed`` stage's vectors the same in every executor and shard."""
    from storyline.article.embed import encode

    reference = dict(zip(BATCH_TEXTS, encode(BATCH_TEXTS)))
    shuffled = BATCH_TEXTS[::-1] + ["An unrelated sentence about the weather in the valley."]
    for batch_size in (1, 2, 64):
        for text, vector in zip(shuffled, encode(shuffled, batch_size)):
            if text in reference:
                assert np.array_equal(vector, reference[text]), (text, batch_size)
    for text in BATCH_TEXTS:  # alone, a one-word text is repeated up to MIN_ROWS tokens
        assert np.array_equal(encode([text])[0], reference[text]), text


def test_embed_stage_batch_gives_each_article_its_own_vectors():
    """Two articles in one batch: each carries the vectors of its own texts, the same as embedded alone."""
    from storyline.article.embed import EmbedArticle, article_texts
    from storyline.core.options import Options
    from storyline.core.records import Article

    def article(name, body):
        return Article(source=name, input_hash=name, content_hash=name, body=body, title=name.title(),
                       findings={"statements": [{"start": 0, "end": len(body)}], "events": [{"trigger": "strike"}]})

    first, second = article("one", BATCH_TEXTS[0]), article("two", BATCH_TEXTS[1])
    stage = EmbedArticle(Options())
    together = list(stage.run([first, second]))
    alone = list(stage.run([article("two", BATCH_TEXTS[1])]))[0]
    assert set(together[0].embeddings) == {cache_key(t) for t in article_texts(first)}
    assert set(together[1].embeddings) == set(alone.embeddings)
    assert all(np.array_equal(together[1].embeddings[k], alone.embeddings[k]) for k in alone.embeddings)


def test_embed_corpus_stages_use_the_vectors_the_articles_carry(monkeypatch):
    """Articles through the per-article stages carry their vectors: the corpus stages without a
    store embed nothing again, and give what they give when they embed everything themselves."""
    import copy

    from conftest import FIXTURES

    from storyline.core.options import Options
    from storyline.core.pipeline import per_article_pipeline
    from storyline.core.records import Article, Corpus
    from storyline.corpus.local import run_corpus_stages
    from storyline.inputs.sources import expand, read_sources

    records = per_article_pipeline(Options()).run(read_sources(list(expand([str(FIXTURES / "corpus")]))))
    articles = [r for r in records if isinstance(r, Article)]
    assert len(articles) > 1 and all(a.embeddings for a in articles)
    bare = [copy.copy(a) for a in articles]
    for article in bare:
        article.embeddings = {}
    fresh = run_corpus_stages(Corpus(articles=bare), Options())  # embeds every text here

    def refuse(self, texts):
        raise AssertionError(f"embedded {len(texts)} texts again")

    monkeypatch.setattr(Embedder, "_encode", refuse)
    carried = run_corpus_stages(Corpus(articles=articles), Options())
    assert carried.statements == fresh.statements and carried.stories == fresh.stories
    assert carried.claims == fresh.claims and carried.events == fresh.events
