"""Article-local entity mentions and speaker resolution: names, surnames, titles, roles, pronouns.

A statement's speaker is resolved to an article-local cluster (``Mentions``): names by surname,
pronouns to the latest person (or organisation for it/they) that was a subject or a speaker in the
last paragraphs, role descriptions (``the Russian FM``) to the entity carrying a compatible role
(``role_score``). Corpus-wide merging of clusters is ``storyline.corpus.entities``.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from spacy.tokens import Doc, Span, Token

from storyline.article import names


SUBJECT_DEPS = ("nsubj", "nsubjpass")


NAME_LABELS = {"PERSON": "person", "ORG": "organization", "GPE": "place", "LOC": "place", "FAC": "place"}


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
                "russian": "russia", "russia": "russia", "kremlin": "russia", "moscow": "russia",
                "british": "uk", "britain": "uk", "uk": "uk", "u.k.": "uk", "chinese": "china", "china": "china",
                "beijing": "china", "french": "france", "france": "france", "german": "germany",
                "germany": "germany", "ukrainian": "ukraine", "ukraine": "ukraine", "kyiv": "ukraine"}


# --------------------------------------------------------------------- names
@lru_cache(maxsize=1 << 16)  # the corpus stages fold the same few thousand words some 300,000 times
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
    canonical: str = ""  # the name table's canonical name (``United States`` for ``U.S.``), if listed
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
        self.text = doc.text  # spaCy rebuilds ``doc.text`` on every access
        self.titles = names.titles_in(self.text)  # ``Secretary of State``: roles, never names
        self.title_starts = [a for a, _ in self.titles]
        self.acronyms: dict[str, Cluster] = {}  # ``IRCC`` -> the cluster the text spelled it out for
        for ent in doc.ents:
            if ent.label_ in NAME_LABELS:
                self._add_name(ent)
        self._add_bare_surnames()
        self._places_by_coordination()

    # -- building
    def _add_name(self, ent: Span) -> None:
        ent = trim_entity(self._after_title(ent)) if ent is not None else None
        if ent is None or not any(c.isupper() for c in ent.text) or _inside_title(ent) or self._in_title(ent):
            return
        if ent.label_ != "PERSON" and ent[-1].lower_.rstrip(".") in ROLE_WORDS:
            return  # ``the Russian FM``: a role description, resolved as one
        if _joined_names(ent) or _demonym(ent):
            return  # ``U.S.-Russia relations``, ``Ostrian officials``: modifiers, not mentions of one entity
        words = name_words(ent.text)
        if not words:
            return
        kind = NAME_LABELS[ent.label_]
        entry = names.known(" ".join(words))
        if entry is not None and entry.kind != "title":
            kind = entry.kind  # the table's kind wins over the tagger's (``Crimea`` is a place)
        if kind == "organization" and entry is None and _person_after_role(ent, words):
            kind = "person"  # ``spokesman Joris Veldt`` tagged as an organisation
        canonical = entry.name if entry is not None and entry.kind != "title" else ""
        cluster = next((c for c in self.clusters if canonical and c.canonical == canonical), None) \
            or self.acronyms.get(" ".join(words)) or self._match_name(words, kind, ent.start_char)
        if cluster is None:
            cluster = Cluster(f"m{len(self.clusters) + 1}", kind)
            self.clusters.append(cluster)
        if canonical:
            cluster.canonical, cluster.kind = canonical, kind
        if len(words) > 1 or kind != "person" or cluster.kind != "person":
            cluster.names.append(" ".join(words))
        elif words[0] not in cluster.names:
            cluster.names.append(words[0])
        if kind == "person" and cluster.kind != "place":
            cluster.kind = "person"  # a place stays a place (see ``_places_by_coordination`` and the corpus vote)
        self._note(cluster, ent.start_char, ent.end_char, _is_subject(ent.root))
        self.by_start[ent.start_char] = cluster
        self._note_acronym(cluster, words, ent.end_char)
        if kind == "organization":
            self._expansion_before(cluster, ent)
        if kind in ("person", "organization"):
            cluster.roles.extend(self._table_title(ent) or _roles_of(ent))

    def _expansion_before(self, cluster: Cluster, ent: Span) -> None:
        """``Immigration, Refugees and Citizenship Canada (IRCC)`` where the tagger took only the acronym:
        the capitalised words before the bracket whose initials it spells are the same entity."""
        if len(ent) != 1 or not ent.text.isupper() or not self.text[ent.start_char - 1 : ent.start_char] == "(":
            return
        base = max(0, ent.start_char - 120)
        before = self.text[base : ent.start_char - 1].rstrip()
        words = re.findall(r"[A-Za-z][\w'’-]*|,", before)
        taken: list[str] = []
        for word in reversed(words):
            if word == "," or word.lower() in ("and", "of", "the", "for", "&"):
                taken.insert(0, word)
                continue
            if not word[0].isupper():
                break
            taken.insert(0, word)
            spelled = "".join(w[0] for w in taken if w[0].isupper())
            if spelled == ent.text and taken[0][0].isupper():
                phrase = re.search(re.escape(taken[0]) + r"[^()]*$", before)
                if phrase is not None:
                    start = base + phrase.start()
                    name = before[phrase.start() :].strip()
                    cluster.names.append(name)
                    self.acronyms[ent.text] = cluster
                    self._note(cluster, start, start + len(name), False)
                    self.by_start[start] = cluster
                return
            if len(spelled) >= len(ent.text):
                return

    def _note_acronym(self, cluster: Cluster, words: list[str], end: int) -> None:
        """``Immigration, Refugees and Citizenship Canada (IRCC)``: the acronym the text gives in brackets
        after a name, when it spells the name's initials, is that entity wherever the article uses it."""
        match = re.match(r"\s*\(([A-Z][A-Za-z&]{1,9})\)", self.text[end : end + 14])
        if match is None or cluster.kind == "person":
            return
        initials = "".join(w[0] for w in re.split(r"[\s,/-]+", " ".join(words))
                           if w and w[0].isupper() and w.lower() not in ("and", "of", "the", "for"))
        acronym = match.group(1)
        if acronym.upper().replace("&", "") == initials.upper():
            self.acronyms[acronym] = cluster
            if acronym not in cluster.names:
                cluster.names.append(acronym)

    def _in_title(self, ent: Span) -> bool:
        """The whole name lies inside a title of the table (``State`` in ``Secretary of State``)."""
        i = bisect.bisect_right(self.title_starts, ent.start_char) - 1
        return i >= 0 and self.titles[i][0] <= ent.start_char and ent.end_char <= self.titles[i][1]

    def _after_title(self, ent: Span) -> Span | None:
        """A name the tagger ran into the title before it (``Secretary of State Rex Tillerson``): the name alone."""
        for start, end in self.titles:
            if start <= ent.start_char < end < ent.end_char:
                tail = ent.doc.char_span(end, ent.end_char, label=ent.label_, alignment_mode="contract")
                return tail if tail is not None and len(tail) else None
        return ent

    def _table_title(self, ent: Span) -> list[str]:
        """``U.S. Secretary of State Marco Rubio``: the title of the table written just before the name,
        with the words that qualify it (a country, an office), as the role."""
        text = self.text[max(0, ent.start_char - 80) : ent.start_char]
        base = ent.start_char - len(text)
        for start, end in self.titles:
            if base <= start and end <= ent.start_char and not text[end - base :].strip(" ,"):
                token = ent.doc.char_span(start, end, alignment_mode="expand")
                first = token[0].i if token is not None else None
                doc = ent.doc
                while first is not None and first > 0 and _is_qualifier(doc[first - 1]):
                    first -= 1
                begin = doc[first].idx if first is not None else start
                return [self.text[begin:end]]
        return []

    def _places_by_coordination(self) -> None:
        """A one-word name the tagger called a person or an organisation but joined by ``and`` to a place
        (``Veldmark and Ostria agreed``) is a place."""
        for cluster in self.clusters:
            if cluster.kind not in ("person", "organization") or len(cluster.name_folded) != 1 or cluster.canonical:
                continue
            for start, _ in cluster.spans:
                token = self.doc.char_span(start, start + 1, alignment_mode="expand")
                if token is None:
                    continue
                word = token[0]
                linked = [word.head] if word.dep_ == "conj" else []
                linked += [c for c in word.children if c.dep_ == "conj"]
                if any(self.by_start.get(t.idx) is not None and self.by_start[t.idx].kind == "place"
                       for t in linked):
                    cluster.kind = "place"
                    cluster.roles.clear()
                    break

    def _match_name(self, words: list[str], kind: str, at: int) -> Cluster | None:
        folded = [fold_word(w) for w in words]
        people = [c for c in self.clusters if c.kind == "person"]
        if len(words) > 1:
            for c in people:
                if c.name_folded == folded:
                    return c  # the tagger gave one person two labels
        if kind == "person" or len(words) == 1:
            same_last = [c for c in people if c.last_word == folded[-1]]
            if len(words) == 1 and len(same_last) > 1:  # ``Mrs. Quist`` is not Tomas Quist
                gender = names.title_gender_before(self.text, at)
                same_last = [c for c in same_last if not gender or _first_name_gender(c) in (None, gender)] or same_last
            if len(words) > 1:
                for c in same_last:
                    first = c.name_folded
                    if len(first) == 1 or first[0] == folded[0]:
                        return c
                return None
            if same_last:  # ``Quist`` with two Quists named: the one the article names most, then the latest
                return max(same_last, key=lambda c: (len(c.hits), c.hits[-1][0] if c.hits else -1))
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
        cluster = self.acronyms.get(" ".join(words)) or self._match_name(words, kind, span.start_char)
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


def entity_at(token: Token) -> Span | None:
    """The named entity ``token`` lies in, of any label, or None.

    Read from the tokens' IOB tags: ``doc.ents`` builds every entity of the document on each
    access, which makes a lookup per token quadratic in a long article."""
    if token.ent_iob_ not in ("B", "I"):
        return None
    doc = token.doc
    start = token.i
    while start > 0 and doc[start].ent_iob_ == "I":
        start -= 1
    end = token.i + 1
    while end < len(doc) and doc[end].ent_iob_ == "I":
        end += 1
    return Span(doc, start, end, label=token.ent_type_)


def trim_entity(ent: Span) -> Span | None:
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


def _first_name_gender(cluster: Cluster) -> str | None:
    words = cluster.name.split()
    return names.first_names().get(words[0].lower()) if len(words) > 1 else None


def _person_after_role(ent: Span, words: list[str]) -> bool:
    """A first name and a surname written after a role (``harbour spokesman Joris Veldt``): a person,
    whatever the tagger said."""
    return 2 <= len(words) <= 3 and words[0].lower() in names.first_names() \
        and all(w[:1].isupper() for w in words) and bool(_roles_of(ent))


def _is_subject(token: Token) -> bool:
    """A subject, or a name in apposition to one (``The mayor of Halden, Petra Lunde, answered``)."""
    return token.dep_ in SUBJECT_DEPS or token.dep_ == "appos" and token.head.dep_ in SUBJECT_DEPS


def _joined_names(ent: Span) -> bool:
    """``U.S.-Russia`` or ``Putin-Trump`` before a noun: two names joined as a modifier, neither one entity."""
    if ent.label_ == "PERSON" and not all(names.known(p) for p in re.split(r"[-–]", ent.text)):
        return False  # a double-barrelled surname
    return bool(re.fullmatch(r"[A-Z][\w.]*\s?[-–]\s?[A-Z][\w.]*", ent.text))


def _demonym(ent: Span) -> bool:
    """``Ostrian`` tagged as an organisation before a noun: an adjective of nationality, not a name."""
    if len(ent) != 1 or ent.label_ == "PERSON" or names.known(ent.text):
        return False
    word = ent[0]
    return word.tag_ == "JJ" or (word.lower_.endswith(("ian", "ean", "ese", "ish")) and word.dep_ in ("amod", "compound")
                                 and word.head.pos_ in ("NOUN", "PROPN") and word.head.i > word.i)


def _is_qualifier(token: Token) -> bool:
    """A word that qualifies a title before it (``U.S.``, ``Russian``, ``Kremlin``, ``deputy``)."""
    if token.is_space or token.is_punct and token.text not in (".",):
        return False
    return (token.ent_type_ in ("GPE", "NORP", "ORG") or token.lower_ in ("deputy", "acting", "former", "then", "vice")) \
        and token.ent_type_ != "PERSON"


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
        words = [names.TITLE_ROLES.get(w.rstrip("."), w) for w in re.findall(r"[\w.]+", low)]
        if ("former" in words or "ex" in words) and "former" not in modifiers:
            continue  # ``the governor`` is the one in office, not a former governor
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
