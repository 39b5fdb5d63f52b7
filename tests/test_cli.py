"""The command line as a user runs it: a real subprocess."""

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time

import pytest

from conftest import FIXTURES, validate_dossier

ENV = {**os.environ, "HF_HUB_OFFLINE": "1"}


def storyline(*args, stdin=None, timeout=300):
    return subprocess.run(
        [sys.executable, "-m", "storyline", *map(str, args)],
        input=stdin, capture_output=True, text=True, timeout=timeout, env=ENV,
    )


def test_cli_help_documents_every_command_and_option():
    top = storyline("--help")
    assert top.returncode == 0
    assert "analyze" in top.stdout and "eval" in top.stdout
    sub = storyline("analyze", "--help")
    for option in ("--out", "--db", "--manifest", "--published", "--max-bytes", "--quiet", "stdin"):
        assert option in sub.stdout


def test_cli_analyze_reports_bad_files_on_stderr_and_goes_on(tmp_path):
    (tmp_path / "empty.txt").write_text("")
    (tmp_path / "bad.json").write_text("{oops")
    result = storyline("analyze", FIXTURES / "corpus", tmp_path / "empty.txt", tmp_path / "bad.json", "--out", tmp_path / "out", "--quiet")
    assert result.returncode == 0, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.startswith("storyline: skipped")]
    assert len(lines) == 2
    assert any("empty.txt: empty" in line for line in lines)
    assert any("bad.json: malformed JSON" in line for line in lines)
    dossier = json.loads((tmp_path / "out" / "dossier.json").read_text())
    validate_dossier(dossier)
    assert len(dossier["skipped"]) == 2


def test_cli_analyze_says_when_the_corpus_stages_start_unless_quiet(tmp_path):
    # After the last article the corpus stages can take minutes: the run says so instead of going silent.
    loud = storyline("analyze", FIXTURES / "corpus", "--out", tmp_path / "loud")
    assert loud.returncode == 0, loud.stderr
    stage_lines = [line for line in loud.stderr.splitlines() if line.startswith("storyline: corpus stages")]
    assert len(stage_lines) == 1 and "articles" in stage_lines[0]
    quiet = storyline("analyze", FIXTURES / "corpus", "--out", tmp_path / "quiet", "--quiet")
    assert quiet.returncode == 0, quiet.stderr
    assert "corpus stages" not in quiet.stderr


def test_cli_exit_status_is_nonzero_only_when_nothing_was_analysed(tmp_path):
    (tmp_path / "empty.txt").write_text("")
    result = storyline("analyze", tmp_path / "empty.txt", "--out", tmp_path / "out", "--quiet")
    assert result.returncode == 1
    assert "nothing could be analysed" in result.stderr


def test_cli_reads_stdin_and_rejects_a_bad_published_flag(tmp_path):
    text = "Harbour master Greta Olin said on Monday that the new pier would open in June."
    result = storyline("analyze", "-", "--out", tmp_path / "out", "--quiet", "--published", "2024-05-06", stdin=text)
    assert result.returncode == 0, result.stderr
    (article,) = json.loads((tmp_path / "out" / "dossier.json").read_text())["articles"]
    assert article["source"] == "-" and article["published"] == "2024-05-06" and article["published_from"] == "flag"
    bad = storyline("analyze", "-", "--out", tmp_path / "out2", "--published", "last week", stdin=text)
    assert bad.returncode != 0 and "not a date" in bad.stderr


def test_cli_killed_mid_run_loses_at_most_the_article_in_flight(tmp_path):
    corpus = tmp_path / "many"
    corpus.mkdir()
    total = 40
    for n in range(total):
        (corpus / f"story_{n:03d}.txt").write_text(
            f"Report number {n}. Harbour official Mira Tal{n} said on Monday that the pier {n} would reopen. " * 20
        )
    db = tmp_path / "out" / "storyline.db"
    process = subprocess.Popen(
        [sys.executable, "-m", "storyline", "analyze", str(corpus), "--out", str(tmp_path / "out"), "--quiet", "--batch-size", "1"],
        env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 240
    stored = 0
    while time.monotonic() < deadline and process.poll() is None:
        if db.exists():
            try:
                with sqlite3.connect(db, timeout=1) as conn:
                    stored = conn.execute("SELECT COUNT(*) FROM articles").fetchone()[0]
            except sqlite3.OperationalError:
                stored = 0
            if stored >= 3:
                break
        time.sleep(0.05)
    if process.poll() is not None:
        pytest.fail("the run finished before it could be killed; make the corpus larger")
    process.send_signal(signal.SIGKILL)
    process.wait()
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        killed_at = conn.execute("SELECT COUNT(*) FROM articles").fetchone()[0]
    assert 3 <= killed_at < total
    resumed = storyline("analyze", corpus, "--out", tmp_path / "out", "--quiet")
    assert resumed.returncode == 0, resumed.stderr
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT COUNT(*) FROM articles").fetchone()[0] == total
        assert conn.execute("SELECT COUNT(DISTINCT source) FROM articles").fetchone()[0] == total
