"""The playground's chart of one multi-label answer: each label's probability as a bar, its threshold as a marker.

A label is predicted when its bar reaches its marker; predicted labels are drawn in green, the others in grey.
Texts are catalogue strings (``serve_tasks.chart``) in ``language``; plotly is imported lazily.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from core.i18n import translate
from core.plots.class_layout import class_axis_style, class_chart_height
from core.plots.fonts import with_fonts

__all__ = ["label_scores_figure"]

_GREEN, _GREY, _MARK = "#2ea043", "#b0b7bf", "#24292f"


def label_scores_figure(labels: Sequence[str], probabilities: Sequence[float], thresholds: Sequence[float], *,
                        language: str = "en") -> Any:
    """Horizontal bars of each label's probability (most probable at the top) with a mark at its threshold."""
    import plotly.graph_objects as go

    def words(key: str, **params: object) -> str:
        return translate(language, f"serve_tasks.chart.{key}", **params)

    rows = sorted(zip(labels, probabilities, thresholds, strict=True), key=lambda r: r[1])  # plotly draws bottom-up
    names = [str(r[0]) for r in rows]
    chosen = [r[1] >= r[2] for r in rows]
    fig = go.Figure()
    fig.add_trace(go.Bar(
        x=[float(r[1]) for r in rows], y=names, orientation="h", name=words("probability"),
        marker={"color": [_GREEN if c else _GREY for c in chosen]},
        hovertemplate=words("bar_hover", label="%{y}", probability="%{x:.1%}") + "<extra></extra>",
    ))
    fig.add_trace(go.Scatter(
        x=[float(r[2]) for r in rows], y=names, mode="markers", name=words("threshold"),
        marker={"symbol": "line-ns-open", "size": 22, "line": {"width": 3, "color": _MARK}, "color": _MARK},
        hovertemplate=words("threshold_hover", label="%{y}", threshold="%{x:.2f}") + "<extra></extra>",
    ))
    fig.update_layout(
        title=words("title"), height=max(220, class_chart_height(len(rows))), bargap=0.35,
        legend={"orientation": "h", "y": -0.25},
        xaxis={"title": {"text": words("probability")}, "range": [0, 1], "tickformat": ".0%"},
        yaxis={**class_axis_style(len(rows)), "title": {"text": words("label")}},
    )
    return with_fonts(fig)
