"""One failing article must not end a run: a batch through the stages, with a per-record fallback.

``Pipeline.run`` hands each batch to :func:`run_guarded`. The batch goes through
the stages as one stream (so batching stages such as ``parse`` still batch);
if any stage raises, the batch is run again one record at a time, stage by
stage, and a record that fails alone becomes a ``Skipped`` naming the stage and
the reason. The other records of the batch come out as if nothing happened.
Records without a ``source`` (a corpus shard) have no one to report them: their
errors propagate.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from storyline.core.records import Skipped

# How much of an exception's message goes into the reason (the message may quote the input).
MAX_REASON = 300


def failure(source: str, stage: str, error: BaseException) -> Skipped:
    """The one report of a record that a stage could not handle."""
    message = " ".join(str(error).split())
    if len(message) > MAX_REASON:
        message = message[:MAX_REASON] + "…"
    detail = f"{type(error).__name__}: {message}" if message else type(error).__name__
    return Skipped(source, f"failed in stage {stage}: {detail}")


def run_guarded(stages: list[Any], batch: list[Any]) -> list[Any]:
    try:
        return _chain(stages, batch)
    except Exception:  # noqa: BLE001 - retried record by record below, where it is reported
        if not all(isinstance(getattr(record, "source", None), str) for record in batch):
            raise
    results: list[Any] = []
    for record in batch:
        results.extend(_alone(stages, record))
    return results


def _chain(stages: list[Any], records: Iterable[Any]) -> list[Any]:
    stream: Iterable[Any] = records
    for stage in stages:
        stream = stage.run(stream)
    return list(stream)


def _alone(stages: list[Any], record: Any) -> list[Any]:
    records = [record]
    for stage in stages:
        try:
            records = list(stage.run(records))
        except Exception as error:  # noqa: BLE001 - reported as this record's skip reason
            return [failure(record.source, getattr(stage, "name", type(stage).__name__), error)]
    return records
