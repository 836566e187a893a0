"""The numbers of a comparison side by side: the final-metric table with the best value per metric and
deltas against a reference run, the settings that differ, and F1 per class; also the plain-text and JSON
summary that ``python -m core compare RUN_ID RUN_ID ...`` prints.
"""

from __future__ import annotations

import argparse
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from core.compare.loading import require_runs, run_labels, run_metrics
from core.evaluate.report import METRIC_NAMES, format_metric
from core.store import Run

LOWER_IS_BETTER = frozenset({"log_loss", "ece"})
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
# Settings that name the run or are internal bookkeeping, never a real difference between runs.
_CONFIG_IGNORED = frozenset({"name", "resume_from"})


# ---------------------------------------------------------------------------- metric table
@dataclass
class MetricTable:
    """Final test metrics of several runs.

    ``values`` and ``deltas`` have one row per metric key and one column per run id; ``deltas`` is each
    value minus the reference run's.  ``best`` maps a metric to the run ids holding its best value
    (lowest for log loss and ECE, highest otherwise).
    """

    values: pd.DataFrame
    deltas: pd.DataFrame
    best: dict[str, list[str]]
    reference_id: str


def metric_table(runs: Sequence[Run], *, reference_id: str | None = None, metrics: Sequence[str] = TABLE_METRICS) -> MetricTable:
    """The metric table for ``runs`` (reference: ``reference_id``, default the first run)."""
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
    """'+1.3 pts' for rates, '+0.012' for the others; '' for missing values."""
    if delta is None or (isinstance(delta, float) and math.isnan(delta)):
        return ""
    if metric in {"mcc", "cohen_kappa", "log_loss"}:
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
    """F1 per class side by side: one row per class (union of all runs' classes), one column per run id."""
    table: dict[str, dict[str, float]] = {}
    for run in runs:
        for row in (reports.get(run.id) or {}).get("per_class") or []:
            table.setdefault(str(row["label"]), {})[run.id] = row["f1"]
    frame = pd.DataFrame.from_dict(table, orient="index", columns=[r.id for r in runs], dtype=float)
    return frame.rename_axis("class")


# ---------------------------------------------------------------------------- summary (CLI / JSON)
def comparison(run_ids: Sequence[str], *, reference_id: str | None = None) -> dict[str, Any]:
    """JSON-ready metric table (values, deltas, best) and config diff of 2–10 runs."""
    runs = require_runs(run_ids)
    table = metric_table(runs, reference_id=reference_id)
    labels = run_labels(runs)
    diff = config_diff(runs)

    def clean(v: float) -> float | None:
        return None if math.isnan(v) else float(v)

    return {
        "runs": [{"id": r.id, "name": r.name, "label": labels[r.id], "status": r.status} for r in runs],
        "reference": table.reference_id,
        "metrics": {m: {i: clean(table.values.at[m, i]) for i in table.values.columns} for m in table.values.index},
        "deltas": {m: {i: clean(table.deltas.at[m, i]) for i in table.deltas.columns} for m in table.deltas.index},
        "best": table.best,
        "config_diff": {k: dict(row) for k, row in diff.iterrows()},
    }


def comparison_text(run_ids: Sequence[str], *, reference_id: str | None = None) -> str:
    """The metric table (best marked *, deltas against the reference) and the config diff as plain text."""
    runs = require_runs(run_ids)
    table = metric_table(runs, reference_id=reference_id)
    labels = run_labels(runs)
    cells = {}
    for metric in table.values.index:
        row = {}
        for run_id in table.values.columns:
            value = table.values.at[metric, run_id]
            text = "n/a" if math.isnan(value) else format_metric(metric, value)
            if run_id in table.best.get(metric, []):
                text += " *"
            if run_id != table.reference_id and not math.isnan(value):
                text += f" ({format_delta(metric, table.deltas.at[metric, run_id])})"
            row[labels[run_id]] = text
        cells[METRIC_NAMES.get(metric, metric)] = row
    metrics_text = pd.DataFrame.from_dict(cells, orient="index").to_string() if cells else "(no metrics yet)"
    diff = config_diff(runs).rename(columns=labels)
    diff_text = diff.to_string() if len(diff) else "(the runs have identical settings)"
    ref = labels[table.reference_id]
    return (f"Metrics (* best; in brackets: difference to the reference run ‘{ref}’)\n{metrics_text}\n\n"
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
