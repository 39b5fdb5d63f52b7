"""``storyline watch``: rounds against a loopback news site whose feeds change, tracked claims and alerts,
a kill -9 in the middle of a round, one writer per store."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner
from watch_support import CLAIM, NewsSite, expected_items, sources_toml

from storyline.cli import app
from storyline.core.options import Options
from storyline.inputs.fetch import FetchOptions
from storyline.store import watch as tables
from storyline.store.sqlite import Store
from storyline.watch import SourcesError, Watcher, load_sources, parse_every, track

ROOT = Path(__file__).resolve().parents[1]


def watcher(site: NewsSite, folder: Path, **extra) -> Watcher:
    sources = load_sources(sources_toml(site.base, folder / "sources.toml"))
    return Watcher(sources, folder / "watch.db", options=Options(batch_size=1),
                   fetch=FetchOptions(allow_private=True, timeout=10), alerts_file=folder / "alerts.jsonl", **extra)


def stored_pages(db: Path) -> list[str]:
    with sqlite3.connect(db) as conn:
        return [row[0].rsplit("/", 2)[-2] + "/" + row[0].rsplit("/", 1)[-1].removesuffix(".html")
                for row in conn.execute("SELECT source FROM articles ORDER BY id")]


def alert_lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()] if path.exists() else []


def test_watch_three_rounds_grow_the_store_by_the_new_items_and_alert_once_per_new_occurrence(tmp_path):
    with NewsSite() as site:
        runner = watcher(site, tmp_path)
        first = runner.round()  # the Border Post feed is down this round
        assert sorted(stored_pages(tmp_path / "watch.db")) == sorted(expected_items(0))
        assert list(first.failed) == [f"{site.base}/border.xml"] and first.alerts == []
        tracked = track(tmp_path / "watch.db", text="reservoir poisoned saboteurs")
        assert tracked["claim"] and len(tracked["anchors"]) == 2

        site.round = 1
        second = runner.round()
        pages = stored_pages(tmp_path / "watch.db")
        assert second.added == len(expected_items(1)) - len(expected_items(0)) == 3
        assert sorted(pages) == sorted(expected_items(1)) and len(set(pages)) == len(pages)
        assert "border/1" in pages and second.failed == {}  # the feed that failed is picked up
        # Two new statements of the tracked claim (Courier again, and the Border Post for the first time).
        assert sorted(a["link"].rsplit("/", 2)[-2] for a in second.alerts) == ["border", "courier"]
        border = next(a for a in second.alerts if "border" in a["link"])
        assert set(border["firsts"]) == {"outlet", "speaker", "country"}
        assert border["outlet"] == "Border Post" and border["country"] == "Ruritania" and border["speaker"] == "Ivo Marek"
        assert border["text"] == CLAIM and border["date"] == "2026-03-04"
        courier = next(a for a in second.alerts if "courier" in a["link"])
        assert courier["firsts"] == []  # same outlet, speaker and country as the first occurrence
        with Store(tmp_path / "watch.db") as store:
            body = next(a.body for a in store.articles() if a.id == border["span"]["article"])
        assert body[border["span"]["start"] : border["span"]["end"]] == CLAIM

        site.round = 2
        third = runner.round()
        assert (third.added, third.alerts, third.corpus_updated) == (0, [], False)
        assert stored_pages(tmp_path / "watch.db") == pages
        # Nothing new: the item pages already stored are not fetched again.
        assert site.requests.count("/courier/1.html") == 1
    lines = alert_lines(tmp_path / "alerts.jsonl")
    assert len(lines) == 2 and {line["statement_key"] for line in lines} == {a["statement_key"] for a in second.alerts}


def test_watch_kill_9_in_a_round_then_restart_loses_duplicates_and_repeats_nothing(tmp_path):
    db, alerts = tmp_path / "watch.db", tmp_path / "alerts.jsonl"
    with NewsSite() as site:
        watcher(site, tmp_path).round()
        track(db, text="reservoir poisoned saboteurs")
        site.round = 1
        site.hold = {"/border/1.html"}  # the round hangs here, after the Courier's new items are stored
        process = subprocess.Popen(
            [sys.executable, "-m", "storyline", "watch", str(tmp_path / "sources.toml"), "--db", str(db), "--once",
             "--allow-private", "--alerts", str(alerts), "--batch-size", "1"],
            env={**os.environ, "PYTHONPATH": str(ROOT / "src")}, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            deadline = time.monotonic() + 120
            def hanging() -> bool:  # the Courier's two new items stored, the Border Post's page asked for
                return len(stored_pages(db)) == 5 and "/border/1.html" in site.requests

            while not hanging() and time.monotonic() < deadline and process.poll() is None:
                time.sleep(0.1)
            assert process.poll() is None and "/border/1.html" in site.requests
            process.send_signal(signal.SIGKILL)
            process.wait(timeout=30)
        finally:
            if process.poll() is None:
                process.kill()
            process.stderr.close()
        assert sorted(stored_pages(db)) == sorted(expected_items(1) - {"border/1"})
        assert alert_lines(alerts) == []
        site.hold = set()

        restart = watcher(site, tmp_path).round()
        pages = stored_pages(db)
        assert sorted(pages) == sorted(expected_items(1)) and len(set(pages)) == len(pages)
        assert len(restart.alerts) == 2  # both new occurrences, each once

        again = watcher(site, tmp_path).round()
        assert (again.added, again.alerts) == (0, [])
    lines = alert_lines(alerts)
    assert len(lines) == 2 and len({(line["tracked"], line["statement_key"]) for line in lines}) == 2
    with Store(db) as store:
        assert store.conn.execute("SELECT COUNT(*) FROM alerts").fetchone()[0] == 2


def test_watch_kill_9_while_delivering_alerts_then_restart_repeats_no_alert(tmp_path):
    """Killed while the hook runs for the first of two alerts (it is in the JSON Lines file, not marked
    delivered): the restart writes only the second."""
    db, alerts, hooked, go = tmp_path / "watch.db", tmp_path / "alerts.jsonl", tmp_path / "hooked.jsonl", tmp_path / "go"
    hook = (f"{sys.executable} -c \"import sys, time, pathlib; open(sys.argv[1], 'a').write(sys.stdin.read()); "
            f"[time.sleep(0.1) for _ in range(600) if not pathlib.Path(sys.argv[2]).exists()]\" {hooked} {go}")
    with NewsSite() as site:
        watcher(site, tmp_path).round()
        track(db, text="reservoir poisoned saboteurs")
        site.round = 1
        process = subprocess.Popen(
            [sys.executable, "-m", "storyline", "watch", str(tmp_path / "sources.toml"), "--db", str(db), "--once",
             "--allow-private", "--alerts", str(alerts), "--on-alert", hook],
            env={**os.environ, "PYTHONPATH": str(ROOT / "src")}, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            deadline = time.monotonic() + 120
            while not (hooked.exists() and hooked.read_text()) and time.monotonic() < deadline and process.poll() is None:
                time.sleep(0.1)
            assert process.poll() is None and len(alert_lines(alerts)) == 1
            process.send_signal(signal.SIGKILL)
            process.wait(timeout=30)
        finally:
            go.touch()  # the hook, orphaned, exits
            if process.poll() is None:
                process.kill()
            process.stderr.close()
        restart = watcher(site, tmp_path).round()
        assert (restart.added, restart.alerts) == (0, [])  # raised before the kill, delivered now
    lines = alert_lines(alerts)
    assert len(lines) == 2 and len({line["statement_key"] for line in lines}) == 2
    with Store(db) as store:
        assert tables.undelivered_alerts(store.conn) == []


def test_watch_delivers_an_alert_stored_before_a_kill_once(tmp_path):
    """Killed between storing an alert and writing it out: the next round writes it, and only once."""
    db, path = tmp_path / "w.db", tmp_path / "alerts.jsonl"
    alert = {"tracked": 1, "statement_key": "a3:0-10", "claim": "c1", "text": "x"}
    with Store(db) as store:
        with store.conn:
            tables.insert_alert(store.conn, alert, "2026-01-01")
            tables.insert_alert(store.conn, {**alert, "statement_key": "a4:0-10"}, "2026-01-01")
    path.write_text(json.dumps(alert) + "\n" + '{"tracked": 1, "statem', encoding="utf-8")  # one written, one torn
    hooked = tmp_path / "hook.jsonl"
    hook = f"{sys.executable} -c \"import sys; open(sys.argv[1], 'a').write(sys.stdin.read())\" {hooked}"
    runner = Watcher([], db, alerts_file=path, on_alert=hook)
    with Store(db) as store:
        runner.deliver(store)
        runner.deliver(store)
    keys = [json.loads(line)["statement_key"] for line in path.read_text().splitlines()[:1] + path.read_text().splitlines()[2:]]
    assert keys == ["a3:0-10", "a4:0-10"]
    assert [json.loads(line)["statement_key"] for line in hooked.read_text().splitlines()] == ["a3:0-10", "a4:0-10"]


def test_watch_hook_gets_the_alert_on_stdin_without_a_shell(tmp_path):
    db = tmp_path / "w.db"
    marker = tmp_path / "pwned"
    with Store(db) as store, store.conn:
        tables.insert_alert(store.conn, {"tracked": 1, "statement_key": f"a1:0-1; touch {marker}", "claim": "c1"}, "now")
    seen = tmp_path / "seen"
    runner = Watcher([], db, alerts_file=tmp_path / "a.jsonl",
                     on_alert=f"{sys.executable} -c \"import sys; open(sys.argv[1], 'w').write(sys.stdin.read())\" "
                              f"{seen} ; touch {marker} $(touch {marker})")
    with Store(db) as store:
        runner.deliver(store)
    assert not marker.exists()  # a shell would have run touch twice
    assert json.loads(seen.read_text())["statement_key"] == f"a1:0-1; touch {marker}"


def test_watch_second_watch_on_the_same_store_refuses_to_start(tmp_path):
    (tmp_path / "s.toml").write_text('[[source]]\nname = "X"\nfeeds = ["http://127.0.0.1:9/x.xml"]\n', encoding="utf-8")
    with tables.writer_lock(tmp_path / "w.db"):
        with pytest.raises(tables.WatchLocked):
            with tables.writer_lock(tmp_path / "w.db"):
                pass
        result = CliRunner().invoke(app, ["watch", str(tmp_path / "s.toml"), "--db", str(tmp_path / "w.db"), "--once"])
    assert result.exit_code == 2 and "another 'storyline watch'" in result.output
    with tables.writer_lock(tmp_path / "w.db"):  # released: a new watch may start
        pass


def test_watch_sources_file_is_checked(tmp_path):
    bad = {
        "nothing.toml": "",
        "no_name.toml": '[[source]]\nfeeds = ["http://a.example/f.xml"]\n',
        "file_url.toml": '[[source]]\nname = "A"\nfeeds = ["file:///etc/passwd"]\n',
        "twice.toml": '[[source]]\nname = "A"\nfeeds = ["http://a.example/f"]\n[[source]]\nname = "A"\npages = ["http://b.example/"]\n',
        "labels.toml": '[[source]]\nname = "A"\nfeeds = ["http://a.example/f"]\nlabels = "state-backed"\n',
        "broken.toml": '[[source]\nname = "A"\n',
    }
    for name, text in bad.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
        with pytest.raises(SourcesError):
            load_sources(tmp_path / name)
    assert parse_every("1h") == 3600 and parse_every("15m") == 900 and parse_every("90") == 90
    with pytest.raises(ValueError):
        parse_every("soon")


def test_watch_refuses_private_addresses_unless_allowed(tmp_path):
    with NewsSite() as site:
        sources = load_sources(sources_toml(site.base, tmp_path / "sources.toml"))
        report = Watcher(sources, tmp_path / "w.db", fetch=FetchOptions(allow_private=False)).round()
    assert report.added == 0 and len(report.failed) == 3
    assert all(reason.startswith("refused") for reason in report.failed.values())
    assert site.requests == []


def test_watch_tracked_claim_is_refound_when_claim_ids_change():
    from storyline.corpus.alerts import new_alerts, refind_claim

    statements = {sid: {"id": sid, "article": article, "start": 0, "end": 10, "speaker_name": speaker}
                  for sid, article, speaker in (("s1", "a1", "Holm"), ("s2", "a2", "Brenn"), ("s3", "a5", "Marek"),
                                                ("s4", "a6", "Ort"))}
    articles = {"a1": {"outlet": "Courier"}, "a2": {"outlet": "Voice"}, "a5": {"outlet": "Border"}, "a6": {"outlet": "Voice"}}
    tracked = {"id": 1, "anchors": ["a1:0-10", "a2:0-10"], "since_article": 2, "text": None}
    # Recomputed: the tracked statements now sit in "c9" (with a new one), a smaller claim holds one of them.
    claims = [{"id": "c7", "statements": ["s2", "s4"]}, {"id": "c9", "statements": ["s1", "s2", "s3"]}]
    found = refind_claim(tracked, claims, statements)
    assert found["id"] == "c9"
    alerts = new_alerts(tracked, found, statements, articles, {"Border": "Ruritania"}, alerted=set())
    assert [(a["statement"], a["firsts"]) for a in alerts] == [("s3", ["outlet", "speaker", "country"])]
    assert new_alerts(tracked, found, statements, articles, {}, alerted={"a5:0-10"}) == []
    # Nothing left of the anchors, no text: not found (no guess).
    assert refind_claim({**tracked, "anchors": ["a9:0-1"]}, claims, statements) is None


def test_watch_track_command_by_id_and_by_text(tmp_path):
    from sample_dossier import sample_dossier, write_store

    db = write_store(sample_dossier(), tmp_path / "s.db")
    runner = CliRunner()
    by_id = runner.invoke(app, ["track", "c2", "--db", str(db)])
    assert by_id.exit_code == 0 and "claim c2 (2 statements)" in by_id.output
    assert runner.invoke(app, ["track", "c404", "--db", str(db)]).exit_code == 2
    assert runner.invoke(app, ["track", "--db", str(db)]).exit_code == 2
    by_text = runner.invoke(app, ["track", "--db", str(db), "--text", "bad deal"])
    assert by_text.exit_code == 0 and "claim c1" in by_text.output
    pending = runner.invoke(app, ["track", "--db", str(db), "--text", "moon landing hoax"])
    assert pending.exit_code == 0 and "no claim yet" in pending.output
    with Store(db) as store:
        rows = tables.tracked_claims(store.conn)
    assert [(r["claim"], r["since_article"]) for r in rows] == [("c2", 3), ("c1", 3), (None, 3)]
    assert rows[0]["anchors"] == sorted(f"{s['article']}:{s['start']}-{s['end']}" for s in sample_dossier()["statements"]
                                        if s["id"] in ("s3", "s6"))


def test_watch_app_tracks_only_json_from_its_own_origin(tmp_path):
    from fastapi.testclient import TestClient
    from sample_dossier import sample_dossier, write_store

    from storyline.present.app import create_app

    client = TestClient(create_app(write_store(sample_dossier(), tmp_path / "s.db")))
    assert client.post("/api/tracked", data={"claim": "c1"}).status_code in (403, 422)  # a form post
    assert client.post("/api/tracked", json={"claim": "c1"}, headers={"origin": "http://evil.example"}).status_code == 403
    assert client.post("/api/tracked", json={"claim": "c404"}).status_code == 404
    made = client.post("/api/tracked", json={"claim": "c1"})
    assert made.status_code == 201 and made.json()["claim"] == "c1"
    (listed,) = client.get("/api/tracked").json()
    assert listed["current"] == "c1" and listed["recurrence"]["periods"]
