"""A failing or oversized article is reported once and the rest of the run goes on."""

import json
from pathlib import Path

import pytest

from conftest import validate_dossier
from storyline.analyze import analyze
from storyline.article.extract_text import extract_text
from storyline.article.parse import load_nlp, parse_text, windows
from storyline.core.options import Options

PARAGRAPH = (
    '"We will not sign a bad deal," Harbour Minister Odile Varga told reporters in Lanport on Monday. '
    "The talks on the ferry quota resumed after a week of delays, officials said.\n\n"
)


def varied(count: int) -> str:
    """``count`` distinct paragraphs (the text cleaner drops repeated ones)."""
    return "".join(PARAGRAPH.replace("a week", f"{n + 2} weeks") for n in range(count))


def write_corpus(folder: Path, texts: dict[str, str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in texts.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def test_guard_a_stage_failing_on_one_article_skips_only_that_article(tmp_path, monkeypatch):
    from storyline.article import statements

    real = statements.find_statements

    def fragile(doc):
        if "Quarrelsome" in doc.text:
            raise ValueError("cannot read this one")
        return real(doc)

    monkeypatch.setattr(statements, "find_statements", fragile)
    corpus = write_corpus(tmp_path / "in", {
        "a.txt": PARAGRAPH * 2,
        "b.txt": PARAGRAPH.replace("Odile Varga", "Quarrelsome Pike") * 2,
        "c.txt": PARAGRAPH.replace("Monday", "Tuesday") * 2,
    })
    result = analyze([str(corpus)], tmp_path / "out", Options(batch_size=8))
    assert [Path(a["source"]).name for a in result.dossier["articles"]] == ["a.txt", "c.txt"]
    (skipped,) = result.dossier["skipped"]
    assert Path(skipped["source"]).name == "b.txt"
    assert skipped["reason"] == "failed in stage statements: ValueError: cannot read this one"
    assert all(a["source"] != skipped["source"] for a in result.dossier["articles"])


def test_parse_windows_partition_the_text_at_paragraphs():
    text = PARAGRAPH * 10 + "x" * 900 + " tail"
    pieces = windows(text, 400)
    assert "".join(pieces) == text
    assert all(len(piece) <= 400 for piece in pieces)
    assert all(piece.endswith("\n\n") for piece in pieces[:5])


def test_parse_long_text_in_windows_keeps_offsets_into_the_whole_text(monkeypatch):
    nlp = load_nlp()
    monkeypatch.setattr(nlp, "max_length", 1000)
    text = varied(12)
    doc = parse_text(nlp, text)
    assert doc.text == text
    assert len(list(doc.sents)) >= 24
    mondays = [ent for ent in doc.ents if ent.text == "Monday"]
    assert len(mondays) == 12
    assert all(text[ent.start_char : ent.end_char] == "Monday" for ent in mondays)
    assert all(token.head.i < len(doc) and text[token.idx : token.idx + len(token)] == token.text for token in doc)


def test_analyze_article_over_spacys_max_length_is_analysed_with_the_others(tmp_path, monkeypatch):
    nlp = load_nlp()
    monkeypatch.setattr(nlp, "max_length", 2000)
    corpus = write_corpus(tmp_path / "in", {"long.txt": varied(30), "short.txt": PARAGRAPH})
    result = analyze([str(corpus)], tmp_path / "out", Options())
    validate_dossier(result.dossier)
    by_name = {Path(a["source"]).name: a for a in result.dossier["articles"]}
    assert set(by_name) == {"long.txt", "short.txt"} and result.dossier["skipped"] == []
    long_id = by_name["long.txt"]["id"]
    said = [s for s in result.dossier["statements"] if s["article"] == long_id]
    assert len(said) >= 30


def test_extract_text_repeated_paragraphs_are_dropped_with_a_warning():
    extraction = extract_text(PARAGRAPH * 500)
    assert extraction.body == PARAGRAPH.strip()
    assert any("dropped 499 repeated paragraphs" in warning for warning in extraction.warnings)


def test_guard_a_reader_crash_on_one_input_skips_only_that_input(tmp_path, monkeypatch):
    from storyline.inputs import sources as inputs

    real = inputs.documents

    def fragile(source, data, manifest):
        if source.endswith("b.txt"):
            raise RuntimeError("reader bug")
        return real(source, data, manifest)

    monkeypatch.setattr(inputs, "documents", fragile)
    corpus = write_corpus(tmp_path / "in", {"a.txt": PARAGRAPH, "b.txt": PARAGRAPH + "More.", "c.txt": "Other. " + PARAGRAPH})
    records = list(inputs.read_sources(sorted(str(p) for p in corpus.iterdir())))
    assert [type(r).__name__ for r in records] == ["RawDoc", "Skipped", "RawDoc"]
    assert records[1].reason == "failed in stage read: RuntimeError: reader bug"
