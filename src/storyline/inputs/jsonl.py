"""JSON records: one object, a list of objects, or JSON Lines, each with ``text`` or ``html``.

A JSON Lines file larger than ``--max-bytes`` is read line by line (the limit then applies to each line).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from storyline.core.records import RawDoc, Skipped
from storyline.inputs.manifest import Manifest, clean, meta_from, merge_meta
from storyline.inputs.text import InputError, decode_noted, kind_of, read_bytes


def records_of(source: str, text: str, manifest: Manifest | None) -> Iterator[RawDoc | Skipped]:
    """A JSON record, a JSON list of records, or JSON Lines."""
    stripped = text.strip()
    try:
        parsed = json.loads(stripped)
        items = list(enumerate(parsed if isinstance(parsed, list) else [parsed], start=1))
        label = "item"
    except json.JSONDecodeError:
        items, label = [], "line"
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                items.append((number, json.loads(line)))
            except json.JSONDecodeError as error:
                items.append((number, InputError(f"malformed JSON: {error.msg} (column {error.colno})")))
        if all(isinstance(item, InputError) for _, item in items):
            raise InputError("malformed JSON: no line parses as a record") from None
    for number, item in items:
        where = f"{source}:{label} {number}" if len(items) > 1 or label == "line" else source
        try:
            yield record_doc(where, item, manifest)
        except InputError as error:
            yield Skipped(where, str(error))


def record_doc(where: str, item: Any, manifest: Manifest | None) -> RawDoc:
    if isinstance(item, InputError):
        raise item
    if not isinstance(item, dict):
        raise InputError("record is not a JSON object")
    html, text = item.get("html"), item.get("text")
    content, fmt = (html, "html") if isinstance(html, str) and html.strip() else (text, "text")
    if not isinstance(content, str) or not content.strip():
        raise InputError("record has no 'text' or 'html'")
    source = clean(item.get("source")) or where
    meta = merge_meta(meta_from(item, origin="input"), manifest.lookup(source) if manifest else None)
    return RawDoc(source=source, content=content, fmt=fmt, meta=meta)



def decoded_records(source: str, data: bytes, manifest: Manifest | None) -> Iterator[RawDoc | Skipped]:
    """The records of a whole JSON file; each carries the warning when its encoding had to be guessed."""
    text, note = decode_noted(data, "records")
    for record in records_of(source, text, manifest):
        if note and isinstance(record, RawDoc):
            record.warnings.append(note)
        yield record


def read_jsonl_shard(source: str, manifest: Manifest | None, max_bytes: int, fetcher: Any = None) -> Iterator[RawDoc | Skipped]:
    try:
        path = Path(source)
        if not path.is_file() or path.stat().st_size <= max_bytes:  # not found etc.: the ordinary messages
            data = read_bytes(source, max_bytes)
            kind_of(source, data)  # a binary file is refused as everywhere
            yield from decoded_records(source, data, manifest)
            return
        stream = open(source, "rb")
    except InputError as error:
        yield Skipped(source, str(error))
        return
    except OSError as error:
        yield Skipped(source, f"unreadable: {error.strerror or error}")
        return
    with stream:
        for number, line in enumerate(stream, start=1):
            where = f"{source}:line {number}"
            if not line.strip():
                continue
            if len(line) > max_bytes:
                yield Skipped(where, f"too large: more than {max_bytes} bytes (see --max-bytes)")
                continue
            try:
                yield record_doc(where, json.loads(line.decode("utf-8-sig")), manifest)
            except (InputError, UnicodeDecodeError) as error:
                yield Skipped(where, str(error))
            except json.JSONDecodeError as error:
                yield Skipped(where, f"malformed JSON: {error.msg} (column {error.colno})")

