"""Pages of the app's JSON lists and search hits answered by SQLite, never from the whole dossier.

``Store.save_corpus`` writes each statement as one row of ``statement_rows`` (with
the fields the filters read as columns) beside the full-text index, so
``/api/search``, ``/api/articles`` and ``/api/statements`` read only the rows of
the page they answer: the server's memory does not grow with the store. Rows are
streamed in store order and filtered as they come (dates overlap at any
precision, which SQL alone cannot say), so time grows with the rows read, memory
does not. Filters that need corpus-wide lookups (a story, a speaker by alias or a
claim's spans) take the dossier path in ``serve.Explorer``.
"""

from __future__ import annotations

import json
import math
import sqlite3
from collections.abc import Callable, Iterator
from typing import Any

STATEMENT_ROWS = "statement_rows"
_CREATE = (f"CREATE TABLE IF NOT EXISTS {STATEMENT_ROWS} (id TEXT PRIMARY KEY, position INTEGER NOT NULL, "
           "article TEXT NOT NULL, speaker TEXT, speaker_name TEXT, said_on TEXT, claim TEXT, data TEXT NOT NULL)")
_SUMMARY = "id, source, url, title, outlet, published, published_from, author, language, warnings"


def write_statement_rows(conn: sqlite3.Connection, statements: list[dict[str, Any]]) -> None:
    """Replace the rows (inside the caller's transaction, ``Store.save_corpus``)."""
    conn.execute(_CREATE)
    conn.execute(f"DELETE FROM {STATEMENT_ROWS}")
    conn.executemany(
        f"INSERT INTO {STATEMENT_ROWS} VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        ((s["id"], n, s["article"], s.get("speaker"), s.get("speaker_name"), s.get("said_on"), s.get("claim"),
          json.dumps(s, ensure_ascii=False)) for n, s in enumerate(statements)),
    )


def has_rows(conn: sqlite3.Connection) -> bool:
    return conn.execute("SELECT 1 FROM sqlite_master WHERE name = ?", (STATEMENT_ROWS,)).fetchone() is not None


def article_summary(row: sqlite3.Row) -> dict[str, Any]:
    item = {key: row[key] for key in row.keys() if key != "warnings"}
    item["id"] = f"a{row['id']}"
    item["warnings"] = json.loads(row["warnings"])
    return item


def page_of(rows: Iterator[Any], keep: Callable[[Any], bool], page: int, per_page: int,
            shape: Callable[[Any], dict[str, Any]]) -> dict[str, Any]:
    """One page of the rows ``keep`` accepts, counting them all but holding only the page."""
    start, total, items = (page - 1) * per_page, 0, []
    for row in rows:
        if not keep(row):
            continue
        if start <= total < start + per_page:
            items.append(shape(row))
        total += 1
    return {"total": total, "page": page, "per_page": per_page, "pages": max(1, math.ceil(total / per_page)),
            "items": items}


def articles_page(conn: sqlite3.Connection, keep: Callable[[dict[str, Any]], bool], page: int, per_page: int) -> dict[str, Any]:
    rows = (article_summary(row) for row in conn.execute(f"SELECT {_SUMMARY} FROM articles ORDER BY id"))
    return page_of(rows, keep, page, per_page, lambda item: item)


def statements_page(conn: sqlite3.Connection, keep: Callable[[dict[str, Any], dict[str, Any]], bool],
                    page: int, per_page: int) -> dict[str, Any]:
    """Statements in dossier order; ``keep(statement, article facts)`` decides (facts: outlet, published)."""
    sql = (f"SELECT s.data AS data, a.outlet AS outlet, a.published AS published FROM {STATEMENT_ROWS} AS s "
           "LEFT JOIN articles AS a ON a.id = CAST(substr(s.article, 2) AS INTEGER) ORDER BY s.position")
    rows = ((json.loads(row["data"]), {"id": None, "outlet": row["outlet"], "published": row["published"]})
            for row in conn.execute(sql))
    return page_of(rows, lambda pair: keep(*pair), page, per_page, lambda pair: pair[0])


def items_by_id(conn: sqlite3.Connection, statement_ids: list[str], article_ids: list[str]) -> tuple[dict, dict]:
    """The statements and article summaries (with ``body`` left out) a page of hits shows."""
    statements: dict[str, dict[str, Any]] = {}
    for start in range(0, len(statement_ids), 500):
        chunk = statement_ids[start : start + 500]
        marks = ", ".join("?" for _ in chunk)
        for row in conn.execute(f"SELECT id, data FROM {STATEMENT_ROWS} WHERE id IN ({marks})", chunk):
            statements[row["id"]] = json.loads(row["data"])
    articles: dict[str, dict[str, Any]] = {}
    numbers = _row_ids(article_ids)
    for start in range(0, len(numbers), 500):
        chunk = numbers[start : start + 500]
        marks = ", ".join("?" for _ in chunk)
        for row in conn.execute(f"SELECT {_SUMMARY} FROM articles WHERE id IN ({marks})", chunk):
            item = article_summary(row)
            articles[item["id"]] = item
    return statements, articles


def statement_counts(conn: sqlite3.Connection, article_ids: list[str]) -> dict[str, int]:
    """How many statements each of the given articles holds (a page's worth)."""
    marks = ", ".join("?" for _ in article_ids)
    sql = f"SELECT article, COUNT(*) FROM {STATEMENT_ROWS} WHERE article IN ({marks}) GROUP BY article"
    return dict(conn.execute(sql, article_ids).fetchall()) if article_ids else {}


def openings(conn: sqlite3.Connection, article_ids: list[str], length: int = 400) -> dict[str, str]:
    """The first characters of the given articles' bodies (what an untitled article is headed by)."""
    numbers = _row_ids(article_ids)
    marks = ", ".join("?" for _ in numbers)
    sql = f"SELECT id, substr(body, 1, ?) FROM articles WHERE id IN ({marks})"
    return {f"a{row[0]}": row[1] for row in conn.execute(sql, [length, *numbers])} if numbers else {}


def facets(conn: sqlite3.Connection) -> dict[str, list[Any]]:
    """What the search form offers: claim and story labels, entity names, outlets (corpus-wide, small)."""
    lists = {row["name"]: json.loads(row["data"]) for row in
             conn.execute("SELECT name, data FROM corpus WHERE name IN ('claims', 'stories', 'entities')")}
    outlets = [row[0] for row in conn.execute(
        "SELECT DISTINCT outlet FROM articles WHERE outlet IS NOT NULL AND outlet != '' ORDER BY outlet COLLATE NOCASE")]
    return {"claims": [{"id": c["id"], "label": c["label"]} for c in lists.get("claims", [])],
            "stories": [{"id": s["id"], "label": s["label"]} for s in lists.get("stories", [])],
            "names": [e["name"] for e in lists.get("entities", [])], "outlets": outlets}


def _row_ids(article_ids: list[str]) -> list[int]:
    """The articles table's row ids of article ids ``a<row id>`` (anything else names no row)."""
    return [int(a[1:]) for a in article_ids if a[1:].isdigit()]
