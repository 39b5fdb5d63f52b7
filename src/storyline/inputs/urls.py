"""URLs: URL lists (``.urls``, one a line) and ``http(s)://`` inputs, fetched only when a ``Fetcher`` is given (``--fetch``).
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

from storyline.core.records import InputMeta, RawDoc, Skipped
from storyline.inputs.fetch import Fetcher, FetchError
from storyline.inputs.html import page_document
from storyline.inputs.manifest import Manifest
from storyline.inputs.suffixes import FEED_SUFFIXES, WARC_SUFFIXES


FETCH_OFF = "a URL: fetching is off (use --fetch to fetch it)"


def is_url(source: str) -> bool:
    return source.lower().startswith(("http://", "https://"))


def read_url_list(source: str, manifest: Manifest | None, max_bytes: int, fetcher: Fetcher | None) -> Iterator[RawDoc | Skipped]:
    """A text file of URLs, one a line (``#`` comments and blank lines ignored); each is fetched as a page."""
    try:
        lines = Path(source).read_text(encoding="utf-8-sig").splitlines()
    except (OSError, UnicodeDecodeError) as error:
        yield Skipped(source, f"unreadable URL list: {error}")
        return
    urls = [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]
    if fetcher is None:
        yield from (Skipped(url, FETCH_OFF) for url in urls)
        return
    for url, outcome in fetcher.fetch_many(urls):
        if isinstance(outcome, FetchError):
            yield Skipped(url, str(outcome))
        else:
            yield page_document(url, outcome, InputMeta(), manifest)


def read_remote(source: str, manifest: Manifest | None, max_bytes: int, fetcher: Fetcher | None) -> Iterator[RawDoc | Skipped]:
    """A URL given as an input: a feed, a WARC archive or a page, by what the server sends."""
    if fetcher is None:
        yield Skipped(source, FETCH_OFF)
        return
    try:
        page = fetcher.fetch(source)
    except FetchError as error:
        yield Skipped(source, str(error))
        return
    kind = page.content_type.split(";", 1)[0].strip().lower()
    path = urlsplit(page.url).path.lower()
    if path.endswith(WARC_SUFFIXES) or kind == "application/warc":
        from storyline.inputs.warc import read_warc  # warcio and feedparser load only when needed

        yield from read_warc(source, io.BytesIO(page.content), manifest, max_bytes)
    elif path.endswith(FEED_SUFFIXES) or any(word in kind for word in ("rss", "atom", "xml")):
        from storyline.inputs.feed import read_feed

        yield from read_feed(source, page.content, manifest, fetcher)
    else:
        yield page_document(source, page, InputMeta(), manifest)

