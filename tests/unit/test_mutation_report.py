"""build_report pinned on hand-made predictions: every section's exact numbers and orders (errors, confusions,
slices, calibration bins, the positive class of a binary task), the sentences users see, and strict JSON."""

from __future__ import annotations

import json
import math
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from core.errors import DataError
from core.evaluate.intervals import bootstrap_intervals
from core.evaluate.report import METRIC_NAMES, build_report, format_metric, report_to_json, slice_table
from core.tasks import SINGLE_LABEL

MODEL_LABELS = ["neg", "pos", "mid"]  # id2label order, not sorted
# row_id, label, pred, stored confidence, prob::neg, prob::pos, prob::mid.  'new' is a test-only class.
ROWS = [
    (10, "neg", "neg", 0.91, [0.90, 0.05, 0.05]),
    (7, "neg", "pos", 0.61, [0.28, 0.62, 0.10]),
    (3, "pos", "pos", 0.81, [0.08, 0.82, 0.10]),
    (5, "pos", "neg", 0.71, [0.72, 0.18, 0.10]),
    (2, "mid", "mid", 0.51, [0.25, 0.25, 0.50]),
    (9, "mid", "neg", 0.61, [0.62, 0.08, 0.30]),
    (1, "new", "neg", 0.61, [0.62, 0.18, 0.20]),
    (4, "neg", "neg", 0.99, [1.00, 0.00, 0.00]),
    (0, "mid", "neg", 0.56, [0.55, 0.15, 0.30]),
]
CHANNEL = ["web", "web", "app", "app", None, "web", "app", "web", None]
NOT_A_COLUMN = "The column is not in the predictions."


def _frame(rows=ROWS, labels=MODEL_LABELS) -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "row_id": [r[0] for r in rows],
            "text": [f"text {r[0]}" for r in rows],
            "label": [r[1] for r in rows],
            "pred": [r[2] for r in rows],
            "confidence": [r[3] for r in rows],
        }
    )
    for j, label in enumerate(labels):
        frame[f"prob::{label}"] = [r[4][j] for r in rows]
    return frame


@pytest.fixture(scope="module")
def report():
    frame = _frame()
    frame["channel"] = CHANNEL
    frame["constant"] = "same"
    return build_report(frame, MODEL_LABELS, slice_columns=["channel", "nope", "constant"], dataset_noun="reviews")


# --- labels, summary, per class ------------------------------------------------------------------------------------


def test_labels_are_the_model_order_then_test_only_classes(report):
    assert report["labels"] == ["neg", "pos", "mid", "new"]
    assert report["dataset_noun"] == "reviews"


def test_unknown_classes_from_labels_and_predictions_are_appended_sorted():
    rows = [(0, "zeta", "a", 0.9, [0.9, 0.1]), (1, "b", "alpha", 0.8, [0.2, 0.8]), (2, "a", "a", 0.7, [0.7, 0.3])]
    report = build_report(_frame(rows, ["b", "a"]), ["b", "a"])
    assert report["labels"] == ["b", "a", "alpha", "zeta"]
    assert report["confusion"]["labels"] == ["b", "a", "alpha", "zeta"]
    assert [row["label"] for row in report["per_class"]] == ["b", "a", "alpha", "zeta"]


def test_summary_numbers(report):
    s = report["summary"]
    assert s["n_test"] == 9 and s["n_errors"] == 5
    assert s["accuracy"] == pytest.approx(4 / 9)
    # Precision per class: neg 2/6, pos 1/2, mid 1/1, new 0 (never predicted).
    assert s["precision_macro"] == pytest.approx((1 / 3 + 1 / 2 + 1 + 0) / 4)
    # Recall per class: neg 2/3, pos 1/2, mid 1/3, new 0/1.
    assert s["recall_macro"] == pytest.approx((2 / 3 + 1 / 2 + 1 / 3 + 0) / 4)
    assert s["balanced_accuracy"] == pytest.approx(0.375)
    assert s["precision_weighted"] == pytest.approx((3 / 3 + 2 / 2 + 3 * 1 + 0) / 9)
    # Log loss over the model's columns; 'new' has no column, so its true-class probability is 0 (clipped).
    eps = np.finfo(float).eps
    logs = [0.90, 0.28, 0.82, 0.18, 0.50, 0.30, eps, 1.0, 0.30]
    assert s["log_loss"] == pytest.approx(-np.mean(np.log(logs)), rel=1e-6)
    assert s["ece"] == pytest.approx(3.91 / 9)
    assert list(s)[-4:] == ["log_loss", "ece", "n_test", "n_errors"]


def test_a_model_class_absent_from_the_test_rows_still_counts(report):
    rows = [(0, "a", "a", 0.9, [0.9, 0.05, 0.05]), (1, "b", "a", 0.6, [0.6, 0.3, 0.1]), (2, "b", "b", 0.7, [0.2, 0.7, 0.1])]
    small = build_report(_frame(rows, ["a", "b", "c"]), ["a", "b", "c"])
    assert small["labels"] == ["a", "b", "c"]
    # Per class precision a 1/2, b 1, c 0; macro over all three model classes.
    assert small["summary"]["precision_macro"] == pytest.approx(0.5)
    assert small["summary"]["recall_macro"] == pytest.approx(0.5)
    assert small["per_class"][2]["support"] == 0 and small["per_class"][2]["n_predicted"] == 0
    assert small["confusion"]["counts"] == [[1, 0, 0], [1, 1, 0], [0, 0, 0]]
    assert small["confusion"]["normalized"] == [[1.0, 0.0, 0.0], [0.5, 0.5, 0.0], [0.0, 0.0, 0.0]]
    # The bootstrap intervals also average over the absent model class.
    expected = bootstrap_intervals(SINGLE_LABEL, np.array(["a", "b", "b"]), np.array(["a", "a", "b"]),
                                   labels=["a", "b", "c"])
    assert small["intervals"] == json.loads(json.dumps(expected))
    assert small["intervals"]["precision_macro"]["high"] <= 2 / 3


def test_per_class_rows(report):
    rows = report["per_class"]
    assert [r["label"] for r in rows] == ["neg", "pos", "mid", "new"]
    assert [r["support"] for r in rows] == [3, 2, 3, 1]
    assert [r["n_predicted"] for r in rows] == [6, 2, 1, 0]
    assert [r["n_correct"] for r in rows] == [2, 1, 1, 0]
    assert [r["precision"] for r in rows] == pytest.approx([1 / 3, 0.5, 1.0, 0.0])
    assert [r["recall"] for r in rows] == pytest.approx([2 / 3, 0.5, 1 / 3, 0.0])
    assert [r["f1"] for r in rows] == pytest.approx([4 / 9, 0.5, 0.5, 0.0])
    assert rows[0]["recall_explanation"] == "Of the 3 test reviews that really are ‘neg’, the model found 2 (67%)."
    assert rows[2]["precision_explanation"] == "When the model says ‘mid’ (1 times), it is right 100% of the time."
    assert rows[3]["precision_explanation"] == "The model never predicted ‘new’."
    assert set(rows[0]) == {"label", "precision", "recall", "f1", "support", "n_predicted", "n_correct",
                            "recall_explanation", "precision_explanation", "f1_explanation"}


# --- confusion -------------------------------------------------------------------------------------------------------


def test_confusion_counts_normalised_rows_and_top_confusions(report):
    conf = report["confusion"]
    assert conf["labels"] == ["neg", "pos", "mid", "new"]
    assert conf["counts"] == [[2, 1, 0, 0], [1, 1, 0, 0], [2, 0, 1, 0], [1, 0, 0, 0]]
    np.testing.assert_allclose(
        conf["normalized"], [[2 / 3, 1 / 3, 0, 0], [0.5, 0.5, 0, 0], [2 / 3, 0, 1 / 3, 0], [1, 0, 0, 0]]
    )
    # Most frequent first; ties in label order (true label, then predicted).
    assert conf["top_confusions"] == [["mid", "neg", 2], ["neg", "pos", 1], ["pos", "neg", 1], ["new", "neg", 1]]


def test_top_confusions_keep_the_fifty_most_frequent():
    labels = [f"c{i}" for i in range(8)]  # 56 off-diagonal cells, each confused once; c7 -> c0 three times more
    pairs = [(t, p) for t in labels for p in labels if t != p] + [("c7", "c0")] * 3
    rows = [(i, t, p, 0.5, [1 / 8] * 8) for i, (t, p) in enumerate(pairs)]
    top = build_report(_frame(rows, labels), labels)["confusion"]["top_confusions"]
    assert len(top) == 50
    assert top[0] == ["c7", "c0", 4]
    assert top[1:4] == [["c0", "c1", 1], ["c0", "c2", 1], ["c0", "c3", 1]]
    assert top[-1] == ["c6", "c7", 1]  # the 1-count cells follow in label order: c7's own ones fall off


# --- errors -----------------------------------------------------------------------------------------------------------


def test_errors_most_confident_first_then_by_row_id(report):
    errors = report["errors"]
    assert [e["row_id"] for e in errors] == [5, 1, 7, 9, 0]
    assert errors[0] == {"row_id": 5, "text": "text 5", "label": "pos", "pred": "neg", "confidence": 0.71}


def test_errors_are_capped_at_max_errors():
    report = build_report(_frame(), MODEL_LABELS, max_errors=2)
    assert [e["row_id"] for e in report["errors"]] == [5, 1]
    assert build_report(_frame(), MODEL_LABELS, max_errors=0)["errors"] == []


def test_at_most_a_thousand_errors_by_default():
    n = 1001
    frame = pd.DataFrame({"label": ["a"] * n, "pred": ["b"] * n, "confidence": np.linspace(0.5, 1.0, n)})
    errors = build_report(frame, ["a", "b"])["errors"]
    assert len(errors) == 1000
    assert errors[0]["confidence"] == 1.0 and errors[0]["row_id"] == 1000


def test_errors_without_ids_texts_or_confidence_and_with_a_text_pair():
    frame = pd.DataFrame({"label": ["a", "b", "a"], "pred": ["b", "b", "b"], "text_pair": ["x", "y", 3]})
    errors = build_report(frame, ["a", "b"])["errors"]
    assert errors == [
        {"row_id": 0, "text": "", "text_pair": "x", "label": "a", "pred": "b", "confidence": None},
        {"row_id": 2, "text": "", "text_pair": "3", "label": "a", "pred": "b", "confidence": None},
    ]
    frame = _frame()
    frame["text"] = [1.5] * len(frame)
    assert build_report(frame, MODEL_LABELS)["errors"][0]["text"] == "1.5"


# --- calibration ------------------------------------------------------------------------------------------------------


def test_calibration_section_by_hand(report):
    cal = report["calibration"]
    # Top-label confidence from the probabilities: .5 right, .55 wrong, three .62 wrong, .72 wrong, .82/.9/1.0 right.
    assert cal["ece"] == pytest.approx((0.5 + 0.55 + 3 * 0.62 + 0.72 + 0.18 + 0.1 + 0.0) / 9)
    assert cal["ece"] == report["summary"]["ece"]
    assert cal["n_bins"] == 15
    rel = cal["reliability"]
    assert rel["count"] == [0] * 7 + [1, 1, 3, 1, 0, 1, 1, 1]
    assert rel["accuracy"] == [None] * 7 + [1.0, 0.0, 0.0, 0.0, None, 1.0, 1.0, 1.0]
    assert rel["confidence"][9] == pytest.approx(0.62)
    assert len(rel["bin_upper"]) == 15
    # Mean confidence and the histograms use the stored confidence column (.91, .61, ...), not the matrix.
    assert cal["mean_confidence"] == pytest.approx(6.32 / 9)
    assert cal["accuracy"] == pytest.approx(4 / 9)
    hist = cal["histogram"]
    assert hist["bin_edges"] == pytest.approx([i / 20 for i in range(21)])
    assert hist["correct"] == [0] * 10 + [1, 0, 0, 0, 0, 0, 1, 0, 1, 1]
    assert hist["wrong"] == [0] * 11 + [1, 3, 0, 1, 0, 0, 0, 0, 0]


def test_calibration_uses_the_top_probability_when_there_is_no_confidence_column():
    frame = _frame().drop(columns=["confidence"])
    cal = build_report(frame, MODEL_LABELS)["calibration"]
    assert cal["mean_confidence"] == pytest.approx((0.9 + 0.62 * 3 + 0.82 + 0.72 + 0.5 + 1.0 + 0.55) / 9)
    assert cal["histogram"]["correct"] == [0] * 10 + [1, 0, 0, 0, 0, 0, 1, 0, 1, 1]
    assert cal["histogram"]["wrong"] == [0] * 11 + [1, 3, 0, 1, 0, 0, 0, 0, 0]


def test_without_every_probability_column_there_is_no_calibration_log_loss_or_binary():
    frame = _frame().drop(columns=["prob::mid"])
    report = build_report(frame, MODEL_LABELS)
    assert report["calibration"] is None
    assert "log_loss" not in report["summary"] and "ece" not in report["summary"]
    two = build_report(_binary_frame().drop(columns=["prob::ham"]), ["ham", "spam"])
    assert two["binary"] is None and two["calibration"] is None


# --- binary -----------------------------------------------------------------------------------------------------------


def _binary_frame(labels=("ham", "spam"), truth=("ham", "ham", "spam", "spam")) -> pd.DataFrame:
    """The scikit-learn ROC example: scores .1 .4 .35 .8 for the second label."""
    second = [0.1, 0.4, 0.35, 0.8]
    pairs = enumerate(zip(truth, second, strict=True))
    rows = [(i, t, labels[int(s >= 0.5)], max(s, 1 - s), [1 - s, s]) for i, (t, s) in pairs]
    return _frame(rows, list(labels))


def test_binary_section_by_hand():
    b = build_report(_binary_frame(), ["ham", "spam"])["binary"]
    assert (b["positive"], b["negative"]) == ("spam", "ham")
    assert b["positive_share"] == 0.5
    assert b["auc"] == 0.75
    assert b["average_precision"] == pytest.approx(5 / 6)
    assert b["roc"]["fpr"] == [0.0, 0.0, 0.5, 0.5, 1.0] and b["roc"]["tpr"] == [0.0, 0.5, 0.5, 1.0, 1.0]
    assert b["pr"]["recall"] == [1.0, 1.0, 0.5, 0.5, 0.0]
    at = b["at_threshold_0_5"]
    assert (at["tp"], at["fp"], at["fn"], at["tn"]) == (1, 0, 1, 2)
    assert at["labels"] == ["ham", "spam"] and at["threshold"] == 0.5
    assert set(b) == {"positive", "negative", "positive_share", "roc", "pr", "auc", "average_precision",
                      "at_threshold_0_5"}


def test_a_positive_name_in_first_place_scores_the_first_column():
    b = build_report(_binary_frame(("spam", "ham"), ("ham", "ham", "spam", "spam")), ["spam", "ham"])["binary"]
    # 'spam' is column 0 with scores .9 .6 .65 .2 for ham ham spam spam.
    assert (b["positive"], b["negative"]) == ("spam", "ham")
    assert b["auc"] == 0.25
    at = b["at_threshold_0_5"]
    assert (at["tp"], at["fp"], at["fn"], at["tn"]) == (1, 2, 1, 0)


@pytest.mark.parametrize(
    ("labels", "positive"),
    [(("Yes ", "no"), "Yes "), (("no", "TRUE"), "TRUE"), (("neg", "pos"), "pos"), (("0", "1"), "1"),
     (("Positive", "x"), "Positive")],
)
def test_the_positive_class_is_found_by_name_whatever_its_case_or_spaces(labels, positive):
    truth = (labels[1], labels[1], labels[1], labels[0])  # the named class is not the rarer one every time
    b = build_report(_binary_frame(labels, truth), list(labels))["binary"]
    assert b["positive"] == positive and b["negative"] == next(x for x in labels if x != positive)


@pytest.mark.parametrize(
    ("truth", "positive"),
    [
        (("alpha", "alpha", "alpha", "beta"), "beta"),
        (("alpha", "beta", "beta", "beta"), "alpha"),
        (("alpha", "beta", "alpha", "beta"), "beta"),  # a tie goes to the second label
    ],
)
def test_without_a_positive_name_the_rarer_class_is_positive(truth, positive):
    b = build_report(_binary_frame(("alpha", "beta"), truth), ["alpha", "beta"])["binary"]
    assert b["positive"] == positive
    assert b["positive_share"] == pytest.approx(truth.count(positive) / 4)


def test_binary_curves_are_none_when_the_test_rows_have_no_positive():
    b = build_report(_binary_frame(truth=("ham", "ham", "ham", "ham")), ["ham", "spam"])["binary"]
    assert b["positive"] == "spam" and b["positive_share"] == 0.0
    assert b["roc"] is None and b["pr"] is None and b["auc"] is None and b["average_precision"] is None
    assert b["at_threshold_0_5"]["fp"] == 1


# --- slices -----------------------------------------------------------------------------------------------------------


def test_slices_worst_first_bigger_first_on_ties_with_missing_grouped(report):
    (block,) = report["slices"]
    assert block["column"] == "channel"
    values = block["values"]
    assert [(v["value"], v["n"]) for v in values] == [("app", 3), ("web", 4), ("(missing)", 2)]
    assert [v["accuracy"] for v in values] == pytest.approx([1 / 3, 0.5, 0.5])
    assert [v["gap_points"] for v in values] == pytest.approx([100 * (1 / 3 - 4 / 9), 100 * (0.5 - 4 / 9),
                                                               100 * (0.5 - 4 / 9)])
    # Macro F1 over the classes present in the slice: web {neg, pos, mid}, app {pos, neg, new}, missing {mid, neg}.
    assert [v["f1_macro"] for v in values] == pytest.approx([2 / 9, 2 / 9, 1 / 3])
    assert set(values[0]) == {"value", "n", "accuracy", "f1_macro", "gap_points"}


def test_skipped_slice_columns_say_why_in_english_and_as_a_message(report):
    assert report["slices_skipped"] == [
        {"column": "nope", "reason": NOT_A_COLUMN,
         "message": {"key": "evalmsg.slices.not_in_predictions", "params": {}}},
        {"column": "constant", "reason": "It has 1 distinct values; slices need 2 to 50.",
         "message": {"key": "evalmsg.slices.distinct_values", "params": {"distinct": 1, "max_values": 50}}},
    ]


def test_slice_table_keeps_2_to_50_distinct_values():
    n = 51
    frame = pd.DataFrame({"fifty": [i % 50 for i in range(n)], "fifty_one": range(n), "two": [i % 2 for i in range(n)]})
    blocks, skipped = slice_table(frame, ["fifty_one", "fifty", "two"], lambda mask: {"rows": int(mask.sum())},
                                  lambda r: r["value"])
    assert [b["column"] for b in blocks] == ["fifty", "two"]
    assert len(blocks[0]["values"]) == 50
    assert blocks[1]["values"] == [{"value": "0", "n": 26, "rows": 26}, {"value": "1", "n": 25, "rows": 25}]
    assert skipped == [{"column": "fifty_one", "reason": "It has 51 distinct values; slices need 2 to 50.",
                        "message": {"key": "evalmsg.slices.distinct_values",
                                    "params": {"distinct": 51, "max_values": 50}}}]


def test_slice_table_sorts_with_the_given_order_and_passes_each_value_mask():
    frame = pd.DataFrame({"g": ["b", None, "a", "b", np.nan], "score": [1.0, 2.0, 3.0, 4.0, 5.0]})
    seen = []

    def row(mask):
        seen.append(mask.tolist())
        return {"total": float(frame["score"][mask].sum())}

    blocks, skipped = slice_table(frame, ["g"], row, lambda r: (-r["total"], r["value"]))
    assert skipped == []
    assert blocks == [{"column": "g", "values": [
        {"value": "(missing)", "n": 2, "total": 7.0},
        {"value": "b", "n": 2, "total": 5.0},
        {"value": "a", "n": 1, "total": 3.0},
    ]}]
    assert seen == [[True, False, False, True, False], [False, True, False, False, True],
                    [False, False, True, False, False]]  # values in order of appearance


def test_slice_value_ties_are_broken_by_the_value_text():
    frame = _frame()
    frame["lang"] = ["x", "y", "y", "x", "z", "z", "z", "z", "w"]
    values = build_report(frame, MODEL_LABELS, slice_columns=["lang"])["slices"][0]["values"]
    # Accuracy: x 1/2, y 1/2, z 2/4, w 0/1 -> w first; then z (n 4); then x before y.
    assert [v["value"] for v in values] == ["w", "z", "x", "y"]


# --- the rest of the report ------------------------------------------------------------------------------------------


def test_optional_sections_pass_through_and_default(report):
    assert report["robustness"] is None and report["efficiency"] is None and report["baseline_check"] is None
    assert report["run"] == {}
    assert report["task"] == {"target": "single_label", "pair": False}
    extras = build_report(
        _frame(), MODEL_LABELS,
        robustness=[{"perturbation": "typos", "accuracy": np.float32(0.5)}],
        efficiency={"latency_p50_ms": np.int64(4)},
        run_info={"name": "r1", "when": datetime(2024, 5, 6, 7, 8, 9)},
        baseline_check={"ok": np.bool_(True)},
        task={"target": "single_label", "pair": True},
    )
    assert extras["robustness"] == [{"perturbation": "typos", "accuracy": 0.5}]
    assert extras["efficiency"] == {"latency_p50_ms": 4}
    assert extras["run"] == {"name": "r1", "when": "2024-05-06T07:08:09"}
    assert extras["baseline_check"]["ok"] is True
    assert extras["task"] == {"target": "single_label", "pair": True}


def test_intervals_are_the_bootstrap_of_these_rows(report):
    frame = _frame()
    expected = bootstrap_intervals(SINGLE_LABEL, frame["label"].to_numpy(dtype=str), frame["pred"].to_numpy(dtype=str),
                                   labels=["neg", "pos", "mid", "new"])
    assert report["intervals"] == json.loads(json.dumps(expected))
    assert report["intervals"]["accuracy"]["low"] <= 4 / 9 <= report["intervals"]["accuracy"]["high"]


def test_explanations_use_this_runs_numbers_and_noun(report):
    ex = report["explanations"]
    assert ex["accuracy"] == "The model labelled 4 of 9 test reviews correctly (44.4%)."
    assert ex["f1_macro"].endswith("lowest for ‘new’ (0%) and highest for ‘mid’ (50%).")
    assert ex["ece"].startswith("Expected calibration error is 43.4 percentage points")
    assert "(average confidence 70.2% vs accuracy 44.4%)" in ex["ece"]
    assert ex["balanced_accuracy"].startswith("Giving each of the 4 classes equal weight")
    # Chance agreement from the confusion counts, the class-frequency baseline from the true labels.
    assert ex["cohen_kappa"] == (
        "The model agrees with the true labels on 44.4% of reviews, where guessing with the same label frequencies "
        "would agree on 30.9%; Cohen's kappa of 0.20 means it closes 20% of the gap between chance and perfect agreement."
    )
    assert ex["log_loss"].endswith("A model that only knew how common each class is would score 1.311.")
    default = build_report(_frame(), MODEL_LABELS)
    assert default["dataset_noun"] == "texts"
    assert default["explanations"]["accuracy"] == "The model labelled 4 of 9 test texts correctly (44.4%)."


def test_labels_and_predictions_are_compared_as_text():
    frame = pd.DataFrame({"label": [1, 0, 1], "pred": ["1", "0", "0"], "prob::0": [0.2, 0.7, 0.6],
                          "prob::1": [0.8, 0.3, 0.4]})
    report = build_report(frame, [0, 1])
    assert report["labels"] == ["0", "1"]
    assert report["summary"]["n_errors"] == 1 and report["summary"]["accuracy"] == pytest.approx(2 / 3)
    assert report["binary"]["positive"] == "1"


# --- inputs that cannot be reported on --------------------------------------------------------------------------------


def test_missing_columns_are_named_in_one_sentence():
    with pytest.raises(DataError) as error:
        build_report(pd.DataFrame({"text": ["a"]}), ["a"])
    assert str(error.value) == "The predictions file lacks the column(s) label, pred; re-run the evaluation."
    with pytest.raises(DataError) as error:
        build_report(pd.DataFrame({"pred": ["a"]}), ["a"])
    assert str(error.value) == "The predictions file lacks the column(s) label; re-run the evaluation."


def test_no_rows_or_no_labels_are_refused():
    with pytest.raises(DataError) as error:
        build_report(pd.DataFrame({"label": [], "pred": []}), [])
    assert str(error.value) == (
        "The test set has no rows, so there is nothing to evaluate; use a larger test split."
    )
    with pytest.raises(DataError) as error:
        build_report(pd.DataFrame({"label": ["a"], "pred": ["a"]}), [])
    assert str(error.value) == "The model has no class labels, so its predictions cannot be evaluated."


# --- format_metric and JSON -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "value", "shown"),
    [
        ("accuracy", 0.8583, "85.8%"),
        ("f1_weighted", 1.0, "100.0%"),
        ("balanced_accuracy", 0.0, "0.0%"),
        ("ece", 0.0333, "3.3 pts"),
        ("ece", 0.0, "0.0 pts"),
        ("mcc", 0.12345, "0.123"),
        ("cohen_kappa", -0.5, "-0.500"),
        ("log_loss", 1.23456, "1.235"),
        ("n_test", 9, "9.000"),
        ("accuracy", None, "n/a"),
        ("mcc", None, "n/a"),
    ],
)
def test_format_metric(key, value, shown):
    assert format_metric(key, value) == shown


def test_every_rate_is_a_percentage_and_only_mcc_kappa_log_loss_are_decimals():
    decimals = [key for key in METRIC_NAMES if not format_metric(key, 0.5).endswith(("%", "pts"))]
    assert decimals == ["mcc", "cohen_kappa", "log_loss"]


def test_report_to_json_turns_numpy_pandas_and_odd_values_into_strict_json():
    value = {
        1: np.int64(3),
        "f": np.float32(0.5),
        "nan": float("nan"),
        "inf": np.float64("inf"),
        "tuple": (1, np.int32(2)),
        "set": {4},
        "array": np.array([[1, 2]]),
        "flag": np.bool_(False),
        "true": True,
        "when": pd.Timestamp("2024-01-02 03:04:05"),
        "na": pd.NA,
        "nat": pd.NaT,
        "path": Path("runs/r1"),
        "none": None,
        "text": "ü",
    }
    text = report_to_json(value)
    assert "NaN" not in text and "Infinity" not in text and "ü" in text
    back = json.loads(text)
    assert back == {
        "1": 3, "f": 0.5, "nan": None, "inf": None, "tuple": [1, 2], "set": [4], "array": [[1, 2]],
        "flag": False, "true": True, "when": "2024-01-02T03:04:05", "na": None, "nat": "NaT",
        "path": "runs/r1", "none": None, "text": "ü",
    }
    assert back["flag"] is False and back["true"] is True and type(back["1"]) is int
    assert text.startswith('{\n  "1": 3,')


def test_the_report_is_strict_json_and_round_trips(report):
    text = report_to_json(report)
    assert json.loads(text) == report
    assert not any(isinstance(v, float) and math.isnan(v) for v in report["summary"].values())
