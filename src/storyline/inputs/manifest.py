"""Metadata from outside the inputs (``--manifest``) and the rule that merges it with an input's own.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from storyline.core.dates import normalize_date
from storyline.core.records import InputMeta
from storyline.inputs.text import InputError


META_FIELDS = ("title", "outlet", "author", "published", "url")


@dataclass(slots=True)
class Manifest:
    """Metadata from outside the inputs, keyed by source file name."""

    rows: dict[str, InputMeta] = field(default_factory=dict)
    path: str | None = None  # the file it was read from, which is no input

    def lookup(self, source: str) -> InputMeta | None:
        return self.rows.get(source) or self.rows.get(Path(source).name)

    def is_file(self, path: Path) -> bool:
        try:
            return self.path is not None and path.resolve() == Path(self.path).resolve()
        except OSError:
            return False


def load_manifest(path: str | Path) -> Manifest:
    """Read a CSV or JSONL manifest with a ``source`` column."""
    path = Path(path)
    text = path.read_text(encoding="utf-8-sig")
    if path.suffix.lower() == ".csv":
        rows: list[dict[str, Any]] = list(csv.DictReader(text.splitlines()))
    else:
        rows = [json.loads(line) for line in text.splitlines() if line.strip()]
    manifest = Manifest(path=str(path))
    for number, row in enumerate(rows, start=1):
        source = row.get("source")
        if not source:
            raise InputError(f"{path}: row {number} has no 'source'")
        meta = meta_from(row, origin="manifest")
        manifest.rows[str(source)] = meta
    return manifest


def meta_from(record: dict[str, Any], origin: str) -> InputMeta:
    values = {name: clean(record.get(name)) for name in META_FIELDS}
    meta = InputMeta(**values)
    if meta.published is not None:
        meta.published = normalize_date(meta.published)
        meta.published_from = origin if meta.published else None
    return meta


def clean(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def merge_meta(primary: InputMeta, fallback: InputMeta | None) -> InputMeta:
    """Fields stated in the input itself win over the manifest's."""
    if fallback is None:
        return primary
    merged = InputMeta()
    for name in META_FIELDS:
        setattr(merged, name, getattr(primary, name) or getattr(fallback, name))
    merged.published_from = primary.published_from if primary.published else fallback.published_from
    return merged

