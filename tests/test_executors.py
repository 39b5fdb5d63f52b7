"""The Dask executor: same dossier as the local one, streaming, resumable. One real cluster per module."""

from __future__ import annotations

import json

import pytest

from conftest import ROOT
from storyline.analyze import analyze
from storyline.core.executors import DaskExecutor, make_executor
from storyline.inputs.manifest import load_manifest
from storyline.core.options import Options
from storyline.core.pipeline import LocalExecutor, Pipeline
from storyline.core.records import RawDoc

distributed = pytest.importorskip("dask.distributed")


@pytest.fixture(scope="module")
def client():
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None
    ) as cluster, distributed.Client(cluster) as dask_client:
        yield dask_client


def dask_executor(client, batch_size=2):
    return DaskExecutor(workers=2, batch_size=batch_size, client=client)


def dossier_of(run_dir):
    return json.loads((run_dir / "dossier.json").read_text(encoding="utf-8"))


def without_paths(dossier):
    """Sources are absolute paths of the folders the runs read; everything else must match."""
    return json.loads(json.dumps(dossier).replace(str(ROOT), "<root>"))


def test_executors_dask_dossier_equals_local_on_examples(client, example_run, tmp_path):
    manifest = load_manifest(ROOT / "examples" / "manifest.csv")
    result = analyze([str(ROOT / "examples")], tmp_path, Options(), manifest=manifest, executor=dask_executor(client))
    local = dossier_of(example_run)
    assert result.added == len(local["articles"]) > 0
    assert [a["id"] for a in result.dossier["articles"]] == [a["id"] for a in local["articles"]]
    assert without_paths(result.dossier) == without_paths(local)


def test_executors_dask_dossier_equals_local_on_seeds(client, seeds_dir, tmp_path):
    manifest = load_manifest(seeds_dir.parent / "manifest.jsonl")
    local = analyze([str(seeds_dir)], tmp_path / "local", Options(), manifest=manifest).dossier
    dask = analyze(
        [str(seeds_dir)], tmp_path / "dask", Options(), manifest=manifest, executor=dask_executor(client, batch_size=1)
    ).dossier
    assert len(dask["articles"]) == len(local["articles"]) >= 5
    assert dask["statements"] and dask["statements"] == local["statements"]
    assert dask == local


def test_executors_dask_rerun_does_only_the_remaining_work(client, tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for n in range(6):
        (corpus / f"story_{n}.txt").write_text(
            f"Harbour official Mira Tal{n} said on Monday that pier {n} would reopen next week.", encoding="utf-8"
        )
    out = tmp_path / "out"
    partial = [str(corpus / f"story_{n}.txt") for n in range(2)]
    first = analyze(partial, out, Options(), executor=dask_executor(client))
    rest = analyze([str(corpus)], out, Options(), executor=dask_executor(client))
    assert (first.added, rest.added, rest.unchanged) == (2, 4, 2)
    assert sorted(a["id"] for a in rest.dossier["articles"]) == sorted(f"a{n}" for n in range(1, 7))


def test_executors_dask_yields_results_before_reading_all_input(client):
    """Streaming: the driver stores each batch as it comes back, so a killed run keeps what is done."""
    read = []

    def documents():
        for n in range(40):
            read.append(n)
            yield RawDoc(source=f"doc{n}.txt", content=f"Item {n}. The mayor said the road would open.", fmt="text")

    results = DaskExecutor(workers=2, batch_size=2, client=client).run(Pipeline(["extract"], Options()), documents())
    first = next(results)
    assert first.source == "doc0.txt"
    assert len(read) < 40
    rest = list(results)
    assert [r.source for r in rest] == [f"doc{n}.txt" for n in range(1, 40)]


def test_executors_make_executor_by_name():
    assert isinstance(make_executor("local", 2, 8), LocalExecutor)
    dask = make_executor("dask", 3, 8, "tcp://127.0.0.1:8786")
    assert isinstance(dask, DaskExecutor) and (dask.workers, dask.scheduler) == (3, "tcp://127.0.0.1:8786")
    with pytest.raises(ValueError):
        make_executor("spark", 1, 8)


def test_executors_cli_rejects_unknown_executor_and_stray_scheduler(tmp_path):
    from typer.testing import CliRunner

    from storyline.cli import app

    runner = CliRunner()
    unknown = runner.invoke(app, ["analyze", str(ROOT / "examples"), "--out", str(tmp_path), "--executor", "spark"])
    stray = runner.invoke(app, ["analyze", str(ROOT / "examples"), "--out", str(tmp_path), "--scheduler", "tcp://127.0.0.1:8786"])
    assert unknown.exit_code == 2 and stray.exit_code == 2
    assert not (tmp_path / "dossier.json").exists()


def test_executors_dask_connects_to_a_running_scheduler_by_address(client):
    docs = [RawDoc(source=f"doc{n}.txt", content=f"Item {n}. The mayor said the road would open.", fmt="text") for n in range(7)]
    executor = DaskExecutor(workers=2, batch_size=3, scheduler=client.scheduler.address)
    results = list(executor.run(Pipeline(["extract"], Options()), docs))
    assert [r.source for r in results] == [d.source for d in docs]
    assert all("mayor said the road would open" in r.body for r in results)


def test_executors_dask_parts_run_equals_local_on_examples(client, example_run, tmp_path):
    """Shards analysed and written as Parquet on the Dask workers, then ingested: the normal run's dossier."""
    from storyline.analyze import analyze_parts

    options = Options()
    options.extra["files_per_shard"] = 2
    manifest = load_manifest(ROOT / "examples" / "manifest.csv")
    run, result = analyze_parts([str(ROOT / "examples")], tmp_path, options, manifest=manifest,
                                executor=dask_executor(client))
    assert len(run.written) == run.shards == 3 and not run.failed
    assert len({shard["pid"] for shard in run.written} - {__import__("os").getpid()}) >= 1  # not in this process
    assert result.dossier == dossier_of(example_run)


def test_executors_run_tasks_reports_a_failed_task_and_runs_the_others():
    def halve(pipeline, task):
        if task == 0:
            raise ValueError("cannot halve zero here")
        return task / 2

    outcomes = dict(LocalExecutor(1).run_tasks(Pipeline(["extract"], Options()), halve, [4, 0, 6]))
    assert outcomes[4] == 2 and outcomes[6] == 3
    assert isinstance(outcomes[0], ValueError)


def test_executors_dask_blocked_corpus_pass_equals_local_on_seeds(client, seeds_dir, tmp_path):
    """Parts written and the corpus stages run as block tasks on 2 Dask workers, no store: the local run's dossier."""
    from storyline.analyze import analyze_parts

    manifest = load_manifest(seeds_dir.parent / "manifest.jsonl")
    local = analyze([str(seeds_dir)], tmp_path / "local", Options(), manifest=manifest).dossier
    _, result = analyze_parts([str(seeds_dir)], tmp_path / "dask", Options(), manifest=manifest,
                              executor=dask_executor(client), blocked=True)
    assert len(result.dossier["articles"]) == len(local["articles"]) >= 5 and local["claims"]
    assert result.dossier == local


def test_executors_dask_blocked_corpus_pass_equals_local_on_examples(client, example_run, tmp_path):
    from storyline.analyze import analyze_parts

    options = Options()
    options.extra["files_per_shard"] = 2
    manifest = load_manifest(ROOT / "examples" / "manifest.csv")
    _, result = analyze_parts([str(ROOT / "examples")], tmp_path, options, manifest=manifest,
                              executor=dask_executor(client), blocked=True)
    assert result.dossier == dossier_of(example_run)


def test_executors_local_held_keeps_its_worker_processes_across_calls():
    executor = LocalExecutor(2)
    pipeline = Pipeline([], Options())
    with executor.held():
        first = {pid for _, pid in executor.run_tasks(pipeline, process_id, list(range(6)))}
        with executor.held():  # as analyze_parts --blocked holds it around run_corpus, which holds it too
            second = {pid for _, pid in executor.run_tasks(pipeline, process_id, list(range(6)))}
        third = {pid for _, pid in executor.run_tasks(pipeline, process_id, list(range(6)))}
    assert first == second == third and __import__("os").getpid() not in first
    again = {pid for _, pid in executor.run_tasks(pipeline, process_id, list(range(6)))}
    assert not again & first  # outside held(), a fresh pool


def process_id(pipeline, task):
    import os
    import time

    time.sleep(0.05)  # so both workers take tasks
    return os.getpid()
