"""Plotly figures of one run's training curves (the live view).  Plotly is imported lazily.

Titles, axis titles and legend names come from the interface catalogue (``runs.chart.*``) in the ``language`` the
caller passes (English by default).  The figures draw the history they are given: long histories come already
thinned for drawing by :func:`core.store.metric_series` (bucket means, the one downsampler), so nothing is dropped.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd

from core.i18n import translate
from core.plots.fonts import with_fonts
from core.results import smoothed

MAX_POINTS = 2000  # drawing more points than pixels only slows the browser
# Plotly's default SI prefixes write 0.0002 as "200µ"; scientific notation reads as a learning rate: 2e-4.
LR_FORMAT = ".2~e"


VALIDATION_CURVES = ("accuracy", "f1_macro", "f1_micro", "subset_accuracy", "spearman", "pearson",
                     "f1", "precision", "recall")
"""Plotted validation scores; ``f1``/``precision``/``recall`` are a NER run's entity-level scores."""


def _series(history: pd.DataFrame, split: str, name: str) -> pd.DataFrame:
    return history[(history["split"] == split) & (history["name"] == name)].sort_values("step")


def _words(language: str) -> Callable[..., str]:
    """``words("key")``: the chart text ``runs.chart.key`` in ``language`` (titles, axes and legend names)."""
    return lambda key, **params: translate(language, f"runs.chart.{key}", **params)


def loss_figure(history: pd.DataFrame, *, title: str | None = None, language: str = "en") -> Any:
    """Train loss (raw, faint), its moving average, and validation loss on one chart (``title``: "Loss")."""
    import plotly.graph_objects as go

    words = _words(language)
    fig = go.Figure()
    train = _series(history, "train", "loss")
    if len(train):
        fig.add_scatter(
            x=train["step"],
            y=train["value"],
            name=words("train_loss"),
            mode="lines",
            line={"color": "rgba(91,91,214,0.3)", "width": 1},
        )
        smooth = train.assign(value=smoothed(train["value"]))
        fig.add_scatter(
            x=smooth["step"],
            y=smooth["value"],
            name=words("train_loss_smoothed"),
            mode="lines",
            line={"color": "#5b5bd6", "width": 2.5},
        )
    val = _series(history, "validation", "loss")
    if len(val):
        fig.add_scatter(
            x=val["step"], y=val["value"], name=words("validation_loss"), mode="lines+markers", line={"color": "#e8590c", "width": 2.5}
        )
    fig.update_layout(
        title=words("loss_title") if title is None else title,
        xaxis_title=words("step"),
        yaxis_title=words("loss"),
        height=340,
        margin={"l": 10, "r": 10, "t": 40, "b": 10},
        legend={"orientation": "h", "y": -0.25},
    )
    return with_fonts(fig)


def validation_metrics_figure(history: pd.DataFrame, *, language: str = "en") -> Any | None:
    """Validation scores at each evaluation (None before the first one): accuracy and macro-F1 of a classifier,
    micro/macro-F1 and subset accuracy of a multi-label run, Spearman and Pearson of a regression, entity F1,
    precision and recall of a NER run."""
    import plotly.graph_objects as go

    words = _words(language)
    val = history[(history["split"] == "validation") & (history["name"].isin(VALIDATION_CURVES))]
    if val.empty:
        return None
    fig = go.Figure()
    for name, part in val.groupby("name"):
        part = part.sort_values("step")
        fig.add_scatter(x=part["step"], y=part["value"], name=words(f"validation_{name}"), mode="lines+markers")
    fig.update_layout(
        title=words("validation_title"),
        xaxis_title=words("step"),
        yaxis_range=[-1.02 if (val["value"] < 0).any() else 0, 1.02],  # correlations can be negative
        height=300,
        margin={"l": 10, "r": 10, "t": 40, "b": 10},
        legend={"orientation": "h", "y": -0.3},
    )
    return with_fonts(fig)


def learning_rate_figure(history: pd.DataFrame, *, language: str = "en") -> Any | None:
    """The learning-rate schedule as it was applied."""
    import plotly.graph_objects as go

    words = _words(language)
    lr = _series(history, "train", "learning_rate")
    if lr.empty:
        return None
    step, rate = words("step"), words("learning_rate")
    fig = go.Figure(go.Scatter(x=lr["step"], y=lr["value"], mode="lines", name=rate,
                               hovertemplate=f"{step} %{{x}}<br>{rate} %{{y:{LR_FORMAT}}}<extra></extra>"))
    fig.update_layout(title=words("learning_rate_title"), xaxis_title=step, height=300, margin={"l": 10, "r": 10, "t": 40, "b": 10},
                      yaxis={"tickformat": LR_FORMAT, "exponentformat": "e"})
    return with_fonts(fig)
