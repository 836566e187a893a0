"""Fast batched inference: length-sorted batches with dynamic padding, results in input order.

Used for the test predictions at the end of training, robustness checks, batch prediction, the playground and the
int8 comparison.  Sorting by length means each batch pads only to its own longest text, which on short-text data is
several times less work than padding everything to ``max_length``; batches are padded by
:func:`core.train.batching.pad_ids`, the function training batches are padded with.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from core.train.batching import length_sorted_batches, pad_ids, pad_side


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
