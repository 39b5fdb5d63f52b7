"""The labelled speaker set (eval/speakers) and its scoring."""

from __future__ import annotations

import json
import re
from pathlib import Path

from conftest import shared_path

from storyline.eval import speakers as es
from storyline.eval.attribution import read_ann

PRONOUNS = {"he", "she", "they", "it", "him", "her", "them", "i", "we", "me", "us", "who", "which", "that", "whom"}
DETERMINERS = {"the", "his", "her", "its", "their", "this", "that", "these", "those"}


def test_eval_speakers_set_rows_point_at_pronouns_and_role_nouns() -> None:
    polnear = shared_path("datasets", "polnear", "train")
    rows = es.load_set()
    assert len(rows) >= 300
    assert len({r["id"] for r in rows}) == len(rows)
    assert len({r["file"] for r in rows}) >= 100  # spread over many articles
    for row in rows:
        text = (polnear / "text" / row["file"]).read_text(encoding="utf-8")
        for start, end in (("source_start", "source_end"), ("cue_start", "cue_end"), ("content_start", "content_end")):
            assert 0 <= row[start] < row[end] <= len(text), (row["id"], start)
        words = re.findall(r"[\w'’.-]+", text[row["source_start"] : row["source_end"]].lower())
        if row["mention_type"] == "role":
            assert words[0] in DETERMINERS and len(words) >= 2, row["id"]
        else:
            assert len(words) == 1 and words[0] in PRONOUNS, row["id"]
        assert row["mention_type"] in es.MENTION_TYPES
        assert row["speaker"] is None or row["speaker"].strip()
        assert not any(len(v) > 120 for v in map(str, row.values()))  # names and offsets, never text
        gold = read_ann(polnear / "attributions" / row["ann"])
        assert any(g.source[:1] == [(row["source_start"], row["source_end"])] for g in gold), row["id"]


def test_eval_speakers_names_agree_by_surname_and_organisation_words() -> None:
    assert es.names_agree("Mr. Haldane", "Oskar Haldane", "person")
    assert es.names_agree("Oskar J. Haldane Jr.", "Oskar Haldane", "person")
    assert not es.names_agree("Greta Haldane", "Oskar Haldane", "person")
    assert not es.names_agree("Oskar Brun", "Oskar Haldane", "person")
    assert es.names_agree("Ms. Ibarra", "Lucia Ibarra Sol", "person")
    assert not es.names_agree("Lucia", "Lucia Ibarra Sol", "person")
    assert es.names_agree("the Harbour Authority", "Veldmark Harbour Authority", "organization")
    assert es.names_agree("VHA", "Veldmark Harbour Authority", "organization")
    assert not es.names_agree("Veldmark Rail", "Veldmark Harbour Authority", "organization")
    assert es.label_agrees("Greta Haldane", "Oskar Haldane|Greta Haldane", "person")
    assert es.label_agrees(None, None, None)
    assert not es.label_agrees("Oskar Haldane", None, None)
    assert not es.label_agrees(None, "Oskar Haldane", "person")


TEXT = ('Mayor Oskar Haldane opened the new pier on Monday.\n\n'
        '"We waited ten years for this," he said.\n\n'
        'The harbour board, which paid for half of it, said the pier would pay for itself.\n')


def _statement(text: str, content: str, cue_at: int, speaker_at: int, key: str | None) -> dict:
    """A statement in the shape ``find_statements`` gives, with the cue ``said`` and a one-word speaker."""
    start = text.index(content)
    end_of_word = speaker_at + len(text[speaker_at:].split()[0])
    mention = {"start": speaker_at, "end": end_of_word, "text": text[speaker_at:end_of_word]}
    return {"kind": "indirect", "start": start, "end": start + len(content), "cue": "said", "cue_start": cue_at,
            "cue_end": cue_at + 4, "speaker_mention": mention, "speaker_key": key}


def test_eval_speakers_scoring_counts_right_null_and_wrong(tmp_path: Path) -> None:
    said_he = TEXT.index("said", TEXT.index("he said"))
    which = TEXT.index("which")
    said_board = TEXT.index("said the pier")
    pier = TEXT.index("the pier would")
    ann = "\n".join([
        f"T1\tSource {TEXT.index('he said')} {TEXT.index('he said') + 2}\the",
        f"T2\tCue {said_he} {said_he + 4}\tsaid",
        f"T3\tContent {TEXT.index('We waited')} {TEXT.index('this,') + 4}\tx",
        "E1\tAttribution:T2 Content:T3 Cue:T2 Source:T1",
        f"T4\tSource {which} {which + 5}\twhich",
        f"T5\tCue {said_board} {said_board + 4}\tsaid",
        f"T6\tContent {pier} {TEXT.index('itself') + 6}\tx",
        "E2\tAttribution:T5 Content:T6 Cue:T5 Source:T4",
    ]) + "\n"
    (tmp_path / "train" / "attributions").mkdir(parents=True)
    (tmp_path / "train" / "attributions" / "pier_a1.ann").write_text(ann, encoding="utf-8")
    items = [
        {"id": "pier:he", "ann": "pier_a1.ann", "source_start": TEXT.index("he said"), "cue_start": said_he,
         "mention_type": "pronoun", "speaker": "Oskar Haldane", "speaker_kind": "person"},
        {"id": "pier:which", "ann": "pier_a1.ann", "source_start": which, "cue_start": said_board,
         "mention_type": "relative", "speaker": "Veldmark Harbour Board", "speaker_kind": "organization"},
    ]
    gold, mine = es.gold_relations(tmp_path, items)
    assert set(mine) == {"pier:he", "pier:which"}
    mentions = [{"key": "m1", "name": "Oskar Haldane"}, {"key": "m2", "name": "Harbour Board"}]
    quote = _statement(TEXT, "We waited ten years for this", said_he, TEXT.index("he said"), "m1")
    board = _statement(TEXT, "the pier would pay for itself", said_board, which, None)
    outcomes = es.match_items(TEXT, items, gold, mine, [quote, board], mentions)
    assert [o.matched for o in outcomes] == [True, True]
    assert [o.right for o in outcomes] == [True, False]
    scores = es.score(outcomes)
    assert scores["all"]["accuracy"] == 0.5
    assert scores["relative"]["null_rate"] == 1.0
    assert scores["pronoun"]["wrong_non_null_rate"] == 0.0

    board["speaker_key"] = "m1"  # now the board's statement is given to the mayor: wrong, not null
    outcomes = es.match_items(TEXT, items, gold, mine, [quote, board], mentions)
    scores = es.score(outcomes)
    assert scores["relative"]["null_rate"] == 0.0
    assert scores["relative"]["wrong_non_null_rate"] == 1.0

    unmatched = es.match_items(TEXT, items, gold, mine, [quote], mentions)
    assert es.score(unmatched)["all"]["matched_rate"] == 0.5


def test_eval_speakers_render_names_both_runs() -> None:
    empty = {t: es.tally([]) for t in (*es.MENTION_TYPES, "all")}
    section = es.render({"items": 0, "articles": 0, "runs": {"without coreference": empty, "with coreference": empty}},
                        "python -m storyline.eval.speakers --write-docs")
    assert section.startswith(es.SECTION)
    assert "| without coreference | **all** |" in section and "| with coreference | pronoun |" in section
    assert json.dumps(section)  # plain text
