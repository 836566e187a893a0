"""Ranking and charting runs by their settings: the per-dataset leaderboard of every completed run (with
size and speed), and the hyperparameters that differ between compared runs next to a chosen metric (the
data of :func:`core.plots.compare_figures.parallel_figure`).

A dataset's runs share its kind of task, so by default each dataset is ranked by its kind's headline metric
(:attr:`core.tasks.Task.headline_metric`: macro-F1, micro-F1 or Spearman); errors (Hamming loss, MSE, MAE, log
loss) rank lowest first.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import pandas as pd

from core import store
from core.compare import groups
from core.compare.loading import metric_interval, report_digest, run_metrics, run_task, short_model
from core.compare.tables import ALL_METRICS, LOWER_IS_BETTER, metric_value
from core.errors import RunError
from core.i18n import message
from core.store import Run

# Hyperparameters offered on the parallel-coordinates chart (the ones people actually tune).
HYPERPARAMETERS = (
    "model",
    "learning_rate",
    "batch_size",
    "gradient_accumulation",
    "epochs",
    "max_steps",
    "weight_decay",
    "warmup_ratio",
    "lr_scheduler",
    "max_length",
    "label_smoothing",
    "class_weighted_loss",
    "freeze",
    "peft",
    "lora_r",
    "seed",
)


def hyperparameter_frame(runs: Sequence[Run], metric: str) -> pd.DataFrame:
    """One row per run: the hyperparameters that differ between the runs (at least learning rate,
    batch size and epochs) and the final value of ``metric``; index = run id."""
    rows = {r.id: {k: r.config.get(k) for k in HYPERPARAMETERS} for r in runs}
    frame = pd.DataFrame.from_dict(rows, orient="index")
    varying = [c for c in frame.columns if frame[c].astype(str).nunique() > 1]
    keep = varying or ["learning_rate", "batch_size", "epochs"]
    frame = frame[keep].copy()
    frame[metric] = [metric_value(run_metrics(r).get(metric)) for r in runs]
    if "model" in frame:
        frame["model"] = frame["model"].map(lambda m: short_model(str(m)))
    return frame


def _group_columns(run: Run, metric: str, members: dict[str, list[Run]]) -> dict[str, object]:
    group = groups.group_of(run)
    summary = groups.metric_stats(members[group], metric) if group else {}
    return {"seed_group": group, **{f"group_{k}": summary.get(k) for k in ("n", "mean", "sd", "min", "max")}}


def leaderboard(metric: str | None = None, runs: Sequence[Run] | None = None) -> pd.DataFrame:
    """Completed runs grouped by dataset and ranked by ``metric`` (best first within each dataset: lowest first for
    errors such as Hamming loss, MSE and log loss); ``metric`` None ranks each dataset by its kind's headline metric.

    Columns: dataset, dataset_id, task (the kind's key), metric (what the dataset is ranked by), rank, run_id, run,
    model, kind (fine-tuned or baseline), value, ci_low and ci_high (its 95 % bootstrap interval over the test rows;
    None for reports without one), seed_group with group_n/mean/sd/min/max (the metric over the finished seeds of the
    run's seed group: :mod:`core.compare.groups`; None for a run on its own), trainable_parameters, train_minutes, throughput_texts_per_s; with a
    ``metric`` given, its value is also under its own name.  Runs without the metric are left out.
    """
    if metric is not None and metric not in ALL_METRICS:
        raise RunError(message("error.compare.unknown_metric", metric=str(metric), metrics=", ".join(ALL_METRICS)))
    runs = store.list_runs(statuses=["completed"]) if runs is None else [r for r in runs if r.status == "completed"]
    members = groups.by_group(runs)
    rows = []
    for run in runs:
        task = run_task(run)
        key = metric or task.headline_metric
        value = metric_value((run.final_metrics or {}).get(key))
        if math.isnan(value):
            value = metric_value(run_metrics(run).get(key))
        if math.isnan(value):
            continue
        eff = run.info.get("efficiency") or report_digest(run.id)["efficiency"] or {}
        params = run.info.get("parameters") or {}
        train_s = eff.get("train_seconds") or run.duration_s
        rows.append({
            "dataset": run.info.get("dataset_name") or run.dataset_id or "(unknown)",
            "dataset_id": run.dataset_id,
            "task": task.key,
            "metric": key,
            "run_id": run.id,
            "run": run.name,
            "model": short_model(run.config.get("model", "")),
            "kind": run.info.get("kind", "fine-tuned"),
            "value": value,
            **{f"ci_{end}": bound for end, bound in metric_interval(run, key).items()},
            **_group_columns(run, key, members),
            "trainable_parameters": params.get("trainable", eff.get("trainable")),
            "train_minutes": train_s / 60.0 if train_s else None,
            "throughput_texts_per_s": eff.get("throughput_texts_per_s"),
        })
    columns = ["dataset", "dataset_id", "task", "metric", "rank", "run_id", "run", "model", "kind", "value", "ci_low",
               "ci_high", "seed_group", "group_n", "group_mean", "group_sd", "group_min", "group_max", *([metric] if metric else []), "trainable_parameters", "train_minutes", "throughput_texts_per_s"]
    if not rows:
        return pd.DataFrame(columns=columns)
    frame = pd.DataFrame(rows)
    # One sort for every dataset, whichever way its metric points: lower-is-better values are negated first.
    frame["_order"] = frame["value"].where(~frame["metric"].isin(LOWER_IS_BETTER), -frame["value"])
    frame = frame.sort_values(["dataset", "dataset_id", "_order", "run_id"], ascending=[True, True, False, True],
                              kind="stable")
    frame["rank"] = frame.groupby("dataset_id", dropna=False)["_order"].rank(method="min", ascending=False).astype(int)
    if metric:
        frame[metric] = frame["value"]
    return frame[columns].reset_index(drop=True)
