"""Outlet profiles and the label comparison, for the app and the report.

An outlet is the ``outlet`` of its articles; the sources file of ``storyline watch`` (the store's
``sources`` table) adds its country, owner and labels. Everything here is computed from the dossier:

- a profile: the outlet's articles over time (by month), its top speakers, the claims it carries
  with its own first and last dates, and what it shares with other outlets (syndicated copies,
  claims other outlets carry too);
- a comparison for a label L: each claim as carried by outlets with L only, by the others only, or
  by both, and who carried it first.

A statement is dated by when it was said (a full date), else by its article's publication date.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

from storyline.present.report import date_sort_key, date_span

TOP_SPEAKERS = 10


def statement_date(statement: dict[str, Any], article: dict[str, Any]) -> str | None:
    said_on = statement.get("said_on")
    if said_on and date_span(said_on):  # None for a year-unknown date ("--10-21")
        return said_on
    published = article.get("published")
    return published if published and date_span(published) else None


def outlet_names(dossier: dict[str, Any], sources: list[dict[str, Any]]) -> list[str]:
    """Every outlet with an article, and every outlet of the sources file, by name."""
    return sorted({a["outlet"] for a in dossier["articles"] if a.get("outlet")} | {s["name"] for s in sources},
                  key=str.casefold)


def outlet_list(dossier: dict[str, Any], sources: list[dict[str, Any]]) -> list[dict[str, Any]]:
    counts = Counter(a.get("outlet") for a in dossier["articles"])
    by_name = {s["name"]: s for s in sources}
    return [{"name": name, "articles": counts.get(name, 0), **_source_fields(by_name.get(name))}
            for name in outlet_names(dossier, sources)]


def labels_of(sources: list[dict[str, Any]]) -> list[str]:
    return sorted({label for s in sources for label in s.get("labels") or []}, key=str.casefold)


def _source_fields(source: dict[str, Any] | None) -> dict[str, Any]:
    source = source or {}
    return {"country": source.get("country"), "owner": source.get("owner"), "labels": list(source.get("labels") or []),
            "feeds": list(source.get("feeds") or []), "pages": list(source.get("pages") or []),
            "in_sources_file": bool(source)}


class Carriers:
    """Per claim, who carried it and when: (date, store position, outlet, statement) for each statement."""

    def __init__(self, dossier: dict[str, Any]) -> None:
        self.articles = {a["id"]: a for a in dossier["articles"]}
        self.position = {a["id"]: n for n, a in enumerate(dossier["articles"])}
        statements = {s["id"]: s for s in dossier["statements"]}
        self.by_claim: dict[str, list[tuple[str | None, int, str | None, dict[str, Any]]]] = {}
        for claim in dossier["claims"]:
            rows = []
            for sid in claim.get("statements") or []:
                if sid not in statements:
                    continue
                statement = statements[sid]
                article = self.articles.get(statement["article"], {})
                rows.append((statement_date(statement, article), self.position.get(statement["article"], 0),
                             article.get("outlet"), statement))
            self.by_claim[claim["id"]] = sorted(rows, key=lambda r: (date_sort_key(r[0]), r[1]))

    def outlets(self, claim_id: str) -> list[str]:
        return sorted({outlet for _, _, outlet, _ in self.by_claim.get(claim_id, []) if outlet}, key=str.casefold)

    def first(self, claim_id: str) -> dict[str, Any] | None:
        """The earliest statement (dated first, then store order; undated ones last)."""
        rows = self.by_claim.get(claim_id) or []
        if not rows:
            return None
        date, _, outlet, statement = rows[0]
        return {"outlet": outlet, "date": date, "statement": statement["id"], "article": statement["article"]}


def outlet_profiles(dossier: dict[str, Any], sources: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every outlet's profile (the report's section), by name."""
    carriers = Carriers(dossier)
    return [outlet_profile(dossier, sources, name, carriers) for name in outlet_names(dossier, sources)]  # type: ignore[misc]


def outlet_profile(dossier: dict[str, Any], sources: list[dict[str, Any]], name: str,
                   carriers: Carriers | None = None) -> dict[str, Any] | None:
    if name not in outlet_names(dossier, sources):
        return None
    own = [a for a in dossier["articles"] if a.get("outlet") == name]
    own_ids = {a["id"] for a in own}
    carriers = carriers or Carriers(dossier)
    return {
        "name": name, **_source_fields(next((s for s in sources if s["name"] == name), None)),
        "articles": sorted(({k: a.get(k) for k in ("id", "title", "published", "url")} for a in own),
                           key=lambda a: date_sort_key(a["published"])),
        "over_time": articles_over_time(own),
        "top_speakers": top_speakers(dossier, own_ids),
        "claims": carried_claims(dossier, name, carriers),
        "syndicated": syndicated_with(dossier, own_ids, name),
    }


def articles_over_time(articles: list[dict[str, Any]]) -> dict[str, Any]:
    """Articles per month, in the shape the app's bar charts draw (``report.claim_series``)."""
    months = Counter(a["published"][:7] for a in articles if a.get("published") and a["published"][:1].isdigit()
                     and len(a["published"]) >= 7)
    periods = sorted(months)
    counts = [months[p] for p in periods]
    return {"periods": periods, "counts": counts, "by_outlet": [{"label": "articles", "data": counts}],
            "undated": sum(1 for a in articles if not (a.get("published") or "")[:7] in months)}


def top_speakers(dossier: dict[str, Any], article_ids: set[str]) -> list[dict[str, Any]]:
    names = {e["id"]: e["name"] for e in dossier["entities"]}
    counts: Counter[tuple[str | None, str]] = Counter()
    for statement in dossier["statements"]:
        if statement["article"] in article_ids:
            speaker = statement.get("speaker")
            name = names.get(speaker or "") or statement.get("speaker_name")
            if name:
                counts[(speaker if speaker in names else None, name)] += 1
    return [{"id": speaker, "name": name, "statements": count}
            for (speaker, name), count in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0][1]))[:TOP_SPEAKERS]]


def carried_claims(dossier: dict[str, Any], name: str, carriers: Carriers) -> list[dict[str, Any]]:
    """The claims the outlet carries: its own first and last dates, and the other outlets carrying each."""
    carried = []
    for claim in dossier["claims"]:
        rows = [r for r in carriers.by_claim.get(claim["id"], []) if r[2] == name]
        if not rows:
            continue
        dated = [r[0] for r in rows if r[0]]
        first = carriers.first(claim["id"])
        carried.append({
            "id": claim["id"], "label": claim.get("label"), "statements": len(rows),
            "first_seen": dated[0] if dated else None, "last_seen": max(dated, key=date_sort_key) if dated else None,
            "others": [o for o in carriers.outlets(claim["id"]) if o != name],
            "first_carrier": first["outlet"] if first else None,
        })
    return sorted(carried, key=lambda c: (-c["statements"], date_sort_key(c["first_seen"])))


def syndicated_with(dossier: dict[str, Any], article_ids: set[str], name: str) -> list[dict[str, Any]]:
    """Groups of near-identical copies that hold one of the outlet's articles, with the other outlets."""
    articles = {a["id"]: a for a in dossier["articles"]}
    groups = []
    for group in dossier.get("syndicated") or []:
        if article_ids & set(group.get("articles") or []):
            original = articles.get(group["original"], {})
            groups.append({"id": group["id"], "original": group["original"],
                           "title": original.get("title"), "original_outlet": original.get("outlet"),
                           "others": sorted({o for o in group.get("outlets") or [] if o and o != name}, key=str.casefold),
                           "articles": list(group.get("articles") or [])})
    return groups


def label_comparison(dossier: dict[str, Any], sources: list[dict[str, Any]], label: str) -> dict[str, Any]:
    """Claims carried by outlets with ``label`` only, by both, by the others only; who carried each first."""
    labelled = {s["name"] for s in sources if label in (s.get("labels") or [])}
    carriers = Carriers(dossier)
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for claim in dossier["claims"]:
        outlets = carriers.outlets(claim["id"])
        if not outlets:
            continue
        with_label = [o for o in outlets if o in labelled]
        others = [o for o in outlets if o not in labelled]
        side = "both" if with_label and others else ("labelled" if with_label else "others")
        first = carriers.first(claim["id"])
        groups[side].append({
            "id": claim["id"], "label": claim.get("label"), "statements": len(claim.get("statements") or []),
            "labelled_outlets": with_label, "other_outlets": others,
            "first_outlet": first["outlet"] if first else None, "first_date": first["date"] if first else None,
            "first_labelled": bool(first and first["outlet"] in labelled),
        })
    return {"label": label, "outlets": sorted(labelled, key=str.casefold),
            "labelled": groups["labelled"], "both": groups["both"], "others": groups["others"]}
