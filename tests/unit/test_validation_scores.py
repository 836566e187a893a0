"""The validation scores that early stopping and the best-checkpoint choice read: exact values on hand-made cases.

A micro-F1 in place of the macro-F1 (or one computed over the labels present instead of every label) would silently
steer which checkpoint a run keeps; these cases are built so that each of those gives a different number.
"""

from __future__ import annotations

import numpy as np
import pytest
from transformers import EvalPrediction

from core.tasks import Task
from core.train.trainer import best_model_metric, validation_scorer


def _logits_for(classes: list[int], n_labels: int) -> np.ndarray:
    logits = np.zeros((len(classes), n_labels))
    logits[np.arange(len(classes)), classes] = 3.0
    return logits


def test_single_label_validation_f1_is_macro_over_every_label():
    # 4 labels, 'd' never appears; predictions all 'a'.  Per class F1: a 0.8, b 0, c 0, d 0.
    y_true = np.array([0, 0, 0, 0, 1, 2])
    scores = validation_scorer(["a", "b", "c", "d"])(EvalPrediction(_logits_for([0] * 6, 4), y_true))
    assert scores["accuracy"] == pytest.approx(4 / 6)
    assert scores["f1_macro"] == pytest.approx(0.8 / 4)  # micro would be 0.667; present labels only 0.267


def test_a_tuple_of_outputs_is_read_from_its_first_element():
    y_true = np.array([1, 0])
    scores = validation_scorer(["a", "b"])(EvalPrediction((_logits_for([1, 1], 2), np.zeros(2)), y_true))
    assert scores == {"accuracy": pytest.approx(0.5), "f1_macro": pytest.approx((0 + 2 / 3) / 2)}


def test_pairs_with_one_label_are_scored_like_single_label():
    scores = validation_scorer(["a", "b"], Task(pair=True))(EvalPrediction(_logits_for([0, 1, 1], 2),
                                                                           np.array([0, 1, 0])))
    assert set(scores) == {"accuracy", "f1_macro"}
    assert scores["accuracy"] == pytest.approx(2 / 3)


def test_multi_label_validation_thresholds_logits_at_zero():
    logits = np.array([[2.0, -1.0, 0.5], [-0.5, 1.0, -2.0], [1.0, 1.0, 1.0], [-1.0, -1.0, -1.0]])
    y_true = np.array([[1, 0, 0], [0, 1, 0], [1, 1, 1], [0, 0, 1]])
    scores = validation_scorer(["x", "y", "z"], Task(target="multi_label"))(EvalPrediction(logits, y_true))
    # predicted [1,0,1] [0,1,0] [1,1,1] [0,0,0]: per label F1 x 1, y 1, z 2*1/(2+1+1)=0.5 (tp 1, fp 1, fn 1)
    assert scores["f1_macro"] == pytest.approx((1 + 1 + 0.5) / 3)
    assert scores["f1_micro"] == pytest.approx(2 * 5 / (2 * 5 + 1 + 1))
    assert scores["subset_accuracy"] == pytest.approx(2 / 4)


def test_regression_validation_reports_correlations_and_mse():
    y_true = np.array([1.0, 2.0, 3.0, 4.0])
    y_pred = np.array([[1.5], [1.0], [3.5], [5.0]])
    scores = validation_scorer([], Task(target="regression"))(EvalPrediction(y_pred, y_true))
    assert scores["mse"] == pytest.approx((0.25 + 1 + 0.25 + 1) / 4)
    assert scores["spearman"] == pytest.approx(0.8)
    assert scores["pearson"] == pytest.approx(np.corrcoef(y_true, y_pred.ravel())[0, 1])


@pytest.mark.parametrize(("task", "setting", "watched"), [
    (Task(), "f1_macro", "f1_macro"),
    (Task(), "accuracy", "accuracy"),
    (Task(target="multi_label"), "accuracy", "subset_accuracy"),
    (Task(target="multi_label"), "f1_macro", "f1_macro"),
    (Task(target="regression"), "f1_macro", "spearman"),
    (Task(target="regression"), "loss", "loss"),
])
def test_early_stopping_watches_the_score_that_fits_the_task(task, setting, watched):
    assert best_model_metric(task, setting) == watched
