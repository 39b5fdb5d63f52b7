"""The dossier: the whole store, or a blocked pass's parts, in the shape of the contract (``docs/dossier.schema.json``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from storyline.core.records import SCHEMA_ID, Skipped
from storyline.corpus.blocks import read_corpus
from storyline.corpus.syndication import copy_of
from storyline.store.parts import complete_shards, read_shard
from storyline.store.sqlite import Store, dossier_article


def build_dossier(store: Store) -> dict[str, Any]:
    corpus = store.corpus()
    originals = copy_of(corpus.syndicated)
    return {
        "schema": SCHEMA_ID,
        "articles": [{**dossier_article(article), "copy_of": originals.get(article.id)} for article in corpus.articles],
        "skipped": [{"source": s.source, "reason": s.reason} for s in store.skipped()],
        "entities": corpus.entities,
        "statements": corpus.statements,
        "times": corpus.times,
        "events": corpus.events,
        "claims": corpus.claims,
        "stories": corpus.stories,
        "syndicated": corpus.syndicated,
    }


def dossier_from_parts(parts_dir: str | Path) -> dict[str, Any]:
    """The whole dossier of a blocked pass: articles and skipped inputs from the parts, the corpus lists
    from ``_corpus/``. It reads everything, so it is for corpora a report can show; at cluster scale
    the parts and ``_corpus/`` lists are the output (query them with pyarrow or DuckDB)."""
    lists = read_corpus(parts_dir)
    originals = copy_of(lists["syndicated"])
    articles, skipped = [], {}
    for folder in complete_shards(Path(parts_dir).resolve())[0]:
        for record in read_shard(folder):
            if isinstance(record, Skipped):
                skipped[record.source] = record.reason
                continue
            record.id = f"a{len(articles) + 1}"
            articles.append({**dossier_article(record), "copy_of": originals.get(record.id)})
    return {
        "schema": SCHEMA_ID,
        "articles": articles,
        "skipped": [{"source": source, "reason": skipped[source]} for source in sorted(skipped)],
        **{name: lists[name] for name in ("entities", "statements", "times", "events", "claims", "stories", "syndicated")},
    }
