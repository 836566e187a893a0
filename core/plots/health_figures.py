"""The data health report's charts: examples per class (stacked by split) and the sampled token lengths
against the maximum length; per kind of data (see :mod:`core.tasks`) also labels per text and how often labels
occur together (multi-label), the target's distribution (regression) and the length of each text of a pair.

They take the report duck-typed (anything with the :class:`HealthCounts` fields, such as
``core.data.health.HealthReport``), because plots import only the kernel, never core.data.
"""

from __future__ import annotations

from itertools import pairwise
from typing import TYPE_CHECKING, Any, Protocol

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

    multi = (getattr(report, "task", None) or {}).get("target") == "multi_label"
    examples = translate(language, "task_detect.chart.texts" if multi else "data.chart.examples")
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
    axis = {**class_axis_style(len(classes)),  # category: "1", "2" stay names, not numbers
            "title": {"text": translate(language, "task_detect.chart.label" if multi else "data.chart.class")}}
    if many:
        fig.update_layout(height=class_chart_height(len(classes)), yaxis={**axis, "autorange": "reversed"},
                          xaxis={"title": {"text": examples}})
    else:
        fig.update_layout(xaxis=axis, yaxis={"title": {"text": examples}})
    fig.update_layout(title=translate(language, "task_detect.chart.per_label" if multi else "data.chart.per_class"))
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


def _words(language: str, key: str, /, **params: object) -> str:
    return translate(language, f"task_detect.chart.{key}", **params)


def label_cardinality_figure(report: Any, *, language: str = "en") -> go.Figure | None:
    """Bars of texts by how many labels they have (0, 1, 2, 3+), or None for data that is not multi-label."""
    section = getattr(report, "multi_label", None)
    if not section:
        return None
    import plotly.graph_objects as go

    counts = section["cardinality"]
    fig = go.Figure(go.Bar(x=list(counts), y=list(counts.values()), name=_words(language, "texts")))
    fig.update_layout(title=_words(language, "cardinality"), showlegend=False,
                      xaxis={"type": "category", "title": {"text": _words(language, "n_labels")}},
                      yaxis={"title": {"text": _words(language, "texts")}})
    return with_fonts(fig)


def label_cooccurrence_figure(report: Any, *, language: str = "en") -> go.Figure | None:
    """Heatmap of how many texts carry each pair of the most frequent labels (the diagonal: each label's texts),
    or None for data that is not multi-label or has fewer than two labels."""
    section = getattr(report, "multi_label", None)
    table = (section or {}).get("cooccurrence") or {}
    labels = table.get("labels") or []
    if len(labels) < 2:
        return None
    import plotly.graph_objects as go

    fig = go.Figure(go.Heatmap(z=table["counts"], x=labels, y=labels, colorscale="Blues",
                               name=_words(language, "texts"), text=table["counts"], texttemplate="%{text}"))
    axis = class_axis_style(len(labels))
    fig.update_layout(title=_words(language, "cooccurrence"), height=max(360, class_chart_height(len(labels))),
                      xaxis=axis, yaxis={**axis, "autorange": "reversed"})
    return with_fonts(fig)


def target_histogram_figure(report: Any, *, language: str = "en") -> go.Figure | None:
    """Histogram of a numeric target (from the report's bins), or None for data without a numeric target."""
    section = getattr(report, "regression", None)
    if not section:
        return None
    import plotly.graph_objects as go

    edges, counts = section["histogram"]["edges"], section["histogram"]["counts"]
    centres = [(a + b) / 2 for a, b in pairwise(edges)]
    widths = [b - a for a, b in pairwise(edges)]
    fig = go.Figure(go.Bar(x=centres, y=counts, width=widths, name=_words(language, "texts")))
    fig.add_vline(x=section["mean"], line_dash="dash", line_color="red",
                  annotation_text=f"{_words(language, 'mean')} {section['mean']:.3g}", annotation_position="top right")
    fig.update_layout(title=_words(language, "target"), showlegend=False, bargap=0.05,
                      xaxis={"title": {"text": _words(language, "value")}},
                      yaxis={"title": {"text": _words(language, "texts")}})
    return with_fonts(fig)


def pair_length_figure(report: Any, *, language: str = "en") -> go.Figure | None:
    """Grouped bars of the mean, 95th percentile and longest token length of the first text, the second text and
    the whole pair, with a line at the maximum length; None for data that is not pairs or was not measured."""
    section = getattr(report, "pairs", None)
    if not section:
        return None
    import plotly.graph_objects as go

    parts = {"first": section["first_tokens"], "second": section["second_tokens"], "pair": section["pair_tokens"]}
    names = [_words(language, part) for part in parts]
    fig = go.Figure()
    for stat in ("mean", "p95", "max"):
        fig.add_bar(name=_words(language, stat), x=names, y=[values[stat] for values in parts.values()])
    fig.add_hline(y=section["max_length"], line_dash="dash", line_color="red",
                  annotation_text=_words(language, "max_length", n=section["max_length"]),
                  annotation_position="top left")
    fig.update_layout(title=_words(language, "pair_lengths"), barmode="group",
                      yaxis={"title": {"text": translate(language, "data.chart.tokens")}})
    return with_fonts(fig)
