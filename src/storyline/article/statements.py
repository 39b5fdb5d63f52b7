"""Statements stage: who said what in one article, as offsets into its body.

Rule-based over the spaCy parse (dependency tree, lemmas, NER); no second
model. Three passes over one parsed article:

1. **Quotes.** Quotation marks are paired per paragraph with a stack
   (straight and curly marks, mismatched pairs such as ``"…”``, nested
   quotes inside quotes). A paragraph that opens a quote and does not close
   it ends the quote at the paragraph end, the next paragraph reopening it.
2. **Direct quotes.** A quote that stands as a sentence of its own is
   attributed to the speech verb in the frame around it: after the closing
   mark (``"…," he said``, ``"…," said X``), before the opening mark
   (``He said: "…"``, ``X told reporters that "…"``), a dash
   (``"…" – Spokesman X``), a bare colon (``X: "…"``) or a paragraph ending
   in a colon just above it (``He told the crowd:``). A quote with no
   frame of its own continues the previous direct statement when it follows
   it in the same paragraph (a quote split by its cue) or opens the next
   paragraph (a quote-only paragraph).
3. **Reported speech.** A verb of saying (``SPEECH_VERBS``, by lemma) with
   a clausal complement (``X said (that) …``), a parenthetical cue
   (``For now, he noted, …``), ``according to X, …``, a verb's object where it
   has no clause (``has called for X``, ``pointed to X``, ``warned of X``; a
   date or a medium is never the content) and noun cues of saying
   (``expressed frustration that …``, ``her earlier claim that …``). A trailing
   comma apposition or relative clause is the writer's aside, cut off. Content that embeds a partial
   quote is ``mixed``. Verbs of belief or intention (``BELIEF_VERBS``) give
   kind ``belief``, which is not speech. A subjectless clause that frames
   another speaker's statement (``Asked to comment on X, Y said …``,
   ``Commenting on X, Y said …``) is no statement: X is the ``topic`` of Y's.
   A report inside another's content (``X stated that both sides acknowledge
   that Y``) is ``nested`` in it, not a row of its own.

Speakers: the subject of the cue (through conjunctions, participles and
relative clauses), resolved to an article-local entity cluster: names by
surname, pronouns to the latest person (or organisation for it/they) that
was a subject or a speaker in the last paragraphs, role descriptions
(``the Russian FM``, ``the presidential aide``) to the entity carrying a
compatible role (see ``role_score``). A speaker the text does not support
stays ``None``.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from spacy.language import Language
from spacy.tokens import Doc, Span, Token

from storyline.article import coref
from storyline.article.clauses import clause_spans
from storyline.article.parse import doc_of
from storyline.core.options import Options
from storyline.core.pipeline import register_stage
from storyline.core.records import Article
from storyline.article.language import analysed
from storyline.article.quotes import DASHES, OPEN_MARKS, Quote, find_quotes, first_sentence_end, paragraphs, sentence_ends
from storyline.article.reported import (
    BELIEF_VERBS,
    SPEECH_NOUNS,
    SPEECH_VERBS,
    clausal_content,
    cue_span,
    cue_subject,
    frames_topic,
    has_noun_cue,
    is_speech_verb,
    object_content,
    quoted_conjunct_end,
    source_of,
    span_without_mark,
    speaker_span,
    subtree_span,
    trim_end,
    verb_lemma,
)
from storyline.article.speakers import Cluster, Mentions, role_head, role_score

# Cues only next to a direct quote (``"…," he continued``), never of reported speech.
QUOTE_ONLY_VERBS = frozenset({"continue", "interject", "bark", "snap", "scoff", "sneer", "cry", "read"})
# Nouns that are a report of speech wherever they stand (``the earlier claim that X``), not only as an object.
SAYING_NOUNS = frozenset({"claim", "statement", "assertion", "remark", "comment", "warning", "assurance", "insistence"})
# Verbs whose quoted object is a name or title, not speech.
NAMING_VERBS = frozenset({"call", "dub", "label", "term", "title", "name", "brand", "write"})
PERSON_PRONOUNS = {"he", "she", "him", "her"}
RELATIVE_PRONOUNS = {"who", "that", "which"}
GROUP_PRONOUNS = {"it", "they", "them"}


# At most this many words between a cue and its colon (``told reporters on Monday:``).
COLON_GAP = 6


# A word tagged VERB in one of these relations sits inside a noun phrase
# (``harbour master Joris Veldt``, ``the visiting minister``), not a new clause.
NOMINAL_DEPS = ("acl", "relcl", "amod", "compound", "nmod", "poss", "appos")


# --------------------------------------------------------------- statements
@dataclass(slots=True)
class Found:
    kind: str
    start: int
    end: int
    cue: tuple[int, int]
    speaker: Token | Span | None = None
    source: Token | Span | None = None
    inherit: Found | None = None  # continuation of an earlier direct quote
    speaker_mention: dict[str, Any] | None = None
    speaker_key: str | None = None
    source_mention: dict[str, Any] | None = None
    nested: list[Found] = field(default_factory=list)  # reports inside its content (``_nest``)


class StatementFinder:
    """Finds the statements of one parsed Doc (see the module docstring)."""

    def __init__(self, doc: Doc) -> None:
        self.doc = doc
        self.text = doc.text
        self.paras = paragraphs(self.text)
        self.para_starts = [s for s, _ in self.paras]
        self.quotes = find_quotes(self.text)
        self.char_token = self._char_index()
        self.used_cues: set[int] = set()
        self.found: list[Found] = []
        self.topics: dict[int, tuple[int, int]] = {}  # cue token -> the topic a framing clause gives it

    def _char_index(self) -> list[int]:
        index = [-1] * (len(self.text) + 1)
        for token in self.doc:
            for c in range(token.idx, token.idx + len(token.text)):
                index[c] = token.i
        last = -1
        for c in range(len(index)):  # whitespace maps to the token before it
            if index[c] >= 0:
                last = index[c]
            else:
                index[c] = last
        return index

    def token_at(self, char: int) -> Token | None:
        i = self.char_token[min(char, len(self.text))]
        return self.doc[i] if i >= 0 else None

    def para_of(self, char: int) -> int:
        return max(0, bisect.bisect_right(self.para_starts, char) - 1)

    # -- main
    def run(self) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        quoted = [(q.open, q.close + 1) for q in self.quotes if self._is_full_quote(q)]
        self.full_quotes = [q for q in self.quotes if self._is_full_quote(q)]
        self.quote_opens = [q.open for q in self.full_quotes]
        self.mentions = Mentions(self.doc, quoted)
        directs = [self._direct(q) for q in self.full_quotes]
        self.found.extend(f for f in directs if f is not None)
        self._reported()
        self._continuations(directs)
        self.found.sort(key=lambda f: (min(f.start, f.cue[0]), f.start))
        for found in self.found:
            self._resolve(found)
        outer = self._nest()
        return [self._as_dict(f) for f in outer], [c.as_dict() for c in self.mentions.clusters]

    def _nest(self) -> list[Found]:
        """``X stated that both sides acknowledge that Y``: the inner report (its cue and content inside the
        outer one's content) is part of the outer statement, attached to it, not a statement of its own."""
        outer: list[Found] = []
        for found in self.found:  # sorted by start: an enclosing statement comes first
            host = next((o for o in reversed(outer) if o.kind in ("indirect", "mixed", "belief")
                         and o.start <= found.cue[0] and found.cue[1] <= o.end
                         and o.start <= found.start and found.end <= o.end + 2 and found.kind != "direct"), None)
            if host is None:
                outer.append(found)
            else:
                host.nested.append(found)
        return outer

    # -- quotes
    def _is_full_quote(self, q: Quote) -> bool:
        """A quote that is a sentence or more of speech, not a phrase inside a clause."""
        inner = self.doc.char_span(q.start, q.end, alignment_mode="expand")
        words = len([t for t in inner if not t.is_punct]) if inner is not None else 0
        if words == 0:
            return False
        if words == 1:  # ``"Denver," he answered``: a one-word answer needs its own cue
            return self.text[q.close - 1] in ",!?." and self._cue_after(q) is not None
        para_start, _ = self.paras[self.para_of(q.open)]
        before = self.text[para_start : q.open].rstrip()
        if not self._ends_sentence(q):
            return False
        if not before or before[-1] in ".:!?" + DASHES or before.endswith(("”", '"')):
            return True
        prev = self.token_at(len(before) - 1 + para_start)
        if prev is not None and is_speech_verb(prev):
            # ``declares "…"``; after a verb of naming, or short, it is a name (``calls it "X"``)
            return words >= 4 and verb_lemma(prev) not in NAMING_VERBS
        if prev is not None and (prev.lower_ == "that" and prev.dep_ == "mark" or prev.text == ","):
            return self._cue_before(q) is not None or len(inner) > 8
        return False

    def _ends_sentence(self, q: Quote) -> bool:
        """The quote closes a sentence (``…."``, ``…," he said``), not a phrase inside one."""
        last = q.close - 1
        while last > q.open and self.text[last] in "'’‘ ":
            last -= 1  # a nested quote closing with the outer one: ``…, ‘you are the Queen,’”``
        if not q.closed or self.text[last] in ".?!,…":
            return True
        _, para_end = self.paras[self.para_of(q.open)]
        after = self.text[q.close + 1 : para_end].lstrip()
        return not after or after[0] in ".?!,;:" + DASHES

    def _direct(self, q: Quote) -> Found | None:
        cue = self._cue_after(q) or self._cue_before(q) or self._cue_above(q)
        if cue is None:
            return self._dash_or_colon(q)
        verb, speaker = cue
        self.used_cues.add(verb.i)
        return Found("direct", q.start, q.end, cue_span(verb), speaker=speaker, source=self._relay(verb))

    def _cue_after(self, q: Quote) -> tuple[Token, Any] | None:
        if not q.closed:
            return None
        _, para_end = self.paras[self.para_of(q.open)]
        nxt = [x.open for x in self.quotes if x.open > q.close]
        limit = min([para_end] + nxt)
        first = self.token_at(q.close + 1)
        if first is None or first.idx <= q.close:
            first = first.nbor() if first is not None and first.i + 1 < len(self.doc) else None
        if first is None or first.idx >= limit:
            return None
        for token in self.doc[first.i : min(first.i + 30, len(self.doc))]:
            if token.idx >= limit or token.text in ".!?;" or (token.pos_ == "VERB" and not is_speech_verb(token)
                                                            and token.dep_ not in NOMINAL_DEPS):
                break
            if is_speech_verb(token) and not any(c.dep_ == "ccomp" and c.i > token.i for c in token.children):
                return token, cue_subject(token)
        return None

    def _cue_before(self, q: Quote) -> tuple[Token, Any] | None:
        para_start, _ = self.paras[self.para_of(q.open)]
        prev_closes = [x.close for x in self.quotes if x.close < q.open and x.close >= para_start]
        begin = max([para_start] + [c + 1 for c in prev_closes])
        first, last = self.token_at(begin), self.token_at(q.open - 1)
        if first is None or last is None:
            return None
        tokens = [t for t in self.doc[first.i : last.i + 1] if begin <= t.idx < q.open and not t.is_space]
        for token in reversed(tokens):
            if is_speech_verb(token) and token.i not in self.used_cues:
                between = [t for t in tokens if t.i > token.i]
                if sentence_ends(self.text[token.idx : q.open]):
                    return None
                if any(t.pos_ in ("VERB", "AUX") and t.dep_ not in ("aux", "auxpass") for t in between):
                    return None
                return token, cue_subject(token)
        return None

    def _cue_above(self, q: Quote) -> tuple[Token, Any] | None:
        """``He told the crowd:`` ending one paragraph, the quote opening the next: the cue is the speech
        verb of the clause before the colon."""
        para = self.para_of(q.open)
        para_start, _ = self.paras[para]
        if para == 0 or self.text[para_start : q.open].strip():
            return None
        prev_start, prev_end = self.paras[para - 1]
        line = self.text[prev_start:prev_end].rstrip()
        if not line.endswith(":"):
            return None
        colon = prev_start + len(line) - 1
        last = self.token_at(colon)
        if last is None:
            return None
        sentence = [t for t in last.sent if prev_start <= t.idx <= colon and not self._inside_quote(t.idx)]
        for token in reversed(sentence):
            if is_speech_verb(token) and token.i not in self.used_cues and verb_lemma(token) not in NAMING_VERBS:
                subject = cue_subject(token)
                if subject is not None:
                    return token, subject
        return None

    def _dash_or_colon(self, q: Quote) -> Found | None:
        """``"…" – Spokesman X`` and ``X: "…"``."""
        _, para_end = self.paras[self.para_of(q.open)]
        after = self.text[q.close + 1 : para_end]
        m = re.match(r"\s*[" + DASHES + r"]\s*(\S.{0,80})$", after)
        if q.closed and m:
            span = self.doc.char_span(q.close + 1 + m.start(1), q.close + 1 + m.end(1), alignment_mode="expand")
            if span is not None and any(t.pos_ == "PROPN" for t in span):
                dash = q.close + 1 + after.index(m.group(0).strip()[0])
                return Found("direct", q.start, q.end, (dash, dash + 1), speaker=span)
        para_start, _ = self.paras[self.para_of(q.open)]
        before = self.text[para_start : q.open]
        m = re.match(r"\s*(\S.{0,60}?)\s*:\s*$", before)
        if m:
            span = self.doc.char_span(para_start + m.start(1), para_start + m.end(1), alignment_mode="expand")
            if span is not None and span.ents and all(t.pos_ in ("PROPN", "NOUN", "ADJ", "DET", "PUNCT") for t in span):
                colon = para_start + before.rindex(":")
                return Found("direct", q.start, q.end, (colon, colon + 1), speaker=span)
        return self._colon_frame(q, para_start, before)

    def _colon_frame(self, q: Quote, para_start: int, before: str) -> Found | None:
        """``Sanders had one message for the crowd: "…"``: the clause before the colon
        introduces the quote; its verb to the colon is the cue, its subject the speaker."""
        if not before.rstrip().endswith(":"):
            return None
        colon = para_start + before.rstrip().rindex(":")
        last = self.token_at(colon - 1)
        if last is None:
            return None
        verbs = [t for t in last.sent if t.i <= last.i and t.pos_ in ("VERB", "AUX") and t.idx >= para_start
                 and any(c.dep_ == "nsubj" for c in t.children) and not self._inside_quote(t.idx)]
        if not verbs:
            return None
        verb = verbs[-1]
        if sentence_ends(self.text[verb.idx : colon]):
            return None
        subject = cue_subject(verb)
        if subject is None or not (subject.ent_type_ in ("PERSON", "ORG", "NORP") or subject.pos_ in ("PRON", "PROPN")):
            return None
        return Found("direct", q.start, q.end, (verb.idx, colon + 1), speaker=subject)

    def _continuations(self, directs: list[Found | None]) -> None:
        """Quotes without a cue continue the previous direct quote's speaker."""
        previous: Found | None = None
        for q, found in zip(self.full_quotes, directs):
            if found is not None:
                previous = found
                continue
            if previous is not None and self._continues(previous, q):
                found = Found("direct", q.start, q.end, previous.cue, inherit=previous)
                self.found.append(found)
                previous = found

    def _continues(self, previous: Found, q: Quote) -> bool:
        para, prev_para = self.para_of(q.open), self.para_of(previous.start)
        para_start = self.paras[para][0]
        if para == prev_para:
            # ``"…," she said on Monday at the port. "…"``: only the cue sentence in between
            between = self.text[max(previous.end, previous.cue[1]) : q.open + 1]
            return sentence_ends(between) <= 1
        same_marks = (self.text[q.open] == '"') == (self.text[previous_quote_open(self, previous)] == '"')
        return para == prev_para + 1 and not self.text[para_start : q.open].strip() and same_marks

    # -- reported speech
    def _reported(self) -> None:
        for token in self.doc:
            if self._inside_quote(token.idx):
                continue
            if token.lower_ == "according" and any(c.lower_ == "to" for c in token.children):
                self._according(token)
            elif token.i in self.used_cues:
                continue
            elif is_speech_verb(token) and verb_lemma(token) not in QUOTE_ONLY_VERBS and (
                    token.dep_ not in ("acl", "amod") or _reports_clause(token)):
                self._verb_cue(token, "indirect")
            elif verb_lemma(token) in BELIEF_VERBS and token.pos_ == "VERB":
                self._verb_cue(token, "belief")
            elif token.lemma_.lower() in SPEECH_NOUNS and token.pos_ == "NOUN":
                self._noun_cue(token)

    def _inside_quote(self, char: int) -> bool:
        i = bisect.bisect_right(self.quote_opens, char) - 1
        return i >= 0 and self.full_quotes[i].open < char < self.full_quotes[i].close

    def _verb_cue(self, verb: Token, kind: str) -> None:
        if kind == "belief":
            if any(c.dep_ in ("auxpass", "nsubjpass") for c in verb.children):
                return
            comps = [c for c in verb.children if c.dep_ == "ccomp"]
            content = span_without_mark(comps[0]) if comps else None
        else:
            content = self._colon_content(verb) or clausal_content(verb)
            if frames_topic(verb) and (content is None or verb_lemma(verb) == "ask"):
                # ``Asked to comment on X, Y said …``: X is the topic of Y's statement, not a statement
                topic = content or object_content(verb)
                if topic is not None:
                    self.topics[verb.head.head.i if verb.dep_ == "xcomp" else verb.head.i] = topic
                return
            perfect = any(c.dep_ == "aux" and c.lemma_ == "have" for c in verb.children)  # ``has vowed to``
            if content is None and cue_subject(verb) is not None and verb.tag_ != "VBN" and not has_noun_cue(verb):
                content = object_content(verb)
            elif content is None and perfect and cue_subject(verb) is not None:
                content = object_content(verb)  # ``has called for X``, ``has vowed to X``
        if content is None:
            return
        start, end = content
        if kind != "belief":
            end = max(end, quoted_conjunct_end(verb, end))
        speaker = cue_subject(verb)
        if speaker is None and verb.dep_ == "acl":
            speaker = verb.head  # ``a statement saying …``: whoever the noun is, or issued it
        self._add_reported(kind, start, end, cue_span(verb), speaker, self._relay(verb))

    def _colon_content(self, verb: Token) -> tuple[int, int] | None:
        """``X said: <sentence>`` without quotation marks: what follows the colon, to the end of its
        sentence, is what was said, whatever the parser made of it (a headline after the colon is
        often parsed as the verb's object, or split off as a sentence of its own). Only a cue with a
        speaker and at most a few words between it and the colon (``told reporters on Monday:``)."""
        if cue_subject(verb) is None:
            return None
        colon = next((t for t in self.doc[verb.i + 1 : verb.i + 1 + COLON_GAP]
                      if t.is_punct or t.pos_ in ("VERB", "AUX")), None)
        if colon is None or colon.text != ":":
            return None
        _, para_end = self.paras[self.para_of(colon.idx)]
        start = colon.idx + 1
        while start < para_end and self.text[start].isspace():
            start += 1
        if start >= para_end or self.text[start] in OPEN_MARKS + '"':
            return None  # a quotation: the direct-quote pass reads it
        stop = first_sentence_end(self.text[start:para_end])
        end = trim_end(self.text, start, para_end if stop is None else start + stop)
        return (start, end) if end > start else None

    def _noun_cue(self, noun: Token) -> None:
        clause = [c for c in noun.children if c.dep_ in ("acl", "ccomp") and any(m.lower_ == "that" for m in c.children)]
        if not clause:
            return
        owner = next((c for c in noun.children if c.dep_ == "poss" and c.lower_ not in ("its", "their")), None)
        if noun.head.pos_ != "VERB" or noun.dep_ != "dobj" or owner is not None and owner.pos_ == "PROPN":
            # ``the earlier claim that X``, ``rejected Brandt's claim that X``: a report in a noun phrase,
            # by its possessor (the verb's subject only answers it)
            if noun.lemma_.lower() in SAYING_NOUNS:
                start, end = span_without_mark(clause[0])
                self._add_reported("indirect", start, end, (noun.idx, noun.idx + len(noun.text)), owner, None)
            return
        verb = noun.head
        kind = "indirect" if verb.lemma_.lower() in SPEECH_VERBS else "belief"
        start, end = span_without_mark(clause[0])
        cue = (verb.idx, noun.idx + len(noun.text))
        self.used_cues.add(verb.i)
        self._add_reported(kind, start, end, cue, cue_subject(verb), None)

    def _according(self, token: Token) -> None:
        to = next(c for c in token.children if c.lower_ == "to")
        objects = [c for c in to.children if c.dep_ == "pobj"]
        if not objects:
            return
        speaker = source_of(objects[0])
        head = token.head
        if head.i in self.used_cues or is_speech_verb(head):
            return  # a relayed statement: handled as the verb's source
        while head.dep_ == "conj" and head.head is not head:
            head = head.head  # ``A, and B, according to X``: X says both conjuncts
        sub = list(subtree_span(head))
        left = [t for t in sub if t.i < token.left_edge.i]
        right = [t for t in sub if t.i > token.right_edge.i]
        side = right if len(right) >= len(left) else left
        side = [t for t in side if not t.is_space]
        while side and side[0].is_punct and side[0].text not in ("“", '"'):
            side = side[1:]
        if not side:
            return
        start, end = side[0].idx, trim_end(self.text, side[0].idx, side[-1].idx + len(side[-1].text))
        cue = (token.idx, to.idx + len(to.text))
        self._add_reported("indirect", start, end, cue, speaker, None)

    def _relay(self, verb: Token) -> Any:
        """``According to X, Y stressed …`` / ``…, he said, as quoted by X``."""
        for child in verb.children:
            if child.lower_ == "according":
                to = [c for c in child.children if c.lower_ == "to"]
                objects = [c for t in to for c in t.children if c.dep_ == "pobj"]
                if objects:
                    return source_of(objects[0])
            if child.dep_ == "advcl" and child.lemma_.lower() in ("quote", "cite", "report"):
                agents = [c for c in child.children if c.dep_ == "agent"]
                objects = [c for a in agents for c in a.children if c.dep_ == "pobj"]
                if objects:
                    return source_of(objects[0])
        return None

    def _add_reported(self, kind: str, start: int, end: int, cue: tuple[int, int], speaker: Any, source: Any) -> None:
        para_start, para_end = self.paras[self.para_of(cue[0])]
        start, end = max(start, para_start), min(end, para_end)  # the parser may run across paragraphs
        if end <= start:
            return
        for q in self.quotes:  # a content never cuts a quotation in two
            if q.open < start < q.close:
                start = q.open
            if q.open < end <= q.close:
                end = min(q.close + 1, para_end)
        quotes = [q for q in self.quotes if q.open < end and q.close >= start]
        for q in quotes:
            if q in self.full_quotes and q.start <= start + 2 and q.end >= end - 2:
                return  # the content is a direct quote already attributed
        if kind != "belief" and any(q not in self.full_quotes or not (start <= q.open and q.close < end) for q in quotes):
            kind = "mixed"
        elif kind != "belief" and quotes:
            kind = "mixed"
        self.found.append(Found(kind, start, end, cue, speaker=speaker, source=source))

    # -- speakers
    def _resolve(self, found: Found) -> None:
        if found.inherit is not None:
            found.speaker_mention = found.inherit.speaker_mention
            found.speaker_key = found.inherit.speaker_key
            found.source_mention = found.inherit.source_mention
            return
        found.speaker_mention, found.speaker_key = self._mention(found.speaker, found)
        found.source_mention, _ = self._mention(found.source, found)

    def _mention(self, speaker: Any, found: Found) -> tuple[dict[str, Any] | None, str | None]:
        if speaker is None:
            return None, None
        span = speaker if isinstance(speaker, Span) else speaker_span(speaker)
        mention = {"start": span.start_char, "end": span.end_char, "text": span.text}
        # pronouns, role and group nouns first (storyline.article.coref), then the older rules below
        cluster = coref.resolve(self, found, span) if coref.enabled() else None
        if cluster is coref.NOBODY:
            return mention, None  # a description the text ties to no one
        if cluster is None and len(span) == 1 and span[0].lower_ in RELATIVE_PRONOUNS and span[0].head.dep_ == "relcl":
            span = speaker_span(span[0].head.head)  # ``X, who said …``: the mention is "who", the speaker X
        if cluster is None:
            cluster = self.mentions.cluster_at(span)
        if cluster is None:
            if len(span) == 1 and span[0].pos_ == "PRON":
                cluster = self._pronoun(span[0])
            else:
                cluster = self._role(span) or self.mentions.add_speaker_name(span)
        if cluster is not None:
            self.mentions.mark_speaker(cluster, span.start_char, span.end_char)
            return mention, cluster.key
        return mention, None

    def _pronoun(self, token: Token) -> Cluster | None:
        low = token.lower_
        window = self.paras[max(0, self.para_of(token.idx) - 2)][0]
        if low in PERSON_PRONOUNS:
            return self.mentions.latest(token.idx, {"person"}, window)
        if low in GROUP_PRONOUNS:
            return self.mentions.latest(token.idx, {"organization"}, window)
        return None

    def _role(self, span: Span) -> Cluster | None:
        """``the Russian FM`` → the cluster whose roles fit, the most recent one on a tie."""
        root = span.root
        if root.pos_ not in ("NOUN", "PROPN") or root.tag_ in ("NNS", "NNPS"):
            return None
        if any(t.lower_ in ("a", "an", "some", "another") for t in span):
            return None
        head, modifiers = role_head(span.text)
        scored = []
        for cluster in self.mentions.clusters:
            score = role_score(head, modifiers, cluster.roles)
            if score:
                last = max((at for at, _ in cluster.hits if at < span.start_char), default=-1)
                salient = max((at for at, s in cluster.hits if at < span.start_char and s), default=-1)
                scored.append((score, salient, last, cluster))
        if not scored:
            return None
        best = max(scored, key=lambda s: s[:3])
        self.mentions.add_role_alias(best[3], span)
        return best[3]

    def _as_dict(self, f: Found) -> dict[str, Any]:
        out = self._row(f)
        cue = self.token_at(f.cue[0])
        if cue is not None and cue.i in self.topics:
            out["topic"] = list(self.topics[cue.i])
        if f.nested:
            out["nested"] = [self._as_dict(n) for n in f.nested]
        return out

    def _row(self, f: Found) -> dict[str, Any]:
        return {
            "kind": f.kind,
            "start": f.start,
            "end": f.end,
            "cue": self.text[f.cue[0] : f.cue[1]],
            "cue_start": f.cue[0],
            "cue_end": f.cue[1],
            "speaker_mention": f.speaker_mention,
            "speaker_key": f.speaker_key,
            "source_mention": f.source_mention,
            "said_on": None,
        }


def _reports_clause(verb: Token) -> bool:
    """``a statement saying that …``: a participle inside a noun phrase still reports speech when it
    governs a clause of what was said (a bare ``the so-called deal`` does not)."""
    return verb.dep_ == "acl" and verb.tag_ == "VBG" and any(c.dep_ == "ccomp" for c in verb.children)


def previous_quote_open(finder: StatementFinder, found: Found) -> int:
    """Offset of the opening mark of a direct statement's quote."""
    return max(0, found.start - 1) if finder.text[found.start - 1 : found.start] in OPEN_MARKS + '"' else \
        finder.text.rfind("\n", 0, found.start) + 1


def find_statements(doc: Doc) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Statements and article-local entity clusters of one parsed Doc.

    Each statement also gets its ``clauses`` (``storyline.article.clauses``): where
    it asserts several things, the span of each, for the claims stage.
    """
    statements, mentions = StatementFinder(doc).run()
    for statement in statements:
        statement["clauses"] = [list(span) for span in clause_spans(doc, statement["start"], statement["end"])]
    return statements, mentions


# ------------------------------------------------------------------- stage
@register_stage("statements")
class Statements:
    """Per-article stage: fills ``findings["statements"]`` and ``findings["mentions"]``."""

    def __init__(self, options: Options) -> None:
        self.options = options

    def run(self, records: Iterable[Any]) -> Iterator[Any]:
        for record in records:
            if isinstance(record, Article) and analysed(record):  # English only (storyline.article.language)
                statements, mentions = find_statements(doc_of(record))
                record.findings["statements"] = statements
                record.findings["mentions"] = mentions
            yield record


# ---------------------------------------------------------- spaCy component
if not Doc.has_extension("statements"):
    Doc.set_extension("statements", default=None)
if not Doc.has_extension("entity_mentions"):
    Doc.set_extension("entity_mentions", default=None)


class StatementComponent:
    """spaCy pipeline component: sets ``doc._.statements`` and ``doc._.entity_mentions``."""

    def __init__(self, nlp: Language, name: str) -> None:
        self.name = name

    def __call__(self, doc: Doc) -> Doc:
        doc._.statements, doc._.entity_mentions = find_statements(doc)
        return doc


@Language.factory("storyline_statements")
def make_statement_component(nlp: Language, name: str) -> StatementComponent:
    """Factory behind ``nlp.add_pipe("storyline_statements")`` (needs parser and NER before it)."""
    return StatementComponent(nlp, name)
