"""Thorough mode: out-of-fold probabilities from k fine-tuned models, trained as ordinary queued runs.

Fold ``i`` is a hidden copy of the dataset whose ``split`` column marks fold ``i`` as the test split and every other
row as training data (validation is carved from those, as in any run).  Each fold is one run through the scheduler —
on a GPU when there is one, with the live view, stop and logs of any run — and its stored test predictions are the
out-of-fold probabilities of fold ``i``'s rows, in dataset order (a ``split`` column keeps row order).
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable

import numpy as np
import pandas as pd

from core import results, store
from core.config import RunConfig
from core.data import library
from core.errors import RunError
from core.i18n import message
from core.jobs import queue
from core.tasks import task_of

POLL_S = 2.0
Progress = Callable[[float, str], None]


def fold_dataset(dataset_id: str, df: pd.DataFrame, folds: np.ndarray, fold: int) -> str:
    """The hidden dataset of fold ``fold`` (content-hashed, so a repeated check reuses it)."""
    parent = library.require(dataset_id)
    split = np.where(folds == fold, "test", "train")
    table = df.drop(columns=["split"], errors="ignore").assign(split=split)
    meta = {"hidden": True, "fold_of": dataset_id, "fold": fold, "folds": int(folds.max()) + 1}
    record = library.save_frame(table, name=f"{parent.name} · fold {fold + 1}", text_column=parent.text_column,
                                label_column=parent.label_column, meta=meta, task=task_of(parent))
    return record.id


def submit_folds(dataset_id: str, df: pd.DataFrame, folds: np.ndarray, base: RunConfig) -> list[str]:
    """Queue one run per fold with ``base``'s settings; returns their ids in fold order."""
    n_folds = int(folds.max()) + 1
    run_ids = []
    for fold in range(n_folds):
        config = dataclasses.replace(base, dataset_id=fold_dataset(dataset_id, df, folds, fold),
                                     name=f"{library.require(dataset_id).name} · label check {fold + 1}/{n_folds}",
                                     resume_from="")
        run = queue.submit(config, info={"label_check_of": dataset_id, "fold": fold})
        run_ids.append(run.id)
    return run_ids


def wait_for_folds(run_ids: list[str], progress: Progress | None = None, *, poll_s: float = POLL_S) -> None:
    """Block until every fold run completed; a fold that failed, stopped or was cancelled ends the check."""
    while True:
        runs = [store.require_run(run_id) for run_id in run_ids]
        for run in runs:
            if run.status in {"failed", "stopped", "cancelled"}:
                raise RunError(message("error.quality.fold_failed", run_id=run.id, status=run.status,
                                       reason=str(run.error or "")))
        if progress:
            progress(sum(_fraction(run) for run in runs) / len(runs), "folds")
        if all(run.status == "completed" for run in runs):
            return
        time.sleep(poll_s)


def _fraction(run: store.Run) -> float:
    if run.status == "completed":
        return 1.0
    step, total = run.progress.get("step") or 0, run.progress.get("total_steps") or 0
    # Training is most of a run; the finishing phases (evaluation, calibration) take the last tenth.
    return 0.9 * min(1.0, step / total) if total else 0.0


def collect(run_ids: list[str], folds: np.ndarray, classes: list[str]) -> np.ndarray:
    """The out-of-fold probability matrix ``[row, class]`` from the fold runs' stored test predictions."""
    probabilities = np.zeros((len(folds), len(classes)))
    for fold, run_id in enumerate(run_ids):
        predictions = results.load_predictions(run_id)
        rows = np.flatnonzero(folds == fold)
        if len(predictions) != len(rows):
            raise RunError(message("error.quality.fold_rows", run_id=run_id, expected=len(rows), got=len(predictions)))
        order = predictions["row_id"].to_numpy() if "row_id" in predictions else np.arange(len(rows))
        for j, label in enumerate(classes):
            column = results.prob_column(label)
            if column in predictions:
                probabilities[rows[order], j] = predictions[column].to_numpy(dtype=float)
    return probabilities


def stop_folds(run_ids: list[str]) -> None:
    """Stop or cancel the check's fold runs (the check was stopped)."""
    for run_id in run_ids:
        run = store.get_run(run_id)
        if run is None:
            continue
        if run.status == "queued":
            queue.cancel(run_id)
        elif run.status == "running":
            queue.request_stop(run_id)
