"""The training curves of several runs in one long frame, ready to overlay: each run's metric history
thinned for drawing, on a step, epoch or wall-clock x axis, optionally smoothed like the live view.

Histories come from :func:`core.store.metric_series`, which thins long series in SQL (bucket means), and
finished runs are cached, since their history can no longer change.  The figure is
:func:`core.plots.compare_figures.curves_figure`.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

import pandas as pd

from core import store
from core.compare.loading import run_labels
from core.errors import RunError
from core.i18n import message
from core.plots.curves import MAX_POINTS
from core.results import smoothed
from core.store import Run
from core.tasks import MULTI_LABEL, REGRESSION, SINGLE_LABEL, Task

# x axis key -> axis title
X_AXES = {"step": "step", "epoch": "epoch", "time": "minutes since the first logged point"}
VALIDATION_METRICS = {SINGLE_LABEL: ("f1_macro", "accuracy"), MULTI_LABEL: ("f1_micro", "f1_macro"),
                      REGRESSION: ("spearman", "pearson", "mse"), "ner": ("f1", "precision", "recall")}
"""The validation metrics each task target logs during training (core.train.trainer), its headline metric first."""


def validation_metrics(task: Task) -> tuple[str, ...]:
    """The validation curves offered for runs of ``task``'s kind, the one early stopping watches first."""
    return VALIDATION_METRICS[task.target]


def _fetch(run_id: str, names: tuple[str, ...] | None, max_points: int) -> pd.DataFrame:
    return store.metric_series(run_id, names=list(names) if names else None, max_points=max_points)


@lru_cache(maxsize=256)
def _metric_series_finished(run_id: str, _finished_at: float, names: tuple[str, ...] | None, max_points: int) -> pd.DataFrame:
    return _fetch(run_id, names, max_points)


def metric_series(run: Run, names: Sequence[str] | None = None, max_points: int = MAX_POINTS) -> pd.DataFrame:
    """A run's history (step, epoch, split, name, value, t), each series thinned to ``max_points``.

    Finished runs are cached: their history no longer changes, so switching the x axis or a
    metric redraws without touching the database.
    """
    key = tuple(names) if names is not None else None
    if run.is_active or not run.finished_at:
        return _fetch(run.id, key, max_points)
    return _metric_series_finished(run.id, float(run.finished_at), key, max_points).copy()


def curves(
    runs: Sequence[Run],
    names: Sequence[str] = ("loss",),
    *,
    x: str = "step",
    smooth: bool = False,
    max_points: int = MAX_POINTS,
) -> pd.DataFrame:
    """Histories of several runs in one long frame: run_id, label, split, name, x, value.

    ``x`` is ``step``, ``epoch`` or ``time`` (minutes since the run's first logged point).  With
    ``smooth`` the train series get the same moving average as the live view.  Runs of different
    lengths simply give series of different lengths.
    """
    if x not in X_AXES:
        raise RunError(message("error.compare.bad_x_axis", x=str(x), axes=", ".join(X_AXES)))
    labels = run_labels(runs)
    frames = []
    for run in runs:
        df = metric_series(run, names, max_points)
        if df.empty:
            continue
        if x == "time":
            df["x"] = (df["t"] - df["t"].min()) / 60.0
        else:
            df["x"] = df[x]
        df = df.dropna(subset=["x"]).sort_values(["split", "name", "step"], kind="stable")
        if smooth:
            train = df["split"] == "train"
            df.loc[train, "value"] = df[train].groupby("name", group_keys=False)["value"].apply(smoothed)
        df.insert(0, "label", labels[run.id])
        df.insert(0, "run_id", run.id)
        frames.append(df)
    if not frames:
        return pd.DataFrame(columns=["run_id", "label", "step", "epoch", "split", "name", "value", "t", "x"])
    return pd.concat(frames, ignore_index=True)


def without_curves(runs: Sequence[Run]) -> tuple[list[Run], list[Run]]:
    """``(runs with training curves, baselines)``: a one-shot baseline has no curve over steps, only a
    final result, so it belongs in the tables but not on a step axis as a flat 'train loss' line."""
    baselines = [r for r in runs if r.info.get("kind") == "baseline"]
    return [r for r in runs if r not in baselines], baselines
