"""Load on ``storyline serve``: 200 concurrent search requests over loopback (``make bench-serve``).

1. Analyses ``examples/`` into a temporary folder, then builds a larger store
   from it by repeating its articles and statements ``--copies`` times (each
   copy a distinct article), so search runs over a store of realistic size.
2. Starts a real ``storyline serve`` on 127.0.0.1 on a free port.
3. Sends ``--requests`` search requests at once (``/api/search``, questions
   built from the store's speakers and claim words), each with a timeout, the
   whole burst bounded in time, then stops the server.
4. Writes errors and p50/p95 latency into docs/benchmarks.md under
   "## Web app load" (``--no-write`` only prints).

Loopback only: the host is fixed to 127.0.0.1.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import date
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import httpx

from storyline.core.records import Article, Comment, Corpus
from storyline.store.sqlite import Store

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_throughput import write_section  # noqa: E402  (same folder)

ROOT = Path(__file__).resolve().parents[1]
HEADING = "## Web app load"
HOST = "127.0.0.1"
REQUEST_TIMEOUT = 30.0
BURST_TIMEOUT = 120.0


def analyse_examples(out: Path) -> dict:
    subprocess.run(
        [sys.executable, "-m", "storyline", "analyze", str(ROOT / "examples"), "--manifest",
         str(ROOT / "examples" / "manifest.csv"), "--out", str(out), "--quiet"],
        check=True,
    )
    return json.loads((out / "dossier.json").read_text(encoding="utf-8"))


def scaled_store(dossier: dict, copies: int, path: Path) -> dict[str, int]:
    """A store holding ``copies`` of every article (bodies made distinct) with their statements."""
    statements = []
    with Store(path) as store:
        articles = []
        for copy in range(copies):
            for item in dossier["articles"]:
                body = f"{item['body']}\n\n(copy {copy})"  # distinct content; offsets into the body still hold
                article = Article(
                    source=f"{copy}-{item['source']}", input_hash=f"bench-{copy}-{item['id']}",
                    content_hash=f"bench-{copy}-{item['id']}", body=body, title=item["title"], outlet=item["outlet"],
                    published=item["published"], published_from=item["published_from"], author=item["author"],
                    url=item["url"], comments=[Comment(**c) for c in item["comments"]],
                )
                old_id = item["id"]
                new_id = store.add_article(article)
                articles.append(article)
                statements.extend(
                    {**s, "id": f"{s['id']}-{copy}", "article": new_id} for s in dossier["statements"] if s["article"] == old_id
                )
        store.save_corpus(Corpus(articles=articles, entities=dossier["entities"], statements=statements,
                                 events=dossier["events"], claims=[], stories=[]))
    return {"articles": len(articles), "statements": len(statements)}


def questions(dossier: dict) -> list[str]:
    speakers = [e["name"] for e in dossier["entities"] if e["kind"] == "person"][:6] or ["the minister"]
    topics = [w for c in dossier["claims"] for w in c["label"].split() if len(w) > 5][:8] or ["summit", "talks"]
    return [f"what did {speaker} say about {topic}" for speaker in speakers for topic in topics]


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def start_server(db: Path, port: int) -> subprocess.Popen:
    process = subprocess.Popen(
        [sys.executable, "-m", "storyline", "serve", "--db", str(db), "--host", HOST, "--port", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            # /openapi.json reads nothing from the store: the memory measured is what searches need.
            if httpx.get(f"http://{HOST}:{port}/openapi.json", timeout=2).status_code == 200:
                return process
        except httpx.HTTPError:
            time.sleep(0.2)
    process.terminate()
    raise RuntimeError("serve did not start within 60 s")


def burst(base: str, queries: list[str], count: int) -> tuple[list[float], list[str], float]:
    """``count`` requests at once: one thread and one connection each, released together by a barrier.

    The standard library's ``http.client`` is the client (threads block in socket calls without
    the GIL), so the client's own work adds little to the latencies measured (an asyncio ``httpx``
    client spent 10 ms of CPU a request, as much as the server).
    """
    host, port = urlsplit(base).hostname, urlsplit(base).port
    gate = threading.Barrier(count)

    def one(index: int) -> tuple[float, str | None]:
        path = "/api/search?" + urlencode({"q": queries[index % len(queries)], "per_page": 20})
        connection = http.client.HTTPConnection(host, port, timeout=REQUEST_TIMEOUT)
        try:
            connection.connect()
            gate.wait(timeout=BURST_TIMEOUT)
            started = time.perf_counter()
            error = None
            try:
                connection.request("GET", path)
                response = connection.getresponse()
                if response.status != 200 or "items" not in json.loads(response.read()):
                    error = f"HTTP {response.status}"
            except (OSError, http.client.HTTPException, ValueError) as failure:
                error = type(failure).__name__
            return time.perf_counter() - started, error
        finally:
            connection.close()

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=count) as pool:
        results = list(pool.map(one, range(count), timeout=BURST_TIMEOUT))
    wall = time.perf_counter() - started
    return [latency for latency, _ in results], [error for _, error in results if error], wall


def percentile(values: list[float], share: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(share * 100) - 1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200, help="concurrent search requests (at most 1000)")
    parser.add_argument("--copies", type=int, nargs="+", default=[200, 2000],
                        help="copies of the examples' articles in the store, one measurement each (5 articles a copy)")
    parser.add_argument("--no-write", action="store_true", help="print, leave docs/benchmarks.md alone")
    args = parser.parse_args()
    count = min(args.requests, 1000)
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        dossier = analyse_examples(Path(tmp) / "examples")
        for copies in args.copies:
            results.append({"copies": copies, **measure(dossier, copies, count, Path(tmp) / f"load{copies}.db")})
            print(json.dumps(results[-1]), flush=True)
    if not args.no_write:
        write_section(section(results, args))
    return 0 if not any(r["errors"] for r in results) else 1


def peak_rss_mb(pid: int) -> float:
    """The process's peak resident memory (Linux /proc), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    return float("nan")


def measure(dossier: dict, copies: int, count: int, db: Path) -> dict:
    size = scaled_store(dossier, copies, db)
    port = free_port()
    server = start_server(db, port)
    try:
        httpx.get(f"http://{HOST}:{port}/api/search", params={"q": "warm up"}, timeout=REQUEST_TIMEOUT)
        latencies, errors, wall = burst(f"http://{HOST}:{port}", questions(dossier), count)
        peak = peak_rss_mb(server.pid)
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:  # still answering an abandoned burst
            server.kill()
            server.wait()
    load = os.getloadavg()[0]  # the machine may be shared: say how busy it was
    ms = [1000 * v for v in latencies]
    return {"requests": count, "errors": len(errors), "p50_ms": round(percentile(ms, 0.50), 1),
            "p95_ms": round(percentile(ms, 0.95), 1), "max_ms": round(max(ms), 1), "wall_s": round(wall, 2),
            "load_1min": round(load, 1), "server_peak_mb": peak, "distinct": len(set(questions(dossier))), **size}


def section(results: list[dict], args: argparse.Namespace) -> str:
    return "\n".join([
        HEADING,
        "",
        f"Measured {date.today().isoformat()} with `make bench-serve` (`python bench/bench_serve_load.py "
        f"--requests {args.requests} --copies {' '.join(map(str, args.copies))}`), {os.cpu_count()} cores (the "
        "machine was shared: load average at the end of each run below). A real `storyline serve` (one uvicorn "
        "process, FastAPI's thread pool, one read-only SQLite connection per thread) on 127.0.0.1 over a store "
        "of the analysed `examples/` repeated COPIES times; "
        f"{args.requests} `/api/search` requests (\"what did SPEAKER say about TOPIC\", "
        f"{results[0]['distinct']} distinct questions, 20 hits a page) sent at once, one thread and one "
        "connection each (`http.client`, released by a barrier), after one warm-up request. `/api/search` is "
        "answered by SQLite page by page (`storyline/store/pages.py`) in FastAPI's thread pool; each answer is "
        "encoded once per question and store generation (`storyline/store/view.py`), and a question asked "
        "again, or still being answered, waits for that answer in the event loop without a pool thread. "
        "uvicorn parses HTTP with httptools. Server peak memory is the process's VmHWM after the burst.",
        "",
        "| articles | statements | requests | errors | p50 latency | p95 latency | max latency | whole burst | server peak memory | load |",
        "|---|---|---|---|---|---|---|---|---|---|",
        *[f"| {r['articles']} | {r['statements']} | {r['requests']} | {r['errors']} | {r['p50_ms']} ms | "
          f"{r['p95_ms']} ms | {r['max_ms']} ms | {r['wall_s']} s | {r['server_peak_mb']} MB | {r['load_1min']} |"
          for r in results],
        "",
        "Latency is per request from send to parsed answer, so it includes waiting behind the other requests "
        "of the burst. Every question of this store matches most of it (the same five articles repeated), so "
        "the first answer to each of the distinct questions ranks tens of thousands of rows (FTS5 bm25) and "
        "those first answers are most of the burst's time.",
        "",
        "",
    ])


if __name__ == "__main__":
    raise SystemExit(main())
