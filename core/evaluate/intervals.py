"""95 % bootstrap confidence intervals on a report's headline numbers, for every task kind.

Why: a point estimate from one test split says nothing about how much it would move on another sample of the same
size; "82.1 %" on 800 rows is really "somewhere around 79–85 %".  The interval is the plain percentile bootstrap over
the test rows: draw the rows with replacement ``n_resamples`` times, compute the metric on each resample, report the
2.5th and 97.5th percentiles.  Seeded, so the same predictions always give the same interval.

Why it is fast: a resample is only a vector of counts (how often each row was drawn), so each metric is computed
from *weighted sufficient statistics* — one ``(B × n)`` count matrix times a few ``(n × k)`` indicator matrices
(per-class TP / support / predicted counts, per-row F1 and exact-match indicators, regression moments) — instead of
B calls into scikit-learn.  Spearman is exact too: the average ranks of a resample with repeated rows are the
cumulative weights of the sorted (tie-grouped) values, so ranking happens once and each resample's ranks are a cumsum.
Resamples are processed in chunks of about ``_CHUNK_CELLS`` counts so memory stays bounded for large test sets (the
generator draws the same indices whatever the chunk size, so chunking changes an interval only by float rounding).

Measured (best of 5, 2-core x86 machine shared with a running test suite, numpy 2.4; 1,000 resamples of 10,000
rows, every metric of the kind in one call): single-label with 20 classes 0.09–0.20 s, multi-label with 20 labels
0.09–0.20 s, regression 0.31–0.46 s (two thirds of it Spearman's cumulative sums); drawing the counts is ~0.07 s of
each.  Timing belongs in ``bench/``; the tests only check results.

With weights all ones (:func:`weighted_scores` with ``np.ones((1, n))``) every metric equals the point metric of
:mod:`core.evaluate.metrics`, :mod:`~core.evaluate.metrics_multilabel` and :mod:`~core.evaluate.metrics_regression`
(scikit-learn / scipy), to rounding: the tests check it.  A resample where a metric is undefined (a correlation, or R²,
of a resample whose values are all equal) is left out of the percentiles; when every resample is, the interval's ends are None.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np
import pandas as pd

from core.i18n import translate
from core.ner.metrics import sentence_entities
from core.tasks import MULTI_LABEL, REGRESSION, SINGLE_LABEL

__all__ = [
    "CONFIDENCE",
    "METRICS",
    "N_RESAMPLES",
    "bootstrap_intervals",
    "interval_text",
    "resample_counts",
    "weighted_scores",
]

N_RESAMPLES = 1000
CONFIDENCE = 0.95
METRICS = {
    SINGLE_LABEL: ("accuracy", "balanced_accuracy", "f1_macro", "precision_macro", "recall_macro", "f1_weighted",
                   "mcc", "cohen_kappa"),
    MULTI_LABEL: ("f1_micro", "f1_macro", "f1_samples", "subset_accuracy", "hamming_loss"),
    REGRESSION: ("mse", "rmse", "mae", "r2", "pearson", "spearman"),
    "ner": ("f1", "precision", "recall", "f1_macro", "token_accuracy"),
}
"""The metrics each kind gets an interval for (the report's headline tiles that depend on hard predictions only)."""
_CHUNK_CELLS = 4_000_000
"""Counts held at once (resamples per chunk × rows): 32 MB of float64, whatever the test set's size."""
_DEGENERATE = 1e-12
"""A sum of squares below this share of its raw moment is a constant resample (rounding, not spread)."""
_DECIMALS = {"mcc": ".3f", "cohen_kappa": ".3f", "r2": ".3f", "pearson": ".3f", "spearman": ".3f",
             "mse": ".4g", "rmse": ".4g", "mae": ".4g"}
"""How an interval's ends are written, as their tile writes the value; any other metric is a percentage."""

Scores = dict[str, np.ndarray]


# --------------------------------------------------------------------------- resamples


def resample_counts(n: int, n_resamples: int, seed: int) -> Iterator[np.ndarray]:
    """``(b, n)`` float64 matrices of how often each row was drawn, chunk by chunk, ``n_resamples`` rows in all.

    Each row sums to ``n`` (a multinomial draw), made by drawing indices and counting them with one bincount: much
    faster than :meth:`numpy.random.Generator.multinomial` row by row.
    """
    rng = np.random.default_rng(seed)
    per_chunk = max(1, _CHUNK_CELLS // max(n, 1))
    for start in range(0, n_resamples, per_chunk):
        b = min(per_chunk, n_resamples - start)
        drawn = rng.integers(0, n, size=(b, n)) + (np.arange(b) * n)[:, None]
        yield np.bincount(drawn.ravel(), minlength=b * n).reshape(b, n).astype(np.float64)


def _divide(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    """``numerator / denominator`` with 0 where the denominator is 0 (scikit-learn's ``zero_division=0``)."""
    out = np.zeros(np.broadcast(numerator, denominator).shape)
    np.divide(numerator, denominator, out=out, where=denominator != 0)
    return out


# --------------------------------------------------------------------------- single label


def _single_prepare(y_true: Any, y_pred: Any, labels: Sequence[Any] | None) -> dict[str, Any]:
    """One-hot truth, predictions and hits ``(n, 3k)`` side by side, so one product gives every per-class count."""
    true, pred = np.asarray(y_true).astype(str), np.asarray(y_pred).astype(str)
    names = [str(x) for x in labels] if labels is not None else sorted(set(true) | set(pred))
    ids = [pd.Categorical(values, categories=names).codes for values in (true, pred)]
    if any((codes < 0).any() for codes in ids):
        raise ValueError("y_true and y_pred hold a class that is not in labels.")
    eye = np.eye(len(names))
    one_true, one_pred = eye[ids[0]], eye[ids[1]]
    return {"indicators": np.hstack([one_true, one_pred, one_true * one_pred]), "k": len(names)}


def _single_scores(weights: np.ndarray, prep: dict[str, Any], wanted: set[str]) -> Scores:
    """Per resample: the confusion matrix's margins and diagonal → every single-label headline metric."""
    k = prep["k"]
    counts = weights @ prep["indicators"]
    support, predicted, tp = counts[:, :k], counts[:, k : 2 * k], counts[:, 2 * k :]
    total, correct = weights.sum(axis=1), tp.sum(axis=1)
    recall, f1 = _divide(tp, support), _divide(2 * tp, support + predicted)
    present = support > 0  # balanced accuracy averages the classes present in the truth (scikit-learn)
    chance = (support * predicted).sum(axis=1)  # Σ_k t_k p_k: agreement expected by chance, times total²
    mcc_scale = np.sqrt((total**2 - (support**2).sum(axis=1)) * (total**2 - (predicted**2).sum(axis=1)))
    return {
        "accuracy": correct / total,
        "balanced_accuracy": (recall * present).sum(axis=1) / present.sum(axis=1),
        "f1_macro": f1.mean(axis=1),
        "precision_macro": _divide(tp, predicted).mean(axis=1),
        "recall_macro": recall.mean(axis=1),
        "f1_weighted": _divide((f1 * support).sum(axis=1), support.sum(axis=1)),
        "mcc": _divide(correct * total - chance, mcc_scale),  # scikit-learn: 0 when undefined
        "cohen_kappa": _kappa(total, correct, chance),
    }


def _kappa(total: np.ndarray, correct: np.ndarray, chance: np.ndarray) -> np.ndarray:
    """Cohen's kappa as scikit-learn computes it (1 − observed / expected disagreement); 0 where it is undefined
    (truth and predictions all one class), as :func:`core.evaluate.metrics.cohen_kappa_score` reports it."""
    expected = total - _divide(chance, total)
    return np.where(expected == 0, 0.0, 1.0 - _divide(total - correct, expected))


# --------------------------------------------------------------------------- multi-label


def _multilabel_prepare(y_true: Any, y_pred: Any, labels: Sequence[Any] | None) -> dict[str, Any]:
    """Per label: truth, prediction, hit columns; per row: exact match, wrong decisions, F1 (an empty row that is
    predicted empty scores 1, as the report's per-row averages do)."""
    true, pred = np.asarray(y_true, dtype=np.float64), np.asarray(y_pred, dtype=np.float64)
    if true.ndim != 2 or true.shape != pred.shape:
        raise ValueError(f"y_true {true.shape} and y_pred {pred.shape} must be the same (n, k) indicator shape.")
    hits = true * pred
    sizes = true.sum(axis=1) + pred.sum(axis=1)
    row_f1 = np.where(sizes > 0, _divide(2 * hits.sum(axis=1), sizes), 1.0)
    rows = np.column_stack([(true == pred).all(axis=1), (true != pred).sum(axis=1), row_f1])
    return {"indicators": np.hstack([true, pred, hits, rows]), "k": true.shape[1]}


def _multilabel_scores(weights: np.ndarray, prep: dict[str, Any], wanted: set[str]) -> Scores:
    k = prep["k"]
    counts = weights @ prep["indicators"]
    support, predicted, tp = counts[:, :k], counts[:, k : 2 * k], counts[:, 2 * k : 3 * k]
    exact, wrong, row_f1 = counts[:, 3 * k], counts[:, 3 * k + 1], counts[:, 3 * k + 2]
    total = weights.sum(axis=1)
    return {
        "f1_micro": _divide(2 * tp.sum(axis=1), support.sum(axis=1) + predicted.sum(axis=1)),
        "f1_macro": _divide(2 * tp, support + predicted).mean(axis=1) if k else np.zeros(len(total)),
        "f1_samples": row_f1 / total,
        "subset_accuracy": exact / total,
        "hamming_loss": _divide(wrong, total * k),
    }


# --------------------------------------------------------------------------- regression


def _tie_groups(values: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Sort order, where each group of equal values starts in it, and each row's group: ranking done once."""
    order = np.argsort(values, kind="stable")
    ordered = values[order]
    starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
    group = np.empty(len(values), dtype=np.int64)
    group[order] = np.cumsum(np.r_[True, ordered[1:] != ordered[:-1]]) - 1
    return order, starts, group


def _regression_prepare(y_true: Any, y_pred: Any, labels: Sequence[Any] | None) -> dict[str, Any]:
    """Centred values (shifting changes no metric but keeps the moment sums exact) and their products."""
    true, pred = np.asarray(y_true, dtype=np.float64).ravel(), np.asarray(y_pred, dtype=np.float64).ravel()
    if true.shape != pred.shape:
        raise ValueError(f"y_true has {len(true)} rows but y_pred has {len(pred)}.")
    x, y, residual = true - true.mean(), pred - pred.mean(), true - pred
    moments = np.column_stack([x, y, x * x, y * y, x * y, residual**2, np.abs(residual)])
    return {"moments": moments, "ties": (_tie_groups(true), _tie_groups(pred))}


def _weighted_ranks(counts: np.ndarray, ties: tuple[np.ndarray, np.ndarray, np.ndarray]) -> np.ndarray:
    """Each row's average rank within each resample, centred on the resample's mean rank ``(total + 1) / 2``.

    ``counts`` is ``(n, b)``: rows down, resamples across, so gathering rows and summing down are contiguous (twice
    as fast as the other layout).  A group of equal values drawn ``g`` times after ``c`` smaller draws holds ranks
    ``c + 1 … c + g``: average ``c + (g + 1) / 2`` — scipy's ``rankdata(method="average")`` of the resampled rows,
    without ranking them.
    """
    order, starts, group = ties
    drawn = counts[order]
    if len(starts) < len(order):  # tied values: one group each
        drawn = np.add.reduceat(drawn, starts, axis=0)
    ranks = np.cumsum(drawn, axis=0)
    ranks -= (drawn - 1.0) / 2.0
    ranks -= (counts.sum(axis=0) + 1.0) / 2.0
    return ranks[group]


def _correlation(cov: np.ndarray, var_x: np.ndarray, var_y: np.ndarray, raw_x: np.ndarray, raw_y: np.ndarray) -> np.ndarray:
    """``cov / sqrt(var_x var_y)``; NaN (undefined, left out) when either side is constant in the resample."""
    constant = (var_x <= _DEGENERATE * raw_x) | (var_y <= _DEGENERATE * raw_y)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(constant, np.nan, cov / np.sqrt(np.abs(var_x * var_y)))


def _spearman(weights: np.ndarray, ties: tuple) -> np.ndarray:
    """Exact Spearman of every resample: the weighted Pearson correlation of its centred average ranks."""
    counts = np.ascontiguousarray(weights.T)
    rx, ry = _weighted_ranks(counts, ties[0]), _weighted_ranks(counts, ties[1])
    wx = counts * rx
    vx, cov = np.einsum("ij,ij->j", wx, rx), np.einsum("ij,ij->j", wx, ry)
    vy = np.einsum("ij,ij->j", counts * ry, ry)
    scale = weights.sum(axis=1) ** 3  # a constant side has every centred rank 0: compare with the ranks' scale
    return _correlation(cov, vx, vy, scale, scale)


def _regression_scores(weights: np.ndarray, prep: dict[str, Any], wanted: set[str]) -> Scores:
    total = weights.sum(axis=1)
    sx, sy, sxx, syy, sxy, sr2, sabs = (weights @ prep["moments"]).T
    var_x, var_y, cov = sxx - sx * sx / total, syy - sy * sy / total, sxy - sx * sy / total
    constant_truth = var_x <= _DEGENERATE * sxx
    with np.errstate(divide="ignore", invalid="ignore"):
        r2 = np.where(constant_truth, np.nan, 1.0 - sr2 / var_x)
    out = {"mse": sr2 / total, "rmse": np.sqrt(sr2 / total), "mae": sabs / total, "r2": r2,
           "pearson": _correlation(cov, var_x, var_y, sxx, syy)}
    if "spearman" in wanted:
        out["spearman"] = _spearman(weights, prep["ties"])
    return out


# --------------------------------------------------------------------------- named entities


def _ner_prepare(y_true: Any, y_pred: Any, labels: Sequence[Any] | None) -> dict[str, Any]:
    """Per sentence: entities found / true / predicted per type, then right tokens and tokens — ``(n, 3k + 2)``.

    The rows are sentences (what the bootstrap resamples: entities in one sentence are not independent).  Entities
    are read as :mod:`core.ner.metrics` reads them (seqeval's default mode), so identity weights give its numbers.
    """
    true_tags, pred_tags = [list(tags) for tags in y_true], [list(tags) for tags in y_pred]
    if [len(t) for t in true_tags] != [len(p) for p in pred_tags]:
        raise ValueError("y_true and y_pred need the same sentences with the same number of tags each.")
    true_found, pred_found = sentence_entities(true_tags), sentence_entities(pred_tags)
    seen = {e[0] for found in [*true_found, *pred_found] for e in found}
    types = sorted(seen | {str(x) for x in labels or ()})
    column = {t: i for i, t in enumerate(types)}
    k = len(types)
    stats = np.zeros((len(true_tags), 3 * k + 2))
    for row, (golds, preds, true, pred) in enumerate(zip(true_found, pred_found, true_tags, pred_tags, strict=True)):
        hits = set(golds) & set(preds)  # strict: same type and same boundaries
        for offset, found in ((0, hits), (k, golds), (2 * k, preds)):
            for entity in found:
                stats[row, offset + column[entity[0]]] += 1
        stats[row, 3 * k] = sum(t == p for t, p in zip(true, pred, strict=True))
        stats[row, 3 * k + 1] = len(true)
    return {"indicators": stats, "k": k}


def _prf(tp: np.ndarray, true: np.ndarray, pred: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Precision, recall, F1 in seqeval's order of operations (F1 from P and R, 0 where P + R is 0)."""
    precision, recall = _divide(tp, pred), _divide(tp, true)
    denominator = precision + recall
    return precision, recall, 2 * precision * recall / np.where(denominator == 0, 1.0, denominator)


def _ner_scores(weights: np.ndarray, prep: dict[str, Any], wanted: set[str]) -> Scores:
    """Per resample: entity counts per type → micro P/R/F1, macro F1 over the types present, token accuracy."""
    k = prep["k"]
    counts = weights @ prep["indicators"]
    tp, true, pred = counts[:, :k], counts[:, k : 2 * k], counts[:, 2 * k : 3 * k]
    precision, recall, f1 = _prf(tp.sum(axis=1), true.sum(axis=1), pred.sum(axis=1))
    # Macro averages the types this resample holds (seqeval on the drawn sentences): a type drawn nowhere drops out.
    present = (true + pred) > 0
    type_f1 = _prf(tp, true, pred)[2]
    return {"f1": f1, "precision": precision, "recall": recall,
            "f1_macro": _divide((type_f1 * present).sum(axis=1), present.sum(axis=1)),
            "token_accuracy": _divide(counts[:, 3 * k], counts[:, 3 * k + 1])}


# --------------------------------------------------------------------------- public API

_KINDS: dict[str, tuple[Callable[..., dict], Callable[..., Scores]]] = {
    SINGLE_LABEL: (_single_prepare, _single_scores),
    MULTI_LABEL: (_multilabel_prepare, _multilabel_scores),
    REGRESSION: (_regression_prepare, _regression_scores),
    "ner": (_ner_prepare, _ner_scores),  # core.tasks.NER
}


def _kind(target: str, metrics: Sequence[str] | None) -> tuple[Callable, Callable, list[str]]:
    if target not in _KINDS:
        raise ValueError(f"unknown task target {target!r}; one of {', '.join(_KINDS)}")
    names = list(METRICS[target] if metrics is None else metrics)
    unknown = sorted(set(names) - set(METRICS[target]))
    if unknown:
        raise ValueError(f"no interval for {unknown} on {target}; one of {', '.join(METRICS[target])}")
    return *_KINDS[target], names


def weighted_scores(target: str, y_true: Any, y_pred: Any, weights: Any, *, labels: Sequence[Any] | None = None,
                    metrics: Sequence[str] | None = None) -> dict[str, np.ndarray]:
    """Each metric on each weighted copy of the test rows: ``weights`` is ``(B, n)`` (row counts; all ones is the
    test set itself), the answer ``{metric: (B,) array}``.

    ``target`` is a :mod:`core.tasks` target; inputs as the kind's metric helpers take them: class names (``labels``
    their order; default: the sorted names seen), ``(n, k)`` 0/1 matrices, or numbers.
    """
    prepare, score, names = _kind(target, metrics)
    matrix = np.atleast_2d(np.asarray(weights, dtype=np.float64))
    scores = score(matrix, prepare(y_true, y_pred, labels), set(names))
    return {name: scores[name] for name in names}


def _percentiles(values: np.ndarray, confidence: float) -> dict[str, float | None]:
    finite = values[np.isfinite(values)]
    if not len(finite):
        return {"low": None, "high": None}
    tail = (1.0 - confidence) / 2.0
    low, high = np.quantile(finite, [tail, 1.0 - tail])
    return {"low": float(low), "high": float(high)}


def bootstrap_intervals(target: str, y_true: Any, y_pred: Any, *, labels: Sequence[Any] | None = None,
                        metrics: Sequence[str] | None = None, n_resamples: int = N_RESAMPLES,
                        confidence: float = CONFIDENCE, seed: int = 0) -> dict[str, dict[str, float | None]]:
    """``{metric: {"low": …, "high": …}}``: percentile bootstrap intervals over the test rows (JSON-safe floats;
    None when the metric is undefined on every resample).  Inputs as in :func:`weighted_scores`; ``metrics``
    defaults to :data:`METRICS` of the kind.  No rows: an empty dict."""
    prepare, score, names = _kind(target, metrics)
    if not 0.0 < confidence < 1.0 or n_resamples < 1:
        raise ValueError(f"need 0 < confidence < 1 and n_resamples ≥ 1, not {confidence} and {n_resamples}.")
    n = len(y_true)  # not np.asarray: NER's sentences are ragged lists of tags
    if n == 0:
        return {}
    prep = prepare(y_true, y_pred, labels)
    chunks = [score(weights, prep, set(names)) for weights in resample_counts(n, n_resamples, seed)]
    return {name: _percentiles(np.concatenate([c[name] for c in chunks]), confidence) for name in names}


def interval_text(metric: str, interval: dict | None, language: str, *, bare: bool = False) -> str:
    """'95% CI 81.2–84.9%' (or '0.812–0.849' for a correlation, the target's units for an error) in ``language``,
    written as the metric's tile writes its value; '' when the report has no interval for it (older reports).
    ``bare`` leaves out '95% CI' (for a column that says it in its header)."""
    key = "intervals.range" if bare else "intervals.ci"
    low, high = (interval or {}).get("low"), (interval or {}).get("high")
    if low is None or high is None or np.isnan(low) or np.isnan(high):  # NaN: a table column's missing interval
        return ""
    if metric in _DECIMALS:
        spec = _DECIMALS[metric]
        return translate(language, key, low=format(low, spec), high=format(high, spec))
    return translate(language, f"{key}_percent", low=f"{100 * low:.1f}", high=f"{100 * high:.1f}")
