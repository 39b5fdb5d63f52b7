"""Command line: each command is a thin call into the library."""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from storyline.core.dates import normalize_date

# Models come from installed packages only; never let a library reach a hub.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

app = typer.Typer(
    help="storyline: turn a pile of news articles into a dossier of who said what, when, and what keeps coming back.",
    invoke_without_command=True,  # bare ``storyline``: the help, exit status 0 (``main_options``)
    add_completion=False,
    # Plain help: typer's rich panels show a plain flag as "--fetch <bool>", as if it took a value.
    rich_markup_mode=None,
)
eval_app = typer.Typer(help="Score storyline on labelled data sets and write the numbers to docs/benchmarks.md.",
                       no_args_is_help=True, rich_markup_mode=None)
app.add_typer(eval_app, name="eval")
stderr = Console(stderr=True)


def say(message: str) -> None:
    """One unwrapped, unstyled line on stderr (file names and reasons are data, not markup)."""
    stderr.print(message, markup=False, highlight=False, soft_wrap=True)


class _StageLines(logging.Handler):
    """The library's progress notes (``storyline.*`` loggers at INFO) as plain ``storyline:`` lines."""

    def emit(self, record: logging.LogRecord) -> None:
        say(f"storyline: {record.getMessage()}")


def _show_stages(quiet: bool) -> None:
    logger = logging.getLogger("storyline")
    if quiet or any(isinstance(handler, _StageLines) for handler in logger.handlers):
        return
    logger.addHandler(_StageLines(logging.INFO))
    logger.setLevel(logging.INFO)


def _print_version(value: bool) -> None:
    if value:
        from storyline import __version__

        typer.echo(f"storyline {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    ctx: typer.Context,
    version: Annotated[
        bool, typer.Option("--version", help="Print the version and exit.", callback=_print_version,
                           is_eager=True)
    ] = False,
) -> None:
    """storyline: turn a pile of news articles into a dossier of who said what, when, and what keeps coming back."""
    if ctx.invoked_subcommand is None:
        typer.echo(ctx.get_help())
        raise typer.Exit()


@app.command()
def analyze(
    inputs: Annotated[
        list[str],
        typer.Argument(
            help="Files, folders (searched recursively), globs, or '-' for stdin. "
            "Formats: .txt (plain or scraped page text), .html/.htm, .jsonl/.json records "
            "with 'text' or 'html' and optional url, title, published, outlet, author; "
            ".parquet shards of the same columns; .warc/.warc.gz archives; .rss/.atom/.xml feeds; "
            ".urls lists and http(s) URLs (with --fetch).",
            show_default=False,
        ),
    ],
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for dossier.json and report.html.")] = Path("out"),
    db: Annotated[
        Optional[Path], typer.Option(help="SQLite store to grow (default: OUT/storyline.db). Reruns skip known articles.")
    ] = None,
    manifest: Annotated[
        Optional[Path],
        typer.Option(help="CSV or JSONL with a 'source' column (file name) and title, outlet, author, published, url."),
    ] = None,
    published: Annotated[
        Optional[str], typer.Option(help="Publication date (ISO, any precision) for inputs that state none.")
    ] = None,
    max_bytes: Annotated[int, typer.Option(help="Skip inputs larger than this many bytes.")] = 20 * 1024 * 1024,
    batch_size: Annotated[int, typer.Option(help="Articles per spaCy batch.")] = 32,
    workers: Annotated[int, typer.Option(help="Worker processes for the per-article stages (each loads the models once).")] = 1,
    executor: Annotated[str, typer.Option(help="local (processes on this machine) or dask (a Dask cluster).")] = "local",
    scheduler: Annotated[
        Optional[str], typer.Option(help="Dask scheduler address, e.g. tcp://host:8786 (default: start a local cluster of --workers processes).")
    ] = None,
    fetch: Annotated[
        bool, typer.Option("--fetch", help="Fetch URLs (inputs, feed item links, .urls lists); off by default.")
    ] = False,
    allow_private: Annotated[
        bool, typer.Option("--allow-private", help="With --fetch: allow private, loopback and link-local addresses.")
    ] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar or stage lines (skipped inputs are still reported).")] = False,
    parts: Annotated[
        Optional[Path],
        typer.Option(help="Cluster-style run: workers read and analyse whole shards of the inputs and write "
                     "PARTS/shard=NNNNN/*.parquet with _SUCCESS last (complete shards are skipped on a rerun); "
                     "then the parts are ingested into the store as by 'ingest-parts'."),
    ] = None,
    parts_only: Annotated[
        bool, typer.Option("--parts-only", help="With --parts: write the parts and stop (no store, dossier or report).")
    ] = False,
    files_per_shard: Annotated[
        int, typer.Option(help="With --parts: ordinary input files per shard (WARC, Parquet, JSONL, feeds are a shard each).")
    ] = 64,
    blocked: Annotated[
        bool, typer.Option("--blocked", help="With --parts: run the corpus stages as block tasks on the executor over "
                           "the parts (as 'corpus-parts'), instead of ingesting them into the store.")
    ] = False,
) -> None:
    """Analyse articles into OUT/dossier.json and OUT/report.html, growing the store."""
    from storyline.analyze import analyze as run_analyze
    from storyline.inputs.read import corpus_reader
    from storyline.inputs.manifest import load_manifest
    from storyline.inputs.sources import expand
    from storyline.inputs.suffixes import RECORD_SUFFIXES
    from storyline.inputs.text import InputError
    from storyline.core.options import Options

    if executor not in ("local", "dask"):
        raise typer.BadParameter("one of local, dask", param_hint="--executor")
    if scheduler and executor != "dask":
        raise typer.BadParameter("only with --executor dask", param_hint="--scheduler")
    flag_date = normalize_date(published) if published else None
    if published and flag_date is None:
        raise typer.BadParameter(f"not a date: {published!r}", param_hint="--published")
    try:
        loaded_manifest = load_manifest(manifest) if manifest else None
    except (OSError, ValueError, InputError) as error:
        raise typer.BadParameter(f"cannot read manifest: {error}", param_hint="--manifest") from None
    sources = list(expand(inputs, loaded_manifest))
    _show_stages(quiet)
    options = Options(
        published=flag_date, max_bytes=max_bytes, batch_size=batch_size, workers=workers,
        executor=executor, scheduler=scheduler,
    )
    if fetch:
        from storyline.inputs.fetch import FetchOptions

        options.extra["fetch"] = FetchOptions(allow_private=allow_private, max_bytes=max_bytes)
    for flag, given in (("--parts-only", parts_only), ("--blocked", blocked)):
        if given and parts is None:
            raise typer.BadParameter("only with --parts DIR", param_hint=flag)
    if parts is not None:
        options.extra["files_per_shard"] = max(1, files_per_shard)
        _analyze_parts(inputs, out, options, parts, db=db, manifest=loaded_manifest, ingest=not parts_only,
                       blocked=blocked, quiet=quiet)
        return
    with Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=stderr,
        disable=quiet,
        transient=False,
    ) as bar:
        # A record file holds an unknown number of articles: then count without a total.
        has_records = any(
            Path(s).suffix.lower() in RECORD_SUFFIXES or s == "-" or corpus_reader(s) is not None for s in sources
        )
        task = bar.add_task("analysing", total=None if has_records else len(sources))

        def report(source: str, outcome: str) -> None:
            if outcome not in ("added", "unchanged"):
                say(f"storyline: skipped {source}: {outcome}")
            bar.update(task, advance=1)

        result = run_analyze(sources, out, options, db_path=db, manifest=loaded_manifest, progress=report)
    if not quiet:
        say(
            f"{result.added} added, {result.unchanged} unchanged, {len(result.skipped)} skipped; "
            f"dossier: {result.dossier_path}  report: {result.report_path}"
        )
    if result.added + result.unchanged == 0:
        say("storyline: nothing could be analysed")
        raise typer.Exit(code=1)


def _analyze_parts(inputs: list[str], out: Path, options: object, parts: Path, *, db: Optional[Path],
                   manifest: object, ingest: bool, blocked: bool, quiet: bool) -> None:
    from storyline.analyze import analyze_parts

    def shard_done(task: object, outcome: object) -> None:
        if isinstance(outcome, BaseException):
            say(f"storyline: shard {task.number} failed: {outcome}")  # type: ignore[attr-defined]
        elif not quiet:
            say(f"storyline: shard {outcome['shard']}: {outcome['articles']} articles, "  # type: ignore[index]
                f"{outcome['skipped']} skipped, {outcome['seconds']:.1f} s")  # type: ignore[index]

    run, result = analyze_parts(inputs, out, options, parts, db_path=db, manifest=manifest, ingest=ingest,  # type: ignore[arg-type]
                                on_shard=shard_done, blocked=blocked)
    say(f"storyline: {run.shards} shards in {parts}: {len(run.written)} written, {run.already_done} already complete, "
        f"{len(run.failed)} failed")
    if result is not None:
        _say_ingested(result)
    if run.failed:
        raise typer.Exit(code=1)


def _say_ingested(result: object) -> None:
    for skipped in result.skipped:  # type: ignore[attr-defined]
        say(f"storyline: skipped {skipped.source}: {skipped.reason}")
    for name in result.incomplete_shards:  # type: ignore[attr-defined]
        say(f"storyline: {name} has no _SUCCESS (killed or failed): not ingested; rerun to complete it")
    say(f"{result.added} added, {result.unchanged} unchanged, {len(result.skipped)} skipped; "  # type: ignore[attr-defined]
        f"dossier: {result.dossier_path}  report: {result.report_path}")  # type: ignore[attr-defined]


@app.command("ingest-parts")
def ingest_parts(
    parts: Annotated[Path, typer.Argument(help="A parts folder written by 'analyze --parts' (shard=NNNNN/ folders).")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for dossier.json and report.html.")] = Path("out"),
    db: Annotated[Optional[Path], typer.Option(help="SQLite store to grow (default: OUT/storyline.db).")] = None,
) -> None:
    """Ingest the complete shards of a parts folder into the store; then corpus stages, dossier and report."""
    from storyline.analyze import ingest_parts_into_store
    from storyline.core.options import Options

    if not parts.is_dir():
        raise typer.BadParameter(f"no parts folder at {parts}", param_hint="PARTS")
    _show_stages(quiet=False)
    _say_ingested(ingest_parts_into_store(parts, out, Options(), db_path=db))


@app.command("corpus-parts")
def corpus_parts(
    parts: Annotated[Path, typer.Argument(help="A parts folder written by 'analyze --parts' (shard=NNNNN/ folders).")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for dossier.json and report.html.")] = Path("out"),
    workers: Annotated[int, typer.Option(help="Worker processes (local) or cluster size (dask, without --scheduler).")] = 1,
    executor: Annotated[str, typer.Option(help="local (processes on this machine) or dask (a Dask cluster).")] = "local",
    scheduler: Annotated[Optional[str], typer.Option(help="Dask scheduler address, e.g. tcp://host:8786.")] = None,
    dossier: Annotated[
        bool, typer.Option("--dossier/--no-dossier", help="Also write dossier.json and report.html (reads the whole corpus).")
    ] = True,
) -> None:
    """Corpus stages (entities, timeline, syndication, claims, stories) as block tasks over the complete shards
    of a parts folder, no store: the lists land in PARTS/_corpus/*.jsonl."""
    from storyline.analyze import analyze_blocked
    from storyline.core.options import Options

    if executor not in ("local", "dask"):
        raise typer.BadParameter("one of local, dask", param_hint="--executor")
    if scheduler and executor != "dask":
        raise typer.BadParameter("only with --executor dask", param_hint="--scheduler")
    if not parts.is_dir():
        raise typer.BadParameter(f"no parts folder at {parts}", param_hint="PARTS")
    options = Options(workers=workers, executor=executor, scheduler=scheduler)
    result = analyze_blocked(parts, out, options, dossier=dossier)
    for name in result.incomplete_shards:
        say(f"storyline: {name} has no _SUCCESS (killed or failed): left out; rerun 'analyze --parts' to complete it")
    say(f"storyline: corpus stages over {result.added} articles in {parts}; lists in {parts / '_corpus'}"
        + (f"; dossier: {result.dossier_path}  report: {result.report_path}" if dossier else ""))


@app.command()
def serve(
    db: Annotated[Path, typer.Option(help="SQLite store written by 'analyze' (opened read-only).")],
    host: Annotated[str, typer.Option(help="Address to listen on; loopback unless told otherwise.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
) -> None:
    """Explore a store in the browser: timeline, claims, people, articles, search; JSON API at /api, docs at /docs."""
    from storyline.present.app import run

    if not db.is_file():
        raise typer.BadParameter(f"no store at {db}", param_hint="--db")
    say(f"storyline: serving {db} on http://{host}:{port}/ (Ctrl+C to stop)")
    run(db, host=host, port=port)


@app.command()
def watch(
    sources: Annotated[Path, typer.Argument(help="Sources file (TOML): [[source]] tables with name, feeds and/or pages "
                                            "(http(s) URLs), country, owner, labels.")],
    db: Annotated[Path, typer.Option(help="SQLite store to grow (one watch per store).")],
    every: Annotated[str, typer.Option(help="Time between rounds: 90s, 15m, 1h, 1d.")] = "1h",
    once: Annotated[bool, typer.Option("--once", help="One round, then exit.")] = False,
    out: Annotated[Optional[Path], typer.Option("--out", "-o", help="Folder for dossier.json and report.html (default: the store's folder).")] = None,
    alerts: Annotated[Optional[Path], typer.Option(help="Append alerts to this JSON Lines file (default: stdout).")] = None,
    on_alert: Annotated[Optional[str], typer.Option(help="Command run once per alert, the alert as JSON on its stdin "
                                                    "(split like a shell would, but no shell runs).")] = None,
    allow_private: Annotated[bool, typer.Option("--allow-private", help="Allow private, loopback and link-local addresses.")] = False,
    max_bytes: Annotated[int, typer.Option(help="Skip pages larger than this many bytes.")] = 20 * 1024 * 1024,
    batch_size: Annotated[int, typer.Option(help="Articles per spaCy batch (each batch is stored as it is done).")] = 8,
) -> None:
    """Follow the sources round after round: fetch what is new, grow the store, update the corpus, alert on tracked claims."""
    from storyline.core.options import Options
    from storyline.inputs.fetch import FetchOptions
    from storyline.store.watch import WatchLocked
    from storyline.watch import SourcesError, load_sources, parse_every, watch as run_watch

    try:
        seconds = parse_every(every)
        loaded = load_sources(sources)
    except SourcesError as error:
        raise typer.BadParameter(str(error), param_hint="SOURCES") from None
    except ValueError as error:
        raise typer.BadParameter(str(error), param_hint="--every") from None
    try:
        run_watch(loaded, db, every=seconds, once=once, say=say, out=out, alerts_file=alerts, on_alert=on_alert,
                  options=Options(max_bytes=max_bytes, batch_size=max(1, batch_size)),
                  fetch=FetchOptions(allow_private=allow_private, max_bytes=max_bytes))
    except WatchLocked as error:
        say(f"storyline: {error}")
        raise typer.Exit(code=2) from None


@app.command()
def track(
    db: Annotated[Path, typer.Option(help="SQLite store written by 'analyze' or 'watch'.")],
    claim: Annotated[Optional[str], typer.Argument(help="Claim id (as in the report or the app).")] = None,
    text: Annotated[Optional[str], typer.Option(help="Track by text: the claim of the best-matching statement "
                                                "(or, until one matches, the text itself).")] = None,
) -> None:
    """Track a claim: 'watch' alerts when a new statement joins it, or a new outlet, speaker or country carries it."""
    from storyline.watch import track as run_track

    if not db.is_file():
        raise typer.BadParameter(f"no store at {db}", param_hint="--db")
    if bool(claim) == bool(text):
        raise typer.BadParameter("give a CLAIM id or --text, one of them", param_hint="CLAIM")
    try:
        row = run_track(db, claim, text)
    except LookupError as error:
        raise typer.BadParameter(str(error), param_hint="CLAIM") from None
    found = f"claim {row['claim']} ({len(row['anchors'])} statements)" if row["claim"] else "no claim yet; searched each round"
    say(f"storyline: tracking #{row['id']}: {found}")


@app.command()
def export(
    db: Annotated[Path, typer.Option(help="SQLite store written by 'analyze' (opened read-only).")],
    fmt: Annotated[str, typer.Option("--format", help="csv, jsonl or parquet.")] = "jsonl",
    what: Annotated[str, typer.Option(help="statements, events, claims or articles.")] = "statements",
    out: Annotated[Optional[Path], typer.Option("--out", "-o", help="File to write (default: stdout; required for parquet).")] = None,
    raw_csv: Annotated[bool, typer.Option("--raw-csv", help="Keep CSV cells exact: no ' before a cell a spreadsheet would run as a formula.")] = False,
) -> None:
    """Export one table of a store as CSV, JSON lines or Parquet."""
    from storyline.present.export import FORMATS, TABLES, export_table

    if fmt not in FORMATS:
        raise typer.BadParameter(f"one of {', '.join(FORMATS)}", param_hint="--format")
    if what not in TABLES:
        raise typer.BadParameter(f"one of {', '.join(TABLES)}", param_hint="--what")
    if not db.is_file():
        raise typer.BadParameter(f"no store at {db}", param_hint="--db")
    if fmt == "parquet" and out is None:
        raise typer.BadParameter("parquet is binary: give --out FILE", param_hint="--out")
    count = export_table(db, what, fmt, out, raw_csv)
    if out is not None:
        say(f"storyline: wrote {count} {what} to {out}")


def _run_eval(module: str, write_docs: bool, args: tuple[str, ...] = ()) -> None:
    import importlib

    evaluator = importlib.import_module(f"storyline.{module}")
    code = evaluator.main([*args, *(["--write-docs"] if write_docs else [])])
    raise typer.Exit(code=code or 0)


WRITE_DOCS = typer.Option("--write-docs", help="Also update this evaluation's section of docs/benchmarks.md.")


@eval_app.command("attribution")
def eval_attribution(write_docs: Annotated[bool, WRITE_DOCS] = False) -> None:
    """Statements and speakers against PolNeAR dev (../shared/datasets/polnear)."""
    _run_eval("eval.attribution", write_docs)


@eval_app.command("time")
def eval_time(write_docs: Annotated[bool, WRITE_DOCS] = False) -> None:
    """Temporal expressions against TimeBank + AQUAINT (../shared/datasets/timebank), TempEval-3 scoring."""
    _run_eval("eval.time", write_docs)


@eval_app.command("claims")
def eval_claims(write_docs: Annotated[bool, WRITE_DOCS] = False) -> None:
    """Claim grouping and stories against the team's labelled sets (eval/claims), held-out half."""
    _run_eval("eval.claims", write_docs)


@eval_app.command("stories")
def eval_stories(write_docs: Annotated[bool, WRITE_DOCS] = False) -> None:
    """Stories against ECB+ train topics (../shared/datasets/ecbplus-train), held-out odd topics, B-cubed."""
    _run_eval("eval.ecb", write_docs, ("stories",))


@eval_app.command("events")
def eval_events(write_docs: Annotated[bool, WRITE_DOCS] = False) -> None:
    """Event mentions and cross-document coreference against ECB+ train topics, held-out odd topics."""
    _run_eval("eval.ecb", write_docs, ("events",))


@eval_app.command("speakers")
def eval_speakers(write_docs: Annotated[bool, WRITE_DOCS] = False) -> None:
    """Canonical speakers of pronouns and role nouns against the team's labelled set (eval/speakers)."""
    _run_eval("eval.speakers", write_docs)


def main() -> None:
    app(prog_name="storyline")
