"""The evaluation report of a regression run (a number per text): predictions in, one JSON-serialisable dict out.

Reads the predictions frame a regression run stores (``row_id, text, [text_pair], label, pred`` with float
``label``/``pred``, plus slice columns) and computes the sections the UI shows: summary (MSE, MAE, R², Pearson,
Spearman and the predict-the-mean baseline), residuals by target range, the largest misses and slices.  The layout
is fixed by the issue-18 design brief; the metrics are :mod:`core.evaluate.metrics_regression`.  Residuals are
``label - pred`` (positive: predicted too low).  Only JSON types (no NaN: None where a metric is undefined).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from core.errors import DataError
from core.evaluate import metrics_regression as mr
from core.evaluate.intervals import bootstrap_intervals
from core.evaluate.report import _jsonable, slice_table
from core.i18n import message
from core.tasks import PAIR_COLUMN, REGRESSION

__all__ = ["MIN_SLICE_ROWS_FOR_SPEARMAN", "build_regression_report"]

_REQUIRED = ("label", "pred")
BY_RANGE_BINS = 5
MIN_SLICE_ROWS_FOR_SPEARMAN = 3
"""A slice with fewer rows reports ``spearman`` None: a rank correlation of two points is always ±1."""


def _numbers(predictions: pd.DataFrame, column: str) -> np.ndarray:
    """The column as float64; a value that is not a number (or is missing) is an error naming a few of them."""
    values = pd.to_numeric(predictions[column], errors="coerce").to_numpy(dtype=np.float64)
    bad = ~np.isfinite(values)
    if bad.any():
        examples = ", ".join(repr(v) for v in predictions[column][bad].astype(str).unique()[:3])
        raise DataError(message("error.report_tasks.not_numeric", column=column, count=int(bad.sum()), examples=examples))
    return values


def _validate(predictions: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """True and predicted numbers, or one sentence saying why the frame cannot be reported on."""
    missing = [c for c in _REQUIRED if c not in predictions.columns]
    if missing:
        raise DataError(message("error.evaluate.missing_columns", columns=", ".join(missing)))
    if len(predictions) == 0:
        raise DataError(message("error.evaluate.no_test_rows"))
    return _numbers(predictions, "label"), _numbers(predictions, "pred")


def _errors(predictions: pd.DataFrame, true: np.ndarray, pred: np.ndarray, limit: int) -> list[dict]:
    """Rows the model missed, largest ``|residual|`` first (ties: row id); an exact prediction is no error."""
    frame = pd.DataFrame(
        {
            "row_id": predictions["row_id"].to_numpy() if "row_id" in predictions else np.arange(len(predictions)),
            "text": predictions["text"].astype(str).to_numpy() if "text" in predictions else "",
            **({PAIR_COLUMN: predictions[PAIR_COLUMN].astype(str).to_numpy()} if PAIR_COLUMN in predictions else {}),
            "label": true,
            "pred": pred,
            "residual": true - pred,
        }
    )
    frame["size"] = frame["residual"].abs()
    frame = frame[frame["size"] > 0].sort_values(["size", "row_id"], ascending=[False, True], kind="stable")
    return frame.drop(columns="size").head(limit).to_dict(orient="records")


def _slices(
    predictions: pd.DataFrame, true: np.ndarray, pred: np.ndarray, slice_columns: Sequence[str]
) -> tuple[list[dict], list[dict]]:
    """Per value of each usable slice column: ``n``, ``mae`` and ``spearman`` (None under
    :data:`MIN_SLICE_ROWS_FOR_SPEARMAN` rows), worst (largest MAE) first; and the skipped columns with why,
    as :func:`core.evaluate.report.build_report` does."""

    def row(mask: np.ndarray) -> dict:
        n = int(mask.sum())
        return {"mae": mr.mean_absolute_error(true[mask], pred[mask]),
                "spearman": mr.spearmanr(true[mask], pred[mask]) if n >= MIN_SLICE_ROWS_FOR_SPEARMAN else None}

    return slice_table(predictions, slice_columns, row, lambda r: (-r["mae"], -r["n"], r["value"]))


def build_regression_report(
    predictions: pd.DataFrame,
    *,
    slice_columns: Sequence[str] = (),
    efficiency: dict | None = None,
    run_info: dict | None = None,
    max_errors: int = 1000,
) -> dict:
    """The full evaluation report of one regression run's test predictions.

    Sections: task, summary (:data:`core.evaluate.metrics_regression.SUMMARY_KEYS`), intervals
    (:func:`core.evaluate.intervals.bootstrap_intervals`), by_range (true targets in at
    most 5 equal-count bins), errors (largest ``|residual|`` first, at most ``max_errors``), efficiency, slices,
    slices_skipped, run.  A ``label`` or ``pred`` that is not a number is a :class:`core.errors.DataError`.
    """
    true, pred = _validate(predictions)
    slices, skipped = _slices(predictions, true, pred, slice_columns)
    report = {
        "task": {"target": REGRESSION, "pair": PAIR_COLUMN in predictions.columns},
        "summary": mr.regression_summary(true, pred),
        "intervals": bootstrap_intervals(REGRESSION, true, pred),  # 95 % bootstrap, seeded
        "by_range": mr.residuals_by_range(true, pred, bins=BY_RANGE_BINS),
        "errors": _errors(predictions, true, pred, max_errors),
        "efficiency": efficiency,
        "slices": slices,
        "slices_skipped": skipped,
        "run": run_info or {},
    }
    return _jsonable(report)
