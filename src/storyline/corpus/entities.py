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

Blocked runs
------------
``blocked_entities`` gives the same two lists over a parts folder with no
process holding every mention or statement (``storyline.corpus.blocks``): clusters
are merged per block (a surname, or an organisation's name), the one rule
that crosses blocks (a bare name as a first name) runs in the driver over
one summary row per entity, and each shard resolves its own statements.
"""

from __future__ import annotations

import re
import shutil
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from itertools import accumulate
from pathlib import Path
from typing import Any


from storyline.core.records import Article
from storyline.article.names import known as known_name
from storyline.article.speakers import fold_word, name_words, role_head, role_score


@dataclass(slots=True)
class Local:
    """One article-local cluster (``findings["mentions"]`` item)."""

    article: int  # position in the sorted article list
    key: str
    kind: str
    names: list[str]
    roles: list[str]
    spans: list[tuple[int, int]]
    canonical: str = ""  # the name table's canonical name, when it lists one of the cluster's names


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
        listed = next((lc.canonical for lc in self.locals if lc.canonical), "")
        if listed:
            return listed
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


def local_of(article: int, mention: dict[str, Any]) -> Local:
    """An article-local cluster from its ``findings["mentions"]`` item; ``article`` is its position in store order.

    A name the table lists (``storyline.article.names``: ``U.S.``, ``Russian Federation``) takes the
    table's canonical name first and the table's kind, so that every spelling merges into one entity."""
    names_ = [mention["name"], *mention.get("aliases", [])]
    kind = mention["kind"]
    entry = next((e for e in map(known_name, names_) if e is not None and e.kind != "title"), None)
    if entry is not None:
        kind = entry.kind
        names_ = [entry.name, *(n for n in names_ if n != entry.name)]
    return Local(article, mention["key"], kind, names_, list(mention.get("roles", [])),
                 [tuple(s) for s in mention.get("spans", [])], entry.name if entry is not None else "")


def place_votes(locals_: Iterable[Local]) -> None:
    """Places are never people or organisations: a name the tagger calls a place in more of its mentions
    across the corpus than it calls it a person or an organisation is a place everywhere
    (``Veldmark agreed …`` tagged as a person in one article, a country in the others)."""
    counts: dict[tuple[str, ...], Counter[str]] = {}
    locals_ = list(locals_)
    for local in locals_:
        counts.setdefault(folded(local.names[0]), Counter())[local.kind] += max(1, len(local.spans))
    for local in locals_:
        votes = counts[folded(local.names[0])]
        if local.kind in ("person", "organization", "other") and votes["place"] >= votes[local.kind]:
            local.kind = "place"
            local.roles = []


def article_locals(index: int, article: Article) -> list[Local]:
    return [local_of(index, m) for m in article.findings.get("mentions", [])]


class Resolver:
    """Merges article-local clusters into canonical entities.

    With ``first_name_fallback`` off (blocked runs) a bare name that no
    person's surname matches becomes an entity of its own here, and the
    driver decides afterwards whether it joins a person with that first name.
    """

    def __init__(self, locals_: list[Local], first_name_fallback: bool = True) -> None:
        self.locals = locals_
        place_votes(self.locals)
        self.first_name_fallback = first_name_fallback
        self.entities: list[Entity] = []
        self.of_local: dict[tuple[int, str], Entity] = {}
        # Indexes that keep merging linear in the number of clusters.
        self.by_article: dict[int, list[Local]] = {}
        for local in self.locals:
            self.by_article.setdefault(local.article, []).append(local)
        self.people_by_surname: dict[str, list[Entity]] = {}
        self.by_folded_name: dict[tuple[str, tuple[str, ...]], Entity] = {}

    def resolve(self) -> list[Entity]:
        self.merge()
        self.entities.sort(key=lambda e: (e.name.lower(), e.kind, e.name))
        for number, entity in enumerate(self.entities, 1):
            entity.id = f"e{number}"
        return self.entities

    def merge(self) -> list[Entity]:
        """The entities in the order they were made (see ``created_rank``), names fixed."""
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
        if not same and self.first_name_fallback:
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


class Speakers:
    """Statement speakers and sources, from the entity of each article-local cluster.

    ``articles`` and ``by_article`` are keyed by store-order position; an
    entity is anything with ``id``, ``name``, ``kind`` and ``roles`` (an
    ``Entity`` in-process, an ``Assigned`` in blocked runs).
    """

    def __init__(self, articles: Mapping[int, Article], by_article: Mapping[int, list[Local]],
                 of_local: Mapping[tuple[int, str], Any]) -> None:
        self.articles = articles
        self.by_article = by_article
        self.of_local = of_local

    def entity_of(self, article: int, key: str | None) -> Any:
        return self.of_local.get((article, key)) if key else None

    def entity_at(self, article: int, mention: dict[str, Any] | None) -> Any:
        if not mention:
            return None
        for local in self.by_article.get(article, []):
            if any(a <= mention["start"] < b for a, b in local.spans):
                return self.of_local.get((article, local.key))
        return None

    def by_role(self, article: int, mention: dict[str, Any] | None, before: int) -> Any:
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


def article_statements(speakers: Speakers, index: int, article: Article) -> list[dict[str, Any]]:
    """The article's statements in id order (offsets), ids not yet given."""
    found = sorted(article.findings.get("statements", []), key=lambda s: (s["start"], s["end"], s["cue_start"]))
    return [_statement(speakers, index, article, finding) for finding in found]


def _statement(speakers: Speakers, index: int, article: Article, finding: dict[str, Any]) -> dict[str, Any]:
    mention = finding.get("speaker_mention")
    speaker = speakers.entity_of(index, finding.get("speaker_key"))
    if speaker is None and mention:
        speaker = speakers.by_role(index, mention, finding["start"])
    source_mention = finding.get("source_mention")
    source = None
    if source_mention:
        relay = speakers.entity_at(index, source_mention)
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


# -- blocked runs -------------------------------------------------------------------
# ``blocked_entities`` gives the two lists (entities, statements) over shards without any process
# holding every mention or statement (``storyline.corpus.blocks``). Scratch under ``PARTS/_corpus/``:
LOCALS_WORK = "entity_locals"  # the scatter: Local clusters by block key
STATE_WORK = "entity_state"  # each bucket's merged entities, between the gather and the finish
ROWS_WORK = "entity_rows"  # each bucket's entity rows, in id order, merged into entities.jsonl
ASSIGN_WORK = "entity_assign"  # (article, local key) -> entity, in shard=NNNNN/bucket=BBBBB.pkl

FULL, BARE, OTHER = 0, 1, 2  # the phases of ``Resolver.merge``


@dataclass(frozen=True, slots=True)
class Assigned:
    """What a statement needs of the entity an article-local cluster belongs to."""

    id: str
    name: str
    kind: str
    roles: list[str]


def block_key(local: Local) -> tuple[Any, ...]:
    """A key that keeps every merge decision but one inside a block.

    Every name goes by its last folded word: people meet on the surname (a bare
    name is its own surname), a one-word organisation or "other" may be a
    person's surname, and a name tagged a place in one article and a person or
    organisation in another must meet for ``place_votes``. Names of the table
    (``storyline.article.names``) come with their canonical name first. The one
    rule that crosses blocks (a bare name as a first name) is the driver's.
    """
    words = folded(local.names[0])
    if words:
        # the last word: a person's surname, and every name that may be that person, or a place or
        # organisation of the same name the tagger gave another kind (``place_votes``)
        return ("word", words[-1])
    return (local.kind, ())


def phase_of(local: Local) -> tuple[int, str]:
    """When ``Resolver.merge`` handles the cluster: phase, then (bare names) its word."""
    if local.kind != "person":
        return (OTHER, "")
    words = folded(local.names[0])
    return (FULL, "") if len(words) > 1 else (BARE, words[-1] if words else "")


def created_rank(entity: Entity) -> tuple[Any, ...]:
    """Where in-process merging made the entity: its first cluster's phase and sort key."""
    first = entity.locals[0]
    return (phase_of(first)[0], *Resolver._order(first))


def blocked_entities(run: Any) -> dict[str, Any]:
    """The entities stage over the shards of ``run`` (a ``blocks.BlockRun``), as tasks on its executor.

    What the driver holds: one summary row per entity (name, kind, first name,
    surname, article and cluster counts; for people a bare first name may join,
    and the bare names themselves, their few roles and names), each bucket's
    entity ids, and one statement count per shard. That is small: entities are
    the distinct people and organisations of the corpus, far fewer than their
    mentions, and a row's size does not grow with the corpus. Mentions and
    statements never come to the driver: a scatter by ``block_key`` and a merge
    per bucket make the entities; the driver joins bare first names across
    blocks and numbers the entities; a finish per bucket writes the entity rows
    and each shard's (article, cluster) -> entity assignments; a task per shard
    then resolves its statements' speakers from its own assignments alone.
    """
    from storyline.corpus.blocks import OUTPUTS

    counts = run.each_shard(_statement_count)  # cheap (Parquet footers): the statement ids need the offsets
    summary = _blocked_entity_list(run)
    offsets = [0, *accumulate(counts)][: len(counts)]
    written = run.each(_shard_statements, list(zip(run.shards, offsets)), run.path(ASSIGN_WORK),
                       run.path(OUTPUTS["statements"]))
    for name in (LOCALS_WORK, STATE_WORK, ROWS_WORK, ASSIGN_WORK):
        shutil.rmtree(run.path(name), ignore_errors=True)
    return {**summary, "statements": sum(written)}


def _blocked_entity_list(run: Any) -> dict[str, Any]:
    """``entities.jsonl`` and the assignments by shard; returns counts."""
    from storyline.corpus.blocks import OUTPUTS

    buckets = run.scatter(LOCALS_WORK, _emit_locals)
    summaries = run.gather(buckets, _merge_bucket, run.path(STATE_WORK))
    rows = [dict(row, bucket=b) for b, found in enumerate(summaries) for row in found]
    joins = _first_name_joins(rows)
    finals = _final_names_and_roles(rows, joins)
    ids = _entity_ids(rows, joins, finals)
    in_bucket: list[list[int]] = [[] for _ in buckets]
    for number, row in enumerate(rows):
        in_bucket[row["bucket"]].append(number)
    tasks = [_BucketFinish(run.path(STATE_WORK, f"{bucket.name}.pkl"), run.path(ROWS_WORK, f"{bucket.name}.jsonl"),
                           *_bucket_decisions(rows, in_bucket[b], joins, finals, ids)) for b, bucket in enumerate(buckets)]
    run.each(_finish_bucket, tasks, run.path(ASSIGN_WORK), [(shard.first, shard.number) for shard in run.shards])
    entities = _merge_entity_rows(run.path(ROWS_WORK), run.path(OUTPUTS["entities"]))
    risks = sum(1 for joined, target in joins.items() if _order_risk(rows[joined], rows[target]))
    return {"entities": entities, "buckets": len(buckets), "first_name_joins": len(joins), "order_risks": risks}


# -- on the workers


def _statement_count(shard: Any) -> int:
    import pyarrow.parquet as pq

    return int(pq.ParquetFile(shard.folder / "statements.parquet").metadata.num_rows)


def _emit_locals(shard: Any) -> Iterator[tuple[tuple[Any, ...], Local]]:
    from storyline.store.parts import TABLES, finding_of, read_table

    table = TABLES["mentions"]
    for row in read_table(table, shard.folder / "mentions.parquet"):
        local = local_of(shard.article_number(row["article"]) - 1, finding_of(table, row))
        yield block_key(local), local


def _merge_bucket(bucket: Path, state: Path) -> list[dict[str, Any]]:
    """Resolver rules over the bucket's blocks (no block meets another here); one summary row per entity."""
    from storyline.corpus.blocks import read_bucket, write_pickle

    resolver = Resolver([local for rows in read_bucket(bucket).values() for local in rows], first_name_fallback=False)
    entities = resolver.merge()
    write_pickle(state / f"{bucket.name}.pkl", entities)
    surname_of = {id(e): (s, created_rank(people[0]), _bare_surnames_chose(people))
                  for s, people in resolver.people_by_surname.items() for e in people}
    return [_summary(index, entity, surname_of.get(id(entity))) for index, entity in enumerate(entities)]


def _bare_surnames_chose(people: list[Entity]) -> bool:
    """Bare surnames chose among several people of that surname (by counts a first-name join may change)."""
    return len(people) > 1 and any(phase_of(lc)[0] == BARE for e in people for lc in e.locals)


def _summary(index: int, entity: Entity, surname: tuple[str, Any, bool] | None) -> dict[str, Any]:
    row: dict[str, Any] = {"index": index, "name": entity.name, "kind": entity.kind, "created": created_rank(entity)}
    if surname is None:
        return row
    first = phase_of(entity.locals[0])
    row.update(
        surname=surname[0], surname_rank=surname[1], first_name=entity.first_name,
        # A bare name no surname matched: in-process it would have tried the first-name rule.
        pending=first[1] if first[0] == BARE and first[1] else None,
        # Counts as ``_most_named`` sees them before (``full``) and after (``bare``) the bare surnames.
        full=_counts(lc for lc in entity.locals if phase_of(lc)[0] == FULL),
        bare=_counts(lc for lc in entity.locals if phase_of(lc)[0] <= BARE),
        crowded=surname[2],  # see ``_order_risk``
    )
    if row["first_name"] or row["pending"]:
        names = Counter(entity.names)
        row.update(name_count=names[entity.name], roles=_ranked_roles(entity))
        if row["pending"]:
            row["names"] = dict(names)
    return row


def _counts(locals_: Iterable[Local]) -> tuple[int, int]:
    found = list(locals_)
    return len({lc.article for lc in found}), len(found)


def _ranked_roles(entity: Entity) -> list[tuple[str, str, tuple[int, str]]]:
    """Each role (lower case) with the spelling and merge phase of its first sighting: ``Entity.roles``
    keeps the first spelling, and a joining bare name may come before some of the entity's clusters."""
    seen: dict[str, tuple[str, str, tuple[int, str]]] = {}
    for local in entity.locals:
        for role in local.roles:
            seen.setdefault(role.lower(), (role.lower(), role, phase_of(local)))
    return list(seen.values())


@dataclass(frozen=True, slots=True)
class _BucketFinish:
    state: Path
    rows: Path
    ids: list[str | None]  # by entity index; None: joined to another block's entity
    overrides: dict[int, tuple[str, list[str], list[str]]]  # index -> name, roles, names of joined bare names
    joined: dict[int, Assigned]  # index -> the entity it joined


def _finish_bucket(task: _BucketFinish, assign: Path, firsts: list[tuple[int, int]]) -> int:
    """The bucket's entity rows (id order) and its clusters' assignments, by shard."""
    from bisect import bisect_right

    from storyline.corpus.blocks import read_pickle, write_pickle, write_rows

    entities: list[Entity] = read_pickle(task.state)
    starts = [first for first, _ in firsts]
    rows: list[dict[str, Any]] = []
    by_shard: dict[int, list[tuple[int, str, Assigned]]] = {}
    for index, entity in enumerate(entities):
        target = task.joined.get(index)
        if target is None:
            row = _entity_row(entity, task.ids[index] or "", task.overrides.get(index))
            rows.append(row)
            target = Assigned(row["id"], row["name"], row["kind"], row["roles"])
        for local in entity.locals:
            shard = firsts[bisect_right(starts, local.article) - 1][1]
            by_shard.setdefault(shard, []).append((local.article, local.key, target))
    rows.sort(key=lambda row: int(row["id"][1:]))
    write_rows(task.rows, rows)
    for shard, assigned in by_shard.items():
        write_pickle(assign / f"shard={shard:05d}" / f"{task.state.stem}.pkl", assigned)
    return len(rows)


def _entity_row(entity: Entity, entity_id: str, override: tuple[str, list[str], list[str]] | None) -> dict[str, Any]:
    entity.id = entity_id
    row = entity.as_dict()
    if override:
        name, roles, joined_names = override
        row.update(name=name, roles=roles, aliases=sorted({n for n in [*entity.names, *joined_names] if n != name}))
    return row


def _shard_statements(task: tuple[Any, int], assign: Path, out: Path) -> int:
    """The shard's statements, ids from its offset on, speakers from its own assignments."""
    from storyline.corpus.blocks import read_pickle, shard_file, write_rows
    from storyline.store.parts import read_shard

    shard, offset = task
    articles: dict[int, Article] = {}
    for article in (r for r in read_shard(shard.folder) if isinstance(r, Article)):
        index = shard.first + len(articles)
        article.id = shard.id_at(index + 1)
        articles[index] = article
    of_local: dict[tuple[int, str], Assigned] = {}
    for path in sorted((assign / f"shard={shard.number:05d}").glob("*.pkl")):
        of_local.update(((article, key), target) for article, key, target in read_pickle(path))
    by_article = {index: article_locals(index, article) for index, article in articles.items()}
    speakers = Speakers(articles, by_article, of_local)
    statements = [s for index, article in articles.items() for s in article_statements(speakers, index, article)]
    for number, statement in enumerate(statements, offset + 1):
        statement["id"] = f"s{number}"
    return write_rows(out / shard_file(shard), statements)


# -- in the driver, over summary rows


def _first_name_joins(rows: list[dict[str, Any]]) -> dict[int, int]:
    """``Resolver._add_surname``'s cross-block rule: a bare name no surname matched joins the person whose
    first name it is (the most named when several). Returns joined row -> target row.

    Exact, as in-process: bare names are taken in word order, a candidate's counts include its own bare
    surnames only when they sort before the word, ties go the way the surname index iterates. Not
    reproduced: in-process, a bare first name that joins a person before that person's bare surnames are
    placed (first name < surname) adds to the counts those surnames then choose by when several people
    share the surname; blocks choose without it (``order_risks`` counts the joins where it could matter).
    """
    candidates: dict[str, list[int]] = {}
    for number, row in enumerate(rows):
        if row.get("first_name") and not row.get("pending"):
            candidates.setdefault(row["first_name"], []).append(number)
    joins: dict[int, int] = {}
    for number in sorted((n for n, row in enumerate(rows) if row.get("pending")), key=lambda n: rows[n]["created"]):
        word = rows[number]["pending"]
        found = sorted(candidates.get(word, []), key=lambda n: (rows[n]["surname_rank"], rows[n]["created"]))
        if found:
            joins[number] = min(found, key=lambda n: _named_at(rows[n], word))  # min keeps the first of a tie
        elif rows[number]["first_name"]:  # stays a person of its own, which later bare names may join
            candidates.setdefault(rows[number]["first_name"], []).append(number)
    return joins


def _named_at(row: dict[str, Any], word: str) -> tuple[int, int, str]:
    """``Resolver._most_named``'s key for a candidate when the bare names of ``word`` are placed."""
    articles, clusters = row["bare"] if row.get("pending") or row["surname"] < word else row["full"]
    return (-articles, -clusters, row["name"])


def _order_risk(joined: dict[str, Any], target: dict[str, Any]) -> bool:
    return bool(target.get("crowded")) and not target.get("pending") and joined["pending"] < target["surname"]


def _final_names_and_roles(rows: list[dict[str, Any]], joins: dict[int, int]) -> dict[int, tuple[str, list[str], list[str]]]:
    """Name, roles and joined names of every entity a bare first name joined."""
    groups: dict[int, list[int]] = {}
    for joined, target in joins.items():
        groups.setdefault(target, []).append(joined)
    finals = {}
    for target, joined in groups.items():
        row = rows[target]
        # The target's best name against the joined names: a one-word name never beats a full one, so only
        # an exotic joined name (two words, one of them folding to nothing) could change it.
        names = Counter({row["name"]: row["name_count"]})
        for number in joined:
            names.update(rows[number]["names"])
        name = min(names, key=lambda n: (-len(name_words(n)), -names[n], n))
        ranked = [*row["roles"], *(role for number in joined for role in rows[number]["roles"])]
        seen: dict[str, str] = {}
        for lower, role, _ in sorted(ranked, key=lambda r: r[2]):
            seen.setdefault(lower, role)
        finals[target] = (name, sorted(seen.values(), key=str.lower),
                          sorted({n for number in joined for n in rows[number]["names"]}))
    return finals


def _entity_ids(rows: list[dict[str, Any]], joins: dict[int, int], finals: dict[int, Any]) -> dict[int, str]:
    """``e1``.. by (name, kind) as ``Resolver.resolve`` sorts, ties in the order entities were made."""
    def key(number: int) -> tuple[Any, ...]:
        name = finals[number][0] if number in finals else rows[number]["name"]
        return (name.lower(), rows[number]["kind"], name, rows[number]["created"])

    ordered = sorted((n for n in range(len(rows)) if n not in joins), key=key)
    return {number: f"e{position}" for position, number in enumerate(ordered, 1)}


def _bucket_decisions(rows: list[dict[str, Any]], mine: list[int], joins: dict[int, int], finals: dict[int, Any],
                      ids: dict[int, str]) -> tuple[list[str | None], dict[int, Any], dict[int, Assigned]]:
    """What the finish of one bucket (its rows ``mine``) needs: ids by entity index, and the joins."""
    entity_ids: list[str | None] = [None] * len(mine)
    overrides, joined = {}, {}
    for number in mine:
        row = rows[number]
        entity_ids[row["index"]] = ids.get(number)
        if number in finals:
            overrides[row["index"]] = finals[number]
        if number in joins:
            target = joins[number]
            name, roles, _ = finals[target]
            joined[row["index"]] = Assigned(ids[target], name, rows[target]["kind"], roles)
    return entity_ids, overrides, joined


def _merge_entity_rows(folder: Path, out: Path) -> int:
    """The buckets' rows (each in id order) into one file in id order, a row per bucket in memory."""
    import heapq

    from storyline.corpus.blocks import read_rows, write_rows

    streams = [read_rows(path) for path in sorted(folder.glob("*.jsonl"))]
    return write_rows(out, heapq.merge(*streams, key=lambda row: int(row["id"][1:])))
