"""The texts an article's statements and lead are compared by: claim units (a statement and its clauses) and the lead.

The per-article stage ``embed`` embeds exactly these texts on the workers; the corpus stages ``claims``
and ``stories`` then find every vector in the cache.
"""

from __future__ import annotations

from typing import Any

from storyline.core.records import Article

LEAD_CHARS = 600  # the title and this much of the body say what an article is about


_QUOTES = "\"'“”‘’«»„"


def claim_text(text: str) -> str:
    """The statement's content as embedded: quotes and edge punctuation off."""
    return " ".join(text.translate({ord(q): " " for q in _QUOTES}).split()).strip(" ,;:-–—")


def units_of(statement: dict[str, Any]) -> list[tuple[int, int]]:
    """The spans compared for one statement: the whole statement, then its
    clauses when it has two or more (article offsets)."""
    start, end = statement.get("start") or 0, statement.get("end")
    if end is None:
        end = start + len(statement.get("text") or "")
    return [(start, end), *[(s, e) for s, e in statement.get("clauses") or [] if start <= s < e <= end]]


def unit_text(statement: dict[str, Any], span: tuple[int, int]) -> str:
    offset = statement.get("start") or 0
    return claim_text((statement.get("text") or "")[span[0] - offset : span[1] - offset])


def statement_units(statements: list[dict[str, Any]], clauses: bool = True) -> tuple[list[int], list[tuple[int, int]], list[str]]:
    """Each unit's statement (index into ``statements``), span and text, statement by statement."""
    owner, spans, texts = [], [], []
    for index, statement in enumerate(statements):
        for span in units_of(statement) if clauses else units_of(statement)[:1]:
            text = unit_text(statement, span)
            if text:
                owner.append(index)
                spans.append(span)
                texts.append(text)
    return owner, spans, texts



def lead_text(article: Article) -> str:
    return " ".join(filter(None, [article.title, article.body[:LEAD_CHARS]]))


def full_text(article: Article) -> str:
    return " ".join(filter(None, [article.title, article.body]))
