"""Reading inputs: paths, folders, globs and stdin into ``RawDoc`` records.

Every input is untrusted. Whatever cannot be read becomes a ``Skipped``
record naming the source and the reason, and the run goes on.
"""

from __future__ import annotations

import csv
import glob
import json
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from storyline.dates import normalize_date
from storyline.records import InputMeta, RawDoc, Skipped

TEXT_SUFFIXES = {".txt", ".text"}
HTML_SUFFIXES = {".html", ".htm", ".xhtml"}
RECORD_SUFFIXES = {".jsonl", ".ndjson", ".json"}
SUPPORTED = TEXT_SUFFIXES | HTML_SUFFIXES | RECORD_SUFFIXES
META_FIELDS = ("title", "outlet", "author", "published", "url")
STDIN = "-"

_HTML_START = re.compile(rb"^\s*(<!--.*?-->\s*)*<(!doctype\s+html|html|head|body|article|div|p)\b", re.I | re.S)
_DECLARED_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([\w-]+)""", re.I)


class InputError(Exception):
    """An input that cannot be analysed; the message is the reason shown to the user."""


@dataclass(slots=True)
class Manifest:
    """Metadata from outside the inputs, keyed by source file name."""

    rows: dict[str, InputMeta] = field(default_factory=dict)
    path: str | None = None  # the file it was read from, which is no input

    def lookup(self, source: str) -> InputMeta | None:
        return self.rows.get(source) or self.rows.get(Path(source).name)

    def is_file(self, path: Path) -> bool:
        try:
            return self.path is not None and path.resolve() == Path(self.path).resolve()
        except OSError:
            return False


def load_manifest(path: str | Path) -> Manifest:
    """Read a CSV or JSONL manifest with a ``source`` column."""
    path = Path(path)
    text = path.read_text(encoding="utf-8-sig")
    if path.suffix.lower() == ".csv":
        rows: list[dict[str, Any]] = list(csv.DictReader(text.splitlines()))
    else:
        rows = [json.loads(line) for line in text.splitlines() if line.strip()]
    manifest = Manifest(path=str(path))
    for number, row in enumerate(rows, start=1):
        source = row.get("source")
        if not source:
            raise InputError(f"{path}: row {number} has no 'source'")
        meta = _meta_from(row, origin="manifest")
        manifest.rows[str(source)] = meta
    return manifest


def _meta_from(record: dict[str, Any], origin: str) -> InputMeta:
    values = {name: _clean(record.get(name)) for name in META_FIELDS}
    meta = InputMeta(**values)
    if meta.published is not None:
        meta.published = normalize_date(meta.published)
        meta.published_from = origin if meta.published else None
    return meta


def _clean(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _merge(primary: InputMeta, fallback: InputMeta | None) -> InputMeta:
    """Fields stated in the input itself win over the manifest's."""
    if fallback is None:
        return primary
    merged = InputMeta()
    for name in META_FIELDS:
        setattr(merged, name, getattr(primary, name) or getattr(fallback, name))
    merged.published_from = primary.published_from if primary.published else fallback.published_from
    return merged


class Unsupported(str):
    """A file found in a folder whose type storyline does not read: ``read_sources`` lists it
    under ``skipped`` ("unsupported type"), so nothing in a folder is ignored without a word.
    (A file named on the command line is read whatever its suffix: its content decides.)"""


# Found in folders and left out without a word: hidden files and folders (.DS_Store, .git/),
# editor and office leftovers, thumbnails caches. Not anyone's articles.
_JUNK_NAMES = frozenset({"thumbs.db", "desktop.ini", "icon\r"})


def is_junk(path: Path, root: Path) -> bool:
    name = path.name.lower()
    hidden = any(part.startswith(".") for part in path.relative_to(root).parts)
    return hidden or name in _JUNK_NAMES or name.endswith("~") or name.startswith("~$")


def expand(arguments: list[str], manifest: Manifest | None = None) -> Iterator[str]:
    """Files, folders (recursively, sorted), globs and ``-`` as a flat list of sources.

    In folders, files of other types come as :class:`Unsupported` (reported, not read); hidden
    and junk files (:func:`is_junk`) and the ``manifest``'s own file are left out."""
    for argument in arguments:
        if argument == STDIN:
            yield STDIN
            continue
        path = Path(argument)
        if path.is_dir():
            for found in sorted(p for p in path.rglob("*") if p.is_file() and not is_junk(p, path)):
                if manifest is None or not manifest.is_file(found):
                    yield str(found) if _supported(found) else Unsupported(found)
        elif path.exists() or path.is_symlink():
            yield argument
        elif matches := sorted(glob.glob(argument, recursive=True)):
            yield from (m for m in matches if Path(m).is_file())
        else:
            yield argument  # reported as missing by read_source


def _supported(path: Path) -> bool:
    from storyline.ingest import CORPUS_SUFFIXES

    return path.suffix.lower() in SUPPORTED or path.name.lower().endswith(CORPUS_SUFFIXES)


def read_sources(
    sources: list[str], manifest: Manifest | None = None, max_bytes: int = 20 * 1024 * 1024, fetcher: Any = None
) -> Iterator[RawDoc | Skipped]:
    # Corpus-scale formats (WARC, feeds, URL lists, Parquet) and URLs stream
    # record by record (storyline.ingest); ``fetcher`` (None: no network) fetches URLs.
    from storyline.ingest import corpus_reader

    from storyline.guard import failure

    for source in sources:
        if isinstance(source, Unsupported):
            yield Skipped(source, f"unsupported type ({Path(source).suffix or 'no suffix'})")
            continue
        try:
            if (reader := corpus_reader(source)) is not None:
                yield from reader(source, manifest, max_bytes, fetcher)
                continue
            data = _read_bytes(source, max_bytes)
            yield from _documents(source, data, manifest)
        except InputError as error:
            yield Skipped(source, str(error))
        except Exception as error:  # noqa: BLE001 - an input no reader foresaw: reported, the run goes on
            yield failure(source, "read", error)


def _read_bytes(source: str, max_bytes: int) -> bytes:
    if source == STDIN:
        data = sys.stdin.buffer.read(max_bytes + 1)
    else:
        path = Path(source)
        try:
            if not path.is_file():
                raise InputError("not found" if not path.exists() else "not a regular file")
            if path.stat().st_size > max_bytes:
                raise InputError(f"too large: {path.stat().st_size} bytes (limit {max_bytes}, see --max-bytes)")
            data = path.read_bytes()
        except PermissionError:
            raise InputError("unreadable: permission denied") from None
        except OSError as error:
            raise InputError(f"unreadable: {error.strerror or error}") from None
    if len(data) > max_bytes:
        raise InputError(f"too large: more than {max_bytes} bytes (see --max-bytes)")
    if not data.strip():
        raise InputError("empty")
    return data


def _documents(source: str, data: bytes, manifest: Manifest | None) -> Iterator[RawDoc | Skipped]:
    kind = _kind(source, data)
    text, note = decode_noted(data, kind)
    if kind == "records":
        for record in _records(source, text, manifest):
            if note and isinstance(record, RawDoc):
                record.warnings.append(note)
            yield record
        return
    meta = _merge(InputMeta(), manifest.lookup(source) if manifest else None)
    yield RawDoc(source=source, content=text, fmt=kind, meta=meta, warnings=[note] if note else [])


def _kind(source: str, data: bytes) -> str:
    suffix = Path(source).suffix.lower() if source != STDIN else ""
    if b"\x00" in data[:8192] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InputError("binary file (contains NUL bytes)")
    if suffix in HTML_SUFFIXES:
        return "html"
    if suffix in RECORD_SUFFIXES:
        return "records"
    if suffix in TEXT_SUFFIXES:
        return "text"
    head = data.lstrip()[:1]
    if head in (b"{", b"["):
        return "records"
    return "html" if _HTML_START.match(data[:4096]) else "text"


def _decode(data: bytes, kind: str) -> str:
    return decode_noted(data, kind)[0]


def decode_noted(data: bytes, kind: str) -> tuple[str, str | None]:
    """The text, and a warning for the article when it was not UTF-8 and no charset was declared
    (the encoding was then guessed: see :func:`guess_encoding`)."""
    note = None
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return _decode_with(data, "utf-16"), None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        declared = _DECLARED_CHARSET.search(data[:4096]) if kind == "html" else None
        if declared is not None:
            text = _decode_with(data, declared.group(1).decode("ascii", "replace"))
        else:
            encoding, how = guess_encoding(data)
            text = data.decode(encoding)
            note = (f"not UTF-8 (byte 0x{data[error.start]:02x} at offset {error.start}) and no charset declared: "
                    f"decoded as {encoding} ({how})")
    if _control_ratio(text) > 0.05:
        raise InputError("binary file (mostly control characters)")
    return text, note


# Near the best guess's "chaos" (charset-normalizer's mess score), cp1252 wins: it is what
# Western pages without a declared charset almost always are, and short texts often fit
# cp1250 or iso8859-14 just as well by the numbers while meaning cp1252.
_NEAR_BEST = 0.02


def guess_encoding(data: bytes) -> tuple[str, str]:
    """(encoding, how it was chosen) for bytes that are not UTF-8: charset-normalizer's best
    guess (cp1252 among near-equals), else cp1252, else latin-1 (which decodes anything)."""
    from charset_normalizer import from_bytes

    results = list(from_bytes(data))
    if results:
        best = min(result.chaos for result in results)
        near = [result for result in results if result.chaos <= best + _NEAR_BEST]
        if any("cp1252" in result.could_be_from_charset for result in near):
            return "cp1252", "charset-normalizer"
        return near[0].encoding, "charset-normalizer"
    try:
        data.decode("cp1252")
        return "cp1252", "fallback"
    except UnicodeDecodeError:
        return "latin-1", "fallback"


def _decode_with(data: bytes, encoding: str) -> str:
    try:
        return data.decode(encoding)
    except (LookupError, UnicodeDecodeError):
        raise InputError(f"undecodable: not valid {encoding}") from None


def _control_ratio(text: str) -> float:
    sample = text[:8192]
    controls = sum(1 for ch in sample if ord(ch) < 32 and ch not in "\n\r\t\f")
    return controls / max(1, len(sample))


def _records(source: str, text: str, manifest: Manifest | None) -> Iterator[RawDoc | Skipped]:
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
            yield _record(where, item, manifest)
        except InputError as error:
            yield Skipped(where, str(error))


def _record(where: str, item: Any, manifest: Manifest | None) -> RawDoc:
    if isinstance(item, InputError):
        raise item
    if not isinstance(item, dict):
        raise InputError("record is not a JSON object")
    html, text = item.get("html"), item.get("text")
    content, fmt = (html, "html") if isinstance(html, str) and html.strip() else (text, "text")
    if not isinstance(content, str) or not content.strip():
        raise InputError("record has no 'text' or 'html'")
    source = _clean(item.get("source")) or where
    meta = _merge(_meta_from(item, origin="input"), manifest.lookup(source) if manifest else None)
    return RawDoc(source=source, content=content, fmt=fmt, meta=meta)
