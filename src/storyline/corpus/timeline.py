"""The timeline: event mentions of every article merged into events (corpus stage ``timeline``).

Mentions (``storyline.article.events``) whose dates are compatible, whose
participants overlap and whose wording is alike are one event, however
many times and places it is reported. Ids follow the chronological order, so
they do not depend on the order the articles came in. ``blocked_timeline``
does the same over a parts directory, one (month, day) block at a time.
"""

from __future__ import annotations

import heapq
import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from storyline.article.time_values import Partial, parse_value
from storyline.core.records import Article
from storyline.corpus.blocks import OUTPUTS, BlockRun, ShardInfo, read_bucket, read_rows, shard_file, write_rows
from storyline.store.parts import read_shard


def dates_compatible(a: str | None, b: str | None) -> bool:
    """Same day (or month) where both say it; a missing year does not conflict."""
    first, second = parse_value(a), parse_value(b)
    if first is None or second is None or first.month is None or second.month is None:
        return False
    if first.month != second.month or (first.day is None) != (second.day is None):
        return False
    if first.day != second.day:
        return False
    return first.year is None or second.year is None or first.year == second.year


CONTENT_WORD = re.compile(r"[A-Za-z][A-Za-z-]+")
STOP = {"the", "a", "an", "of", "to", "in", "on", "and", "their", "his", "her", "its", "with", "for", "two", "those", "these", "this", "that", "were", "was", "be", "been"}


def words_of(summary: str) -> set[str]:
    return {w.lower().rstrip("s") for w in CONTENT_WORD.findall(summary) if w.lower() not in STOP}


def name_keys(names: Iterable[str]) -> set[str]:
    """``Vladimir Putin`` and ``Putin`` share the key ``putin``."""
    return {name.split()[-1].lower().removesuffix("'s") for name in names if name.strip()}


def same_event(a: dict[str, Any], b: dict[str, Any]) -> bool:
    if not dates_compatible(a["date"], b["date"]):
        return False
    if a["date_end"] and b["date_end"] and not dates_compatible(a["date_end"], b["date_end"]):
        return False
    people_a, people_b = a["keys"], b["keys"]
    if people_a and people_b and not people_a & people_b:
        return False
    if a["kind"] == "say" or b["kind"] == "say":
        # Statements on one day are one only if the same speaker made them.
        return a["kind"] == b["kind"] and bool(people_a & people_b)
    if a["kind"] == b["kind"]:
        return True
    words_a, words_b = a["words"], b["words"]
    if not words_a or not words_b:
        return False
    return len(words_a & words_b) / min(len(words_a), len(words_b)) >= 0.5


def chronological_key(event: dict[str, Any]) -> tuple[Any, ...]:
    """Known years first in date order, then the year-unknown lane by month and day."""
    date = parse_value(event["date"]) or Partial()
    return (date.year is None, date.year or 0, date.month or 0, date.day or 0, event["summary"], event["mentions"][0]["article"], event["mentions"][0]["start"])


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


def mention_of(article: Article, event: dict[str, Any]) -> dict[str, Any]:
    """An article's event finding as ``group_mentions`` compares it."""
    names = [article.body[p["start"] : p["end"]] for p in event.get("participants") or []]
    return {
        **event,
        "article": article.id,
        "text": article.body[event["start"] : event["end"]],
        "names": names,
        "keys": name_keys(names),
        "words": words_of(event["summary"]),
    }


def group_mentions(mentions: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """Union mentions of one event; only mentions on the same month and day are compared."""
    parent = list(range(len(mentions)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    buckets: dict[tuple[int | None, int | None], list[int]] = {}
    for i, mention in enumerate(mentions):
        buckets.setdefault(day_of(mention), []).append(i)
    for members in buckets.values():
        for x, i in enumerate(members):
            for j in members[x + 1 :]:
                if find(i) != find(j) and same_event(mentions[i], mentions[j]):
                    parent[find(j)] = find(i)
    groups: dict[int, list[dict[str, Any]]] = {}
    for i, mention in enumerate(mentions):
        groups.setdefault(find(i), []).append(mention)
    return list(groups.values())


def day_of(mention: dict[str, Any]) -> tuple[int | None, int | None]:
    """(month, day): only mentions with the same one can be one event (``dates_compatible``)."""
    date = parse_value(mention["date"]) or Partial()
    return date.month, date.day


def event_of(group: list[dict[str, Any]], index: EntityIndex) -> dict[str, Any]:
    # The most precise date any report gives.
    dated = sorted(group, key=lambda m: (not re.match(r"^\d{4}", m["date"]), -len(m["date"])))
    # The first report that says enough: wire copy states the event plainly early on.
    best = next((m for m in group if len(m["words"]) >= 3), None) or max(group, key=lambda m: len(m["words"]))
    entity_ids = sorted({eid for m in group for name in m["names"] if (eid := index.lookup(name))}, key=id_order)
    return {
        "id": "",
        "date": dated[0]["date"],
        "date_end": next((m["date_end"] for m in dated if m["date_end"]), None),
        "summary": best["summary"],
        "entities": entity_ids,
        "mentions": [{"article": m["article"], "start": m["start"], "end": m["end"], "text": m["text"]} for m in group],
    }


def id_order(ident: str) -> tuple[str, int]:
    match = re.fullmatch(r"([a-z]+)(\d+)", ident)
    return (match.group(1), int(match.group(2))) if match else (ident, 0)


# ---------------------------------------------------------------------------
# Across the corpus, in blocks (``storyline.corpus.blocks``): no process holds every mention.


def blocked_timeline(run: BlockRun) -> dict[str, Any]:
    """The timeline stage over shards: ``times/`` per shard and ``events.jsonl``.

    Mentions are scattered by their (month, day): ``group_mentions`` only ever
    compares mentions within one such block, so each block is merged on its
    own, in the in-process mention order (scatter keeps shard order, then
    article and finding order). Each bucket's reducer writes its events sorted
    by ``(chronological_key, first mention's place)`` (the tie-break the
    in-process stable sort applies); the ids then come from one k-way merge of
    those sorted files. The driver holds only file paths and counts; the merge
    task holds one event per bucket.
    """
    buckets = run.scatter("timeline_mentions", _shard_timeline, run.path(OUTPUTS["times"]))
    sorted_files = run.gather(buckets, _merge_bucket_events, run.path(OUTPUTS["entities"]), run.path("timeline_events"))
    (events,) = run.each(_number_events, [sorted_files], run.path(OUTPUTS["events"]))
    times = sum(_line_count(path) for path in run.path(OUTPUTS["times"]).glob("*.jsonl"))
    return {"times": times, "events": events, "buckets": len(buckets)}


def _line_count(path: Path) -> int:
    with path.open(encoding="utf-8") as handle:
        return sum(1 for _ in handle)


def _shard_timeline(shard: ShardInfo, times_dir: Path) -> Iterator[tuple[Any, Any]]:
    """One shard: write its ``times`` rows; yield its event mentions keyed by (month, day).

    Both come from one read of the shard. Each row is ``(place, mention)``,
    ``place`` = (article number, finding index): the mention's position in
    the in-process list, to break ties between events as that order does.
    """
    articles = [record for record in read_shard(shard.folder) if isinstance(record, Article)]
    for local, article in enumerate(articles):
        article.id = shard.article_id(f"{shard.number:05d}:{local}")
    write_rows(times_dir / shard_file(shard), (time_row(a, t) for a in articles for t in a.findings.get("times") or []))
    for article in articles:
        number = article_order(article)[0]
        for n, event in enumerate(article.findings.get("events") or []):
            mention = mention_of(article, event)
            yield day_of(mention), ((number, n), mention)


def _merge_bucket_events(bucket: Path, entities_path: Path, out_dir: Path) -> Path:
    """One bucket: each (month, day) block merged into events, written sorted by their id order."""
    index = EntityIndex(list(read_rows(entities_path)))
    events = []
    for rows in read_bucket(bucket).values():
        place = {id(mention): where for where, mention in rows}  # groups hold these very dicts
        for group in group_mentions([mention for _, mention in rows]):
            event = event_of(group, index)
            events.append({"order": [*chronological_key(event), *place[id(group[0])]], "event": event})
    events.sort(key=lambda row: row["order"])
    path = out_dir / f"{bucket.name}.jsonl"
    write_rows(path, events)
    return path


def _number_events(sorted_files: list[Path], out: Path) -> int:
    """Ids v1.. in one pass over the buckets' sorted files (a k-way merge); returns the event count."""
    merged = heapq.merge(*(read_rows(path) for path in sorted_files), key=lambda row: row["order"])
    return write_rows(out, ({**row["event"], "id": f"v{number}"} for number, row in enumerate(merged, 1)))
