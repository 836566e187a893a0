"""Multi-label classification metrics on 0/1 indicator matrices, in scikit-learn's vocabulary.

A multi-label text carries any number of the ``k`` labels (none included), so truth and predictions are ``(n, k)``
indicator matrices (:func:`core.tasks.label_matrix` makes them from stored ``"a|b"`` cells), and scores are the
per-label sigmoid probabilities in the same column order.  The functions are thin wrappers around
:mod:`sklearn.metrics` with ``zero_division=0`` and the "label absent" warnings silenced (small test sets routinely
miss rare labels), returning plain Python floats (JSON-able).  What scikit-learn has no function for — label
cardinality, co-occurrence counts and the co-occurrence error patterns the report lists — is written here.

Note on ``average="samples"``: a row with no true and no predicted label scores ``zero_division`` there (0 by
default, scikit-learn's rule) although predicting "none" for it was right; the report passes 1 for its per-row
averages.  Micro and macro averages are not affected by such rows.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from sklearn import metrics as skm

from core.evaluate.metrics import _quiet

__all__ = [
    "ERROR_KINDS",
    "accuracy_score",
    "cooccurrence_counts",
    "cooccurrence_errors",
    "f1_score",
    "hamming_loss",
    "jaccard_score",
    "label_cardinality",
    "per_label_report",
    "precision_score",
    "recall_score",
    "roc_auc_score",
]

ERROR_KINDS = ("confused", "missed_together")
"""The co-occurrence error patterns :func:`cooccurrence_errors` counts (see there)."""
_AVERAGES = ("micro", "macro", "samples", "weighted")


def _indicator(y: Any, name: str = "y") -> np.ndarray:
    """``(n, k)`` int matrix of 0/1 from a list of lists, array or DataFrame; anything else is an error."""
    matrix = np.asarray(y.to_numpy() if isinstance(y, pd.DataFrame) else y)
    if matrix.ndim != 2:
        raise ValueError(f"{name} must be a 2-D (n, k) indicator matrix, got shape {matrix.shape}.")
    if matrix.size and not np.isin(matrix, (0, 1)).all():
        raise ValueError(f"{name} must hold only 0 and 1 (apply the thresholds to scores first).")
    return matrix.astype(np.int64)


def _pair(y_true: Any, y_pred: Any) -> tuple[np.ndarray, np.ndarray]:
    """Both indicator matrices, checked to have the same shape."""
    true, pred = _indicator(y_true, "y_true"), _indicator(y_pred, "y_pred")
    if true.shape != pred.shape:
        raise ValueError(f"y_true has shape {true.shape} but y_pred has shape {pred.shape}.")
    return true, pred


def _float(value: Any) -> float:
    """Plain float; NaN (an undefined metric) becomes 0.0, as :mod:`core.evaluate.metrics` does."""
    value = float(value)
    return 0.0 if math.isnan(value) else value


def _averaged(score: Any, y_true: Any, y_pred: Any, average: str, zero_division: float) -> float:
    if average not in _AVERAGES:
        raise ValueError(f"average must be one of {', '.join(_AVERAGES)}, not {average!r}.")
    true, pred = _pair(y_true, y_pred)
    with _quiet():
        return _float(score(true, pred, average=average, zero_division=zero_division))


# --------------------------------------------------------------------------- hard decisions


def f1_score(y_true: Any, y_pred: Any, *, average: str = "micro", zero_division: float = 0.0) -> float:
    """F1 over indicator matrices: ``micro`` pools every (row, label) decision, ``macro`` averages the labels'
    F1 (rare labels count as much as common ones), ``samples`` averages each row's F1."""
    return _averaged(skm.f1_score, y_true, y_pred, average, zero_division)


def precision_score(y_true: Any, y_pred: Any, *, average: str = "micro", zero_division: float = 0.0) -> float:
    """Precision averaged as in :func:`f1_score`; a label never predicted has precision 0."""
    return _averaged(skm.precision_score, y_true, y_pred, average, zero_division)


def recall_score(y_true: Any, y_pred: Any, *, average: str = "micro", zero_division: float = 0.0) -> float:
    """Recall averaged as in :func:`f1_score`; a label never true has recall 0."""
    return _averaged(skm.recall_score, y_true, y_pred, average, zero_division)


def jaccard_score(y_true: Any, y_pred: Any, *, average: str = "samples", zero_division: float = 0.0) -> float:
    """Jaccard index (intersection over union of the label sets), by default averaged over rows."""
    return _averaged(skm.jaccard_score, y_true, y_pred, average, zero_division)


def accuracy_score(y_true: Any, y_pred: Any) -> float:
    """Subset accuracy: the share of rows whose predicted label set is exactly the true one (strict)."""
    true, pred = _pair(y_true, y_pred)
    return _float(skm.accuracy_score(true, pred)) if len(true) else 0.0


def hamming_loss(y_true: Any, y_pred: Any) -> float:
    """Share of wrong (row, label) decisions: lower is better, forgiving of one wrong label in a big set."""
    true, pred = _pair(y_true, y_pred)
    return _float(skm.hamming_loss(true, pred)) if true.size else 0.0


# --------------------------------------------------------------------------- scores


def _scores(y_score: Any, shape: tuple[int, int]) -> np.ndarray:
    scores = np.asarray(y_score.to_numpy() if isinstance(y_score, pd.DataFrame) else y_score, dtype=np.float64)
    if scores.shape != shape:
        raise ValueError(f"y_score has shape {scores.shape} but y_true has shape {shape}.")
    return scores


def _two_classes(y: np.ndarray) -> np.ndarray:
    """Per column: whether it holds both 0 and 1 (ROC AUC is undefined otherwise)."""
    return (y.min(axis=0, initial=1) == 0) & (y.max(axis=0, initial=0) == 1) if len(y) else np.zeros(y.shape[1], bool)


def roc_auc_score(y_true: Any, y_score: Any, *, average: str = "macro") -> float | None:
    """Area under the ROC curve of the per-label scores, averaged as sklearn's ``average`` (macro, micro, weighted).

    None, not an error, when it is undefined: for macro/weighted as soon as one label has a single class in
    ``y_true`` (never true, or always true, in these rows), for micro when every decision has the same truth.
    """
    if average not in ("macro", "micro", "weighted"):
        raise ValueError(f"average must be macro, micro or weighted, not {average!r}.")
    true = _indicator(y_true, "y_true")
    scores = _scores(y_score, true.shape)
    defined = _two_classes(true.reshape(-1, 1)).all() if average == "micro" else _two_classes(true).all()
    if not defined or true.shape[1] == 0:
        return None
    with _quiet():
        return _float(skm.roc_auc_score(true, scores, average=average))


def _label_auc(true: np.ndarray, score: np.ndarray) -> float | None:
    """ROC AUC of one label's column, None when the column has one class only."""
    if true.min(initial=1) == true.max(initial=0):
        return None
    with _quiet():
        return _float(skm.roc_auc_score(true, score))


def per_label_report(
    y_true: Any,
    y_pred: Any,
    y_score: Any = None,
    *,
    labels: Sequence[Any],
    thresholds: Sequence[float | None] | np.ndarray | None = None,
) -> pd.DataFrame:
    """One row per label, in ``labels`` (column) order: ``label, precision, recall, f1, support`` (true count),
    ``predicted`` (predicted count), ``threshold`` (``thresholds[j]``, None when not given) and ``roc_auc`` (None
    without scores or when the label has one class in ``y_true``)."""
    true, pred = _pair(y_true, y_pred)
    labels = list(labels)
    if true.shape[1] != len(labels):
        raise ValueError(f"y_true has {true.shape[1]} columns but there are {len(labels)} labels.")
    with _quiet():
        precision, recall, f1, support = skm.precision_recall_fscore_support(
            true, pred, average=None, labels=list(range(len(labels))), zero_division=0
        )
    scores = None if y_score is None else _scores(y_score, true.shape)
    given = [None] * len(labels) if thresholds is None else list(thresholds)
    return pd.DataFrame(
        {
            "label": labels,
            "precision": precision.astype(float),
            "recall": recall.astype(float),
            "f1": f1.astype(float),
            "support": support.astype(int),
            "predicted": pred.sum(axis=0).astype(int),
            "threshold": pd.Series([None if t is None else float(t) for t in given], dtype=object),
            "roc_auc": pd.Series(
                [None if scores is None else _label_auc(true[:, j], scores[:, j]) for j in range(len(labels))],
                dtype=object,
            ),
        }
    )


# --------------------------------------------------------------------------- label sets


def label_cardinality(y: Any) -> float:
    """Mean number of labels per row (0.0 for no rows)."""
    matrix = _indicator(y)
    return float(matrix.sum(axis=1).mean()) if len(matrix) else 0.0


def _pair_counts(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``[i, j]`` = rows where column i of ``a`` and column j of ``b`` are both 1; float matmul (BLAS, exact for
    counts this size) is far faster than numpy's integer one."""
    return np.rint(a.astype(np.float64).T @ b.astype(np.float64)).astype(np.int64)


def cooccurrence_counts(y: Any) -> np.ndarray:
    """``(k, k)`` int matrix: ``[i, j]`` = rows where labels i and j are both on; the diagonal is each label's count."""
    matrix = _indicator(y)
    return _pair_counts(matrix, matrix)


def cooccurrence_errors(y_true: Any, y_pred: Any, *, labels: Sequence[Any], top: int = 20) -> list[dict]:
    """The most frequent pairwise error patterns, most frequent first (at most ``top``):

    - ``confused`` (ordered ``label_a`` → ``label_b``): rows where A is true but not predicted while B is
      predicted but not true — the model took A for B;
    - ``missed_together`` (unordered, ``label_a`` before ``label_b`` in ``labels`` order): rows where A and B
      are both true and both missed — labels the model fails on as a group.

    Each item is ``{"label_a", "label_b", "n", "kind"}``; ties are kept in ``labels`` order so the list is stable.
    """
    true, pred = _pair(y_true, y_pred)
    labels = list(labels)
    missed = true & (1 - pred)  # false negatives
    extra = pred & (1 - true)  # false positives
    confused = _pair_counts(missed, extra)  # [a, b]: rows with a missed and b extra; the diagonal is always 0
    together = np.triu(_pair_counts(missed, missed), k=1)
    counts = np.stack([confused, together])  # (kind, a, b)
    kind, a, b = np.nonzero(counts)
    n = counts[kind, a, b]
    best = np.lexsort((b, a, kind, -n))[:top]  # most frequent first; ties by kind, then label order
    return [{"label_a": labels[a[i]], "label_b": labels[b[i]], "n": int(n[i]), "kind": ERROR_KINDS[kind[i]]} for i in best]
