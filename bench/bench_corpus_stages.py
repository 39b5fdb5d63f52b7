"""Where the corpus stages spend their time, over the articles of a per-article run (issue #17).

The per-article stages run once over N PolNeAR texts (``bench_throughput.texts``) and their
articles are pickled to ``--cache`` (reused when it exists: the corpus stages can then be timed
again and again without spaCy and MiniLM). Then, models loaded before:
- the corpus stages (``corpus.local.run_corpus_stages``), wall and CPU seconds;
- with ``--profile``, the top of a cProfile of that pass;
- with ``--pair-threads``, the pair model's milliseconds per pair over the pairs that pass
  scored, on one and on two torch threads (the count ``PairModelOptions.threads`` picks).
Prints only; docs/benchmarks.md quotes it by hand with the command and the date.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pickle
import pstats
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_throughput import texts  # noqa: E402


def per_article(limit: int, cache: Path) -> list:
    if cache.exists():
        return pickle.loads(cache.read_bytes())
    from storyline.core.options import Options
    from storyline.core.pipeline import per_article_pipeline
    from storyline.core.records import Article
    from storyline.inputs.sources import read_sources

    records = list(read_sources([str(p) for p in texts(limit)]))
    for stage in per_article_pipeline(Options()).stages:
        records = list(stage.run(records))
    articles = [r for r in records if isinstance(r, Article)]
    for number, article in enumerate(articles, start=1):
        article.id = f"a{number}"  # what the store would assign
    cache.write_bytes(pickle.dumps(articles))
    return articles


def corpus_pass(articles: list, profile: bool) -> list:
    """Time the corpus stages; return the pairs the pair model scored."""
    from storyline.core.options import Options
    from storyline.core.records import Corpus
    from storyline.corpus import claim_linkage
    from storyline.corpus.local import run_corpus_stages
    from storyline.corpus.pairmodel import PairModel

    claim_linkage.pair_model()  # loading is start-up, not the pass
    scored: list = []
    score_both_ways = PairModel.score_both_ways

    def spy(self, pairs, options=None):
        scored.extend(pairs)
        return score_both_ways(self, pairs, options)

    PairModel.score_both_ways = spy
    profiler = cProfile.Profile() if profile else None
    wall, cpu = time.perf_counter(), time.process_time()
    if profiler:
        profiler.enable()
    run_corpus_stages(Corpus(articles=articles), Options())
    if profiler:
        profiler.disable()
    print(f"corpus stages: {time.perf_counter() - wall:.1f} s wall, {time.process_time() - cpu:.1f} s CPU, "
          f"{len(scored)} pairs through the pair model")
    PairModel.score_both_ways = score_both_ways
    if profiler:
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(40)
    return scored


def pair_threads(pairs: list) -> None:
    from storyline.corpus import claim_linkage
    from storyline.corpus.pairmodel import PairModelOptions

    model = claim_linkage.pair_model()
    for threads in (1, 2):
        start = time.perf_counter()
        model.score(pairs, PairModelOptions(threads=threads, batch_size=1))  # one pair a call, as most calls are
        print(f"pair model, {threads} thread(s): {1000 * (time.perf_counter() - start) / max(1, len(pairs)):.1f} ms a pair")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=300, help="number of articles")
    parser.add_argument("--cache", type=Path, help="pickle of the per-article run (default: in the temp folder)")
    parser.add_argument("--profile", action="store_true", help="print the top of a cProfile of the pass")
    parser.add_argument("--pair-threads", action="store_true", help="time the pair model on one and two threads")
    args = parser.parse_args()
    cache = args.cache or Path(os.environ.get("TMPDIR", "/tmp")) / f"storyline-corpus-bench-{args.limit}.pkl"
    articles = per_article(args.limit, cache)
    print(f"{len(articles)} articles; load average {os.getloadavg()[0]:.1f}")
    pairs = corpus_pass(articles, args.profile)
    if args.pair_threads:
        pair_threads(pairs)


if __name__ == "__main__":
    main()
