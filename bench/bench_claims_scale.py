"""How claim grouping scales: synthetic statements at 10k and 100k.

``python bench/bench_claims_scale.py [--sizes 10000 100000] [--write-docs]``
(``make bench-claims-scale``).

What is timed is the grouping step of the claims stage, on synthetic unit
vectors: candidate pairs (:func:`storyline.corpus.claim_search.neighbour_pairs`, the
inverted-file search above ``EXACT_LIMIT``), pair scores and average
linkage. Embedding 100k texts with MiniLM on two cores would take the
better part of an hour and measures the model, not the grouping; the
embedding cost is linear (about 270 texts a second here, batched) and is
paid once per text thanks to the cache. Named-entity tagging is not timed
either (the tuned weights do not use it).

The synthetic corpus has the shape of a real one, calibrated on the
labelled set's centred MiniLM vectors: a third of the statements belong to
claims of 2-12 paraphrases (pairwise cosine ~0.5), claims and one-off
statements come in topics of ~200 statements (cosine ~0.37 across claims of
one topic, ~0 across topics).
Each size runs in a fresh process, so peak memory (max RSS) is its own.

``--real`` times the grouping as the claims stage runs it, pair model included, on real
sentences: those of the PolNeAR news texts and of the shared pair data
(``../shared/datasets``), deduplicated and shuffled with a fixed seed, each sentence one unit,
a PolNeAR text's sentences one article. Their MiniLM vectors are computed once and kept in
``out/bench/`` (embedding is not what is timed); the spaCy tagging of the units the model
looks at, the cheap vetoes and the pair model are.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import re
import resource
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import numpy as np

from storyline.eval.benchdoc import write_section

REPO = Path(__file__).resolve().parents[1]
SECTION = "## Claims: grouping at scale"
DIMENSIONS = 384


def synthetic(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """``n`` unit vectors and the claim each belongs to (-1 for one-offs).

    Calibrated on the labelled set's centred MiniLM vectors: paraphrases of
    one claim at cosine ~0.5, different claims on one topic ~0.37,
    statements on different topics ~0.
    """
    rng = np.random.default_rng(seed)
    topics = _unit(rng.standard_normal((max(1, n // 200), DIMENSIONS)))
    labels = np.full(n, -1, dtype=np.int64)
    sizes = []
    while sum(sizes) < n // 3:
        sizes.append(int(rng.integers(2, 13)))
    sizes[-1] -= sum(sizes) - n // 3
    sizes += [1] * (n - sum(sizes))
    centres = _unit(topics[rng.integers(len(topics), size=len(sizes))] + 0.59 * _unit(rng.standard_normal((len(sizes), DIMENSIONS))))
    owner = np.repeat(np.arange(len(sizes)), sizes)
    vectors = _unit(centres[owner] + 1.0 * _unit(rng.standard_normal((n, DIMENSIONS))))
    labels = np.where(np.repeat(np.asarray(sizes), sizes) > 1, owner, -1)
    order = rng.permutation(n)
    return vectors[order], labels[order]


def _unit(x: np.ndarray) -> np.ndarray:
    return (x / np.linalg.norm(x, axis=-1, keepdims=True)).astype(np.float32)


def run_one(n: int) -> dict:
    from dataclasses import replace

    from storyline.corpus.claim_linkage import DEFAULT_WEIGHTS, StatementFeatures, group_units

    # Synthetic vectors have no text for the pair model: this times the search and the linkage
    # (the pair model's cost is per candidate pair, docs/claims-model.md), at the old radius.
    weights = replace(DEFAULT_WEIGHTS, model=False, centre=True, threshold=0.4, radius=0.3)

    vectors, labels = synthetic(n)
    rng = np.random.default_rng(1)
    f = StatementFeatures(
        vectors=vectors,
        negated=list(rng.random(n) < 0.05),
        entities=[frozenset()] * n,
        kinds=["direct"] * n,
        speakers=[None] * n,
        owner=np.arange(n),  # one unit per statement: synthetic vectors have no clauses
        whole=np.ones(n, dtype=bool),
        spans=[(0, 0)] * n,
        texts=[""] * n,
        articles=list(range(n)),
    )
    start = time.perf_counter()
    groups = np.asarray(group_units(f, weights))
    seconds = time.perf_counter() - start
    precision, recall = _pair_scores(labels, groups)
    return {
        "n": n,
        "seconds": round(seconds, 2),
        "max_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "pair_precision": round(precision, 3),
        "pair_recall": round(recall, 3),
    }


DATASETS = REPO.parent / "shared" / "datasets"
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"\u201c])")


def real_sentences() -> tuple[list[str], list[str]]:
    """Distinct sentences of 6-60 words from the PolNeAR texts and the pair files, and the
    article each comes from (its PolNeAR file, or its pair row). Sources are shuffled whole
    with a fixed seed (a text's sentences, or a pair's two sides, stay together), so a
    smaller sample holds its paraphrases in the same proportion as a bigger one."""
    sources: list[tuple[str, list[str]]] = []
    for path in sorted((DATASETS / "polnear").glob("*/text/*.txt")):
        sources.append((path.name, _SENTENCE_END.split(" ".join(path.read_text(encoding="utf-8").split()))))
    for path in sorted((DATASETS / "pairs").glob("*.jsonl")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines()):
            row = json.loads(line)
            sources.append((f"{path.stem}:{number}", [" ".join(str(row.get(side) or "").split()) for side in ("a", "b")]))
    texts: list[str] = []
    articles: list[str] = []
    seen: set[str] = set()
    for k in np.random.default_rng(0).permutation(len(sources)).tolist():
        name, sentences = sources[k]
        for sentence in sentences:
            if 6 <= len(sentence.split()) <= 60 and sentence not in seen:
                seen.add(sentence)
                texts.append(sentence)
                articles.append(name)
    return texts, articles


def real_vectors(texts: list[str]) -> np.ndarray:
    """MiniLM vectors of ``texts``, computed once and kept under out/bench (keyed by the texts)."""
    from storyline.article.embed import Embedder

    key = hashlib.sha256("\n".join(texts).encode("utf-8")).hexdigest()[:16]
    path = REPO / "out" / "bench" / f"claims-scale-{len(texts)}-{key}.npy"
    if path.exists():
        return np.load(path)
    vectors = Embedder().embed(texts)
    path.parent.mkdir(parents=True, exist_ok=True)
    np.save(path, vectors)
    return vectors


def run_real(n: int, precision: str = "auto", threads: int | None = None) -> dict:
    """The claims stage's grouping (``DEFAULT_WEIGHTS``: search, tagging, vetoes, pair model,
    linkage) over ``n`` real sentences, the pair model run with ``precision`` and ``threads``
    (``PairModelOptions``; the defaults are what ``analyze`` runs)."""
    from storyline.corpus import claim_linkage
    from storyline.corpus.claim_linkage import DEFAULT_WEIGHTS, StatementFeatures, group_units, negated
    from storyline.corpus.pairmodel import PairModelOptions

    texts, articles = real_sentences()
    if len(texts) < n:
        sys.exit(f"only {len(texts)} distinct sentences in {DATASETS}; asked for {n}")
    texts, articles = texts[:n], articles[:n]
    vectors = real_vectors(texts)
    f = StatementFeatures(
        vectors=vectors, negated=[negated(t) for t in texts], entities=[frozenset()] * n, kinds=["direct"] * n,
        speakers=[None] * n, owner=np.arange(n), whole=np.ones(n, dtype=bool), spans=[(0, 0)] * n,
        texts=texts, articles=articles,
    )
    model = claim_linkage.pair_model()  # loading is start-up, not grouping
    options = PairModelOptions(precision=precision, threads=threads)
    asked = [0, 0.0]
    score = model.score  # every order of every pair the model reads passes here

    def counted(pairs, _options=None):
        start = time.perf_counter()
        try:
            return score(pairs, options)
        finally:
            asked[0] += len(pairs)
            asked[1] += time.perf_counter() - start

    model.score = counted
    start = time.perf_counter()
    groups = np.asarray(group_units(f, DEFAULT_WEIGHTS))
    seconds = time.perf_counter() - start
    sizes = np.unique(groups, return_counts=True)[1]
    return {
        "n": n,
        "seconds": round(seconds, 2),
        "model_pairs": asked[0],
        "model_seconds": round(asked[1], 2),
        "groups_of_2_or_more": int((sizes > 1).sum()),
        "units_in_them": int(sizes[sizes > 1].sum()),
        "max_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "model_threads": options.thread_count(),
        "model_precision": options.precision_used(),
    }


def _pair_scores(labels: np.ndarray, groups: np.ndarray) -> tuple[float, float]:
    """Pairwise precision/recall against the synthetic claims, in linear time."""
    gold = np.where(labels >= 0, labels, -1 - np.arange(len(labels)))  # one-offs alone

    def pairs(counts: np.ndarray) -> int:
        return int((counts * (counts - 1) // 2).sum())

    both = pairs(np.unique(np.stack([gold, groups]), axis=1, return_counts=True)[1])
    predicted = pairs(np.unique(groups, return_counts=True)[1])
    true = pairs(np.unique(gold, return_counts=True)[1])
    return (both / predicted if predicted else 0.0), (both / true if true else 0.0)


def render(results: list[dict], exponent: float | None) -> str:
    lines = [
        SECTION,
        "",
        f"Measured {date.today().isoformat()} with `python bench/bench_claims_scale.py --write-docs` "
        "(`make bench-claims-scale`), 2 cores. Timed: the grouping step of the claims stage (candidate pairs "
        "by an inverted-file search over k-means cells, pair scores, average linkage, settling) on synthetic unit "
        "vectors shaped like MiniLM statement embeddings (a third in claims of 2-12 paraphrases, claims "
        "clustered in topics); embedding and NER are not timed (embedding is linear, ~270 texts/s, and cached).",
        "",
        "| statements | seconds | peak memory (max RSS, MB) | pair precision | pair recall |",
        "| --- | --- | --- | --- | --- |",
    ]
    for r in results:
        lines.append(f"| {r['n']:,} | {r['seconds']} | {r['max_rss_mb']} | {r['pair_precision']} | {r['pair_recall']} |")
    if exponent is not None:
        lines += ["", f"Growth exponent (time) from {results[0]['n']:,} to {results[-1]['n']:,}: **{exponent:.2f}**."]
    return "\n".join(lines) + "\n"


REAL_SECTION = "## Claims: grouping at scale, with the pair model"


def render_real(results: list[dict], exponent: float | None) -> str:
    lines = [
        REAL_SECTION,
        "",
        f"Measured {date.today().isoformat()} with `python bench/bench_claims_scale.py --real --write-docs` "
        f"(`make bench-claims-scale`), 2 cores, the pair model on {results[0]['model_threads']} thread(s) in "
        f"{results[0]['model_precision']} (`PairModelOptions`' defaults here, what `analyze` runs; `--model-precision` and `--model-threads` set others). Units: distinct real sentences of the "
        "PolNeAR texts and the shared pair files (whole texts and whole pairs drawn with a fixed seed, so each "
        "sample holds its paraphrases). Timed: the claims stage's grouping as `analyze` runs it "
        "(`DEFAULT_WEIGHTS`: candidate search, spaCy tagging of the units near enough to link, the cheap vetoes, "
        "the pair model both ways on what they leave, average linkage and settling); embedding is not.",
        "",
        "| units | seconds | pair orders the model read (a pair both ways: 2) | model seconds | groups of 2+ | units in them | peak memory (MB) |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in results:
        lines.append(f"| {r['n']:,} | {r['seconds']} | {r['model_pairs']:,} | {r['model_seconds']} | "
                     f"{r['groups_of_2_or_more']:,} | {r['units_in_them']:,} | {r['max_rss_mb']} |")
    if exponent is not None:
        lines += ["", f"Growth exponent (time) from {results[0]['n']:,} to {results[-1]['n']:,}: **{exponent:.3f}** "
                  "(issue #14: 100k units in at most 10 minutes, exponent at most 1.2)."]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)  # run one size in this process
    parser.add_argument("--write-docs", action="store_true")
    parser.add_argument("--real", action="store_true", help="real sentences, the pair model included")
    parser.add_argument("--model-precision", choices=["auto", "float32", "bfloat16"], default="auto",
                        help="the pair model's precision (--real; default: what analyze runs)")
    parser.add_argument("--model-threads", type=int, help="the pair model's threads (--real; default: what analyze runs)")
    args = parser.parse_args(argv)
    if args.one:
        print(json.dumps(run_real(args.one, args.model_precision, args.model_threads) if args.real else run_one(args.one)))
        return 0
    results = []
    model = ["--model-precision", args.model_precision] + (["--model-threads", str(args.model_threads)] if args.model_threads else [])
    for n in args.sizes:
        command = [sys.executable, __file__, "--one", str(n)] + (["--real", *model] if args.real else [])
        out = subprocess.run(command, check=True, capture_output=True, text=True)
        results.append(json.loads(out.stdout.strip().splitlines()[-1]))
        print(results[-1], flush=True)
    exponent = None
    if len(results) > 1:
        first, last = results[0], results[-1]
        exponent = math.log(last["seconds"] / first["seconds"]) / math.log(last["n"] / first["n"])
    text = (render_real if args.real else render)(results, exponent)
    print(text)
    if args.write_docs:
        write_section(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
