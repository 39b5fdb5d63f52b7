"""Tracked claims and their alerts: which statements are new for a claim the analyst follows.

Claims are recomputed from the whole corpus every time it grows, so their ids (``c3``) may
name another group next round. The rule that makes tracking survive recomputation:

1. A tracked claim is kept as its **anchors**: the stable keys (``a12:40-97``: article id, which
   never changes, and the span) of the statements it held when tracked. Tracking by text with
   no claim to match yet keeps the text and no anchors.
2. Each round it is **re-found** as the current claim sharing the most anchors (ties: the claim
   with more statements, then the lower id). With no anchors (or none left in any claim), the
   text is searched in the statements (full-text index, best match first) and the first
   statement that belongs to a claim names it.
3. The re-found claim's statements are added to the anchors, so the tracked claim follows its
   claim as it grows; a claim that splits keeps the part with most of what was tracked.

An alert is raised for each statement of the re-found claim that belongs to an article stored
after tracking began (``since_article``) and was not alerted before for this tracked claim: one
alert per new occurrence. It says which of its outlet, speaker and country carry the claim for the
first time (among the claim's statements in store order).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterable
from typing import Any

from storyline.store import watch as tables
from storyline.store.query import QueryError
from storyline.store.search import query_index
from storyline.store.sqlite import Store
from storyline.store.watch import statement_key

# Statement ids matching a text, best first (the store's full-text index).
Search = Callable[[str], list[str]]


def statement_keys(claim: dict[str, Any], statements: dict[str, dict[str, Any]]) -> set[str]:
    return {statement_key(statements[s]) for s in claim["statements"] if s in statements}


def refind_claim(tracked: dict[str, Any], claims: list[dict[str, Any]], statements: dict[str, dict[str, Any]],
                 search: Search | None = None) -> dict[str, Any] | None:
    """The current claim a tracked claim is (rule 2), or None when nothing matches yet."""
    anchors = set(tracked.get("anchors") or [])
    best: tuple[int, int, int] | None = None
    found = None
    for position, claim in enumerate(claims):
        overlap = len(statement_keys(claim, statements) & anchors)
        rank = (overlap, len(claim["statements"]), -position)
        if overlap and (best is None or rank > best):
            best, found = rank, claim
    if found is not None or not tracked.get("text") or search is None:
        return found
    return claim_for_text(search(tracked["text"]), claims, statements)


def claim_for_text(ranked: Iterable[str], claims: list[dict[str, Any]], statements: dict[str, dict[str, Any]]) -> dict[str, Any] | None:
    """The claim of the best-ranked statement that belongs to one."""
    by_id = {claim["id"]: claim for claim in claims}
    holder = {s: claim["id"] for claim in claims for s in claim["statements"]}
    for statement_id in ranked:
        statement = statements.get(statement_id) or {}
        claim_id = holder.get(statement_id) or statement.get("claim")
        if claim_id in by_id:
            return by_id[claim_id]
    return None


def new_alerts(tracked: dict[str, Any], claim: dict[str, Any], statements: dict[str, dict[str, Any]],
               articles: dict[str, dict[str, Any]], countries: dict[str, str], alerted: set[str]) -> list[dict[str, Any]]:
    """The alerts this round owes for one tracked claim (re-found as ``claim``), in store order."""
    members = sorted((statements[s] for s in claim["statements"] if s in statements), key=_store_order)
    seen: dict[str, set[str]] = {"outlet": set(), "speaker": set(), "country": set()}
    alerts = []
    for statement in members:
        article = articles.get(statement["article"], {})
        carriers = {"outlet": article.get("outlet"), "speaker": statement.get("speaker_name") or statement.get("speaker"),
                    "country": countries.get(article.get("outlet") or "")}
        key = statement_key(statement)
        if article_number(statement["article"]) > tracked["since_article"] and key not in alerted:
            firsts = [kind for kind, value in carriers.items() if value and value not in seen[kind]]
            alerts.append(_alert(tracked, claim, statement, article, carriers, firsts, key))
        for kind, value in carriers.items():
            if value:
                seen[kind].add(value)
    return alerts


def _alert(tracked: dict[str, Any], claim: dict[str, Any], statement: dict[str, Any], article: dict[str, Any],
           carriers: dict[str, Any], firsts: list[str], key: str) -> dict[str, Any]:
    said_on = statement.get("said_on")
    full_date = bool(said_on) and said_on[:1].isdigit()  # "--10-21" (no year) is not a date to sort alerts by
    return {
        "tracked": tracked["id"], "statement_key": key,
        "claim": claim["id"], "claim_label": claim.get("label"),
        "statement": statement["id"], "text": statement.get("text"),
        "span": {"article": statement["article"], "start": statement["start"], "end": statement["end"]},
        "speaker": carriers["speaker"], "outlet": carriers["outlet"], "country": carriers["country"],
        "date": said_on if full_date else article.get("published"), "said_on": said_on,
        "published": article.get("published"), "link": article.get("url"), "title": article.get("title"),
        "firsts": firsts,
    }


def article_number(article_id: str) -> int:
    digits = "".join(ch for ch in article_id if ch.isdigit())
    return int(digits) if digits else 0


def _store_order(statement: dict[str, Any]) -> tuple[int, int]:
    return article_number(statement["article"]), int(statement["start"])


# -- reading the store's corpus lists, and tracking ------------------------------------------


def corpus_lists(store: Store) -> tuple[list[dict[str, Any]], dict[str, dict[str, Any]], dict[str, dict[str, Any]]]:
    """Claims, statements by id and articles (without bodies) by id, as the last corpus pass left them."""
    lists = {row["name"]: json.loads(row["data"]) for row in
             store.conn.execute("SELECT name, data FROM corpus WHERE name IN ('claims', 'statements')")}
    articles = {f"a{row['id']}": dict(row) | {"id": f"a{row['id']}"} for row in
                store.conn.execute("SELECT id, url, title, outlet, published FROM articles")}
    return lists.get("claims", []), {s["id"]: s for s in lists.get("statements", [])}, articles


def searcher(store: Store) -> Search:
    """Statement ids matching a text, best first, from the store's full-text index."""
    def search(text: str) -> list[str]:
        try:
            return [hit.ref for hit in query_index(store.conn, text, "statement", limit=200)]
        except (QueryError, sqlite3.Error):  # text it cannot search, or no index yet: no match
            return []

    return search


def track_claim(store: Store, claim_id: str | None, text: str | None, created: str) -> dict[str, Any]:
    """Track a claim by id, or by text (the claim of the best-matching statement; none yet: the text is
    kept and searched again each round). Returns the tracked row; ``LookupError`` for an unknown id."""
    if not claim_id and not (text or "").strip():
        raise ValueError("give a claim id or a text")
    claims, statements, _ = corpus_lists(store)
    if claim_id:
        claim = next((c for c in claims if c["id"] == claim_id), None)
        if claim is None:
            raise LookupError(f"no claim {claim_id}")
    else:
        claim = claim_for_text(searcher(store)(text or ""), claims, statements)
    anchors = sorted(statement_keys(claim, statements)) if claim else []
    tracked_id = tables.add_tracked(store.conn, label=claim.get("label") if claim else None, text=text or None,
                                    claim=claim["id"] if claim else None, anchors=anchors, created=created)
    return next(t for t in tables.tracked_claims(store.conn) if t["id"] == tracked_id)
