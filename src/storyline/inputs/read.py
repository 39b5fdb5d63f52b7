"""Corpus-scale inputs, chosen by suffix: WARC archives, RSS/Atom feeds, URL lists, Parquet shards, URLs.

``inputs.read_sources`` asks :func:`corpus_reader` first; a reader yields
``RawDoc | Skipped`` like every other input, one record at a time, so a
multi-gigabyte archive or shard is never read whole (``--max-bytes``
applies to each record, not to the file). Anything that needs the network
goes through a :class:`storyline.inputs.fetch.Fetcher`, and only when one is given
(``--fetch``); without it, a URL is skipped with a reason.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from storyline.core.records import RawDoc, Skipped
from storyline.inputs.fetch import Fetcher
from storyline.inputs.manifest import Manifest
from storyline.inputs.suffixes import FEED_SUFFIXES, LINE_SHARD_SUFFIXES, SHARD_SUFFIXES, URL_LIST_SUFFIXES, WARC_SUFFIXES
from storyline.inputs.urls import is_url, read_remote, read_url_list

Reader = Callable[[str, "Manifest | None", int, "Fetcher | None"], Iterator["RawDoc | Skipped"]]


def corpus_reader(source: str) -> Reader | None:
    """The reader for a URL or a corpus-scale file, or None for the ordinary formats."""
    if is_url(source):
        return read_remote
    name = source.lower()
    if name.endswith(WARC_SUFFIXES):
        from storyline.inputs.warc import read_warc_file

        return read_warc_file
    if name.endswith(FEED_SUFFIXES):
        from storyline.inputs.feed import read_feed_file

        return read_feed_file
    if name.endswith(SHARD_SUFFIXES):
        from storyline.inputs.parquet import read_parquet

        return read_parquet
    if name.endswith(URL_LIST_SUFFIXES):
        return read_url_list
    if name.endswith(LINE_SHARD_SUFFIXES):
        from storyline.inputs.jsonl import read_jsonl_shard

        return read_jsonl_shard
    return None
