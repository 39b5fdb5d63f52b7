"""The happenings prototype: triggers from the parse, readable summaries, dates never invented."""

from __future__ import annotations

import numpy as np
import pytest

from storyline.article.happenings import (
    TriggerModel,
    chain_happenings,
    dates_disagree,
    find_happenings,
    learn_trigger_model,
    summary_of,
)

# Every verb and every noun ending in -ion or -ake is a trigger; nothing else is.
VERBS_AND_EVENT_NOUNS = TriggerModel({"pos=VERB": 4.0, "suffix=NOUN|ion": 4.0, "suffix=NOUN|ake": 4.0}, -2.0, 0.5)


@pytest.fixture(scope="module")
def nlp():
    from storyline.article.parse import load_nlp

    return load_nlp()


def test_happenings_speech_acts_are_not_events(nlp) -> None:
    doc = nlp("Police arrested the mayor of Tarnsville. A spokesman said the arrest followed an inquiry.")
    lemmas = [h["lemma"] for h in find_happenings(doc, VERBS_AND_EVENT_NOUNS)]
    assert "arrest" in lemmas
    assert "say" not in lemmas


def test_happenings_summary_is_who_did_what_where(nlp) -> None:
    doc = nlp("On Tuesday, border guards detained two Valdorian fishermen in Port Amsel.")
    verb = next(t for t in doc if t.lemma_ == "detain")
    summary = summary_of(verb)
    assert summary.startswith("border guards detained")
    assert "fishermen" in summary and summary.endswith("in Port Amsel")


def test_happenings_date_from_own_expression_else_undated(nlp) -> None:
    text = "The dam collapsed on March 3, 2021. Engineers inspected the spillway."
    doc = nlp(text)
    start = text.index("March")
    times = [{"start": start, "end": start + len("March 3, 2021"), "value": "2021-03-03", "type": "date"}]
    found = {h["lemma"]: h for h in find_happenings(doc, VERBS_AND_EVENT_NOUNS, times)}
    assert found["collapse"]["date"] == "2021-03-03"
    assert found["inspect"]["date"] is None
    assert "not_after" not in found["inspect"]  # no publication date: nothing to anchor to
    anchored = {h["lemma"]: h for h in find_happenings(doc, VERBS_AND_EVENT_NOUNS, times, published="2021-03-05")}
    assert anchored["inspect"]["date"] is None and anchored["inspect"]["not_after"] == "2021-03-05"


def test_happenings_learned_model_finds_unseen_verbs(nlp) -> None:
    docs = [nlp(t) for t in ("Rebels attacked the convoy and burned two trucks.",
                             "The ministry said that the talks were useful.",
                             "Troops seized the airport after the explosion.")]
    tokens = [t for d in docs for t in d if t.pos_ in {"VERB", "NOUN"} and t.lemma_ != "say"]
    labels = [t.lemma_ in {"attack", "burn", "seize", "explosion"} for t in tokens]
    model = learn_trigger_model(tokens, labels, threshold=0.5, strength=10.0)
    assert model.is_trigger(docs[0][1])  # "attacked", seen in training
    again = learn_trigger_model(tokens, labels, threshold=0.5, strength=10.0)
    assert again.weights == model.weights  # deterministic
    new = nlp("Gunmen kidnapped a teacher.")
    assert model.probability(new[1]) > model.probability(new[3])  # a new verb over a noun


def test_happenings_chains_within_a_story_and_agreeing_dates() -> None:
    mentions = [
        {"story": "s1", "lemma": "quake", "date": "2019-03-03"},
        {"story": "s1", "lemma": "earthquake", "date": None},
        {"story": "s1", "lemma": "quake", "date": "2019"},
        {"story": "s2", "lemma": "quake", "date": "2019-03-03"},  # another incident
        {"story": "s1", "lemma": "quake", "date": "2020-07-01"},  # another date
    ]
    vectors = {"quake": np.array([1.0, 0.0]), "earthquake": np.array([0.9, np.sqrt(1 - 0.81)])}
    from storyline.article.happenings import ChainWeights

    chains = chain_happenings(mentions, vectors, ChainWeights(lemma_cosine=0.85))
    assert chains[0] == chains[1] == chains[2]
    assert chains[3] != chains[0]
    assert chains[4] != chains[0]
    strict = chain_happenings(mentions, vectors, ChainWeights(lemma_cosine=1.0))
    assert strict[1] != strict[0]


def test_happenings_dates_disagree() -> None:
    assert not dates_disagree("2009-03", "2009-03-14")
    assert not dates_disagree(None, "2009-03-14")
    assert dates_disagree("2009-03-15", "2009-03-14")


def test_happenings_states_and_punctuation_are_not_triggers(nlp) -> None:
    doc = nlp("The problem is clear. Minister Arkady Belov emphasized that it’s done. The leaders held a call.")
    lemmas = [h["lemma"] for h in find_happenings(doc, VERBS_AND_EVENT_NOUNS)]
    assert "be" not in lemmas and "emphasize" not in lemmas
    assert all(any(c.isalpha() for c in lemma) for lemma in lemmas)
    assert "hold" in lemmas
