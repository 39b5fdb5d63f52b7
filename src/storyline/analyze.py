"""``analyze``: inputs in, store updated, dossier and report out.

Follow an article from input to ``dossier.json``:
``inputs.read_sources`` (RawDoc) -> per-article stages (``extract``,
``parse``, finding stages) -> ``Store.add_article`` -> corpus stages over
the whole store (``corpus.local.run_corpus_stages``) -> ``dossier.build_dossier``
-> ``report.write_report``.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from storyline.present.dossier import build_dossier
from storyline.inputs.manifest import Manifest
from storyline.inputs.sources import expand, read_sources
from storyline.core.executors import make_executor
from storyline.inputs.fetch import fetcher_for
from storyline.core.options import Options
from storyline.core.pipeline import per_article_pipeline
from storyline.corpus.local import run_corpus_stages
from storyline.core.records import Article, RawDoc, Skipped
from storyline.present.outlets import outlet_profiles
from storyline.present.report import write_report
from storyline.store.watch import read_sources_table
from storyline.store.sqlite import Store
from storyline.core.guard import failure

# What a long run is doing after its last article: the CLI shows these lines unless --quiet.
log = logging.getLogger(__name__)


@dataclass(slots=True)
class RunResult:
    added: int = 0
    unchanged: int = 0
    skipped: list[Skipped] = field(default_factory=list)
    dossier_path: Path | None = None
    report_path: Path | None = None
    dossier: dict[str, Any] = field(default_factory=dict)
    incomplete_shards: list[str] = field(default_factory=list)  # parts runs: shards without _SUCCESS

    @property
    def analysed_any(self) -> bool:
        return bool(self.dossier.get("articles"))


# Called once per input: (source, outcome) where outcome is "added",
# "unchanged" or the reason it was skipped.
Progress = Callable[[str, str], None]


def analyze(
    sources: list[str],  # files, folders, globs or "-"
    out_dir: str | Path,
    options: Options,
    *,
    db_path: str | Path | None = None,
    manifest: Manifest | None = None,
    progress: Progress | None = None,
    executor: Any = None,  # default: the one options.executor names
) -> RunResult:
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    result = RunResult()
    notify = progress or (lambda source, outcome: None)
    with Store(db_path or out / "storyline.db") as store:
        options.embedding_cache = store
        raw = read_sources(list(expand(sources, manifest)), manifest, options.max_bytes, fetcher_for(options))
        add_documents(store, raw, options, result, notify, executor)
        finish_run(store, out, options, result)
    return result


def add_documents(store: Store, records: Iterable[RawDoc | Skipped], options: Options, result: RunResult,
                  notify: Progress, executor: Any = None) -> None:
    """The incremental path (``analyze``, ``watch``): inputs the store has not analysed go through the
    per-article stages and into the store, one transaction each; the others are counted or skipped."""
    new_docs = _new_documents(records, store, result, notify)
    executor = executor or make_executor(options.executor, options.workers, options.batch_size, options.scheduler)
    for record in executor.run(per_article_pipeline(options), new_docs):
        if isinstance(record, Article) and (failed := _store(store, record)) is None:
            result.added += 1
            notify(record.source, "added")
        else:
            _skip(failed if isinstance(record, Article) else record, store, result, notify)


def analyze_parts(
    sources: list[str],
    out_dir: str | Path,
    options: Options,
    parts_dir: str | Path | None = None,  # default: OUT/parts
    *,
    db_path: str | Path | None = None,
    manifest: Manifest | None = None,
    executor: Any = None,
    ingest: bool = True,
    on_shard: Callable[[Any, Any], None] | None = None,
    blocked: bool = False,
) -> tuple[Any, RunResult | None]:
    """The cluster-style run: the workers read and analyse whole shards of the inputs and write
    ``PARTS/shard=NNNNN/*.parquet`` (``storyline.store.parts``). Then, unless ``ingest`` is off: with
    ``blocked``, the corpus stages run as block tasks over the parts (``analyze_blocked``);
    otherwise the complete shards go into the store and the corpus stages, dossier and report
    follow as in ``analyze``."""
    from storyline.corpus.blocks import held
    from storyline.store.parts import write_parts

    out = Path(out_dir)
    parts = Path(parts_dir) if parts_dir else out / "parts"
    executor = executor or make_executor(options.executor, options.workers, options.batch_size, options.scheduler)
    with held(executor):  # one cluster for the shards and the corpus pass
        run = write_parts(list(expand(sources, manifest)), parts, options, executor, manifest, on_shard)
        if not ingest:
            return run, None
        if blocked:
            return run, analyze_blocked(parts, out, options, executor=executor)
    return run, ingest_parts_into_store(parts, out, options, db_path=db_path)


def analyze_blocked(
    parts_dir: str | Path, out_dir: str | Path, options: Options, *, executor: Any = None, dossier: bool = True
) -> RunResult:
    """``storyline corpus-parts``: the corpus stages as block tasks on the executor over the complete
    shards (``storyline.corpus.blocks``), no store; their lists land in ``PARTS/_corpus/``. With ``dossier``,
    also ``dossier.json`` and ``report.html`` (which read the whole corpus: for corpora a report can show)."""
    from storyline.corpus.blocks import run_corpus
    from storyline.present.dossier import dossier_from_parts
    from storyline.store.parts import complete_shards, read_marker

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    executor = executor or make_executor(options.executor, options.workers, options.batch_size, options.scheduler)
    complete, incomplete = complete_shards(Path(parts_dir))
    result = RunResult(incomplete_shards=[folder.name for folder in incomplete])
    result.added = sum(int(read_marker(folder).get("articles", 0)) for folder in complete)
    run_corpus(parts_dir, executor, options)
    if dossier:
        result.dossier = dossier_from_parts(parts_dir)
        result.skipped = [Skipped(s["source"], s["reason"]) for s in result.dossier["skipped"]]
        result.dossier_path = out / "dossier.json"
        result.dossier_path.write_text(json.dumps(result.dossier, ensure_ascii=False, indent=1), encoding="utf-8")
        result.report_path = write_report(result.dossier, out / "report.html")
    return result


def ingest_parts_into_store(
    parts_dir: str | Path, out_dir: str | Path, options: Options, *, db_path: str | Path | None = None
) -> RunResult:
    """``storyline ingest-parts``: complete shards into the store, then corpus stages, dossier and report."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    result = RunResult()
    with Store(db_path or out / "storyline.db") as store:
        options.embedding_cache = store
        ingested = store.ingest_parts(parts_dir)
        result.added, result.unchanged, result.skipped = ingested.added, ingested.unchanged, ingested.skipped
        result.incomplete_shards = ingested.incomplete
        finish_run(store, out, options, result)
    return result


def finish_run(store: Store, out: Path, options: Options, result: RunResult) -> None:
    """Corpus stages over the whole store (the block pass over its articles as one shard), then dossier.json
    and report.html."""
    corpus = store.corpus()
    log.info("corpus stages (entities, timeline, syndication, claims, stories) over %d articles", len(corpus.articles))
    store.save_corpus(run_corpus_stages(corpus, options))
    log.info("writing the dossier and report")
    result.dossier = build_dossier(store)
    result.dossier_path = out / "dossier.json"
    result.dossier_path.write_text(json.dumps(result.dossier, ensure_ascii=False, indent=1), encoding="utf-8")
    sources = read_sources_table(store.conn)  # the outlets' countries, owners and labels, when watched
    result.report_path = write_report(result.dossier, out / "report.html", outlet_profiles(result.dossier, sources))


def _new_documents(
    records: Iterable[RawDoc | Skipped], store: Store, result: RunResult, notify: Progress
) -> Iterator[RawDoc]:
    """Pass on only inputs the store has not analysed yet, with the same metadata."""
    for record in records:
        if isinstance(record, Skipped):
            _skip(record, store, result, notify)
        elif store.has_input(record.input_hash):
            result.unchanged += 1
            notify(record.source, "unchanged")
        else:
            yield record


def _store(store: Store, article: Article) -> Skipped | None:
    """Write the article; a write that fails (its transaction rolled back) is this article's skip."""
    try:
        store.add_article(article)
    except Exception as error:  # noqa: BLE001 - reported as the article's skip reason
        return failure(article.source, "store", error)
    return None


def _skip(record: Skipped, store: Store, result: RunResult, notify: Progress) -> None:
    store.add_skipped(record)
    result.skipped.append(record)
    notify(record.source, record.reason)
