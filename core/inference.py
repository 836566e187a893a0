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


def predict_proba(
    model: Any,
    tokenizer: Any,
    texts: Sequence[str],
    *,
    max_length: int = 128,
    batch_size: int = 64,
    device: Any = None,
    progress: Callable[[int, int], None] | None = None,
) -> np.ndarray:
    """Class probabilities, shape ``(len(texts), n_classes)``, rows in the order of ``texts``."""
    import torch

    if len(texts) == 0:
        return np.zeros((0, model.config.num_labels), dtype=np.float32)
    device = device or next(model.parameters()).device
    ids = encode(tokenizer, texts, max_length)
    pad_id = tokenizer.pad_token_id or 0
    out = np.zeros((len(texts), model.config.num_labels), dtype=np.float32)
    was_training = model.training
    model.eval()
    done = 0
    with torch.inference_mode():
        for batch in length_sorted_batches([len(x) for x in ids], batch_size):
            width = max(len(ids[i]) for i in batch)
            input_ids = torch.full((len(batch), width), pad_id, dtype=torch.long)
            mask = torch.zeros((len(batch), width), dtype=torch.long)
            for row, i in enumerate(batch):
                input_ids[row, : len(ids[i])] = torch.tensor(ids[i])
                mask[row, : len(ids[i])] = 1
            logits = model(input_ids=input_ids.to(device), attention_mask=mask.to(device)).logits
            out[batch] = torch.softmax(logits.float(), dim=-1).cpu().numpy()
            done += len(batch)
            if progress:
                progress(done, len(texts))
    model.train(was_training)
    return out
