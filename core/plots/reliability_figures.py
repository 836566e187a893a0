"""How far a run's predictions can be trusted, drawn from its report (see :mod:`core.evaluate.report`):
the reliability diagram, confidence of right and wrong answers, the accuracy drop under perturbations,
and accuracy per slice of the test set.

Each function takes the report (possibly re-loaded from JSON) and always returns a figure: a section the
run lacks gives a small figure that says so.  plotly is imported lazily.
"""

from __future__ import annotations

import itertools
from typing import Any

from core.plots.fonts import with_fonts
from core.plots.placeholder import unavailable_figure
from core.plots.report_words import chart_text, perturbation_description, perturbation_name

__all__ = ["confidence_histogram_figure", "reliability_figure", "robustness_figure", "slice_figure"]

_BLUE, _RED, _GREEN, _GREY = "#1f77b4", "#d62728", "#2ca02c", "#7f7f7f"


def reliability_figure(report: dict, *, language: str = "en") -> Any:
    """Accuracy per confidence bin against the perfect-calibration diagonal; texts in ``language``."""
    import plotly.graph_objects as go

    cal = report.get("calibration")
    if not cal:
        return unavailable_figure(chart_text(language, "reliability_title_na"), language=language)
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
                name=chart_text(language, "accuracy_in_bin"),
                marker={"color": _BLUE},
                customdata=[[rel["confidence"][i], rel["count"][i]] for i in keep],
                hovertemplate=chart_text(language, "reliability_hover", confidence="%{customdata[0]:.1%}",
                                         accuracy="%{y:.1%}", count="%{customdata[1]}") + "<extra></extra>",
            ),
            go.Scatter(
                x=[0, 1],
                y=[0, 1],
                mode="lines",
                line={"dash": "dash", "color": _GREY},
                name=chart_text(language, "perfect_calibration"),
            ),
        ]
    )
    scaling = cal.get("temperature_scaling")
    if scaling:  # the same test rows before temperature scaling: the improvement the fit made, in one picture
        before = scaling["before"]["reliability"]
        shown = [i for i, c in enumerate(before["count"]) if c]
        fig.add_trace(go.Scatter(
            x=[before["confidence"][i] for i in shown], y=[before["accuracy"][i] for i in shown],
            mode="lines+markers", line={"color": _RED}, name=chart_text(language, "before_scaling"),
            hovertemplate=chart_text(language, "reliability_hover", confidence="%{x:.1%}", accuracy="%{y:.1%}",
                                     count="%{customdata}") + "<extra></extra>",
            customdata=[before["count"][i] for i in shown],
        ))
        title = chart_text(language, "reliability_title_scaled", before=f"{100 * scaling['before']['ece']:.1f}",
                           ece=f"{100 * cal['ece']:.1f}", temperature=f"{scaling['temperature']:.2f}")
    else:
        title = chart_text(language, "reliability_title", ece=f"{100 * cal['ece']:.1f}")
    fig.update_layout(
        title=title,
        height=450,
        xaxis={
            "title": {"text": chart_text(language, "model_confidence")},
            "range": [0, 1],
            "tickformat": ".0%",
        },
        yaxis={
            "title": {"text": chart_text(language, "actual_accuracy")},
            "range": [0, 1],
            "tickformat": ".0%",
        },
    )
    return with_fonts(fig)


def confidence_histogram_figure(report: dict, *, language: str = "en") -> Any:
    """How confident the model was on right vs wrong predictions; texts in ``language``."""
    import plotly.graph_objects as go

    cal = report.get("calibration")
    if not cal:
        return unavailable_figure(chart_text(language, "histogram_title_na"), language=language)
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
                name=chart_text(language, "correct"),
                marker={"color": _GREEN},
                opacity=0.7,
            ),
            go.Bar(
                x=centers,
                y=hist["wrong"],
                width=width,
                name=chart_text(language, "wrong"),
                marker={"color": _RED},
                opacity=0.7,
            ),
        ]
    )
    fig.update_layout(
        title=chart_text(language, "histogram_title"),
        barmode="overlay",
        height=400,
        xaxis={
            "title": {"text": chart_text(language, "model_confidence")},
            "range": [0, 1],
            "tickformat": ".0%",
        },
        yaxis={"title": {"text": chart_text(language, "histogram_y")}},
    )
    return with_fonts(fig)


def robustness_figure(report: dict, *, language: str = "en") -> Any:
    """Accuracy drop (percentage points) under each perturbation; texts (perturbation names too) in ``language``."""
    import plotly.graph_objects as go

    rows = report.get("robustness")
    if not rows:
        return unavailable_figure(chart_text(language, "robustness_title_na"), language=language)
    fig = go.Figure(
        go.Bar(
            x=[perturbation_name(language, r["perturbation"]) for r in rows],
            y=[r["drop"] for r in rows],
            marker={"color": [_RED if r["drop"] > 0 else _GREEN for r in rows]},
            customdata=[[perturbation_description(language, r["perturbation"], r["description"]), r["accuracy"],
                         r["changed_share"]] for r in rows],
            hovertemplate=chart_text(language, "robustness_hover", name="%{x}", description="%{customdata[0]}",
                                     accuracy="%{customdata[1]:.1%}", drop="%{y:.1f}",
                                     changed="%{customdata[2]:.1%}") + "<extra></extra>",
        )
    )
    fig.update_layout(
        title=chart_text(language, "robustness_title"),
        height=400,
        xaxis={"title": {"text": chart_text(language, "robustness_x")}, "type": "category"},
        yaxis={"title": {"text": chart_text(language, "robustness_y")}},
    )
    return with_fonts(fig)


def slice_figure(report: dict, column: str, *, language: str = "en") -> Any:
    """Accuracy per value of one slice column, with the overall accuracy as a line; texts in ``language``."""
    import plotly.graph_objects as go

    block = next((s for s in report.get("slices") or [] if s["column"] == column), None)
    if block is None:
        return unavailable_figure(chart_text(language, "slice_title_na", column=column), language=language)
    rows = block["values"]
    overall = report["summary"]["accuracy"]
    fig = go.Figure(
        go.Bar(
            x=[r["value"] for r in rows],
            y=[r["accuracy"] for r in rows],
            marker={"color": [_RED if r["gap_points"] < 0 else _BLUE for r in rows]},
            customdata=[[r["n"], r["gap_points"], r["f1_macro"]] for r in rows],
            hovertemplate=chart_text(language, "slice_hover", value="%{x}", accuracy="%{y:.1%}", gap="%{customdata[1]:+.1f}",
                                     f1="%{customdata[2]:.1%}", n="%{customdata[0]}") + "<extra></extra>",
        )
    )
    fig.add_hline(
        y=overall,
        line_dash="dash",
        line_color=_GREY,
        annotation_text=chart_text(language, "overall", accuracy=f"{overall:.1%}"),
    )
    fig.update_layout(
        title=chart_text(language, "slice_title", column=column),
        height=420,
        xaxis={"title": {"text": column}, "type": "category", "automargin": True},
        yaxis={"title": {"text": chart_text(language, "slice_y")}, "range": [0, 1.05], "tickformat": ".0%"},
    )
    return with_fonts(fig)
