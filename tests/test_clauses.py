"""Clauses: where one statement asserts several things (fictional sentences)."""

from __future__ import annotations

import pytest

from storyline.article.clauses import clause_spans


@pytest.fixture(scope="module")
def nlp():
    from storyline.article.parse import load_nlp

    return load_nlp()


def pieces(nlp, text: str, start: int = 0, end: int | None = None) -> list[str]:
    doc = nlp(text)
    return [doc.text[s:e] for s, e in clause_spans(doc, start, len(text) if end is None else end)]


def test_clauses_split_a_statement_that_asserts_two_things(nlp):
    found = pieces(nlp, "President Varga and Prime Minister Strand need to meet, but such a meeting takes careful preparation.")
    assert found == ["President Varga and Prime Minister Strand need to meet", "such a meeting takes careful preparation"]


def test_clauses_split_sentences_and_drop_short_frames(nlp):
    text = "The meeting is being discussed publicly, and we believe it is truly necessary. It must be prepared with care."
    found = pieces(nlp, text)
    assert "we believe" not in " | ".join(found).split(" | ")   # two words: a frame, not an assertion
    assert found[-1] == "It must be prepared with care"
    assert "it is truly necessary" in found


def test_clauses_leave_one_assertion_whole(nlp):
    assert pieces(nlp, "the health authority had decided to close the hospital in Vell") == []
    # A subordinate clause inside the main one is part of its assertion.
    assert pieces(nlp, "a meeting of the two leaders before the year is out was needed") == []


def test_clauses_are_offsets_into_the_article_text(nlp):
    text = 'Harbour officials spoke on Monday. "The strike must end, and the port will reopen next week," Karl Weiss said.'
    start = text.index("The strike")
    end = text.index(',"')
    doc = nlp(text)
    spans = clause_spans(doc, start, end)
    assert [text[s:e] for s, e in spans] == ["The strike must end", "the port will reopen next week"]
    assert all(start <= s < e <= end for s, e in spans)


def test_clauses_keep_a_quotation_closed(nlp):
    found = pieces(nlp, "both sides agree that such a meeting is “necessary” and that there is readiness to make it happen")
    assert "such a meeting is “necessary”" in found[0]


def test_clauses_drop_a_frame_of_saying_or_thinking(nlp):
    text = "The way I would put it is I think there was agreement that the next meeting needs a concrete result."
    found = pieces(nlp, text)
    assert not any(piece.startswith("The way I would put it") for piece in found)
