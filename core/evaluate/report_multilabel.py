"""The evaluation report of a multi-label run: predictions in, one JSON-serialisable dict out.

Reads the predictions frame a multi-label run stores (``row_id, text, [text_pair], label, pred, prob::<label>…``
plus slice columns; ``label`` and ``pred`` are sorted labels joined by ``|``, ``""`` for none, ``pred`` after the
per-label thresholds) and computes the sections the UI shows: summary, per label (with its threshold), label
co-occurrence, co-occurrence error patterns, the worst rows and slices.  The layout is fixed by the issue-18 design
brief; the metrics are :mod:`core.evaluate.metrics_multilabel`.  Like :func:`core.evaluate.report.build_report`,
the dict holds only JSON types (no NaN: None where a metric is undefined).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from core.evaluate import metrics_multilabel as mm
from core.evaluate.intervals import bootstrap_intervals
from core.evaluate.report import _jsonable, _validate, slice_table
from core.evaluate.thresholds import DEFAULT_THRESHOLD
from core.results import prob_column
from core.tasks import MULTI_LABEL, PAIR_COLUMN, distinct_labels, join_labels, label_matrix, split_labels

__all__ = ["build_multilabel_report"]

_EMPTY_ROW_SCORE = 1.0
"""A row with no true and no predicted label scores this in the per-row (samples) averages: "none" was the right
answer.  scikit-learn's default (0) would sink ``f1_samples`` on data where many texts carry no label."""


def _all_labels(labels: Sequence[Any], predictions: pd.DataFrame) -> list[str]:
    """The model's labels, then any label seen in the test cells but unknown to the model (sorted): dropping
    those would hide texts the model cannot get right."""
    out = [str(label) for label in labels]
    seen = set(distinct_labels(predictions["label"])) | set(distinct_labels(predictions["pred"]))
    return out + sorted(seen - set(out))


def _threshold_list(thresholds: Mapping[str, float] | Sequence[float] | np.ndarray | None, model: list[str]) -> list:
    """One threshold per model label: from a ``{label: threshold}`` mapping (a label it lacks: 0.5, the
    untuned default) or a sequence in label order."""
    if thresholds is None:
        return [DEFAULT_THRESHOLD] * len(model)
    if isinstance(thresholds, Mapping):
        return [float(thresholds.get(label, DEFAULT_THRESHOLD)) for label in model]
    values = [float(t) for t in np.asarray(thresholds, dtype=np.float64).ravel()]
    if len(values) != len(model):
        raise ValueError(f"{len(values)} thresholds for {len(model)} labels.")
    return values


def _score_matrix(predictions: pd.DataFrame, model: list[str], labels: list[str]) -> np.ndarray | None:
    """``(n, k)`` sigmoid probabilities in ``labels`` order, None without them.  A label unknown to the model gets 0
    (it is never predicted: being sure it is absent is right for ordering the errors)."""
    columns = [prob_column(label) for label in model]
    if not all(c in predictions.columns for c in columns):
        return None
    scores = predictions[columns].to_numpy(dtype=np.float64)
    extra = len(labels) - len(model)
    return np.hstack([scores, np.zeros((len(scores), extra))]) if extra else scores


def _summary(true: np.ndarray, pred: np.ndarray, scores: np.ndarray | None) -> dict[str, Any]:
    """The brief's summary keys, in its order."""
    return {
        "f1_micro": mm.f1_score(true, pred, average="micro"),
        "f1_macro": mm.f1_score(true, pred, average="macro"),
        "f1_samples": mm.f1_score(true, pred, average="samples", zero_division=_EMPTY_ROW_SCORE),
        "precision_micro": mm.precision_score(true, pred, average="micro"),
        "recall_micro": mm.recall_score(true, pred, average="micro"),
        "precision_macro": mm.precision_score(true, pred, average="macro"),
        "recall_macro": mm.recall_score(true, pred, average="macro"),
        "subset_accuracy": mm.accuracy_score(true, pred),
        "hamming_loss": mm.hamming_loss(true, pred),
        "jaccard_samples": mm.jaccard_score(true, pred, average="samples", zero_division=_EMPTY_ROW_SCORE),
        "roc_auc_macro": None if scores is None else mm.roc_auc_score(true, scores, average="macro"),
        "label_cardinality_true": mm.label_cardinality(true),
        "label_cardinality_pred": mm.label_cardinality(pred),
        "n_test": len(true),
        "n_errors": int(np.any(true != pred, axis=1).sum()),
    }


def _wrong_confidence(true: np.ndarray, pred: np.ndarray, scores: np.ndarray | None) -> np.ndarray:
    """Per row, how sure the model was of its surest wrong decision: the probability of a label it added, one
    minus the probability of a label it missed (0 when it has no wrong decision; NaN without scores)."""
    if scores is None:
        return np.full(len(true), np.nan)
    sureness = np.where(pred == 1, scores, 1.0 - scores)
    return np.where(true != pred, sureness, 0.0).max(axis=1, initial=0.0)


def _text_columns(predictions: pd.DataFrame) -> dict[str, np.ndarray]:
    out = {
        "row_id": predictions["row_id"].to_numpy() if "row_id" in predictions else np.arange(len(predictions)),
        "text": predictions["text"].astype(str).to_numpy() if "text" in predictions else np.full(len(predictions), ""),
    }
    if PAIR_COLUMN in predictions:
        out[PAIR_COLUMN] = predictions[PAIR_COLUMN].astype(str).to_numpy()
    return out


def _errors(
    predictions: pd.DataFrame, true: np.ndarray, pred: np.ndarray, scores: np.ndarray | None, labels: list[str], limit: int
) -> list[dict]:
    """Rows whose predicted set differs from the true one, worst first: most wrong labels, then the surest wrong
    decision (a confident mistake teaches most), then row id.  ``missing`` and ``extra`` follow label order."""
    wrong = true != pred
    n_wrong = wrong.sum(axis=1)
    confidence = _wrong_confidence(true, pred, scores)
    rows = np.flatnonzero(n_wrong > 0)
    texts = _text_columns(predictions)
    key = np.nan_to_num(confidence[rows], nan=0.0)
    order = rows[np.lexsort((texts["row_id"][rows], -key, -n_wrong[rows]))][:limit]
    label_cells, pred_cells = predictions["label"].to_numpy(), predictions["pred"].to_numpy()
    out = []
    for i in order:
        row = {name: values[i] for name, values in texts.items()}
        row["label"] = join_labels(split_labels(label_cells[i]))  # a missing cell reads "" (no label), not "nan"
        row["pred"] = join_labels(split_labels(pred_cells[i]))
        row["missing"] = [labels[j] for j in np.flatnonzero(true[i] & (1 - pred[i]))]
        row["extra"] = [labels[j] for j in np.flatnonzero(pred[i] & (1 - true[i]))]
        out.append(row)
    return out


def _slices(
    predictions: pd.DataFrame, true: np.ndarray, pred: np.ndarray, slice_columns: Sequence[str], overall: float
) -> tuple[list[dict], list[dict]]:
    """Per value of each usable slice column: ``n``, ``f1_micro``, ``subset_accuracy`` and ``gap_points`` (slice
    micro-F1 minus the overall one, in points), worst slice first; and the skipped columns with why (as
    :func:`core.evaluate.report.build_report` does)."""

    def row(mask: np.ndarray) -> dict:
        f1 = mm.f1_score(true[mask], pred[mask], average="micro")
        return {"f1_micro": f1, "subset_accuracy": mm.accuracy_score(true[mask], pred[mask]),
                "gap_points": (f1 - overall) * 100.0}

    return slice_table(predictions, slice_columns, row, lambda r: (r["f1_micro"], -r["n"], r["value"]))


def build_multilabel_report(
    predictions: pd.DataFrame,
    labels: list[str],
    thresholds: Mapping[str, float] | Sequence[float] | np.ndarray | None,
    *,
    slice_columns: Sequence[str] = (),
    efficiency: dict | None = None,
    run_info: dict | None = None,
    max_errors: int = 1000,
) -> dict:
    """The full evaluation report of one multi-label run's test predictions.

    ``labels`` is the model's label order (its ``prob::<label>`` columns); ``thresholds`` the per-label thresholds
    tuned on validation (``{label: threshold}`` or a sequence in ``labels`` order; None: 0.5 each) — reported, not
    re-applied: ``pred`` already holds the decisions.  Sections: task, labels, thresholds, summary, intervals
    (:func:`core.evaluate.intervals.bootstrap_intervals`), per_label,
    cooccurrence, cooccurrence_errors, errors (at most ``max_errors``), efficiency, slices, slices_skipped, run.
    A label found in the test cells but unknown to the model is added at the end, with threshold None.
    """
    _validate(predictions, labels)
    model = [str(label) for label in labels]
    all_labels = _all_labels(model, predictions)
    cuts = _threshold_list(thresholds, model)
    true = label_matrix(predictions["label"], all_labels).astype(np.int64)
    pred = label_matrix(predictions["pred"], all_labels).astype(np.int64)
    scores = _score_matrix(predictions, model, all_labels)
    unknown = len(all_labels) - len(model)
    # The model has no score for an unknown label, so its ROC AUC — and a macro average over it — is undefined.
    summary = _summary(true, pred, None if unknown else scores)
    per_label = mm.per_label_report(true, pred, scores, labels=all_labels, thresholds=cuts + [None] * unknown)
    per_label.loc[len(model) :, "roc_auc"] = None
    slices, skipped = _slices(predictions, true, pred, slice_columns, summary["f1_micro"])
    report = {
        "task": {"target": MULTI_LABEL, "pair": PAIR_COLUMN in predictions.columns},
        "labels": all_labels,
        "thresholds": dict(zip(model, cuts, strict=True)),
        "summary": summary,
        "intervals": bootstrap_intervals(MULTI_LABEL, true, pred),  # 95 % bootstrap, seeded
        "per_label": per_label.to_dict(orient="records"),
        "cooccurrence": {"labels": all_labels, "counts": mm.cooccurrence_counts(true)},
        "cooccurrence_errors": mm.cooccurrence_errors(true, pred, labels=all_labels),
        "errors": _errors(predictions, true, pred, scores, all_labels, max_errors),
        "efficiency": efficiency,
        "slices": slices,
        "slices_skipped": skipped,
        "run": run_info or {},
    }
    return _jsonable(report)
