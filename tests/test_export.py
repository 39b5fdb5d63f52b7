import csv
import io
import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from sample_dossier import sample_dossier, write_store
from typer.testing import CliRunner

from storyline.cli import app
from storyline.present.export import TABLES, export_table
from storyline.core.records import Corpus
from storyline.store.sqlite import Store


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_store(sample_dossier(), tmp_path_factory.mktemp("export") / "sample.db")


def test_export_jsonl_keeps_items_whole(db, tmp_path):
    out = tmp_path / "statements.jsonl"
    assert export_table(db, "statements", "jsonl", out) == 6
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    expected = sample_dossier()["statements"]
    assert [{k: r[k] for k in expected[0]} for r in rows] == expected
    assert (rows[3]["outlet"], rows[3]["article_published"]) == ("Meridian Wire", "2025-06-02")
    assert list(rows[0])[:4] == ["id", "article", "outlet", "article_published"]


def test_export_csv_writes_nested_values_as_json(db, tmp_path):
    out = tmp_path / "events.csv"
    export_table(db, "events", "csv", out)
    rows = list(csv.DictReader(out.open(encoding="utf-8", newline="")))
    assert [r["id"] for r in rows] == ["v1", "v2", "v3", "v4"]
    assert rows[1]["date"] == "2017" and rows[1]["date_end"] == ""
    mention = json.loads(rows[0]["mentions"])[0]
    body = sample_dossier()["articles"][0]["body"]
    assert body[mention["start"] : mention["end"]] == mention["text"] == "Officials met on March 12"


def test_export_articles_csv_keeps_bodies_exact(db, tmp_path):
    out = tmp_path / "articles.csv"
    export_table(db, "articles", "csv", out)
    rows = list(csv.DictReader(out.open(encoding="utf-8", newline="")))
    assert [r["body"] for r in rows] == [a["body"] for a in sample_dossier()["articles"]]
    assert json.loads(rows[0]["comments"])[0]["author"] == "dockhand77"


def test_export_parquet_types_columns(db, tmp_path):
    out = tmp_path / "claims.parquet"
    assert export_table(db, "claims", "parquet", out) == 2
    table = pq.read_table(out)
    assert table.column_names[: len(TABLES["claims"])] == list(TABLES["claims"])
    rows = table.to_pylist()
    assert rows[0]["statements"] == ["s2", "s4"]
    assert json.loads(rows[0]["series"])[1]["by_outlet"] == {"Meridian Wire": 1}
    assert rows[1]["series"] is None and rows[1]["outlets"] is None
    statements = pq.read_table(_export(db, "statements", tmp_path)).to_pylist()
    assert statements[1]["start"] == sample_dossier()["statements"][1]["start"]
    assert str(pq.read_schema(tmp_path / "statements.parquet").field("start").type) == "int64"


def _export(db: Path, what: str, tmp_path: Path) -> Path:
    out = tmp_path / f"{what}.parquet"
    export_table(db, what, "parquet", out)
    return out


def test_export_empty_table_still_has_its_columns(tmp_path):
    with Store(tmp_path / "empty.db") as store:
        store.save_corpus(Corpus(articles=[]))
    out = tmp_path / "claims.csv"
    assert export_table(tmp_path / "empty.db", "claims", "csv", out) == 0
    assert out.read_text(encoding="utf-8").strip().split(",") == list(TABLES["claims"])
    assert pq.read_table(_export(tmp_path / "empty.db", "events", tmp_path)).column_names == list(TABLES["events"])


def test_export_cli_writes_stdout_and_checks_options(db, tmp_path):
    runner = CliRunner()
    result = runner.invoke(app, ["export", "--db", str(db), "--format", "csv", "--what", "claims"])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [r["label"] for r in rows] == ["The union will not sign a bad deal", "Ferry fares must stay frozen"]
    out = tmp_path / "a.parquet"
    result = runner.invoke(app, ["export", "--db", str(db), "--format", "parquet", "--what", "articles", "--out", str(out)])
    assert result.exit_code == 0 and pq.read_table(out).num_rows == 3
    for bad in (["--format", "xml"], ["--what", "people"], ["--format", "parquet"]):
        assert runner.invoke(app, ["export", "--db", str(db), *bad]).exit_code == 2
    assert runner.invoke(app, ["export", "--db", str(tmp_path / "missing.db")]).exit_code == 2
    assert not (tmp_path / "missing.db").exists()


def test_export_csv_defuses_spreadsheet_formulas_unless_raw(tmp_path):
    dossier = sample_dossier()
    formula = '=HYPERLINK("http://example.invalid/x","click")'
    dossier["statements"][0]["text"] = formula
    dossier["statements"][1]["text"] = "-2 percent, the minister said"
    db = write_store(dossier, tmp_path / "formula.db")
    out = tmp_path / "statements.csv"
    export_table(db, "statements", "csv", out)
    rows = list(csv.DictReader(out.open(encoding="utf-8", newline="")))
    assert rows[0]["text"] == "'" + formula and rows[1]["text"] == "'-2 percent, the minister said"
    assert rows[2]["text"] == dossier["statements"][2]["text"]  # ordinary text untouched
    export_table(db, "statements", "csv", out, raw_csv=True)
    rows = list(csv.DictReader(out.open(encoding="utf-8", newline="")))
    assert rows[0]["text"] == formula
    jsonl = tmp_path / "statements.jsonl"
    export_table(db, "statements", "jsonl", jsonl)
    assert json.loads(jsonl.read_text(encoding="utf-8").splitlines()[0])["text"] == formula
