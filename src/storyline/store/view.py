"""A read-only view of a store for the web app and exports: the dossier, cached while the store is unchanged.

:class:`StoreView` opens SQLite ``mode=ro`` and never writes to the store; a store written before the
search index existed is indexed in memory instead.

Each thread of the app's pool reads through its own connection (the store is in WAL mode, so
readers never wait for each other nor for ``analyze`` writing), and answers that cost a whole
index scan (a search page, its total) are kept in a small cache keyed on the store's generation:
a commit by any writer starts a new generation, so nothing stale is ever served.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Hashable
from concurrent.futures import Future
from pathlib import Path
from typing import Any
from urllib.parse import quote

from storyline.store.search import CREATE_INDEX, INDEX_TABLE, Hit, count_index, insert_statements, query_index, query_snippets
from storyline.store.pages import has_rows
from storyline.store.sqlite import CORPUS_LISTS, article_from_row, dossier_article

CACHED_ANSWERS = 512  # search pages and totals kept per generation; each is a page of ids, a few KB


def open_readonly(path: str | Path) -> sqlite3.Connection:
    """A connection that cannot write to the store (SQLite ``mode=ro``)."""
    path = Path(path).resolve()
    if not path.is_file():
        raise FileNotFoundError(f"no store at {path}")
    conn = sqlite3.connect(f"file:{quote(str(path))}?mode=ro", uri=True, check_same_thread=False)
    conn.row_factory = sqlite3.Row
    return conn


class _Held:
    """A thread's connection, in an object a weak set can point to (connections cannot be weakly referenced)."""

    __slots__ = ("conn", "__weakref__")

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn


class StoreView:
    """The store as a dossier, read-only, reloaded when another process writes to it.

    ``conn`` is the calling thread's own connection. One more connection only watches
    SQLite's ``PRAGMA data_version``, which changes when a writer (``analyze``) has committed;
    each change bumps :attr:`generation`, which keys the dossier and the cached answers.
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.lock = threading.Lock()  # guards the shared state below, never a query on the store
        self._local = threading.local()
        # Weak: a pool thread that ends takes its connection with it (closed when collected).
        self._connections: weakref.WeakSet[_Held] = weakref.WeakSet()
        self._watch = open_readonly(path)
        self._version: int | None = None
        self.generation = 0
        self._dossier: dict[str, Any] = {}
        self._dossier_generation = -1
        self._memory: sqlite3.Connection | None = None  # the in-memory index of an old store
        self._memory_lock = threading.Lock()  # one in-memory connection, shared
        self._answers: OrderedDict[Hashable, Future] = OrderedDict()
        self._has_index, self._flat = self._tables()

    @property
    def conn(self) -> sqlite3.Connection:
        """This thread's read-only connection, opened on first use."""
        held = getattr(self._local, "held", None)
        if held is None:
            held = self._local.held = _Held(open_readonly(self.path))
            with self.lock:
                self._connections.add(held)
        return held.conn

    def close(self) -> None:
        with self.lock:
            for conn in [*(held.conn for held in self._connections), self._watch]:
                conn.close()
            self._connections.clear()
            self._local = threading.local()

    def current(self) -> int:
        """The store's generation, new whenever a writer has committed since the last look."""
        with self.lock:
            version = self._watch.execute("PRAGMA data_version").fetchone()[0]
            if version != self._version:
                self._version = version
                self.generation += 1
            return self.generation

    def dossier(self) -> dict[str, Any]:
        generation = self.current()
        with self.lock:
            if generation == self._dossier_generation:
                return self._dossier
        dossier = self._load()
        has_index, flat = self._tables()
        memory = None if has_index else self._memory_index(dossier)
        with self.lock:
            if generation >= self._dossier_generation:
                self._dossier, self._dossier_generation = dossier, generation
                self._has_index, self._flat, self._memory = has_index, flat, memory
            return self._dossier

    def cached(self, key: Hashable, compute: Callable[[], Any]) -> Any:
        """``compute()`` once per key and generation, shared by concurrent callers (they wait for the first).

        Callers must not change what it returns.
        """
        full = (self.current(), key)
        with self.lock:
            future = self._held(full)
            owner = future is None
            if owner:
                future = self._answers[full] = Future()
                while len(self._answers) > CACHED_ANSWERS:
                    self._answers.popitem(last=False)
        if not owner:
            return future.result()
        try:
            future.set_result(compute())
        except BaseException as error:
            with self.lock:
                self._answers.pop(full, None)  # an error is not kept: the next caller tries again
            future.set_exception(error)
        return future.result()

    def pending(self, key: Hashable) -> Future | None:
        """The answer :meth:`cached` holds or is computing for ``key`` in this generation, or None.

        Never waits and never computes, so the event loop may call it and await the future.
        """
        full = (self.current(), key)
        with self.lock:
            return self._held(full)

    def _held(self, full: tuple[int, Hashable]) -> Future | None:
        """The future kept for ``(generation, key)``, marked as just used; call with the lock held."""
        future = self._answers.get(full)
        if future is not None:
            self._answers.move_to_end(full)
        return future

    def _index(self, function: Callable[..., Any], *args: Any) -> Any:
        """``function(connection, *args)`` on the store's index, or the in-memory one of an old store."""
        if self._has_index:
            self.current()
        else:
            self.dossier()  # an old store's in-memory index is rebuilt with its dossier
        if self._has_index:
            return function(self.conn, *args)
        with self._memory_lock:
            return function(self._memory, *args)

    def search(self, query: str, kind: str | None = None, limit: int = 5000, offset: int = 0) -> list[Hit]:
        return self.cached(("search", query, kind, limit, offset), lambda: self._index(query_index, query, kind, limit, offset))

    def count(self, query: str, kind: str | None = None) -> int:
        return self.cached(("count", query, kind), lambda: self._index(count_index, query, kind))

    def snippets(self, query: str, hits: list[Hit]) -> dict[int, str]:
        return self._index(query_snippets, query, [hit.row for hit in hits])

    # -- answered by SQLite alone (storyline.store.pages): nothing here loads the dossier --

    def flat(self) -> bool:
        """Whether the store has the rows the page queries read (stores written since they exist)."""
        if not self._flat:  # an old store may gain the tables when analyze runs again
            self.current()
            self._has_index, self._flat = self._tables()
        return self._flat

    def query(self, function: Any, *args: Any) -> Any:
        """``function(connection, *args)`` on this thread's connection."""
        return function(self.conn, *args)

    def search_flat(self, query: str, limit: int, offset: int) -> tuple[list[Hit], int, dict[int, str]]:
        """A page of hits, their total and their snippets, from the store's own index."""
        def page() -> tuple[list[Hit], int, dict[int, str]]:
            hits = query_index(self.conn, query, None, limit, offset)
            return hits, self.count(query), query_snippets(self.conn, query, [h.row for h in hits])

        return self.cached(("page", query, limit, offset), page)

    def _load(self) -> dict[str, Any]:
        from storyline.core.records import SCHEMA_ID

        lists: dict[str, Any] = {name: [] for name in CORPUS_LISTS}
        for row in self.conn.execute("SELECT name, data FROM corpus"):
            if row["name"] in CORPUS_LISTS:
                lists[row["name"]] = json.loads(row["data"])
        articles = [dossier_article(article_from_row(row)) for row in self.conn.execute("SELECT * FROM articles ORDER BY id")]
        skipped = [dict(row) for row in self.conn.execute("SELECT source, reason FROM skipped ORDER BY source")]
        return {"schema": SCHEMA_ID, "articles": articles, "skipped": skipped, **lists}

    def _tables(self) -> tuple[bool, bool]:
        """(has the search index, has the index and the page rows)."""
        names = {row[0] for row in self.conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        has_index = INDEX_TABLE in names
        return has_index, has_index and has_rows(self.conn)

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
