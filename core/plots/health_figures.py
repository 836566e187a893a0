"""The data health report's charts: examples per class (stacked by split) and the sampled token lengths
against the maximum length.

They take the report duck-typed (anything with the :class:`HealthCounts` fields, such as
``core.data.health.HealthReport``), because plots import only the kernel, never core.data.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from core.i18n import translate
from core.plots.class_layout import class_axis_style, class_chart_height
from core.plots.fonts import with_fonts

if TYPE_CHECKING:  # plotly is imported lazily: the CLI and tests need not load it
    import plotly.graph_objects as go


class HealthCounts(Protocol):
    """The fields of a health report the charts read."""

    label_counts: dict[str, int]
    split_counts: dict[str, dict[str, int]] | None
    token_lengths: list[int] | None
    max_length: int
    truncated_share: float | None


def _split_name(language: str, split: str) -> str:
    # Splits are normalised to train/validation/test; any other name is shown as it is.
    return translate(language, f"data.split.{split}") if split in ("train", "validation", "test") else split


def label_distribution_figure(report: HealthCounts, *, language: str = "en") -> go.Figure:
    """Bar chart of examples per class (stacked by split when the data has a split column), worded in ``language``."""
    import plotly.graph_objects as go

    examples = translate(language, "data.chart.examples")
    classes = list(report.label_counts)
    many = len(classes) > 20  # then horizontal bars, one readable row per class (a tall chart)
    cls, num = ("y", "x") if many else ("x", "y")
    fig = go.Figure()
    if report.split_counts:
        for split, counts in report.split_counts.items():
            fig.add_bar(name=_split_name(language, split), **{cls: classes, num: [counts.get(c, 0) for c in classes]}, orientation="h" if many else "v")
        fig.update_layout(barmode="stack")
    else:
        fig.add_bar(name=examples, **{cls: classes, num: [report.label_counts[c] for c in classes]}, orientation="h" if many else "v")
    axis = {**class_axis_style(len(classes)), "title": {"text": translate(language, "data.chart.class")}}  # category: "1", "2" stay names, not numbers
    if many:
        fig.update_layout(height=class_chart_height(len(classes)), yaxis={**axis, "autorange": "reversed"},
                          xaxis={"title": {"text": examples}})
    else:
        fig.update_layout(xaxis=axis, yaxis={"title": {"text": examples}})
    fig.update_layout(title=translate(language, "data.chart.per_class"))
    return with_fonts(fig)


def length_histogram_figure(report: HealthCounts, *, language: str = "en") -> go.Figure | None:
    """Histogram of sampled token lengths with a line at max_length (worded in ``language``), or None without lengths."""
    if not report.token_lengths:
        return None
    import plotly.graph_objects as go

    fig = go.Figure(go.Histogram(x=report.token_lengths, nbinsx=50, name=translate(language, "data.chart.texts")))
    share = report.truncated_share or 0.0
    fig.add_vline(
        x=report.max_length,
        line_dash="dash",
        line_color="red",
        annotation_text=translate(language, "data.chart.max_length", n=report.max_length, share=f"{share:.1%}"),
        annotation_position="top right",
    )
    fig.update_layout(
        title=translate(language, "data.chart.lengths"),
        xaxis_title=translate(language, "data.chart.tokens"),
        yaxis_title=translate(language, "data.chart.texts"),
        showlegend=False,
    )
    return with_fonts(fig)
