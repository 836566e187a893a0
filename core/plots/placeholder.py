"""The figure drawn in place of a chart a run cannot have (no calibration data, a multi-class ROC, ...): a
small empty figure with a centred note, so callers (the UI and the HTML export) never special-case a
missing report section.  plotly is imported lazily.
"""

from __future__ import annotations

from typing import Any

from core.i18n import translate
from core.plots.fonts import with_fonts


def unavailable_figure(title: str, message: str | None = None, *, language: str = "en") -> Any:
    """Empty figure titled ``title`` with ``message`` (default: "Not available for this run." in ``language``)
    in the middle, instead of an exception."""
    import plotly.graph_objects as go

    if message is None:
        message = translate(language, "report.chart.unavailable")

    fig = go.Figure()
    fig.add_annotation(text=message, showarrow=False, x=0.5, y=0.5, xref="paper", yref="paper", font={"size": 14})
    fig.update_layout(title=title, height=260, xaxis={"visible": False}, yaxis={"visible": False})
    return with_fonts(fig)


def quoted(label: str) -> str:
    """A class name in typographic quotes, for chart titles."""
    return f"‘{label}’"
