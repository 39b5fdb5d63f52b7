"""The clauses of a statement: where a statement asserts more than one thing.

"A summit is necessary but has to be well prepared" asserts two things, and
each may recur on its own elsewhere ("such a meeting would require extensive
preparations"). The claims stage therefore compares clauses as well as
whole statements, so one statement may join two claims.

A clause is read off the dependency parse of the article's own Doc: a
coordinated, adverbial, complement or paratactic verb that carries its own
subject, auxiliary or marker starts a new clause; every other token belongs
to the clause of its nearest clause-heading ancestor. Clauses are offset
spans into the article text, like everything else derived from it.
Relative clauses stay with their noun; a clause whose complement is split
off ("I think [...]") only frames it and is dropped, and so are pieces
shorter than ``MIN_WORDS`` words.
"""

from __future__ import annotations

from spacy.tokens import Doc, Token

CLAUSE_DEPS = {"conj", "advcl", "ccomp", "parataxis"}
CLAUSE_POS = {"VERB", "AUX", "ADJ"}
CLAUSE_MARKERS = {"nsubj", "nsubjpass", "csubj", "expl", "aux", "auxpass", "mark"}
EDGE_DEPS = {"cc", "mark", "punct"}  # "but", "that", ",": not part of what is asserted
EDGE_POS = {"CCONJ", "SCONJ"}  # "once", "because" opening a clause
MIN_WORDS = 4


def clause_spans(doc: Doc, start: int, end: int) -> list[tuple[int, int]]:
    """Character spans of the clauses of ``doc.text[start:end]``; empty when it is one clause."""
    # The tokens wholly inside [start, end), found by spaCy's char_span: a scan of the whole doc
    # for each statement made a long article's statement stage quadratic.
    span = doc.char_span(start, end, alignment_mode="contract")
    tokens = list(span) if span is not None else []
    if not tokens:
        return []
    inside = {t.i for t in tokens}
    heads = {t.i for t in tokens if t.head.i not in inside or t.head.i == t.i or _starts_clause(t)}
    owned: dict[int, list[Token]] = {h: [] for h in heads}
    for token in tokens:
        owned[_clause_head(token, heads, inside)].append(token)
    spans = []
    for head in sorted(heads):
        if _is_frame(doc[head], heads):
            continue
        piece = _trim(owned[head])
        if sum(1 for t in piece if not t.is_punct) >= MIN_WORDS:
            spans.append((piece[0].idx, piece[-1].idx + len(piece[-1])))
    # A clause inside another's stretch ("... before the year is out was
    # needed") is part of that one's assertion, not a second assertion.
    spans = [s for s in spans if not any(o != s and o[0] <= s[0] and s[1] <= o[1] for o in spans)]
    spans = [s for s in spans if s != (tokens[0].idx, tokens[-1].idx + len(tokens[-1]))]
    return spans if len(spans) >= 2 else []


def _is_frame(head: Token, heads: set[int]) -> bool:
    """ "I think [...]", "the way I would put it is [...]": a clause whose
    complement is a clause of its own frames that clause and asserts nothing
    by itself (the whole statement is still compared as well)."""
    return any(child.dep_ == "ccomp" and child.i in heads for child in head.children)


def _starts_clause(token: Token) -> bool:
    return (
        token.dep_ in CLAUSE_DEPS
        and token.pos_ in CLAUSE_POS
        and any(child.dep_ in CLAUSE_MARKERS or child.pos_ == "AUX" for child in token.children)
    )


def _clause_head(token: Token, heads: set[int], inside: set[int]) -> int:
    current = token
    while current.i not in heads and current.head.i in inside and current.head.i != current.i:
        current = current.head
    return current.i


def _trim(tokens: list[Token]) -> list[Token]:
    """The owned tokens from first to last, without edge conjunctions and punctuation."""
    tokens = sorted(tokens, key=lambda t: t.i)
    while tokens and (tokens[0].dep_ in EDGE_DEPS and tokens[0].head.i != tokens[0].i or tokens[0].pos_ in EDGE_POS or tokens[0].is_punct):
        tokens = tokens[1:]
    while tokens and (tokens[-1].is_punct and not _closes_quote(tokens) or tokens[-1].dep_ == "cc"):
        tokens = tokens[:-1]
    return tokens


def _closes_quote(tokens: list[Token]) -> bool:
    """The last token closes a quotation opened inside the piece ("is “necessary”")."""
    last = tokens[-1].text
    opening = {"”": "“", "’": "‘", "»": "«", '"': '"'}.get(last)
    return opening is not None and sum(t.text == opening for t in tokens[:-1]) % 2 == 1
