"""Claims on real sentence pairs, through the whole pipeline (issue #14).

Each distinct sentence of a pair set in ``../shared/datasets/pairs`` becomes a one-sentence
article, "<name> said: <sentence>", by a fictional speaker in a fictional outlet of its own; the
articles go through every per-article stage and the corpus stages claims reads (``CLAIM_STAGES``), and a pair is *linked* when a statement
of one article and a statement of the other share a claim.

- News paraphrase (STS-B headlines): pairs scored >= 4 must be linked, pairs <= 2 must not; link
  precision and recall (bar: P >= 0.85, R >= 0.75).
- Contradictions with high word overlap (Breaking-NLI, FEVER-symmetric): the share linked (bar:
  at most 10 %).

Calibration uses the dev splits and half A of ``breaking-nli-test`` (``split_breaking``);
the report uses the test splits and half B. Nothing from these files is stored in the repo.

The per-article stages' articles are cached outside the repository when
``$STORYLINE_CLAIM_PAIRS_CACHE`` names a folder (one pickle per sentence list, keyed by the
sentences and a hash of the ``storyline/article`` code), so a rerun only redoes the corpus stages.
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import random
from collections import defaultdict
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[3]
PAIRS = REPO.parent / "shared" / "datasets" / "pairs"
SEED = 13  # the pair model evaluation's seed (``storyline.eval.pairmodel.SEED``): the same halves
BREAKING_HALF = 400  # rows per half of breaking-nli-test used (of ~4,000 contradictions)

# Fictional speakers and outlets: each article gets its own pair, so no two look syndicated.
FIRST = ["Ada", "Bram", "Cora", "Dov", "Elin", "Fenna", "Gus", "Hale", "Ines", "Joss", "Kai", "Lior"]
LAST = ["Arlow", "Brisk", "Corrin", "Dunmore", "Esk", "Fallow", "Garrin", "Holt", "Ives", "Jarrow", "Kestle", "Lund"]


def read(name: str) -> list[dict[str, Any]]:
    with open(PAIRS / f"{name}.jsonl", encoding="utf-8") as handle:
        return [json.loads(line) for line in handle]


def sts_pairs(split: str) -> tuple[list[tuple[str, str]], list[bool]]:
    """STS-B headlines pairs scored >= 4 (True) or <= 2 (False); the middle is ambiguous."""
    kept = [r for r in read(f"stsb-headlines-{split}") if r["score"] >= 4.0 or r["score"] <= 2.0]
    return [(r["a"], r["b"]) for r in kept], [r["score"] >= 4.0 for r in kept]


def contradictions(name: str) -> list[tuple[str, str]]:
    return [(r["a"], r["b"]) for r in read(name) if r["label"] in ("contradiction", "REFUTES", "refutes")]


def split_breaking(half: str) -> list[tuple[str, str]]:
    """Half "A" (calibration) or "B" (report) of breaking-nli-test's contradictions, as
    ``storyline.eval.pairmodel`` splits them."""
    pairs = contradictions("breaking-nli-test")
    random.Random(SEED).shuffle(pairs)
    middle = len(pairs) // 2
    return pairs[:middle][:BREAKING_HALF] if half == "A" else pairs[middle:][:BREAKING_HALF]


def speaker_name(n: int) -> str:
    return f"{FIRST[n % len(FIRST)]} {LAST[(n // len(FIRST)) % len(LAST)]}"


def one_sentence_articles(sentences: list[str]) -> list[Any]:
    """One page per sentence: "<speaker> said: <sentence>", as the one paragraph of an HTML
    article. HTML, because the plain-text extractor once skipped a lone headline-style line
    ("... said: Colorado governor visits school shooting victim.") as page furniture; it now
    keeps a page's terse sentences when the page has no prose, but the HTML page keeps the
    measured numbers comparable with earlier runs."""
    from html import escape

    from storyline.core.records import InputMeta, RawDoc

    docs = []
    for n, sentence in enumerate(sentences):
        text = sentence.strip()
        if text[-1:] not in ".!?":
            text += "."
        meta = InputMeta(title=None, outlet=f"Pair Outlet {n}", published="2026-01-01", published_from="flag")
        page = f"<html><body><article><p>{escape(speaker_name(n))} said: {escape(text)}</p></article></body></html>"
        docs.append(RawDoc(source=f"pair-{n}.txt", content=page, fmt="html", meta=meta))
    return docs


def analysed(sentences: list[str], options: Any) -> list[Any]:
    """The one-sentence articles after the per-article stages (from the cache when it has them)."""
    from storyline.core.pipeline import per_article_pipeline
    from storyline.core.records import Article

    cache = _cache_file(sentences)
    if cache is not None and cache.exists():
        with open(cache, "rb") as handle:
            return pickle.load(handle)
    articles = []
    for record in per_article_pipeline(options).run(one_sentence_articles(sentences)):
        if isinstance(record, Article):
            record.id = f"a{int(record.source.split('-')[1].split('.')[0]) + 1}"
            articles.append(record)
    if cache is not None:
        cache.parent.mkdir(parents=True, exist_ok=True)
        with open(cache, "wb") as handle:
            pickle.dump(articles, handle)
    return articles


def _cache_file(sentences: list[str]) -> Path | None:
    folder = os.environ.get("STORYLINE_CLAIM_PAIRS_CACHE")
    if not folder:
        return None
    digest = hashlib.sha256("\n".join(sentences).encode())
    for source in sorted((REPO / "src" / "storyline" / "article").glob("*.py")):
        digest.update(source.read_bytes())
    return Path(folder) / f"{digest.hexdigest()[:24]}.pkl"


CLAIM_STAGES = ["entities", "syndication", "claims"]


def claims_by_sentence(sentences: list[str]) -> list[set[str]]:
    """Each sentence's claims after the whole pipeline (its one-sentence article's statements')."""
    from storyline.article.embed import MemoryCache
    from storyline.core.options import Options
    from storyline.core.records import Corpus
    from storyline.corpus.local import run_corpus_stages

    options = Options(embedding_cache=MemoryCache())
    # Only the stages claims reads (statements come from ``entities``); stories and timeline do not matter here.
    corpus = run_corpus_stages(Corpus(articles=analysed(sentences, options)), options, stages=CLAIM_STAGES)
    found: dict[str, set[str]] = defaultdict(set)
    for statement in corpus.statements:
        found[statement["article"]].update(statement.get("claims") or [])
    return [found.get(f"a{n + 1}", set()) for n in range(len(sentences))]


def linked(pair_sets: dict[str, list[tuple[str, str]]]) -> dict[str, list[bool]]:
    """For each named list of pairs, whether each pair's two sentences share a claim; all sets
    run as one corpus, as they would meet in one store."""
    sentences = sorted({s for pairs in pair_sets.values() for pair in pairs for s in pair})
    index = {s: n for n, s in enumerate(sentences)}
    claims = claims_by_sentence(sentences)
    return {name: [bool(claims[index[a]] & claims[index[b]]) for a, b in pairs] for name, pairs in pair_sets.items()}


def link_scores(links: list[bool], gold: list[bool]) -> dict[str, float]:
    tp = sum(1 for x, g in zip(links, gold) if x and g)
    predicted, positive = sum(links), sum(gold)
    return {"pairs": len(gold), "positive": positive, "linked": predicted,
            "precision": tp / predicted if predicted else 1.0, "recall": tp / positive if positive else 0.0}


def evaluate_pairs(split: str = "test") -> dict[str, Any]:
    """The news and contradiction numbers for ``split`` ("dev": calibration sets; "test": report)."""
    news, gold = sts_pairs(split)
    contra = {"breaking-nli": split_breaking("A" if split == "dev" else "B"), "fever-symmetric": contradictions(f"fever-symmetric-{split}")}
    found = linked({"news": news, **contra})
    result = {"split": split, "news": link_scores(found["news"], gold)}
    for name in contra:
        result[name] = {"pairs": len(contra[name]), "linked_share": sum(found[name]) / max(1, len(contra[name]))}
    return result


def available() -> bool:
    return (PAIRS / "stsb-headlines-test.jsonl").exists()


# --- calibration of the link rule, pair by pair, on the dev splits --------------------------------

# The grid of ``ClaimWeights`` link settings tried (``claim_linkage.model_scores``); 1.01 is "never".
GRID = {"link_cosine": [0.78, 0.80, 0.82], "same_cosine": [0.6, 0.65, 0.7], "same_min": [0.7, 0.8, 0.9, 1.01],
        "swap_same": [0.9, 0.95, 1.01], "contradicts_max": [0.2, 0.3]}


def pair_features(pairs: list[tuple[str, str]]) -> dict[str, Any]:
    """What the claims stage's link rule reads of each pair (``claim_linkage.model_scores``)."""
    import numpy as np

    from storyline.article.embed import Embedder
    from storyline.article.units import claim_text, is_proposition, tagged
    from storyline.corpus.claim_linkage import negated, pair_model
    from storyline.corpus.claim_veto import swap_kind

    texts = [claim_text(s) for pair in pairs for s in pair]
    vectors = Embedder().embed(texts)
    docs = tagged(texts)
    left, right = np.arange(0, len(texts), 2), np.arange(1, len(texts), 2)
    return {
        "cos": np.sum(vectors[left] * vectors[right], axis=1),
        "both": pair_model().score_both_ways([(texts[a], texts[b]) for a, b in zip(left, right)]),
        "swap": [swap_kind(docs[a], docs[b]) for a, b in zip(left, right)],
        "negation": np.array([negated(texts[a]) != negated(texts[b]) for a, b in zip(left, right)], dtype=bool),
        "propositions": np.array([is_proposition(docs[a]) and is_proposition(docs[b]) for a, b in zip(left, right)], dtype=bool),
    }


def rule_links(x: dict[str, Any], setting: dict[str, float]) -> Any:
    """Which pairs ``model_scores`` links under ``setting`` (the fields of ``GRID``)."""
    from dataclasses import replace

    from storyline.corpus.claim_linkage import DEFAULT_WEIGHTS, link_verdicts

    link, veto = link_verdicts(x["cos"], x["both"], x["swap"], x["negation"], replace(DEFAULT_WEIGHTS, **setting))
    return link & ~veto & x["propositions"]


def calibrate(split: str = "dev") -> dict[str, Any]:
    """Each setting of ``GRID`` on the split's news and contradiction pairs, and the chosen one:
    the highest news recall with precision >= 0.85 and <= 10 % of each set's contradictions
    linked; ties to the higher precision, then the fewer contradictions linked, then the
    stricter setting. Pair by pair: a pair of one-sentence articles links exactly when the
    rule accepts it, unless grouping joins or splits them. ``rows``: the settings that meet
    the bars, best first (at most 12), then the shipped setting's row."""
    import itertools

    from storyline.corpus.claim_linkage import DEFAULT_WEIGHTS

    news, gold = sts_pairs(split)
    sets = {"news": news, "breaking-nli": split_breaking("A" if split == "dev" else "B"),
            "fever-symmetric": contradictions(f"fever-symmetric-{split}")}
    feats = {name: pair_features(pairs) for name, pairs in sets.items()}

    def row(setting: dict[str, float]) -> dict[str, Any]:
        links = {name: rule_links(x, setting) for name, x in feats.items()}
        return {**setting, **link_scores(links["news"].tolist(), gold),
                **{name: float(links[name].mean()) for name in ("breaking-nli", "fever-symmetric")}}

    rows = [row(dict(zip(GRID, values))) for values in itertools.product(*GRID.values())]
    meets = [r for r in rows if r["precision"] >= 0.85 and r["breaking-nli"] <= 0.10 and r["fever-symmetric"] <= 0.10]
    meets.sort(key=lambda r: (-r["recall"], -r["precision"], r["breaking-nli"] + r["fever-symmetric"],
                              -r["link_cosine"], -r["same_cosine"], -r["same_min"], -r["swap_same"], r["contradicts_max"]))
    shipped = row({name: getattr(DEFAULT_WEIGHTS, name) for name in GRID})
    return {"split": split, "rows": meets[:12], "chosen": meets[0] if meets else None, "shipped": shipped}
