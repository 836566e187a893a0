"""How well a run tells the classes apart, drawn from its report (see :mod:`core.evaluate.report`): F1 per
class and, for two-class tasks, the ROC and precision-recall curves.  (The confusion matrix has its own
module, :mod:`core.plots.confusion`, shared with the comparison.)

Each function takes the report (possibly re-loaded from JSON) and always returns a figure: a section the
run lacks gives a small figure that says so.  plotly is imported lazily.
"""

from __future__ import annotations

from typing import Any

from core.plots.class_layout import class_axis_style, class_chart_height
from core.plots.fonts import with_fonts
from core.plots.placeholder import quoted, unavailable_figure
from core.plots.report_words import chart_text

__all__ = ["per_class_f1_figure", "pr_figure", "roc_figure"]

_BLUE, _GREY = "#1f77b4", "#7f7f7f"


def per_class_f1_figure(report: dict, *, language: str = "en") -> Any:
    """Horizontal bars of F1 per class, worst at the top; texts in ``language``."""
    import plotly.graph_objects as go

    rows = report.get("per_class") or []
    if not rows:
        return unavailable_figure(chart_text(language, "f1_title_na"), language=language)
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
            hovertemplate=chart_text(language, "f1_hover", label="%{y}", f1="%{x:.1%}", precision="%{customdata[0]:.1%}",
                                     recall="%{customdata[1]:.1%}", support="%{customdata[2]}") + "<extra></extra>",
        )
    )
    fig.update_layout(
        title=chart_text(language, "f1_title"),
        height=class_chart_height(len(rows)),
        xaxis={"title": {"text": chart_text(language, "f1_axis")}, "range": [0, 1], "tickformat": ".0%"},
        yaxis=class_axis_style(len(rows)),
    )
    return with_fonts(fig)


def roc_figure(report: dict, *, language: str = "en") -> Any:
    """ROC curve with the chance diagonal; AUC in the title; texts in ``language``."""
    import plotly.graph_objects as go

    binary = report.get("binary") or {}
    roc = binary.get("roc")
    if not roc:
        return unavailable_figure(chart_text(language, "roc_title_na"), chart_text(language, "roc_needs_two"))
    fig = go.Figure(
        [
            go.Scatter(
                x=[0, 1],
                y=[0, 1],
                mode="lines",
                line={"dash": "dash", "color": _GREY},
                name=chart_text(language, "chance"),
            ),
            go.Scatter(
                x=roc["fpr"],
                y=roc["tpr"],
                mode="lines",
                line={"color": _BLUE},
                name=chart_text(language, "model"),
                customdata=roc["thresholds"],
                hovertemplate=chart_text(language, "roc_hover", threshold="%{customdata:.3f}", x="%{x:.3f}",
                                         y="%{y:.3f}") + "<extra></extra>",
            ),
        ]
    )
    fig.update_layout(
        title=chart_text(language, "roc_title", auc=f"{roc['auc']:.3f}", positive=quoted(binary["positive"])),
        height=450,
        xaxis={"title": {"text": chart_text(language, "roc_x")}, "range": [0, 1]},
        yaxis={"title": {"text": chart_text(language, "roc_y")}, "range": [0, 1.02]},
    )
    return with_fonts(fig)


def pr_figure(report: dict, *, language: str = "en") -> Any:
    """Precision-recall curve with the 'always positive' baseline; AP in the title; texts in ``language``."""
    import plotly.graph_objects as go

    binary = report.get("binary") or {}
    pr = binary.get("pr")
    if not pr:
        return unavailable_figure(chart_text(language, "pr_title_na"), chart_text(language, "pr_needs_two"))
    base = binary.get("positive_share", 0.0)
    thresholds = [*pr["thresholds"], None]  # sklearn gives one fewer threshold than points
    fig = go.Figure(
        [
            go.Scatter(
                x=[0, 1],
                y=[base, base],
                mode="lines",
                line={"dash": "dash", "color": _GREY},
                name=chart_text(language, "always_positive"),
            ),
            go.Scatter(
                x=pr["recall"],
                y=pr["precision"],
                mode="lines",
                line={"color": _BLUE, "shape": "hv"},
                name=chart_text(language, "model"),
                customdata=thresholds,
                hovertemplate=chart_text(language, "pr_hover", threshold="%{customdata:.3f}", x="%{x:.3f}",
                                         y="%{y:.3f}") + "<extra></extra>",
            ),
        ]
    )
    fig.update_layout(
        title=chart_text(language, "pr_title", ap=f"{pr['average_precision']:.3f}", positive=quoted(binary["positive"])),
        height=450,
        xaxis={"title": {"text": chart_text(language, "pr_x")}, "range": [0, 1]},
        yaxis={"title": {"text": chart_text(language, "pr_y")}, "range": [0, 1.02]},
    )
    return with_fonts(fig)
