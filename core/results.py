"""Reading a run's results for the UI and CLI: histories, predictions, reports."""

from __future__ import annotations

import json

import pandas as pd

from core import paths, store
from core.errors import RunError


def load_report(run_id: str) -> dict:
    """The evaluation report of a completed run."""
    file = paths.run_dir(run_id) / "report.json"
    if not file.is_file():
        run = store.require_run(run_id)
        raise RunError(f"Run {run_id} is {run.status} and has no evaluation report yet; reports are made when a run completes.")
    return json.loads(file.read_text())


def load_predictions(run_id: str) -> pd.DataFrame:
    """Per-row test predictions of a completed run."""
    file = paths.run_dir(run_id) / "predictions.parquet"
    if not file.is_file():
        raise RunError(f"Run {run_id} has no test predictions; they are saved when a run completes.")
    return pd.read_parquet(file)


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
