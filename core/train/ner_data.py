"""Words and tags → sub-token windows a token classifier trains on, and window predictions → one tag per word.

**Alignment** (the usual recipe for CoNLL fine-tuning): every word is cut into sub-tokens by the model's tokenizer;
the word's tag is the label of its *first* sub-token only, every other sub-token and every special token gets -100,
which the cross-entropy ignores.  So a word counts once in the loss however many pieces it has, and predicting a
word means reading the logits at its first sub-token.

**Long sentences are split, not truncated**: a sentence whose sub-tokens do not fit ``max_length`` (less the
model's special tokens) becomes several windows that overlap by ``stride`` sub-tokens.  Every window is a training
example.  At prediction time each word takes its logits from the window where its first sub-token sits farthest from
a window edge (the most context on both sides), so the stitched sentence has exactly one prediction per word.
Windows never start inside a word.

Tokenising needs a *fast* tokenizer (its ``word_ids``), which every current Hugging Face encoder has.  torch is
imported inside the functions that build tensors.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from core.ner import metrics as nm

IGNORE = -100
"""The label of a sub-token the loss must skip (transformers' and torch's ignore index)."""
DEFAULT_STRIDE_SHARE = 0.25
"""Windows overlap by this share of the window (at least 8 sub-tokens)."""


@dataclass
class Window:
    """One model input: its ids, the label of each position (or IGNORE), and where its words come from.

    ``sentence`` is the sentence's index; ``word_at[j]`` the word whose first sub-token is position ``j`` (-1
    elsewhere); ``margin[j]`` how far position ``j`` is from the nearer window edge (stitching picks the largest).
    """

    input_ids: np.ndarray
    labels: np.ndarray
    sentence: int
    word_at: np.ndarray
    margin: np.ndarray


def word_pieces(tokenizer: Any, words: Sequence[str]) -> tuple[list[int], list[int], list[int], list[int]]:
    """The sub-token ids of ``words``, each sub-token's word index, and the model's leading and trailing special
    token ids (``[CLS]`` … ``[SEP]``, ``<s>`` … ``</s>``), read off one encoding of the whole sentence."""
    encoding = tokenizer(list(words) or [""], is_split_into_words=True, add_special_tokens=True, truncation=False)
    ids, word_ids = list(encoding["input_ids"]), encoding.word_ids()
    content = [j for j, w in enumerate(word_ids) if w is not None]
    first = content[0] if content else len(ids)
    last = content[-1] + 1 if content else len(ids)
    lead = ids[:first] if content else ids[: len(ids) // 2]
    trail = ids[last:] if content else ids[len(ids) // 2:]
    return [ids[j] for j in content], [int(word_ids[j]) for j in content], lead, trail


def _window_starts(word_ids: list[int], budget: int, stride: int) -> list[tuple[int, int]]:
    """``(start, end)`` sub-token ranges of at most ``budget`` covering everything, overlapping by about ``stride``,
    each starting at a word's first sub-token (when a word is longer than the budget, it is cut)."""
    n = len(word_ids)
    if n <= budget:
        return [(0, n)]
    starts_of_words = [j for j in range(n) if j == 0 or word_ids[j] != word_ids[j - 1]]
    ranges, start = [], 0
    while True:
        end = min(n, start + budget)
        ranges.append((start, end))
        if end >= n:
            return ranges
        target = max(start + 1, end - stride)
        # The next window starts at the first word boundary at or after the target, and before this window's end.
        candidates = [j for j in starts_of_words if target <= j < end]
        start = candidates[0] if candidates else end


def encode_sentence(tokenizer: Any, words: Sequence[str], tag_ids: Sequence[int] | None, max_length: int,
                    sentence: int = 0, stride: int | None = None) -> list[Window]:
    """The windows of one sentence (labels all IGNORE when ``tag_ids`` is None: prediction)."""
    ids, word_ids, lead, trail = word_pieces(tokenizer, words)
    budget = max(1, max_length - len(lead) - len(trail))
    stride = stride if stride is not None else max(8, int(budget * DEFAULT_STRIDE_SHARE))
    stride = min(stride, budget - 1) if budget > 1 else 0
    windows = []
    for start, end in _window_starts(word_ids, budget, stride):
        full = [*lead, *ids[start:end], *trail]
        labels = np.full(len(full), IGNORE, dtype=np.int64)
        word_at = np.full(len(full), -1, dtype=np.int64)
        margin = np.zeros(len(full), dtype=np.int64)
        for j in range(start, end):
            if j == 0 or word_ids[j] != word_ids[j - 1]:  # the word's first sub-token carries its tag
                position = len(lead) + j - start
                word_at[position] = word_ids[j]
                margin[position] = min(j - start, end - 1 - j)
                if tag_ids is not None:
                    labels[position] = tag_ids[word_ids[j]]
        windows.append(Window(np.asarray(full, dtype=np.int64), labels, sentence, word_at, margin))
    return windows


class NerWindows:
    """A tokenised NER split as a map-style dataset: item ``i`` is ``{"input_ids", "labels"}`` of window ``i``."""

    def __init__(self, windows: list[Window], n_sentences: int) -> None:
        self.windows = windows
        self.n_sentences = n_sentences

    def __len__(self) -> int:
        return len(self.windows)

    def __getitem__(self, i: int) -> dict[str, Any]:
        window = self.windows[i]
        return {"input_ids": window.input_ids, "labels": window.labels}

    @property
    def lengths(self) -> np.ndarray:
        """Sub-tokens per window, in item order."""
        return np.fromiter((len(w.input_ids) for w in self.windows), dtype=np.int64, count=len(self.windows))

    def sorted_by_length(self) -> NerWindows:
        """The same windows, shortest first (evaluation batches then pad little)."""
        order = np.argsort(self.lengths, kind="stable")
        return NerWindows([self.windows[i] for i in order], self.n_sentences)

    @property
    def split_sentences(self) -> int:
        """How many sentences needed more than one window."""
        counts = np.bincount([w.sentence for w in self.windows], minlength=self.n_sentences)
        return int((counts > 1).sum())


def encode_split(tokenizer: Any, sentences_words: Sequence[Sequence[str]], sentences_tags: Sequence[Sequence[str]] | None,
                 label2id: dict[str, int], max_length: int) -> NerWindows:
    """Every sentence's windows (tags unknown to ``label2id`` — a type seen only outside training — become O)."""
    windows: list[Window] = []
    outside = label2id.get("O", 0)
    for i, words in enumerate(sentences_words):
        tag_ids = None if sentences_tags is None else [label2id.get(t, outside) for t in sentences_tags[i]]
        windows += encode_sentence(tokenizer, words, tag_ids, max_length, sentence=i)
    return NerWindows(windows, len(sentences_words))


class NerCollator:
    """Pads a batch of windows: ids with the pad id, labels with IGNORE (what DataCollatorForTokenClassification
    does, with numpy)."""

    def __init__(self, pad_id: int, side: str = "right") -> None:
        self.pad_id = pad_id
        self.side = side

    def __call__(self, features: list[dict[str, Any]]) -> dict[str, Any]:
        import torch

        from core.train.batching import pad_ids

        ids, mask = pad_ids([f["input_ids"] for f in features], self.pad_id, self.side)
        labels, _ = pad_ids([f["labels"] for f in features], IGNORE, self.side)
        return {"input_ids": torch.from_numpy(ids), "attention_mask": torch.from_numpy(mask),
                "labels": torch.from_numpy(labels)}


def stitch(windows: Sequence[Window], window_probs: Sequence[np.ndarray], n_words: Sequence[int],
           ) -> list[np.ndarray]:
    """Per sentence, a ``(words, tags)`` probability array: each word's row from the window where its first
    sub-token has the largest margin.  A word with no sub-token (the tokenizer dropped it) gets all zeros."""
    n_tags = window_probs[0].shape[-1] if len(window_probs) else 1
    out = [np.zeros((n, n_tags), dtype=np.float32) for n in n_words]
    best = [np.full(n, -1, dtype=np.int64) for n in n_words]
    for window, probs in zip(windows, window_probs, strict=True):
        for position in np.flatnonzero(window.word_at >= 0):
            word = int(window.word_at[position])
            if window.margin[position] > best[window.sentence][word]:
                best[window.sentence][word] = window.margin[position]
                out[window.sentence][word] = probs[position]
    return out


def tags_from_probs(probs: np.ndarray, labels: Sequence[str]) -> tuple[list[str], np.ndarray]:
    """The most likely tag of each word and its probability (a word without sub-tokens is O at 0)."""
    if len(probs) == 0:
        return [], np.zeros(0, dtype=np.float32)
    ids = probs.argmax(-1)
    confidence = probs.max(-1)
    tags = [labels[i] if confidence[k] > 0 else "O" for k, i in enumerate(ids)]
    return tags, confidence


def predict_word_probs(model: Any, tokenizer: Any, sentences_words: Sequence[Sequence[str]], max_length: int, *,
                       batch_size: int = 32, progress: Callable[[int, int], None] | None = None) -> list[np.ndarray]:
    """Softmax probabilities per word (``(words, tags)`` per sentence) of a token classifier on pre-split words.

    Windows are batched by length; the model runs in eval mode without gradients on the device it sits on.
    """
    import torch

    from core.train.batching import length_sorted_batches, pad_ids, pad_side

    split = encode_split(tokenizer, sentences_words, None, {}, max_length)
    windows = split.windows
    probs: list[np.ndarray | None] = [None] * len(windows)
    device = next(model.parameters()).device
    model.eval()
    done = 0
    with torch.inference_mode():
        for batch in length_sorted_batches(split.lengths.tolist(), batch_size):
            ids, mask = pad_ids([windows[i].input_ids for i in batch], tokenizer.pad_token_id or 0, pad_side(tokenizer))
            logits = model(input_ids=torch.from_numpy(ids).to(device),
                           attention_mask=torch.from_numpy(mask).to(device)).logits
            batch_probs = torch.softmax(logits.float(), dim=-1).cpu().numpy()
            left = pad_side(tokenizer) == "left"
            for row, i in enumerate(batch):
                n = len(windows[i].input_ids)
                probs[i] = batch_probs[row, ids.shape[1] - n:] if left else batch_probs[row, :n]
            done += len(batch)
            if progress:
                progress(min(done, len(windows)), len(windows))
    return stitch(windows, probs, [len(w) for w in sentences_words])


def window_tags(predicted_ids: np.ndarray, label_ids: np.ndarray, labels: list[str]) -> tuple[list[list[str]], list[list[str]]]:
    """True and predicted tag sequences of each validation window, read at the labelled (first) sub-tokens."""
    y_true, y_pred = [], []
    for predicted, gold in zip(predicted_ids, label_ids, strict=True):
        keep = gold != IGNORE
        y_true.append([labels[i] for i in gold[keep]])
        y_pred.append([labels[i] if 0 <= i < len(labels) else "O" for i in predicted[keep]])
    return y_true, y_pred


def ner_validation_scores(predicted_ids: np.ndarray, label_ids: np.ndarray, labels: list[str]) -> dict[str, float]:
    """Entity-level precision, recall and F1 (micro, strict type and boundaries) and token accuracy on validation."""
    y_true, y_pred = window_tags(np.asarray(predicted_ids), np.asarray(label_ids), labels)
    precision, recall, f1, _ = nm.precision_recall_fscore_support(y_true, y_pred, average="micro")
    return {"f1": float(f1), "precision": float(precision), "recall": float(recall),
            "token_accuracy": nm.accuracy_score(y_true, y_pred)}
