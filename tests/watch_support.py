"""A loopback news site for the ``watch`` tests: RSS feeds and article pages that change between rounds.

Fictional outlets, people and places. The same talking point ("the reservoir was poisoned by
foreign saboteurs") is carried by several outlets and speakers, round after round.
"""

from __future__ import annotations

import threading
from email.utils import format_datetime
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

CLAIM = "The reservoir was poisoned by foreign saboteurs"

# (outlet slug, item number, title, date, body)
ARTICLES = {
    "courier/1": ("Mayor blames saboteurs", "2026-03-02",
                  f'"{CLAIM}," said Dara Holm, the mayor of Lakeside, on Monday. '
                  "Engineers at the water board disputed her account and said tests were still running."),
    "voice/1": ("Minister repeats reservoir charge", "2026-03-03",
                f'"{CLAIM}," minister Tomas Brenn told reporters in the capital. '
                "He gave no evidence and took no questions."),
    "voice/2": ("Bread prices to fall", "2026-03-03",
                '"Bread prices will fall next month," said trade secretary Lena Ort. '
                "Bakers were not convinced by the forecast."),
    "border/1": ("Colonel echoes minister", "2026-03-04",
                 f'"{CLAIM}," said Colonel Ivo Marek at a briefing on Wednesday. '
                 "The colonel did not say who the saboteurs were."),
    "courier/2": ("Holm doubles down", "2026-03-05",
                  f'"{CLAIM}," Dara Holm repeated at the council meeting on Thursday. '
                  "Council members asked to see the laboratory reports."),
    "courier/3": ("Ferry timetable changes", "2026-03-05",
                  '"The evening ferry will leave an hour earlier from April," said harbour master Pia Lund. '
                  "Commuters welcomed the longer summer service."),
}

# What each feed lists in each round; a feed missing from a round answers HTTP 500 that round.
ROUNDS = [
    {"courier": ["courier/1"], "voice": ["voice/1", "voice/2"]},
    {"courier": ["courier/1", "courier/2", "courier/3"], "voice": ["voice/1", "voice/2"], "border": ["border/1"]},
    {"courier": ["courier/1", "courier/2", "courier/3"], "voice": ["voice/1", "voice/2"], "border": ["border/1"]},
]

OUTLETS = {"courier": ("Lakeside Courier", "Freedonia", "Courier Trust", ["independent"]),
           "voice": ("State Voice", "Sylvania", "Ministry of Information", ["state-backed"]),
           "border": ("Border Post", "Ruritania", "Border Media Group", ["state-backed", "military"])}


def page_html(key: str) -> str:
    title, date, body = ARTICLES[key]
    return (f"<!doctype html><html><head><title>{escape(title)}</title>"
            f'<meta property="article:published_time" content="{date}"></head>'
            f"<body><article><h1>{escape(title)}</h1><p>{escape(body)}</p></article></body></html>")


def feed_xml(base: str, slug: str, keys: list[str]) -> str:
    items = []
    for key in keys:
        title, date, _ = ARTICLES[key]
        when = format_datetime(datetime.fromisoformat(date).replace(hour=9, tzinfo=timezone.utc))
        items.append(f"<item><title>{escape(title)}</title><link>{base}/{key}.html</link>"
                     f"<guid>{base}/{key}.html</guid><pubDate>{when}</pubDate></item>")
    return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>{slug}</title>'
            f"<link>{base}/</link><description>{slug}</description>{''.join(items)}</channel></rss>")


class NewsSite:
    """A threaded HTTP server on 127.0.0.1 (a context manager). ``round`` picks what the feeds list;
    a path in ``hold`` is not answered until ``release()`` (to kill a watch in the middle of a round)."""

    def __init__(self, port: int = 0) -> None:
        self.round = 0
        self.hold: set[str] = set()
        self.released = threading.Event()
        self.requests: list[str] = []
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                site.requests.append(self.path)
                if self.path in site.hold:
                    site.released.wait(60)
                status, kind, body = site.answer(self.path)
                data = body.encode("utf-8")
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.server.daemon_threads = True
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def answer(self, path: str) -> tuple[int, str, str]:
        if path == "/robots.txt":
            return 200, "text/plain", "User-agent: *\nAllow: /\n"
        slug = path.strip("/").removesuffix(".xml")
        if path.endswith(".xml"):
            listed = ROUNDS[self.round].get(slug)
            if listed is None:
                return 500, "text/plain", "feed generator down"
            return 200, "application/rss+xml", feed_xml(self.base, slug, listed)
        key = path.strip("/").removesuffix(".html")
        if key in ARTICLES:
            return 200, "text/html; charset=utf-8", page_html(key)
        return 404, "text/plain", "not found"

    def release(self) -> None:
        self.released.set()

    def __enter__(self) -> NewsSite:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.released.set()
        self.server.shutdown()
        self.server.server_close()


def sources_toml(base: str, path: Path) -> Path:
    lines = []
    for slug, (name, country, owner, labels) in OUTLETS.items():
        labels_toml = ", ".join(f'"{label}"' for label in labels)
        lines += ["[[source]]", f'name = "{name}"', f'feeds = ["{base}/{slug}.xml"]', f'country = "{country}"',
                  f'owner = "{owner}"', f"labels = [{labels_toml}]", ""]
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def expected_items(round_number: int) -> set[str]:
    """Article pages the feeds have listed up to this round (0-based), with the feeds that answered."""
    return {key for r in ROUNDS[: round_number + 1] for keys in r.values() for key in keys}
