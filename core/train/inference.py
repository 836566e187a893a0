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

ACTIVATIONS = ("softmax", "sigmoid", "none")
"""What turns a model's outputs into the scores a task reads: class probabilities (single label), one probability
per label (multi-label), the number itself (regression)."""


def encode(tokenizer: Any, texts: Sequence[str], max_length: int) -> list[list[int]]:
    """Token ids per text (truncated, unpadded)."""
    return tokenizer([str(t) for t in texts], truncation=True, max_length=max_length, padding=False)["input_ids"]


def _activate(logits: Any, activation: str) -> Any:
    import torch

    logits = logits.float()
    if activation == "sigmoid":
        return torch.sigmoid(logits)
    if activation == "none":
        return logits
    return torch.softmax(logits, dim=-1)


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
    pairs: Sequence[str] | None = None,
    activation: str = "softmax",
) -> np.ndarray:
    """Scores, shape ``(len(texts), n_outputs)``, rows in the order of ``texts``: class probabilities by default,
    per-label probabilities with ``activation="sigmoid"``, raw outputs with ``"none"`` (regression).

    ``pairs`` holds the second text of each pair (encoded with the tokenizer's pair encoding).  ``token_ids`` (the
    unpadded ids of ``texts``, e.g. a :class:`core.train.tokencache.TokenizedTexts`, which also carries the segment
    ids of pairs) skips tokenising.
    """
    import torch

    from core.train.tokencache import TokenizedTexts, tokenize

    if len(texts) == 0:
        return np.zeros((0, model.config.num_labels), dtype=np.float32)
    device = device or next(model.parameters()).device
    if pairs is not None and not (isinstance(token_ids, TokenizedTexts) and len(token_ids) == len(texts)):
        ids_flat, offsets, type_flat = tokenize(tokenizer, texts, max_length, pairs)  # pairs need their segment ids
        token_ids = TokenizedTexts(ids_flat, offsets, type_ids=type_flat)
    types = None
    if isinstance(token_ids, TokenizedTexts) and len(token_ids) == len(texts):
        ids = list(token_ids)
        types = None if token_ids.type_ids is None else [token_ids.types(i) for i in range(len(texts))]
    elif token_ids is not None and len(token_ids) == len(texts):
        ids = token_ids
    else:
        ids = encode(tokenizer, texts, max_length)
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
                inputs = {"input_ids": torch.from_numpy(input_ids).to(device),
                          "attention_mask": torch.from_numpy(mask).to(device)}
                if types is not None:
                    inputs["token_type_ids"] = torch.from_numpy(pad_ids([types[i] for i in batch], 0, side)[0]).to(device)
                out[batch] = _activate(model(**inputs).logits, activation).cpu().numpy()
                done += len(batch)
                if progress:
                    progress(done, len(texts))
    finally:
        model.train(was_training)
    return out
