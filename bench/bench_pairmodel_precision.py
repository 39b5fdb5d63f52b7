"""The pair model's speed and verdicts in float32 and bfloat16, on one thread and on
``core.threads.model_threads()`` (``make bench-pairmodel``).

``python bench/bench_pairmodel_precision.py [--per-set 400] [--write-docs]``

Held-out pairs of ``../shared/datasets/pairs`` (STS-B headlines test, breaking-nli-test,
fever-symmetric-test, MNLI dev-matched; a seeded sample of each) are scored both ways, as the
claims stage scores them, in each setting. Reported: milliseconds per pair, and against float32
on one thread (the shipped setting until 2026-12-03) how many of the claims stage's verdicts
(``claim_linkage``: veto when the order-free P(contradicts) >= ``contradicts_max``) and of the
3-way argmax differ, and the largest change of a probability. Writes "## Pair model: precision
and threads" into docs/benchmarks.md with ``--write-docs``.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from datetime import date
from pathlib import Path

import numpy as np

from storyline.core.threads import model_threads
from storyline.corpus.claim_linkage import DEFAULT_WEIGHTS
from storyline.corpus.pairmodel import CONTRADICTS, PairModel, PairModelOptions, native_bfloat16
from storyline.eval.benchdoc import write_section

PAIRS = Path(__file__).resolve().parents[1].parent / "shared" / "datasets" / "pairs"
SETS = ("stsb-headlines-test", "breaking-nli-test", "fever-symmetric-test", "mnli-dev-matched")
HEADING = "## Pair model: precision and threads"
BITS = {True: "yes", False: "no", None: "(one setting)"}
SEED = 11


def sample(per_set: int) -> list[tuple[str, str]]:
    pairs = []
    for name in SETS:
        with open(PAIRS / f"{name}.jsonl", encoding="utf-8") as lines:
            rows = [json.loads(line) for line in lines if line.strip()]
        random.Random(SEED).shuffle(rows)
        pairs += [(r["a"], r["b"]) for r in rows[:per_set]]
    return pairs


def measure(model: PairModel, pairs: list[tuple[str, str]], options: PairModelOptions) -> tuple[np.ndarray, float]:
    model.score_both_ways(pairs[:32], options)  # warm-up: oneDNN picks its kernels on first use
    start = time.perf_counter()
    scores = model.score_both_ways(pairs, options)
    return scores, 1000 * (time.perf_counter() - start) / len(pairs)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-set", type=int, default=400)
    parser.add_argument("--write-docs", action="store_true")
    args = parser.parse_args(argv)
    if not PAIRS.exists():
        sys.exit(f"{PAIRS}: not found (the shared pair data sits beside the repository)")
    pairs = sample(args.per_set)
    model = PairModel.load()
    cut = DEFAULT_WEIGHTS.contradicts_max
    settings = [("float32", 1), ("float32", model_threads()), ("bfloat16", 1), ("bfloat16", model_threads())]
    rows, reference, one_thread = [], None, {}
    for precision, threads in dict.fromkeys(settings):
        scores, ms = measure(model, pairs, PairModelOptions(precision=precision, threads=threads))
        reference = scores if reference is None else reference
        one_thread.setdefault(precision, scores)
        rows.append({"precision": precision, "threads": threads, "ms_per_pair": round(ms, 2),
                     "same_bits_as_one_thread": bool(np.array_equal(scores, one_thread[precision])),
                     **differences(scores, reference, cut)})
        print(json.dumps(rows[-1]), flush=True)
    rows.append(int8_row(model, pairs, reference, cut))
    text = render(rows, len(pairs), args.per_set)
    print(text)
    if args.write_docs:
        write_section(text)
    return 0


def int8_row(model: PairModel, pairs: list[tuple[str, str]], reference: np.ndarray, cut: float) -> dict:
    """Not shipped, measured for comparison: torch's dynamic int8 quantisation of every Linear layer."""
    import copy

    import torch

    quantised = torch.ao.quantization.quantize_dynamic(copy.deepcopy(model.net), {torch.nn.Linear}, dtype=torch.qint8)
    scores, ms = measure(PairModel(quantised, model.tokenizer, model.manifest), pairs,
                         PairModelOptions(precision="float32", threads=1))
    return {"precision": "int8 dynamic (not shipped)", "threads": 1, "ms_per_pair": round(ms, 2),
            "same_bits_as_one_thread": None, **differences(scores, reference, cut)}


def differences(scores: np.ndarray, reference: np.ndarray, cut: float) -> dict:
    """How ``scores`` differ from ``reference``: vetoes at ``cut``, 3-way argmax, largest change."""
    return {"veto_differs": int(((scores[:, CONTRADICTS] >= cut) != (reference[:, CONTRADICTS] >= cut)).sum()),
            "argmax_differs": int((scores.argmax(1) != reference.argmax(1)).sum()),
            "max_change": round(float(np.abs(scores - reference).max()), 4)}


def render(rows: list[dict], pairs: int, per_set: int) -> str:
    lines = [
        HEADING, "",
        f"Measured {date.today().isoformat()} with `python bench/bench_pairmodel_precision.py --write-docs` "
        f"(`make bench-pairmodel`), 2 cores, otherwise idle. {pairs:,} held-out pairs (at most {per_set} each, seed {SEED}, of "
        f"{', '.join(SETS)}), scored both ways as the claims stage scores them. Native bfloat16 on this CPU: "
        f"{'yes' if native_bfloat16() else 'no'}. \"Differ\" counts against float32 on one thread; a veto is the claims "
        f"stage's (order-free P(contradicts) >= {DEFAULT_WEIGHTS.contradicts_max}).", "",
        "| precision | threads | ms per pair (both ways) | vetoes that differ | 3-way argmax that differs | largest change of a probability | same bits as one thread, same precision |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in rows:
        lines.append(f"| {r['precision']} | {r['threads']} | {r['ms_per_pair']} | {r['veto_differs']} of {pairs:,} | "
                     f"{r['argmax_differs']} of {pairs:,} | {r['max_change']} | {BITS[r['same_bits_as_one_thread']]} |")
    lines += ["", "Run with `ONEDNN_MAX_CPU_ISA=AVX2` to see a CPU without native bfloat16 (its bfloat16 is emulated)."]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    raise SystemExit(main())
