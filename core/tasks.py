"""What kind of labelled text a dataset holds, and so what a run trains: the one place that names the task kinds.

A task has two independent parts:

- the **target**: ``single_label`` (one class per text: softmax + cross-entropy), ``multi_label`` (any number of
  classes per text, none included: one sigmoid per class + binary cross-entropy, a threshold per class tuned on the
  validation split) or ``regression`` (a number: one output + mean squared error);
  Or ``ner``: named-entity recognition, one BIO tag per word (token classification: a softmax over the tags at the
  first sub-token of every word, cross-entropy; scored on whole entities as the CoNLL scorer does, :mod:`core.ner`);
- the **input**: one text, or a **pair** of texts (``text`` and ``text_pair``, encoded with the tokenizer's pair
  encoding: paraphrase, entailment, question–answer match, similarity scores).

So GLUE's STS-B is a pair with a regression target, MRPC a pair with a single label.  The kind is detected at upload
(:mod:`core.data.task_detect`), stored in the dataset's ``meta["task"]`` and copied into each run's ``info["task"]``
(a run keeps its kind when its dataset is deleted).

How a stored (cleaned) table holds each kind — every reader and writer goes through the helpers here:

- ``text``: the text (the first text of a pair); ``text_pair``: the second text of a pair;
- ``label``: the class name (single label); the sorted class names joined by ``|`` (multi-label, ``""`` for a text
  with none of the labels); a float (regression); the BIO tags joined by single spaces, one per word (NER, whose
  ``text`` is then its words joined by single spaces: :mod:`core.ner.table`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

SINGLE_LABEL = "single_label"
MULTI_LABEL = "multi_label"
REGRESSION = "regression"
NER = "ner"
TABLE_TARGETS = (SINGLE_LABEL, MULTI_LABEL, REGRESSION)
"""The targets a table (text and label columns) can hold; NER data comes from CoNLL or JSON lines instead."""
TARGETS = (*TABLE_TARGETS, NER)
PAIR_COLUMN = "text_pair"
LABEL_JOINER = "|"
"""Joins the labels of one multi-label row in a stored table (labels containing it are refused at upload)."""
REGRESSION_LABEL = "score"
"""The one output's name (``id2label``) of a regression model."""


@dataclass(frozen=True)
class Task:
    """The kind of a dataset or run: its target and whether its inputs are pairs of texts."""

    target: str = SINGLE_LABEL
    pair: bool = False

    def __post_init__(self) -> None:
        if self.target not in TARGETS:
            raise ValueError(f"unknown task target {self.target!r}; one of {', '.join(TARGETS)}")
        if self.pair and self.target == NER:
            raise ValueError("named-entity recognition reads one text at a time, not pairs")

    @property
    def is_classification(self) -> bool:
        """Single- or multi-label: the model outputs one score per class for the whole text."""
        return self.target in (SINGLE_LABEL, MULTI_LABEL)

    @property
    def ner(self) -> bool:
        """Named-entity recognition: one tag per word (a token-classification model)."""
        return self.target == NER

    @property
    def multi_label(self) -> bool:
        return self.target == MULTI_LABEL

    @property
    def regression(self) -> bool:
        return self.target == REGRESSION

    @property
    def problem_type(self) -> str | None:
        """``config.problem_type`` of a transformers ``*ForSequenceClassification`` model (picks its loss); NER's
        token-classification models have none (their loss is always cross-entropy over the tags)."""
        return {
            SINGLE_LABEL: "single_label_classification",
            MULTI_LABEL: "multi_label_classification",
            REGRESSION: "regression",
            NER: None,
        }[self.target]

    @property
    def key(self) -> str:
        """``single_label``, ``multi_label``, ``regression``, or the same with ``pair_`` in front: catalogue keys
        (``task.name.<key>``), CLI choices and JSON."""
        return f"pair_{self.target}" if self.pair else self.target

    @property
    def headline_metric(self) -> str:
        """The summary metric a report, leaderboard and early stopping rank this kind by (higher is better)."""
        return {SINGLE_LABEL: "f1_macro", MULTI_LABEL: "f1_micro", REGRESSION: "spearman", NER: "f1"}[self.target]

    def to_dict(self) -> dict[str, Any]:
        return {"target": self.target, "pair": self.pair}

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> Task:
        """A task from its stored dict; a missing one is single-label text (everything stored before kinds existed)."""
        if not data:
            return cls()
        return cls(target=str(data.get("target", SINGLE_LABEL)), pair=bool(data.get("pair", False)))

    @classmethod
    def from_key(cls, key: str) -> Task:
        """A task from :attr:`key` (``pair_regression`` …); raises ValueError for an unknown key."""
        pair = key.startswith("pair_")
        return cls(target=key[5:] if pair else key, pair=pair)


TASK_KEYS = tuple(Task(target, pair).key for pair in (False, True) for target in TABLE_TARGETS)
"""The kinds a table can hold (the upload's kind picker, ``core train --task``)."""
ALL_TASK_KEYS = (*TASK_KEYS, NER)


def task_of(record_or_run: Any) -> Task:
    """The task of a :class:`core.store.DatasetRecord` (its ``meta``) or :class:`core.store.Run` (its ``info``)."""
    holder = getattr(record_or_run, "info", None)
    if holder is None:
        holder = getattr(record_or_run, "meta", None)
    return Task.from_dict((holder or {}).get("task"))


# ------------------------------------------------------------------ multi-label cells
def split_labels(cell: Any) -> list[str]:
    """The labels of one stored multi-label cell (``"a|b"`` → ``["a", "b"]``; ``""`` → ``[]``)."""
    if cell is None or (isinstance(cell, float) and np.isnan(cell)):
        return []
    return [part for part in str(cell).split(LABEL_JOINER) if part]


def join_labels(labels: Iterable[str]) -> str:
    """One stored multi-label cell: the distinct labels, sorted, joined by ``|``."""
    return LABEL_JOINER.join(sorted({str(label) for label in labels if str(label)}))


def label_matrix(cells: Iterable[Any], labels: Sequence[str]) -> np.ndarray:
    """0/1 matrix ``(n_rows, len(labels))`` of stored multi-label cells (labels not in ``labels`` are ignored)."""
    index = {label: j for j, label in enumerate(labels)}
    cells = list(cells)
    out = np.zeros((len(cells), len(labels)), dtype=np.float32)
    for i, cell in enumerate(cells):
        for label in split_labels(cell):
            j = index.get(label)
            if j is not None:
                out[i, j] = 1.0
    return out


def labels_of_rows(matrix: np.ndarray, labels: Sequence[str]) -> list[str]:
    """Stored multi-label cells from a 0/1 (or boolean) matrix: the inverse of :func:`label_matrix`."""
    return [join_labels(labels[j] for j in np.flatnonzero(row)) for row in np.asarray(matrix)]


def distinct_labels(cells: Iterable[Any]) -> list[str]:
    """Every label used in stored multi-label cells, sorted."""
    found: set[str] = set()
    for cell in cells:
        found.update(split_labels(cell))
    return sorted(found)
