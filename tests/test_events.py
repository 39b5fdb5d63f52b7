"""Events: happenings per article (speech acts stay statements), and one timeline across articles."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import numpy as np
import pytest

from storyline.article.events import (
    Events,
    TriggerModel,
    date_range,
    entity_at,
    find_events,
    headline_text,
    learn_trigger_model,
    shipped_model,
    summary_of,
    title_events,
)
from storyline.article.times import Times, tag_times
from storyline.core.options import Options
from storyline.core.pipeline import PER_ARTICLE_STAGES, Pipeline
from storyline.core.records import Article, Corpus
from storyline.corpus.local import run_corpus_stages
from storyline.corpus.timeline import chain_mentions, dates_disagree

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures" / "times"
SHARED = ROOT / ".." / "shared"
SCHEMA = json.loads((ROOT / "docs" / "dossier.schema.json").read_text(encoding="utf-8"))

# Every verb and every noun ending in -ion, -ake or -ip is a trigger; nothing else is.
VERBS_AND_EVENT_NOUNS = TriggerModel({"pos=VERB": 4.0, "suffix=NOUN|ion": 4.0, "suffix=NOUN|ake": 4.0,
                                      "suffix=NOUN|rip": 4.0, "suffix=NOUN|lks": 4.0}, -2.0, 0.5)


@pytest.fixture(scope="module")
def nlp():
    from storyline.article.parse import load_nlp

    return load_nlp()


def events_of(nlp, text: str, published: str | None = None, model: TriggerModel = VERBS_AND_EVENT_NOUNS) -> list[dict]:
    doc = nlp(text)
    times = [t.as_finding() for t in tag_times(doc, published)] if published else []
    return find_events(doc, model, times, published)


def by_trigger(events: list[dict]) -> dict[str, dict]:
    return {e["trigger"]: e for e in events}


def names(text: str, event: dict) -> set[str]:
    return {text[p["start"] : p["end"]] for p in event["participants"]}


# --- per article ----------------------------------------------------------------------


def test_events_speech_acts_are_statements_not_events(nlp):
    text = "Police arrested the mayor of Tarnsville. A spokesman said the arrest followed an inquiry."
    triggers = [e["trigger"] for e in events_of(nlp, text)]
    assert "arrest" in triggers and "say" not in triggers
    stated = "Valdoran foreign policy aide Ilya Brenner stated that the border stayed closed."
    assert "state" not in [e["trigger"] for e in events_of(nlp, stated)]


def test_events_summary_is_who_did_what_where(nlp):
    text = "On Tuesday, border guards detained two Valdorian fishermen in Port Amsel."
    event = by_trigger(events_of(nlp, text))["detain"]
    assert event["summary"].startswith("border guards detained")
    assert "fishermen" in event["summary"] and event["summary"].endswith("in Port Amsel")


def test_events_summary_never_cuts_a_title(nlp):
    text = "Valdoran foreign policy aide Ilya Brenner met the Ostrian delegation in Lisbon."
    summary = by_trigger(events_of(nlp, text))["meet"]["summary"]
    words = summary.split()
    # The subject is the whole name or the whole phrase, never a piece of the title before the name.
    assert words[:2] == ["Ilya", "Brenner"] or words[0] == "Valdoran"
    assert "met" in words


def test_events_summary_keeps_a_negating_determiner(nlp):
    doc = nlp("The convoy crossed the border with no escort.")
    crossing = next(t for t in doc if t.lemma_ == "cross")
    escort = next(t for t in doc if t.lower_ == "escort")
    from storyline.article.events import name_phrase

    assert [t.text for t in name_phrase(escort)] == ["no", "escort"]  # never "escort" alone: the opposite
    assert "crossed" in summary_of(crossing)


def test_events_pronoun_possessor_is_the_right_participant(nlp):
    text = ("Governor Mira Kessel indicated she may meet Premier Jonas Reuter after her upcoming trip to Valdora, "
            "scheduled for May 13-16.")
    trip = by_trigger(events_of(nlp, text, "2025-04-02"))["trip"]
    found = names(text, trip)
    assert "Mira Kessel" in found and "Jonas Reuter" not in found
    assert trip["date"] == "2025-05-13" and trip["date_end"] == "2025-05-16"


def test_events_weekend_is_its_two_days_and_said_is_no_event(nlp):
    text = "On May 5, the Valdoran president said that Tarnland held good talks over the weekend with Ostria."
    events = events_of(nlp, text, "2025-05-05")
    assert "say" not in [e["trigger"] for e in events]
    dated = [e for e in events if e["trigger"] in {"hold", "talk", "talks"}]
    assert dated and all((e["date"], e["date_end"]) == ("2025-05-03", "2025-05-04") for e in dated)


def test_events_date_from_own_expression_else_anchored_else_undated(nlp):
    text = "The dam collapsed on March 3, 2021. Engineers inspected the spillway."
    doc = nlp(text)
    start = text.index("March")
    times = [{"start": start, "end": start + len("March 3, 2021"), "value": "2021-03-03", "type": "date"}]
    found = by_trigger(find_events(doc, VERBS_AND_EVENT_NOUNS, times))
    assert found["collapse"]["date"] == "2021-03-03"
    assert found["inspect"]["date"] is None and "not_after" not in found["inspect"]  # nothing to anchor to
    anchored = by_trigger(find_events(doc, VERBS_AND_EVENT_NOUNS, times, published="2021-03-05"))
    assert anchored["inspect"]["date"] is None and anchored["inspect"]["not_after"] == "2021-03-05"
    future = by_trigger(events_of(nlp, "Engineers will inspect the spillway.", "2021-03-05"))
    assert future["inspect"]["date"] is None and "not_after" not in future["inspect"]  # not past: no anchor


def test_events_date_range_of_a_weekend_and_of_a_range():
    assert date_range({"value": "2025-W18-WE"}) == ("2025-05-03", "2025-05-04")
    assert date_range({"value": "2025-05-13", "value_end": "2025-05-16"}) == ("2025-05-13", "2025-05-16")
    assert date_range({"value": "PAST_REF"}) == (None, None)


def test_events_learned_model_is_deterministic_and_generalises(nlp):
    docs = [nlp(t) for t in ("Rebels attacked the convoy and burned two trucks.",
                             "The ministry said that the talks were useful.",
                             "Troops seized the airport after the explosion.")]
    tokens = [t for d in docs for t in d if t.pos_ in {"VERB", "NOUN"} and t.lemma_ != "say"]
    labels = [t.lemma_ in {"attack", "burn", "seize", "explosion"} for t in tokens]
    model = learn_trigger_model(tokens, labels, threshold=0.5, strength=10.0)
    assert model.is_trigger(docs[0][1])  # "attacked", seen in training
    assert learn_trigger_model(tokens, labels, threshold=0.5, strength=10.0).weights == model.weights
    new = nlp("Gunmen kidnapped a teacher.")
    assert model.probability(new[1]) > model.probability(new[3])  # a new verb over a noun


def test_events_shipped_model_finds_occurrences_not_speech(nlp):
    text = ("An earthquake struck the coast of Tarnland on Sunday, killing four people. "
            "Rescuers searched collapsed buildings. The governor said aid would come.")
    triggers = {e["trigger"] for e in events_of(nlp, text, "2024-02-12", shipped_model())}
    assert {"earthquake", "strike", "kill"} & triggers and "say" not in triggers


def test_events_verbless_headline_is_handled(nlp):
    events = events_of(nlp, "Record harvest for Valdora growers on March 3", "2025-03-14")
    assert all(e["date"] in (None, "2025-03-03") for e in events)


def test_events_stage_leaves_events_and_incident_features():
    record = Article(source="x", input_hash="x", content_hash="x", published="2025-03-13",
                     body=(FIXTURES / "article_a.txt").read_text(encoding="utf-8"), id="a1")
    (out,) = list(Pipeline(["parse", "times", "events"], Options()).run([record]))
    assert out.findings["events"] and all(e["trigger"] != "say" for e in out.findings["events"])
    (incident,) = out.findings["incident"]
    assert "kessel" in incident["names"] and incident["terms"]
    assert Events.name == "events" and Times.name == "times"


# --- the headline -------------------------------------------------------------------------

FLOOD_BODY = ("A flood swept through the valley town of Brennick on Monday. Mayor Ilse Varga said the flood "
              "destroyed two bridges. Crews from Oster County cleared the roads.")


def test_events_headline_text_lowers_common_words_and_keeps_names():
    title = "Flood Sweeps Through Brennick, Destroys Two Bridges"
    lowered = headline_text(title, FLOOD_BODY)
    assert len(lowered) == len(title)
    assert lowered.startswith("flood sweeps through Brennick")  # Brennick: only ever capitalised in the body
    assert "destroys two bridges" in lowered
    sentence_case = "Flood sweeps through Brennick"
    assert headline_text(sentence_case, FLOOD_BODY) == sentence_case  # already sentence case: untouched
    assert headline_text("FLOOD HITS BRENNICK", FLOOD_BODY) == "FLOOD HITS BRENNICK"  # capitals only: no Title Case words


def test_events_title_events_have_title_offsets_and_its_case(nlp):
    title = "Flood Sweeps Through Brennick"
    found = title_events(title, FLOOD_BODY, VERBS_AND_EVENT_NOUNS, nlp=nlp)
    sweep = next(e for e in found if e["trigger"] == "sweep")
    assert sweep["part"] == "title" and title[sweep["trigger_start"] : sweep["trigger_end"]] == "Sweeps"
    assert sweep["summary"].startswith("Flood Sweeps")  # who did what, in the title's own case
    assert sweep["date"] is None and "not_after" not in sweep  # a headline carries no date of its own here
    assert title_events(None, FLOOD_BODY, VERBS_AND_EVENT_NOUNS, nlp=nlp) == []


def test_events_headline_happening_joins_the_body_mentions_and_keeps_its_part():
    body = "A flood swept through Brennick on Monday, the mayor said."
    records = [Article(source=f"f{k}", input_hash=f"f{k}", content_hash=f"f{k}", body=body, published="2025-04-08",
                       title="Flood Sweeps Through Brennick" if k == 1 else None, id=f"a{k}") for k in (1, 2)]
    articles = analysed(records)
    stories = [{"id": "s1", "label": "flood", "articles": ["a1", "a2"]}]
    events = run_corpus_stages(Corpus(articles=articles, entities=[], stories=stories), Options(),
                               stages=["timeline"]).events
    jsonschema.validate(events, {**SCHEMA["properties"]["events"], "$defs": SCHEMA["$defs"]})
    in_title = [(e, m) for e in events for m in e["mentions"] if m.get("part") == "title"]
    assert in_title and all(m["text"] == records[0].title[m["start"] : m["end"]] for _, m in in_title)
    from storyline.present.report import article_spans

    assert all(s["start"] < len(body) for e, _ in in_title for s in article_spans("a1", [], [e]))  # body spans only
    assert len([s for e, _ in in_title for s in article_spans("a1", [], [e])]) < sum(len(e["mentions"]) for e, _ in in_title)


# --- across articles --------------------------------------------------------------------


def test_events_chain_same_action_and_fitting_dates():
    v = np.ones(4, dtype=np.float32) / 2
    mentions = [{"trigger": "collapse", "date": "2021-03-03", "vector": v},
                {"trigger": "collapse", "date": None, "vector": v},
                {"trigger": "collapse", "date": "2021-03", "vector": v},
                {"trigger": "collapse", "date": "2022-07-01", "vector": v},  # another collapse: apart
                {"trigger": "inspect", "date": None, "vector": np.array([1, 0, 0, 0], dtype=np.float32)}]
    chains = chain_mentions(mentions)
    assert chains[0] == chains[1] == chains[2] and chains[3] != chains[0] and chains[4] != chains[0]
    assert dates_disagree("2021-03-03", "2022-07-01") and not dates_disagree("2021-03", "2021-03-03")


def analysed(articles: list[Article]) -> list[Article]:
    return list(Pipeline(["parse", "statements", "times", "events", "embed", "release"], Options()).run(articles))


def fixture_article(ident: str, name: str, published: str | None) -> Article:
    body = (FIXTURES / name).read_text(encoding="utf-8")
    return Article(source=name, input_hash=ident, content_hash=ident, body=body, published=published, id=ident)


@pytest.fixture(scope="module")
def corpus() -> Corpus:
    articles = analysed([fixture_article("a1", "article_a.txt", "2025-03-13"),
                         fixture_article("a2", "article_b.txt", "2025-03-14")])
    entities = [
        {"id": "e1", "name": "Mira Kessel", "kind": "person", "aliases": ["Kessel"], "roles": []},
        {"id": "e2", "name": "Jonas Reuter", "kind": "person", "aliases": ["Reuter"], "roles": []},
    ]
    stories = [{"id": "s1", "label": "talks", "articles": ["a1", "a2"]}]
    return run_corpus_stages(Corpus(articles=articles, entities=entities, stories=stories), Options(),
                             stages=["timeline"])


def test_events_one_happening_in_two_articles_is_one_event_with_both_sources(corpus):
    merged = [e for e in corpus.events if {m["article"] for m in e["mentions"]} == {"a1", "a2"}]
    assert merged
    assert any(e["entities"] for e in merged)


def test_events_match_the_dossier_schema_and_mentions_are_offsets(corpus):
    jsonschema.validate(corpus.events, {**SCHEMA["properties"]["events"], "$defs": SCHEMA["$defs"]})
    bodies = {a.id: a.body for a in corpus.articles}
    for event in corpus.events:
        for m in event["mentions"]:
            assert bodies[m["article"]][m["start"] : m["end"]] == m["text"]
            assert m["start"] <= m["trigger_start"] < m["trigger_end"] <= m["end"]


def test_events_ids_follow_the_timeline_not_the_input_order(corpus):
    backward = run_corpus_stages(Corpus(articles=corpus.articles[::-1], entities=corpus.entities, stories=corpus.stories),
                                 Options(), stages=["timeline"])
    assert backward.events == corpus.events
    dated = [e["date"] for e in corpus.events if e["date"] and e["date"][0].isdigit()]
    assert dated == sorted(dated)
    undated = [k for k, e in enumerate(corpus.events) if e["date"] is None]
    assert undated == list(range(len(corpus.events) - len(undated), len(corpus.events)))  # undated last


def test_events_different_stories_never_merge(corpus):
    apart = [{"id": "s1", "label": "", "articles": ["a1"]}, {"id": "s2", "label": "", "articles": ["a2"]}]
    split = run_corpus_stages(Corpus(articles=corpus.articles, entities=corpus.entities, stories=apart), Options(),
                              stages=["timeline"])
    assert all(len({m["article"] for m in e["mentions"]}) == 1 for e in split.events)


# --- seeds (real articles; skipped when ../shared is absent) -------------------


@pytest.fixture(scope="module")
def seed_corpus() -> Corpus:
    folder = SHARED / "seeds" / "articles"
    if not folder.exists():
        pytest.skip("seed articles not present")
    from storyline.inputs.manifest import load_manifest
    from storyline.inputs.sources import read_sources

    manifest = load_manifest(folder.parent / "manifest.jsonl")
    records = [r for r in Pipeline(PER_ARTICLE_STAGES, Options()).run(read_sources(sorted(str(p) for p in folder.glob("*.txt")), manifest))
               if isinstance(r, Article)]
    for number, record in enumerate(records, 1):
        record.id = f"a{number}"
    return run_corpus_stages(Corpus(articles=records), Options())


def seed(corpus: Corpus, prefix: str) -> Article:
    return next(a for a in corpus.articles if Path(a.source).name.startswith(prefix))


SPEECH_WORDS = {"said", "says", "stated", "told", "indicated", "announced", "added", "noted"}


def test_events_seed_summaries_are_no_speech_acts_or_cut_titles(seed_corpus):
    assert len(seed_corpus.stories) == 1  # the seeds are one story
    for event in seed_corpus.events:
        words = event["summary"].split()
        assert not SPEECH_WORDS & {w.lower() for w in words}, event["summary"]
        assert not (words and words[0].lower() in {"aide", "secretary", "minister", "spokesman"}), event["summary"]


def test_events_seed_004_trip_is_trumps_and_weekend_talks_are_dated(seed_corpus):
    a = seed(seed_corpus, "004")
    mine = [e for e in seed_corpus.events if any(m["article"] == a.id for m in e["mentions"])]
    trips = [m for e in mine for m in e["mentions"] if m["article"] == a.id and "trip to Saudi Arabia" in m["text"]]
    trip_findings = [f for f in a.findings["events"] if f["trigger"] == "trip"]
    assert trips and trip_findings
    tied = {a.body[p["start"] : p["end"]] for f in trip_findings for p in f["participants"]}
    assert any("Trump" in name for name in tied) and not any("Putin" in name for name in tied)
    talks = [f for f in a.findings["events"] if f["trigger"] in {"hold", "talk"} and "weekend" in a.body[f["start"]:f["end"] + 40]]
    assert talks and all((f["date"], f["date_end"]) == ("2025-05-03", "2025-05-04") for f in talks)
    said = [f for f in a.findings["events"] if "Republican president said" in f["summary"]]
    assert not said


def test_events_seed_dates_are_never_invented(seed_corpus):
    times_by_article: dict[str, list[dict]] = {}
    for time in seed_corpus.times:
        times_by_article.setdefault(time["article"], []).append(time)
    for event in seed_corpus.events:
        assert not (event["date"] or "").startswith(("2026", "2027", "2028", "2029", "203"))
        if event["date"]:  # a date some report's own time expression states
            assert any(t["value"] and (t["value"][:7] == event["date"][:7] or t["value"].startswith(event["date"][:4]))
                       for m in event["mentions"] for t in times_by_article.get(m["article"], []))


# -- the timeline in blocks over a parts directory (storyline.corpus.blocks) ----------------


def blocked_lists(parts, dossier, buckets=3):
    from blocked_support import block_run, write_upstream
    from storyline.corpus.blocks import OUTPUTS, read_rows
    from storyline.corpus.timeline import blocked_timeline

    run = block_run(parts, buckets=buckets)
    write_upstream(run, dossier, ["entities", "stories"])
    summary = blocked_timeline(run)
    return summary, list(read_rows(run.path(OUTPUTS["times"]))), list(read_rows(run.path(OUTPUTS["events"])))


@pytest.mark.parametrize("buckets", [1, 3, 7])
def test_events_blocked_timeline_equals_the_normal_run_on_the_fixture_corpus(blocked_parts, buckets):
    parts, dossier = blocked_parts
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


def test_events_entity_at_finds_each_entity_from_any_of_its_tokens(nlp):
    doc = nlp("Mayor Ilse Varnholt met the Saltmere Harbour Board in Dunmore on Tuesday. Nobody else came.")
    expected = {t.i: (ent.start, ent.end, ent.label_) for ent in doc.ents for t in ent}
    assert len(expected) >= 4  # the sentence has named entities for the lookup to find
    for token in doc:
        ent = entity_at(token)
        assert (None if ent is None else (ent.start, ent.end, ent.label_)) == expected.get(token.i), token.text


def test_events_entity_of_matches_a_scan_of_doc_ents(nlp):
    """``entity_of`` (read from the tokens' IOB tags) gives the same entity, or none, as scanning
    ``doc.ents`` for every token."""
    from storyline.article.events import NAME_LABELS, entity_of

    doc = nlp("Mayor Ilse Varga of Port Alder met the Norvania Fisheries Board in Kestrel on Monday, "
              "and the board said it would answer her by May.")
    assert doc.ents
    for token in doc:
        scanned = next((e for e in doc.ents if e.start <= token.i < e.end and e.label_ in NAME_LABELS), None)
        found = entity_of(token)
        assert (found is None) == (scanned is None), token.text
        if found is not None:
            assert (found.start, found.end, found.label_) == (scanned.start, scanned.end, scanned.label_)
