"""Streamlit rendering of an evaluation report (see :mod:`core.evaluate.report`).

All numbers come from the report dict; ``predictions`` (the run's
``predictions.parquet`` frame) is only used to list examples and to recompute
binary metrics at a chosen threshold.  User text (example texts, label names)
is only shown through ``st.dataframe`` / ``st.text`` or with Markdown escaped --
never as HTML.  No torch/transformers here: rendering must stay fast.
"""

from __future__ import annotations

import re
from typing import Any

import pandas as pd
import streamlit as st

from core.evaluate import metrics
from core.evaluate.report import METRIC_NAMES, format_metric
from core.plots import classification_figures, confusion, reliability_figures
from core.plots.class_layout import confusion_subset
from core.results import prob_column
from core.text import plural
from pages.components import report_efficiency, report_guard

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
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:])")
_PCT = st.column_config.NumberColumn(format="percent")


def _plain(text: str) -> str:
    """Escape Markdown so label names inside our sentences render literally."""
    return _MD_SPECIAL.sub(r"\\\1", str(text))


def _na(what: str) -> None:
    st.info(f"{what} is not available for this run.")


def _str_frame(predictions: pd.DataFrame | None) -> pd.DataFrame:
    """Predictions with label/pred as strings (the report keys labels as strings)."""
    if predictions is None or len(predictions) == 0:
        return pd.DataFrame(columns=["row_id", "text", "label", "pred", "confidence"])
    frame = predictions.copy()
    for column in ("label", "pred"):
        frame[column] = frame[column].astype(str)
    if "row_id" not in frame:
        frame["row_id"] = range(len(frame))
    return frame


def _example_columns(frame: pd.DataFrame) -> list[str]:
    return [c for c in ("row_id", "text", "label", "pred", "confidence") if c in frame.columns]


def _show_examples(frame: pd.DataFrame, *, key: str) -> None:
    """Examples most confident first, text as plain cells."""
    shown = frame.sort_values("confidence", ascending=False) if "confidence" in frame else frame
    st.dataframe(
        shown[_example_columns(shown)],
        hide_index=True,
        key=key,
        column_config={
            "row_id": st.column_config.NumberColumn("row"),
            "label": st.column_config.TextColumn("true label"),
            "pred": st.column_config.TextColumn("predicted"),
            "confidence": _PCT,
            "text": st.column_config.TextColumn("text", width="large"),
        },
    )


# --------------------------------------------------------------------------- overview


def _overview(report: dict, *, key: str) -> None:
    summary, explanations = report["summary"], report.get("explanations", {})
    noun = report.get("dataset_noun", "texts")
    st.text(f"{summary['n_test']} test {noun}, {summary.get('n_errors', 0)} misclassified.")
    keys = [k for k in _TILE_KEYS if k in summary]
    columns = st.columns(4)
    for i, metric_key in enumerate(keys):
        with columns[i % 4]:
            st.metric(
                METRIC_NAMES[metric_key],
                format_metric(metric_key, summary[metric_key]),
                help=_plain(explanations.get(metric_key, "")) or None,
                border=True,
            )
    with st.expander("What do these numbers mean for this model?"):
        for metric_key, sentence in explanations.items():
            st.text(f"{METRIC_NAMES.get(metric_key, metric_key)}: {sentence}")
    st.subheader("Per class")
    per_class = pd.DataFrame(report["per_class"])
    table_columns = [c for c in ("label", "precision", "recall", "f1", "support", "n_predicted") if c in per_class]
    st.dataframe(
        per_class[table_columns],
        hide_index=True,
        key=f"{key}-per-class",
        column_config={
            "label": st.column_config.TextColumn("class"),
            "precision": st.column_config.NumberColumn("precision", format="percent"),
            "recall": st.column_config.NumberColumn("recall", format="percent"),
            "f1": st.column_config.NumberColumn("F1", format="percent"),
            "support": st.column_config.NumberColumn("test examples", help="Test examples whose true class this is."),
            "n_predicted": st.column_config.NumberColumn("predicted as this class",
                                                         help="Test examples the model assigned to this class."),
        },
    )
    _class_sentences(per_class, key=key)
    st.plotly_chart(classification_figures.per_class_f1_figure(report), key=f"{key}-f1-chart")


def _class_sentences(per_class: pd.DataFrame, *, key: str) -> None:
    """Plain-language recall/precision for one chosen class."""
    if "recall_explanation" not in per_class:
        return
    label = st.selectbox("Explain one class", per_class["label"].tolist(), key=f"{key}-explain-class")
    row = per_class[per_class["label"] == label].iloc[0]
    for column in ("recall_explanation", "precision_explanation", "f1_explanation"):
        if column in row:
            st.text(str(row[column]))


# --------------------------------------------------------------------------- confusion matrix


def _selected_cell(event: Any) -> tuple[str, str] | None:
    """(true, predicted) of the clicked cell, from the scatter layer's customdata."""
    try:
        points = event["selection"]["points"]
    except (KeyError, TypeError):
        return None
    for point in points or []:
        data = point.get("customdata")
        if isinstance(data, (list, tuple)) and len(data) >= 2:
            return str(data[0]), str(data[1])
        if "x" in point and "y" in point:
            return str(point["y"]), str(point["x"])
    return None


def _default_cell(report: dict) -> tuple[str, str]:
    """Most frequent confusion, or the first diagonal cell when there are none."""
    top = report["confusion"].get("top_confusions") or []
    labels = report["confusion"]["labels"]
    return (str(top[0][0]), str(top[0][1])) if top else (labels[0], labels[0])


def _apply_click(event: Any, *, key: str) -> None:
    """A new click on a cell moves the True/Predicted pickers to it (they are drawn after the chart).

    Only a *changed* selection is applied: the chart keeps its selection across reruns, and
    re-applying it would undo every later change the user makes with the pickers.
    """
    cell = _selected_cell(event)
    if cell is None or cell == st.session_state.get(f"{key}-cm-clicked"):
        return
    st.session_state[f"{key}-cm-clicked"] = cell
    st.session_state[f"{key}-cm-true"], st.session_state[f"{key}-cm-pred"] = cell


def _confusion(report: dict, frame: pd.DataFrame, *, key: str) -> None:
    labels = report["confusion"]["labels"]
    normalized = st.toggle("Row-normalised (share of each true label)", key=f"{key}-cm-norm")
    max_classes, picked = 30, []
    if len(labels) > 30:
        left, right = st.columns([1, 2])
        max_classes = left.slider("Classes shown", 2, min(len(labels), 100), 30, key=f"{key}-cm-max")
        picked = right.multiselect("Pick classes", labels, key=f"{key}-cm-classes", placeholder="the classes with the most errors",
                                   help="Leave empty to show the classes with the most errors.")
    fig = confusion.confusion_matrix_figure(report, normalized=normalized, max_classes=max_classes, classes=picked)
    note = confusion_subset(report, max_classes, picked)[1]
    if note:
        st.caption(note)
    # A matrix too wide for the page keeps its size (readable labels); the page scrolls sideways.
    event = st.plotly_chart(fig, on_select="rerun", selection_mode="points", key=f"{key}-cm-chart",
                            width="content" if fig.layout.width else "stretch")
    st.caption("Click a cell to list its test examples, or pick the cell below.")
    _apply_click(event, key=key)
    for name, default in zip(("true", "pred"), _default_cell(report), strict=True):
        if st.session_state.get(f"{key}-cm-{name}") not in labels:
            st.session_state[f"{key}-cm-{name}"] = default
    left, right = st.columns(2)
    true_label = left.selectbox("True label", labels, key=f"{key}-cm-true")
    pred_label = right.selectbox("Predicted label", labels, key=f"{key}-cm-pred")
    cell = frame[(frame["label"] == true_label) & (frame["pred"] == pred_label)]
    st.text(f"True ‘{true_label}’, predicted ‘{pred_label}’: {_examples(len(cell))}.")
    if len(cell):
        _show_examples(cell, key=f"{key}-cm-examples")


def _examples(n: int, what: str = "test example") -> str:
    """'1 test example', '3 test examples'."""
    return plural(n, what)


# --------------------------------------------------------------------------- errors


def _errors(report: dict, frame: pd.DataFrame, *, key: str) -> None:
    # Without predictions fall back to the (capped) list stored in the report.
    wrong = frame[frame["label"] != frame["pred"]] if len(frame) else pd.DataFrame(report.get("errors") or [])
    if wrong.empty:
        st.success("No misclassified examples.")
        return
    left, right = st.columns(2)
    true_filter = left.multiselect("True label", sorted(wrong["label"].unique()), key=f"{key}-err-true")
    pred_filter = right.multiselect("Predicted label", sorted(wrong["pred"].unique()), key=f"{key}-err-pred")
    if true_filter:
        wrong = wrong[wrong["label"].isin(true_filter)]
    if pred_filter:
        wrong = wrong[wrong["pred"].isin(pred_filter)]
    st.text(f"{_examples(len(wrong), 'misclassified example')}, most confident first.")
    _show_examples(wrong, key=f"{key}-err-table")


# --------------------------------------------------------------------------- binary


def _threshold_block(binary: dict, frame: pd.DataFrame, *, key: str) -> None:
    """Slider that recomputes precision/recall/F1 and the 2x2 matrix at a threshold."""
    positive, negative = binary["positive"], binary["negative"]
    column = prob_column(positive)
    if column not in frame:
        st.info("Threshold tuning needs the per-class probability columns, which this run did not save.")
        return
    threshold = st.slider(
        f"Decision threshold: predict ‘{positive}’ when its probability is at least",
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
        col.metric(name.capitalize() if name != "f1" else "F1", f"{100 * result[name]:.1f}%")
    matrix = pd.DataFrame(
        result["confusion_matrix"],
        index=[f"true {negative}", f"true {positive}"],
        columns=[f"predicted {negative}", f"predicted {positive}"],
    )
    st.dataframe(matrix, key=f"{key}-threshold-cm")
    st.text(
        f"At {threshold:.2f} the model flags {result['tp'] + result['fp']} examples as ‘{positive}’: "
        f"{result['tp']} correctly, {result['fp']} wrongly; it misses {result['fn']}."
    )


def _binary(report: dict, frame: pd.DataFrame, *, key: str) -> None:
    binary = report.get("binary")
    if not binary:
        _na("Binary analysis")
        return
    left, right = st.columns(2)
    with left:
        st.plotly_chart(classification_figures.roc_figure(report), key=f"{key}-roc")
    with right:
        st.plotly_chart(classification_figures.pr_figure(report), key=f"{key}-pr")
    _threshold_block(binary, frame, key=key)


# --------------------------------------------------------------------------- other tabs


def _calibration(report: dict, *, key: str) -> None:
    if not report.get("calibration"):
        _na("Calibration")
        return
    st.text(report.get("explanations", {}).get("ece", ""))
    left, right = st.columns(2)
    with left:
        st.plotly_chart(reliability_figures.reliability_figure(report), key=f"{key}-reliability")
    with right:
        st.plotly_chart(reliability_figures.confidence_histogram_figure(report), key=f"{key}-confidence")


def _robustness(report: dict, *, key: str) -> None:
    rows = report.get("robustness")
    if not rows:
        _na("A robustness check")
        return
    st.plotly_chart(reliability_figures.robustness_figure(report), key=f"{key}-robustness")
    st.dataframe(
        pd.DataFrame(rows),
        hide_index=True,
        key=f"{key}-robustness-table",
        column_config={
            "accuracy": _PCT,
            "changed_share": st.column_config.NumberColumn("predictions changed", format="percent"),
            "texts_modified_share": st.column_config.NumberColumn("texts modified", format="percent"),
            "drop": st.column_config.NumberColumn("drop (points)", format="%.1f"),
        },
    )


def _slices(report: dict, *, key: str) -> None:
    slices = report.get("slices") or []
    for skipped in report.get("slices_skipped") or []:
        st.text(f"Column ‘{skipped['column']}’ skipped: {skipped['reason']}")
    if not slices:
        _na("A slice analysis")
        return
    columns = [s["column"] for s in slices]
    column = st.selectbox("Slice by", columns, key=f"{key}-slice-col")
    st.plotly_chart(reliability_figures.slice_figure(report, column), key=f"{key}-slice-chart")
    block = next(s for s in slices if s["column"] == column)
    st.dataframe(
        pd.DataFrame(block["values"]),
        hide_index=True,
        key=f"{key}-slice-table",
        column_config={
            "n": st.column_config.NumberColumn("examples"),
            "accuracy": _PCT,
            "f1_macro": st.column_config.NumberColumn("macro F1", format="percent"),
            "gap_points": st.column_config.NumberColumn("gap to overall (points)", format="%+.1f"),
        },
    )


# --------------------------------------------------------------------------- entry point


def render_report(report: dict, predictions: pd.DataFrame | None, *, key: str) -> None:
    """Render every section of ``report`` in tabs; ``key`` must be unique on the page.

    Sections the run lacks (binary, robustness, efficiency, slices ...) show
    "not available for this run" instead of failing.
    """
    frame = _str_frame(predictions)
    report_guard.render(report)  # would the TF-IDF baseline have won? (above the tabs: users must not miss it)
    names = ["Overview", "Confusion matrix", "Errors"]
    if report.get("binary"):
        names.append("Binary")
    names += ["Calibration", "Robustness", "Efficiency", "Slices"]
    tabs = dict(zip(names, st.tabs(names), strict=True))
    with tabs["Overview"]:
        _overview(report, key=key)
    with tabs["Confusion matrix"]:
        _confusion(report, frame, key=key)
    with tabs["Errors"]:
        _errors(report, frame, key=key)
    if "Binary" in tabs:
        with tabs["Binary"]:
            _binary(report, frame, key=key)
    with tabs["Calibration"]:
        _calibration(report, key=key)
    with tabs["Robustness"]:
        _robustness(report, key=key)
    with tabs["Efficiency"]:
        report_efficiency.render(report, key=key)
    with tabs["Slices"]:
        _slices(report, key=key)
