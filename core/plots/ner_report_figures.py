"""Charts of a named-entity report (see core.evaluate.report_ner): which type each true entity was predicted as (the
type-confusion heatmap, with missed and spurious entities set apart), and what happened to the entities of each type
(right, wrong boundaries, wrong type, missed).

Each function takes the report dict (possibly re-loaded from JSON), writes its texts in ``language`` (catalogue
section ``ner_report.chart``) and always returns a figure: a section the run lacks gives a small figure that says so.
Entity types are the user's own names: plotly reads a few HTML tags in its texts, so they are escaped.
plotly is imported lazily.
"""

from __future__ import annotations

import html
from typing import Any

import numpy as np

from core.i18n import translate
from core.plots.class_layout import class_chart_height
from core.plots.fonts import with_fonts
from core.plots.placeholder import unavailable_figure

__all__ = ["OUTCOME_COLOURS", "outcomes_figure", "type_confusion_figure"]

NONE_ROW, MISSED_COLUMN = "(none)", "(missed)"
"""core.ner.metrics' names of the spurious row and the missed column (plots may not import core.ner)."""
OUTCOME_COLOURS = {"correct": "#2ca02c", "boundary": "#ffbf00", "wrong_type": "#ff7f0e",
                   "wrong_type_and_boundary": "#d62728", "missed": "#7f7f7f"}
"""One colour per outcome, from right (green) through half right (amber) to wrong (red) and missed (grey)."""


def _words(language: str, key: str, /, **params: object) -> str:
    return translate(language, f"ner_report.chart.{key}", **params)


def _axis_name(name: str, language: str) -> str:
    """A row or column of the matrix as shown: the edge rows in words, a type escaped (it is user data)."""
    if name == NONE_ROW:
        return _words(language, "no_entity")
    if name == MISSED_COLUMN:
        return _words(language, "missed")
    return html.escape(str(name))


def type_confusion_figure(report: dict, *, language: str = "en") -> Any:
    """Heatmap of true type (rows) against predicted type (columns): the type cells in blue, the "missed" column
    and the "no true entity" row in red, so mistakes of finding are not read as mistakes of naming."""
    import plotly.graph_objects as go

    confusion = report.get("confusion") or {}
    matrix = np.asarray(confusion.get("matrix") or [], dtype=float)
    title = _words(language, "confusion_title")
    if matrix.size == 0:
        return unavailable_figure(title, language=language)
    rows, columns = list(confusion["rows"]), list(confusion["columns"])
    edge = np.zeros(matrix.shape, dtype=bool)
    edge[[i for i, r in enumerate(rows) if r == NONE_ROW], :] = True
    edge[:, [j for j, c in enumerate(columns) if c == MISSED_COLUMN]] = True
    y, x = [_axis_name(r, language) for r in rows], [_axis_name(c, language) for c in columns]
    hover = _words(language, "confusion_hover", true="%{y}", predicted="%{x}", n="%{z}") + "<extra></extra>"
    traces = []
    for part, scale in ((~edge, "Blues"), (edge, "Reds")):
        z = np.where(part, matrix, np.nan)
        top = np.nanmax(z) if np.isfinite(z).any() else 1.0
        traces.append(go.Heatmap(z=z, x=x, y=y, colorscale=scale, zmin=0, zmax=max(top, 1.0), showscale=False,
                                 text=np.where(part, matrix.astype(int).astype(str), ""), texttemplate="%{text}",
                                 hovertemplate=hover, xgap=2, ygap=2))
    fig = go.Figure(traces)
    fig.update_layout(
        title={"text": title, "y": 0.98, "yanchor": "top"}, height=max(300, 150 + 44 * len(rows)),
        xaxis={"title": {"text": _words(language, "predicted_axis")}, "side": "top", "type": "category",
               "automargin": True},
        yaxis={"title": {"text": _words(language, "true_axis")}, "autorange": "reversed", "type": "category",
               "automargin": True},
        margin={"t": 120, "l": 40},
    )
    return with_fonts(fig)


def outcomes_figure(report: dict, *, language: str = "en") -> Any:
    """Stacked horizontal bars, one per true type: how many of its entities were right, had wrong boundaries, the
    wrong type (with or without wrong boundaries), or were missed."""
    import plotly.graph_objects as go

    outcomes = report.get("outcomes") or {}
    matrix = np.asarray(outcomes.get("matrix") or [], dtype=float)
    title = _words(language, "outcomes_title")
    if matrix.size == 0:
        return unavailable_figure(title, language=language)
    types = [html.escape(str(r)) for r in outcomes["rows"]]
    fig = go.Figure()
    for j, outcome in enumerate(outcomes["columns"]):
        name = _words(language, f"outcome_{outcome}")
        fig.add_trace(go.Bar(y=types, x=matrix[:, j], name=name, orientation="h",
                             marker={"color": OUTCOME_COLOURS.get(outcome, "#7f7f7f")},
                             hovertemplate=_words(language, "outcomes_hover", type="%{y}", outcome=name, n="%{x}")
                             + "<extra></extra>"))
    fig.update_layout(
        title={"text": title, "y": 0.98, "yanchor": "top"}, barmode="stack", height=class_chart_height(len(types)) + 40,
        xaxis={"title": {"text": _words(language, "entities_axis")}},
        yaxis={"title": {"text": _words(language, "type_axis")}, "autorange": "reversed", "type": "category"},
        legend={"orientation": "h", "y": 1.0, "yanchor": "bottom", "traceorder": "normal"},
        margin={"t": 110},
    )
    return with_fonts(fig)
