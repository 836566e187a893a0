"""The named-entity (NER) health report's charts: entities per type, and sentence lengths (in words, or in the
model's tokens with a line at the maximum length).

They take the report duck-typed (anything with the :class:`NerCounts` fields, such as
``core.data.ner_health.NerHealth``), because plots import only the kernel, never core.data.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from core.i18n import translate
from core.plots.class_layout import class_axis_style, class_chart_height
from core.plots.fonts import with_fonts

if TYPE_CHECKING:  # plotly is imported lazily: the CLI and tests need not load it
    import plotly.graph_objects as go


class NerCounts(Protocol):
    """The fields of a NER health report the charts read."""

    entity_counts: dict[str, int]
    sentence_lengths: list[int]
    token_lengths: list[int] | None
    max_length: int
    n_long: int | None


def entity_types_figure(report: NerCounts, *, language: str = "en",
                        colours: dict[str, str] | None = None) -> go.Figure | None:
    """Bar chart of entities per type (most frequent first), worded in ``language``, each bar in its type's colour
    from ``colours`` when given (the page's preview chips use the same ones); None without entities."""
    if not report.entity_counts:
        return None
    import plotly.graph_objects as go

    types = list(report.entity_counts)
    counts = [report.entity_counts[k] for k in types]
    entities = translate(language, "ner_health.chart.entities")
    axis = {**class_axis_style(len(types)), "title": {"text": translate(language, "ner_health.chart.type")}}
    fig = go.Figure()
    marker = {"color": [colours.get(k, "#7f7f7f") for k in types]} if colours else None
    if len(types) > 20:  # horizontal bars, one readable row per type
        fig.add_bar(name=entities, x=counts, y=types, orientation="h", marker=marker)
        fig.update_layout(height=class_chart_height(len(types)), yaxis={**axis, "autorange": "reversed"},
                          xaxis={"title": {"text": entities}})
    else:
        fig.add_bar(name=entities, x=types, y=counts, marker=marker)
        fig.update_layout(xaxis=axis, yaxis={"title": {"text": entities}})
    fig.update_layout(title=translate(language, "ner_health.chart.per_type"))
    return with_fonts(fig)


def sentence_length_figure(report: NerCounts, *, language: str = "en") -> go.Figure | None:
    """Histogram of sentence lengths: in the model's tokens with a dashed line at ``max_length`` when the report has
    token lengths, else in words; None for an empty report."""
    tokens = report.token_lengths
    values = tokens if tokens else report.sentence_lengths
    if not values:
        return None
    import plotly.graph_objects as go

    sentences = translate(language, "ner_health.chart.sentences")
    fig = go.Figure(go.Histogram(x=values, nbinsx=40, name=sentences))
    if tokens:
        fig.add_vline(x=report.max_length, line_dash="dash", line_color="red", annotation_position="top right",
                      annotation_text=translate(language, "ner_health.chart.max_length", n=report.max_length,
                                                long=f"{report.n_long or 0:,}"))
    unit = "ner_health.chart.tokens" if tokens else "ner_health.chart.words"
    fig.update_layout(title=translate(language, "ner_health.chart.lengths"), xaxis={"title": {"text": translate(language, unit)}},
                      yaxis={"title": {"text": sentences}}, bargap=0.05)
    return with_fonts(fig)
