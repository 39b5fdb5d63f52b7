"""Stories as incidents: split by who, what, where and when, not by topic (`corpus.incidents`)."""

from __future__ import annotations

import numpy as np

from storyline.article.incident import IncidentFeatures, features_from_doc
from storyline.corpus.incidents import IncidentWeights, group_incidents


def _vector(seed: int, base: np.ndarray | None = None, noise: float = 0.1) -> np.ndarray:
    rng = np.random.default_rng(seed)
    v = (base if base is not None else np.zeros(16)) + noise * rng.standard_normal(16)
    return (v / np.linalg.norm(v)).astype(np.float32)


QUAKE = np.ones(16)  # both earthquakes read alike to a sentence model


def _articles() -> list[IncidentFeatures]:
    first = "earthquake magnitude strike kill village collapse rescue 6.1"
    second = "earthquake magnitude strike kill town collapse rescue 5.4"
    talks = "talk negotiation round treaty delegation border agreement"
    return [
        IncidentFeatures(first + " mountain", ["orvia", "kessel_valley", "valley"], frozenset({2019}), _vector(1, QUAKE)),
        IncidentFeatures(first + " aftershock", ["orvia", "kessel_valley", "valley"], frozenset({2019}), _vector(2, QUAKE)),
        IncidentFeatures(first, ["kessel_valley", "valley", "orvia_red_cross", "cross"], frozenset(), _vector(3, QUAKE)),
        IncidentFeatures(second + " coast", ["port_amsel", "amsel", "tarnland"], frozenset({2020}), _vector(4, QUAKE)),
        IncidentFeatures(second + " harbour", ["port_amsel", "amsel", "tarnland"], frozenset({2020}), _vector(5, QUAKE)),
        # One negotiation followed over three years: same people and places, different years.
        IncidentFeatures(talks + " first", ["ilya_brenner", "brenner", "lisbeth", "valdoria"], frozenset({2017}), _vector(6)),
        IncidentFeatures(talks + " stall", ["ilya_brenner", "brenner", "lisbeth", "valdoria"], frozenset({2018}), _vector(7)),
        IncidentFeatures(talks + " resume", ["brenner", "lisbeth", "valdoria", "oskland"], frozenset({2020}), _vector(8)),
    ]


def _partition(groups: list[int]) -> set[frozenset[int]]:
    members: dict[int, set[int]] = {}
    for index, group in enumerate(groups):
        members.setdefault(group, set()).add(index)
    return {frozenset(m) for m in members.values()}


WEIGHTS = IncidentWeights(terms=0.4, names=0.4, embedding=0.2, local_embedding=0.0, year_penalty=0.2, threshold=0.3,
                          years_block_attach=True)


def test_incidents_split_two_earthquakes_and_keep_one_negotiation() -> None:
    groups = group_incidents(_articles(), WEIGHTS)
    assert _partition(groups) == {frozenset({0, 1, 2}), frozenset({3, 4}), frozenset({5, 6, 7})}


def test_incidents_without_names_the_quakes_merge() -> None:
    # The same articles judged by their words and lead vectors only: one story of "an earthquake".
    words_only = IncidentWeights(terms=0.6, names=0.0, embedding=0.4, year_penalty=0.0, threshold=0.3)
    groups = group_incidents(_articles(), words_only)
    assert any({0, 3} <= group for group in _partition(groups))


def test_incidents_do_not_depend_on_input_order() -> None:
    articles = _articles()
    order = [7, 3, 0, 5, 1, 6, 4, 2]
    shuffled = group_incidents([articles[k] for k in order], WEIGHTS)
    back = {frozenset(order[k] for k in group) for group in _partition(shuffled)}
    assert back == _partition(group_incidents(articles, WEIGHTS))


def test_incidents_empty_and_single() -> None:
    assert group_incidents([], WEIGHTS) == []
    assert group_incidents(_articles()[:1], WEIGHTS) == [0]


def test_incidents_features_from_parse() -> None:
    from storyline.article.parse import load_nlp

    doc = load_nlp()("Rescuers in Kessel Valley searched for survivors after Mira Holt said the quake struck "
                     "on March 3, 2019. Holt thanked the Orvia Red Cross.")
    times = [{"start": 0, "end": 1, "value": "2019-03-03", "type": "date"}]
    features = features_from_doc(doc, "Quake hits Kessel Valley", times, np.ones(4, np.float32))
    assert 2019 in features.years
    assert "holt" in features.names  # the surname of a two-word name, so "Holt" alone meets it
    assert "say" not in features.terms.split()  # reporting verbs say nothing about the incident
    assert "quake" in features.terms.split()


def test_incidents_fragment_attaches_unless_years_conflict() -> None:
    from storyline.corpus.incidents import attach_fragments

    scores = np.full((4, 4), 0.5)
    no_conflict = np.zeros((4, 4))
    w = IncidentWeights(fragment=2, attach=0.1, years_block_attach=True)
    assert attach_fragments([0, 0, 0, 3], scores, no_conflict, w) == [0, 0, 0, 0]
    conflict = no_conflict.copy()
    conflict[3, 1] = conflict[1, 3] = 1.0
    assert attach_fragments([0, 0, 0, 3], scores, conflict, w) == [0, 0, 0, 3]
    unguarded = IncidentWeights(fragment=2, attach=0.1, years_block_attach=False)
    assert attach_fragments([0, 0, 0, 3], scores, conflict, unguarded) == [0, 0, 0, 0]


def test_incidents_pair_scores_do_not_depend_on_the_chunk(monkeypatch) -> None:
    # Pairs are scored a chunk at a time to bound memory: the chunk edges must not shift a score.
    from storyline.corpus import incidents

    reps = incidents.represent(_articles())
    i, j = np.triu_indices(len(_articles()), k=1)
    whole = incidents.pair_scores(reps, i, j, WEIGHTS)
    monkeypatch.setattr(incidents, "PAIR_CHUNK", 3)
    chunked = incidents.pair_scores(reps, i, j, WEIGHTS)
    assert len(whole) == len(i) == 28
    assert np.array_equal(whole, chunked)
    first_pair, quake_and_talks = 0, 4  # (0, 1): two reports of one quake; (0, 5): a quake and the talks
    assert (i[quake_and_talks], j[quake_and_talks]) == (0, 5)
    assert whole[first_pair] > whole[quake_and_talks] + 0.2
