"""core.evaluate.metrics pinned exactly: equal to scikit-learn for any small label set (properties), ECE bins on
their edges, names vs ids, probability clean-up, the summary keys, binary curves and threshold counts by hand."""

from __future__ import annotations

import json
import math
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from sklearn import metrics as skm
from sklearn.calibration import calibration_curve

from core.evaluate import metrics as m

NAMES = ["b", "a", "Z", "m", "ant", "Ant"]
AVERAGES = ("macro", "micro", "weighted")
SCORES = ((m.precision_score, skm.precision_score), (m.recall_score, skm.recall_score), (m.f1_score, skm.f1_score))


def _nan_to_zero(value: float) -> float:
    """The helpers' documented rule: an undefined metric (NaN) is reported as 0.0."""
    value = float(value)
    return 0.0 if math.isnan(value) else value


@st.composite
def label_pairs(draw, min_classes: int = 1):
    """y_true / y_pred over a small, unsorted label set; a class may be in only one of them, or in neither."""
    universe = draw(st.lists(st.sampled_from(NAMES), min_size=min_classes, max_size=4, unique=True))
    n = draw(st.integers(1, 12))
    y_true = draw(st.lists(st.sampled_from(universe), min_size=n, max_size=n))
    y_pred = draw(st.lists(st.sampled_from(universe), min_size=n, max_size=n))
    labels = draw(st.permutations(universe))
    return y_true, y_pred, labels


# --- property: every sklearn mirror equals sklearn -------------------------------------------------------------------


@given(label_pairs())
def test_hard_label_scores_equal_sklearn_for_any_small_label_set(case):
    y_true, y_pred, _labels = case
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = {
            "accuracy": skm.accuracy_score(y_true, y_pred),
            "balanced": skm.balanced_accuracy_score(y_true, y_pred),
            "mcc": skm.matthews_corrcoef(y_true, y_pred),
            "kappa": skm.cohen_kappa_score(y_true, y_pred),
        }
    ours = {
        "accuracy": m.accuracy_score(y_true, y_pred),
        "balanced": m.balanced_accuracy_score(y_true, y_pred),
        "mcc": m.matthews_corrcoef(y_true, y_pred),
        "kappa": m.cohen_kappa_score(y_true, y_pred),
    }
    for key, value in ours.items():
        assert type(value) is float
        assert value == pytest.approx(_nan_to_zero(expected[key]), abs=1e-12), key


@given(label_pairs(), st.sampled_from(AVERAGES), st.booleans())
def test_precision_recall_f1_equal_sklearn_with_zero_division_0(case, average, give_labels):
    y_true, y_pred, labels = case
    labels = labels if give_labels else None
    for ours, theirs in SCORES:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            expected = theirs(y_true, y_pred, average=average, labels=labels, zero_division=0)
        value = ours(y_true, y_pred, average=average, labels=labels)
        assert type(value) is float
        assert value == pytest.approx(_nan_to_zero(expected), abs=1e-12), (ours.__name__, average)


@given(label_pairs())
def test_default_average_is_macro(case):
    y_true, y_pred, labels = case
    for ours, _ in SCORES:
        assert ours(y_true, y_pred, labels=labels) == ours(y_true, y_pred, average="macro", labels=labels)


@given(label_pairs())
def test_per_class_report_equals_sklearn_average_none_in_label_order(case):
    y_true, y_pred, labels = case
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        p, r, f, s = skm.precision_recall_fscore_support(y_true, y_pred, labels=labels, average=None, zero_division=0)
    frame = m.per_class_report(y_true, y_pred, labels=labels)
    assert list(frame.columns) == ["label", "precision", "recall", "f1", "support"]
    assert frame["label"].tolist() == list(labels)
    np.testing.assert_allclose(frame["precision"], p)
    np.testing.assert_allclose(frame["recall"], r)
    np.testing.assert_allclose(frame["f1"], f)
    assert frame["support"].tolist() == s.tolist() == [y_true.count(label) for label in labels]
    assert str(frame["support"].dtype) == "int64" and str(frame["f1"].dtype) == "float64"


@given(label_pairs(), st.sampled_from([None, "true", "pred", "all"]))
def test_confusion_matrix_equals_sklearn_in_label_order(case, normalize):
    y_true, y_pred, labels = case
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = skm.confusion_matrix(y_true, y_pred, labels=labels, normalize=normalize)
    got = m.confusion_matrix(y_true, y_pred, labels=labels, normalize=normalize)
    assert got.shape == (len(labels), len(labels))
    np.testing.assert_allclose(got, expected)
    if normalize is None:
        assert int(got.sum()) == len(y_true)


@given(label_pairs(min_classes=2), st.data())
def test_log_loss_equals_sklearn_with_columns_in_label_order(case, data):
    y_true, _, labels = case
    k = len(labels)
    weights = data.draw(st.lists(st.lists(st.integers(0, 9), min_size=k, max_size=k), min_size=len(y_true),
                                 max_size=len(y_true)))
    proba = np.array(weights, dtype=float) + 0.5
    proba /= proba.sum(axis=1, keepdims=True)
    order = np.argsort(labels)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = skm.log_loss(y_true, proba[:, order], labels=sorted(labels))
    assert m.log_loss(y_true, proba, labels=labels) == pytest.approx(expected, rel=1e-9)
    ids = [labels.index(v) for v in y_true]
    assert m.log_loss(ids, proba, labels=labels) == pytest.approx(expected, rel=1e-9)
    by_hand = -np.mean([math.log(proba[i, j]) for i, j in enumerate(ids)])
    assert m.log_loss(y_true, proba, labels=labels) == pytest.approx(by_hand, rel=1e-9)


# --- hard-label scores by hand ---------------------------------------------------------------------------------------


def test_hand_made_scores_with_a_class_absent_from_both():
    y_true = ["b", "a", "a", "b", "b"]
    y_pred = ["b", "a", "b", "b", "a"]
    labels = ["b", "a", "c"]  # 'c' never occurs: macro averages it in as 0 when labels are given
    # b: P 2/3 R 2/3, a: P 1/2 R 1/2
    assert m.accuracy_score(y_true, y_pred) == 0.6
    assert m.precision_score(y_true, y_pred, labels=labels) == pytest.approx((2 / 3 + 1 / 2) / 3)
    assert m.precision_score(y_true, y_pred) == pytest.approx((2 / 3 + 1 / 2) / 2)
    assert m.recall_score(y_true, y_pred, average="weighted") == pytest.approx(0.6)
    assert m.f1_score(y_true, y_pred, average="micro", labels=labels) == pytest.approx(0.6)
    assert m.balanced_accuracy_score(y_true, y_pred) == pytest.approx((2 / 3 + 1 / 2) / 2)


def test_scores_accept_series_with_a_shuffled_index_by_position():
    y_true = pd.Series(["a", "b", "b"], index=[7, 3, 5])
    y_pred = pd.Series(["a", "b", "a"], index=[5, 7, 3])  # positions count, not the index
    assert m.accuracy_score(y_true, y_pred) == pytest.approx(2 / 3)
    assert m.f1_score(y_true, y_pred, labels=["a", "b"]) == pytest.approx((2 / 3 + 2 / 3) / 2)


def test_undefined_scores_are_zero_not_nan():
    assert m.cohen_kappa_score(["a", "a", "a"], ["a", "a", "a"]) == 0.0
    assert m.matthews_corrcoef(["a", "a"], ["a", "a"]) == 0.0
    assert m.precision_score(["a", "a"], ["b", "b"], labels=["a"]) == 0.0
    assert m.recall_score(["a", "a"], ["b", "b"], average="weighted", labels=["c"]) == 0.0


def test_confusion_matrix_rows_are_true_columns_are_predicted_and_empty_rows_are_zero():
    got = m.confusion_matrix(["x", "x", "y"], ["y", "x", "y"], labels=["y", "x", "z"], normalize="true")
    np.testing.assert_allclose(got, [[1.0, 0.0, 0.0], [0.5, 0.5, 0.0], [0.0, 0.0, 0.0]])
    counts = m.confusion_matrix(["x", "x", "y"], ["y", "x", "y"], labels=("y", "x"))
    assert counts.tolist() == [[1, 0], [1, 1]]


def test_confusion_matrix_names_the_bad_normalize_value():
    with pytest.raises(ValueError) as error:
        m.confusion_matrix(["a"], ["a"], labels=["a"], normalize="rows")
    assert str(error.value) == "normalize must be None, 'true', 'pred' or 'all', not 'rows'."


# --- names vs ids ------------------------------------------------------------------------------------------------------


def test_log_loss_takes_names_ids_and_numbers_written_as_text():
    proba = [[0.8, 0.2], [0.25, 0.75], [0.5, 0.5]]
    expected = -(math.log(0.8) + math.log(0.75) + math.log(0.5)) / 3
    assert m.log_loss(["b", "a", "b"], proba, labels=["b", "a"]) == pytest.approx(expected)
    assert m.log_loss([0, 1, 0], proba, labels=["b", "a"]) == pytest.approx(expected)
    assert m.log_loss(np.array([0, 1, 0], dtype=np.int64), proba, labels=["b", "a"]) == pytest.approx(expected)
    # Integer labels 1, 0 are names, not ids: label 1 is column 0.
    assert m.log_loss([1, 0, 1], proba, labels=[1, 0]) == pytest.approx(expected)
    assert m.log_loss(["1", "0", "1"], proba, labels=[1, 0]) == pytest.approx(expected)
    assert m.log_loss(np.array(["b", "a", "b"]), proba, labels=np.array(["b", "a"])) == pytest.approx(expected)


def test_unknown_class_values_are_named_in_the_error():
    with pytest.raises(ValueError) as error:
        m.log_loss(["b", "x", "a", "y"], [[0.5, 0.5]] * 4, labels=["b", "a"])
    assert str(error.value) == "Unknown class values ['x', 'y']; expected names from labels or ids 0..1."


def test_out_of_range_ids_are_rejected_and_at_most_five_are_named():
    with pytest.raises(ValueError) as error:
        m.log_loss([0, 2], [[0.5, 0.5]] * 2, labels=["b", "a"])
    assert str(error.value) == "Unknown class values ['0', '2']; expected names from labels or ids 0..1."
    with pytest.raises(ValueError, match=r"Unknown class values \['-1', '0'\]"):
        m.log_loss([-1, 0], [[0.5, 0.5]] * 2, labels=["b", "a"])
    with pytest.raises(ValueError) as error:
        m.log_loss(list("gfedcx"), [[0.5, 0.5]] * 6, labels=["b", "a"])
    assert str(error.value).startswith("Unknown class values ['c', 'd', 'e', 'f', 'g'];")


def test_ids_on_the_last_valid_position_work():
    proba = [[0.1, 0.2, 0.7], [0.6, 0.3, 0.1]]
    expected = -(math.log(0.7) + math.log(0.6)) / 2
    assert m.log_loss([2, 0], proba, labels=["z", "y", "x"]) == pytest.approx(expected)


def test_an_exact_label_match_wins_over_the_same_text():
    # Labels 1 and "1" print alike; the integer 1 is the first label, the text "1" the second.
    proba = [[0.8, 0.2]]
    assert m.log_loss(np.array([1]), proba, labels=[1, "1"]) == pytest.approx(-math.log(0.8))
    assert m.log_loss(np.array(["1"]), proba, labels=[1, "1"]) == pytest.approx(-math.log(0.2))


def test_ids_must_be_columns_even_for_a_single_row():
    with pytest.raises(ValueError) as error:
        m.reliability_curve([2], [[0.6, 0.4]])
    assert str(error.value) == "Unknown class values ['2']; expected names from labels or ids 0..1."
    with pytest.raises(ValueError, match=r"Unknown class values \['2'\]"):
        m.expected_calibration_error(np.array([2]), [[0.6, 0.4]], labels=["x", "y"])


def test_float_ids_are_not_accepted_as_ids():
    with pytest.raises(ValueError, match="Unknown class values"):
        m.log_loss([0.0, 1.0], [[0.5, 0.5]] * 2, labels=["b", "a"])


# --- probability clean-up ----------------------------------------------------------------------------------------------


def test_log_loss_renormalises_clips_and_spreads_an_all_zero_row_evenly():
    labels = ["a", "b", "c"]
    # Row 0 sums to 2 (-> .5 .25 .25), row 1 has a negative and a >1 entry (-> 0 1 0), row 2 is all zero (-> 1/3 each).
    proba = [[1.0, 0.5, 0.5], [-1.0, 3.0, 0.0], [0.0, 0.0, 0.0]]
    expected = -(math.log(0.5) + math.log(1.0) + math.log(1 / 3)) / 3
    assert m.log_loss(["a", "b", "c"], proba, labels=labels) == pytest.approx(expected)


def test_log_loss_needs_a_2d_matrix_with_one_column_per_label():
    with pytest.raises(ValueError) as error:
        m.log_loss(["a"], [0.5, 0.5], labels=["a", "b"])
    assert str(error.value) == "y_proba must be a 2-D (n, k) array, got shape (2,)."
    with pytest.raises(ValueError) as error:
        m.log_loss(["a"], [[0.2, 0.3, 0.5]], labels=["a", "b"])
    assert str(error.value) == "y_proba has 3 columns but there are 2 labels."


def test_log_loss_of_a_certain_wrong_answer_is_large_but_finite():
    value = m.log_loss(["a"], [[0.0, 1.0]], labels=["a", "b"])
    assert 30 < value < 40 and type(value) is float


def test_ece_with_an_all_zero_row_uses_uniform_confidence_and_first_class():
    # Zero row -> (1/4 each): confidence .25, argmax 0 -> correct for y=0.
    curve = m.reliability_curve([0], [[0.0, 0.0, 0.0, 0.0]], n_bins=4)
    assert curve["count"] == [1, 0, 0, 0]
    assert curve["confidence"][0] == 0.25 and curve["accuracy"][0] == 1.0
    assert m.expected_calibration_error([0], [[0.0, 0.0, 0.0, 0.0]], n_bins=4) == pytest.approx(0.75)
    # Unnormalised scores are rescaled before the top label is taken: [.6, .2] -> .75; [3, 1] is clipped to [1, 1].
    assert m.expected_calibration_error([1], [[0.6, 0.2]], n_bins=4) == pytest.approx(0.75)
    assert m.expected_calibration_error([1], [[3.0, 1.0]], n_bins=4) == pytest.approx(0.5)
    assert m.expected_calibration_error([0], [[1.5, -2.0]], n_bins=4) == 0.0


# --- ECE and its bins ----------------------------------------------------------------------------------------------------


def _row(conf: float, width: int) -> list[float]:
    """``width`` columns whose top entry (column 0) is exactly ``conf`` once the code renormalises the row.

    The rest is split evenly, or into ``conf``-sized pieces plus a remainder, whichever sums to exactly 1 in floating
    point; zero-padded to ``width``.
    """
    for parts in range(max(1, math.ceil((1.0 - conf) / conf - 1e-9)), width):
        remainder = 1.0 - conf - (parts - 1) * conf
        for rest in ([(1.0 - conf) / parts] * parts, [conf] * (parts - 1) + [remainder]):
            rest = rest if conf < 1.0 else []
            row = [conf, *rest] + [0.0] * (width - 1 - len(rest))
            if min(rest, default=0.0) >= 0.0 and max(rest, default=0.0) <= conf and np.max(row / np.sum(row)) == conf:
                return row
    raise AssertionError(f"no exact row for {conf}")


def _expected_bin(conf: float, lower: list[float], upper: list[float]) -> int:
    """The documented rule: bins are right-closed (lower, upper]; a confidence of 0 goes to bin 0."""
    hits = [b for b in range(len(upper)) if lower[b] < conf <= upper[b] or (b == 0 and conf == 0.0)]
    assert len(hits) == 1
    return hits[0]


@pytest.mark.parametrize("n_bins", [5, 6, 7, 9, 10, 12, 15, 20])
def test_a_confidence_exactly_on_an_upper_edge_lands_in_the_bin_it_closes(n_bins):
    for k in range(1, n_bins + 1):
        conf = k / n_bins
        curve = m.reliability_curve([0], [_row(conf, n_bins + 2)], n_bins=n_bins)
        expected = [0] * n_bins
        expected[k - 1] = 1
        assert curve["count"] == expected, (n_bins, k)


def test_edge_confidences_in_ten_bins():
    confs = [0.1, 0.5, 0.9, 1.0, 0.55, 0.95]
    proba = [_row(c, 12) for c in confs]
    curve = m.reliability_curve([0] * 6, proba, n_bins=10)
    # .1 -> (0, .1]; .5 -> (.4, .5]; .55 -> (.5, .6]; .9 -> (.8, .9]; .95 and 1.0 -> (.9, 1].
    assert curve["count"] == [1, 0, 0, 0, 1, 1, 0, 0, 1, 2]
    assert curve["bin_lower"] == pytest.approx([i / 10 for i in range(10)])
    assert curve["bin_upper"] == pytest.approx([i / 10 for i in range(1, 11)])
    assert curve["bin_lower"][0] == 0.0 and curve["bin_upper"][-1] == 1.0
    assert curve["confidence"][9] == pytest.approx(0.975)
    assert curve["accuracy"][9] == 1.0 and curve["accuracy"][1] is None and curve["confidence"][1] is None


@given(
    st.integers(1, 20),
    st.lists(st.tuples(st.integers(0, 40), st.integers(2, 10), st.booleans()), min_size=1, max_size=25),
)
def test_every_sample_lands_in_exactly_one_documented_bin_and_ece_is_the_weighted_gap(n_bins, rows):
    # Confidence j/40 (at least 1/k), often exactly on a bin edge; or k equal scores (top confidence 1/k).
    proba, y_true, confs = [], [], []
    for j, k, right in rows:
        conf = max(j / 40, 1 / 8)
        proba.append(_row(conf, 10) if j else [1.0] * k + [0.0] * (10 - k))
        confs.append(conf if j else float(np.max(np.full(k, 1.0) / k)))
        y_true.append(0 if right else 1)  # column 0 (or the tie-winner column 0) is the prediction
    curve = m.reliability_curve(y_true, proba, n_bins=n_bins)
    lower, upper = curve["bin_lower"], curve["bin_upper"]
    np.testing.assert_allclose([*lower, 1.0], np.linspace(0.0, 1.0, n_bins + 1))
    assert upper == [*lower[1:], 1.0]
    bins = [_expected_bin(c, lower, upper) for c in confs]
    assert curve["count"] == [bins.count(b) for b in range(n_bins)]
    assert sum(curve["count"]) == len(rows) and len(curve["count"]) == n_bins
    correct = [1.0 if right else 0.0 for *_, right in rows]
    gap = 0.0
    for b in range(n_bins):
        members = [i for i, x in enumerate(bins) if x == b]
        if not members:
            assert curve["confidence"][b] is None and curve["accuracy"][b] is None
            continue
        acc = sum(correct[i] for i in members) / len(members)
        conf = sum(confs[i] for i in members) / len(members)
        assert curve["accuracy"][b] == pytest.approx(acc)
        assert curve["confidence"][b] == pytest.approx(conf)
        gap += len(members) / len(rows) * abs(acc - conf)
    assert m.expected_calibration_error(y_true, proba, n_bins=n_bins) == pytest.approx(gap, abs=1e-12)
    # scikit-learn's calibration_curve bins the same way (right-closed uniform bins) for the non-empty bins.
    prob_true, prob_pred = calibration_curve(correct, confs, n_bins=n_bins, strategy="uniform")
    assert [a for a in curve["accuracy"] if a is not None] == pytest.approx(list(prob_true))
    assert [c for c in curve["confidence"] if c is not None] == pytest.approx(list(prob_pred))


def test_perfectly_calibrated_hand_made_case_has_zero_ece():
    # 4 rows at .75 with 3 right, 2 rows at .5 with 1 right, 1 row at 1.0 right.
    proba = [[0.75, 0.25]] * 4 + [[0.5, 0.5]] * 2 + [[1.0, 0.0]]
    y_true = [0, 0, 0, 1, 0, 1, 0]
    assert m.expected_calibration_error(y_true, proba, n_bins=10) == 0.0
    assert m.expected_calibration_error(y_true, proba) == 0.0
    curve = m.reliability_curve(y_true, proba, n_bins=4)
    assert curve["count"] == [0, 2, 4, 1]
    assert curve["accuracy"] == [None, 0.5, 0.75, 1.0] and curve["confidence"] == [None, 0.5, 0.75, 1.0]


def test_ece_by_hand_and_default_fifteen_bins():
    # conf .6 right, .6 wrong, .9 right, .95 wrong; labels given as names.
    proba = [[0.6, 0.4], [0.4, 0.6], [0.9, 0.1], [0.05, 0.95]]
    y_true = ["neg", "neg", "neg", "neg"]
    labels = ["neg", "pos"]
    # 2 bins: (.5, 1] holds all four: acc .5, conf .7625 -> .2625.
    assert m.expected_calibration_error(y_true, proba, n_bins=2, labels=labels) == pytest.approx(0.2625)
    # 15 bins of 1/15: .6 -> bin 8 (.5333, .6]; .9 -> bin 13 (.8667, .9333]; .95 -> bin 14.
    # bin 8: acc .5 conf .6 -> 2/4 * .1; bin 13: |1 - .9| * 1/4; bin 14: |0 - .95| * 1/4.
    expected = 0.5 * 0.1 + 0.25 * 0.1 + 0.25 * 0.95
    assert m.expected_calibration_error(y_true, proba, labels=labels) == pytest.approx(expected)
    curve = m.reliability_curve(y_true, proba, labels=labels)
    assert len(curve["count"]) == 15 and curve["count"][8] == 2 and curve["count"][13] == 1
    assert curve["count"][14] == 1
    assert curve["bin_upper"][8] == pytest.approx(0.6)


def test_ece_without_labels_uses_column_ids():
    proba = [[0.2, 0.8], [0.7, 0.3]]  # .8 predicts column 1 (right), .7 predicts column 0 (wrong)
    assert m.expected_calibration_error([1, 1], proba, n_bins=10) == pytest.approx(0.5 * 0.2 + 0.5 * 0.7)
    assert m.reliability_curve([1, 1], proba, n_bins=10)["accuracy"] == [None] * 6 + [0.0, 1.0, None, None]


def test_ece_defaults_to_fifteen_bins():
    # .55 (right) and .6 (wrong) share the bin (8/15, 9/15] of 15 bins: acc .5, conf .575; 16 bins would split them.
    assert m.expected_calibration_error([0, 1], [[0.55, 0.45], [0.6, 0.4]]) == pytest.approx(0.075)
    assert m.expected_calibration_error([0, 1], [[0.55, 0.45], [0.6, 0.4]], n_bins=16) == pytest.approx(0.525)


def test_a_single_all_zero_column_means_certain():
    # One column: an all-zero row is spread over that one column, confidence 1.
    curve = m.reliability_curve([0], [[0.0]], n_bins=2)
    assert curve["count"] == [0, 1] and curve["confidence"] == [None, 1.0]
    assert m.expected_calibration_error([0], [[0.0]], n_bins=2) == 0.0


def test_ece_of_no_rows_is_zero_and_the_curve_is_empty():
    assert m.expected_calibration_error([], np.zeros((0, 2)), n_bins=3) == 0.0
    curve = m.reliability_curve([], np.zeros((0, 2)), n_bins=3)
    assert curve["count"] == [0, 0, 0] and curve["accuracy"] == [None, None, None]


def test_reliability_curve_is_plain_json():
    curve = m.reliability_curve([0, 1, 1], [[0.9, 0.1], [0.3, 0.7], [0.6, 0.4]], n_bins=3)
    assert json.loads(json.dumps(curve, allow_nan=False)) == curve
    assert all(type(c) is int for c in curve["count"])
    assert all(type(x) is float for key in ("bin_lower", "bin_upper") for x in curve[key])
    assert set(curve) == {"bin_lower", "bin_upper", "confidence", "accuracy", "count"}
    assert curve["count"] == [0, 1, 2]
    assert curve["accuracy"] == [None, 0.0, 1.0] and curve["confidence"][2] == pytest.approx(0.8)


# --- summary ---------------------------------------------------------------------------------------------------------------


def test_summary_metrics_hand_made_with_an_absent_class():
    y_true = ["b", "a", "a", "b", "b"]
    y_pred = ["b", "a", "b", "b", "a"]
    labels = ["b", "a", "c"]
    summary = m.summary_metrics(y_true, y_pred, labels=labels)
    assert list(summary) == [
        "accuracy", "balanced_accuracy",
        "precision_macro", "recall_macro", "f1_macro",
        "precision_micro", "recall_micro", "f1_micro",
        "precision_weighted", "recall_weighted", "f1_weighted",
        "mcc", "cohen_kappa",
    ]
    assert summary["accuracy"] == 0.6
    assert summary["balanced_accuracy"] == pytest.approx(7 / 12)
    assert summary["precision_macro"] == pytest.approx(7 / 18)  # 'c' counts as 0
    assert summary["recall_macro"] == pytest.approx(7 / 18)
    assert summary["f1_macro"] == pytest.approx(7 / 18)
    for key in ("precision_micro", "recall_micro", "f1_micro"):
        assert summary[key] == pytest.approx(0.6)
    for key in ("precision_weighted", "recall_weighted", "f1_weighted"):
        assert summary[key] == pytest.approx((3 * 2 / 3 + 2 * 0.5) / 5)
    assert summary["mcc"] == pytest.approx(1 / 6)
    assert summary["cohen_kappa"] == pytest.approx(1 / 6)


def test_summary_metrics_with_probabilities_adds_log_loss_and_ece_in_label_order():
    labels = ["pos", "neg"]
    proba = [[0.8, 0.2], [0.4, 0.6], [0.7, 0.3]]
    summary = m.summary_metrics(["pos", "neg", "neg"], ["pos", "neg", "pos"], labels=labels, y_proba=proba)
    assert list(summary)[-2:] == ["log_loss", "ece"]
    assert summary["log_loss"] == pytest.approx(-(math.log(0.8) + math.log(0.6) + math.log(0.3)) / 3)
    # 15 bins: .8 right (bin 11), .6 right (bin 8), .7 wrong (bin 10).
    assert summary["ece"] == pytest.approx((0.2 + 0.4 + 0.7) / 3)


# --- binary curves and thresholds -------------------------------------------------------------------------------------


def test_binary_curves_by_hand():
    y = ["n", "n", "p", "p"]
    curves = m.binary_curves(y, [0.1, 0.4, 0.35, 0.8], positive="p")
    assert curves["positive"] == "p"
    assert curves["roc"]["fpr"] == [0.0, 0.0, 0.5, 0.5, 1.0]
    assert curves["roc"]["tpr"] == [0.0, 0.5, 0.5, 1.0, 1.0]
    assert curves["roc"]["thresholds"] == [None, 0.8, 0.4, 0.35, 0.1]  # the first threshold (inf) is None
    assert curves["roc"]["auc"] == 0.75
    assert curves["pr"]["precision"] == pytest.approx([0.5, 2 / 3, 0.5, 1.0, 1.0])
    assert curves["pr"]["recall"] == [1.0, 1.0, 0.5, 0.5, 0.0]
    assert curves["pr"]["thresholds"] == [0.1, 0.35, 0.4, 0.8]
    assert curves["pr"]["average_precision"] == pytest.approx(5 / 6)
    assert set(curves["roc"]) == {"fpr", "tpr", "thresholds", "auc"}
    assert set(curves["pr"]) == {"precision", "recall", "thresholds", "average_precision"}
    assert json.loads(json.dumps(curves, allow_nan=False)) == curves


def test_binary_curves_score_the_named_positive_class():
    flipped = m.binary_curves(["n", "n", "p", "p"], [0.1, 0.4, 0.35, 0.8], positive="n")
    assert flipped["roc"]["auc"] == 0.25 and flipped["positive"] == "n"


def test_binary_curves_are_none_without_positives_or_rows():
    for y in (["n", "n"], ["p", "p"], []):
        curves = m.binary_curves(y, [0.3, 0.6][: len(y)], positive="p")
        assert curves == {"positive": "p", "roc": None, "pr": None}


def test_scores_written_as_text_are_read_as_numbers():
    curves = m.binary_curves(["n", "n", "p", "p"], ["0.1", "0.4", "0.35", "0.8"], positive="p")
    assert curves["roc"]["auc"] == 0.75 and curves["roc"]["thresholds"] == [None, 0.8, 0.4, 0.35, 0.1]
    result = m.threshold_metrics(["n", "p"], ["0.7", "0.2"], positive="p", negative="n", threshold=0.5)
    assert (result["tp"], result["fp"], result["fn"], result["tn"]) == (0, 1, 1, 0)


def test_threshold_metrics_flags_a_score_equal_to_the_threshold():
    result = m.threshold_metrics(["p", "n", "p", "n"], [0.5, 0.5, 0.49, 0.2], positive="p", negative="n",
                                 threshold=0.5)
    assert (result["tp"], result["fp"], result["fn"], result["tn"]) == (1, 1, 1, 1)
    assert result["confusion_matrix"] == [[1, 1], [1, 1]]
    assert result == {
        "threshold": 0.5,
        "precision": 0.5,
        "recall": 0.5,
        "f1": 0.5,
        "accuracy": 0.5,
        "labels": ["n", "p"],
        "confusion_matrix": [[1, 1], [1, 1]],
        "tp": 1,
        "fp": 1,
        "fn": 1,
        "tn": 1,
    }


def test_threshold_metrics_uneven_counts_by_hand():
    # >= .3 flags rows 0, 1, 2, 4: tp 2 (rows 0, 2), fp 2 (rows 1, 4); fn 1 (row 3); tn 1 (row 5).
    y = ["p", "n", "p", "p", "n", "n"]
    result = m.threshold_metrics(y, [0.9, 0.3, 0.31, 0.29, 0.8, 0.0], positive="p", negative="n", threshold=0.3)
    assert (result["tp"], result["fp"], result["fn"], result["tn"]) == (2, 2, 1, 1)
    assert result["precision"] == 0.5
    assert result["recall"] == pytest.approx(2 / 3)
    assert result["f1"] == pytest.approx(2 * 0.5 * (2 / 3) / (0.5 + 2 / 3))
    assert result["accuracy"] == pytest.approx(0.5)
    assert result["confusion_matrix"] == [[1, 2], [1, 2]]
    assert type(result["threshold"]) is float and type(result["tp"]) is int


def test_threshold_metrics_without_positives_are_zero_not_errors():
    result = m.threshold_metrics(["n", "n"], [0.1, 0.2], positive="p", negative="n", threshold=0.5)
    assert (result["precision"], result["recall"], result["f1"], result["accuracy"]) == (0.0, 0.0, 0.0, 1.0)
    flagged = m.threshold_metrics(["n", "n"], [0.6, 0.7], positive="p", negative="n", threshold=0.5)
    assert (flagged["precision"], flagged["recall"], flagged["f1"], flagged["accuracy"]) == (0.0, 0.0, 0.0, 0.0)
    assert flagged["fp"] == 2 and flagged["tp"] == 0


def test_threshold_metrics_with_integer_class_names():
    # Datasets whose labels are 0/1 keep them as ints; the counts must not depend on the names' type.
    result = m.threshold_metrics([0, 1, 1, 0], [0.2, 0.6, 0.4, 0.7], positive=1, negative=0, threshold=0.5)
    assert (result["tp"], result["fp"], result["fn"], result["tn"]) == (1, 1, 1, 1)
    assert result["labels"] == [0, 1] and result["confusion_matrix"] == [[1, 1], [1, 1]]
