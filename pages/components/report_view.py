"""Streamlit rendering of an evaluation report (see :mod:`core.evaluate.report`).

All numbers come from the report dict; ``predictions`` (the run's
``predictions.parquet`` frame) is only used to list examples and to recompute
binary metrics at a chosen threshold.  User text (example texts, label names)
is only shown through ``st.dataframe`` / ``st.text`` or with Markdown escaped --
never as HTML.  No torch/transformers here: rendering must stay fast.

This module draws the overview tab and lays out the tabs; the others live beside it: report_confusion (confusion
matrix, errors), report_reliability (binary, calibration, robustness, slices), report_efficiency, report_guard
(the baseline verdict above the tabs), and report_tables (shared table pieces).  Multi-label and regression
reports are drawn by report_multilabel and report_regression instead, named-entity reports by report_ner.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core.evaluate.explanations import report_explanations
from core.evaluate.report import format_metric
from core.plots import classification_figures
from core.plots.report_words import metric_name
from core.tasks import MULTI_LABEL, REGRESSION
from pages.components import (
    report_confusion,
    report_efficiency,
    report_guard,
    report_multilabel,
    report_ner,
    report_regression,
    report_reliability,
)
from pages.components import report_tables as tables
from pages.components.i18n import current_language, t
from pages.components.report_multilabel import interval, interval_caption

__all__ = ["render_report"]

_TILE_KEYS = (
    "accuracy",
    "balanced_accuracy",
    "f1_macro",
    "mcc",
    "cohen_kappa",
    "log_loss",
    "ece",
    "precision_macro",
    "recall_macro",
    "f1_weighted",
)


def _metric_value(key: str, value: float | None) -> str:
    """A summary metric as the tiles show it (core's format; its few words in this language)."""
    if value is None:
        return t("report.na_value")
    if key == "ece":
        return t("report.ece_points", value=f"{100 * value:.1f}")
    return format_metric(key, value)


def _overview(report: dict, *, key: str) -> None:
    summary, explanations = report["summary"], report.get("explanations", {})
    language = current_language()
    noun = report.get("dataset_noun", "texts")  # core's English noun; "texts" (the default) has a translation
    noun = t("report.noun_texts") if noun == "texts" else noun
    st.text(t("report.overview.counts", n_test=summary["n_test"], noun=noun, n_errors=summary.get("n_errors", 0)))
    keys = [k for k in _TILE_KEYS if k in summary]
    columns = st.columns(4)
    for i, metric_key in enumerate(keys):
        with columns[i % 4]:
            st.metric(
                metric_name(language, metric_key),
                _metric_value(metric_key, summary[metric_key]),
                help=tables.plain(explanations.get(metric_key, "")) or None,
                border=True,
            )
            interval_caption(interval(report, metric_key))
    with st.expander(t("report.overview.meaning")):
        for metric_key, sentence in explanations.items():
            st.text(t("report.overview.explanation_line", metric=metric_name(language, metric_key), sentence=sentence))
    st.subheader(t("report.overview.per_class"))
    per_class = pd.DataFrame(report["per_class"])
    tables.table(per_class, {
        "label": ("class", tables.text),
        "precision": ("precision", tables.percent),
        "recall": ("recall", tables.percent),
        "f1": ("f1", tables.percent),
        "support": ("support", lambda name: st.column_config.NumberColumn(name, help=t("report.col.support_help"))),
        "n_predicted": ("n_predicted",
                        lambda name: st.column_config.NumberColumn(name, help=t("report.col.n_predicted_help"))),
    }, key=f"{key}-per-class")
    _class_sentences(per_class, key=key)
    st.plotly_chart(classification_figures.per_class_f1_figure(report, language=language), key=f"{key}-f1-chart")


def _class_sentences(per_class: pd.DataFrame, *, key: str) -> None:
    """Plain-language recall/precision for one chosen class."""
    if "recall_explanation" not in per_class:
        return
    label = st.selectbox(t("report.overview.explain_class"), per_class["label"].tolist(), key=f"{key}-explain-class")
    row = per_class[per_class["label"] == label].iloc[0]
    for column in ("recall_explanation", "precision_explanation", "f1_explanation"):
        if column in row:
            st.text(str(row[column]))





def render_report(report: dict, predictions: pd.DataFrame | None, *, key: str) -> None:
    """Render every section of ``report`` in tabs; ``key`` must be unique on the page.

    Sections the run lacks (binary, robustness, efficiency, slices ...) show
    "not available for this run" instead of failing.  Multi-label, regression and NER reports have views of their own;
    single-label reports (pairs of texts included) are drawn here.
    """
    target = (report.get("task") or {}).get("target")
    if target == MULTI_LABEL:
        report_multilabel.render(report, predictions, key=key)
        return
    if target == REGRESSION:
        report_regression.render(report, predictions, key=key)
        return
    if target == "ner":  # core.tasks.NER: entity-level report
        report_ner.render(report, predictions, key=key)
        return
    frame = tables.str_frame(predictions)
    # The saved sentences are English: in another language they are written again from the report's own numbers.
    explanations, per_class = report_explanations(report, language=current_language())
    report = {**report, "explanations": explanations, "per_class": per_class}
    report_guard.render(report)  # would the TF-IDF baseline have won? (above the tabs: users must not miss it)
    names = ["overview", "confusion", "errors"]
    if report.get("binary"):
        names.append("binary")
    names += ["calibration", "robustness", "efficiency", "slices"]
    tabs = dict(zip(names, st.tabs([t(f"report.tab.{name}") for name in names]), strict=True))
    with tabs["overview"]:
        _overview(report, key=key)
    with tabs["confusion"]:
        report_confusion.confusion(report, frame, key=key)
    with tabs["errors"]:
        report_confusion.errors(report, frame, key=key)
    if "binary" in tabs:
        with tabs["binary"]:
            report_reliability.binary(report, frame, key=key)
    with tabs["calibration"]:
        report_reliability.calibration(report, key=key)
    with tabs["robustness"]:
        report_reliability.robustness(report, key=key)
    with tabs["efficiency"]:
        report_efficiency.render(report, key=key)
    with tabs["slices"]:
        report_reliability.slices(report, key=key)
