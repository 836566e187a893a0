"""How far a run's predictions can be trusted, drawn from its report (see :mod:`core.evaluate.report`):
the reliability diagram, confidence of right and wrong answers, the accuracy drop under perturbations,
and accuracy per slice of the test set.

Each function takes the report (possibly re-loaded from JSON) and always returns a figure: a section the
run lacks gives a small figure that says so.  plotly is imported lazily.
"""

from __future__ import annotations

import itertools
from typing import Any

from core.plots.placeholder import unavailable_figure

__all__ = ["confidence_histogram_figure", "reliability_figure", "robustness_figure", "slice_figure"]

_BLUE, _RED, _GREEN, _GREY = "#1f77b4", "#d62728", "#2ca02c", "#7f7f7f"


def reliability_figure(report: dict) -> Any:
    """Accuracy per confidence bin against the perfect-calibration diagonal."""
    import plotly.graph_objects as go

    cal = report.get("calibration")
    if not cal:
        return unavailable_figure("Reliability diagram")
    rel = cal["reliability"]
    keep = [i for i, c in enumerate(rel["count"]) if c]
    centers = [(rel["bin_lower"][i] + rel["bin_upper"][i]) / 2 for i in keep]
    width = 1.0 / max(len(rel["count"]), 1)
    fig = go.Figure(
        [
            go.Bar(
                x=centers,
                y=[rel["accuracy"][i] for i in keep],
                width=width * 0.9,
                name="Accuracy in bin",
                marker={"color": _BLUE},
                customdata=[[rel["confidence"][i], rel["count"][i]] for i in keep],
                hovertemplate="mean confidence %{customdata[0]:.1%}<br>accuracy %{y:.1%}<br>"
                "%{customdata[1]} examples<extra></extra>",
            ),
            go.Scatter(
                x=[0, 1],
                y=[0, 1],
                mode="lines",
                line={"dash": "dash", "color": _GREY},
                name="Perfect calibration",
            ),
        ]
    )
    fig.update_layout(
        title=f"Reliability — expected calibration error {100 * cal['ece']:.1f} points",
        height=450,
        xaxis={
            "title": {"text": "Model confidence"},
            "range": [0, 1],
            "tickformat": ".0%",
        },
        yaxis={
            "title": {"text": "Actual accuracy"},
            "range": [0, 1],
            "tickformat": ".0%",
        },
    )
    return fig


def confidence_histogram_figure(report: dict) -> Any:
    """How confident the model was on right vs wrong predictions."""
    import plotly.graph_objects as go

    cal = report.get("calibration")
    if not cal:
        return unavailable_figure("Confidence histogram")
    hist = cal["histogram"]
    edges = hist["bin_edges"]
    centers = [(a + b) / 2 for a, b in itertools.pairwise(edges)]
    width = (edges[1] - edges[0]) * 0.9 if len(edges) > 1 else 0.05
    fig = go.Figure(
        [
            go.Bar(
                x=centers,
                y=hist["correct"],
                width=width,
                name="Correct",
                marker={"color": _GREEN},
                opacity=0.7,
            ),
            go.Bar(
                x=centers,
                y=hist["wrong"],
                width=width,
                name="Wrong",
                marker={"color": _RED},
                opacity=0.7,
            ),
        ]
    )
    fig.update_layout(
        title="Confidence of correct and wrong predictions",
        barmode="overlay",
        height=400,
        xaxis={
            "title": {"text": "Model confidence"},
            "range": [0, 1],
            "tickformat": ".0%",
        },
        yaxis={"title": {"text": "Number of test examples"}},
    )
    return fig


def robustness_figure(report: dict) -> Any:
    """Accuracy drop (percentage points) under each perturbation."""
    import plotly.graph_objects as go

    rows = report.get("robustness")
    if not rows:
        return unavailable_figure("Robustness")
    fig = go.Figure(
        go.Bar(
            x=[r["perturbation"] for r in rows],
            y=[r["drop"] for r in rows],
            marker={"color": [_RED if r["drop"] > 0 else _GREEN for r in rows]},
            customdata=[[r["description"], r["accuracy"], r["changed_share"]] for r in rows],
            hovertemplate="%{x}: %{customdata[0]}<br>accuracy %{customdata[1]:.1%}<br>"
            "drop %{y:.1f} points<br>%{customdata[2]:.1%} of predictions changed<extra></extra>",
        )
    )
    fig.update_layout(
        title="Accuracy drop under perturbations (points; higher = more fragile)",
        height=400,
        xaxis={"title": {"text": "Perturbation"}, "type": "category"},
        yaxis={"title": {"text": "Drop in accuracy (percentage points)"}},
    )
    return fig


def slice_figure(report: dict, column: str) -> Any:
    """Accuracy per value of one slice column, with the overall accuracy as a line."""
    import plotly.graph_objects as go

    block = next((s for s in report.get("slices") or [] if s["column"] == column), None)
    if block is None:
        return unavailable_figure(f"Slices by {column}")
    rows = block["values"]
    overall = report["summary"]["accuracy"]
    fig = go.Figure(
        go.Bar(
            x=[r["value"] for r in rows],
            y=[r["accuracy"] for r in rows],
            marker={"color": [_RED if r["gap_points"] < 0 else _BLUE for r in rows]},
            customdata=[[r["n"], r["gap_points"], r["f1_macro"]] for r in rows],
            hovertemplate="%{x}<br>accuracy %{y:.1%} (%{customdata[1]:+.1f} points vs overall)<br>"
            "macro F1 %{customdata[2]:.1%}<br>%{customdata[0]} examples<extra></extra>",
        )
    )
    fig.add_hline(
        y=overall,
        line_dash="dash",
        line_color=_GREY,
        annotation_text=f"overall {overall:.1%}",
    )
    fig.update_layout(
        title=f"Accuracy by {column} (worst first)",
        height=420,
        xaxis={"title": {"text": column}, "type": "category", "automargin": True},
        yaxis={"title": {"text": "Accuracy"}, "range": [0, 1.05], "tickformat": ".0%"},
    )
    return fig
