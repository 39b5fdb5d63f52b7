import sqlite3

import numpy as np

from storyline.core.records import Article, Comment, Corpus, Skipped
from storyline.store.sqlite import SCHEMA_VERSION, Store


def article(body="Body text.", input_hash="i1", content_hash="c1", **kw):
    return Article(source=kw.pop("source", "s.txt"), input_hash=input_hash, content_hash=content_hash, body=body, **kw)


def test_store_round_trips_articles_with_comments_and_findings(tmp_path):
    with Store(tmp_path / "s.db") as store:
        original = article(
            title="T", published="2024-03", published_from="manifest",
            comments=[Comment("Ann", "2024-03-02", "Nice.")], warnings=["w"],
            findings={"statements": [{"start": 0, "end": 4}]},
        )
        assert store.add_article(original) == "a1"
        (loaded,) = list(store.articles())
    assert loaded.id == "a1" and loaded.title == "T" and loaded.published == "2024-03"
    assert loaded.comments == [Comment("Ann", "2024-03-02", "Nice.")]
    assert loaded.findings == {"statements": [{"start": 0, "end": 4}]}
    assert loaded.warnings == ["w"]


def test_store_same_content_new_metadata_keeps_the_id(tmp_path):
    with Store(tmp_path / "s.db") as store:
        store.add_article(article(source="x.txt"))
        store.add_article(article(input_hash="i2", content_hash="c2", source="y.txt"))
        assert store.add_article(article(input_hash="i3", outlet="Wire", source="x.txt")) == "a1"
        stored = list(store.articles())
        assert [a.id for a in stored] == ["a1", "a2"]
        assert stored[0].outlet == "Wire" and store.has_input("i3") and not store.has_input("i1")


def test_store_a_later_success_clears_the_skip(tmp_path):
    with Store(tmp_path / "s.db") as store:
        store.add_skipped(Skipped("x.txt", "empty"))
        store.add_skipped(Skipped("x.txt", "binary"))
        assert store.skipped() == [Skipped("x.txt", "binary")]
        store.add_article(article(source="x.txt"))
        assert store.skipped() == []


def test_store_corpus_results_replace_the_previous_ones(tmp_path):
    with Store(tmp_path / "s.db") as store:
        store.add_article(article())
        store.save_corpus(Corpus(articles=[], entities=[{"id": "e1"}], claims=[{"id": "c1"}]))
        store.save_corpus(Corpus(articles=[], entities=[{"id": "e2"}]))
        corpus = store.corpus()
    assert corpus.entities == [{"id": "e2"}] and corpus.claims == []
    assert [a.id for a in corpus.articles] == ["a1"]


def test_store_embedding_cache_round_trips_vectors(tmp_path):
    with Store(tmp_path / "s.db") as store:
        vectors = {"k1": np.array([0.5, -1.0, 2.0], dtype=np.float32), "k2": np.zeros(3, dtype=np.float32)}
        store.put_many(vectors)
        found = store.get_many(["k1", "k2", "missing"])
    assert set(found) == {"k1", "k2"}
    assert np.array_equal(found["k1"], vectors["k1"])


def test_store_article_embeddings_go_into_the_cache_and_a_stored_vector_is_kept(tmp_path):
    first, second = np.ones(3, dtype=np.float32), np.full(3, 2.0, dtype=np.float32)
    with Store(tmp_path / "s.db") as store:
        store.put_many({"k1": first})
        carrying = article()
        carrying.embeddings = {"k1": second, "k2": second}
        store.add_article(carrying)
        found = store.get_many(["k1", "k2"])
        assert store.article_count() == 1 and next(store.articles()).embeddings == {}
    assert np.array_equal(found["k1"], first) and np.array_equal(found["k2"], second)


def test_store_reopens_an_existing_database(tmp_path):
    path = tmp_path / "s.db"
    with Store(path) as store:
        store.add_article(article())
    with Store(path) as store:
        assert store.article_count() == 1
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()[0] == str(SCHEMA_VERSION) == "2"


def test_store_keeps_an_articles_minhash_signature(tmp_path):
    with Store(tmp_path / "s.db") as store:
        store.add_article(article(minhash=(42, bytes(range(16)))))
        store.add_article(article(input_hash="i2", content_hash="c2"))
        signed, unsigned = list(store.articles())
    assert signed.minhash == (42, bytes(range(16)))
    assert unsigned.minhash is None
