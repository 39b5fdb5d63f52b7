"""Per-shard Parquet outputs for cluster runs: ``PARTS/shard=NNNNN/*.parquet`` and ``_SUCCESS``.

A cluster run does not bring every article back to one process. The inputs
are split into shards (:func:`plan_shards`); each shard is one task that a
worker runs on its own (:func:`process_shard`): it reads the shard's inputs
there, runs the per-article pipeline, writes one Parquet file per table into
``shard=NNNNN/`` and, last, ``_SUCCESS``. A rerun skips every shard whose
``_SUCCESS`` names the same inputs (paths, sizes, modification times, and
the options that change results), so a killed run redoes at most the
shards that were in flight.

Tables (one file each per shard; every shard has the same columns):

- ``articles``: the columns of ``storyline export --what articles``
  without ``comments``, plus ``input_hash``, ``content_hash`` and
  ``position`` (input order within the shard);
- ``comments``: one row per reader comment;
- ``statements``: the columns of ``storyline export --what statements``
  plus the finding fields the export leaves out (``cue_start``, ...);
- ``mentions``, ``times``, ``events``: the per-article findings of those
  stages (``events`` are per-article event mentions; merging them into one
  timeline is a corpus stage);
- ``signatures``: each article's MinHash signature for syndication;
- ``embeddings``: the sentence vectors of the shard's statements and leads
  (per-article stage ``embed``), one row per distinct text: ``key``
  (``embed.cache_key``) and ``vector`` (384 float32); ingesting puts them
  into the store's embedding cache, so the corpus stages embed nothing;
- ``skipped``: inputs that could not be analysed, with the reason.

Everything found in a body is an offset pair into ``articles.body``; the
``text`` columns (as in the export) are ``body[start:end]``, written for
queries and never read back. Ids are shard-local (``00003:17`` is the 18th
article of shard 3); :func:`ingest_parts` gives the store's own ids.
Nested values follow the export's rule: lists of strings stay lists, other
objects are JSON text. A finding key a row lacks is listed in its
``absent`` column, and keys no column names go to ``extra`` (JSON), so
the findings read back are exactly the ones written.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from storyline.inputs.manifest import Manifest
from storyline.core.options import Options
from storyline.core.pipeline import Pipeline
from storyline.core.records import Article, Comment, Skipped

# The columns every export of a table has (``storyline export``, the parts' statements), even an empty one, in this order.
EXPORT_COLUMNS: dict[str, tuple[str, ...]] = {
    "statements": ("id", "article", "outlet", "article_published", "kind", "speaker", "speaker_name",
                   "speaker_mention", "cue", "text", "start", "end", "said_on", "claim", "claims"),
    "events": ("id", "date", "date_end", "summary", "entities", "mentions"),
    "claims": ("id", "label", "statements", "articles", "speakers", "outlets", "first_seen", "last_seen", "series"),
    "articles": ("id", "source", "url", "title", "outlet", "published", "published_from", "author", "language",
                 "body", "comments", "warnings"),
}

SUCCESS = "_SUCCESS"
SHARD_PREFIX = "shard="
DEFAULT_FILES_PER_SHARD = 64

# Column types: str, int, strlist (list of strings), json (any object as JSON text), bytes,
# vector (a sentence embedding: fixed-size list of float32).
Columns = list[tuple[str, str]]


@dataclass(frozen=True, slots=True)
class Table:
    name: str
    columns: Columns
    finding: str | None = None  # the findings list these rows hold, if any
    fields: tuple[str, ...] = ()  # the finding's own keys among the columns, in order


STATEMENT_FIELDS = ("kind", "start", "end", "cue", "cue_start", "cue_end", "speaker_mention", "speaker_key",
                    "source_mention", "said_on")
MENTION_FIELDS = ("key", "name", "kind", "aliases", "roles", "spans")
TIME_FIELDS = ("start", "end", "value", "type", "value_end", "mod")
EVENT_FIELDS = ("start", "end", "trigger", "trigger_start", "trigger_end", "kind", "date", "date_end", "summary",
                "participants")
FINDING_EXTRAS: Columns = [("absent", "strlist"), ("extra", "json")]
# Types of the export's statement columns that are not text; corpus-level ones (speaker, claim...) are null here.
EXPORT_TYPES = {"start": "int", "end": "int", "speaker_mention": "json", "claims": "strlist"}

TABLES = {
    "articles": Table("articles", [
        ("id", "str"), ("source", "str"), ("url", "str"), ("title", "str"), ("outlet", "str"), ("published", "str"),
        ("published_from", "str"), ("author", "str"), ("language", "str"), ("body", "str"), ("warnings", "strlist"),
        ("input_hash", "str"), ("content_hash", "str"), ("position", "int"), ("other_findings", "json"),
    ]),
    "comments": Table("comments", [("article", "str"), ("author", "str"), ("posted", "str"), ("text", "str")]),
    # The export's statement columns first, in its order; then the finding keys it leaves out.
    "statements": Table("statements", [
        *[(name, EXPORT_TYPES.get(name, "str")) for name in EXPORT_COLUMNS["statements"]],
        ("cue_start", "int"), ("cue_end", "int"), ("speaker_key", "str"), ("source_mention", "json"), *FINDING_EXTRAS,
    ], "statements", STATEMENT_FIELDS),
    "mentions": Table("mentions", [
        ("article", "str"), ("key", "str"), ("name", "str"), ("kind", "str"), ("aliases", "strlist"),
        ("roles", "strlist"), ("spans", "json"), *FINDING_EXTRAS,
    ], "mentions", MENTION_FIELDS),
    "times": Table("times", [
        ("article", "str"), ("start", "int"), ("end", "int"), ("text", "str"), ("value", "str"), ("type", "str"),
        ("value_end", "str"), ("mod", "str"), *FINDING_EXTRAS,
    ], "times", TIME_FIELDS),
    "events": Table("events", [
        ("id", "str"), ("article", "str"), ("date", "str"), ("date_end", "str"), ("summary", "str"), ("text", "str"),
        ("start", "int"), ("end", "int"), ("trigger", "str"), ("trigger_start", "int"), ("trigger_end", "int"),
        ("kind", "str"), ("participants", "json"), *FINDING_EXTRAS,
    ], "events", EVENT_FIELDS),
    "signatures": Table("signatures", [("article", "str"), ("shingles", "int"), ("minhash", "bytes")]),
    "skipped": Table("skipped", [("source", "str"), ("reason", "str"), ("position", "int")]),
    "embeddings": Table("embeddings", [("key", "str"), ("vector", "vector")]),
}
# The tables an article is read back from (``embeddings`` go to the store's cache directly).
ARTICLE_TABLES = [name for name in TABLES if name != "embeddings"]
FINDING_TABLES = [table for table in TABLES.values() if table.finding]


# -- the plan -------------------------------------------------------------


@dataclass(slots=True)
class ShardTask:
    """One shard: its number, its inputs, and where to write it."""

    number: int
    sources: list[str]
    parts_dir: str
    manifest: Manifest | None = None
    key: str = ""

    @property
    def folder(self) -> Path:
        return shard_folder(Path(self.parts_dir), self.number)


def shard_folder(parts_dir: Path, number: int) -> Path:
    return parts_dir / f"{SHARD_PREFIX}{number:05d}"


def plan_shards(sources: list[str], files_per_shard: int = DEFAULT_FILES_PER_SHARD) -> list[list[str]]:
    """Inputs in shards, in input order: a corpus-scale file (WARC, Parquet, JSON Lines, feed,
    URL list) or URL is a shard of its own; runs of ordinary files are grouped ``files_per_shard`` at a time."""
    from storyline.inputs.read import corpus_reader

    shards: list[list[str]] = []
    group: list[str] = []
    for source in sources:
        if corpus_reader(source) is None:
            group.append(source)
            if len(group) >= files_per_shard:
                shards.append(group)
                group = []
            continue
        if group:
            shards.append(group)
            group = []
        shards.append([source])
    if group:
        shards.append(group)
    return shards


def shard_key(sources: list[str], options: Options, manifest: Manifest | None) -> str:
    """What a shard's outputs depend on: its inputs as the file system describes them (no reading),
    and the options and manifest rows that change results."""
    described = []
    for source in sources:
        try:
            stat = os.stat(source)
            described.append([source, stat.st_size, stat.st_mtime_ns])
        except OSError:
            described.append([source, None, None])
    found = [manifest.lookup(source) if manifest else None for source in sources]
    meta = [row.as_dict() if row else None for row in found]
    key = [described, meta, options.published, options.max_bytes]
    return hashlib.sha256(json.dumps(key, sort_keys=True).encode("utf-8")).hexdigest()


def is_complete(folder: Path, key: str | None = None) -> bool:
    """The shard was written whole (and, given a key, from the same inputs)."""
    marker = read_marker(folder)
    return bool(marker) and (key is None or marker.get("key") == key)


def read_marker(folder: Path) -> dict[str, Any]:
    try:
        return json.loads((folder / SUCCESS).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


# -- one shard, on a worker -----------------------------------------------


def process_shard(pipeline: Pipeline, task: ShardTask) -> dict[str, Any]:
    """Read the shard's inputs here, analyse them, write the tables and then ``_SUCCESS``; return counts."""
    from storyline.inputs.fetch import fetcher_for
    from storyline.inputs.sources import read_sources

    started = time.perf_counter()
    folder = task.folder
    shutil.rmtree(folder, ignore_errors=True)  # what a killed attempt left
    folder.mkdir(parents=True)
    options = pipeline.options
    records = read_sources(task.sources, task.manifest, options.max_bytes, fetcher_for(options))
    results = list(pipeline.run(records))
    return write_shard(folder, task.number, results, {"key": task.key, "sources": len(task.sources)}, started)


def write_shard(folder: Path, number: int, results: list[Any], marker: dict[str, Any], started: float | None = None) -> dict[str, Any]:
    """The tables of analysed records (articles and skipped inputs, in order) into ``folder``, then ``_SUCCESS``
    holding ``marker`` and the counts. The store's articles go through here too (``storyline.corpus.local``)."""
    started = time.perf_counter() if started is None else started
    folder.mkdir(parents=True, exist_ok=True)
    tables = shard_tables(number, results)
    for name, rows in tables.items():
        write_table(TABLES[name], rows, folder / f"{name}.parquet")
    summary = {
        "shard": number, **marker,
        "articles": len(tables["articles"]), "skipped": len(tables["skipped"]),
        "seconds": round(time.perf_counter() - started, 3), "pid": os.getpid(),
    }
    # Last, and atomically (write, then rename): from now on the shard is complete.
    (folder / f"{SUCCESS}.tmp").write_text(json.dumps(summary), encoding="utf-8")
    os.replace(folder / f"{SUCCESS}.tmp", folder / SUCCESS)
    return summary


def shard_tables(number: int, results: list[Any]) -> dict[str, list[dict[str, Any]]]:
    """Rows of every table for one shard's pipeline results (articles and skipped inputs, in input order)."""
    tables: dict[str, list[dict[str, Any]]] = {name: [] for name in TABLES}
    vectors: dict[str, Any] = {}
    for position, record in enumerate(results):
        if isinstance(record, Skipped):
            tables["skipped"].append({"source": record.source, "reason": record.reason, "position": position})
            continue
        article_id = f"{number:05d}:{len(tables['articles'])}"
        for name, rows in article_rows(record, article_id, position).items():
            tables[name].extend(rows)
        for key, vector in record.embeddings.items():
            vectors.setdefault(key, vector)  # a text in two articles: one row
    tables["embeddings"] = [{"key": key, "vector": vector} for key, vector in vectors.items()]
    return tables


def article_rows(article: Article, article_id: str, position: int) -> dict[str, list[dict[str, Any]]]:
    known = {table.finding for table in FINDING_TABLES}
    other = {kind: items for kind, items in article.findings.items() if kind not in known}
    rows: dict[str, list[dict[str, Any]]] = {
        "articles": [{
            "id": article_id, "source": article.source, "url": article.url, "title": article.title,
            "outlet": article.outlet, "published": article.published, "published_from": article.published_from,
            "author": article.author, "language": article.language, "body": article.body,
            "warnings": list(article.warnings), "input_hash": article.input_hash,
            "content_hash": article.content_hash, "position": position, "other_findings": other or None,
        }],
        "comments": [{"article": article_id, **comment.as_dict()} for comment in article.comments],
        "signatures": _signature_rows(article, article_id),
    }
    for table in FINDING_TABLES:
        rows[table.name] = [
            _finding_row(table, finding, article, article_id, n)
            for n, finding in enumerate(article.findings.get(table.finding or "", []))
        ]
    return rows


def _signature_rows(article: Article, article_id: str) -> list[dict[str, Any]]:
    if article.minhash is None:
        return []
    shingle_count, hashvalues = article.minhash
    return [{"article": article_id, "shingles": shingle_count, "minhash": hashvalues}]


def _finding_row(table: Table, finding: dict[str, Any], article: Article, article_id: str, n: int) -> dict[str, Any]:
    row = {name: finding.get(name) for name in table.fields}
    row["absent"] = [name for name in table.fields if name not in finding] or None
    row["extra"] = {key: value for key, value in finding.items() if key not in table.fields} or None
    row["article"] = article_id
    if "text" in dict(table.columns):
        row["text"] = article.body[finding["start"] : finding["end"]]
    if table.name == "statements":
        row.update(id=f"{article_id}:s{n}", outlet=article.outlet, article_published=article.published,
                   speaker_name=_local_speaker_name(article, finding))
    elif table.name == "events":
        row["id"] = f"{article_id}:v{n}"
    return row


def _local_speaker_name(article: Article, statement: dict[str, Any]) -> str | None:
    """The speaker's name as this article gives it (``speaker`` ids are corpus-level: null here)."""
    key = statement.get("speaker_key")
    for mention in article.findings.get("mentions", []):
        if mention.get("key") == key:
            return mention.get("name")
    return None


# -- Parquet in and out ---------------------------------------------------


def arrow_schema(table: Table) -> Any:
    import pyarrow as pa

    from storyline.article.embed import DIMENSIONS

    types = {"str": pa.string(), "int": pa.int64(), "strlist": pa.list_(pa.string()), "json": pa.string(),
             "bytes": pa.binary(), "vector": pa.list_(pa.float32(), DIMENSIONS)}
    return pa.schema([(name, types[kind]) for name, kind in table.columns])


def write_table(table: Table, rows: list[dict[str, Any]], path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    columns = {}
    for name, kind in table.columns:
        values = [row.get(name) for row in rows]
        if kind == "json":
            values = [None if v is None else json.dumps(v, ensure_ascii=False) for v in values]
        columns[name] = _vector_array(values) if kind == "vector" else values
    pq.write_table(pa.Table.from_pydict(columns, schema=arrow_schema(table)), path)


def _vector_array(vectors: list[Any]) -> Any:
    """Vectors as one Arrow fixed-size-list column, without a Python float per value."""
    import numpy as np
    import pyarrow as pa

    from storyline.article.embed import DIMENSIONS

    flat = np.concatenate([np.asarray(v, dtype=np.float32) for v in vectors]) if vectors else np.zeros(0, np.float32)
    return pa.FixedSizeListArray.from_arrays(pa.array(flat, type=pa.float32()), DIMENSIONS)


def read_embeddings(folder: Path) -> dict[str, Any]:
    """A shard's vectors by cache key (none from a shard written before the ``embed`` stage existed)."""
    import pyarrow.parquet as pq

    from storyline.article.embed import DIMENSIONS

    path = folder / "embeddings.parquet"
    if not path.exists():
        return {}
    table = pq.read_table(path, schema=arrow_schema(TABLES["embeddings"]))
    flat = table.column("vector").combine_chunks().flatten().to_numpy()
    return dict(zip(table.column("key").to_pylist(), flat.reshape(-1, DIMENSIONS)))


def read_table(table: Table, path: Path) -> list[dict[str, Any]]:
    import pyarrow.parquet as pq

    rows = pq.read_table(path, schema=arrow_schema(table)).to_pylist()
    for name, kind in table.columns:
        if kind == "json":
            for row in rows:
                if row[name] is not None:
                    row[name] = json.loads(row[name])
    return rows


def finding_of(table: Table, row: dict[str, Any]) -> dict[str, Any]:
    """The finding exactly as the stage wrote it."""
    absent = set(row.get("absent") or ())
    finding = {name: row[name] for name in table.fields if name not in absent}
    finding.update(row.get("extra") or {})
    return finding


def read_shard(folder: Path) -> list[Article | Skipped]:
    """A complete shard's articles (findings restored) and skipped inputs, in input order."""
    tables = {name: read_table(TABLES[name], folder / f"{name}.parquet") for name in ARTICLE_TABLES}
    articles: dict[str, Article] = {}
    positioned: list[tuple[int, Article | Skipped]] = []
    for row in tables["articles"]:
        article = Article(
            source=row["source"], input_hash=row["input_hash"], content_hash=row["content_hash"], body=row["body"],
            title=row["title"], outlet=row["outlet"], published=row["published"],
            published_from=row["published_from"], author=row["author"], url=row["url"], language=row["language"],
            warnings=list(row["warnings"] or []), findings={},
        )
        for table in FINDING_TABLES:
            article.findings[table.finding or ""] = []
        article.findings.update(row["other_findings"] or {})
        articles[row["id"]] = article
        positioned.append((row["position"], article))
    for row in tables["comments"]:
        articles[row["article"]].comments.append(Comment(row["author"], row["posted"], row["text"]))
    for table in FINDING_TABLES:
        for row in tables[table.name]:
            articles[row["article"]].findings[table.finding or ""].append(finding_of(table, row))
    for row in tables["signatures"]:
        articles[row["article"]].minhash = (row["shingles"], row["minhash"])
    positioned.extend((row["position"], Skipped(row["source"], row["reason"])) for row in tables["skipped"])
    return [record for _, record in sorted(positioned, key=lambda pair: pair[0])]


def complete_shards(parts_dir: Path) -> tuple[list[Path], list[Path]]:
    """Shard folders in shard order: those with ``_SUCCESS``, and those without (killed or failed)."""
    folders = sorted(p for p in Path(parts_dir).glob(f"{SHARD_PREFIX}*") if p.is_dir())
    return [f for f in folders if is_complete(f)], [f for f in folders if not is_complete(f)]


# -- the driver -----------------------------------------------------------


@dataclass(slots=True)
class PartsRun:
    shards: int = 0
    already_done: int = 0
    written: list[dict[str, Any]] = field(default_factory=list)
    failed: list[tuple[int, str]] = field(default_factory=list)

    @property
    def articles(self) -> int:
        return sum(s["articles"] for s in self.written)


def write_parts(
    sources: list[str],
    parts_dir: str | Path,
    options: Options,
    executor: Any,
    manifest: Manifest | None = None,
    on_shard: Callable[[ShardTask, Any], None] | None = None,  # (task, summary or exception), as each completes
) -> PartsRun:
    """Write every shard not already complete; shards left over from a larger earlier plan are removed."""
    from storyline.core.pipeline import per_article_pipeline

    parts = Path(parts_dir).resolve()
    parts.mkdir(parents=True, exist_ok=True)
    plan = plan_shards(sources, int(options.extra.get("files_per_shard", DEFAULT_FILES_PER_SHARD)))
    run = PartsRun(shards=len(plan))
    _remove_beyond(parts, len(plan))
    tasks = []
    for number, group in enumerate(plan):
        task = ShardTask(number, group, str(parts), manifest, shard_key(group, options, manifest))
        if is_complete(task.folder, task.key):
            run.already_done += 1
        else:
            tasks.append(task)
    # Without the store's cache: a shard's embeddings.parquet holds all its vectors, whichever store ingests it.
    shard_pipeline = per_article_pipeline(replace(options, embedding_cache=None))
    for task, outcome in executor.run_tasks(shard_pipeline, process_shard, tasks):
        if isinstance(outcome, BaseException):
            run.failed.append((task.number, f"{type(outcome).__name__}: {outcome}"))
        else:
            run.written.append(outcome)
        if on_shard:
            on_shard(task, outcome)
    return run


def _remove_beyond(parts: Path, count: int) -> None:
    for folder in parts.glob(f"{SHARD_PREFIX}*"):
        suffix = folder.name[len(SHARD_PREFIX):]
        if folder.is_dir() and suffix.isdigit() and int(suffix) >= count:
            shutil.rmtree(folder)


@dataclass(slots=True)
class Ingested:
    shards: int = 0
    incomplete: list[str] = field(default_factory=list)
    added: int = 0
    unchanged: int = 0
    skipped: list[Skipped] = field(default_factory=list)


def ingest_parts(store: Any, parts_dir: str | Path) -> Ingested:
    """Add every complete shard to the store, in shard order (one transaction per shard);
    articles the store already has (same input hash) are left as they are."""
    complete, incomplete = complete_shards(Path(parts_dir))
    result = Ingested(shards=len(complete), incomplete=[f.name for f in incomplete])
    for folder in complete:
        with store.conn:
            store.write_embeddings(read_embeddings(folder))
            for record in read_shard(folder):
                if isinstance(record, Skipped):
                    store.write_skipped(record)
                    result.skipped.append(record)
                elif store.has_input(record.input_hash):
                    result.unchanged += 1
                else:
                    store.write_article(record)
                    result.added += 1
    return result


def parts_dataset(parts_dir: str | Path, name: str) -> Any:
    """One table across the complete shards as a ``pyarrow.dataset`` (with a ``shard`` column from
    the folder names), for queries without DuckDB: ``parts_dataset(p, "statements").to_table(filter=...)``."""
    import pyarrow as pa
    import pyarrow.dataset as ds

    complete, _ = complete_shards(Path(parts_dir))
    partitioning = ds.partitioning(pa.schema([("shard", pa.string())]), flavor="hive")
    return ds.dataset([str(folder / f"{name}.parquet") for folder in complete], format="parquet",
                      schema=arrow_schema(TABLES[name]).append(pa.field("shard", pa.string())),
                      partitioning=partitioning, partition_base_dir=str(Path(parts_dir)))
