"""Shared test helpers. Real data under ../shared is optional: tests that need it skip."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
FIXTURES = ROOT / "tests" / "fixtures"
SCHEMA = json.loads((ROOT / "docs" / "dossier.schema.json").read_text(encoding="utf-8"))


def shared_path(*parts: str) -> Path:
    """A path under ../shared, or skip the test when it is not there."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"{path} not present")
    return path


def validate_dossier(dossier: dict) -> None:
    jsonschema.validate(dossier, SCHEMA)
    for article in dossier["articles"]:
        assert article["published"] is None or article["published_from"] is not None
    bodies = {a["id"]: a["body"] for a in dossier["articles"]}
    for statement in dossier["statements"]:
        body = bodies[statement["article"]]
        assert 0 <= statement["start"] <= statement["end"] <= len(body)
        assert body[statement["start"] : statement["end"]] == statement["text"]
    for time in dossier["times"]:
        body = bodies[time["article"]]
        assert body[time["start"] : time["end"]] == time["text"]


@pytest.fixture(scope="session")
def seeds_dir() -> Path:
    return shared_path("seeds", "articles")


@pytest.fixture(scope="session")
def example_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``storyline analyze examples --manifest examples/manifest.csv`` once per session: its output folder."""
    from storyline.analyze import analyze
    from storyline.inputs.manifest import load_manifest
    from storyline.core.options import Options

    out = tmp_path_factory.mktemp("examples_run")
    manifest = load_manifest(ROOT / "examples" / "manifest.csv")
    analyze([str(ROOT / "examples")], out, Options(), manifest=manifest)
    return out


@pytest.fixture(scope="session")
def blocked_parts_once(tmp_path_factory: pytest.TempPathFactory):
    """The blocked test corpus (``blocked_support.BLOCKED_INPUTS``) analysed into parts once per session."""
    from blocked_support import analysed_parts

    return analysed_parts(tmp_path_factory.mktemp("blocked_parts"))


@pytest.fixture
def blocked_parts(blocked_parts_once):
    """(parts folder, the normal run's dossier): a fresh copy of the dossier for each test to change at will."""
    import copy

    parts, dossier = blocked_parts_once
    return parts, copy.deepcopy(dossier)


@pytest.fixture(scope="session")
def seed_parts_once(tmp_path_factory: pytest.TempPathFactory, seeds_dir: Path):
    from blocked_support import analysed_parts

    return analysed_parts(tmp_path_factory.mktemp("seed_parts"), [seeds_dir], seeds_dir.parent / "manifest.jsonl")


@pytest.fixture
def seed_parts(seed_parts_once):
    """The seeds (with their manifest) analysed into parts, and the normal run's dossier (skips without ../shared)."""
    import copy

    parts, dossier = seed_parts_once
    return parts, copy.deepcopy(dossier)
