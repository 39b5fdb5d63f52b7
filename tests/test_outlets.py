"""Outlet profiles and the label comparison (present/outlets.py), and their section of report.html."""

from __future__ import annotations

from markupsafe import escape
from sample_dossier import PAYLOADS, sample_dossier

from storyline.present.outlets import label_comparison, outlet_list, outlet_profile, outlet_profiles
from storyline.present.report import render_report

SOURCES = [
    {"name": "Harbor Gazette", "country": "Freedonia", "owner": "Gazette Group", "labels": ["state-backed"],
     "feeds": [], "pages": []},
    {"name": "Meridian Wire", "country": None, "owner": None, "labels": ["wire"], "feeds": [], "pages": []},
    {"name": "Quiet Times", "country": "Sylvania", "owner": None, "labels": ["state-backed"], "feeds": [], "pages": []},
]


def with_syndication(dossier: dict) -> dict:
    dossier["syndicated"] = [{"id": "d1", "original": "a1", "articles": ["a1", "a2"],
                              "outlets": ["Harbor Gazette", "Meridian Wire"], "dates": ["2025-03-14", "2025-06-02"]}]
    return dossier


def test_outlets_profile_counts_articles_speakers_claims_and_shared():
    dossier = with_syndication(sample_dossier())
    profile = outlet_profile(dossier, SOURCES, "Meridian Wire")
    assert profile["labels"] == ["wire"] and profile["in_sources_file"]
    assert (profile["over_time"]["periods"], profile["over_time"]["counts"]) == (["2025-06"], [1])
    assert [(s["name"], s["statements"]) for s in profile["top_speakers"]] == [("Ilan Brask", 1), ("Mara Voss", 1)]
    (claim,) = profile["claims"]
    assert (claim["id"], claim["first_seen"], claim["others"], claim["first_carrier"]) == (
        "c1", "2025-06-02", ["Harbor Gazette"], "Harbor Gazette")
    assert [(g["original"], g["others"]) for g in profile["syndicated"]] == [("a1", ["Harbor Gazette"])]
    # An outlet of the sources file with no article yet has a profile, empty; an unknown name has none.
    assert outlet_profile(dossier, SOURCES, "Quiet Times")["articles"] == []
    assert outlet_profile(dossier, SOURCES, "Nobody") is None
    herald = next(o for o in outlet_list(dossier, SOURCES) if o["name"] == "Northgate Herald")
    assert (herald["articles"], herald["in_sources_file"], herald["labels"]) == (1, False, [])


def test_outlets_label_comparison_splits_claims_and_names_the_first_carrier():
    dossier = sample_dossier()
    compared = label_comparison(dossier, SOURCES, "state-backed")
    assert compared["outlets"] == ["Harbor Gazette", "Quiet Times"]
    # c1: Gazette (labelled) and Wire; c2: Gazette and Herald (not in the sources file: "others").
    assert [c["id"] for c in compared["both"]] == ["c1", "c2"] and compared["labelled"] == compared["others"] == []
    assert all(c["first_outlet"] == "Harbor Gazette" and c["first_labelled"] for c in compared["both"])
    wire = label_comparison(dossier, SOURCES, "wire")
    assert [c["id"] for c in wire["both"]] == ["c1"] and [c["id"] for c in wire["others"]] == ["c2"]
    assert wire["both"][0]["first_labelled"] is False


def test_outlets_report_section_escapes_the_sources_file():
    dossier = sample_dossier()
    sources = [{**SOURCES[0], "labels": [PAYLOADS[1]], "owner": PAYLOADS[0]}]
    page = render_report(dossier, outlet_profiles(dossier, sources))
    assert 'id="outlets"' in page and page.count('class="outlet card"') == 3
    assert PAYLOADS[0] not in page and PAYLOADS[1] not in page
    assert str(escape(PAYLOADS[0])) in page and str(escape(PAYLOADS[1])) in page  # shown, as text
    assert 'id="outlets"' not in render_report(dossier)  # without profiles, no section
