import re

from storyline.present.report import date_sort_key, render_report, safe_url, segments

PAYLOADS = [
    '<script>alert(1)</script>',
    '"><img src=x onerror=alert(1)>',
    "</textarea></script><svg onload=alert(1)>",
    "' onmouseover='alert(1)",
]


def dossier_with(text: str, url: str = "javascript:alert(1)") -> dict:
    body = f"Before. {text} After."
    start = body.index(text)
    return {
        "schema": "storyline.present.dossier/1",
        "articles": [{
            "id": "a1", "source": text, "url": url, "title": text, "outlet": text, "published": None,
            "published_from": None, "author": text, "language": "en", "body": body,
            "comments": [{"author": text, "posted": None, "text": text}], "warnings": [text],
        }],
        "skipped": [{"source": text, "reason": text}],
        "entities": [{"id": "e1", "name": text, "kind": "person", "aliases": [text], "roles": [text]}],
        "statements": [{
            "id": "s1", "article": "a1", "kind": "direct", "speaker": "e1", "speaker_name": text,
            "speaker_mention": None, "cue": "said", "text": text, "start": start, "end": start + len(text),
            "said_on": None, "claim": None,
        }],
        "times": [], "events": [{"id": "v1", "date": "--10-21", "date_end": None, "summary": text, "entities": [],
                                 "mentions": [{"article": "a1", "start": 0, "end": 1, "text": "B"}]}],
        "claims": [{"id": "c1", "label": text, "statements": ["s1"], "articles": ["a1"], "speakers": ["e1"],
                    "spans": [{"statement": "s1", "start": start + 1, "end": start + len(text)}],
                    "first_seen": None, "last_seen": None}],
        "stories": [],
    }


def test_report_escapes_untrusted_text_in_every_field():
    for payload in PAYLOADS:
        html = render_report(dossier_with(payload))
        assert payload not in html
        assert "<script>alert" not in html and "<img src=x" not in html and "<svg onload" not in html
        assert "javascript:" not in html


def test_report_claim_shows_the_part_of_a_statement_making_it():
    text = "The port must reopen, and the strike will end soon"
    dossier = dossier_with(text)
    start = dossier["statements"][0]["start"]
    clause = "the strike will end soon"
    dossier["claims"][0]["spans"] = [{"statement": "s1", "start": start + text.index(clause), "end": start + len(text)}]
    html = render_report(dossier)
    assert f"the part making this claim: “{clause}”" in html
    dossier["claims"][0]["spans"] = [{"statement": "s1", "start": start, "end": start + len(text)}]  # the whole statement
    assert "the part making this claim" not in render_report(dossier)


def test_report_makes_no_network_requests():
    html = render_report(dossier_with("plain", url="https://news.example/a"))
    assert 'http-equiv="Content-Security-Policy" content="default-src &#39;none&#39;' in html
    # The only absolute URL is the article's own link, in an <a href>, never a resource.
    resources = re.findall(r'<(?:script|link|img|iframe)[^>]+(?:src|href)=', html)
    assert resources == []
    assert 'href="https://news.example/a"' in html


def test_report_segments_cover_the_body_exactly_once():
    body = "He said: 'one'. She said: 'two'."
    spans = [{"id": "s1", "start": 9, "end": 14}, {"id": "s2", "start": 12, "end": 20}, {"id": "s3", "start": 26, "end": 31}]
    pieces = segments(body, spans)
    assert "".join(text for text, _ in pieces) == body
    assert [sid for _, sid in pieces if sid] == ["s1", "s2", "s3"]


def test_report_orders_year_unknown_dates_apart():
    dates = ["2025-07-04", None, "--10-21", "2017-05", "2025"]
    assert sorted(dates, key=date_sort_key) == ["2017-05", "2025", "2025-07-04", "--10-21", None]


def test_report_only_links_http_urls():
    assert safe_url("https://a.example/x") == "https://a.example/x"
    for bad in ("javascript:alert(1)", " JavaScript:alert(1)", "data:text/html,x", "vbscript:x", "", None):
        assert safe_url(bad) is None


# -- the analyst's views -------------------------------------------------------

from sample_dossier import sample_dossier  # noqa: E402

from storyline.present.report import (  # noqa: E402
    Links,
    body_pieces,
    claim_series,
    date_span,
    people,
    timeline,
)


def test_report_date_span_draws_partial_dates_at_their_precision():
    assert date_span("2017") == ("2017-01-01", "2018-01-01", "year")
    assert date_span("2024-02") == ("2024-02-01", "2024-03-01", "month")
    assert date_span("2024-12") == ("2024-12-01", "2025-01-01", "month")
    assert date_span("2024-02-29") == ("2024-02-29", "2024-03-01", "day")
    assert date_span("2024-12-31") == ("2024-12-31", "2025-01-01", "day")
    for unplaceable in ("2023-02-29", "2024-13", "--10-21", "--10", "", None, "March 2024"):
        assert date_span(unplaceable) is None


def test_report_timeline_places_events_and_statements():
    view = timeline(sample_dossier(), Links())
    by_id = {item["id"]: item for item in view["items"]}
    assert (by_id["event-v2"]["start"], by_id["event-v2"]["end"], by_id["event-v2"]["precision"]) == ("2017-01-01", "2018-01-01", "year")
    assert (by_id["event-v3"]["start"], by_id["event-v3"]["end"]) == ("2025-05-01", "2025-06-01")
    assert by_id["event-v1"]["end"] is None  # a day is a point
    assert by_id["statement-s2"]["start"] == "2025-03-13"  # said_on
    assert by_id["statement-s1"]["start"] == "2025-03-14"  # else the article's date
    assert "statement-s6" not in by_id and "event-v4" not in by_id
    assert [(i["id"], i["date"]) for i in view["year_unknown"]] == [("event-v4", "--10-21"), ("statement-s6", "--10-21")]
    assert by_id["statement-s2"]["href"] == "#st-s2"
    app_view = timeline(sample_dossier(), Links(app=True))
    assert {i["id"]: i["href"] for i in app_view["items"]}["event-v1"] == "/articles/a1#evm-v1-0"


def test_report_claim_series_by_outlet_and_speaker():
    dossier = sample_dossier()
    names = {e["id"]: e["name"] for e in dossier["entities"]}
    given = claim_series(dossier["claims"][0], dossier, names)
    assert given["periods"] == ["2025-03", "2025-04", "2025-05", "2025-06"]  # months without a statement count 0
    assert given["by_outlet"] == [{"label": "Harbor Gazette", "data": [1, 0, 0, 0]}, {"label": "Meridian Wire", "data": [0, 0, 0, 1]}]
    assert given["by_speaker"] == [{"label": "Mara Voss", "data": [1, 0, 0, 1]}]
    yearly = {**dossier["claims"][0], "series": [{"period": "2017", "count": 2, "by_outlet": {}, "by_speaker": {}},
                                                 {"period": "2025", "count": 1, "by_outlet": {}, "by_speaker": {}}]}
    assert claim_series(yearly, dossier, names)["periods"] == ["2017", "2025"]
    counted = claim_series(dossier["claims"][1], dossier, names)  # no series given: counted from statements
    assert (counted["periods"], counted["counts"]) == (["2025-03"], [1])


def test_report_people_have_roles_and_all_their_statements():
    found = {p["id"]: p for p in people(sample_dossier())}
    assert [s["id"] for s in found["e1"]["statements"]] == ["s2", "s3", "s4"]
    assert found["e2"]["roles"] == ["deputy mayor"]


def test_report_body_pieces_keep_anchors_of_hidden_spans():
    body = "abcdefghij"
    pieces = body_pieces(body, [{"id": "x", "start": 2, "end": 6}, {"id": "y", "start": 3, "end": 5, "kind": "event"}])
    assert "".join(p["text"] for p in pieces) == body
    assert [(p["text"], p["id"], p["anchors"]) for p in pieces] == [("ab", None, []), ("cdef", "x", ["y"]), ("ghij", None, [])]
    assert body_pieces("", []) == [{"text": "", "start": 0, "end": 0, "id": None, "kind": None, "anchors": []}]


def test_report_links_every_item_to_its_source_span():
    dossier = sample_dossier()
    html = render_report(dossier)
    for statement in dossier["statements"]:
        assert f'id="st-{statement["id"]}"' in html and f'href="#st-{statement["id"]}"' in html
    for event in dossier["events"]:
        assert f'id="evm-{event["id"]}-0"' in html
    # v3's mention is the same text as statement s1: its anchor sits just before it.
    assert '<span class="anchor" id="evm-v3-0"></span><mark class="statement" id="st-s1">' in html
    for claim in dossier["claims"]:
        assert f'id="cl-{claim["id"]}"' in html
    assert 'id="en-e1"' in html and 'href="#en-e2"' in html


def test_report_inlines_pinned_libraries_and_loads_nothing():
    html = render_report(sample_dossier())
    assert "@version 8.5.4" in html and "Chart.js v4.5.1" in html  # licence headers kept
    assert not re.search(r'<(?:script|link|img|iframe)\b[^>]*\b(?:src|href)=', html.split("<script>")[0])
    assert html.count('type="application/json"') == 1 + 2  # the timeline and two claim series
    assert "@media print" in html


def test_report_csp_allows_only_its_own_scripts():
    html = render_report(sample_dossier())
    csp = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', html).group(1).replace("&#39;", "'")
    assert "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    assert csp.count("'sha256-") == html.count("<script>")  # one hash per inline script
    assert "connect-src" not in csp and csp.startswith("default-src 'none'")


def test_report_event_link_skips_headline_mentions():
    from storyline.present.report import Links, event_href

    event = {"id": "v7", "mentions": [{"article": "a2", "start": 0, "end": 5, "text": "Flood", "part": "title"},
                                      {"article": "a3", "start": 10, "end": 16, "text": "flood"}]}
    assert event_href(event, Links()) == "#evm-v7-1"  # the body mention's anchor, not the headline's
    only_title = {"id": "v8", "mentions": [event["mentions"][0]]}
    assert event_href(only_title, Links()) == "#ar-a2" and event_href(only_title, Links(app=True)) == "/articles/a2"
