"""Entities stage: article-local clusters merged into canonical entities across a corpus."""

from __future__ import annotations

from pathlib import Path

import pytest

from storyline.corpus.entities import blocked_entities
from storyline.corpus.local import run_corpus_stages
from storyline.core.options import Options
from storyline.core.pipeline import LocalExecutor
from storyline.core.records import Article, Corpus
from storyline.article.quotes import find_quotes
from storyline.article.statements import Statements

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
    from storyline.article.parse import load_nlp

    return resolved(Corpus(articles=_articles(load_nlp())))


def resolved(corpus: Corpus) -> Corpus:
    """The entities stage alone, as a normal run runs it (the block pass over one shard)."""
    return run_corpus_stages(corpus, Options(), stages=["entities"])


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
    from storyline.article.parse import load_nlp

    articles = _articles(load_nlp())
    forward = resolved(Corpus(articles=list(articles)))
    backward = resolved(Corpus(articles=list(reversed(articles))))
    assert forward.entities == backward.entities
    assert forward.statements == backward.statements


def test_entities_seed_officials_are_one_entity_each(seeds_dir):
    """The issue's seed check: three officials, one entity each despite spelling variants."""
    from storyline.article.extract_text import extract_text
    from storyline.article.parse import load_nlp

    nlp = load_nlp()
    articles, comments = [], []
    for number, path in enumerate(sorted(seeds_dir.glob("*.txt")), 1):
        extraction = extract_text(path.read_text(encoding="utf-8"))
        body = extraction.body
        comments.extend(c.text for c in extraction.comments)
        article = Article(source=path.name, input_hash=str(number), content_hash=str(number), body=body, id=f"a{number}")
        article.doc = nlp(body)
        articles.append(article)
    corpus = resolved(Corpus(articles=list(Statements(Options()).run(articles))))
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


# -- blocked runs over parts (``blocked_entities``) -----------------------------------------


@pytest.fixture
def fixture_parts(blocked_parts):
    return blocked_parts


def _blocked_lists(run) -> tuple[list[dict], list[dict]]:
    from storyline.corpus.blocks import OUTPUTS, read_rows

    return list(read_rows(run.path(OUTPUTS["entities"]))), list(read_rows(run.path(OUTPUTS["statements"])))


def _expected_lists(dossier: dict) -> tuple[list[dict], list[dict]]:
    return dossier["entities"], [dict(s, claim=None, claims=[]) for s in dossier["statements"]]


def test_entities_blocked_equals_the_normal_run_on_the_fixture_corpus(fixture_parts):
    from blocked_support import block_run

    parts, dossier = fixture_parts
    run = block_run(parts)
    summary = blocked_entities(run)
    entities, statements = _blocked_lists(run)
    assert len(run.shards) > 1 and entities and statements
    assert (entities, statements) == _expected_lists(dossier)
    assert summary["entities"] == len(entities) and summary["statements"] == len(statements)
    assert sorted(p.name for p in run.work.iterdir()) == ["entities.jsonl", "statements"]  # no scratch left


def test_entities_blocked_equals_the_normal_run_with_two_workers(fixture_parts):
    from blocked_support import block_run

    from storyline.corpus.blocks import held

    parts, dossier = fixture_parts
    executor = LocalExecutor(2)
    with held(executor):
        run = block_run(parts, executor, buckets=5)
        blocked_entities(run)
    assert _blocked_lists(run) == _expected_lists(dossier)


def test_entities_blocked_equals_the_normal_run_on_seeds(seed_parts):
    from blocked_support import block_run

    parts, dossier = seed_parts
    run = block_run(parts)
    blocked_entities(run)
    assert _blocked_lists(run) == _expected_lists(dossier)
    assert [e["name"] for e in dossier["entities"] if e["name"].endswith("Lavrov")]  # the seeds' officials are there


def _hand_article(number: int, body: str, names: list[tuple[str, str, list[str]]], said: list[tuple[str, str | None]]) -> Article:
    """An article with hand-made clusters (key, name, roles) and statements (speaker text, speaker key)."""
    mentions = []
    for key, name, roles in names:
        start = body.index(name)
        mentions.append({"key": key, "name": name, "kind": "person", "aliases": [], "roles": roles,
                         "spans": [[start, start + len(name)]]})
    statements = []
    for speaker, key in said:
        start = body.index(speaker)
        quote = body.index('"', start)
        statements.append({"kind": "direct", "start": quote + 1, "end": body.index('"', quote + 1), "cue": "said",
                           "cue_start": body.index("said", start), "cue_end": body.index("said", start) + 4,
                           "speaker_mention": {"text": speaker, "start": start, "end": start + len(speaker)},
                           "speaker_key": key, "source_mention": None, "said_on": None})
    article = Article(source=f"hand{number}.txt", input_hash=f"h{number}", content_hash=f"c{number}", body=body,
                      id=f"a{number}")
    article.findings = {"mentions": mentions, "statements": statements}
    return article


def _write_shard(parts: Path, number: int, articles: list[Article]) -> None:
    import json

    from storyline.store.parts import SUCCESS, TABLES, shard_folder, shard_tables, write_table

    folder = shard_folder(parts, number)
    folder.mkdir(parents=True)
    for name, rows in shard_tables(number, articles).items():
        write_table(TABLES[name], rows, folder / f"{name}.parquet")
    (folder / SUCCESS).write_text(json.dumps({"articles": len(articles)}), encoding="utf-8")


def test_entities_blocked_bare_first_name_joins_across_blocks(tmp_path):
    """``Zoe`` and ``Anna`` alone (no one has those surnames) join the most named Zoe / Anna, whose surname
    blocks are elsewhere; the counts are the ones in-process merging sees when it reaches the bare name:
    with the bare ``Adams`` mentions (``adams`` < ``zoe``), without the bare ``Kovacs`` ones (``kovacs`` > ``anna``)."""
    from blocked_support import block_run

    from storyline.corpus.blocks import bucket_of

    articles = [
        _hand_article(1, "Zoe Adams met Anna Kovacs.", [("m1", "Zoe Adams", ["Mayor"]), ("m2", "Anna Kovacs", [])], []),
        _hand_article(2, "Adams and Kovacs spoke.", [("m1", "Adams", ["city mayor"]), ("m2", "Kovacs", [])], []),
        _hand_article(3, "Adams and Kovacs left.", [("m1", "Adams", []), ("m2", "Kovacs", [])], []),
        _hand_article(4, "Zoe Young met Anna Petrova.", [("m1", "Zoe Young", []), ("m2", "Anna Petrova", [])], []),
        _hand_article(5, "Zoe Young and Anna Petrova. Petrova waved.",
                      [("m1", "Zoe Young", []), ("m2", "Anna Petrova", []), ("m3", "Petrova", ["envoy"])], []),
        _hand_article(6, 'Zoe said "we build". Anna said "we wait". Madonna said "sing".',
                      [("m1", "Zoe", ["City Mayor"]), ("m2", "Anna", ["Envoy"]), ("m3", "Madonna", [])],
                      [("Zoe", "m1"), ("Anna", "m2"), ("Madonna", "m3")]),
        _hand_article(7, 'Zoe came. The mayor said "more roads".', [("m1", "Zoe", [])], [("The mayor", None)]),
    ]
    parts = tmp_path / "parts"
    _write_shard(parts, 0, articles[:4])
    _write_shard(parts, 1, articles[4:])
    run = block_run(parts, buckets=7)  # every name its own bucket
    words = ("zoe", "adams", "young", "anna", "kovacs", "petrova")
    assert len({bucket_of(("word", word), run.buckets) for word in words}) == len(words)
    summary = blocked_entities(run)
    entities, statements = _blocked_lists(run)

    corpus = resolved(Corpus(articles=articles))  # one shard, the default buckets
    assert (entities, statements) == (corpus.entities, [dict(s, claim=None, claims=[]) for s in corpus.statements])
    assert summary["first_name_joins"] == 2 and summary["order_risks"] == 0
    speakers = [s["speaker_name"] for s in statements]
    assert speakers == ["Zoe Adams", "Anna Petrova", "Madonna", "Zoe Adams"]
    [zoe] = [e for e in entities if e["name"] == "Zoe Adams"]
    assert zoe["aliases"] == ["Adams", "Zoe"] and zoe["roles"] == ["city mayor", "Mayor"]
    # A role's first spelling, as in-process: bare ``Anna`` is placed before bare ``Petrova``.
    assert [e["roles"] for e in entities if e["name"] == "Anna Petrova"] == [["Envoy"]]


def test_entities_blocked_counts_the_first_name_joins_it_cannot_order(tmp_path):
    """Over the whole corpus at once, bare ``Anna`` (before ``smith``) would join Anna Smith first, and her
    extra articles then win the bare ``Smith`` over Bob Smith; blocks choose ``Smith`` without them. The
    summary owns up to it, and a normal run (one shard) gives the same answer as the blocked pass."""
    from blocked_support import block_run

    articles = [
        _hand_article(1, "Anna Smith spoke.", [("m1", "Anna Smith", [])], []),
        _hand_article(2, "Bob Smith spoke.", [("m1", "Bob Smith", [])], []),
        _hand_article(3, "Bob Smith left.", [("m1", "Bob Smith", [])], []),
        _hand_article(4, 'Anna said "yes".', [("m1", "Anna", [])], [("Anna", "m1")]),
        _hand_article(5, 'Anna said "no".', [("m1", "Anna", [])], [("Anna", "m1")]),
        _hand_article(6, 'Smith said "maybe".', [("m1", "Smith", [])], [("Smith", "m1")]),
    ]
    parts = tmp_path / "parts"
    _write_shard(parts, 0, articles)
    run = block_run(parts)
    summary = blocked_entities(run)
    _, statements = _blocked_lists(run)
    assert summary["first_name_joins"] == 1 and summary["order_risks"] == 1
    assert [s["speaker_name"] for s in statements] == ["Anna Smith", "Anna Smith", "Bob Smith"]
    corpus = resolved(Corpus(articles=articles))
    assert [s["speaker_name"] for s in corpus.statements] == ["Anna Smith", "Anna Smith", "Bob Smith"]
