"""Where a whole ``analyze`` run spends its time: cProfile over N PolNeAR texts (issue #17).

One process, models loaded before the profile starts (as ``bench_throughput`` excludes loading).
Writes "## Profile of a whole analyze run" in docs/benchmarks.md (unless ``--no-write``): the
run's parts by cumulative time (storyline's own functions, the ones a reader can act on) and the
library calls that take the most time themselves.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import sys
import tempfile
from datetime import date
from pathlib import Path

from storyline.eval.benchdoc import write_section

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_throughput import POLNEAR, texts  # noqa: E402

HEADING = "## Profile of a whole analyze run"

# Functions that say which part of the run the time went to (cumulative time). Not the stages'
# ``run`` methods: they are chained generators, so each one's cumulative time holds the stages before it.
PARTS = {
    ("storyline/analyze.py", "add_documents"): "per-article stages and store writes",
    ("spacy/language.py", "pipe"): "  spaCy `nlp.pipe` (parse stage; claim units' tagging)",
    ("storyline/article/statements.py", "find_statements"): "  statements",
    ("storyline/article/times.py", "tag"): "  times",
    ("storyline/article/events.py", "find_events"): "  events",
    ("storyline/article/embed.py", "encode"): "  MiniLM (`embed.encode`, batched by token length)",
    ("storyline/store/sqlite.py", "add_article"): "  store writes",
    ("storyline/analyze.py", "finish_run"): "corpus stages, dossier and report",
    ("storyline/corpus/local.py", "run_corpus_stages"): "  corpus stages",
    ("storyline/corpus/claims.py", "blocked_claims"): "    claims",
    ("storyline/corpus/pairmodel.py", "score_both_ways"): "      pair model (both orders)",
    ("storyline/corpus/stories.py", "blocked_stories"): "    stories",
    ("storyline/present/dossier.py", "build_dossier"): "  dossier",
    ("storyline/present/report.py", "write_report"): "  report",
}


def profile(limit: int) -> pstats.Stats:
    from storyline.analyze import analyze
    from storyline.article.embed import load_model
    from storyline.article.parse import load_nlp
    from storyline.core.options import Options

    load_nlp()
    load_model()
    profiler = cProfile.Profile()
    with tempfile.TemporaryDirectory() as out:
        profiler.enable()
        analyze([str(p) for p in texts(limit)], out, Options())
        profiler.disable()
    return pstats.Stats(profiler)


def section(limit: int, stats: pstats.Stats) -> str:
    rows = stats.stats  # {(file, line, name): (calls, primitive calls, tottime, cumtime, callers)}
    total = max(entry[3] for entry in rows.values())
    lines = [
        HEADING,
        "",
        f"Measured {date.today().isoformat()} with `python bench/bench_profile.py --limit {limit}`: cProfile over "
        f"a whole `analyze` (fresh store) of {limit} PolNeAR texts, one process, {os.cpu_count()} cores, models "
        f"loaded before. Load average when it started: {os.getloadavg()[0]:.1f}. cProfile slows Python code "
        "more than the native calls, so shares are rough.",
        "",
        f"Total: {total:.1f} s.",
        "",
        "| part of the run | seconds (cumulative) | share |",
        "|---|---:|---:|",
    ]
    for (file_end, name), label in PARTS.items():
        seconds = sum(e[3] for (file, _, func), e in rows.items() if file.endswith(file_end) and func == name)
        label = label.replace("  ", "&nbsp;&nbsp;")
        lines.append(f"| {label} | {seconds:.1f} | {seconds / total:.0%} |")
    lines += ["", "The calls that take the most time themselves (tottime):", "",
              "| function | calls | seconds |", "|---|---:|---:|"]
    top = sorted(rows.items(), key=lambda item: -item[1][2])[:12]
    for (file, line, name), entry in top:
        where = f"{Path(file).name}:{line}({name})" if line else name
        lines.append(f"| `{where}` | {entry[0]:,} | {entry[2]:.1f} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--limit", type=int, default=30, help="number of articles")
    parser.add_argument("--no-write", action="store_true", help="print the section, leave docs/benchmarks.md alone")
    args = parser.parse_args()
    if not POLNEAR.exists():
        sys.exit(f"{POLNEAR} not found: the profile needs the PolNeAR texts")
    text = section(args.limit, profile(args.limit))
    print(text)
    if not args.no_write:
        write_section(text)


if __name__ == "__main__":
    main()
