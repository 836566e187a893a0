"""Plotly figures drawn from a report dict (see :mod:`core.evaluate.report`).

Functions take the report (possibly re-loaded from JSON) and always return a
figure: a section the run lacks gives a small figure that says so, so callers
(UI and HTML export) need no special cases.  plotly is imported lazily.
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np

from core.plots.class_layout import PX_PER_CLASS, class_axis_style, class_chart_height, confusion_subset

__all__ = [
    "confidence_histogram_figure",
    "confusion_matrix_figure",
    "per_class_f1_figure",
    "pr_figure",
    "reliability_figure",
    "robustness_figure",
    "roc_figure",
    "slice_figure",
]

_BLUE, _RED, _GREEN, _GREY = "#1f77b4", "#d62728", "#2ca02c", "#7f7f7f"


def _go() -> Any:
    import plotly.graph_objects as go

    return go


def _unavailable(title: str, message: str = "Not available for this run.") -> Any:
    """Empty figure with a centred note instead of an exception."""
    go = _go()
    fig = go.Figure()
    fig.add_annotation(
        text=message,
        showarrow=False,
        x=0.5,
        y=0.5,
        xref="paper",
        yref="paper",
        font={"size": 14},
    )
    fig.update_layout(title=title, height=260, xaxis={"visible": False}, yaxis={"visible": False})
    return fig


def _q(label: str) -> str:
    return f"‘{label}’"


# --------------------------------------------------------------------------- confusion matrix


def _cell_text(z: np.ndarray, normalized: bool) -> list[list[str]]:
    """Cell annotations: share as % or raw count; blank for zero to reduce clutter."""
    if normalized:
        return [[f"{v:.0%}" if v else "" for v in row] for row in z]
    return [[f"{int(v)}" if v else "" for v in row] for row in z]


def _confusion_layout(fig: Any, names: list[str], title: str) -> None:
    """Category axes in frequency order, first class at the top-left, sized by the class count."""
    n = len(names)
    axis = {**class_axis_style(n), "categoryorder": "array", "categoryarray": names}
    size = class_chart_height(n, extra=260, minimum=450)
    layout: dict[str, Any] = {}
    if n > 30:  # too many columns for a page-wide chart: fix the width, the page scrolls sideways
        layout["width"] = size + 120
    fig.update_layout(
        title=title,
        height=size,
        xaxis={**axis, "title": {"text": "Predicted label"}, "tickangle": -90 if n > 30 else -45, "side": "bottom"},
        yaxis={**axis, "title": {"text": "True label"}, "autorange": "reversed"},
        plot_bgcolor="white",
        **layout,
    )


def confusion_matrix_figure(report: dict, *, normalized: bool = False, max_classes: int = 30,
                            classes: list[str] | None = None) -> Any:
    """Heatmap of true (rows) vs predicted (columns) labels.

    Classes are ordered by test frequency.  Above ``max_classes`` only the classes involved in the
    most errors are drawn (or the ``classes`` the user picked; :func:`confusion_subset` says which in a
    sentence).  Cell numbers are written only up to 20 classes.  A transparent scatter layer sits on
    top of the heatmap because Streamlit's ``on_select`` does not report heatmap clicks but does
    report scatter points (with ``customdata`` = [true, predicted, count, row share]).
    """
    go = _go()
    conf = report.get("confusion")
    if not conf or not conf.get("labels"):
        return _unavailable("Confusion matrix")
    labels = conf["labels"]
    counts = np.asarray(conf["counts"], dtype=float)
    shares = np.asarray(conf["normalized"], dtype=float)
    support = counts.sum(axis=1)
    chosen, _ = confusion_subset(report, max_classes, classes)
    order = sorted(chosen, key=lambda i: (-support[i], i))
    names = [labels[i] for i in order]
    sub_counts, sub_shares = counts[np.ix_(order, order)], shares[np.ix_(order, order)]
    z = sub_shares if normalized else sub_counts
    n = len(names)
    heat = go.Heatmap(
        z=z,
        x=names,
        y=names,
        colorscale="Blues",
        hoverinfo="skip",
        colorbar={"title": {"text": "share of row" if normalized else "count"}},
        zmin=0,
        zmax=1 if normalized else None,
    )
    if n <= 20:
        heat.update(text=_cell_text(z, normalized), texttemplate="%{text}")
    rows, cols = np.meshgrid(range(n), range(n), indexing="ij")
    rows, cols = rows.ravel(), cols.ravel()
    custom = [[names[r], names[c], int(sub_counts[r, c]), float(sub_shares[r, c])] for r, c in zip(rows, cols, strict=True)]
    marker_size = PX_PER_CLASS - 2 if n > 30 else int(max(8, min(40, 600 / n)))
    hit = go.Scatter(
        x=[names[c] for c in cols],
        y=[names[r] for r in rows],
        mode="markers",
        marker={"symbol": "square", "size": marker_size, "color": "rgba(0,0,0,0)"},
        selected={"marker": {"color": "rgba(214,39,40,0.35)"}},
        customdata=custom,
        hovertemplate="True: %{customdata[0]}<br>Predicted: %{customdata[1]}<br>"
        "Count: %{customdata[2]}<br>Share of true label: %{customdata[3]:.1%}<extra></extra>",
        showlegend=False,
    )
    fig = go.Figure([heat, hit])
    title = "Confusion matrix — " + ("share of each true label" if normalized else "counts")
    if n < len(labels):
        title += f" ({n} of {len(labels)} classes)"
    _confusion_layout(fig, names, title)
    return fig


# --------------------------------------------------------------------------- per class


def per_class_f1_figure(report: dict) -> Any:
    """Horizontal bars of F1 per class, worst at the top."""
    go = _go()
    rows = report.get("per_class") or []
    if not rows:
        return _unavailable("F1 per class")
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


# --------------------------------------------------------------------------- binary curves


def roc_figure(report: dict) -> Any:
    """ROC curve with the chance diagonal; AUC in the title."""
    go = _go()
    binary = report.get("binary") or {}
    roc = binary.get("roc")
    if not roc:
        return _unavailable(
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
        title=f"ROC curve — AUC {roc['auc']:.3f} (positive class {_q(binary['positive'])})",
        height=450,
        xaxis={"title": {"text": "False positive rate"}, "range": [0, 1]},
        yaxis={"title": {"text": "True positive rate (recall)"}, "range": [0, 1.02]},
    )
    return fig


def pr_figure(report: dict) -> Any:
    """Precision-recall curve with the 'always positive' baseline; AP in the title."""
    go = _go()
    binary = report.get("binary") or {}
    pr = binary.get("pr")
    if not pr:
        return _unavailable(
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
        title=f"Precision-recall — average precision {pr['average_precision']:.3f} (positive {_q(binary['positive'])})",
        height=450,
        xaxis={"title": {"text": "Recall"}, "range": [0, 1]},
        yaxis={"title": {"text": "Precision"}, "range": [0, 1.02]},
    )
    return fig


# --------------------------------------------------------------------------- calibration


def reliability_figure(report: dict) -> Any:
    """Accuracy per confidence bin against the perfect-calibration diagonal."""
    go = _go()
    cal = report.get("calibration")
    if not cal:
        return _unavailable("Reliability diagram")
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
    go = _go()
    cal = report.get("calibration")
    if not cal:
        return _unavailable("Confidence histogram")
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


# --------------------------------------------------------------------------- robustness & slices


def robustness_figure(report: dict) -> Any:
    """Accuracy drop (percentage points) under each perturbation."""
    go = _go()
    rows = report.get("robustness")
    if not rows:
        return _unavailable("Robustness")
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
    go = _go()
    block = next((s for s in report.get("slices") or [] if s["column"] == column), None)
    if block is None:
        return _unavailable(f"Slices by {column}")
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
