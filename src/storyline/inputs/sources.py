"""Reading inputs: paths, folders, globs and stdin into ``RawDoc`` records.

Every input is untrusted. Whatever cannot be read becomes a ``Skipped``
record naming the source and the reason, and the run goes on.
"""

from __future__ import annotations

import glob
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from storyline.core.records import InputMeta, RawDoc, Skipped
from storyline.inputs.jsonl import records_of
from storyline.inputs.manifest import Manifest, merge_meta
from storyline.inputs.read import corpus_reader
from storyline.inputs.suffixes import CORPUS_SUFFIXES, SUPPORTED
from storyline.inputs.text import STDIN, InputError, decode, kind_of, read_bytes


def expand(arguments: list[str]) -> Iterator[str]:
    """Files, folders (recursively, sorted), globs and ``-`` as a flat list of sources."""
    for argument in arguments:
        if argument == STDIN:
            yield STDIN
            continue
        path = Path(argument)
        if path.is_dir():
            yield from sorted(str(p) for p in path.rglob("*") if p.is_file() and _supported(p))
        elif path.exists() or path.is_symlink():
            yield argument
        elif matches := sorted(glob.glob(argument, recursive=True)):
            yield from (m for m in matches if Path(m).is_file())
        else:
            yield argument  # reported as missing by read_source


def _supported(path: Path) -> bool:
    return path.suffix.lower() in SUPPORTED or path.name.lower().endswith(CORPUS_SUFFIXES)


def read_sources(
    sources: list[str], manifest: Manifest | None = None, max_bytes: int = 20 * 1024 * 1024, fetcher: Any = None
) -> Iterator[RawDoc | Skipped]:
    # Corpus-scale formats (WARC, feeds, URL lists, Parquet) and URLs stream
    # record by record (storyline.inputs.read); ``fetcher`` (None: no network) fetches URLs.
    for source in sources:
        if (reader := corpus_reader(source)) is not None:
            yield from reader(source, manifest, max_bytes, fetcher)
            continue
        try:
            data = read_bytes(source, max_bytes)
            yield from documents(source, data, manifest)
        except InputError as error:
            yield Skipped(source, str(error))


def documents(source: str, data: bytes, manifest: Manifest | None) -> Iterator[RawDoc | Skipped]:
    kind = kind_of(source, data)
    text = decode(data, kind)
    if kind == "records":
        yield from records_of(source, text, manifest)
        return
    meta = merge_meta(InputMeta(), manifest.lookup(source) if manifest else None)
    yield RawDoc(source=source, content=text, fmt=kind, meta=meta)


