"""Events: dated happenings in each article (the corpus merges them: ``storyline.corpus.timeline``).

Per article (stage ``events``, after ``times``): every dated time expression
that a clause hangs on becomes an event mention. The parse says which word
the date modifies: a verb (``Tillerson visited Russia on April 12``, ``the
plans were canceled on Oct. 21``) or an event noun (``Thursday's phone
call``). The mention keeps the clause's span, the trigger, the date (and
``date_end`` for ranges), a short summary built from the clause's subject,
verb and object, and the named participants as spans.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from storyline.article.parse import doc_of
from storyline.article.time_values import calendar_date
from storyline.core.options import Options
from storyline.core.pipeline import register_stage
from storyline.core.records import Article
from storyline.article.language import analysed

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
            if isinstance(record, Article) and analysed(record):  # English only (storyline.article.language)
                doc = doc_of(record)
                times = record.findings.get("times") or []
                record.findings["events"] = find_events(doc, times, record.findings.get("statements"))
            yield record
