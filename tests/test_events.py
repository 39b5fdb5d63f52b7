"""Event mentions per article and the timeline merged across articles."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from storyline.article.events import Events, find_events
from storyline.corpus.local import run_corpus_stages
from storyline.corpus.timeline import dates_compatible
from storyline.core.options import Options
from storyline.core.pipeline import Pipeline
from storyline.core.records import Article, Corpus
from storyline.article.times import Times, tag_times

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures" / "times"
SHARED = ROOT / ".." / "shared"
SCHEMA = json.loads((ROOT / "docs" / "dossier.schema.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def nlp():
    from storyline.article.parse import load_nlp

    return load_nlp()


def article(ident: str, name: str, published: str | None) -> Article:
    body = (FIXTURES / name).read_text(encoding="utf-8")
    record = Article(source=name, input_hash=ident, content_hash=ident, body=body, published=published)
    record.id = ident
    return record


def timeline(corpus: Corpus) -> Corpus:
    """The timeline stage alone (entities as given), as a normal run runs it."""
    return run_corpus_stages(corpus, Options(), stages=["timeline"])


def analysed(articles: list[Article]) -> list[Article]:
    return list(Pipeline(["parse", "statements", "times", "events", "release"], Options()).run(articles))


@pytest.fixture(scope="module")
def corpus() -> Corpus:
    articles = analysed([article("a1", "article_a.txt", "2025-03-13"), article("a2", "article_b.txt", "2025-03-14")])
    entities = [
        {"id": "e1", "name": "Mira Kessel", "kind": "person", "aliases": ["Kessel"], "roles": []},
        {"id": "e2", "name": "Jonas Reuter", "kind": "person", "aliases": ["Reuter"], "roles": []},
    ]
    return timeline(Corpus(articles=articles, entities=entities))


def events_on(corpus: Corpus, date: str) -> list[dict]:
    return [e for e in corpus.events if e["date"] == date]


def test_events_same_call_in_two_articles_is_one_event(corpus):
    (call,) = events_on(corpus, "2025-03-11")
    assert {m["article"] for m in call["mentions"]} == {"a1", "a2"}
    assert "call" in call["summary"]
    assert set(call["entities"]) == {"e1", "e2"}


def test_events_repeated_sentence_is_one_event(corpus):
    (met,) = events_on(corpus, "2025-01")
    assert len(met["mentions"]) == 2
    assert all(m["text"].startswith("Kessel and Reuter last met") for m in met["mentions"])


def test_events_range_has_date_end(corpus):
    (summit,) = events_on(corpus, "2025-05-13")
    assert summit["date_end"] == "2025-05-16"
    assert "summit" in summit["summary"]


def test_events_different_happenings_on_one_day_stay_apart(corpus):
    # The statement on Wednesday and the cancellation on March 12 share a date only.
    same_day = events_on(corpus, "2025-03-12")
    assert len(same_day) == 2
    assert any("cancel" in e["summary"] for e in same_day)
    assert any("told" in e["summary"] for e in same_day)


def test_events_mentions_are_exact_offsets(corpus):
    bodies = {a.id: a.body for a in corpus.articles}
    for event in corpus.events:
        for mention in event["mentions"]:
            assert bodies[mention["article"]][mention["start"] : mention["end"]] == mention["text"]


def test_events_match_the_dossier_schema(corpus):
    jsonschema.validate(corpus.events, SCHEMA["properties"]["events"] | {"$defs": SCHEMA["$defs"]})
    jsonschema.validate(corpus.times, SCHEMA["properties"]["times"] | {"$defs": SCHEMA["$defs"]})
    assert {t["article"] for t in corpus.times} == {"a1", "a2"}


def test_events_ids_do_not_depend_on_input_order(corpus):
    reverse = timeline(Corpus(articles=list(reversed(corpus.articles)), entities=corpus.entities))
    assert reverse.events == corpus.events
    assert [e["id"] for e in corpus.events] == [f"v{n}" for n in range(1, len(corpus.events) + 1)]


def test_events_timeline_is_chronological(corpus):
    dates = [e["date"] for e in corpus.events]
    known = [d for d in dates if not d.startswith("--")]
    assert known == sorted(known, key=lambda d: (d[:4], d[5:7], d[8:10]))


def test_events_no_entities_without_entity_stage(corpus):
    bare = timeline(Corpus(articles=corpus.articles))
    assert bare.events and all(e["entities"] == [] for e in bare.events)


def test_events_undated_clause_makes_no_event(nlp):
    text = "The minister praised the plan. Officials said the talks were useful."
    doc = nlp(text)
    times = [t.as_finding() for t in tag_times(doc, "2025-03-14")]
    assert find_events(doc, times) == []


def test_events_date_inside_direct_quote_is_not_an_article_event(nlp):
    text = "“We signed the accord on March 3,” Governor Abel Tunde said."
    doc = nlp(text)
    times = [t.as_finding() for t in tag_times(doc, "2025-03-14")]
    quote = {"kind": "direct", "start": 1, "end": text.index("”"), "cue_start": 0, "cue_end": 0}
    assert find_events(doc, times, [quote]) == []
    assert find_events(doc, times, []) != []


def test_events_dates_compatible():
    assert dates_compatible("--10-21", "2025-10-21")
    assert dates_compatible("2025-08", "--08")
    assert not dates_compatible("2025-10-21", "2024-10-21")
    assert not dates_compatible("2025-10", "2025-10-21")
    assert not dates_compatible("2025", "2025")  # a bare year is too vague to merge on


def test_events_stages_run_through_the_registry():
    record = article("a1", "article_a.txt", "2025-03-13")
    (out,) = list(Pipeline(["parse", "times", "events"], Options()).run([record]))
    assert out.findings["events"]
    corpus = timeline(Corpus(articles=[out]))
    assert corpus.events and corpus.times
    assert Events.name == "events" and Times.name == "times"


# --- seeds (real articles; skipped when ../shared is absent) -------------------


@pytest.fixture(scope="module")
def seed_corpus() -> Corpus:
    folder = SHARED / "seeds" / "articles"
    if not folder.exists():
        pytest.skip("seed articles not present")
    from storyline.article.extract_text import extract_text

    published = {"001": "2025-07-04", "004": "2025-05-05"}
    records = []
    for number, path in enumerate(sorted(folder.glob("*.txt")), 1):
        body = extract_text(path.read_text(encoding="utf-8")).body
        record = Article(path.name, str(number), str(number), body, published=published.get(path.name[:3]))
        record.id = f"a{number}"
        records.append(record)
    return timeline(Corpus(articles=analysed(records)))


def seed(corpus: Corpus, prefix: str) -> Article:
    return next(a for a in corpus.articles if a.source.startswith(prefix))


def test_events_seed_001_call_and_statement(seed_corpus):
    a = seed(seed_corpus, "001")
    calls = [e for e in seed_corpus.events if any(m["article"] == a.id for m in e["mentions"]) and "call" in e["summary"]]
    assert [e["date"] for e in calls] == ["2025-07-03"]
    peskov = [s for s in a.findings["statements"] if a.body[s["cue_start"] : s["cue_end"]] == "told"]
    assert peskov and peskov[0]["said_on"] == "2025-07-04"


def test_events_seed_003_cancellation_and_alaska(seed_corpus):
    a = seed(seed_corpus, "003")
    mine = [e for e in seed_corpus.events if any(m["article"] == a.id for m in e["mentions"])]
    cancellations = [e for e in mine if "cancel" in e["summary"]]
    assert [e["date"] for e in cancellations] == ["--10-21"]
    alaska = [e for e in mine if any("Alaska" in m["text"] for m in e["mentions"])]
    assert len(alaska) == 1 and len(alaska[0]["mentions"]) == 2
    canceled = [s for s in a.findings["statements"] if a.body[s["start"] : s["end"]].startswith("We canceled the meeting")]
    assert canceled and canceled[0]["said_on"] == "--10-22"


def test_events_seed_values_never_in_the_future(seed_corpus):
    for time in seed_corpus.times:
        assert not (time["value"] or "").startswith(("2026", "2027", "2028", "2029", "203"))
    for event in seed_corpus.events:
        assert not (event["date"] or "").startswith(("2026", "2027", "2028", "2029", "203"))


def test_events_verbless_fragment_is_handled(nlp):
    # A headline without a verb: the walk up the parse must stop at the root.
    text = "Record harvest for Valdora growers on March 3"
    doc = nlp(text)
    times = [t.as_finding() for t in tag_times(doc, "2025-03-14")]
    events = find_events(doc, times)
    assert all(e["date"] == "2025-03-03" for e in events)


# -- the timeline in blocks over a parts directory (storyline.corpus.blocks) ----------------


@pytest.fixture
def blocked_corpus(blocked_parts):
    """The blocked test corpus in parts, and the normal run's dossier."""
    return blocked_parts


def blocked_lists(parts, dossier, buckets=3):
    from blocked_support import block_run, write_upstream
    from storyline.corpus.blocks import OUTPUTS, read_rows
    from storyline.corpus.timeline import blocked_timeline

    run = block_run(parts, buckets=buckets)
    write_upstream(run, dossier, ["entities"])
    summary = blocked_timeline(run)
    return summary, list(read_rows(run.path(OUTPUTS["times"]))), list(read_rows(run.path(OUTPUTS["events"])))


@pytest.mark.parametrize("buckets", [1, 3, 7])
def test_events_blocked_timeline_equals_the_normal_run_on_the_fixture_corpus(blocked_corpus, buckets):
    parts, dossier = blocked_corpus
    summary, times, events = blocked_lists(parts, dossier, buckets)
    assert times == dossier["times"]
    assert events == dossier["events"]
    assert summary["events"] == len(events) > 10 and summary["times"] == len(times)
    assert any(len(e["mentions"]) > 1 for e in events) and any(e["entities"] for e in events)


def test_events_blocked_timeline_equals_the_normal_run_on_the_seeds(seed_parts):
    parts, dossier = seed_parts
    _, times, events = blocked_lists(parts, dossier)
    assert (times, events) == (dossier["times"], dossier["events"])
    assert events
