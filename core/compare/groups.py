"""Seed groups in comparisons: mean ± sd and the spread of each metric, and curves as a mean line with a band.

A group is the runs that share ``info["seed_group"]`` (queued by :mod:`core.jobs.seeds`).  Its statistics use the
completed members only; the sd is the sample standard deviation (ddof 1), the spread is min–max.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from core.compare.loading import run_metrics, run_task
from core.i18n import translate
from core.jobs.seeds import GROUP_KEY, stats
from core.store import Run

_DECIMALS = frozenset({"mcc", "cohen_kappa", "log_loss", "pearson", "spearman", "r2", "mse", "rmse", "mae"})


def group_of(run: Run) -> str | None:
    """The run's seed group id, or None for a run on its own."""
    group = run.info.get(GROUP_KEY)
    return str(group) if group else None


def by_group(runs: Sequence[Run]) -> dict[str, list[Run]]:
    """Runs that belong to a group, by group id (in the order the groups first appear)."""
    out: dict[str, list[Run]] = {}
    for run in runs:
        group = group_of(run)
        if group:
            out.setdefault(group, []).append(run)
    return out


def metric_stats(runs: Sequence[Run], metric: str) -> dict[str, float | int | None]:
    """:func:`stats` of ``metric`` over the completed ``runs``."""
    return stats([run_metrics(r).get(metric) for r in runs if r.status == "completed"])


def group_table(runs: Sequence[Run], metrics: Sequence[str]) -> pd.DataFrame:
    """One row per group among ``runs``: group, name, runs (members given), completed, seeds, and for each metric
    ``<metric>_mean``, ``_sd``, ``_min``, ``_max``."""
    rows = []
    for group, members in by_group(runs).items():
        row: dict[str, Any] = {
            "group": group,
            "name": group_name(members),
            "runs": len(members),
            "completed": sum(r.status == "completed" for r in members),
            "seeds": ", ".join(str(r.config.get("seed")) for r in members),
        }
        for metric in metrics:
            for key, value in metric_stats(members, metric).items():
                if key != "n":
                    row[f"{metric}_{key}"] = value
        rows.append(row)
    return pd.DataFrame(rows)


def group_name(members: Sequence[Run]) -> str:
    """The members' shared name without its ' · seed N' ending."""
    first = members[0]
    return first.name.removesuffix(f" · seed {first.config.get('seed')}")


def _missing(value: Any) -> bool:
    """None, or NaN (how a table column holds a missing number)."""
    return value is None or (isinstance(value, float) and np.isnan(value))


def _number(metric: str, value: float) -> str:
    return f"{value:.3f}" if metric in _DECIMALS else f"{100 * value:.1f}"


def stats_text(metric: str, summary: dict[str, Any], language: str) -> str:
    """'83.1 ± 0.6 (3 seeds, 82.4–83.9)' — percent metrics in points, others as decimals; '' without values."""
    n = summary.get("n")
    if _missing(n) or not n or _missing(summary.get("mean")):
        return ""
    mean = _number(metric, summary["mean"])
    if _missing(summary.get("sd")):
        return translate(language, "groups.one", mean=mean)
    return translate(language, "groups.mean_sd", mean=mean, sd=_number(metric, summary["sd"]), n=int(n),
                     low=_number(metric, summary["min"]), high=_number(metric, summary["max"]))


def headline_text(run: Run, all_runs: Sequence[Run], language: str) -> str:
    """The group's headline metric as :func:`stats_text` for a member of a group ('' for a run on its own)."""
    group = group_of(run)
    if not group:
        return ""
    members = [r for r in all_runs if group_of(r) == group]
    metric = run_task(run).headline_metric
    return stats_text(metric, metric_stats(members, metric), language)


def band_curves(data: pd.DataFrame, groups: dict[str, str]) -> pd.DataFrame:
    """Mean and sd across the members of each group, per split, metric and x (from :func:`core.compare.curves.curves`).

    ``groups`` maps run id → group label.  Members are interpolated onto the x values of the member with the most
    points, within the x range every member covers (seeds log at the same steps, but wall-clock times differ).
    Columns: group, split, name, x, mean, sd, n.
    """
    columns = ["group", "split", "name", "x", "mean", "sd", "n"]
    part = data[data["run_id"].isin(groups)] if len(data) else data
    frames = []
    for (group, split, name), series in part.assign(group=part["run_id"].map(groups)).groupby(
            ["group", "split", "name"], sort=False):
        members = [s.sort_values("x") for _, s in series.groupby("run_id", sort=False)]
        low, high = max(s["x"].min() for s in members), min(s["x"].max() for s in members)
        grid = max(members, key=len)["x"].to_numpy(dtype=float)
        grid = grid[(grid >= low) & (grid <= high)]
        if grid.size == 0:
            continue
        values = np.vstack([np.interp(grid, s["x"].to_numpy(dtype=float), s["value"].to_numpy(dtype=float))
                            for s in members])
        frames.append(pd.DataFrame({"group": group, "split": split, "name": name, "x": grid, "mean": values.mean(axis=0),
                                    "sd": values.std(axis=0, ddof=1) if len(members) > 1 else 0.0, "n": len(members)}))
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=columns)

