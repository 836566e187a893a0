"""Fast batched inference: length-sorted batches with dynamic padding, results in input order.

Used for the test predictions at the end of training, robustness checks, batch prediction and
the playground.  Sorting by length means each batch pads only to its own longest text, which on
short-text data is several times less work than padding everything to ``max_length``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np


def length_sorted_batches(lengths: Sequence[int], batch_size: int) -> list[np.ndarray]:
    """Index batches covering ``range(len(lengths))`` with similar lengths in each batch."""
    order = np.argsort(np.asarray(lengths), kind="stable")
    return [order[i : i + batch_size] for i in range(0, len(order), batch_size)]


def encode(tokenizer: Any, texts: Sequence[str], max_length: int) -> list[list[int]]:
    """Token ids per text (truncated, unpadded)."""
    return tokenizer([str(t) for t in texts], truncation=True, max_length=max_length, padding=False)["input_ids"]


def pad_side(tokenizer: Any) -> str:
    """``"left"`` or ``"right"``: where this tokenizer pads (its ``padding_side``; right when it has none)."""
    return "left" if getattr(tokenizer, "padding_side", "right") == "left" else "right"


def pad_ids(sequences: Sequence[Sequence[int]], pad_id: int, side: str = "right") -> tuple[np.ndarray, np.ndarray]:
    """``(input_ids, attention_mask)`` arrays of ``sequences`` padded to the longest, pads on ``side``.

    The one padding function of training batches and inference batches, so a model is run on inputs laid out as it
    was trained on (a tokenizer whose ``padding_side`` is left: decoder models reading the last token).
    """
    lengths = [len(seq) for seq in sequences]
    width = max(lengths, default=0)
    input_ids = np.full((len(sequences), width), pad_id, dtype=np.int64)
    mask = np.zeros((len(sequences), width), dtype=np.int64)
    left = side == "left"
    for row, (seq, n) in enumerate(zip(sequences, lengths, strict=True)):
        cols = slice(width - n, width) if left else slice(0, n)
        input_ids[row, cols] = seq
        mask[row, cols] = 1
    return input_ids, mask


def predict_proba(
    model: Any,
    tokenizer: Any,
    texts: Sequence[str],
    *,
    max_length: int = 128,
    batch_size: int = 64,
    device: Any = None,
    progress: Callable[[int, int], None] | None = None,
    token_ids: Sequence[Sequence[int]] | None = None,
) -> np.ndarray:
    """Class probabilities, shape ``(len(texts), n_classes)``, rows in the order of ``texts``.

    ``token_ids`` (the unpadded ids of ``texts``, e.g. from :mod:`core.train.tokencache`) skips tokenising.
    """
    import torch

    if len(texts) == 0:
        return np.zeros((0, model.config.num_labels), dtype=np.float32)
    device = device or next(model.parameters()).device
    ids = token_ids if token_ids is not None and len(token_ids) == len(texts) else encode(tokenizer, texts, max_length)
    pad_id = tokenizer.pad_token_id or 0
    side = pad_side(tokenizer)
    out = np.zeros((len(texts), model.config.num_labels), dtype=np.float32)
    was_training = model.training
    model.eval()
    done = 0
    try:
        with torch.inference_mode():
            for batch in length_sorted_batches([len(x) for x in ids], batch_size):
                input_ids, mask = pad_ids([ids[i] for i in batch], pad_id, side)
                logits = model(
                    input_ids=torch.from_numpy(input_ids).to(device),
                    attention_mask=torch.from_numpy(mask).to(device),
                ).logits
                out[batch] = torch.softmax(logits.float(), dim=-1).cpu().numpy()
                done += len(batch)
                if progress:
                    progress(done, len(texts))
    finally:
        model.train(was_training)
    return out
