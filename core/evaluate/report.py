"""The evaluation report: predictions in, one JSON-serialisable dict out.

:func:`build_report` reads the predictions frame every run stores (:func:`core.results.predictions_frame`:
``row_id, text, label, pred, confidence, prob::<label>...`` plus slice columns) and computes every section
the UI and the HTML export show: summary metrics, per class, confusion, errors, binary curves, calibration
and slices, next to the robustness and efficiency numbers measured elsewhere.  The sentences that explain
each metric are written by :mod:`core.evaluate.explanations`; the HTML export is :mod:`core.evaluate.html`.
``METRIC_NAMES`` and :func:`format_metric` say how each summary metric is named and shown everywhere.

The dict holds only JSON types (str, int, float, bool, None, list, dict), so
``json.loads(report_to_json(r)) == r``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd

from core.errors import DataError
from core.evaluate import calibration as calibration_fit
from core.evaluate import metrics
from core.evaluate.explanations import class_explanations, metric_explanations, pct
from core.evaluate.intervals import bootstrap_intervals
from core.i18n import Message, message
from core.results import MAX_SLICE_VALUES, dump_report, prob_column
from core.tasks import SINGLE_LABEL

__all__ = ["METRIC_NAMES", "build_report", "format_metric", "report_to_json"]

_REQUIRED = ("label", "pred")
_POSITIVE_NAMES = {"positive", "pos", "spam", "1", "true", "yes"}
_MAX_TOP_CONFUSIONS = 50
_CALIBRATION_BINS = 15
_HISTOGRAM_BINS = 20

METRIC_NAMES = {
    "accuracy": "Accuracy",
    "balanced_accuracy": "Balanced accuracy",
    "precision_macro": "Precision (macro)",
    "recall_macro": "Recall (macro)",
    "f1_macro": "F1 (macro)",
    "precision_micro": "Precision (micro)",
    "recall_micro": "Recall (micro)",
    "f1_micro": "F1 (micro)",
    "precision_weighted": "Precision (weighted)",
    "recall_weighted": "Recall (weighted)",
    "f1_weighted": "F1 (weighted)",
    "mcc": "Matthews correlation (MCC)",
    "cohen_kappa": "Cohen's kappa",
    "log_loss": "Log loss",
    "ece": "Expected calibration error",
}
_PERCENT_METRICS = {k for k in METRIC_NAMES if k not in ("mcc", "cohen_kappa", "log_loss")}


def format_metric(key: str, value: float | None) -> str:
    """Display string for a summary metric: percentages for rates, decimals otherwise."""
    if value is None:
        return "n/a"
    if key == "ece":
        return f"{100 * value:.1f} pts"
    return pct(value) if key in _PERCENT_METRICS else f"{value:.3f}"


def _jsonable(value: Any) -> Any:
    """Recursively convert numpy / pandas scalars, tuples and NaN/inf to JSON types."""
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, np.ndarray)):
        return [_jsonable(v) for v in (value.tolist() if isinstance(value, np.ndarray) else value)]
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        value = float(value)
        return value if math.isfinite(value) else None
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, (pd.Timestamp, datetime)):
        return value.isoformat()
    if value is pd.NA or value is pd.NaT:
        return None
    return str(value)


# --------------------------------------------------------------------------- inputs


def _validate(predictions: pd.DataFrame, labels: Sequence[Any]) -> None:
    """Fail with one sentence when the frame cannot be reported on."""
    missing = [c for c in _REQUIRED if c not in predictions.columns]
    if missing:
        raise DataError(message("error.evaluate.missing_columns", columns=", ".join(missing)))
    if len(predictions) == 0:
        raise DataError(message("error.evaluate.no_test_rows"))
    if len(labels) == 0:
        raise DataError(message("error.evaluate.no_labels"))


def _all_labels(labels: Sequence[Any], y_true: np.ndarray, y_pred: np.ndarray) -> list[str]:
    """Model labels (as str) plus any class seen in the data but unknown to the model, at the end."""
    out = [str(x) for x in labels]
    known = set(out)
    extra = sorted((set(y_true.tolist()) | set(y_pred.tolist())) - known)
    return out + extra


def _proba_matrix(predictions: pd.DataFrame, model_labels: Sequence[Any], labels: list[str]) -> np.ndarray | None:
    """(n, k) probabilities in ``labels`` order, or None when prob columns are missing.

    Classes unknown to the model (test-only labels) get probability 0.
    """
    columns = [prob_column(label) for label in model_labels]
    if not all(c in predictions.columns for c in columns):
        return None
    proba = predictions[columns].to_numpy(dtype=np.float64)
    extra = len(labels) - proba.shape[1]
    return np.hstack([proba, np.zeros((len(proba), extra))]) if extra else proba


def _confidence(predictions: pd.DataFrame, proba: np.ndarray | None) -> np.ndarray | None:
    """Probability of the predicted label, from the column or the matrix."""
    if "confidence" in predictions.columns:
        return predictions["confidence"].to_numpy(dtype=np.float64)
    return None if proba is None else proba.max(axis=1)


# --------------------------------------------------------------------------- sections


def _per_class(y_true: np.ndarray, y_pred: np.ndarray, labels: list[str]) -> list[dict]:
    """Per-class precision/recall/F1/support plus how often each class was predicted."""
    frame = metrics.per_class_report(y_true, y_pred, labels=labels)
    predicted = pd.Series(y_pred).value_counts()
    frame["n_predicted"] = [int(predicted.get(label, 0)) for label in labels]
    frame["n_correct"] = [int(np.sum((y_true == label) & (y_pred == label))) for label in labels]
    return frame.to_dict(orient="records")


def _confusion(y_true: np.ndarray, y_pred: np.ndarray, labels: list[str]) -> dict:
    """Counts, row-normalised shares and the most frequent off-diagonal cells."""
    counts = metrics.confusion_matrix(y_true, y_pred, labels=labels)
    normalized = metrics.confusion_matrix(y_true, y_pred, labels=labels, normalize="true")
    off = [(int(counts[i, j]), i, j) for i, j in zip(*np.nonzero(counts), strict=True) if i != j]
    # Ties broken by label order so the list is stable across runs.
    off.sort(key=lambda t: (-t[0], t[1], t[2]))
    top = [[labels[i], labels[j], c] for c, i, j in off[:_MAX_TOP_CONFUSIONS]]
    return {
        "labels": labels,
        "counts": counts.tolist(),
        "normalized": normalized.tolist(),
        "top_confusions": top,
    }


def _errors(predictions: pd.DataFrame, y_true: np.ndarray, y_pred: np.ndarray, max_errors: int) -> list[dict]:
    """Misclassified rows, most confident first (the most surprising mistakes); with both texts of a pair."""
    frame = pd.DataFrame(
        {
            "row_id": predictions["row_id"].to_numpy() if "row_id" in predictions else np.arange(len(predictions)),
            "text": predictions["text"].astype(str).to_numpy() if "text" in predictions else "",
            **({"text_pair": predictions["text_pair"].astype(str).to_numpy()} if "text_pair" in predictions else {}),
            "label": y_true,
            "pred": y_pred,
            "confidence": predictions["confidence"].to_numpy(dtype=float) if "confidence" in predictions else np.nan,
        }
    )
    wrong = frame[frame["label"] != frame["pred"]]
    wrong = wrong.sort_values(["confidence", "row_id"], ascending=[False, True], kind="stable")
    return wrong.head(max_errors).to_dict(orient="records")


def _positive_label(labels: list[str], y_true: np.ndarray) -> str:
    """Class treated as 'positive' in a binary task.

    A name such as positive/spam/1/true wins; otherwise the rarer class, since
    that is usually the one the user wants to find (fraud, spam, churn ...).
    """
    for label in labels:
        if label.strip().lower() in _POSITIVE_NAMES:
            return label
    counts = [int(np.sum(y_true == label)) for label in labels]
    return labels[1] if counts[1] <= counts[0] else labels[0]


def _binary(y_true: np.ndarray, proba: np.ndarray | None, labels: list[str]) -> dict | None:
    """ROC / PR curves for 2-class tasks with probabilities; None otherwise."""
    if len(labels) != 2 or proba is None:
        return None
    positive = _positive_label(labels, y_true)
    negative = labels[1 - labels.index(positive)]
    scores = proba[:, labels.index(positive)]
    curves = metrics.binary_curves(y_true, scores, positive=positive)
    return {
        "positive": positive,
        "negative": negative,
        "positive_share": float(np.mean(y_true == positive)),
        "roc": curves["roc"],
        "pr": curves["pr"],
        "auc": curves["roc"]["auc"] if curves["roc"] else None,
        "average_precision": curves["pr"]["average_precision"] if curves["pr"] else None,
        "at_threshold_0_5": metrics.threshold_metrics(y_true, scores, positive=positive, negative=negative, threshold=0.5),
    }


def _calibration(
    y_true: np.ndarray,
    y_pred: np.ndarray,
    proba: np.ndarray | None,
    confidence: np.ndarray | None,
    labels: list[str],
) -> dict | None:
    """ECE, reliability bins and confidence histograms for right vs wrong predictions."""
    if proba is None:
        return None
    conf = confidence if confidence is not None else proba.max(axis=1)
    correct = y_true == y_pred
    edges = np.linspace(0.0, 1.0, _HISTOGRAM_BINS + 1)
    return {
        "ece": metrics.expected_calibration_error(y_true, proba, n_bins=_CALIBRATION_BINS, labels=labels),
        "n_bins": _CALIBRATION_BINS,
        "reliability": metrics.reliability_curve(y_true, proba, n_bins=_CALIBRATION_BINS, labels=labels),
        "mean_confidence": float(np.mean(conf)),
        "accuracy": float(np.mean(correct)),
        "histogram": {
            "bin_edges": edges.tolist(),
            "correct": np.histogram(conf[correct], bins=edges)[0].tolist(),
            "wrong": np.histogram(conf[~correct], bins=edges)[0].tolist(),
        },
    }


def _slice_values(column: pd.Series) -> pd.Series:
    """Slice keys as strings, with missing values grouped as '(missing)'."""
    return column.astype(object).where(column.notna(), "(missing)").astype(str)


def _skipped(column: object, why: Message) -> dict:
    return {"column": str(column), "reason": str(why), "message": why.to_dict()}


def slice_table(
    predictions: pd.DataFrame,
    slice_columns: Sequence[str],
    row: Callable[[np.ndarray], dict],
    order: Callable[[dict], Any],
) -> tuple[list[dict], list[dict]]:
    """Per value of each usable slice column, ``{"value", "n", **row(mask)}`` sorted by ``order`` (worst first), and
    the skipped columns — the one slicing rule every kind of report uses; ``row`` scores the rows of one value.

    A skipped column says why twice: ``reason`` in English (as report.json always had it) and ``message``, the
    same sentence as a stored :class:`core.i18n.Message` the UI shows in its language.
    """
    out, skipped = [], []
    for column in slice_columns:
        if column not in predictions.columns:
            skipped.append(_skipped(column, message("evalmsg.slices.not_in_predictions")))
            continue
        keys = _slice_values(predictions[column]).to_numpy()
        distinct = pd.unique(keys)
        if not 2 <= len(distinct) <= MAX_SLICE_VALUES:
            why = message("evalmsg.slices.distinct_values", distinct=len(distinct), max_values=MAX_SLICE_VALUES)
            skipped.append(_skipped(column, why))
            continue
        rows = [{"value": str(value), "n": int((keys == value).sum()), **row(keys == value)} for value in distinct]
        rows.sort(key=order)
        out.append({"column": str(column), "values": rows})
    return out, skipped


def _slices(
    predictions: pd.DataFrame,
    y_true: np.ndarray,
    y_pred: np.ndarray,
    slice_columns: Sequence[str],
    overall: float,
) -> tuple[list[dict], list[dict]]:
    """Per-value accuracy / macro-F1 for each usable slice column, and the skipped ones (:func:`slice_table`).

    Slice F1 averages over the classes present in that slice (sklearn's default),
    because averaging in absent classes as 0 would punish small slices.
    """

    def row(mask: np.ndarray) -> dict:
        acc = metrics.accuracy_score(y_true[mask], y_pred[mask])
        return {"accuracy": acc, "f1_macro": metrics.f1_score(y_true[mask], y_pred[mask], average="macro"),
                "gap_points": (acc - overall) * 100.0}

    return slice_table(predictions, slice_columns, row, lambda r: (r["accuracy"], -r["n"], r["value"]))


# --------------------------------------------------------------------------- public API


def build_report(
    predictions: pd.DataFrame,
    labels: list[str],
    *,
    slice_columns: Sequence[str] = (),
    robustness: list[dict] | None = None,
    efficiency: dict | None = None,
    run_info: dict | None = None,
    baseline_check: dict | None = None,
    dataset_noun: str = "texts",
    max_errors: int = 1000,
    task: dict | None = None,
    temperature: dict | None = None,
) -> dict:
    """Build the full evaluation report for one run's test predictions.

    ``labels`` is the model's id2label order (matching the ``prob::<label>``
    columns).  Sections: summary, intervals (95 % bootstrap intervals of the headline metrics:
    :func:`core.evaluate.intervals.bootstrap_intervals`), explanations, per_class, confusion, errors
    (at most ``max_errors``, most confident first), binary (2 classes only,
    else None), calibration, robustness, efficiency, slices (+ slices_skipped),
    run, baseline_check (:func:`core.evaluate.guard.baseline_check`) and task (``task`` — a
    :meth:`core.tasks.Task.to_dict` — or single-label text).  Errors carry ``text_pair`` when the
    predictions have it (sentence pairs).  ``temperature`` (:func:`core.evaluate.calibration.fit_summary`) says the
    test probabilities were temperature-scaled: calibration then carries ``temperature_scaling``, the fit plus the ECE
    and reliability bins before it.
    Missing optional inputs give None sections, never an error.
    """
    _validate(predictions, labels)
    y_true = predictions["label"].astype(str).to_numpy()
    y_pred = predictions["pred"].astype(str).to_numpy()
    all_labels = _all_labels(labels, y_true, y_pred)
    proba = _proba_matrix(predictions, labels, all_labels)
    summary: dict[str, Any] = metrics.summary_metrics(y_true, y_pred, labels=all_labels, y_proba=proba)
    summary["n_test"] = len(predictions)
    summary["n_errors"] = int(np.sum(y_true != y_pred))
    per_class = _per_class(y_true, y_pred, all_labels)
    for row in per_class:
        row.update(class_explanations(row, dataset_noun))
    confusion = _confusion(y_true, y_pred, all_labels)
    calibration = _calibration(y_true, y_pred, proba, _confidence(predictions, proba), all_labels)
    if calibration is not None and temperature is not None:
        before = calibration_fit.comparison(y_true, proba, temperature["temperature"], labels=all_labels,
                                            n_bins=_CALIBRATION_BINS)
        calibration["temperature_scaling"] = {**temperature, "before": before}
    slices, skipped = _slices(predictions, y_true, y_pred, slice_columns, summary["accuracy"])
    report = {
        "labels": all_labels,
        "dataset_noun": dataset_noun,
        "summary": summary,
        # 95 % bootstrap intervals of the headline metrics over these test rows (seeded: the same every time).
        "intervals": bootstrap_intervals(SINGLE_LABEL, y_true, y_pred, labels=all_labels),
        "explanations": metric_explanations(
            summary,
            per_class,
            np.asarray(confusion["counts"]),
            y_true,
            all_labels,
            calibration,
            dataset_noun,
        ),
        "per_class": per_class,
        "confusion": confusion,
        "errors": _errors(predictions, y_true, y_pred, max_errors),
        "binary": _binary(y_true, proba, all_labels),
        "calibration": calibration,
        "robustness": robustness,
        "efficiency": efficiency,
        "slices": slices,
        "slices_skipped": skipped,
        "run": run_info or {},
        "baseline_check": baseline_check,
        "task": task or {"target": "single_label", "pair": False},
    }
    return _jsonable(report)


def report_to_json(report: dict) -> str:
    """Strict JSON (no NaN) for saving next to the run."""
    return dump_report(_jsonable(report))

