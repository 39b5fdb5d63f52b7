"""Outlet profiles, the label comparison, alerts and tracked claims in a real browser (chromium via Playwright),
with injection payloads in the sources file's names, labels, countries and owners.

Skipped like tests/test_browser.py when chromium or playwright is missing.
"""

from __future__ import annotations

from urllib.parse import quote

import pytest
from sample_dossier import PAYLOADS, RunningServer, sample_dossier, write_store
from test_browser import browser, open_page, shot  # noqa: F401 - the browser fixtures

from storyline.store import watch as tables
from storyline.store.sqlite import Store

GAZETTE = f"Harbor Gazette {PAYLOADS[0]}"
WIRE = PAYLOADS[4]
HERALD = f"Northgate Herald {PAYLOADS[8]}"
SOURCES = [
    {"name": GAZETTE, "feeds": ["https://gazette.example/feed.xml"], "pages": [], "country": PAYLOADS[2],
     "owner": PAYLOADS[3], "labels": [PAYLOADS[1], "state-backed"]},
    {"name": WIRE, "feeds": ["https://wire.example/rss"], "pages": [], "country": "Freedonia", "owner": None,
     "labels": ["independent"]},
    {"name": HERALD, "feeds": [], "pages": ["https://herald.example/"], "country": PAYLOADS[5], "owner": PAYLOADS[7],
     "labels": ["state-backed", PAYLOADS[6]]},
]


@pytest.fixture(scope="module")
def outlets_server(tmp_path_factory):
    dossier = sample_dossier()
    for article, outlet in zip(dossier["articles"], (GAZETTE, WIRE, HERALD), strict=True):
        article["outlet"] = outlet
    path = write_store(dossier, tmp_path_factory.mktemp("outlets") / "outlets.db")
    with Store(path) as store:
        tables.save_sources(store.conn, SOURCES)
        tracked = tables.add_tracked(store.conn, label=f"The union {PAYLOADS[0]}", text=PAYLOADS[3], claim="c1",
                                     anchors=["a1:0-1"], created="2026-03-01T00:00:00+00:00")
        with store.conn:
            tables.insert_alert(store.conn, {
                "tracked": tracked, "statement_key": "a2:1-28", "claim": "c1", "claim_label": PAYLOADS[5],
                "statement": "s4", "text": PAYLOADS[8], "span": {"article": "a2", "start": 1, "end": 28},
                "speaker": PAYLOADS[2], "outlet": WIRE, "country": PAYLOADS[7], "date": "2025-06-02",
                "link": "javascript:window.__pwned=11", "firsts": ["outlet", PAYLOADS[1]]}, "2026-03-02T00:00:00+00:00")
    with RunningServer(path) as running:
        yield running


def assert_inert(watched, origin: str) -> None:
    assert watched.pwned() is None
    assert watched.dialogs == [] and watched.errors == []
    assert watched.foreign(origin) == []
    assert "pwned" not in watched.page.title()


def test_browser_outlets_list_and_profile_show_payload_names_as_text(open_page, outlets_server):
    watched = open_page(outlets_server.url + "/outlets")
    page = watched.page
    assert sorted(page.locator("a.outlet-link").all_text_contents()) == sorted([GAZETTE, WIRE, HERALD])
    page.locator("a.outlet-link", has_text="Harbor Gazette").click()
    page.wait_for_load_state("load")
    assert page.locator("h2.outlet-name").text_content() == GAZETTE
    assert page.locator(".outlet-country").text_content() == PAYLOADS[2]
    assert page.locator(".outlet-owner").text_content() == PAYLOADS[3]
    assert page.locator(".outlet-profile a.label-link").all_text_contents() == [PAYLOADS[1], "state-backed"]
    # Articles over time: one article, March 2025, drawn as a chart.
    assert page.locator("table.outlet-months td").all_text_contents()[:2] == ["2025-03", "1"]
    page.wait_for_selector("canvas.claim-chart[data-drawn='1']", timeout=30_000)
    # Both claims of the sample are carried; c1 also by the Wire, c2 also by the Herald; first dates here.
    rows = [row.locator("td").all_text_contents() for row in page.locator("table.outlet-claims tbody tr").all()]
    by_label = {row[0]: row for row in rows}
    assert by_label["The union will not sign a bad deal"][2:6] == ["2025-03-13", "2025-03-13", GAZETTE, WIRE]
    assert by_label["Ferry fares must stay frozen"][2:6] == ["2025-03-14", "2025-03-14", GAZETTE, HERALD]
    assert page.locator("ol.top-speakers li a").all_text_contents() == ["Mara Voss", "port authority"]
    assert_inert(watched, outlets_server.url)
    shot(watched, "app-outlet-profile")


def test_browser_outlet_profile_of_a_pure_payload_name(open_page, outlets_server):
    watched = open_page(f"{outlets_server.url}/outlet?name={quote(WIRE, safe='')}")
    assert watched.page.locator("h2.outlet-name").text_content() == WIRE
    assert watched.page.locator(".outlet-profile a.label-link").all_text_contents() == ["independent"]
    assert_inert(watched, outlets_server.url)


def test_browser_compare_by_label_puts_each_claim_on_its_side(open_page, outlets_server):
    watched = open_page(f"{outlets_server.url}/compare?label=state-backed")
    page = watched.page
    # state-backed: the Gazette and the Herald. c1: Gazette and Wire (both sides); c2: Gazette and Herald (labelled only).
    assert page.locator("table.in-both a.claim-link").all_text_contents() == ["The union will not sign a bad deal"]
    assert page.locator("table.only-labelled a.claim-link").all_text_contents() == ["Ferry fares must stay frozen"]
    assert page.locator("table.only-others").count() == 0
    assert page.locator("table.in-both td.first-carrier").text_content().startswith(GAZETTE)
    # The payload label is a choice in the form, as text, and comparing by it works.
    page.select_option("select[name=label]", PAYLOADS[6])
    page.click("form.compare button")
    page.wait_for_load_state("load")
    assert page.locator(".compare-label").text_content() == PAYLOADS[6]
    # Labelled by it: the Herald alone. c2 is carried by it and the Gazette; c1 by others only.
    assert page.locator("table.in-both a.claim-link").all_text_contents() == ["Ferry fares must stay frozen"]
    assert page.locator("table.only-others a.claim-link").all_text_contents() == ["The union will not sign a bad deal"]
    assert_inert(watched, outlets_server.url)
    shot(watched, "app-compare")


def test_browser_alerts_and_tracked_pages_render_payloads_inert(open_page, outlets_server):
    watched = open_page(outlets_server.url + "/alerts")
    page = watched.page
    cells = page.locator("table.alerts tbody tr td").all_text_contents()
    assert PAYLOADS[2] in cells and PAYLOADS[7] in cells and f"“{PAYLOADS[8]}”" in " ".join(cells)
    assert page.locator("table.alerts a.source-link").count() == 0  # a javascript: link is not a link
    assert_inert(watched, outlets_server.url)
    watched = open_page(outlets_server.url + "/tracked")
    assert watched.page.locator("section.tracked h3").first.text_content() == f"#1 The union {PAYLOADS[0]}"
    watched.page.wait_for_selector("section.tracked canvas.claim-chart[data-drawn='1']", timeout=30_000)
    assert_inert(watched, outlets_server.url)


def test_browser_track_a_claim_from_its_page(open_page, outlets_server):
    watched = open_page(outlets_server.url + "/claims/c2")
    page = watched.page
    with page.expect_response(lambda r: r.url.endswith("/api/tracked") and r.request.method == "POST",
                              timeout=60_000) as answer:
        page.click("button[data-track-claim]")
    assert answer.value.status == 201
    page.wait_for_function("document.querySelector('button[data-track-claim]').textContent.startsWith('Tracked')",
                           timeout=30_000)
    page.goto(outlets_server.url + "/tracked")
    labels = page.locator("section.tracked strong.claim-label").all_text_contents()
    assert "Ferry fares must stay frozen" in labels
    assert_inert(watched, outlets_server.url)
