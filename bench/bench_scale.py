"""Scaling of the per-article stages over Dask workers (``make bench-scale``).

1. Throughput (articles/s) of the per-article pipeline on the same N
   articles with 1 and with 2 Dask worker processes (a ``LocalCluster``,
   one thread each). The articles are PolNeAR texts
   (``../shared/datasets/polnear``) repeated, each repeat lightly perturbed
   (one sentence appended naming the copy) so no two inputs share a hash.
   Workers are warmed up first (models loaded), so this is steady-state
   throughput; results stream back to this process in input order.
2. A synthetic large run in parts mode (``analyze --parts``): M generated
   wire-style articles in JSON Lines files of ``--per-file`` articles, one
   shard each; 2 Dask workers read their shards themselves and write
   Parquet parts with ``_SUCCESS`` markers (``storyline.store.parts``); then the
   driver ingests the parts into a fresh SQLite store. Corpus stages
   excluded. Wall time, articles/s, peak memory (max RSS) of each worker
   and of the driver, parts size. ``--work DIR`` keeps inputs and parts, so
   a killed run resumes: complete shards are skipped and reported as such.

Writes "## Scaling" (throughput, unless ``--articles 0``) and "## Scaling:
synthetic parts run" in docs/benchmarks.md (unless ``--no-write``).
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from storyline.eval.benchdoc import write_section

ROOT = Path(__file__).resolve().parents[1]
POLNEAR = ROOT.parent / "shared" / "datasets" / "polnear"
HEADING = "## Scaling"
PARTS_HEADING = "## Scaling: synthetic parts run"
DRIVER_HEADING = "## Scaling: what the driver still holds"
os.environ.setdefault("HF_HUB_OFFLINE", "1")


def polnear_docs(count: int) -> list:
    from storyline.core.records import RawDoc

    files = sorted((POLNEAR / "train" / "text").glob("*.txt")) + sorted((POLNEAR / "dev" / "text").glob("*.txt"))
    texts = [(f.name, f.read_text(encoding="utf-8")) for f in files]
    docs = []
    for n in range(count):
        name, text = texts[n % len(texts)]
        copy = n // len(texts)
        if copy:  # a light perturbation so every input hashes differently
            text = f"{text.rstrip()}\n\nThis is revision {copy} of the report."
        docs.append(RawDoc(source=f"polnear/{name}#{copy}", content=text, fmt="text"))
    return docs


FIRST = ["Mira", "Tomas", "Elena", "Joris", "Ines", "Piet", "Anya", "Karel", "Lotte", "Bram"]
LAST = ["Varga", "Reyl", "Veldt", "Adebayo", "Mandel", "Oster", "Kade", "Linden", "Sorel", "Haas"]
PLACES = ["Saltmere", "Dunmore", "Brenholt", "Lanport", "Oster", "Vell", "Northgate", "Tidewater"]
TOPICS = ["the harbour", "the water tariff", "the new bridge", "the rail link", "the school budget", "the ferry line"]


def synthetic_docs(count: int, seed: int = 7, first: int = 0) -> list:
    """Fictional wire-style articles (~150 words): a lead, two attributed statements, a date, numbers."""
    from storyline.core.records import RawDoc

    rng = random.Random(seed)
    docs = []
    for n in range(first, first + count):
        who, other = (f"{rng.choice(FIRST)} {rng.choice(LAST)}" for _ in range(2))
        place, topic = rng.choice(PLACES), rng.choice(TOPICS)
        amount, day = rng.randint(2, 90), rng.choice(["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"])
        text = (
            f"Officials in {place} said on {day} that work on {topic} would cost {amount} million crowns, "
            f"about {rng.randint(5, 40)} percent more than planned last year.\n\n"
            f'"We will not let {topic} fall behind again," mayor {who} told reporters at the town hall. '
            f"{who} said a decision on funding was expected by {rng.choice(['March', 'June', 'October'])}.\n\n"
            f"Opposition councillor {other} said the plan had been rushed and that residents of {place} "
            f"had not been consulted. A vote is scheduled for next week, according to the council.\n\n"
            f"Report {n}: the council has met {rng.randint(3, 30)} times on the matter since {rng.randint(2015, 2023)}."
        )
        docs.append(RawDoc(source=f"synthetic/{n}", content=text, fmt="text"))
    return docs


def cluster(workers: int):
    from dask.distributed import Client, LocalCluster

    local = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None)
    return local, Client(local)


def warm_up(client, pipeline, sample) -> None:
    """Build the pipeline (load the models) in every worker before the clock starts."""
    from storyline.core.executors import run_batch_on_worker

    names, options = pipeline.portable()
    client.run(run_batch_on_worker, names, options, [sample])


def worker_cpu_seconds(client) -> list[float]:
    """CPU time each worker process has used so far (user + system)."""
    used = client.run(lambda: sum(os.times()[:2]))
    return [used[address] for address in sorted(used)]


def worker_peaks_mb(client) -> list[float]:
    peaks = client.run(lambda: resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    return [peaks[address] for address in sorted(peaks)]


def throughput(docs: list, workers: int, batch_size: int) -> dict:
    from storyline.core.executors import DaskExecutor
    from storyline.core.options import Options
    from storyline.core.pipeline import per_article_pipeline

    pipeline = per_article_pipeline(Options())
    local, client = cluster(workers)
    try:
        warm_up(client, pipeline, docs[0])
        cpu_before, load = worker_cpu_seconds(client), os.getloadavg()[0]
        start = time.perf_counter()
        count = sum(1 for _ in DaskExecutor(workers, batch_size, client=client).run(pipeline, docs))
        seconds = time.perf_counter() - start
        cpu = [after - before for after, before in zip(worker_cpu_seconds(client), cpu_before)]
        peaks = worker_peaks_mb(client)
    finally:
        client.close()
        local.close()
    return {"workers": workers, "articles": count, "seconds": seconds, "rate": count / seconds, "worker_peak_mb": peaks,
            "cpu_share": [c / seconds for c in cpu], "cpu_rate": count / sum(cpu), "load_before": load,
            "load_after": os.getloadavg()[0]}


def write_synthetic_inputs(folder: Path, count: int, per_file: int) -> list[str]:
    """The synthetic articles as JSON Lines files (kept when present, so a resumed run sees the same inputs)."""
    import json

    folder.mkdir(parents=True, exist_ok=True)
    files = []
    for number, start in enumerate(range(0, count, per_file)):
        path = folder / f"synthetic-{number:05d}.jsonl"
        if not path.exists():
            docs = synthetic_docs(min(per_file, count - start), seed=7 + number, first=start)
            lines = [json.dumps({"source": d.source, "text": d.content}, ensure_ascii=False) for d in docs]
            path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        files.append(str(path))
    return files


def folder_mb(folder: Path) -> float:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 2**20


def parts_run(count: int, per_file: int, workers: int, work: Path) -> dict:
    """The synthetic articles through ``write_parts`` on Dask workers, then ingested into SQLite."""
    from storyline.core.executors import DaskExecutor
    from storyline.store.parts import write_parts
    from storyline.core.options import Options
    from storyline.core.pipeline import per_article_pipeline
    from storyline.store.sqlite import Store

    files = write_synthetic_inputs(work / "inputs", count, per_file)
    options = Options()
    options.extra["files_per_shard"] = 1
    pipeline = per_article_pipeline(options)
    local, client = cluster(workers)
    progress = {"shards": 0, "articles": 0}
    try:
        warm_up(client, pipeline, synthetic_docs(1)[0])
        cpu_before, load = worker_cpu_seconds(client), os.getloadavg()[0]
        start = time.perf_counter()

        def log(task, outcome) -> None:
            progress["shards"] += 1
            progress["articles"] += outcome["articles"] if isinstance(outcome, dict) else 0
            elapsed = time.perf_counter() - start
            print(f"{elapsed:8.0f} s  shards {progress['shards']:4d}  articles {progress['articles']:7d}  "
                  f"{progress['articles'] / elapsed:6.1f}/s  {outcome if not isinstance(outcome, dict) else ''}",
                  flush=True)

        run = write_parts(files, work / "parts", options, DaskExecutor(workers, client=client), on_shard=log)
        seconds = time.perf_counter() - start
        cpu = [after - before for after, before in zip(worker_cpu_seconds(client), cpu_before)]
        peaks = worker_peaks_mb(client)
        load_after = os.getloadavg()[0]
    finally:
        client.close()
        local.close()
    driver_parts = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    store_path = work / "store.db"
    store_path.unlink(missing_ok=True)
    ingest_start = time.perf_counter()
    with Store(store_path) as store:
        ingested = store.ingest_parts(work / "parts")
    ingest_seconds = time.perf_counter() - ingest_start
    written = run.articles
    return {"articles": count, "written_articles": written, "shards": run.shards, "written": len(run.written),
            "already_done": run.already_done, "failed": len(run.failed), "seconds": seconds,
            "rate": written / seconds if seconds else 0.0, "worker_peak_mb": peaks, "cpu_share": [c / seconds for c in cpu],
            "load_before": load, "load_after": load_after, "driver_peak_mb": driver_parts,
            "parts_mb": folder_mb(work / "parts"), "inputs_mb": folder_mb(work / "inputs"),
            "ingested": ingested.added, "ingest_seconds": ingest_seconds,
            "driver_peak_after_ingest_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "db_mb": store_path.stat().st_size / 2**20, "per_file": per_file, "niceness": os.nice(0)}


def driver_costs(store_path: Path, sample: int = 1000) -> dict:
    """What the corpus stages cost the driver today on a store: loading the whole corpus
    (``Store.corpus``), and indexing every stored MinHash signature for syndication, with the
    number of LSH candidates per article (each is re-shingled and checked exactly)."""
    from datasketch import MinHashLSH

    from storyline.store.sqlite import Store
    from storyline.article.signature import NUM_PERM, lean
    from storyline.corpus.syndication import LSH_THRESHOLD

    with Store(store_path) as store:
        start = time.perf_counter()
        corpus = store.corpus()
        load_seconds, load_peak = time.perf_counter() - start, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    signatures = [(a.id, lean(a.minhash[1])) for a in corpus.articles if a.minhash]
    start = time.perf_counter()
    lsh = MinHashLSH(threshold=LSH_THRESHOLD, num_perm=NUM_PERM)
    for key, signature in signatures:
        lsh.insert(key, signature)
    index_seconds = time.perf_counter() - start
    candidates = [len(lsh.query(signature)) - 1 for _, signature in signatures[:sample]]
    return {"articles": len(corpus.articles), "load_seconds": load_seconds, "load_peak_mb": load_peak,
            "signatures": len(signatures), "index_seconds": index_seconds,
            "index_peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "sample": len(candidates), "mean_candidates": sum(candidates) / max(1, len(candidates)),
            "max_candidates": max(candidates, default=0)}


def driver_section(costs: dict) -> str:
    return "\n".join([
        DRIVER_HEADING,
        "",
        f"Measured {date.today().isoformat()} with `python bench/bench_scale.py --articles 0 --synthetic 0 "
        "--driver-costs WORK/store.db` (also the last step of the synthetic parts run) on the store that run ingested "
        f"({costs['articles']:,} articles). The corpus stages still run in the driver; this is what two of their "
        "inputs cost there:",
        "",
        "| step | seconds | driver peak memory (MB) |",
        "|---|---:|---:|",
        f"| `Store.corpus()`: every article with body and findings in one process | {costs['load_seconds']:.1f} "
        f"| {costs['load_peak_mb']:.0f} |",
        f"| one `MinHashLSH` index over {costs['signatures']:,} stored signatures (computed in the workers) "
        f"| {costs['index_seconds']:.1f} | {costs['index_peak_mb']:.0f} |",
        "",
        f"LSH candidates per article (first {costs['sample']:,} articles, threshold 0.4): mean "
        f"{costs['mean_candidates']:,.0f}, max {costs['max_candidates']:,}. The synthetic articles share one "
        "template, so most of their 5-word shingles are the same and LSH proposes a large part of the corpus as "
        "candidate copies of each article; checking them exactly would be quadratic, so the syndication stage was "
        "not run on this corpus. How real corpora of this size behave was not measured here; the number shows "
        "what a template-heavy source does to the driver-side check.",
        "",
    ])


def section(n: int, runs: list[dict], load: tuple[float, float, float], batch_size: int) -> str:
    one, two = sorted(runs, key=lambda r: r["workers"])
    speedup = two["rate"] / one["rate"]
    lines = [
        HEADING,
        "",
        f"Measured {date.today().isoformat()} with `make bench-scale` (`python bench/bench_scale.py "
        f"--articles {n}`), {os.cpu_count()} cores shared with other "
        f"engineers' jobs (load average before the run: {load[0]:.2f} / {load[1]:.2f} / {load[2]:.2f}). "
        f"Dask `LocalCluster`, one thread per worker process, batches of {batch_size}; "
        "workers warmed up (models loaded) before timing; per-article stages only "
        "(`pipeline.PER_ARTICLE_STAGES`: extract, parse, statements, times, events, MinHash signature, "
        "sentence embedding), results streamed back in input order.",
        "",
        f"Throughput on {n} PolNeAR texts (924 distinct, repeated with one appended sentence so hashes differ):",
        "",
        "| workers | articles | seconds | articles/s | articles per worker CPU-second | CPU share each worker got | load avg (1 min) before / after | peak memory per worker (MB) |",
        "|---:|---:|---:|---:|---:|---|---|---|",
    ]
    for run in sorted(runs, key=lambda r: r["workers"]):
        peaks = ", ".join(f"{p:.0f}" for p in run["worker_peak_mb"])
        shares = ", ".join(f"{s:.0%}" for s in run["cpu_share"])
        lines.append(
            f"| {run['workers']} | {run['articles']} | {run['seconds']:.1f} | {run['rate']:.2f} | {run['cpu_rate']:.2f} "
            f"| {shares} | {run['load_before']:.2f} / {run['load_after']:.2f} | {peaks} |"
        )
    lines += [
        "",
        f"Speed-up of 2 workers over 1: **{speedup:.2f}x** (scaling efficiency {speedup / 2:.0%}; target 1.6x). "
        "\"CPU share\" is the CPU time a worker used divided by wall time: below ~95% the worker waited "
        "for a core (the machine is shared), which the executor cannot fix; \"articles per worker CPU-second\" "
        "staying level from 1 to 2 workers shows the executor adds no per-article overhead.",
    ]
    return "\n".join(lines) + "\n"


def parts_section(run: dict) -> str:
    peaks = ", ".join(f"{p:.0f}" for p in run["worker_peak_mb"])
    shares = ", ".join(f"{s:.0%}" for s in run["cpu_share"])
    niced = f", under `nice -n {run['niceness']}`" if run["niceness"] else ""
    resumed = (f" {run['already_done']} of the {run['shards']} shards were already complete from an earlier, "
               "killed attempt and were skipped; the time and rate cover the rest." if run["already_done"] else "")
    return "\n".join([
        PARTS_HEADING,
        "",
        f"Measured {date.today().isoformat()} with `python bench/bench_scale.py --articles 0 --synthetic "
        f"{run['articles']} --per-file {run['per_file']}` (part of `make bench-scale`)"
        f"{niced}, "
        f"on {os.cpu_count()} cores shared with another engineer's jobs (load average 1 min before / after: "
        f"{run['load_before']:.2f} / {run['load_after']:.2f}).",
        "",
        f"{run['articles']:,} generated wire-style articles (~150 words, two attributed statements, dates) in JSON Lines "
        f"files of {run['per_file']}, one shard per file ({run['shards']} shards). `storyline.store.parts.write_parts` on a Dask "
        "`LocalCluster` of 2 single-threaded workers: each worker reads its shard file itself, runs the per-article "
        "stages (extract, parse, statements, times, events, MinHash signature) and writes the shard's Parquet tables "
        "and `_SUCCESS`; only a summary comes back to the driver. Corpus stages are not included." + resumed,
        "",
        "| quantity | value |",
        "|---|---:|",
        f"| shards written / already complete / failed | {run['written']} / {run['already_done']} / {run['failed']} |",
        f"| articles written | {run['written_articles']:,} |",
        f"| wall time | {run['seconds']:.0f} s ({run['seconds'] / 60:.1f} min) |",
        f"| throughput | {run['rate']:.1f} articles/s |",
        f"| CPU share each worker got | {shares} |",
        f"| peak memory per worker (max RSS) | {peaks} MB |",
        f"| peak memory of the driver while the parts were written | {run['driver_peak_mb']:.0f} MB |",
        f"| inputs (JSON Lines) / parts (Parquet) on disk | {run['inputs_mb']:.0f} MB / {run['parts_mb']:.0f} MB |",
        f"| ingesting the parts into a fresh SQLite store (driver, one transaction per shard) | "
        f"{run['ingested']:,} articles in {run['ingest_seconds']:.0f} s; store {run['db_mb']:.0f} MB; "
        f"driver peak {run['driver_peak_after_ingest_mb']:.0f} MB |",
        "",
    ])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--articles", type=int, default=2000, help="PolNeAR-based articles for the throughput runs (0: skip)")
    parser.add_argument("--synthetic", type=int, default=100_000, help="articles in the synthetic parts run (0: skip)")
    parser.add_argument("--per-file", type=int, default=500, help="synthetic articles per JSON Lines file (= per shard)")
    parser.add_argument("--work", type=Path, default=None, help="keep inputs and parts here (a rerun resumes); default: a temporary folder")
    parser.add_argument("--driver-costs", type=Path, default=None,
                        help="a store (e.g. WORK/store.db of a parts run): time the driver-side corpus inputs on it")
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--no-write", action="store_true", help="print the sections, leave docs/benchmarks.md alone")
    args = parser.parse_args()
    if args.articles:
        if not POLNEAR.exists():
            sys.exit(f"{POLNEAR} not found: the throughput runs need the PolNeAR texts")
        load = os.getloadavg()
        docs = polnear_docs(args.articles)
        runs = []
        for workers in (2, 1):
            runs.append(throughput(docs, workers, args.batch_size))
            print(runs[-1], flush=True)
        text = section(args.articles, runs, load, args.batch_size)
        print(text)
        if not args.no_write:
            write_section(text)
    if args.driver_costs:
        costs = driver_costs(args.driver_costs)
        print(costs, flush=True)
        text = driver_section(costs)
        print(text)
        if not args.no_write:
            write_section(text)
    if args.synthetic:
        with tempfile.TemporaryDirectory() as temporary:
            work = args.work or Path(temporary)
            run = parts_run(args.synthetic, args.per_file, 2, work)
            print(run, flush=True)
            texts = [parts_section(run), driver_section(driver_costs(work / "store.db"))]
        for text in texts:
            print(text)
            if not args.no_write:
                write_section(text)


if __name__ == "__main__":
    main()
