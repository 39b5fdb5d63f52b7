"""Parquet shards, read as a stream of records.

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

from storyline.core.records import RawDoc, Skipped
from storyline.inputs.jsonl import record_doc
from storyline.inputs.manifest import Manifest
from storyline.inputs.text import InputError

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
                record = record_doc(where, {k: v for k, v in row.items() if v is not None}, manifest)
            except InputError as error:
                yield Skipped(where, str(error))
                continue
            if len(record.content.encode("utf-8")) > max_bytes:
                yield Skipped(where, f"too large: more than {max_bytes} bytes (see --max-bytes)")
            else:
                yield record


