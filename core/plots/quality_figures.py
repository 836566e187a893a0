"""The label check's charts: the share of each class's rows proposed as mislabelled, and which (given → suggested)
label pairs the data confuses most.

They take the check's summary as plain dicts and lists (``issues_per_class``, ``rows_per_class``,
``confused_pairs``), because plots import only the kernel, never core.quality.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from core.i18n import translate
from core.plots.class_layout import class_axis_style, class_chart_height
from core.plots.fonts import with_fonts

if TYPE_CHECKING:  # plotly is imported lazily: the CLI and tests need not load it
    import plotly.graph_objects as go

MAX_PAIRS = 15  # the most frequent confusions; the rest are rarer than the last one drawn


def _words(language: str, key: str, /, **params: object) -> str:
    return translate(language, f"labels.chart.{key}", **params)


def issues_per_class_figure(issues_per_class: dict[str, int], rows_per_class: dict[str, int], *,
                            language: str = "en") -> go.Figure:
    """Bars of the share of each class's rows proposed as mislabelled (every class, flagged or not), the count
    written on each bar."""
    import plotly.graph_objects as go

    classes = list(rows_per_class)
    counts = [int(issues_per_class.get(c, 0)) for c in classes]
    shares = [n / max(1, rows_per_class[c]) for n, c in zip(counts, classes, strict=True)]
    text = [_words(language, "bar_text", n=n, rows=rows_per_class[c]) for n, c in zip(counts, classes, strict=True)]
    many = len(classes) > 12
    cls, num = ("y", "x") if many else ("x", "y")
    fig = go.Figure(go.Bar(**{cls: classes, num: shares}, text=text, textposition="auto",
                           orientation="h" if many else "v", name=_words(language, "share"),
                           hovertemplate="%{" + cls + "}: %{text}<extra></extra>"))
    axis = {**class_axis_style(len(classes)), "title": {"text": _words(language, "given")}}
    share_axis = {"title": {"text": _words(language, "share")}, "tickformat": ".0%", "rangemode": "tozero"}
    if many:
        fig.update_layout(height=class_chart_height(len(classes)), yaxis={**axis, "autorange": "reversed"},
                          xaxis=share_axis)
    else:
        fig.update_layout(xaxis=axis, yaxis=share_axis)
    fig.update_layout(title=_words(language, "per_class"), showlegend=False)
    return with_fonts(fig)


def confused_pairs_figure(pairs: list[dict[str, Any]], *, language: str = "en") -> go.Figure | None:
    """Horizontal bars of the most frequent (given → suggested) pairs among the proposed label errors, the most
    frequent on top; None when no row was proposed."""
    if not pairs:
        return None
    import plotly.graph_objects as go

    shown = sorted(pairs, key=lambda p: -int(p["count"]))[:MAX_PAIRS]
    names = [_words(language, "pair", given=p["given"], suggested=p["suggested"]) for p in shown]
    fig = go.Figure(go.Bar(y=names, x=[int(p["count"]) for p in shown], orientation="h",
                           text=[int(p["count"]) for p in shown], textposition="auto", name=_words(language, "rows")))
    fig.update_layout(title=_words(language, "pairs"), showlegend=False,
                      height=class_chart_height(len(shown), per_class=28),
                      yaxis={**class_axis_style(len(shown)), "autorange": "reversed",
                             "title": {"text": _words(language, "pair_axis")}},
                      xaxis={"title": {"text": _words(language, "rows")}, "rangemode": "tozero"})
    return with_fonts(fig)
