"""Prototype: events as happenings, found in the parse, with a summary and an honest date.

An event is something that happened or is to happen: an arrest, an
earthquake, a meeting held, a summit cancelled. Speech acts (``said``,
``told``, ``announced``) are statements and are not events here.

Triggers are verbs and event nouns, chosen token by token by a small
logistic model over what the parse says about the token: its part of
speech, fine tag, dependency label, its head's part of speech, whether it
has a subject or an object, its suffix (``-tion``, ``-ment``, ``-ing``: event
nouns are mostly deverbal) and its lemma. The model is learned from labelled
mentions (the evaluation learns it from the ECB+ tuning half only; its
weights are plain numbers, so a stage can ship them as a small JSON file).
A lemma never seen in training falls back on the other features.

Each happening carries:

- ``summary``: who did what (to whom), where, built from the parse: the
  subject's name phrase, the predicate (with its negation and particle), the
  object's name phrase and a place (``in``/``at`` + a place name). Never a
  cut of the sentence.
- ``date``: from a time expression that hangs on the trigger
  (``events.trigger_of``), at the precision the times stage resolved; else,
  for a past-tense verb in an article with a publication date,
  ``not_after`` = that date (it happened by then; no day is claimed); else
  undated. Nothing is invented.
- ``participants``: named people, organisations and places of its clause.

Across articles, :func:`chain_happenings` links mentions of one happening:
only within one story (the blocking that keeps it sub-quadratic), with the
same lemma or lemmas whose sentence vectors are close, and never when both
have dates that disagree.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

# Speech acts: statements, not events (the statements stage owns them).
SPEECH = frozenset({
    "say", "tell", "report", "announce", "state", "add", "claim", "confirm", "according", "note", "explain",
    "describe", "deny", "insist", "comment", "reply", "respond", "write", "quote", "declare", "stress",
    "accord", "indicate", "suggest", "mention", "reveal", "disclose", "inform", "ask",
    "emphasize", "emphasise", "recall", "acknowledge", "attribute", "reiterate", "urge", "assert", "argue",
    "admit", "predict", "praise", "criticize", "criticise", "thank",
})  # fmt: skip
# States, not happenings: the copula and possession.
STATES = frozenset({"be", "have", "seem", "remain", "exist"})
CANDIDATE_POS = frozenset({"VERB", "NOUN", "PROPN", "ADJ"})
PLACE_LABELS = frozenset({"GPE", "LOC", "FAC"})
PARTICIPANT_LABELS = frozenset({"PERSON", "ORG", "GPE", "LOC", "FAC", "NORP"})


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
    logistic regression, L2, fixed solver: deterministic)."""
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.linear_model import LogisticRegression

    vectorizer = DictVectorizer()
    matrix = vectorizer.fit_transform([token_features(t) for t in tokens])
    model = LogisticRegression(C=strength, max_iter=2000, solver="lbfgs").fit(matrix, np.asarray(labels, dtype=int))
    names = vectorizer.get_feature_names_out()
    weights = {str(name): float(w) for name, w in zip(names, model.coef_[0]) if abs(w) > 1e-9}
    return TriggerModel(weights, float(model.intercept_[0]), threshold)


# --- per article ------------------------------------------------------------------


def find_happenings(doc: Any, model: TriggerModel, times: Iterable[dict[str, Any]] = (),
                    published: str | None = None) -> list[dict[str, Any]]:
    """The happenings of one parsed article, in text order."""
    dates = own_dates(doc, times)
    found = []
    for token in doc:
        if not model.is_trigger(token):
            continue
        date, date_end = dates.get(token.i, (None, None))
        happening = {
            "trigger_start": token.idx,
            "trigger_end": token.idx + len(token.text),
            "lemma": token.lemma_.lower(),
            "pos": token.pos_,
            "summary": summary_of(token),
            "date": date,
            "date_end": date_end,
            "participants": participants(token, doc),
        }
        if date is None and published and token.tag_ == "VBD":
            happening["not_after"] = published  # a past-tense report: it happened by the article's date
        found.append(happening)
    return found


def own_dates(doc: Any, times: Iterable[dict[str, Any]]) -> dict[int, tuple[str | None, str | None]]:
    """Token index of a trigger -> the date of the time expression that modifies it."""
    from storyline.article.events import is_dated, trigger_of
    from storyline.article.time_values import calendar_date

    dates: dict[int, tuple[str | None, str | None]] = {}
    for time in times:
        if not is_dated(time):
            continue
        span = doc.char_span(time["start"], time["end"], alignment_mode="expand")
        trigger = trigger_of(span) if span is not None else None
        if trigger is not None:
            dates.setdefault(trigger.i, (calendar_date(time["value"]), time.get("value_end")))
    return dates


NAME_PARTS = frozenset({"compound", "amod", "nummod", "flat", "poss"})


def name_phrase(token: Any, limit: int = 4) -> list[Any]:
    """``Valdoran President Mira Kessel``: the head and its name-like left modifiers."""
    lefts = [t for t in token.lefts if t.dep_ in NAME_PARTS and token.i - t.i <= limit]
    words = []
    for left in lefts:
        words.extend(t for t in left.subtree if t.dep_ != "case" and not t.is_punct)
    return sorted({t.i: t for t in words + [token]}.values(), key=lambda t: t.i)


def place_of(token: Any) -> list[Any]:
    """``in Paris``: a preposition of place whose object is a place name."""
    for prep in token.children:
        if prep.dep_ == "prep" and prep.lower_ in {"in", "at", "near", "off", "outside"}:
            for obj in prep.children:
                if obj.dep_ == "pobj" and obj.ent_type_ in PLACE_LABELS:
                    return [prep] + name_phrase(obj)
    return []


def summary_of(trigger: Any) -> str:
    """Who did what (to whom), where: whole name phrases from the parse, in text order."""
    from storyline.article.events import subject_of

    words: list[Any] = []
    if trigger.pos_ == "VERB":
        subject = subject_of(trigger)
        if subject is not None:
            words += name_phrase(subject)
        words += [c for c in trigger.children if c.dep_ in {"aux", "auxpass", "neg"} and c.i < trigger.i]
        words += [trigger] + [c for c in trigger.children if c.dep_ == "prt"]
        obj = next((c for c in trigger.children if c.dep_ in {"dobj", "attr"}), None)
        if obj is not None:
            words += name_phrase(obj)
        words += place_of(trigger)
    else:
        words += name_phrase(trigger)
        of = next((c for c in trigger.children if c.dep_ == "prep" and c.lower_ in {"of", "by", "on", "against"}), None)
        if of is not None:
            obj = next((c for c in of.children if c.dep_ == "pobj"), None)
            if obj is not None:
                words += [of] + name_phrase(obj)
        words += place_of(trigger)
        if trigger.dep_ == "dobj" and (subject := subject_of(trigger.head)) is not None:
            words = name_phrase(subject) + [trigger.head] + words
    unique = sorted({t.i: t for t in words}.values(), key=lambda t: t.i)
    return " ".join(t.text for t in unique)


def participants(trigger: Any, doc: Any) -> list[dict[str, Any]]:
    """Named entities whose root lies in the trigger's clause (its verb's subtree, minus
    clauses of their own), as character spans."""
    from storyline.article.events import clause_verb, subject_of

    verb = trigger if trigger.pos_ == "VERB" else clause_verb(trigger) or trigger
    inside = {t.i for t in verb.subtree}
    for child in verb.children:
        if child.dep_ in {"ccomp", "parataxis", "advcl", "relcl"} and child.i != trigger.i:
            inside -= {t.i for t in child.subtree}
    subject = subject_of(verb) if verb.pos_ == "VERB" else None
    if subject is not None:
        inside |= {t.i for t in subject.subtree}
    return [{"start": e.start_char, "end": e.end_char, "label": e.label_} for e in doc.ents
            if e.label_ in PARTICIPANT_LABELS and e.root.i in inside]


# --- across articles --------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ChainWeights:
    """When two mentions of one story are one happening."""

    lemma_cosine: float = 0.8  # lemmas this close (sentence vectors of the lemma) count as the same action
    extra: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)


def dates_disagree(a: str | None, b: str | None) -> bool:
    """Both dated, and one date is not a prefix of the other (``2009-03`` fits ``2009-03-14``)."""
    if not a or not b:
        return False
    return not (a.startswith(b) or b.startswith(a))


def chain_happenings(mentions: Sequence[dict[str, Any]], lemma_vectors: dict[str, np.ndarray],
                     w: ChainWeights = ChainWeights()) -> list[int]:
    """A chain number per mention (its chain's first mention). Each mention needs ``story`` (the
    block: only mentions of one story are compared), ``lemma`` and ``date``."""
    parent = list(range(len(mentions)))
    # Each chain's dates: two chains join only when no date of one disagrees with one of the
    # other, so an undated mention cannot bridge two differently dated happenings.
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

    by_story: dict[Any, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
    for k, mention in enumerate(mentions):
        by_story[mention["story"]][mention["lemma"]].append(k)
    for lemmas in by_story.values():
        for members in lemmas.values():  # same lemma: one happening unless the dates disagree
            chains: list[int] = []
            for k in members:
                for first in chains:
                    union(first, k)
                    if find(first) == find(k):
                        break
                else:
                    chains.append(k)
        # Close lemmas (``quake`` / ``earthquake``, ``kill`` / ``killing``): one happening too.
        names = sorted(lemmas)
        if len(names) > 1 and w.lemma_cosine < 1.0:
            vectors = np.stack([lemma_vectors[name] for name in names])
            close = vectors @ vectors.T
            for x in range(len(names)):
                for y in np.flatnonzero(close[x, x + 1 :] >= w.lemma_cosine) + x + 1:
                    for a in lemmas[names[x]]:
                        for b in lemmas[names[int(y)]]:
                            union(a, b)
    return [find(k) for k in range(len(mentions))]
