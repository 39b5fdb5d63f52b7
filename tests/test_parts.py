"""Per-shard Parquet outputs (``analyze --parts``): same dossier as a normal run, resumable by ``_SUCCESS``."""

from __future__ import annotations

import json
import shutil

import pytest

from conftest import ROOT
from storyline.analyze import analyze_parts, ingest_parts_into_store
from storyline.present.export import TABLES as EXPORT_TABLES
from storyline.inputs.manifest import load_manifest
from storyline.inputs.sources import expand
from storyline.store.parts import SUCCESS, complete_shards, parts_dataset, plan_shards, shard_folder, write_parts
from storyline.core.options import Options
from storyline.core.pipeline import LocalExecutor

pq = pytest.importorskip("pyarrow.parquet")


def parts_options(files_per_shard: int = 2) -> Options:
    options = Options()
    options.extra["files_per_shard"] = files_per_shard
    return options


@pytest.fixture
def examples(tmp_path):
    """A copy of examples/ (the resume tests touch the files), and its manifest."""
    folder = tmp_path / "examples"
    shutil.copytree(ROOT / "examples", folder)
    return folder, load_manifest(folder / "manifest.csv")


@pytest.fixture(scope="module")
def parts_run(tmp_path_factory):
    """``analyze --parts`` on examples/, three shards, ingested into a fresh store."""
    out = tmp_path_factory.mktemp("parts_run")
    manifest = load_manifest(ROOT / "examples" / "manifest.csv")
    run, result = analyze_parts([str(ROOT / "examples")], out, parts_options(), manifest=manifest,
                                executor=LocalExecutor(1))
    return out, run, result


def test_parts_plan_gives_corpus_files_a_shard_each_and_groups_the_rest():
    sources = list(expand([str(ROOT / "examples")], load_manifest(ROOT / "examples" / "manifest.csv")))
    names = [[s.rsplit("/", 1)[1] for s in shard] for shard in plan_shards(sources, files_per_shard=2)]
    assert names == [["harbor_gazette_hotline.html", "meridian_wire_port_talks.txt"], ["monitor_export.jsonl"],
                     ["northgate_herald_scraped.txt"]]


def test_parts_dossier_equals_the_normal_run_on_examples(parts_run, example_run):
    out, run, result = parts_run
    assert run.shards == 3 and len(run.written) == 3 and not run.failed
    normal = json.loads((example_run / "dossier.json").read_text(encoding="utf-8"))
    assert [a["id"] for a in result.dossier["articles"]] == [a["id"] for a in normal["articles"]]
    assert result.dossier["skipped"] == normal["skipped"] != []
    assert result.dossier == normal


def test_parts_findings_and_signatures_read_back_exactly(parts_run, example_run):
    from storyline.store.sqlite import Store

    out, _, _ = parts_run
    with Store(example_run / "storyline.db") as normal, Store(out / "storyline.db") as parts:
        expected = [(a.findings, a.comments, a.minhash) for a in normal.articles()]
        found = [(a.findings, a.comments, a.minhash) for a in parts.articles()]
    times = [t for findings, _, _ in expected for t in findings["times"]]
    assert any("value_end" in t for t in times) and any("value_end" not in t for t in times)  # optional keys
    assert found == expected


def test_parts_every_shard_has_its_tables_and_success_last(parts_run):
    out, _, _ = parts_run
    complete, incomplete = complete_shards(out / "parts")
    assert [f.name for f in complete] == ["shard=00000", "shard=00001", "shard=00002"] and incomplete == []
    for folder in complete:
        written = {p.name: p.stat().st_mtime_ns for p in folder.iterdir()}
        assert {"articles.parquet", "statements.parquet", "times.parquet", "events.parquet", "mentions.parquet",
                "comments.parquet", "signatures.parquet", "skipped.parquet"} <= set(written)
        assert written[SUCCESS] >= max(written.values())


def test_parts_statements_have_the_export_columns_and_offsets_into_the_body(parts_run):
    out, _, result = parts_run
    statements = parts_dataset(out / "parts", "statements").to_table()
    columns = statements.column_names
    assert columns[: len(EXPORT_TABLES["statements"])] == list(EXPORT_TABLES["statements"])
    assert "shard" in columns  # from the shard=NNNNN folder names
    assert statements.num_rows == len(result.dossier["statements"])
    bodies = {r["id"]: r["body"] for r in parts_dataset(out / "parts", "articles").to_table().to_pylist()}
    for row in statements.to_pylist():
        assert bodies[row["article"]][row["start"] : row["end"]] == row["text"]
        assert row["speaker"] is None  # entities are resolved across the corpus, not per shard


def test_parts_rerun_writes_only_the_shards_without_success(examples, tmp_path):
    folder, manifest = examples
    parts = tmp_path / "parts"
    first = write_parts(list(expand([str(folder)], manifest)), parts, parts_options(), LocalExecutor(1), manifest)
    assert len(first.written) == 3
    kept = (shard_folder(parts, 0) / "articles.parquet").stat().st_mtime_ns
    (shard_folder(parts, 1) / SUCCESS).unlink()  # as if the run was killed while writing shard 1
    second = write_parts(list(expand([str(folder)], manifest)), parts, parts_options(), LocalExecutor(1), manifest)
    assert [s["shard"] for s in second.written] == [1] and second.already_done == 2
    assert (shard_folder(parts, 0) / "articles.parquet").stat().st_mtime_ns == kept


def test_parts_changed_input_redoes_its_shard_only(examples, tmp_path):
    folder, manifest = examples
    parts = tmp_path / "parts"
    write_parts(list(expand([str(folder)], manifest)), parts, parts_options(), LocalExecutor(1), manifest)
    changed = folder / "northgate_herald_scraped.txt"
    changed.write_text(changed.read_text(encoding="utf-8") + "\nA late correction was appended.\n", encoding="utf-8")
    again = write_parts(list(expand([str(folder)], manifest)), parts, parts_options(), LocalExecutor(1), manifest)
    assert [s["shard"] for s in again.written] == [2] and again.already_done == 2


def test_parts_ingest_leaves_out_incomplete_shards_and_a_second_ingest_adds_nothing(parts_run, tmp_path):
    out, _, full = parts_run
    parts = tmp_path / "parts"
    shutil.copytree(out / "parts", parts)
    (shard_folder(parts, 1) / SUCCESS).unlink()
    partial = ingest_parts_into_store(parts, tmp_path / "out", Options())
    assert partial.incomplete_shards == ["shard=00001"]
    assert partial.added == len(full.dossier["articles"]) - 2  # shard 1 holds the two JSONL articles
    again = ingest_parts_into_store(parts, tmp_path / "out", Options())
    assert again.added == 0 and again.unchanged == partial.added


def test_parts_cli_parts_only_then_ingest_parts(example_run, tmp_path):
    from typer.testing import CliRunner

    from storyline.cli import app

    runner = CliRunner()
    parts = tmp_path / "parts"
    examples = str(ROOT / "examples")
    manifest = str(ROOT / "examples" / "manifest.csv")
    written = runner.invoke(app, ["analyze", examples, "--manifest", manifest, "--out", str(tmp_path / "unused"),
                                  "--parts", str(parts), "--parts-only", "--files-per-shard", "2"])
    assert written.exit_code == 0, written.output
    assert "3 written, 0 already complete, 0 failed" in written.output
    assert not (tmp_path / "unused" / "dossier.json").exists()
    again = runner.invoke(app, ["analyze", examples, "--manifest", manifest, "--out", str(tmp_path / "unused"),
                                "--parts", str(parts), "--parts-only", "--files-per-shard", "2"])
    assert "0 written, 3 already complete" in again.output
    ingested = runner.invoke(app, ["ingest-parts", str(parts), "--out", str(tmp_path / "out")])
    assert ingested.exit_code == 0, ingested.output
    dossier = json.loads((tmp_path / "out" / "dossier.json").read_text(encoding="utf-8"))
    assert dossier == json.loads((example_run / "dossier.json").read_text(encoding="utf-8"))


def test_parts_embeddings_ingested_leave_the_corpus_stages_nothing_to_embed(parts_run, example_run, tmp_path,
                                                                            monkeypatch):
    from storyline.article.embed import Embedder
    from storyline.store.parts import TABLES, read_table
    from storyline.store.sqlite import Store

    out, _, _ = parts_run
    per_shard = [[row["key"] for row in read_table(TABLES["embeddings"], folder / "embeddings.parquet")]
                 for folder in complete_shards(out / "parts")[0]]
    assert any(per_shard) and all(len(keys) == len(set(keys)) for keys in per_shard)  # one row per distinct text of a shard

    def refuse(self, texts):
        raise AssertionError(f"the driver embedded {len(texts)} texts")

    monkeypatch.setattr(Embedder, "_encode", refuse)
    again = ingest_parts_into_store(out / "parts", tmp_path, Options())
    assert again.dossier["claims"] and again.dossier == json.loads((example_run / "dossier.json").read_text("utf-8"))

    def vectors(path):
        with Store(path) as store:
            return {row["key"]: bytes(row["vector"]) for row in store.conn.execute("SELECT key, vector FROM embeddings")}

    assert vectors(tmp_path / "storyline.db") == vectors(example_run / "storyline.db")
