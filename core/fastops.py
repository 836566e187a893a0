"""CPU fast paths for training small encoders: cheaper dropout masks, attention and gradient clipping.

Why they exist (measured with MiniLM-L6, batch 16 × ~15 tokens, 2 CPU cores; BENCHMARKS.md has the numbers):

* torch's CPU dropout draws its mask with ``bernoulli_`` at ~6 ns per element (a serial Mersenne Twister): ~0.6 ms
  for one ``16 × 15 × 384`` activation, 13 of them per forward pass. numpy's SFC64 generator fills the same mask in
  ~0.05 ms (16 random bits per element, so the keep probability is exact to 1/65,536).
* With dropout on, ``scaled_dot_product_attention`` takes its reference ("math") path on a CPU, whose fused softmax
  costs ~10 ns per element on 15-key rows; max/exp/sum/divide as plain tensor ops is ~4× faster, and the attention
  dropout uses the mask above. Like that path, it computes attention in fp32 even under bf16 autocast.
* ``clip_grad_norm_`` multiplies every gradient by ``min(1, max_norm / norm)`` — by exactly 1.0 on most steps — to
  avoid a device sync on GPUs; on a CPU there is no sync to avoid, so the multiply is skipped when it would be 1.

None of them changes what is learned: dropout keeps each activation with the same probability (drawn from a
different random stream, seeded by the run's seed), attention computes the same softmax in fp32, and clipping
returns the same norm and gradients. They are only installed for training on a CPU (see ``core.training``);
:func:`uninstall` puts the stock modules back before the model is evaluated and saved.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from torch import nn

ATTENTION_NAME = "tuneboard_cpu"
_UNITS = 65536  # masks use 16 random bits per element


class KeepMasks:
    """Dropout keep-masks drawn from numpy's SFC64 generator (seeded, so a run is reproducible)."""

    def __init__(self, seed: int) -> None:
        self._bits = np.random.SFC64(seed)

    def scale(self, shape: torch.Size, p: float, dtype: torch.dtype) -> torch.Tensor:
        """A tensor of 0 and 1/keep-probability: multiplying by it is inverted dropout with drop probability ``p``."""
        n = int(np.prod(shape))
        threshold = round(p * _UNITS)
        words = self._bits.random_raw((n + 3) // 4).view(np.uint16)[:n]  # 4 × 16 bits per 64-bit draw
        keep = torch.from_numpy(words >= threshold).view(shape)
        return keep.to(dtype).mul_(_UNITS / (_UNITS - threshold))


class MaskedDropout(nn.Dropout):
    """``nn.Dropout`` whose mask comes from :class:`KeepMasks` (same ``p``, same expectation)."""

    def __init__(self, p: float, masks: KeepMasks) -> None:
        super().__init__(p)
        self.masks = masks

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Dropout with a mask from ``masks`` in training; the identity in evaluation."""
        return masked_dropout(x, self.p, self.masks) if self.training else x


def masked_dropout(x: torch.Tensor, p: float, masks: KeepMasks) -> torch.Tensor:
    """Inverted dropout of ``x`` with drop probability ``p``, mask from ``masks``."""
    if p <= 0.0:
        return x
    if p >= 1.0:
        return torch.zeros_like(x)
    return x * masks.scale(x.shape, p, x.dtype)


def attention(module: nn.Module, query: torch.Tensor, key: torch.Tensor, value: torch.Tensor,
              attention_mask: torch.Tensor | None, scaling: float | None = None, dropout: float = 0.0,
              **kwargs: Any) -> tuple[torch.Tensor, None]:
    """Scaled dot-product attention from plain ops (transformers' ``AttentionInterface`` signature).

    ``attention_mask`` is what transformers' sdpa mask builder makes: boolean (True = attend) or additive floats.
    """
    scaling = query.size(-1) ** -0.5 if scaling is None else scaling
    # In fp32 throughout, as sdpa's reference path does on a CPU: bf16 scores would round the softmax's inputs to
    # 3 significant digits. These matrices are tiny (tokens × tokens per head), so fp32 costs nothing measurable.
    scores = torch.matmul(query.float(), key.float().transpose(2, 3)).mul_(scaling)
    if attention_mask is not None:
        if attention_mask.dtype == torch.bool:
            scores = scores.masked_fill(~attention_mask, torch.finfo(scores.dtype).min)
        else:
            scores = scores + attention_mask
    exp = (scores - scores.amax(-1, keepdim=True)).exp()
    probs = exp / exp.sum(-1, keepdim=True)
    masks = getattr(module, "_tuneboard_masks", None)
    if module.training and dropout > 0.0 and masks is not None:
        probs = masked_dropout(probs, dropout, masks)
    elif module.training and dropout > 0.0:
        probs = nn.functional.dropout(probs, dropout, training=True)
    out = torch.matmul(probs, value.float()).to(value.dtype)
    return out.transpose(1, 2).contiguous(), None


def _register_attention() -> None:
    from transformers import AttentionInterface
    from transformers.masking_utils import AttentionMaskInterface, sdpa_mask

    AttentionInterface.register(ATTENTION_NAME, attention)
    AttentionMaskInterface.register(ATTENTION_NAME, sdpa_mask)


def install(model: nn.Module, seed: int) -> dict[str, Any]:
    """Swap ``model``'s dropout modules for :class:`MaskedDropout` and, where the architecture uses transformers'
    attention interface with sdpa, its attention for :func:`attention`. Returns what :func:`uninstall` needs."""
    masks = KeepMasks(seed)
    swapped = []
    for parent in list(model.modules()):
        for name, child in list(parent.named_children()):
            if type(child) is nn.Dropout:
                fast = MaskedDropout(child.p, masks)
                fast.train(child.training)
                setattr(parent, name, fast)
                swapped.append((parent, name, child))
    base = model.get_base_model() if hasattr(model, "get_base_model") else model
    previous = getattr(getattr(base, "config", None), "_attn_implementation", None)
    attention_swapped = False
    if previous == "sdpa" and hasattr(base, "set_attn_implementation"):
        _register_attention()
        try:
            base.set_attn_implementation(ATTENTION_NAME)
            attention_swapped = True
        except (ValueError, ImportError, NotImplementedError):  # the architecture does not take custom attention
            attention_swapped = False
        if attention_swapped:
            for module in base.modules():
                module._tuneboard_masks = masks
    return {"dropout": swapped, "attention": previous if attention_swapped else None}


def uninstall(model: nn.Module, installed: dict[str, Any] | None) -> None:
    """Undo :func:`install`: the stock dropout modules and attention come back (the saved model is a stock one)."""
    if not installed:
        return
    for parent, name, original in installed["dropout"]:
        original.train(getattr(parent, name).training)
        setattr(parent, name, original)
    if installed["attention"]:
        base = model.get_base_model() if hasattr(model, "get_base_model") else model
        base.set_attn_implementation(installed["attention"])
        for module in base.modules():
            if hasattr(module, "_tuneboard_masks"):
                del module._tuneboard_masks
    installed.clear()


def clip_grad_norm(parameters: Any, max_norm: float) -> torch.Tensor:
    """``torch.nn.utils.clip_grad_norm_`` for CPU tensors, skipping the multiply by 1.0 when nothing is clipped."""
    grads = [p.grad for p in parameters if p.grad is not None]
    if not grads:
        return torch.tensor(0.0)
    norm = nn.utils.get_total_norm(grads, norm_type=2.0)
    coef = max_norm / (float(norm) + 1e-6)  # clip_grad_norm_'s formula
    if coef < 1.0:
        torch._foreach_mul_(grads, coef)
    return norm
