"""core.evaluate.metrics must agree with scikit-learn and return plain floats."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pytest
from sklearn import metrics as skm

from core.evaluate import metrics as m

CASES = [(seed, k) for seed in (0, 1, 2) for k in (2, 5, 30)]


def _random_case(seed: int, k: int, n: int = 240):
    """String labels in a deliberately unsorted order, ~60% accurate predictions.

    With 30 classes and 240 rows some classes are missing from y_true or y_pred,
    which exercises the zero_division / labels handling.
    """
    rng = np.random.default_rng(seed)
    labels = [f"c{i:02d}" for i in rng.permutation(k)]  # id2label order != sorted order
    y_true = rng.choice(labels, n)
    y_pred = np.where(rng.random(n) < 0.6, y_true, rng.choice(labels, n))
    proba = rng.dirichlet(np.ones(k), n)
    return labels, y_true, y_pred, proba


def _sklearn_log_loss(y_true, proba, labels):
    """sklearn assumes alphabetical column order: reorder our columns to match."""
    order = np.argsort(labels)
    return skm.log_loss(y_true, proba[:, order], labels=sorted(labels))


@pytest.mark.parametrize(("seed", "k"), CASES)
def test_hard_label_metrics_equal_sklearn(seed, k):
    labels, y_true, y_pred, _ = _random_case(seed, k)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert m.accuracy_score(y_true, y_pred) == pytest.approx(skm.accuracy_score(y_true, y_pred))
        assert m.balanced_accuracy_score(y_true, y_pred) == pytest.approx(skm.balanced_accuracy_score(y_true, y_pred))
        assert m.matthews_corrcoef(y_true, y_pred) == pytest.approx(skm.matthews_corrcoef(y_true, y_pred))
        assert m.cohen_kappa_score(y_true, y_pred) == pytest.approx(skm.cohen_kappa_score(y_true, y_pred))
        for average in ("macro", "micro", "weighted"):
            for ours, theirs in (
                (m.precision_score, skm.precision_score),
                (m.recall_score, skm.recall_score),
                (m.f1_score, skm.f1_score),
            ):
                expected = theirs(y_true, y_pred, average=average, labels=labels, zero_division=0)
                assert ours(y_true, y_pred, average=average, labels=labels) == pytest.approx(expected)


@pytest.mark.parametrize(("seed", "k"), CASES)
def test_log_loss_equals_sklearn_in_label_order(seed, k):
    labels, y_true, _, proba = _random_case(seed, k)
    expected = _sklearn_log_loss(y_true, proba, labels)
    assert m.log_loss(y_true, proba, labels=labels) == pytest.approx(expected, rel=1e-9)
    ids = np.array([labels.index(v) for v in y_true])
    assert m.log_loss(ids, proba, labels=labels) == pytest.approx(expected, rel=1e-9)


def test_log_loss_clips_zero_probabilities_and_accepts_float32():
    labels = ["b", "a"]
    proba = np.array([[1.0, 0.0], [0.0, 1.0]], dtype=np.float32)  # second row: true 'b' gets 0
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # float32 rounding must not trigger sklearn's sum warning
        ours = m.log_loss(["b", "b"], proba, labels=labels)
    assert np.isfinite(ours) and ours > 10


@pytest.mark.parametrize(("seed", "k"), CASES)
@pytest.mark.parametrize("normalize", [None, "true", "pred", "all"])
def test_confusion_matrix_equals_sklearn(seed, k, normalize):
    labels, y_true, y_pred, _ = _random_case(seed, k)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = skm.confusion_matrix(y_true, y_pred, labels=labels, normalize=normalize)
    np.testing.assert_allclose(m.confusion_matrix(y_true, y_pred, labels=labels, normalize=normalize), expected)


def test_confusion_matrix_rejects_unknown_normalize():
    with pytest.raises(ValueError, match="normalize"):
        m.confusion_matrix(["a"], ["a"], labels=["a"], normalize="rows")


def test_integer_labels_work_like_names():
    rng = np.random.default_rng(3)
    y_true, y_pred = rng.integers(0, 4, 100), rng.integers(0, 4, 100)
    assert m.f1_score(y_true, y_pred, labels=[0, 1, 2, 3]) == pytest.approx(
        skm.f1_score(y_true, y_pred, average="macro", labels=[0, 1, 2, 3], zero_division=0)
    )
    np.testing.assert_array_equal(
        m.confusion_matrix(y_true, y_pred, labels=[3, 2, 1, 0]),
        skm.confusion_matrix(y_true, y_pred, labels=[3, 2, 1, 0]),
    )


@pytest.mark.parametrize(("seed", "k"), CASES)
def test_per_class_report_matches_sklearn(seed, k):
    labels, y_true, y_pred, _ = _random_case(seed, k)
    frame = m.per_class_report(y_true, y_pred, labels=labels)
    p, r, f, s = skm.precision_recall_fscore_support(y_true, y_pred, labels=labels, zero_division=0)
    assert list(frame.columns) == ["label", "precision", "recall", "f1", "support"]
    assert frame["label"].tolist() == labels
    np.testing.assert_allclose(frame[["precision", "recall", "f1"]].to_numpy(), np.c_[p, r, f])
    np.testing.assert_array_equal(frame["support"], s)


@pytest.mark.parametrize(("seed", "k"), CASES)
def test_summary_metrics_keys_values_and_json(seed, k):
    labels, y_true, y_pred, proba = _random_case(seed, k)
    summary = m.summary_metrics(y_true, y_pred, labels=labels, y_proba=proba)
    expected_keys = {
        "accuracy",
        "balanced_accuracy",
        *(f"{p}_{a}" for p in ("precision", "recall", "f1") for a in ("macro", "micro", "weighted")),
        "mcc",
        "cohen_kappa",
        "log_loss",
        "ece",
    }
    assert set(summary) == expected_keys
    assert all(type(v) is float for v in summary.values())
    json.dumps(summary, allow_nan=False)
    assert summary["log_loss"] == pytest.approx(_sklearn_log_loss(y_true, proba, labels))
    assert "log_loss" not in m.summary_metrics(y_true, y_pred, labels=labels)


def test_undefined_kappa_is_zero_not_nan():
    assert m.cohen_kappa_score(["a", "a"], ["a", "a"]) == 0.0


def _ece_case():
    """Five predictions, 5 bins (0,.2] (.2,.4] (.4,.6] (.6,.8] (.8,1]; no confidence on an edge."""
    y_true = [0, 1, 1, 0, 1]
    proba = [
        [0.90, 0.10],  # conf .90 -> bin 4, predicts 0, correct
        [0.75, 0.25],  # conf .75 -> bin 3, predicts 0, wrong
        [0.30, 0.70],  # conf .70 -> bin 3, predicts 1, correct
        [0.35, 0.65],  # conf .65 -> bin 3, predicts 1, wrong
        [0.45, 0.55],  # conf .55 -> bin 2, predicts 1, correct
    ]
    return y_true, proba


def test_expected_calibration_error_hand_computed():
    y_true, proba = _ece_case()
    # bin 4: 1 example,  accuracy 1,   mean conf .90         -> 1/5 * |1   - .90| = .02
    # bin 3: 3 examples, accuracy 1/3, mean conf (.75+.70+.65)/3 = .70 -> 3/5 * |1/3 - .70| = .22
    # bin 2: 1 example,  accuracy 1,   mean conf .55         -> 1/5 * |1   - .55| = .09
    # ECE = .02 + .22 + .09 = .33
    assert m.expected_calibration_error(y_true, proba, n_bins=5) == pytest.approx(0.33)
    curve = m.reliability_curve(y_true, proba, n_bins=5)
    assert curve["count"] == [0, 0, 1, 3, 1]
    assert curve["accuracy"][:2] == [None, None]
    assert curve["accuracy"][3] == pytest.approx(1 / 3)
    assert curve["confidence"][3] == pytest.approx(0.70)
    json.dumps(curve, allow_nan=False)


def test_ece_accepts_names_with_labels_and_perfect_model_is_zero():
    y_true, proba = _ece_case()
    names = ["neg", "pos"]
    assert m.expected_calibration_error([names[i] for i in y_true], proba, n_bins=5, labels=names) == pytest.approx(0.33)
    assert m.expected_calibration_error([0, 1], [[1.0, 0.0], [0.0, 1.0]]) == 0.0


def _threshold_case():
    y = np.array(["ham", "spam", "spam", "ham", "spam", "ham", "ham", "spam"])
    scores = np.array([0.10, 0.80, 0.40, 0.60, 0.95, 0.30, 0.50, 0.20])
    return y, scores


@pytest.mark.parametrize("threshold", [0.0, 0.35, 0.5, 0.7, 1.0])
def test_threshold_metrics_against_manual_counts(threshold):
    y, scores = _threshold_case()
    result = m.threshold_metrics(y, scores, positive="spam", negative="ham", threshold=threshold)
    flagged = scores >= threshold
    tp = int(np.sum(flagged & (y == "spam")))
    fp = int(np.sum(flagged & (y == "ham")))
    fn = int(np.sum(~flagged & (y == "spam")))
    tn = int(np.sum(~flagged & (y == "ham")))
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    assert (result["tp"], result["fp"], result["fn"], result["tn"]) == (tp, fp, fn, tn)
    assert result["confusion_matrix"] == [[tn, fp], [fn, tp]]
    assert result["labels"] == ["ham", "spam"]
    assert result["precision"] == pytest.approx(precision)
    assert result["recall"] == pytest.approx(recall)
    assert result["f1"] == pytest.approx(f1)
    assert result["accuracy"] == pytest.approx((tp + tn) / len(y))


def test_threshold_metrics_at_half_by_hand():
    y, scores = _threshold_case()
    # >= .5 flags rows 1 (spam), 3 (ham), 4 (spam), 6 (ham): tp 2, fp 2; misses spam rows 2 and 7: fn 2; tn 2.
    result = m.threshold_metrics(y, scores, positive="spam", negative="ham", threshold=0.5)
    assert (result["tp"], result["fp"], result["fn"], result["tn"]) == (2, 2, 2, 2)
    assert result["precision"] == result["recall"] == result["f1"] == result["accuracy"] == 0.5


def test_binary_curves_match_sklearn_and_are_json():
    y, scores = _threshold_case()
    curves = m.binary_curves(y, scores, positive="spam")
    assert curves["roc"]["auc"] == pytest.approx(skm.roc_auc_score(y == "spam", scores))
    assert curves["pr"]["average_precision"] == pytest.approx(skm.average_precision_score(y == "spam", scores))
    fpr, tpr, _ = skm.roc_curve(y == "spam", scores)
    np.testing.assert_allclose(curves["roc"]["fpr"], fpr)
    np.testing.assert_allclose(curves["roc"]["tpr"], tpr)
    json.dumps(curves, allow_nan=False)


def test_binary_curves_single_class_is_undefined_not_an_error():
    curves = m.binary_curves(["ham", "ham"], [0.2, 0.7], positive="spam")
    assert curves["roc"] is None and curves["pr"] is None
