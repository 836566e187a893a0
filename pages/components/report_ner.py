"""The evaluation report of a named-entity run (see core.evaluate.report_ner): entity-level headline numbers with
their 95 % intervals and a plain sentence each, results per entity type, which type each entity was taken for (and
which were missed or invented), what went wrong per type, and the sentences with mistakes (report_ner_errors).

An entity counts as right only when both its words (boundaries) and its type match, as the CoNLL scorer and seqeval
count it; token accuracy is shown as a secondary number because mostly-"O" text flatters it.  Every number comes from
the report dict.  User text (words, type names) is shown in table cells, chart labels (escaped) or escaped HTML chips.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core.evaluate.report_ner import baseline_verdict
from core.plots import ner_report_figures
from pages.components import report_efficiency, report_guard, report_ner_errors
from pages.components import report_tables as tables
from pages.components.i18n import current_language, t, tr
from pages.components.report_multilabel import headline, interval, metric_value

__all__ = ["HEADLINE", "render"]

HEADLINE = ("f1", "precision", "recall", "f1_macro")
"""The headline tiles, entity F1 (micro: every entity counts once) first."""
_TABS = ("overview", "types", "errors", "efficiency")


def _overview(report: dict, *, key: str) -> None:
    summary = report.get("summary") or {}
    st.text(t("ner_report.counts", sentences=f"{summary.get('n_sentences', 0):,}",
              entities=f"{summary.get('n_entities', 0):,}", predicted=f"{summary.get('n_predicted', 0):,}"))
    st.info(t("ner_report.rule"), icon=":material/rule:")
    headline([(t(f"ner_report.metric.{m}"), metric_value(summary.get(m)), t(f"ner_report.explain.{m}"),
               interval(report, m)) for m in HEADLINE if m in summary], per_row=4)
    if summary.get("token_accuracy") is not None:
        ci = interval(report, "token_accuracy")
        st.caption(t("ner_report.token_accuracy", value=metric_value(summary["token_accuracy"]))
                   + (f" ({ci})" if ci else "") + " " + t("ner_report.explain.token_accuracy"))
    verdict = baseline_verdict(report)  # the lookup baseline: what the model must beat
    if verdict is not None:
        (st.caption if report["summary"]["f1"] > report["baseline"]["summary"]["f1"] else st.warning)(tr(verdict))
    st.subheader(t("ner_report.per_type"))
    rows = report.get("per_type") or []
    if not rows:
        st.info(t("ner_report.no_types"))
        return
    count = lambda help_key: lambda name: st.column_config.NumberColumn(name, help=t(help_key))  # noqa: E731
    tables.table(pd.DataFrame(rows), {
        "type": ("ner_report.col.type", tables.text),
        "precision": ("ner_report.col.precision", tables.percent),
        "recall": ("ner_report.col.recall", tables.percent),
        "f1": ("ner_report.col.f1", tables.percent),
        "support": ("ner_report.col.support", count("ner_report.col.support_help")),
        "predicted": ("ner_report.col.predicted", count("ner_report.col.predicted_help")),
    }, key=f"{key}-ner-per-type")
    st.caption(t("ner_report.per_type_help"))


def _types(report: dict, *, key: str) -> None:
    """The type-confusion heatmap, then the outcome of every true entity per type (chart and table)."""
    language = current_language()
    if not report.get("confusion"):
        st.info(t("ner_report.no_confusion"))
        return
    st.plotly_chart(ner_report_figures.type_confusion_figure(report, language=language), key=f"{key}-ner-confusion")
    st.caption(t("ner_report.confusion_help"))
    outcomes = report.get("outcomes") or {}
    if not outcomes.get("matrix"):
        return
    st.subheader(t("ner_report.outcomes"))
    st.plotly_chart(ner_report_figures.outcomes_figure(report, language=language), key=f"{key}-ner-outcomes")
    st.caption(t("ner_report.outcomes_help"))
    frame = pd.DataFrame(outcomes["matrix"], columns=list(outcomes["columns"]))
    frame.insert(0, "type", [str(r) for r in outcomes["rows"]])
    tables.table(frame, {"type": ("ner_report.col.type", tables.text),
                         **{c: (f"ner_report.kind.{c}" if c != "correct" else "ner_report.col.correct", tables.number)
                            for c in outcomes["columns"]}}, key=f"{key}-ner-outcome-table")


def render(report: dict, predictions: pd.DataFrame | None = None, *, key: str) -> None:
    """Render a named-entity report in tabs; ``key`` must be unique on the page (``predictions`` is not needed:
    the report holds the sentences with mistakes)."""
    report_guard.render(report)
    tabs = dict(zip(_TABS, st.tabs([t(f"ner_report.tab.{name}") for name in _TABS]), strict=True))
    with tabs["overview"]:
        _overview(report, key=key)
    with tabs["types"]:
        _types(report, key=key)
    with tabs["errors"]:
        report_ner_errors.render(report, key=key)
    with tabs["efficiency"]:
        report_efficiency.render(report, key=key)
