"""Corpus stage "stories": articles grouped into storylines.

Two articles are in the same story when they are about the same thing, not
merely about the same people: a minister who appears in a port strike and
in a budget fight links nothing. So an article is compared by what it
*is about*: the sentence embedding of its title and lead, blended with the
TF-IDF cosine of its whole text (shared rare words: "dam", "Tessel",
"refinery"). Candidate pairs come from the same sub-quadratic radius
search as claims; groups form by average linkage over that sparse graph
(:func:`storyline.claims.average_linkage`), so one topic spread over years
stays one story as long as its articles keep resembling each other on
average, and a corpus on several topics splits into several stories. Every
article belongs to exactly one story; an article on a topic of its own is a
story of one.

A story's id is ``"s"`` + a hash of its members' content hashes, so it is
the same across incremental runs while its membership is unchanged (and
changes, honestly, when an article joins or leaves). Its label is its most
frequent named entities followed by its most salient TF-IDF terms.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from storyline.claims import ENTITY_LABELS, average_linkage, neighbour_pairs, stable_id
from storyline.pipeline import Options, register_stage
from storyline.records import Article, Corpus

REPORTING_WORDS = frozenset({"said", "says", "say", "told", "according", "added", "reporters", "stated"})
LEAD_CHARS = 600  # the title and this much of the body say what an article is about


@dataclass(frozen=True, slots=True)
class StoryWeights:
    """Tuned on the tuning half of ``eval/claims/articles.jsonl`` only."""

    threshold: float = 0.175
    embedding: float = 0.25  # share of the embedding cosine; the rest is TF-IDF
    radius: float = 0.15


# As tuned by ``python -m storyline.eval_claims`` (see docs/benchmarks.md).
DEFAULT_STORY_WEIGHTS = StoryWeights()


def lead_text(article: Article) -> str:
    return " ".join(filter(None, [article.title, article.body[:LEAD_CHARS]]))


def full_text(article: Article) -> str:
    return " ".join(filter(None, [article.title, article.body]))


def tfidf_rows(texts: list[str]) -> Any:
    """Unit-length TF-IDF rows (sparse)."""
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, TfidfVectorizer

    # Words of reporting are in every news story and name none.
    stop_words = sorted(ENGLISH_STOP_WORDS | REPORTING_WORDS)
    vectorizer = TfidfVectorizer(stop_words=stop_words, sublinear_tf=True, token_pattern=r"(?u)\b[^\W\d_]{3,}\b")
    return vectorizer.fit_transform(texts), vectorizer.get_feature_names_out()


def group_articles(vectors: np.ndarray, tfidf: Any, w: StoryWeights) -> list[int]:
    i, j, cos = neighbour_pairs(vectors, w.radius)
    lexical = np.asarray(tfidf[i].multiply(tfidf[j]).sum(axis=1)).ravel() if len(i) else np.zeros(0)
    scores = w.embedding * cos + (1 - w.embedding) * lexical
    pairs = ((int(a), int(b), float(s)) for a, b, s in zip(i, j, scores))
    return average_linkage(len(vectors), pairs, w.threshold, floor=0.0)


@register_stage("stories")
class Stories:
    """Fill ``corpus.stories`` with ``{"id", "label", "articles"}``."""

    def __init__(self, options: Options, weights: StoryWeights = DEFAULT_STORY_WEIGHTS) -> None:
        from storyline.embed import Embedder

        self.embedder = Embedder(options.embedding_cache, batch_size=max(options.batch_size, 64))
        self.weights = weights

    def run(self, corpora: Iterable[Corpus]) -> Iterator[Corpus]:
        for corpus in corpora:
            corpus.stories = self.find_stories(corpus.articles)
            yield corpus

    def find_stories(self, articles: list[Article]) -> list[dict[str, Any]]:
        articles = sorted((a for a in articles if a.body), key=lambda a: (a.content_hash, a.id or ""))
        if not articles:
            return []
        vectors = self.embedder.embed([lead_text(a) for a in articles])
        tfidf, terms = tfidf_rows([full_text(a) for a in articles])
        groups: dict[int, list[int]] = defaultdict(list)
        for index, group in enumerate(group_articles(vectors, tfidf, self.weights)):
            groups[group].append(index)
        stories = []
        for members in groups.values():
            chosen = [articles[m] for m in members]
            stories.append(
                {
                    "id": stable_id("s", (a.content_hash for a in chosen)),
                    "label": story_label(chosen, tfidf[members], terms),
                    "articles": sorted(a.id for a in chosen if a.id is not None),
                }
            )
        stories.sort(key=lambda s: (-len(s["articles"]), s["id"]))
        return stories


def story_label(articles: list[Article], rows: Any, terms: Any, entities: int = 3, words: int = 3) -> str:
    """Salient entities (by how many member articles name them), then terms."""
    names = _frequent_entities(articles)[:entities]
    weights = np.asarray(rows.sum(axis=0)).ravel()
    taken = {word for name in names for word in name.lower().split()}
    salient = []
    for index in np.argsort(-weights, kind="stable"):
        term = str(terms[index])
        if weights[index] <= 0 or len(salient) >= words:
            break
        if term not in taken:
            salient.append(term)
    return " · ".join(names + salient)


def _frequent_entities(articles: list[Article]) -> list[str]:
    from storyline.parse import load_nlp

    nlp = load_nlp()
    disabled = [name for name in nlp.pipe_names if name not in ("tok2vec", "ner")]
    counts: Counter[str] = Counter()
    with nlp.select_pipes(disable=disabled):
        for doc in nlp.pipe((lead_text(a) for a in articles), batch_size=64):
            counts.update({ent.text.strip() for ent in doc.ents if ent.label_ in ENTITY_LABELS})
    return [name for name, _ in sorted(counts.items(), key=lambda item: (-item[1], item[0]))]
