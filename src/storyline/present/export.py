"""``storyline export``: one table of a store as CSV, JSON lines or Parquet.

Rows are the dossier's items (``docs/dossier.schema.json``), text unchanged
so offsets still index article bodies. Statements also carry their
article's outlet and publication date, since analysts filter on them.
JSON lines keep nested values as they are; CSV and Parquet hold lists of
plain values as they are (Parquet) or as JSON (CSV), and nested objects as
JSON text.

CSV is for spreadsheets, and article text is untrusted: a cell that starts
with ``=``, ``+``, ``-``, ``@`` or a tab/carriage return would run as a
formula there, so it gets a leading ``'`` (the OWASP advice). That cell is
then one character off its source; ``raw_csv`` keeps every cell exact, and
JSON lines and Parquet always are.
"""

from __future__ import annotations

import csv
import io
import json
import sys
from pathlib import Path
from typing import Any

from storyline.store.parts import EXPORT_COLUMNS as TABLES  # the columns of each table, in order
from storyline.store.view import StoreView

FORMATS = ("csv", "jsonl", "parquet")


def table_rows(dossier: dict[str, Any], what: str) -> list[dict[str, Any]]:
    if what == "statements":
        articles = {a["id"]: a for a in dossier["articles"]}
        items = [
            {**s, "outlet": articles.get(s["article"], {}).get("outlet"),
             "article_published": articles.get(s["article"], {}).get("published")}
            for s in dossier["statements"]
        ]
    else:
        items = dossier[what]
    return [_ordered(item, TABLES[what]) for item in items]


def _ordered(item: dict[str, Any], columns: tuple[str, ...]) -> dict[str, Any]:
    row = {column: item.get(column) for column in columns}
    row.update((key, value) for key, value in item.items() if key not in row)
    return row


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def export_table(db_path: str | Path, what: str, fmt: str, out: str | Path | None = None, raw_csv: bool = False) -> int:
    """Write the table; return the number of rows. ``out=None`` writes text formats to stdout."""
    view = StoreView(db_path)
    try:
        rows = table_rows(view.dossier(), what)
    finally:
        view.close()
    columns = _columns(rows, TABLES[what])
    if fmt == "parquet":
        if out is None:
            raise ValueError("parquet needs an output file")
        write_parquet(rows, columns, Path(out))
    elif out is None:
        _write_text(rows, columns, fmt, sys.stdout, raw_csv)
    else:
        with open(out, "w", encoding="utf-8", newline="") as stream:
            _write_text(rows, columns, fmt, stream, raw_csv)
    return len(rows)


def _columns(rows: list[dict[str, Any]], base: tuple[str, ...]) -> list[str]:
    columns = list(base)
    for row in rows:
        columns.extend(key for key in row if key not in columns)
    return columns


def _write_text(rows: list[dict[str, Any]], columns: list[str], fmt: str, stream: io.TextIOBase, raw_csv: bool) -> None:
    if fmt == "jsonl":
        for row in rows:
            stream.write(json.dumps(row, ensure_ascii=False) + "\n")
        return
    writer = csv.DictWriter(stream, fieldnames=columns, extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        writer.writerow({key: _csv_cell(value, raw_csv) for key, value in row.items()})


def _csv_cell(value: Any, raw: bool) -> Any:
    text = json.dumps(value, ensure_ascii=False) if isinstance(value, (list, dict)) else value
    if not raw and isinstance(text, str) and text.startswith(FORMULA_START):
        return "'" + text
    return text


def write_parquet(rows: list[dict[str, Any]], columns: list[str], path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    arrays = {}
    for column in columns:
        values = [row.get(column) for row in rows]
        arrays[column] = pa.array(*_parquet_column(values))
    pq.write_table(pa.table(arrays), path)


def _parquet_column(values: list[Any]) -> tuple[list[Any], Any]:
    """Values and Arrow type of one column: lists of strings stay lists; a column
    holding any object (or list of objects) is JSON text; all-null is a string column."""
    import pyarrow as pa

    present = [v for v in values if v is not None]
    if present and all(isinstance(v, bool) for v in present):
        return values, pa.bool_()
    if present and all(isinstance(v, int) and not isinstance(v, bool) for v in present):
        return values, pa.int64()
    if present and all(isinstance(v, list) and all(isinstance(x, str) for x in v) for v in present):
        return values, pa.list_(pa.string())
    if any(isinstance(v, (list, dict)) for v in present):
        return [None if v is None else json.dumps(v, ensure_ascii=False) for v in values], pa.string()
    return [None if v is None else str(v) for v in values], pa.string()
