"""The claims evaluation: metrics on known cases, the split, the sets, the docs section."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from storyline.eval import claims as eval_claims
from storyline.eval.claims import bcubed, half, load, pairwise


def test_eval_claims_pairwise_counts_pairs():
    p, r, f1 = pairwise(["a", "a", "b"], [1, 1, 1])
    assert (p, r) == pytest.approx((1 / 3, 1.0))
    assert f1 == pytest.approx(0.5)
    assert pairwise(["a", "a", "b"], [1, 1, 2]) == (1.0, 1.0, 1.0)


def test_eval_claims_bcubed_per_item():
    p, r, f1 = bcubed(["a", "a", "b"], [1, 1, 1])
    assert p == pytest.approx((2 / 3 + 2 / 3 + 1 / 3) / 3)
    assert r == pytest.approx(1.0)
    p, r, _ = bcubed(["a", "a", "b"], [1, 2, 3])
    assert (p, r) == pytest.approx((1.0, (0.5 + 0.5 + 1) / 3))


def test_eval_claims_sets_are_big_enough_and_split_in_two():
    statements = load("statements.jsonl")
    groups = Counter(r["group"] for r in statements)
    claim_groups = [g for g in groups if not re.match(r"^x\d+$", g)]
    assert len(statements) >= 300 and len(claim_groups) >= 40
    assert all(groups[g] >= 4 for g in claim_groups)
    articles = load("articles.jsonl")
    assert len(articles) >= 60 and len({r["story"] for r in articles}) >= 8
    for rows in (statements, articles):
        halves = Counter(half(r["id"]) for r in rows)
        assert set(halves) == {"tune", "held"} and min(halves.values()) > len(rows) / 3
        assert len({r["id"] for r in rows}) == len(rows)
    assert half("q001") == half("q001")


def test_eval_claims_main_rejects_unknown_options():
    with pytest.raises(SystemExit):
        eval_claims.main(["--no-such-option"])


def test_eval_claim_pairs_one_sentence_articles_have_their_own_speaker_and_outlet():
    from storyline.article.extract import extract_article
    from storyline.core.options import Options
    from storyline.eval.claim_pairs import one_sentence_articles

    # The second is in headline style, which the plain-text extractor would skip as page furniture.
    docs = one_sentence_articles(["The Harlow ferry resumes on Monday", "Harlow Governor Visits Tessel Flood Victims"])
    bodies = [extract_article(d, Options()).body for d in docs]
    assert [b.split(" said: ")[1] for b in bodies] == ["The Harlow ferry resumes on Monday.", "Harlow Governor Visits Tessel Flood Victims."]
    assert len({b.split(" said: ")[0] for b in bodies}) == 2 and len({d.meta.outlet for d in docs}) == 2


def test_eval_claim_pairs_link_scores_count_linked_pairs():
    from storyline.eval.claim_pairs import link_scores

    scores = link_scores([True, True, False, False], [True, False, True, False])
    assert (scores["precision"], scores["recall"], scores["linked"]) == (0.5, 0.5, 2)
