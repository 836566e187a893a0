"""The multi-label and regression reports, and the single-label report's pair text and task (issue 18)."""

from __future__ import annotations

import itertools
import json

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from sklearn import metrics as skm

from core.errors import DataError
from core.evaluate.report import build_report
from core.evaluate.report_multilabel import build_multilabel_report
from core.evaluate.report_regression import build_regression_report
from core.evaluate.thresholds import apply_thresholds
from core.tasks import labels_of_rows

LABELS = ["sports", "politics", "tech", "rare"]
ML_SUMMARY_KEYS = [
    "f1_micro", "f1_macro", "f1_samples", "precision_micro", "recall_micro", "precision_macro", "recall_macro",
    "subset_accuracy", "hamming_loss", "jaccard_samples", "roc_auc_macro", "label_cardinality_true",
    "label_cardinality_pred", "n_test", "n_errors",
]  # fmt: skip
REGRESSION_SUMMARY_KEYS = [
    "mse", "rmse", "mae", "r2", "pearson", "spearman", "n_test", "target_mean", "target_std", "baseline_mse",
]  # fmt: skip


def _strict(report: dict) -> dict:
    """The report through strict JSON and back: it must be unchanged (no NaN, numpy types, tuples)."""
    again = json.loads(json.dumps(report, allow_nan=False))
    assert again == report
    return again


def multilabel_predictions(n: int = 240, *, seed: int = 0, pair: bool = False, rare_in_test: bool = True) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    true = (rng.random((n, len(LABELS))) < [0.4, 0.3, 0.2, 0.03]).astype(int)
    if not rare_in_test:
        true[:, 3] = 0
    scores = np.clip(0.4 * true + 0.6 * rng.random(true.shape), 0, 1)
    thresholds = np.array([0.5, 0.5, 0.45, 0.2])
    pred = apply_thresholds(scores, thresholds)
    frame = pd.DataFrame(
        {
            "row_id": np.arange(n),
            "text": [f"text {i} <b>x</b>" for i in range(n)],
            **({"text_pair": [f"second {i}" for i in range(n)]} if pair else {}),
            "label": labels_of_rows(true, LABELS),
            "pred": labels_of_rows(pred, LABELS),
        }
    )
    probs = pd.DataFrame(scores, columns=[f"prob::{label}" for label in LABELS])
    slices = pd.DataFrame({"channel": np.where(np.arange(n) % 3 == 0, "email", "chat"), "row_copy": frame["text"]})
    return pd.concat([frame, probs, slices], axis=1)


def _matrices(frame: pd.DataFrame):
    true = np.array([[label in cell.split("|") for label in LABELS] for cell in frame["label"]], dtype=int)
    pred = np.array([[label in cell.split("|") for label in LABELS] for cell in frame["pred"]], dtype=int)
    return true, pred


# --------------------------------------------------------------------------- multi-label


def test_multilabel_report_layout_and_values():
    frame = multilabel_predictions()
    thresholds = dict(zip(LABELS, [0.5, 0.5, 0.45, 0.2], strict=True))
    report = _strict(
        build_multilabel_report(frame, LABELS, thresholds, slice_columns=["channel", "row_copy", "nope"], run_info={"id": "r1"})
    )
    assert set(report) == {
        "task", "labels", "thresholds", "summary", "intervals", "per_label", "cooccurrence", "cooccurrence_errors", "errors",
        "efficiency", "slices", "slices_skipped", "run",
    }  # fmt: skip
    assert report["task"] == {"target": "multi_label", "pair": False}
    assert report["labels"] == LABELS and report["thresholds"] == thresholds and report["run"] == {"id": "r1"}
    summary = report["summary"]
    assert list(summary) == ML_SUMMARY_KEYS
    true, pred = _matrices(frame)
    scores = frame[[f"prob::{label}" for label in LABELS]].to_numpy()
    assert summary["f1_micro"] == pytest.approx(skm.f1_score(true, pred, average="micro"))
    assert summary["f1_macro"] == pytest.approx(skm.f1_score(true, pred, average="macro", zero_division=0))
    assert summary["f1_samples"] == pytest.approx(skm.f1_score(true, pred, average="samples", zero_division=1))
    assert summary["jaccard_samples"] == pytest.approx(skm.jaccard_score(true, pred, average="samples", zero_division=1))
    assert summary["subset_accuracy"] == pytest.approx(skm.accuracy_score(true, pred))
    assert summary["hamming_loss"] == pytest.approx(skm.hamming_loss(true, pred))
    assert summary["roc_auc_macro"] == pytest.approx(skm.roc_auc_score(true, scores, average="macro"))
    assert summary["label_cardinality_true"] == pytest.approx(true.sum(axis=1).mean())
    assert summary["n_test"] == len(frame) and summary["n_errors"] == int((true != pred).any(axis=1).sum())
    per_label = report["per_label"]
    assert [row["label"] for row in per_label] == LABELS
    assert set(per_label[0]) == {"label", "precision", "recall", "f1", "support", "predicted", "threshold", "roc_auc"}
    assert [row["threshold"] for row in per_label] == [0.5, 0.5, 0.45, 0.2]
    assert [row["support"] for row in per_label] == true.sum(axis=0).tolist()
    assert report["cooccurrence"] == {"labels": LABELS, "counts": (true.T @ true).tolist()}
    assert len(report["cooccurrence_errors"]) <= 20
    for item in report["cooccurrence_errors"]:
        assert set(item) == {"label_a", "label_b", "n", "kind"} and item["kind"] in ("confused", "missed_together")
    ns = [item["n"] for item in report["cooccurrence_errors"]]
    assert ns == sorted(ns, reverse=True)
    assert report["slices"][0]["column"] == "channel"
    values = report["slices"][0]["values"]
    assert {v["value"] for v in values} == {"email", "chat"}
    assert set(values[0]) == {"value", "n", "f1_micro", "subset_accuracy", "gap_points"}
    assert values[0]["f1_micro"] <= values[1]["f1_micro"]  # worst first
    assert [s["column"] for s in report["slices_skipped"]] == ["row_copy", "nope"]


def test_multilabel_errors_worst_first_with_missing_and_extra():
    frame = multilabel_predictions(pair=True)
    report = _strict(build_multilabel_report(frame, LABELS, [0.5, 0.5, 0.45, 0.2]))
    assert report["task"] == {"target": "multi_label", "pair": True}
    errors = report["errors"]
    assert len(errors) == report["summary"]["n_errors"]
    assert set(errors[0]) == {"row_id", "text", "text_pair", "label", "pred", "missing", "extra"}
    by_id = frame.set_index("row_id")
    for row in errors:
        true, pred = set(filter(None, row["label"].split("|"))), set(filter(None, row["pred"].split("|")))
        assert row["missing"] == [label for label in LABELS if label in true - pred]
        assert row["extra"] == [label for label in LABELS if label in pred - true]
        assert row["text_pair"] == by_id.loc[row["row_id"], "text_pair"]
        assert row["label"] == by_id.loc[row["row_id"], "label"]
    wrong = [len(row["missing"]) + len(row["extra"]) for row in errors]
    assert wrong == sorted(wrong, reverse=True)

    def sureness(row):
        probs = by_id.loc[row["row_id"]]
        return max(
            [1 - probs[f"prob::{label}"] for label in row["missing"]] + [probs[f"prob::{label}"] for label in row["extra"]]
        )

    for a, b in itertools.pairwise(errors):
        if len(a["missing"]) + len(a["extra"]) == len(b["missing"]) + len(b["extra"]):
            assert sureness(a) >= sureness(b)
    assert len(_strict(build_multilabel_report(frame, LABELS, None, max_errors=3))["errors"]) == 3


def test_multilabel_report_edge_cases():
    frame = multilabel_predictions(rare_in_test=False)  # "rare" never true in the test rows
    report = _strict(build_multilabel_report(frame, LABELS, {"sports": 0.4}))
    assert report["summary"]["roc_auc_macro"] is None
    assert report["per_label"][3]["roc_auc"] is None and report["per_label"][3]["support"] == 0
    assert report["thresholds"] == {"sports": 0.4, "politics": 0.5, "tech": 0.5, "rare": 0.5}  # missing: 0.5
    without_probs = frame.drop(columns=[c for c in frame.columns if c.startswith("prob::")])
    report = _strict(build_multilabel_report(without_probs, LABELS, None))
    assert report["summary"]["roc_auc_macro"] is None and all(r["roc_auc"] is None for r in report["per_label"])
    assert len(report["errors"]) == report["summary"]["n_errors"]
    # A label in the test cells the model does not know is reported (at the end, no threshold), not dropped.
    odd = multilabel_predictions()  # every model label has both classes: only "zzz" makes the AUC undefined
    odd.loc[0, "label"] = "zzz"
    report = _strict(build_multilabel_report(odd, LABELS, None))
    assert report["labels"] == [*LABELS, "zzz"] and "zzz" not in report["thresholds"]
    assert report["per_label"][-1] == {
        "label": "zzz", "precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 1, "predicted": 0,
        "threshold": None, "roc_auc": None,
    }  # fmt: skip
    assert report["summary"]["roc_auc_macro"] is None
    one = _strict(build_multilabel_report(frame.head(1), LABELS, None))
    assert one["summary"]["n_test"] == 1 and one["summary"]["roc_auc_macro"] is None
    perfect = frame.assign(pred=frame["label"])
    report = _strict(build_multilabel_report(perfect, LABELS, None))
    assert report["summary"]["f1_samples"] == 1.0 and report["errors"] == [] and report["cooccurrence_errors"] == []
    with pytest.raises(DataError):
        build_multilabel_report(frame.head(0), LABELS, None)
    with pytest.raises(DataError):
        build_multilabel_report(frame.drop(columns="pred"), LABELS, None)
    with pytest.raises(DataError):
        build_multilabel_report(frame, [], None)


# --------------------------------------------------------------------------- regression


def regression_predictions(n: int = 200, *, seed: int = 0, pair: bool = False) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    true = np.round(rng.uniform(0, 5, n), 2)
    pred = true + rng.normal(0, 0.7, n) - 0.2 * (true - 2.5)  # pulled towards the mean, as models are
    return pd.DataFrame(
        {
            "row_id": np.arange(n),
            "text": [f"a {i}" for i in range(n)],
            **({"text_pair": [f"b {i}" for i in range(n)]} if pair else {}),
            "label": true,
            "pred": pred,
            "genre": np.where(np.arange(n) < n - 2, np.where(np.arange(n) % 2, "news", "forum"), "tiny"),
        }
    )


def test_regression_report_layout_and_values():
    frame = regression_predictions()
    report = _strict(build_regression_report(frame, slice_columns=["genre", "text"], efficiency={"x": 1}))
    assert set(report) == {"task", "summary", "intervals", "by_range", "errors", "efficiency", "slices", "slices_skipped",
                           "run"}
    assert report["task"] == {"target": "regression", "pair": False}
    summary = report["summary"]
    assert list(summary) == REGRESSION_SUMMARY_KEYS
    true, pred = frame["label"].to_numpy(), frame["pred"].to_numpy(dtype=np.float64)
    assert summary["mse"] == pytest.approx(skm.mean_squared_error(true, pred))
    assert summary["mae"] == pytest.approx(skm.mean_absolute_error(true, pred))
    assert summary["r2"] == pytest.approx(skm.r2_score(true, pred))
    assert summary["pearson"] == pytest.approx(stats.pearsonr(true, pred).statistic)
    assert summary["spearman"] == pytest.approx(stats.spearmanr(true, pred).statistic)
    assert summary["baseline_mse"] > summary["mse"]
    by_range = report["by_range"]
    assert len(by_range) == 5 and sum(b["n"] for b in by_range) == len(frame)
    assert by_range[0]["mean_residual"] < 0 < by_range[-1]["mean_residual"]  # pulled towards the mean
    assert report["slices_skipped"][0]["column"] == "text"
    values = report["slices"][0]["values"]
    assert set(values[0]) == {"value", "n", "mae", "spearman"}
    maes = [v["mae"] for v in values]
    assert maes == sorted(maes, reverse=True)  # worst first
    tiny = next(v for v in values if v["value"] == "tiny")
    assert tiny["n"] == 2 and tiny["spearman"] is None
    assert all(v["spearman"] is not None for v in values if v["value"] != "tiny")


def test_regression_errors_largest_residual_first_with_pair_text():
    frame = regression_predictions(pair=True)
    frame.loc[5, "pred"] = frame.loc[5, "label"]  # exact: not an error
    report = _strict(build_regression_report(frame, max_errors=50))
    assert report["task"] == {"target": "regression", "pair": True}
    errors = report["errors"]
    assert len(errors) == 50
    assert set(errors[0]) == {"row_id", "text", "text_pair", "label", "pred", "residual"}
    sizes = [abs(row["residual"]) for row in errors]
    assert sizes == sorted(sizes, reverse=True)
    assert sizes[0] == pytest.approx(np.abs(frame["label"] - frame["pred"].astype(float)).max())
    first = frame.set_index("row_id").loc[errors[0]["row_id"]]
    assert errors[0]["text_pair"] == first["text_pair"]
    assert errors[0]["residual"] == pytest.approx(errors[0]["label"] - errors[0]["pred"])  # true − predicted
    everything = _strict(build_regression_report(frame))["errors"]
    assert len(everything) == len(frame) - 1 and 5 not in {row["row_id"] for row in everything}


def test_regression_report_edge_cases():
    constant = regression_predictions().assign(label=3.0)
    summary = _strict(build_regression_report(constant))["summary"]
    assert summary["pearson"] is None and summary["spearman"] is None and summary["target_std"] == 0.0
    one = _strict(build_regression_report(regression_predictions().head(1)))
    assert one["summary"]["r2"] is None and len(one["by_range"]) == 1
    as_text = regression_predictions().assign(label=lambda f: f["label"].astype(str))  # numbers stored as text
    assert _strict(build_regression_report(as_text))["summary"]["n_test"] == 200
    broken = regression_predictions()
    broken["label"] = broken["label"].astype(object)
    broken.loc[3, "label"] = "high"
    with pytest.raises(DataError) as caught:
        build_regression_report(broken)
    assert caught.value.message.key == "error.report_tasks.not_numeric"
    assert "'high'" in str(caught.value)
    with pytest.raises(DataError):
        build_regression_report(regression_predictions().head(0))
    with pytest.raises(DataError):
        build_regression_report(regression_predictions().drop(columns="label"))


# --------------------------------------------------------------------------- single-label (and pairs)


def _single_label_frame(pair: bool) -> pd.DataFrame:
    rng = np.random.default_rng(3)
    n = 60
    labels = ["yes", "no"]
    proba = rng.dirichlet([1, 1], n)
    frame = pd.DataFrame(
        {
            "row_id": np.arange(n),
            "text": [f"q {i}" for i in range(n)],
            **({"text_pair": [f"s {i}" for i in range(n)]} if pair else {}),
            "label": rng.choice(labels, n),
            "pred": [labels[i] for i in proba.argmax(1)],
            "confidence": proba.max(1),
        }
    )
    return pd.concat([frame, pd.DataFrame(proba, columns=[f"prob::{label}" for label in labels])], axis=1)


def test_single_label_report_carries_pair_text_and_task():
    pair = _strict(build_report(_single_label_frame(True), ["yes", "no"], task={"target": "single_label", "pair": True}))
    assert pair["task"] == {"target": "single_label", "pair": True}
    assert pair["errors"] and all(row["text_pair"] == f"s {row['row_id']}" for row in pair["errors"])
    assert list(pair["errors"][0])[:3] == ["row_id", "text", "text_pair"]
    single = _strict(build_report(_single_label_frame(False), ["yes", "no"]))
    assert single["task"] == {"target": "single_label", "pair": False}
    assert "text_pair" not in single["errors"][0]
