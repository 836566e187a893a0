"""A run's stored results, written and read in one place: ``predictions.parquet`` and ``report.json``.

Fine-tuned runs (:mod:`core.train.finish`) and TF-IDF baselines (:mod:`core.evaluate.baseline`) both build their
test predictions with :func:`predictions_frame` and save them with :func:`write_results`; every reader (the UI,
the CLI, comparisons, exports) goes through :func:`load_report` / :func:`load_predictions` (or :func:`read_report`
when a missing report is normal), so the file names and the ``prob::<label>`` column format live only here.
Also the small read helpers the UI and CLI use: metric history, smoothing, header facts, the log tail.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from core import paths, store
from core.errors import RunError
from core.i18n import Message, catalogue, message
from core.tasks import PAIR_COLUMN, SINGLE_LABEL, Task, labels_of_rows

PROB_PREFIX = "prob::"  # predictions.parquet holds one probability column per class: prob::<label>
REPORT_FILE = "report.json"
PREDICTIONS_FILE = "predictions.parquet"
MAX_SLICE_VALUES = 50  # a column with 2 to this many distinct values is kept to slice the report by
_NOT_SLICES = frozenset({"text", "text_pair", "label", "split"})


def prob_column(label: Any) -> str:
    """The column of ``label``'s probability in a predictions frame: ``prob::<label>``."""
    return f"{PROB_PREFIX}{label}"


def report_file(run_id: str) -> Path:
    """Where run ``run_id``'s evaluation report is stored."""
    return paths.run_dir(run_id) / REPORT_FILE


def predictions_file(run_id: str) -> Path:
    """Where run ``run_id``'s per-row test predictions are stored."""
    return paths.run_dir(run_id) / PREDICTIONS_FILE


# ---------------------------------------------------------------------------- writing
def slice_columns(test: pd.DataFrame) -> list[str]:
    """Columns of the test split worth slicing the report by: not text/label/split, 2 to 50 distinct values."""
    return [c for c in test.columns if c not in _NOT_SLICES and 1 < test[c].nunique() <= MAX_SLICE_VALUES]


def predictions_frame(test: pd.DataFrame, labels: Sequence[Any], proba: np.ndarray) -> pd.DataFrame:
    """Per-row test predictions as stored: ``row_id, text, label, pred, confidence, prob::<label>…`` and the
    :func:`slice_columns` of ``test`` (as text).  ``proba[i, j]`` is the probability of ``labels[j]`` for row i."""
    frame = pd.DataFrame({
        "row_id": np.arange(len(test)), "text": test["text"].astype(str).tolist(), "label": test["label"].tolist(),
        "pred": [labels[i] for i in proba.argmax(1)], "confidence": proba.max(1),
    })
    # One concat, not a column at a time: 150 classes inserted one by one fragment the frame (pandas warns each time).
    probs = pd.DataFrame(proba, columns=[prob_column(label) for label in labels])
    slices = pd.DataFrame({column: test[column].astype(str).tolist() for column in slice_columns(test)})
    return pd.concat([frame, probs, slices], axis=1)


def task_predictions_frame(test: pd.DataFrame, task: Task, labels: Sequence[Any], scores: np.ndarray,
                           thresholds: np.ndarray | None = None) -> pd.DataFrame:
    """Per-row test predictions of any kind of run (see :mod:`core.tasks`), as stored: single-label rows as
    :func:`predictions_frame` makes them; multi-label ``label``/``pred`` cells (``a|b``; ``pred`` = the labels whose
    probability reaches its threshold) and ``prob::<label>`` columns; regression ``label``/``pred`` numbers.
    Pairs add ``text_pair`` after ``text``."""
    if task.target == SINGLE_LABEL:
        frame = predictions_frame(test, labels, scores)
    else:
        frame = pd.DataFrame({"row_id": np.arange(len(test)), "text": test["text"].astype(str).tolist()})
        if task.regression:
            frame["label"] = test["label"].astype(float).to_numpy()
            frame["pred"] = scores.reshape(len(test), -1)[:, 0].astype(float)
            extra = pd.DataFrame(index=frame.index)
        else:
            cut = np.full(len(labels), 0.5) if thresholds is None else np.asarray(thresholds)
            frame["label"] = test["label"].fillna("").astype(str).tolist()
            frame["pred"] = labels_of_rows(scores >= cut, list(labels))
            extra = pd.DataFrame(scores, columns=[prob_column(label) for label in labels])
        slices = pd.DataFrame({column: test[column].astype(str).tolist() for column in slice_columns(test)})
        frame = pd.concat([frame, extra, slices], axis=1)
    if task.pair:
        frame.insert(2, PAIR_COLUMN, test[PAIR_COLUMN].astype(str).tolist())
    return frame


def dump_report(report: dict) -> str:
    """A report (JSON types only, see :func:`core.evaluate.report.build_report`) as strict JSON text (no NaN)."""
    return json.dumps(report, ensure_ascii=False, indent=2, allow_nan=False)


def write_results(run_id: str, predictions: pd.DataFrame, report: dict) -> None:
    """Save a run's test predictions and evaluation report, each written whole (temporary file, then rename)
    so a reader never sees half a file; the report comes last, so a run with a report also has its predictions."""
    folder = paths.run_dir(run_id)
    folder.mkdir(parents=True, exist_ok=True)
    tmp = folder / f".{PREDICTIONS_FILE}.tmp"
    predictions.to_parquet(tmp, index=False)
    os.replace(tmp, predictions_file(run_id))
    tmp = folder / f".{REPORT_FILE}.tmp"
    tmp.write_text(dump_report(report), encoding="utf-8")
    os.replace(tmp, report_file(run_id))


# ---------------------------------------------------------------------------- reading
def read_report(run_id: str) -> dict | None:
    """The run's evaluation report, or None when it has none (yet)."""
    file = report_file(run_id)
    return json.loads(file.read_text(encoding="utf-8")) if file.is_file() else None


def status_word(status: str) -> Message | str:
    """A run's status as part of a sentence: the catalogue's word (``runs.status.*``), so it reads in the sentence's
    language; the status itself when the catalogue does not have it."""
    key = f"runs.status.{status}"
    return message(key) if catalogue("en").get(key) == status else status


def load_report(run_id: str) -> dict:
    """The evaluation report of a completed run (one clear error when there is none)."""
    report = read_report(run_id)
    if report is None:
        run = store.require_run(run_id)
        raise RunError(message("error.results.no_report", run_id=run_id, status=status_word(run.status)))
    return report


def load_predictions(run_id: str, *, columns: Sequence[str] | None = None) -> pd.DataFrame:
    """Per-row test predictions of a completed run (only ``columns`` when given)."""
    file = predictions_file(run_id)
    if not file.is_file():
        raise RunError(message("error.results.no_predictions", run_id=run_id))
    return pd.read_parquet(file, columns=list(columns) if columns is not None else None)


def history(run_id: str, *, names: list[str] | None = None) -> pd.DataFrame:
    """Metric history: columns step, epoch, split, name, value, t."""
    return store.metric_points(run_id, names=names)


def smoothed(values: pd.Series, *, alpha: float = 0.1) -> pd.Series:
    """Exponential moving average, the usual way to read a noisy loss curve."""
    return values.ewm(alpha=alpha, adjust=False).mean()


def header_facts(run: store.Run) -> list[str]:
    """Short facts shown under a run's name: id, data, model, device, trainable parameters, lineage."""
    facts = [f"run {run.id}", str(run.info.get("dataset_name", run.dataset_id or "")),
             f"model {str(run.config.get('model', '')).rstrip('/').split('/')[-1]}",
             run.info.get("device") or run.device or "device not assigned yet"]
    params = run.info.get("parameters")
    if params and params.get("total"):
        facts.append(f"{params['trainable']:,} of {params['total']:,} parameters trained "
                     f"({100 * params['trainable'] / params['total']:.1f}%)")
    if run.parent_id:
        facts.append(f"continued from {run.parent_id}")
    return facts


def log_tail(run_id: str, lines: int = 20) -> str:
    """The last lines of a run's training log ('' when there is none yet)."""
    file = paths.run_dir(run_id) / "train.log"
    if not file.is_file():
        return ""
    with open(file, "rb") as handle:
        handle.seek(0, 2)
        size = handle.tell()
        handle.seek(max(0, size - 16_000))
        text = handle.read().decode("utf-8", errors="replace")
    return "\n".join(text.splitlines()[-lines:])
