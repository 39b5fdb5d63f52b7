"""Events: the happenings each article reports (the corpus merges them: ``storyline.corpus.timeline``).

An event is an occurrence: an arrest, an earthquake, a meeting held, a summit
cancelled, a phone call that took place. Speech acts (``said``, ``told``,
``stated``) are statements, found by the ``statements`` stage and kept apart
on the timeline; they are never events here, and neither are states (``be``,
``have``).

Triggers are verbs and event nouns, chosen token by token by a small logistic
model over what the parse says about the token: its part of speech, fine tag,
dependency label, its head's part of speech, whether it has a subject or an
object, its suffix (``-tion``, ``-ment``: event nouns are mostly deverbal) and
its lemma (``TriggerModel``). Its weights ship with the package
(``events_model.json``), learned by ``make train-events-model``
(``storyline.eval.train_events``) from the ECB+ tuning topics only. A lemma never
seen in training falls back on the other features.

The headline is read too (``title_events``): it often names the happening
the article is about (``5.9 Earthquake Jolts Iran``). A Title Case headline
is parsed with its common words lowered (``headline_text``), so the parser
sees a sentence, not one long name; its mentions carry ``"part": "title"``
and offsets into the title.

Each event mention carries:

- ``summary``: who did what (to whom), where, from the parse: the subject's
  name (a whole named entity, or its whole short noun phrase; a pronoun is
  resolved to the name it stands for, or left out), the predicate with its
  negation and particle, the object and a place (``in``/``at`` + a place
  name). Never a cut of the sentence or of a title.
- ``date``: from a time expression that hangs on the trigger (or on the light
  verb whose object it is: ``held talks over the weekend``), at the precision
  the ``times`` stage resolved (a weekend is its two days); else, for a
  past-tense verb in an article with a publication date, ``not_after`` = that
  date (it happened by then; no day is claimed); else undated. Nothing is invented.
- ``participants``: the named people, organisations and places taking part:
  the subject (a pronoun resolved), objects and prepositional objects of the
  trigger's own clause, for an event noun its own phrase and possessor
  (``his trip`` is the trip of whom ``his`` stands for); not the entities of
  other clauses of the sentence.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

import numpy as np

from storyline.article.incident import features_from_doc
from storyline.article.language import analysed
from storyline.article.parse import doc_of, load_nlp, parse_text
from storyline.article.speakers import entity_at
from storyline.article.time_values import calendar_date
from storyline.core.options import Options
from storyline.core.pipeline import register_stage
from storyline.core.records import Article

# Speech acts: statements, not events (the statements stage owns them).
SPEECH = frozenset({
    "say", "tell", "report", "announce", "state", "add", "claim", "confirm", "according", "note", "explain",
    "describe", "deny", "insist", "comment", "reply", "respond", "write", "quote", "declare", "stress",
    "accord", "indicate", "suggest", "mention", "reveal", "disclose", "inform", "ask",
    "emphasize", "emphasise", "recall", "acknowledge", "attribute", "reiterate", "urge", "assert", "argue",
    "admit", "predict", "praise", "criticize", "criticise", "thank", "statement", "remark", "comment",
})  # fmt: skip
# States, not happenings: the copula, possession and states of mind.
STATES = frozenset({"be", "have", "seem", "remain", "exist", "believe", "think", "know", "want", "hope", "need",
                    "expect", "feel", "wish", "understand", "like", "mean", "require", "depend", "include",
                    "involve", "contain", "appear"})
CANDIDATE_POS = frozenset({"VERB", "NOUN", "PROPN", "ADJ"})
PLACE_LABELS = frozenset({"GPE", "LOC", "FAC"})
PARTICIPANT_LABELS = frozenset({"PERSON", "ORG", "GPE", "LOC", "FAC", "NORP"})
NAME_LABELS = frozenset({"PERSON", "ORG", "GPE", "LOC", "FAC", "NORP", "EVENT", "PRODUCT"})
# Event nouns a date can hang on (``Thursday's phone call``) when the model has not marked them.
EVENT_NOUNS = frozenset({
    "call", "meeting", "summit", "visit", "talk", "talks", "trip", "conversation", "conference",
    "election", "vote", "attack", "strike", "cancellation", "interview", "negotiation", "negotiations",
    "ceremony", "signing", "referendum", "session", "rally", "protest", "ceasefire", "agreement", "deal",
    "treaty", "decision", "ruling", "hearing", "trial", "launch", "operation", "parade", "forum", "tour",
    "inauguration", "briefing", "exercise", "bombing", "explosion", "shooting", "raid", "offensive",
    "invasion", "withdrawal", "resignation", "arrest", "verdict", "release", "earthquake", "quake",
})  # fmt: skip
RELATIVE_PRONOUNS = frozenset({"which", "that", "who", "whom"})
PERSON_PRONOUNS = frozenset({"he", "she", "him", "her", "his", "hers", "they", "them", "their"})
THING_PRONOUNS = frozenset({"it", "its"})
CLAUSES = frozenset({"ccomp", "parataxis", "advcl", "relcl", "csubj", "acl"})


# --- the trigger model --------------------------------------------------------------


@dataclass(slots=True)
class TriggerModel:
    """A logistic model over token features: ``weights`` by feature name, ``bias``, and the
    probability at or above which a token is a trigger."""

    weights: dict[str, float]
    bias: float
    threshold: float = 0.5

    def probability(self, token: Any) -> float:
        z = self.bias + sum(self.weights.get(name, 0.0) * value for name, value in token_features(token).items())
        return 1.0 / (1.0 + math.exp(-z))

    def is_trigger(self, token: Any) -> bool:
        return is_candidate(token) and self.probability(token) >= self.threshold

    def as_json(self) -> dict[str, Any]:
        return {"bias": self.bias, "threshold": self.threshold, "weights": dict(sorted(self.weights.items()))}


MODEL_FILE = "events_model.json"


@lru_cache(maxsize=1)
def shipped_model() -> TriggerModel:
    """The trigger model that ships with the package (``make train-events-model`` writes it)."""
    data = json.loads(resources.files("storyline.article").joinpath(MODEL_FILE).read_text(encoding="utf-8"))
    return TriggerModel(dict(data["weights"]), float(data["bias"]), float(data["threshold"]))


def is_candidate(token: Any) -> bool:
    lemma = token.lemma_.lower()
    return (token.pos_ in CANDIDATE_POS and lemma not in SPEECH and lemma not in STATES
            and any(c.isalpha() for c in lemma))


def token_features(token: Any) -> dict[str, float]:
    """What the parse says about a token, as named indicator features."""
    lemma = token.lemma_.lower()
    children = {c.dep_ for c in token.children}
    found = {
        f"pos={token.pos_}": 1.0,
        f"tag={token.tag_}": 1.0,
        f"dep={token.dep_}": 1.0,
        f"head={token.head.pos_}": 1.0,
        f"pos_dep={token.pos_}|{token.dep_}": 1.0,
        f"suffix={token.pos_}|{lemma[-3:]}": 1.0,
        f"lemma={lemma}": 1.0,
        f"ent={token.ent_type_ or '-'}": 1.0,
    }
    if children & {"nsubj", "nsubjpass"}:
        found["has_subject"] = 1.0
    if children & {"dobj", "attr"}:
        found["has_object"] = 1.0
    if "prep" in children:
        found["has_prep"] = 1.0
    if token.is_title and token.i > token.sent.start:
        found["title_case"] = 1.0
    return found


def learn_trigger_model(tokens: Sequence[Any], labels: Sequence[bool], threshold: float = 0.5,
                        strength: float = 1.0) -> TriggerModel:
    """Fit the model on candidate tokens and whether each starts a gold happening (scikit-learn's
    logistic regression, L2, lbfgs: deterministic)."""
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.linear_model import LogisticRegression

    vectorizer = DictVectorizer()
    matrix = vectorizer.fit_transform([token_features(t) for t in tokens])
    model = LogisticRegression(C=strength, max_iter=2000, solver="lbfgs").fit(matrix, np.asarray(labels, dtype=int))
    names = vectorizer.get_feature_names_out()
    weights = {str(name): round(float(w), 6) for name, w in zip(names, model.coef_[0]) if abs(w) > 1e-6}
    return TriggerModel(weights, round(float(model.intercept_[0]), 6), threshold)


# --- the parse: subjects, names, pronouns -------------------------------------------


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
        if current.dep_ in {"relcl", "acl"}:
            return current.head  # ``the trip, scheduled for May``: the trip
        if current.dep_ not in {"xcomp", "conj", "advcl"} or current.head.i == current.i:
            return None
        current = current.head
    return None


def entity_of(token: Any) -> Any:
    """The named entity ``token`` lies in, or None."""
    ent = entity_at(token)
    return ent if ent is not None and ent.label_ in NAME_LABELS else None


def antecedent(pronoun: Any) -> Any:
    """The named entity a personal or possessive pronoun stands for, or None.

    First the subjects of the clauses the pronoun sits in, innermost first (``Trump said
    he may meet Putin after his trip``: ``his`` is ``he`` is ``Trump``); then the latest
    subject of the same or the previous sentence that is a name of the fitting kind."""
    person = pronoun.lower_ in PERSON_PRONOUNS
    # The small model often tags a person's surname ORG (``Trump``): a person pronoun takes either.
    fits = {"PERSON", "ORG"} if person else {"ORG", "GPE", "NORP", "FAC", "PRODUCT"}
    if pronoun.lower_ in {"they", "them", "their"}:
        fits = {"PERSON", "ORG", "GPE", "NORP"}
    token = pronoun
    for _ in range(8):
        if token.head.i == token.i:
            break
        token = token.head
        if token.pos_ in {"VERB", "AUX"}:
            subject = subject_of(token)
            if subject is not None and subject.i != pronoun.i and subject.pos_ != "PRON":
                ent = entity_of(subject)
                if ent is not None and ent.label_ in fits:
                    return ent
    sentences = [pronoun.sent]
    if pronoun.sent.start > 0:
        sentences.insert(0, pronoun.doc[pronoun.sent.start - 1].sent)
    subjects = [t for sent in sentences for t in sent if t.i < pronoun.i and t.dep_ in {"nsubj", "nsubjpass"}]
    for subject in reversed(subjects):
        ent = entity_of(subject)
        if ent is not None and ent.label_ in fits:
            return ent
    return None


def is_pronoun(token: Any) -> bool:
    return token.pos_ == "PRON" or token.lower_ in PERSON_PRONOUNS | THING_PRONOUNS


NAME_PARTS = frozenset({"compound", "amod", "nummod", "flat", "poss"})
MAX_PHRASE = 6


def name_phrase(token: Any) -> list[Any]:
    """A whole name for ``token``, never cut: the named entity it lies in (``Yuri Ushakov``),
    else its noun phrase of name-like left modifiers when short (``border guards``), else the
    word alone. A pronoun is its antecedent's name, or nothing."""
    if is_pronoun(token):
        ent = antecedent(token) if token.lower_ not in RELATIVE_PRONOUNS else None
        return list(ent) if ent is not None else []
    ent = entity_of(token)
    if ent is not None and ent.root.i == token.i:
        return list(ent)
    if token.pos_ == "PROPN" and token.is_title:  # a name: its own words only (``aide Yuri Ushakov`` is ``Yuri Ushakov``)
        start = token.i
        while start > token.sent.start and token.doc[start - 1].pos_ == "PROPN" and token.doc[start - 1].head.i in range(start, token.i + 1):
            start -= 1
        return list(token.doc[start : token.i + 1])
    named = next((c for c in token.children if c.dep_ == "appos" and entity_of(c) is not None), None)
    if named is not None:  # ``his Russian counterpart Vladimir Putin``: the name
        return list(entity_of(named))
    words = [token]
    for left in token.lefts:
        if left.dep_ in NAME_PARTS or left.dep_ == "det" and left.lower_ in {"the", "no"}:  # "no" keeps the negation
            words.extend(t for t in left.subtree if not t.is_punct and t.dep_ != "case")
    # ``the secretary of state``: a title ends after its ``of`` phrase, not before it.
    of = next((c for c in token.rights if c.dep_ == "prep" and c.lower_ == "of"), None)
    if of is not None and len(tail := [t for t in of.subtree if not t.is_punct]) <= 3:
        words += tail
    if len(words) > MAX_PHRASE:
        return [token]
    return sorted({t.i: t for t in words}.values(), key=lambda t: t.i)


def place_of(token: Any) -> list[Any]:
    """``in Paris``: a preposition of place whose object is a place name."""
    for prep in token.children:
        if prep.dep_ == "prep" and prep.lower_ in {"in", "at", "near", "off", "outside"}:
            for obj in prep.children:
                if obj.dep_ == "pobj" and obj.ent_type_ in PLACE_LABELS:
                    return [prep] + name_phrase(obj)
    return []


def summary_of(trigger: Any) -> str:
    """Who did what (to whom), where: whole names from the parse, in text order."""
    words: list[Any] = []
    resolved: list[Any] = []  # a pronoun's antecedent: named first, wherever it stands in the text
    if trigger.pos_ in {"VERB", "AUX"}:
        subject = subject_of(trigger)
        if subject is not None:
            (resolved if is_pronoun(subject) else words).extend(name_phrase(subject))
        words += [c for c in trigger.children if c.dep_ in {"aux", "auxpass", "neg"} and c.i < trigger.i]
        words += [trigger] + [c for c in trigger.children if c.dep_ == "prt"]
        obj = next((c for c in trigger.children if c.dep_ in {"dobj", "attr"}), None)
        if obj is not None and not is_pronoun(obj):
            words += name_phrase(obj)
        else:
            with_ = next((c for c in trigger.children if c.dep_ == "prep" and c.lower_ in {"with", "against"}), None)
            partner = next((c for c in with_.children if c.dep_ == "pobj"), None) if with_ is not None else None
            if partner is not None and (phrase := name_phrase(partner)):
                words += [with_] + phrase
        words += place_of(trigger)
    else:
        words += [t for t in name_phrase(trigger) if not (t.dep_ == "poss" and is_pronoun(t))]
        of = next((c for c in trigger.children if c.dep_ == "prep" and c.lower_ in {"of", "by", "on", "against", "to", "with"}), None)
        if of is not None:
            obj = next((c for c in of.children if c.dep_ == "pobj"), None)
            if obj is not None and not is_pronoun(obj):
                words += [of] + name_phrase(obj)
        words += place_of(trigger)
        if trigger.dep_ in {"dobj", "nsubjpass"} and trigger.head.pos_ == "VERB":
            subject = subject_of(trigger.head)
            if subject is not None:
                (resolved if is_pronoun(subject) else words).extend(name_phrase(subject))
            words += [c for c in trigger.head.children if c.dep_ in {"aux", "auxpass", "neg"} and c.i < trigger.head.i]
            words.append(trigger.head)
        else:
            possessor = next((c for c in trigger.children if c.dep_ == "poss" and is_pronoun(c)), None)
            if possessor is not None and (owner := name_phrase(possessor)):
                ordered = sorted({t.i: t for t in words}.values(), key=lambda t: t.i)
                return " ".join([" ".join(t.text for t in owner) + "'s"] + [t.text for t in ordered]).strip()
    ordered = sorted({t.i: t for t in words}.values(), key=lambda t: t.i)
    names = sorted({t.i: t for t in resolved if t.i not in {w.i for w in ordered}}.values(), key=lambda t: t.i)
    return " ".join(t.text for t in names + ordered).strip()


def participants(trigger: Any, others: dict[int, Any] | None = None) -> list[dict[str, Any]]:
    """The named entities taking part, as character spans (a pronoun as its antecedent's span).
    The phrase of another happening inside the clause is that one's (``meet after his trip to
    Riyadh``: Riyadh is the trip's), so ``others`` (the article's other triggers by token index)
    are left out."""
    others = others or {}
    if trigger.pos_ in {"VERB", "AUX"}:
        inside = {t.i for t in trigger.subtree}
        for child in trigger.children:
            if child.dep_ in CLAUSES | {"xcomp", "conj"}:
                inside -= {t.i for t in child.subtree}
        heads = [subject_of(trigger)]
    else:
        inside = {t.i for t in trigger.subtree}
        for child in trigger.children:
            if child.dep_ in CLAUSES:
                inside -= {t.i for t in child.subtree}
        heads = [subject_of(trigger.head)] if trigger.dep_ in {"dobj", "nsubjpass"} and trigger.head.pos_ == "VERB" else []
    # Only the triggers inside, in text order: a loop over all of them made a long article quadratic.
    for other in [others[i] for i in sorted(inside & others.keys())]:
        if other.i != trigger.i and other.i in inside and other.pos_ in {"NOUN", "PROPN"}:
            inside -= {t.i for t in other.subtree}
    heads += [trigger.doc[i] for i in sorted(inside) if is_pronoun(trigger.doc[i]) and trigger.doc[i].dep_ in {"poss", "nsubj", "nsubjpass", "dobj", "pobj"}]
    found: dict[tuple[int, int], str] = {}
    for i in sorted(inside):  # an entity whose root is inside has a token inside: only those are looked at
        ent = entity_at(trigger.doc[i])
        if ent is not None and ent.label_ in PARTICIPANT_LABELS and ent.root.i in inside and ent.root.i != trigger.i:
            found[(ent.start_char, ent.end_char)] = ent.label_
    for head in heads:
        if head is None:
            continue
        ent = antecedent(head) if is_pronoun(head) else entity_of(head)
        if ent is not None and ent.label_ in PARTICIPANT_LABELS:
            found[(ent.start_char, ent.end_char)] = ent.label_
    return [{"start": s, "end": e, "label": label} for (s, e), label in sorted(found.items())]


# --- dates --------------------------------------------------------------------------


def is_dated(time: dict[str, Any]) -> bool:
    """A time expression that puts something on the calendar."""
    return time["type"] in {"date", "time"} and calendar_date(time.get("value")) is not None


def date_range(time: dict[str, Any]) -> tuple[str | None, str | None]:
    """A time's (date, date_end) at the precision it states: a week's weekend is its Saturday
    and Sunday (``2025-W18-WE`` -> 3 and 4 May 2025); a range keeps its end."""
    from datetime import date
    import re

    value = str(time.get("value") or "").split("T")[0]
    if weekend := re.fullmatch(r"(\d{4})-W(\d\d)-WE", value):
        year, week = int(weekend.group(1)), int(weekend.group(2))
        return date.fromisocalendar(year, week, 6).isoformat(), date.fromisocalendar(year, week, 7).isoformat()
    return calendar_date(time.get("value")), calendar_date(time.get("value_end")) if time.get("value_end") else None


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


def own_dates(doc: Any, times: Iterable[dict[str, Any]]) -> dict[int, tuple[str | None, str | None]]:
    """Token index -> the (date, date_end) of the time expression that modifies it."""
    dates: dict[int, tuple[str | None, str | None]] = {}
    for time in times:
        if not is_dated(time) and not str(time.get("value") or "").endswith("-WE"):
            continue
        span = doc.char_span(time["start"], time["end"], alignment_mode="expand")
        trigger = trigger_of(span) if span is not None else None
        if trigger is not None:
            dates.setdefault(trigger.i, date_range(time))
    return dates


def date_of(token: Any, dates: dict[int, tuple[str | None, str | None]]) -> tuple[str | None, str | None]:
    """A trigger's own date; else that of the verb it is the object of (``held talks over the
    weekend``), or of its event-noun object (``met on Friday for talks`` dates ``met``)."""
    if token.i in dates:
        return dates[token.i]
    if token.dep_ in {"dobj", "nsubjpass"} and token.head.i in dates:
        return dates[token.head.i]
    for child in token.children:
        if child.dep_ in {"dobj", "nsubjpass"} and child.i in dates:
            return dates[child.i]
    return None, None


# --- per article --------------------------------------------------------------------


def find_events(doc: Any, model: TriggerModel | None = None, times: Iterable[dict[str, Any]] = (),
                published: str | None = None) -> list[dict[str, Any]]:
    """The event mentions of one parsed article, in text order."""
    model = model or shipped_model()
    dates = own_dates(doc, times)
    triggers = [t for t in doc if model.is_trigger(t) or is_dated_event_noun(t, dates)]
    chosen = {t.i for t in triggers}
    # ``his trip, scheduled for May 13``: the trip is the happening, its ``scheduled`` is not another.
    triggers = [t for t in triggers if not (t.dep_ == "acl" and t.head.i in chosen)]
    found = []
    by_index = {t.i: t for t in triggers}
    for token in triggers:
        date, date_end = date_of(token, dates)
        start, end = clause_span(token)
        event = {
            "start": start,
            "end": end,
            "trigger": token.lemma_.lower(),
            "trigger_start": token.idx,
            "trigger_end": token.idx + len(token.text),
            "kind": token.lemma_.lower(),
            "date": date,
            "date_end": date_end,
            "summary": summary_of(token),
            "participants": participants(token, by_index),
        }
        if date is None and published and token.tag_ == "VBD" and calendar_date(published):
            event["not_after"] = calendar_date(published)  # a past-tense report: it happened by the article's date
        found.append(event)
    return found


def is_dated_event_noun(token: Any, dates: dict[int, tuple[str | None, str | None]]) -> bool:
    """An event noun a time expression dates (``his trip, scheduled for May 13-16``) is a happening."""
    return token.i in dates and token.pos_ == "NOUN" and token.lemma_.lower() in EVENT_NOUNS and is_candidate(token)


def clause_span(trigger: Any) -> tuple[int, int]:
    """Characters of the trigger's own clause (its subtree without clauses of their own), within the sentence."""
    verb = trigger if trigger.pos_ in {"VERB", "AUX"} else trigger
    inside = {t.i for t in verb.subtree if t.sent == verb.sent}
    for child in verb.children:
        if child.dep_ in CLAUSES:
            inside -= {t.i for t in child.subtree}
    if verb.pos_ in {"VERB", "AUX"} and (subject := subject_of(verb)) is not None and subject.sent == verb.sent:
        inside |= {t.i for t in subject.subtree} if subject.i < verb.i else {subject.i}
    tokens = [verb.doc[i] for i in sorted(inside)]
    tokens = [t for t in tokens if not (t.is_space or t.is_punct)] or [trigger]
    # One piece of text: from the first to the last token kept, nothing of another sentence.
    start, last = tokens[0], tokens[-1]
    return start.idx, last.idx + len(last.text)


# --- the headline ---------------------------------------------------------------------

TITLE = "title"  # an event found in the article's title has ``"part": "title"``; its offsets are the title's
WORD = re.compile(r"[A-Z][a-z]+(?:['\u2019-][A-Za-z]+)*")


def headline_text(title: str, body: str) -> str:
    """A Title Case headline with its common words lowered, so the parser reads ``Earthquake Jolts
    Iran`` as a sentence (``earthquake jolts Iran``) and not as one long name; same length, so its
    offsets are the title's. A word keeps its capital when the body writes it capitalised and never
    in lower case (a name: ``Iran``); a headline in sentence case is left as it is."""
    words = list(WORD.finditer(title))
    alphabetic = re.findall(r"[A-Za-z]+", title)
    if len(alphabetic) < 3 or len(words) < 0.6 * len(alphabetic):
        return title
    lower = {w for w in re.findall(r"[a-z][a-z'-]*", body)}
    capital = {w.lower() for w in WORD.findall(body)}
    chars = list(title)
    for match in words:
        word = match.group().lower()
        if word in lower or word not in capital:
            chars[match.start()] = chars[match.start()].lower()
            chars[match.start() + 1 : match.end()] = list(match.group()[1:].lower())
    return "".join(chars)


def title_events(title: str | None, body: str, model: TriggerModel, published: str | None = None,
                 nlp: Any = None) -> list[dict[str, Any]]:
    """The happenings the headline reports (``5.9 Earthquake Jolts Iran``), from a parse of the
    headline: undated (the ``times`` stage reads the body), offsets into the title."""
    if not title or not title.strip():
        return []
    doc = parse_text(nlp or load_nlp(), headline_text(title, body))
    found = find_events(doc, model, (), published)
    for event in found:
        event["summary"] = restore_case(event["summary"], title, doc)
        event["part"] = TITLE
    return found


def restore_case(summary: str, title: str, doc: Any) -> str:
    """The summary's words as the title writes them (the parse saw some of them lowered)."""
    cased = {t.text: title[t.idx : t.idx + len(t.text)] for t in doc}
    return " ".join(cased.get(word, word) for word in summary.split())


def article_events(doc: Any, title: str | None, body: str, model: TriggerModel, times: Iterable[dict[str, Any]] = (),
                   published: str | None = None, nlp: Any = None) -> list[dict[str, Any]]:
    """An article's happenings: its headline's, then its body's."""
    return title_events(title, body, model, published, nlp) + find_events(doc, model, times, published)


@register_stage("events")
class Events:
    """Fill ``findings["events"]`` (happenings) and ``findings["incident"]`` (what the article
    is about, for the ``stories`` stage) from the parse."""

    def __init__(self, options: Options) -> None:
        self.options = options

    def run(self, records: Iterable[Any]) -> Iterator[Any]:
        for record in records:
            if isinstance(record, Article) and analysed(record):  # English only (storyline.article.language)
                doc = doc_of(record)
                times = record.findings.get("times") or []
                record.findings["events"] = article_events(doc, record.title, record.body, shipped_model(), times,
                                                           record.published)
                record.findings["incident"] = [features_from_doc(doc, record.title, times).as_finding()]
            yield record
