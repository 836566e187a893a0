"""Figures of a hyperparameter sweep (core.jobs.sweep): each trial's score with the best so far, the searched
settings of the completed trials on parallel coordinates, and parameter importance.

They draw the trial rows of a sweep's record (plain dicts: number, state, params, value, last), so this module needs
neither optuna nor the job system.  Words come from the ``sweep.chart`` section of the catalogue in ``language``;
settings are named as config.json spells them in English and in words (``compare.setting``) otherwise.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from core.i18n import DEFAULT_LANGUAGE, catalogue, translate
from core.plots.fonts import with_fonts

BEST = "#d62728"
COMPLETE = "#1f77b4"
PRUNED = "#9e9e9e"


def _word(language: str, key: str, default: str) -> str:
    return translate(language, key) if key in catalogue(DEFAULT_LANGUAGE) else default


def setting_name(name: str, language: str = DEFAULT_LANGUAGE) -> str:
    """A searched setting's name on a chart or in a table."""
    return name if language == DEFAULT_LANGUAGE else _word(language, f"compare.setting.{name}", name)


def metric_name(metric: str, language: str = DEFAULT_LANGUAGE) -> str:
    """A validation score's name (``f1_macro``, ``loss`` …) in ``language``."""
    return _word(language, f"sweep.metric.{metric}", metric)


def history_figure(rows: Sequence[Mapping[str, Any]], metric: str, direction: str, *,
                   language: str = DEFAULT_LANGUAGE) -> Any:
    """Each finished trial's score by trial number (a pruned trial at its last reported score, in grey) and the best
    score so far as a step line."""
    import plotly.graph_objects as go

    done = sorted((r for r in rows if r.get("state") == "complete" and r.get("value") is not None),
                  key=lambda r: r["number"])
    pruned = [r for r in rows if r.get("state") == "pruned" and r.get("last") is not None]
    fig = go.Figure()
    if pruned:
        fig.add_scatter(x=[r["number"] for r in pruned], y=[r["last"] for r in pruned], mode="markers",
                        name=translate(language, "sweep.chart.pruned"),
                        marker={"color": PRUNED, "symbol": "x", "size": 9})
    if done:
        values = [float(r["value"]) for r in done]
        best = np.maximum.accumulate(values) if direction == "maximize" else np.minimum.accumulate(values)
        fig.add_scatter(x=[r["number"] for r in done], y=values, mode="markers",
                        name=translate(language, "sweep.chart.complete"), marker={"color": COMPLETE, "size": 9})
        fig.add_scatter(x=[r["number"] for r in done], y=best.tolist(), mode="lines", line_shape="hv",
                        name=translate(language, "sweep.chart.best_so_far"), line={"color": BEST, "width": 2})
    fig.update_layout(height=360, margin={"l": 60, "r": 20, "t": 50, "b": 40},
                      title=translate(language, "sweep.chart.history_title", metric=metric_name(metric, language)),
                      xaxis={"title": {"text": translate(language, "sweep.chart.trial")}, "dtick": 1 if len(rows) <= 20 else None},
                      yaxis={"title": {"text": metric_name(metric, language)}, **_score_range(metric, rows)},
                      legend={"orientation": "h", "y": -0.2})
    return with_fonts(fig)


_SHARES = ("accuracy", "f1", "precision", "recall")  # scores that live in [0, 1]


def _score_range(metric: str, rows: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """A [0, 1] axis for a share (accuracy, F1 …), so a flat line of equal scores is not drawn mid-way through an
    axis that runs below zero; other scores keep plotly's own range."""
    return {"range": [0, 1.02]} if metric.startswith(_SHARES) else {}


def parallel_figure(rows: Sequence[Mapping[str, Any]], space: Sequence[Mapping[str, Any]], metric: str,
                    direction: str, *, language: str = DEFAULT_LANGUAGE) -> Any | None:
    """Parallel coordinates of the completed trials: one axis per searched setting (log-scale settings on a log10
    axis, choices as evenly spaced ticks) and the score last, lines coloured by the score.  None before two trials
    have completed (one line shows nothing)."""
    import plotly.graph_objects as go

    done = [r for r in rows if r.get("state") == "complete" and r.get("value") is not None]
    if len(done) < 2:
        return None
    dims = [_dimension(p, [r["params"].get(p["name"]) for r in done], language) for p in space]
    scores = [float(r["value"]) for r in done]
    title = metric_name(metric, language)
    dims.append({"label": title, "values": scores})
    fig = go.Figure(go.Parcoords(
        line={"color": scores, "colorscale": "Viridis", "reversescale": direction == "minimize", "showscale": True,
              "colorbar": {"title": {"text": title}}},
        dimensions=dims,
    ))
    fig.update_layout(height=420, margin={"l": 70, "r": 50, "t": 70, "b": 30},
                      title=translate(language, "sweep.chart.parallel_title", metric=title))
    return with_fonts(fig)


def _dimension(param: Mapping[str, Any], values: list[Any], language: str) -> dict[str, Any]:
    label = setting_name(param["name"], language)
    if param.get("kind") == "choice":
        names = [str(c) for c in param.get("choices") or []]
        index = {n: i for i, n in enumerate(names)}
        return {"label": label, "values": [index.get(str(v), 0) for v in values], "tickvals": list(range(len(names))),
                "ticktext": names, "range": [-0.25, len(names) - 0.75]}
    numbers = [float(v) if v is not None else math.nan for v in values]
    if param.get("log"):
        low, high = math.log10(float(param["low"])), math.log10(float(param["high"]))
        ticks = list(np.linspace(low, high, 4))
        return {"label": translate(language, "sweep.chart.log", name=label), "values": [math.log10(v) for v in numbers],
                "range": [low, high], "tickvals": ticks, "ticktext": [f"{10 ** t:.1e}" for t in ticks]}
    return {"label": label, "values": numbers, "range": [float(param["low"]), float(param["high"])]}


def importance_figure(importance: Mapping[str, float], *, language: str = DEFAULT_LANGUAGE) -> Any:
    """Horizontal bars: each searched setting's share of the score's variation, the most important on top."""
    import plotly.graph_objects as go

    items = sorted(importance.items(), key=lambda kv: kv[1])
    fig = go.Figure(go.Bar(x=[v for _, v in items], y=[setting_name(k, language) for k, _ in items], orientation="h",
                           marker={"color": COMPLETE}, text=[f"{v:.0%}" for _, v in items], textposition="auto"))
    fig.update_layout(height=max(220, 60 + 40 * len(items)), margin={"l": 140, "r": 20, "t": 50, "b": 40},
                      title=translate(language, "sweep.chart.importance_title"),
                      xaxis={"title": {"text": translate(language, "sweep.chart.importance_axis")}, "tickformat": ".0%"})
    return with_fonts(fig)
