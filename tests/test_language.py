"""Language is detected per article; other languages keep their text and skip the English-only stages."""

import json
from pathlib import Path

from conftest import validate_dossier
from storyline.analyze import analyze
from storyline.article.extract_text import extract_text
from storyline.article.language import detect_language
from storyline.core.options import Options
from storyline.present.report import overview

RUSSIAN = (
    "Министр транспорта Олег Ветров заявил в понедельник, что паромное сообщение с островом возобновится в июне. "
    "«Мы не подпишем плохую сделку», — сказал он журналистам в порту.\n\n"
    "Переговоры с островными советами продолжались несколько месяцев, сообщили в ведомстве. "
    "Советники просили сохранить поздний рейс, и новый план это предусматривает."
)
ENGLISH = (
    "Transport Minister Oleg Vetrov said on Monday that the ferry service to the island would resume in June. "
    "\"We will not sign a bad deal,\" he told reporters at the port.\n\n"
    "Talks with the island councils had gone on for months, the ministry said."
)
RUSSIAN_PAGE = f"""<html lang="ru"><head><title>Паром возобновит рейсы</title>
<meta property="article:published_time" content="2024-05-02"></head>
<body><article><h1>Паром возобновит рейсы</h1><p>{RUSSIAN.split(chr(10))[0]}</p><p>{RUSSIAN.split(chr(10))[-1]}</p></article></body></html>"""


def test_language_detected_or_null_when_too_short():
    assert detect_language(RUSSIAN) == "ru"
    assert detect_language(ENGLISH) == "en"
    assert detect_language("Ferry back.") is None


def test_extract_text_finds_the_body_of_a_russian_text():
    extraction = extract_text(RUSSIAN)
    assert "паромное сообщение" in extraction.body and "поздний рейс" in extraction.body


def test_analyze_non_english_articles_are_kept_but_not_analysed(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "ru.txt").write_text(RUSSIAN, encoding="utf-8")
    (folder / "ru.html").write_text(RUSSIAN_PAGE, encoding="utf-8")
    (folder / "en.txt").write_text(ENGLISH, encoding="utf-8")
    dossier = analyze([str(folder)], tmp_path / "out", Options()).dossier
    validate_dossier(dossier)
    by_name = {Path(a["source"]).name: a for a in dossier["articles"]}
    assert {name: a["language"] for name, a in by_name.items()} == {"en.txt": "en", "ru.html": "ru", "ru.txt": "ru"}
    assert dossier["skipped"] == []
    for name in ("ru.txt", "ru.html"):
        assert any("not analysed: language ru" in warning for warning in by_name[name]["warnings"])
        assert all(s["article"] != by_name[name]["id"] for s in dossier["statements"])
    assert by_name["ru.html"]["published"] == "2024-05-02" and by_name["ru.html"]["published_from"] == "html"
    assert any(s["article"] == by_name["en.txt"]["id"] for s in dossier["statements"])
    assert overview(dossier)["not_analysed"] == [("ru", 2)]
    assert "not analysed: language ru" in (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
