"""WARC archives (warcio): each HTTP response record holding HTML becomes one RawDoc.

The record's target URI is the article's ``url``. Its ``WARC-Date`` is when
the page was *crawled*, not when it was published, so it is never used as
``published``: the extract stage finds the publication date in the page
itself, or leaves it null. Records that are not successful HTML responses
(requests, metadata, images, redirects) are passed over silently: a crawl
holds far more of them than of articles.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import BinaryIO

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed

from storyline.inputs.html import decode_html
from storyline.inputs.manifest import Manifest, merge_meta
from storyline.inputs.text import InputError
from storyline.core.records import InputMeta, RawDoc, Skipped

HTML_TYPES = ("text/html", "application/xhtml+xml")


def read_warc_file(source: str, manifest: Manifest | None, max_bytes: int, fetcher: object = None) -> Iterator[RawDoc | Skipped]:
    try:
        stream = open(source, "rb")
    except OSError as error:
        yield Skipped(source, f"unreadable: {error.strerror or error}")
        return
    with stream:
        yield from read_warc(source, stream, manifest, max_bytes)


def read_warc(source: str, stream: BinaryIO, manifest: Manifest | None, max_bytes: int) -> Iterator[RawDoc | Skipped]:
    number = 0
    try:
        for record in ArchiveIterator(stream):
            number += 1
            if record.rec_type != "response" or record.http_headers is None:
                continue
            content_type = record.http_headers.get_header("Content-Type") or ""
            if record.http_headers.get_statuscode() != "200" or not content_type.lower().startswith(HTML_TYPES):
                continue
            where = f"{source}:record {number}"
            data = record.content_stream().read(max_bytes + 1)  # de-chunked and decompressed
            if len(data) > max_bytes:
                yield Skipped(where, f"too large: more than {max_bytes} bytes (see --max-bytes)")
                continue
            try:
                text = decode_html(data, content_type)
            except InputError as error:
                yield Skipped(where, str(error))
                continue
            url = record.rec_headers.get_header("WARC-Target-URI")
            meta = merge_meta(InputMeta(url=url), manifest.lookup(where) if manifest else None)
            yield RawDoc(source=where, content=text, fmt="html", meta=meta)
    except (ArchiveLoadFailed, OSError, EOFError, ValueError) as error:
        yield Skipped(f"{source}:record {number}", f"unreadable WARC: {error}")
