"""Events: dated happenings in each article, merged into one timeline.

Per article (stage ``events``, after ``times``): every dated time expression
that a clause hangs on becomes an event mention. The parse says which word
the date modifies: a verb (``Tillerson visited Russia on April 12``, ``the
plans were canceled on Oct. 21``) or an event noun (``Thursday's phone
call``). The mention keeps the clause's span, the trigger, the date (and
``date_end`` for ranges), a short summary built from the clause's subject,
verb and object, and the named participants as spans.

Across the corpus (stage ``timeline``): mentions whose dates are compatible,
whose participants overlap and whose wording is alike are one event, however
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

from storyline.blocks import OUTPUTS, BlockRun, ShardInfo, read_bucket, read_rows, shard_file, write_rows
from storyline.parse import doc_of
from storyline.parts import read_shard
from storyline.pipeline import Options, register_stage
from storyline.language import analysed
from storyline.records import Article, Corpus
from storyline.times import Partial, calendar_date, parse_value

EVENT_NOUNS = {
    "call", "meeting", "summit", "visit", "talk", "talks", "trip", "conversation", "conference",
    "election", "vote", "attack", "strike", "cancellation", "statement", "speech", "interview",
    "negotiation", "negotiations", "ceremony", "signing", "referendum", "session", "rally",
    "protest", "ceasefire", "agreement", "deal", "treaty", "announcement", "decision", "ruling",
    "hearing", "trial", "launch", "operation", "parade", "forum", "visit", "tour", "inauguration",
    "briefing", "address", "meet", "exercise", "bombing", "explosion", "shooting", "raid",
    "offensive", "invasion", "withdrawal", "resignation", "arrest", "verdict", "release",
}  # fmt: skip
# Verbs that state a condition, not something that happens on a day.
STATIVE = {"be", "have", "remain", "seem", "appear", "know", "believe", "think", "want", "need",
           "depend", "include", "mean", "cost", "own", "stay", "continue", "exist", "hope", "like"}  # fmt: skip
# Verbs whose object names the event: ``held a phone call``, ``took part``.
LIGHT = {"hold", "have", "make", "take", "conduct", "give", "pay", "stage", "host", "attend", "schedule", "plan"}
# Trigger words that report one kind of happening, so that ``met`` and
# ``summit`` or ``canceled`` and ``cancellation`` can be recognised as one.
KINDS = {
    "meet": "meet", "meeting": "meet", "summit": "meet", "talks": "meet", "talk": "meet",
    "negotiation": "meet", "negotiations": "meet", "conference": "meet", "forum": "meet",
    "call": "call", "phone": "call", "conversation": "call", "telephone": "call", "speak": "call",
    "cancel": "cancel", "cancellation": "cancel", "scrap": "cancel", "postpone": "cancel",
    "visit": "visit", "trip": "visit", "travel": "visit", "tour": "visit", "arrive": "visit",
    "say": "say", "tell": "say", "state": "say", "note": "say", "stress": "say", "announce": "say",
    "statement": "say", "declare": "say", "add": "say", "write": "say", "claim": "say",
}  # fmt: skip
PARTICIPANT_LABELS = {"PERSON", "ORG", "GPE"}
RELATIVE_PRONOUNS = {"which", "that", "who", "whom"}


# ---------------------------------------------------------------------------
# Per article


def is_dated(time: dict[str, Any]) -> bool:
    """A time expression that puts something on the calendar."""
    return time["type"] in {"date", "time"} and calendar_date(time.get("value")) is not None


def trigger_of(span: Any) -> Any:
    """The verb or event noun a dated span modifies, or None."""
    token = span.root
    for _ in range(5):
        if token.head.i == token.i:
            break
        token = token.head
        if span.start <= token.i < span.end:
            continue
        if token.pos_ in {"NOUN", "PROPN"}:
            if token.lemma_.lower() in EVENT_NOUNS or token.lower_ in EVENT_NOUNS:
                return token
            if token.dep_ not in {"pobj", "compound"}:
                return None
        if token.pos_ in {"VERB", "AUX"}:
            if token.dep_ == "acl" and token.head.pos_ in {"NOUN", "PROPN"}:
                return token.head  # ``his trip to Riyadh, scheduled for May 13``: the trip
            return token
    return None


def clause_verb(token: Any) -> Any:
    while token.pos_ not in {"VERB", "AUX"} and token.head.i != token.i:
        token = token.head
    return token if token.pos_ in {"VERB", "AUX"} else None


def subject_of(verb: Any) -> Any:
    """The subject of ``verb``, through ``xcomp`` chains and relative pronouns."""
    current = verb
    for _ in range(4):
        subject = next((c for c in current.children if c.dep_ in {"nsubj", "nsubjpass"}), None)
        if subject is not None:
            if subject.lower_ in RELATIVE_PRONOUNS and current.dep_ == "relcl":
                return current.head
            return subject
        if current.dep_ == "relcl":
            return current.head
        if current.dep_ not in {"xcomp", "conj", "advcl"} or current.head.i == current.i:
            return None
        current = current.head
    return None


NAME_PARTS = {"compound", "amod", "nummod", "flat"}


def phrase(token: Any, skip: set[int], limit: int = 6) -> list[Any]:
    """A short name for ``token`` (``Valdoran President Mira Kessel``), with ``and`` its conjuncts."""
    words = [t for t in token.lefts if t.dep_ in NAME_PARTS and t.i not in skip and token.i - t.i <= limit] + [token]
    for conj in (c for c in token.children if c.dep_ == "conj"):
        words += [next((c for c in token.children if c.dep_ == "cc"), None)]
        words += [t for t in conj.lefts if t.dep_ in NAME_PARTS and t.i not in skip] + [conj]
    return [t for t in words if t is not None]


def summary_of(trigger: Any, skip: set[int]) -> str:
    if trigger.pos_ in {"NOUN", "PROPN"}:
        # ``a phone call between A and B``; with its verb only when it is the object
        # (``Trump described Thursday's phone call``).
        words = [t for t in trigger.subtree if t.i not in skip and t.dep_ not in {"det", "punct", "case", "poss"} or t.i == trigger.i]
        words = [t for t in words if t.i <= trigger.i or (t.i - trigger.i <= 10 and t.dep_ not in {"relcl", "acl"} and t.head.dep_ not in {"relcl", "acl"})]
        if trigger.dep_ == "dobj" and (subject := subject_of(trigger.head)) is not None:
            words = phrase(subject, skip, 3) + [trigger.head] + words
        return tidy(words)
    words: list[Any] = []
    if (subject := subject_of(trigger)) is not None:
        words += phrase(subject, skip, 6)
    words += [c for c in trigger.children if c.dep_ in {"auxpass", "neg"}] + [trigger]
    words += [c for c in trigger.children if c.dep_ == "prt"]
    obj = next((c for c in trigger.children if c.dep_ in {"dobj", "attr", "dative"}), None)
    if obj is not None:
        words += phrase(obj, skip, 4)
    return tidy(words)


def tidy(words: list[Any]) -> str:
    unique = sorted({t.i: t for t in words}.values(), key=lambda t: t.i)
    return " ".join(t.text for t in unique).strip()


def participants_of(trigger: Any, doc: Any, statement_spans: list[tuple[int, int]]) -> list[dict[str, int]]:
    """Named people, organisations and places in the trigger's clause (not in quoted content)."""
    verb = trigger if trigger.pos_ in {"VERB", "AUX"} else clause_verb(trigger)
    root = verb if verb is not None else trigger
    inside = {t.i for t in root.subtree}
    for child in root.children:
        if child.dep_ in {"ccomp", "parataxis", "advcl"} and child.i != trigger.i:
            inside -= {t.i for t in child.subtree}
    subject = subject_of(root) if root.pos_ in {"VERB", "AUX"} else None
    if subject is not None:
        inside |= {t.i for t in subject.subtree}
    found = []
    for ent in doc.ents:
        if ent.label_ not in PARTICIPANT_LABELS or ent.root.i not in inside:
            continue
        if any(start <= ent.start_char < end for start, end in statement_spans):
            continue
        found.append({"start": ent.start_char, "end": ent.end_char})
    return found


def find_events(doc: Any, times: list[dict[str, Any]], statements: list[dict[str, Any]] | None = None) -> list[dict[str, Any]]:
    """Event mentions of one article: each dated expression with the clause it dates."""
    # Dates inside a direct quote belong to the speaker's story, not the article's.
    statement_spans = [(s["start"], s["end"]) for s in statements or [] if s.get("kind") == "direct"]
    time_tokens: set[int] = set()
    spans = []
    for time in times:
        span = doc.char_span(time["start"], time["end"], alignment_mode="expand")
        if span is not None:
            time_tokens |= {t.i for t in span}
            # ``on Friday``: the preposition belongs to the date, not the summary.
            time_tokens |= {span.root.head.i} if span.root.head.dep_ == "prep" else set()
            spans.append((time, span))
    events = []
    for time, span in spans:
        if not is_dated(time):
            continue
        if any(start <= time["start"] < end for start, end in statement_spans):
            continue  # a date inside quoted content belongs to the speaker's story
        trigger = trigger_of(span)
        if trigger is None or trigger.lemma_.lower() in STATIVE and trigger.pos_ != "NOUN":
            continue
        clause = clause_span(trigger, span)
        events.append(
            {
                "start": clause[0],
                "end": clause[1],
                "trigger": trigger.lemma_.lower(),
                "trigger_start": trigger.idx,
                "trigger_end": trigger.idx + len(trigger.text),
                "kind": kind_of(trigger),
                "date": calendar_date(time["value"]),
                "date_end": time.get("value_end"),
                "summary": summary_of(trigger, time_tokens),
                "participants": participants_of(trigger, doc, statement_spans),
            }
        )
    return events


def clause_span(trigger: Any, time_span: Any) -> tuple[int, int]:
    """Characters of the clause: the trigger's verb, its subject and dependents, within the sentence."""
    verb = trigger if trigger.pos_ in {"VERB", "AUX"} else clause_verb(trigger) or trigger
    tokens = [t for t in verb.subtree if t.sent == verb.sent] + list(time_span)
    if verb.pos_ in {"VERB", "AUX"} and (subject := subject_of(verb)) is not None and subject.sent == verb.sent:
        tokens += list(subject.subtree) if subject.i < verb.i else [subject]
    tokens = [t for t in tokens if not (t.is_space or t.is_punct and t.text not in {'"', "”", "“", ")"})]
    start = min(t.idx for t in tokens)
    last = max(tokens, key=lambda t: t.idx)
    return start, last.idx + len(last.text)


def kind_of(trigger: Any) -> str:
    lemma = trigger.lemma_.lower()
    if lemma in LIGHT:
        objects = [c for c in trigger.children if c.dep_ in {"dobj", "nsubjpass"}]
        subject = subject_of(trigger)
        for word in objects + ([subject] if subject is not None else []):
            for candidate in (word.lemma_.lower(), word.lower_, *(c.lower_ for c in word.children if c.dep_ == "compound")):
                if candidate in KINDS:
                    return KINDS[candidate]
    if lemma in KINDS:
        return KINDS[lemma]
    if trigger.pos_ in {"NOUN", "PROPN"}:
        for child in trigger.children:
            if child.dep_ == "compound" and child.lower_ in KINDS:
                return KINDS[child.lower_]
    return lemma


@register_stage("events")
class Events:
    """Fill ``findings["events"]`` from the article's dated time expressions."""

    def __init__(self, options: Options) -> None:
        self.options = options

    def run(self, records: Iterable[Any]) -> Iterator[Any]:
        for record in records:
            if isinstance(record, Article) and analysed(record):  # English only (storyline.language)
                doc = doc_of(record)
                times = record.findings.get("times") or []
                record.findings["events"] = find_events(doc, times, record.findings.get("statements"))
            yield record


# ---------------------------------------------------------------------------
# Across the corpus


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


def merge_timeline(corpus: Corpus) -> None:
    """Fill ``corpus.times`` and ``corpus.events`` from the articles' findings."""
    articles = sorted(corpus.articles, key=article_order)
    corpus.times = [time_row(a, t) for a in articles for t in a.findings.get("times") or []]
    mentions = [mention_of(a, event) for a in articles for event in a.findings.get("events") or []]
    groups = group_mentions(mentions)
    index = EntityIndex(corpus.entities)
    events = [event_of(group, index) for group in groups]
    events.sort(key=chronological_key)
    for number, event in enumerate(events, 1):
        event["id"] = f"v{number}"
    corpus.events = events


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


@register_stage("timeline")
class Timeline:
    """Corpus stage: one timeline of events merged across articles."""

    def __init__(self, options: Options) -> None:
        self.options = options

    def run(self, records: Iterable[Any]) -> Iterator[Any]:
        for record in records:
            if isinstance(record, Corpus):
                merge_timeline(record)
            yield record


# ---------------------------------------------------------------------------
# Across the corpus, in blocks (``storyline.blocks``): no process holds every mention.


def blocked_timeline(run: BlockRun) -> dict[str, Any]:
    """``merge_timeline`` over a parts directory: ``times/`` per shard and ``events.jsonl``.

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
