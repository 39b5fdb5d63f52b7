"""Entities an analyst recognises: the name table, places, titles, aliases and acronyms (fictional fixtures)."""

from __future__ import annotations

from pathlib import Path

import pytest

from storyline.article import names
from storyline.article.statements import Statements
from storyline.core.options import Options
from storyline.core.records import Article, Corpus
from storyline.corpus.local import run_corpus_stages

FIXTURES = Path(__file__).parent / "fixtures" / "entities"


def test_names_table_folds_spellings_to_one_entry():
    assert names.known("U.S.") == names.known("the United States") == names.known("USA") == names.known("America")
    assert names.known("Russian Federation").name == "Russia"
    assert names.known("North Atlantic Alliance") == names.known("NATO")
    assert names.known("the EU").kind == "organization"
    assert names.known("Crimea").kind == "place"
    assert names.known("Norvania") is None


def test_names_titles_are_found_in_text():
    text = "U.S. Secretary of State Dana Whitcombe met the prime minister."
    found = [text[a:b] for a, b in names.titles_in(text)]
    assert found == ["Secretary of State", "prime minister"]
    assert names.is_title("Secretary-General") and not names.is_title("State")


@pytest.fixture(scope="module")
def corpus():
    from storyline.article.parse import load_nlp

    nlp = load_nlp()
    articles = []
    for number, name in enumerate(("norvania_talks.txt", "vienna_round.txt"), 1):
        body = (FIXTURES / name).read_text(encoding="utf-8")
        article = Article(source=name, input_hash=f"h{number}", content_hash=f"c{number}", body=body, id=f"a{number}")
        article.doc = nlp(body)
        articles.append(article)
    articles = list(Statements(Options()).run(articles))
    return run_corpus_stages(Corpus(articles=articles), Options(), stages=["entities"])


def _named(corpus: Corpus, name: str) -> list[dict]:
    return [e for e in corpus.entities if name == e["name"] or name in e["aliases"]]


def test_names_places_are_never_people_or_organisations(corpus):
    for place in ("Norvania", "Ostria", "Crimea", "Vienna"):
        found = _named(corpus, place)
        assert [e["kind"] for e in found] == ["place"], (place, found)


def test_names_title_is_a_role_not_an_entity(corpus):
    assert not _named(corpus, "State")
    [whitcombe] = _named(corpus, "Dana Whitcombe")
    assert any("Secretary of State" in role for role in whitcombe["roles"])
    [brask] = _named(corpus, "Lena Brask")
    assert any("Foreign Minister" in role for role in brask["roles"])


def test_names_aliases_merge_through_the_table(corpus):
    for spellings in (("US", "U.S.", "United States"), ("Russia", "Russian Federation"), ("NATO", "North Atlantic Alliance"),
                      ("EU", "European Union"), ("UK", "Britain")):
        ids = {e["id"] for spelling in spellings for e in _named(corpus, spelling)}
        assert len(ids) == 1, spellings


def test_names_acronym_merges_with_the_expansion_the_text_gives(corpus):
    [ircc] = _named(corpus, "IRCC")
    assert ircc["name"] == "Immigration, Refugees and Citizenship Canada"
    speakers = {s["speaker_name"] for s in corpus.statements if "cases would be heard" in s["text"]
                or "families separated" in s["text"]}
    assert speakers == {ircc["name"]}


def test_names_two_names_joined_by_a_hyphen_are_no_place(corpus):
    assert not [e for e in corpus.entities if "-" in e["name"] and e["kind"] == "place"]


def test_names_speakers_of_the_fixture_stay_right(corpus):
    def speaker(opening: str) -> str | None:
        [found] = [s for s in corpus.statements if s["text"].startswith(opening)]
        return found["speaker_name"]

    assert speaker("We are ready to sign") == "Lena Brask"
    assert speaker("the plans were still") == "Lena Brask"
    assert speaker("Norvania and Ostria agreed") is None  # "officials said": no one the text names


def test_names_examples_country_is_never_a_person(example_run):
    import json

    dossier = json.loads((example_run / "dossier.json").read_text(encoding="utf-8"))
    veldmark = [e for e in dossier["entities"] if e["name"] == "Veldmark"]
    assert [e["kind"] for e in veldmark] == ["place"]
    people = {e["id"] for e in dossier["entities"] if e["kind"] == "person"}
    agreed = [s for s in dossier["statements"] if s["cue"] == "agreed" and "resume talks" in s["text"]]
    assert agreed and not [s for s in agreed if s["speaker"] in people]
