"""RSS and Atom feeds (feedparser): each item becomes one RawDoc.

Without fetching, an item's own content (``content``, else ``summary``) is
the article, as HTML or text as the feed declares it. With a fetcher
(``--fetch``), the item's link is fetched and the page is the article; a
link that cannot or may not be fetched (robots.txt, a private address) is
skipped with the reason rather than falling back to a teaser.

``published`` comes from the item's ``published`` date only: an Atom
``updated`` is when the entry last changed, which is not a publication
date. feedparser never touches the network here: it is given bytes.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import feedparser

from storyline.core.dates import normalize_date
from storyline.inputs.fetch import Fetcher, FetchError
from storyline.inputs.manifest import Manifest, clean, merge_meta
from storyline.core.records import InputMeta, RawDoc, Skipped


def read_feed_file(source: str, manifest: Manifest | None, max_bytes: int, fetcher: Fetcher | None) -> Iterator[RawDoc | Skipped]:
    path = Path(source)
    try:
        if path.stat().st_size > max_bytes:
            yield Skipped(source, f"too large: {path.stat().st_size} bytes (limit {max_bytes}, see --max-bytes)")
            return
        data = path.read_bytes()
    except OSError as error:
        yield Skipped(source, f"unreadable: {error.strerror or error}")
        return
    yield from read_feed(source, data, manifest, fetcher)


def read_feed(source: str, data: bytes, manifest: Manifest | None, fetcher: Fetcher | None) -> Iterator[RawDoc | Skipped]:
    feed = feedparser.parse(data)
    if not feed.entries:
        reason = f": {feed.bozo_exception}" if feed.bozo else ""
        yield Skipped(source, f"not an RSS/Atom feed, or a feed with no items{reason}")
        return
    items = [(f"{source}:item {n}", entry) for n, entry in enumerate(feed.entries, start=1)]
    yield from read_items(items, manifest, fetcher)


def read_items(items: list[tuple[str, Any]], manifest: Manifest | None, fetcher: Fetcher | None) -> Iterator[RawDoc | Skipped]:
    """Feed items ``(source name, feedparser entry)`` as documents: their links fetched (with a fetcher), else their content."""
    if fetcher is None:
        for where, entry in items:
            yield item_document(where, entry, manifest)
        return
    linked = [(where, entry) for where, entry in items if entry.get("link")]
    for where, entry in items:
        if not entry.get("link"):
            yield item_document(where, entry, manifest)
    pages = fetcher.fetch_many(entry["link"] for _, entry in linked)
    for (where, entry), (url, outcome) in zip(linked, pages):
        if isinstance(outcome, FetchError):
            yield Skipped(f"{where} ({url})", str(outcome))
        else:
            from storyline.inputs.html import page_document

            yield page_document(where, outcome, item_meta(entry), manifest)


def item_meta(entry: Any) -> InputMeta:
    meta = InputMeta(title=clean(entry.get("title")), author=clean(entry.get("author")), url=clean(entry.get("link")))
    stated = entry.get("published")
    meta.published = normalize_date(stated) if stated else None
    meta.published_from = "input" if meta.published else None
    return meta


def item_document(where: str, entry: Any, manifest: Manifest | None) -> RawDoc | Skipped:
    detail = (entry.get("content") or [None])[0] or entry.get("summary_detail")
    value = (detail or {}).get("value") or ""
    if not value.strip():
        return Skipped(where, "feed item has no content or summary (use --fetch to fetch its link)")
    fmt = "html" if "html" in ((detail or {}).get("type") or "") else "text"
    meta = merge_meta(item_meta(entry), manifest.lookup(where) if manifest else None)
    return RawDoc(source=where, content=value, fmt=fmt, meta=meta)
