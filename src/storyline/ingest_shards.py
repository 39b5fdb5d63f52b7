"""Shards: Parquet files and large JSON Lines files, read as a stream of records.

Parquet (pyarrow): each row is a record like a JSON Lines record, columns
``text`` or ``html`` and optional ``source``, ``url``, ``title``,
``published``, ``outlet``, ``author``; read batch by batch, so a shard of
any size streams. A JSON Lines file larger than ``--max-bytes`` is read line
by line (the limit then applies to each line); smaller ones take the
ordinary path in ``inputs``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import json
from pathlib import Path

from storyline.inputs import InputError, Manifest, _documents, _read_bytes, _record
from storyline.records import RawDoc, Skipped

ROWS_PER_BATCH = 512


def read_parquet(source: str, manifest: Manifest | None, max_bytes: int, fetcher: Any = None) -> Iterator[RawDoc | Skipped]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        shard = pq.ParquetFile(source)
    except (OSError, pa.ArrowException) as error:
        yield Skipped(source, f"unreadable Parquet: {error}")
        return
    number = 0
    for batch in shard.iter_batches(batch_size=ROWS_PER_BATCH):
        for row in batch.to_pylist():
            number += 1
            where = f"{source}:row {number}"
            try:
                record = _record(where, {k: v for k, v in row.items() if v is not None}, manifest)
            except InputError as error:
                yield Skipped(where, str(error))
                continue
            if len(record.content.encode("utf-8")) > max_bytes:
                yield Skipped(where, f"too large: more than {max_bytes} bytes (see --max-bytes)")
            else:
                yield record


def read_jsonl_shard(source: str, manifest: Manifest | None, max_bytes: int, fetcher: Any = None) -> Iterator[RawDoc | Skipped]:
    try:
        path = Path(source)
        if not path.is_file() or path.stat().st_size <= max_bytes:  # not found etc.: the ordinary messages
            yield from _documents(source, _read_bytes(source, max_bytes), manifest)
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
                yield _record(where, json.loads(line.decode("utf-8-sig")), manifest)
            except (InputError, UnicodeDecodeError) as error:
                yield Skipped(where, str(error))
            except json.JSONDecodeError as error:
                yield Skipped(where, f"malformed JSON: {error.msg} (column {error.colno})")
