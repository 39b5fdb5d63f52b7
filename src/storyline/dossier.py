"""The dossier: the whole store in the shape of the contract (``docs/dossier.schema.json``)."""

from __future__ import annotations

from typing import Any

from storyline.store import Store, dossier_article
from storyline.syndication import copy_of

SCHEMA_ID = "storyline.dossier/1"


def build_dossier(store: Store) -> dict[str, Any]:
    corpus = store.corpus()
    originals = copy_of(corpus.syndicated)
    return {
        "schema": SCHEMA_ID,
        "articles": [{**dossier_article(article), "copy_of": originals.get(article.id)} for article in corpus.articles],
        "skipped": [{"source": s.source, "reason": s.reason} for s in store.skipped()],
        "entities": corpus.entities,
        "statements": corpus.statements,
        "times": corpus.times,
        "events": corpus.events,
        "claims": corpus.claims,
        "stories": corpus.stories,
        "syndicated": corpus.syndicated,
    }
