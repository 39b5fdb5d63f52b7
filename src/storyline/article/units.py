"""The texts an article's statements and lead are compared by: claim units (a statement and its clauses) and the lead.

The per-article stage ``embed`` embeds exactly these texts on the workers; the corpus stages ``claims``
and ``stories`` then find every vector in the cache.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from storyline.core.records import Article

LEAD_CHARS = 600  # the title and this much of the body say what an article is about


# Quotation marks, but not an apostrophe inside a word ("Washington's", "We'd", "'90s" stays whole).
_QUOTE_MARKS = re.compile(r"[\"“”«»„]|(?<!\w)['‘’]|['‘’](?!\w)")
_EDGES = " ,;:-–—"


def claim_text(text: str) -> str:
    """The statement's content as embedded: quotation marks and edge punctuation off,
    apostrophes inside words kept."""
    return " ".join(_QUOTE_MARKS.sub(" ", text).split()).strip(_EDGES)


def label_text(text: str) -> str:
    """A unit as the article says it, for a claim's label: enclosing or unmatched quotation
    marks and edge commas off; apostrophes, inner quotes and the final full stop stay."""
    text = " ".join(text.split()).strip(_EDGES)
    changed = True
    while changed and text:
        changed = False
        first, last = text[0], text[-1]
        if first in _PAIRS and last == _PAIRS[first] and len(text) > 1 and _balanced(text[1:-1], first):
            text, changed = text[1:-1].strip(_EDGES), True  # “...” around the whole unit
        elif first in _PAIRS and not _balanced(text, first):
            text, changed = text[1:].strip(_EDGES), True  # an opening mark whose quote ends outside
        elif last in _CLOSERS and not _balanced(text, _CLOSERS[last]):
            text, changed = text[:-1].strip(_EDGES), True  # a closing mark whose quote began outside
    return text


_PAIRS = {"\"": "\"", "“": "”", "«": "»", "„": "“", "‘": "’"}
_CLOSERS = {"\"": "\"", "”": "“", "»": "«", "’": "‘"}


def _balanced(text: str, opening: str) -> bool:
    """Every ``opening`` mark in ``text`` is closed (apostrophes inside words are not marks)."""
    closing = _PAIRS[opening]
    if closing == opening:
        return text.count(opening) % 2 == 0
    marks = [c for k, c in enumerate(text) if c in (opening, closing) and not (c == "’" and 0 < k < len(text) - 1
                                                                             and text[k - 1].isalnum() and text[k + 1].isalnum())]
    depth = 0
    for mark in marks:
        depth += 1 if mark == opening else -1
        if depth < 0:
            return False
    return depth == 0


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


def unit_label(statement: dict[str, Any], span: tuple[int, int]) -> str:
    offset = statement.get("start") or 0
    return label_text((statement.get("text") or "")[span[0] - offset : span[1] - offset])


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


# --- which units are propositions ---------------------------------------------------------

FINITE_TAGS = {"VBD", "VBZ", "VBP", "MD"}  # a verb with tense or a modal: the unit asserts something
CONTENT_POS = {"NOUN", "PROPN", "VERB", "ADJ", "ADV", "NUM"}
MIN_CONTENT_WORDS = 4
RELATIVE_OPENERS = {"which", "who", "whom", "whose", "where"}  # "which requires efforts ...": part of a noun phrase


def is_proposition(doc: Any) -> bool:
    """A spaCy Doc of one unit's text says something that can recur as a claim: it has a
    finite verb, or a headline's verb without its auxiliary ("two journalists killed in
    Mali"), unless it opens as a topic phrase ("on plans to hold an in-person summit"), at
    least ``MIN_CONTENT_WORDS`` content words, is not a question and does not open as a
    relative clause ("which requires efforts at various expert levels")."""
    words = [t for t in doc if not t.is_punct and not t.is_space]
    if not words or doc.text.rstrip(" \"'”’»").endswith("?"):
        return False
    if words[0].lower_ in RELATIVE_OPENERS or _embedded_question(words) or _subordinate_only(doc, words):
        return False
    finite = any(t.tag_ in FINITE_TAGS for t in words) or any(_verb_read_as_noun(words, k) for k in range(1, len(words) - 1))
    if not finite and not (_headline_verb(words) and not _topic_opening(words)):
        return False
    return sum(1 for t in words if is_content_word(t)) >= MIN_CONTENT_WORDS


def is_content_word(token: Any) -> bool:
    """A noun, verb, adjective, adverb or number that is not a stop word; a name or an acronym
    always counts, even one spelled like a stop word ("US", "IT")."""
    acronym = len(token.text) > 1 and token.text.isupper()
    return token.pos_ in CONTENT_POS and (not token.is_stop or token.pos_ == "PROPN" or acronym)


def _embedded_question(words: list[Any]) -> bool:
    """"on what conditions are necessary": a preposition and a wh-word, what is asked about."""
    return len(words) > 1 and words[0].pos_ == "ADP" and words[1].tag_ in ("WDT", "WP", "WRB")


def _subordinate_only(doc: Any, words: list[Any]) -> bool:
    """"As soon as this preparation is completed", "once the groundwork has been laid": a
    subordinate clause with no main clause after it (which would follow a comma)."""
    opening = words[0].pos_ == "SCONJ" or [w.lower_ for w in words[:3]] == ["as", "soon", "as"]
    return opening and "," not in doc.text


def _headline_verb(words: list[Any]) -> bool:
    """A verb without its auxiliary, as headlines and summaries write it ("two journalists
    killed in Mali", "Apple buying security firm", "parliament to vote on ...")."""
    return any(t.tag_.startswith("VB") for t in words) or any(_infinitive_read_as_noun(words, k) for k in range(1, len(words) - 2))


def _infinitive_read_as_noun(words: list[Any], k: int) -> bool:
    """"Police to detonate devices in suspect's home": the headline's future, "X to do Y", with
    the verb tagged a noun. It is the verb when "to" follows the subject, the word after it is
    one of the verbs of spaCy's lemmatizer tables as it stands (no ending), and an object
    follows ("return to power" has none). Headlines drop their articles: a text that opens
    with one ("a bridge to land developers") is a noun phrase, not headline style."""
    to, word, after = words[k], words[k + 1], words[k + 2]
    return (words[0].pos_ != "DET" and to.lower_ == "to" and word.tag_ == "NN" and word.lower_ in _verbs()
            and after.pos_ in ("DET", "NOUN", "PROPN", "ADJ", "NUM", "PRON"))


def _verb_read_as_noun(words: list[Any], k: int) -> bool:
    """"Chinese lunar rover lands on moon": headlines drop the articles that tell the small
    tagger a verb from a plural noun, so "lands" comes out NNS. It is the verb when a noun
    comes before it, a preposition or determiner after it, and its stem is one of the verbs
    of spaCy's own lemmatizer tables ("land" + "s", "crash" + "es")."""
    word = words[k]
    if word.tag_ != "NNS" or words[k - 1].pos_ not in ("NOUN", "PROPN") or words[k + 1].pos_ not in ("ADP", "DET"):
        return False
    text = word.lower_
    stems = {text[:-1]} | ({text[:-2]} if text.endswith("es") else set()) | ({text[:-3] + "y"} if text.endswith("ies") else set())
    return bool(stems & _verbs())


@lru_cache(maxsize=1)
def _verbs() -> frozenset[str]:
    from storyline.article.parse import load_nlp

    return frozenset(load_nlp().get_pipe("lemmatizer").lookups.get_table("lemma_index")["verb"])


def _topic_opening(words: list[Any]) -> bool:
    """"on plans to hold a summit", "to hold a summit", "holding a summit": what a statement is
    about, not what it says."""
    return words[0].pos_ in ("ADP", "PART") or words[0].tag_ in ("VBG", "TO", "VB")


def tagged(texts: list[str]) -> list[Any]:
    """The unit texts through spaCy's tagger and NER only (no parser: a unit is short).

    A headline in title case ("Navy Jet Crashes Into Apartment Building") is tagged in
    sentence case (same length, so the same offsets): the tagger reads every capitalised word
    as a name and finds no verb."""
    from storyline.article.parse import load_nlp

    nlp = load_nlp()
    wanted = {"tok2vec", "tagger", "attribute_ruler", "ner"}
    with nlp.select_pipes(disable=[name for name in nlp.pipe_names if name not in wanted]):
        return list(nlp.pipe([sentence_case(t) for t in texts], batch_size=256))


TITLE_CASE_MINOR_WORDS = {"a", "an", "the", "and", "but", "or", "nor", "for", "so", "yet", "as", "at", "by", "in",
                          "of", "off", "on", "per", "to", "up", "via", "from", "with", "into", "over"}


def sentence_case(text: str) -> str:
    """``text`` with its words lower-cased after the first when most of its words are capitalised."""
    # Title case leaves the minor words of the style guides in lower case ("EU Set for New
    # Sanctions on Iran"): they are not counted. A sentence of names with one short verb ("Trump
    # met Putin in Moscow") stays as it is.
    words = [w for w in re.findall(r"[A-Za-z][\w'’-]*", text) if w not in TITLE_CASE_MINOR_WORDS]
    capitalised = sum(1 for w in words if w[0].isupper())
    if len(words) < 3 or capitalised <= 0.8 * len(words):
        return text

    def lower(match: re.Match[str]) -> str:  # the first word and acronyms ("US") stay
        word = match.group(0)
        return word if match.start() == 0 or word.isupper() and len(word) > 1 else word.lower()

    return text[: len(text) - len(text.lstrip())] + re.sub(r"[A-Za-z][\w'’-]*", lower, text.lstrip())
