"""``storyline watch``: follow the sources of a sources file, round after round, and raise alerts.

Each round (:meth:`Watcher.round`):

1. the sources file's outlets go into the store's ``sources`` table (country, owner, labels);
2. each feed is fetched through the guarded fetcher (``inputs.fetch``: robots.txt, timeouts,
   private addresses refused unless allowed); its items whose link the store already holds are
   left alone, the others' links are fetched (``inputs.feed.read_items``); each page URL is
   fetched too (``inputs.urls.read_remote``) and kept when its content is new. A document's
   outlet is its source's name;
3. the new documents take analyze's incremental path (``analyze.add_documents``: per-article
   stages, one transaction per article) and, when the store changed, the corpus stages and the
   dossier follow (``analyze.finish_run``);
4. every tracked claim is re-found and its new statements raise alerts (``corpus.alerts``),
   written to the store (one per tracked claim and statement, ever) and then delivered: to a JSON
   Lines file or stdout, and to the ``--on-alert`` command.

A feed or page that fails is reported and stays out of the store; the next round tries it again.
A kill at any point loses nothing: articles are committed one by one, the corpus is recomputed
when the store holds articles it was not computed over, alerts are keyed, and an alert stored
but not yet delivered is delivered by the next round (the JSON Lines file is checked first, so
it never holds an alert twice). One watch per store: :func:`storyline.store.watch.writer_lock`.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
import time
import tomllib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, TextIO

import feedparser

from storyline.analyze import RunResult, add_documents, finish_run
from storyline.core.options import Options
from storyline.core.records import RawDoc, Skipped
from storyline.corpus.alerts import corpus_lists, new_alerts, refind_claim, searcher, statement_keys, track_claim
from storyline.inputs.fetch import Fetcher, FetchError, FetchOptions
from storyline.inputs.feed import read_items
from storyline.inputs.urls import read_remote
from storyline.store import watch as tables
from storyline.store.sqlite import Store

CORPUS_MARK = "watch_corpus_over"  # meta: the articles the stored corpus lists were computed over
HOOK_TIMEOUT = 60.0


class SourcesError(ValueError):
    """The sources file cannot be used (the message says where)."""


@dataclass(slots=True)
class Source:
    name: str
    feeds: list[str] = field(default_factory=list)
    pages: list[str] = field(default_factory=list)
    country: str | None = None
    owner: str | None = None
    labels: list[str] = field(default_factory=list)

    def as_row(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__slots__}


def load_sources(path: str | Path) -> list[Source]:
    """``[[source]]`` tables: ``name``, ``feeds`` and/or ``pages`` (http(s) URLs), ``country``, ``owner``, ``labels``."""
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise SourcesError(f"cannot read {path}: {error}") from None
    entries = data.get("source")
    if not isinstance(entries, list) or not entries:
        raise SourcesError(f"{path}: no [[source]] tables")
    sources = [_source(entry, n) for n, entry in enumerate(entries, start=1)]
    names = [s.name for s in sources]
    if len(set(names)) != len(names):
        raise SourcesError(f"{path}: two sources have the same name")
    return sources


def _source(entry: Any, number: int) -> Source:
    where = f"source {number}"
    if not isinstance(entry, dict) or not isinstance(entry.get("name"), str) or not entry["name"].strip():
        raise SourcesError(f"{where}: needs a name")
    unknown = set(entry) - {"name", "feeds", "pages", "country", "owner", "labels"}
    if unknown:
        raise SourcesError(f"{where}: unknown keys {sorted(unknown)}")
    lists = {key: entry.get(key, []) for key in ("feeds", "pages", "labels")}
    for key, value in lists.items():
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise SourcesError(f"{where}: {key} must be a list of strings")
    for url in lists["feeds"] + lists["pages"]:
        if not url.lower().startswith(("http://", "https://")):
            raise SourcesError(f"{where}: not an http(s) URL: {url!r}")
    if not lists["feeds"] and not lists["pages"]:
        raise SourcesError(f"{where}: needs feeds or pages")
    for key in ("country", "owner"):
        if key in entry and not isinstance(entry[key], str):
            raise SourcesError(f"{where}: {key} must be a string")
    return Source(entry["name"].strip(), lists["feeds"], lists["pages"], entry.get("country"), entry.get("owner"),
                  lists["labels"])


def parse_every(text: str) -> float:
    """``90s``, ``15m``, ``1h``, ``1d`` (or plain seconds) as seconds."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*", text)
    if not match or float(match.group(1)) <= 0:
        raise ValueError(f"not a duration: {text!r} (e.g. 30m, 1h, 1d)")
    return float(match.group(1)) * {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}[match.group(2)]


@dataclass(slots=True)
class RoundReport:
    added: int = 0
    unchanged: int = 0
    skipped: list[Skipped] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)  # feed or page URL -> why it failed this round
    alerts: list[dict[str, Any]] = field(default_factory=list)  # raised this round
    corpus_updated: bool = False


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


class Watcher:
    """Rounds of fetching, analysing and alerting over one store (hold :func:`tables.writer_lock` around it)."""

    def __init__(self, sources: list[Source], db_path: str | Path, *, out: str | Path | None = None,
                 options: Options | None = None, fetch: FetchOptions | None = None,
                 alerts_file: str | Path | None = None, on_alert: str | None = None,
                 stdout: TextIO | None = None, say: Callable[[str], None] | None = None) -> None:
        self.sources = sources
        self.db_path = Path(db_path)
        self.out = Path(out) if out else self.db_path.parent
        self.options = options or Options()
        self.fetch_options = fetch or FetchOptions()
        self.fetcher = Fetcher(self.fetch_options)
        self.alerts_file = Path(alerts_file) if alerts_file else None
        self.on_alert = shlex.split(on_alert) if on_alert else None
        self.stdout = stdout or sys.stdout
        self.say = say or (lambda message: None)

    def round(self) -> RoundReport:
        report = RoundReport()
        self.fetcher = Fetcher(self.fetch_options)  # robots.txt is read again each round: it may change
        with Store(self.db_path) as store:
            self.options.embedding_cache = store
            tables.save_sources(store.conn, [s.as_row() for s in self.sources])
            result = RunResult()
            add_documents(store, self._documents(store, report), self.options, result, lambda source, outcome: None)
            report.added, report.unchanged, report.skipped = result.added, result.unchanged, result.skipped
            if _corpus_mark(store) != tables.meta_value(store.conn, CORPUS_MARK):
                finish_run(store, self.out, self.options, result)
                tables.set_meta(store.conn, CORPUS_MARK, _corpus_mark(store))
                report.corpus_updated = True
            report.alerts = raise_alerts(store)
            self.deliver(store)
        return report

    # -- fetching -------------------------------------------------------------------

    def _documents(self, store: Store, report: RoundReport) -> Iterator[RawDoc | Skipped]:
        for source in self.sources:
            for feed_url in source.feeds:
                yield from _as_outlet(self._feed_items(store, feed_url, report), source.name)
            for page_url in source.pages:
                yield from _as_outlet(self._page(page_url, report), source.name)

    def _feed_items(self, store: Store, feed_url: str, report: RoundReport) -> Iterator[RawDoc | Skipped]:
        try:
            page = self.fetcher.fetch(feed_url)
        except FetchError as error:
            yield self._failed(report, feed_url, str(error))
            return
        feed = feedparser.parse(page.content)  # bytes: feedparser never touches the network
        if not feed.entries and feed.bozo:
            yield self._failed(report, feed_url, f"not an RSS/Atom feed: {feed.bozo_exception}")
            return
        tables.clear_skipped(store.conn, feed_url)
        items = [(item_source(feed_url, entry), entry) for entry in feed.entries]
        new = [(where, entry) for where, entry in items if not tables.has_source(store.conn, where)]
        # read_items names a page it could not fetch "WHERE (URL)"; under its own name, the article
        # that a later round stores clears it from the skipped list.
        named = {f"{where} ({entry['link']})": where for where, entry in new if entry.get("link")}
        for record in read_items(new, None, self.fetcher):
            if isinstance(record, Skipped):
                record = Skipped(named.get(record.source, record.source), record.reason)
                report.failed[record.source] = record.reason
            yield record

    def _page(self, page_url: str, report: RoundReport) -> Iterator[RawDoc | Skipped]:
        for record in read_remote(page_url, None, self.options.max_bytes, self.fetcher):
            if isinstance(record, Skipped):
                report.failed[page_url] = record.reason
            yield record

    def _failed(self, report: RoundReport, url: str, reason: str) -> Skipped:
        report.failed[url] = reason
        return Skipped(url, reason)

    # -- delivering alerts -------------------------------------------------------------

    def deliver(self, store: Store) -> None:
        """Write out the alerts stored and not yet delivered (this round's, or a killed round's)."""
        pending = tables.undelivered_alerts(store.conn)
        written = _keys_in(self.alerts_file) if self.alerts_file and pending else set()
        for alert in pending:
            line = json.dumps(alert, ensure_ascii=False)
            if self.alerts_file is None:
                print(line, file=self.stdout, flush=True)
            elif (alert["tracked"], alert["statement_key"]) not in written:
                torn = _torn(self.alerts_file)
                with self.alerts_file.open("a", encoding="utf-8") as handle:
                    handle.write(("\n" if torn else "") + line + "\n")
                    handle.flush()
                    os.fsync(handle.fileno())
            if self.on_alert:
                self._hook(line)
            tables.mark_delivered(store.conn, alert)

    def _hook(self, line: str) -> None:
        """The alert as JSON on the command's stdin; argv from shlex, no shell."""
        try:
            done = subprocess.run(self.on_alert, input=line + "\n", text=True, timeout=HOOK_TIMEOUT,
                                  stdout=subprocess.DEVNULL, check=False)
        except (OSError, subprocess.TimeoutExpired) as error:
            self.say(f"storyline: --on-alert failed: {error}")
            return
        if done.returncode:
            self.say(f"storyline: --on-alert exited with status {done.returncode}")


def item_source(feed_url: str, entry: Any) -> str:
    """A feed item's name in the store: its link (stable as the feed changes), else the feed and its id or title."""
    if entry.get("link"):
        return str(entry["link"])
    return f"{feed_url}#{entry.get('id') or entry.get('title') or ''}"


def _as_outlet(records: Iterator[RawDoc | Skipped], outlet: str) -> Iterator[RawDoc | Skipped]:
    """The sources file names the outlet: it wins over what a page says of itself."""
    for record in records:
        if isinstance(record, RawDoc):
            record.meta.outlet = outlet
        yield record


def _corpus_mark(store: Store) -> str:
    return f"{store.article_count()}:{tables.last_article(store.conn)}"


def _torn(path: Path) -> bool:
    """Whether the file ends inside a line (a kill while writing it): the next alert starts a line of its own."""
    if not path.is_file() or path.stat().st_size == 0:
        return False
    with path.open("rb") as handle:
        handle.seek(-1, os.SEEK_END)
        return handle.read(1) != b"\n"


def _keys_in(path: Path) -> set[tuple[int, str]]:
    if not path.is_file():
        return set()
    keys = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            alert = json.loads(line)
            keys.add((alert["tracked"], alert["statement_key"]))
        except (ValueError, KeyError, TypeError):
            continue  # a torn last line from a kill: the alert is written again
    return keys


# -- tracked claims ---------------------------------------------------------------------


def raise_alerts(store: Store) -> list[dict[str, Any]]:
    """Re-find every tracked claim and store the alerts it owes (one transaction); returns the new ones."""
    tracked = tables.tracked_claims(store.conn)
    if not tracked:
        return []
    claims, statements, articles = corpus_lists(store)
    countries = {s["name"]: s["country"] for s in tables.read_sources_table(store.conn) if s.get("country")}
    search = searcher(store)
    raised = []
    with store.conn:
        for item in tracked:
            claim = refind_claim(item, claims, statements, search)
            if claim is None:
                continue
            anchors = sorted(set(item["anchors"]) | statement_keys(claim, statements))
            if (claim["id"], anchors, claim.get("label")) != (item["claim"], item["anchors"], item["label"]):
                tables.update_tracked(store.conn, item["id"], claim["id"], anchors, claim.get("label"))
            for alert in new_alerts(item, claim, statements, articles, countries, tables.alert_keys(store.conn, item["id"])):
                if tables.insert_alert(store.conn, alert, now()):
                    raised.append(alert)
    return raised


def track(db_path: str | Path, claim_id: str | None = None, text: str | None = None) -> dict[str, Any]:
    """``storyline track``: see :func:`storyline.corpus.alerts.track_claim`."""
    with Store(db_path) as store:
        return track_claim(store, claim_id, text, now())


def watch(sources: list[Source], db_path: str | Path, *, every: float, once: bool, say: Callable[[str], None],
          **watcher: Any) -> None:
    """Rounds until stopped (``once``: one). A round that fails is reported, and the next one tries again."""
    with tables.writer_lock(db_path):
        runner = Watcher(sources, db_path, say=say, **watcher)
        while True:
            started = time.monotonic()
            try:
                say(describe(runner.round()))
            except Exception as error:  # noqa: BLE001 - a failed round is reported; the loop goes on
                say(f"storyline: round failed: {type(error).__name__}: {error}; trying again next round")
            if once:
                return
            time.sleep(max(0.0, every - (time.monotonic() - started)))


def describe(report: RoundReport) -> str:
    failed = "".join(f"\n  failed: {url}: {reason}" for url, reason in report.failed.items())
    return (f"storyline: {now()} round: {report.added} added, {report.unchanged} unchanged, "
            f"{len(report.skipped)} skipped, {len(report.alerts)} alerts"
            + ("" if report.corpus_updated else " (corpus unchanged)") + failed)
