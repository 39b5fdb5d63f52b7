"""Typed records that flow through the pipeline.

An article owns exactly one text, ``body``. Everything derived from it
(statements, time expressions, event mentions) is stored as character
offsets into that text, never as a copied string: the text of a span is
always ``body[start:end]``.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

# Where a publication date came from, in order of trust.
PUBLISHED_SOURCES = ("input", "manifest", "flag", "html", "text")
# The dossier contract's version (``docs/dossier.schema.json``).
SCHEMA_ID = "storyline.dossier/1"


@dataclass(slots=True)
class InputMeta:
    """Metadata known about an input from outside its content."""

    title: str | None = None
    outlet: str | None = None
    author: str | None = None
    published: str | None = None
    url: str | None = None
    # input | manifest | flag, for ``published`` only
    published_from: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__slots__}  # type: ignore[attr-defined]


@dataclass(slots=True)
class RawDoc:
    """One input document as read from disk or stdin, before extraction."""

    source: str
    content: str
    fmt: str  # "text" | "html"
    meta: InputMeta = field(default_factory=InputMeta)
    # What reading it had to decide (an encoding guessed): copied into the article's warnings.
    warnings: list[str] = field(default_factory=list)

    @property
    def content_hash(self) -> str:
        return hashlib.sha256(self.content.encode("utf-8")).hexdigest()

    @property
    def input_hash(self) -> str:
        """Identity of the input: its source, its content *and* the metadata given with it.

        A rerun with the same input is skipped; the same source and content with
        new metadata (say, a manifest added later) replaces the stored article;
        the same content from another source is another article (never content alone).
        """
        key = json.dumps([self.source, self.content, self.fmt, self.meta.as_dict()], sort_keys=True)
        return hashlib.sha256(key.encode("utf-8")).hexdigest()


@dataclass(slots=True)
class Comment:
    author: str | None
    posted: str | None
    text: str

    def as_dict(self) -> dict[str, Any]:
        return {"author": self.author, "posted": self.posted, "text": self.text}


@dataclass(slots=True)
class Skipped:
    source: str
    reason: str


@dataclass(slots=True)
class Article:
    """An extracted article and the per-article findings derived from it."""

    source: str
    input_hash: str
    content_hash: str
    body: str
    title: str | None = None
    outlet: str | None = None
    published: str | None = None
    published_from: str | None = None
    author: str | None = None
    url: str | None = None
    language: str | None = None  # ISO 639-1, detected (storyline.article.language); None: too short to tell
    comments: list[Comment] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    # Per-article findings, each a list of plain dicts with offsets into
    # ``body``; the stages that fill them own their shape.
    findings: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    # Store id ("a1"), assigned when the article is written.
    id: str | None = None
    # (shingle count, MinHash hash values as bytes) of the body, computed with
    # the per-article stages so syndication need not hash every body in one process.
    minhash: tuple[int, bytes] | None = None
    # Sentence vectors by ``embed.cache_key`` (per-article stage "embed"), on their way from a
    # worker into the store's embedding cache; articles read back from the store have none.
    embeddings: dict[str, Any] = field(default_factory=dict)
    # Transient spaCy Doc; never stored or serialised.
    doc: Any = None


@dataclass(slots=True)
class Extraction:
    """What an extractor (plain text or HTML) found in one page."""

    body: str
    title: str | None = None
    outlet: str | None = None
    author: str | None = None
    published: str | None = None  # ISO 8601 at the precision stated
    comments: list[Comment] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


@dataclass(slots=True)
class Corpus:
    """Everything known about a set of articles, as corpus-level stages see it.

    Corpus stages read the articles' per-article ``findings`` and fill the
    corpus-wide lists below, already in the shape of the dossier contract
    (``docs/dossier.schema.json``). The local executor hands them one shard
    holding the whole store.
    """

    articles: list[Article]
    entities: list[dict[str, Any]] = field(default_factory=list)
    statements: list[dict[str, Any]] = field(default_factory=list)
    times: list[dict[str, Any]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    claims: list[dict[str, Any]] = field(default_factory=list)
    stories: list[dict[str, Any]] = field(default_factory=list)
    syndicated: list[dict[str, Any]] = field(default_factory=list)  # near-identical copies (syndication)
