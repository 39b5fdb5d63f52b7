"""Reported speech in the parse: verbs of saying, their subjects (the speakers) and their content clauses.

Used by ``storyline.article.statements`` for direct quotes' frames and for reported speech
(``X said (that) …``, ``according to X``, noun cues such as ``expressed frustration that``).
"""

from __future__ import annotations

from spacy.tokens import Span, Token

from storyline.article.speakers import NAME_LABELS, SUBJECT_DEPS, entity_at, trim_entity


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


# Lemmas that only count as speech cues in a phrase (``point out``, ``rule out``), by particle.
# Nouns for a text someone issues: a participle on one (``a statement saying``) speaks for its issuer.
ISSUED_TEXTS = frozenset({"statement", "release", "letter", "memo", "email", "message", "tweet", "post", "report"})
PARTICLE_REQUIRED = {"point": "out", "rule": "out"}
# ... or by preposition (``pointed to X``): what the phrase points at is the content.
PREP_ALLOWED = {"point": "to"}


# Speech verbs whose object is the addressee, not what was said.
ADDRESSEE_VERBS = frozenset({"say", "tell", "ask", "inform", "brief", "assure", "thank", "speak", "write", "post", "agree"})


# Prepositions that carry what a speech act is about (``called for``, ``criticized … for``).
OBJECT_PREPS = frozenset({"for", "about", "as", "against", "on", "of"})


# Nouns of a medium or an occasion: ``said on television``, ``wrote on Twitter`` tell where, not what.
MEDIUM_NOUNS = frozenset(
    """television tv radio air camera phone telephone line twitter facebook instagram x website blog
    podcast show program programme stage floor call interview broadcast record behalf statement speech
    letter email post tweet release conference briefing hearing rally meeting event debate appearance
    remarks visit trip session forum""".split()
)


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


# Tokens of quotation marks.
QUOTE_TOKENS = frozenset({'"', "“", "”", "''", "``", "„", "«", "»"})


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


def is_speech_verb(token: Token) -> bool:
    lemma = verb_lemma(token)
    if lemma not in SPEECH_VERBS or not (token.pos_ in ("VERB",) or token.tag_.startswith("VB")):
        return False
    if lemma in PARTICLE_REQUIRED:
        return any(c.dep_ == "prt" and c.lower_ == PARTICLE_REQUIRED[lemma]
                   or c.dep_ == "prep" and c.lower_ == PREP_ALLOWED.get(lemma) for c in token.children)
    return True


def cue_span(verb: Token) -> tuple[int, int]:
    end = verb.idx + len(verb.text)
    for child in verb.children:
        if child.dep_ == "prt" and child.i == verb.i + 1:
            end = child.idx + len(child.text)
    return verb.idx, end


def cue_subject(verb: Token) -> Token | None:
    """The speaker of a cue: its subject, through conj/advcl/xcomp and relative clauses."""
    current = verb
    for _ in range(4):
        subjects = [c for c in current.children if c.dep_ == "nsubj"
                    or (c.dep_ == "nsubjpass" and current.lemma_.lower() in ("quote", "cite"))]
        if subjects:
            # two subjects: a name inside the quote misparsed as one (``"Dear Jo," the host says``);
            # the real one is the nearest to the verb
            child = min(subjects, key=lambda c: abs(c.i - current.i))
            if child.lower_ in ("it", "there") and child.dep_ == "nsubjpass":
                return None
            if child.ent_type_ == "TIME":
                return None  # a live-blog timestamp read as the subject
            return child
        if current.dep_ == "acl" and current.head.dep_ == "dobj" and current.head.lemma_.lower() in ISSUED_TEXTS:
            current = current.head.head  # ``X put out a statement saying …``: X issued it
        elif current.dep_ in ("conj", "advcl", "xcomp", "pcomp", "prep") and current.head is not current:
            joined_to = current.head
            if current.dep_ == "conj" and joined_to.dep_ == "ccomp" and is_speech_verb(joined_to.head):
                # ``X stated that A depends on B and has insisted that …``: the parser hung the
                # second cue on the first one's content; its speaker is X.
                joined_to = joined_to.head
            current = joined_to
        else:
            return None
    return None


def source_of(token: Token) -> Token:
    """``according to a statement by X`` → X."""
    for child in token.children:
        if child.dep_ == "prep" and child.lower_ in ("by", "from", "of"):
            for obj in child.children:
                if obj.dep_ == "pobj" and (obj.ent_type_ or obj.pos_ == "PROPN"):
                    return obj
        if child.dep_ == "poss" and (child.ent_type_ or child.pos_ == "PROPN"):
            return child
    return token


def speaker_span(token: Token) -> Span:
    doc = token.doc
    if token.pos_ == "PRON":
        return doc[token.i : token.i + 1]
    if token.ent_type_ in NAME_LABELS:
        ent = entity_at(token)
        return trim_entity(ent) or ent
    for child in token.children:
        if child.dep_ == "appos" and child.ent_type_ in ("PERSON", "ORG"):
            return speaker_span(child)
    start = token.left_edge.i
    while start < token.i and (doc[start].is_punct or doc[start].is_space):
        start += 1
    return doc[start : token.i + 1]


def clausal_content(verb: Token) -> tuple[int, int] | None:
    comps = [c for c in verb.children if c.dep_ == "ccomp"]
    if comps:
        return span_without_mark(comps[0])
    if verb.lemma_.lower() in ("ask", "wonder", "question"):
        # ``asked if they planned to …``: the parser often hangs the question on the verb as an adverbial
        questions = [c for c in verb.children if c.dep_ == "advcl" and c.i > verb.i
                     and any(m.dep_ == "mark" and m.lower_ in ("if", "whether") for m in c.children)]
        if questions:
            tokens = [t for t in subtree_span(questions[0]) if not t.is_space]
            return tokens[0].idx, _end_of(tokens)
    if verb.dep_ == "parataxis":
        head = verb.head
        sub = [t for t in subtree_span(head) if not t.is_space]
        left = [t for t in sub if t.i < verb.left_edge.i]
        right = [t for t in sub if t.i > verb.right_edge.i]
        side = left if len(left) >= len(right) else right
        side = _strip_punct(side)
        if len(side) >= 3:
            return side[0].idx, _end_of(side)
    return None


def quoted_conjunct_end(verb: Token, end: int) -> int:
    """``said that A, but "B"``: a conjunct of the cue that opens with a quotation is
    more of what was said (a narrator does not speak in quotes), so the content runs on."""
    for child in verb.children:
        if child.dep_ != "conj" or child.idx < end:
            continue
        tokens = [t for t in subtree_span(child) if not t.is_space]
        while tokens and (tokens[0].dep_ == "cc" or tokens[0].text in (",", ";")):
            tokens = tokens[1:]
        if tokens and tokens[0].text in ("“", '"', "''"):
            return _end_of(tokens)
    return end


def frames_topic(verb: Token) -> bool:
    """``Asked to comment on X, Y said …`` / ``Commenting on X, Y said …``: a subjectless speech verb in a
    clause that opens another speech verb's sentence frames what that speaker said; what it governs is the
    statement's topic, never its content."""
    current = verb.head if verb.dep_ == "xcomp" and verb.head.i < verb.i else verb
    head = current.head
    return (current.dep_ == "advcl" and current.i < head.i and is_speech_verb(head)
            and not any(c.dep_ in SUBJECT_DEPS for c in current.children) and cue_subject(head) is not None)


def has_noun_cue(verb: Token) -> bool:
    """``expressed frustration that …``: the noun carries the content (see ``_noun_cue``)."""
    return any(c.dep_ == "dobj" and c.lemma_.lower() in SPEECH_NOUNS and any(g.dep_ in ("acl", "ccomp") for g in c.children)
               for c in verb.children)


def object_content(verb: Token, infinitive_only: bool = False) -> tuple[int, int] | None:
    """What a speech act is about when it has no clause: ``criticized X for Y``,
    ``called for X``, ``calling for X to Y``, ``warned of X``, ``pointed to X``, ``urged X to Y``,
    ``described the call as "pretty long"``. A date or a medium (``on Tuesday``, ``on television``)
    says when or where, never what.

    ``say``/``tell``/``ask`` take an addressee or a pronoun as object, so only
    their infinitive complement counts.
    """
    parts = [c for c in verb.children if c.i > verb.i and _is_object_part(verb, c, infinitive_only)]
    if not parts:
        return None
    if not infinitive_only and verb.lemma_.lower() not in ADDRESSEE_VERBS:
        parts += [c for c in verb.children if c.i > parts[0].i and c not in parts and _continues_object(c)]
    tokens = [t for p in parts for t in subtree_span(p)]
    tokens = _cut_trailing_date(cut_trailing_aside(_cut_clause(verb, _strip_punct(sorted(tokens, key=lambda t: t.i)))))
    if not tokens:
        return None
    return tokens[0].idx, _end_of(tokens)


def _is_object_part(verb: Token, c: Token, infinitive_only: bool) -> bool:
    if infinitive_only:  # ``has vowed to X``: only the infinitive
        return c.dep_ == "xcomp"
    addressed = verb.lemma_.lower() in ADDRESSEE_VERBS
    if c.dep_ in ("xcomp", "oprd"):
        return True
    if c.dep_ == "prep":
        if is_circumstance(c):
            return False
        lemma = verb_lemma(verb)
        return (c.lower_ in OBJECT_PREPS and not addressed) or c.lower_ == "about" \
            or c.lower_ == PREP_ALLOWED.get(lemma)  # ``asked about X``, ``pointed to X``
    if c.dep_ == "advcl":  # ``calling for the council to act``: a for-to clause is the object
        return any(m.dep_ == "mark" and m.lower_ == "for" for m in c.children)
    return c.dep_ == "dobj" and not addressed and c.pos_ != "PRON" and c.lower_ not in ("so", "nothing")


def _cut_clause(verb: Token, tokens: list[Token]) -> list[Token]:
    """``called for X in a compromise, but Y would leave it``: a clause with a subject of its own
    coordinated inside an object is the writer's next sentence, not part of the object."""
    for t in tokens:
        if t.dep_ == "conj" and t.pos_ in ("VERB", "AUX") and t.head is not verb \
                and any(c.dep_ in SUBJECT_DEPS for c in t.children) and t.left_edge.i > tokens[0].i:
            cut = t.left_edge.i
            while cut > tokens[0].i and (t.doc[cut - 1].dep_ == "cc" or t.doc[cut - 1].is_punct):
                cut -= 1
            return [x for x in tokens if x.i < cut]
    return tokens


def _cut_trailing_date(tokens: list[Token]) -> list[Token]:
    """``cited endorsements from 88 captains on Tuesday``: a date phrase ending the object says when."""
    for t in tokens[1:]:
        if t.dep_ == "prep" and t.right_edge.i == tokens[-1].i and t.head.i >= tokens[0].i \
                and all(o.ent_type_ in ("DATE", "TIME") for o in t.children if o.dep_ == "pobj") \
                and any(o.dep_ == "pobj" for o in t.children):
            return [x for x in tokens if x.i < t.i]
    return tokens


def _continues_object(c: Token) -> bool:
    """A later dependent of the cue that the parser hung on the verb but belongs to its object:
    ``cited her years as X and as Y``, ``cited endorsements from 88 captains``. Not a new clause,
    an adverbial clause, a date, a place or the occasion."""
    if c.dep_ == "prep":
        return not is_circumstance(c)
    if c.dep_ == "conj":
        return c.pos_ not in ("VERB", "AUX")
    return c.dep_ in ("dobj", "dative", "oprd", "acomp")


def is_circumstance(prep: Token) -> bool:
    """``on Tuesday``, ``on television``, ``in a statement``: when or where it was said, not what."""
    objects = [c for c in prep.children if c.dep_ == "pobj"]
    return bool(objects) and all(o.ent_type_ in ("DATE", "TIME", "GPE", "LOC", "FAC") or o.lemma_.lower() in MEDIUM_NOUNS
                                 for o in objects)


def cut_trailing_aside(tokens: list[Token]) -> list[Token]:
    """``… Mr. Ode, the harbour master`` / ``… the fire, which began on Monday``: an apposition or a
    relative clause after a comma at the very end of a content is the writer's aside, not what was said."""
    if len(tokens) < 4:
        return tokens
    last = next(t.i for t in reversed(tokens) if not (t.is_punct or t.is_space) or t is tokens[0])
    for t in tokens[1:]:
        if t.dep_ not in ("relcl", "appos", "advcl") or t.right_edge.i < last or t.right_edge.i > tokens[-1].i:
            continue
        if t.dep_ != "appos" and t.left_edge.lower_ not in ("who", "which", "whose", "whom"):
            continue  # a restrictive clause (``the people that …``) is part of the phrase; the parser
            # sometimes hangs ``, which …`` on the verb (advcl)
        comma = t.left_edge.i - 1
        if any(x.text in QUOTE_TOKENS for x in t.subtree):
            continue  # ``…, which is "…"``: the speaker's own words (a narrator does not speak in quotes)
        if comma > tokens[0].i + 1 and t.doc[comma].text in (",", "--", "—", "–") and t.head.i < comma:
            return [x for x in tokens if x.i < comma]
    return tokens


def subtree_span(head: Token) -> Span:
    """The tokens a head governs: one contiguous slice, the parser being projective."""
    return head.doc[head.left_edge.i : head.right_edge.i + 1]


def span_without_mark(head: Token) -> tuple[int, int]:
    tokens = [t for t in subtree_span(head) if not t.is_space]
    # A trailing participle or adverbial clause after a comma is the writer's, not the content:
    # ``… said X, claiming that …`` / ``…, though voters …``.
    for child in head.children:
        if child.dep_ == "advcl" and child.i > head.i and child.left_edge.i > 0:
            before = head.doc[child.left_edge.i - 1]
            aside = before.text in (",", "—", "–", "-")  # ``X, while Y``: the writer's; ``X while Y``: said
            if aside and (child.tag_ == "VBG" and is_speech_verb(child) or child.left_edge.lower_ in ("while", "as")) \
                    or child.left_edge.lower_ in ("though", "although"):
                cut = child.left_edge.i - (1 if before.is_punct else 0)
                tokens = [t for t in tokens if t.i < cut]
                break
    for child in head.children:  # ``… and has insisted that …``: another cue, not content
        if child.dep_ == "conj" and is_speech_verb(child) and not any(g.dep_ in SUBJECT_DEPS for g in child.children):
            cut = child.left_edge.i
            while cut > head.i and head.doc[cut - 1].dep_ in ("cc", "punct"):
                cut -= 1
            tokens = [t for t in tokens if t.i < cut]
    while tokens and (tokens[0].dep_ == "mark" and tokens[0].lower_ in ("that",) or tokens[0].is_punct and tokens[0].text not in "“\""):
        tokens = tokens[1:]
    tokens = cut_trailing_aside(tokens)
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
    while last > 0 and (tokens[last].is_space or tokens[last].text in (",", ";", ":", ".")
                        or tokens[last].dep_ == "cc"):
        last -= 1  # no trailing ``, and`` (a conjunct the content left out)
    return tokens[last].idx + len(tokens[last].text)


def trim_end(text: str, start: int, end: int) -> int:
    while end > start and text[end - 1] in " \n,;:.":
        end -= 1
    # a closing quote mark stays with its quote; a trailing period inside it too
    return end
