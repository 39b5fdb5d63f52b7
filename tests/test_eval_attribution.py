"""PolNeAR attribution scoring: reading BRAT, the matching rule, the report section."""

from __future__ import annotations

from pathlib import Path

import pytest

from storyline.eval import attribution as ea

TEXT = (
    '"The bridge will reopen in May," Mayor Lena Ostrova said.\n\n'
    "The council said that the budget was approved.\n\n"
    "Voters want lower fares.\n"
)


def _ann() -> str:
    quote_end = TEXT.index(",")
    said = TEXT.index("said")
    council = TEXT.index("The council")
    that = TEXT.index("that the budget")
    approved = TEXT.index("approved") + len("approved")
    want = TEXT.index("want")
    return "\n".join([
        f"T1\tContent 0 {quote_end + 2}\t{TEXT[0:quote_end + 2]}",
        f"T2\tSource {TEXT.index('Mayor')} {said - 1}\tMayor",
        f"T3\tCue {said} {said + 4}\tsaid",
        "E1\tAttribution:T3 Content:T1 Cue:T3 Source:T2",
        f"T4\tSource {council} {council + 11}\tThe council",
        f"T5\tCue {council + 12} {council + 16}\tsaid",
        f"T6\tContent {that} {approved}\tx",
        "E2\tAttribution:T5 Content:T6 Cue:T5 Source:T4",
        f"T7\tSource {TEXT.index('Voters')} {want - 1}\tVoters",
        f"T8\tCue {want} {want + 4}\twant",
        f"T9\tContent {want + 5} {TEXT.index('fares') + 5}\tlower fares",
        "E3\tAttribution:T8 Content:T9 Cue:T8 Source:T7",
    ]) + "\n"


@pytest.fixture()
def polnear(tmp_path: Path) -> Path:
    (tmp_path / "dev" / "text").mkdir(parents=True)
    (tmp_path / "dev" / "attributions").mkdir(parents=True)
    (tmp_path / "dev" / "text" / "fictional_bridge.txt").write_text(TEXT, encoding="utf-8")
    (tmp_path / "dev" / "attributions" / "fictional_bridge_a1.ann").write_text(_ann(), encoding="utf-8")
    return tmp_path


def test_eval_attribution_reads_brat_relations(polnear):
    gold = ea.read_ann(polnear / "dev" / "attributions" / "fictional_bridge_a1.ann")
    assert len(gold) == 3
    assert TEXT[slice(*gold[0].source[0])] == "Mayor Lena Ostrova"
    assert ea._is_direct(TEXT, gold[0].content)
    assert not ea._is_direct(TEXT, gold[1].content)


def test_eval_attribution_match_needs_half_of_each():
    text = "abcdefghij klmnopqrstuvwxyz"
    gold = ea.Attribution([(0, 10)], [], [])
    gold.chars = ea._alnum_chars(text, gold.content)
    half = ea.Attribution([(0, 5)], [], [])
    half.chars = ea._alnum_chars(text, half.content)
    too_long = ea.Attribution([(0, 27)], [], [])
    too_long.chars = ea._alnum_chars(text, too_long.content)
    assert len(ea.match([gold], [half])) == 1
    assert ea.match([gold], [too_long]) == []


def test_eval_attribution_scores_speech_and_skips_beliefs(polnear):
    result = ea.evaluate(polnear, "dev")
    assert result["articles"] == 1
    assert result["direct"]["gold"] == 1 and result["direct"]["matched"] == 1
    # "want" is not a cue of saying: the gold speech set holds the quote and the council only.
    assert result["speech"]["gold"] == 2
    assert result["speech"]["recall"] == 1.0
    assert result["speech"]["speaker_accuracy"] == 1.0
