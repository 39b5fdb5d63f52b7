"""Train the ``events`` stage's trigger model (``make train-events-model``).

``python -m storyline.eval.train_events [--out PATH]`` learns
``storyline/article/events_model.json`` from the ECB+ **tuning** topics only
(even topic numbers, ``storyline.eval.ecb.half_of``; the odd topics stay
held out for ``storyline eval events``). Examples: every candidate token
(``events.is_candidate``) inside the validated sentences; positive when it is
the first candidate inside a gold ``ACTION_OCCURRENCE`` mention.

The regularisation strength and the probability threshold are chosen by
two-fold cross-validation over the tuning topics (fold = parity of
``topic // 2``): each fold's tokens are scored by a model fitted on the
other fold, and the choice is the best occurrence-mention F1 over the whole
tuning half (``ecb.score_events``). The model is then fitted on the whole
tuning half. scikit-learn's lbfgs logistic regression has no random state:
the same data give the same weights (rounded to 6 decimals in the file).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from storyline.eval.ecb import (
    EventRun,
    Gold,
    Parsed,
    candidates_of,
    gold_and_parsed,
    halves,
    score_events,
    trigger_labels,
)

OUT = Path(__file__).resolve().parents[1] / "article" / "events_model.json"
STRENGTHS = [0.3, 1.0, 3.0]
THRESHOLDS = [0.25, 0.3, 0.35, 0.4, 0.45, 0.5]


def train(gold: Gold, parsed: dict[str, Parsed]) -> tuple[Any, dict[str, Any]]:
    """The model fitted on the tuning half, and how it was chosen."""
    from storyline.article.events import learn_trigger_model
    from storyline.article.parse import load_nlp

    nlp = load_nlp()
    tune = halves(gold)["tune"]
    cands = {name: candidates_of(parsed[name], parsed[name].doc(nlp), gold) for name in tune.articles}
    folds = {k: [a for a in tune.articles if (tune.topic[a] // 2) % 2 == k] for k in (0, 1)}

    def examples(names: list[str]) -> tuple[list[Any], list[bool]]:
        found = [c for n in names for c in cands[n]]
        return [t for t, _ in found], trigger_labels(found, gold)

    scores: dict[tuple[float, float], float] = {}
    for strength in STRENGTHS:
        models = {k: learn_trigger_model(*examples(folds[1 - k]), strength=strength) for k in (0, 1)}
        probabilities = [(span, models[k].probability(token)) for k in (0, 1) for n in folds[k] for token, span in cands[n]]
        for threshold in THRESHOLDS:
            spans = [span for span, p in probabilities if p >= threshold]
            run = EventRun(spans, [("alone", k) for k in range(len(spans))])
            scores[(strength, threshold)] = score_events(tune, run)["mentions"][2]
    (strength, threshold), best = max(scores.items(), key=lambda item: (item[1], -item[0][0], -item[0][1]))
    model = learn_trigger_model(*examples(tune.articles), threshold=threshold, strength=strength)
    tokens = sum(len(c) for c in cands.values())
    return model, {"strength": strength, "threshold": threshold, "cv_f1": round(best, 4), "tokens": tokens,
                   "articles": len(tune.articles), "topics": sorted(set(tune.topic.values()))}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m storyline.eval.train_events", description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    loaded = gold_and_parsed()
    if loaded is None:
        return 2
    gold, parsed = loaded
    model, how = train(gold, parsed)
    data = {**model.as_json(), "trained": {**how, "data": "ecbplus-train, even (tuning) topics only",
                                           "command": "make train-events-model"}}
    text = json.dumps(data, indent=0, sort_keys=True, ensure_ascii=True) + "\n"
    args.out.write_text(text, encoding="utf-8")
    print(f"{args.out}: {len(model.weights)} weights, C={how['strength']}, p >= {how['threshold']}, "
          f"cross-validated F1 {how['cv_f1']}; sha256 {hashlib.sha256(text.encode()).hexdigest()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
