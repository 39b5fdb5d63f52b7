"""The corpus stages over articles in hand (the store's, or a test's): the block pass over one shard.

There is one implementation of each corpus stage, ``blocked_<stage>(run)`` over shards
(``storyline.corpus.blocks``). A normal run, ``ingest-parts`` and the evaluations do not have
another: :func:`run_corpus_stages` writes the articles as one shard (the same tables a parts
run writes, plus their ids) in a scratch folder, runs the pass on an executor (by default this
process), and reads the lists back. A cluster run differs only in the executor and in the shards
living in a parts directory (``storyline corpus-parts``).

Sentence vectors: each article's claim units and lead (``storyline.article.units``) are looked up
in ``options.embedding_cache`` (the store's ``embeddings`` table, filled by the per-article stage
``embed``); what is missing is embedded once here, on one thread and batched by token length as ``embed``
does, and put in the cache, so an incremental run embeds only new text.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from storyline.article.embed import Embedder, article_texts, cache_key
from storyline.core.options import Options
from storyline.core.pipeline import CORPUS_STAGES, LocalExecutor
from storyline.core.records import Article, Corpus
from storyline.corpus.blocks import OUTPUTS, STAGE_OUTPUTS, BlockRun, read_corpus, run_corpus, write_rows
from storyline.store.parts import shard_folder, write_shard


def run_corpus_stages(corpus: Corpus, options: Options, executor: Any = None, stages: Iterable[str] | None = None,
                      scratch: str | Path | None = None) -> Corpus:
    """``corpus`` with the lists of ``stages`` (default: every corpus stage) computed from its articles.

    The lists of the stages not run are taken from ``corpus`` as given (a test that checks one stage
    gives the statements the earlier ones would have made). Articles keep their ids; the pass sees
    them in store order (``a2`` before ``a10``)."""
    wanted = list(CORPUS_STAGES if stages is None else stages)
    unknown = set(wanted) - set(CORPUS_STAGES)
    if unknown:
        raise ValueError(f"not corpus stages: {sorted(unknown)}")
    articles = sorted(corpus.articles, key=store_order)
    with tempfile.TemporaryDirectory(dir=scratch, prefix="storyline-corpus-") as folder:
        parts = Path(folder)
        write_one_shard(parts, articles, options, vectors=bool({"claims", "stories", "timeline"} & set(wanted)))
        executor = executor or LocalExecutor(1)
        if wanted == CORPUS_STAGES:
            run_corpus(parts, executor, options)
        else:
            _run_some(parts, executor, options, corpus, wanted)
        lists = read_corpus(parts)
    return Corpus(articles=corpus.articles, **lists)


def store_order(article: Article) -> tuple[int, str, str]:
    """Store order: ``a2`` before ``a10``; ids without a number after, then by content hash."""
    match = re.fullmatch(r"[A-Za-z]*(\d+)", article.id or "")
    return (int(match.group(1)) if match else 1 << 60, article.id or "", article.content_hash)


def write_one_shard(parts: Path, articles: list[Article], options: Options, vectors: bool = True) -> None:
    """``articles`` (in store order) as shard 0 of ``parts``, with their ids and, with ``vectors``, their sentence vectors."""
    ids = [article.id or f"a{n}" for n, article in enumerate(articles, 1)]
    for article, ident in zip(articles, ids, strict=True):
        article.id = ident
    held = [article.embeddings for article in articles]
    for article, found in zip(articles, _vectors(articles, options) if vectors else held, strict=True):
        article.embeddings = found  # the shard keeps them in its embeddings table
    try:
        write_shard(shard_folder(parts, 0), 0, articles, {"key": "local", "ids": ids})
    finally:
        for article, vectors in zip(articles, held, strict=True):
            article.embeddings = vectors


def _vectors(articles: list[Article], options: Options) -> list[dict[str, Any]]:
    """Per article, the vectors of the texts the corpus stages embed: the cache's, else those the
    articles carry (the ``embed`` stage's, when nothing stored them), else the model's."""
    texts = [article_texts(article) for article in articles]
    wanted = sorted({text for found in texts for text in found})
    carried = {key: vector for article in articles for key, vector in (article.embeddings or {}).items()}
    cache = options.embedding_cache
    known = {**carried, **(cache.get_many([cache_key(t) for t in wanted]) if cache is not None and wanted else {})}
    missing = [text for text in wanted if cache_key(text) not in known]
    if missing:
        known.update(Embedder(cache).vectors(missing))
    return [{cache_key(text): known[cache_key(text)] for text in found} for found in texts]


def _run_some(parts: Path, executor: Any, options: Options, corpus: Corpus, wanted: list[str]) -> None:
    """The stages ``wanted``, in order; every other stage's lists written from ``corpus`` where the pass keeps them."""
    import importlib

    from storyline.core.pipeline import STAGE_MODULES

    run = BlockRun(parts, executor, options)
    run.fresh()
    for name in CORPUS_STAGES:
        if name in wanted:
            getattr(importlib.import_module(f"storyline.{STAGE_MODULES[name]}"), f"blocked_{name}")(run)
            continue
        for output in STAGE_OUTPUTS[name]:
            if output == "statement_claims":
                rows = [{"id": s["id"], "claim": s.get("claim"), "claims": s.get("claims") or []}
                        for s in corpus.statements if s.get("claims")]
            else:
                rows = getattr(corpus, output)
            if output in ("statements", "times"):  # per shard: all in shard 0
                rows = [dict(row, claim=None, claims=[]) if output == "statements" else row for row in rows]
                write_rows(run.path(OUTPUTS[output], "shard=00000.jsonl"), rows)
            else:
                write_rows(run.path(OUTPUTS[output]), rows)
