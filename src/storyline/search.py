"""Full-text search over statements and article bodies (SQLite FTS5), and a
read-only view of a store for the web app and exports.

The index (table ``search_index``) is rebuilt from the store by
:func:`rebuild_index`, which ``Store.save_corpus`` calls in the same
transaction that replaces the corpus lists, so it never lags behind them.
A store written before the index existed is indexed in memory instead
(:class:`StoreView` never writes to the store).
"""

from __future__ import annotations

import json
import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from storyline.query import QueryError, match_expression  # noqa: F401 - QueryError is raised through here
from storyline.store import CORPUS_LISTS, _article_from_row, dossier_article

INDEX_TABLE = "search_index"
# Porter stemming so "summits" finds "summit"; diacritics folded so "Peskov" finds "Peskóv".
_CREATE_INDEX = (
    f"CREATE VIRTUAL TABLE IF NOT EXISTS {INDEX_TABLE} USING fts5("
    "kind UNINDEXED, ref UNINDEXED, article UNINDEXED, speaker, text, "
    "tokenize = 'porter unicode61 remove_diacritics 2')"
)
# Marks around matched words in snippets: private-use characters no text contains,
# so the template can split on them and escape everything else.
HIT_START, HIT_END = "\ue000", "\ue001"


def rebuild_index(conn: sqlite3.Connection, statements: list[dict[str, Any]]) -> None:
    """Replace the index with the store's article bodies and ``statements``.

    Runs inside the caller's transaction (``Store.save_corpus``).
    """
    conn.execute(_CREATE_INDEX)
    conn.execute(f"DELETE FROM {INDEX_TABLE}")
    articles = conn.execute("SELECT id, title, body FROM articles")
    conn.executemany(
        f"INSERT INTO {INDEX_TABLE} (kind, ref, article, speaker, text) VALUES ('article', ?, ?, '', ?)",
        ((f"a{row[0]}", f"a{row[0]}", f"{row[1] or ''}\n{row[2]}") for row in articles),
    )
    _insert_statements(conn, statements)
    from storyline.pages import write_statement_rows

    write_statement_rows(conn, statements)  # what the app's pages read (storyline.pages)


def _insert_statements(conn: sqlite3.Connection, statements: list[dict[str, Any]]) -> None:
    conn.executemany(
        f"INSERT INTO {INDEX_TABLE} (kind, ref, article, speaker, text) VALUES ('statement', ?, ?, ?, ?)",
        ((s["id"], s["article"], s.get("speaker_name") or "", s["text"]) for s in statements),
    )


@dataclass(slots=True)
class Hit:
    kind: str  # "statement" or "article"
    ref: str  # statement or article id
    article: str
    rank: float  # bm25: lower is better
    row: int  # rowid in the index, to fetch a snippet for the hits shown


def query_index(
    conn: sqlite3.Connection, query: str, kind: str | None = None, limit: int = 5000, offset: int = 0
) -> list[Hit]:
    """Matches best first (``limit`` from ``offset``), without snippets: those cost, and only a page is shown."""
    expression = match_expression(query)
    if expression is None:
        return []
    where, params = _where(expression, kind)
    sql = (
        f"SELECT kind, ref, article, bm25({INDEX_TABLE}, 0, 0, 0, 3.0, 1.0) AS rank, rowid "
        f"FROM {INDEX_TABLE} WHERE {where} ORDER BY rank LIMIT ? OFFSET ?"
    )
    return [Hit(*row) for row in conn.execute(sql, [*params, limit, offset])]


def count_index(conn: sqlite3.Connection, query: str, kind: str | None = None) -> int:
    expression = match_expression(query)
    if expression is None:
        return 0
    where, params = _where(expression, kind)
    return int(conn.execute(f"SELECT COUNT(*) FROM {INDEX_TABLE} WHERE {where}", params).fetchone()[0])


def _where(expression: str, kind: str | None) -> tuple[str, list[Any]]:
    if kind:
        return f"{INDEX_TABLE} MATCH ? AND kind = ?", [expression, kind]
    return f"{INDEX_TABLE} MATCH ?", [expression]


def query_snippets(conn: sqlite3.Connection, query: str, rows: list[int]) -> dict[int, str]:
    """Snippets (matched words between HIT_START and HIT_END) for the given index rows."""
    expression = match_expression(query)
    if expression is None or not rows:
        return {}
    marks = ", ".join("?" for _ in rows)
    sql = (
        f"SELECT rowid, snippet({INDEX_TABLE}, 4, ?, ?, '…', 24) FROM {INDEX_TABLE} "
        f"WHERE {INDEX_TABLE} MATCH ? AND rowid IN ({marks})"
    )
    return dict(conn.execute(sql, [HIT_START, HIT_END, expression, *rows]).fetchall())


def snippet_parts(snippet: str) -> list[tuple[str, bool]]:
    """A snippet as (text, is a matched word) pieces, for escaping in a template."""
    parts: list[tuple[str, bool]] = []
    for chunk in snippet.split(HIT_START):
        hit, _, rest = chunk.partition(HIT_END) if HIT_END in chunk else ("", "", chunk)
        if hit:
            parts.append((hit, True))
        if rest:
            parts.append((rest, False))
    return parts


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

    # -- answered by SQLite alone (storyline.pages): nothing here loads the dossier --

    def flat(self) -> bool:
        """Whether the store has the rows the page queries read (stores written since they exist)."""
        from storyline.pages import has_rows

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
        from storyline.dossier import SCHEMA_ID

        lists: dict[str, Any] = {name: [] for name in CORPUS_LISTS}
        for row in self.conn.execute("SELECT name, data FROM corpus"):
            if row["name"] in CORPUS_LISTS:
                lists[row["name"]] = json.loads(row["data"])
        articles = [dossier_article(_article_from_row(row)) for row in self.conn.execute("SELECT * FROM articles ORDER BY id")]
        skipped = [dict(row) for row in self.conn.execute("SELECT source, reason FROM skipped ORDER BY source")]
        return {"schema": SCHEMA_ID, "articles": articles, "skipped": skipped, **lists}

    def _has_index(self) -> bool:
        row = self.conn.execute("SELECT 1 FROM sqlite_master WHERE name = ?", (INDEX_TABLE,)).fetchone()
        return row is not None

    @staticmethod
    def _memory_index(dossier: dict[str, Any]) -> sqlite3.Connection:
        memory = sqlite3.connect(":memory:", check_same_thread=False)
        memory.execute(_CREATE_INDEX)
        memory.executemany(
            f"INSERT INTO {INDEX_TABLE} (kind, ref, article, speaker, text) VALUES ('article', ?, ?, '', ?)",
            ((a["id"], a["id"], f"{a.get('title') or ''}\n{a['body']}") for a in dossier["articles"]),
        )
        _insert_statements(memory, dossier["statements"])
        return memory
