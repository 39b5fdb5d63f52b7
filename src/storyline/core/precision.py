"""Whether this CPU multiplies bfloat16 natively, for the models that run in it where it does.

MiniLM (``article.embed``) and the pair model (``corpus.pairmodel``) run under torch's bfloat16
autocast only where the CPU has the instructions for it (AVX-512 BF16 or AMX): there it is about
1.5 to 2 times faster, elsewhere emulated and several times slower.
"""

from __future__ import annotations

from functools import lru_cache


@lru_cache(maxsize=1)
def native_bfloat16() -> bool:
    """Whether torch's CPU kernels multiply bfloat16 natively here (AVX-512 BF16 or AMX)."""
    import torch

    try:
        return bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())
    except (AttributeError, RuntimeError):  # a torch build without oneDNN
        return False
