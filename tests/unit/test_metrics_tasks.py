"""Multi-label and regression metrics and the per-label thresholds agree with scikit-learn / scipy (issue 18)."""

from __future__ import annotations

import itertools
import math
import time
import warnings

import numpy as np
import pytest
from scipy import stats
from sklearn import metrics as skm

from core.evaluate import metrics_multilabel as mm
from core.evaluate import metrics_regression as mr
from core.evaluate.thresholds import DEFAULT_GRID, apply_thresholds, f1_by_threshold, tune_thresholds


def _multilabel_case(seed: int, n: int = 200, k: int = 6):
    """Labels of decreasing frequency, scores that rank them better than chance, decisions at 0.5."""
    rng = np.random.default_rng(seed)
    true = (rng.random((n, k)) < np.linspace(0.05, 0.5, k)).astype(int)
    scores = np.clip(0.35 * true + 0.65 * rng.random((n, k)), 0, 1)
    return true, (scores >= 0.5).astype(int), scores


def _sk(function, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return function(*args, **kwargs)


# --------------------------------------------------------------------------- multi-label


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("average", ["micro", "macro", "samples", "weighted"])
def test_averaged_scores_equal_sklearn(seed, average):
    true, pred, _ = _multilabel_case(seed)
    for ours, theirs in (
        (mm.f1_score, skm.f1_score),
        (mm.precision_score, skm.precision_score),
        (mm.recall_score, skm.recall_score),
        (mm.jaccard_score, skm.jaccard_score),
    ):
        value = ours(true, pred, average=average)
        assert type(value) is float
        assert value == pytest.approx(_sk(theirs, true, pred, average=average, zero_division=0))
    assert mm.f1_score(true, pred, average=average, zero_division=1) == pytest.approx(
        _sk(skm.f1_score, true, pred, average=average, zero_division=1)
    )


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_set_scores_and_auc_equal_sklearn(seed):
    true, pred, scores = _multilabel_case(seed)
    assert mm.accuracy_score(true, pred) == pytest.approx(skm.accuracy_score(true, pred))
    assert mm.hamming_loss(true, pred) == pytest.approx(skm.hamming_loss(true, pred))
    assert mm.f1_score(true.tolist(), pred.tolist()) == pytest.approx(skm.f1_score(true, pred, average="micro"))
    for average in ("macro", "micro", "weighted"):
        assert mm.roc_auc_score(true, scores, average=average) == pytest.approx(skm.roc_auc_score(true, scores, average=average))
    assert mm.label_cardinality(true) == pytest.approx(true.sum() / len(true))


def test_per_label_report_matches_sklearn_per_column():
    true, pred, scores = _multilabel_case(3)
    labels = ["z", "a", "m", "b", "y", "c"]  # not sorted: columns keep this order
    frame = mm.per_label_report(true, pred, scores, labels=labels, thresholds=[0.1, 0.2, 0.3, 0.4, 0.5, 0.6])
    assert list(frame.columns) == ["label", "precision", "recall", "f1", "support", "predicted", "threshold", "roc_auc"]
    assert frame["label"].tolist() == labels
    p, r, f, s = _sk(skm.precision_recall_fscore_support, true, pred, average=None, zero_division=0)
    np.testing.assert_allclose(frame["precision"], p)
    np.testing.assert_allclose(frame["recall"], r)
    np.testing.assert_allclose(frame["f1"], f)
    assert frame["support"].tolist() == s.tolist()
    assert frame["predicted"].tolist() == pred.sum(axis=0).tolist()
    assert frame["threshold"].tolist() == [0.1, 0.2, 0.3, 0.4, 0.5, 0.6]
    for j in range(len(labels)):
        assert frame["roc_auc"][j] == pytest.approx(skm.roc_auc_score(true[:, j], scores[:, j]))


def test_a_label_never_true_is_zero_in_macro_and_has_no_auc():
    true, pred, scores = _multilabel_case(4)
    true[:, 2] = 0
    assert mm.f1_score(true, pred, average="macro") == pytest.approx(
        _sk(skm.f1_score, true, pred, average="macro", zero_division=0)
    )
    assert mm.roc_auc_score(true, scores) is None  # undefined for one label: no made-up macro average
    assert mm.roc_auc_score(true, scores, average="micro") == pytest.approx(skm.roc_auc_score(true, scores, average="micro"))
    frame = mm.per_label_report(true, pred, scores, labels=list("abcdef"))
    assert frame["roc_auc"][2] is None and frame["support"][2] == 0 and frame["recall"][2] == 0.0
    assert frame["threshold"].isna().all()
    assert mm.per_label_report(true, pred, None, labels=list("abcdef"))["roc_auc"].isna().all()


def test_all_equal_predictions_and_one_row():
    true, _, _ = _multilabel_case(5)
    nothing = np.zeros_like(true)
    assert mm.f1_score(true, nothing, average="micro") == 0.0
    assert mm.precision_score(true, nothing, average="macro") == 0.0
    assert mm.accuracy_score(true, nothing) == pytest.approx(skm.accuracy_score(true, nothing))
    everything = np.ones_like(true)
    assert mm.recall_score(true, everything, average="micro") == 1.0
    one_true, one_pred = np.array([[1, 0, 1]]), np.array([[1, 1, 0]])
    assert mm.f1_score(one_true, one_pred, average="samples") == pytest.approx(0.5)
    assert mm.hamming_loss(one_true, one_pred) == pytest.approx(2 / 3)
    assert mm.accuracy_score(one_true, one_pred) == 0.0
    assert mm.roc_auc_score(one_true, one_pred.astype(float)) is None
    assert mm.label_cardinality(np.zeros((0, 3))) == 0.0


def test_empty_rows_score_zero_division_in_samples_averages():
    true = np.array([[0, 0], [1, 0]])
    pred = np.array([[0, 0], [1, 0]])
    assert mm.f1_score(true, pred, average="samples") == pytest.approx(0.5)  # scikit-learn's default rule
    assert mm.f1_score(true, pred, average="samples", zero_division=1) == 1.0
    assert mm.jaccard_score(true, pred, zero_division=1) == 1.0


def test_bad_indicator_inputs_are_refused():
    with pytest.raises(ValueError, match="2-D"):
        mm.f1_score([1, 0, 1], [1, 0, 1])
    with pytest.raises(ValueError, match="only 0 and 1"):
        mm.f1_score([[0.2, 0.9]], [[0, 1]])
    with pytest.raises(ValueError, match="shape"):
        mm.hamming_loss(np.zeros((3, 2)), np.zeros((3, 3)))
    with pytest.raises(ValueError, match="average"):
        mm.f1_score(np.zeros((3, 2)), np.zeros((3, 2)), average="binary")


def test_cooccurrence_counts_and_error_patterns():
    labels = ["a", "b", "c"]
    true = np.array([[1, 1, 0], [1, 0, 0], [1, 0, 0], [0, 1, 1], [1, 1, 1], [0, 0, 0]])
    pred = np.array([[0, 0, 0], [0, 1, 0], [0, 1, 0], [0, 1, 1], [1, 0, 0], [0, 0, 1]])
    counts = mm.cooccurrence_counts(true)
    assert counts.tolist() == [[4, 2, 1], [2, 3, 2], [1, 2, 2]]
    errors = mm.cooccurrence_errors(true, pred, labels=labels)
    assert errors == [
        {"label_a": "a", "label_b": "b", "n": 2, "kind": "confused"},  # rows 1 and 2: a taken for b
        {"label_a": "a", "label_b": "b", "n": 1, "kind": "missed_together"},  # row 0
        {"label_a": "b", "label_b": "c", "n": 1, "kind": "missed_together"},  # row 4
    ]
    assert mm.cooccurrence_errors(true, pred, labels=labels, top=1) == errors[:1]
    assert mm.cooccurrence_errors(true, true, labels=labels) == []


# --------------------------------------------------------------------------- thresholds


def test_f1_by_threshold_matches_sklearn_at_each_cut():
    true, _, scores = _multilabel_case(6, n=150, k=4)
    scores = np.round(scores, 2)  # ties, and scores exactly on grid values
    grid = np.array([0.0, 0.1, 0.25, 0.3, 0.5, 0.77, 1.0, 1.5])
    table = f1_by_threshold(true, scores, grid)
    for g, cut in enumerate(grid):
        for j in range(true.shape[1]):
            expected = _sk(skm.f1_score, true[:, j], (scores[:, j] >= cut).astype(int), zero_division=0)
            assert table[g, j] == pytest.approx(expected)


def test_a_rare_label_gets_a_low_threshold_and_a_label_without_positives_shares_the_pooled_one():
    rng = np.random.default_rng(7)
    n = 2000
    rare = (rng.random(n) < 0.03).astype(int)
    common = (rng.random(n) < 0.5).astype(int)
    never = np.zeros(n, dtype=int)
    # The rare label's scores rank its texts well but seldom reach 0.5 (what training on few positives does).
    rare_scores = np.clip(0.1 + 0.25 * rare + rng.normal(0, 0.05, n), 0, 1)
    common_scores = np.clip(0.5 + 0.3 * (common - 0.5) + rng.normal(0, 0.1, n), 0, 1)
    never_scores = rng.random(n)
    true = np.column_stack([rare, common, never])
    scores = np.column_stack([rare_scores, common_scores, never_scores])
    thresholds = tune_thresholds(true, scores)
    assert thresholds.dtype == np.float64 and thresholds.shape == (3,)
    assert thresholds[0] < 0.5
    f1_at = lambda cut: skm.f1_score(rare, (rare_scores >= cut).astype(int), zero_division=0)  # noqa: E731
    assert f1_at(thresholds[0]) > f1_at(0.5) + 0.5
    assert 0.35 <= thresholds[1] <= 0.65
    pooled = tune_thresholds(true.reshape(-1, 1), scores.reshape(-1, 1), min_positives=1)[0]
    assert thresholds[2] == pooled  # no positive to judge by: the threshold that is best over all labels together
    decisions = apply_thresholds(scores, thresholds)
    assert decisions.shape == true.shape and set(np.unique(decisions)) <= {0, 1}
    np.testing.assert_array_equal(decisions[:, 0], (rare_scores >= thresholds[0]).astype(int))


def test_flat_f1_keeps_half_and_ties_go_to_the_threshold_closest_to_half():
    true = np.array([[1], [0], [1], [0]])
    flat = np.full((4, 1), 0.99)  # every grid cut predicts every row: the same F1 everywhere
    assert tune_thresholds(true, flat).tolist() == [0.5]
    assert tune_thresholds(true, flat, grid=[0.2, 0.3]).tolist() == [0.5]  # 0.5 even when not a candidate
    separated = np.array([[0.8], [0.1], [0.7], [0.2]])  # any cut in (0.2, 0.7] is perfect
    assert tune_thresholds(true, separated).tolist() == [0.5]
    assert tune_thresholds(true, separated, grid=[0.3, 0.6, 0.65]).tolist() == [0.5]  # all perfect: flat
    assert tune_thresholds(true, separated, grid=[0.15, 0.3, 0.6, 0.65]).tolist() == [0.6]
    assert tune_thresholds(true, separated, grid=[0.05, 0.4, 0.6]).tolist() == [0.4]  # equal distance: the lower


def test_labels_with_few_validation_positives_share_one_threshold():
    rng = np.random.default_rng(3)
    n = 60  # a small validation split: 3 positives of a rare label, 30 of a common one
    rare, common = np.zeros(n, dtype=int), (rng.random(n) < 0.5).astype(int)
    rare[:3] = 1
    scores = np.column_stack([np.clip(0.3 * rare + rng.random(n) * 0.6, 0, 1),
                              np.clip(0.4 * common + rng.random(n) * 0.6, 0, 1)])
    true = np.column_stack([rare, common])
    shared = tune_thresholds(true, scores, min_positives=10)
    pooled = tune_thresholds(true.reshape(-1, 1), scores.reshape(-1, 1), min_positives=1)[0]
    own = tune_thresholds(true, scores, min_positives=1)
    assert shared[0] == pooled  # 3 positives: the pooled cut, not one fitted to three rows
    assert shared[1] == own[1]  # 30 positives: its own


def test_thresholds_from_stored_cells_and_input_checks():
    labels = ["x", "y"]
    cells = ["x", "", "x|y", "y"]
    scores = np.array([[0.3, 0.1], [0.05, 0.2], [0.35, 0.9], [0.1, 0.8]])
    from_cells = tune_thresholds(cells, scores, labels=labels, min_positives=1)
    matrix = np.array([[1, 0], [0, 0], [1, 1], [0, 1]])
    np.testing.assert_array_equal(from_cells, tune_thresholds(matrix, scores, min_positives=1))
    assert from_cells.tolist() == [0.3, 0.5]  # x: any cut in (0.1, 0.3] is perfect; y: (0.2, 0.8]
    assert tune_thresholds(np.zeros((0, 2)), np.zeros((0, 2))).tolist() == [0.5, 0.5]
    with pytest.raises(ValueError):
        tune_thresholds(matrix, scores[:, :1])
    with pytest.raises(ValueError):
        tune_thresholds(cells, scores, labels=["x"])
    with pytest.raises(ValueError):
        apply_thresholds(scores, [0.5])
    assert DEFAULT_GRID[0] == 0.05 and DEFAULT_GRID[-1] == 0.95 and len(DEFAULT_GRID) == 19


def test_tuning_is_fast_enough_for_ten_thousand_rows_and_a_hundred_labels():
    rng = np.random.default_rng(8)
    true = (rng.random((10_000, 100)) < np.linspace(0.005, 0.3, 100)).astype(np.int8)
    scores = rng.random((10_000, 100))
    tune_thresholds(true[:100], scores[:100])  # warm-up
    start = time.perf_counter()
    tune_thresholds(true, scores)
    assert time.perf_counter() - start < 1.0  # about 0.05 s on one core


# --------------------------------------------------------------------------- regression


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_regression_metrics_equal_sklearn_and_scipy(seed):
    rng = np.random.default_rng(seed)
    true = rng.normal(2.5, 1.2, 300)
    pred = true + rng.normal(0, 0.6, 300)
    assert mr.mean_squared_error(true, pred) == pytest.approx(skm.mean_squared_error(true, pred))
    assert mr.mean_absolute_error(true, pred) == pytest.approx(skm.mean_absolute_error(true, pred))
    assert mr.r2_score(true, pred) == pytest.approx(skm.r2_score(true, pred))
    assert mr.pearsonr(true, pred) == pytest.approx(stats.pearsonr(true, pred).statistic)
    assert mr.spearmanr(true, pred) == pytest.approx(stats.spearmanr(true, pred).statistic)
    weights = rng.random(300)
    assert mr.mean_squared_error(true, pred, sample_weight=weights) == pytest.approx(
        skm.mean_squared_error(true, pred, sample_weight=weights)
    )
    summary = mr.regression_summary(true.tolist(), pred.tolist())
    assert tuple(summary) == mr.SUMMARY_KEYS
    assert summary["rmse"] == pytest.approx(math.sqrt(summary["mse"]))
    assert summary["n_test"] == 300
    assert summary["target_mean"] == pytest.approx(true.mean())
    assert summary["baseline_mse"] == pytest.approx(skm.mean_squared_error(true, np.full(300, true.mean())))
    assert summary["baseline_mse"] == pytest.approx(summary["target_std"] ** 2)
    assert all(type(summary[key]) is float for key in mr.SUMMARY_KEYS if key != "n_test")


def test_undefined_regression_metrics_are_none_not_nan():
    varied = np.array([1.0, 2.0, 3.0, 4.0])
    constant = np.full(4, 2.0)
    assert mr.pearsonr(varied, constant) is None
    assert mr.spearmanr(constant, varied) is None
    assert mr.pearsonr([1.0], [2.0]) is None and mr.spearmanr([], []) is None
    assert mr.r2_score([1.0], [1.5]) is None
    assert mr.r2_score(constant, constant) == 1.0  # scikit-learn's rule for constant targets
    assert mr.r2_score(constant, varied) == 0.0
    one = mr.regression_summary([3.0], [2.5])
    assert one["mse"] == 0.25 and one["mae"] == 0.5 and one["n_test"] == 1
    assert one["r2"] is None and one["pearson"] is None and one["spearman"] is None
    assert one["target_std"] == 0.0 and one["baseline_mse"] == 0.0
    flat = mr.regression_summary(constant, constant + 1)
    assert flat["pearson"] is None and flat["r2"] == 0.0 and flat["mae"] == 1.0
    empty = mr.regression_summary([], [])
    assert empty["n_test"] == 0 and all(empty[key] is None for key in mr.SUMMARY_KEYS if key != "n_test")
    with pytest.raises(ValueError):
        mr.mean_absolute_error([1.0, 2.0], [1.0])


def test_residuals_by_range_equal_count_bins():
    true = np.arange(100, dtype=float)
    pred = true - 1.0  # always one too low: residual +1
    bins = mr.residuals_by_range(true, pred)
    assert len(bins) == 5
    assert [b["n"] for b in bins] == [20] * 5
    assert bins[0]["low"] == 0.0 and bins[0]["high"] == 19.0 and bins[-1]["high"] == 99.0
    assert all(b["mae"] == 1.0 and b["mean_residual"] == 1.0 for b in bins)
    assert all(a["high"] == b["low"] for a, b in itertools.pairwise(bins))
    assert set(bins[0]) == {"range", "low", "high", "n", "mae", "mean_residual"}
    assert bins[0]["range"] == "0.0–19.0"


def test_residuals_by_range_merges_tied_targets_and_constant_ones():
    stars = np.array([1.0] * 10 + [2.0] * 5 + [3.0] * 5 + [4.0] * 30 + [5.0] * 50)
    pred = np.full(len(stars), 4.0)
    bins = mr.residuals_by_range(stars, pred, bins=5)
    assert sum(b["n"] for b in bins) == len(stars)
    assert len(bins) < 5 and all(b["n"] > 0 for b in bins)
    assert [b["range"] for b in bins] == ["1.0–3.0", "3.0–4.0", "4.0–5.0"]
    assert [b["n"] for b in bins] == [20, 30, 50]
    assert bins[0]["mean_residual"] < 0 < bins[-1]["mean_residual"]  # low targets predicted too high, high too low
    constant = mr.residuals_by_range(np.full(7, 3.0), np.full(7, 2.0))
    assert constant == [{"range": "3.0–3.0", "low": 3.0, "high": 3.0, "n": 7, "mae": 1.0, "mean_residual": 1.0}]
    two = mr.residuals_by_range([0.0, 10.0], [0.0, 10.0])
    assert sum(b["n"] for b in two) == 2 and all(b["n"] > 0 for b in two)
    assert mr.residuals_by_range([], []) == []
    assert len(mr.residuals_by_range(np.linspace(0, 0.5, 50), np.zeros(50))) == 5
    assert mr.residuals_by_range(np.linspace(0, 0.5, 50), np.zeros(50))[0]["range"] == "0.000–0.092"
