"""A read-only view of a store for the web app and exports: the dossier, cached while the store is unchanged.

:class:`StoreView` opens SQLite ``mode=ro`` and never writes to the store; a store written before the
search index existed is indexed in memory instead.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from pathlib import Path
from typing import Any
from urllib.parse import quote

from storyline.store.search import CREATE_INDEX, INDEX_TABLE, Hit, count_index, insert_statements, query_index, query_snippets
from storyline.store.pages import has_rows
from storyline.store.sqlite import CORPUS_LISTS, article_from_row, dossier_article


def open_readonly(path: str | Path) -> sqlite3.Connection:
    """A connection that cannot write to the store (SQLite ``mode=ro``)."""
    path = Path(path).resolve()
    if not path.is_file():
        raise FileNotFoundError(f"no store at {path}")
    conn = sqlite3.connect(f"file:{quote(str(path))}?mode=ro", uri=True, check_same_thread=False)
    conn.row_factory = sqlite3.Row
    return conn


class StoreView:
    """The store as a dossier, read-only, reloaded when another process writes to it.

    One connection shared by the app's threads behind a lock; SQLite's
    ``PRAGMA data_version`` tells when a writer (``analyze``) has committed.
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.conn = open_readonly(path)
        self.lock = threading.Lock()
        self._version: int | None = None
        self._dossier: dict[str, Any] = {}
        self._index: sqlite3.Connection = self.conn

    def close(self) -> None:
        self.conn.close()

    def dossier(self) -> dict[str, Any]:
        with self.lock:
            version = self.conn.execute("PRAGMA data_version").fetchone()[0]
            if version != self._version:
                self._dossier = self._load()
                self._index = self.conn if self._has_index() else self._memory_index(self._dossier)
                self._version = version
            return self._dossier

    def search(self, query: str, kind: str | None = None, limit: int = 5000, offset: int = 0) -> list[Hit]:
        self.dossier()  # keeps the index current
        with self.lock:
            return query_index(self._index, query, kind, limit, offset)

    def count(self, query: str, kind: str | None = None) -> int:
        self.dossier()
        with self.lock:
            return count_index(self._index, query, kind)

    def snippets(self, query: str, hits: list[Hit]) -> dict[int, str]:
        with self.lock:
            return query_snippets(self._index, query, [hit.row for hit in hits])

    # -- answered by SQLite alone (storyline.store.pages): nothing here loads the dossier --

    def flat(self) -> bool:
        """Whether the store has the rows the page queries read (stores written since they exist)."""
        with self.lock:
            return self._has_index() and has_rows(self.conn)

    def query(self, function: Any, *args: Any) -> Any:
        """``function(connection, *args)`` on the store's connection, under the lock."""
        with self.lock:
            return function(self.conn, *args)

    def search_flat(self, query: str, limit: int, offset: int) -> tuple[list[Hit], int, dict[int, str]]:
        """A page of hits, their total and their snippets, from the store's own index."""
        with self.lock:
            hits = query_index(self.conn, query, None, limit, offset)
            return hits, count_index(self.conn, query), query_snippets(self.conn, query, [h.row for h in hits])

    def _load(self) -> dict[str, Any]:
        from storyline.core.records import SCHEMA_ID

        lists: dict[str, Any] = {name: [] for name in CORPUS_LISTS}
        for row in self.conn.execute("SELECT name, data FROM corpus"):
            if row["name"] in CORPUS_LISTS:
                lists[row["name"]] = json.loads(row["data"])
        articles = [dossier_article(article_from_row(row)) for row in self.conn.execute("SELECT * FROM articles ORDER BY id")]
        skipped = [dict(row) for row in self.conn.execute("SELECT source, reason FROM skipped ORDER BY source")]
        return {"schema": SCHEMA_ID, "articles": articles, "skipped": skipped, **lists}

    def _has_index(self) -> bool:
        row = self.conn.execute("SELECT 1 FROM sqlite_master WHERE name = ?", (INDEX_TABLE,)).fetchone()
        return row is not None

    @staticmethod
    def _memory_index(dossier: dict[str, Any]) -> sqlite3.Connection:
        memory = sqlite3.connect(":memory:", check_same_thread=False)
        memory.execute(CREATE_INDEX)
        memory.executemany(
            f"INSERT INTO {INDEX_TABLE} (kind, ref, article, speaker, text) VALUES ('article', ?, ?, '', ?)",
            ((a["id"], a["id"], f"{a.get('title') or ''}\n{a['body']}") for a in dossier["articles"]),
        )
        insert_statements(memory, dossier["statements"])
        return memory
