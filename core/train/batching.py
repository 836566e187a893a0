"""Batches of token ids: the one padding rule, the tokenised splits, the training collator and the training order.

Owns :func:`pad_ids` / :func:`pad_side` — the single function that pads both training batches (:class:`PadCollator`)
and inference batches (:func:`core.train.inference.predict_proba`), so a model always runs on inputs laid out as it
was trained on — plus :class:`EncodedSplit` (a tokenised split as a map-style dataset), :class:`LengthBucketSampler`
(training batches of similar lengths) and :func:`length_sorted_batches` (evaluation and prediction batches).
torch is imported inside the functions that build tensors.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from core.train import tokencache


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


def length_sorted_batches(lengths: Sequence[int], batch_size: int) -> list[np.ndarray]:
    """Index batches covering ``range(len(lengths))`` with similar lengths in each batch."""
    order = np.argsort(np.asarray(lengths), kind="stable")
    return [order[i : i + batch_size] for i in range(0, len(order), batch_size)]


class EncodedSplit:
    """Tokenised examples of one split (a map-style dataset): item ``i`` is ``{"input_ids", "labels"}`` (plus
    ``token_type_ids`` for pairs whose tokenizer makes them).

    Token ids live in one flat array (see :class:`core.train.tokencache.TokenizedTexts`); ``order`` maps item
    positions to texts, so sorting by length costs no copy.  ``labels`` are class ids (single label, int64), 0/1
    rows (multi-label, float32 ``(n, k)``) or numbers (regression, float32): the loss each needs.
    """

    def __init__(self, tokens: tokencache.TokenizedTexts, labels: np.ndarray, order: np.ndarray | None = None) -> None:
        self.tokens = tokens
        labels = np.asarray(labels)
        self.label_ids = labels if labels.dtype.kind == "f" else labels.astype(np.int64)
        self.order = np.arange(len(tokens)) if order is None else np.asarray(order)

    def __len__(self) -> int:
        return len(self.order)

    def __getitem__(self, i: int) -> dict[str, Any]:
        j = int(self.order[i])
        label = self.label_ids[j]
        item = {"input_ids": self.tokens[j], "labels": label if label.ndim else label.item()}
        if self.tokens.type_ids is not None:
            item["token_type_ids"] = self.tokens.types(j)
        return item

    @property
    def lengths(self) -> np.ndarray:
        """Tokens per item, in item order."""
        return self.tokens.lengths[self.order]

    def sorted_by_length(self) -> EncodedSplit:
        """The same items, shortest first (evaluation batches then pad little)."""
        return EncodedSplit(self.tokens, self.label_ids, self.order[np.argsort(self.lengths, kind="stable")])


class PadCollator:
    """Pads a batch to its longest item (dynamic padding) with numpy; what DataCollatorWithPadding does, faster.

    Pads on ``side`` with :func:`pad_ids`, the function inference pads with too.
    """

    def __init__(self, pad_id: int, side: str = "right") -> None:
        self.pad_id = pad_id
        self.side = side

    def __call__(self, features: list[dict[str, Any]]) -> dict[str, Any]:
        import torch

        ids, mask = pad_ids([f["input_ids"] for f in features], self.pad_id, self.side)
        labels = np.asarray([f["labels"] for f in features])
        batch = {
            "input_ids": torch.from_numpy(ids),
            "attention_mask": torch.from_numpy(mask),
            # class ids for cross-entropy; floats (0/1 rows, numbers) for BCE and MSE
            "labels": torch.from_numpy(labels.astype(np.float32) if labels.dtype.kind == "f" else labels.astype(np.int64)),
        }
        if "token_type_ids" in features[0]:
            batch["token_type_ids"] = torch.from_numpy(pad_ids([f["token_type_ids"] for f in features], 0, self.side)[0])
        return batch


class LengthBucketSampler:
    """Training order with similar lengths in each batch and random batches.

    Every epoch: the ``n % batch_size`` shortest texts (random among equal lengths) make the one
    short batch, which goes last; the rest, in random order, is cut into chunks of ``chunk_batches``
    batches, each chunk stably sorted by length and cut into batches; the batches are shuffled and
    the longest goes first (an out-of-memory error shows at once).

    Sorting only within chunks keeps batches varied: a global sort (every batch one length, the same
    neighbours every epoch) cost 1.1 points of dev accuracy against plain Trainer over six seeds on
    2,000 SST-2 rows; chunks of 16 batches cost none (BENCHMARKS.md).  Padding is ~13 % of the real
    tokens on SST-2 at batch 16, against ~165 % for random batches.
    Randomness comes from torch's global generator, which the Trainer seeds and checkpoints.
    """

    def __init__(self, lengths: np.ndarray, batch_size: int, chunk_batches: int = 16) -> None:
        self.lengths = np.asarray(lengths)
        self.batch_size = max(1, int(batch_size))
        self.chunk_batches = max(1, int(chunk_batches))

    def __len__(self) -> int:
        return len(self.lengths)

    def __iter__(self) -> Any:
        import torch

        n, size = len(self.lengths), self.batch_size
        perm = torch.randperm(n).numpy()
        by_length = perm[np.argsort(self.lengths[perm], kind="stable")]
        # The short batch: the shortest texts. np.sort: the chunks then depend only on the next draw, not on tie order.
        tail, rest = by_length[: n % size], np.sort(by_length[n % size :])
        rest = rest[torch.randperm(len(rest)).numpy()]
        step = size * self.chunk_batches
        chunks = [rest[i : i + step] for i in range(0, len(rest), step)]
        ordered = tail
        if chunks:
            full = np.concatenate([c[np.argsort(self.lengths[c], kind="stable")] for c in chunks]).reshape(-1, size)
            groups = full[torch.randperm(len(full)).numpy()]
            longest = int(np.argmax(self.lengths[groups].max(axis=1)))
            groups[[0, longest]] = groups[[longest, 0]]
            ordered = np.concatenate([groups.reshape(-1), tail])
        return iter(ordered.tolist())
