"""The block runner: shuffles keep every block whole and in order; vector search across shards matches in-process."""

from __future__ import annotations

import json

import numpy as np
import pytest

from conftest import ROOT
from storyline.corpus import claim_search
from storyline.corpus.blocks import BlockRun, bucket_of, components, read_bucket, similar_pairs
from storyline.core.options import Options
from storyline.core.pipeline import LocalExecutor

VECTORS_PER_SHARD = 60


def fake_parts(tmp_path, shards: int = 3):
    """Shard folders with only a ``_SUCCESS`` marker: enough for tasks that make their own rows."""
    for number in range(shards):
        folder = tmp_path / f"shard={number:05d}"
        folder.mkdir()
        (folder / "_SUCCESS").write_text(json.dumps({"articles": VECTORS_PER_SHARD}), encoding="utf-8")
    return tmp_path


def clustered(count: int, seed: int = 7) -> np.ndarray:
    """Unit vectors around a few centres, so that some pairs are close and most are not."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(8, 32))
    vectors = centres[rng.integers(0, 8, count)] + 0.6 * rng.normal(size=(count, 32))
    return (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(np.float32)


ALL = clustered(3 * VECTORS_PER_SHARD)


def shard_vectors(shard):
    ids = np.arange(shard.first, shard.first + shard.articles)
    return ids, ALL[ids]


def keyed_rows(shard):
    for n in range(5):
        yield f"key{n % 2}", (shard.number, n)


def test_blocks_scatter_puts_each_key_in_one_bucket_in_shard_order(tmp_path):
    run = BlockRun(fake_parts(tmp_path), LocalExecutor(1), Options(), buckets=4)
    run.fresh()
    blocks: dict = {}
    for folder in run.scatter("test", keyed_rows):
        for key, rows in read_bucket(folder).items():
            assert key not in blocks  # a key lives in one bucket only
            blocks[key] = rows
    assert blocks["key0"] == [(s, n) for s in range(3) for n in (0, 2, 4)]
    assert blocks["key1"] == [(s, n) for s in range(3) for n in (1, 3)]
    assert bucket_of("key0", 4) == bucket_of("key0", 4) != bucket_of("key0", 4) + 4


def test_blocks_similar_pairs_equal_in_process_search_below_the_exact_limit(tmp_path):
    run = BlockRun(fake_parts(tmp_path), LocalExecutor(1), Options())
    run.fresh()
    i, j, cos = similar_pairs(run, "units", shard_vectors, 0.5, 30)
    ei, ej, ecos = claim_search.neighbour_pairs(ALL, 0.5, 30)
    assert len(i) > 100
    assert (i == ei).all() and (j == ej).all()
    np.testing.assert_allclose(cos, ecos, atol=1e-6)


def test_blocks_similar_pairs_inverted_file_finds_the_close_pairs(tmp_path, monkeypatch):
    monkeypatch.setattr(claim_search, "EXACT_LIMIT", 10)
    monkeypatch.setattr(claim_search, "CELL_SIZE", 40)
    run = BlockRun(fake_parts(tmp_path), LocalExecutor(1), Options())
    run.fresh()
    i, j, cos = similar_pairs(run, "units", shard_vectors, 0.5, 30)
    exact = set(zip(*claim_search.neighbour_pairs(ALL, 0.5, 30)[:2]))
    found = set(zip(i.tolist(), j.tolist()))
    assert (cos >= 0.5).all() and (i < j).all()
    assert len(found & exact) / len(exact) >= 0.8  # cells searched with probes keep most close pairs


@pytest.mark.parametrize("exact_limit", [10_000, 10])  # compared with everything; an inverted file of cells
def test_blocks_pair_files_keep_the_pairs_and_give_the_driver_forests_with_the_same_components(
        tmp_path, monkeypatch, exact_limit):
    from storyline.corpus.blocks import similar_pair_files, unique_pairs

    monkeypatch.setattr(claim_search, "EXACT_LIMIT", exact_limit)
    monkeypatch.setattr(claim_search, "CELL_SIZE", 40)
    run = BlockRun(fake_parts(tmp_path), LocalExecutor(1), Options())
    run.fresh()
    files, (fi, fj, fcos), found = similar_pair_files(run, "units", shard_vectors, 0.3, 30, 0.6)
    stored = [np.load(f) for f in files]
    i, j, cos = unique_pairs(*(np.concatenate([s[k] for s in stored]) for k in ("i", "j", "cos")))
    expected = similar_pairs(run, "again", shard_vectors, 0.3, 30)
    assert found >= len(i) > len(fi) > 0
    assert (i == expected[0]).all() and (j == expected[1]).all()  # the files hold every pair, once deduplicated
    linking = cos >= 0.6
    assert (fcos >= 0.6).all() and len(fi) < linking.sum()  # the driver gets fewer edges...
    whole, forest = components(len(ALL), i[linking], j[linking]), components(len(ALL), fi, fj)
    pairs = set(zip(whole.tolist(), forest.tolist()))
    assert len(pairs) == len(set(whole.tolist())) == len(set(forest.tolist()))  # ...and the same components


def test_blocks_components_label_linked_ids_alike():
    labels = components(6, np.array([0, 3]), np.array([2, 4]))
    assert labels[0] == labels[2] != labels[1]
    assert labels[3] == labels[4] != labels[5]
    first_seen = list(dict.fromkeys(labels.tolist()))
    assert first_seen == sorted(first_seen)  # numbered in order of their smallest id


def test_blocks_cut_to_fit_splits_a_chained_component_at_its_weak_link():
    from storyline.corpus.blocks import cut_to_fit

    # Two tight triangles (0.9) joined by one weak pair (0.5): one component of 6 at the cut 0.4.
    i, j = np.array([0, 0, 1, 2, 3, 3, 4]), np.array([1, 2, 2, 3, 4, 5, 5])
    cos = np.array([0.9, 0.9, 0.9, 0.5, 0.9, 0.9, 0.9])
    labels = components(6, i, j)
    assert len(set(labels.tolist())) == 1
    cut, strongest_cut = cut_to_fit(labels, i, j, cos, 0.4, cap=3)
    assert strongest_cut == 0.5  # only the weak bridge was cut
    assert cut[0] == cut[1] == cut[2] != cut[3] == cut[4] == cut[5]
    kept, _ = cut_to_fit(labels, i, j, cos, 0.4, cap=3, together=(np.array([2]), np.array([3])))
    assert kept[2] == kept[3]  # items held together are never cut apart
    same, nothing_cut = cut_to_fit(labels, i, j, cos, 0.4, cap=6)
    assert nothing_cut is None and (same == labels).all()


def test_blocks_failed_task_names_the_function_and_task(tmp_path):
    run = BlockRun(fake_parts(tmp_path), LocalExecutor(1), Options())
    with pytest.raises(Exception, match="fail_on_shard_1"):
        run.each_shard(fail_on_shard_1)


def fail_on_shard_1(shard):
    if shard.number == 1:
        raise ValueError("no")
    return shard.number


# -- the whole pass: the normal run's dossier, without the store -------------------


@pytest.fixture
def fixture_corpus(blocked_parts):
    return blocked_parts


def test_blocks_pass_gives_the_normal_dossier_on_the_fixture_corpus(fixture_corpus, tmp_path):
    from blocked_support import parts_options

    from storyline.analyze import analyze_blocked

    parts, normal = fixture_corpus
    result = analyze_blocked(parts, tmp_path, parts_options(), executor=LocalExecutor(1))
    assert normal["syndicated"] and normal["claims"] and len(normal["articles"]) == 16
    assert result.dossier == normal
    assert (tmp_path / "report.html").exists()
    from storyline.corpus.blocks import OUTPUTS

    left = {entry.name for entry in (parts / "_corpus").iterdir()}
    assert left <= {*OUTPUTS.values(), "_done"} and "claims.jsonl" in left  # the lists stay, the scratch goes


def test_blocks_rerun_redoes_only_the_stages_not_done(blocked_parts, tmp_path):
    from blocked_support import parts_options

    from storyline.analyze import analyze_blocked
    from storyline.corpus.blocks import run_corpus

    parts, normal = blocked_parts
    work = parts / "_corpus"
    run_corpus(parts, LocalExecutor(1), parts_options())
    before = {name: (work / name).stat().st_mtime_ns for name in ("entities.jsonl", "syndicated.jsonl", "claims.jsonl")}
    (work / "_done" / "claims").unlink()  # as if the pass was killed during claims
    (work / "claims.jsonl").write_text("not json\n", encoding="utf-8")  # and left a broken list
    result = analyze_blocked(parts, tmp_path, parts_options(), executor=LocalExecutor(1))
    assert (work / "entities.jsonl").stat().st_mtime_ns == before["entities.jsonl"]  # not redone
    assert (work / "syndicated.jsonl").stat().st_mtime_ns == before["syndicated.jsonl"]
    assert result.dossier == normal  # claims, stories and the timeline redone
    options = parts_options()
    options.extra["claims_max_block"] = 50_000  # a result-changing option: a new key, the whole pass again
    run_corpus(parts, LocalExecutor(1), options)
    assert (work / "entities.jsonl").stat().st_mtime_ns != before["entities.jsonl"]


def test_blocks_pass_in_two_worker_processes_gives_the_same_dossier(fixture_corpus, tmp_path):
    from blocked_support import parts_options

    from storyline.analyze import analyze_blocked

    parts, normal = fixture_corpus
    result = analyze_blocked(parts, tmp_path, parts_options(), executor=LocalExecutor(2), dossier=True)
    assert result.dossier == normal


def test_blocks_cli_corpus_parts_writes_the_lists_and_the_dossier(example_run, tmp_path):
    from typer.testing import CliRunner

    from storyline.cli import app

    runner = CliRunner()
    parts = tmp_path / "parts"
    written = runner.invoke(app, ["analyze", str(ROOT / "examples"), "--manifest", str(ROOT / "examples" / "manifest.csv"),
                                  "--parts", str(parts), "--parts-only", "--files-per-shard", "2"])
    assert written.exit_code == 0, written.output
    done = runner.invoke(app, ["corpus-parts", str(parts), "--out", str(tmp_path / "out")])
    assert done.exit_code == 0, done.output
    assert {"claims.jsonl", "entities.jsonl", "events.jsonl", "statements", "stories.jsonl"} <= {
        p.name for p in (parts / "_corpus").iterdir()}
    dossier = json.loads((tmp_path / "out" / "dossier.json").read_text(encoding="utf-8"))
    assert dossier == json.loads((example_run / "dossier.json").read_text(encoding="utf-8"))
