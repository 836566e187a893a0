"""Classification metrics in one vocabulary for the whole app.

Thin wrappers around :mod:`sklearn.metrics` so every caller gets the same
``labels`` / ``zero_division`` handling and plain Python floats back (JSON-able).
Expected calibration error and the reliability curve are written here because
scikit-learn has no top-label ECE.

``y_true`` / ``y_pred`` may be class names (strings) or integer ids.  Probability
matrices are always ``(n, k)`` with columns in the caller's ``labels`` order (the
model's id2label order), which is *not* necessarily sorted.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from contextlib import contextmanager
from typing import Any

import numpy as np
import pandas as pd
from sklearn import metrics as skm
from sklearn.exceptions import UndefinedMetricWarning

__all__ = [
    "accuracy_score",
    "balanced_accuracy_score",
    "binary_curves",
    "cohen_kappa_score",
    "confusion_matrix",
    "expected_calibration_error",
    "f1_score",
    "log_loss",
    "matthews_corrcoef",
    "per_class_report",
    "precision_score",
    "recall_score",
    "reliability_curve",
    "summary_metrics",
    "threshold_metrics",
]


@contextmanager
def _quiet():
    """Silence sklearn's 'class absent from y_true' warnings.

    Small test sets routinely miss some classes; the numbers are still defined
    (zero_division=0) and the warnings would only clutter the UI logs.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UndefinedMetricWarning)
        warnings.simplefilter("ignore", UserWarning)
        warnings.simplefilter("ignore", RuntimeWarning)
        yield


def _arr(values: Any) -> np.ndarray:
    """1-D numpy array from a list / Series / array, without copying labels' dtype."""
    return np.asarray(values.to_numpy() if isinstance(values, pd.Series) else values)


def _float(value: Any) -> float:
    """Plain Python float; NaN (undefined metric) becomes 0.0 so JSON stays valid."""
    value = float(value)
    return 0.0 if math.isnan(value) else value


def _to_ids(y_true: Any, labels: Sequence[Any]) -> np.ndarray:
    """Map class names (or already-ids) to positions in ``labels``.

    Names win when every value is a known label (so labels like ``[0, 1]`` work);
    otherwise values must be integer ids in ``range(len(labels))``.
    """
    y = _arr(y_true)
    index = {label: i for i, label in enumerate(labels)}
    # Compare as str too, so numpy scalar types ('np.str_', 'np.int64') match.
    str_index = {str(label): i for i, label in enumerate(labels)}
    if all(v in index or str(v) in str_index for v in y.tolist()):
        return np.array([index.get(v, str_index.get(str(v))) for v in y.tolist()], dtype=int)
    if np.issubdtype(y.dtype, np.integer) and (len(y) == 0 or (y.min() >= 0 and y.max() < len(labels))):
        return y.astype(int)
    unknown = sorted({str(v) for v in y.tolist()} - set(str_index))[:5]
    raise ValueError(f"Unknown class values {unknown}; expected names from labels or ids 0..{len(labels) - 1}.")


# --------------------------------------------------------------------------- hard-label scores


def accuracy_score(y_true: Any, y_pred: Any) -> float:
    """Share of examples whose predicted label equals the true label."""
    return _float(skm.accuracy_score(_arr(y_true), _arr(y_pred)))


def balanced_accuracy_score(y_true: Any, y_pred: Any) -> float:
    """Mean recall over the classes present in ``y_true`` (robust to imbalance)."""
    with _quiet():
        return _float(skm.balanced_accuracy_score(_arr(y_true), _arr(y_pred)))


def _averaged(score: Any, y_true: Any, y_pred: Any, average: str, labels: Sequence[Any] | None) -> float:
    """One of sklearn's P/R/F1 scores with ``zero_division=0`` (an empty class scores 0 instead of warning)."""
    with _quiet():
        return _float(score(_arr(y_true), _arr(y_pred), average=average, labels=labels, zero_division=0))


def precision_score(y_true: Any, y_pred: Any, *, average: str = "macro", labels: Sequence[Any] | None = None) -> float:
    """Precision averaged as sklearn's ``average``; classes never predicted count as 0."""
    return _averaged(skm.precision_score, y_true, y_pred, average, labels)


def recall_score(y_true: Any, y_pred: Any, *, average: str = "macro", labels: Sequence[Any] | None = None) -> float:
    """Recall averaged as sklearn's ``average``; classes absent from y_true count as 0."""
    return _averaged(skm.recall_score, y_true, y_pred, average, labels)


def f1_score(y_true: Any, y_pred: Any, *, average: str = "macro", labels: Sequence[Any] | None = None) -> float:
    """F1 averaged as sklearn's ``average`` with ``zero_division=0``."""
    return _averaged(skm.f1_score, y_true, y_pred, average, labels)


def matthews_corrcoef(y_true: Any, y_pred: Any) -> float:
    """Matthews correlation coefficient (multi-class); 0 = chance, 1 = perfect."""
    with _quiet():
        return _float(skm.matthews_corrcoef(_arr(y_true), _arr(y_pred)))


def cohen_kappa_score(y_true: Any, y_pred: Any) -> float:
    """Cohen's kappa: agreement beyond chance.  Undefined cases (one class only) give 0.0."""
    with _quiet():
        return _float(skm.cohen_kappa_score(_arr(y_true), _arr(y_pred)))


def confusion_matrix(y_true: Any, y_pred: Any, *, labels: Sequence[Any], normalize: str | None = None) -> np.ndarray:
    """Rows = true label, columns = predicted label, both in ``labels`` order.

    ``normalize`` is None (counts), "true" (rows sum to 1), "pred" (columns) or "all".
    Rows/columns with no examples are 0 rather than NaN.
    """
    if normalize not in (None, "true", "pred", "all"):
        raise ValueError(f"normalize must be None, 'true', 'pred' or 'all', not {normalize!r}.")
    with _quiet():
        return skm.confusion_matrix(_arr(y_true), _arr(y_pred), labels=list(labels), normalize=normalize)


def per_class_report(y_true: Any, y_pred: Any, *, labels: Sequence[Any]) -> pd.DataFrame:
    """One row per label: label, precision, recall, f1, support (true count)."""
    with _quiet():
        precision, recall, f1, support = skm.precision_recall_fscore_support(
            _arr(y_true), _arr(y_pred), labels=list(labels), zero_division=0
        )
    return pd.DataFrame(
        {
            "label": list(labels),
            "precision": precision.astype(float),
            "recall": recall.astype(float),
            "f1": f1.astype(float),
            "support": support.astype(int),
        }
    )


# --------------------------------------------------------------------------- probabilistic scores


def _proba(y_proba: Any) -> np.ndarray:
    """Float64 (n, k) probabilities, clipped to [0, 1] and rows renormalised.

    Predictions stored as float32 sum to 1 only within ~1e-7, which sklearn
    flags; renormalising in float64 changes well-formed inputs by ~1e-16.
    """
    proba = np.clip(np.asarray(y_proba, dtype=np.float64), 0.0, 1.0)
    if proba.ndim != 2:
        raise ValueError(f"y_proba must be a 2-D (n, k) array, got shape {proba.shape}.")
    sums = proba.sum(axis=1, keepdims=True)
    return np.divide(
        proba,
        sums,
        out=np.full_like(proba, 1.0 / max(proba.shape[1], 1)),
        where=sums > 0,
    )


def log_loss(y_true: Any, y_proba: Any, *, labels: Sequence[Any]) -> float:
    """Mean cross-entropy (natural log); probabilities are clipped to [eps, 1-eps].

    ``y_proba`` columns follow ``labels`` order.  sklearn assumes *sorted* class
    order, so we hand it integer ids with ``labels=range(k)`` to keep columns aligned.
    """
    ids = _to_ids(y_true, labels)
    proba = _proba(y_proba)
    if proba.shape[1] != len(labels):
        raise ValueError(f"y_proba has {proba.shape[1]} columns but there are {len(labels)} labels.")
    with _quiet():
        return _float(skm.log_loss(ids, proba, labels=np.arange(len(labels))))


def _bin_edges(n_bins: int) -> np.ndarray:
    """k / n for k = 0..n, each correctly rounded: linspace's start + k * step puts 5/6 one float step low."""
    return np.arange(n_bins + 1) / n_bins


def _bin_index(confidence: np.ndarray, n_bins: int) -> np.ndarray:
    """Equal-width bins on [0, 1], right-closed: (0, 1/n], (1/n, 2/n], ... ; 0 goes to bin 0.

    searchsorted against the same edges the curve reports (not ceil(conf * n))
    so a confidence equal to an edge lands in the bin whose edge it matches.
    """
    edges = _bin_edges(n_bins)
    return np.clip(np.searchsorted(edges, confidence, side="left") - 1, 0, n_bins - 1)


def _top_label(y_true: Any, y_proba: Any, labels: Sequence[Any] | None) -> tuple[np.ndarray, np.ndarray]:
    """Per-example top-label confidence and whether the top label was correct."""
    proba = _proba(y_proba)
    ids = _to_ids(y_true, labels if labels is not None else list(range(proba.shape[1])))
    confidence = proba.max(axis=1)
    correct = (proba.argmax(axis=1) == ids).astype(float)
    return confidence, correct


def reliability_curve(y_true: Any, y_proba: Any, *, n_bins: int = 15, labels: Sequence[Any] | None = None) -> dict:
    """Per-bin mean confidence, accuracy and count for the top predicted label.

    ``y_true`` are class ids (or names when ``labels`` is given).  Empty bins have
    ``confidence``/``accuracy`` None so the dict stays JSON-able.
    """
    confidence, correct = _top_label(y_true, y_proba, labels)
    bins = _bin_index(confidence, n_bins)
    counts = np.bincount(bins, minlength=n_bins)
    conf_sum = np.bincount(bins, weights=confidence, minlength=n_bins)
    acc_sum = np.bincount(bins, weights=correct, minlength=n_bins)
    edges = _bin_edges(n_bins)
    return {
        "bin_lower": [float(x) for x in edges[:-1]],
        "bin_upper": [float(x) for x in edges[1:]],
        "confidence": [float(s / c) if c else None for s, c in zip(conf_sum, counts, strict=True)],
        "accuracy": [float(s / c) if c else None for s, c in zip(acc_sum, counts, strict=True)],
        "count": [int(c) for c in counts],
    }


def expected_calibration_error(y_true: Any, y_proba: Any, *, n_bins: int = 15, labels: Sequence[Any] | None = None) -> float:
    """Top-label ECE: sum over bins of (bin share) x |accuracy - mean confidence|."""
    confidence, correct = _top_label(y_true, y_proba, labels)
    if len(confidence) == 0:
        return 0.0
    bins = _bin_index(confidence, n_bins)
    counts = np.bincount(bins, minlength=n_bins)
    gap = np.abs(np.bincount(bins, weights=correct, minlength=n_bins) - np.bincount(bins, weights=confidence, minlength=n_bins))
    # |sum(correct) - sum(conf)| / N per bin == (n_b / N) * |acc_b - conf_b|.
    return _float(gap.sum() / counts.sum())


# --------------------------------------------------------------------------- summaries


def summary_metrics(y_true: Any, y_pred: Any, *, labels: Sequence[Any], y_proba: Any = None) -> dict[str, float]:
    """Every headline metric as plain floats; log_loss and ece only when ``y_proba`` is given."""
    y_true, y_pred, labels = _arr(y_true), _arr(y_pred), list(labels)
    out: dict[str, float] = {
        "accuracy": accuracy_score(y_true, y_pred),
        "balanced_accuracy": balanced_accuracy_score(y_true, y_pred),
    }
    for average in ("macro", "micro", "weighted"):
        out[f"precision_{average}"] = precision_score(y_true, y_pred, average=average, labels=labels)
        out[f"recall_{average}"] = recall_score(y_true, y_pred, average=average, labels=labels)
        out[f"f1_{average}"] = f1_score(y_true, y_pred, average=average, labels=labels)
    out["mcc"] = matthews_corrcoef(y_true, y_pred)
    out["cohen_kappa"] = cohen_kappa_score(y_true, y_pred)
    if y_proba is not None:
        out["log_loss"] = log_loss(y_true, y_proba, labels=labels)
        out["ece"] = expected_calibration_error(y_true, y_proba, labels=labels)
    return out


def _json_floats(values: np.ndarray) -> list[float | None]:
    """List of floats with +-inf/NaN as None (roc_curve's first threshold is inf)."""
    return [float(v) if np.isfinite(v) else None for v in np.asarray(values, dtype=float)]


def binary_curves(y_true: Any, scores: Any, *, positive: Any) -> dict:
    """ROC and precision-recall curves for a binary task, scoring ``positive``.

    Returns ``{"roc": {fpr, tpr, thresholds, auc}, "pr": {precision, recall,
    thresholds, average_precision}, "positive": positive}``.  AUC/AP are None when
    ``y_true`` holds only one class (the curves are undefined then).
    """
    y_bin = (_arr(y_true) == positive).astype(int)
    scores = np.asarray(scores, dtype=float)
    out: dict[str, Any] = {"positive": positive, "roc": None, "pr": None}
    if len(y_bin) == 0 or y_bin.min() == y_bin.max():
        return out
    with _quiet():
        fpr, tpr, roc_thr = skm.roc_curve(y_bin, scores)
        precision, recall, pr_thr = skm.precision_recall_curve(y_bin, scores)
        out["roc"] = {
            "fpr": _json_floats(fpr),
            "tpr": _json_floats(tpr),
            "thresholds": _json_floats(roc_thr),
            "auc": _float(skm.roc_auc_score(y_bin, scores)),
        }
        out["pr"] = {
            "precision": _json_floats(precision),
            "recall": _json_floats(recall),
            "thresholds": _json_floats(pr_thr),
            "average_precision": _float(skm.average_precision_score(y_bin, scores)),
        }
    return out


def threshold_metrics(y_true: Any, scores: Any, *, positive: Any, negative: Any, threshold: float) -> dict:
    """Metrics when predicting ``positive`` iff score >= ``threshold``.

    precision/recall/f1 are for the positive class; ``confusion_matrix`` rows/cols
    are ``[negative, positive]`` (listed under ``labels``); tp/fp/fn/tn are counts.
    """
    y = _arr(y_true)
    predicted_positive = np.asarray(scores, dtype=float) >= threshold
    # Counted directly (not via sklearn): class names may be ints or strings, and sklearn's binary average
    # rejects a pos_label absent from both arrays.  Rows of any other class are left out, as confusion_matrix does.
    is_positive, is_negative = y == positive, y == negative
    tp, fn = int((is_positive & predicted_positive).sum()), int((is_positive & ~predicted_positive).sum())
    fp, tn = int((is_negative & predicted_positive).sum()), int((is_negative & ~predicted_positive).sum())
    cm = np.array([[tn, fp], [fn, tp]])
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "threshold": float(threshold),
        "precision": float(precision),
        "recall": float(recall),
        "f1": float(f1),
        "accuracy": float((tp + tn) / len(y)) if len(y) else 0.0,
        "labels": [negative, positive],
        "confusion_matrix": cm.tolist(),
        "tp": tp,
        "fp": fp,
        "fn": fn,
        "tn": tn,
    }
