"""The store's tables for ``storyline watch``: the sources file's outlets, tracked claims, alerts.

Created with the rest of the schema (``Store.__init__`` runs :data:`WATCH_SCHEMA`).

- ``sources``: one row per source of the sources file (name = the outlet its articles carry),
  with its country, owner, labels and URLs, rewritten at the start of every round.
- ``tracked``: a claim the analyst follows. Claim ids are recomputed as the corpus grows, so a
  tracked claim is kept as its *anchors* (stable keys of its member statements,
  :func:`statement_key`) and its label or search text, and re-found each round
  (``storyline.corpus.alerts``). ``since_article`` is the last article stored when tracking began:
  only statements of later articles raise alerts.
- ``alerts``: one row per (tracked claim, statement); the primary key is what makes a rerun, or a
  restart after a kill, never repeat an alert. ``delivered`` is set once the alert has been
  written out (JSON Lines, stdout, hook).

One writer: :func:`writer_lock` is an OS lock (``flock``) on ``DB.watch.lock``, held by a watch for its life.
"""

from __future__ import annotations

import fcntl
import json
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

WATCH_SCHEMA = """
CREATE TABLE IF NOT EXISTS sources (
    name TEXT PRIMARY KEY, country TEXT, owner TEXT,
    labels TEXT NOT NULL, feeds TEXT NOT NULL, pages TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS tracked (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    label TEXT, text TEXT, claim TEXT,
    anchors TEXT NOT NULL, since_article INTEGER NOT NULL, created TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS alerts (
    tracked INTEGER NOT NULL, statement_key TEXT NOT NULL,
    data TEXT NOT NULL, raised TEXT NOT NULL, delivered INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (tracked, statement_key)
);
"""


class WatchLocked(RuntimeError):
    """Another ``watch`` holds the store."""


def statement_key(statement: dict[str, Any]) -> str:
    """A statement's key that survives recomputation: its article (store ids never change) and span."""
    return f"{statement['article']}:{statement['start']}-{statement['end']}"


@contextmanager
def writer_lock(db_path: str | Path) -> Iterator[Path]:
    """Hold ``DB.watch.lock`` (``flock``, released by the kernel when the process dies, even by kill -9)."""
    lock_path = Path(f"{db_path}.watch.lock")
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    handle = open(lock_path, "a+")  # noqa: SIM115 - held for the context's life
    try:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise WatchLocked(f"another 'storyline watch' is writing to {db_path} (lock: {lock_path})") from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        yield lock_path
    finally:
        handle.close()


# -- sources --------------------------------------------------------------------


def save_sources(conn: sqlite3.Connection, sources: list[dict[str, Any]]) -> None:
    """Replace the sources table with the sources file's entries (one transaction; none when unchanged,
    so a reader such as the app does not reload for nothing)."""
    fields = ("name", "country", "owner", "labels", "feeds", "pages")
    wanted = sorted(({key: s.get(key) if key in ("name", "country", "owner") else list(s.get(key) or [])
                      for key in fields} for s in sources), key=lambda s: s["name"])
    if read_sources_table(conn) == wanted:
        return
    with conn:
        conn.execute("DELETE FROM sources")
        conn.executemany(
            "INSERT INTO sources (name, country, owner, labels, feeds, pages) VALUES (?, ?, ?, ?, ?, ?)",
            [(s["name"], s.get("country"), s.get("owner"), json.dumps(s.get("labels", []), ensure_ascii=False),
              json.dumps(s.get("feeds", [])), json.dumps(s.get("pages", []))) for s in sources],
        )


def read_sources_table(conn: sqlite3.Connection) -> list[dict[str, Any]]:
    if not _has_table(conn, "sources"):
        return []
    return [{"name": r["name"], "country": r["country"], "owner": r["owner"], "labels": json.loads(r["labels"]),
             "feeds": json.loads(r["feeds"]), "pages": json.loads(r["pages"])}
            for r in conn.execute("SELECT * FROM sources ORDER BY name")]


def has_source(conn: sqlite3.Connection, source: str) -> bool:
    """Whether an article from this source (a feed item's link) is stored: then it is not fetched again."""
    return conn.execute("SELECT 1 FROM articles WHERE source = ? LIMIT 1", (source,)).fetchone() is not None


def clear_skipped(conn: sqlite3.Connection, source: str) -> None:
    """A feed that failed once and now answers is no longer listed as skipped."""
    with conn:
        conn.execute("DELETE FROM skipped WHERE source = ?", (source,))


def last_article(conn: sqlite3.Connection) -> int:
    return int(conn.execute("SELECT COALESCE(MAX(id), 0) FROM articles").fetchone()[0])


def meta_value(conn: sqlite3.Connection, key: str) -> str | None:
    row = conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
    return None if row is None else row[0]


def set_meta(conn: sqlite3.Connection, key: str, value: str) -> None:
    with conn:
        conn.execute("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                     (key, value))


# -- tracked claims -----------------------------------------------------------------


def add_tracked(conn: sqlite3.Connection, *, label: str | None, text: str | None, claim: str | None,
                anchors: list[str], created: str) -> int:
    with conn:
        cursor = conn.execute(
            "INSERT INTO tracked (label, text, claim, anchors, since_article, created) VALUES (?, ?, ?, ?, ?, ?)",
            (label, text, claim, json.dumps(sorted(anchors)), last_article(conn), created))
    return int(cursor.lastrowid)


def tracked_claims(conn: sqlite3.Connection) -> list[dict[str, Any]]:
    if not _has_table(conn, "tracked"):
        return []
    return [{**dict(r), "anchors": json.loads(r["anchors"])} for r in conn.execute("SELECT * FROM tracked ORDER BY id")]


def update_tracked(conn: sqlite3.Connection, tracked_id: int, claim: str | None, anchors: list[str], label: str | None) -> None:
    """Inside the caller's transaction: the claim it was re-found as this round, and the grown anchors."""
    conn.execute("UPDATE tracked SET claim = ?, anchors = ?, label = COALESCE(?, label) WHERE id = ?",
                 (claim, json.dumps(sorted(anchors)), label, tracked_id))


# -- alerts --------------------------------------------------------------------------


def insert_alert(conn: sqlite3.Connection, alert: dict[str, Any], raised: str) -> bool:
    """Inside the caller's transaction; False when this (tracked claim, statement) was alerted before."""
    cursor = conn.execute(
        "INSERT OR IGNORE INTO alerts (tracked, statement_key, data, raised) VALUES (?, ?, ?, ?)",
        (alert["tracked"], alert["statement_key"], json.dumps(alert, ensure_ascii=False), raised))
    return cursor.rowcount == 1


def alert_keys(conn: sqlite3.Connection, tracked_id: int) -> set[str]:
    return {r[0] for r in conn.execute("SELECT statement_key FROM alerts WHERE tracked = ?", (tracked_id,))}


def undelivered_alerts(conn: sqlite3.Connection) -> list[dict[str, Any]]:
    rows = conn.execute("SELECT data FROM alerts WHERE delivered = 0 ORDER BY rowid")
    return [json.loads(r[0]) for r in rows]


def mark_delivered(conn: sqlite3.Connection, alert: dict[str, Any]) -> None:
    with conn:
        conn.execute("UPDATE alerts SET delivered = 1 WHERE tracked = ? AND statement_key = ?",
                     (alert["tracked"], alert["statement_key"]))


def all_alerts(conn: sqlite3.Connection) -> list[dict[str, Any]]:
    if not _has_table(conn, "alerts"):
        return []
    return [{**json.loads(r["data"]), "raised": r["raised"]}
            for r in conn.execute("SELECT data, raised FROM alerts ORDER BY rowid DESC")]


def _has_table(conn: sqlite3.Connection, name: str) -> bool:
    return conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)).fetchone() is not None
