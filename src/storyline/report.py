"""``report.html``: one self-contained page an analyst can read and print.

Everything in a dossier came from untrusted pages, so the template is
rendered with autoescaping on and the page carries a Content-Security-Policy
that forbids any network request: no external script, style, font or image.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

CSP = "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:"


def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("storyline", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["safe_url"] = safe_url
    return env


def safe_url(url: str | None) -> str | None:
    """Only http(s) links are ever rendered as links: no ``javascript:`` or ``data:``."""
    if url and url.strip().lower().startswith(("http://", "https://")):
        return url.strip()
    return None


def segments(body: str, spans: list[dict[str, Any]]) -> list[tuple[str, str | None]]:
    """Split ``body`` into (text, statement id or None) pieces for highlighting.

    Overlapping spans keep the one that starts first (then the longest), so
    every character of the body appears exactly once.
    """
    pieces: list[tuple[str, str | None]] = []
    cursor = 0
    for span in sorted(spans, key=lambda s: (s["start"], -s["end"])):
        start, end = max(span["start"], cursor), span["end"]
        if end <= start:
            continue
        if start > cursor:
            pieces.append((body[cursor:start], None))
        pieces.append((body[start:end], span["id"]))
        cursor = end
    if cursor < len(body):
        pieces.append((body[cursor:], None))
    return pieces


def date_sort_key(value: str | None) -> tuple[int, str]:
    """Year-known dates first, in order; year-unknown (``--10-21``) after; null last."""
    if not value:
        return (2, "")
    return (1, value) if value.startswith("--") else (0, value)


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
        "top_speakers": speakers.most_common(10),
        "top_claims": sorted(dossier["claims"], key=lambda c: -len(c.get("statements", [])))[:10],
    }


def render_report(dossier: dict[str, Any]) -> str:
    statements_by_article: dict[str, list[dict[str, Any]]] = {}
    for statement in dossier["statements"]:
        statements_by_article.setdefault(statement["article"], []).append(statement)
    articles_by_id = {a["id"]: a for a in dossier["articles"]}
    template = _environment().get_template("report.html.j2")
    return template.render(
        csp=CSP,
        dossier=dossier,
        overview=overview(dossier),
        statements_by_article=statements_by_article,
        articles_by_id=articles_by_id,
        entities_by_id={e["id"]: e for e in dossier["entities"]},
        events=sorted(dossier["events"], key=lambda e: date_sort_key(e.get("date"))),
        segments=segments,
    )


def write_report(dossier: dict[str, Any], path: str | Path) -> Path:
    path = Path(path)
    path.write_text(render_report(dossier), encoding="utf-8")
    return path
