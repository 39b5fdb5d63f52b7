"""Soak: ``kill -9`` at random points of a run, then rerun, and check nothing was lost (``make soak``).

1. Writes ``--articles`` short fictional articles (seeded RNG: wire-style leads with one quote,
   some carried verbatim by a second outlet) as ``.txt`` files with a manifest (outlet, date).
2. Runs ``storyline analyze`` over them uninterrupted, once in store mode and once in parts mode
   (``--parts``): the reference dossiers.
3. For each mode, a fresh output folder: starts the same command, kills its process group with
   SIGKILL at a random point of a planned phase (store mode: ingest, corpus stages; parts mode:
   shard writing, ingest of the parts, corpus stages), checks the store, and starts it again,
   until ``--kills`` kills are spent; the last run goes to the end. A run that ends before its kill
   point has that kill planned again on the next run, within the window that run measured.
4. After every kill: ``PRAGMA integrity_check`` is ``ok``, every article stored before the kill
   is still stored (0 lost), no input is stored twice (0 duplicated). At the end of each chain:
   all inputs stored once and ``dossier.json`` equal to the uninterrupted run's.
5. Writes the figures into docs/benchmarks.md under "## Soak: kill -9 and rerun"
   (``--no-write`` only prints). Exit status 1 when any check failed.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from urllib.parse import quote

from storyline.eval.benchdoc import write_section

HEADING = "## Soak: kill -9 and rerun"
CORPUS_LINE = "storyline: corpus stages"  # what analyze says on stderr as its corpus stages start
FIRST = ["Mira", "Tomas", "Elena", "Joris", "Ines", "Piet", "Anya", "Karel", "Lotte", "Bram"]
LAST = ["Varga", "Reyl", "Veldt", "Adebayo", "Mandel", "Oster", "Kade", "Linden", "Sorel", "Haas"]
PLACES = ["Saltmere", "Dunmore", "Brenholt", "Lanport", "Vell", "Northgate", "Tidewater"]
TOPICS = ["the harbour", "the water tariff", "the new bridge", "the rail link", "the school budget", "the ferry line"]
OUTLETS = ["Saltmere Courier", "Northgate Post", "Tidewater Wire", "Vell Daily"]
POLL = 0.1  # seconds between looks at the store while a run goes
FAST_POLL = 0.02  # while articles go into the store, whose bursts come close together
BATCH = 32  # analyze's default --batch-size: store mode's articles reach the store in bursts of it
RUN_TIMEOUT = 3600
RETRIES = 3  # a kill point a run ends before is planned again on up to this many more runs


def write_inputs(folder: Path, count: int, seed: int) -> None:
    """``count`` short articles as .txt files plus ``manifest.csv``; one in ten is a second outlet's verbatim copy."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    rows, previous = [], None
    for n in range(count):
        if previous is not None and rng.random() < 0.1:
            text = previous  # syndicated: the same words, another outlet
        else:
            who = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
            place, topic = rng.choice(PLACES), rng.choice(TOPICS)
            text = (f"Officials in {place} said work on {topic} would cost {rng.randint(2, 90)} million crowns.\n\n"
                    f'"We will not let {topic} fall behind again," mayor {who} said on '
                    f"{rng.choice(['Monday', 'Tuesday', 'Friday'])}. A vote is due in "
                    f"{rng.choice(['March', 'June', 'October'])} (item {n}).")
        previous = text
        name = f"article-{n:04d}.txt"
        (folder / name).write_text(text, encoding="utf-8")
        rows.append({"source": name, "outlet": rng.choice(OUTLETS),
                     "published": f"2025-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"})
    with open(folder.parent / "manifest.csv", "w", newline="", encoding="utf-8") as stream:
        writer = csv.DictWriter(stream, fieldnames=["source", "outlet", "published"])
        writer.writeheader()
        writer.writerows(rows)


def command(inputs: Path, out: Path, mode: str, shard_files: int) -> list[str]:
    args = [sys.executable, "-m", "storyline", "analyze", str(inputs), "--manifest", str(inputs.parent / "manifest.csv"),
            "--out", str(out)]  # not --quiet: its stage lines on stderr say when the corpus stages start
    if mode == "parts":
        args += ["--parts", str(out / "parts"), "--files-per-shard", str(shard_files)]
    return args


def readonly(db: Path) -> sqlite3.Connection | None:
    if not db.is_file():
        return None
    try:
        return sqlite3.connect(f"file:{quote(str(db))}?mode=ro", uri=True, timeout=5)
    except sqlite3.Error:
        return None


def stored_sources(db: Path) -> list[str]:
    """The stored articles' sources (one per stored row, so a duplicate shows twice); [] before the store exists."""
    conn = readonly(db)
    if conn is None:
        return []
    try:
        return [row[0] for row in conn.execute("SELECT source FROM articles")]
    except sqlite3.Error:  # the schema is not written yet
        return []
    finally:
        conn.close()


def integrity(db: Path) -> str:
    conn = readonly(db)
    if conn is None:
        return "ok (no store yet)"
    try:
        return ";".join(row[0] for row in conn.execute("PRAGMA integrity_check"))
    finally:
        conn.close()


def shards_done(out: Path) -> int:
    return len(list((out / "parts").glob("shard=*/_SUCCESS")))


def comparable(dossier_path: Path) -> str:
    return json.dumps(json.loads(dossier_path.read_text(encoding="utf-8")), sort_keys=True, ensure_ascii=False)


class Run:
    """One ``storyline analyze`` in its own process group, its stderr read as it comes: the time of the line
    saying the corpus stages start is when the corpus phase begins (everything before it, on a rerun over a
    complete store, is start-up and the pass over unchanged inputs)."""

    def __init__(self, args: list[str]) -> None:
        self.started = time.monotonic()
        self.corpus_at: float | None = None
        self.process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                                        start_new_session=True)  # a process group: workers die with the run
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            if line.startswith(CORPUS_LINE) and self.corpus_at is None:
                self.corpus_at = self.elapsed()

    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def kill(self) -> None:
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()


@dataclass
class Reference:
    seconds: float  # the whole uninterrupted run
    shards_done: float  # parts mode: when every shard was written
    stored_done: float  # when every article was in the store
    corpus_at: float  # when the corpus stages started
    dossier: str
    articles: int


def reference(inputs: Path, out: Path, mode: str, shard_files: int, shards: int) -> Reference:
    """The uninterrupted run, timed by phase (polling the parts folder and the store, reading its stage lines)."""
    run = Run(command(inputs, out, mode, shard_files))
    times: dict[str, float] = {}
    total = len(list(inputs.glob("*.txt")))
    while run.process.poll() is None:
        time.sleep(POLL)
        if mode == "parts" and shards_done(out) >= shards:
            times.setdefault("shards", run.elapsed())
        if len(stored_sources(out / "storyline.db")) >= total:
            times.setdefault("stored", run.elapsed())
    seconds = run.elapsed()
    if run.process.returncode != 0 or run.corpus_at is None:
        raise RuntimeError(f"the uninterrupted {mode} run failed ({run.process.returncode}) or said no corpus stages")
    return Reference(seconds, times.get("shards", 0.0), times.get("stored", seconds), run.corpus_at,
                     comparable(out / "dossier.json"), len(stored_sources(out / "storyline.db")))


@dataclass
class Kill:
    mode: str
    phase: str  # planned
    at_s: float  # seconds into the run
    stored_before: int
    stored_after: int
    lost: int
    duplicated: int
    integrity: str
    shards_before: int = 0
    observed: str = ""  # the phase the run was in when killed, read from its output folder


@dataclass
class Chain:
    mode: str
    kills: list[Kill] = field(default_factory=list)
    runs: int = 0
    final_articles: int = 0
    final_duplicated: int = 0
    dossier_equal: bool = False
    final_integrity: str = ""
    seconds: float = 0.0
    missed: int = 0  # runs that ended before their kill point (each kill re-planned on the next run)


def observed_phase(run: Run, out: Path, mode: str, shards: int, total: int) -> str:
    """Where a run is: shards still being written (parts mode), articles still going into the store, the corpus
    stages (and dossier and report) once it has said they start, else start-up over a complete store."""
    if mode == "parts" and shards_done(out) < shards:
        return "shards"
    if len(stored_sources(out / "storyline.db")) < total:
        return "parts-ingest" if mode == "parts" else "ingest"
    if run.corpus_at is not None:
        return "parts-corpus" if mode == "parts" else "corpus"
    return "start-up"


class Trigger:
    """When to kill a run: at a random point of the planned phase.

    Ingest keys on the count of stored articles. Shards and the corpus stages are timed: parts-mode shards
    complete in a burst at the end of their phase, so a count of them would only ever hit the phase's end; the
    corpus phase starts at the run's own stage line. ``window`` is how long the phase lasted the last time it was
    seen whole (at first, in the reference run). A run that ends before the kill point has the kill planned again
    on the next run within that run's measured window: a rerun over a complete store does the corpus stages
    again, faster than the reference (its caches are warm)."""

    def __init__(self, phase: str, rng: random.Random, window: float, out: Path, total: int, burst: int,
                 shards: int) -> None:
        self.phase, self.out = phase, out
        self.target = 0
        if phase in ("ingest", "parts-ingest"):
            now = len(stored_sources(out / "storyline.db"))
            # Articles land in bursts (a batch of the pipeline, a shard's transaction), so the target stops two
            # bursts short of the end; spread over what is left, leaving room for this phase's next kills.
            limit = max(now + 1, total - 2 * burst)
            self.target = rng.randint(now + 1, max(now + 1, now + (limit - now) // 2))
        if phase == "shards":  # a rerun writes only the shards still incomplete: a shorter phase
            done = shards_done(out)
            self.delay = rng.uniform(0.1, 0.9) * window * (shards - done) / shards
        else:
            self.delay = rng.uniform(0.02, 0.95) * window

    def began(self, run: Run) -> float | None:
        """Seconds into the run when the phase began; None before."""
        return 0.0 if self.phase == "shards" else run.corpus_at

    def due(self, run: Run) -> bool:
        if self.phase in ("ingest", "parts-ingest"):
            return len(stored_sources(self.out / "storyline.db")) >= self.target
        began = self.began(run)
        return began is not None and run.elapsed() - began >= self.delay

    def window_seen(self, run: Run, seconds: float) -> float | None:
        """The phase's length in a run that ended before the kill point (from its start to the run's end)."""
        began = None if self.phase in ("ingest", "parts-ingest") else self.began(run)
        return None if began is None else seconds - began


def reference_window(phase: str, ref: Reference) -> float:
    if phase == "shards":
        return ref.shards_done
    return ref.seconds - ref.corpus_at  # corpus phases (ingest is counted, not timed)


def run_chain(inputs: Path, out: Path, mode: str, phases: list[str], ref: Reference, shard_files: int, shards: int,
              rng: random.Random) -> Chain:
    chain = Chain(mode)
    started_chain = time.monotonic()
    queue: list[tuple[str | None, float, int]] = [(p, reference_window(p, ref), 0) for p in phases]
    queue.append((None, 0.0, 0))  # the last run, to the end
    while queue:
        phase, window, tries = queue.pop(0)
        chain.runs += 1
        burst = shard_files if mode == "parts" else BATCH
        should_kill = Trigger(phase, rng, window, out, ref.articles, burst, shards) if phase else None
        run = Run(command(inputs, out, mode, shard_files))
        if should_kill is not None and watch(run, should_kill, chain, out, mode, phase, shards, ref.articles):
            continue
        run.process.wait()
        if run.process.returncode != 0:
            raise RuntimeError(f"{mode} run {chain.runs} failed ({run.process.returncode})")
        if should_kill is not None:  # ended before its kill point: plan that kill again on the next run
            seen = should_kill.window_seen(run, run.elapsed())
            chain.missed += 1
            print(json.dumps({"mode": mode, "phase": phase, "note": "run ended before the kill point",
                              "window_seen": seen}), flush=True)
            if seen is not None and tries < RETRIES:
                queue.insert(0, (phase, seen, tries + 1))
    after = stored_sources(out / "storyline.db")
    chain.final_articles, chain.final_duplicated = len(set(after)), len(after) - len(set(after))
    chain.final_integrity = integrity(out / "storyline.db")
    chain.dossier_equal = comparable(out / "dossier.json") == ref.dossier
    chain.seconds = round(time.monotonic() - started_chain, 1)
    return chain


def watch(run: Run, trigger: Trigger, chain: Chain, out: Path, mode: str, phase: str, shards: int, total: int) -> bool:
    """Poll a run until its kill point (kill it, check the store, record the kill: True) or its end (False)."""
    db = out / "storyline.db"
    while run.process.poll() is None:
        time.sleep(FAST_POLL if phase in ("ingest", "parts-ingest") else POLL)
        if run.elapsed() > RUN_TIMEOUT:
            run.kill()
            raise RuntimeError(f"{mode} run did not finish within {RUN_TIMEOUT} s")
        before, shards_before = stored_sources(db), shards_done(out)
        if trigger.due(run):
            seen, at = observed_phase(run, out, mode, shards, total), run.elapsed()
            run.kill()
            after = stored_sources(db)
            chain.kills.append(Kill(mode, phase, round(at, 1), len(set(before)), len(after),
                                    lost=len(set(before) - set(after)), duplicated=len(after) - len(set(after)),
                                    integrity=integrity(db), shards_before=shards_before, observed=seen))
            print(json.dumps(chain.kills[-1].__dict__), flush=True)
            return True
    return False


def plan(kills: int) -> dict[str, list[str]]:
    """How the kills share out, in the order a run meets the phases (a rerun resumes, so a chain only
    moves forward): store mode 3/5 of them, half while storing articles, half in the corpus stages;
    parts mode the rest, in thirds: writing shards, ingesting them, corpus stages."""
    store = kills * 3 // 5
    parts = kills - store
    thirds = [parts // 3 + (1 if i < parts % 3 else 0) for i in range(3)]
    return {"store": ["ingest"] * (store - store // 2) + ["corpus"] * (store // 2),
            "parts": ["shards"] * thirds[0] + ["parts-ingest"] * thirds[1] + ["parts-corpus"] * thirds[2]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=500)
    parser.add_argument("--kills", type=int, default=20, help="kill -9 points in all, shared by the two modes")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--files-per-shard", type=int, default=50)
    parser.add_argument("--no-write", action="store_true", help="print, leave docs/benchmarks.md alone")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    shards = -(-args.articles // args.files_per_shard)
    chains, refs = [], {}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        inputs = work / "inputs" / "articles"
        write_inputs(inputs, args.articles, args.seed)
        for mode, phases in plan(args.kills).items():
            refs[mode] = reference(inputs, work / f"reference-{mode}", mode, args.files_per_shard, shards)
            print(json.dumps({"reference": mode, **{k: v for k, v in refs[mode].__dict__.items() if k != "dossier"}}),
                  flush=True)
            chains.append(run_chain(inputs, work / f"killed-{mode}", mode, phases, refs[mode], args.files_per_shard,
                                    shards, rng))
            print(json.dumps({k: v for k, v in chains[-1].__dict__.items() if k != "kills"}), flush=True)
    ok = all(k.lost == 0 and k.duplicated == 0 and k.integrity.startswith("ok") for c in chains for k in c.kills) and all(
        c.dossier_equal and c.final_duplicated == 0 and c.final_integrity == "ok" and c.final_articles == refs[c.mode].articles
        for c in chains)
    if not args.no_write:
        write_section(section(chains, refs, args, ok))
    return 0 if ok else 1


def section(chains: list[Chain], refs: dict[str, Reference], args: argparse.Namespace, ok: bool) -> str:
    kills = [k for c in chains for k in c.kills]
    load = os.getloadavg()
    lines = [
        HEADING, "",
        f"Measured {date.today().isoformat()} with `make soak` (`python bench/soak.py --articles {args.articles} "
        f"--kills {args.kills} --seed {args.seed} --files-per-shard {args.files_per_shard}`), {os.cpu_count()} cores, "
        f"load average at the end {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} (1 / 5 / 15 min; the machine was shared). "
        f"{args.articles} generated fictional articles (seeded; one in ten a second outlet's verbatim copy) as `.txt` "
        "files with a manifest. Each mode: one uninterrupted run (the reference), then a chain of runs on a fresh "
        "output folder, each killed with SIGKILL (its whole process group) at a random point of a planned phase and "
        "started again, the last one left to finish. After each kill: `PRAGMA integrity_check`, articles stored before "
        "the kill still stored, no input stored twice. A kill is counted under the phase its run was in, read from the "
        "output folder at the kill (shards still unwritten, articles still unstored, or the corpus stages); a run that "
        "ends before its kill point has that kill planned again on the next run (a rerun redoes the corpus stages). "
        "At the end: every input stored once and `dossier.json` "
        "byte-for-byte equal (as sorted JSON) to the reference's.",
        "",
        "| mode | reference run | kills (phase at the kill: count) | runs (ended before their kill point) | lost | duplicated | integrity_check | articles at the end | dossier equal | chain time |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for c in chains:
        phases: dict[str, int] = {}
        for k in c.kills:  # counted by the phase the run was really in
            phases[k.observed] = phases.get(k.observed, 0) + 1
        lines.append(
            f"| {c.mode} | {refs[c.mode].seconds:.0f} s, {refs[c.mode].articles} articles | {len(c.kills)} ("
            + ", ".join(f"{p}: {n}" for p, n in phases.items()) + f") | {c.runs} ({c.missed}) | {sum(k.lost for k in c.kills)} | "
            f"{sum(k.duplicated for k in c.kills) + c.final_duplicated} | "
            f"{'ok' if all(k.integrity.startswith('ok') for k in c.kills) and c.final_integrity == 'ok' else 'FAILED'} | "
            f"{c.final_articles} | {'yes' if c.dossier_equal else 'NO'} | {c.seconds:.0f} s |")
    lines += [
        "",
        "Kill points (seconds into the run; articles stored just before and just after; parts mode: shards complete "
        "just before): " + "; ".join(
            f"{k.mode}/{k.observed}" + (f" (planned {k.phase})" if k.observed != k.phase else "") + f" {k.at_s} s {k.stored_before}→{k.stored_after}" +
            (f" ({k.shards_before} shards)" if k.mode == "parts" else "") for k in kills) + ".",
        "",
        f"Kills in their planned phase: {sum(k.observed == k.phase for k in kills)} of {len(kills)}. "
        f"Outcome: {'all checks held' if ok else 'a check FAILED (see the table)'}.",
        "", "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())
