"""The timeline: event mentions of every article merged into events (corpus stage ``timeline``).

Mentions (``storyline.article.events``) of one happening in different articles
are one event with all its sources: the same action (the same trigger lemma,
or lemmas whose sentence vectors are close: ``quake`` / ``earthquake``,
``kill`` / ``killing``), within one story (``storyline.corpus.stories``: one
incident; two earthquakes of one kind are two stories, so their ``struck``
stay apart), and never when their dates disagree (``2009-03`` fits
``2009-03-14``; a chain's dates must all fit, so an undated mention cannot
bridge two differently dated happenings). Statements are not events: they
stay in the dossier's statements and the timeline shows them apart.

The stage runs after ``stories`` and blocks by story: mentions are only ever
compared within one, so each story's mentions are merged by one task.
Ids follow the chronological order (dated events by date, then the
year-unknown lane, then undated ones), so they do not depend on the order
the articles came in.
"""

from __future__ import annotations

import heapq
import re
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from storyline.article.time_values import Partial, parse_value
from storyline.core.records import Article
from storyline.corpus.blocks import OUTPUTS, BlockRun, ShardInfo, read_bucket, read_rows, shard_file, write_rows
from storyline.store.parts import read_embeddings, read_shard

# Lemmas at least this close (cosine of their MiniLM vectors) name one action. Chosen with the trigger
# model's settings by two-fold cross-validation on the ECB+ tuning topics (``storyline eval events``).
LEMMA_COSINE = 0.7


def dates_disagree(a: str | None, b: str | None) -> bool:
    """Both dated, and one date does not fit the other: ``2009-03`` fits ``2009-03-14``, and a date
    whose year the text leaves out fits any year (``--03-14`` fits ``2009-03-14``, ``--03`` fits ``2009``)."""
    if not a or not b:
        return False
    if a.startswith("--") or b.startswith("--"):
        a, b = (x[5:] if not x.startswith("--") else x[2:] for x in (a, b))
        if not a or not b:
            return False
    return not (a.startswith(b) or b.startswith(a))


def chain_mentions(mentions: list[dict[str, Any]]) -> list[int]:
    """A chain number per mention of one story (its chain's first mention). Each mention has
    ``trigger``, ``date`` and ``vector`` (its lemma's unit vector, or None)."""
    parent = list(range(len(mentions)))
    dates: list[set[str]] = [{m["date"]} if m.get("date") else set() for m in mentions]

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def union(i: int, j: int) -> None:
        a, b = sorted((find(i), find(j)))
        if a == b or any(dates_disagree(x, y) for x in dates[a] for y in dates[b]):
            return
        parent[b] = a
        dates[a] |= dates[b]

    lemmas: dict[str, list[int]] = defaultdict(list)
    for k, mention in enumerate(mentions):
        lemmas[mention["trigger"]].append(k)
    for members in lemmas.values():  # same lemma: one happening unless the dates disagree
        chains: list[int] = []
        for k in members:
            for first in chains:
                union(first, k)
                if find(first) == find(k):
                    break
            else:
                chains.append(k)
    names = sorted(name for name in lemmas if mentions[lemmas[name][0]].get("vector") is not None)
    if len(names) > 1:
        vectors = np.stack([np.asarray(mentions[lemmas[name][0]]["vector"], dtype=np.float64) for name in names])
        close = vectors @ vectors.T
        for x in range(len(names)):
            for y in np.flatnonzero(close[x, x + 1 :] >= LEMMA_COSINE) + x + 1:
                for a in lemmas[names[x]]:
                    for b in lemmas[names[int(y)]]:
                        union(a, b)
    return [find(k) for k in range(len(mentions))]


def chronological_key(event: dict[str, Any]) -> tuple[Any, ...]:
    """Known years first in date order, then the year-unknown lane by month and day, then undated events."""
    date = parse_value(event["date"]) or Partial()
    first = event["mentions"][0]
    return (event["date"] is None, date.year is None, date.year or 0, date.month or 0, date.day or 0,
            event["summary"], first["article"], first["start"])


def article_order(article: Article) -> tuple[int, str]:
    ident = article.id or ""
    number = int(ident[1:]) if re.fullmatch(r"a\d+", ident) else 1 << 30
    return number, article.id or article.content_hash


class EntityIndex:
    """Entity ids by folded name and alias, and by surname when that is unambiguous."""

    def __init__(self, entities: list[dict[str, Any]]) -> None:
        self.exact: dict[str, str] = {}
        by_last: dict[str, set[str]] = {}
        for entity in entities:
            for name in [entity.get("name") or "", *(entity.get("aliases") or [])]:
                if name:
                    self.exact.setdefault(name.lower(), entity["id"])
                    by_last.setdefault(name.split()[-1].lower(), set()).add(entity["id"])
        self.last = {key: next(iter(ids)) for key, ids in by_last.items() if len(ids) == 1}

    def lookup(self, name: str) -> str | None:
        folded = name.lower().removesuffix("'s").strip()
        return self.exact.get(folded) or self.last.get(folded.split()[-1] if folded else "")


def time_row(article: Article, time: dict[str, Any]) -> dict[str, Any]:
    """A time finding as the dossier's ``times`` list gives it."""
    start, end = time["start"], time["end"]
    return {"article": article.id, "start": start, "end": end, "text": article.body[start:end], "value": time["value"], "type": time["type"]}


def mention_of(article: Article, event: dict[str, Any], vector: Any = None) -> dict[str, Any]:
    """An article's event finding as ``chain_mentions`` compares it (a headline's offsets are the title's)."""
    text = (article.title or "") if event.get("part") == "title" else article.body
    return {
        **event,
        "article": article.id,
        "text": text[event["start"] : event["end"]],
        "names": [text[p["start"] : p["end"]] for p in event.get("participants") or []],
        "vector": vector,
    }


def event_of(group: list[dict[str, Any]], index: EntityIndex) -> dict[str, Any]:
    """One chain of mentions as the dossier's event."""
    # The most precise date any report gives (the chain's dates all fit each other).
    dated = sorted((m for m in group if m.get("date")), key=lambda m: (not re.match(r"^\d{4}", m["date"]), -len(m["date"])))
    # The first report whose summary says who did what; else the fullest one.
    best = next((m for m in group if len(m["summary"].split()) >= 3), None) or max(group, key=lambda m: len(m["summary"]))
    entity_ids = sorted({eid for m in group for name in m["names"] if (eid := index.lookup(name))}, key=id_order)
    event = {
        "id": "",
        "date": dated[0]["date"] if dated else None,
        "date_end": next((m["date_end"] for m in dated if m.get("date_end")), None),
        "summary": best["summary"],
        "entities": entity_ids,
        "mentions": [{"article": m["article"], "start": m["start"], "end": m["end"], "text": m["text"],
                      "trigger_start": m["trigger_start"], "trigger_end": m["trigger_end"],
                      **({"part": m["part"]} if m.get("part") else {})} for m in group],
    }
    bounds = [m["not_after"] for m in group if m.get("not_after")]
    if not dated and bounds:
        event["not_after"] = min(bounds)  # undated, but reported (in the past tense) by then
    return event


def id_order(ident: str) -> tuple[str, int]:
    match = re.fullmatch(r"([a-z]+)(\d+)", ident)
    return (match.group(1), int(match.group(2))) if match else (ident, 0)


# ---------------------------------------------------------------------------
# Across the corpus, in blocks (``storyline.corpus.blocks``): no process holds every mention.


def blocked_timeline(run: BlockRun) -> dict[str, Any]:
    """The timeline stage over shards: ``times/`` per shard and ``events.jsonl``.

    Mentions are scattered by their article's story (``stories.jsonl``):
    ``chain_mentions`` only ever compares mentions within one, so each story
    is merged on its own, its mentions in the in-process order (scatter keeps
    shard order, then article and finding order). Each bucket's reducer writes
    its events sorted by ``(chronological_key, first mention's place)``; the
    ids then come from one k-way merge of those sorted files. The driver holds
    only file paths and counts; the merge task holds one event per bucket.
    """
    buckets = run.scatter("timeline_mentions", _shard_timeline, run.path(OUTPUTS["times"]), run.path(OUTPUTS["stories"]))
    sorted_files = run.gather(buckets, _merge_bucket_events, run.path(OUTPUTS["entities"]), run.path("timeline_events"))
    (events,) = run.each(_number_events, [sorted_files], run.path(OUTPUTS["events"]))
    times = sum(_line_count(path) for path in run.path(OUTPUTS["times"]).glob("*.jsonl"))
    return {"times": times, "events": events, "buckets": len(buckets)}


def _line_count(path: Path) -> int:
    with path.open(encoding="utf-8") as handle:
        return sum(1 for _ in handle)


def _story_of(stories_path: Path) -> dict[str, str]:
    """Article id -> its story's id (an article in no story is a block of its own)."""
    if not stories_path.exists():
        return {}
    return {article: story["id"] for story in read_rows(stories_path) for article in story["articles"]}


def _shard_timeline(shard: ShardInfo, times_dir: Path, stories_path: Path) -> Iterator[tuple[Any, Any]]:
    """One shard: write its ``times`` rows; yield its event mentions keyed by story.

    Both come from one read of the shard. Each row is ``(place, mention)``,
    ``place`` = (article number, finding index): the mention's position in
    the in-process list, to break ties between events as that order does.
    """
    from storyline.article.embed import cache_key

    articles = [record for record in read_shard(shard.folder) if isinstance(record, Article)]
    for local, article in enumerate(articles):
        article.id = shard.article_id(f"{shard.number:05d}:{local}")
    write_rows(times_dir / shard_file(shard), (time_row(a, t) for a in articles for t in a.findings.get("times") or []))
    story_of = _story_of(stories_path)
    vectors = read_embeddings(shard.folder) if any(a.findings.get("events") for a in articles) else {}
    for article in articles:
        number = article_order(article)[0]
        for n, event in enumerate(article.findings.get("events") or []):
            vector = vectors.get(cache_key(event["trigger"]))
            mention = mention_of(article, event, None if vector is None else np.asarray(vector, dtype=np.float32))
            yield story_of.get(article.id or "", f"article {article.id}"), ((number, n), mention)


def _merge_bucket_events(bucket: Path, entities_path: Path, out_dir: Path) -> Path:
    """One bucket: each story's mentions chained into events, written sorted by their id order."""
    index = EntityIndex(list(read_rows(entities_path)))
    events = []
    for rows in read_bucket(bucket).values():
        mentions = [mention for _, mention in rows]
        chains: dict[int, list[int]] = defaultdict(list)
        for k, chain in enumerate(chain_mentions(mentions)):
            chains[chain].append(k)
        for members in chains.values():
            event = event_of([mentions[k] for k in members], index)
            events.append({"order": [*chronological_key(event), *rows[members[0]][0]], "event": event})
    events.sort(key=lambda row: row["order"])
    path = out_dir / f"{bucket.name}.jsonl"
    write_rows(path, events)
    return path
def _number_events(sorted_files: list[Path], out: Path) -> int:
    """Ids v1.. in one pass over the buckets' sorted files (a k-way merge); returns the event count."""
    merged = heapq.merge(*(read_rows(path) for path in sorted_files), key=lambda row: row["order"])
    return write_rows(out, ({**row["event"], "id": f"v{number}"} for number, row in enumerate(merged, 1)))
