"""Entities stage: article-local clusters merged into canonical entities across a corpus."""

from __future__ import annotations

from pathlib import Path

import pytest

from storyline.entities import Entities, resolve_corpus
from storyline.pipeline import Options
from storyline.records import Article, Corpus
from storyline.statements import Statements, find_quotes

FIXTURES = Path(__file__).parent / "fixtures" / "statements"
THIRD = (
    "Tomas Varga visited the harbor on Monday.\n\n"
    "The Kestrovian president said the fleet would stay in port until the talks end.\n"
)


def _articles(nlp) -> list[Article]:
    bodies = [
        (FIXTURES / "harbor_talks.txt").read_text(encoding="utf-8"),
        (FIXTURES / "lundmark_reply.txt").read_text(encoding="utf-8"),
        THIRD,
    ]
    articles = []
    for number, body in enumerate(bodies, 1):
        article = Article(source=f"f{number}.txt", input_hash=f"h{number}", content_hash=f"c{number}", body=body,
                          id=f"a{number}")
        article.doc = nlp(body)
        articles.append(article)
    return list(Statements(Options()).run(articles))


@pytest.fixture(scope="module")
def corpus():
    from storyline.parse import load_nlp

    [done] = list(Entities(Options()).run([Corpus(articles=_articles(load_nlp()))]))
    return done


def _entity(corpus: Corpus, surname: str) -> list[dict]:
    return [e for e in corpus.entities if e["kind"] == "person" and e["name"].endswith(surname)]


def _said(corpus: Corpus, words: str) -> dict:
    found = [s for s in corpus.statements if words in s["text"]]
    assert found, words
    return found[0]


def test_entities_transliteration_variants_are_one_person(corpus):
    [belov] = _entity(corpus, "Belov")
    assert {"Arkady Belov", "Arkadiy Belov"} <= {belov["name"], *belov["aliases"]}
    [ilyin] = _entity(corpus, "Ilyin")
    assert {"Yury Ilyin", "Yuri Ilyin"} <= {ilyin["name"], *ilyin["aliases"]}
    assert any("aide" in role.lower() for role in ilyin["roles"])


def test_entities_shared_surname_kept_apart(corpus):
    names = sorted(e["name"] for e in _entity(corpus, "Varga"))
    assert names == ["Elena Varga", "Tomas Varga"]
    elena = _said(corpus, "we will come with proposals")
    assert elena["speaker_name"] == "Elena Varga"
    tomas = _said(corpus, "Kestrovia would defend its fishermen")
    assert tomas["speaker_name"] == "Tomas Varga"


def test_entities_statement_speakers_point_to_entities(corpus):
    ids = {e["id"]: e["name"] for e in corpus.entities}
    for statement in corpus.statements:
        if statement["speaker"] is not None:
            assert ids[statement["speaker"]] == statement["speaker_name"]
    aide = [s for s in corpus.statements if (s["speaker_mention"] or {}).get("text") == "The presidential aide"]
    assert aide and aide[0]["speaker_name"] in ("Yury Ilyin", "Yuri Ilyin")


def test_entities_role_resolved_with_corpus_roles(corpus):
    s = _said(corpus, "the fleet would stay in port")
    assert s["speaker_mention"]["text"] == "The Kestrovian president"
    assert s["speaker_name"] == "Tomas Varga"


def test_entities_statements_have_the_dossier_shape(corpus):
    bodies = {a.id: a.body for a in corpus.articles}
    assert [s["id"] for s in corpus.statements] == [f"s{i}" for i in range(1, len(corpus.statements) + 1)]
    for s in corpus.statements:
        assert bodies[s["article"]][s["start"] : s["end"]] == s["text"]
        assert s["claim"] is None and s["said_on"] is None
        assert s["kind"] in ("direct", "indirect", "mixed", "belief")
    relayed = _said(corpus, "we believed them")
    assert relayed["source"]["name"] == "Harbor Gazette"
    for e in corpus.entities:
        assert set(e) == {"id", "name", "kind", "aliases", "roles"}


def test_entities_ids_do_not_depend_on_input_order():
    from storyline.parse import load_nlp

    articles = _articles(load_nlp())
    forward = Corpus(articles=list(articles))
    backward = Corpus(articles=list(reversed(articles)))
    resolve_corpus(forward)
    resolve_corpus(backward)
    assert forward.entities == backward.entities
    assert forward.statements == backward.statements


def test_entities_seed_officials_are_one_entity_each(seeds_dir):
    """The issue's seed check: three officials, one entity each despite spelling variants."""
    from storyline.extract_text import extract_text
    from storyline.parse import load_nlp

    nlp = load_nlp()
    articles, comments = [], []
    for number, path in enumerate(sorted(seeds_dir.glob("*.txt")), 1):
        extraction = extract_text(path.read_text(encoding="utf-8"))
        body = extraction.body
        comments.extend(c.text for c in extraction.comments)
        article = Article(source=path.name, input_hash=str(number), content_hash=str(number), body=body, id=f"a{number}")
        article.doc = nlp(body)
        articles.append(article)
    corpus = Corpus(articles=list(Statements(Options()).run(articles)))
    resolve_corpus(corpus)
    for surname in ("Lavrov", "Peskov", "Ushakov"):
        assert len(_entity(corpus, surname)) == 1, surname
    # Every quotation of four words or more is inside a statement with a resolved speaker...
    for article in corpus.articles:
        said = [s for s in corpus.statements if s["article"] == article.id and s["kind"] != "belief"]
        for quote in find_quotes(article.body):
            if len(article.body[quote.start : quote.end].split()) >= 4:
                covering = [s for s in said if s["start"] <= quote.start and quote.end <= s["end"] + 1]
                assert any(s["speaker"] for s in covering), article.body[quote.start : quote.end]
    # ... and nothing a reader wrote in the comments is a statement.
    for statement in corpus.statements:
        assert not any(statement["text"] in comment for comment in comments)
