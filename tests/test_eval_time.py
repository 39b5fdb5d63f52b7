"""The TempEval-3 style evaluator for time expressions."""

from __future__ import annotations

from pathlib import Path

import pytest

from storyline.eval import time as eval_time
from storyline.eval.time import Counts, GoldTimex, read_timeml, score_doc, to_timeml
from storyline.article.time_values import TimeExpr

SAMPLE = Path(__file__).parent / "fixtures" / "times" / "timeml"


def test_eval_time_reads_timeml_text_and_spans():
    doc = read_timeml(SAMPLE / "Sample" / "WIRE20240307.0001.tml")
    assert doc.dct == "2024-03-07"
    assert "officials & unions said" in doc.text  # entities decoded, tags gone
    assert "<" not in doc.text
    assert [(doc.text[t.start : t.end], t.type, t.value) for t in doc.timexes] == [
        ("Wednesday", "DATE", "2024-03-06"),
        ("two weeks", "DURATION", "P2W"),
        ("Feb. 21", "DATE", "2024-02-21"),
        ("every Monday", "SET", "XXXX-WXX-1"),
        ("1911", "DATE", "1911"),
    ]


def test_eval_time_scores_strict_relaxed_and_value():
    gold = [GoldTimex(0, 10, "DATE", "2024-03-06"), GoldTimex(20, 30, "DURATION", "P2W"), GoldTimex(40, 45, "DATE", "1911")]
    system = [
        TimeExpr(0, 10, "date", "2024-03-06"),  # strict, right value
        TimeExpr(18, 30, "duration", "P3W"),  # relaxed only, wrong value
        TimeExpr(60, 65, "date", "2020"),  # spurious
    ]
    counts = {"all": Counts(), "DATE": Counts()}
    score_doc(gold, system, counts)
    overall = counts["all"].scores()
    assert overall["strict_p"] == pytest.approx(1 / 3) and overall["strict_r"] == pytest.approx(1 / 3)
    assert overall["relaxed_p"] == pytest.approx(2 / 3) and overall["relaxed_r"] == pytest.approx(2 / 3)
    assert overall["value_accuracy"] == pytest.approx(1 / 2)
    assert overall["value_f1"] == pytest.approx(1 / 3)
    dates = counts["DATE"].scores()
    assert dates["gold"] == 2 and dates["system"] == 2
    assert dates["relaxed_r"] == pytest.approx(1 / 2)


def test_eval_time_year_unknown_is_compared_in_timeml_spelling():
    assert to_timeml("--10-21") == "XXXX-10-21"
    assert to_timeml("--08") == "XXXX-08"
    assert to_timeml("2025-07-04") == "2025-07-04"
    assert to_timeml(None) == ""


def test_eval_time_evaluate_on_a_sample():
    result = eval_time.evaluate(SAMPLE)
    assert result["documents"] == 1
    assert result["all"]["relaxed_f1"] == pytest.approx(1.0)
    assert result["DATE"]["value_f1"] == pytest.approx(1.0)
    assert result["speed"]["expressions"] == 5


def test_eval_time_main_prints_the_table(capsys):
    assert eval_time.main(["--timebank", str(SAMPLE)]) == 0
    out = capsys.readouterr().out
    assert eval_time.SECTION in out and "HeidelTime" in out
