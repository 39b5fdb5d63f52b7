"""Claims: the dossier records of grouped units (ids, labels, dates, series), nested statements and copies.

Dates: ``first_seen``/``last_seen`` use each statement's ``said_on`` when it states a year, else its
article's ``published`` (see ``storyline.corpus.claims``).
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from typing import Any

import numpy as np

from storyline.article.units import claim_text, unit_label
from storyline.core.records import Article
from storyline.corpus.claim_linkage import StatementFeatures, statement_claims


_ISO_DATE = re.compile(r"^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?")


def date_key(value: str) -> tuple[int, int, int]:
    """Sort key of an ISO date at any precision: ``2025-11`` < ``2025-11-17``."""
    match = _ISO_DATE.match(value)
    if not match:
        return (0, 0, 0)
    year, month, day = (int(part) if part else 0 for part in match.groups())
    return (year, month, day)


def seen_on(statement: dict[str, Any], article: Article | None) -> str | None:
    """When a statement was made: its ``said_on`` if it has a year, else the
    article's publication date, else None."""
    for value in (statement.get("said_on"), article.published if article is not None else None):
        match = _ISO_DATE.match(value or "")  # "--10-22" (no year) does not match
        if match:
            return match.group(0)
    return None


def period(date: str) -> str:
    return date[:7]  # month, or the year when that is all that is known


def statement_identity(statement: dict[str, Any], articles: dict[str, Article]) -> str:
    article = articles.get(statement.get("article"))
    source = article.content_hash if article is not None else str(statement.get("article"))
    return f"{source}:{statement.get('start')}:{statement.get('end')}:{statement.get('text') or ''}"


def stable_id(prefix: str, members: Iterable[str]) -> str:
    digest = hashlib.sha256("\n".join(sorted(members)).encode("utf-8")).hexdigest()
    return prefix + digest[:12]


def claim_statements(
    statements: list[dict[str, Any]], copies: dict[str, str]
) -> tuple[list[dict[str, Any]], list[tuple[dict[str, Any], dict[str, Any]]]]:
    """The statements to group, and the nested ones with their containers (``nested``).

    A syndicated copy's statements count once, through its original (``claims._carry_copy_claims``).
    "Peskov stated that both sides acknowledge that X": X is reported twice, nested, but
    said once; it is grouped through the outer one (``carry_nested``).
    """
    usable = [s for s in statements if claim_text(s.get("text") or "") and s.get("article") not in copies]
    inner = nested(usable)
    inside = {id(statement) for statement, _ in inner}
    return [s for s in usable if id(s) not in inside], inner


def assign_claims(
    statements: list[dict[str, Any]], f: StatementFeatures, groups: list[int], articles: dict[str, Article]
) -> list[dict[str, Any]]:
    """The claims of the groups that hold two or more statements; sets each statement's
    ``claim`` and ``claims``."""
    main, every = statement_claims(f, groups)
    units_of_group: dict[int, list[int]] = defaultdict(list)
    for unit, group in enumerate(groups):
        if group in every[f.owner[unit]]:
            units_of_group[group].append(unit)
    claims = {group: describe_claim(statements, f, units, articles) for group, units in units_of_group.items()}
    for index, statement in enumerate(statements):
        statement["claims"] = sorted(claims[group]["id"] for group in every[index])
        statement["claim"] = claims[main[index]]["id"] if main[index] is not None else None
    return list(claims.values())


def claim_order(claim: dict[str, Any]) -> tuple[int, str]:
    """The dossier's order of claims: most statements first, then by id."""
    return (-len(claim["statements"]), claim["id"])


def nested(statements: list[dict[str, Any]]) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """(statement, container) for each statement whose span lies inside
    another statement's span in the same article; the container is the
    outermost one."""
    found = []
    ordered = sorted(statements, key=lambda s: (str(s.get("article")), s.get("start") or 0, -(s.get("end") or 0)))
    outer: dict[str, Any] | None = None
    for statement in ordered:
        if (
            outer is not None
            and statement.get("article") is not None
            and outer.get("article") == statement.get("article")
            and statement["end"] <= outer["end"]
        ):
            found.append((statement, outer))
        else:
            outer = statement
    return found


def carry_nested(inner: list[tuple[dict[str, Any], dict[str, Any]]], claims: list[dict[str, Any]]) -> None:
    """A nested statement points at the claims of the parts of its container it overlaps.

    It is not added to the claim's statements: the claim counts utterances,
    and the nested one is the same utterance reported one level deeper.
    """
    parts: dict[Any, list[tuple[int, int, str]]] = defaultdict(list)
    for claim in claims:
        for span in claim["spans"]:
            parts[span["statement"]].append((span["start"], span["end"], claim["id"]))
    for statement, container in inner:
        overlapping = {c for start, end, c in parts.get(container.get("id"), []) if start < statement["end"] and statement["start"] < end}
        statement["claims"] = sorted(overlapping)
        main = container.get("claim")
        statement["claim"] = main if main in overlapping else (statement["claims"][0] if overlapping else None)


def describe_claim(
    statements: list[dict[str, Any]], f: StatementFeatures, units: list[int], articles: dict[str, Article]
) -> dict[str, Any]:
    """The dossier record of one claim, from the units (statements or clauses) in it."""
    members = [statements[int(f.owner[u])] for u in units]
    unique = list({id(s): s for s in members}.values())
    claim_id = stable_id("c", (statement_identity(s, articles) for s in unique))
    vectors = f.vectors[units]
    # Ties go to the first unit: two units score the same in exact arithmetic (always, in a claim
    # of two), and the last bits of a vector must not pick the label. A tolerance, not rounding:
    # rounding splits a tie that straddles a rounding boundary.
    scores = vectors @ vectors.mean(axis=0)
    typical = units[int(np.flatnonzero(scores >= scores.max() - 1e-6)[0])]
    dated = []
    for s in unique:
        article = articles.get(s.get("article"))
        when = seen_on(s, article)
        if when:
            dated.append((when, s, article))
    dated.sort(key=lambda item: date_key(item[0]))
    return {
        "id": claim_id,
        "label": unit_label(statements[int(f.owner[typical])], f.spans[typical]),
        "statements": sorted(s["id"] for s in unique if s.get("id") is not None),
        # Which part of each statement asserts the claim: offsets into its article.
        "spans": [
            {"statement": statement, "start": start, "end": end}
            for statement, start, end in sorted({(statements[int(f.owner[u])].get("id"), *f.spans[u]) for u in units}, key=str)
        ],
        "articles": sorted({s["article"] for s in unique if s.get("article") is not None}),
        "speakers": sorted({s["speaker"] for s in unique if s.get("speaker")}),
        "outlets": sorted({a.outlet for s in unique if (a := articles.get(s.get("article"))) and a.outlet}),
        "first_seen": dated[0][0] if dated else None,
        "last_seen": max(dated, key=lambda item: date_key(item[0]))[0] if dated else None,
        "series": _series(dated),
    }


def _series(dated: list[tuple[str, dict[str, Any], Article | None]]) -> list[dict[str, Any]]:
    by_period: dict[str, list[tuple[dict[str, Any], Article | None]]] = defaultdict(list)
    for when, statement, article in dated:
        by_period[period(when)].append((statement, article))
    series = []
    for key in sorted(by_period, key=date_key):
        items = by_period[key]
        outlets = Counter(a.outlet for _, a in items if a is not None and a.outlet)
        speakers = Counter(s["speaker"] for s, _ in items if s.get("speaker"))
        series.append(
            {"period": key, "count": len(items), "by_outlet": dict(sorted(outlets.items())), "by_speaker": dict(sorted(speakers.items()))}
        )
    return series

