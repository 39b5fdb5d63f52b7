"""Sentence embedding on the workers: the per-article stage ``embed`` against the driver.

On N PolNeAR texts (``../shared/datasets/polnear``, as ``bench_scale`` reads
them), in one process:

1. the per-article stages before ``embed`` (extract ... signature), timed;
2. the ``embed`` stage alone over those articles: seconds, texts, and
   seconds per article (one thread, one model call per article, as a
   worker runs it);
3. the corpus stages twice over the same articles in a fresh SQLite store:
   once with no vectors stored (the driver embeds every claim unit and
   lead, as before this stage existed) and once with the vectors the stage
   computed stored with the articles. Seconds per corpus stage, texts the
   driver embedded, and whether claims and stories came out the same.

Writes "## Embedding on the workers" in docs/benchmarks.md (unless ``--no-write``).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from storyline.eval.benchdoc import write_section

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_scale import POLNEAR, polnear_docs  # noqa: E402

HEADING = "## Embedding on the workers"


def per_article(docs: list) -> tuple[list, float, float, int]:
    """Articles through the stages before ``embed``, then ``embed``: (articles, seconds before, seconds embed, texts)."""
    from storyline.article.embed import EmbedArticle, article_texts, load_model
    from storyline.core.options import Options
    from storyline.core.pipeline import PER_ARTICLE_STAGES, Pipeline
    from storyline.core.records import Article

    load_model()
    before = Pipeline([name for name in PER_ARTICLE_STAGES if name != "embed"], Options())
    started = time.perf_counter()
    articles = [record for record in before.run(docs) if isinstance(record, Article)]
    seconds_before = time.perf_counter() - started
    stage = EmbedArticle(Options())
    started = time.perf_counter()
    articles = list(stage.run(articles))
    seconds_embed = time.perf_counter() - started
    texts = sum(len(article_texts(article)) for article in articles)
    return articles, seconds_before, seconds_embed, texts


def corpus_run(articles: list, db_path: Path, with_vectors: bool) -> dict:
    """The corpus stages in a fresh store; with or without the stage's vectors stored."""
    from storyline.core.options import Options
    from storyline.corpus.local import run_corpus_stages
    from storyline.store.sqlite import Store

    with Store(db_path) as store:
        with store.conn:
            for article in articles:
                article.id = None
                kept = article.embeddings
                if not with_vectors:
                    article.embeddings = {}
                store.write_article(article)
                article.embeddings = kept
        options = Options(embedding_cache=store)
        before = store.conn.execute("SELECT COUNT(*) FROM embeddings").fetchone()[0]
        started = time.perf_counter()
        corpus = run_corpus_stages(store.corpus(), options)  # the corpus stages: one block pass
        seconds = {"corpus stages": time.perf_counter() - started}
        embedded = store.conn.execute("SELECT COUNT(*) FROM embeddings").fetchone()[0] - before
    return {"seconds": seconds, "embedded": embedded, "claims": corpus.claims, "stories": corpus.stories,
            "statements": [(s["id"], s["claim"], s["claims"]) for s in corpus.statements]}


def section(n: int, articles: int, before: float, embed: float, texts: int, old: dict, new: dict, load: tuple) -> str:
    stages = list(old["seconds"])
    rows = "\n".join(f"| {name} | {old['seconds'][name]:.2f} | {new['seconds'][name]:.2f} |" for name in stages)
    same = (old["claims"] == new["claims"], old["stories"] == new["stories"], old["statements"] == new["statements"])
    changed = [(a, b) for a, b in zip(old["claims"], new["claims"]) if a != b]
    fields = sorted({key for a, b in changed for key in a if a.get(key) != b.get(key)})
    return f"""{HEADING}

Measured {date.today().isoformat()} with `python bench/bench_embed_stage.py --articles {n}`, under `nice -n 10`, one process, on 2 cores shared with another engineer's jobs (load average before: {load[0]:.2f} / {load[1]:.2f} / {load[2]:.2f}). {articles} PolNeAR texts (`../shared/datasets/polnear`); models loaded before timing.

The per-article stage `embed` computes, for each article, the vectors `claims` (every claim unit of every statement) and `stories` (title and lead) will ask for, each text through the model alone on one thread, as a worker runs it; the driver stores them in the embedding cache with the article. Texts are counted per article (a text in two articles twice).

| per-article work | seconds | per article |
|---|---:|---:|
| stages before `embed` (extract, parse, statements, times, events, signature) | {before:.1f} | {before / articles * 1000:.0f} ms |
| `embed` ({texts:,} texts, {texts / articles:.1f} per article) | {embed:.1f} | {embed / articles * 1000:.0f} ms ({texts / embed:.0f} texts/s) |

So `embed` adds {embed / before:.0%} to the per-article work, which the workers share (before the stage, the driver did this work alone after the workers were done). The corpus stages over the same articles in a fresh store, without stored vectors (the driver embeds everything, on both cores, as before the stage existed) and with the stage's vectors stored:

| corpus stage | seconds, driver embeds | seconds, vectors from `embed` |
|---|---:|---:|
{rows}
| **all** | **{sum(old['seconds'].values()):.1f}** | **{sum(new['seconds'].values()):.1f}** |

Texts the driver embedded: {old['embedded']:,} without the stage's vectors, {new['embedded']:,} with them. Same claims: {same[0]} ({len(changed)} of {len(old['claims'])} differ{', in ' + ', '.join(fields) if fields else ''}); same stories: {same[1]}; same claim of every statement: {same[2]}. The stage's vectors differ from the ones the driver computes in batches in the last bits (MiniLM's floats depend on what a text is padded and batched with, and on the thread count), so anything decided by a near-tie can differ.
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--articles", type=int, default=200)
    parser.add_argument("--no-write", action="store_true", help="print the section, leave docs/benchmarks.md alone")
    args = parser.parse_args()
    if not POLNEAR.exists():
        sys.exit(f"{POLNEAR} not found")
    load = os.getloadavg()
    articles, before, embed, texts = per_article(polnear_docs(args.articles))
    print(f"per-article: {len(articles)} articles, before {before:.1f}s, embed {embed:.1f}s, {texts} texts", flush=True)
    with tempfile.TemporaryDirectory() as temporary:
        old = corpus_run(articles, Path(temporary) / "old.db", with_vectors=False)
        print("driver embeds:", old["seconds"], old["embedded"], flush=True)
        new = corpus_run(articles, Path(temporary) / "new.db", with_vectors=True)
        print("vectors stored:", new["seconds"], new["embedded"], flush=True)
    text = section(args.articles, len(articles), before, embed, texts, old, new, load)
    print(text)
    if not args.no_write:
        write_section(text)


if __name__ == "__main__":
    main()
