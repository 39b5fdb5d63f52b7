"""Stories: articles on several topics split into stories; ids are stable."""

from __future__ import annotations

import pytest

from storyline.embed import MemoryCache
from storyline.pipeline import Options
from storyline.records import Article, Corpus
from storyline.stories import Stories

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
    return Stories(Options(embedding_cache=MemoryCache()))


def test_stories_split_topics_despite_a_shared_person(stage):
    stories = stage.find_stories(articles())
    groups = sorted(sorted(s["articles"]) for s in stories)
    assert groups == [["c1"], ["d1", "d2", "d3"], ["p1", "p2", "p3"]]
    dam = next(s for s in stories if "d1" in s["articles"])
    assert "Tessel" in dam["label"]


def test_stories_same_ids_in_any_order_and_through_the_stage(stage):
    forward = stage.find_stories(articles())
    backward = stage.find_stories(articles(reverse=True))
    assert forward == backward
    corpus = next(iter(stage.run([Corpus(articles=articles())])))
    assert corpus.stories == forward
    assert len({s["id"] for s in forward}) == len(forward)


def test_stories_id_changes_only_for_the_story_that_changes(stage):
    before = {tuple(s["articles"]): s["id"] for s in stage.find_stories(articles())}
    more = articles() + [Article(source="d4", input_hash="d4", content_hash="hash-d4", id="d4", title="Tessel dam reservoir refilled",
                                 body="The Tessel dam reservoir was refilled after repairs to the cracked concrete of the dam were finished.")]
    after = {tuple(s["articles"]): s["id"] for s in stage.find_stories(more)}
    assert after[("p1", "p2", "p3")] == before[("p1", "p2", "p3")]
    assert ("d1", "d2", "d3", "d4") in after and after[("d1", "d2", "d3", "d4")] != before[("d1", "d2", "d3")]


def test_stories_empty_corpus_has_no_stories(stage):
    assert stage.find_stories([]) == []
