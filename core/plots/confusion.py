"""The confusion-matrix heatmap: the one drawing of a confusion matrix, used by a run's report (page and
HTML export) and by the side-by-side comparison of runs.

Options cover both uses: counts or row shares, a subset of classes when there are too many (the rule is
:func:`core.plots.class_layout.confusion_subset`), and a shared class order so several runs' matrices
line up.  plotly is imported lazily.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from core.plots.class_layout import PX_PER_CLASS, class_axis_style, class_chart_height, confusion_subset
from core.plots.fonts import with_fonts
from core.plots.placeholder import unavailable_figure
from core.plots.report_words import chart_text

MAX_CELL_TEXT = 20  # cell numbers are written up to this many classes; beyond, they no longer fit


def _cell_text(z: np.ndarray, normalized: bool) -> list[list[str]]:
    """Cell annotations: share as % or raw count; blank for zero to reduce clutter."""
    if normalized:
        return [[f"{v:.0%}" if v else "" for v in row] for row in z]
    return [[f"{int(v)}" if v else "" for v in row] for row in z]


def _layout(fig: Any, names: list[str], title: str, language: str) -> None:
    """Category axes in the drawn order, first class at the top-left, sized by the class count."""
    n = len(names)
    axis = {**class_axis_style(n), "categoryorder": "array", "categoryarray": names}
    size = class_chart_height(n, extra=260, minimum=450)
    layout: dict[str, Any] = {}
    if n > 30:  # too many columns for a page-wide chart: fix the width, the page scrolls sideways
        layout["width"] = size + 120
    fig.update_layout(
        title=title,
        height=size,
        xaxis={**axis, "title": {"text": chart_text(language, "confusion_x")}, "tickangle": -90 if n > 30 else -45, "side": "bottom"},
        yaxis={**axis, "title": {"text": chart_text(language, "confusion_y")}, "autorange": "reversed"},
        plot_bgcolor="white",
        **layout,
    )


def _draw_order(labels: list[str], chosen: list[int], support: np.ndarray, order: Sequence[str] | None) -> list[int]:
    """Indices of the drawn classes: in ``order`` where given (so runs share axes), else by test frequency."""
    rank = {str(name): i for i, name in enumerate(order or ())}
    return sorted(chosen, key=lambda i: (rank.get(str(labels[i]), len(rank)), -support[i], i))


def confusion_matrix_figure(report: dict, *, normalized: bool = False, max_classes: int | None = 30,
                            classes: list[str] | None = None, order: Sequence[str] | None = None,
                            title: str | None = None, language: str = "en") -> Any:
    """Heatmap of true (rows) vs predicted (columns) labels.

    Classes are ordered by test frequency, or by ``order`` (class names; the comparison passes one order
    to every run).  Above ``max_classes`` (None: never) only the classes involved in the most errors are
    drawn, or the ``classes`` the user picked; :func:`confusion_subset` says which in a sentence.  Cell
    numbers are written only up to 20 classes.  ``title`` replaces the default title (which says counts or
    shares).  A transparent scatter layer sits on top of the heatmap because Streamlit's ``on_select``
    does not report heatmap clicks but does report scatter points (``customdata`` = [true, predicted,
    count, row share]).  Texts are in ``language``.
    """
    import plotly.graph_objects as go

    conf = report.get("confusion")
    if not conf or not conf.get("labels"):
        return unavailable_figure(title or chart_text(language, "confusion_title_na"), language=language)
    labels = conf["labels"]
    counts = np.asarray(conf["counts"], dtype=float)
    shares = np.asarray(conf["normalized"], dtype=float)
    chosen, _ = confusion_subset(report, len(labels) if max_classes is None else max_classes, classes, language=language)
    drawn = _draw_order(labels, chosen, counts.sum(axis=1), order)
    names = [labels[i] for i in drawn]
    sub_counts, sub_shares = counts[np.ix_(drawn, drawn)], shares[np.ix_(drawn, drawn)]
    z = sub_shares if normalized else sub_counts
    n = len(names)
    heat = go.Heatmap(
        z=z,
        x=names,
        y=names,
        colorscale="Blues",
        hoverinfo="skip",
        colorbar={"title": {"text": chart_text(language, "confusion_colorbar_share" if normalized else "confusion_colorbar_count")}},
        zmin=0,
        zmax=1 if normalized else None,
    )
    if n <= MAX_CELL_TEXT:
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
        hovertemplate=chart_text(language, "confusion_hover", true="%{customdata[0]}", pred="%{customdata[1]}",
                                 count="%{customdata[2]}", share="%{customdata[3]:.1%}") + "<extra></extra>",
        showlegend=False,
    )
    fig = go.Figure([heat, hit])
    heading = title or chart_text(language, "confusion_title_shares" if normalized else "confusion_title_counts")
    if n < len(labels):
        heading += chart_text(language, "confusion_subset", n=n, total=len(labels))
    _layout(fig, names, heading, language)
    return with_fonts(fig)
