"""Plain-text page extractor: hand-written scraped pages, then the real seed pages (when present)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from storyline.article.extract_text import extract_text

PAGES = Path(__file__).parent / "fixtures" / "pages"
SEEDS = Path(__file__).parents[1] / ".." / "shared" / "seeds" / "articles"

ENDS_SENTENCE = re.compile(r"[.!?…]['\"”’)]*$|['\"”’]$")
ISO_DATE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2})?$")


def page(name: str) -> str:
    return (PAGES / name).read_text()


def paragraphs(body: str) -> list[str]:
    return body.split("\n\n") if body else []


# --------------------------------------------------------------------------
# Hand-written pages


@pytest.mark.parametrize(
    ("name", "kept", "dropped"),
    [
        (
            "harbor_gazette_comments.txt",
            [
                "The Westmoor town council voted on Friday",
                '"We cannot ask residents to pay for a boat',
                "Islanders have waited since 2016 for a regular crossing.",
                "publish a revised estimate within three months.",
            ],
            [
                "Skip to content",
                "Councillors said the cost had doubled",  # standfirst
                "Kessel Island grocer fights",  # related stories list
                "Sign up for",
                "Comments",
                "cranes were already gone",  # a reader comment
                "water taxi",
                "Reply",
                "©",
            ],
        ),
        (
            "valley_courier_captions.txt",
            [
                "Farmers across the Lenholm valley are selling cattle",
                "The regional water board said on Tuesday",
                "Nobody sells in January",
                "Agricultural economist Rita Vendt",
                "The water board will review the quotas again in April.",
            ],
            ["spillway", "Lorna Pike", "Photo:", "Credit:", "Joel Marsh", "Tags", "Drought](", "Most read", "Osterby"],
        ),
        (
            "northline_spliced_readmore.txt",
            [
                "Energy ministers from three Baltic states agreed on Saturday",
                "before construction begins which would then be shared by all three governments.",
                "at ninety percent of capacity. The European Commission is expected to comment on the plan next week.",
            ],
            ["Read more", "record highs in Riga", "Baltic Gas Reserves Explained", "Subscribe", "Share this", "MENU"],
        ),
        (
            "no_date_blog.txt",
            ["Two amateur astronomers in Ridgefield", '"Then it moved."', "both their names."],
            ["Home >", "By Theo Brandt", "Share on", "More from Science", "night sky is getting brighter"],
        ),
    ],
)
def test_extract_text_keeps_article_and_drops_page_furniture(name: str, kept: list[str], dropped: list[str]) -> None:
    body = extract_text(page(name)).body
    for text in kept:
        assert text in body, text
    for text in dropped:
        assert text not in body, text


def test_extract_text_clean_wire_copy_comes_out_whole() -> None:
    text = page("wire_clean.txt")
    extraction = extract_text(text)
    assert paragraphs(extraction.body) == [line for line in text.splitlines() if line.strip()]
    assert extraction.title is None and extraction.published is None and extraction.comments == []


def test_extract_text_moves_reader_comments_out_of_the_body() -> None:
    extraction = extract_text(page("harbor_gazette_comments.txt"))
    by_author = {comment.author: comment for comment in extraction.comments}
    assert set(by_author) == {"Oskar Lindqvist", "Priya Natarajan", "gwen_h"}
    # "3 hours ago" has no anchor the text supports: no date rather than an invented one.
    assert by_author["Oskar Lindqvist"].posted is None
    assert by_author["Priya Natarajan"].posted == "2024-03-02T11:40"
    assert by_author["gwen_h"].posted == "2024-03-02"
    assert by_author["Priya Natarajan"].text == (
        "This is the third time the council has promised a ferry link.\n\n"
        "They never follow through on anything that matters to the island.\n\n"
        "Same story on May 2, 2023."
    )
    assert all("Reply" not in comment.text and "©" not in comment.text for comment in extraction.comments)


def test_extract_text_reads_metadata_the_page_states() -> None:
    harbor = extract_text(page("harbor_gazette_comments.txt"))
    assert harbor.title == "Council shelves ferry link to Kessel Island for a third time"
    assert harbor.author == "Marta Ellison"
    assert harbor.published == "2024-03-02"
    assert harbor.outlet == "Harbor Gazette"
    valley = extract_text(page("valley_courier_captions.txt"))
    assert (valley.title, valley.published, valley.outlet) == (
        "Drought forces Lenholm farmers to sell herds early",
        "2023-01-12",
        "Valley Courier",
    )
    northline = extract_text(page("northline_spliced_readmore.txt"))
    assert northline.published == "2022-09-18"
    assert northline.outlet == "Northline Post"
    assert northline.title == "Baltic ministers agree on joint grid plan – Northline"


def test_extract_text_never_takes_the_date_from_an_article_sentence() -> None:
    extraction = extract_text(page("no_date_blog.txt"))
    assert "June 4, 2021" in extraction.body
    assert extraction.published is None
    assert extraction.author == "Theo Brandt"


def test_extract_text_warns_when_it_repairs_link_lines() -> None:
    warnings = extract_text(page("northline_spliced_readmore.txt")).warnings
    assert any("spliced" in warning for warning in warnings)
    assert any("glued" in warning for warning in warnings)
    assert extract_text(page("wire_clean.txt")).warnings == []


def test_extract_text_leaves_a_missing_space_without_a_headline_alone() -> None:
    text = (
        "The figures were confirmed by the national statistics agency on Monday.It said more data would follow.\n"
        "Officials at Example.Org said the survey would be repeated in the spring of next year.\n"
    )
    extraction = extract_text(text)
    assert "agency on Monday.It said more data would follow." in extraction.body
    assert "Example.Org said" in extraction.body
    assert extraction.warnings == []


def test_extract_text_rejoins_hard_wrapped_paragraphs() -> None:
    text = (
        "The river authority in Dunmore said on Thursday that it would open the\n"
        "northern floodgates for the first time since the spring storms of last\n"
        "year, after water levels rose by more than a metre in two days.\n"
        "\n"
        "Residents of the lower town were told to move cars away from the quay\n"
        "before nightfall, the authority said in a short statement on its site.\n"
    )
    body = paragraphs(extract_text(text).body)
    assert len(body) == 2
    assert body[0].startswith("The river authority") and body[0].endswith("in two days.")
    assert "the\nnorthern" not in body[0] and "the northern floodgates" in body[0]


def test_extract_text_byline_and_date_after_a_teaser_are_not_a_comment() -> None:
    text = (
        "Trending: the city has opened a new swimming pool for the summer, officials said.\n\n"
        "Dock workers end strike at Brannock port\n\n"
        "Hanna Iversen\n\n"
        "May 3, 2024\n\n"
        "Dock workers at Brannock port voted on Thursday to end a nine-day strike after the operator raised "
        "its pay offer.\n\n"
        "The union said members would return to work on Friday morning.\n"
    )
    extraction = extract_text(text)
    assert extraction.comments == []
    assert "The union said members would return to work on Friday morning." in extraction.body


def test_extract_text_one_terse_sentence_is_the_article() -> None:
    # A wire headline sent as a one-line text: too few function words for prose, but all the page has.
    extraction = extract_text("Ferry strike halts Saltmere crossings; 3 routes shut.\n")
    assert extraction.body == "Ferry strike halts Saltmere crossings; 3 routes shut."
    assert any("terse" in warning for warning in extraction.warnings)


def test_extract_text_page_of_furniture_without_sentences_stays_empty() -> None:
    extraction = extract_text("Home | News | Sport\nTop Stories\nMayor Opens New Bridge\nSubscribe to our newsletter.\n")
    assert extraction.body == ""


def test_extract_text_empty_page_has_empty_body() -> None:
    extraction = extract_text("\n\n  \nHome\nMenu\n")
    assert extraction.body == ""
    assert extraction.published is None


# --------------------------------------------------------------------------
# The real seed pages (read from the shared folder, never copied here)


def seed(prefix: str) -> str:
    if not SEEDS.is_dir():
        pytest.skip("seed articles not available")
    matches = sorted(SEEDS.glob(f"{prefix}_*.txt"))
    if not matches:
        pytest.skip(f"seed {prefix} not available")
    return matches[0].read_text()


def long_sentence_lines(text: str, before: str) -> list[str]:
    """Lines of 15+ words that end a sentence, above the first line matching ``before``.

    Captions (©) and "Read more" link lines are not article paragraphs.
    """
    lines = [line.strip() for line in text.splitlines()]
    stop = next((i for i, line in enumerate(lines) if re.search(before, line)), len(lines))
    return [
        line
        for line in lines[:stop]
        if len(line.split()) >= 15
        and ENDS_SENTENCE.search(line)
        and "©" not in line
        and not line.lower().startswith("read more")
    ]


@pytest.mark.parametrize(
    ("prefix", "published"),
    [("000", None), ("001", "2025-07-04"), ("002", None), ("003", None), ("004", "2025-05-05")],
)
def test_extract_text_seed_published_dates(prefix: str, published: str | None) -> None:
    assert extract_text(seed(prefix)).published == published


@pytest.mark.parametrize("prefix", ["000", "003"])
def test_extract_text_seed_clean_wire_body_is_every_paragraph(prefix: str) -> None:
    text = seed(prefix)
    extraction = extract_text(text)
    assert paragraphs(extraction.body) == [line.strip() for line in text.splitlines() if line.strip()]
    assert extraction.title is None and extraction.comments == []


def test_extract_text_seed_wire_drops_only_link_and_headline_lines() -> None:
    text = seed("002")
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    body = paragraphs(extract_text(text).body)
    # Everything that ends a sentence is kept, in order; the two lines that
    # do not (a related-story headline and a READ MORE link) are dropped.
    assert body == [line for line in lines if ENDS_SENTENCE.search(line)]
    assert len(lines) - len(body) == 2
    assert not any(line.upper().startswith("READ MORE") for line in body)


@pytest.mark.parametrize("prefix", ["001", "004"])
def test_extract_text_seed_scraped_body_is_clean(prefix: str) -> None:
    body = paragraphs(extract_text(seed(prefix)).body)
    assert len(body) >= 4
    for paragraph in body:
        assert not re.search(r"\[[^\]]*\]\(", paragraph), paragraph
        assert "©" not in paragraph and "@" not in paragraph
        assert not re.search(r"\d{1,2}/\d{1,2}/\d{4}", paragraph), paragraph
        assert not re.search(r"\b(?:Reply|Subscribe|Photo:)", paragraph), paragraph
        assert "*" not in paragraph
        assert ENDS_SENTENCE.search(paragraph), paragraph


@pytest.mark.parametrize(("prefix", "article_ends_before"), [("001", r"^\[.+\]\(#\)"), ("004", r"^Subscribe")])
def test_extract_text_seed_scraped_body_holds_every_paragraph(prefix: str, article_ends_before: str) -> None:
    text = seed(prefix)
    body = extract_text(text).body
    expected = long_sentence_lines(text, article_ends_before)
    assert len(expected) >= 4
    for line in expected:
        assert line[:60] in body, line[:60]
    # The first body paragraph is the lede, not the standfirst or a caption.
    assert paragraphs(body)[0][:60] == expected[0][:60]


def test_extract_text_seed_spliced_link_line_is_repaired() -> None:
    text = seed("001")
    extraction = extract_text(text)
    spliced = [line for line in text.splitlines() if line.strip().lower().startswith("read more")]
    assert len(spliced) == 1
    tail = spliced[0].strip().split()[-1]  # the last word of the sentence continuation
    joined = [paragraph for paragraph in paragraphs(extraction.body) if paragraph.endswith(tail)]
    assert len(joined) == 1 and "read more" not in joined[0].lower()
    assert extraction.warnings


def test_extract_text_seed_reader_comments_have_authors_and_dates() -> None:
    extraction = extract_text(seed("001"))
    assert len(extraction.comments) >= 5
    for comment in extraction.comments:
        assert comment.author and comment.text
        assert comment.posted and ISO_DATE_TIME.match(comment.posted), comment.posted
        # A reader's date is not the article's date, and reader text is not article text.
        assert comment.posted[:10] != extraction.published
        assert comment.text[:50] not in extraction.body
        assert "Reply" not in comment.text


def test_extract_text_seed_metadata_from_page_patterns() -> None:
    rt, pravda = extract_text(seed("001")), extract_text(seed("004"))
    assert rt.title and rt.outlet and pravda.title and pravda.outlet and pravda.author
    assert rt.title not in rt.body and pravda.title not in pravda.body
    assert pravda.outlet.casefold() in seed("004").casefold()
    assert len(pravda.author.split()) == 2


def test_extract_text_footer_menu_is_not_glued_onto_the_last_comment():
    page = (Path(__file__).parents[1] / "examples" / "northgate_herald_scraped.txt").read_text(encoding="utf-8")
    comments = extract_text(page).comments
    assert [c.author for c in comments] == ["Marta Quill", "Ben Oduya", "harbourwatch"]
    assert comments[-1].text == "Nobody asked the crews what they want."
