"""The corpus stages of a normal run, timed: ``analyze``'s last step over a store (``make bench-corpus-local``).

A corpus (``demo``: examples/ with its manifest; ``seeds``: ../shared/seeds with its manifest;
``polnear``: N PolNeAR texts as ``bench_corpus_blocks.py`` builds them) is analysed into parts
once (kept in ``--work``). Then, in a fresh process per repeat: a new SQLite store, ``ingest_parts``,
and the corpus stages over the store, as ``analyze`` runs them — timed alone — and the dossier,
whose SHA-256 is printed so two versions of the code can be compared on the same parts.

``--tree DIR`` runs the timed step with another checkout's ``DIR/src`` on the path (for a before/after:
``git worktree add /tmp/before <commit>``); code from before the single corpus path (issue 12) runs its
in-process stages (``pipeline.corpus_pipeline``), code after it ``corpus.local.run_corpus_stages``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("HF_HUB_OFFLINE", "1")


def build_parts(corpus: str, work: Path, articles: int) -> Path:
    parts = work / corpus / "parts"
    if corpus == "polnear":
        from bench_corpus_blocks import build_parts as polnear_parts

        return polnear_parts(work / corpus, articles, 250, 1)
    from storyline.core.options import Options
    from storyline.core.pipeline import LocalExecutor
    from storyline.inputs.manifest import load_manifest
    from storyline.inputs.sources import expand
    from storyline.store.parts import write_parts

    inputs, manifest = {"demo": (ROOT / "examples", ROOT / "examples" / "manifest.csv"),
                        "seeds": (ROOT / ".." / "shared" / "seeds" / "articles", ROOT / ".." / "shared" / "seeds" / "manifest.jsonl")}[corpus]
    run = write_parts(list(expand([str(inputs)])), parts, Options(), LocalExecutor(1), load_manifest(manifest))
    if run.failed:
        raise SystemExit(f"shards failed: {run.failed}")
    return parts


def child(parts: Path, db: Path) -> dict:
    """One timed corpus step, with whatever ``storyline`` is on the path."""
    try:  # after issue 12
        from storyline.core.options import Options
        from storyline.corpus.local import run_corpus_stages
        from storyline.present.dossier import build_dossier
        from storyline.store.sqlite import Store

        def corpus_step(store, options):
            store.save_corpus(run_corpus_stages(store.corpus(), options))
    except ImportError:  # before: the in-process stages
        from storyline.dossier import build_dossier
        from storyline.pipeline import Options, corpus_pipeline
        from storyline.store import Store

        def corpus_step(store, options):
            for corpus in corpus_pipeline(options).run([store.corpus()]):
                store.save_corpus(corpus)

    db.unlink(missing_ok=True)
    with Store(db) as store:
        options = Options(embedding_cache=store)
        store.ingest_parts(parts)
        started = time.perf_counter()
        corpus_step(store, options)
        seconds = time.perf_counter() - started
        dossier = build_dossier(store)
    db.unlink(missing_ok=True)
    text = json.dumps(dossier, ensure_ascii=False, sort_keys=True)
    import storyline

    return {"code": str(Path(storyline.__file__).parents[1]), "seconds": seconds, "articles": len(dossier["articles"]), "claims": len(dossier["claims"]),
            "dossier_sha256": hashlib.sha256(text.encode("utf-8")).hexdigest()}


def one_run(parts: Path, tree: Path | None, python: str = sys.executable) -> dict:
    env = dict(os.environ)
    if tree is not None:
        env["PYTHONPATH"] = str(tree / "src")
    command = [python, __file__, "--child", str(parts)]
    done = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    if done.returncode != 0:
        raise SystemExit(done.stderr[-3000:])
    return json.loads(done.stdout.strip().splitlines()[-1])


def summary(runs: list[dict]) -> dict:
    hashes = {r["dossier_sha256"] for r in runs}
    return {"code": runs[0]["code"], "median_seconds": statistics.median(r["seconds"] for r in runs), "seconds": [round(r["seconds"], 2) for r in runs],
            "articles": runs[0]["articles"], "claims": runs[0]["claims"], "dossier_sha256": sorted(hashes)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("corpus", nargs="?", choices=["demo", "seeds", "polnear"], default="demo")
    parser.add_argument("--articles", type=int, default=1000, help="polnear: how many texts")
    parser.add_argument("--work", type=Path, default=ROOT / "out" / "bench_corpus_local")
    parser.add_argument("--tree", type=Path, help="time another checkout's code (its src/ on the path)")
    parser.add_argument("--compare", type=Path, help="also time this checkout's code, runs interleaved with ours")
    parser.add_argument("--compare-python", default=sys.executable,
                        help="the interpreter for --compare (one whose installed entry points match that checkout: "
                             "spaCy loads the storyline_statements factory by its module path)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--parts", type=Path, help="time over these parts (their complete shards) instead of building them")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.child.parent / "bench.db")))
        return
    parts = args.parts or build_parts(args.corpus, args.work, args.articles)
    ours, theirs = [], []
    for _ in range(args.repeats):  # interleaved, so both see the same machine load
        ours.append(one_run(parts, args.tree))
        if args.compare:
            theirs.append(one_run(parts, args.compare, args.compare_python))
    print(json.dumps({"corpus": args.corpus, "tree": str(args.tree or ROOT), **summary(ours)}))
    if args.compare:
        print(json.dumps({"corpus": args.corpus, "tree": str(args.compare), **summary(theirs)}))


if __name__ == "__main__":
    main()
