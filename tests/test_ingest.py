"""Corpus-scale inputs: WARC, RSS/Atom, URL lists, Parquet, and guarded fetching from a loopback server only."""

from __future__ import annotations

import io
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from storyline.inputs import fetch as fetch_module
from storyline.analyze import analyze
from storyline.inputs.fetch import Fetcher, FetchError, FetchOptions
from storyline.inputs.urls import FETCH_OFF
from storyline.inputs.sources import expand, read_sources
from storyline.core.options import Options
from storyline.core.records import RawDoc, Skipped

PAGE = """<!doctype html><html><head><title>{title} | Dunmore Ledger</title>
<meta property="og:site_name" content="Dunmore Ledger"></head><body>
<nav><a href="/">Home</a> <a href="/port">Port</a></nav>
<article><h1>{title}</h1>
<p>{lead}</p>
<p>"We expect the first ships within a fortnight," harbour master Joris Veldt said on Monday, adding that pilots had already surveyed the new channel.</p>
<p>Shipping agents in the town said bookings for the spring had risen sharply since the dredging contract was signed.</p>
</article><footer>Copyright Dunmore Ledger</footer></body></html>"""


def page(title: str, lead: str) -> bytes:
    return PAGE.format(title=title, lead=lead).encode("utf-8")


def warc_bytes(pages: dict[str, bytes]) -> bytes:
    """A gzipped WARC: a request, an HTML response per page, an image and a 404 (hand-built)."""
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    out = io.BytesIO()
    writer = WARCWriter(out, gzip=True)

    def response(url: str, status: str, content_type: str, body: bytes) -> None:
        headers = StatusAndHeaders(status, [("Content-Type", content_type)], protocol="HTTP/1.1")
        writer.write_record(writer.create_warc_record(url, "response", payload=io.BytesIO(body), http_headers=headers))

    first = next(iter(pages))
    writer.write_record(writer.create_warc_record(first, "request", payload=io.BytesIO(b"GET / HTTP/1.1\r\n\r\n")))
    for url, body in pages.items():
        response(url, "200 OK", "text/html; charset=utf-8", body)
    response("http://ledger.example/logo.png", "200 OK", "image/png", b"\x89PNG\r\n\x1a\n")
    response("http://ledger.example/gone", "404 Not Found", "text/html", b"<html><body>gone</body></html>")
    return out.getvalue()


RSS = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel>
<title>Dunmore Ledger: Port</title><link>{base}/</link><description>Port news</description>
<item><title>Channel ready for ships</title><link>{base}/articles/channel.html</link>
<pubDate>Tue, 13 Feb 2024 09:00:00 GMT</pubDate>
<content:encoded><![CDATA[<p>The dredged channel at Dunmore is ready, officials said.</p><p>"We expect the first ships within a fortnight," harbour master Joris Veldt said.</p>]]></content:encoded></item>
<item><title>Pilots survey the basin</title><link>{base}/articles/pilots.html</link>
<description>Pilots surveyed the eastern basin on Wednesday, the port authority said.</description></item>
<item><title>Members only</title><link>{base}/private-area/report.html</link>
<description>A report for members.</description></item>
</channel></rss>"""

ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Ledger</title><id>urn:ledger</id><updated>2024-03-01T10:00:00Z</updated>
<entry><title>Tariffs reviewed</title><id>urn:ledger:1</id><link href="http://ledger.example/tariffs"/>
<updated>2024-03-01T10:00:00Z</updated><summary>The regulator said it would review port tariffs.</summary></entry>
</feed>"""


class Site:
    """A tiny web site on 127.0.0.1: path -> (status, content type, body, extra headers); records requests."""

    def __init__(self) -> None:
        self.routes: dict[str, tuple[int, str, bytes, dict[str, str]]] = {}
        self.requests: list[tuple[str, str]] = []
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's naming
                site.requests.append((self.path, self.headers.get("User-Agent", "")))
                status, kind, body, extra = site.routes.get(self.path, (404, "text/plain", b"not found", {}))
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                for name, value in extra.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def add(self, path: str, body: bytes, kind: str = "text/html; charset=utf-8", status: int = 200, **headers: str) -> None:
        self.routes[path] = (status, kind, body, headers)


@pytest.fixture(scope="module")
def site():
    served = Site()
    served.add("/robots.txt", b"User-agent: *\nDisallow: /private-area/\n", "text/plain")
    served.add("/articles/channel.html", page("Channel ready for ships", "The dredged channel at Dunmore is ready for cargo ships, officials said."))
    served.add("/articles/pilots.html", page("Pilots survey the basin", "Pilots surveyed the eastern basin of Dunmore port on Wednesday."))
    served.add("/private-area/report.html", page("Members only", "Not for crawlers."))
    served.add("/feed.rss", RSS.format(base=served.base).encode(), "application/rss+xml")
    served.add(
        "/crawl.warc.gz",
        warc_bytes({
            "http://ledger.example/port/channel": page("Channel ready for ships", "The dredged channel at Dunmore is ready."),
            "http://ledger.example/port/pilots": page("Pilots survey the basin", "Pilots surveyed the eastern basin."),
        }),
        "application/warc",
    )
    yield served
    served.server.shutdown()


def loopback_fetcher() -> Fetcher:
    return Fetcher(FetchOptions(allow_private=True, timeout=5, concurrency=2))


def test_ingest_warc_html_responses_become_articles_without_the_crawl_date(tmp_path):
    archive = tmp_path / "crawl.warc.gz"
    archive.write_bytes(warc_bytes({
        "http://ledger.example/a": page("First", "A first report from the port."),
        "http://ledger.example/b": page("Second", "A second report from the port."),
    }))
    records = list(read_sources(list(expand([str(tmp_path)]))))
    assert all(isinstance(r, RawDoc) for r in records) and len(records) == 2
    assert [r.meta.url for r in records] == ["http://ledger.example/a", "http://ledger.example/b"]
    assert [r.meta.published for r in records] == [None, None]  # WARC-Date is the crawl date
    assert "A second report from the port." in records[1].content and records[1].fmt == "html"


def test_ingest_feed_items_use_their_own_content_when_fetching_is_off(tmp_path):
    (tmp_path / "port.rss").write_text(RSS.format(base="http://ledger.example"), encoding="utf-8")
    (tmp_path / "ledger.atom").write_text(ATOM, encoding="utf-8")
    records = list(read_sources([str(tmp_path / "port.rss"), str(tmp_path / "ledger.atom")]))
    assert all(isinstance(r, RawDoc) for r in records) and len(records) == 4
    channel, pilots, members, tariffs = records
    assert channel.fmt == "html" and "harbour master Joris Veldt" in channel.content
    assert (channel.meta.published, channel.meta.published_from) == ("2024-02-13", "input")
    assert channel.meta.url == "http://ledger.example/articles/channel.html"
    assert pilots.meta.published is None and "eastern basin" in pilots.content
    assert tariffs.meta.published is None  # an Atom <updated> is not a publication date


def test_ingest_urls_are_skipped_when_fetching_is_off(tmp_path, site):
    listing = tmp_path / "reading.urls"
    listing.write_text(f"# to read\n{site.base}/articles/channel.html\n\n{site.base}/articles/pilots.html\n")
    before = len(site.requests)
    records = list(read_sources([str(listing), f"{site.base}/feed.rss"]))
    assert [type(r) for r in records] == [Skipped, Skipped, Skipped]
    assert all(r.reason == FETCH_OFF for r in records)
    assert len(site.requests) == before  # nothing was fetched


def test_ingest_feed_served_from_loopback_is_fetched_respecting_robots(site):
    records = list(read_sources([f"{site.base}/feed.rss"], fetcher=loopback_fetcher()))
    fetched = [r for r in records if isinstance(r, RawDoc)]
    refused = [r for r in records if isinstance(r, Skipped)]
    assert [r.meta.url for r in fetched] == [f"{site.base}/articles/channel.html", f"{site.base}/articles/pilots.html"]
    assert "pilots had already surveyed the new channel" in fetched[0].content
    assert fetched[0].meta.published == "2024-02-13"
    assert len(refused) == 1 and "robots.txt" in refused[0].reason
    assert "/private-area/report.html" not in [path for path, _ in site.requests]
    assert all(agent.startswith("storyline/") for _, agent in site.requests)


def test_ingest_warc_and_feed_from_loopback_analyse_end_to_end(site, tmp_path):
    options = Options()
    options.extra["fetch"] = FetchOptions(allow_private=True, timeout=5)
    result = analyze([f"{site.base}/crawl.warc.gz", f"{site.base}/feed.rss"], tmp_path, options)
    urls = {a["url"] for a in result.dossier["articles"]}
    assert urls == {
        "http://ledger.example/port/channel", "http://ledger.example/port/pilots",
        f"{site.base}/articles/channel.html", f"{site.base}/articles/pilots.html",
    }
    assert sum(s["speaker_name"] == "Joris Veldt" for s in result.dossier["statements"]) >= 4  # one per page
    assert [s.reason for s in result.skipped if "robots.txt" in s.reason]


@pytest.mark.parametrize("address", ["127.0.0.1", "10.20.30.40", "169.254.169.254", "192.168.1.7", "[::1]"])
def test_ingest_feed_item_pointing_at_a_private_address_is_refused(tmp_path, address):
    feed = tmp_path / "tricky.rss"
    feed.write_text(
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>'
        f"<item><title>Internal</title><link>http://{address}/admin/secrets</link>"
        f"<description>Looks like news.</description></item></channel></rss>",
        encoding="utf-8",
    )
    [record] = list(read_sources([str(feed)], fetcher=Fetcher(FetchOptions(timeout=2))))
    assert isinstance(record, Skipped)
    assert "refused" in record.reason and "--allow-private" in record.reason


def test_ingest_redirect_to_a_refused_address_is_refused(site, monkeypatch):
    """Every hop is checked: here 127.0.0.1 is allowed and 127.0.0.2 stands for a private host."""
    port = site.base.rsplit(":", 1)[1]
    site.add("/go", b"", status=302, Location=f"http://127.0.0.2:{port}/articles/channel.html")
    monkeypatch.setattr(fetch_module, "refused_address", lambda address: address != "127.0.0.1")
    fetcher = Fetcher(FetchOptions(timeout=2))
    assert b"harbour master" in fetcher.fetch(f"{site.base}/articles/channel.html").content
    with pytest.raises(FetchError, match="refused: 127.0.0.2"):
        fetcher.fetch(f"{site.base}/go")


def test_ingest_refused_addresses_cover_private_ranges():
    refused = fetch_module.refused_address
    assert all(refused(a) for a in ["127.0.0.1", "10.0.0.1", "172.16.5.4", "192.168.0.1", "169.254.169.254", "::1", "fe80::1", "0.0.0.0", "::ffff:127.0.0.1"])
    assert not any(refused(a) for a in ["93.184.216.34", "2606:4700::1111"])


def test_ingest_parquet_rows_are_records(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.table({
        "source": ["ledger-1", "ledger-2", "ledger-3"],
        "text": ["The port reopened on Monday, officials said.", None, "Pilots surveyed the basin."],
        "outlet": ["Dunmore Ledger", "Dunmore Ledger", None],
        "published": ["2024-02-13", None, None],
    })
    pq.write_table(table, tmp_path / "shard-000.parquet")
    records = list(read_sources(list(expand([str(tmp_path)]))))
    assert [type(r) for r in records] == [RawDoc, Skipped, RawDoc]
    assert (records[0].source, records[0].meta.outlet, records[0].meta.published) == ("ledger-1", "Dunmore Ledger", "2024-02-13")
    assert "no 'text' or 'html'" in records[1].reason


def test_ingest_jsonl_shard_larger_than_max_bytes_streams_line_by_line(tmp_path):
    shard = tmp_path / "shard-001.jsonl"
    lines = [json.dumps({"source": f"wire-{n}", "text": f"Report {n}: the ferry line reopened on Monday, officials said."}) for n in range(50)]
    lines.insert(10, "{not json")
    shard.write_text("\n".join(lines) + "\n", encoding="utf-8")
    records = list(read_sources([str(shard)], max_bytes=500))  # the file is larger, each line is not
    assert sum(isinstance(r, RawDoc) for r in records) == 50
    [bad] = [r for r in records if isinstance(r, Skipped)]
    assert bad.source.endswith(":line 11") and "malformed JSON" in bad.reason
    assert [r.source for r in records if isinstance(r, RawDoc)][:2] == ["wire-0", "wire-1"]
