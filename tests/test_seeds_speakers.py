"""Who said it, on the seeds (``../shared/seeds``; skips without it): the errors a new user met (issue 15) stay
fixed and the canonical speakers stay right. Checks names and kinds only, no text of the seeds."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="module")
def seeds(seed_parts_once):
    _, dossier = seed_parts_once
    return dossier


def _entities(dossier, name):
    return [e for e in dossier["entities"] if e["name"] == name or name in e["aliases"]]


def _speaker_of(dossier, mention):
    return {s["speaker_name"] for s in dossier["statements"] if (s["speaker_mention"] or {}).get("text") == mention}


def test_seeds_speakers_titles_are_roles_not_entities(seeds):
    assert not _entities(seeds, "State")
    [rubio] = _entities(seeds, "Marco Rubio")
    assert any("Secretary of State" in role for role in rubio["roles"])


def test_seeds_speakers_places_are_places(seeds):
    assert [e["kind"] for e in _entities(seeds, "Crimea")] == ["place"]
    assert not [e for e in seeds["entities"] if e["name"] == "U.S.-Russia"]
    people_or_orgs = {e["name"] for e in seeds["entities"] if e["kind"] in ("person", "organization")}
    assert not people_or_orgs & {"Russia", "United States", "Crimea", "Ukraine", "Washington", "Moscow"}


def test_seeds_speakers_aliases_are_one_entity(seeds):
    for spellings in (("Russia", "Russian Federation"), ("U.S.", "United States"), ("EU", "European Union"),
                      ("NATO", "North Atlantic Alliance")):
        assert len({e["id"] for s in spellings for e in _entities(seeds, s)}) == 1, spellings


def test_seeds_speakers_framing_topics_are_no_statements(seeds):
    openings = [s["text"][:12] for s in seeds["statements"]]
    assert not [o for o in openings if o.startswith(("on plans to", "on what cond"))]


def test_seeds_speakers_no_speakerless_nested_duplicates(seeds):
    by_article = {}
    for s in seeds["statements"]:
        by_article.setdefault(s["article"], []).append(s)
    for statements in by_article.values():
        for inner in statements:
            if inner["speaker"] is None:
                assert not [o for o in statements if o is not inner and o["start"] <= inner["cue_start"]
                            and inner["end"] <= o["end"]], inner["text"][:40]


def test_seeds_speakers_canonical_speakers_stay_right(seeds):
    assert _speaker_of(seeds, "the latter") == {"Vladimir Putin"}
    assert _speaker_of(seeds, "the US president") == {"Donald Trump"}
    assert _speaker_of(seeds, "the Russian FM") == {"Sergei Lavrov"}
    assert _speaker_of(seeds, "the presidential aide") == {"Yuri Ushakov"}
    assert _speaker_of(seeds, "The political scientist") == {"Pavel Klachkov"}
    for surname, person in (("Peskov", "Dmitry Peskov"), ("Lavrov", "Sergei Lavrov"), ("Rubio", "Marco Rubio"),
                            ("Trump", "Donald Trump"), ("Klachkov", "Pavel Klachkov")):
        assert _speaker_of(seeds, surname) == {person}
