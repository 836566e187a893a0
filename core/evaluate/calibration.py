"""Temperature scaling: one number, fitted on the validation split, that makes probabilities honest.

A fine-tuned classifier is usually over-confident: it says 0.99 where it is right 90 % of the time.  Dividing its
logits by a temperature ``T`` (> 1 softens, < 1 sharpens) fixes most of that without changing any prediction, since
the arg-max of ``z / T`` is the arg-max of ``z`` (Guo et al., 2017, "On Calibration of Modern Neural Networks").
``T`` is the value that minimises the negative log-likelihood of the validation labels.

Only probabilities are needed: ``log softmax(z)`` differs from ``z`` by a constant per row, and softmax ignores such
constants, so ``softmax(log p / T) == softmax(z / T)``.  The worker folds ``T`` into the classifier's last layer
(:func:`core.train.heads.fold_temperature`), so the saved model, the playground and a plain ``pipeline`` all return the
calibrated probabilities; the report keeps the uncalibrated test probabilities' ECE beside the calibrated one.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from core.evaluate import metrics

TEMPERATURE_BOUNDS = (0.05, 20.0)  # wide: a collapsed or wildly over-confident model still gets a finite answer
_EPS = 1e-12


def _log_proba(proba: Any) -> np.ndarray:
    return np.log(np.clip(np.asarray(proba, dtype=float), _EPS, 1.0))


def apply_temperature(proba: Any, temperature: float) -> np.ndarray:
    """Probabilities after dividing the logits that produced ``proba`` (rows sum to 1) by ``temperature``."""
    scaled = _log_proba(proba) / float(temperature)
    scaled -= scaled.max(axis=1, keepdims=True)  # numerically safe softmax
    exp = np.exp(scaled)
    return exp / exp.sum(axis=1, keepdims=True)


def negative_log_likelihood(y_ids: Any, proba: Any) -> float:
    """Mean ``-log p(true class)`` over rows (``y_ids`` are column positions)."""
    ids = np.asarray(y_ids, dtype=int)
    rows = _log_proba(proba)
    return float(-rows[np.arange(len(ids)), ids].mean()) if len(ids) else 0.0


def fit_temperature(y_ids: Any, proba: Any) -> float:
    """The temperature in :data:`TEMPERATURE_BOUNDS` that minimises the NLL of ``y_ids`` under ``proba``.

    1.0 when there is nothing to fit (no rows, one column).  Searched over ``log T`` (bounded, Brent), where the NLL
    is smooth and the bounds are symmetric around 1.
    """
    from scipy.optimize import minimize_scalar

    proba = np.asarray(proba, dtype=float)
    ids = np.asarray(y_ids, dtype=int)
    if len(ids) == 0 or proba.ndim != 2 or proba.shape[1] < 2:
        return 1.0
    low, high = np.log(TEMPERATURE_BOUNDS)
    result = minimize_scalar(lambda log_t: negative_log_likelihood(ids, apply_temperature(proba, np.exp(log_t))),
                             bounds=(low, high), method="bounded", options={"xatol": 1e-4})
    best = float(np.exp(result.x))
    # Never worse than leaving the model alone (the optimiser stops at a tolerance, the NLL may be flat).
    if negative_log_likelihood(ids, apply_temperature(proba, best)) > negative_log_likelihood(ids, proba):
        return 1.0
    return best


def fit_summary(y_ids: Any, proba: Any) -> dict[str, float | int]:
    """The fitted temperature with the validation NLL before and after (what the report and model card state)."""
    temperature = fit_temperature(y_ids, proba)
    return {
        "temperature": round(temperature, 4),
        "validation_rows": len(np.asarray(y_ids)),
        "validation_nll_before": negative_log_likelihood(y_ids, proba),
        "validation_nll_after": negative_log_likelihood(y_ids, apply_temperature(proba, round(temperature, 4))),
    }


def before_scaling(proba: Any, temperature: float) -> np.ndarray:
    """The uncalibrated probabilities of a model whose outputs ``proba`` were divided by ``temperature``."""
    return apply_temperature(proba, 1.0 / float(temperature))


def comparison(y_true: Any, calibrated: np.ndarray, temperature: float, *, labels: list[Any],
               n_bins: int) -> dict[str, Any]:
    """ECE and reliability bins of the test predictions before temperature scaling (the report shows after)."""
    raw = before_scaling(calibrated, temperature)
    return {
        "ece": metrics.expected_calibration_error(y_true, raw, n_bins=n_bins, labels=labels),
        "reliability": metrics.reliability_curve(y_true, raw, n_bins=n_bins, labels=labels),
        "mean_confidence": float(raw.max(axis=1).mean()) if len(raw) else 0.0,
    }
