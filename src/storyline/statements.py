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
   (``"…" – Spokesman X``) or a bare colon (``X: "…"``). A quote with no
   frame of its own continues the previous direct statement when it follows
   it in the same paragraph (a quote split by its cue) or opens the next
   paragraph (a quote-only paragraph).
3. **Reported speech.** A verb of saying (``SPEECH_VERBS``, by lemma) with
   a clausal complement (``X said (that) …``), a parenthetical cue
   (``For now, he noted, …``), ``according to X, …`` and noun cues of
   saying (``expressed frustration that …``). Content that embeds a partial
   quote is ``mixed``. Verbs of belief or intention (``BELIEF_VERBS``) give
   kind ``belief``, which is not speech.

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
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from spacy.language import Language
from spacy.tokens import Doc, Span, Token

from storyline.article import coref
from storyline.clauses import clause_spans
from storyline.parse import doc_of
from storyline.pipeline import Options, register_stage
from storyline.records import Article

# Verbs of saying, by lemma: a cue with one of these makes a speech statement.
SPEECH_VERBS = frozenset(
    """say tell state add note stress emphasize emphasise recall warn insist explain
    acknowledge indicate confirm claim argue assert announce declare report write tweet
    reply respond answer ask suggest admit deny mention remark comment observe predict
    promise pledge vow urge contend maintain reiterate repeat conclude complain caution
    charge allege testify reveal disclose concede boast quip joke lament describe call
    counter retort inform assure propose demand underline underscore highlight specify
    clarify recount shout chant yell scream whisper cite quote post muse hint imply
    brief express voice agree stipulate proclaim affirm reaffirm object protest criticize
    criticise accuse blast slam praise thank dismiss rule reject speak point continue exclaim
    interject bark snap scoff sneer gush rave plead wonder opine intone mutter murmur cry holler
    thunder concur acknowledge read""".split()
)
# Lemmas that only count as speech cues in a phrase (``point out``, ``rule out``).
PARTICLE_REQUIRED = {"point": "out", "rule": "out"}
# Cues only next to a direct quote (``"…," he continued``), never of reported speech.
QUOTE_ONLY_VERBS = frozenset({"continue", "interject", "bark", "snap", "scoff", "sneer", "cry", "read"})
# Verbs whose quoted object is a name or title, not speech.
NAMING_VERBS = frozenset({"call", "dub", "label", "term", "title", "name", "brand", "write"})
# Speech verbs whose object is the addressee, not what was said.
ADDRESSEE_VERBS = frozenset({"say", "tell", "ask", "inform", "brief", "assure", "thank", "speak", "write", "post", "agree"})
# Prepositions that carry what a speech act is about (``called for``, ``criticized … for``).
OBJECT_PREPS = frozenset({"for", "about", "as", "against", "on"})
# Verbs of belief, intention or perception: kind "belief", never speech.
BELIEF_VERBS = frozenset(
    """believe think hope want expect fear feel doubt intend plan wish consider worry
    suspect know assume guess reckon trust back support favor favour oppose""".split()
)
# Nouns that carry a that-clause of what was said (``expressed frustration that``).
SPEECH_NOUNS = frozenset(
    """frustration concern regret hope confidence view belief claim statement warning
    assurance insistence conviction remark comment assertion argument""".split()
)
SUBJECT_DEPS = ("nsubj", "nsubjpass")
NAME_LABELS = {"PERSON": "person", "ORG": "organization", "GPE": "place", "LOC": "place", "FAC": "place"}
PERSON_PRONOUNS = {"he", "she", "him", "her"}
RELATIVE_PRONOUNS = {"who", "that", "which"}
GROUP_PRONOUNS = {"it", "they", "them"}
OPEN_MARKS = "“„«"
CLOSE_MARKS = "”»"
DASHES = "–—―-"
# A sentence boundary in running text (``News.Az`` is not one, nor ``Sen. Udall``).
SENTENCE_END = re.compile(r"(\w*)([.!?])[”\"’]?\s+[A-Z“\"]")
ABBREVIATIONS = frozenset(
    "mr mrs ms dr sen rep gov gen lt col sgt st jr sr prof rev hon pres no vs u.s u.k corp inc co".split()
)


# A word tagged VERB in one of these relations sits inside a noun phrase
# (``harbour master Joris Veldt``, ``the visiting minister``), not a new clause.
NOMINAL_DEPS = ("acl", "relcl", "amod", "compound", "nmod", "poss", "appos")


def sentence_ends(text: str) -> int:
    """How many sentence boundaries ``text`` holds, abbreviations and initials aside."""
    count = 0
    for match in SENTENCE_END.finditer(text):
        word = match.group(1).lower()
        if match.group(2) == "." and (word in ABBREVIATIONS or len(word) == 1):
            continue
        count += 1
    return count
# Title words stripped from names and kept as roles.
TITLE_WORDS = frozenset(
    """mr mrs ms dr sen senator rep gov governor president minister spokesman spokeswoman
    spokesperson secretary general gen adm col lt sgt prof professor judge justice
    chancellor premier ambassador aide adviser advisor director chairman chairwoman chair
    mayor king queen prince pope rev sir lord lady vice deputy""".split()
)
# Role heads and what they can stand for: ``the top diplomat`` is a foreign minister.
ROLE_SYNONYMS = {
    "fm": {"foreign minister", "fm"},
    "diplomat": {"foreign minister", "secretary of state", "ambassador", "diplomat", "envoy", "fm"},
    "spokesman": {"spokesman", "spokeswoman", "spokesperson", "press secretary", "spokesman"},
    "spokeswoman": {"spokesman", "spokeswoman", "spokesperson", "press secretary"},
    "spokesperson": {"spokesman", "spokeswoman", "spokesperson", "press secretary"},
    "aide": {"aide", "adviser", "advisor", "assistant"},
    "adviser": {"aide", "adviser", "advisor"},
    "advisor": {"aide", "adviser", "advisor"},
    "leader": {"president", "prime minister", "leader", "chancellor", "premier"},
    "minister": {"minister", "fm"},
}
# Head nouns of role descriptions, never names of organisations.
ROLE_WORDS = TITLE_WORDS | set(ROLE_SYNONYMS) | {"fm", "official", "officials", "leader", "head", "chief"}
# Spellings of the same country in roles.
COUNTRY_FOLD = {"us": "us", "u.s.": "us", "american": "us", "america": "us", "united": "us", "washington": "us",
                "russian": "russia", "russia": "russia", "kremlin": "russia", "moscow": "russia"}


# --------------------------------------------------------------------- names
def fold_word(word: str) -> str:
    """Fold a name word so transliteration variants meet (Sergey/Sergei, Yury/Yuri/Yurii)."""
    word = unicodedata.normalize("NFKD", word.lower())
    word = "".join(c for c in word if c.isalnum())
    word = re.sub(r"j(?=[aeiou])", "y", word)  # Anja/Anya, Tatjana/Tatyana, Jurij/Yurij
    word = re.sub(r"(iy|yy|ii|ij|yi)$", "i", word)
    word = re.sub(r"y$", "i", word)
    word = word.replace("ey", "ei")
    return word


def name_words(text: str) -> list[str]:
    """The words of a name without titles, possessives and articles."""
    text = re.sub(r"['’]s?$", "", text.strip())
    words = [w for w in re.split(r"\s+", text) if w]
    while words and (words[0].lower().rstrip(".") in TITLE_WORDS or words[0].lower() == "the"):
        words = words[1:]
    return words


# ---------------------------------------------------------------- quotations
@dataclass(slots=True)
class Quote:
    open: int  # index of the opening mark
    close: int  # index of the closing mark, or the paragraph end
    start: int  # content, inside the marks
    end: int
    closed: bool


def paragraphs(text: str) -> list[tuple[int, int]]:
    spans, pos = [], 0
    for line in text.split("\n"):
        if line.strip():
            spans.append((pos, pos + len(line)))
        pos += len(line) + 1
    return spans


def find_quotes(original: str) -> list[Quote]:
    """Outermost quotations, paired per paragraph with a stack of open marks.

    Two apostrophes (``''…''``, as some archives write quotes) count as one straight mark.
    """
    text = original.replace("''", '"\x01')
    quotes = []
    for para_start, para_end in paragraphs(text):
        stack: list[int] = []
        for i in range(para_start, para_end):
            char = text[i]
            if char in OPEN_MARKS:
                after = text[i + 1] if i + 1 < para_end else " "
                if stack and text[i - 1] not in " \t" and (after.isspace() or after in ".,;:!?"):
                    _close(text, quotes, stack, i)  # an opening mark typed as the closing one
                else:
                    stack.append(i)
            elif char in CLOSE_MARKS:
                if stack:
                    _close(text, quotes, stack, i)
            elif char == '"':
                before = text[i - 1] if i > para_start else " "
                after = text[i + 1] if i + 1 < para_end else " "
                opens = (before.isspace() or before in "([{:" + DASHES) and not after.isspace()
                if stack and (text[stack[-1]] == '"' or not opens):
                    _close(text, quotes, stack, i)
                elif opens or not stack:
                    stack.append(i)
        if stack:
            quotes.append(_quote(text, stack[0], para_end, closed=False))
    return [q for q in quotes if q.end > q.start]


def _close(text: str, quotes: list[Quote], stack: list[int], i: int) -> None:
    opened = stack.pop()
    if not stack:
        quotes.append(_quote(text, opened, i, closed=True))


def _quote(text: str, opened: int, close: int, closed: bool) -> Quote:
    start, end = opened + 1, close
    while start < end and (text[start].isspace() or text[start] == "\x01"):
        start += 1
    while end > start and (text[end - 1].isspace() or text[end - 1] == ","):
        end -= 1
    return Quote(opened, close, start, end, closed)


# ------------------------------------------------------------ entity mentions
@dataclass(slots=True)
class Cluster:
    key: str
    kind: str
    names: list[str] = field(default_factory=list)
    roles: list[str] = field(default_factory=list)
    spans: list[tuple[int, int]] = field(default_factory=list)
    # (char offset, is_subject_or_speaker) of every mention, for pronouns and roles
    hits: list[tuple[int, bool]] = field(default_factory=list)
    spoke: bool = False
    _cache: Any = None

    @property
    def name(self) -> str:
        return self._naming()[0]

    @property
    def last_word(self) -> str:
        return self._naming()[1]

    @property
    def name_folded(self) -> list[str]:
        return self._naming()[2]

    def _naming(self) -> tuple[str, str, list[str]]:
        """Fullest name, folded surname, folded words; recomputed only when names change."""
        if self._cache is None or self._cache[0] != len(self.names):
            name = max(self.names, key=lambda n: (len(name_words(n)), len(n))) if self.names else ""
            words = [fold_word(w) for w in name_words(name)]
            self._cache = (len(self.names), (name, words[-1] if words else "", words))
        return self._cache[1]

    def as_dict(self) -> dict[str, Any]:
        aliases = sorted({n for n in self.names if n != self.name})
        return {"key": self.key, "name": self.name, "kind": self.kind, "aliases": aliases,
                "roles": _unique(self.roles), "spans": [list(s) for s in sorted(set(self.spans))]}


def _unique(items: Iterable[str]) -> list[str]:
    seen, out = set(), []
    for item in items:
        if item.lower() not in seen:
            seen.add(item.lower())
            out.append(item)
    return out


class Mentions:
    """Article-local entity clusters built from NER, surnames, titles and appositions."""

    def __init__(self, doc: Doc, quoted: list[tuple[int, int]]) -> None:
        self.doc = doc
        self.clusters: list[Cluster] = []
        self.by_start: dict[int, Cluster] = {}
        self.quoted = quoted
        for ent in doc.ents:
            if ent.label_ in NAME_LABELS:
                self._add_name(ent)
        self._add_bare_surnames()

    # -- building
    def _add_name(self, ent: Span) -> None:
        ent = _trim_entity(ent)
        if ent is None or not any(c.isupper() for c in ent.text) or _inside_title(ent):
            return
        if ent.label_ != "PERSON" and ent[-1].lower_.rstrip(".") in ROLE_WORDS:
            return  # ``the Russian FM``: a role description, resolved as one
        words = name_words(ent.text)
        if not words:
            return
        kind = NAME_LABELS[ent.label_]
        cluster = self._match_name(words, kind, ent.start_char)
        if cluster is None:
            cluster = Cluster(f"m{len(self.clusters) + 1}", kind)
            self.clusters.append(cluster)
        if len(words) > 1 or kind != "person" or cluster.kind != "person":
            cluster.names.append(" ".join(words))
        elif words[0] not in cluster.names:
            cluster.names.append(words[0])
        if kind == "person":
            cluster.kind = "person"
        self._note(cluster, ent.start_char, ent.end_char, ent.root.dep_ in SUBJECT_DEPS)
        self.by_start[ent.start_char] = cluster
        if kind in ("person", "organization"):
            cluster.roles.extend(_roles_of(ent))

    def _match_name(self, words: list[str], kind: str, at: int) -> Cluster | None:
        folded = [fold_word(w) for w in words]
        people = [c for c in self.clusters if c.kind == "person"]
        if len(words) > 1:
            for c in people:
                if c.name_folded == folded:
                    return c  # the tagger gave one person two labels
        if kind == "person" or len(words) == 1:
            same_last = [c for c in people if c.last_word == folded[-1]]
            if len(words) > 1:
                for c in same_last:
                    first = c.name_folded
                    if len(first) == 1 or first[0] == folded[0]:
                        return c
                return None
            if same_last:
                return max(same_last, key=lambda c: c.hits[-1][0] if c.hits else -1)
            if kind == "person":
                firsts = [c for c in people if len(c.name_folded) > 1 and c.name_folded[0] == folded[0]]
                if len(firsts) == 1:
                    return firsts[0]
        for c in self.clusters:
            if c.kind == kind and c.name_folded == folded:
                return c
        return None

    def _add_bare_surnames(self) -> None:
        """Surnames the tagger missed (``Lavrov`` untagged) join the person who has them."""
        surnames = {c.last_word: c for c in self.clusters if c.kind == "person" and len(name_words(c.name)) > 1}
        for token in self.doc:
            if token.pos_ == "PROPN" and not token.ent_type_ and token.idx not in self.by_start:
                cluster = surnames.get(fold_word(token.text))
                if cluster is not None:
                    self._note(cluster, token.idx, token.idx + len(token.text), token.dep_ in SUBJECT_DEPS)
                    self.by_start[token.idx] = cluster
        # A single-word person cluster whose word is a known surname is that person.
        for cluster in list(self.clusters):
            if cluster.kind == "person" and len(name_words(cluster.name)) == 1:
                target = surnames.get(cluster.last_word)
                if target is not None and target is not cluster:
                    self._merge(cluster, target)

    def _merge(self, source: Cluster, target: Cluster) -> None:
        target.names.extend(source.names)
        target.roles.extend(source.roles)
        target.spans.extend(source.spans)
        target.hits = sorted(target.hits + source.hits)
        self.clusters.remove(source)
        for start, cluster in list(self.by_start.items()):
            if cluster is source:
                self.by_start[start] = target

    def _note(self, cluster: Cluster, start: int, end: int, salient: bool) -> None:
        cluster.spans.append((start, end))
        if not any(a <= start < b for a, b in self.quoted):
            bisect.insort(cluster.hits, (start, salient))

    # -- lookups
    def cluster_at(self, span: Span) -> Cluster | None:
        """The cluster of a mention whose head word is a known name."""
        root = span.root
        for s in range(span.start_char, root.idx + 1):
            cluster = self.by_start.get(s)
            if cluster is not None and self._covers(cluster, s, root.idx):
                return cluster
        return None

    @staticmethod
    def _covers(cluster: Cluster, start: int, at: int) -> bool:
        return any(a == start and a <= at < b for a, b in cluster.spans)

    def add_role_alias(self, cluster: Cluster, span: Span) -> None:
        self._note(cluster, span.start_char, span.end_char, True)
        cluster.roles.append(_strip_det(span.text))

    def latest(self, before: int, kinds: set[str], window_start: int) -> Cluster | None:
        """The latest salient (subject or speaker) mention before ``before``.

        A one-word name the tagger did not call a person still counts as one
        once it has spoken (``Reynolds says`` tagged as an organisation)."""
        best, best_at = None, -1
        for cluster in self.clusters:
            maybe_person = "person" in kinds and cluster.spoke and len(cluster.name_folded) == 1
            if cluster.kind not in kinds and not maybe_person:
                continue
            for at, salient in reversed(cluster.hits):
                if at < before and at >= window_start and salient:
                    if at > best_at:
                        best, best_at = cluster, at
                    break
        return best

    def add_speaker_name(self, span: Span) -> Cluster | None:
        """A speaker named in words the tagger missed (``– Spokeswoman Mirela Dunn``)."""
        tokens = [t for t in span if not t.is_punct]
        if not tokens or tokens[0].lower_ in ("the", "a", "an") or not all(t.pos_ == "PROPN" for t in tokens):
            return None
        words = name_words(span.text)
        if not words:
            return None
        kind = "person" if len(words) > 1 else "other"
        cluster = self._match_name(words, kind, span.start_char)
        if cluster is None:
            cluster = Cluster(f"m{len(self.clusters) + 1}", kind)
            self.clusters.append(cluster)
        cluster.names.append(" ".join(words))
        if len(words) > 1:
            cluster.kind = "person"
            title = span.text[: span.text.find(words[0])].strip()
            if title:
                cluster.roles.append(title)
        return cluster

    def mark_speaker(self, cluster: Cluster, start: int, end: int) -> None:
        cluster.spoke = True
        self._note(cluster, start, end, True)


def _trim_entity(ent: Span) -> Span | None:
    start, end = ent.start, ent.end
    doc = ent.doc
    while start < end and (doc[start].lower_ in ("the", "'s", "’s") or doc[start].is_punct
                           or doc[start].lower_.rstrip(".") in TITLE_WORDS):
        start += 1
    while end > start and (doc[end - 1].lower_ in ("'s", "’s", "'", "’") or doc[end - 1].is_punct or doc[end - 1].is_space):
        end -= 1
    if start >= end:
        return None
    return Span(doc, start, end, label=ent.label_)


def _inside_title(ent: Span) -> bool:
    """``State`` in ``Secretary of State Marco Rubio`` is part of a title, not a name."""
    doc = ent.doc
    return (ent.start > 0 and doc[ent.start - 1].lower_ == "of" and ent.end < len(doc)
            and doc[ent.end].ent_type_ == "PERSON")


def _strip_det(text: str) -> str:
    return re.sub(r"^(the|a|an|his|her|their|its)\s+", "", text.strip(), flags=re.I)


def _roles_of(ent: Span) -> list[str]:
    """Titles before a name (``Kremlin spokesman Dmitry Peskov``) and appositions."""
    doc, roles = ent.doc, []
    i = ent.start - 1
    while i >= 0 and _is_title_token(doc[i]):
        i -= 1
    while i + 1 < ent.start and doc[i + 1].lower_ == "of":
        i += 1
    if i + 1 < ent.start:
        roles.append(doc[i + 1 : ent.start].text)
    root = ent.root
    for child in root.children:
        if child.dep_ == "appos" and child.pos_ in ("NOUN", "PROPN") and not child.ent_type_ == "PERSON":
            roles.append(_np_text(child, limit=8))
    if root.dep_ == "appos" and root.head.pos_ == "NOUN" and root.head.i < ent.start:
        head = root.head
        roles.append(doc[head.left_edge.i : head.i + 1].text)
    return [_strip_det(r) for r in roles if r.strip()]


def _is_title_token(token: Token) -> bool:
    if token.is_space or token.ent_type_ == "PERSON" or token.dep_ == "poss":
        return False
    if token.lower_ == "of":
        return True
    if token.text in (".",):
        return False
    return token.pos_ in ("NOUN", "PROPN", "ADJ") and token.tag_ != "POS" and token.dep_ in ("compound", "amod", "nmod", "npadvmod")


def _np_text(head: Token, limit: int) -> str:
    tokens = [t for t in head.subtree if not t.is_space]
    end = head.i
    for t in tokens:
        if t.i > head.i and (t.is_punct or t.dep_ in ("relcl", "acl")):
            break
        end = t.i
    start = head.left_edge.i
    end = min(end, start + limit)
    return head.doc[start : end + 1].text


# --------------------------------------------------------------------- roles
def role_head(text: str) -> tuple[str, list[str]]:
    words = [w.lower() for w in re.findall(r"[\w.]+", text)]
    words = [w for w in words if w not in ("the", "a", "an", "of")]
    return (words[-1], words[:-1]) if words else ("", [])


def role_score(head: str, modifiers: list[str], roles: Iterable[str]) -> int:
    """How well a role description fits an entity's roles: 0 = no, higher = better.

    The head noun (or one of its synonyms, ``diplomat`` ~ ``foreign minister``)
    must occur in one of the roles; a country word that contradicts the roles
    (``the US president`` vs ``Russian President``) rules the entity out.
    """
    wanted = ROLE_SYNONYMS.get(head, {head})
    best = 0
    for role in roles:
        low = role.lower()
        words = re.findall(r"[\w.]+", low)
        if head.endswith("s") and head[:-1] in words:
            words = words + [head]
        if not any(re.search(rf"(^|\s){re.escape(w)}(\s|$)", " ".join(words)) for w in wanted):
            continue
        countries = {COUNTRY_FOLD[w] for w in words if w in COUNTRY_FOLD}
        asked = {COUNTRY_FOLD[m] for m in modifiers if m in COUNTRY_FOLD}
        if asked and countries and not asked & countries:
            continue
        best = max(best, 1 + sum(1 for m in modifiers if m in words or COUNTRY_FOLD.get(m) in countries))
    return best


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
        return [self._as_dict(f) for f in self.found], [c.as_dict() for c in self.mentions.clusters]

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
        if prev is not None and _is_speech_verb(prev):
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
        cue = self._cue_after(q) or self._cue_before(q)
        if cue is None:
            return self._dash_or_colon(q)
        verb, speaker = cue
        self.used_cues.add(verb.i)
        return Found("direct", q.start, q.end, _cue_span(verb), speaker=speaker, source=self._relay(verb))

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
            if token.idx >= limit or token.text in ".!?;" or (token.pos_ == "VERB" and not _is_speech_verb(token)
                                                            and token.dep_ not in NOMINAL_DEPS):
                break
            if _is_speech_verb(token) and not any(c.dep_ == "ccomp" and c.i > token.i for c in token.children):
                return token, _subject(token)
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
            if _is_speech_verb(token) and token.i not in self.used_cues:
                between = [t for t in tokens if t.i > token.i]
                if sentence_ends(self.text[token.idx : q.open]):
                    return None
                if any(t.pos_ in ("VERB", "AUX") and t.dep_ not in ("aux", "auxpass") for t in between):
                    return None
                return token, _subject(token)
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
        subject = _subject(verb)
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
            elif _is_speech_verb(token) and verb_lemma(token) not in QUOTE_ONLY_VERBS and token.dep_ not in ("acl", "amod"):
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
            content = _span_without_mark(comps[0]) if comps else None
        else:
            content = _clausal_content(verb)
            if content is None and _subject(verb) is not None and verb.tag_ != "VBN" and not _has_noun_cue(verb):
                content = _object_content(verb)
        if content is None:
            return
        start, end = content
        if kind != "belief":
            end = max(end, _quoted_conjunct_end(verb, end))
        self._add_reported(kind, start, end, _cue_span(verb), _subject(verb), self._relay(verb))

    def _noun_cue(self, noun: Token) -> None:
        clause = [c for c in noun.children if c.dep_ in ("acl", "ccomp") and any(m.lower_ == "that" for m in c.children)]
        if not clause or noun.head.pos_ != "VERB" or noun.dep_ != "dobj":
            return
        verb = noun.head
        kind = "indirect" if verb.lemma_.lower() in SPEECH_VERBS else "belief"
        start, end = _span_without_mark(clause[0])
        cue = (verb.idx, noun.idx + len(noun.text))
        self.used_cues.add(verb.i)
        self._add_reported(kind, start, end, cue, _subject(verb), None)

    def _according(self, token: Token) -> None:
        to = next(c for c in token.children if c.lower_ == "to")
        objects = [c for c in to.children if c.dep_ == "pobj"]
        if not objects:
            return
        speaker = _source_of(objects[0])
        head = token.head
        if head.i in self.used_cues or _is_speech_verb(head):
            return  # a relayed statement: handled as the verb's source
        sub = list(_subtree(head))
        left = [t for t in sub if t.i < token.left_edge.i]
        right = [t for t in sub if t.i > token.right_edge.i]
        side = right if len(right) >= len(left) else left
        side = [t for t in side if not t.is_space]
        while side and side[0].is_punct and side[0].text not in ("“", '"'):
            side = side[1:]
        if not side:
            return
        start, end = side[0].idx, _trim_end(self.text, side[0].idx, side[-1].idx + len(side[-1].text))
        cue = (token.idx, to.idx + len(to.text))
        self._add_reported("indirect", start, end, cue, speaker, None)

    def _relay(self, verb: Token) -> Any:
        """``According to X, Y stressed …`` / ``…, he said, as quoted by X``."""
        for child in verb.children:
            if child.lower_ == "according":
                to = [c for c in child.children if c.lower_ == "to"]
                objects = [c for t in to for c in t.children if c.dep_ == "pobj"]
                if objects:
                    return _source_of(objects[0])
            if child.dep_ == "advcl" and child.lemma_.lower() in ("quote", "cite", "report"):
                agents = [c for c in child.children if c.dep_ == "agent"]
                objects = [c for a in agents for c in a.children if c.dep_ == "pobj"]
                if objects:
                    return _source_of(objects[0])
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
        span = speaker if isinstance(speaker, Span) else _speaker_span(speaker)
        mention = {"start": span.start_char, "end": span.end_char, "text": span.text}
        # pronouns, role and group nouns first (storyline.article.coref), then the older rules below
        cluster = coref.resolve(self, found, span) if coref.enabled() else None
        if cluster is coref.NOBODY:
            return mention, None  # a description the text ties to no one
        if cluster is None and len(span) == 1 and span[0].lower_ in RELATIVE_PRONOUNS and span[0].head.dep_ == "relcl":
            span = _speaker_span(span[0].head.head)  # ``X, who said …``: the mention is "who", the speaker X
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


def previous_quote_open(finder: StatementFinder, found: Found) -> int:
    """Offset of the opening mark of a direct statement's quote."""
    return max(0, found.start - 1) if finder.text[found.start - 1 : found.start] in OPEN_MARKS + '"' else \
        finder.text.rfind("\n", 0, found.start) + 1


# ----------------------------------------------------------- parse helpers
def verb_lemma(token: Token) -> str:
    """The lemma, or a regular stem when the lemmatizer slips (``hopes`` → ``hop``)."""
    lemma = token.lemma_.lower()
    if lemma in SPEECH_VERBS or lemma in BELIEF_VERBS:
        return lemma
    low = token.lower_
    for stem in (low, low[:-1], low[:-2], low[:-3], low[:-3] + "e", low[:-1] + "e"):
        if stem in SPEECH_VERBS or stem in BELIEF_VERBS:
            if low in (stem, stem + "s", stem + "es", stem + "ed", stem + "d", stem + "ing", stem[:-1] + "ing"):
                return stem
    return lemma


def _is_speech_verb(token: Token) -> bool:
    lemma = verb_lemma(token)
    if lemma not in SPEECH_VERBS or not (token.pos_ in ("VERB",) or token.tag_.startswith("VB")):
        return False
    if lemma in PARTICLE_REQUIRED:
        return any(c.dep_ == "prt" and c.lower_ == PARTICLE_REQUIRED[lemma] for c in token.children)
    return True


def _cue_span(verb: Token) -> tuple[int, int]:
    end = verb.idx + len(verb.text)
    for child in verb.children:
        if child.dep_ == "prt" and child.i == verb.i + 1:
            end = child.idx + len(child.text)
    return verb.idx, end


def _subject(verb: Token) -> Token | None:
    """The speaker of a cue: its subject, through conj/advcl/xcomp and relative clauses."""
    current = verb
    for _ in range(4):
        for child in current.children:
            if child.dep_ == "nsubj" or (child.dep_ == "nsubjpass" and current.lemma_.lower() in ("quote", "cite")):
                if child.lower_ in ("it", "there") and child.dep_ == "nsubjpass":
                    return None
                if child.ent_type_ == "TIME":
                    return None  # a live-blog timestamp read as the subject
                return child
        if current.dep_ in ("conj", "advcl", "xcomp", "pcomp") and current.head is not current:
            joined_to = current.head
            if current.dep_ == "conj" and joined_to.dep_ == "ccomp" and _is_speech_verb(joined_to.head):
                # ``X stated that A depends on B and has insisted that …``: the parser hung the
                # second cue on the first one's content; its speaker is X.
                joined_to = joined_to.head
            current = joined_to
        else:
            return None
    return None


def _source_of(token: Token) -> Token:
    """``according to a statement by X`` → X."""
    for child in token.children:
        if child.dep_ == "prep" and child.lower_ in ("by", "from", "of"):
            for obj in child.children:
                if obj.dep_ == "pobj" and (obj.ent_type_ or obj.pos_ == "PROPN"):
                    return obj
        if child.dep_ == "poss" and (child.ent_type_ or child.pos_ == "PROPN"):
            return child
    return token


def _speaker_span(token: Token) -> Span:
    doc = token.doc
    if token.pos_ == "PRON":
        return doc[token.i : token.i + 1]
    if token.ent_type_ in NAME_LABELS:
        start, end = token.i, token.i + 1
        while start > 0 and doc[start].ent_iob_ == "I":
            start -= 1
        while end < len(doc) and doc[end].ent_iob_ == "I":
            end += 1
        ent = Span(doc, start, end, label=token.ent_type_)
        return _trim_entity(ent) or ent
    for child in token.children:
        if child.dep_ == "appos" and child.ent_type_ in ("PERSON", "ORG"):
            return _speaker_span(child)
    start = token.left_edge.i
    while start < token.i and (doc[start].is_punct or doc[start].is_space):
        start += 1
    return doc[start : token.i + 1]


def _clausal_content(verb: Token) -> tuple[int, int] | None:
    comps = [c for c in verb.children if c.dep_ == "ccomp"]
    if comps:
        return _span_without_mark(comps[0])
    if verb.dep_ == "parataxis":
        head = verb.head
        sub = [t for t in _subtree(head) if not t.is_space]
        left = [t for t in sub if t.i < verb.left_edge.i]
        right = [t for t in sub if t.i > verb.right_edge.i]
        side = left if len(left) >= len(right) else right
        side = _strip_punct(side)
        if len(side) >= 3:
            return side[0].idx, _end_of(side)
    return None


def _quoted_conjunct_end(verb: Token, end: int) -> int:
    """``said that A, but "B"``: a conjunct of the cue that opens with a quotation is
    more of what was said (a narrator does not speak in quotes), so the content runs on."""
    for child in verb.children:
        if child.dep_ != "conj" or child.idx < end:
            continue
        tokens = [t for t in _subtree(child) if not t.is_space]
        while tokens and (tokens[0].dep_ == "cc" or tokens[0].text in (",", ";")):
            tokens = tokens[1:]
        if tokens and tokens[0].text in ("“", '"', "''"):
            return _end_of(tokens)
    return end


def _has_noun_cue(verb: Token) -> bool:
    """``expressed frustration that …``: the noun carries the content (see ``_noun_cue``)."""
    return any(c.dep_ == "dobj" and c.lemma_.lower() in SPEECH_NOUNS and any(g.dep_ in ("acl", "ccomp") for g in c.children)
               for c in verb.children)


def _object_content(verb: Token) -> tuple[int, int] | None:
    """What a speech act is about when it has no clause: ``criticized X for Y``,
    ``called for X``, ``urged X to Y``, ``described the call as "pretty long"``.

    ``say``/``tell``/``ask`` take an addressee or a pronoun as object, so only
    their infinitive complement counts.
    """
    addressed = verb.lemma_.lower() in ADDRESSEE_VERBS
    parts = []
    for c in verb.children:
        if c.i < verb.i:
            continue
        if c.dep_ in ("xcomp", "oprd") or (c.dep_ == "prep" and c.lower_ in OBJECT_PREPS and not addressed):
            parts.append(c)
        elif c.dep_ == "dobj" and not addressed and c.pos_ not in ("PRON",) and c.lower_ not in ("so", "nothing"):
            parts.append(c)
    if not parts:
        return None
    tokens = [t for p in parts for t in _subtree(p)]
    tokens = _strip_punct(sorted(tokens, key=lambda t: t.i))
    if not tokens:
        return None
    return tokens[0].idx, _end_of(tokens)


def _subtree(head: Token) -> Span:
    """The tokens a head governs: one contiguous slice, the parser being projective."""
    return head.doc[head.left_edge.i : head.right_edge.i + 1]


def _span_without_mark(head: Token) -> tuple[int, int]:
    tokens = [t for t in _subtree(head) if not t.is_space]
    # A trailing participle or adverbial clause after a comma is the writer's, not the content:
    # ``… said X, claiming that …`` / ``…, though voters …``.
    for child in head.children:
        if child.dep_ == "advcl" and child.i > head.i and child.left_edge.i > 0:
            before = head.doc[child.left_edge.i - 1]
            if before.text in (",", "—", "–", "-") and child.tag_ == "VBG" or child.left_edge.lower_ in ("though", "although", "while", "as"):
                cut = child.left_edge.i - (1 if before.is_punct else 0)
                tokens = [t for t in tokens if t.i < cut]
                break
    for child in head.children:  # ``… and has insisted that …``: another cue, not content
        if child.dep_ == "conj" and _is_speech_verb(child) and not any(g.dep_ in SUBJECT_DEPS for g in child.children):
            cut = child.left_edge.i
            while cut > head.i and head.doc[cut - 1].dep_ in ("cc", "punct"):
                cut -= 1
            tokens = [t for t in tokens if t.i < cut]
    while tokens and (tokens[0].dep_ == "mark" and tokens[0].lower_ in ("that",) or tokens[0].is_punct and tokens[0].text not in "“\""):
        tokens = tokens[1:]
    if not tokens:
        return head.idx, head.idx
    return tokens[0].idx, _end_of(tokens)


def _strip_punct(tokens: list[Token]) -> list[Token]:
    tokens = [t for t in tokens if not t.is_space]
    while tokens and tokens[0].is_punct and tokens[0].text not in "“\"":
        tokens = tokens[1:]
    while tokens and tokens[-1].is_punct and tokens[-1].text not in "”\"":
        tokens = tokens[:-1]
    return tokens


def _end_of(tokens: list[Token]) -> int:
    """End offset of a content, without trailing commas and sentence periods (never
    re-reading ``doc.text``, which spaCy rebuilds on every access)."""
    last = len(tokens) - 1
    while last > 0 and (tokens[last].is_space or tokens[last].text in (",", ";", ":", ".")):
        last -= 1
    return tokens[last].idx + len(tokens[last].text)


def _trim_end(text: str, start: int, end: int) -> int:
    while end > start and text[end - 1] in " \n,;:.":
        end -= 1
    # a closing quote mark stays with its quote; a trailing period inside it too
    return end


def find_statements(doc: Doc) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Statements and article-local entity clusters of one parsed Doc.

    Each statement also gets its ``clauses`` (``storyline.clauses``): where
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
            if isinstance(record, Article):
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
