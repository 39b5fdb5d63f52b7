"""Entities stage: one canonical entity per real person or organisation across the corpus.

Reads each article's ``findings["mentions"]`` (article-local clusters made by
the statements stage) and ``findings["statements"]``, and fills
``corpus.entities`` and ``corpus.statements`` in the dossier's shape.

Resolution rules
----------------
- Names are compared word by word after folding (lower case, no accents,
  ``-y``/``-iy``/``-ii`` endings to ``-i`` and ``ey`` to ``ei``), so
  ``Sergey``/``Sergei``, ``Yury``/``Yuri``/``Yurii`` and ``Dmitry``/``Dmitri``
  meet (``statements.fold_word``).
- People: a full name joins an entity with the same folded surname and the
  same folded first name. Different first names with one surname are
  different people (``Bill Clinton`` / ``Hillary Clinton``). A bare surname
  (an article that only says ``Lavrov``) joins the one full-named person with
  that surname; when several share it, the one named in most articles.
- Organisations and places merge on the folded name without articles.
- Roles are the union of titles and appositions seen for the entity
  (``Kremlin spokesman``, ``Russian Foreign Minister``). A statement whose
  speaker is only a role description that the article itself could not
  resolve (``the Republican president``) is resolved with the roles known
  in the whole corpus, among the entities that article mentions, the best
  fitting role first and the latest mention before the statement on a tie
  (``statements.role_score``); otherwise the speaker stays null.
- Canonical name: the fullest form seen (most words), then the most
  frequent, then the alphabetically first.
- Ids are deterministic whatever the input order: articles are taken in
  store order (``a1``, ``a2``, … numerically, then content hash), entities
  are numbered after sorting by canonical name and kind, statements by
  article and offset.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from storyline.pipeline import Options, register_stage
from storyline.records import Article, Corpus
from storyline.statements import fold_word, name_words, role_head, role_score


@dataclass(slots=True)
class Local:
    """One article-local cluster (``findings["mentions"]`` item)."""

    article: int  # position in the sorted article list
    key: str
    kind: str
    names: list[str]
    roles: list[str]
    spans: list[tuple[int, int]]


@dataclass(slots=True)
class Entity:
    kind: str
    locals: list[Local] = field(default_factory=list)
    id: str = ""
    fixed_name: str = ""  # set once merging is over

    @property
    def names(self) -> list[str]:
        return [n for local in self.locals for n in local.names]

    @property
    def name(self) -> str:
        if self.fixed_name:
            return self.fixed_name
        counts = Counter(self.names)
        return min(counts, key=lambda n: (-len(name_words(n)), -counts[n], n))

    @property
    def roles(self) -> list[str]:
        seen: dict[str, str] = {}
        for local in self.locals:
            for role in local.roles:
                seen.setdefault(role.lower(), role)
        return sorted(seen.values(), key=str.lower)

    @property
    def surname(self) -> str:
        words = name_words(self.name)
        return fold_word(words[-1]) if words else ""

    @property
    def first_name(self) -> str | None:
        words = name_words(self.name)
        return fold_word(words[0]) if len(words) > 1 else None

    def as_dict(self) -> dict[str, Any]:
        name = self.name
        aliases = sorted({n for n in self.names if n != name})
        return {"id": self.id, "name": name, "kind": self.kind, "aliases": aliases, "roles": self.roles}


def article_order(article: Article) -> tuple[int, str, str]:
    """Store order: ``a2`` before ``a10``; articles without an id by content hash."""
    match = re.fullmatch(r"[A-Za-z]*(\d+)", article.id or "")
    return (int(match.group(1)) if match else 1 << 60, article.id or "", article.content_hash)


def folded(name: str) -> tuple[str, ...]:
    return tuple(fold_word(w) for w in name_words(name) if fold_word(w))


class Resolver:
    """Merges the article-local clusters of a corpus into canonical entities."""

    def __init__(self, articles: list[Article]) -> None:
        self.articles = articles
        self.locals = [
            Local(i, m["key"], m["kind"], [m["name"], *m.get("aliases", [])], list(m.get("roles", [])),
                  [tuple(s) for s in m.get("spans", [])])
            for i, article in enumerate(articles)
            for m in article.findings.get("mentions", [])
        ]
        self.entities: list[Entity] = []
        self.of_local: dict[tuple[int, str], Entity] = {}
        # Indexes that keep merging linear in the number of clusters.
        self.by_article: dict[int, list[Local]] = {}
        for local in self.locals:
            self.by_article.setdefault(local.article, []).append(local)
        self.people_by_surname: dict[str, list[Entity]] = {}
        self.by_folded_name: dict[tuple[str, tuple[str, ...]], Entity] = {}

    def resolve(self) -> list[Entity]:
        people = [lc for lc in self.locals if lc.kind == "person"]
        others = [lc for lc in self.locals if lc.kind != "person"]
        full = sorted((lc for lc in people if len(folded(lc.names[0])) > 1), key=self._order)
        bare = sorted((lc for lc in people if len(folded(lc.names[0])) <= 1), key=self._order)
        for local in full:
            self._add_full_name(local)
        for local in bare:
            self._add_surname(local)
        for local in sorted(others, key=self._order):
            self._add_by_name(local)
        for entity in self.entities:
            entity.fixed_name = entity.name
        self.entities.sort(key=lambda e: (e.name.lower(), e.kind, e.name))
        for number, entity in enumerate(self.entities, 1):
            entity.id = f"e{number}"
        return self.entities

    @staticmethod
    def _order(local: Local) -> tuple[Any, ...]:
        return (-len(folded(local.names[0])), folded(local.names[0]), local.article, local.key)

    def _join(self, entity: Entity | None, local: Local) -> None:
        if entity is None:
            entity = Entity(local.kind)
            self.entities.append(entity)
            words = folded(local.names[0])
            if entity.kind == "person" and words:
                self.people_by_surname.setdefault(words[-1], []).append(entity)
            self.by_folded_name.setdefault((entity.kind, words), entity)
        entity.locals.append(local)
        self.of_local[(local.article, local.key)] = entity

    def _add_full_name(self, local: Local) -> None:
        words = folded(local.names[0])
        match = next((e for e in self.people_by_surname.get(words[-1], []) if e.first_name == words[0]), None)
        self._join(match, local)

    def _add_surname(self, local: Local) -> None:
        words = folded(local.names[0])
        if not words:
            self._join(None, local)
            return
        same = list(self.people_by_surname.get(words[-1], []))
        if not same:
            same = [e for people in self.people_by_surname.values() for e in people if e.first_name == words[-1]]
        if same:
            self._join(self._most_named(same), local)
        else:
            self._join(None, local)

    @staticmethod
    def _most_named(entities: list[Entity]) -> Entity:
        return sorted(entities, key=lambda e: (-len({lc.article for lc in e.locals}), -len(e.locals), e.name))[0]

    def _add_by_name(self, local: Local) -> None:
        key = folded(local.names[0])
        if len(key) == 1 and local.kind in ("organization", "other"):
            # The tagger often calls a bare surname an organisation (``Trump``, ``Peskov``).
            people = [e for e in self.people_by_surname.get(key[0], []) if e.first_name]
            if len(people) == 1:
                self._join(people[0], local)
                return
        self._join(self.by_folded_name.get((local.kind, key)), local)

    # -- statements
    def entity_of(self, article: int, key: str | None) -> Entity | None:
        return self.of_local.get((article, key)) if key else None

    def entity_at(self, article: int, mention: dict[str, Any] | None) -> Entity | None:
        if not mention:
            return None
        for local in self.by_article.get(article, []):
            if any(a <= mention["start"] < b for a, b in local.spans):
                return self.of_local.get((article, local.key))
        return None

    def by_role(self, article: int, mention: dict[str, Any] | None, before: int) -> Entity | None:
        """A role description resolved with roles seen anywhere in the corpus.

        On a tie the entity that spoke last before it in the article wins (the
        current topic), then the one mentioned last.
        """
        speakers = [(s["speaker_mention"]["start"], s["speaker_key"])
                    for s in self.articles[article].findings.get("statements", [])
                    if s.get("speaker_key") and s.get("speaker_mention")]
        if not mention or not re.match(r"(?i)the\s", mention["text"]):
            return None
        head, modifiers = role_head(mention["text"])
        scored = []
        for local in self.by_article.get(article, []):
            entity = self.of_local.get((article, local.key))
            if entity is None or entity.kind not in ("person", "organization"):
                continue
            score = role_score(head, modifiers, entity.roles)
            if score:
                spoke = max((at for at, key in speakers if key == local.key and at < before), default=-1)
                last = max((a for a, _ in local.spans if a < before), default=-1)
                scored.append((score, spoke, last, entity.name, entity))
        if not scored:
            return None
        return max(scored, key=lambda s: s[:4])[4]


def resolve_corpus(corpus: Corpus) -> None:
    articles = sorted(corpus.articles, key=article_order)
    resolver = Resolver(articles)
    entities = resolver.resolve()
    corpus.entities = [e.as_dict() for e in entities]
    statements = []
    for index, article in enumerate(articles):
        found = sorted(article.findings.get("statements", []), key=lambda s: (s["start"], s["end"], s["cue_start"]))
        for finding in found:
            statements.append(_statement(resolver, index, article, finding))
    for number, statement in enumerate(statements, 1):
        statement["id"] = f"s{number}"
    corpus.statements = statements


def _statement(resolver: Resolver, index: int, article: Article, finding: dict[str, Any]) -> dict[str, Any]:
    mention = finding.get("speaker_mention")
    speaker = resolver.entity_of(index, finding.get("speaker_key"))
    if speaker is None and mention:
        speaker = resolver.by_role(index, mention, finding["start"])
    source_mention = finding.get("source_mention")
    source = None
    if source_mention:
        relay = resolver.entity_at(index, source_mention)
        source = {"entity": relay.id if relay else None, "name": relay.name if relay else None,
                  "mention": source_mention}
    return {
        "id": "",
        "article": article.id,
        "kind": finding["kind"],
        "speaker": speaker.id if speaker else None,
        "speaker_name": speaker.name if speaker else None,
        "speaker_mention": mention,
        "cue": finding.get("cue"),
        "cue_start": finding.get("cue_start"),
        "cue_end": finding.get("cue_end"),
        "text": article.body[finding["start"] : finding["end"]],
        "start": finding["start"],
        "end": finding["end"],
        "said_on": finding.get("said_on"),
        "clauses": finding.get("clauses") or [],
        "claim": None,
        "claims": [],
        "source": source,
    }


@register_stage("entities")
class Entities:
    """Corpus stage: canonical entities and the dossier's statements list."""

    def __init__(self, options: Options) -> None:
        self.options = options

    def run(self, corpora: Iterable[Corpus]) -> Iterator[Corpus]:
        for corpus in corpora:
            resolve_corpus(corpus)
            yield corpus
