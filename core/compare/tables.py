"""Comparing runs: overlaid curves, metric table, config diff, per-class F1, confusion matrices,
disagreeing test examples, a hyperparameter chart, and the per-dataset leaderboard.

Everything here works on 2–10 runs except the leaderboard, which reads every completed run.  To stay
fast with long histories and many runs:

* curves are fetched per run already thinned to at most ``charts.MAX_POINTS`` points per series
  (:func:`metric_series`), and cached for finished runs, whose history can no longer change;
* reports and predictions are cached by file modification time, and the leaderboard only keeps a
  small digest (summary + efficiency) of each report, never the whole report of 500 runs.

Plotly is imported inside the figure functions so importing this module stays cheap.
"""

from __future__ import annotations

import argparse
import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd

from core import paths, store
from core.errors import RunError
from core.evaluate.report import METRIC_NAMES, format_metric
from core.plots import curves as charts
from core.plots.class_layout import PX_PER_CLASS, class_axis_style, class_chart_height
from core.results import smoothed
from core.store import Run

MIN_RUNS, MAX_RUNS = 2, 10
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
X_AXES = {"step": "step", "epoch": "epoch", "time": "minutes since the first logged point"}
# Settings that name the run or are internal bookkeeping, never a real difference between runs.
_CONFIG_IGNORED = frozenset({"name", "resume_from"})
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
_SPLIT_SETTINGS = ("test_size", "validation_size", "seed")
_PALETTE = (
    "#1f77b4",
    "#ff7f0e",
    "#2ca02c",
    "#d62728",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#7f7f7f",
    "#bcbd22",
    "#17becf",
)


# ---------------------------------------------------------------------------- runs and labels
def require_runs(run_ids: Iterable[str], *, minimum: int = MIN_RUNS, maximum: int = MAX_RUNS) -> list[Run]:
    """The runs to compare, in the given order (duplicates dropped); a clear error for too few or too many."""
    ids = list(dict.fromkeys(run_ids))
    if len(ids) < minimum:
        raise RunError(f"Pick at least {minimum} runs to compare (you picked {len(ids)}).")
    if len(ids) > maximum:
        raise RunError(f"Compare at most {maximum} runs at a time (you picked {len(ids)}); drop some of them.")
    return [store.require_run(i) for i in ids]


def short_model(model: str) -> str:
    """'sentence-transformers/all-MiniLM-L6-v2' -> 'all-MiniLM-L6-v2' (also for local folders)."""
    return str(model).rstrip("/").split("/")[-1] or str(model)


def run_labels(runs: Sequence[Run]) -> dict[str, str]:
    """A short, unique display label per run id: its name, plus the id where two runs share a name."""
    counts: dict[str, int] = {}
    for run in runs:
        counts[run.name] = counts.get(run.name, 0) + 1
    return {run.id: run.name if counts[run.name] == 1 else f"{run.name} · {run.id}" for run in runs}


# ---------------------------------------------------------------------------- cached files
def _stamp(file: Any) -> tuple[int, int] | None:
    """(mtime_ns, size) of a file, or None when it does not exist (the cache key of its content)."""
    try:
        info = file.stat()
    except OSError:
        return None
    return info.st_mtime_ns, info.st_size


@lru_cache(maxsize=32)
def _read_report(path: str, _stamp: tuple[int, int]) -> dict:
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)


@lru_cache(maxsize=2048)
def _read_digest(path: str, _stamp: tuple[int, int]) -> dict:
    # Only the small parts the leaderboard needs stay in memory; a full report can be megabytes.
    report = _read_report.__wrapped__(path, _stamp)
    return {"summary": report.get("summary") or {}, "efficiency": report.get("efficiency") or {}, "labels": report.get("labels")}


@lru_cache(maxsize=32)
def _read_predictions(path: str, _stamp: tuple[int, int]) -> pd.DataFrame:
    return pd.read_parquet(path)


def _guarded(read: Any, path: str, stamp: tuple[int, int] | None) -> Any:
    """``read(path, stamp)``, or None when the file is missing or still being written (a half-written
    file fails to parse; failures are not cached, so the next call reads the finished file)."""
    if stamp is None:
        return None
    try:
        return read(path, stamp)
    except (OSError, ValueError):
        return None


def load_report(run_id: str) -> dict | None:
    """The run's evaluation report (cached while the file is unchanged; treat it as read-only), or None."""
    file = paths.run_dir(run_id) / "report.json"
    stamp = _stamp(file)
    return _guarded(_read_report, str(file), stamp)


def load_predictions(run_id: str) -> pd.DataFrame | None:
    """The run's test predictions (cached while the file is unchanged), or None when it has none."""
    file = paths.run_dir(run_id) / "predictions.parquet"
    stamp = _stamp(file)
    frame = _guarded(_read_predictions, str(file), stamp)
    # A copy, so a caller that adds a column cannot change what the next caller reads from the cache.
    return None if frame is None else frame.copy()


def report_digest(run_id: str) -> dict:
    """Summary metrics, efficiency numbers and labels of a run's report ({} parts when it has none)."""
    file = paths.run_dir(run_id) / "report.json"
    return _guarded(_read_digest, str(file), _stamp(file)) or {"summary": {}, "efficiency": {}, "labels": None}


def run_metrics(run: Run) -> dict[str, float]:
    """Final test metrics: the report's summary, else the metrics stored with the run."""
    summary = report_digest(run.id)["summary"]
    return {**(run.final_metrics or {}), **summary}


# ---------------------------------------------------------------------------- curves
def _thin(df: pd.DataFrame, max_points: int) -> pd.DataFrame:
    """Average consecutive points of one series into at most ``max_points`` buckets of equal step range.

    Averaging (not picking every n-th point) keeps the shape of a noisy loss honest: a spike that
    falls between picked points would otherwise vanish or dominate at random.
    """
    if len(df) <= max_points:
        return df
    df = df.sort_values(["step", "t"], kind="stable")
    step = df["step"].to_numpy(dtype=np.int64)
    lo, hi = int(step[0]), int(step[-1])
    bucket = (step - lo) * max_points // (hi - lo + 1)
    # Steps are sorted, so each bucket is one contiguous block: reduceat is a fast group-by.
    starts = np.flatnonzero(np.r_[True, bucket[1:] != bucket[:-1]])
    counts = np.diff(np.r_[starts, len(step)])
    epoch = df["epoch"].to_numpy(dtype=float)
    return pd.DataFrame({
        "step": np.maximum.reduceat(step, starts),
        "epoch": np.fmax.reduceat(epoch, starts),  # fmax skips missing epochs, like SQL MAX
        "split": df["split"].iloc[0],
        "name": df["name"].iloc[0],
        "value": np.add.reduceat(df["value"].to_numpy(dtype=float), starts) / counts,
        "t": np.maximum.reduceat(df["t"].to_numpy(dtype=float), starts),
    })


def _metric_series_fallback(run_id: str, names: Sequence[str] | None, max_points: int) -> pd.DataFrame:
    """Same result as the proposed ``store.metric_series``, built from ``store.metric_points``."""
    points = store.metric_points(run_id, names=names)
    if points.empty:
        return points
    parts = [_thin(part, max_points) for _, part in points.groupby(["split", "name"], sort=True)]
    return pd.concat(parts, ignore_index=True)


def _metric_series_uncached(run_id: str, names: tuple[str, ...] | None, max_points: int) -> pd.DataFrame:
    # store.metric_series does the thinning in SQL (fewer rows cross into Python); until it exists
    # the same result is computed here from the full history.
    fetch = getattr(store, "metric_series", None)
    if fetch is not None:
        return fetch(run_id, names=list(names) if names else None, max_points=max_points)
    return _metric_series_fallback(run_id, list(names) if names else None, max_points)


@lru_cache(maxsize=256)
def _metric_series_finished(run_id: str, _finished_at: float, names: tuple[str, ...] | None, max_points: int) -> pd.DataFrame:
    return _metric_series_uncached(run_id, names, max_points)


def metric_series(run: Run, names: Sequence[str] | None = None, max_points: int = charts.MAX_POINTS) -> pd.DataFrame:
    """A run's history (step, epoch, split, name, value, t), each series thinned to ``max_points``.

    Finished runs are cached: their history no longer changes, so switching the x axis or a
    metric redraws without touching the database.
    """
    key = tuple(names) if names is not None else None
    if run.is_active or not run.finished_at:
        return _metric_series_uncached(run.id, key, max_points)
    return _metric_series_finished(run.id, float(run.finished_at), key, max_points).copy()


def curves(
    runs: Sequence[Run],
    names: Sequence[str] = ("loss",),
    *,
    x: str = "step",
    smooth: bool = False,
    max_points: int = charts.MAX_POINTS,
) -> pd.DataFrame:
    """Histories of several runs in one long frame: run_id, label, split, name, x, value.

    ``x`` is ``step``, ``epoch`` or ``time`` (minutes since the run's first logged point).  With
    ``smooth`` the train series get the same moving average as the live view.  Runs of different
    lengths simply give series of different lengths.
    """
    if x not in X_AXES:
        raise RunError(f"The x axis ‘{x}’ is not one of {', '.join(X_AXES)}.")
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


def curves_figure(data: pd.DataFrame, *, name: str, x: str = "step", title: str | None = None, splits: Sequence[str] = ("train", "validation")) -> Any:
    """Overlaid curves of metric ``name``: one colour per run, train solid, validation dashed with markers.

    A series with a single point (a run evaluated once) is drawn as a marker: a line needs two points.
    """
    import plotly.graph_objects as go

    fig = go.Figure()
    part = data[(data["name"] == name) & (data["split"].isin(splits))] if len(data) else data
    order = list(dict.fromkeys(data["run_id"])) if len(data) else []
    for (run_id, split), series in part.groupby(["run_id", "split"], sort=False):
        color = _PALETTE[order.index(run_id) % len(_PALETTE)]
        dashed = split != "train"
        markers = len(series) == 1 or (dashed and len(series) <= 60)
        fig.add_scatter(
            x=series["x"], y=series["value"], name=f"{series['label'].iloc[0]} · {split}", mode="lines+markers" if markers else "lines",
            line={"color": color, "dash": "dash" if dashed else "solid", "width": 2}, marker={"size": 9 if len(series) == 1 else 6},
        )
    fig.update_layout(
        title=title or name, xaxis_title=X_AXES.get(x, x), yaxis_title=name, height=380,
        margin={"l": 10, "r": 10, "t": 40, "b": 10}, legend={"orientation": "h", "y": -0.25},
    )
    return fig


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
        [[_num(found[i].get(m)) for i in ids] for m in keys], index=pd.Index(keys, name="metric"), columns=ids, dtype=float
    )
    deltas = values.sub(values[reference_id], axis=0)
    best: dict[str, list[str]] = {}
    for metric, row in values.iterrows():
        if row.notna().any():
            target = row.min() if metric in LOWER_IS_BETTER else row.max()
            best[str(metric)] = [i for i in ids if row[i] == target]
    return MetricTable(values=values, deltas=deltas, best=best, reference_id=reference_id)


def _num(value: Any) -> float:
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


# ---------------------------------------------------------------------------- per class and confusion
def per_class_f1(runs: Sequence[Run], reports: dict[str, dict | None]) -> pd.DataFrame:
    """F1 per class side by side: one row per class (union of all runs' classes), one column per run id."""
    table: dict[str, dict[str, float]] = {}
    for run in runs:
        for row in (reports.get(run.id) or {}).get("per_class") or []:
            table.setdefault(str(row["label"]), {})[run.id] = row["f1"]
    frame = pd.DataFrame.from_dict(table, orient="index", columns=[r.id for r in runs], dtype=float)
    return frame.rename_axis("class")


def per_class_figure(frame: pd.DataFrame, labels: dict[str, str]) -> Any:
    """Grouped horizontal bars of F1 per class, one colour per run."""
    import plotly.graph_objects as go

    fig = go.Figure()
    for i, run_id in enumerate(frame.columns):
        fig.add_bar(x=frame[run_id], y=list(frame.index), orientation="h", name=labels.get(run_id, run_id),
                    marker_color=_PALETTE[i % len(_PALETTE)])
    fig.update_layout(
        title="F1 per class", barmode="group", height=class_chart_height(len(frame), per_class=max(PX_PER_CLASS, 10 * len(frame.columns))),
        xaxis={"range": [0, 1], "tickformat": ".0%"},  # the chart title already says F1; an axis title would collide with the legend
        yaxis={**class_axis_style(len(frame)), "autorange": "reversed"}, legend={"orientation": "h", "y": -0.15},
        margin={"l": 10, "r": 10, "t": 40, "b": 10},
    )
    return fig


@dataclass
class ConfusionComparison:
    """Whether the runs' confusion matrices share one class order, and why not when they do not."""

    aligned: bool
    labels: list[str] = field(default_factory=list)
    message: str = ""


def confusion_alignment(runs: Sequence[Run], reports: dict[str, dict | None]) -> ConfusionComparison:
    """Matrices can share axes only when every run has a report with the same set of classes."""
    missing = [r.id for r in runs if not (reports.get(r.id) or {}).get("confusion")]
    if missing:
        return ConfusionComparison(False, [], f"Run(s) {', '.join(missing)} have no confusion matrix yet; only completed runs have one.")
    sets = {r.id: (reports[r.id] or {})["confusion"]["labels"] for r in runs}
    if len({frozenset(v) for v in sets.values()}) > 1:
        return ConfusionComparison(False, [], "Confusion matrices cannot be aligned because the runs have different label sets.")
    first = reports[runs[0].id]["confusion"]
    support = np.asarray(first["counts"]).sum(axis=1)
    order = [first["labels"][i] for i in np.argsort(-support, kind="stable")]
    return ConfusionComparison(True, order, "")


def confusion_figure(report: dict, *, order: Sequence[str] | None = None, normalized: bool = True, title: str = "") -> Any:
    """A confusion-matrix heatmap with the classes in ``order`` (so several runs share axes)."""
    import plotly.graph_objects as go

    conf = report["confusion"]
    labels = conf["labels"]
    order = list(order) if order else labels
    index = [labels.index(label) for label in order]
    z = np.asarray(conf["normalized" if normalized else "counts"], dtype=float)[np.ix_(index, index)]
    heat = go.Heatmap(z=z, x=order, y=order, colorscale="Blues", zmin=0, zmax=1 if normalized else None,
                      showscale=False, hovertemplate="True: %{y}<br>Predicted: %{x}<br>%{z}<extra></extra>")
    if len(order) <= 15:
        text = [[(f"{v:.0%}" if normalized else f"{int(v)}") if v else "" for v in row] for row in z]
        heat.update(text=text, texttemplate="%{text}")
    fig = go.Figure(heat)
    size = class_chart_height(len(order), extra=180, minimum=320)
    axis = class_axis_style(len(order))
    wide = len(order) > 30  # then a fixed width, one readable column per class; the page scrolls sideways
    fig.update_layout(title=title, height=size, width=size + 100 if wide else None, margin={"l": 10, "r": 10, "t": 40, "b": 10},
                      xaxis={**axis, "title": {"text": "Predicted"}, "tickangle": -90 if wide else -45},
                      yaxis={**axis, "title": {"text": "True"}, "autorange": "reversed"})
    return fig


# ---------------------------------------------------------------------------- disagreements
@dataclass
class Alignment:
    """Test predictions of several runs matched example by example.

    ``frame`` has text, label and one prediction column per run id (None when the runs cannot be
    aligned); ``method`` is ``row_id`` or ``text``; ``message`` says how, or why not, in one sentence.
    """

    frame: pd.DataFrame | None
    method: str | None
    message: str


def _label_set(run: Run, predictions: pd.DataFrame) -> frozenset[str]:
    labels = report_digest(run.id)["labels"]
    return frozenset(map(str, labels)) if labels else frozenset(predictions["label"].astype(str))


def _same_split(runs: Sequence[Run], predictions: dict[str, pd.DataFrame]) -> bool:
    """Same dataset, split settings and test size, and identical texts at each row_id."""
    first = runs[0]
    for run in runs[1:]:
        if any(run.config.get(k) != first.config.get(k) for k in _SPLIT_SETTINGS):
            return False
    frames = [predictions[r.id] for r in runs]
    if len({len(f) for f in frames}) > 1 or not all("row_id" in f for f in frames):
        return False
    base = frames[0].sort_values("row_id")["text"].astype(str).to_numpy()
    return all(np.array_equal(base, f.sort_values("row_id")["text"].astype(str).to_numpy()) for f in frames[1:])


def align_predictions(runs: Sequence[Run], predictions: dict[str, pd.DataFrame | None]) -> Alignment:
    """Match the runs' test predictions: by row_id when they share dataset and split, else by text."""
    missing = [r.id for r in runs if predictions.get(r.id) is None]
    if missing:
        return Alignment(None, None, f"Run(s) {', '.join(missing)} have no test predictions yet; only completed runs have them.")
    if len({r.dataset_id for r in runs}) > 1:
        return Alignment(None, None, "The test examples cannot be aligned because the runs were trained on different datasets.")
    preds = {r.id: predictions[r.id] for r in runs}
    if len({_label_set(r, preds[r.id]) for r in runs}) > 1:
        return Alignment(None, None, "The test examples cannot be aligned because the runs have different label sets.")
    if _same_split(runs, preds):
        first = preds[runs[0].id].sort_values("row_id")
        frame = pd.DataFrame({"row_id": first["row_id"].to_numpy(), "text": first["text"].astype(str).to_numpy(),
                              "label": first["label"].astype(str).to_numpy()})
        for run in runs:
            frame[run.id] = preds[run.id].sort_values("row_id")["pred"].astype(str).to_numpy()
        return Alignment(frame, "row_id", f"All runs were tested on the same {len(frame)} examples (same dataset and split).")
    # Different split settings: only texts that landed in every run's test split can be compared.
    frame = None
    for run in runs:
        part = preds[run.id].assign(text=lambda d: d["text"].astype(str)).drop_duplicates("text")
        part = part[["text", "label", "pred"]].rename(columns={"pred": run.id})
        part["label"] = part["label"].astype(str)
        part[run.id] = part[run.id].astype(str)
        frame = part if frame is None else frame.merge(part.drop(columns="label"), on="text", how="inner")
    if frame is None or frame.empty:
        return Alignment(None, None, "The runs' test sets share no examples, so their predictions cannot be compared example by example.")
    return Alignment(frame.reset_index(drop=True), "text",
                     f"The runs used different splits; {len(frame)} test examples appear in every run's test split and are matched by their text.")


def disagreements(runs: Sequence[Run], predictions: dict[str, pd.DataFrame | None]) -> Alignment:
    """The aligned test examples on which the runs do not all predict the same label.

    The frame gains ``n_correct`` (how many runs got it right) and is sorted with the most divided
    examples first.
    """
    aligned = align_predictions(runs, predictions)
    if aligned.frame is None:
        return aligned
    frame = aligned.frame
    preds = frame[[r.id for r in runs]]
    differ = preds.nunique(axis=1) > 1
    out = frame[differ].copy()
    out["n_correct"] = (preds[differ].to_numpy() == out["label"].to_numpy()[:, None]).sum(axis=1)
    # Most divided first: an example half the runs get right says more than one only a single run misses.
    balance = (out["n_correct"] - len(runs) / 2).abs()
    out = out.assign(_balance=balance).sort_values(["_balance", "text"], kind="stable").drop(columns="_balance")
    message = f"{aligned.message} The runs disagree on {len(out)} of them."
    return Alignment(out.reset_index(drop=True), aligned.method, message)


# ---------------------------------------------------------------------------- hyperparameters
def hyperparameter_frame(runs: Sequence[Run], metric: str) -> pd.DataFrame:
    """One row per run: the hyperparameters that differ between the runs (at least learning rate,
    batch size and epochs) and the final value of ``metric``; index = run id."""
    rows = {r.id: {k: r.config.get(k) for k in HYPERPARAMETERS} for r in runs}
    frame = pd.DataFrame.from_dict(rows, orient="index")
    varying = [c for c in frame.columns if frame[c].astype(str).nunique() > 1]
    keep = varying or ["learning_rate", "batch_size", "epochs"]
    frame = frame[keep].copy()
    frame[metric] = [_num(run_metrics(r).get(metric)) for r in runs]
    if "model" in frame:
        frame["model"] = frame["model"].map(lambda m: short_model(str(m)))
    return frame


def parallel_figure(frame: pd.DataFrame, metric: str) -> Any:
    """Plotly parallel coordinates: one line per run through its hyperparameters, coloured by ``metric``.

    Text settings become evenly spaced ticks; the learning rate is drawn on a log10 axis because
    its useful values span orders of magnitude.
    """
    import plotly.graph_objects as go

    dims = []
    for column in frame.columns:
        values = frame[column]
        label = METRIC_NAMES.get(column, column)
        numeric = pd.to_numeric(values, errors="coerce")
        if column != metric and (numeric.isna().any() or values.map(lambda v: isinstance(v, bool)).any()):
            names = sorted(values.astype(str).unique())
            codes = values.astype(str).map({n: i for i, n in enumerate(names)})
            dims.append({"label": label, "values": codes.tolist(), "tickvals": list(range(len(names))), "ticktext": names})
        elif column == "learning_rate" and (numeric > 0).all():
            logs = np.log10(numeric.astype(float))
            ticks = sorted(set(logs.round(6)))
            dims.append({"label": "learning rate (log)", "values": logs.tolist(), "tickvals": ticks, "ticktext": [f"{10 ** t:.0e}" for t in ticks]})
        else:
            dims.append({"label": label, "values": numeric.fillna(0).astype(float).tolist()})
    score = pd.to_numeric(frame[metric], errors="coerce").fillna(0).astype(float)
    reverse = metric in LOWER_IS_BETTER
    fig = go.Figure(go.Parcoords(
        line={"color": score.tolist(), "colorscale": "Viridis", "reversescale": reverse, "showscale": True,
              "colorbar": {"title": {"text": METRIC_NAMES.get(metric, metric)}}},
        dimensions=dims,
    ))
    fig.update_layout(height=420, margin={"l": 60, "r": 40, "t": 60, "b": 30}, title=f"Hyperparameters vs {METRIC_NAMES.get(metric, metric)}")
    return fig


# ---------------------------------------------------------------------------- leaderboard
def leaderboard(metric: str = "f1_macro", runs: Sequence[Run] | None = None) -> pd.DataFrame:
    """Completed runs grouped by dataset and ranked by ``metric`` (best first within each dataset).

    Columns: dataset, dataset_id, rank, run_id, run, model, kind, <metric>, trainable_parameters,
    train_minutes, throughput_texts_per_s.  Runs without the metric are left out.
    """
    if metric not in METRIC_NAMES:
        raise RunError(f"‘{metric}’ is not a metric Tuneboard reports; choose one of {', '.join(METRIC_NAMES)}.")
    runs = store.list_runs(statuses=["completed"]) if runs is None else [r for r in runs if r.status == "completed"]
    rows = []
    for run in runs:
        value = _num((run.final_metrics or {}).get(metric))
        if math.isnan(value):
            value = _num(run_metrics(run).get(metric))
        if math.isnan(value):
            continue
        eff = run.info.get("efficiency") or report_digest(run.id)["efficiency"] or {}
        params = run.info.get("parameters") or {}
        train_s = eff.get("train_seconds") or run.duration_s
        rows.append({
            "dataset": run.info.get("dataset_name") or run.dataset_id or "(unknown)",
            "dataset_id": run.dataset_id,
            "run_id": run.id,
            "run": run.name,
            "model": short_model(run.config.get("model", "")),
            "kind": run.info.get("kind", "fine-tuned"),
            metric: value,
            "trainable_parameters": params.get("trainable", eff.get("trainable")),
            "train_minutes": train_s / 60.0 if train_s else None,
            "throughput_texts_per_s": eff.get("throughput_texts_per_s"),
        })
    columns = ["dataset", "dataset_id", "rank", "run_id", "run", "model", "kind", metric,
               "trainable_parameters", "train_minutes", "throughput_texts_per_s"]
    if not rows:
        return pd.DataFrame(columns=columns)
    frame = pd.DataFrame(rows)
    ascending = metric in LOWER_IS_BETTER
    frame = frame.sort_values(["dataset", "dataset_id", metric, "run_id"], ascending=[True, True, ascending, True], kind="stable")
    frame["rank"] = frame.groupby("dataset_id", dropna=False)[metric].rank(method="min", ascending=ascending).astype(int)
    return frame[columns].reset_index(drop=True)


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
