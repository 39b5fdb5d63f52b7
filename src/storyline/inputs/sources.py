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
from storyline.inputs.jsonl import decoded_records
from storyline.inputs.manifest import Manifest, merge_meta
from storyline.inputs.read import corpus_reader
from storyline.inputs.suffixes import CORPUS_SUFFIXES, SUPPORTED
from storyline.core.guard import failure
from storyline.inputs.text import STDIN, InputError, decode_noted, kind_of, read_bytes


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
    return path.suffix.lower() in SUPPORTED or path.name.lower().endswith(CORPUS_SUFFIXES)


def read_sources(
    sources: list[str], manifest: Manifest | None = None, max_bytes: int = 20 * 1024 * 1024, fetcher: Any = None
) -> Iterator[RawDoc | Skipped]:
    # Corpus-scale formats (WARC, feeds, URL lists, Parquet) and URLs stream
    # record by record (storyline.inputs.read); ``fetcher`` (None: no network) fetches URLs.
    for source in sources:
        if isinstance(source, Unsupported):
            yield Skipped(source, f"unsupported type ({Path(source).suffix or 'no suffix'})")
            continue
        try:
            if (reader := corpus_reader(source)) is not None:
                yield from reader(source, manifest, max_bytes, fetcher)
                continue
            data = read_bytes(source, max_bytes)
            yield from documents(source, data, manifest)
        except InputError as error:
            yield Skipped(source, str(error))
        except Exception as error:  # noqa: BLE001 - an input no reader foresaw: reported, the run goes on
            yield failure(source, "read", error)


def documents(source: str, data: bytes, manifest: Manifest | None) -> Iterator[RawDoc | Skipped]:
    kind = kind_of(source, data)
    if kind == "records":
        yield from decoded_records(source, data, manifest)
        return
    text, note = decode_noted(data, kind)
    meta = merge_meta(InputMeta(), manifest.lookup(source) if manifest else None)
    yield RawDoc(source=source, content=text, fmt=kind, meta=meta, warnings=[note] if note else [])


