"""What an article says about its incident (who, what, where, when), for the ``stories`` stage.

Term and embedding similarity alone say "same topic": two earthquakes a year
apart share every word but the place, the magnitude and the date. So the
``events`` stage, which has the parse, leaves each article's incident
features in ``findings["incident"]`` (one item), and the corpus stage
``stories`` (``storyline.corpus.incidents``) groups by them:

- ``terms``: content lemmas and numbers of the whole text (``6.1``, ``2008``
  and ``Promises`` count; reporting verbs do not), and the title's words;
- ``names``: the people, organisations, places and named events it names,
  folded, with each multi-word name's last word too (``Tara Reid`` and
  ``Reid`` meet);
- ``years``: the years its own time expressions and dates state.

The lead's sentence vector (``article.embed``) completes them in the corpus stage.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np

NAME_LABELS = frozenset({"PERSON", "ORG", "GPE", "LOC", "FAC", "EVENT", "NORP", "PRODUCT"})
CONTENT_POS = frozenset({"NOUN", "PROPN", "VERB", "ADJ", "NUM"})
REPORTING = frozenset({"say", "tell", "report", "add", "state", "accord", "according", "claim", "told"})
YEAR = re.compile(r"\b(1[89]\d\d|20\d\d)\b")
WORD = re.compile(r"\w+")


@dataclass(slots=True)
class IncidentFeatures:
    """What one article says about its incident."""

    terms: str  # space-separated content lemmas and numbers
    names: list[str]  # folded names, with the last word of each multi-word one
    years: frozenset[int]
    vector: np.ndarray  # the lead's unit sentence vector (empty until the corpus stage adds it)

    def as_finding(self) -> dict[str, Any]:
        """The ``findings["incident"]`` item (JSON: no vector)."""
        return {"terms": self.terms, "names": list(self.names), "years": sorted(self.years)}

    @classmethod
    def from_finding(cls, item: dict[str, Any], vector: np.ndarray) -> IncidentFeatures:
        return cls(item["terms"], list(item["names"]), frozenset(item["years"]), np.asarray(vector, dtype=np.float32))


def features_from_doc(doc: Any, title: str | None, times: Iterable[dict[str, Any]],
                      vector: np.ndarray | None = None) -> IncidentFeatures:
    """An article's features from its spaCy parse and its ``times`` findings."""
    terms = [t.lemma_.lower() if t.pos_ != "NUM" else t.text.lower() for t in doc
             if t.pos_ in CONTENT_POS and not t.is_stop and t.lemma_.lower() not in REPORTING
             and any(c.isalnum() for c in t.text)]
    if title:
        terms += [w.lower() for w in WORD.findall(title)]
    names = []
    for ent in doc.ents:
        if ent.label_ not in NAME_LABELS:
            continue
        folded = " ".join(w for w in WORD.findall(ent.text.lower()) if w not in {"the", "s"})
        if not folded:
            continue
        names.append(folded.replace(" ", "_"))
        words = folded.split()
        if len(words) > 1 and len(words[-1]) > 2:
            names.append(words[-1])
    empty = np.zeros(0, dtype=np.float32)
    return IncidentFeatures(" ".join(terms), names, years_of(doc, times), empty if vector is None else vector)


def years_of(doc: Any, times: Iterable[dict[str, Any]]) -> frozenset[int]:
    """Years the article's own dates state: normalised time values, and DATE entities' years."""
    years = set()
    for time in times:
        match = re.match(r"(\d{4})", str(time.get("value") or ""))
        if match:
            years.add(int(match.group(1)))
    for ent in doc.ents:
        if ent.label_ == "DATE":
            years |= {int(y) for y in YEAR.findall(ent.text)}
    return frozenset(years)
