"""The numbers of a comparison side by side: the final-metric table with the best value per metric and
deltas against a reference run, the settings that differ, and F1 per class; also the plain-text and JSON
summary that ``python -m core compare RUN_ID RUN_ID ...`` prints, with each run's paired test against the reference
run (:mod:`core.compare.significance`).

Each kind of task is scored by its own metrics (:data:`KIND_METRICS`): accuracy and F1 for one label per text,
micro-F1 and Hamming loss for several, errors and correlations for numbers, entity F1 (type and boundaries both right)
for named entities.  Runs of different kinds are therefore
never lined up in one table (:func:`kinds_problem` says why in one sentence); a run's headline metric, with its
name, is its "score" in run lists (:func:`score_message`).
"""

from __future__ import annotations

import argparse
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from core.compare import significance
from core.compare.loading import metric_interval, require_runs, run_labels, run_metrics, run_task
from core.errors import RunError
from core.evaluate.explanations import pct
from core.evaluate.report import METRIC_NAMES, format_metric
from core.i18n import DEFAULT_LANGUAGE, Message, catalogue, message
from core.store import Run
from core.tasks import MULTI_LABEL, REGRESSION, SINGLE_LABEL, Task

LOWER_IS_BETTER = frozenset({"log_loss", "ece", "hamming_loss", "mse", "rmse", "mae"})
TABLE_METRICS = (
    "accuracy",
    "balanced_accuracy",
    "f1_macro",
    "precision_macro",
    "recall_macro",
    "f1_weighted",
    "mcc",
    "cohen_kappa",
    "log_loss",
    "ece",
)
MULTI_LABEL_METRICS = ("f1_micro", "f1_macro", "f1_samples", "subset_accuracy", "hamming_loss")
REGRESSION_METRICS = ("mse", "mae", "pearson", "spearman", "r2")
NER_METRICS = ("f1", "precision", "recall", "f1_macro", "token_accuracy")
"""Entity-level micro F1/precision/recall, macro F1 over entity types, and token accuracy (core.evaluate.report_ner)."""
KIND_METRICS = {SINGLE_LABEL: TABLE_METRICS, MULTI_LABEL: MULTI_LABEL_METRICS, REGRESSION: REGRESSION_METRICS,
                "ner": NER_METRICS}  # core.tasks.NER
"""The final metrics a comparison shows for each task target (pairs as their target), headline metric included."""
ALL_METRICS = tuple(dict.fromkeys([*METRIC_NAMES, *MULTI_LABEL_METRICS, *REGRESSION_METRICS, "rmse", *NER_METRICS]))
_DECIMALS = frozenset({"mcc", "cohen_kappa", "log_loss", "pearson", "spearman", "r2"})  # shown as 0.123, not 12.3%
IN_TARGET_UNITS = frozenset({"mse", "rmse", "mae"})  # in the target's units (or their square): four significant digits
# Settings that name the run or are internal bookkeeping, never a real difference between runs.
_CONFIG_IGNORED = frozenset({"name", "resume_from"})


@dataclass
class MetricTable:
    """Final test metrics of several runs.

    ``values`` and ``deltas`` have one row per metric key and one column per run id; ``deltas`` is each
    value minus the reference run's.  ``best`` maps a metric to the run ids holding its best value
    (lowest for the errors of :data:`LOWER_IS_BETTER`: log loss, ECE, Hamming loss, MSE, MAE; highest otherwise).
    """

    values: pd.DataFrame
    deltas: pd.DataFrame
    best: dict[str, list[str]]
    reference_id: str


# ---------------------------------------------------------------------------- kinds
def table_metrics(task: Task) -> tuple[str, ...]:
    """The final metrics shown for runs of ``task``'s kind."""
    return KIND_METRICS[task.target]


def metric_label(metric: str) -> str:
    """A final metric's English name (the catalogue's ``compare.metric.*``; the key itself when unknown)."""
    return catalogue(DEFAULT_LANGUAGE).get(f"compare.metric.{metric}", metric)


def is_percent(metric: str) -> bool:
    """Whether the metric is a share, shown as a percentage (its differences in points)."""
    return metric not in _DECIMALS and metric not in IN_TARGET_UNITS


def format_value(metric: str, value: float | None) -> str:
    """A final metric for display: 85.8% for shares, 0.874 for correlations, 4 significant digits for errors."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    if metric in IN_TARGET_UNITS:
        return f"{value:.4g}"
    if metric in METRIC_NAMES:
        return format_metric(metric, value)
    return f"{value:.3f}" if metric in _DECIMALS else pct(value)


def common_task(runs: Sequence[Run]) -> Task | None:
    """The kind all ``runs`` share, or None when they are of different kinds."""
    kinds = {run_task(r) for r in runs}
    return kinds.pop() if len(kinds) == 1 else None


def kinds_problem(runs: Sequence[Run]) -> Message | None:
    """Why runs of different kinds are not compared side by side, in one sentence (None when they share one)."""
    kinds = list(dict.fromkeys(run_task(r).key for r in runs))
    if len(kinds) < 2:
        return None
    joined: Message = message(f"task.short.{kinds[-1]}")
    for key in reversed(kinds[:-1]):
        joined = message("compare_tasks.kinds_joined", first=message(f"task.short.{key}"), rest=joined)
    return message("compare_tasks.kinds_differ", kinds=joined)


def headline(run: Run) -> tuple[str, float]:
    """``(metric, value)``: the run's headline metric (its kind's) and final value (NaN when it has none yet)."""
    metric = run_task(run).headline_metric
    return metric, metric_value((run.final_metrics or {}).get(metric))


def headline_interval(run: Run) -> dict[str, float | None]:
    """The 95 % bootstrap interval of the run's headline metric (``low``/``high`` None when its report has none)."""
    return metric_interval(run, run_task(run).headline_metric)


def score_message(run: Run) -> Message | None:
    """The run's headline metric with its name ("micro-F1 0.812", "Spearman 0.741"); None before it has one."""
    metric, value = headline(run)
    return None if math.isnan(value) else message(f"compare_tasks.score.{metric}", value=value)


# ---------------------------------------------------------------------------- metric table
def metric_table(runs: Sequence[Run], *, reference_id: str | None = None, metrics: Sequence[str] | None = None) -> MetricTable:
    """The metric table for ``runs`` (reference: ``reference_id``, default the first run); ``metrics`` default to
    those of the runs' kind (:data:`KIND_METRICS`; every kind's, in order, for runs of different kinds)."""
    if metrics is None:
        task = common_task(runs)
        metrics = table_metrics(task) if task else tuple(dict.fromkeys(m for ms in KIND_METRICS.values() for m in ms))
    ids = [r.id for r in runs]
    reference_id = reference_id if reference_id in ids else ids[0]
    found = {r.id: run_metrics(r) for r in runs}
    keys = [m for m in metrics if any(found[i].get(m) is not None for i in ids)]
    values = pd.DataFrame(
        [[metric_value(found[i].get(m)) for i in ids] for m in keys], index=pd.Index(keys, name="metric"), columns=ids, dtype=float
    )
    deltas = values.sub(values[reference_id], axis=0)
    best: dict[str, list[str]] = {}
    for metric, row in values.iterrows():
        if row.notna().any():
            target = row.min() if metric in LOWER_IS_BETTER else row.max()
            best[str(metric)] = [i for i in ids if row[i] == target]
    return MetricTable(values=values, deltas=deltas, best=best, reference_id=reference_id)


def metric_value(value: Any) -> float:
    """A stored metric as a float; NaN for a missing or non-numeric value."""
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else math.nan


def format_delta(metric: str, delta: float) -> str:
    """'+1.3 pts' for rates, '+0.012' for the others (errors in their units: '-0.1234'); '' for missing values."""
    if delta is None or (isinstance(delta, float) and math.isnan(delta)):
        return ""
    if metric in IN_TARGET_UNITS:
        return f"{delta:+.4g}"
    if not is_percent(metric):
        return f"{delta:+.3f}"
    return f"{100 * delta:+.1f} pts"


# ---------------------------------------------------------------------------- config diff
def _cell(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False) if isinstance(value, dict | list) else str(value)


def config_diff(runs: Sequence[Run]) -> pd.DataFrame:
    """Settings whose value differs between the runs: one row per setting, one column per run id (text)."""
    keys: list[str] = []
    for run in runs:
        keys += [k for k in run.config if k not in keys and k not in _CONFIG_IGNORED]
    rows = {}
    for key in keys:
        cells = [_cell(run.config[key]) if key in run.config else "(not set)" for run in runs]
        if len(set(cells)) > 1:
            rows[key] = cells
    return pd.DataFrame.from_dict(rows, orient="index", columns=[r.id for r in runs]).rename_axis("setting")


# ---------------------------------------------------------------------------- per class
def per_class_f1(runs: Sequence[Run], reports: dict[str, dict | None]) -> pd.DataFrame:
    """F1 per class side by side: one row per class (union of all runs' classes), one column per run id.
    Multi-label reports give theirs per label, NER reports per entity type."""
    table: dict[str, dict[str, float]] = {}
    for run in runs:
        report = reports.get(run.id) or {}
        for row in report.get("per_class") or report.get("per_label") or report.get("per_type") or []:
            table.setdefault(str(row.get("label", row.get("type"))), {})[run.id] = row["f1"]
    frame = pd.DataFrame.from_dict(table, orient="index", columns=[r.id for r in runs], dtype=float)
    return frame.rename_axis("class")


# ---------------------------------------------------------------------------- summary (CLI / JSON)
def comparison(run_ids: Sequence[str], *, reference_id: str | None = None) -> dict[str, Any]:
    """JSON-ready metric table (values, deltas, best; the metrics of the runs' kind) and config diff of 2–10 runs
    of one kind (runs of different kinds: a :class:`RunError` saying why)."""
    runs = require_runs(run_ids)
    problem = kinds_problem(runs)
    if problem is not None:
        raise RunError(problem)
    table = metric_table(runs, reference_id=reference_id)
    labels = run_labels(runs)
    diff = config_diff(runs)

    def clean(v: float) -> float | None:
        return None if math.isnan(v) else float(v)

    return {
        "runs": [{"id": r.id, "name": r.name, "label": labels[r.id], "status": r.status} for r in runs],
        "task": run_task(runs[0]).key,
        "reference": table.reference_id,
        "metrics": {m: {i: clean(table.values.at[m, i]) for i in table.values.columns} for m in table.values.index},
        "deltas": {m: {i: clean(table.deltas.at[m, i]) for i in table.deltas.columns} for m in table.deltas.index},
        "best": table.best,
        "lower_is_better": [m for m in table.values.index if m in LOWER_IS_BETTER],
        "config_diff": {k: dict(row) for k, row in diff.iterrows()},
        "significance": significance.summary(runs, reference_id=table.reference_id, names=labels),
    }


def comparison_text(run_ids: Sequence[str], *, reference_id: str | None = None) -> str:
    """The metric table (best marked *, deltas against the reference) and the config diff as plain text."""
    runs = require_runs(run_ids)
    problem = kinds_problem(runs)
    if problem is not None:
        raise RunError(problem)
    table = metric_table(runs, reference_id=reference_id)
    labels = run_labels(runs)
    cells = {}
    for metric in table.values.index:
        row = {}
        for run_id in table.values.columns:
            value = table.values.at[metric, run_id]
            text = format_value(metric, value)
            if run_id in table.best.get(metric, []):
                text += " *"
            if run_id != table.reference_id and not math.isnan(value):
                text += f" ({format_delta(metric, table.deltas.at[metric, run_id])})"
            row[labels[run_id]] = text
        cells[metric_label(metric)] = row
    metrics_text = pd.DataFrame.from_dict(cells, orient="index").to_string() if cells else "(no metrics yet)"
    diff = config_diff(runs).rename(columns=labels)
    diff_text = diff.to_string() if len(diff) else "(the runs have identical settings)"
    ref = labels[table.reference_id]
    kind = catalogue(DEFAULT_LANGUAGE)[f"task.name.{run_task(runs[0]).key}"]
    pairs = significance.against_reference(runs, reference_id=table.reference_id, names=labels)
    tests_text = "\n".join(f"- {said}" for pair in pairs for said in pair.sentences)
    return (f"Kind: {kind}\n"
            f"Metrics (* best; in brackets: difference to the reference run ‘{ref}’)\n{metrics_text}\n\n"
            f"Is the difference real? (paired tests on the test rows both runs predicted)\n{tests_text}\n\n"
            f"Settings that differ\n{diff_text}")


def _cmd_compare(args: argparse.Namespace) -> int:
    if args.json:
        print(json.dumps(comparison(args.run_ids, reference_id=args.reference), indent=2, ensure_ascii=False))
    else:
        print(comparison_text(args.run_ids, reference_id=args.reference))
    return 0


def register_cli(subparsers: Any) -> None:
    """Add ``compare RUN_ID RUN_ID ... [--json] [--reference RUN_ID]`` to ``python -m core``."""
    parser = subparsers.add_parser("compare", help="Compare 2–10 runs: metric table and the settings that differ.",
                                   description="Compare 2–10 runs: metric table and the settings that differ.")
    parser.add_argument("run_ids", nargs="+", metavar="RUN_ID", help="Runs to compare (see `python -m core runs`).")
    parser.add_argument("--reference", metavar="RUN_ID", help="Run the differences are measured against (default: the first).")
    parser.add_argument("--json", action="store_true", help="Print JSON.")
    parser.set_defaults(func=_cmd_compare)
