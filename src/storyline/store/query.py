"""A user's search query, translated safely into an SQLite FTS5 MATCH expression.

What a query may say (documented in the README and ``/docs``):

- plain words: any of them, best match first (stop words and speech verbs such as
  "said" only count when nothing else is left);
- ``"a phrase"``: those words next to each other, required;
- ``summ*``: any word starting with ``summ``;
- ``a AND b``: both required; ``a OR b``: either (the default between words);
- ``-word``, ``-"a phrase"``, ``NOT word``: texts containing it are left out.

Nothing the user typed reaches FTS5 as syntax: every term is a quoted FTS5 string
(its own quotes doubled), and operators come only from this module. Required
terms are ANDed; the optional words are ORed together with the first required
term, so they cannot drop a hit but still count in bm25's ranking.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_TOKEN = re.compile(r'(?P<neg>-)?"(?P<phrase>[^"]*)"|(?P<word>[^\s"]+)')  # a stray quote is no syntax
_WORD = re.compile(r"\w+", re.UNICODE)
# Words of a question that say nothing about its subject ("what did X say about Y").
QUESTION_WORDS = {"say", "said", "says", "saying", "tell", "told", "claim", "claimed", "claims", "state", "stated"}
OPERATORS = {"AND", "OR", "NOT"}


class QueryError(ValueError):
    """A query that cannot be searched; the message says why (it never quotes the query)."""


@dataclass(slots=True)
class Query:
    required: list[str] = field(default_factory=list)
    optional: list[str] = field(default_factory=list)
    excluded: list[str] = field(default_factory=list)

    def expression(self) -> str | None:
        positive = self.required or self.optional
        if not positive:
            if self.excluded:
                raise QueryError("a search needs at least one word that is not excluded")
            return None
        if self.required:
            parts = list(dict.fromkeys(self.required))
            if self.optional:
                parts.append("(" + " OR ".join(dict.fromkeys([*self.optional, self.required[0]])) + ")")
            expression = " AND ".join(parts)
        else:
            expression = " OR ".join(dict.fromkeys(self.optional))
        for term in dict.fromkeys(self.excluded):
            expression = f"({expression}) NOT {term}"
        return expression


def _quoted(words: list[str], prefix: bool = False) -> str:
    text = " ".join(word.replace('"', '""') for word in words)
    return f'"{text}"' + (" *" if prefix else "")


def parse_query(text: str) -> Query:
    """Split a query into required, optional and excluded FTS5 terms."""
    from spacy.lang.en.stop_words import STOP_WORDS

    query = Query()
    plain: list[str] = []  # optional single words (lower-cased), for the stop-word rule
    pending: str | None = None  # an operator waiting for its right-hand term
    previous: tuple[str, str] | None = None  # (list name, term) of the last term, for AND
    for match in _TOKEN.finditer(text):
        negated = bool(match.group("neg"))
        if match.group("phrase") is not None:
            words = _WORD.findall(match.group("phrase").lower())
            if not words:
                continue
            term, kind = _quoted(words), "phrase"
        else:
            raw = match.group("word")
            if raw in OPERATORS:
                pending = raw
                continue
            if raw.startswith("-") and len(raw) > 1:
                negated, raw = True, raw[1:]
            prefix = raw.endswith("*")
            words = _WORD.findall(raw.lower())
            if not words:
                continue
            # "U.S." is the words u, s next to each other: an optional phrase, like a word.
            term, kind = _quoted(words, prefix), ("prefix" if prefix else "word")
        if negated or pending == "NOT":
            query.excluded.append(term)
        elif pending == "AND" or kind == "phrase":
            if pending == "AND" and previous is not None and previous[0] == "optional":
                query.optional.remove(previous[1])
                query.required.append(previous[1])
            query.required.append(term)
            previous = ("required", term)
        else:
            if len(words) == 1 and kind == "word":
                plain.append(words[0])
            query.optional.append(term)
            previous = ("optional", term)
        pending = None
    # Stop words and speech verbs among the plain words only count when nothing else is left.
    filler = {_quoted([word]) for word in plain if word in STOP_WORDS or word in QUESTION_WORDS}
    if query.required or any(term not in filler for term in query.optional):
        query.optional = [term for term in query.optional if term not in filler]
    return query


def match_expression(text: str) -> str | None:
    """The FTS5 MATCH expression for a query, None when it has no words; ``QueryError`` when it cannot be searched."""
    return parse_query(text).expression()
