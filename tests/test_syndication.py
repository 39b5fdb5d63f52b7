"""Syndicated copies: near-identical wire stories from several outlets, kept once with all outlets."""

from __future__ import annotations

import json
from itertools import combinations

import pytest

from conftest import FIXTURES, validate_dossier
from storyline.analyze import analyze
from storyline.core.options import Options
from storyline.core.records import Article, Corpus
from storyline.corpus.local import run_corpus_stages
from storyline.corpus.syndication import copy_of

WIRE = FIXTURES / "syndication" / "wire_copies.jsonl"


def fixture_records():
    return [json.loads(line) for line in WIRE.read_text(encoding="utf-8").splitlines() if line.strip()]


def fixture_articles():
    return [
        Article(
            source=r["source"], input_hash=str(n), content_hash=str(n), body=r["text"],
            outlet=r["outlet"], published=r.get("published"), id=f"a{n}",
        )
        for n, r in enumerate(fixture_records(), start=1)
    ]


def find_syndicated(articles):
    """The syndication stage alone over ``articles``, as a normal run runs it (one shard)."""
    return run_corpus_stages(Corpus(articles=articles), Options(), stages=["syndication"]).syndicated


def same_group_pairs(groups):
    return {frozenset(pair) for group in groups for pair in combinations(group, 2)}


def test_syndication_finds_every_labelled_copy_and_nothing_else():
    articles = fixture_articles()
    labelled: dict[str, list[str]] = {}
    for article, record in zip(articles, fixture_records()):
        if record["syndication_group"]:
            labelled.setdefault(record["syndication_group"], []).append(article.id)
    truth = same_group_pairs(labelled.values())
    found = same_group_pairs(g["articles"] for g in find_syndicated(articles))
    precision = len(found & truth) / len(found)
    recall = len(found & truth) / len(truth)
    assert (precision, recall) == (1.0, 1.0)


def test_syndication_original_is_the_earliest_and_groups_list_outlets_and_dates():
    groups = find_syndicated(fixture_articles())
    saltmere = next(g for g in groups if "a1" in g["articles"])
    # a1 and a3 share the earliest date; store order breaks the tie; the undated a4 is still a copy.
    assert saltmere["original"] == "a1"
    assert saltmere["articles"] == ["a1", "a2", "a3", "a4"]
    assert saltmere["outlets"] == ["Coastal Monitor", "Lanport Daily", "Meridian Wire", "Northgate Herald"]
    assert saltmere["dates"] == ["2024-02-13", "2024-02-14"]
    assert copy_of(groups) == {"a2": "a1", "a3": "a1", "a4": "a1", "a6": "a5"}


def test_syndication_a_later_copy_published_first_becomes_the_original():
    articles = fixture_articles()
    articles[1].published = "2024-02-01"  # the Northgate Herald copy now predates the wire
    saltmere = next(g for g in find_syndicated(articles) if "a1" in g["articles"])
    assert saltmere["original"] == "a2"


def test_syndication_short_or_unrelated_bodies_are_not_copies():
    short = [
        Article(source=f"s{n}", input_hash=str(n), content_hash=str(n), body="The mayor said the road would open.", id=f"a{n}")
        for n in (1, 2)
    ]
    assert find_syndicated(short) == []
    assert find_syndicated(fixture_articles()[6:]) == []  # independent report, follow-up sharing one paragraph, unrelated


@pytest.fixture(scope="module")
def wire_dossier(tmp_path_factory):
    return analyze([str(WIRE)], tmp_path_factory.mktemp("wire"), Options()).dossier


def test_syndication_dossier_marks_copies_and_counts_their_statements_once(wire_dossier):
    validate_dossier(wire_dossier)
    copies = {a["id"]: a["copy_of"] for a in wire_dossier["articles"] if a["copy_of"]}
    assert copies == {"a2": "a1", "a3": "a1", "a4": "a1", "a6": "a5"}
    assert len(wire_dossier["syndicated"]) == 2
    outlet_of = {a["id"]: a["outlet"] for a in wire_dossier["articles"]}
    article_of = {s["id"]: s["article"] for s in wire_dossier["statements"]}
    original_claims = {(s["article"], s["text"]): s["claim"] for s in wire_dossier["statements"] if s["article"] not in copies}
    carried = 0
    for statement in wire_dossier["statements"]:
        original = copies.get(statement["article"])
        expected = original_claims.get((original, statement["text"])) if original else None
        if expected:
            assert statement["claim"] == expected
            claim = next(c for c in wire_dossier["claims"] if c["id"] == expected)
            assert statement["id"] not in claim["statements"]
            assert outlet_of[statement["article"]] in claim["outlets"]
            carried += 1
    assert carried >= 3
    for claim in wire_dossier["claims"]:
        assert not any(article_of[s] in copies for s in claim["statements"])


def test_syndication_signatures_from_the_per_article_stage_give_the_same_groups():
    from storyline.core.pipeline import Pipeline

    plain = find_syndicated(fixture_articles())
    signed = list(Pipeline(["signature"], Options()).run(fixture_articles()))
    assert all(a.minhash is not None and len(a.minhash[1]) == 4 * 128 for a in signed)
    # Signatures alone propose the candidates: bodies blanked out of non-copies would not matter.
    assert find_syndicated(signed) == plain != []


# -- in blocks over a parts directory (storyline.corpus.blocks) ---------------------------


@pytest.fixture
def blocked_corpus(blocked_parts):
    """The blocked test corpus (with the wire copies) in parts, and the normal run's dossier."""
    return blocked_parts


def blocked_groups(run):
    from storyline.corpus.blocks import OUTPUTS, read_rows
    from storyline.corpus.syndication import blocked_syndication

    summary = blocked_syndication(run)
    return summary, list(read_rows(run.path(OUTPUTS["syndicated"])))


def test_syndication_blocked_equals_the_normal_run_on_the_fixture_corpus(blocked_corpus):
    from blocked_support import block_run

    parts, dossier = blocked_corpus
    summary, groups = blocked_groups(block_run(parts))
    assert groups == dossier["syndicated"]
    assert len(groups) == 2 and summary["groups"] == 2


def test_syndication_blocked_candidates_are_the_pairs_the_in_process_index_proposes(blocked_corpus):
    from datasketch import MinHashLSH

    from blocked_support import block_run
    from storyline.store.parts import read_shard
    from storyline.article.signature import NUM_PERM, lean, signature_of
    from storyline.corpus.syndication import LSH_THRESHOLD, MIN_SHINGLES, band_candidates

    parts, _ = blocked_corpus
    run = block_run(parts)
    articles = [r for shard in run.shards for r in read_shard(shard.folder) if isinstance(r, Article)]
    lsh, expected = MinHashLSH(threshold=LSH_THRESHOLD, num_perm=NUM_PERM), set()
    for number, article in enumerate(articles, 1):
        count, hashvalues = article.minhash or signature_of(article.body)
        if count >= MIN_SHINGLES:
            expected |= {(other, number) for other in lsh.query(lean(hashvalues))}
            lsh.insert(number, lean(hashvalues))
    assert band_candidates(run) == sorted(expected) != []


def one_article_shards(parts):
    """Each wire copy in a shard of its own (the third unsigned, the fifth shard empty), without spaCy;
    and the articles as the store would number them."""
    from storyline.store.parts import ShardTask, process_shard, read_shard
    from storyline.core.pipeline import Pipeline

    lines = [line for line in WIRE.read_text(encoding="utf-8").splitlines() if line.strip()]
    lines.insert(4, "")
    for number, line in enumerate(lines):
        source = parts.parent / f"input{number}.jsonl"
        source.write_text(line + "\n", encoding="utf-8")
        stages = ["extract"] if number == 2 else ["extract", "signature"]
        process_shard(Pipeline(stages, Options()), ShardTask(number, [str(source)], str(parts)))
    articles = [r for n in range(len(lines)) for r in read_shard(parts / f"shard={n:05d}") if isinstance(r, Article)]
    for number, article in enumerate(articles, 1):
        article.id = f"a{number}"
    return articles


def test_syndication_blocked_across_shards_on_two_workers_equals_the_normal_run(tmp_path):
    from storyline.corpus.blocks import BlockRun
    from storyline.core.pipeline import LocalExecutor

    articles = one_article_shards(tmp_path / "parts")
    assert articles[2].minhash is None
    options = Options()
    options.extra["syndication_pairs_per_task"] = 2  # several verification tasks, each across shards
    run = BlockRun(tmp_path / "parts", LocalExecutor(2), options, buckets=3)
    run.fresh()
    summary, groups = blocked_groups(run)
    assert groups == find_syndicated(articles)
    assert [g["articles"] for g in groups] == [["a1", "a2", "a3", "a4"], ["a5", "a6"]]
    assert summary["candidates"] >= summary["copies"] == 6 + 1  # every pair within each group
    assert [shard.articles for shard in run.shards].count(0) == 1
