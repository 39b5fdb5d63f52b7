"""The pipeline spine: overlapping the stages before ``embed`` with the rest keeps every result."""

import threading
from dataclasses import dataclass, field

import storyline.core.pipeline as pipeline
from storyline.core.guard import run_guarded
from storyline.core.options import Options
from storyline.core.pipeline import Pipeline, batched, run_overlapped
from storyline.core.records import Skipped


@dataclass
class Item:
    source: str
    steps: list = field(default_factory=list)


class Step:
    """A stage that appends its name and the thread it ran in; fails on a source it is told to."""

    def __init__(self, name, fail_on=None, seen=None):
        self.name, self.fail_on, self.seen = name, fail_on, seen

    def run(self, records):
        for record in records:
            if self.seen is not None:
                self.seen.append(record.source)
            if isinstance(record, Item):
                if record.source == self.fail_on:
                    raise ValueError(f"cannot take {record.source}")
                record.steps.append((self.name, threading.current_thread().name))
            yield record


def items(count):
    return [Item(f"doc{n}") for n in range(count)]


def test_pipeline_overlapped_run_keeps_order_and_runs_the_rest_in_the_calling_thread():
    first, rest = [Step("parse"), Step("events")], [Step("embed")]
    out = list(run_overlapped(first, rest, batched(items(7), 2)))
    assert [record.source for record in out] == [f"doc{n}" for n in range(7)]
    caller = threading.current_thread().name
    for record in out:
        assert [name for name, _ in record.steps] == ["parse", "events", "embed"]
        (parse_thread, events_thread, embed_thread) = [thread for _, thread in record.steps]
        assert parse_thread == events_thread != caller  # the helper thread
        assert embed_thread == caller  # the stage that reads the store's cache stays here


def test_pipeline_overlapped_run_reports_a_failing_record_like_the_plain_run():
    def run(overlap):
        first, rest = [Step("parse", fail_on="doc3")], [Step("embed", fail_on="doc5")]
        if overlap:
            return list(run_overlapped(first, rest, batched(items(8), 3)))
        return [r for batch in batched(items(8), 3) for r in run_guarded(first + rest, batch)]

    for overlap in (False, True):
        out = run(overlap)
        assert [record.source for record in out] == [f"doc{n}" for n in range(8)]
        skipped = {record.source: record.reason for record in out if isinstance(record, Skipped)}
        assert skipped == {"doc3": "failed in stage parse: ValueError: cannot take doc3",
                           "doc5": "failed in stage embed: ValueError: cannot take doc5"}


def test_pipeline_overlapped_run_stopped_early_reads_at_most_two_batches_ahead():
    seen = []
    first, rest = [Step("parse", seen=seen)], [Step("embed")]
    run = run_overlapped(first, rest, batched(items(40), 4))
    assert next(run).source == "doc0"
    run.close()  # the consumer stops: the helper must finish and take no more batches
    assert len(seen) <= 12 and seen == [f"doc{n}" for n in range(len(seen))]


def test_pipeline_overlaps_only_in_a_process_with_two_cores_to_itself(monkeypatch):
    options = Options()
    spine = Pipeline(["extract", "parse", "embed"], options)
    monkeypatch.setattr(pipeline, "model_threads", lambda: 2)
    assert spine._overlap_split() == 2
    monkeypatch.setattr(pipeline, "model_threads", lambda: 1)  # a pool or Dask worker, or one core
    assert spine._overlap_split() is None
    monkeypatch.setattr(pipeline, "model_threads", lambda: 2)
    assert Pipeline(["extract", "parse"], options)._overlap_split() is None  # nothing to overlap with
