"""Speaker coreference: the entity a pronoun or role noun standing as a speaker refers to.

Called by the statement finder (``statements.StatementFinder._mention``) for
every speaker mention before its own rules; returns one of the article's
entity clusters, ``NOBODY`` for a definite description the text ties to no
one (``the official``: it stays null), or ``None`` where this module has no
rule or no answer (names, ``they``), so that the finder's rules apply.
Everything comes from the spaCy parse and the text of one article:

- **Relative pronouns** (``X, who said``): the noun phrase the clause hangs on,
  else the phrase just before the pronoun (also when the parsed antecedent is no
  noun); ``who`` climbs from a place to the person (``Y, a doctor from Z, who
  said``), a role noun in apposition to a name is that name, and a predicate noun
  is the subject (``X is a councillor who said``); common nouns in a list or
  apposition stand for what they describe (``X is a liar and bully who``), names in a
  list do not (``A, B and C, who``: C); a plural or person noun the parser hangs the
  clause on is itself the antecedent (``among superdelegates who``), and a common noun
  the text ties to no one leaves the speaker null.
- **First person**: inside a quote, the quote's speaker; outside quotes, a
  letter's signature (the next paragraph that is only a name), the author a
  closing line names (``Jane Roe is a professor at …``), or the owner of the book or
  speech an opening paragraph presents the article as (``The following is an excerpt
  from X's memoir``; ``X will give a speech. Here is what we'd like to hear``).
- **he / she**: a name the pronoun's clause hangs on (``Clinton, though she
  said``), else a person of that known gender named earlier in its sentence (``As for
  X, he said``),
  else the latest person mention that is a subject or a speaker, outside the
  content of statements (a person only talked about is not salient), within
  the last paragraphs, and of that sentence's salient people its main clause's subject
  (``X recalled the day Y took office. "…," he said``: X); a person of known, agreeing
  gender named (in any role) in the sentence or the one before, where no one is salient
  or the salient one is older and of unknown gender; always skipping people whose gender contradicts the
  pronoun. Gender is read from the text: titles (Mr., Mrs., Ms.), gendered
  role nouns (spokeswoman), pronouns after a sole person named as a subject in the
  same sentence, and the first name (a data table, ``first_names.tsv``, of names
  that are not used for both). ``it``: the document that was the main subject of
  the sentence before (``The post showed … It says``: its owner, or no one), the
  organisation subject of the clause its own depends on (``the group said … as it
  commented``), else the latest organisation.
- **Possessives** (``his campaign``, ``the mogul's plan``): the possessor,
  unless the head is a person (``his wife``, ``the minister's spokeswoman``).
- **Documents** (``the report``, ``the statement``, ``the poll``): the owner of
  the latest earlier mention of that kind of document (its possessor, a name
  compounded with it, its ``from``/``by``/``of``/``for`` phrase, the subject of
  the verb that issued it: ``X said in a statement``, ``X will sue``); for a
  statement with no earlier mention, the previous speaker.
- **Organisation nouns** (``the company``, ``the campaign``): its own owner (``the
  trade group for the X plans``), else whom the text
  tied the same noun to before (``the Clinton campaign``), else the organisation
  that was a main clause's subject or the speaker of the sentence before, else the latest
  organisation named with the noun (``State Department`` for ``the
  department``), else the latest salient organisation.
- **Person role nouns** (``the senator``): the person earlier in the text whose
  roles or titles fit (``statements.role_score``; ``Sen.`` counts as senator);
  for titles of public figures first the person the sentence is about (its main
  subject, or the one person named in it: ``Trump's speech drew protests because of
  the businessman's rhetoric``) unless someone else holds the title and they do not;
  for titles of public figures, else the latest salient person, else the story's
  protagonist (the person named most so far, when one clearly is). A country in
  the description rules out people whose roles name another (``the US
  president`` is not the one called Russian President). Generic nouns
  (``the official``, ``the source``) need a fitting role.
- ``the latter`` / ``the former``: the last / first entity named in its
  sentence (or with the sentence before). ``the 43-year-old``: the latest salient
  person.
- A person named inside any quotation (a phrase in quotes too) is talked about:
  never a pronoun's antecedent. A lowercase word the tagger calls PROPN is a
  common noun.

``disabled()`` turns the module off for before/after measurements
(``storyline.eval.speakers``).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from storyline.article import names
from storyline.article.speakers import COUNTRY_FOLD, entity_at

AGE_DESCRIPTION = re.compile(r"(?i)the \d{1,3}[- ]year[- ]old")
NAME = r"[A-Z][\w'’-]*\.?(?: [A-Z][\w'’-]*\.?){1,3}"
_ENABLED: ContextVar[bool] = ContextVar("storyline_coref", default=True)

MALE, FEMALE = "m", "f"
PRONOUN_GENDER = {"he": MALE, "him": MALE, "his": MALE, "himself": MALE,
                  "she": FEMALE, "her": FEMALE, "hers": FEMALE, "herself": FEMALE}
FIRST_PERSON = {"i", "me", "we", "us"}
RELATIVES = {"who", "which", "that", "whom"}
POSSESSIVE_PRONOUNS = {"his": "he", "her": "she", "its": "it", "their": "they"}
ROLE_GENDER = {
    "spokeswoman": FEMALE, "chairwoman": FEMALE, "congresswoman": FEMALE, "businesswoman": FEMALE,
    "assemblywoman": FEMALE, "councilwoman": FEMALE, "actress": FEMALE, "queen": FEMALE, "wife": FEMALE,
    "mother": FEMALE, "daughter": FEMALE, "sister": FEMALE, "widow": FEMALE, "grandmother": FEMALE,
    "spokesman": MALE, "congressman": MALE, "businessman": MALE, "assemblyman": MALE, "councilman": MALE,
    "actor": MALE, "king": MALE, "husband": MALE, "father": MALE, "son": MALE, "brother": MALE,
    "widower": MALE, "grandfather": MALE,
}
# Words of a closing line that presents the writer (``… is a reporter for …``).
WRITER_WORDS = {"reporter", "writer", "columnist", "editor", "contributor", "author", "correspondent", "professor",
                "fellow", "historian", "economist", "director", "president", "governor", "senator", "member",
                "founder", "chairman", "analyst", "scholar", "lecturer", "attorney", "lawyer", "executive"}
# Nouns for what was written or published: the speaker is whoever issued it.
DOCUMENT_KINDS = [
    {"statement", "release", "announcement", "communique", "memo", "letter", "email", "message", "post", "tweet"},
    {"report", "study", "findings", "survey", "poll", "results", "analysis", "review", "summary", "audit"},
    {"lawsuit", "suit", "complaint", "filing", "motion"},
    {"ruling", "order", "decision", "opinion", "verdict"},
    {"ad", "advertisement", "commercial", "spot", "video"},
    {"book", "passage", "excerpt", "memoir", "article", "column", "editorial", "document", "documents",
     "page", "website", "site", "biography", "platform", "plan", "proposal", "bill", "agreement", "appearance"},
]
DOCUMENT_NOUNS = {noun: kinds for kinds in DOCUMENT_KINDS for noun in kinds}
# Verbs whose subject issues a document of that kind (``X announced …`` -> ``the release``).
DOCUMENT_VERBS = {"announce": DOCUMENT_KINDS[0], "state": DOCUMENT_KINDS[0], "sue": DOCUMENT_KINDS[2],
                  "find": DOCUMENT_KINDS[1], "conclude": DOCUMENT_KINDS[1]}
# Verbs that make their subject the owner of the document they govern (``X said in a statement``).
ISSUING_VERBS = {"say", "issue", "release", "publish", "file", "post", "air", "run", "conduct", "send", "write",
                 "produce", "unveil", "put", "state", "announce", "tell", "add", "report", "find", "spend",
                 "buy", "launch", "sign", "draft", "commission", "submit", "deliver", "give"}
# An opening that presents the article as someone's own text (``The following is an excerpt from X's book``).
INTRODUCTION = re.compile(r"(?i)\b(?:the following (?:is|are)|here is|here's|what follows is)\b")
INTRODUCED_TEXTS = {"book", "memoir", "speech", "remarks", "address", "essay", "letter", "testimony", "diary"}
ORG_NOUNS = {
    "company", "firm", "corporation", "group", "organization", "organisation", "agency", "department",
    "ministry", "commission", "committee", "council", "board", "bureau", "office", "administration",
    "government", "party", "campaign", "team", "network", "outlet", "newspaper", "paper", "magazine",
    "channel", "station", "publisher", "bank", "fund", "foundation", "institute", "university", "school",
    "college", "church", "union", "association", "coalition", "alliance", "court", "police", "army",
    "military", "club", "league", "museum", "center", "centre", "airline", "service", "pac",
    "caucus", "legislature", "senate", "house", "congress", "parliament", "regime", "kremlin",
}
# Titles of public figures that, in news copy, refer back to the person the story is about.
PUBLIC_TITLES = {
    "president", "senator", "governor", "candidate", "nominee", "front-runner", "frontrunner", "mayor",
    "secretary", "minister", "businessman", "businesswoman", "billionaire", "mogul", "magnate", "tycoon",
    "justice", "judge", "chairman", "chairwoman", "speaker", "congressman", "congresswoman", "lawmaker",
    "representative", "leader", "chancellor", "premier", "king", "queen", "pope", "ambassador", "author",
    "columnist", "writer", "star", "actor", "actress", "comedian", "host", "anchor", "donor", "activist",
    "socialist", "democrat", "republican", "independent", "hopeful", "challenger", "incumbent", "rival",
    "contender", "veteran", "general", "pastor", "reverend", "bishop", "director", "founder",
    "executive", "ceo", "owner", "investor", "manager", "economist", "scholar", "professor", "historian",
    "attorney", "lawyer", "prosecutor", "sheriff", "commissioner", "diplomat", "envoy", "negotiator",
    "spokesman", "spokeswoman", "spokesperson", "aide", "adviser", "advisor", "strategist", "pollster",
    "analyst", "reporter", "journalist", "editor", "correspondent", "commentator", "officer",
}
# Nouns that never resolve by salience alone: too many unnamed people fit them.
GENERIC_PEOPLE = {"official", "officials", "source", "sources", "person", "people", "man", "woman", "friend",
                  "friends", "expert", "experts", "pilot", "witness", "resident", "voter", "voters", "critic",
                  "critics", "observer", "insider", "supporter", "supporters", "crowd", "audience", "media",
                  "community", "detractors", "chorus", "narrator", "student", "worker", "employee", "member"}


def enabled() -> bool:
    return _ENABLED.get()


@contextmanager
def disabled() -> Iterator[None]:
    """Run the statement finder without speaker coreference (for before/after measurements)."""
    token = _ENABLED.set(False)
    try:
        yield
    finally:
        _ENABLED.reset(token)


# ------------------------------------------------------------------ entry
NOBODY = object()  # a definite description read in full that the text ties to no one


def resolve(finder: Any, found: Any, span: Any) -> Any:
    """The cluster a speaker mention refers to; ``NOBODY`` for a definite description (``the official``)
    the text ties to no one (the finder's looser role rule would take a later mention); None when this
    module has no rule for the mention (names, it, they) or no answer for a pronoun, so that the
    finder's own rules apply."""
    state = _state(finder)
    tokens = [t for t in span if not t.is_punct and not t.is_space]
    if not tokens:
        return None
    if len(tokens) == 1 and tokens[0].pos_ == "PRON":
        return state.pronoun(tokens[0])
    if span.root.lower_ in ("latter", "former"):
        return state.latter_or_former(span.root) or NOBODY
    if AGE_DESCRIPTION.fullmatch(span.text.strip()):  # ``the 43-year-old``: a person, the one in view
        return state.person_before(span.start_char, None) or NOBODY
    common = span.root.pos_ == "NOUN" or span.root.pos_ == "PROPN" and span.root.text.islower()
    if not common or span.root.ent_type_ and not span.root.text.islower() \
            or state.mentions.cluster_at(span) is not None:
        return None  # a name: the finder's own rules (a lowercase word tagged PROPN is a common noun)
    cluster = state.description(span)
    return NOBODY if cluster is None and len(tokens) > 1 else cluster


def _state(finder: Any) -> Coref:
    state = getattr(finder, "coref_state", None)
    if state is None:
        state = Coref(finder)
        finder.coref_state = state
    return state


# ------------------------------------------------------------------ state
class Coref:
    """Per-article facts the rules share: genders, statement contents, the closing byline."""

    def __init__(self, finder: Any) -> None:
        self.finder = finder
        self.doc = finder.doc
        self.mentions = finder.mentions
        self.contents = sorted((f.start, f.end) for f in finder.found)
        self._genders: dict[str, str] | None = None

    # -- pronouns
    def pronoun(self, token: Any) -> Any:
        low = token.lower_
        if low in RELATIVES:
            return self.relative(token)
        if low in FIRST_PERSON:
            return self.first_person(token)
        if low in PRONOUN_GENDER:
            return self._person_pronoun(token)
        if low == "it":
            host = self._host_subject(token)
            if host is not None:
                return host
            document = self._document_subject_before(token)
            if document is not None:  # ``The post showed a man in a wig. It says: …``: the post, not a firm
                return self.document_owner(document) or NOBODY
            return self.org_before(token.idx, None)
        return None  # they: the finder's organisation fallback

    def _person_pronoun(self, token: Any) -> Any:
        """he / she: a name the pronoun's clause hangs on (``Clinton, though she said …``), else the latest
        person of its sentence before it (``As for Trump, he said``), else the latest salient person."""
        gender = PRONOUN_GENDER[token.lower_]
        for head in (token.head, token.head.head):
            if head.ent_type_ == "PERSON" and head.i != token.i and not self._quoted(head.idx):
                named = self.mentions.cluster_at(_entity_span(head))
                if named is not None and self._agrees(named, gender):
                    return named
        for other in reversed(self.doc[_sentence_start(token) : token.i]):
            if other.ent_type_ == "PERSON" and other.ent_iob_ == "B" and not self._quoted(other.idx) \
                    and not self._inside_content(other.idx):
                named = self.mentions.cluster_at(_entity_span(other))
                if named is not None and len(named.hits) > 1 and self.genders().get(named.key) == gender:
                    return named  # named more than once, of that gender: not a stray tag (``Conceding that …``)
                break
        return self.person_before(token.idx, gender)

    def _host_subject(self, token: Any) -> Any:
        """``The group spelled out its concerns as it commented``: the organisation that is the subject
        of the clause the pronoun's clause depends on."""
        verb = token.head
        if token.dep_ != "nsubj" or verb.dep_ != "advcl":
            return None
        subject = next((c for c in verb.head.children if c.dep_ in ("nsubj", "nsubjpass")), None)
        if subject is None or subject.pos_ not in ("NOUN", "PROPN"):
            return None
        found = self.noun_phrase(subject)
        return found if found is not None and found.kind == "organization" else None

    def _document_subject_before(self, token: Any) -> Any:
        """The document noun that is the main subject of the sentence before ``it``'s own."""
        start = _sentence_start(token)
        if start == 0 or token.dep_ != "nsubj":
            return None
        return next((t for t in self.doc[_previous_sentence_start(token):start] if t.dep_ in ("nsubj", "nsubjpass")
                     and t.head.dep_ == "ROOT" and t.pos_ == "NOUN" and t.lemma_.lower() in DOCUMENT_NOUNS), None)

    def _agrees(self, cluster: Any, gender: str | None) -> bool:
        known = self.genders().get(cluster.key)
        return not (gender and known and known != gender)

    def person_before(self, at: int, gender: str | None, country: set[str] | None = None) -> Any:
        """The latest salient person before ``at`` whose gender does not contradict ``gender``, nor the
        country of their roles ``country`` (``the US president`` is not the one called Russian President)."""
        window = self._window(at)
        best, best_at = None, -1
        eligible = []
        for cluster in self.mentions.clusters:
            if not self._person_like(cluster) or not self._agrees(cluster, gender):
                continue
            known = self.countries(cluster)
            if country and known and not country & known:
                continue
            eligible.append(cluster)
            hit = self._salient_hit(cluster, at, window)
            if hit is not None and hit > best_at:
                best, best_at = cluster, hit
        near = self._named_just_before(at, gender, eligible)
        if best is None or near is not None and self.genders().get(best.key) != gender \
                and best_at < self._previous_sentence_start(at):
            return near  # one known to be of that gender, named just before, beats an older unknown one
        return self._main_subject(best, best_at, eligible)

    def _previous_sentence_start(self, at: int) -> int:
        token = self.finder.token_at(at)
        return at if token is None else self.doc[_previous_sentence_start(token)].idx

    def _main_subject(self, best: Any, best_at: int, eligible: list[Any]) -> Any:
        """Of the salient people of the latest sentence naming one, its main clause's subject: in ``X recalled
        the days when Y took office. "…," he said`` he is X, the one the sentence is about (centering)."""
        token = self.finder.token_at(best_at)
        if token is None or self._is_main_subject(token):
            return best
        start = self.doc[_sentence_start(token)].idx
        for cluster in eligible:
            for hit, salient in cluster.hits:
                other = self.finder.token_at(hit) if salient and start <= hit < best_at else None
                if other is not None and self._is_main_subject(other) and not self._inside_content(hit):
                    return cluster
        return best

    def _is_main_subject(self, token: Any) -> bool:
        root = _entity_span(token).root
        return root.dep_ in ("nsubj", "nsubjpass") and root.head.dep_ == "ROOT"

    def _named_just_before(self, at: int, gender: str | None, eligible: list[Any]) -> Any:
        """No one salient in view: a person of known, agreeing gender named (not as a subject) in the
        pronoun's sentence or the one before (``in Sen. Hal Brandt's case. His office said``)."""
        if gender is None or self.finder.token_at(at) is None:
            return None
        begin = self._previous_sentence_start(at)
        known = self.genders()
        best, best_at = None, -1
        for cluster in eligible:
            if known.get(cluster.key) != gender:
                continue
            hit = max((a for a, _ in cluster.hits if begin <= a < at and not self._quoted(a)), default=-1)
            if hit > best_at:
                best, best_at = cluster, hit
        return best

    def org_before(self, at: int, noun: str | None) -> Any:
        """The latest organisation named with ``noun`` (``State Department`` for ``the department``),
        else the latest salient organisation."""
        window = self._window(at)
        named, salient, latest = (None, -1), (None, -1), (None, -1)
        for cluster in self.mentions.clusters:
            if cluster.kind != "organization":
                continue
            last = max((a for a, _ in cluster.hits if window <= a < at), default=-1)
            if noun and last > named[1] and any(noun in n.lower().split() for n in cluster.names):
                named = (cluster, last)
            if last > latest[1]:
                latest = (cluster, last)
            hit = self._salient_hit(cluster, at, window)
            if hit is not None and hit > salient[1]:
                salient = (cluster, hit)
        return named[0] or salient[0] or latest[0]

    def _salient_hit(self, cluster: Any, at: int, window: int) -> int | None:
        """The latest subject or speaker mention of the cluster in the window, outside statement contents."""
        for hit, salient in reversed(cluster.hits):
            if hit >= at:
                continue
            if hit < window:
                return None
            if salient and not self._inside_content(hit):
                return hit
        return None

    def _person_like(self, cluster: Any) -> bool:
        return cluster.kind == "person" or (cluster.spoke and len(cluster.name_folded) == 1 and cluster.kind == "other")

    def _quoted(self, at: int) -> bool:
        """Inside any quotation, a phrase in quotes too: a person named there is talked about."""
        return any(q.open < at < q.close for q in self.finder.quotes)

    def _inside_content(self, at: int) -> bool:
        return any(a <= at < b for a, b in self.contents)

    def _window(self, at: int) -> int:
        finder = self.finder
        return finder.paras[max(0, finder.para_of(at) - 2)][0]

    # -- relative and first-person pronouns
    def relative(self, token: Any) -> Any:
        """``Clinton, who said …``: the phrase the relative clause hangs on, else the one before it."""
        head = token.head
        antecedent = head.head if head.dep_ == "relcl" else None
        if antecedent is None:
            i = token.i - 1
            while i >= 0 and (self.doc[i].is_punct or self.doc[i].is_space):
                i -= 1
            antecedent = self.doc[i] if i >= 0 else None
        if antecedent is not None and antecedent.pos_ not in ("PROPN", "NOUN", "PRON") and antecedent.i < token.i:
            antecedent = _nominal_before(token)  # ``a site called Harbour News Right Now, which``: a misparse
        if antecedent is None or antecedent.pos_ not in ("PROPN", "NOUN", "PRON"):
            return None
        while antecedent.dep_ in ("conj", "appos") and antecedent.head.i < antecedent.i \
                and antecedent.pos_ == "NOUN" and not antecedent.ent_type_:
            antecedent = antecedent.head  # ``X, a liar and bully who``: the phrase the common nouns describe
        if antecedent.dep_ == "attr":  # ``X is a councillor who said …``: the councillor is X
            subject = next((c for c in antecedent.head.children if c.dep_ == "nsubj"), None)
            if subject is not None and subject.lower_ not in ("it", "this", "that", "there", "what"):
                antecedent = subject  # but in ``it's the process that explains`` (a cleft) the process
        if token.lower_ in ("who", "whom"):
            antecedent = self._person_head(antecedent, parsed=head.dep_ == "relcl")
        found = self.noun_phrase(antecedent)
        if found is None and antecedent.pos_ == "NOUN" and not antecedent.ent_type_ and token.head.dep_ == "relcl":
            return NOBODY  # ``superdelegates who have announced``: a common noun the text ties to no one
        return found

    @staticmethod
    def _person_head(token: Any, parsed: bool = False) -> Any:
        """``who`` is a person: from ``Englewood`` in ``X, a doctor from Englewood, who`` up to X."""
        current = token
        for _ in range(6):
            if current.ent_type_ == "PERSON" or current.ent_type_ == "" and current.pos_ == "NOUN" \
                    and (current.dep_ != "pobj" or parsed and current is token
                         and (current.tag_ == "NNS" or _animate(current))):
                return current  # ``among superdelegates who`` (as parsed): people already
            if current.head is current:
                break
            current = current.head
        return token

    def first_person(self, token: Any) -> Any:
        quote = next((q for q in self.finder.quotes if q.open < token.idx < q.close), None)  # a phrase too
        if quote is not None:
            outer = next((f for f in self.finder.found if f.start <= token.idx < f.end and f.speaker_key), None)
            return self._cluster_by_key(outer.speaker_key) if outer is not None else None
        if token.lower_ in ("i", "me"):
            return self.signature(token.idx) or self.author() or self.introduced_writer(token.idx)
        return None

    def introduced_writer(self, at: int) -> Any:
        """The owner of the book or speech an opening paragraph presents the article as (``The following
        is an excerpt from Jo Brandt's memoir``; ``X will give a speech tonight. Here is what we would
        like to hear``): the first person after that paragraph is theirs."""
        paras = self.finder.paras
        for n, (start, end) in enumerate(paras[:4]):
            if end > at or not INTRODUCTION.search(self.finder.text[start:end]):
                continue
            begin = paras[max(0, n - 1)][0]
            for token in reversed([t for t in self.doc if begin <= t.idx < end]):
                if token.pos_ == "NOUN" and token.lemma_.lower() in INTRODUCED_TEXTS:
                    owner = self.owner(token)
                    if owner is not None:
                        return owner
        return None

    def author(self) -> Any:
        """The person a closing line names as the writer (``Jane Roe, a historian, is a professor at …``)."""
        start, end = self.finder.paras[-1]
        line = self.finder.text[start:end]
        match = re.match(rf"\s*({NAME}|[A-Z][\w'’-]+)(?:, [^,]+,)? (?:is|was) (?:a|an|the) ", line)
        if match is None or not WRITER_WORDS & set(re.findall(r"[a-z]+", line[match.end() :].lower())):
            return None
        return self._name_at(start + match.start(1), start + match.end(1))

    def signature(self, at: int) -> Any:
        """A letter's writer: the first paragraph after the pronoun that is only a name (``Jo Brandt.``)."""
        finder = self.finder
        for start, end in finder.paras[finder.para_of(at) + 1 : finder.para_of(at) + 7]:
            line = finder.text[start:end].strip()
            if line.isupper():
                return None  # a section heading (``TWITTER.``): the letter had no signature
            match = re.fullmatch(rf"({NAME})\.?", line)
            if match:
                span = self.doc.char_span(start, end, alignment_mode="expand")
                if span is None or any(e.label_ in ("ORG", "GPE", "LOC", "FAC") for e in span.ents):
                    return None
                offset = start + finder.text[start:end].index(line)
                return self._name_at(offset + match.start(1), offset + match.end(1))
        return None

    def _name_at(self, start: int, end: int) -> Any:
        span = self.doc.char_span(start, end, alignment_mode="expand")
        if span is None:
            return None
        return self.mentions.cluster_at(span) or self.mentions.add_speaker_name(span)

    def _cluster_by_key(self, key: str) -> Any:
        return next((c for c in self.mentions.clusters if c.key == key), None)

    # -- descriptions
    def description(self, span: Any) -> Any:
        """``the senator``, ``his campaign``, ``the report``, ``the company``."""
        root = span.root
        if root.dep_ == "appos" and root.head.i < root.i:
            named = self.mentions.cluster_at(_entity_span(root.head)) if root.head.ent_type_ else None
            if named is not None:
                return named  # ``Y, a pollster …``
        possessor = next((t for t in root.children if t.dep_ == "poss"), None)
        if possessor is not None and _animate(root):
            return None  # ``his wife``, ``the minister's spokeswoman``: someone else, unnamed
        head = root.lemma_.lower() if root.tag_ not in ("NNS", "NNPS") else root.lower_
        if possessor is not None and possessor.pos_ == "NOUN" and not possessor.ent_type_:
            owner = self.description(self.doc[possessor.left_edge.i : possessor.i + 1])  # ``the mogul's plan``
            if owner is not None or head not in ORG_NOUNS:
                return owner  # ``the nation's largest gun group``: a group still, whoever the nation is
            possessor = None
        if possessor is not None and possessor.lower_ in POSSESSIVE_PRONOUNS:
            pronoun = POSSESSIVE_PRONOUNS[possessor.lower_]
            if pronoun in ("he", "she"):
                return self.person_before(possessor.idx, PRONOUN_GENDER[pronoun])
            return self.org_before(possessor.idx, None)
        if any(t.lower_ in ("a", "an", "some", "another", "one") for t in span):
            return None  # indefinite: someone new
        if head in ("latter", "former") or root.lower_ in ("latter", "former"):
            return self.latter_or_former(root)
        if head in DOCUMENT_NOUNS or root.lower_ in DOCUMENT_NOUNS:
            return self.document_owner(root)
        if head in ORG_NOUNS:
            if head == "campaign":
                return self.campaign_owner(root) or self.person_before(root.idx, None)
            return self.owner(root) or self.same_noun_owner(root) or self.subject_org_before(root) \
                or self.org_before(root.idx, head)  # ``the trade group for the X plans``: X first
        return self.person_role(span, head)

    def subject_org_before(self, root: Any) -> Any:
        """``Veldtron said … The company added …``: the organisation that was the subject or the speaker of
        the sentence before (or of its own sentence, before the noun)."""
        begin = _previous_sentence_start(root)
        found = None
        for token in self.doc[begin : root.i]:
            if token.dep_ not in ("nsubj", "nsubjpass") or not (token.ent_type_ or token.pos_ == "PROPN") \
                    or token.head.dep_ not in ("ROOT", "conj"):
                continue  # a main clause's subject (not ``… has waned since Congress created it``)
            cluster = self.mentions.cluster_at(_entity_span(token))
            if cluster is not None and cluster.kind == "organization":
                found = cluster
        if found is None:
            speakers = [f for f in self.finder.found if begin <= f.cue[0] < root.idx and f.speaker_key]
            keyed = [self._cluster_by_key(f.speaker_key) for f in speakers]
            found = next((c for c in reversed(keyed) if c is not None and c.kind == "organization"), None)
        return found

    def same_noun_owner(self, root: Any) -> Any:
        """``the group`` after ``the trade group for the Blue Cross plans``: whom the text tied that noun to."""
        window = self._window(root.idx)
        lemma = root.lemma_.lower()
        for token in reversed(self.doc[: root.i]):
            if token.idx < window:
                break
            if token.lemma_.lower() == lemma and token.pos_ == "NOUN":
                owner = self.owner(token)
                if owner is not None:
                    return owner
        return None

    def latter_or_former(self, root: Any) -> Any:
        """``the latter``: the last of the entities named in the sentence before (or earlier in its own)."""
        start, previous = _sentence_start(root), _previous_sentence_start(root)
        for begin in (start, previous):  # its own sentence first, then with the one before
            named: list[Any] = []
            for token in self.doc[begin : root.i]:
                cluster = self.mentions.by_start.get(token.idx)
                if cluster is not None and cluster.kind in ("person", "organization") and cluster not in named:
                    named.append(cluster)
            if len(named) >= 2:
                return named[-1] if root.lower_ == "latter" else named[0]
        return None

    def campaign_owner(self, root: Any) -> Any:
        """``the campaign``: whose campaign the text last named (``the Clinton campaign``, ``Sanders's campaign``)."""
        window = self._window(root.idx)
        for token in reversed(self.doc[: root.i]):
            if token.idx < window:
                break
            if token.lemma_.lower() == "campaign":
                owner = next((c for c in token.children if c.dep_ in ("poss", "compound") and c.ent_type_), None)
                if owner is not None:
                    return self.noun_phrase(owner)
        return self.org_before(root.idx, "campaign") if self._named_org(root.idx, "campaign") else None

    def _named_org(self, at: int, noun: str) -> bool:
        return any(c.kind == "organization" and any(noun in n.lower().split() for n in c.names)
                   and any(a < at for a, _ in c.hits) for c in self.mentions.clusters)

    def person_role(self, span: Any, head: str) -> Any:
        from storyline.article.speakers import role_head, role_score

        if head in GENERIC_PEOPLE or span.root.tag_ in ("NNS", "NNPS"):
            return None
        role, modifiers = role_head(span.text)
        fitting = [(role_score(role, modifiers, c.roles + self.titles(c)), c) for c in self.mentions.clusters
                   if c.kind == "person"]
        asked = _countries(modifiers)
        fitting = [(s, c) for s, c in fitting if s and any(a < span.start_char for a, _ in c.hits)
                   and not (asked and self.countries(c) and not asked & self.countries(c))]
        topic = self.sentence_topic(span) if head in PUBLIC_TITLES else None
        if topic is not None and self._agrees(topic, ROLE_GENDER.get(head)) \
                and (not fitting or topic in [c for _, c in fitting]):
            return topic  # the sentence's topic, unless someone else holds the title and it does not
        if fitting:
            best = max(s for s, _ in fitting)
            pool = {c.key for s, c in fitting if s == best}
            chosen = self.person_before(span.start_char, ROLE_GENDER.get(head), asked)
            if chosen is not None and chosen.key in pool:
                return chosen
            return max((c for s, c in fitting if s == best), key=lambda c: max((a for a, _ in c.hits
                       if a < span.start_char), default=-1))
        if head in PUBLIC_TITLES or any(w.lower_ in PUBLIC_TITLES for w in span if w.pos_ == "NOUN"):
            gender = ROLE_GENDER.get(head)
            return self.person_before(span.start_char, gender, asked) or self.protagonist(span.start_char, gender, asked)
        return None

    def sentence_topic(self, span: Any) -> Any:
        """The person its sentence is about, before an epithet in it: the main subject (``Cruz defends
        his record in an ad: "…," the senator says``) or the one person named inside it (``Trump's
        speech had been a source of controversy because of the businessman's rhetoric``)."""
        start = _sentence_start(span.root)
        subject = next((t for t in self.doc[start : span.start] if t.dep_ in ("nsubj", "nsubjpass")
                        and t.head.dep_ == "ROOT" and not self._quoted(t.idx)), None)
        if subject is None:
            return None
        people = {c.key: c for c in (self.mentions.by_start.get(t.idx) for t in subject.subtree)
                  if c is not None and c.kind == "person"}
        return next(iter(people.values())) if len(people) == 1 else None

    def protagonist(self, at: int, gender: str | None, country: set[str]) -> Any:
        """``The candidate has bucked …`` with no one salient in the last paragraphs: news copy gives such
        epithets to the person the story is about: the one named most before ``at`` (three times at least,
        more often than anyone else)."""
        counted = []
        for cluster in self.mentions.clusters:
            known = self.countries(cluster)
            if not self._person_like(cluster) or not self._agrees(cluster, gender) \
                    or (country and known and not country & known):
                continue
            counted.append((sum(1 for a, _ in cluster.hits if a < at), cluster))
        counted.sort(key=lambda c: -c[0])
        if not counted or counted[0][0] < 3 or len(counted) > 1 and counted[1][0] >= counted[0][0]:
            return None  # no clear protagonist: the text does not decide
        return counted[0][1]

    def countries(self, cluster: Any) -> set[str]:
        """Countries the cluster's roles and titles name (``Russian President`` -> russia)."""
        return _countries(w for role in cluster.roles + self.titles(cluster) for w in re.findall(r"[\w.]+", role.lower()))

    def document_owner(self, root: Any) -> Any:
        """Who issued the latest earlier document of the same kind (``X said in a statement``)."""
        kinds = DOCUMENT_NOUNS.get(root.lemma_.lower()) or DOCUMENT_NOUNS.get(root.lower_, set())
        for token in reversed(self.doc[: root.i]):
            if token.pos_ in ("NOUN", "PROPN") and (token.lemma_.lower() in kinds or token.lower_ in kinds):
                owner = self.owner(token)
            elif token.pos_ == "VERB" and DOCUMENT_VERBS.get(token.lemma_.lower()) is kinds:
                subject = next((c for c in token.children if c.dep_ == "nsubj"), None)
                owner = self.noun_phrase(subject) if subject is not None else None
            else:
                continue
            if owner is not None:
                return owner
        owner = self.owner(root)
        if owner is None and kinds is DOCUMENT_KINDS[0]:
            owner = self.previous_speaker(root.idx)  # ``X confirmed … According to the statement, …``
        return owner

    def previous_speaker(self, at: int) -> Any:
        """The speaker of the latest statement whose cue comes before ``at``, within the window."""
        window = self._window(at)
        earlier = [f for f in self.finder.found if window <= f.cue[0] < at and f.speaker_key]
        if not earlier:
            return None
        return self._cluster_by_key(max(earlier, key=lambda f: f.cue[0]).speaker_key)

    def owner(self, token: Any) -> Any:
        """The entity a document noun belongs to, by its possessor, compound, preposition or verb."""
        for child in token.children:
            if child.dep_ in ("poss", "compound", "nmod") and (child.ent_type_ or child.pos_ == "PROPN"):
                named = self.noun_phrase(child)
                if named is not None:
                    return named
        for child in token.children:
            if child.dep_ == "prep" and child.lower_ in ("from", "by", "of", "for"):
                for obj in child.children:
                    if obj.dep_ != "pobj":
                        continue
                    candidates = [obj] + [c for c in obj.children if c.dep_ == "compound"]
                    for name in candidates:
                        if name.ent_type_ or name.pos_ == "PROPN":
                            named = self.noun_phrase(name)
                            if named is not None:
                                return named
        verb = token.head
        if token.dep_ == "pobj":
            verb = verb.head
        if verb.pos_ == "VERB" and verb.lemma_.lower() in ISSUING_VERBS and token.dep_ in ("pobj", "dobj"):
            subject = next((c for c in verb.children if c.dep_ == "nsubj"), None)
            if subject is not None and subject.i != token.i:
                return self.noun_phrase(subject)
        return None

    def noun_phrase(self, token: Any) -> Any:
        """The cluster of the phrase headed by ``token``: a name, a possessor, an apposition, a role."""
        if token.ent_type_ or token.pos_ == "PROPN":
            span = _entity_span(token)
            cluster = self.mentions.cluster_at(span)
            if cluster is None:
                cluster = self._cluster_covering(token.idx)  # ``Shield`` of ``the Blue Cross Blue Shield plans``
            if cluster is None and token.ent_type_ in ("ORG", "PERSON"):
                cluster = self.mentions.add_speaker_name(span)  # a name the tagger missed, as the finder does
            if cluster is not None:
                return cluster
        for child in token.children:
            if child.dep_ in ("poss", "appos", "compound") and child.ent_type_ in ("PERSON", "ORG"):
                cluster = self.mentions.cluster_at(_entity_span(child))
                if cluster is not None:
                    return cluster
        if token.pos_ == "PRON":
            return self.pronoun(token) if token.lower_ not in RELATIVES else None
        if token.dep_ == "appos" and token.head.ent_type_:
            return self.mentions.cluster_at(_entity_span(token.head))
        if token.pos_ == "NOUN":
            start = token.left_edge.i
            return self.description(self.doc[start : token.i + 1])
        return None

    def _cluster_covering(self, at: int) -> Any:
        """The cluster one of whose names spans the character ``at``."""
        return next((c for c in self.mentions.clusters if any(a <= at < b for a, b in c.spans)), None)

    def titles(self, cluster: Any) -> list[str]:
        """Titles written just before the cluster's names (``Sen.``, ``Gov.``) as role nouns."""
        out = []
        for start, _ in cluster.spans:
            before = self.finder.text[max(0, start - 12) : start].split()
            word = before[-1].lower().rstrip(".") if before else ""
            if word in names.TITLE_ROLES:  # ``Former Gov. X`` is no longer in office (``speakers.role_score``)
                former = len(before) > 1 and before[-2].lower() in ("former", "ex-", "ex")
                out.append(("former " if former else "") + names.TITLE_ROLES[word])
        return out

    # -- genders from the text
    def genders(self) -> dict[str, str]:
        if self._genders is None:
            self._genders = self._infer_genders()
        return self._genders

    def _infer_genders(self) -> dict[str, str]:
        votes: dict[str, Counter[str]] = {}
        text = self.finder.text
        first_names = names.first_names()
        for cluster in self.mentions.clusters:
            if cluster.kind != "person":
                continue
            count = votes.setdefault(cluster.key, Counter())
            words = cluster.name.lower().split()
            if len(words) > 1 and words[0] in first_names:  # ``Hillary Clinton``, ``John Bolton``
                count[first_names[words[0]]] += 2
            for start, _ in cluster.spans:  # ``Mr. Ryan``, ``Mrs. Clinton``
                if titled := names.title_gender_before(text, start):
                    count[titled] += 2
            for role in cluster.roles:
                for word in role.lower().split():
                    if word in ROLE_GENDER:
                        count[ROLE_GENDER[word]] += 2
        # A pronoun after one sole person named in its sentence agrees with it when that person is a
        # subject (``Veldt said he …``; not ``when it comes to Veldtron, he said``, a firm tagged a person).
        people: dict[str, bool] = {}
        for token in self.doc:
            if token.is_sent_start:
                people = {}
            cluster = self.mentions.by_start.get(token.idx)
            if cluster is not None and cluster.kind == "person":
                subject = _entity_span(token).root.dep_ in ("nsubj", "nsubjpass")
                people[cluster.key] = people.get(cluster.key, False) or subject
            gender = PRONOUN_GENDER.get(token.lower_)
            if gender and len(people) == 1 and all(people.values()):
                votes.setdefault(next(iter(people)), Counter())[gender] += 1
        genders = {}
        for key, count in votes.items():
            ranked = count.most_common(2)
            if ranked and (len(ranked) == 1 or ranked[0][1] >= 2 * ranked[1][1]):
                genders[key] = ranked[0][0]
        return genders


def _countries(words: Any) -> set[str]:
    return {COUNTRY_FOLD[w] for w in words if w in COUNTRY_FOLD}


ANIMATE_SUFFIXES = ("man", "woman", "person", "ist", "wife", "husband")
FAMILY = {"wife", "husband", "son", "daughter", "mother", "father", "brother", "sister", "friend", "family",
          "children", "kids", "parents", "lawyer", "lawyers", "attorney", "attorneys", "aide", "aides", "staff",
          "adviser", "advisers", "advisor", "advisors", "spokeswoman", "spokesman", "spokesperson", "doctor"}


def _animate(token: Any) -> bool:
    """A noun for a person (``wife``, ``spokeswoman``, ``adviser``), who is not the possessor."""
    word = token.lower_
    return word in FAMILY or word in GENERIC_PEOPLE or word in PUBLIC_TITLES or word.endswith(ANIMATE_SUFFIXES)


def _nominal_before(token: Any) -> Any:
    """The nearest noun or name before ``token``, past punctuation and at most three other words."""
    skipped = 0
    for other in reversed(token.doc[max(0, token.i - 8) : token.i]):
        if other.pos_ in ("PROPN", "NOUN"):
            return other
        if not (other.is_punct or other.is_space):
            skipped += 1
            if skipped > 3:
                break
    return None


def _sentence_start(token: Any) -> int:
    """Index of the first token of ``token``'s sentence (``token.sent`` builds the whole span list)."""
    i = token.i
    while i > 0 and not token.doc[i].is_sent_start:
        i -= 1
    return i


def _previous_sentence_start(token: Any) -> int:
    """Index of the first token of the sentence before ``token``'s (its own sentence's, when first)."""
    start = _sentence_start(token)
    return _sentence_start(token.doc[start - 1]) if start > 0 else start


def _entity_span(token: Any) -> Any:
    """The named-entity span around ``token`` (the token alone when it is in none)."""
    doc = token.doc
    start, end = token.i, token.i + 1
    if (entity := entity_at(token)) is not None:
        start, end = entity.start, entity.end
    elif token.pos_ == "PROPN":  # an untagged name: its run of proper nouns (``Real News Right Now``)
        while start > 0 and doc[start - 1].pos_ == "PROPN" and not doc[start - 1].ent_type_:
            start -= 1
        while end < len(doc) and doc[end].pos_ == "PROPN" and not doc[end].ent_type_:
            end += 1
    return doc[start:end]
