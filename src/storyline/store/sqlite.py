"""The SQLite store: articles and everything derived from them, growing run by run.

One writer (the process running ``analyze``). Each article is written in
its own transaction, so killing a run loses at most the article in flight;
the corpus-level results are replaced together in one transaction.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from storyline.core.records import Article, Comment, Corpus, Skipped
from storyline.store.watch import WATCH_SCHEMA

# 2: an article per input. Version 1 kept one article per content (``content_hash UNIQUE``),
# so identical texts from two sources collapsed into one; now (source, content) is the key.
# The tables of ``storyline watch`` (``store.watch``: sources, tracked, alerts) are new tables created
# IF NOT EXISTS with the rest: nothing to migrate, so they need no version of their own.
SCHEMA_VERSION = 2
CORPUS_LISTS = ("entities", "statements", "times", "events", "claims", "stories", "syndicated")

_ARTICLES = """
CREATE TABLE IF NOT EXISTS articles (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    input_hash TEXT NOT NULL UNIQUE,
    content_hash TEXT NOT NULL,
    source TEXT NOT NULL,
    url TEXT, title TEXT, outlet TEXT, author TEXT,
    published TEXT, published_from TEXT,
    language TEXT,
    body TEXT NOT NULL,
    comments TEXT NOT NULL,
    warnings TEXT NOT NULL,
    findings TEXT NOT NULL,
    UNIQUE (source, content_hash)
);
"""
_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
""" + _ARTICLES + """
CREATE TABLE IF NOT EXISTS skipped (source TEXT PRIMARY KEY, reason TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS corpus (name TEXT PRIMARY KEY, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS embeddings (key TEXT PRIMARY KEY, vector BLOB NOT NULL);
-- Body MinHash signatures from the per-article stage "signature" (syndication), by content.
CREATE TABLE IF NOT EXISTS minhashes (content_hash TEXT PRIMARY KEY, shingles INTEGER NOT NULL, hashvalues BLOB NOT NULL);
"""


class Store:
    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.conn = sqlite3.connect(self.path)
        self.conn.row_factory = sqlite3.Row
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.execute("PRAGMA synchronous=NORMAL")
        with self.conn:
            self.conn.executescript(_SCHEMA + WATCH_SCHEMA)
            self.conn.execute(
                "INSERT OR IGNORE INTO meta (key, value) VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),)
            )
            _migrate(self.conn)

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- articles ---------------------------------------------------------

    def has_input(self, input_hash: str) -> bool:
        row = self.conn.execute("SELECT 1 FROM articles WHERE input_hash = ?", (input_hash,)).fetchone()
        return row is not None

    def add_article(self, article: Article) -> str:
        """Insert the article, or replace the one from the same source with the same content; return its id.

        Articles are kept per input: the same text from two sources is two articles
        (syndicated copies, found by the syndication stage). The same source and
        content arriving with new metadata (a manifest added later) replaces the
        stored article in place and keeps its id.
        """
        with self.conn:
            return self.write_article(article)

    def write_article(self, article: Article) -> str:
        """``add_article`` inside the caller's transaction (``with store.conn:``)."""
        values = {
            "input_hash": article.input_hash,
            "content_hash": article.content_hash,
            "source": article.source,
            "url": article.url,
            "title": article.title,
            "outlet": article.outlet,
            "author": article.author,
            "published": article.published,
            "published_from": article.published_from,
            "language": article.language,
            "body": article.body,
            "comments": json.dumps([c.as_dict() for c in article.comments], ensure_ascii=False),
            "warnings": json.dumps(article.warnings, ensure_ascii=False),
            "findings": json.dumps(article.findings, ensure_ascii=False),
        }
        columns = ", ".join(values)
        updates = ", ".join(f"{name} = excluded.{name}" for name in values)
        self.conn.execute(
            f"INSERT INTO articles ({columns}) VALUES ({', '.join('?' for _ in values)}) "
            f"ON CONFLICT(source, content_hash) DO UPDATE SET {updates}",
            list(values.values()),
        )
        self.conn.execute("DELETE FROM skipped WHERE source = ?", (article.source,))
        if article.minhash is not None:
            self.conn.execute(
                "INSERT OR REPLACE INTO minhashes (content_hash, shingles, hashvalues) VALUES (?, ?, ?)",
                (article.content_hash, *article.minhash),
            )
        self.write_embeddings(article.embeddings)
        row = self.conn.execute("SELECT id FROM articles WHERE input_hash = ?", (article.input_hash,)).fetchone()
        article.id = f"a{row['id']}"
        return article.id

    def articles(self) -> Iterator[Article]:
        rows = self.conn.execute(
            "SELECT articles.*, m.shingles AS minhash_shingles, m.hashvalues AS minhash_values "
            "FROM articles LEFT JOIN minhashes AS m USING (content_hash) ORDER BY id"
        )
        for row in rows:
            yield article_from_row(row)

    def article_count(self) -> int:
        return int(self.conn.execute("SELECT COUNT(*) FROM articles").fetchone()[0])

    # -- skipped inputs ---------------------------------------------------

    def add_skipped(self, skipped: Skipped) -> None:
        with self.conn:
            self.write_skipped(skipped)

    def write_skipped(self, skipped: Skipped) -> None:
        """``add_skipped`` inside the caller's transaction."""
        self.conn.execute(
            "INSERT INTO skipped (source, reason) VALUES (?, ?) "
            "ON CONFLICT(source) DO UPDATE SET reason = excluded.reason",
            (skipped.source, skipped.reason),
        )

    # -- per-shard Parquet outputs of a cluster run (storyline.store.parts) --------

    def ingest_parts(self, parts_dir: str | Path) -> Any:
        """Add every complete shard of ``parts_dir`` (see ``storyline.store.parts``); returns ``parts.Ingested``."""
        from storyline.store.parts import ingest_parts

        return ingest_parts(self, parts_dir)

    def skipped(self) -> list[Skipped]:
        return [Skipped(r["source"], r["reason"]) for r in self.conn.execute("SELECT * FROM skipped ORDER BY source")]

    # -- corpus-level results ---------------------------------------------

    def corpus(self) -> Corpus:
        corpus = Corpus(articles=list(self.articles()))
        for row in self.conn.execute("SELECT name, data FROM corpus"):
            if row["name"] in CORPUS_LISTS:
                setattr(corpus, row["name"], json.loads(row["data"]))
        return corpus

    def save_corpus(self, corpus: Corpus) -> None:
        with self.conn:
            for name in CORPUS_LISTS:
                self.conn.execute(
                    "INSERT INTO corpus (name, data) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET data = excluded.data",
                    (name, json.dumps(getattr(corpus, name), ensure_ascii=False)),
                )
            # The full-text index for ``serve`` follows the lists it indexes, in the same transaction.
            from storyline.store.search import rebuild_index

            rebuild_index(self.conn, corpus.statements)

    # -- embedding cache (claims and stories; filled by the per-article stage "embed") --

    def get_many(self, keys: list[str]) -> dict[str, np.ndarray]:
        found: dict[str, np.ndarray] = {}
        for start in range(0, len(keys), 500):
            chunk = keys[start : start + 500]
            marks = ", ".join("?" for _ in chunk)
            for row in self.conn.execute(f"SELECT key, vector FROM embeddings WHERE key IN ({marks})", chunk):
                found[row["key"]] = np.frombuffer(row["vector"], dtype=np.float32)
        return found

    def put_many(self, items: dict[str, np.ndarray]) -> None:
        # Called with the keys get_many did not find, so keeping a stored vector changes nothing here.
        with self.conn:
            self.write_embeddings(items)

    def write_embeddings(self, items: dict[str, np.ndarray]) -> None:
        """Vectors computed with an article (per-article stage ``embed``), inside the caller's
        transaction. A key already stored keeps its vector (one the driver embedded in a batch
        may differ from the stage's in the last bits)."""
        self.conn.executemany(
            "INSERT OR IGNORE INTO embeddings (key, vector) VALUES (?, ?)",
            [(key, np.asarray(vector, dtype=np.float32).tobytes()) for key, vector in items.items()],
        )


def _migrate(conn: sqlite3.Connection) -> None:
    """Bring a store written by an earlier version up to ``SCHEMA_VERSION`` (inside the caller's transaction)."""
    version = int(conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()[0])
    if version < 2:  # drop content_hash UNIQUE: rebuild the table, ids kept
        conn.execute("ALTER TABLE articles RENAME TO articles_v1")
        conn.execute(_ARTICLES)
        conn.execute("INSERT INTO articles SELECT * FROM articles_v1")
        conn.execute("DROP TABLE articles_v1")
    if version < SCHEMA_VERSION:
        conn.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", (str(SCHEMA_VERSION),))


def article_from_row(row: sqlite3.Row) -> Article:
    article = Article(
        source=row["source"],
        input_hash=row["input_hash"],
        content_hash=row["content_hash"],
        body=row["body"],
        title=row["title"],
        outlet=row["outlet"],
        published=row["published"],
        published_from=row["published_from"],
        author=row["author"],
        url=row["url"],
        language=row["language"],
        comments=[Comment(**c) for c in json.loads(row["comments"])],
        warnings=json.loads(row["warnings"]),
        findings=json.loads(row["findings"]),
    )
    article.id = f"a{row['id']}"
    if "minhash_values" in row.keys() and row["minhash_values"] is not None:
        article.minhash = (row["minhash_shingles"], row["minhash_values"])
    return article


def dossier_article(article: Article) -> dict[str, Any]:
    """An article in the shape of the dossier contract."""
    return {
        "id": article.id,
        "source": article.source,
        "url": article.url,
        "title": article.title,
        "outlet": article.outlet,
        "published": article.published,
        "published_from": article.published_from,
        "author": article.author,
        "language": article.language,
        "body": article.body,
        "comments": [c.as_dict() for c in article.comments],
        "warnings": list(article.warnings),
    }
