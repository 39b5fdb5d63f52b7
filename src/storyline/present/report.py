"""``report.html``: one self-contained page an analyst can read and print.

Everything in a dossier came from untrusted pages, so the template is
rendered with autoescaping on and the page carries a Content-Security-Policy
that forbids any network request: no external script, style, font or image.
The charting and timeline libraries (``static/``, vendored by
``scripts/vendor_js.sh``) are inlined, and the data they draw travels as
JSON in ``<script type="application/json">`` blocks, never as markup.

The views here (timeline items, claim series, people, highlighted bodies)
are shared with the web app (``serve.py``); only the links differ: anchors in
the one-page report, URLs in the app (see :class:`Links`).
"""

from __future__ import annotations

import base64
import calendar
import hashlib
import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import quote

from jinja2 import Environment, PackageLoader, select_autoescape

# No network request of any kind. Scripts: only the page's own inline scripts, allowed
# by hash, so even markup that slipped past escaping could not run a script or a handler.
CSP = "default-src 'none'; style-src 'unsafe-inline'; script-src {hashes}; img-src data:"
VENDORED_SCRIPTS = ("vis-timeline-graph2d.min.js", "chart.umd.min.js", "storyline.js")
VENDORED_STYLES = ("vis-timeline-graph2d.min.css", "storyline.css")
_YEAR_KNOWN = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")


@cache
def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("storyline.present", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["safe_url"] = safe_url
    env.filters["heading"] = article_heading
    env.filters["plural"] = plural
    env.filters["when"] = readable_date
    env.filters["chart_data"] = chart_data
    return env


HEADING_WORDS = 8


def article_heading(article: dict[str, Any] | None) -> str:
    """The article's title; for an untitled one, what a reader can place it by: outlet, date, first words."""
    if not article:
        return ""
    if article.get("title"):
        return str(article["title"])
    words = (article.get("body") or "").split()
    opening = " ".join(words[:HEADING_WORDS]) + ("…" if len(words) > HEADING_WORDS else "")
    where = article.get("outlet") or "No outlet"
    when = readable_date(article.get("published")) or "undated"
    return f"{where}, {when}: {opening}" if opening else f"{where}, {when}"


def plural(count: int | list[Any], noun: str, nouns: str | None = None) -> str:
    """``1 statement``, ``2 statements``: a count (or a list's length) with its noun."""
    number = count if isinstance(count, int) else len(count)
    return f"{number} {noun if number == 1 else (nouns or noun + 's')}"


def readable_date(value: str | None) -> str | None:
    """ISO dates as they are; the year-unknown ones the text gave (``--04``, ``--10-21``) in words."""
    if not value or not value.startswith("--"):
        return value
    match = re.fullmatch(r"--(\d{2})(?:-(\d{2}))?", value)
    if not match or not 1 <= int(match.group(1)) <= 12:
        return value
    month = calendar.month_name[int(match.group(1))]
    day = f"{int(match.group(2))} " if match.group(2) else ""
    return f"{day}{month} (year unknown)"


@cache
def static_text(name: str) -> str:
    """A file shipped in ``storyline/present/static`` (our own or vendored, never input data)."""
    return resources.files("storyline.present").joinpath("static", name).read_text(encoding="utf-8")


def safe_url(url: str | None) -> str | None:
    """Only http(s) links are ever rendered as links: no ``javascript:`` or ``data:``."""
    if url and url.strip().lower().startswith(("http://", "https://")):
        return url.strip()
    return None


# -- links: anchors in the report, URLs in the app ---------------------------


@dataclass(frozen=True, slots=True)
class Links:
    """Where each kind of item points. ``app=False``: anchors within one page."""

    app: bool = False
    # A summarised report (``SUMMARY_OVER``) has no article bodies: spans link to their article's row.
    summary: bool = False

    def article(self, article_id: str) -> str:
        return f"/articles/{quote(article_id, safe='')}" if self.app else f"#ar-{article_id}"

    def span(self, article_id: str, anchor: str) -> str:
        """A highlighted span in an article body (a statement or an event mention)."""
        if self.summary and not self.app:
            return self.article(article_id)
        return f"{self.article(article_id)}#{anchor}" if self.app else f"#{anchor}"

    def statement(self, statement: dict[str, Any]) -> str:
        return self.span(statement["article"], statement_anchor(statement["id"]))

    def entity(self, entity_id: str) -> str:
        return f"/people/{quote(entity_id, safe='')}" if self.app else f"#en-{entity_id}"

    def claim(self, claim_id: str) -> str:
        return f"/claims/{quote(claim_id, safe='')}" if self.app else f"#cl-{claim_id}"


def statement_anchor(statement_id: str) -> str:
    return f"st-{statement_id}"


def mention_anchor(event_id: str, index: int) -> str:
    return f"evm-{event_id}-{index}"


def event_href(event: dict[str, Any], links: Links) -> str:
    """An event's first mention in an article body (a headline's mention has no anchor there: its article)."""
    mentions = event.get("mentions") or []
    index = next((k for k, m in enumerate(mentions) if m.get("part") != "title"), None)
    if index is None:
        return links.article(mentions[0]["article"]) if mentions else ""
    return links.span(mentions[index]["article"], mention_anchor(event["id"], index))


# -- article bodies with their spans ------------------------------------------


def segments(body: str, spans: list[dict[str, Any]]) -> list[tuple[str, str | None]]:
    """Split ``body`` into (text, span id or None) pieces for highlighting.

    Overlapping spans keep the one that starts first (then the longest), so
    every character of the body appears exactly once.
    """
    return [(piece["text"], piece["id"]) for piece in body_pieces(body, spans)]


def body_pieces(body: str, spans: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Pieces of ``body`` as dicts: ``text``, ``id`` and ``kind`` of the span it
    shows (or None), and ``anchors``: ids of spans hidden by an overlap that
    start inside this piece, so a link to them still lands next to their text."""
    pieces: list[dict[str, Any]] = []
    cursor = 0
    hidden: list[dict[str, Any]] = []
    for span in sorted(spans, key=lambda s: (s["start"], -s["end"])):
        start, end = max(span["start"], cursor), span["end"]
        if end <= start:
            hidden.append(span)
            continue
        if start > cursor:
            pieces.append(_piece(body, cursor, start, None))
        pieces.append(_piece(body, start, end, span))
        cursor = end
    if cursor < len(body) or not pieces:
        pieces.append(_piece(body, cursor, len(body), None))
    for span in hidden:
        holder = next((p for p in pieces if p["start"] <= span["start"] < p["end"]), pieces[-1])
        holder["anchors"].append(span["id"])
    return pieces


def _piece(body: str, start: int, end: int, span: dict[str, Any] | None) -> dict[str, Any]:
    return {
        "text": body[start:end],
        "start": start,
        "end": end,
        "id": span["id"] if span else None,
        "kind": span.get("kind", "statement") if span else None,
        "anchors": [],
    }


def article_spans(
    article_id: str, statements: list[dict[str, Any]], events: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """The statement and event-mention spans of one article, with their anchors as ids."""
    spans = [
        {"id": statement_anchor(s["id"]), "start": s["start"], "end": s["end"], "kind": "statement"}
        for s in statements
        if s.get("article") == article_id
    ]
    for event in events:
        for index, mention in enumerate(event.get("mentions") or []):
            if mention.get("article") == article_id and mention.get("part") != "title":  # body offsets only
                spans.append(
                    {"id": mention_anchor(event["id"], index), "start": mention["start"], "end": mention["end"], "kind": "event"}
                )
    return spans


# -- dates --------------------------------------------------------------------


def date_sort_key(value: str | None) -> tuple[int, str]:
    """Year-known dates first, in order; year-unknown (``--10-21``) after; null last."""
    if not value:
        return (2, "")
    return (1, value) if value.startswith("--") else (0, value)


def date_span(value: str | None) -> tuple[str, str, str] | None:
    """A year-known ISO date at any precision as (first day, day after, precision).

    ``2017`` covers the whole year and ``2017-05`` the whole month, so the
    timeline draws each at the precision the text gave. Year-unknown or
    malformed dates give None.
    """
    match = _YEAR_KNOWN.match(value or "")
    if not match:
        return None
    year, month, day = (int(part) if part else None for part in match.groups())
    try:
        if day is not None:
            first = f"{year:04d}-{month:02d}-{day:02d}"
            calendar.weekday(year, month, day)  # validates the day
            return first, _next_day(year, month, day), "day"
        if month is not None:
            if not 1 <= month <= 12:
                return None
            after = f"{year + 1:04d}-01-01" if month == 12 else f"{year:04d}-{month + 1:02d}-01"
            return f"{year:04d}-{month:02d}-01", after, "month"
    except ValueError:
        return None
    return f"{year:04d}-01-01", f"{year + 1:04d}-01-01", "year"


def _next_day(year: int, month: int, day: int) -> str:
    if day < calendar.monthrange(year, month)[1]:
        return f"{year:04d}-{month:02d}-{day + 1:02d}"
    if month < 12:
        return f"{year:04d}-{month + 1:02d}-01"
    return f"{year + 1:04d}-01-01"


# -- views ----------------------------------------------------------------------


def overview(dossier: dict[str, Any]) -> dict[str, Any]:
    articles = dossier["articles"]
    dates = sorted(a["published"] for a in articles if a.get("published"))
    speakers = Counter(s["speaker_name"] for s in dossier["statements"] if s.get("speaker_name"))
    return {
        "articles": len(articles),
        "outlets": sorted({a["outlet"] for a in articles if a.get("outlet")}),
        "first": dates[0] if dates else None,
        "last": dates[-1] if dates else None,
        "undated": sum(1 for a in articles if not a.get("published")),
        # Articles in a language the English-only stages do not read (storyline.article.language), by language.
        "not_analysed": sorted(Counter(a["language"] for a in articles if a.get("language") not in (None, "en")).items()),
        "top_speakers": speakers.most_common(10),
        "top_claims": sorted(dossier["claims"], key=lambda c: -len(c.get("statements", [])))[:10],
    }


def timeline(dossier: dict[str, Any], links: Links, claimed_only: bool = False) -> dict[str, Any]:
    """Events and dated statements for the timeline chart, plus the lane of
    items whose year the text never states (they have no place on a date axis).

    A statement is placed at its ``said_on`` date, else at its article's
    publication date (when it was reported), else left off.
    """
    published = {a["id"]: a.get("published") for a in dossier["articles"]}
    items: list[dict[str, Any]] = []
    year_unknown: list[dict[str, Any]] = []
    for event in dossier["events"]:
        href = event_href(event, links)
        entry = {"id": f"event-{event['id']}", "group": "events", "label": event.get("summary") or "",
                 "date": event.get("date"), "date_end": event.get("date_end"), "href": href}
        _place(entry, items, year_unknown)
    for statement in dossier["statements"]:
        if claimed_only and not statement.get("claim"):
            continue  # a summarised report draws the statements that make a claim
        when = statement.get("said_on") or published.get(statement["article"])
        speaker = statement.get("speaker_name") or "unattributed"
        entry = {"id": f"statement-{statement['id']}", "group": "statements", "label": _label(f"{speaker}: {statement['text']}"),
                 "date": when, "date_end": None, "href": links.statement(statement)}
        _place(entry, items, year_unknown)
    year_unknown.sort(key=lambda e: e["date"])
    used = {item["group"] for item in items}
    groups = [{"id": g, "label": label} for g, label in (("events", "Events"), ("statements", "Statements")) if g in used]
    return {"items": items, "groups": groups, "year_unknown": year_unknown, "window": densest_window(items)}


# What a timeline label shows (the chart cuts longer ones anyway; the list links to the whole text).
LABEL_CHARS = 90
# The timeline opens on the shortest period holding this many items, so their labels have room.
OPEN_ON_ITEMS = 20
MIN_WINDOW_DAYS = 7


# What the chart script reads of a timeline item (storyline.js); the list view reads the rest in the template.
CHART_KEYS = ("id", "group", "label", "start", "end", "precision", "href")


def chart_data(timeline_view: dict[str, Any]) -> dict[str, Any]:
    """The timeline as the chart script needs it, without the fields only the list view shows."""
    items = [{key: item[key] for key in CHART_KEYS if item.get(key) is not None} for item in timeline_view["items"]]
    return {"items": items, "groups": timeline_view["groups"], "window": timeline_view.get("window")}


def _label(text: str) -> str:
    return text if len(text) <= LABEL_CHARS else text[: LABEL_CHARS - 1] + "…"


def densest_window(items: list[dict[str, Any]]) -> dict[str, str] | None:
    """Where the timeline opens: all items when few, else the shortest period holding
    ``OPEN_ON_ITEMS`` of them (the densest), at least ``MIN_WINDOW_DAYS`` wide."""
    from datetime import date, timedelta

    starts = sorted(date.fromisoformat(item["start"]) for item in items)
    if not starts:
        return None
    if len(starts) <= OPEN_ON_ITEMS:
        first, last = starts[0], max(date.fromisoformat(i["end"] or i["start"]) for i in items)
    else:
        width = OPEN_ON_ITEMS - 1
        best = min(range(len(starts) - width), key=lambda n: (starts[n + width] - starts[n], n))
        first, last = starts[best], starts[best + width]
    width = max(last - first, timedelta(days=MIN_WINDOW_DAYS))
    # Labels run to the right of their item: more room after the last one than before the first.
    return {"start": (first - width * 0.05 - timedelta(days=1)).isoformat(),
            "end": (last + width * 0.4 + timedelta(days=1)).isoformat()}


def _place(entry: dict[str, Any], items: list[dict[str, Any]], year_unknown: list[dict[str, Any]]) -> None:
    date = entry.pop("date")
    date_end = entry.pop("date_end")
    span = date_span(date)
    if span is None:
        if date and date.startswith("--"):
            year_unknown.append({**entry, "date": date})
        return
    start, end, precision = span
    end_span = date_span(date_end)
    if end_span and end_span[1] > end:
        end = end_span[1]
    elif precision == "day":
        end = None  # a point, not a one-day bar
    items.append({**entry, "start": start, "end": end, "precision": precision, "date": date, "date_end": date_end})


def claim_series(claim: dict[str, Any], dossier: dict[str, Any], names: dict[str, str]) -> dict[str, Any]:
    """Counts per period by outlet and by speaker, ready for a stacked bar chart.

    Uses the claim's own ``series`` when the claims stage gave one, else counts
    its statements by month (``said_on``, else the article's date).
    """
    series = claim.get("series")
    if series is None:
        series = _series_from_statements(claim, dossier)
    series = [_with_no_outlet(row) for row in _with_empty_months(series)]
    periods = [row["period"] for row in series]

    def stacks(key: str) -> list[dict[str, Any]]:
        labels = sorted({label for row in series for label in (row.get(key) or {})})
        return [
            {"label": names.get(label, label), "data": [(row.get(key) or {}).get(label, 0) for row in series]}
            for label in labels
        ]

    return {"periods": periods, "counts": [row["count"] for row in series],
            "by_outlet": stacks("by_outlet"), "by_speaker": stacks("by_speaker")}


NO_OUTLET = "no outlet"


def _with_no_outlet(row: dict[str, Any]) -> dict[str, Any]:
    """Statements from articles without an outlet get their own stack, so the outlet chart shows every statement."""
    missing = row.get("count", 0) - sum((row.get("by_outlet") or {}).values())
    if missing <= 0:
        return row
    return {**row, "by_outlet": {**(row.get("by_outlet") or {}), NO_OUTLET: missing}}


def _with_empty_months(series: list[dict[str, Any]], most: int = 120) -> list[dict[str, Any]]:
    """Monthly series get a zero row for each month without a statement, so the
    bars show the gaps in time; other series (years, mixed) are left as they are."""
    months = [row["period"] for row in series]
    if not months or not all(re.fullmatch(r"\d{4}-\d{2}", m) for m in months):
        return series
    by_month = {row["period"]: row for row in series}
    year, month = map(int, min(months).split("-"))
    filled: list[dict[str, Any]] = []
    while len(filled) < most:
        key = f"{year:04d}-{month:02d}"
        filled.append(by_month.get(key, {"period": key, "count": 0, "by_outlet": {}, "by_speaker": {}}))
        if key >= max(months):
            return filled
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return series  # too long a span to draw month by month


def _series_from_statements(claim: dict[str, Any], dossier: dict[str, Any]) -> list[dict[str, Any]]:
    articles = {a["id"]: a for a in dossier["articles"]}
    wanted = set(claim.get("statements") or [])
    rows: dict[str, dict[str, Any]] = {}
    for statement in dossier["statements"]:
        if statement["id"] not in wanted:
            continue
        article = articles.get(statement["article"], {})
        when = statement.get("said_on")
        if not (when and _YEAR_KNOWN.match(when)):
            when = article.get("published")
        if not (when and _YEAR_KNOWN.match(when)):
            continue
        row = rows.setdefault(when[:7], {"period": when[:7], "count": 0, "by_outlet": Counter(), "by_speaker": Counter()})
        row["count"] += 1
        if article.get("outlet"):
            row["by_outlet"][article["outlet"]] += 1
        if statement.get("speaker"):
            row["by_speaker"][statement["speaker"]] += 1
    return [rows[key] for key in sorted(rows)]


def people(dossier: dict[str, Any]) -> list[dict[str, Any]]:
    """Entities with all their statements, most quoted first."""
    by_speaker: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for statement in dossier["statements"]:
        if statement.get("speaker"):
            by_speaker[statement["speaker"]].append(statement)
    found = [{**entity, "statements": by_speaker.get(entity["id"], [])} for entity in dossier["entities"]]
    found.sort(key=lambda p: (-len(p["statements"]), p["name"]))
    return found


class DossierViews:
    """Lookups over one dossier, shared by the report and the app templates."""

    def __init__(self, dossier: dict[str, Any], links: Links) -> None:
        self.dossier = dossier
        self.links = links
        self.articles = {a["id"]: a for a in dossier["articles"]}
        self.entities = {e["id"]: e for e in dossier["entities"]}
        self.statements = {s["id"]: s for s in dossier["statements"]}
        self.claims = {c["id"]: c for c in dossier["claims"]}
        self.names = {e["id"]: e["name"] for e in dossier["entities"]}
        self.statements_by_article: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for statement in dossier["statements"]:
            self.statements_by_article[statement["article"]].append(statement)

    def article_pieces(self, article: dict[str, Any]) -> list[dict[str, Any]]:
        spans = article_spans(article["id"], self.statements_by_article.get(article["id"], []), self.dossier["events"])
        return body_pieces(article["body"], spans)

    def claim_statements(self, claim: dict[str, Any]) -> list[dict[str, Any]]:
        return [self.statements[sid] for sid in claim.get("statements") or [] if sid in self.statements]

    def claim_part(self, claim: dict[str, Any], statement: dict[str, Any]) -> str | None:
        """The clause of ``statement`` that makes ``claim``, when it is not the whole statement."""
        body = self.articles.get(statement["article"], {}).get("body") or ""
        whole = (statement.get("start"), statement.get("end"))
        parts = [body[m["start"] : m["end"]] for m in claim.get("spans") or []
                 if m["statement"] == statement["id"] and (m["start"], m["end"]) != whole]
        return " … ".join(parts) or None

    def series(self, claim: dict[str, Any]) -> dict[str, Any]:
        return claim_series(claim, self.dossier, self.names)

    def context(self) -> dict[str, Any]:
        return {
            "dossier": self.dossier,
            "views": self,
            "links": self.links,
            "overview": overview(self.dossier),
            "timeline": timeline(self.dossier, self.links, claimed_only=self.links.summary),
            "summary": self.links.summary,
            "person_statements": PERSON_STATEMENTS if self.links.summary else None,
            "people": people(self.dossier),
            "events": sorted(self.dossier["events"], key=lambda e: date_sort_key(e.get("date"))),
            "statement_anchor": statement_anchor,
        }


def script_hashes(scripts: list[str]) -> str:
    """CSP source expressions allowing exactly these inline scripts."""
    return " ".join(
        "'sha256-" + base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode("ascii") + "'"
        for script in scripts
    )


# Over this many articles the report summarises (bodies, unclaimed statements on the timeline and
# all but a person's first statements are left to ``storyline serve``), so it stays a few MB at most.
SUMMARY_OVER = 100
PERSON_STATEMENTS = 3


def render_report(dossier: dict[str, Any], outlets: list[dict[str, Any]] | None = None) -> str:
    """``outlets``: the outlet profiles to show (``present.outlets.outlet_profiles``), none by default."""
    template = environment().get_template("report.html.j2")
    links = Links(app=False, summary=len(dossier["articles"]) > SUMMARY_OVER)
    scripts = [static_text(name) for name in VENDORED_SCRIPTS]
    return template.render(
        csp=CSP.format(hashes=script_hashes(scripts)),
        inline_scripts=scripts,
        inline_styles=[static_text(name) for name in VENDORED_STYLES],
        outlets=outlets or [],
        **DossierViews(dossier, links).context(),
    )


def write_report(dossier: dict[str, Any], path: str | Path, outlets: list[dict[str, Any]] | None = None) -> Path:
    path = Path(path)
    path.write_text(render_report(dossier, outlets), encoding="utf-8")
    return path
