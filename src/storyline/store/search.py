"""Full-text search over statements and article bodies (SQLite FTS5).

The index (table ``search_index``) is rebuilt from the store by
:func:`rebuild_index`, which ``Store.save_corpus`` calls in the same
transaction that replaces the corpus lists, so it never lags behind them.
A store written before the index existed is indexed in memory instead
(``storyline.store.view.StoreView`` never writes to the store).
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import Any

from storyline.store.pages import write_statement_rows
from storyline.store.query import QueryError, match_expression  # noqa: F401 - QueryError is raised through here

INDEX_TABLE = "search_index"
# Porter stemming so "summits" finds "summit"; diacritics folded so "Peskov" finds "Peskóv".
CREATE_INDEX = (
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
    conn.execute(CREATE_INDEX)
    conn.execute(f"DELETE FROM {INDEX_TABLE}")
    articles = conn.execute("SELECT id, title, body FROM articles")
    conn.executemany(
        f"INSERT INTO {INDEX_TABLE} (kind, ref, article, speaker, text) VALUES ('article', ?, ?, '', ?)",
        ((f"a{row[0]}", f"a{row[0]}", f"{row[1] or ''}\n{row[2]}") for row in articles),
    )
    insert_statements(conn, statements)
    write_statement_rows(conn, statements)  # what the app's pages read (storyline.store.pages)


def insert_statements(conn: sqlite3.Connection, statements: list[dict[str, Any]]) -> None:
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


