"""The shipped pair model: it loads offline, its file is the recorded one, and it tells the
same claim from a negation, an opposite position and another claim on the same topic.
The pairs are written here (fictional people and places)."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from storyline.corpus.pairmodel import (
    CONTRADICTS,
    MANIFEST,
    LinkRule,
    SAME,
    WEIGHTS,
    PairModel,
    PairModelError,
    PairModelOptions,
    sha256_file,
)

SAME_CLAIM = [
    ("The mayor of Velmora announced that the Kessel bridge will reopen on Monday.",
     "Velmora's mayor said the Kessel bridge is to reopen on Monday."),
]
# Known weak (docs/claims-model.md): a passive rewrite with other words is read as "other".
SAME_CLAIM_PASSIVE = [
    ("Minister Ilsa Varga said the Drenport factory will close next year.",
     "The Drenport factory will be shut down next year, Minister Ilsa Varga said."),
]
NEGATED = [
    ("The Ostrel government confirmed the trade deal with Marenia.",
     "The Ostrel government did not confirm the trade deal with Marenia."),
    ("Coach Tomas Brell was fired by the Halden club on Friday.",
     "Coach Tomas Brell was not fired by the Halden club on Friday."),
]
OPPOSITE = [
    ("Senator Arlo Brenn supports the new tax on fuel.",
     "Senator Arlo Brenn opposes the new tax on fuel."),
    ("Oskland was behind the attack on the pipeline.",
     "Oskland denied any role in the attack on the pipeline."),
]
SAME_TOPIC = [
    ("The strike at the port of Dravin ended after two weeks.",
     "Dock workers in Dravin are demanding higher wages."),
    ("The Velmora council approved a budget of 40 million for schools.",
     "Velmora's schools will open a week later this autumn."),
]


@pytest.fixture(scope="module")
def model() -> PairModel:
    return PairModel.load()


def test_pairmodel_shipped_file_matches_recorded_sha256_and_is_small():
    manifest = json.loads(MANIFEST.read_text(encoding="utf-8"))
    assert sha256_file(WEIGHTS) == manifest["sha256"]
    assert WEIGHTS.stat().st_size <= 20 * 1024 * 1024


def test_pairmodel_load_refuses_an_altered_file(tmp_path):
    weights = tmp_path / "pairmodel.safetensors"
    shutil.copy(WEIGHTS, weights)
    data = bytearray(weights.read_bytes())
    data[-1] ^= 0xFF
    weights.write_bytes(bytes(data))
    with pytest.raises(PairModelError, match="sha256"):
        PairModel.load(weights, MANIFEST)


def test_pairmodel_same_claim_in_other_words_is_same(model):
    scores = model.score_both_ways(SAME_CLAIM)
    assert list(scores.argmax(1)) == [SAME] * len(SAME_CLAIM)


def test_pairmodel_negation_is_contradiction(model):
    scores = model.score_both_ways(NEGATED)
    assert list(scores.argmax(1)) == [CONTRADICTS] * len(NEGATED)


def test_pairmodel_passive_rewrite_is_same(model):
    scores = model.score_both_ways(SAME_CLAIM_PASSIVE)
    assert list(scores.argmax(1)) == [SAME] * len(SAME_CLAIM_PASSIVE)


def test_pairmodel_denial_is_not_same(model):
    # "supports" / "opposes" (OPPOSITE[0]) is read as the same claim: the strict xfail below
    scores = model.score_both_ways(OPPOSITE[1:])
    assert np.all(scores.argmax(1) != SAME)


def test_pairmodel_denial_is_contradiction(model):
    scores = model.score_both_ways(OPPOSITE[1:])
    assert scores[0, CONTRADICTS] > scores[0, SAME]


@pytest.mark.xfail(strict=True, reason="known weak: supports / opposes read as the same claim (P(same) 0.48); the claims stage's verb swap veto keeps them apart")
def test_pairmodel_supports_opposes_is_contradiction(model):
    scores = model.score_both_ways(OPPOSITE[:1])
    assert scores[0, CONTRADICTS] > scores[0, SAME]


def test_pairmodel_same_topic_other_claim_is_not_same(model):
    scores = model.score_both_ways(SAME_TOPIC)
    assert np.all(scores.argmax(1) != SAME)


# float32 moves a pair's scores by float rounding only; bfloat16 by its 8-bit mantissa (docs/claims-model.md).
BATCHING_TOLERANCE = {"float32": 1e-4, "bfloat16": 1e-2}


@pytest.mark.parametrize("precision", ["float32", "bfloat16"])
def test_pairmodel_scores_do_not_depend_on_batch_mates(model, precision):
    options = PairModelOptions(precision=precision)
    pairs = SAME_CLAIM + SAME_CLAIM_PASSIVE + NEGATED + OPPOSITE + SAME_TOPIC
    together = model.score(pairs, options)
    alone = np.vstack([model.score([pair], options) for pair in pairs])
    assert together.shape == (len(pairs), 3)
    np.testing.assert_allclose(together.sum(1), 1.0, atol=1e-5)
    np.testing.assert_allclose(together, alone, atol=BATCHING_TOLERANCE[precision])
    assert model.score([], options).shape == (0, 3)


def test_pairmodel_bfloat16_gives_the_float32_verdicts(model):
    pairs = SAME_CLAIM + NEGATED + OPPOSITE + SAME_TOPIC
    rule = LinkRule()
    full = model.score_both_ways(pairs, PairModelOptions(precision="float32"))
    half = model.score_both_ways(pairs, PairModelOptions(precision="bfloat16"))
    np.testing.assert_allclose(half, full, atol=0.02)
    ones = np.ones(len(pairs))
    assert np.array_equal(rule.accepts(ones, half), rule.accepts(ones, full))


def test_pairmodel_refuses_an_unknown_precision(model):
    with pytest.raises(ValueError, match="precision"):
        model.score(SAME_CLAIM, PairModelOptions(precision="int8"))


def test_pairmodel_link_rule_vetoes_negations_even_at_cosine_one(model):
    rule = LinkRule()
    negated = model.score_both_ways(NEGATED)
    assert not rule.accepts(np.ones(len(NEGATED)), negated).any()
    same = model.score_both_ways(SAME_CLAIM)
    assert rule.accepts(np.ones(len(SAME_CLAIM)), same).all()
    assert not rule.accepts(np.full(len(SAME_CLAIM), rule.cosine_min - 0.01), same).any()


def test_pairmodel_scores_do_not_depend_on_the_callers_thread_count(model):
    import torch

    pairs = SAME_CLAIM + NEGATED + OPPOSITE
    before = torch.get_num_threads()
    try:
        torch.set_num_threads(2)
        on_two = model.score(pairs)
        assert torch.get_num_threads() == 2  # the caller's count is given back
        torch.set_num_threads(1)
        on_one = model.score(pairs)
    finally:
        torch.set_num_threads(before)
    assert np.array_equal(on_two, on_one)


@pytest.mark.parametrize("precision", ["float32", "bfloat16"])
def test_pairmodel_scores_do_not_depend_on_the_models_thread_count(model, precision):
    # A pool's workers score on one thread and a lone process on several (core.threads): the
    # claims must not depend on which executor ran them.
    pairs = SAME_CLAIM + NEGATED + OPPOSITE + SAME_TOPIC
    on_one = model.score_both_ways(pairs, PairModelOptions(precision=precision, threads=1))
    on_two = model.score_both_ways(pairs, PairModelOptions(precision=precision, threads=2))
    assert np.array_equal(on_one, on_two)
