"""Temporal tagging, normalisation against the article's date, and said_on."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from storyline.core.options import Options
from storyline.core.records import Article
from storyline.article.said_on import date_statements
from storyline.article.time_values import calendar_date, parse_anchor
from storyline.article.times import Times, tag_times

FIXTURES = Path(__file__).parent / "fixtures" / "times"
SHARED = Path(__file__).resolve().parents[1] / ".." / "shared"
CONSTRUCTIONS = json.loads((FIXTURES / "constructions.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def nlp():
    from storyline.article.parse import load_nlp

    return load_nlp()


def tagged(nlp, text: str, anchor: str | None) -> list[tuple[str, str | None, str, str | None]]:
    return [(text[t.start : t.end], t.value, t.type, t.value_end) for t in tag_times(nlp(text), anchor)]


@pytest.mark.parametrize("case", CONSTRUCTIONS, ids=[c["name"] for c in CONSTRUCTIONS])
def test_times_constructions(nlp, case):
    found = tagged(nlp, case["text"], case["anchor"])
    for surface, value, kind, *end in case["expect"]:
        match = [f for f in found if f[0] == surface]
        assert match, f"{surface!r} not tagged in {found}"
        assert match[0][1] == value
        assert match[0][2] == kind
        if end:
            assert match[0][3] == end[0]


def test_times_spans_leave_out_prepositions(nlp):
    text = "The minister spoke on Friday and left in March."
    surfaces = [f[0] for f in tagged(nlp, text, "2024-04-05")]
    assert surfaces == ["Friday", "March"]


def test_times_month_name_is_not_the_modal(nlp):
    text = "Officials may meet again, and the mayor said May was busy."
    values = [(f[0], f[1]) for f in tagged(nlp, text, None)]
    assert values == [("May", "--05")]


def test_times_year_unknown_without_anchor(nlp):
    text = "On Oct. 13 the premier said talks would resume; they met in August and on Nov. 9 spoke again."
    values = [f[1] for f in tagged(nlp, text, None)]
    assert values == ["--10-13", "--08", "--11-09"]


def test_times_no_year_beyond_what_the_text_supports(nlp):
    # Without an anchor, no value may carry a year the text does not write.
    text = (
        "Yesterday the council met. Last year it failed, next month it will vote, "
        "and two years ago it was founded. The plan dates from 2011. Today is Friday."
    )
    years_in_text = set(re.findall(r"\b\d{4}\b", text))
    for surface, value, _, _ in tagged(nlp, text, None):
        if value:
            assert set(re.findall(r"\d{4}", value)) <= years_in_text, (surface, value)


def test_times_partial_anchor_keeps_the_rest_partial(nlp):
    text = "The envoy arrived on April 12, met the mayor on Friday and left last month."
    found = {f[0]: f[1] for f in tagged(nlp, text, "2017-05")}
    assert found["April 12"] == "2017-04-12"
    assert found["Friday"] is None  # a weekday needs the day of publication
    assert found["last month"] == "2017-04"


def test_times_year_only_anchor(nlp):
    found = {f[0]: f[1] for f in tagged(nlp, "Prices fell in June and rose last year.", "2019")}
    assert found == {"June": "2019-06", "last year": "2018"}


def test_times_year_placed_by_tense_near_new_year(nlp):
    text = "The mayor resigned on Dec. 28. Elections will be held on Feb. 2."
    found = {f[0]: f[1] for f in tagged(nlp, text, "2024-01-05")}
    assert found == {"Dec. 28": "2023-12-28", "Feb. 2": "2024-02-02"}


def test_times_modifiers(nlp):
    found = {f[0]: f for f in tagged(nlp, "Output slowed in early 2020 and at the end of March.", "2021-06-01")}
    assert found["early 2020"][1] == "2020"
    exprs = {(e.value, e.mod) for e in tag_times(nlp("Output slowed in early 2020."), None)}
    assert exprs == {("2020", "START")}


def test_times_parse_anchor():
    assert parse_anchor("2017-05").month == 5 and parse_anchor("2017-05").day is None
    assert parse_anchor(None).year is None
    assert parse_anchor("2025-07-04T13:19:00").full.isoformat() == "2025-07-04"


# --- said_on -----------------------------------------------------------------


def statement(text: str, content: str, cue: str) -> dict:
    start = text.index(content)
    cue_start = text.index(cue)
    return {"start": start, "end": start + len(content), "cue_start": cue_start, "cue_end": cue_start + len(cue), "said_on": None}


@pytest.mark.parametrize(
    ("text", "content", "cue", "anchor", "expected"),
    [
        ("Minister Lena Korhonen said on Nov. 9 that the border would reopen.", "the border would reopen", "said", None, "--11-09"),
        ("A spokesman told reporters on Friday that the deal was off.", "the deal was off", "told", "2025-03-14", "2025-03-14"),
        ("In late April, Governor Abel Tunde noted that exports had fallen.", "exports had fallen", "noted", "2025-06-02", "2025-04"),
        ("“We canceled the meeting,” Mayor Ruth Okafor said on Oct. 22.", "We canceled the meeting,", "said", None, "--10-22"),
        ("Last week, Senator Paul Ngata said that the fund was empty.", "the fund was empty", "said", "2025-03-14", "2025-03"),
        ("Last week, Senator Paul Ngata said that the fund was empty.", "the fund was empty", "said", "2025-03-05", None),
        ("Last week, Senator Paul Ngata said that the fund was empty.", "the fund was empty", "said", None, None),
        ("The treasurer said the fund ran dry on March 3.", "the fund ran dry on March 3", "said", "2025-03-14", None),
        ("The treasurer said the fund was empty.", "the fund was empty", "said", "2025-03-14", None),
    ],
)
def test_times_said_on(nlp, text, content, cue, anchor, expected):
    doc = nlp(text)
    times = [t.as_finding() for t in tag_times(doc, anchor)]
    statements = [statement(text, content, cue)]
    date_statements(doc, statements, times)
    assert statements[0]["said_on"] == expected


def test_times_calendar_date_of_values():
    assert calendar_date("2025-07-04T15:00") == "2025-07-04"
    assert calendar_date("--10-21") == "--10-21"
    assert calendar_date("2025-W10") == "2025-03"  # Mar 3-9
    assert calendar_date("2025-W09") is None  # Feb 24 - Mar 2: no single month
    assert calendar_date("2025-Q3") is None
    assert calendar_date("PAST_REF") is None


def test_times_stage_fills_findings_and_said_on(nlp):
    body = "The Harbour Board said on Tuesday that the pier would close. It opened in 1987."
    article = Article(source="x", input_hash="h", content_hash="c", body=body, published="2024-05-10")
    content = "the pier would close"
    article.findings["statements"] = [statement(body, content, "said")]
    (out,) = list(Times(Options()).run([article]))
    times = out.findings["times"]
    assert [(body[t["start"] : t["end"]], t["value"], t["type"]) for t in times] == [("Tuesday", "2024-05-07", "date"), ("1987", "1987", "date")]
    assert out.findings["statements"][0]["said_on"] == "2024-05-07"


# --- seeds (real articles; skipped when ../shared is absent) -------------------


def seed_articles(manifest: bool) -> dict[str, Article]:
    folder = SHARED / "seeds" / "articles"
    if not folder.exists():
        pytest.skip("seed articles not present")
    from storyline.article.extract_text import extract_text

    published = {"001": "2025-07-04", "004": "2025-05-05"}
    if manifest:
        rows = [json.loads(line) for line in (SHARED / "seeds" / "manifest.jsonl").read_text().splitlines() if line.strip()]
        published = {row["source"][:3]: row["published"] for row in rows}
    articles = {}
    for path in sorted(folder.glob("*.txt")):
        body = extract_text(path.read_text(encoding="utf-8")).body
        articles[path.name[:3]] = Article(path.name, "h", "c", body, published=published.get(path.name[:3]))
    return articles


def test_times_seeds_no_invented_years(nlp):
    for key, article in seed_articles(manifest=False).items():
        supported = set(re.findall(r"(?<!\d)(?:19|20)\d\d(?!\d)", article.body))
        if article.published:
            supported |= {article.published[:4], str(int(article.published[:4]) - 1), str(int(article.published[:4]) + 1)}
        for time in tag_times(nlp(article.body), article.published):
            for year in re.findall(r"^\d{4}", time.value or ""):
                assert int(year) < 2026, (key, time)
                assert year in supported, (key, article.body[time.start : time.end], time.value)


def test_times_seed_001_relative_days(nlp):
    article = seed_articles(manifest=False).get("001")
    found = {(article.body[t.start : t.end], t.value) for t in tag_times(nlp(article.body), article.published)}
    assert ("the day before", "2025-07-03") in found
    assert ("Friday", "2025-07-04") in found


def test_times_seed_002_with_manifest(nlp):
    article = seed_articles(manifest=True).get("002")
    found = {article.body[t.start : t.end]: t for t in tag_times(nlp(article.body), article.published)}
    assert found["April 12"].value == "2017-04-12"
    g20 = next(t for text, t in found.items() if text.startswith("July 7"))
    assert (g20.value, g20.value_end) == ("2017-07-07", "2017-07-08")
