"""HTML extraction on hand-written pages, and the extraction benchmark's scoring."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from storyline.article.extract_html import choose_title, clean_author, extract_html, strip_site_name

FIXTURES = Path(__file__).parent / "fixtures" / "html"
BENCH_SCRIPT = Path(__file__).parents[1] / "bench" / "bench_extract.py"


def _extract(name: str):
    return extract_html((FIXTURES / name).read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def news():
    return _extract("news_article.html")


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("bench_extract", BENCH_SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_extract_html_body_keeps_article_paragraphs(news):
    assert "voted seven to two on Wednesday evening" in news.body
    assert '"Doing nothing was never going to be cheaper."' in news.body
    assert "later this spring." in news.body
    paragraphs = news.body.split("\n\n")
    assert len(paragraphs) == 5
    assert paragraphs[0].startswith("The Millbrook harbour council voted")


def test_extract_html_body_leaves_out_page_furniture(news):
    for boilerplate in ("Sport Results", "Subscribe Today", "Privacy policy", "12 Ropewalk Street"):
        assert boilerplate not in news.body
    for related in ("Related stories", "Winter ferry timetable", "school roof repairs"):
        assert related not in news.body


def test_extract_html_comments_kept_apart_from_body(news):
    assert "cellar has been wet" not in news.body
    assert "boondoggle" not in news.body
    texts = [comment.text for comment in news.comments]
    assert any("cellar has been wet since November" in text for text in texts)
    assert any("boondoggle" in text for text in texts)
    assert [comment.author for comment in news.comments] == ["harbourwatcher", "quaysidegran"]


def test_extract_html_metadata(news):
    assert news.title == "Harbour council approves flood barrier plan"
    assert news.outlet == "The Millbrook Courier"
    assert news.author == "Rosalind Achterberg"
    assert news.published == "2024-03-14"


def test_extract_html_headline_not_repeated_in_body(news):
    assert not news.body.startswith("Harbour council approves")


def test_extract_html_no_date_on_page_gives_none():
    extraction = _extract("no_date.html")
    assert extraction.published is None
    assert "taller than their parents ever did" in extraction.body
    assert "Front page" not in extraction.body


def test_extract_html_copyright_year_is_not_a_publication_date():
    # Only "(c) 2019" in the footer: no 2019-01-01 guessed from it.
    extraction = _extract("copyright_only.html")
    assert extraction.published is None
    assert "Night buses will run again" in extraction.body


def test_extract_html_markup_in_text_stays_text():
    extraction = _extract("script_injection.html")
    assert extraction.title == 'Library board rejects <script>alert("pwned")</script> petition'
    assert 'filled with the text <script>alert("pwned")</script> by a prankster' in extraction.body
    # Real script elements and attributes are not text of the page.
    assert "stealCookies" not in extraction.body
    assert "document.cookie" not in extraction.body
    assert "onerror" not in extraction.body
    assert "Philippa Nakamura-Holt" in extraction.body


def test_extract_html_empty_page_gives_empty_body():
    extraction = extract_html("<html><head><title>Untitled</title></head><body><div> </div></body></html>")
    assert extraction.body == ""
    assert extraction.published is None
    assert extraction.warnings


@pytest.mark.parametrize(
    ("title", "names", "expected"),
    [
        ("Ferry fares rise again | The Harbour Post", ["The Harbour Post", None], "Ferry fares rise again"),
        ("Ferry fares rise again - Harbour Post", [None, "www.harbourpost.example"], "Ferry fares rise again"),
        ("Harbour Post :: Ferry fares rise again", ["Harbour Post"], "Ferry fares rise again"),
        # The part after the dash is not the site: the title is left whole.
        ("Ferry fares rise - and so do tempers", ["The Harbour Post"], "Ferry fares rise - and so do tempers"),
        # A site name that repeats the whole title cannot tell headline from site ...
        ("Ferry fares rise again | Harbour Post", ["Ferry fares rise again | Harbour Post"], "Ferry fares rise again | Harbour Post"),
        # ... but the host name still can.
        (
            "Ferry fares rise again | Harbour Post",
            ["Ferry fares rise again | Harbour Post", "harbourpost.example"],
            "Ferry fares rise again",
        ),
        ("Long-term plan: cross-town buses", ["Town Buses"], "Long-term plan: cross-town buses"),
        (None, ["Harbour Post"], None),
    ],
)
def test_extract_html_strip_site_name(title, names, expected):
    assert strip_site_name(title, names) == expected


@pytest.mark.parametrize(
    ("byline", "expected"),
    [
        ("Author Ilse Brandvold", "Ilse Brandvold"),
        ("Written by: Ilse Brandvold", "Ilse Brandvold"),
        ("Written By", None),
        ("The Author", None),
        ("Byron Tasker", "Byron Tasker"),
        (None, None),
    ],
)
def test_extract_html_clean_author(byline, expected):
    assert clean_author(byline) == expected


def test_extract_html_choose_title_prefers_single_headline():
    meta = "Ferry fares to rise in spring | The Harbour Post"
    sites = ["The Harbour Post", None]
    assert choose_title(meta, ["Ferry fares rise again as fuel costs bite"], sites) == (
        "Ferry fares rise again as fuel costs bite"
    )
    # A logo-like or unrelated <h1>, or several of them, leave the metadata title.
    assert choose_title(meta, ["Harbour Post"], sites) == "Ferry fares to rise in spring"
    assert choose_title(meta, ["The Harbour Post"], sites) == "Ferry fares to rise in spring"
    assert choose_title(meta, ["Weekend weather and tides"], sites) == "Ferry fares to rise in spring"
    assert choose_title(meta, ["Ferry fares rise again", "Most read fares stories"], sites) == (
        "Ferry fares to rise in spring"
    )
    assert choose_title(None, [], sites) is None


def test_extract_html_bench_bag_of_words_scores(bench):
    # gold: 6 tokens; predicted: 4 tokens, 3 shared ("the", "cat", "sat"; "the" once in gold).
    precision, recall, f1 = bench.bag_of_words_prf("The cat sat the", "the cat sat on a mat")
    assert precision == pytest.approx(3 / 4)
    assert recall == pytest.approx(3 / 6)
    assert f1 == pytest.approx(2 * 0.75 * 0.5 / 1.25)
    assert bench.bag_of_words_prf("Cat, SAT!", "cat sat") == (1.0, 1.0, 1.0)
    assert bench.bag_of_words_prf("", "cat sat") == (0.0, 0.0, 0.0)
    assert bench.bag_of_words_prf("dog", "cat") == (0.0, 0.0, 0.0)
    # Empty gold: right only if the prediction is empty too (evaluate.py's rule).
    assert bench.bag_of_words_prf("", "") == (1.0, 1.0, 1.0)
    assert bench.bag_of_words_prf("stray words", None) == (0.0, 0.0, 0.0)


def test_extract_html_bench_author_and_title_rules(bench):
    assert bench.same_author("By Ada Quell and Bo Ruddle", "Ada Quell; Bo Ruddle")
    assert bench.same_author(None, None)
    assert bench.same_author(None, "")
    assert not bench.same_author("Ada Quell", None)
    assert not bench.same_author("Ada Quell", "Bo Ruddle")
    assert bench.same_title("Ferry fares rise  again!", "ferry fares rise again")
    assert not bench.same_title("Ferry fares rise", "ferry fares rise again")


def test_extract_html_comment_heading_is_no_comment_and_authors_are_kept():
    page = (Path(__file__).parents[1] / "examples" / "harbor_gazette_hotline.html").read_text(encoding="utf-8")
    comments = extract_html(page).comments
    assert [(c.author, c.text) for c in comments] == [
        ("Lio Brandt", "Good news for once. Now sign the quota deal."), ("seawall", "A phone line is not a policy.")]


def test_extract_html_comment_items_with_time_and_replies():
    page = """<html><body><article><h1>Quay wall repaired at last</h1>
    <p>The quay wall at Pier Lane was repaired on Tuesday after two years of delays, the harbour office said.</p>
    <p>Work cost less than planned, officials added, and the quay reopens to traffic next week.</p></article>
    <div id="comments"><h3>3 Comments</h3>
    <article class="comment"><footer><cite>Nadia Ferrow</cite> <time datetime="2024-06-04T09:30">June 4</time></footer>
      <div class="comment-content"><p>Finally.</p></div>
      <article class="comment"><footer><span class="username">pierlane_7</span></footer><p>Two years!</p></article>
    </article></div></body></html>"""
    comments = extract_html(page).comments
    assert [(c.author, c.posted, c.text) for c in comments] == [
        ("Nadia Ferrow", "2024-06-04", "Finally."), ("pierlane_7", None, "Two years!")]


def test_extract_html_flattened_comment_blocks_leave_out_the_heading():
    from storyline.article.extract_html import _comments
    from lxml import html as lxml_html

    body = lxml_html.fromstring("<div><p>Comments (2)</p><p>Well said.</p><p>Not so fast.</p></div>")
    assert [c.text for c in _comments(body)] == ["Well said.", "Not so fast."]
