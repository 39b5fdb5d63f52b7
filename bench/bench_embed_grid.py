"""MiniLM padded to a fixed grid of token lengths against today's exact-length groups (issue #17).

The texts the ``embed`` stage embeds for N PolNeAR articles (the per-article run cached as
``bench_corpus_stages`` caches it). Each text is padded (attention mask) to the next multiple of
``--grid`` tokens, so its vector depends on its text and that length only. Prints, per grid: the
time against ``embed.encode`` (wall and CPU, alternating twice), the largest difference to
today's vectors, and whether a sample's vectors are the same bits in other batch sizes and
orders. Prints only; docs/benchmarks.md quotes it with the command and the date.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_corpus_stages import per_article  # noqa: E402


def encode_grid(model, texts: list[str], grid: int, batch_size: int = 64) -> np.ndarray:
    from storyline.article import embed

    lengths = model.preprocess(texts)["attention_mask"].sum(dim=1).tolist()
    groups: dict[int, list[int]] = {}
    for index, length in enumerate(lengths):
        groups.setdefault(min(model.max_seq_length, -(-length // grid) * grid), []).append(index)
    out = np.zeros((len(texts), embed.DIMENSIONS), dtype=np.float32)
    with embed.torch_threads(1):
        for length in sorted(groups):
            members = groups[length]
            size = max(1, min(batch_size, embed.MAX_BATCH_TOKENS // length))
            for start in range(0, len(members), size):
                index = members[start : start + size]
                out[index] = model.encode([texts[i] for i in index], batch_size=len(index), normalize_embeddings=True,
                                          convert_to_numpy=True, show_progress_bar=False,
                                          processing_kwargs={"text": {"padding": "max_length", "max_length": length}})
    return out


def timed(function) -> tuple[np.ndarray, float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    result = function()
    return result, time.perf_counter() - wall, time.process_time() - cpu


def batch_independent(model, texts: list[str], grid: int, reference: np.ndarray) -> bool:
    rng = random.Random(0)
    sample = rng.sample(range(len(texts)), min(300, len(texts)))
    for batch_size in (1, 7, 64):
        order = sample[:]
        rng.shuffle(order)
        vectors = encode_grid(model, [texts[i] for i in order], grid, batch_size)
        if not all(np.array_equal(vectors[k], reference[i]) for k, i in enumerate(order)):
            return False
    return True


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=100, help="number of articles")
    parser.add_argument("--cache", type=Path, help="pickle of the per-article run (default: in the temp folder)")
    parser.add_argument("--grid", type=int, nargs="+", default=[8, 16])
    args = parser.parse_args()
    from storyline.article import embed

    cache = args.cache or Path(os.environ.get("TMPDIR", "/tmp")) / f"storyline-corpus-bench-{args.limit}.pkl"
    texts = sorted({t for article in per_article(args.limit, cache) for t in embed.article_texts(article)})
    model = embed.load_model()
    embed.encode(texts[:50])  # warm up
    print(f"{len(texts)} texts; load average {os.getloadavg()[0]:.1f}")
    today = embed.encode(texts)
    for grid in args.grid:
        for _ in range(2):
            _, wall, cpu = timed(lambda: embed.encode(texts))
            print(f"exact-length groups: {wall:.1f} s wall, {cpu:.1f} s CPU")
            padded, wall, cpu = timed(lambda: encode_grid(model, texts, grid))
            print(f"grid {grid}: {wall:.1f} s wall, {cpu:.1f} s CPU")
        print(f"grid {grid}: largest difference to today's vectors {np.abs(padded - today).max():.1e}, "
              f"same bits in batch sizes 1, 7, 64 and shuffled: {batch_independent(model, texts, grid, padded)}")


if __name__ == "__main__":
    main()
