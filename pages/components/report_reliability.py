"""The report's binary (ROC, PR, threshold), calibration, robustness and slice tabs."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core.evaluate import metrics
from core.plots import classification_figures, reliability_figures
from core.plots.report_words import perturbation_description, perturbation_name
from core.results import prob_column
from pages.components import report_tables as tables
from pages.components.i18n import current_language, t, tr

# --------------------------------------------------------------------------- binary


def _threshold_block(binary: dict, frame: pd.DataFrame, *, key: str) -> None:
    """Slider that recomputes precision/recall/F1 and the 2x2 matrix at a threshold."""
    positive, negative = binary["positive"], binary["negative"]
    column = prob_column(positive)
    if column not in frame:
        st.info(t("report.binary.needs_probabilities"))
        return
    threshold = st.slider(
        t("report.binary.threshold", positive=positive),
        0.0,
        1.0,
        0.5,
        0.01,
        key=f"{key}-threshold",
    )
    result = metrics.threshold_metrics(
        frame["label"],
        frame[column].astype(float),
        positive=positive,
        negative=negative,
        threshold=threshold,
    )
    cols = st.columns(4)
    for col, name in zip(cols, ("precision", "recall", "f1", "accuracy"), strict=True):
        col.metric(t(f"report.binary.metric.{name}"), f"{100 * result[name]:.1f}%")
    matrix = pd.DataFrame(
        result["confusion_matrix"],
        index=[t("report.binary.true_row", label=label) for label in (negative, positive)],
        columns=[t("report.binary.predicted_column", label=label) for label in (negative, positive)],
    )
    st.dataframe(matrix, key=f"{key}-threshold-cm")
    st.text(t("report.binary.flags", threshold=f"{threshold:.2f}", flagged=result["tp"] + result["fp"], positive=positive,
              tp=result["tp"], fp=result["fp"], fn=result["fn"]))


def binary(report: dict, frame: pd.DataFrame, *, key: str) -> None:
    binary = report.get("binary")
    if not binary:
        tables.na("binary")
        return
    left, right = st.columns(2)
    with left:
        st.plotly_chart(classification_figures.roc_figure(report, language=current_language()), key=f"{key}-roc")
    with right:
        st.plotly_chart(classification_figures.pr_figure(report, language=current_language()), key=f"{key}-pr")
    _threshold_block(binary, frame, key=key)


# --------------------------------------------------------------------------- other tabs


def calibration(report: dict, *, key: str) -> None:
    if not report.get("calibration"):
        tables.na("calibration")
        return
    st.text(report.get("explanations", {}).get("ece", ""))
    scaling = report["calibration"].get("temperature_scaling")
    if scaling:
        st.text(t("report.binary.temperature_scaled", temperature=f"{scaling['temperature']:.2f}",
                  n=f"{scaling['validation_rows']:,}", before=f"{100 * scaling['before']['ece']:.1f}",
                  after=f"{100 * report['calibration']['ece']:.1f}"))
    language = current_language()
    left, right = st.columns(2)
    with left:
        st.plotly_chart(reliability_figures.reliability_figure(report, language=language), key=f"{key}-reliability")
    with right:
        st.plotly_chart(reliability_figures.confidence_histogram_figure(report, language=language),
                        key=f"{key}-confidence")


def robustness(report: dict, *, key: str) -> None:
    rows = report.get("robustness")
    if not rows:
        tables.na("robustness")
        return
    language = current_language()
    st.plotly_chart(reliability_figures.robustness_figure(report, language=language), key=f"{key}-robustness")
    frame = pd.DataFrame(rows)
    if "description" in frame:  # core's fixed sentence per perturbation, in this language
        frame["description"] = [perturbation_description(language, name, text)
                                for name, text in zip(frame["perturbation"], frame["description"], strict=True)]
    frame["perturbation"] = [perturbation_name(language, name) for name in frame["perturbation"]]
    tables.table(frame, {
        "perturbation": ("perturbation", tables.text),
        "description": ("description", tables.text),
        "accuracy": ("accuracy", tables.percent),
        "drop": ("drop", tables.points),
        "changed_share": ("changed_share", tables.percent),
        "texts_modified_share": ("texts_modified_share", tables.percent),
        "n_texts": ("n_texts", tables.number),
    }, key=f"{key}-robustness-table")


def slices(report: dict, *, key: str) -> None:
    slices = report.get("slices") or []
    for skipped in report.get("slices_skipped") or []:
        # The stored message shows in this language; an older report has only the English reason.
        st.text(t("report.slices.skipped", column=skipped["column"], reason=tr(skipped.get("message") or skipped["reason"])))
    if not slices:
        tables.na("slices")
        return
    columns = [s["column"] for s in slices]
    column = st.selectbox(t("report.slices.slice_by"), columns, key=f"{key}-slice-col")
    st.plotly_chart(reliability_figures.slice_figure(report, column, language=current_language()),
                    key=f"{key}-slice-chart")
    block = next(s for s in slices if s["column"] == column)
    tables.table(pd.DataFrame(block["values"]), {
        "value": ("value", tables.text),
        "n": ("n", tables.number),
        "accuracy": ("accuracy", tables.percent),
        "f1_macro": ("f1_macro", tables.percent),
        "gap_points": ("gap_points", lambda name: st.column_config.NumberColumn(name, format="%+.1f")),
    }, key=f"{key}-slice-table")
