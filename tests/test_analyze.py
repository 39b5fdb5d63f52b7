"""End to end through the library: inputs -> store -> dossier.json + report.html."""

import json
import shutil
from datetime import date
from pathlib import Path

import pytest

from conftest import FIXTURES, ROOT, validate_dossier
from storyline.analyze import analyze
from storyline.inputs.manifest import load_manifest
from storyline.core.options import Options

CORPUS = FIXTURES / "corpus"


@pytest.fixture()
def corpus(tmp_path) -> Path:
    target = tmp_path / "corpus"
    shutil.copytree(CORPUS, target)
    return target


def run(sources, out, **kwargs):
    options = kwargs.pop("options", None) or Options()
    return analyze([str(s) for s in sources], out, options, **kwargs)


def test_analyze_writes_a_valid_dossier_and_report(corpus, tmp_path):
    result = run([corpus], tmp_path / "out")
    dossier = json.loads(result.dossier_path.read_text(encoding="utf-8"))
    validate_dossier(dossier)
    assert result.added == 3 and result.unchanged == 0
    assert [a["id"] for a in dossier["articles"]] == ["a1", "a2", "a3"]
    by_source = {Path(a["source"]).name: a for a in dossier["articles"]}
    assert by_source["lanport-daily-1"]["published"] == "2024-02-09"
    assert by_source["lanport-daily-1"]["published_from"] == "input"
    assert "ferry line" in by_source["gazette_ferry.html"]["body"]
    assert "Home" not in by_source["gazette_ferry.html"]["body"]
    assert result.report_path.exists()


def test_analyze_never_invents_a_publication_date(corpus, tmp_path):
    dossier = run([corpus / "wire_fisheries.txt", corpus / "gazette_ferry.html"], tmp_path / "out").dossier
    assert [a["published"] for a in dossier["articles"]] == [None, None]
    assert [a["published_from"] for a in dossier["articles"]] == [None, None]
    assert date.today().isoformat() not in json.dumps(dossier)


def test_analyze_flag_date_only_for_inputs_without_one(corpus, tmp_path):
    dossier = run([corpus], tmp_path / "out", options=Options(published="2024-02")).dossier
    found = {Path(a["source"]).name: (a["published"], a["published_from"]) for a in dossier["articles"]}
    assert found["wire_fisheries.txt"] == ("2024-02", "flag")
    assert found["lanport-daily-1"] == ("2024-02-09", "input")


def test_analyze_rerun_skips_known_articles_and_adds_new_ones(corpus, tmp_path):
    out = tmp_path / "out"
    first = run([corpus], out)
    again = run([corpus], out)
    assert (again.added, again.unchanged) == (0, 3)
    assert again.dossier["articles"] == first.dossier["articles"]
    extra = corpus / "later.txt"
    extra.write_text("A later report on the quota talks said the sides were close to a deal.", encoding="utf-8")
    third = run([corpus], out)
    assert (third.added, third.unchanged) == (1, 3)
    assert len(third.dossier["articles"]) == 4
    assert len({a["id"] for a in third.dossier["articles"]}) == 4


def test_analyze_new_metadata_replaces_the_article_in_place(corpus, tmp_path):
    out = tmp_path / "out"
    before = run([corpus / "wire_fisheries.txt"], out).dossier["articles"]
    manifest = tmp_path / "m.csv"
    manifest.write_text("source,outlet,published\nwire_fisheries.txt,Meridian Wire,2024-03-01\n", encoding="utf-8")
    after = run([corpus / "wire_fisheries.txt"], out, manifest=load_manifest(manifest)).dossier["articles"]
    assert len(after) == 1 and after[0]["id"] == before[0]["id"]
    assert (after[0]["outlet"], after[0]["published"], after[0]["published_from"]) == ("Meridian Wire", "2024-03-01", "manifest")


def test_analyze_bad_inputs_are_listed_and_the_run_goes_on(corpus, tmp_path):
    (corpus / "empty.txt").write_text("", encoding="utf-8")
    (corpus / "blob.txt").write_bytes(b"\x00\x01\x02binary")
    result = run([corpus, tmp_path / "missing.html"], tmp_path / "out")
    skipped = {Path(s["source"]).name: s["reason"] for s in result.dossier["skipped"]}
    assert skipped == {"empty.txt": "empty", "blob.txt": "binary file (contains NUL bytes)", "missing.html": "not found"}
    assert len(result.dossier["articles"]) == 3
    validate_dossier(result.dossier)


def test_analyze_examples_corpus(tmp_path):
    examples = ROOT / "examples"
    result = run([examples], tmp_path / "out", manifest=load_manifest(examples / "manifest.csv"))
    validate_dossier(result.dossier)
    sources = [a["source"] for a in result.dossier["articles"]]
    assert len(sources) >= 5
    assert any(s["source"].endswith("line 3") for s in result.dossier["skipped"])


def test_analyze_two_worker_processes_give_the_same_dossier(corpus, tmp_path):
    one = run([corpus], tmp_path / "one").dossier
    two = run([corpus], tmp_path / "two", options=Options(workers=2, batch_size=1)).dossier
    assert two == one
