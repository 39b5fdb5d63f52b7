"""The report reads right and stays small: headings, grammar, partial dates, outlets, timeline window, size."""

from large_dossier import large_dossier
from sample_dossier import sample_dossier

from storyline.present.report import (
    Links, article_heading, claim_series, densest_window, plural, readable_date, render_report, timeline,
)


def test_report_300_articles_fit_in_one_and_a_half_megabytes():
    html = render_report(large_dossier(300))
    assert len(html.encode("utf-8")) <= 1_500_000
    assert 'id="ar-a300"' in html and "too many to print whole here" in html
    assert 'href="#ar-a1"' in html  # statement links land on their article's row


def test_report_small_corpus_keeps_bodies_and_statement_anchors():
    html = render_report(sample_dossier())
    assert '<mark class="statement" id="st-s2">' in html and "too many to print" not in html


def test_report_untitled_article_gets_outlet_date_and_first_words():
    untitled = {"title": None, "outlet": None, "published": "--04", "body": "Ferry crews walked out on Monday over the new rota, the union said."}
    assert article_heading(untitled) == "No outlet, April (year unknown): Ferry crews walked out on Monday over the…"
    assert article_heading({"title": "Crews walk out", "body": "x"}) == "Crews walk out"
    html = render_report({**sample_dossier(), "articles": [{**a, "title": None} for a in sample_dossier()["articles"]]})
    assert "<h3>Harbor Gazette, 2025-03-14: The port authority said the talks would resume…</h3>" in html


def test_report_counts_read_in_the_singular_and_partial_dates_in_words():
    assert plural(1, "statement") == "1 statement" and plural([1, 2], "statement") == "2 statements"
    assert plural(1, "story", "stories") == "1 story"
    assert readable_date("--04") == "April (year unknown)" and readable_date("--10-21") == "21 October (year unknown)"
    assert readable_date("2024-04") == "2024-04" and readable_date(None) is None
    html = render_report(sample_dossier())
    assert "1 statements" not in html and "1 articles" not in html
    assert "21 October (year unknown)" in html and ">--10-21<" not in html


def test_report_outlet_chart_has_a_no_outlet_stack():
    dossier = sample_dossier()
    dossier["articles"][1]["outlet"] = None
    claim = {**dossier["claims"][0], "series": None}
    series = claim_series(claim, dossier, {})
    assert {"label": "no outlet", "data": [0, 0, 0, 1]} in series["by_outlet"]
    given = {**claim, "series": [{"period": "2017", "count": 3, "by_outlet": {"Wire": 1}, "by_speaker": {}}]}
    assert {"label": "no outlet", "data": [2]} in claim_series(given, dossier, {})["by_outlet"]


def test_report_timeline_opens_on_its_densest_period():
    items = [{"start": f"2017-0{m}-01", "end": None} for m in (1, 6)]
    items += [{"start": f"2024-03-{day:02d}", "end": None} for day in range(1, 26)]
    window = densest_window(items)
    assert "2024-02-20" <= window["start"] <= "2024-03-01" and "2024-03-20" <= window["end"] <= "2024-04-05"
    few = densest_window(items[:3])
    assert few["start"] < "2017-01-01" and few["end"] > "2024-03-01"
    view = timeline(sample_dossier(), Links())
    assert view["window"]["start"] <= min(i["start"] for i in view["items"])
