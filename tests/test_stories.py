"""Stories: articles on several topics split into stories; ids are stable."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.sparse import vstack

from storyline.article.embed import MemoryCache
from storyline.core.options import Options
from storyline.core.records import Article, Corpus
from storyline.corpus.local import run_corpus_stages

# Fictional articles: a dam story and a port-strike story that share a
# minister (Ruth Becker), and one lone article on a chess tournament.
ROWS = [
    ("d1", "dam", "Cracks found in Tessel dam", "Campaigners published photographs of cracks in the Tessel dam. Minister Ruth Becker said engineers would inspect the dam and its reservoir."),
    ("d2", "dam", "Engineers inspect Tessel dam", "Engineers inspected the cracks in the Tessel dam and said the concrete had weakened. The reservoir will be lowered while the dam is repaired."),
    ("d3", "dam", "Repairs to Tessel dam begin", "Work crews began repairing the Tessel dam after the reservoir was lowered by four metres. Residents downstream said the cracks should have been fixed years ago."),
    ("p1", "port", "Dockers strike at Harlow port", "Dock workers at Harlow port walked out over wages. Minister Ruth Becker urged the dockers' union and the port authority to resume talks."),
    ("p2", "port", "Ships queue as Harlow strike goes on", "Container ships queued outside Harlow port as the dockers' strike over wages entered its fifth day. The port authority said losses were mounting."),
    ("p3", "port", "Harlow dock strike ends with wage deal", "The dockers' union and the Harlow port authority signed a wage deal, ending the strike. Ships began unloading at the port again."),
    ("c1", "chess", "Young player wins Korr chess open", "A sixteen-year-old won the Korr chess open on Sunday, beating three grandmasters in the final rounds of the tournament."),
]


def articles(reverse: bool = False) -> list[Article]:
    built = [Article(source=i, input_hash=i, content_hash="hash-" + i, body=body, title=title, id=i) for i, _, title, body in ROWS]
    return built[::-1] if reverse else built


@pytest.fixture(scope="module")
def stage():
    """The options the stories stage runs with (one vector cache for the module's tests)."""
    return Options(embedding_cache=MemoryCache())


def find_stories(options, articles):
    """The stories stage alone, as a normal run runs it (one shard)."""
    return run_corpus_stages(Corpus(articles=articles), options, stages=["stories"]).stories


def test_stories_split_topics_despite_a_shared_person(stage):
    stories = find_stories(stage, articles())
    groups = sorted(sorted(s["articles"]) for s in stories)
    assert groups == [["c1"], ["d1", "d2", "d3"], ["p1", "p2", "p3"]]
    dam = next(s for s in stories if "d1" in s["articles"])
    assert "Tessel" in dam["label"]


def test_stories_same_ids_in_any_order_and_through_the_stage(stage):
    forward = find_stories(stage, articles())
    backward = find_stories(stage, articles(reverse=True))
    assert forward == backward
    assert find_stories(stage, list(articles())) == forward
    assert len({s["id"] for s in forward}) == len(forward)


def test_stories_id_changes_only_for_the_story_that_changes(stage):
    before = {tuple(s["articles"]): s["id"] for s in find_stories(stage, articles())}
    more = articles() + [Article(source="d4", input_hash="d4", content_hash="hash-d4", id="d4", title="Tessel dam reservoir refilled",
                                 body="The Tessel dam reservoir was refilled after repairs to the cracked concrete of the dam were finished.")]
    after = {tuple(s["articles"]): s["id"] for s in find_stories(stage, more)}
    assert after[("p1", "p2", "p3")] == before[("p1", "p2", "p3")]
    assert ("d1", "d2", "d3", "d4") in after and after[("d1", "d2", "d3", "d4")] != before[("d1", "d2", "d3")]


def test_stories_empty_corpus_has_no_stories(stage):
    assert find_stories(stage, []) == []


# -- TF-IDF in pieces, and blocked runs over parts (``blocked_stories``) ---------------------

# Fictional texts; the keys say the order the in-process fit reads them in (not the list order).
TEXTS = [
    ("k3", "Harlow dockers strike again; the Harlow port authority said talks would resume."),
    ("k1", "Cracks in the Tessel dam: engineers inspect the dam and lower the reservoir."),
    ("k4", "Dam, dam, dam. The Tessel reservoir refilled after repairs to the cracked concrete."),
    ("k2", "A sixteen-year-old won the Korr chess open, beating three grandmasters."),
    ("k5", "1999 42 --"),  # no terms at all
]


def test_stories_tfidf_from_shard_statistics_equals_tfidf_rows():
    from storyline.corpus.stories import merge_term_statistics, term_statistics, tfidf_rows, tfidf_transform, tfidf_weights

    ordered = sorted(TEXTS)
    expected, terms = tfidf_rows([text for _, text in ordered])
    shards = [TEXTS[:2], TEXTS[2:]]
    counted = [term_statistics([text for _, text in shard], [(key,) for key, _ in shard]) for shard in shards]
    stats = merge_term_statistics(item for part in counted for item in part.items())
    weights = tfidf_weights(stats, len(TEXTS))
    assert list(weights.terms) == list(terms)
    rows = {key: row for shard in shards
            for key, row in zip([k for k, _ in shard], tfidf_transform([t for _, t in shard], weights))}
    got = vstack([rows[key] for key, _ in ordered]).tocsr()
    # The same numbers, entries in the same order in each row (sums over them then agree to the last bit).
    for name in ("indptr", "indices", "data"):
        assert np.array_equal(getattr(got, name), getattr(expected, name)), name


@pytest.fixture
def fixture_parts(blocked_parts):
    return blocked_parts


def _blocked_stories(run, weights=None) -> tuple[dict, list[dict]]:
    from storyline.corpus.blocks import OUTPUTS, read_rows
    from storyline.corpus.stories import blocked_stories

    summary = blocked_stories(run) if weights is None else blocked_stories(run, weights)
    return summary, list(read_rows(run.path(OUTPUTS["stories"])))


def test_stories_blocked_equals_the_normal_run_on_the_fixture_corpus(fixture_parts):
    from blocked_support import block_run

    parts, dossier = fixture_parts
    run = block_run(parts)
    summary, stories = _blocked_stories(run)
    assert len(run.shards) > 1 and len(dossier["stories"]) == 4
    assert stories == dossier["stories"]
    assert summary["stories"] == 4 and summary["articles"] == 16
    assert sorted(p.name for p in run.work.iterdir()) == ["stories.jsonl"]  # no scratch left


def test_stories_blocked_equals_the_normal_run_with_two_workers(fixture_parts):
    from blocked_support import block_run

    from storyline.corpus.blocks import held
    from storyline.core.pipeline import LocalExecutor

    parts, dossier = fixture_parts
    executor = LocalExecutor(2)
    with held(executor):
        _, stories = _blocked_stories(block_run(parts, executor, buckets=5))
    assert stories == dossier["stories"]


def test_stories_blocked_equals_the_normal_run_over_several_components(fixture_parts, tmp_path):
    """A wider radius cuts the pair graph into components, grouped by separate tasks."""
    from blocked_support import block_run

    from storyline.core.pipeline import LocalExecutor
    from storyline.corpus.blocks import BlockRun
    from storyline.corpus.local import write_one_shard

    from storyline.store.parts import read_embeddings, read_shard
    from storyline.core.records import Article as Stored
    from storyline.corpus.stories import StoryWeights

    parts, _ = fixture_parts
    run = block_run(parts, buckets=4)
    weights = StoryWeights(radius=0.45)
    summary, stories = _blocked_stories(run, weights)
    # The same articles and vectors as one shard (a normal run's store), the same weights.
    cache, everything = MemoryCache(), []
    for shard in run.shards:
        cache.put_many(read_embeddings(shard.folder))
        everything += [a for a in read_shard(shard.folder) if isinstance(a, Stored)]
    for number, article in enumerate(everything, 1):
        article.id = f"a{number}"
    write_one_shard(tmp_path / "one", everything, Options(embedding_cache=cache))
    whole = BlockRun(tmp_path / "one", LocalExecutor(1), Options())
    whole.fresh()
    _, expected = _blocked_stories(whole, weights)
    assert summary["buckets"] > 1 and len(stories) > 2
    assert stories == expected


def test_stories_blocked_with_a_small_block_cap_keeps_every_block_under_it(fixture_parts):
    from blocked_support import block_run

    parts, dossier = fixture_parts
    run = block_run(parts)
    run.options.extra["stories_max_block"] = 5
    summary, stories = _blocked_stories(run)
    assert summary["largest_block"] <= 5 < len(dossier["articles"]) and summary["strongest_cut"] is not None
    assert sorted(a for s in stories for a in s["articles"]) == sorted(a["id"] for a in dossier["articles"])
