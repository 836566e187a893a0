"""Figures of the side-by-side comparison of runs: overlaid training curves, F1 per class as grouped bars,
and the hyperparameters of each run on parallel coordinates.  One colour per run, in the order the runs
were picked.  (The comparison's confusion matrices are :mod:`core.plots.confusion`, shared with the report.)

The data comes from :mod:`core.compare`; plotly is imported inside the functions.  Each figure takes the
interface ``language``; its own words come from the ``compare.chart`` section of :mod:`core.i18n`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from core.i18n import DEFAULT_LANGUAGE, catalogue, translate
from core.plots.class_layout import PX_PER_CLASS, class_axis_style, class_chart_height
from core.plots.fonts import with_fonts

PALETTE = (
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


def _word(language: str, key: str, default: str) -> str:
    """Catalogue text ``key`` in ``language``, or ``default`` for a value the catalogue does not name."""
    return translate(language, key) if key in catalogue(DEFAULT_LANGUAGE) else default


def curves_figure(data: pd.DataFrame, *, name: str, x_title: str = "step", title: str | None = None,
                  splits: Sequence[str] = ("train", "validation"), language: str = DEFAULT_LANGUAGE) -> Any:
    """Overlaid curves of metric ``name`` from :func:`core.compare.curves.curves`: one colour per run,
    train solid, validation dashed with markers; ``x_title`` names the x axis.  The y axis and the split in
    each legend entry ("run · train") are in ``language``.

    A series with a single point (a run evaluated once) is drawn as a marker: a line needs two points.
    """
    import plotly.graph_objects as go

    fig = go.Figure()
    part = data[(data["name"] == name) & (data["split"].isin(splits))] if len(data) else data
    order = list(dict.fromkeys(data["run_id"])) if len(data) else []
    for (run_id, split), series in part.groupby(["run_id", "split"], sort=False):
        color = PALETTE[order.index(run_id) % len(PALETTE)]
        dashed = split != "train"
        markers = len(series) == 1 or (dashed and len(series) <= 60)
        split_name = _word(language, f"compare.chart.split.{split}", split)
        fig.add_scatter(
            x=series["x"], y=series["value"], name=f"{series['label'].iloc[0]} · {split_name}", mode="lines+markers" if markers else "lines",
            line={"color": color, "dash": "dash" if dashed else "solid", "width": 2}, marker={"size": 9 if len(series) == 1 else 6},
        )
    y_title = _word(language, f"compare.chart.y.{name}", name)
    fig.update_layout(
        title=title or y_title, xaxis_title=x_title, yaxis_title=y_title, height=380,
        margin={"l": 10, "r": 10, "t": 40, "b": 10}, legend={"orientation": "h", "y": -0.25},
    )
    return with_fonts(fig)


def per_class_figure(frame: pd.DataFrame, labels: Mapping[str, str], *, language: str = DEFAULT_LANGUAGE,
                     unit: str = "class") -> Any:
    """Grouped horizontal bars of F1 per class (``frame``: one row per class, one column per run id),
    one colour per run; ``labels`` maps run ids to legend names; ``unit`` ("class", "label" for multi-label,
    "entity_type" for NER) names the rows in the title."""
    import plotly.graph_objects as go

    fig = go.Figure()
    for i, run_id in enumerate(frame.columns):
        fig.add_bar(x=frame[run_id], y=list(frame.index), orientation="h", name=labels.get(run_id, run_id),
                    marker_color=PALETTE[i % len(PALETTE)])
    height = class_chart_height(len(frame), per_class=max(PX_PER_CLASS, 10 * len(frame.columns)))
    title = "compare.chart.per_class_title" if unit == "class" else f"compare.chart.per_{unit}_title"
    fig.update_layout(
        title=translate(language, title), barmode="group", height=height,
        xaxis={"range": [0, 1], "tickformat": ".0%"},  # the chart title already says F1; an axis title would collide with the legend
        # The legend above the plot, under the title: under it, Streamlit drew it over the axis' tick labels.
        yaxis={**class_axis_style(len(frame)), "autorange": "reversed"},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.0, "xanchor": "left", "x": 0},
        margin={"l": 10, "r": 10, "t": 80, "b": 10},
    )
    return with_fonts(fig)


def parallel_figure(frame: pd.DataFrame, metric: str, *, metric_title: str | None = None, lower_is_better: bool = False,
                    language: str = DEFAULT_LANGUAGE) -> Any:
    """Plotly parallel coordinates: one line per run through its hyperparameters, coloured by ``metric``
    (the last column of ``frame``, shown as ``metric_title``; ``lower_is_better`` flips the colour scale).
    English names the axes by the settings' own names (as config.json spells them), other languages in words.

    Text settings become evenly spaced ticks; the learning rate is drawn on a log10 axis because
    its useful values span orders of magnitude.
    """
    import plotly.graph_objects as go

    metric_title = metric_title or metric
    dims = []
    for column in frame.columns:
        values = frame[column]
        label = metric_title if column == metric else _setting(language, column)
        numeric = pd.to_numeric(values, errors="coerce")
        if column != metric and (numeric.isna().any() or values.map(lambda v: isinstance(v, bool)).any()):
            names = sorted(values.astype(str).unique())
            codes = values.astype(str).map({n: i for i, n in enumerate(names)})
            dims.append({"label": label, "values": codes.tolist(), "tickvals": list(range(len(names))), "ticktext": names})
        elif column == "learning_rate" and (numeric > 0).all():
            logs = np.log10(numeric.astype(float))
            ticks = sorted(set(logs.round(6)))
            dims.append({"label": translate(language, "compare.chart.lr_log"), "values": logs.tolist(), "tickvals": ticks, "ticktext": [f"{10 ** t:.0e}" for t in ticks]})
        else:
            dims.append({"label": label, "values": numeric.fillna(0).astype(float).tolist()})
    score = pd.to_numeric(frame[metric], errors="coerce").fillna(0).astype(float)
    fig = go.Figure(go.Parcoords(
        line={"color": score.tolist(), "colorscale": "Viridis", "reversescale": lower_is_better, "showscale": True,
              "colorbar": {"title": {"text": metric_title}}},
        dimensions=dims,
    ))
    fig.update_layout(height=420, margin={"l": 60, "r": 40, "t": 60, "b": 30}, title=translate(language, "compare.chart.parallel_title", metric=metric_title))
    return with_fonts(fig)


def _setting(language: str, column: str) -> str:
    """An axis of the parallel chart: the setting's name in English, its words (``compare.setting``) otherwise."""
    return column if language == DEFAULT_LANGUAGE else _word(language, f"compare.setting.{column}", column)


def _rgba(color: str, alpha: float) -> str:
    red, green, blue = (int(color[i:i + 2], 16) for i in (1, 3, 5))
    return f"rgba({red},{green},{blue},{alpha})"


def group_curves_figure(bands: pd.DataFrame, *, name: str, x_title: str = "step", title: str | None = None,
                        split: str = "validation", language: str = DEFAULT_LANGUAGE) -> Any:
    """Seed groups' curves of metric ``name`` on ``split`` (from :func:`core.compare.groups.band_curves`): per group
    the mean across seeds as a line and mean ± 1 sd as a shaded band, so a gap between groups reads against the
    seed-to-seed spread."""
    import plotly.graph_objects as go

    fig = go.Figure()
    part = bands[(bands["name"] == name) & (bands["split"] == split)] if len(bands) else bands
    for i, (group, series) in enumerate(part.groupby("group", sort=False)):
        color = PALETTE[i % len(PALETTE)]
        upper, lower = series["mean"] + series["sd"], series["mean"] - series["sd"]
        fig.add_scatter(x=series["x"], y=upper, mode="lines", line={"width": 0}, showlegend=False, hoverinfo="skip",
                        legendgroup=str(group))
        fig.add_scatter(x=series["x"], y=lower, mode="lines", line={"width": 0}, fill="tonexty",
                        fillcolor=_rgba(color, 0.2), showlegend=False, hoverinfo="skip", legendgroup=str(group))
        n = int(series["n"].iloc[0])
        fig.add_scatter(x=series["x"], y=series["mean"], mode="lines+markers", line={"color": color, "width": 2},
                        name=translate(language, "groups.curve_name", group=group, n=n), legendgroup=str(group))
    y_title = _word(language, f"compare.chart.y.{name}", name)
    fig.update_layout(title=title or y_title, xaxis_title=x_title, yaxis_title=y_title, height=380,
                      margin={"l": 10, "r": 10, "t": 40, "b": 10}, legend={"orientation": "h", "y": -0.25})
    return with_fonts(fig)
