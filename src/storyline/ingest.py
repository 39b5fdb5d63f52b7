"""Corpus-scale inputs, chosen by suffix: WARC archives, RSS/Atom feeds, URL lists, Parquet shards, URLs.

``inputs.read_sources`` asks :func:`corpus_reader` first; a reader yields
``RawDoc | Skipped`` like every other input, one record at a time, so a
multi-gigabyte archive or shard is never read whole (``--max-bytes``
applies to each record, not to the file). Anything that needs the network
goes through a :class:`storyline.fetch.Fetcher`, and only when one is given
(``--fetch``); without it, a URL is skipped with a reason.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlsplit

from storyline.fetch import Fetcher, FetchError, Page
from storyline.inputs import InputError, Manifest, _decode, _decode_with, _merge
from storyline.records import InputMeta, RawDoc, Skipped

FEED_SUFFIXES = (".rss", ".atom", ".xml")
WARC_SUFFIXES = (".warc", ".warc.gz")
SHARD_SUFFIXES = (".parquet",)
URL_LIST_SUFFIXES = (".urls",)
LINE_SHARD_SUFFIXES = (".jsonl", ".ndjson")  # streamed when larger than --max-bytes
CORPUS_SUFFIXES = FEED_SUFFIXES + WARC_SUFFIXES + SHARD_SUFFIXES + URL_LIST_SUFFIXES
FETCH_OFF = "a URL: fetching is off (use --fetch to fetch it)"

Reader = Callable[[str, "Manifest | None", int, "Fetcher | None"], Iterator["RawDoc | Skipped"]]
_CHARSET = re.compile(r"charset\s*=\s*[\"']?([\w-]+)", re.I)


def is_url(source: str) -> bool:
    return source.lower().startswith(("http://", "https://"))


def corpus_reader(source: str) -> Reader | None:
    """The reader for a URL or a corpus-scale file, or None for the ordinary formats."""
    if is_url(source):
        return read_remote
    name = source.lower()
    if name.endswith(WARC_SUFFIXES):
        from storyline.ingest_warc import read_warc_file

        return read_warc_file
    if name.endswith(FEED_SUFFIXES):
        from storyline.ingest_feed import read_feed_file

        return read_feed_file
    if name.endswith(SHARD_SUFFIXES):
        from storyline.ingest_shards import read_parquet

        return read_parquet
    if name.endswith(URL_LIST_SUFFIXES):
        return read_url_list
    if name.endswith(LINE_SHARD_SUFFIXES):
        from storyline.ingest_shards import read_jsonl_shard

        return read_jsonl_shard
    return None


def decode_html(data: bytes, content_type: str | None) -> str:
    """A response body as text: the charset its header declares, else what ``inputs`` infers."""
    declared = _CHARSET.search(content_type or "")
    if declared:
        try:
            return _decode_with(data, declared.group(1))
        except InputError:
            pass
    return _decode(data, "html")


def page_document(source: str, page: Page, meta: InputMeta, manifest: Manifest | None) -> RawDoc | Skipped:
    """A fetched page as a RawDoc (HTML only), its final URL as ``url``."""
    kind = page.content_type.split(";", 1)[0].strip().lower()
    if kind and kind not in ("text/html", "application/xhtml+xml", "text/plain"):
        return Skipped(source, f"not an HTML page ({kind})")
    try:
        text = decode_html(page.content, page.content_type)
    except InputError as error:
        return Skipped(source, str(error))
    meta.url = meta.url or page.url
    return RawDoc(source=source, content=text, fmt="text" if kind == "text/plain" else "html",
                  meta=_merge(meta, manifest.lookup(source) if manifest else None))


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
        from storyline.ingest_warc import read_warc

        import io

        yield from read_warc(source, io.BytesIO(page.content), manifest, max_bytes)
    elif path.endswith(FEED_SUFFIXES) or any(word in kind for word in ("rss", "atom", "xml")):
        from storyline.ingest_feed import read_feed

        yield from read_feed(source, page.content, manifest, fetcher)
    else:
        yield page_document(source, page, InputMeta(), manifest)
