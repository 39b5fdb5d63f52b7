import re

from storyline.report import date_sort_key, render_report, safe_url, segments

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
        "schema": "storyline.dossier/1",
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
                    "first_seen": None, "last_seen": None}],
        "stories": [],
    }


def test_report_escapes_untrusted_text_in_every_field():
    for payload in PAYLOADS:
        html = render_report(dossier_with(payload))
        assert payload not in html
        assert "<script>alert" not in html and "<img src=x" not in html and "<svg onload" not in html
        assert "javascript:" not in html


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
