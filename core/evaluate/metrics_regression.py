"""Regression metrics (a number per text: ratings, similarity scores) in scikit-learn's and scipy's vocabulary.

Thin wrappers returning plain Python floats (JSON-able).  Where a metric is undefined — a correlation of a constant
series, R² of one row — the answer is None, never NaN, so a report can say "not defined" instead of a made-up 0.

Residuals are ``y_true - y_pred`` (scikit-learn's ``PredictionErrorDisplay`` convention): a positive residual means
the model predicted too low.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats
from sklearn import metrics as skm

__all__ = [
    "SUMMARY_KEYS",
    "format_number",
    "mean_absolute_error",
    "mean_squared_error",
    "pearsonr",
    "r2_score",
    "regression_summary",
    "residuals_by_range",
    "spearmanr",
]

SUMMARY_KEYS = ("mse", "rmse", "mae", "r2", "pearson", "spearman", "n_test", "target_mean", "target_std", "baseline_mse")
"""The keys of :func:`regression_summary`, in report order."""


def _values(y: Any, name: str = "y") -> np.ndarray:
    """1-D float64 array from a list / Series / array."""
    array = np.asarray(y.to_numpy() if isinstance(y, pd.Series) else y, dtype=np.float64)
    if array.ndim == 2 and array.shape[1] == 1:  # a one-column matrix (a model's single output) is fine
        array = array[:, 0]
    if array.ndim != 1:
        raise ValueError(f"{name} must be one number per row, got shape {array.shape}.")
    return array


def _pair(y_true: Any, y_pred: Any) -> tuple[np.ndarray, np.ndarray]:
    true, pred = _values(y_true, "y_true"), _values(y_pred, "y_pred")
    if true.shape != pred.shape:
        raise ValueError(f"y_true has {len(true)} rows but y_pred has {len(pred)}.")
    return true, pred


def _finite(value: Any) -> float | None:
    value = float(value)
    return value if math.isfinite(value) else None


def mean_squared_error(y_true: Any, y_pred: Any, *, sample_weight: Any = None) -> float:
    """Mean of the squared residuals (penalises large misses most; in the target's unit squared)."""
    true, pred = _pair(y_true, y_pred)
    return float(skm.mean_squared_error(true, pred, sample_weight=sample_weight))


def mean_absolute_error(y_true: Any, y_pred: Any, *, sample_weight: Any = None) -> float:
    """Mean absolute residual, in the target's unit: "off by this much on average"."""
    true, pred = _pair(y_true, y_pred)
    return float(skm.mean_absolute_error(true, pred, sample_weight=sample_weight))


def r2_score(y_true: Any, y_pred: Any, *, sample_weight: Any = None) -> float | None:
    """Coefficient of determination: 1 is perfect, 0 is no better than predicting the mean, negative is worse.

    None with fewer than two rows (undefined).  Constant targets follow scikit-learn (1.0 when every prediction is
    exact, else 0.0).
    """
    true, pred = _pair(y_true, y_pred)
    if len(true) < 2:
        return None
    return _finite(skm.r2_score(true, pred, sample_weight=sample_weight))


def _correlation(function: Any, x: Any, y: Any) -> float | None:
    """scipy's coefficient as a float, or None when it is undefined (under 2 rows, a constant series, NaN)."""
    a, b = _pair(x, y)
    if len(a) < 2 or np.ptp(a) == 0 or np.ptp(b) == 0:
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # scipy warns on near-constant input; the None above covers the real cases
        return _finite(function(a, b).statistic)


def pearsonr(x: Any, y: Any) -> float | None:
    """Pearson's linear correlation coefficient (scipy.stats.pearsonr's statistic); None when undefined."""
    return _correlation(stats.pearsonr, x, y)


def spearmanr(x: Any, y: Any) -> float | None:
    """Spearman's rank correlation (scipy.stats.spearmanr's statistic): does the model order the texts right,
    whatever the scale — the headline of similarity benchmarks such as STS-B; None when undefined."""
    return _correlation(stats.spearmanr, x, y)


def regression_summary(y_true: Any, y_pred: Any) -> dict[str, float | int | None]:
    """Every headline number of a regression report, keyed by :data:`SUMMARY_KEYS`.

    ``target_std`` is the population standard deviation of the true values, so ``baseline_mse`` — the MSE of always
    predicting their mean — equals its square: the bar any useful model must beat.  No rows: every metric None.
    """
    true, pred = _pair(y_true, y_pred)
    if len(true) == 0:
        return {key: 0 if key == "n_test" else None for key in SUMMARY_KEYS}
    mse = mean_squared_error(true, pred)
    return {
        "mse": mse,
        "rmse": math.sqrt(mse),
        "mae": mean_absolute_error(true, pred),
        "r2": r2_score(true, pred),
        "pearson": pearsonr(true, pred),
        "spearman": spearmanr(true, pred),
        "n_test": len(true),
        "target_mean": float(true.mean()),
        "target_std": float(true.std()),
        "baseline_mse": float(np.mean((true - true.mean()) ** 2)),
    }


def _edges(true: np.ndarray, bins: int) -> np.ndarray:
    """Quantile edges for up to ``bins`` equal-count bins, equal edges merged, empty bins merged into a neighbour.

    The edges are observed targets (the inverted-CDF quantile), not interpolations between them, so star
    ratings read "1.0–3.0", never "1.0–3.8"."""
    ordered = np.sort(true)
    # inverted_cdf in integer arithmetic: the value ranked ceil(i·n/bins) closes bin i (float quantile levels such as
    # 0.6000000000000001 would move an edge by one row).
    ranks = -(-np.arange(1, bins + 1) * len(ordered) // bins) - 1
    edges = np.unique(np.concatenate([ordered[:1], ordered[ranks]]))
    if len(edges) == 1:
        return np.array([edges[0], edges[0]])
    while True:
        counts = np.bincount(_bin_of(true, edges), minlength=len(edges) - 1)
        empty = np.flatnonzero(counts == 0)
        if not len(empty):
            return edges
        i = int(empty[0])
        edges = np.delete(edges, i + 1 if i < len(edges) - 2 else i)  # drop its upper edge, the last bin its lower


def _bin_of(true: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Bin index per value: the first bin is ``[e0, e1]``, the next ``(e1, e2]`` and so on."""
    return np.searchsorted(edges[1:-1], true, side="left")


def format_number(value: float, decimals: int) -> str:
    """A range end as shown: ``decimals`` places (at least one, so 1 reads "1.0")."""
    return f"{value:.{decimals}f}"


def _decimals(edges: np.ndarray) -> int:
    """Enough decimals that the narrowest bin's two ends read differently (1 for 1.0–2.0, 2 for 0.25–0.50 …)."""
    widths = np.diff(edges)
    widths = widths[widths > 0]
    if not len(widths):
        return 1
    return int(min(6, max(1, 1 - math.floor(math.log10(widths.min())))))


def residuals_by_range(y_true: Any, y_pred: Any, *, bins: int = 5) -> list[dict]:
    """How the model does across the target's range: the true values cut into at most ``bins`` equal-count bins
    (quantiles; equal edges merged, so heavily tied targets such as star ratings give fewer bins).

    One dict per bin, lowest first: ``range`` (``"1.0–2.0"``), ``low`` and ``high`` (its edges; the first bin
    holds ``low``, the others start just above it), ``n``, ``mae`` and ``mean_residual`` (mean of ``y_true -
    y_pred``: positive = predicted too low).  A model that hugs the mean shows positive residuals at the top and
    negative ones at the bottom.  No rows: an empty list.
    """
    true, pred = _pair(y_true, y_pred)
    if len(true) == 0:
        return []
    if bins < 1:
        raise ValueError(f"bins must be at least 1, not {bins}.")
    edges = _edges(true, bins)
    which = _bin_of(true, edges)
    decimals = _decimals(edges)
    residual = true - pred
    out = []
    for i in range(len(edges) - 1):
        mask = which == i
        low, high = float(edges[i]), float(edges[i + 1])
        out.append(
            {
                "range": f"{format_number(low, decimals)}–{format_number(high, decimals)}",
                "low": low,
                "high": high,
                "n": int(mask.sum()),
                "mae": float(np.abs(residual[mask]).mean()),
                "mean_residual": float(residual[mask].mean()),
            }
        )
    return out
