"""HTML received from a server (a fetched page, a WARC record): its text by the declared charset, as a ``RawDoc``.
"""

from __future__ import annotations

import re

from storyline.core.records import InputMeta, RawDoc, Skipped
from storyline.inputs.fetch import Page
from storyline.inputs.manifest import Manifest, merge_meta
from storyline.inputs.text import InputError, decode, decode_with


_CHARSET = re.compile(r"charset\s*=\s*[\"']?([\w-]+)", re.I)


def decode_html(data: bytes, content_type: str | None) -> str:
    """A response body as text: the charset its header declares, else what ``inputs`` infers."""
    declared = _CHARSET.search(content_type or "")
    if declared:
        try:
            return decode_with(data, declared.group(1))
        except InputError:
            pass
    return decode(data, "html")


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
                  meta=merge_meta(meta, manifest.lookup(source) if manifest else None))

