"""Corpus stage "stories": articles grouped into stories, one incident each.

A story is one incident followed across outlets (who, what, where, when),
not a topic: two earthquakes a year apart are two stories, one negotiation
followed over years stays one. The grouping is ``storyline.corpus.incidents``
over each article's incident features (``findings["incident"]``, left by the
``events`` stage from the parse: content lemmas, names, stated years) and its
lead vector. Candidate pairs come from the same sub-quadratic radius search
as claims over the lead vectors; the incidents grouping runs on each connected
component of them alone (it never links articles no pair links), so the
work splits into independent blocks. Every article belongs to exactly one
story; an article on an incident of its own is a story of one.

A story's id is ``"s"`` + a hash of its members' content hashes, so it is
the same across incremental runs while its membership is unchanged (and
changes, honestly, when an article joins or leaves). Its label is its most
frequent named entities followed by its most salient TF-IDF terms (the
corpus-wide TF-IDF, computed in pieces: labels only).

:func:`blocked_stories` runs it as block tasks (``storyline.corpus.blocks``),
without one process holding every article.
"""

from __future__ import annotations

import json
import shutil
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from storyline.corpus.blocks import (
    OUTPUTS,
    BlockRun,
    ShardInfo,
    components,
    cut_to_fit,
    read_bucket,
    similar_pair_files,
    write_rows,
)
from storyline.article.units import LEAD_CHARS, full_text, lead_text
from storyline.corpus.claim_labels import stable_id
from storyline.corpus.claim_linkage import ENTITY_LABELS
from storyline.corpus.claim_search import MAX_NEIGHBOURS
from storyline.corpus.incidents import IncidentWeights, group_incidents
from storyline.article.incident import IncidentFeatures, features_from_doc
from storyline.core.records import Article

REPORTING_WORDS = frozenset({"said", "says", "say", "told", "according", "added", "reporters", "stated"})
# Blocked runs: the most articles one task groups; a bigger component is cut (``blocks.cut_to_fit``).
# ``Options.extra["stories_max_block"]`` overrides.
MAX_BLOCK_ARTICLES = 50_000


@dataclass(frozen=True, slots=True)
class StoryWeights:
    """``radius``: the lead cosine at which two articles can be in one block (the components of
    those pairs); ``incidents``: the grouping's weights, as ``python -m storyline.eval.ecb`` tunes
    them (ECB+ tuning topics, keeping the team story set's tuning half)."""

    radius: float = 0.15
    incidents: IncidentWeights = field(default_factory=IncidentWeights)


DEFAULT_STORY_WEIGHTS = StoryWeights()


TOKEN_PATTERN = r"(?u)\b[^\W\d_]{3,}\b"  # words of three letters or more, no digits


def tfidf_vectorizer() -> Any:
    """The TF-IDF settings both paths share (in one process, and in blocks)."""
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, TfidfVectorizer

    # Words of reporting are in every news story and name none.
    stop_words = sorted(ENGLISH_STOP_WORDS | REPORTING_WORDS)
    return TfidfVectorizer(stop_words=stop_words, sublinear_tf=True, token_pattern=TOKEN_PATTERN)


def tfidf_rows(texts: list[str]) -> Any:
    """Unit-length TF-IDF rows (sparse) and their terms, fitted on ``texts``."""
    vectorizer = tfidf_vectorizer()
    return vectorizer.fit_transform(texts), vectorizer.get_feature_names_out()


# TF-IDF in pieces, for blocks: term statistics counted per shard and merged, the
# vocabulary and idf from them, then any shard's rows. Equal, to the last bit, to
# ``tfidf_rows`` over the union of the texts in key order (tests/test_stories.py checks it):
# scikit-learn keeps each row's entries in the order the fit first met their terms, and the
# l2 norm and the pair products sum in that order, so the merge keeps where each term was
# first seen, not only its document frequency.

FirstSeen = tuple[Any, ...]  # (text key..., token position): the fit meets the smallest first


@dataclass(frozen=True, slots=True)
class TfidfWeights:
    """A fitted vocabulary: terms sorted (as scikit-learn orders features), their idf, and
    ``fitted[c]``, term ``c``'s place in the order the fit first met the terms."""

    terms: np.ndarray
    idf: np.ndarray
    fitted: np.ndarray


def term_statistics(texts: Iterable[str], keys: Iterable[tuple[Any, ...]]) -> dict[str, tuple[int, FirstSeen]]:
    """Per term of ``texts`` (``tfidf_rows``' analyzer): how many texts hold it, and where it is first
    seen, ``(key of the text, token position)`` for the smallest key."""
    analyze = tfidf_vectorizer().build_analyzer()
    stats: dict[str, tuple[int, FirstSeen]] = {}
    for text, key in zip(texts, keys):
        first: dict[str, FirstSeen] = {}
        for position, token in enumerate(analyze(text)):
            first.setdefault(token, (*key, position))
        for token, seen in first.items():
            count, earliest = stats.get(token, (0, seen))
            stats[token] = (count + 1, min(earliest, seen))
    return stats


def merge_term_statistics(items: Iterable[tuple[str, tuple[int, FirstSeen]]]) -> dict[str, tuple[int, FirstSeen]]:
    """Several texts' ``term_statistics`` (their items) as one's."""
    merged: dict[str, tuple[int, FirstSeen]] = {}
    for term, (count, seen) in items:
        total, earliest = merged.get(term, (0, seen))
        merged[term] = (total + count, min(earliest, seen))
    return merged


def tfidf_weights(stats: dict[str, tuple[int, FirstSeen]], documents: int) -> TfidfWeights:
    """The vocabulary and its smooth idf, ``ln((1 + n) / (1 + df)) + 1``, computed as
    ``TfidfTransformer.fit`` does, from ``documents`` texts' merged statistics."""
    names = sorted(stats)
    terms = np.array(names, dtype=str)
    df = np.array([stats[name][0] for name in names], dtype=np.float64) + 1.0
    idf = np.full_like(df, documents + 1)
    idf /= df
    np.log(idf, out=idf)
    idf += 1.0
    fitted = np.empty(len(names), dtype=np.int64)
    fitted[sorted(range(len(names)), key=lambda column: stats[names[column]][1])] = np.arange(len(names))
    return TfidfWeights(terms, idf, fitted)


def tfidf_transform(texts: list[str], weights: TfidfWeights) -> Any:
    """``texts``' TF-IDF rows over a vocabulary fitted elsewhere (every term of ``texts`` in it),
    each row's entries in the fit's order."""
    from scipy.sparse import csr_matrix
    from sklearn.feature_extraction.text import TfidfTransformer

    vectorizer = tfidf_vectorizer()
    analyze = vectorizer.build_analyzer()
    indices: list[np.ndarray] = [np.zeros(0, dtype=np.int64)]
    counts: list[np.ndarray] = [np.zeros(0)]
    indptr = [0]
    for text in texts:
        tokens = Counter(analyze(text))
        columns = np.searchsorted(weights.terms, np.array(list(tokens), dtype=str)).astype(np.int64)
        order = np.argsort(weights.fitted[columns], kind="stable")
        indices.append(columns[order])
        counts.append(np.array(list(tokens.values()), dtype=np.float64)[order])
        indptr.append(indptr[-1] + len(tokens))
    matrix = csr_matrix((np.concatenate(counts), np.concatenate(indices), np.array(indptr)),
                        shape=(len(texts), len(weights.terms)))
    transformer = TfidfTransformer(norm=vectorizer.norm, use_idf=vectorizer.use_idf,
                                   smooth_idf=vectorizer.smooth_idf, sublinear_tf=vectorizer.sublinear_tf)
    transformer.idf_ = np.asarray(weights.idf, dtype=np.float64)
    return transformer.transform(matrix)


# -- grouping --------------------------------------------------------------------


def story_key(article: Article) -> tuple[str, str]:
    """The order articles are grouped in (it breaks ties), whatever order they came in."""
    return (article.content_hash, article.id or "")


def stories_of(articles: list[Article], tfidf: Any, terms: Any, groups: list[int]) -> list[dict[str, Any]]:
    """A story record per group (articles in ``story_key`` order, ``tfidf`` their rows)."""
    members_of: dict[int, list[int]] = defaultdict(list)
    for index, group in enumerate(groups):
        members_of[group].append(index)
    stories = []
    for members in members_of.values():
        chosen = [articles[m] for m in members]
        stories.append(
            {
                "id": stable_id("s", (a.content_hash for a in chosen)),
                "label": story_label(chosen, tfidf[members], terms),
                "articles": sorted(a.id for a in chosen if a.id is not None),
            }
        )
    return stories


def story_order(story: dict[str, Any]) -> tuple[int, str]:
    """The order of the stories list: largest first, then by id."""
    return (-len(story["articles"]), story["id"])


def story_label(articles: list[Article], rows: Any, terms: Any, entities: int = 3, words: int = 3) -> str:
    """Salient entities (by how many member articles name them), then terms."""
    names = _frequent_entities(articles)[:entities]
    # Only the members' own terms weigh anything: summing just those keeps a label's cost to its
    # story's size, not the vocabulary's; in vocabulary order, so ties break as over all terms.
    used = np.unique(rows.indices)
    weights = np.asarray(rows[:, used].sum(axis=0)).ravel()
    taken = {word for name in names for word in name.lower().split()}
    salient = []
    for index in np.argsort(-weights, kind="stable"):
        term = str(terms[used[index]])
        if weights[index] <= 0 or len(salient) >= words:
            break
        if term not in taken:
            salient.append(term)
    return " · ".join(names + salient)


def _frequent_entities(articles: list[Article]) -> list[str]:
    from storyline.article.parse import PIPE_BATCH, load_nlp

    nlp = load_nlp()
    disabled = [name for name in nlp.pipe_names if name not in ("tok2vec", "ner")]
    counts: Counter[str] = Counter()
    with nlp.select_pipes(disable=disabled):
        for doc in nlp.pipe((lead_text(a) for a in articles), batch_size=PIPE_BATCH):
            counts.update({ent.text.strip() for ent in doc.ents if ent.label_ in ENTITY_LABELS})
    return [name for name, _ in sorted(counts.items(), key=lambda item: (-item[1], item[0]))]


# ---------------------------------------------------------------------------
# Across the corpus, in blocks (``storyline.corpus.blocks``): no process holds every article.


SCRATCH = "stories_work"  # under ``_corpus/``; removed when the stage is done


def blocked_stories(run: BlockRun, weights: StoryWeights = DEFAULT_STORY_WEIGHTS) -> dict[str, Any]:
    """The stories stage over shards: ``stories.jsonl``, the stories largest first, then by id.

    1. TF-IDF (for the labels): each shard counts its terms (``term_statistics``), merged per
       term in buckets; the driver makes the vocabulary and idf of them (``tfidf_weights``).
    2. Candidate pairs: ``similar_pair_files`` over the lead vectors the shards already hold;
       the driver gets their spanning forests, so the connected components of the pairs.
    3. The incidents grouping only links articles some candidate pair links, so it runs on
       each component alone; inside a component only the articles' relative order matters (it
       breaks ties), and a component's articles sorted by ``story_key`` are in one order
       whatever the shards. Articles (lead, TF-IDF row, incident features, lead vector) are
       scattered by component; each bucket's task groups and labels its components' stories.
       A component over ``stories_max_block`` articles is cut (``blocks.cut_to_fit``).

    What the driver holds, and why it is small: per term, its document count and where it
    is first seen (a vocabulary: it grows ever more slowly with the corpus, unlike the
    text); the forest edges (a few per article, three numbers each) and a component number
    per article; and the story records it sorts and writes (ids and a label, no text, no
    vectors). A component's task holds that component's articles.
    """
    # Statistics are scattered by term, so the driver receives each term once, however many shards hold it.
    stats: dict[str, tuple[int, FirstSeen]] = {}
    for part in run.gather(run.scatter(f"{SCRATCH}/terms", _shard_term_statistics), _bucket_term_statistics):
        stats.update(part)
    documents = stats.pop(DOCUMENTS, (0, ()))[0]
    fitted = tfidf_weights(stats, documents)
    del stats
    shared = {name: run.share(f"{SCRATCH}/{name}", getattr(fitted, name)) for name in ("terms", "idf", "fitted")}
    # Every candidate pair can join two articles, so the forests span the components.
    _, (i, j, cos), found_pairs = similar_pair_files(
        run, f"{SCRATCH}/leads", _shard_lead_vectors, weights.radius, MAX_NEIGHBOURS, weights.radius)
    cap = int(run.options.extra.get("stories_max_block", MAX_BLOCK_ARTICLES))
    labels, strongest_cut = cut_to_fit(components(run.articles, i, j), i, j, cos, weights.radius, cap)
    shared["component"] = run.share(f"{SCRATCH}/component", labels)
    buckets = run.scatter(f"{SCRATCH}/components", _shard_story_rows, shared) if documents else []
    found = run.gather(buckets, _bucket_stories, shared["terms"], weights)
    stories = sorted((story for part in found for story in part), key=story_order)
    write_rows(run.path(OUTPUTS["stories"]), stories)
    shutil.rmtree(run.path(SCRATCH), ignore_errors=True)
    return {"stories": len(stories), "articles": documents, "terms": len(fitted.terms), "pairs": found_pairs,
            "forest_edges": len(i),
            "buckets": len(buckets), "largest_block": int(np.bincount(labels).max(initial=0)) if len(labels) else 0,
            "strongest_cut": strongest_cut}


def _story_articles(shard: ShardInfo) -> list[tuple[int, Article]]:
    """The shard's articles with a body, as ``(global number, article)`` (number n is id ``a{n+1}``);
    only the columns stories reads (the ``incident`` finding among ``other_findings``)."""
    import pyarrow.parquet as pq

    columns = ["id", "title", "body", "content_hash", "other_findings"]
    found = []
    for row in pq.read_table(shard.folder / "articles.parquet", columns=columns).to_pylist():
        if row["body"]:
            article = Article(source="", input_hash="", content_hash=row["content_hash"], body=row["body"],
                              title=row["title"], id=shard.article_id(row["id"]))
            incident = json.loads(row["other_findings"] or "{}").get("incident")
            if incident:
                article.findings["incident"] = incident
            found.append((shard.article_number(row["id"]) - 1, article))
    return found


DOCUMENTS = ""  # a term no text has (tokens have three letters or more): it counts the shards' texts


def _shard_term_statistics(shard: ShardInfo) -> Iterator[tuple[str, tuple[int, FirstSeen]]]:
    articles = [article for _, article in _story_articles(shard)]
    yield DOCUMENTS, (len(articles), ())
    yield from term_statistics((full_text(a) for a in articles), (story_key(a) for a in articles)).items()


def _bucket_term_statistics(bucket: Path) -> dict[str, tuple[int, FirstSeen]]:
    return merge_term_statistics((term, row) for term, rows in read_bucket(bucket).items() for row in rows)


def _lead_vectors(shard: ShardInfo, articles: list[tuple[int, Article]]) -> np.ndarray:
    """The articles' lead vectors, from the shard's ``embeddings.parquet``."""
    from storyline.article.embed import DIMENSIONS, Embedder, cache_key
    from storyline.store.parts import read_embeddings

    known = read_embeddings(shard.folder)
    missing = [lead_text(a) for _, a in articles if cache_key(lead_text(a)) not in known]
    if missing:  # a shard written before the ``embed`` stage: embed as that stage would have
        known.update(Embedder(None).vectors(missing))
    vectors = [np.asarray(known[cache_key(lead_text(a))], dtype=np.float32) for _, a in articles]
    return np.stack(vectors) if vectors else np.zeros((0, DIMENSIONS), dtype=np.float32)


def _shard_lead_vectors(shard: ShardInfo) -> tuple[np.ndarray, np.ndarray]:
    """Global numbers and lead vectors of the shard's articles."""
    articles = _story_articles(shard)
    return np.array([number for number, _ in articles], dtype=np.int64), _lead_vectors(shard, articles)


def incident_features(articles: list[Article], vectors: np.ndarray) -> list[IncidentFeatures]:
    """Each article's incident features: its ``incident`` finding, or (an article stored before the
    ``events`` stage left one) the same features from a fresh parse of its text."""
    features: list[IncidentFeatures | None] = [
        IncidentFeatures.from_finding(a.findings["incident"][0], v) if a.findings.get("incident") else None
        for a, v in zip(articles, vectors)]
    missing = [k for k, f in enumerate(features) if f is None]
    if missing:
        from storyline.article.parse import load_nlp

        docs = load_nlp().pipe(articles[k].body for k in missing)
        for k, doc in zip(missing, docs):
            features[k] = features_from_doc(doc, articles[k].title, [], vectors[k])
    return [f for f in features if f is not None]


def _shard_story_rows(shard: ShardInfo, shared: dict[str, Path]) -> Iterator[tuple[int, tuple[Any, ...]]]:
    """Keyed by component: each article with a body (lead only, its TF-IDF row and incident features)."""
    arrays = {name: np.load(path, mmap_mode="r") for name, path in shared.items()}
    component = arrays["component"]
    articles = _story_articles(shard)
    fitted = TfidfWeights(arrays["terms"], np.asarray(arrays["idf"]), arrays["fitted"])
    rows = tfidf_transform([full_text(a) for _, a in articles], fitted)
    features = incident_features([a for _, a in articles], _lead_vectors(shard, articles))
    for k, (number, article) in enumerate(articles):
        lead = Article(source="", input_hash="", content_hash=article.content_hash, body=article.body[:LEAD_CHARS],
                       title=article.title, id=article.id)
        row = slice(rows.indptr[k], rows.indptr[k + 1])
        yield int(component[number]), ("article", number, lead, rows.indices[row].copy(), rows.data[row].copy(),
                                       features[k])


def _bucket_stories(bucket: Path, terms_path: Path, weights: StoryWeights) -> list[dict[str, Any]]:
    terms = np.load(terms_path, mmap_mode="r")
    return [story for rows in read_bucket(bucket).values() for story in component_stories(rows, terms, weights)]


def component_stories(rows: list[tuple[Any, ...]], terms: Any, weights: StoryWeights) -> list[dict[str, Any]]:
    """The stories of one connected component: its articles in ``story_key`` order, grouped by
    ``incidents.group_incidents`` and labelled."""
    from scipy.sparse import csr_matrix

    members = sorted(rows, key=lambda row: story_key(row[2]))
    indptr = np.cumsum([0] + [len(row[3]) for row in members])
    tfidf = csr_matrix((np.concatenate([np.zeros(0)] + [row[4] for row in members]),
                        np.concatenate([np.zeros(0, dtype=np.int64)] + [row[3] for row in members]), indptr),
                       shape=(len(members), len(terms)))
    groups = group_incidents([row[5] for row in members], weights.incidents)
    return stories_of([row[2] for row in members], tfidf, terms, groups)
