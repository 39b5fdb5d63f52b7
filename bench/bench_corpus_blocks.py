"""The corpus stages in blocks vs in one process (``make bench-corpus-blocks``).

PolNeAR texts (``../shared/datasets/polnear``) repeated to N articles, each
repeat lightly perturbed (as in ``bench_scale.py``), written as JSON Lines
files of ``--per-file`` articles and analysed into parts by 2 local workers
(kept in ``--work``: a rerun resumes). Then, each in a fresh process so the
peaks do not mix, on the first half of the shards and on all of them:

- **in one process**: ingest the parts into a fresh SQLite store, then the
  corpus stages over ``Store.corpus()`` (what ``ingest-parts`` does before
  writing the dossier): seconds and the process's peak RSS;
- **blocked**: ``blocks.run_corpus`` over the parts with ``--workers`` local
  worker processes: seconds, the driver's peak RSS, the workers' peak RSS,
  and each stage's summary (block counts, the largest block).

Writes "## Corpus stages in blocks" in docs/benchmarks.md (unless ``--no-write``).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
HEADING = "## Corpus stages in blocks"
os.environ.setdefault("HF_HUB_OFFLINE", "1")


def build_parts(work: Path, count: int, per_file: int, workers: int) -> Path:
    from bench_scale import polnear_docs

    from storyline.store.parts import write_parts
    from storyline.core.options import Options
    from storyline.core.pipeline import LocalExecutor

    inputs = work / "inputs"
    inputs.mkdir(parents=True, exist_ok=True)
    docs = polnear_docs(count)
    files = []
    for number, start in enumerate(range(0, count, per_file)):
        path = inputs / f"polnear-{number:05d}.jsonl"
        if not path.exists():
            rows = [{"source": d.source, "text": d.content} for d in docs[start : start + per_file]]
            path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
        files.append(str(path))
    options = Options()
    options.extra["files_per_shard"] = 1
    started = time.perf_counter()

    def log(task, outcome) -> None:
        print(f"{time.perf_counter() - started:7.0f} s  shard {task.number}: {outcome}", flush=True)

    run = write_parts(files, work / "parts", options, LocalExecutor(workers), on_shard=log)
    if run.failed:
        raise SystemExit(f"shards failed: {run.failed}")
    return work / "parts"


def half_of(parts: Path) -> Path:
    """A parts folder holding the first half of the shards (links to them)."""
    half = parts.parent / "half"
    half.mkdir(exist_ok=True)
    shards = sorted(p for p in parts.glob("shard=*") if p.is_dir())
    for shard in shards[: max(1, len(shards) // 2)]:
        link = half / shard.name
        if not link.exists():
            link.symlink_to(shard, target_is_directory=True)
    return half


# -- one measurement, in a child process ----------------------------------------


def in_one_process(parts: Path) -> dict:
    from storyline.core.options import Options
    from storyline.corpus.local import run_corpus_stages
    from storyline.store.sqlite import Store

    db = parts.parent / f"{parts.name}.db"
    db.unlink(missing_ok=True)
    started = time.perf_counter()
    options = Options()
    with Store(db) as store:
        options.embedding_cache = store
        store.ingest_parts(parts)
        ingested = time.perf_counter()
        corpus = run_corpus_stages(store.corpus(), options)  # what ingest-parts runs: the pass over one shard
    finished = time.perf_counter()
    db.unlink(missing_ok=True)
    return {"articles": len(corpus.articles), "statements": len(corpus.statements), "claims": len(corpus.claims),
            "ingest_seconds": ingested - started, "corpus_seconds": finished - ingested,
            "driver_peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def blocked(parts: Path, workers: int, caps: tuple[int, int] | None = None) -> dict:
    from storyline.corpus.blocks import OUTPUTS, BlockRun, read_rows, run_corpus
    from storyline.core.options import Options
    from storyline.core.pipeline import LocalExecutor

    options = Options()
    if caps:
        options.extra["claims_max_block"], options.extra["stories_max_block"] = caps
    # What the driver holds before any work: the interpreter and the libraries the stages import.
    imports_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    started = time.perf_counter()
    summaries = run_corpus(parts, LocalExecutor(workers), options)
    seconds = time.perf_counter() - started
    work = parts / "_corpus"
    return {"articles": BlockRun(parts, LocalExecutor(1), Options()).articles, "corpus_seconds": seconds,
            "driver_imports_mb": imports_mb,
            "driver_peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "worker_peak_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, "stages": summaries,
            "claim_of": {r["id"]: r["claim"] for r in read_rows(work / OUTPUTS["statement_claims"]) if r["claim"]},
            "story_of": {a: story["id"] for story in read_rows(work / OUTPUTS["stories"]) for a in story["articles"]}}


def pair_agreement(found: dict[str, str], reference: dict[str, str]) -> dict[str, float]:
    """Pairwise precision/recall/F1 of ``found`` against ``reference`` (item -> group), over the
    items both place, counted from the contingency table (no pair list)."""
    from collections import Counter

    items = found.keys() & reference.keys()
    pairs = lambda counts: sum(n * (n - 1) // 2 for n in counts.values())  # noqa: E731
    both = pairs(Counter((found[i], reference[i]) for i in items))
    in_found, in_reference = pairs(Counter(found[i] for i in items)), pairs(Counter(reference[i] for i in items))
    precision = both / in_found if in_found else 1.0
    recall = both / in_reference if in_reference else 1.0
    return {"precision": precision, "recall": recall,
            "f1": 2 * precision * recall / (precision + recall) if precision + recall else 0.0}


def measure(mode: str, parts: Path, workers: int, caps: tuple[int, int] | None = None) -> dict:
    """Run one mode in a fresh interpreter: its peak RSS is its own."""
    command = [sys.executable, __file__, "--child", mode, "--parts", str(parts), "--workers", str(workers)]
    if caps:
        command += ["--caps", f"{caps[0]},{caps[1]}"]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{mode} on {parts} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def section(rows: list[tuple[str, dict, dict]], capped: dict, caps: tuple[int, int], workers: int, count: int) -> str:
    lines = [
        HEADING, "",
        f"Measured {date.today().isoformat()} with `python bench/bench_corpus_blocks.py --articles {count} "
        f"--workers {workers}` on this 2-core machine: PolNeAR texts repeated with a light perturbation, analysed "
        "into parts, then the corpus stages (entities, timeline, syndication, claims, stories) run either in one "
        "process over the ingested store (what `ingest-parts` does) or as block tasks over the parts "
        f"(`storyline corpus-parts`, {workers} local worker processes). Each mode ran in a fresh process.", "",
        "| corpus | mode | seconds | driver peak MB | worker peak MB |", "|---|---|---:|---:|---:|",
    ]
    for label, one, split in rows:
        lines.append(f"| {label} | in one process (ingest + stages) | {one['ingest_seconds'] + one['corpus_seconds']:.1f} "
                     f"| {one['driver_peak_mb']:.0f} | - |")
        lines.append(f"| {label} | blocked | {split['corpus_seconds']:.1f} | {split['driver_peak_mb']:.0f} "
                     f"| {split['worker_peak_mb']:.0f} |")
        lines.append(f"| {label} | blocked, blocks capped at {caps[0]:,} claim units / {caps[1]:,} articles "
                     f"| {capped[label]['corpus_seconds']:.1f} | {capped[label]['driver_peak_mb']:.0f} "
                     f"| {capped[label]['worker_peak_mb']:.0f} |")
    full, capped_full = rows[-1][2], capped[rows[-1][0]]
    lines += ["", f"The blocked driver's peak includes {full['driver_imports_mb']:.0f} MB of interpreter and libraries "
              "before any work.", "",
              "What each blocked stage reported on the full corpus (blocks, largest block, what the driver held):", ""]
    for stage, summary in full["stages"].items():
        lines.append(f"- `{stage}`: {json.dumps(summary, sort_keys=True)}")
    lines += ["", f"With the caps ({caps[0]:,} units, {caps[1]:,} articles per task):", ""]
    for stage in ("claims", "stories"):
        lines.append(f"- `{stage}`: {json.dumps(capped_full['stages'][stage], sort_keys=True)}")
    for name, key in (("claims (statement -> main claim)", "claim_of"), ("stories (article -> story)", "story_of")):
        agreement = pair_agreement(capped_full[key], full[key])
        lines.append(f"- agreement of the capped run's {name} with the uncapped run's, pairwise over the items "
                     f"both place: P {agreement['precision']:.3f} R {agreement['recall']:.3f} F1 {agreement['f1']:.3f}")
    lines += ["", "Uncapped, blocks are whole components and the lists equal the one-process stages' (tested); the "
              "caps trade that for bounded tasks (`blocks.cut_to_fit`). The shipped caps (100,000 claim units, "
              "50,000 articles) leave this corpus uncut."]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--per-file", type=int, default=250)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--work", type=Path, default=ROOT / "out" / "bench_corpus_blocks")
    parser.add_argument("--parts-only", action="store_true", help="build the parts and stop")
    parser.add_argument("--no-write", action="store_true", help="print the section, leave docs/benchmarks.md alone")
    parser.add_argument("--caps", default="5000,200", help="claim units,articles per task for the capped blocked run")
    parser.add_argument("--child", choices=["one", "blocked"], help=argparse.SUPPRESS)
    parser.add_argument("--parts", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    caps = tuple(int(x) for x in args.caps.split(","))
    if args.child:
        result = in_one_process(args.parts) if args.child == "one" else blocked(args.parts, args.workers, caps)
        print(json.dumps(result, default=str))
        return
    parts = build_parts(args.work, args.articles, args.per_file, args.workers)
    if args.parts_only:
        return
    rows, capped = [], {}
    no_caps = (0, 0)  # 0: no cap, blocks are whole components
    for label, folder in ((f"{args.articles // 2} articles", half_of(parts)), (f"{args.articles} articles", parts)):
        one = measure("one", folder, args.workers)
        split = measure("blocked", folder, args.workers, no_caps)
        capped[label] = measure("blocked", folder, args.workers, caps)
        print(label, json.dumps(one), json.dumps(split["stages"], default=str), flush=True)
        rows.append((label, one, split))
    text = section(rows, capped, caps, args.workers, args.articles)
    print(text)
    if not args.no_write:
        from storyline.eval.benchdoc import write_section

        write_section(text)


if __name__ == "__main__":
    main()
