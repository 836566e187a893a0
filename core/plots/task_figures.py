"""Charts of the multi-label and regression reports (see :mod:`core.evaluate.report_multilabel` and
:mod:`core.evaluate.report_regression`): F1 per label, how often labels occur together, predicted against true
values, and the size of the misses per range of the target.

Each function takes the report dict (possibly re-loaded from JSON) or plain arrays, writes its texts in ``language``
(catalogue section ``report_ui.chart``) and always returns a figure: a section the run lacks gives a small figure
that says so.  plotly is imported lazily.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from core.i18n import translate
from core.plots.class_layout import class_axis_style, class_chart_height
from core.plots.fonts import with_fonts
from core.plots.placeholder import unavailable_figure

__all__ = ["MAX_POINTS", "by_range_figure", "cooccurrence_figure", "per_label_f1_figure", "sample_points",
           "scatter_figure"]

MAX_POINTS = 5_000
"""A scatter draws at most this many points: more add nothing visible and make the page slow."""
MAX_HEATMAP_LABELS = 40
_BLUE, _ORANGE, _GREY = "#1f77b4", "#ff7f0e", "#7f7f7f"


def _words(language: str, key: str, /, **params: object) -> str:
    """Chart text ``report_ui.chart.<key>`` in ``language``."""
    return translate(language, f"report_ui.chart.{key}", **params)


# ------------------------------------------------------------------ multi-label


def per_label_f1_figure(report: dict, *, language: str = "en") -> Any:
    """Horizontal bars of F1 per label (one bar per label, worst at the top), the chart as tall as the labels need."""
    import plotly.graph_objects as go

    rows = report.get("per_label") or []
    if not rows:
        return unavailable_figure(_words(language, "f1_title"), language=language)
    rows = sorted(rows, key=lambda r: (r["f1"] or 0.0, r["label"]), reverse=True)  # plotly draws bottom-up
    fig = go.Figure(go.Bar(
        x=[r["f1"] or 0.0 for r in rows],
        y=[str(r["label"]) for r in rows],
        orientation="h",
        marker={"color": [r["f1"] or 0.0 for r in rows], "colorscale": "RdYlGn", "cmin": 0, "cmax": 1},
        customdata=[[r["precision"] or 0.0, r["recall"] or 0.0, r["support"]] for r in rows],
        hovertemplate=_words(language, "f1_hover", label="%{y}", f1="%{x:.1%}", precision="%{customdata[0]:.1%}",
                             recall="%{customdata[1]:.1%}", support="%{customdata[2]}") + "<extra></extra>",
    ))
    fig.update_layout(
        title=_words(language, "f1_title"),
        height=class_chart_height(len(rows)),
        xaxis={"title": {"text": _words(language, "f1_axis")}, "range": [0, 1], "tickformat": ".0%"},
        yaxis={**class_axis_style(len(rows)), "title": {"text": _words(language, "label_axis")}},
    )
    return with_fonts(fig)


def cooccurrence_figure(report: dict, *, language: str = "en", max_labels: int = MAX_HEATMAP_LABELS) -> Any:
    """Heatmap of how many test texts carry both labels (true labels; the diagonal: texts with that label).

    With more than ``max_labels`` labels only the most frequent are drawn (the title says so): beyond that the
    cells are too small to read.
    """
    import plotly.graph_objects as go

    co = report.get("cooccurrence") or {}
    labels = [str(x) for x in co.get("labels") or []]
    if not labels:
        return unavailable_figure(_words(language, "cooccurrence_title"), language=language)
    counts = np.asarray(co["counts"], dtype=float)
    keep = sorted(np.argsort(-np.diag(counts), kind="stable")[:max_labels].tolist())
    names, z = [labels[i] for i in keep], counts[np.ix_(keep, keep)]
    title = _words(language, "cooccurrence_title")
    if len(keep) < len(labels):
        title += _words(language, "cooccurrence_subset", n=len(keep), total=len(labels))
    n = len(names)
    axis = {**class_axis_style(n), "categoryorder": "array", "categoryarray": names}
    fig = go.Figure(go.Heatmap(
        z=z, x=names, y=names, colorscale="Blues",
        colorbar={"title": {"text": _words(language, "texts")}},
        text=[[f"{int(v)}" if v else "" for v in row] for row in z] if n <= 20 else None,
        texttemplate="%{text}" if n <= 20 else None,
        hovertemplate=_words(language, "cooccurrence_hover", a="%{y}", b="%{x}", n="%{z}") + "<extra></extra>",
    ))
    fig.update_layout(
        title=title,
        height=class_chart_height(n, extra=260, minimum=420),
        xaxis={**axis, "title": {"text": _words(language, "label_axis")}, "tickangle": -45},
        yaxis={**axis, "title": {"text": _words(language, "label_axis")}, "autorange": "reversed"},
        plot_bgcolor="white",
    )
    return with_fonts(fig)


# ------------------------------------------------------------------ regression


def _finite_pairs(true: Sequence[float], pred: Sequence[float]) -> tuple[np.ndarray, np.ndarray]:
    """Both as float arrays, without the rows where either is missing or infinite."""
    true_arr = np.asarray(true, dtype=float).ravel()
    pred_arr = np.asarray(pred, dtype=float).ravel()
    if true_arr.shape != pred_arr.shape:
        raise ValueError(f"true and pred differ in length: {true_arr.size} vs {pred_arr.size}")
    finite = np.isfinite(true_arr) & np.isfinite(pred_arr)
    return true_arr[finite], pred_arr[finite]


def sample_points(true: Sequence[float], pred: Sequence[float], *, max_points: int = MAX_POINTS,
                  seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """``(true, pred)`` as float arrays without missing pairs, at most ``max_points`` of them.

    A longer test set is sampled at random with a fixed ``seed`` (the same points on every rerun), keeping the
    rows' order, so the scatter stays quick and does not flicker.
    """
    true_arr, pred_arr = _finite_pairs(true, pred)
    if true_arr.size > max_points:
        chosen = np.sort(np.random.default_rng(seed).choice(true_arr.size, size=max_points, replace=False))
        true_arr, pred_arr = true_arr[chosen], pred_arr[chosen]
    return true_arr, pred_arr


def scatter_figure(true: Sequence[float], pred: Sequence[float], *, language: str = "en",
                   max_points: int = MAX_POINTS, seed: int = 0) -> Any:
    """Predicted (y) against true (x) values with the y = x diagonal (a perfect model's points all lie on it).

    At most ``max_points`` points, sampled with ``seed`` (see :func:`sample_points`); the title says when.
    """
    import plotly.graph_objects as go

    every_x, every_y = _finite_pairs(true, pred)
    if not every_x.size:
        return unavailable_figure(_words(language, "scatter_title"), language=language)
    x, y = sample_points(every_x, every_y, max_points=max_points, seed=seed)
    total = every_x.size
    # The axes span every point, drawn or not, so the chart's scale does not depend on the sample.
    low, high = float(min(every_x.min(), every_y.min())), float(max(every_x.max(), every_y.max()))
    pad = (high - low) * 0.03 or 0.5
    low, high = low - pad, high + pad
    title = _words(language, "scatter_title")
    if x.size < total:
        title += _words(language, "scatter_sampled", n=f"{x.size:,}", total=f"{total:,}")
    fig = go.Figure([
        go.Scatter(x=[low, high], y=[low, high], mode="lines", line={"dash": "dash", "color": _GREY},
                   name=_words(language, "diagonal"), hoverinfo="skip"),
        go.Scattergl(x=x, y=y, mode="markers", marker={"color": _BLUE, "size": 5, "opacity": 0.5},
                     name=_words(language, "texts"),
                     hovertemplate=_words(language, "scatter_hover", true="%{x:.3g}", pred="%{y:.3g}")
                     + "<extra></extra>"),
    ])
    fig.update_layout(
        title=title,
        height=520,
        xaxis={"title": {"text": _words(language, "true_axis")}, "range": [low, high]},
        yaxis={"title": {"text": _words(language, "pred_axis")}, "range": [low, high]},
        legend={"orientation": "h", "y": -0.15},
    )
    return with_fonts(fig)


def by_range_figure(report: dict, *, language: str = "en") -> Any:
    """Per range of the true target: mean absolute error and mean residual (bars side by side), from ``by_range``."""
    import plotly.graph_objects as go

    rows = report.get("by_range") or []
    if not rows:
        return unavailable_figure(_words(language, "by_range_title"), language=language)
    ranges = [str(r["range"]) for r in rows]
    counts = [r["n"] for r in rows]
    fig = go.Figure([
        go.Bar(x=ranges, y=[r["mae"] for r in rows], name=_words(language, "mae"), marker={"color": _BLUE},
               customdata=counts,
               hovertemplate=_words(language, "mae_hover", range="%{x}", value="%{y:.3g}", n="%{customdata}")
               + "<extra></extra>"),
        go.Bar(x=ranges, y=[r["mean_residual"] for r in rows], name=_words(language, "mean_residual"),
               marker={"color": _ORANGE}, customdata=counts,
               hovertemplate=_words(language, "residual_hover", range="%{x}", value="%{y:+.3g}", n="%{customdata}")
               + "<extra></extra>"),
    ])
    fig.update_layout(
        title=_words(language, "by_range_title"),
        barmode="group",
        height=420,
        xaxis={"type": "category", "title": {"text": _words(language, "range_axis")}},
        yaxis={"title": {"text": _words(language, "error_axis")}, "zeroline": True},
        legend={"orientation": "h", "y": -0.2},
    )
    return with_fonts(fig)
