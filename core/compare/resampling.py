"""The statistics of a paired comparison, on plain arrays: McNemar's exact test and a vectorised paired bootstrap.

A bootstrap resample is held as how often each test row is drawn (a row of a counts matrix), not as a list of
indices, so a metric of every resample at once is a matrix product: accuracy is ``counts @ correct / n``, F1 comes
from per-class counts, Spearman from ranks that count a row drawn twice twice.  One counts matrix scores both runs
and every metric, so the differences are paired resample by resample (both runs always see the same rows).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np
from scipy import sparse
from scipy.stats import binomtest

from core.evaluate import intervals

CONFIDENCE = 0.95
RESAMPLES = 2000
"""Resamples per comparison: a p-value resolution of 1/2000 and percentile ends steady to about a tenth of a point."""
SEED = 0
"""Fixed, so the same two runs always get the same interval and p-value."""

Scorer = Callable[[np.ndarray], np.ndarray]
"""A metric of one run: ``(k, n)`` resample counts → ``(k,)`` values (``np.ones((1, n))``: the rows themselves)."""


@dataclass(frozen=True)
class Estimate:
    """A metric of A and B on the rows themselves, the interval of B − A and its two-sided bootstrap p-value."""

    a: float
    b: float
    low: float
    high: float
    p_value: float


def mcnemar_p(b_only: int, a_only: int) -> float:
    """Two-sided exact McNemar p-value from the discordant rows (``b_only``: only B right; ``a_only``: only A).

    Rows both runs get right, or both wrong, say nothing about which is better; if neither is, each discordant row
    is a fair coin, so the rows B wins are Binomial(b_only + a_only, 1/2).  No discordant rows: no evidence, p = 1.
    """
    total = b_only + a_only
    return 1.0 if total == 0 else float(binomtest(b_only, total, 0.5, alternative="two-sided").pvalue)


def resample_counts(n: int, resamples: int = RESAMPLES, seed: int = SEED) -> Iterator[np.ndarray]:
    """How often each of ``n`` rows is drawn in each of ``resamples`` bootstrap resamples: ``(b, n)`` float blocks
    (:func:`core.evaluate.intervals.resample_counts`, the draw the report's intervals use)."""
    return intervals.resample_counts(n, resamples, seed)


def bootstrap_p(deltas: np.ndarray) -> float:
    """Two-sided p-value of "B − A is 0" read off the resampled differences: twice the smaller share on either side
    of 0, counted with one more resample so a finite bootstrap never claims p = 0.

    It inverts the percentile interval (p < 0.05 about when the 95% interval excludes 0), so the sentence's interval
    and p-value agree; every resample equal to 0 (a run against itself) gives p = 1.
    """
    deltas = deltas[np.isfinite(deltas)]
    if deltas.size == 0:
        return math.nan
    tail = min(int((deltas <= 0).sum()), int((deltas >= 0).sum()))
    return min(1.0, 2 * (tail + 1) / (deltas.size + 1))


def paired_bootstrap(scorers: dict[str, tuple[Scorer, Scorer]], n: int, *, resamples: int = RESAMPLES,
                     seed: int = SEED) -> dict[str, Estimate]:
    """Each metric's ``(score A, score B)`` on the rows and its paired bootstrap: B − A on the same resamples."""
    deltas: dict[str, list[np.ndarray]] = {metric: [] for metric in scorers}
    for counts in resample_counts(n, resamples, seed):
        for metric, (score_a, score_b) in scorers.items():
            deltas[metric].append(score_b(counts) - score_a(counts))
    whole, tail = np.ones((1, n)), 100 * (1 - CONFIDENCE) / 2
    found = {}
    for metric, (score_a, score_b) in scorers.items():
        drawn = np.concatenate(deltas[metric])
        finite = drawn[np.isfinite(drawn)]
        low, high = np.percentile(finite, [tail, 100 - tail]) if finite.size else (math.nan, math.nan)
        found[metric] = Estimate(float(score_a(whole)[0]), float(score_b(whole)[0]), float(low), float(high),
                                 bootstrap_p(drawn))
    return found


# ---------------------------------------------------------------------------- scorers
def mean_scorer(values: np.ndarray) -> Scorer:
    """The mean of a per-row number in each resample: accuracy from 0/1 correctness, MAE from absolute errors."""
    values = np.asarray(values, dtype=np.float64)
    return lambda counts: counts @ values / len(values)


def _share(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    """``numerator / denominator`` with 0 where the denominator is 0 (sklearn's ``zero_division=0``)."""
    return np.divide(numerator, denominator, out=np.zeros_like(numerator), where=denominator > 0)


def f1_macro_scorer(truth: np.ndarray, pred: np.ndarray, n_classes: int) -> Scorer:
    """Macro-F1 over ``n_classes`` class ids (a class absent from a resample scores 0, as in the report), from
    per-class hits, predictions and true rows: sparse one-hot columns keep 1,000 classes cheap."""
    rows = np.arange(len(truth))

    def one_hot(ids: np.ndarray, keep: np.ndarray) -> sparse.csr_array:
        return sparse.csr_array((keep.astype(np.float64), (rows, ids)), shape=(len(truth), n_classes))

    everywhere = np.ones(len(truth), dtype=bool)
    hits, predicted, actual = one_hot(truth, pred == truth), one_hot(pred, everywhere), one_hot(truth, everywhere)

    def score(counts: np.ndarray) -> np.ndarray:
        tp = np.asarray(counts @ hits)
        return _share(2 * tp, np.asarray(counts @ predicted) + np.asarray(counts @ actual)).mean(axis=1)

    return score


def f1_micro_scorer(truth: np.ndarray, pred: np.ndarray) -> Scorer:
    """Micro-F1 of 0/1 label matrices: true positives, false positives and false negatives pooled over labels."""
    truth, pred = np.asarray(truth, dtype=bool), np.asarray(pred, dtype=bool)
    parts = np.column_stack([(truth & pred).sum(1), (~truth & pred).sum(1), (truth & ~pred).sum(1)]).astype(np.float64)

    def score(counts: np.ndarray) -> np.ndarray:
        tp, fp, fn = (counts @ parts).T
        return _share(2 * tp, 2 * tp + fp + fn)

    return score


def _ranker(values: np.ndarray) -> Scorer:
    """Mid-ranks of ``values`` within each resample (ties share their average rank, as in scipy.stats.spearmanr;
    a row drawn w times takes w places).  The sort happens once; each resample only re-counts the tie groups."""
    order = np.argsort(values, kind="stable")
    ordered = values[order]
    new = np.r_[True, ordered[1:] != ordered[:-1]]
    starts = np.flatnonzero(new)
    group = np.empty(len(values), dtype=np.intp)
    group[order] = np.cumsum(new) - 1
    ties = len(starts) < len(values)

    def ranks(counts: np.ndarray) -> np.ndarray:
        sizes = np.add.reduceat(counts[:, order], starts, axis=1) if ties else counts[:, order]
        return (np.cumsum(sizes, axis=1) - (sizes - 1) / 2)[:, group]

    return ranks


def _centred_ranks(values: np.ndarray) -> Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Each resample's mid-ranks minus their mean ((n + 1) / 2 in every resample of n draws) and their weighted sum
    of squares.  The last block is remembered, so the truth's ranks are computed once for both runs."""
    ranks, centre, last = _ranker(np.asarray(values, dtype=np.float64)), (len(values) + 1) / 2, {}

    def centred(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        if last.get("counts") is not counts:
            shifted = ranks(counts) - centre
            last.update(counts=counts, value=(shifted, np.einsum("ij,ij->i", counts * shifted, shifted)))
        return last["value"]

    return centred


def spearman_scorers(truth: np.ndarray, *preds: np.ndarray) -> list[Scorer]:
    """Spearman's rank correlation with the truth of each run's predictions, in each resample (NaN for a constant):
    the Pearson correlation of mid-ranks, rows weighted by how often they were drawn."""
    truth_ranks = _centred_ranks(truth)

    def scorer(pred: np.ndarray) -> Scorer:
        pred_ranks = _centred_ranks(pred)

        def score(counts: np.ndarray) -> np.ndarray:
            (dt, vt), (dp, vp) = truth_ranks(counts), pred_ranks(counts)
            with np.errstate(invalid="ignore", divide="ignore"):
                return np.einsum("ij,ij->i", counts * dt, dp) / np.sqrt(vt * vp)

        return score

    return [scorer(pred) for pred in preds]
