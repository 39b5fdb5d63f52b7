"""Articles are kept per input: the same text from two sources is two articles, syndicated copies."""

import json
import sqlite3

from storyline.analyze import analyze, analyze_parts
from storyline.core.options import Options
from storyline.core.pipeline import LocalExecutor
from storyline.core.records import Article
from storyline.store.sqlite import Store

WIRE_TEXT = (
    "The port authority of Lanport approved a new ferry schedule on Tuesday after months of talks with the "
    "island councils. \"The crossing will run every hour from June,\" harbour director Mirela Okafor said. "
    "Councillors had asked for a later last sailing, which the plan also grants, officials said."
)


def write_export(folder, records):
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "export.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in records) + "\n", encoding="utf-8")
    return path


def two_outlets(folder):
    return write_export(folder, [
        {"text": WIRE_TEXT, "outlet": "Wire A", "published": "2024-05-02"},
        {"text": WIRE_TEXT, "outlet": "Paper B", "published": "2024-05-03"},
    ])


def test_analyze_identical_texts_from_two_sources_are_two_syndicated_articles(tmp_path):
    export = two_outlets(tmp_path / "in")
    result = analyze([str(export)], tmp_path / "out", Options())
    articles = result.dossier["articles"]
    assert result.added == 2
    assert [(a["outlet"], a["published"]) for a in articles] == [("Wire A", "2024-05-02"), ("Paper B", "2024-05-03")]
    (group,) = result.dossier["syndicated"]
    assert group["articles"] == [a["id"] for a in articles] and group["original"] == articles[0]["id"]
    assert group["outlets"] == ["Paper B", "Wire A"]
    again = analyze([str(export)], tmp_path / "out", Options())
    assert (again.added, again.unchanged) == (0, 2)


def test_analyze_parts_ingest_and_blocked_pass_keep_both_copies(tmp_path):
    export = two_outlets(tmp_path / "in")
    _, ingested = analyze_parts([str(export)], tmp_path / "ingested", Options(), executor=LocalExecutor(1))
    _, blocked = analyze_parts([str(export)], tmp_path / "blocked", Options(), executor=LocalExecutor(1), blocked=True)
    for result in (ingested, blocked):
        assert [a["outlet"] for a in result.dossier["articles"]] == ["Wire A", "Paper B"]
        assert len(result.dossier["syndicated"]) == 1


def test_store_same_content_from_another_source_is_another_article(tmp_path):
    with Store(tmp_path / "s.db") as store:
        first = store.add_article(Article(source="wire.txt", input_hash="i1", content_hash="c", body="Same."))
        second = store.add_article(Article(source="paper.txt", input_hash="i2", content_hash="c", body="Same."))
        assert (first, second) == ("a1", "a2") and store.article_count() == 2


def test_store_migrates_a_version_1_store_keeping_ids(tmp_path):
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path)
    conn.executescript("""
        CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        INSERT INTO meta VALUES ('schema_version', '1');
        CREATE TABLE articles (id INTEGER PRIMARY KEY AUTOINCREMENT, input_hash TEXT NOT NULL UNIQUE,
            content_hash TEXT NOT NULL UNIQUE, source TEXT NOT NULL, url TEXT, title TEXT, outlet TEXT, author TEXT,
            published TEXT, published_from TEXT, language TEXT NOT NULL, body TEXT NOT NULL, comments TEXT NOT NULL,
            warnings TEXT NOT NULL, findings TEXT NOT NULL);
        INSERT INTO articles VALUES (7, 'i1', 'c', 'wire.txt', NULL, NULL, 'Wire A', NULL, NULL, NULL, 'en',
            'Same.', '[]', '[]', '{}');
    """)
    conn.commit()
    conn.close()
    with Store(path) as store:
        assert store.add_article(Article(source="paper.txt", input_hash="i2", content_hash="c", body="Same.")) == "a8"
        assert [a.id for a in store.articles()] == ["a7", "a8"]
        assert store.conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()[0] == "2"
