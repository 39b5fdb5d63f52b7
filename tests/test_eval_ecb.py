"""The ECB+ evaluation: metrics on textbook examples, the split, and the loader on the real data."""

from __future__ import annotations

import pytest

from storyline.eval.ecb import (
    EventRun,
    Gold,
    Parsed,
    align,
    bcubed,
    clusters_of,
    coref_scores,
    gold_chains,
    half_of,
    inside_scored,
    load_gold,
    prf,
    score_events,
    topic_of,
)

from conftest import shared_path


def test_ecb_muc_vilain_example() -> None:
    # Vilain et al. (1995): key {A B C D}, response {A B} {C D}: one link missing.
    scores = coref_scores([{"A", "B", "C", "D"}], [{"A", "B"}, {"C", "D"}])
    precision, recall, f1 = scores["muc"]
    assert precision == pytest.approx(1.0)
    assert recall == pytest.approx(2 / 3)
    assert f1 == pytest.approx(0.8)


def test_ecb_bcubed_bagga_baldwin_example() -> None:
    # Bagga & Baldwin (1998): merging the 2-chain into a 5-chain costs precision only.
    key = [set(range(1, 6)), {6, 7}, set(range(8, 13))]
    response = [set(range(1, 6)), set(range(6, 13))]
    precision, recall, f1 = bcubed(key, response)
    assert recall == pytest.approx(1.0)
    assert precision == pytest.approx((5 + 2 * 2 / 7 + 5 * 5 / 7) / 12)
    assert f1 == pytest.approx(2 * precision / (precision + 1))


def test_ecb_ceafe_example() -> None:
    # Key {a b c} {d e}, response {a b} {c d e}: the best alignment scores 2*2/5 twice.
    scores = coref_scores([{"a", "b", "c"}, {"d", "e"}], [{"a", "b"}, {"c", "d", "e"}])
    assert scores["ceafe"] == pytest.approx((0.8, 0.8, 0.8))
    conll = (scores["muc"][2] + scores["bcubed"][2] + scores["ceafe"][2]) / 3
    assert scores["conll"][2] == pytest.approx(conll)


def test_ecb_bcubed_twinless_mentions_count_zero() -> None:
    # Gold {a b}; the system found a and a spurious c in one chain.
    precision, recall, _ = bcubed([{"a", "b"}], [{"a", "c"}])
    assert recall == pytest.approx(0.25)
    assert precision == pytest.approx(0.25)


def test_ecb_perfect_coreference_scores_one() -> None:
    key = [{1, 2, 3}, {4}, {5, 6}]
    scores = coref_scores(key, [set(c) for c in key])
    for name in ("muc", "bcubed", "ceafe", "conll"):
        assert scores[name][2] == pytest.approx(1.0)


def test_ecb_prf_counts() -> None:
    assert prf(3, 4, 3, 6) == pytest.approx((0.75, 0.5, 0.6))
    assert prf(0, 0, 0, 5) == (0.0, 0.0, 0.0)


def test_ecb_align_is_one_to_one_by_largest_overlap() -> None:
    gold = [("a", 0, 10), ("a", 12, 20), ("b", 0, 5)]
    system = [("a", 5, 14), ("a", 8, 11), ("b", 6, 9), ("a", 13, 15)]
    matched = align(gold, system)
    # (a 5 14) overlaps gold 0 by 5 and gold 1 by 2; (a 8 11) overlaps gold 0 by 2.
    assert matched == {0: 0, 3: 1}


def test_ecb_clusters_and_scored_spans() -> None:
    assert clusters_of({"x": 1, "y": 2, "z": 1}) == [{"x", "z"}, {"y"}]
    scored = {"a": [(0, 10)]}
    assert inside_scored(("a", 2, 5), scored)
    assert not inside_scored(("a", 8, 12), scored)
    assert not inside_scored(("b", 0, 1), scored)


def _toy_gold() -> Gold:
    text = "Quake hits town. Quake kills two. Police said."
    mentions = [
        {"article": "d1", "start": 6, "end": 10, "type": "ACTION_OCCURRENCE", "chain": "hit"},
        {"article": "d1", "start": 23, "end": 28, "type": "ACTION_OCCURRENCE", "chain": "kill"},
        {"article": "d1", "start": 41, "end": 45, "type": "ACTION_REPORTING", "chain": "say"},
        {"article": "d2", "start": 6, "end": 10, "type": "ACTION_OCCURRENCE", "chain": "hit"},
    ]
    return Gold(["d1", "d2"], {"d1": "1ecb", "d2": "1ecb"}, {"d1": 1, "d2": 1}, mentions,
                {"d1": [(0, 33)], "d2": [(0, 16)]}, {"d1": text, "d2": text})


def test_ecb_score_events_gold_is_perfect_and_reporting_is_not_occurrence() -> None:
    gold = _toy_gold()
    perfect = score_events(gold, gold_chains(gold))
    assert perfect["mentions"] == pytest.approx((1.0, 1.0, 1.0))
    assert perfect["coref"]["conll"][2] == pytest.approx(1.0)
    # Two right triggers chained across documents, one spurious, one outside the scored sentences.
    run = EventRun([("d1", 6, 10), ("d2", 6, 10), ("d1", 0, 5), ("d1", 41, 45)], ["e1", "e1", "e2", "e3"])
    result = score_events(gold, run)
    assert result["system"] == 3  # the mention at 41-45 lies outside d1's scored span
    assert result["mentions"] == pytest.approx((2 / 3, 2 / 3, 2 / 3))
    assert result["coref"]["muc"][2] == pytest.approx(1.0)  # the one cross-document link is right


def test_ecb_split_by_topic_parity() -> None:
    assert topic_of("13ecbplus") == 13 and topic_of("4ecb") == 4
    assert half_of(13) == "held" and half_of(4) == "tune"
    with pytest.raises(ValueError):
        topic_of("ecb")


def test_ecb_loader_reads_the_shared_set() -> None:
    folder = shared_path("datasets", "ecbplus-train")
    gold = load_gold(folder)
    assert len(gold.articles) == 575
    assert len(set(gold.story.values())) == 50
    halves = {name: gold.half(name) for name in ("tune", "held")}
    assert len(halves["tune"].articles) + len(halves["held"].articles) == 575
    # A topic's two incidents fall in one half, so each half has two stories per topic.
    for part in halves.values():
        assert len(set(part.story.values())) == 2 * len(set(part.topic.values()))
    for mention in gold.mentions[:500]:
        text = gold.texts[mention["article"]]
        if "spans" not in mention:
            assert text[mention["start"] : mention["end"]] == mention["text"]
        assert inside_scored((mention["article"], mention["start"], mention["end"]), gold.scored_spans)


def test_ecb_headline_and_body_triggers_map_to_the_file():
    text = "Flood Sweeps Through Brennick\n\nA flood swept through Brennick on Monday."
    body = "A flood swept through Brennick on Monday."
    parsed = Parsed("x.txt", "Flood Sweeps Through Brennick", None, body, text.find(body), {}, b"")
    title = {"trigger_start": 6, "trigger_end": 12, "part": "title"}
    in_body = {"trigger_start": 8, "trigger_end": 13}
    start, end = parsed.finding_in_file(title, text)
    assert text[start:end] == "Sweeps"
    start, end = parsed.finding_in_file(in_body, text)
    assert text[start:end] == "swept"
    untitled = Parsed("y.txt", None, None, body, text.find(body), {}, b"")
    assert untitled.finding_in_file(title, text) is None
