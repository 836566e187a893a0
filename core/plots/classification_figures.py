"""How well a run tells the classes apart, drawn from its report (see :mod:`core.evaluate.report`): F1 per
class and, for two-class tasks, the ROC and precision-recall curves.  (The confusion matrix has its own
module, :mod:`core.plots.confusion`, shared with the comparison.)

Each function takes the report (possibly re-loaded from JSON) and always returns a figure: a section the
run lacks gives a small figure that says so.  plotly is imported lazily.
"""

from __future__ import annotations

from typing import Any

from core.plots.class_layout import class_axis_style, class_chart_height
from core.plots.placeholder import quoted, unavailable_figure

__all__ = ["per_class_f1_figure", "pr_figure", "roc_figure"]

_BLUE, _GREY = "#1f77b4", "#7f7f7f"


def per_class_f1_figure(report: dict) -> Any:
    """Horizontal bars of F1 per class, worst at the top."""
    import plotly.graph_objects as go

    rows = report.get("per_class") or []
    if not rows:
        return unavailable_figure("F1 per class")
    rows = sorted(rows, key=lambda r: (r["f1"], r["label"]), reverse=True)  # plotly draws bottom-up
    fig = go.Figure(
        go.Bar(
            x=[r["f1"] for r in rows],
            y=[r["label"] for r in rows],
            orientation="h",
            marker={
                "color": [r["f1"] for r in rows],
                "colorscale": "RdYlGn",
                "cmin": 0,
                "cmax": 1,
            },
            customdata=[[r["precision"], r["recall"], r["support"]] for r in rows],
            hovertemplate="%{y}<br>F1 %{x:.1%}<br>precision %{customdata[0]:.1%}<br>"
            "recall %{customdata[1]:.1%}<br>%{customdata[2]} test examples<extra></extra>",
        )
    )
    fig.update_layout(
        title="F1 per class (worst at the top)",
        height=class_chart_height(len(rows)),
        xaxis={"title": {"text": "F1"}, "range": [0, 1], "tickformat": ".0%"},
        yaxis=class_axis_style(len(rows)),
    )
    return fig


def roc_figure(report: dict) -> Any:
    """ROC curve with the chance diagonal; AUC in the title."""
    import plotly.graph_objects as go

    binary = report.get("binary") or {}
    roc = binary.get("roc")
    if not roc:
        return unavailable_figure(
            "ROC curve",
            "ROC curves need a two-class task with both classes in the test set.",
        )
    fig = go.Figure(
        [
            go.Scatter(
                x=[0, 1],
                y=[0, 1],
                mode="lines",
                line={"dash": "dash", "color": _GREY},
                name="Chance",
            ),
            go.Scatter(
                x=roc["fpr"],
                y=roc["tpr"],
                mode="lines",
                line={"color": _BLUE},
                name="Model",
                customdata=roc["thresholds"],
                hovertemplate="threshold %{customdata:.3f}<br>FPR %{x:.3f}<br>TPR %{y:.3f}<extra></extra>",
            ),
        ]
    )
    fig.update_layout(
        title=f"ROC curve — AUC {roc['auc']:.3f} (positive class {quoted(binary['positive'])})",
        height=450,
        xaxis={"title": {"text": "False positive rate"}, "range": [0, 1]},
        yaxis={"title": {"text": "True positive rate (recall)"}, "range": [0, 1.02]},
    )
    return fig


def pr_figure(report: dict) -> Any:
    """Precision-recall curve with the 'always positive' baseline; AP in the title."""
    import plotly.graph_objects as go

    binary = report.get("binary") or {}
    pr = binary.get("pr")
    if not pr:
        return unavailable_figure(
            "Precision-recall curve",
            "PR curves need a two-class task with both classes in the test set.",
        )
    base = binary.get("positive_share", 0.0)
    thresholds = [*pr["thresholds"], None]  # sklearn gives one fewer threshold than points
    fig = go.Figure(
        [
            go.Scatter(
                x=[0, 1],
                y=[base, base],
                mode="lines",
                line={"dash": "dash", "color": _GREY},
                name="Always positive",
            ),
            go.Scatter(
                x=pr["recall"],
                y=pr["precision"],
                mode="lines",
                line={"color": _BLUE, "shape": "hv"},
                name="Model",
                customdata=thresholds,
                hovertemplate="threshold %{customdata:.3f}<br>recall %{x:.3f}<br>precision %{y:.3f}<extra></extra>",
            ),
        ]
    )
    fig.update_layout(
        title=f"Precision-recall — average precision {pr['average_precision']:.3f} (positive {quoted(binary['positive'])})",
        height=450,
        xaxis={"title": {"text": "Recall"}, "range": [0, 1]},
        yaxis={"title": {"text": "Precision"}, "range": [0, 1.02]},
    )
    return fig
